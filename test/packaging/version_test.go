package packaging

import (
	"bytes"
	"context"
	"encoding/json"
	"os/exec"
	"path/filepath"
	"regexp"
	"runtime"
	"strings"
	"testing"
	"time"
)

// TestManagerVersion: --version prints one line and exits 0 without a cluster, whether the binary was
// stamped as the Dockerfile stamps it or built from a git checkout; the start-up log records the same
// version.
func TestManagerVersion(t *testing.T) {
	t.Run("as the Dockerfile builds it", func(t *testing.T) {
		const revision = "65192b2f92de9a8bb1d7dd90f38ff34d5fa3121b"
		bin := filepath.Join(t.TempDir(), "manager")
		if err := goBuild(bin, "-ldflags="+dockerLdflags(t, map[string]string{"REVISION": revision})); err != nil {
			t.Fatal(err)
		}
		if got, want := printVersion(t, bin), "oss-operator v"+appVersion(t)+" (commit 65192b2, "+runtime.Version()+")"; got != want {
			t.Errorf("--version printed %q, want %q", got, want)
		}
	})

	t.Run("from a git checkout", func(t *testing.T) {
		head, err := exec.Command("git", "-C", root, "rev-parse", "HEAD").Output()
		if err != nil {
			t.Skipf("not a git checkout, or git cannot read it: %v", err)
		}
		// -buildvcs=true, not the default auto: a GOFLAGS=-buildvcs=false of the machine must not make
		// this pass with "commit unknown".
		bin := filepath.Join(t.TempDir(), "manager")
		if err := goBuild(bin, "-buildvcs=true"); err != nil {
			t.Fatal(err)
		}
		want := `^oss-operator v\S+ \(commit ` + string(head[:7]) + `(-dirty)?, ` + regexp.QuoteMeta(runtime.Version()) + `\)$`
		if got := printVersion(t, bin); !regexp.MustCompile(want).MatchString(got) {
			t.Errorf("--version printed %q, want it to match %s", got, want)
		}
	})

	t.Run("in the start-up log", func(t *testing.T) {
		line := printVersion(t, manager(t))
		m := regexp.MustCompile(`^oss-operator (\S+) \(commit (\S+), (\S+)\)$`).FindStringSubmatch(line)
		if m == nil {
			t.Fatalf("--version printed %q", line)
		}
		ns := newNamespace(t, "version")
		logs := runManager(t, restCfg, []string{"--metrics-bind-address=0", "--health-probe-bind-address=127.0.0.1:0",
			"--cluster-id=packaging", "--watch-namespaces=" + ns, "--claims-namespace=" + ns})
		eventually(t, logs, `the "starting manager" log line with the version`, func() (bool, string) {
			for l := range strings.SplitSeq(logs.String(), "\n") {
				var entry map[string]any
				if json.Unmarshal([]byte(l), &entry) != nil || entry["msg"] != "starting manager" {
					continue
				}
				if entry["version"] != m[1] || entry["commit"] != m[2] || entry["goVersion"] != m[3] {
					return false, "version, commit and goVersion of " + l + " differ from --version's " + line
				}
				return true, ""
			}
			return false, "no such line yet"
		})
	})
}

// printVersion runs bin --version with no cluster to reach, and returns the one line it prints.
func printVersion(t *testing.T, bin string) string {
	t.Helper()
	ctx, cancel := context.WithTimeout(ctx, 30*time.Second)
	defer cancel()
	cmd := exec.CommandContext(ctx, bin, "--version")
	cmd.Env = []string{"HOME=" + t.TempDir(), "KUBECONFIG=" + filepath.Join(t.TempDir(), "missing")}
	var stdout, stderr bytes.Buffer
	cmd.Stdout, cmd.Stderr = &stdout, &stderr
	if err := cmd.Run(); err != nil {
		t.Fatalf("%s --version: %v\nstdout: %s\nstderr: %s", bin, err, &stdout, &stderr)
	}
	out := stdout.String()
	if !strings.HasSuffix(out, "\n") || strings.Count(out, "\n") != 1 || stderr.Len() > 0 {
		t.Fatalf("%s --version: want one line on stdout and nothing on stderr; stdout %q, stderr %q", bin, out, &stderr)
	}
	return strings.TrimSuffix(out, "\n")
}
