// Command bench is `make bench`: it measures the operator at scale against the OSS emulator, every
// OSS call slowed down by 20 ms, and prints a table of what it found and writes it as JSON to
// bin/bench.json.
//
// It starts envtest's etcd and kube-apiserver (with an audit log of every write, so writes are
// counted by the API server itself, per user), the emulator in this process, and the operator as its
// own process: the manager binary built from main.go, run with its defaults (concurrency, resync)
// and its own user. Then:
//
//  1. it creates --buckets Buckets, each with three managed settings (versioning, tags, lifecycle),
//     spread over --namespaces namespaces, and times how long until all are Ready;
//  2. it sets the bench.ossoperator.io/resync annotation, which the operator does not interpret, on
//     every Bucket, which makes the operator observe each one once, just as its resync timer does, and
//     counts what that steady resync costs in OSS calls and API server writes;
//  3. it creates --issue AccessKeys that issue keys of their own (spec.issue), each granted ReadWrite
//     on one of the Buckets of deletionPolicy Retain, with the namespace's AccessKey as the issuer, and
//     times how long until all are Ready, counting the RAM calls (the emulator's RAM, slowed down
//     alike) and the OSS calls; then it deletes them, and times that too;
//  4. it deletes the --delete Buckets created with deletionPolicy Delete, and times it;
//  5. it deletes one Bucket of deletionPolicy Purge whose bucket holds --purge-objects objects and
//     --purge-versions old versions, and times the purge until the resource is gone (--purge-only
//     runs this phase alone);
//  6. it reads the operator's RSS and heap after the resync, at the end, and once --memory-buckets
//     Buckets exist;
//  7. with --fairness (fairness.go): it times --neighbour-healthy Buckets to Ready alone and beside
//     --neighbour-silent Buckets on an endpoint that answers nothing; creates --throttle-buckets Buckets
//     in each of two accounts that the emulator throttles; and restarts the operator twice, priorities
//     off then on, timing --changes changes to Ready while it works through every Bucket.
//
// --buckets 50 --memory-buckets 0 --delete 10 --issue 10 is a quick run; its test runs it that way.
package main

import (
	"context"
	"flag"
	"fmt"
	"io"
	"os"
	"os/signal"
	"path/filepath"
	"runtime"
	"slices"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"time"

	corev1 "k8s.io/api/core/v1"
	"k8s.io/apimachinery/pkg/api/meta"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	k8sruntime "k8s.io/apimachinery/pkg/runtime"
	clientgoscheme "k8s.io/client-go/kubernetes/scheme"
	"sigs.k8s.io/controller-runtime/pkg/cache"
	"sigs.k8s.io/controller-runtime/pkg/client"
	"sigs.k8s.io/controller-runtime/pkg/envtest"
	logf "sigs.k8s.io/controller-runtime/pkg/log"
	"sigs.k8s.io/controller-runtime/pkg/log/zap"

	ossv1 "github.com/ossoperator/oss-operator/api/v1alpha1"
	"github.com/ossoperator/oss-operator/ossapi/osstest"
)

const (
	accountID = "1000000000000001"
	keyID     = "LTAI-bench-access-key"
	keySecret = "bench-secret-key"
	region    = "cn-hangzhou"
	// credentials names the Secret and the AccessKey of every namespace; that AccessKey is the issuer of
	// the namespace's issued AccessKeys.
	credentials = "creds"
	// operatorUser is the operator's user on the API server: its writes are counted by this name.
	operatorUser = "oss-operator"
	// driverWorkers is how many writes the benchmark sends at once.
	driverWorkers = 8
	// resyncAnnotation triggers the steady resync of phase 2. The operator does not interpret it, but
	// any change of annotations passes the Bucket controller's AnnotationChangedPredicate, so each
	// Bucket is reconciled just as on its resync timer. Not ossoperator.io/refresh: the operator
	// acknowledges that one in status.lastHandledRefresh, a status write per Bucket that a timer
	// resync does not make.
	resyncAnnotation = "bench.ossoperator.io/resync"
)

// options configures run. The flags set them in main; the test sets them directly.
// The ways --oss-delay is made.
const (
	delayAnswer = "answer"
	delayAdded  = "added"
)

type options struct {
	root          string // repository root: config/crd/bases, and the main package of the manager
	binary        string // where the manager is built; default bin/manager under root
	assets        string // KUBEBUILDER_ASSETS
	work          string // the manager binary, its log, its kubeconfig, the audit log
	buckets       int
	deletes       int
	memoryBuckets int
	namespaces    int
	issues        int // issued AccessKeys
	delay         time.Duration
	delayMode     string
	purgeObjects  int           // the purge phase's objects (0: no purge phase)
	purgeVersions int           // and old versions
	purgeOnly     bool          // only the start-up and the purge phase
	timeout       time.Duration // for each phase
	progress      io.Writer
	// operatorArgs are flags added to the manager's, for a person measuring something (a profiler).
	operatorArgs []string
	// The fairness phases (fairness.go), when fairness is set.
	fairness         bool
	neighbourHealthy int
	neighbourSilent  int
	throttleBuckets  int // in each of the two accounts
	changes          int
}

func main() {
	o := options{root: ".", progress: os.Stderr}
	out := "bin/bench.json"
	flag.IntVar(&o.buckets, "buckets", 1000, "Buckets to create, each with three managed settings.")
	flag.IntVar(&o.deletes, "delete", 200, "How many of them are created with deletionPolicy Delete, then deleted.")
	flag.Func("operator-arg", "A flag to add to the manager's command line, such as --pprof-bind-address=127.0.0.1:6060 (repeatable).", func(s string) error {
		o.operatorArgs = append(o.operatorArgs, s)
		return nil
	})
	flag.BoolVar(&o.fairness, "fairness", true, "Run the fairness phases: a noisy neighbour, throttling, and change latency after a restart with priorities off and on.")
	flag.IntVar(&o.neighbourHealthy, "neighbour-healthy", 200, "Healthy Buckets timed alone and beside the silent endpoint's.")
	flag.IntVar(&o.neighbourSilent, "neighbour-silent", 20, "Buckets on an endpoint that answers nothing.")
	flag.IntVar(&o.throttleBuckets, "throttle-buckets", 1000, "Buckets created in each of the two throttled accounts.")
	flag.IntVar(&o.changes, "changes", 50, "Changes timed to Ready in each latency run.")
	flag.IntVar(&o.memoryBuckets, "memory-buckets", 10000, "Measure memory again once this many Buckets exist (0: skip).")
	flag.IntVar(&o.namespaces, "namespaces", 4, "Namespaces the Buckets are spread over, each with its AccessKey.")
	flag.IntVar(&o.issues, "issue", 200, "Issued AccessKeys (spec.issue) to create, each granted ReadWrite on one Bucket of deletionPolicy Retain, then delete (0: skip); at most --buckets minus --delete, which is the default when that is fewer than 200.")
	flag.IntVar(&o.purgeObjects, "purge-objects", 100_000, "Objects in the bucket of the purge phase (0: skip the phase).")
	flag.IntVar(&o.purgeVersions, "purge-versions", 20_000, "Old versions in the bucket of the purge phase, besides its objects.")
	flag.BoolVar(&o.purgeOnly, "purge-only", false, "Run only the start-up and the purge phase.")
	flag.DurationVar(&o.delay, "oss-delay", 20*time.Millisecond, "How long every OSS call, and every RAM call, takes the emulator to answer.")
	flag.StringVar(&o.delayMode, "oss-delay-mode", delayAnswer, "How --oss-delay is made: "+delayAnswer+" (each call is answered --oss-delay after it arrived, the emulator's own work included, as OSS's is in its answer time) or "+delayAdded+" (the emulator's work comes on top of --oss-delay: 1-3 ms for a page of 1000 entries; the model before 2026-12-01).")
	flag.DurationVar(&o.timeout, "timeout", 30*time.Minute, "How long each phase may take.")
	flag.StringVar(&o.work, "work-dir", "bin/bench", "Where the manager's log, its kubeconfig and the API server's audit log are written.")
	flag.StringVar(&out, "out", out, "Where the JSON report is written.")
	flag.Parse()
	issueSet := false
	flag.Visit(func(f *flag.Flag) { issueSet = issueSet || f.Name == "issue" })
	if !issueSet {
		o.issues = max(0, min(o.issues, o.buckets-o.deletes))
	}
	logf.SetLogger(zap.New(zap.WriteTo(io.Discard)))
	o.assets = os.Getenv("KUBEBUILDER_ASSETS")
	if o.assets == "" {
		fmt.Fprintln(os.Stderr, "bench: KUBEBUILDER_ASSETS is not set: run `make bench`, which sets it (see `make envtest`)")
		os.Exit(1)
	}
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	r, err := run(ctx, o)
	if r != nil {
		r.Print(os.Stdout)
		if werr := r.writeJSON(out); werr != nil {
			fmt.Fprintf(os.Stderr, "bench: %v\n", werr)
			os.Exit(1)
		}
		fmt.Printf("\nwrote %s\n", out)
	}
	if err != nil {
		fmt.Fprintf(os.Stderr, "bench: %v\n", err)
		os.Exit(1)
	}
}

// bench is one run's state.
type bench struct {
	options
	k8s   client.Client
	cache cache.Cache
	emu   *osstest.Server
	audit *auditLog
	op    *operator
	// concurrency is the operator's Bucket controller's, akConcurrency its AccessKey controller's, once
	// known.
	concurrency, akConcurrency int
	// procs are the processes whose CPU time each phase records.
	procs processes
	// idleAt is when waitIdle last found the operator idle.
	idleAt time.Time
	// binary is the manager's, to restart it.
	binary string
}

// run performs the scenario and returns the report; on an error, the report holds what was measured
// until then.
func run(ctx context.Context, o options) (report *Report, err error) {
	if o.delayMode != delayAnswer && o.delayMode != delayAdded {
		return nil, fmt.Errorf("--oss-delay-mode must be %s or %s", delayAnswer, delayAdded)
	}
	if o.purgeOnly && o.purgeObjects < 1 {
		return nil, fmt.Errorf("--purge-only needs --purge-objects >= 1")
	}
	if o.deletes > o.buckets || (o.memoryBuckets > 0 && o.memoryBuckets < o.buckets) || o.buckets < 1 || o.namespaces < 1 {
		return nil, fmt.Errorf("need 1 <= --delete <= --buckets <= --memory-buckets (or 0), and --namespaces >= 1")
	}
	if o.issues < 0 || o.issues > o.buckets-o.deletes {
		return nil, fmt.Errorf("need 0 <= --issue <= --buckets - --delete: each issued AccessKey grants a Bucket of deletionPolicy Retain")
	}
	if o.root, err = filepath.Abs(o.root); err != nil {
		return nil, err
	}
	if o.work, err = filepath.Abs(o.work); err != nil {
		return nil, err
	}
	if err := os.RemoveAll(o.work); err != nil {
		return nil, err
	}
	if err := os.MkdirAll(o.work, 0o755); err != nil {
		return nil, err
	}
	b := &bench{options: o}
	b.logf("building the manager")
	binary := o.binary
	if binary == "" {
		binary = filepath.Join(o.root, "bin", "manager")
	}
	if err := buildOperator(ctx, o.root, binary); err != nil {
		return nil, err
	}
	b.binary = binary

	// The control plane, the emulator, and the benchmark's clients.
	b.logf("starting the control plane")
	env, audit, err := startControlPlane(o.root, o.assets, o.work)
	if err != nil {
		return nil, err
	}
	defer env.Stop()
	b.audit = audit
	scheme := k8sruntime.NewScheme()
	if err := clientgoscheme.AddToScheme(scheme); err != nil {
		return nil, err
	}
	if err := ossv1.AddToScheme(scheme); err != nil {
		return nil, err
	}
	if b.k8s, err = client.New(env.Config, client.Options{Scheme: scheme}); err != nil {
		return nil, err
	}
	// The benchmark watches Buckets and lists them from its cache every 500 ms: listing thousands
	// from the API server twice a second would take CPU the operator and the API server need.
	if b.cache, err = cache.New(env.Config, cache.Options{Scheme: scheme}); err != nil {
		return nil, err
	}
	for _, obj := range []client.Object{&ossv1.Bucket{}, &ossv1.AccessKey{}} {
		if _, err := b.cache.GetInformer(ctx, obj); err != nil {
			return nil, err
		}
	}
	cacheCtx, stopCache := context.WithCancel(ctx)
	defer stopCache()
	go func() { _ = b.cache.Start(cacheCtx) }()
	if !b.cache.WaitForCacheSync(ctx) {
		return nil, fmt.Errorf("the benchmark's cache did not sync")
	}
	b.emu = osstest.NewServer(
		osstest.WithAccount(osstest.Account{ID: accountID, DisplayName: "bench", Keys: []osstest.Key{{AccessKeyID: keyID, AccessKeySecret: keySecret}}}),
		osstest.WithRegion(region),
		osstest.WithBucketLimit(max(o.buckets, o.memoryBuckets)+2*o.throttleBuckets+2*neighbourRounds*o.neighbourHealthy+o.neighbourSilent+2),
	)
	defer b.emu.Close()
	// A fault of no operation and no account matches every request, OSS and RAM alike: both take the
	// same time to answer.
	if o.delayMode == delayAdded {
		b.emu.InjectFault(osstest.Fault{Delay: o.delay})
	} else {
		b.emu.InjectFault(osstest.Fault{AnswerTime: o.delay})
	}
	if err := b.createCredentials(ctx); err != nil {
		return nil, err
	}
	kubeconfig, err := operatorKubeconfig(env, o.work)
	if err != nil {
		return nil, err
	}

	report = &Report{Machine: machine(), Config: Config{
		Buckets: o.buckets, Deleted: o.deletes, MemoryBuckets: o.memoryBuckets, Namespaces: o.namespaces, Issued: o.issues,
		OSSDelayMs: float64(o.delay) / float64(time.Millisecond), OSSDelayMode: o.delayMode, PurgeObjects: o.purgeObjects, PurgeVersions: o.purgeVersions,
	}}
	defer report.evaluate()

	// The operator, and its start-up: until every AccessKey is Ready.
	b.logf("starting the operator")
	start := time.Now()
	if b.op, err = startOperator(binary, kubeconfig, filepath.Join(o.work, "manager.log"), b.emu.RAMURL, o.operatorArgs...); err != nil {
		return report, err
	}
	defer func() { b.op.stop() }() // the operator running at the end: the latency phase restarts it
	report.Config.Operator = b.op.commandLine()
	b.procs = controlPlane(os.Getpid())
	b.procs["operator"] = b.op.cmd.Process.Pid
	b.procs["benchmark"] = os.Getpid()
	if err := b.poll(ctx, 100*time.Millisecond, "every AccessKey Ready", b.accessKeysReady); err != nil {
		return report, err
	}
	report.StartupSeconds = seconds(time.Since(start))
	if report.Config.Concurrency, report.Config.AccessKeyConcurrency, report.Config.Resync, err = b.operatorSettings(ctx); err != nil {
		return report, err
	}
	b.concurrency, b.akConcurrency = report.Config.Concurrency, report.Config.AccessKeyConcurrency
	if o.purgeOnly {
		report.Config.Buckets, report.Config.Deleted, report.Config.MemoryBuckets, report.Config.Issued = 0, 0, 0, 0
		return report, b.purging(ctx, report)
	}

	// 1. Create, and wait for all Ready.
	names := bucketNames(0, o.buckets, o.namespaces)
	policy := func(i int) ossv1.DeletionPolicy {
		if i < o.deletes {
			return ossv1.DeletionDelete
		}
		return ossv1.DeletionRetain
	}
	b.logf("creating %d Buckets", o.buckets)
	if report.Create, err = b.measure(ctx, bucketController, o.buckets, func() error {
		return b.each(ctx, names, func(i int, key client.ObjectKey) error {
			return b.k8s.Create(ctx, &ossv1.Bucket{ObjectMeta: metav1.ObjectMeta{Namespace: key.Namespace, Name: key.Name}, Spec: benchSpec(policy(i))})
		})
	}, func() error {
		return b.poll(ctx, 500*time.Millisecond, fmt.Sprintf("%d Buckets Ready", len(names)), b.allReady(names))
	}); err != nil {
		return report, err
	}
	report.Create.MinimumCalls = minimumCreate(o.buckets)
	report.Create.MinimumCallsTotal = sum(report.Create.MinimumCalls)
	report.Create.IdealSeconds = float64(report.Create.MinimumCallsTotal) * o.delay.Seconds() / float64(report.Config.Concurrency)
	report.Create.BenchmarkWrites = o.buckets

	// 2. One steady resync of every Bucket, asked for with resyncAnnotation.
	m, err := b.op.scrape(ctx)
	if err != nil {
		return report, err
	}
	reconciled := m.bucketReconciles()
	b.logf("resyncing %d Buckets", o.buckets)
	stamp := strconv.FormatInt(time.Now().UnixNano(), 10)
	if report.Resync, err = b.measure(ctx, bucketController, o.buckets, func() error {
		return b.each(ctx, names, func(_ int, key client.ObjectKey) error {
			obj := &ossv1.Bucket{ObjectMeta: metav1.ObjectMeta{Namespace: key.Namespace, Name: key.Name}}
			patch := fmt.Appendf(nil, `{"metadata":{"annotations":{%q:%q}}}`, resyncAnnotation, stamp)
			return b.k8s.Patch(ctx, obj, client.RawPatch("application/merge-patch+json", patch))
		})
	}, func() error {
		return b.poll(ctx, 250*time.Millisecond, fmt.Sprintf("%d reconciles", o.buckets), func() (bool, string, error) {
			m, err := b.op.scrape(ctx)
			if err != nil {
				return false, "", err
			}
			done := m.bucketReconciles() - reconciled
			return done >= float64(o.buckets) && m.idle(), fmt.Sprintf("%.0f reconciled", done), nil
		})
	}); err != nil {
		return report, err
	}
	report.Resync.MinimumCalls = minimumResync(o.buckets)
	report.Resync.MinimumCallsTotal = sum(report.Resync.MinimumCalls)
	report.Resync.BenchmarkWrites = o.buckets
	if err := b.measureMemory(ctx, report, o.buckets, "after the resync"); err != nil {
		return report, err
	}

	// 3. Issued AccessKeys: created until all Ready, then deleted until all gone.
	if o.issues > 0 {
		if err := b.issuing(ctx, report, names); err != nil {
			return report, err
		}
	}

	// 4. Delete the Buckets created with deletionPolicy Delete.
	deleted := names[:o.deletes]
	b.logf("deleting %d Buckets", len(deleted))
	if report.Delete, err = b.measure(ctx, bucketController, len(deleted), func() error {
		return b.each(ctx, deleted, func(_ int, key client.ObjectKey) error {
			return b.k8s.Delete(ctx, &ossv1.Bucket{ObjectMeta: metav1.ObjectMeta{Namespace: key.Namespace, Name: key.Name}})
		})
	}, func() error {
		return b.poll(ctx, 500*time.Millisecond, fmt.Sprintf("%d Buckets gone", len(deleted)), b.allGone(deleted))
	}); err != nil {
		return report, err
	}
	report.Delete.MinimumCalls = minimumDelete(len(deleted))
	report.Delete.MinimumCallsTotal = sum(report.Delete.MinimumCalls)
	report.Delete.BenchmarkWrites = len(deleted)
	live := o.buckets - o.deletes
	if err := b.measureMemory(ctx, report, live, "at the end"); err != nil {
		return report, err
	}

	// 5. Purge one full bucket.
	if o.purgeObjects > 0 {
		if err := b.purging(ctx, report); err != nil {
			return report, err
		}
	}

	// 6. Memory with more Buckets.
	if o.memoryBuckets > live {
		more := bucketNames(o.buckets, o.memoryBuckets-live, o.namespaces)
		b.logf("creating %d more Buckets", len(more))
		if err := b.each(ctx, more, func(_ int, key client.ObjectKey) error {
			return b.k8s.Create(ctx, &ossv1.Bucket{ObjectMeta: metav1.ObjectMeta{Namespace: key.Namespace, Name: key.Name}, Spec: benchSpec(ossv1.DeletionRetain)})
		}); err != nil {
			return report, err
		}
		if err := b.poll(ctx, 500*time.Millisecond, fmt.Sprintf("%d more Buckets Ready", len(more)), b.allReady(more)); err != nil {
			return report, err
		}
		if err := b.measureMemory(ctx, report, o.memoryBuckets, fmt.Sprintf("after creating %d more", len(more))); err != nil {
			return report, err
		}
		live += len(more)
		names = append(names, more...)
	}

	// 7. Fairness: a noisy neighbour, throttling, and the latency of a change while the operator is busy.
	if o.fairness {
		if err := b.fairness(ctx, report, names[o.deletes:]); err != nil {
			return report, err
		}
	}
	return report, nil
}

// measure runs one phase on n Buckets (controller bucketController) or n issued AccessKeys
// (accessKeyController): it waits for the operator to be idle, starts the clock and the counters,
// sends the benchmark's writes (act), waits for the outcome (wait), then waits for the operator to
// be idle again and reads the emulator's counts and the operator's writes from the audit log. The
// time breakdown is the controller's.
func (b *bench) measure(ctx context.Context, controller string, n int, act, wait func() error) (Phase, error) {
	p := Phase{Buckets: n}
	concurrency := b.concurrency
	if controller == accessKeyController {
		p = Phase{AccessKeys: n}
		concurrency = b.akConcurrency
	}
	if err := b.waitIdle(ctx); err != nil {
		return p, err
	}
	before, err := b.op.scrape(ctx)
	if err != nil {
		return p, err
	}
	cpuBefore := b.procs.cpuSeconds()
	from := b.audit.mark()
	b.emu.ResetCounters()
	start := time.Now()
	if err := act(); err != nil {
		return p, err
	}
	p.DriverSeconds = seconds(time.Since(start))
	if err := wait(); err != nil {
		return p, err
	}
	p.Seconds = seconds(time.Since(start))
	if err := b.waitIdle(ctx); err != nil {
		return p, err
	}
	p.IdleSeconds = seconds(b.idleAt.Sub(start))
	p.OSSCalls, p.RAMCalls = splitCalls(b.emu.CallCounts())
	p.OSSCallsTotal, p.RAMCallsTotal = sum(p.OSSCalls), sum(p.RAMCalls)
	after, err := b.op.scrape(ctx)
	if err != nil {
		return p, err
	}
	p.Time = breakdown(before, after, p.Seconds, concurrency, controller)
	elapsed := time.Since(start).Seconds()
	p.Time.CPUSeconds = map[string]float64{}
	busy := 0.0
	for role, c := range b.procs.cpuSeconds() {
		p.Time.CPUSeconds[role] = round1(c - cpuBefore[role])
		busy += c - cpuBefore[role]
	}
	p.Time.MachineBusy = round1(100*busy/(elapsed*float64(runtime.NumCPU()))) / 100
	if p.OperatorWrites, p.OperatorWritesFailed, p.Time.MeanAPIWriteMs, err = b.audit.writes(operatorUser, from, b.audit.mark()); err != nil {
		return p, err
	}
	p.OperatorWritesTotal = sum(p.OperatorWrites)
	if controller == accessKeyController {
		p.OperatorWritesPerAccessKey = float64(p.OperatorWritesTotal) / float64(n)
	} else {
		p.OperatorWritesPerBucket = float64(p.OperatorWritesTotal) / float64(n)
	}
	return p, nil
}

// splitCalls separates the emulator's counts into OSS operations and RAM actions.
func splitCalls(counts map[string]int) (oss, ramCalls map[string]int) {
	oss, ramCalls = map[string]int{}, map[string]int{}
	for op, n := range counts {
		if slices.Contains(osstest.RAMActions(), op) {
			ramCalls[op] = n
		} else {
			oss[op] = n
		}
	}
	return oss, ramCalls
}

// waitIdle waits until both controllers have nothing queued or running and the audit log has
// settled.
func (b *bench) waitIdle(ctx context.Context) error {
	if err := b.poll(ctx, 250*time.Millisecond, "the operator idle", func() (bool, string, error) {
		m, err := b.op.scrape(ctx)
		if err != nil {
			return false, "", err
		}
		b.idleAt = time.Now()
		return m.allIdle(), "busy", nil
	}); err != nil {
		return err
	}
	return b.audit.settle(ctx)
}

func (b *bench) measureMemory(ctx context.Context, r *Report, buckets int, when string) error {
	if err := b.waitIdle(ctx); err != nil {
		return err
	}
	m, err := b.op.memory(ctx)
	if err != nil {
		return err
	}
	m.Buckets, m.When = buckets, when
	r.Memory = append(r.Memory, m)
	b.logf("%d Buckets %s: RSS %s, heap in use %s, %d goroutines", buckets, when, mib(m.RSSBytes), mib(m.HeapInuseBytes), m.Goroutines)
	return nil
}

// poll calls check every interval until it is done, failing after the phase timeout or as soon as the
// operator exits.
func (b *bench) poll(ctx context.Context, interval time.Duration, what string, check func() (bool, string, error)) error {
	deadline := time.Now().Add(b.timeout)
	tick := time.NewTicker(interval)
	defer tick.Stop()
	status := ""
	for {
		if b.op != nil {
			if err := b.op.alive(); err != nil {
				return err
			}
		}
		done, s, err := check()
		if err == nil && done {
			return nil
		}
		status = s
		if err != nil {
			status = err.Error()
		}
		if time.Now().After(deadline) {
			return fmt.Errorf("waiting for %s: %w after %s (%s)", what, errTimeout, b.timeout, status)
		}
		select {
		case <-ctx.Done():
			return ctx.Err()
		case <-tick.C:
		}
	}
}

// each calls fn for every key, driverWorkers at a time, and returns the first error.
func (b *bench) each(ctx context.Context, keys []client.ObjectKey, fn func(i int, key client.ObjectKey) error) error {
	ctx, cancel := context.WithCancel(ctx)
	defer cancel()
	work := make(chan int)
	var (
		wg       sync.WaitGroup
		once     sync.Once
		firstErr error
	)
	for range driverWorkers {
		wg.Go(func() {
			for i := range work {
				if err := fn(i, keys[i]); err != nil {
					once.Do(func() { firstErr = fmt.Errorf("%s: %w", keys[i], err); cancel() })
				}
			}
		})
	}
	for i := range keys {
		select {
		case work <- i:
		case <-ctx.Done():
		}
	}
	close(work)
	wg.Wait()
	return firstErr
}

// allReady checks that every Bucket of keys is Ready at its current generation.
func (b *bench) allReady(keys []client.ObjectKey) func() (bool, string, error) {
	return func() (bool, string, error) {
		list := &ossv1.BucketList{}
		if err := b.cache.List(context.Background(), list); err != nil {
			return false, "", err
		}
		ready := map[client.ObjectKey]bool{}
		for i := range list.Items {
			bk := &list.Items[i]
			c := meta.FindStatusCondition(bk.Status.Conditions, ossv1.ConditionReady)
			if c != nil && c.Status == metav1.ConditionTrue && c.ObservedGeneration == bk.Generation {
				ready[client.ObjectKeyFromObject(bk)] = true
			}
		}
		n := 0
		for _, k := range keys {
			if ready[k] {
				n++
			}
		}
		return n == len(keys), fmt.Sprintf("%d of %d Ready", n, len(keys)), nil
	}
}

// allGone checks that no Bucket of keys exists any more.
func (b *bench) allGone(keys []client.ObjectKey) func() (bool, string, error) {
	return func() (bool, string, error) {
		list := &ossv1.BucketList{}
		if err := b.cache.List(context.Background(), list); err != nil {
			return false, "", err
		}
		exists := map[client.ObjectKey]bool{}
		for i := range list.Items {
			exists[client.ObjectKeyFromObject(&list.Items[i])] = true
		}
		left := 0
		for _, k := range keys {
			if exists[k] {
				left++
			}
		}
		return left == 0, fmt.Sprintf("%d left", left), nil
	}
}

func (b *bench) accessKeysReady() (bool, string, error) {
	list := &ossv1.AccessKeyList{}
	if err := b.cache.List(context.Background(), list); err != nil {
		return false, "", err
	}
	n := 0
	for _, ak := range list.Items {
		if meta.IsStatusConditionTrue(ak.Status.Conditions, ossv1.ConditionReady) {
			n++
		}
	}
	return n == b.namespaces, fmt.Sprintf("%d of %d Ready", n, b.namespaces), nil
}

// createCredentials creates each namespace with a Secret and an AccessKey for the emulator.
func (b *bench) createCredentials(ctx context.Context) error {
	for i := range b.namespaces {
		ns := namespace(i)
		objs := []client.Object{
			&corev1.Namespace{ObjectMeta: metav1.ObjectMeta{Name: ns}},
			&corev1.Secret{ObjectMeta: metav1.ObjectMeta{Namespace: ns, Name: credentials},
				StringData: map[string]string{"accessKeyId": keyID, "accessKeySecret": keySecret}},
			&ossv1.AccessKey{ObjectMeta: metav1.ObjectMeta{Namespace: ns, Name: credentials},
				Spec: ossv1.AccessKeySpec{SecretRef: ossv1.SecretReference{Name: credentials}, Region: region, Endpoint: b.emu.URL}},
		}
		for _, obj := range objs {
			if err := b.k8s.Create(ctx, obj); err != nil {
				return err
			}
		}
	}
	return nil
}

// operatorSettings reads the concurrency of each controller and the resync period the operator runs
// with, from its metrics and its "starting manager" log line: main.go's defaults, since the benchmark
// sets neither flag.
func (b *bench) operatorSettings(ctx context.Context) (concurrency, akConcurrency int, resync string, err error) {
	m, err := b.op.scrape(ctx)
	if err != nil {
		return 0, 0, "", err
	}
	concurrency = int(m.sum("controller_runtime_max_concurrent_reconciles", `controller="bucket"`))
	akConcurrency = int(m.sum("controller_runtime_max_concurrent_reconciles", `controller="accesskey"`))
	if concurrency < 1 || akConcurrency < 1 {
		return 0, 0, "", fmt.Errorf("the operator's metrics have no controller_runtime_max_concurrent_reconciles for the bucket or the accesskey controller")
	}
	logText, err := os.ReadFile(filepath.Join(b.work, "manager.log"))
	if err != nil {
		return 0, 0, "", err
	}
	for line := range strings.SplitSeq(string(logText), "\n") {
		if strings.Contains(line, `"starting manager"`) {
			if i := strings.Index(line, `"resyncPeriod":"`); i >= 0 {
				rest := line[i+len(`"resyncPeriod":"`):]
				return concurrency, akConcurrency, rest[:strings.IndexByte(rest, '"')], nil
			}
		}
	}
	return concurrency, akConcurrency, "", fmt.Errorf("no resyncPeriod in the manager's \"starting manager\" log line")
}

// operatorKubeconfig writes a kubeconfig for the operator's own user (system:masters, as the
// benchmark measures, not authorizes).
func operatorKubeconfig(env *envtest.Environment, dir string) (string, error) {
	user, err := env.AddUser(envtest.User{Name: operatorUser, Groups: []string{"system:masters"}}, nil)
	if err != nil {
		return "", err
	}
	kc, err := user.KubeConfig()
	if err != nil {
		return "", err
	}
	path := filepath.Join(dir, "kubeconfig")
	return path, os.WriteFile(path, kc, 0o600)
}

func namespace(i int) string { return fmt.Sprintf("bench-%d", i) }

// bucketNames are n Buckets numbered from first, spread over the namespaces. Bucket names are
// global in OSS, so the number alone makes them unique.
func bucketNames(first, n, namespaces int) []client.ObjectKey {
	keys := make([]client.ObjectKey, n)
	for i := range n {
		keys[i] = client.ObjectKey{Namespace: namespace((first + i) % namespaces), Name: fmt.Sprintf("bench-%05d", first+i)}
	}
	return keys
}

func (b *bench) logf(format string, args ...any) {
	if b.progress != nil {
		fmt.Fprintf(b.progress, "%s bench: %s\n", time.Now().Format("15:04:05"), fmt.Sprintf(format, args...))
	}
}

// machine describes this machine.
func machine() Machine {
	m := Machine{CPUs: runtime.NumCPU(), GoVersion: runtime.Version(), OS: runtime.GOOS + "/" + runtime.GOARCH}
	if b, err := os.ReadFile("/proc/meminfo"); err == nil {
		for line := range strings.SplitSeq(string(b), "\n") {
			if f := strings.Fields(line); len(f) >= 2 && f[0] == "MemTotal:" {
				kb, _ := strconv.ParseInt(f[1], 10, 64)
				m.MemoryGiB = int((kb + (1<<20)/2) >> 20)
			}
		}
	}
	if b, err := os.ReadFile("/proc/sys/kernel/osrelease"); err == nil {
		m.OS += " (Linux " + strings.TrimSpace(string(b)) + ")"
	}
	return m
}
