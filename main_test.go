package main

import (
	"runtime"
	"runtime/debug"
	"testing"
)

func TestDescribeBuild(t *testing.T) {
	vcs := func(version string, settings ...string) *debug.BuildInfo {
		info := &debug.BuildInfo{Main: debug.Module{Path: "github.com/ossoperator/oss-operator", Version: version}}
		for i := 0; i+1 < len(settings); i += 2 {
			info.Settings = append(info.Settings, debug.BuildSetting{Key: settings[i], Value: settings[i+1]})
		}
		return info
	}
	const rev = "65192b2f92de9a8bb1d7dd90f38ff34d5fa3121b"
	for _, tc := range []struct {
		name, version, commit string
		info                  *debug.BuildInfo
		want                  string
	}{
		{"stamped, as the Dockerfile does", "0.1.0", rev, vcs("(devel)"), "oss-operator v0.1.0 (commit 65192b2, go)"},
		{"stamped with a v and a short commit", "v0.2.0-rc.1", "abc1234", vcs("(devel)", "vcs.revision", rev), "oss-operator v0.2.0-rc.1 (commit abc1234, go)"},
		{"stamped version only: the commit from the checkout", "0.1.0", "", vcs("(devel)", "vcs.revision", rev, "vcs.modified", "false"), "oss-operator v0.1.0 (commit 65192b2, go)"},
		{"a git checkout with changes", "", "", vcs("v0.0.0-20261130203531-65192b2f92de+dirty", "vcs.revision", rev, "vcs.modified", "true"),
			"oss-operator v0.0.0-20261130203531-65192b2f92de+dirty (commit 65192b2-dirty, go)"},
		{"go install of a release", "", "", vcs("v0.1.0"), "oss-operator v0.1.0 (commit unknown, go)"},
		{"no VCS information (-buildvcs=false)", "", "", vcs("(devel)"), "oss-operator devel (commit unknown, go)"},
		{"no build information", "", "", nil, "oss-operator devel (commit unknown, go)"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			b := describeBuild(tc.version, tc.commit, tc.info)
			if b.GoVersion != runtime.Version() {
				t.Errorf("Go version %q, want %q", b.GoVersion, runtime.Version())
			}
			b.GoVersion = "go"
			if got := b.String(); got != tc.want {
				t.Errorf("got  %q\nwant %q", got, tc.want)
			}
		})
	}
}
