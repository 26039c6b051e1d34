package main

import (
	"encoding/json"
	"fmt"
	"io"
	"maps"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"text/tabwriter"
	"time"

	ossv1 "github.com/ossoperator/oss-operator/api/v1alpha1"
	"github.com/ossoperator/oss-operator/ossapi"
)

// Report is what a run measured; it is printed as a table and written as JSON.
type Report struct {
	Machine Machine `json:"machine"`
	Config  Config  `json:"config"`
	// StartupSeconds runs from launching the operator to every AccessKey Ready.
	StartupSeconds float64 `json:"startupSeconds"`
	Create         Phase   `json:"create"`
	Resync         Phase   `json:"resync"`
	Delete         Phase   `json:"delete"`
	// Memory is the operator process at each size measured: after the resync (Config.Buckets), at the
	// end of the scenario (after the deletions), and at Config.MemoryBuckets.
	Memory  []Memory `json:"memory"`
	Targets []Target `json:"targets"`
}

// Machine is where the run happened.
type Machine struct {
	CPUs      int    `json:"cpus"`
	MemoryGiB int    `json:"memoryGiB"`
	GoVersion string `json:"goVersion"`
	OS        string `json:"os"`
}

// Config is what the run was asked to do, and how the operator ran.
type Config struct {
	Buckets       int     `json:"buckets"`
	Deleted       int     `json:"deleted"`
	MemoryBuckets int     `json:"memoryBuckets"`
	Namespaces    int     `json:"namespaces"`
	OSSDelayMs    float64 `json:"ossDelayMs"`
	// Concurrency is the operator's controller_runtime_max_concurrent_reconciles for the Bucket
	// controller: main.go's default, since the benchmark does not set the flag.
	Concurrency int    `json:"concurrency"`
	Resync      string `json:"resyncPeriod"`
	Operator    string `json:"operator"` // the command line
}

// Phase is one step of the scenario.
type Phase struct {
	Buckets int     `json:"buckets"`
	Seconds float64 `json:"seconds"`
	// DriverSeconds is how long the benchmark took to send its own writes (creates, annotations,
	// deletes); the phase's clock starts before the first of them.
	DriverSeconds float64 `json:"driverSeconds"`
	// OSSCalls are the emulator's counts by operation during the phase, failed calls included.
	OSSCalls      map[string]int `json:"ossCalls"`
	OSSCallsTotal int            `json:"ossCallsTotal"`
	// MinimumCalls is what the work needs at the least, by operation (see minimum*).
	MinimumCalls      map[string]int `json:"minimumCalls"`
	MinimumCallsTotal int            `json:"minimumCallsTotal"`
	// IdealSeconds is MinimumCallsTotal × the OSS delay / the concurrency (create only).
	IdealSeconds float64 `json:"idealSeconds,omitempty"`
	// OperatorWrites are the API server writes of the operator's own user, from the audit log, by
	// "resource[/subresource] verb"; failed ones (conflicts) are listed apart.
	OperatorWrites          map[string]int `json:"operatorWrites"`
	OperatorWritesTotal     int            `json:"operatorWritesTotal"`
	OperatorWritesPerBucket float64        `json:"operatorWritesPerBucket"`
	OperatorWritesFailed    map[string]int `json:"operatorWritesFailed,omitempty"`
	// BenchmarkWrites are the benchmark's own writes during the phase (not the operator's).
	BenchmarkWrites int `json:"benchmarkWrites"`
	// Time is where the operator's time went, from its own metrics.
	Time Breakdown `json:"time"`
}

// Breakdown is where the Bucket controller's time went during a phase, from the differences of the
// operator's metrics between its start and its end.
type Breakdown struct {
	Reconciles      int `json:"reconciles"`
	ReconcileErrors int `json:"reconcileErrors"`
	// MeanReconcileMs is the mean duration of a Bucket reconcile.
	MeanReconcileMs float64 `json:"meanReconcileMs"`
	// WorkerUtilization is the time spent reconciling Buckets over the time the workers had
	// (concurrency × the phase's duration): below 1, workers waited for work.
	WorkerUtilization float64 `json:"workerUtilization"`
	// OSSRequests and MeanOSSMs are the operator's HTTP requests to OSS (every attempt).
	OSSRequests int     `json:"ossRequests"`
	MeanOSSMs   float64 `json:"meanOssMs"`
	// MeanAPIWriteMs is how long the API server took, from receiving the request to the complete
	// response, for the operator's writes, by "resource[/subresource] verb" (from the audit log).
	MeanAPIWriteMs map[string]float64 `json:"meanApiWriteMs"`
	// CPUSeconds is the CPU time each process used during the phase: the operator, kube-apiserver,
	// etcd, and this process (the benchmark and the emulator).
	CPUSeconds map[string]float64 `json:"cpuSeconds"`
	// MachineBusy is their sum over what the machine's CPUs could give in the phase.
	MachineBusy float64 `json:"machineBusy"`
}

// Memory is the operator process at one number of Buckets.
type Memory struct {
	Buckets int    `json:"buckets"`
	When    string `json:"when"`
	// RSSBytes is VmRSS from /proc/<pid>/status; PeakRSSBytes is VmHWM.
	RSSBytes     int64 `json:"rssBytes"`
	PeakRSSBytes int64 `json:"peakRssBytes"`
	// HeapInuseBytes is go_memstats_heap_inuse_bytes when measured; HeapLiveBytes is
	// go_gc_heap_live_bytes, the heap marked live by the last GC (what HeapInuse after runtime.GC()
	// approximates in-process).
	HeapInuseBytes int64 `json:"heapInuseBytes"`
	HeapLiveBytes  int64 `json:"heapLiveBytes"`
}

// Target is one of the targets, met or not.
type Target struct {
	Name     string `json:"name"`
	Target   string `json:"target"`
	Measured string `json:"measured"`
	Pass     bool   `json:"pass"`
}

// benchSpec is the spec of every benchmark Bucket: three managed settings.
func benchSpec(policy ossv1.DeletionPolicy) ossv1.BucketSpec {
	days := int32(30)
	s := ossv1.BucketSpec{AccessKeyRef: ossv1.AccessKeyReference{Name: credentials}, DeletionPolicy: policy}
	s.Versioning = "Enabled"
	s.Tags = map[string]string{"a": "b"}
	s.Lifecycle = &ossv1.Lifecycle{Rules: []ossv1.LifecycleRule{{ID: "expire-tmp", Prefix: "tmp/", Expiration: &ossv1.LifecycleExpiration{Days: &days}}}}
	return s
}

// minimumCreate is the least a new bucket with benchSpec's settings costs, following
// BucketReconciler.create and the settings' facets:
//
//   - GetBucketInfo answers NoSuchBucket: the bucket must be created;
//   - PutBucket;
//   - PutBucketTags, once: the ownership tag and the declared tags together;
//   - GetBucketInfo again, for the status (location, endpoints, creation time);
//   - the settings of a fresh bucket are compared with OSS's defaults for a new bucket, not read:
//     versioning (off by default) and lifecycle (none) are each one write; tags are already equal.
func minimumCreate(n int) map[string]int {
	return map[string]int{
		ossapi.OpGetBucketInfo: 2 * n, ossapi.OpPutBucket: n, ossapi.OpPutBucketTags: n,
		ossapi.OpPutBucketVersioning: n, ossapi.OpPutBucketLifecycle: n,
	}
}

// minimumResync is the least a resync of a bucket in sync costs: GetBucketInfo (existence, region,
// storage class, and versioning), GetBucketTags (ownership, and the tags setting), and
// GetBucketLifecycle; no write.
func minimumResync(n int) map[string]int {
	return map[string]int{ossapi.OpGetBucketInfo: n, ossapi.OpGetBucketTags: n, ossapi.OpGetBucketLifecycle: n}
}

// minimumDelete is the least deleting an empty bucket of ours costs: GetBucketInfo, GetBucketTags
// (ours?), ListObjectVersions and ListMultipartUploads (empty? ListObjects alone misses old versions,
// delete markers and uploads), DeleteBucket.
func minimumDelete(n int) map[string]int {
	return map[string]int{
		ossapi.OpGetBucketInfo: n, ossapi.OpGetBucketTags: n, ossapi.OpListObjectVersions: n,
		ossapi.OpListMultipartUploads: n, ossapi.OpDeleteBucket: n,
	}
}

func sum(m map[string]int) int {
	n := 0
	for _, v := range m {
		n += v
	}
	return n
}

// evaluate fills in the targets of the issue.
func (r *Report) evaluate() {
	r.Targets = nil
	startup := r.StartupSeconds
	limit := 1.25*r.Create.IdealSeconds + startup
	r.Targets = append(r.Targets, Target{
		Name:     fmt.Sprintf("time to all %d Ready", r.Create.Buckets),
		Target:   fmt.Sprintf("<= 1.25 x ideal %.1fs + start-up %.1fs = %.1fs", r.Create.IdealSeconds, startup, limit),
		Measured: fmt.Sprintf("%.1fs (%.2f x ideal)", r.Create.Seconds, r.Create.Seconds/r.Create.IdealSeconds),
		Pass:     r.Create.Seconds <= limit,
	})
	extra := map[string]int{}
	for op, n := range r.Resync.OSSCalls {
		if d := n - r.Resync.MinimumCalls[op]; d != 0 {
			extra[op] = d
		}
	}
	for op, n := range r.Resync.MinimumCalls {
		if _, ok := r.Resync.OSSCalls[op]; !ok && n > 0 {
			extra[op] = -n
		}
	}
	measured := fmt.Sprintf("%d OSS calls, the minimum", r.Resync.OSSCallsTotal)
	if len(extra) > 0 {
		measured = fmt.Sprintf("%d OSS calls, minimum %d (difference by operation: %s)", r.Resync.OSSCallsTotal, r.Resync.MinimumCallsTotal, formatCounts(extra))
	}
	r.Targets = append(r.Targets, Target{
		Name:     "steady resync: OSS calls",
		Target:   fmt.Sprintf("the minimum reads (%d), no OSS write", r.Resync.MinimumCallsTotal),
		Measured: measured,
		Pass:     len(extra) == 0,
	})
	r.Targets = append(r.Targets, Target{
		Name:     "steady resync: operator API writes",
		Target:   "0",
		Measured: fmt.Sprint(r.Resync.OperatorWritesTotal + sum(r.Resync.OperatorWritesFailed)),
		Pass:     r.Resync.OperatorWritesTotal+sum(r.Resync.OperatorWritesFailed) == 0,
	})
	for _, m := range r.Memory {
		if m.Buckets == r.Config.Buckets {
			r.Targets = append(r.Targets, Target{
				Name:     fmt.Sprintf("RSS at %d Buckets", m.Buckets),
				Target:   "<= 150 MiB",
				Measured: mib(m.RSSBytes),
				Pass:     m.RSSBytes > 0 && m.RSSBytes <= 150<<20,
			})
			break
		}
	}
}

// Print writes the report as tables.
func (r *Report) Print(w io.Writer) {
	fmt.Fprintf(w, "\noss-operator benchmark: %d Buckets (%d namespaces), OSS delay %.0f ms on every call, concurrency %d, resync %s\n",
		r.Config.Buckets, r.Config.Namespaces, r.Config.OSSDelayMs, r.Config.Concurrency, r.Config.Resync)
	fmt.Fprintf(w, "machine: %d CPUs, %d GiB, %s, %s\n", r.Machine.CPUs, r.Machine.MemoryGiB, r.Machine.GoVersion, r.Machine.OS)
	fmt.Fprintf(w, "operator: %s\n\n", r.Config.Operator)

	tw := tabwriter.NewWriter(w, 0, 0, 2, ' ', 0)
	fmt.Fprintln(tw, "phase\tbuckets\ttime\tOSS calls (min)\toperator API writes (per bucket)\tbenchmark writes (sent in)")
	fmt.Fprintf(tw, "start-up\t\t%.1fs\t\t\t\n", r.StartupSeconds)
	for _, p := range []struct {
		name string
		ph   Phase
	}{{"create -> all Ready", r.Create}, {"steady resync", r.Resync}, {"delete", r.Delete}} {
		fmt.Fprintf(tw, "%s\t%d\t%.1fs\t%d (%d)\t%d (%.2f)\t%d (%.1fs)\n", p.name, p.ph.Buckets, p.ph.Seconds, p.ph.OSSCallsTotal,
			p.ph.MinimumCallsTotal, p.ph.OperatorWritesTotal, p.ph.OperatorWritesPerBucket, p.ph.BenchmarkWrites, p.ph.DriverSeconds)
	}
	_ = tw.Flush()

	fmt.Fprintln(w, "\nOSS calls by operation (minimum in parentheses):")
	tw = tabwriter.NewWriter(w, 0, 0, 2, ' ', 0)
	fmt.Fprintln(tw, "operation\tcreate\tresync\tdelete")
	phases := []Phase{r.Create, r.Resync, r.Delete}
	for _, op := range keysOf(phases, func(p Phase) []map[string]int { return []map[string]int{p.OSSCalls, p.MinimumCalls} }) {
		fmt.Fprintf(tw, "%s\t%s\t%s\t%s\n", op, cell(r.Create, op), cell(r.Resync, op), cell(r.Delete, op))
	}
	_ = tw.Flush()

	fmt.Fprintln(w, "\noperator API writes by resource and verb (failed in parentheses):")
	tw = tabwriter.NewWriter(w, 0, 0, 2, ' ', 0)
	fmt.Fprintln(tw, "write\tcreate\tresync\tdelete")
	for _, k := range keysOf(phases, func(p Phase) []map[string]int { return []map[string]int{p.OperatorWrites, p.OperatorWritesFailed} }) {
		fmt.Fprintf(tw, "%s\t%s\t%s\t%s\n", k, writeCell(r.Create, k), writeCell(r.Resync, k), writeCell(r.Delete, k))
	}
	_ = tw.Flush()

	fmt.Fprintln(w, "\nwhere the Bucket controller's time went (operator metrics):")
	tw = tabwriter.NewWriter(w, 0, 0, 2, ' ', 0)
	fmt.Fprintln(tw, "phase\treconciles (errors)\tmean reconcile\tworker utilization\tOSS requests x mean\tAPI server time per write")
	for _, p := range []struct {
		name string
		ph   Phase
	}{{"create", r.Create}, {"resync", r.Resync}, {"delete", r.Delete}} {
		t := p.ph.Time
		var api []string
		for _, k := range slices.Sorted(maps.Keys(t.MeanAPIWriteMs)) {
			api = append(api, fmt.Sprintf("%s %.1f ms", k, t.MeanAPIWriteMs[k]))
		}
		fmt.Fprintf(tw, "%s\t%d (%d)\t%.1f ms\t%.0f%%\t%d x %.1f ms\t%s\n", p.name, t.Reconciles, t.ReconcileErrors, t.MeanReconcileMs,
			100*t.WorkerUtilization, t.OSSRequests, t.MeanOSSMs, strings.Join(api, ", "))
	}
	_ = tw.Flush()

	fmt.Fprintln(w, "\nCPU seconds used during each phase:")
	tw = tabwriter.NewWriter(w, 0, 0, 2, ' ', 0)
	fmt.Fprintln(tw, "phase\toperator\tkube-apiserver\tetcd\tbenchmark+emulator\tmachine busy")
	for _, p := range []struct {
		name string
		ph   Phase
	}{{"create", r.Create}, {"resync", r.Resync}, {"delete", r.Delete}} {
		c := p.ph.Time.CPUSeconds
		fmt.Fprintf(tw, "%s\t%.1f\t%.1f\t%.1f\t%.1f\t%.0f%%\n", p.name, c["operator"], c["kube-apiserver"], c["etcd"], c["benchmark"], 100*p.ph.Time.MachineBusy)
	}
	_ = tw.Flush()

	fmt.Fprintln(w, "\noperator process memory:")
	tw = tabwriter.NewWriter(w, 0, 0, 2, ' ', 0)
	fmt.Fprintln(tw, "buckets\twhen\tRSS\tpeak RSS\theap in use\theap live (last GC)")
	for _, m := range r.Memory {
		fmt.Fprintf(tw, "%d\t%s\t%s\t%s\t%s\t%s\n", m.Buckets, m.When, mib(m.RSSBytes), mib(m.PeakRSSBytes), mib(m.HeapInuseBytes), mib(m.HeapLiveBytes))
	}
	_ = tw.Flush()

	fmt.Fprintln(w, "\ntargets:")
	tw = tabwriter.NewWriter(w, 0, 0, 2, ' ', 0)
	fmt.Fprintln(tw, "target\trequired\tmeasured\tresult")
	for _, t := range r.Targets {
		result := "PASS"
		if !t.Pass {
			result = "FAIL"
		}
		fmt.Fprintf(tw, "%s\t%s\t%s\t%s\n", t.Name, t.Target, t.Measured, result)
	}
	_ = tw.Flush()
}

func cell(p Phase, op string) string {
	n, least := p.OSSCalls[op], p.MinimumCalls[op]
	if n == 0 && least == 0 {
		return "-"
	}
	return fmt.Sprintf("%d (%d)", n, least)
}

func writeCell(p Phase, k string) string {
	n, failed := p.OperatorWrites[k], p.OperatorWritesFailed[k]
	switch {
	case n == 0 && failed == 0:
		return "-"
	case failed == 0:
		return fmt.Sprint(n)
	}
	return fmt.Sprintf("%d (%d)", n, failed)
}

func formatCounts(m map[string]int) string {
	var parts []string
	for _, k := range slices.Sorted(maps.Keys(m)) {
		parts = append(parts, fmt.Sprintf("%s %+d", k, m[k]))
	}
	return strings.Join(parts, ", ")
}

func mib(b int64) string {
	if b <= 0 {
		return "n/a"
	}
	return fmt.Sprintf("%.1f MiB", float64(b)/(1<<20))
}

func seconds(d time.Duration) float64 { return d.Round(time.Millisecond).Seconds() }

// writeJSON writes the report to path, creating its directory.
func (r *Report) writeJSON(path string) error {
	if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
		return err
	}
	b, err := json.MarshalIndent(r, "", "  ")
	if err != nil {
		return err
	}
	return os.WriteFile(path, append(b, '\n'), 0o644)
}

// keysOf is every key of the maps that counts picks from each phase, sorted: the rows of a table.
func keysOf(phases []Phase, counts func(Phase) []map[string]int) []string {
	keys := map[string]bool{}
	for _, p := range phases {
		for _, m := range counts(p) {
			for k := range m {
				keys[k] = true
			}
		}
	}
	return slices.Sorted(maps.Keys(keys))
}
