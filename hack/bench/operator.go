package main

import (
	"bufio"
	"context"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"os"
	"os/exec"
	"strconv"
	"strings"
	"syscall"
	"time"

	"github.com/ossoperator/oss-operator/ossapi/ram"
)

// operator is the manager binary, built from main.go and run as its own process, so that its memory
// is its own: the emulator and the benchmark stay in this process, etcd and kube-apiserver in theirs.
type operator struct {
	cmd     *exec.Cmd
	metrics string // http://127.0.0.1:PORT/metrics
	args    []string
	done    chan struct{}
	err     error
}

// buildOperator builds the manager as `make build` does.
func buildOperator(ctx context.Context, root, out string) error {
	cmd := exec.CommandContext(ctx, "go", "build", "-o", out, ".")
	cmd.Dir = root
	cmd.Stdout, cmd.Stderr = os.Stderr, os.Stderr
	if err := cmd.Run(); err != nil {
		return fmt.Errorf("building the manager: %w", err)
	}
	return nil
}

// startOperator runs the manager with main.go's defaults except what the benchmark must set: the
// kubeconfig (KUBECONFIG, the operator's own user), loopback ports for metrics and probes, http://
// endpoints (the emulator, for OSS and for RAM at ramURL) and a fixed cluster ID. Its logs go to
// logPath.
// extra are flags added to those.
func startOperator(binary, kubeconfig, logPath, ramURL string, extra ...string) (*operator, error) {
	metricsPort, err := freePort()
	if err != nil {
		return nil, err
	}
	probePort, err := freePort()
	if err != nil {
		return nil, err
	}
	logFile, err := os.Create(logPath)
	if err != nil {
		return nil, err
	}
	args := []string{
		"--metrics-bind-address", "127.0.0.1:" + metricsPort,
		"--health-probe-bind-address", "127.0.0.1:" + probePort,
		"--allowed-endpoints", "127.0.0.1", // the emulator
		"--claims-namespace", "default",
		"--allow-insecure-endpoints",
		"--ram-endpoint", ramURL, // the emulator's RAM, for the issued AccessKeys
		"--cluster-id", "bench",
	}
	args = append(args, extra...)
	cmd := exec.Command(binary, args...)
	cmd.Env = append(os.Environ(), "KUBECONFIG="+kubeconfig)
	cmd.Stdout, cmd.Stderr = logFile, logFile
	if err := cmd.Start(); err != nil {
		logFile.Close()
		return nil, fmt.Errorf("starting the manager: %w", err)
	}
	o := &operator{cmd: cmd, metrics: "http://127.0.0.1:" + metricsPort + "/metrics", args: args, done: make(chan struct{})}
	go func() {
		o.err = cmd.Wait()
		logFile.Close()
		close(o.done)
	}()
	return o, nil
}

func (o *operator) commandLine() string {
	return "bin/manager " + strings.Join(o.args, " ")
}

// stop sends SIGTERM, and SIGKILL if the manager has not exited 30 s later.
func (o *operator) stop() {
	_ = o.cmd.Process.Signal(syscall.SIGTERM)
	select {
	case <-o.done:
	case <-time.After(30 * time.Second):
		_ = o.cmd.Process.Kill()
		<-o.done
	}
}

// alive fails once the manager has exited.
func (o *operator) alive() error {
	select {
	case <-o.done:
		return fmt.Errorf("the manager exited: %v (see its log)", o.err)
	default:
		return nil
	}
}

// scrape reads the metrics endpoint into "name{labels}" -> value.
func (o *operator) scrape(ctx context.Context) (metrics, error) {
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, o.metrics, nil)
	if err != nil {
		return nil, err
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		return nil, err
	}
	defer resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		return nil, fmt.Errorf("metrics: %s", resp.Status)
	}
	return parseMetrics(resp.Body)
}

// metrics are Prometheus text-format samples by "name{labels}" as exposed.
type metrics map[string]float64

func parseMetrics(r io.Reader) (metrics, error) {
	m := metrics{}
	s := bufio.NewScanner(r)
	s.Buffer(make([]byte, 1<<20), 1<<20)
	for s.Scan() {
		line := s.Text()
		if line == "" || line[0] == '#' {
			continue
		}
		i := strings.LastIndexByte(line, ' ')
		if i < 0 {
			continue
		}
		v, err := strconv.ParseFloat(line[i+1:], 64)
		if err != nil {
			continue
		}
		m[line[:i]] = v
	}
	return m, s.Err()
}

// sum adds the samples of a metric whose labels include every one of labels (`controller="bucket"`).
func (m metrics) sum(name string, labels ...string) float64 {
	total := 0.0
	for k, v := range m {
		if k != name && !strings.HasPrefix(k, name+"{") {
			continue
		}
		all := true
		for _, l := range labels {
			if !strings.Contains(k, l) {
				all = false
				break
			}
		}
		if all {
			total += v
		}
	}
	return total
}

// The operator's controllers, by their name in the metrics.
const (
	bucketController    = "bucket"
	accessKeyController = "accesskey"
)

// idle is true when the Bucket controller has no work queued and none running.
func (m metrics) idle() bool { return m.controllerIdle(bucketController) }

// controllerIdle is true when the controller has no work queued and none running.
func (m metrics) controllerIdle(controller string) bool {
	return m.sum("workqueue_depth", `name="`+controller+`"`) == 0 && m.sum("controller_runtime_active_workers", `controller="`+controller+`"`) == 0
}

// allIdle is true when both controllers are idle.
func (m metrics) allIdle() bool { return m.idle() && m.controllerIdle(accessKeyController) }

func (m metrics) bucketReconciles() float64 {
	return m.sum("controller_runtime_reconcile_total", `controller="bucket"`)
}

// ramRequests are the count and the summed seconds of the operator's requests to RAM: the RAM client
// records them in the OSS request metrics, with the Action as the operation.
func (m metrics) ramRequests() (count, seconds float64) {
	for _, action := range ram.Actions {
		count += m.sum("ossoperator_oss_request_duration_seconds_count", `operation="`+action+`"`)
		seconds += m.sum("ossoperator_oss_request_duration_seconds_sum", `operation="`+action+`"`)
	}
	return count, seconds
}

// breakdown is where a controller's time went between two scrapes.
func breakdown(before, after metrics, seconds float64, concurrency int, controller string) Breakdown {
	d := func(name string, labels ...string) float64 {
		return after.sum(name, labels...) - before.sum(name, labels...)
	}
	ctl := `controller="` + controller + `"`
	ramBefore, ramSecondsBefore := before.ramRequests()
	ramAfter, ramSecondsAfter := after.ramRequests()
	ramCount, ramSeconds := ramAfter-ramBefore, ramSecondsAfter-ramSecondsBefore
	b := Breakdown{
		Controller:      controller,
		Reconciles:      int(d("controller_runtime_reconcile_total", ctl)),
		ReconcileErrors: int(d("controller_runtime_reconcile_errors_total", ctl)),
		OSSRequests:     int(d("ossoperator_oss_request_duration_seconds_count") - ramCount),
		RAMRequests:     int(ramCount),
	}
	busy := d("controller_runtime_reconcile_time_seconds_sum", ctl)
	if n := d("controller_runtime_reconcile_time_seconds_count", ctl); n > 0 {
		b.MeanReconcileMs = round1(1000 * busy / n)
	}
	if seconds > 0 && concurrency > 0 {
		b.WorkerUtilization = round1(100*busy/(seconds*float64(concurrency))) / 100
	}
	if b.OSSRequests > 0 {
		b.MeanOSSMs = round1(1000 * (d("ossoperator_oss_request_duration_seconds_sum") - ramSeconds) / float64(b.OSSRequests))
	}
	if b.RAMRequests > 0 {
		b.MeanRAMMs = round1(1000 * ramSeconds / float64(b.RAMRequests))
	}
	return b
}

func round1(v float64) float64 { return float64(int64(v*10+0.5)) / 10 }

// memory reads the process's RSS from /proc and its heap from its metrics.
func (o *operator) memory(ctx context.Context) (Memory, error) {
	var mem Memory
	status, err := os.ReadFile(fmt.Sprintf("/proc/%d/status", o.cmd.Process.Pid))
	if err != nil {
		return mem, fmt.Errorf("reading the manager's RSS (Linux only): %w", err)
	}
	for line := range strings.SplitSeq(string(status), "\n") {
		fields := strings.Fields(line)
		if len(fields) != 3 || fields[2] != "kB" {
			continue
		}
		kb, _ := strconv.ParseInt(fields[1], 10, 64)
		switch fields[0] {
		case "VmRSS:":
			mem.RSSBytes = kb << 10
		case "VmHWM:":
			mem.PeakRSSBytes = kb << 10
		}
	}
	m, err := o.scrape(ctx)
	if err != nil {
		return mem, err
	}
	mem.HeapInuseBytes = int64(m.sum("go_memstats_heap_inuse_bytes"))
	mem.HeapLiveBytes = int64(m.sum("go_gc_heap_live_bytes"))
	mem.Goroutines = int(m.sum("go_goroutines"))
	return mem, nil
}

// processes are the processes whose CPU time a phase records, by role.
type processes map[string]int

// controlPlane finds this process's kube-apiserver and etcd children by their command line.
func controlPlane(self int) processes {
	ps := processes{}
	entries, _ := os.ReadDir("/proc")
	for _, e := range entries {
		pid, err := strconv.Atoi(e.Name())
		if err != nil {
			continue
		}
		stat, err := os.ReadFile(fmt.Sprintf("/proc/%d/stat", pid))
		if err != nil {
			continue
		}
		fields := statFields(stat)
		if len(fields) < 2 || fields[1] != strconv.Itoa(self) {
			continue
		}
		cmdline, _ := os.ReadFile(fmt.Sprintf("/proc/%d/cmdline", pid))
		exe := strings.SplitN(string(cmdline), "\x00", 2)[0]
		switch {
		case strings.HasSuffix(exe, "/kube-apiserver"):
			ps["kube-apiserver"] = pid
		case strings.HasSuffix(exe, "/etcd"):
			ps["etcd"] = pid
		}
	}
	return ps
}

// statFields are the fields of /proc/<pid>/stat after the command name: state, ppid, ...
func statFields(stat []byte) []string {
	s := string(stat)
	if i := strings.LastIndexByte(s, ')'); i >= 0 {
		s = s[i+1:]
	}
	return strings.Fields(s)
}

// cpuSeconds is the user and system CPU time of each process so far (Linux; empty elsewhere).
func (ps processes) cpuSeconds() map[string]float64 {
	out := map[string]float64{}
	for role, pid := range ps {
		stat, err := os.ReadFile(fmt.Sprintf("/proc/%d/stat", pid))
		if err != nil {
			continue
		}
		f := statFields(stat)
		if len(f) < 13 {
			continue
		}
		utime, _ := strconv.ParseFloat(f[11], 64)
		stime, _ := strconv.ParseFloat(f[12], 64)
		out[role] = (utime + stime) / clockTicks
	}
	return out
}

// clockTicks is USER_HZ, 100 on every Linux architecture Go supports.
const clockTicks = 100

func freePort() (string, error) {
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return "", err
	}
	defer l.Close()
	_, port, err := net.SplitHostPort(l.Addr().String())
	return port, err
}

var errTimeout = errors.New("timed out")
