package packaging

import (
	"maps"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"slices"
	"strings"
	"testing"
)

// The image cannot be built here (no registry access), so the Dockerfile is checked against the code: it
// copies every file the manager is built from, builds a static binary, and runs it as nonroot on distroless
// with the entrypoint the Deployments rely on.
func TestDockerfile(t *testing.T) {
	instructions := dockerInstructions(string(readFile(t, "Dockerfile")))

	// Every Go file of every package of this module that the manager imports, and go.mod and go.sum.
	cmd := exec.Command("go", "list", "-deps", "-f", `{{if not .Standard}}{{.Dir}}{{range .GoFiles}} {{.}}{{end}}{{end}}`, ".")
	cmd.Dir = root
	cmd.Env = append(cmd.Environ(), "CGO_ENABLED=0", "GOOS=linux")
	out, err := cmd.Output()
	if err != nil {
		t.Fatalf("go list: %v", err)
	}
	needed := []string{"go.mod", "go.sum"}
	for _, line := range strings.Split(strings.TrimSpace(string(out)), "\n") {
		fields := strings.Fields(line)
		if len(fields) == 0 || !strings.HasPrefix(fields[0], root) {
			continue // a dependency: go mod download fetches it
		}
		rel, _ := filepath.Rel(root, fields[0])
		for _, f := range fields[1:] {
			needed = append(needed, filepath.ToSlash(filepath.Join(rel, f)))
		}
	}

	var copied []string
	for _, in := range instructions {
		if in.cmd == "COPY" && !strings.HasPrefix(in.args[0], "--from") {
			copied = append(copied, in.args[:len(in.args)-1]...)
		}
	}
	for _, f := range needed {
		if !slices.ContainsFunc(copied, func(src string) bool { return src == f || strings.HasPrefix(f, strings.TrimSuffix(src, "/")+"/") }) {
			t.Errorf("the Dockerfile does not copy %s, which the manager is built from", f)
		}
	}

	// .dockerignore allows only what is listed: each COPY source must be let through.
	ignore := strings.Split(string(readFile(t, ".dockerignore")), "\n")
	if slices.Contains(ignore, "*") {
		for _, src := range copied {
			if !slices.Contains(ignore, "!"+src) && !slices.Contains(ignore, "!"+strings.TrimSuffix(src, "/")+"/") {
				t.Errorf(".dockerignore excludes %s, which the Dockerfile copies", src)
			}
		}
	}

	var froms []string
	var build, user, entrypoint string
	for _, in := range instructions {
		switch in.cmd {
		case "FROM":
			froms = append(froms, in.raw)
		case "RUN":
			if strings.Contains(in.raw, "go build") {
				build = in.raw
			}
		case "USER":
			user = in.raw
		case "ENTRYPOINT":
			entrypoint = in.raw
		}
	}
	if len(froms) < 2 {
		t.Fatalf("not a multi-stage build: %q", froms)
	}
	goVersion := regexp.MustCompile(`(?m)^go (\d+\.\d+)`).FindStringSubmatch(string(readFile(t, "go.mod")))
	if goVersion == nil || !strings.Contains(froms[0], "golang:"+goVersion[1]) {
		t.Errorf("the build stage %q does not use the Go version of go.mod (%v)", froms[0], goVersion)
	}
	if !strings.Contains(build, "CGO_ENABLED=0") {
		t.Errorf("the binary is not built static (CGO_ENABLED=0): %q", build)
	}
	if final := froms[len(froms)-1]; !strings.Contains(final, "distroless/static") || !strings.Contains(final, ":nonroot") {
		t.Errorf("the final stage %q is not distroless static nonroot", final)
	}
	if user != "USER 65532:65532" {
		t.Errorf("%q: the image must run as the numeric nonroot user, so that runAsNonRoot can verify it", user)
	}
	if entrypoint != `ENTRYPOINT ["/manager"]` {
		t.Errorf("%q: the Deployments pass only args, so the entrypoint must be /manager", entrypoint)
	}

	// The image reports the release it is (TestManagerVersion runs a binary built with these flags).
	if v := dockerArgs(instructions)["VERSION"]; v != appVersion(t) {
		t.Errorf("ARG VERSION defaults to %q, want the chart's appVersion %q", v, appVersion(t))
	}
	for _, x := range []string{"-X main.version=${VERSION}", "-X main.commit=${REVISION}"} {
		if !strings.Contains(dockerLdflags(t, nil), x) {
			t.Errorf("the build does not stamp the binary with %q: %q", x, build)
		}
	}
}

// dockerArgs are the Dockerfile's ARGs and their defaults.
func dockerArgs(instructions []dockerInstruction) map[string]string {
	args := map[string]string{}
	for _, in := range instructions {
		if in.cmd == "ARG" {
			for _, a := range in.args {
				name, value, _ := strings.Cut(a, "=")
				args[name] = value
			}
		}
	}
	return args
}

// dockerLdflags is the -ldflags of the Dockerfile's go build. With buildArgs (--build-arg values over
// the ARGs' defaults) it is expanded as the build would; with nil it is returned as written.
func dockerLdflags(t *testing.T, buildArgs map[string]string) string {
	t.Helper()
	instructions := dockerInstructions(string(readFile(t, "Dockerfile")))
	for _, in := range instructions {
		if in.cmd != "RUN" || !strings.Contains(in.raw, "go build") {
			continue
		}
		m := regexp.MustCompile(`-ldflags=(?:"([^"]*)"|'([^']*)')`).FindStringSubmatch(in.raw)
		if m == nil {
			t.Fatalf("the build has no -ldflags: %q", in.raw)
		}
		flags := m[1] + m[2]
		if buildArgs == nil {
			return flags
		}
		args := dockerArgs(instructions)
		maps.Copy(args, buildArgs)
		return os.Expand(flags, func(name string) string { return args[name] })
	}
	t.Fatal("the Dockerfile has no go build")
	return ""
}

type dockerInstruction struct {
	cmd  string
	args []string
	raw  string
}

// dockerInstructions splits a Dockerfile into instructions, joining continuation lines and dropping
// comments.
func dockerInstructions(text string) []dockerInstruction {
	var out []dockerInstruction
	var cur string
	for _, line := range strings.Split(text, "\n") {
		trimmed := strings.TrimSpace(line)
		if strings.HasPrefix(trimmed, "#") || (trimmed == "" && cur == "") {
			continue
		}
		if strings.HasSuffix(trimmed, "\\") {
			cur += strings.TrimSuffix(trimmed, "\\") + " "
			continue
		}
		cur += trimmed
		fields := strings.Fields(cur)
		if len(fields) > 0 {
			out = append(out, dockerInstruction{cmd: strings.ToUpper(fields[0]), args: fields[1:], raw: strings.Join(fields, " ")})
		}
		cur = ""
	}
	return out
}
