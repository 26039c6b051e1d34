package main

import (
	"bytes"
	"context"
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/ossoperator/oss-operator/ossapi"
)

// TestQuickBench runs the benchmark small (50 Buckets, 10 deleted, 10 issued AccessKeys, no
// 5000-Bucket memory step) and checks that the report is complete, that the steady resync wrote
// nothing, and that the issuing phases called RAM. It asserts no timing: the benchmark measures, make
// bench reports.
func TestQuickBench(t *testing.T) {
	assets := os.Getenv("KUBEBUILDER_ASSETS")
	if assets == "" {
		t.Fatal("KUBEBUILDER_ASSETS is not set: run `make test`, which sets it (or " +
			"KUBEBUILDER_ASSETS=$(hack/envtest.sh | tail -1) go test ./hack/bench/)")
	}
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Minute)
	defer cancel()
	tmp := t.TempDir()
	var progress bytes.Buffer
	r, err := run(ctx, options{
		root: filepath.Join("..", ".."), binary: filepath.Join(tmp, "manager"), assets: assets, work: filepath.Join(tmp, "work"),
		buckets: 50, deletes: 10, namespaces: 2, issues: 10, purgeObjects: 3000, purgeVersions: 500, delay: 20 * time.Millisecond, delayMode: delayAnswer, timeout: time.Minute, progress: &progress,
		fairness: true, neighbourHealthy: 10, neighbourSilent: 3, throttleBuckets: 20, changes: 5,
	})
	if err != nil {
		t.Fatalf("run: %v\nprogress:\n%s", err, &progress)
	}

	if r.StartupSeconds <= 0 || r.Config.Concurrency < 1 || r.Config.AccessKeyConcurrency < 1 || r.Config.Resync == "" || r.Config.Operator == "" || r.Machine.CPUs < 1 {
		t.Errorf("incomplete start-up or configuration: %+v, %+v, start-up %v", r.Config, r.Machine, r.StartupSeconds)
	}
	for name, p := range map[string]Phase{"create": r.Create, "resync": r.Resync, "delete": r.Delete} {
		if p.Seconds <= 0 || p.OSSCallsTotal == 0 || p.MinimumCallsTotal == 0 || p.OperatorWrites == nil || p.BenchmarkWrites != p.Buckets {
			t.Errorf("%s: incomplete phase %+v", name, p)
		}
		if p.RAMCallsTotal != 0 || p.Time.Controller != "bucket" {
			t.Errorf("%s: RAM calls %v, controller %q in a Bucket phase", name, p.RAMCalls, p.Time.Controller)
		}
	}

	// The issuing phases: RAM calls by action, each issued key verified with one listing, a Secret
	// created for each; their deletion calls RAM only.
	for name, p := range map[string]Phase{"issue": r.Issue, "delete issued": r.DeleteIssued} {
		if p.AccessKeys != 10 || p.Seconds <= 0 || p.RAMCallsTotal == 0 || p.MinimumRAMCallsTotal == 0 || p.OperatorWrites == nil ||
			p.BenchmarkWrites != p.AccessKeys || p.Time.Controller != "accesskey" || p.Time.Reconciles == 0 || p.Time.RAMRequests == 0 ||
			p.IdleSeconds < p.Seconds {
			t.Errorf("%s: incomplete phase %+v", name, p)
		}
	}
	// A reconcile that loses a status write to a conflict asks RAM again for its user (EntityAlreadyExists,
	// then GetUser), but never issues a second key.
	if r.Issue.RAMCalls["CreateUser"] < 10 || r.Issue.RAMCalls["CreateAccessKey"] != 10 || r.Issue.OSSCalls[ossapi.OpListObjectsV2] < 10 ||
		r.Issue.MinimumRAMCallsTotal != 40 || r.Issue.MinimumCallsTotal != 10 || r.Issue.IdealSeconds <= 0 || r.Issue.GrantedBuckets != 10 {
		t.Errorf("issue: %+v", r.Issue)
	}
	if r.Issue.OperatorWrites["secrets create"] != 10 || r.Issue.OperatorWrites["accesskeys/status update"] < 10 {
		t.Errorf("issue: operator writes %v", r.Issue.OperatorWrites)
	}
	if r.DeleteIssued.RAMCalls["DeleteUser"] != 10 || r.DeleteIssued.RAMCalls["DeletePolicy"] != 10 || r.DeleteIssued.MinimumRAMCallsTotal != 80 {
		t.Errorf("delete issued: %+v", r.DeleteIssued)
	}
	if r.Create.Buckets != 50 || r.Create.OSSCalls[ossapi.OpPutBucket] != 50 || r.Create.IdealSeconds <= 0 || r.Create.OperatorWritesTotal == 0 {
		t.Errorf("create: %+v", r.Create)
	}
	if r.Delete.Buckets != 10 || r.Delete.OSSCalls[ossapi.OpDeleteBucket] != 10 {
		t.Errorf("delete: %+v", r.Delete)
	}

	// The fairness phases: each measured something, and the silent endpoint's Buckets said they wait.
	if f := r.Fairness; f == nil || f.Neighbour == nil || f.Neighbour.AloneSeconds <= 0 || f.Neighbour.BesideSeconds <= 0 ||
		f.Throttle == nil || len(f.Throttle.Accounts) != 2 || len(f.Latency) != 2 {
		t.Fatalf("fairness: incomplete %+v", f)
	}
	for _, a := range r.Fairness.Throttle.Accounts {
		if a.Calls < 20*6 || a.Seconds <= 0 {
			t.Errorf("throttling: account %+v made fewer calls than its 20 creations need", a)
		}
	}
	for _, l := range r.Fairness.Latency {
		if l.Changes != 5 || l.P50Ms <= 0 || l.P99Ms < l.P50Ms || l.Buckets < 40 {
			t.Errorf("latency: %+v", l)
		}
	}

	// The steady resync: no API server write by the operator, and no OSS write.
	if r.Resync.OperatorWritesTotal != 0 || len(r.Resync.OperatorWritesFailed) != 0 {
		t.Errorf("the steady resync made operator writes: %v, failed %v", r.Resync.OperatorWrites, r.Resync.OperatorWritesFailed)
	}
	for op, n := range r.Resync.OSSCalls {
		if !strings.HasPrefix(op, "Get") && !strings.HasPrefix(op, "List") {
			t.Errorf("the steady resync made %d %s calls", n, op)
		}
	}

	if len(r.Memory) != 2 {
		t.Fatalf("memory: %+v, want after the resync and at the end", r.Memory)
	}
	for _, m := range r.Memory {
		if m.RSSBytes <= 0 || m.PeakRSSBytes < m.RSSBytes || m.HeapInuseBytes <= 0 || m.HeapLiveBytes <= 0 || m.Goroutines <= 0 {
			t.Errorf("memory: %+v", m)
		}
	}
	// The purge: 3,500 versions, 4 pages, each listed and deleted once.
	if r.Purge.Buckets != 1 || r.Purge.OSSCalls[ossapi.OpDeleteMultipleObjects] != 4 || r.Purge.OSSCalls[ossapi.OpDeleteBucket] != 1 ||
		r.Purge.MinimumCallsTotal != 10 || r.Purge.IdealSeconds <= 0 {
		t.Errorf("purge: %+v", r.Purge)
	}
	wantTargets := []string{"time to all 50 Ready", "steady resync: OSS calls", "steady resync: operator API writes", "RSS at 50 Buckets",
		"change to Ready, p99, just after a restart", "10 healthy Buckets beside 3 on a silent endpoint", "throttled answers", "no account starved", "purge of 3000 objects and 500 old versions"}
	if len(r.Targets) != len(wantTargets) {
		t.Fatalf("targets: %+v", r.Targets)
	}
	for i, tg := range r.Targets {
		if !strings.HasPrefix(tg.Name, wantTargets[i]) || tg.Target == "" || tg.Measured == "" {
			t.Errorf("target %d: %+v, want %q", i, tg, wantTargets[i])
		}
		if strings.HasPrefix(tg.Name, "steady resync") && !tg.Pass {
			t.Errorf("target missed: %+v", tg)
		}
	}

	// The table and the JSON.
	var table bytes.Buffer
	r.Print(&table)
	for _, s := range []string{"create -> all Ready", "steady resync", "PutBucketVersioning", "buckets/status update", "heap in use", "targets:",
		"issue -> all Ready", "delete issued", "CreateAccessKey", "secrets create", "purge 3000 objects + 500 versions"} {
		if !strings.Contains(table.String(), s) {
			t.Errorf("the table has no %q:\n%s", s, &table)
		}
	}
	path := filepath.Join(tmp, "bench.json")
	if err := r.writeJSON(path); err != nil {
		t.Fatal(err)
	}
	raw, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	var back map[string]any
	if err := json.Unmarshal(raw, &back); err != nil {
		t.Fatal(err)
	}
	for _, k := range []string{"machine", "config", "startupSeconds", "create", "resync", "issue", "deleteIssued", "delete", "memory", "targets"} {
		if _, ok := back[k]; !ok {
			t.Errorf("bench.json has no %q", k)
		}
	}
}

func TestAuditWrites(t *testing.T) {
	lines := strings.Join([]string{
		`{"stage":"ResponseComplete","verb":"patch","user":{"username":"oss-operator"},"objectRef":{"resource":"buckets"},"responseStatus":{"code":200}}`,
		`{"stage":"ResponseComplete","verb":"update","user":{"username":"oss-operator"},"objectRef":{"resource":"buckets","subresource":"status"},"responseStatus":{"code":200}}`,
		`{"stage":"ResponseComplete","verb":"update","user":{"username":"oss-operator"},"objectRef":{"resource":"buckets","subresource":"status"},"responseStatus":{"code":409}}`,
		`{"stage":"ResponseStarted","verb":"update","user":{"username":"oss-operator"},"objectRef":{"resource":"buckets"},"responseStatus":{"code":200}}`,
		`{"stage":"ResponseComplete","verb":"create","user":{"username":"admin"},"objectRef":{"resource":"buckets"},"responseStatus":{"code":201}}`,
	}, "\n") + "\n"
	path := filepath.Join(t.TempDir(), "audit.log")
	if err := os.WriteFile(path, []byte(lines), 0o644); err != nil {
		t.Fatal(err)
	}
	a := &auditLog{path: path}
	ok, failed, _, err := a.writes("oss-operator", 0, a.mark())
	if err != nil {
		t.Fatal(err)
	}
	if len(ok) != 2 || ok["buckets patch"] != 1 || ok["buckets/status update"] != 1 {
		t.Errorf("writes: %v", ok)
	}
	if len(failed) != 1 || failed["buckets/status update"] != 1 {
		t.Errorf("failed: %v", failed)
	}
}

func TestMetrics(t *testing.T) {
	m, err := parseMetrics(strings.NewReader(`# HELP x
controller_runtime_reconcile_total{controller="bucket",result="success"} 7
controller_runtime_reconcile_total{controller="bucket",result="error"} 2
controller_runtime_reconcile_total{controller="accesskey",result="success"} 5
workqueue_depth{controller="bucket",name="bucket"} 0
workqueue_depth{controller="accesskey",name="accesskey"} 3
controller_runtime_active_workers{controller="bucket"} 0
go_memstats_heap_inuse_bytes 1.2e+07
`))
	if err != nil {
		t.Fatal(err)
	}
	if got := m.bucketReconciles(); got != 9 {
		t.Errorf("bucket reconciles %v, want 9", got)
	}
	if !m.idle() {
		t.Error("not idle: only the accesskey queue has work")
	}
	if got := m.sum("go_memstats_heap_inuse_bytes"); got != 12e6 {
		t.Errorf("heap %v", got)
	}
}
