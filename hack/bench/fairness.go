package main

import (
	"context"
	"fmt"
	"io"
	"math/rand/v2"
	"net/http"
	"net/http/httptest"
	"net/http/httputil"
	"net/url"
	"path/filepath"
	"slices"
	"sync"
	"sync/atomic"
	"text/tabwriter"
	"time"

	corev1 "k8s.io/api/core/v1"
	"k8s.io/apimachinery/pkg/api/meta"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	toolscache "k8s.io/client-go/tools/cache"
	"sigs.k8s.io/controller-runtime/pkg/client"

	ossv1 "github.com/ossoperator/oss-operator/api/v1alpha1"
	"github.com/ossoperator/oss-operator/ossapi"
	"github.com/ossoperator/oss-operator/ossapi/osstest"
)

// Fairness is what a busy operator does for the people waiting on it, and for OSS: a healthy AccessKey
// beside one whose endpoint is silent, two accounts that OSS throttles, and the time from a change to
// Ready while the operator works through every Bucket.
type Fairness struct {
	Neighbour *NeighbourPhase `json:"noisyNeighbour,omitempty"`
	Throttle  *ThrottlePhase  `json:"throttling,omitempty"`
	// Latency has a run with the priorities off (one FIFO queue, every Bucket at once after a start) and
	// one with them on, the operator's default, in that order.
	Latency []LatencyRun `json:"changeLatency,omitempty"`
}

// NeighbourPhase times Healthy Buckets of one AccessKey to Ready alone, then beside Silent Buckets of
// another AccessKey whose endpoint answers nothing (they already wait for it).
type NeighbourPhase struct {
	Healthy int `json:"healthy"`
	Silent  int `json:"silent"`
	// AloneSeconds and BesideSeconds are the medians of neighbourRounds times each (AloneRuns,
	// BesideRuns), each of Healthy Buckets of their own.
	AloneSeconds  float64   `json:"aloneSeconds"`
	BesideSeconds float64   `json:"besideSeconds"`
	AloneRuns     []float64 `json:"aloneRuns"`
	BesideRuns    []float64 `json:"besideRuns"`
	// SilentRequests is what the silent endpoint received while the healthy Buckets were made ready.
	SilentRequests int64 `json:"silentRequests"`
}

// ThrottlePhase creates Buckets in two accounts, each of which the emulator throttles above QPS calls a
// second (bursts of Burst), with the operator at its default --oss-qps-per-account.
type ThrottlePhase struct {
	QPS      float64           `json:"qps"`
	Burst    int               `json:"burst"`
	Accounts []AccountThrottle `json:"accounts"`
}

// AccountThrottle is one account's share: its Buckets, when all were Ready, the OSS calls it made and
// how many were refused.
type AccountThrottle struct {
	Account   string  `json:"account"`
	Buckets   int     `json:"buckets"`
	Seconds   float64 `json:"seconds"`
	Calls     int     `json:"calls"`
	Throttled int     `json:"throttled"`
}

// LatencyRun is the time from a change of one setting to Ready at its generation, for Changes changes
// sent one by one at random moments (0 to 400 ms apart) just after the operator restarted with a resync
// period of Resync, with Buckets Buckets in the cluster.
type LatencyRun struct {
	Priorities bool    `json:"priorities"`
	Buckets    int     `json:"buckets"`
	Changes    int     `json:"changes"`
	Resync     string  `json:"resyncPeriod"`
	P50Ms      float64 `json:"p50Ms"`
	P99Ms      float64 `json:"p99Ms"`
	MaxMs      float64 `json:"maxMs"`
	// OtherReconciles are the Bucket reconciles from the start until every change was Ready, besides
	// the changes' own, and Seconds that time: the work the changes got past (or waited for).
	OtherReconciles int     `json:"otherReconciles"`
	Seconds         float64 `json:"seconds"`
	// Slowest is the Bucket whose change took longest, to look for in the manager's log.
	Slowest string `json:"slowest"`
}

// blackHole forwards to the emulator until it goes silent; then it holds every request until its
// client gives up.
type blackHole struct {
	*httptest.Server
	silent   atomic.Bool
	received atomic.Int64
	closing  chan struct{}
}

func newBlackHole(target string) (*blackHole, error) {
	u, err := url.Parse(target)
	if err != nil {
		return nil, err
	}
	proxy := httputil.NewSingleHostReverseProxy(u)
	h := &blackHole{closing: make(chan struct{})}
	h.Server = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if h.silent.Load() {
			h.received.Add(1)
			select {
			case <-r.Context().Done():
			case <-h.closing:
				panic(http.ErrAbortHandler) // the connection cut, no answer: silent to the end
			}
			return
		}
		proxy.ServeHTTP(w, r)
	}))
	return h, nil
}

// neighbour runs the noisy-neighbour phase: healthy Buckets of bench-0's AccessKey alone, then the same
// number beside silent ones. The silent endpoint stays silent for the rest of the run: stop closes it.
func (b *bench) neighbour(ctx context.Context, first, healthy, silent int) (p *NeighbourPhase, stop func(), err error) {
	p = &NeighbourPhase{Healthy: healthy, Silent: silent}
	stop = func() {}
	create := func(keys []client.ObjectKey) error {
		return b.each(ctx, keys, func(_ int, key client.ObjectKey) error {
			return b.k8s.Create(ctx, &ossv1.Bucket{ObjectMeta: metav1.ObjectMeta{Namespace: key.Namespace, Name: key.Name}, Spec: benchSpec(ossv1.DeletionRetain)})
		})
	}
	timeReady := func(keys []client.ObjectKey) (float64, error) {
		if err := b.waitIdle(ctx); err != nil {
			return 0, err
		}
		start := time.Now()
		if err := create(keys); err != nil {
			return 0, err
		}
		if err := b.poll(ctx, 100*time.Millisecond, fmt.Sprintf("%d healthy Buckets Ready", len(keys)), b.allReady(keys)); err != nil {
			return 0, err
		}
		return seconds(time.Since(start)), nil
	}
	// Each way is timed neighbourRounds times, with Buckets of their own, and the median kept: one time
	// of some 7 s varies by about 2 s on a small machine.
	rounds := func(ns, prefix string) (median float64, each []float64, err error) {
		for i := range neighbourRounds {
			s, err := timeReady(namedKeys(ns, prefix, first+i*healthy, healthy))
			if err != nil {
				return 0, each, err
			}
			each = append(each, s)
		}
		sorted := slices.Clone(each)
		slices.Sort(sorted)
		return sorted[len(sorted)/2], each, nil
	}
	b.logf("noisy neighbour: %d healthy Buckets alone, %d times", healthy, neighbourRounds)
	if p.AloneSeconds, p.AloneRuns, err = rounds("bench-0", "alone"); err != nil {
		return p, stop, err
	}

	hole, err := newBlackHole(b.emu.URL)
	if err != nil {
		return p, stop, err
	}
	stop = func() { close(hole.closing); hole.Close() }
	const quiet = "bench-silent"
	if err := b.createAccessKey(ctx, quiet, accountID, keyID, keySecret, hole.URL); err != nil {
		return p, stop, err
	}
	hole.silent.Store(true)
	silentKeys := namedKeys(quiet, "silent", first, silent)
	if err := create(silentKeys); err != nil {
		return p, stop, err
	}
	b.logf("noisy neighbour: %d Buckets on a silent endpoint, waiting for them to say so", silent)
	if err := b.poll(ctx, 250*time.Millisecond, "the silent endpoint's Buckets waiting for it", b.allReason(silentKeys, ossv1.ReasonEndpointUnreachable)); err != nil {
		return p, stop, err
	}
	b.logf("noisy neighbour: %d healthy Buckets beside them, %d times", healthy, neighbourRounds)
	sent := hole.received.Load()
	if p.BesideSeconds, p.BesideRuns, err = rounds("bench-1", "beside"); err != nil {
		return p, stop, err
	}
	p.SilentRequests = hole.received.Load() - sent
	return p, stop, nil
}

// throttling runs the throttling phase: n Buckets in each of two accounts of their own, throttled alike.
func (b *bench) throttling(ctx context.Context, n int, qps float64, burst int) (*ThrottlePhase, error) {
	p := &ThrottlePhase{QPS: qps, Burst: burst}
	type acct struct {
		id, ns, key, secret string
		keys                []client.ObjectKey
	}
	accts := []*acct{
		{id: "1000000000000002", ns: "throttle-b", key: "LTAI-bench-b", secret: "bench-secret-b"},
		{id: "1000000000000003", ns: "throttle-c", key: "LTAI-bench-c", secret: "bench-secret-c"},
	}
	var all []client.ObjectKey
	for _, a := range accts {
		b.emu.AddAccount(osstest.Account{ID: a.id, DisplayName: a.ns, Keys: []osstest.Key{{AccessKeyID: a.key, AccessKeySecret: a.secret}}})
		if err := b.createAccessKey(ctx, a.ns, a.id, a.key, a.secret, b.emu.URL); err != nil {
			return p, err
		}
		a.keys = namedKeys(a.ns, a.ns, 0, n) // bucket names are global: one prefix per account
	}
	for i := range n { // interleaved, as two teams would apply theirs
		for _, a := range accts {
			all = append(all, a.keys[i])
		}
	}
	if err := b.waitIdle(ctx); err != nil {
		return p, err
	}
	before := map[string]int{}
	for _, a := range accts {
		before[a.id] = callsOf(b.emu, a.id)
		defer b.emu.Throttle(a.id, qps, burst)()
	}
	b.logf("throttling: %d Buckets in each of 2 accounts, OSS refusing each above %.0f calls/s", n, qps)
	start := time.Now()
	done := make([]float64, len(accts))
	var wg sync.WaitGroup
	errs := make([]error, len(accts))
	for i, a := range accts {
		wg.Go(func() {
			errs[i] = b.poll(ctx, 250*time.Millisecond, a.ns+" Buckets Ready", b.allReady(a.keys))
			done[i] = seconds(time.Since(start))
		})
	}
	err := b.each(ctx, all, func(_ int, key client.ObjectKey) error {
		return b.k8s.Create(ctx, &ossv1.Bucket{ObjectMeta: metav1.ObjectMeta{Namespace: key.Namespace, Name: key.Name}, Spec: benchSpec(ossv1.DeletionRetain)})
	})
	wg.Wait()
	for _, e := range append(errs, err) {
		if e != nil {
			return p, e
		}
	}
	for i, a := range accts {
		refused, _ := b.emu.Throttled(a.id)
		p.Accounts = append(p.Accounts, AccountThrottle{Account: a.id, Buckets: n, Seconds: done[i],
			Calls: callsOf(b.emu, a.id) - before[a.id], Throttled: refused})
	}
	return p, nil
}

// latency restarts the operator with the priorities on or off and a short resync period, and times
// changes of one Bucket's tags to Ready while it works through the others.
func (b *bench) latency(ctx context.Context, keys []client.ObjectKey, changes int, priorities bool, resync time.Duration) (LatencyRun, error) {
	run := LatencyRun{Priorities: priorities, Buckets: len(keys), Changes: changes, Resync: resync.String()}
	b.op.stop()
	args := append([]string{"--resync-period", resync.String()}, b.operatorArgs...)
	if !priorities {
		args = append(args, "--prioritize-changes=false")
	}
	kubeconfig := filepath.Join(b.work, "kubeconfig")
	var err error
	if b.op, err = startOperator(b.binary, kubeconfig, filepath.Join(b.work, fmt.Sprintf("manager-priorities-%v.log", priorities)), b.emu.RAMURL, args...); err != nil {
		return run, err
	}
	b.procs["operator"] = b.op.cmd.Process.Pid
	// Started: its metrics answer and the Bucket controller has begun.
	if err := b.poll(ctx, 50*time.Millisecond, "the operator started", func() (bool, string, error) {
		m, err := b.op.scrape(ctx)
		if err != nil {
			return false, "no metrics yet", nil
		}
		return m.bucketReconciles() > 0, "no reconcile yet", nil
	}); err != nil {
		return run, err
	}
	started := time.Now()

	// Each change is timed from its write to the first Bucket the cache sees Ready at that generation.
	type pending struct {
		gen   int64
		start time.Time
	}
	var (
		mu      sync.Mutex
		waiting = map[client.ObjectKey]pending{}
		took    []time.Duration
		slowest time.Duration
	)
	inf, err := b.cache.GetInformer(ctx, &ossv1.Bucket{})
	if err != nil {
		return run, err
	}
	check := func(obj any) {
		bk, ok := obj.(*ossv1.Bucket)
		if !ok {
			return
		}
		c := meta.FindStatusCondition(bk.Status.Conditions, ossv1.ConditionReady)
		mu.Lock()
		defer mu.Unlock()
		key := client.ObjectKeyFromObject(bk)
		if w, ok := waiting[key]; ok && c != nil && c.Status == metav1.ConditionTrue && c.ObservedGeneration >= w.gen {
			d := time.Since(w.start)
			took = append(took, d)
			if d > slowest {
				slowest, run.Slowest = d, fmt.Sprintf("%s at %s", key, w.start.UTC().Format("15:04:05.000"))
			}
			delete(waiting, key)
		}
	}
	reg, err := inf.AddEventHandler(toolscache.ResourceEventHandlerFuncs{UpdateFunc: func(_, obj any) { check(obj) }})
	if err != nil {
		return run, err
	}
	defer func() { _ = inf.RemoveEventHandler(reg) }()

	b.logf("change latency (priorities %v): %d changes at random moments", priorities, changes)
	order := rand.Perm(len(keys))
	for i := range changes {
		time.Sleep(time.Duration(rand.Int64N(int64(400 * time.Millisecond))))
		key := keys[order[i]]
		bk := &ossv1.Bucket{}
		if err := b.k8s.Get(ctx, key, bk); err != nil {
			return run, err
		}
		bk.Spec.Tags = map[string]string{"a": fmt.Sprintf("change-%d", time.Now().UnixNano())}
		mu.Lock()
		start := time.Now()
		if err := b.k8s.Update(ctx, bk); err != nil {
			mu.Unlock()
			return run, err
		}
		waiting[key] = pending{gen: bk.Generation, start: start}
		mu.Unlock()
	}
	if err := b.poll(ctx, 100*time.Millisecond, "every change Ready", func() (bool, string, error) {
		mu.Lock()
		defer mu.Unlock()
		return len(waiting) == 0, fmt.Sprintf("%d changes not Ready", len(waiting)), nil
	}); err != nil {
		return run, err
	}
	slices.Sort(took)
	pct := func(p float64) float64 {
		return float64(took[min(len(took)-1, int(p*float64(len(took))))].Microseconds()) / 1000
	}
	run.P50Ms, run.P99Ms, run.MaxMs = pct(0.5), pct(0.99), float64(took[len(took)-1].Microseconds())/1000
	m, err := b.op.scrape(ctx)
	if err != nil {
		return run, err
	}
	run.OtherReconciles, run.Seconds = int(m.bucketReconciles())-changes, seconds(time.Since(started))
	b.logf("change latency (priorities %v): p50 %.0f ms, p99 %.0f ms, max %.0f ms (%s); %d other reconciles in %.1fs",
		priorities, run.P50Ms, run.P99Ms, run.MaxMs, run.Slowest, run.OtherReconciles, run.Seconds)
	return run, nil
}

// createAccessKey creates a namespace with a Secret holding the key and an AccessKey for endpoint, and
// waits for it to be Ready.
func (b *bench) createAccessKey(ctx context.Context, ns, account, id, secret, endpoint string) error {
	objs := []client.Object{
		&corev1.Namespace{ObjectMeta: metav1.ObjectMeta{Name: ns}},
		&corev1.Secret{ObjectMeta: metav1.ObjectMeta{Namespace: ns, Name: credentials},
			StringData: map[string]string{"accessKeyId": id, "accessKeySecret": secret}},
		&ossv1.AccessKey{ObjectMeta: metav1.ObjectMeta{Namespace: ns, Name: credentials},
			Spec: ossv1.AccessKeySpec{SecretRef: ossv1.SecretReference{Name: credentials}, Region: region, Endpoint: endpoint}},
	}
	for _, obj := range objs {
		if err := b.k8s.Create(ctx, obj); err != nil {
			return err
		}
	}
	return b.poll(ctx, 100*time.Millisecond, "AccessKey "+ns+" Ready", func() (bool, string, error) {
		ak := &ossv1.AccessKey{}
		if err := b.cache.Get(ctx, client.ObjectKey{Namespace: ns, Name: credentials}, ak); err != nil {
			return false, err.Error(), nil
		}
		return meta.IsStatusConditionTrue(ak.Status.Conditions, ossv1.ConditionReady) && ak.Status.AccountID == account, "not Ready", nil
	})
}

// allReason checks that every Bucket of keys has Ready with that reason.
func (b *bench) allReason(keys []client.ObjectKey, reason string) func() (bool, string, error) {
	return func() (bool, string, error) {
		n := 0
		for _, k := range keys {
			bk := &ossv1.Bucket{}
			if err := b.cache.Get(context.Background(), k, bk); err != nil {
				return false, "", err
			}
			if c := meta.FindStatusCondition(bk.Status.Conditions, ossv1.ConditionReady); c != nil && c.Reason == reason {
				n++
			}
		}
		return n == len(keys), fmt.Sprintf("%d of %d say %s", n, len(keys), reason), nil
	}
}

// namedKeys are n Buckets of one namespace named prefix-<first+i>, unique among the benchmark's.
func namedKeys(ns, prefix string, first, n int) []client.ObjectKey {
	keys := make([]client.ObjectKey, n)
	for i := range n {
		keys[i] = client.ObjectKey{Namespace: ns, Name: fmt.Sprintf("%s-%05d", prefix, first+i)}
	}
	return keys
}

// callsOf is every OSS call the account made, whatever its answer.
func callsOf(emu *osstest.Server, account string) int {
	n := 0
	for _, op := range ossapi.Operations {
		n += emu.CallsBy(account, op)
	}
	return n
}

// fairness runs the phases of Fairness; keys are the Buckets in sync whose changes the latency phase
// times.
func (b *bench) fairness(ctx context.Context, r *Report, keys []client.ObjectKey) error {
	f := &Fairness{}
	r.Fairness = f
	var err error
	var stopSilence func()
	f.Neighbour, stopSilence, err = b.neighbour(ctx, 0, b.neighbourHealthy, b.neighbourSilent)
	defer stopSilence()
	if err != nil {
		return err
	}
	if f.Throttle, err = b.throttling(ctx, b.throttleBuckets, throttleQPS, throttleBurst); err != nil {
		return err
	}
	total := &ossv1.BucketList{}
	if err := b.cache.List(ctx, total); err != nil {
		return err
	}
	for _, priorities := range []bool{false, true} {
		run, err := b.latency(ctx, keys, b.changes, priorities, latencyResync)
		run.Buckets = len(total.Items)
		f.Latency = append(f.Latency, run)
		if err != nil {
			return err
		}
	}
	return nil
}

const (
	// neighbourRounds is how many times the healthy Buckets are timed each way.
	neighbourRounds = 3
	// throttleQPS is what the emulator lets each account make in the throttling phase: far below the
	// operator's default --oss-qps-per-account (1000), and below what its 4 workers make for each of two
	// accounts creating Buckets (about 65 calls a second each, measured with a limit of 100 that OSS never
	// reached), so that the operator must find the rate by itself.
	throttleQPS   = 40
	throttleBurst = 10
	// latencyResync is the resync period of the latency runs: short enough that resyncs keep every
	// worker busy (the Buckets due each second outnumber what the workers reconcile), so that a
	// change has to get past them.
	latencyResync = time.Minute
)

// targets are issue 15's, of what was measured.
func (f *Fairness) targets() []Target {
	if f == nil {
		return nil
	}
	var ts []Target
	for _, l := range f.Latency {
		if l.Priorities && l.Changes > 0 {
			ts = append(ts, Target{
				Name:     fmt.Sprintf("change to Ready, p99, just after a restart with %d Buckets", l.Buckets),
				Target:   "<= 1 s",
				Measured: fmt.Sprintf("%.0f ms (p50 %.0f ms)", l.P99Ms, l.P50Ms),
				Pass:     l.P99Ms <= 1000,
			})
		}
	}
	if n := f.Neighbour; n != nil && n.AloneSeconds > 0 {
		ts = append(ts, Target{
			Name:     fmt.Sprintf("%d healthy Buckets beside %d on a silent endpoint", n.Healthy, n.Silent),
			Target:   fmt.Sprintf("<= 1.25 x alone (%.1fs) = %.1fs", n.AloneSeconds, 1.25*n.AloneSeconds),
			Measured: fmt.Sprintf("%.1fs (%.2f x)", n.BesideSeconds, n.BesideSeconds/n.AloneSeconds),
			Pass:     n.BesideSeconds <= 1.25*n.AloneSeconds,
		})
	}
	if t := f.Throttle; t != nil && len(t.Accounts) > 0 {
		calls, throttled := 0, 0
		slowest, fastest := 0.0, t.Accounts[0].Seconds
		for _, a := range t.Accounts {
			calls, throttled = calls+a.Calls, throttled+a.Throttled
			slowest, fastest = max(slowest, a.Seconds), min(fastest, a.Seconds)
		}
		ts = append(ts, Target{
			Name:     fmt.Sprintf("throttled answers, %d accounts throttled at %.0f calls/s", len(t.Accounts), t.QPS),
			Target:   "<= 1% of calls",
			Measured: fmt.Sprintf("%d of %d (%.2f%%)", throttled, calls, 100*float64(throttled)/float64(max(calls, 1))),
			Pass:     float64(throttled) <= 0.01*float64(calls),
		}, Target{
			Name:     "no account starved: the slower account's time to all Ready",
			Target:   "<= 1.25 x the faster's",
			Measured: fmt.Sprintf("%.1fs vs %.1fs", slowest, fastest),
			Pass:     slowest <= 1.25*fastest,
		})
	}
	return ts
}

// print writes the fairness phases as tables.
func (f *Fairness) print(w io.Writer) {
	if f == nil {
		return
	}
	if n := f.Neighbour; n != nil {
		fmt.Fprintf(w, "\nnoisy neighbour: %d healthy Buckets Ready in %.1fs alone (median of %v), %.1fs beside %d Buckets on a silent endpoint (median of %v; %.2f x); the silent endpoint received %d requests meanwhile\n",
			n.Healthy, n.AloneSeconds, n.AloneRuns, n.BesideSeconds, n.Silent, n.BesideRuns, n.BesideSeconds/max(n.AloneSeconds, 0.001), n.SilentRequests)
	}
	if t := f.Throttle; t != nil {
		fmt.Fprintf(w, "\nthrottling: OSS refuses each account above %.0f calls/s (bursts of %d); the operator at its default --oss-qps-per-account\n", t.QPS, t.Burst)
		tw := tabwriter.NewWriter(w, 0, 0, 2, ' ', 0)
		fmt.Fprintln(tw, "account\tbuckets\tall Ready in\tOSS calls\tthrottled\tcalls/s")
		for _, a := range t.Accounts {
			fmt.Fprintf(tw, "%s\t%d\t%.1fs\t%d\t%d (%.2f%%)\t%.0f\n", a.Account, a.Buckets, a.Seconds, a.Calls, a.Throttled,
				100*float64(a.Throttled)/float64(max(a.Calls, 1)), float64(a.Calls)/max(a.Seconds, 0.001))
		}
		_ = tw.Flush()
	}
	if len(f.Latency) > 0 {
		fmt.Fprintln(w, "\nchange latency just after a restart (a change of one Bucket's tags to Ready at its generation):")
		tw := tabwriter.NewWriter(w, 0, 0, 2, ' ', 0)
		fmt.Fprintln(tw, "priorities\tbuckets\tresync\tchanges\tp50\tp99\tmax\tother reconciles meanwhile (in)")
		for _, l := range f.Latency {
			fmt.Fprintf(tw, "%v\t%d\t%s\t%d\t%.0f ms\t%.0f ms\t%.0f ms\t%d (%.1fs)\n", l.Priorities, l.Buckets, l.Resync, l.Changes, l.P50Ms, l.P99Ms, l.MaxMs, l.OtherReconciles, l.Seconds)
		}
		_ = tw.Flush()
	}
}
