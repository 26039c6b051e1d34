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
	"github.com/ossoperator/oss-operator/ossapi/ram"
)

// Report is what a run measured; it is printed as a table and written as JSON.
type Report struct {
	Machine Machine `json:"machine"`
	Config  Config  `json:"config"`
	// StartupSeconds runs from launching the operator to every AccessKey Ready.
	StartupSeconds float64 `json:"startupSeconds"`
	Create         Phase   `json:"create"`
	Resync         Phase   `json:"resync"`
	// Issue creates Config.Issued AccessKeys that issue keys (spec.issue), each granted ReadWrite on one
	// of the Buckets, and times them to Ready; DeleteIssued deletes them. Both run after the resync and
	// before Delete, with Buckets of deletionPolicy Retain, so that the Bucket phases are unchanged.
	Issue        Phase `json:"issue"`
	DeleteIssued Phase `json:"deleteIssued"`
	Delete       Phase `json:"delete"`
	// Purge deletes one Bucket of deletionPolicy Purge whose bucket holds Config.PurgeObjects objects
	// and Config.PurgeVersions old versions, until the resource is gone.
	Purge Phase `json:"purge"`
	// Memory is the operator process at each size measured: after the resync (Config.Buckets), at the
	// end of the scenario (after the deletions), and at Config.MemoryBuckets.
	Memory []Memory `json:"memory"`
	// Fairness is measured last, with every Bucket of the memory phase in the cluster.
	Fairness *Fairness `json:"fairness,omitempty"`
	Targets  []Target  `json:"targets"`
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
	Buckets       int `json:"buckets"`
	Deleted       int `json:"deleted"`
	MemoryBuckets int `json:"memoryBuckets"`
	Namespaces    int `json:"namespaces"`
	// Issued is how many issued AccessKeys the issuing phases create and delete.
	Issued int `json:"issued"`
	// PurgeObjects and PurgeVersions fill the bucket of the purge phase (0 objects: no purge phase).
	PurgeObjects  int `json:"purgeObjects"`
	PurgeVersions int `json:"purgeVersions"`
	// OSSDelayMs is how long the emulator takes to answer every call, OSS and RAM alike; OSSDelayMode
	// says whether its own work is part of that time ("answer") or comes on top ("added").
	OSSDelayMs   float64 `json:"ossDelayMs"`
	OSSDelayMode string  `json:"ossDelayMode"`
	// Concurrency is the operator's controller_runtime_max_concurrent_reconciles for the Bucket
	// controller, AccessKeyConcurrency for the AccessKey controller: main.go's default, since the
	// benchmark does not set the flag.
	Concurrency          int    `json:"concurrency"`
	AccessKeyConcurrency int    `json:"accessKeyConcurrency"`
	Resync               string `json:"resyncPeriod"`
	Operator             string `json:"operator"` // the command line
}

// Phase is one step of the scenario.
type Phase struct {
	// Buckets the phase creates, resyncs or deletes; AccessKeys the issued AccessKeys it creates or
	// deletes, and GrantedBuckets the Buckets those grant (issuing phases).
	Buckets        int     `json:"buckets"`
	AccessKeys     int     `json:"accessKeys,omitempty"`
	GrantedBuckets int     `json:"grantedBuckets,omitempty"`
	Seconds        float64 `json:"seconds"`
	// DriverSeconds is how long the benchmark took to send its own writes (creates, annotations,
	// deletes); the phase's clock starts before the first of them.
	DriverSeconds float64 `json:"driverSeconds"`
	// IdleSeconds is when the operator was found idle again (polled every 250 ms), from the same start:
	// later than Seconds when reconciles go on after the outcome the phase waits for.
	IdleSeconds float64 `json:"idleSeconds"`
	// OSSCalls are the emulator's counts by OSS operation during the phase, failed calls included.
	OSSCalls      map[string]int `json:"ossCalls"`
	OSSCallsTotal int            `json:"ossCallsTotal"`
	// MinimumCalls is what the work needs at the least, by OSS operation (see minimum*).
	MinimumCalls      map[string]int `json:"minimumCalls"`
	MinimumCallsTotal int            `json:"minimumCallsTotal"`
	// RAMCalls are the emulator's counts by RAM action during the phase, failed calls included, and
	// MinimumRAMCalls what the work needs at the least (issuing phases; none in the others).
	RAMCalls             map[string]int `json:"ramCalls,omitempty"`
	RAMCallsTotal        int            `json:"ramCallsTotal,omitempty"`
	MinimumRAMCalls      map[string]int `json:"minimumRamCalls,omitempty"`
	MinimumRAMCallsTotal int            `json:"minimumRamCallsTotal,omitempty"`
	// IdealSeconds is (MinimumCallsTotal + MinimumRAMCallsTotal) × the delay / the concurrency of the
	// phase's controller (create, issue and delete issued).
	IdealSeconds float64 `json:"idealSeconds,omitempty"`
	// OperatorWrites are the API server writes of the operator's own user, from the audit log, by
	// "resource[/subresource] verb"; failed ones (conflicts) are listed apart.
	OperatorWrites          map[string]int `json:"operatorWrites"`
	OperatorWritesTotal     int            `json:"operatorWritesTotal"`
	OperatorWritesPerBucket float64        `json:"operatorWritesPerBucket"`
	// OperatorWritesPerAccessKey is OperatorWritesTotal per issued AccessKey (issuing phases).
	OperatorWritesPerAccessKey float64        `json:"operatorWritesPerAccessKey,omitempty"`
	OperatorWritesFailed       map[string]int `json:"operatorWritesFailed,omitempty"`
	// BenchmarkWrites are the benchmark's own writes during the phase (not the operator's).
	BenchmarkWrites int `json:"benchmarkWrites"`
	// Time is where the operator's time went, from its own metrics.
	Time Breakdown `json:"time"`
}

// Breakdown is where the phase's controller's time went (the Bucket controller's, the AccessKey
// controller's in the issuing phases), from the differences of the operator's metrics between its
// start and its end.
type Breakdown struct {
	Controller      string `json:"controller"`
	Reconciles      int    `json:"reconciles"`
	ReconcileErrors int    `json:"reconcileErrors"`
	// MeanReconcileMs is the mean duration of a reconcile of the controller.
	MeanReconcileMs float64 `json:"meanReconcileMs"`
	// WorkerUtilization is the time spent reconciling over the time the workers had (concurrency ×
	// the phase's duration, Seconds): below 1, workers waited for work; above 1, reconciles went on
	// after the outcome (Phase.IdleSeconds).
	WorkerUtilization float64 `json:"workerUtilization"`
	// OSSRequests and MeanOSSMs are the operator's HTTP requests to OSS (every attempt), RAMRequests
	// and MeanRAMMs those to RAM.
	OSSRequests int     `json:"ossRequests"`
	MeanOSSMs   float64 `json:"meanOssMs"`
	RAMRequests int     `json:"ramRequests,omitempty"`
	MeanRAMMs   float64 `json:"meanRamMs,omitempty"`
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
	// Goroutines is go_goroutines: among them, two per idle keep-alive connection to OSS or RAM.
	Goroutines int `json:"goroutines"`
}

// Target is one of the issue's targets, met or not.
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

// minimumIssue is the least a first issue costs, following AccessKeyReconciler.reconcileIssued
// (controllers/accesskey_issue.go) for an AccessKey with one grant and no status yet:
//
//   - RAM: CreateUser (ensureUser: status names no user yet), CreatePolicy (ensurePolicy: status names
//     no policy yet), AttachPolicyToUser (both were just created), and CreateAccessKey (planKeys: no
//     key and no Secret, so a first key; ListAccessKeys is skipped, the user being new);
//   - OSS: one ListObjects (V2, max-keys 1) on the granted bucket signed with the new key (verify),
//     which the emulator answers at once: no retry.
//
// Then the Secret is created and the status written: API writes, no call.
func minimumIssue(n int) (ramCalls, ossCalls map[string]int) {
	return map[string]int{
			ram.ActionCreateUser: n, ram.ActionCreatePolicy: n, ram.ActionAttachPolicyToUser: n, ram.ActionCreateAccessKey: n,
		}, map[string]int{
			ossapi.OpListObjectsV2: n,
		}
}

// minimumDeleteIssued is the least deleting an issued AccessKey costs, following deleteIssued
// (controllers/accesskey_issue_deletion.go), for a user with one key and a policy of one version:
// GetUser (is it ours? its Comments), ListAccessKeys, DeleteAccessKey, DetachPolicyFromUser,
// DeleteUser; GetPolicy (ours? its Description), ListPolicyVersions (only the default: no
// DeletePolicyVersion), DeletePolicy. No OSS call.
func minimumDeleteIssued(n int) map[string]int {
	return map[string]int{
		ram.ActionGetUser: n, ram.ActionListAccessKeys: n, ram.ActionDeleteAccessKey: n, ram.ActionDetachPolicyFromUser: n,
		ram.ActionDeleteUser: n, ram.ActionGetPolicy: n, ram.ActionListPolicyVersions: n, ram.ActionDeletePolicy: n,
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
	defer r.evaluatePurge()
	if r.Config.Buckets == 0 {
		return // a purge-only run
	}
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
	// The RSS after the resync (at --buckets) and, when it ran, once --memory-buckets exist.
	for _, m := range r.Memory {
		if m.When == "after the resync" || m.Buckets == r.Config.MemoryBuckets && m.Buckets > r.Config.Buckets {
			r.Targets = append(r.Targets, Target{
				Name:     fmt.Sprintf("RSS at %d Buckets", m.Buckets),
				Target:   "<= 150 MiB",
				Measured: mib(m.RSSBytes),
				Pass:     m.RSSBytes > 0 && m.RSSBytes <= 150<<20,
			})
		}
	}
	r.Targets = append(r.Targets, r.Fairness.targets()...)
}

// evaluatePurge fills in the purge phase's target, when it ran: at most 1.25 times the time its
// listings take one after another (idealPurge).
func (r *Report) evaluatePurge() {
	if p := r.Purge; p.IdealSeconds > 0 && p.Seconds > 0 {
		r.Targets = append(r.Targets, Target{
			Name:     fmt.Sprintf("purge of %d objects and %d old versions", r.Config.PurgeObjects, r.Config.PurgeVersions),
			Target:   fmt.Sprintf("<= 1.25 x ideal %.2fs = %.2fs", p.IdealSeconds, 1.25*p.IdealSeconds),
			Measured: fmt.Sprintf("%.2fs (%.2f x ideal), %d OSS calls (minimum %d)", p.Seconds, p.Seconds/p.IdealSeconds, p.OSSCallsTotal, p.MinimumCallsTotal),
			Pass:     p.Seconds <= 1.25*p.IdealSeconds,
		})
	}
}

// namedPhase is a phase with its name in the tables.
type namedPhase struct {
	name string
	ph   Phase
}

// phases are the phases run, in order; the issuing phases only when they ran.
func (r *Report) phases() []namedPhase {
	var ps []namedPhase
	if r.Config.Buckets > 0 {
		ps = append(ps, namedPhase{"create", r.Create}, namedPhase{"resync", r.Resync})
	}
	if r.Config.Issued > 0 {
		ps = append(ps, namedPhase{"issue", r.Issue}, namedPhase{"delete issued", r.DeleteIssued})
	}
	if r.Config.Buckets > 0 {
		ps = append(ps, namedPhase{"delete", r.Delete})
	}
	if r.Config.PurgeObjects > 0 {
		ps = append(ps, namedPhase{"purge", r.Purge})
	}
	return ps
}

// Print writes the report as tables.
func (r *Report) Print(w io.Writer) {
	delay := fmt.Sprintf("every OSS and RAM call answered in %.0f ms", r.Config.OSSDelayMs)
	if r.Config.OSSDelayMode == delayAdded {
		delay = fmt.Sprintf("delay %.0f ms on every OSS and RAM call, the emulator's work added", r.Config.OSSDelayMs)
	}
	fmt.Fprintf(w, "\noss-operator benchmark: %d Buckets (%d namespaces), %d issued AccessKeys, %s, concurrency %d (AccessKeys %d), resync %s\n",
		r.Config.Buckets, r.Config.Namespaces, r.Config.Issued, delay, r.Config.Concurrency, r.Config.AccessKeyConcurrency, r.Config.Resync)
	fmt.Fprintf(w, "machine: %d CPUs, %d GiB, %s, %s\n", r.Machine.CPUs, r.Machine.MemoryGiB, r.Machine.GoVersion, r.Machine.OS)
	fmt.Fprintf(w, "operator: %s\n\n", r.Config.Operator)
	phases := r.phases()

	tw := tabwriter.NewWriter(w, 0, 0, 2, ' ', 0)
	fmt.Fprintln(tw, "phase\tbuckets\ttime\tOSS calls (min)\toperator API writes (per bucket)\tbenchmark writes (sent in)")
	fmt.Fprintf(tw, "start-up\t\t%.1fs\t\t\t\n", r.StartupSeconds)
	bucketPhases := []namedPhase{{"create -> all Ready", r.Create}, {"steady resync", r.Resync}, {"delete", r.Delete}}
	if r.Config.Buckets == 0 {
		bucketPhases = nil
	}
	if r.Config.PurgeObjects > 0 {
		bucketPhases = append(bucketPhases, namedPhase{fmt.Sprintf("purge %d objects + %d versions (ideal %.2fs)", r.Config.PurgeObjects, r.Config.PurgeVersions, r.Purge.IdealSeconds), r.Purge})
	}
	for _, p := range bucketPhases {
		fmt.Fprintf(tw, "%s\t%d\t%.1fs\t%d (%d)\t%d (%.2f)\t%d (%.1fs)\n", p.name, p.ph.Buckets, p.ph.Seconds, p.ph.OSSCallsTotal,
			p.ph.MinimumCallsTotal, p.ph.OperatorWritesTotal, p.ph.OperatorWritesPerBucket, p.ph.BenchmarkWrites, p.ph.DriverSeconds)
	}
	_ = tw.Flush()

	if r.Config.Issued > 0 {
		fmt.Fprintln(w, "\nissued AccessKeys (spec.issue), one ReadWrite grant each, issuer the namespace's AccessKey:")
		tw = tabwriter.NewWriter(w, 0, 0, 2, ' ', 0)
		fmt.Fprintln(tw, "phase\taccess keys\ttime (ideal; ratio)\toperator idle at\tRAM calls (min)\tOSS calls (min)\tper access key: RAM (min), OSS (min)\toperator API writes (per access key)\tbenchmark writes (sent in)")
		for _, p := range []namedPhase{{"issue -> all Ready", r.Issue}, {"delete issued", r.DeleteIssued}} {
			n := float64(max(p.ph.AccessKeys, 1))
			ideal := "-"
			if p.ph.IdealSeconds > 0 {
				ideal = fmt.Sprintf("%.1fs; %.2f x", p.ph.IdealSeconds, p.ph.Seconds/p.ph.IdealSeconds)
			}
			fmt.Fprintf(tw, "%s\t%d\t%.1fs (%s)\t%.1fs\t%d (%d)\t%d (%d)\t%.2f (%.0f), %.2f (%.0f)\t%d (%.2f)\t%d (%.1fs)\n", p.name, p.ph.AccessKeys, p.ph.Seconds, ideal, p.ph.IdleSeconds,
				p.ph.RAMCallsTotal, p.ph.MinimumRAMCallsTotal, p.ph.OSSCallsTotal, p.ph.MinimumCallsTotal,
				float64(p.ph.RAMCallsTotal)/n, float64(p.ph.MinimumRAMCallsTotal)/n, float64(p.ph.OSSCallsTotal)/n, float64(p.ph.MinimumCallsTotal)/n,
				p.ph.OperatorWritesTotal, p.ph.OperatorWritesPerAccessKey, p.ph.BenchmarkWrites, p.ph.DriverSeconds)
		}
		_ = tw.Flush()
	}

	names := make([]string, len(phases))
	for i, p := range phases {
		names[i] = p.name
	}
	row := func(tw io.Writer, first string, cells func(Phase) string) {
		fmt.Fprint(tw, first)
		for _, p := range phases {
			fmt.Fprint(tw, "\t"+cells(p.ph))
		}
		fmt.Fprintln(tw)
	}
	just := func(ps []namedPhase) []Phase {
		out := make([]Phase, len(ps))
		for i, p := range ps {
			out[i] = p.ph
		}
		return out
	}

	fmt.Fprintln(w, "\nOSS calls by operation (minimum in parentheses):")
	tw = tabwriter.NewWriter(w, 0, 0, 2, ' ', 0)
	fmt.Fprintln(tw, "operation\t"+strings.Join(names, "\t"))
	for _, op := range keysOf(just(phases), func(p Phase) []map[string]int { return []map[string]int{p.OSSCalls, p.MinimumCalls} }) {
		row(tw, op, func(p Phase) string { return cell(p.OSSCalls[op], p.MinimumCalls[op]) })
	}
	_ = tw.Flush()

	if ramOps := keysOf(just(phases), func(p Phase) []map[string]int { return []map[string]int{p.RAMCalls, p.MinimumRAMCalls} }); len(ramOps) > 0 {
		fmt.Fprintln(w, "\nRAM calls by action (minimum in parentheses):")
		tw = tabwriter.NewWriter(w, 0, 0, 2, ' ', 0)
		fmt.Fprintln(tw, "action\t"+strings.Join(names, "\t"))
		for _, op := range ramOps {
			row(tw, op, func(p Phase) string { return cell(p.RAMCalls[op], p.MinimumRAMCalls[op]) })
		}
		_ = tw.Flush()
	}

	fmt.Fprintln(w, "\noperator API writes by resource and verb (failed in parentheses):")
	tw = tabwriter.NewWriter(w, 0, 0, 2, ' ', 0)
	fmt.Fprintln(tw, "write\t"+strings.Join(names, "\t"))
	for _, k := range keysOf(just(phases), func(p Phase) []map[string]int { return []map[string]int{p.OperatorWrites, p.OperatorWritesFailed} }) {
		row(tw, k, func(p Phase) string { return writeCell(p, k) })
	}
	_ = tw.Flush()

	fmt.Fprintln(w, "\nwhere the controller's time went (operator metrics; the AccessKey controller's in the issuing phases):")
	tw = tabwriter.NewWriter(w, 0, 0, 2, ' ', 0)
	fmt.Fprintln(tw, "phase\treconciles (errors)\tmean reconcile\tworker utilization\tOSS requests x mean\tRAM requests x mean\tAPI server time per write")
	for _, p := range phases {
		t := p.ph.Time
		var api []string
		for _, k := range slices.Sorted(maps.Keys(t.MeanAPIWriteMs)) {
			api = append(api, fmt.Sprintf("%s %.1f ms", k, t.MeanAPIWriteMs[k]))
		}
		ramReqs := "-"
		if t.RAMRequests > 0 {
			ramReqs = fmt.Sprintf("%d x %.1f ms", t.RAMRequests, t.MeanRAMMs)
		}
		fmt.Fprintf(tw, "%s\t%d (%d)\t%.1f ms\t%.0f%%\t%d x %.1f ms\t%s\t%s\n", p.name, t.Reconciles, t.ReconcileErrors, t.MeanReconcileMs,
			100*t.WorkerUtilization, t.OSSRequests, t.MeanOSSMs, ramReqs, strings.Join(api, ", "))
	}
	_ = tw.Flush()

	fmt.Fprintln(w, "\nCPU seconds used during each phase:")
	tw = tabwriter.NewWriter(w, 0, 0, 2, ' ', 0)
	fmt.Fprintln(tw, "phase\toperator\tkube-apiserver\tetcd\tbenchmark+emulator\tmachine busy")
	for _, p := range phases {
		c := p.ph.Time.CPUSeconds
		fmt.Fprintf(tw, "%s\t%.1f\t%.1f\t%.1f\t%.1f\t%.0f%%\n", p.name, c["operator"], c["kube-apiserver"], c["etcd"], c["benchmark"], 100*p.ph.Time.MachineBusy)
	}
	_ = tw.Flush()

	fmt.Fprintln(w, "\noperator process memory:")
	tw = tabwriter.NewWriter(w, 0, 0, 2, ' ', 0)
	fmt.Fprintln(tw, "buckets\twhen\tRSS\tpeak RSS\theap in use\theap live (last GC)\tgoroutines")
	for _, m := range r.Memory {
		fmt.Fprintf(tw, "%d\t%s\t%s\t%s\t%s\t%s\t%d\n", m.Buckets, m.When, mib(m.RSSBytes), mib(m.PeakRSSBytes), mib(m.HeapInuseBytes), mib(m.HeapLiveBytes), m.Goroutines)
	}
	_ = tw.Flush()

	r.Fairness.print(w)

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

func cell(n, least int) string {
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
