// Package chaos holds the fault test: the operator against an OSS emulator that throttles, resets
// connections and answers slowly, while Buckets are created, changed and deleted and the operator is
// stopped and restarted. The package has no code of its own; see chaos_test.go.
//
// `make test` runs the short version (30 Buckets, 100 ms slow answers); `make chaos` runs the long
// one (200 Buckets, one-second slow answers) with CHAOS_LONG=1.
package chaos
