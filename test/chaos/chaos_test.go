package chaos

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"maps"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	corev1 "k8s.io/api/core/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	"k8s.io/apimachinery/pkg/api/meta"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/runtime"
	"k8s.io/apimachinery/pkg/types"
	clientgoscheme "k8s.io/client-go/kubernetes/scheme"
	"k8s.io/client-go/rest"
	"k8s.io/client-go/util/retry"
	"k8s.io/utils/ptr"
	ctrl "sigs.k8s.io/controller-runtime"
	"sigs.k8s.io/controller-runtime/pkg/cache"
	"sigs.k8s.io/controller-runtime/pkg/client"
	"sigs.k8s.io/controller-runtime/pkg/config"
	"sigs.k8s.io/controller-runtime/pkg/envtest"
	logf "sigs.k8s.io/controller-runtime/pkg/log"
	"sigs.k8s.io/controller-runtime/pkg/log/zap"
	metricsserver "sigs.k8s.io/controller-runtime/pkg/metrics/server"

	ossv1 "github.com/ossoperator/oss-operator/api/v1alpha1"
	"github.com/ossoperator/oss-operator/controllers"
	"github.com/ossoperator/oss-operator/ossapi"
	"github.com/ossoperator/oss-operator/ossapi/osstest"
)

// profile is the size and harshness of a run.
type profile struct {
	name    string
	buckets int
	// slow is the delay of the 5% slow answers.
	slow time.Duration
	// objects is how many Delete buckets get an object before their resource is deleted.
	objects int
	// phase bounds how long each phase may take to converge.
	phase time.Duration
}

var (
	short = profile{name: "short", buckets: 30, slow: 100 * time.Millisecond, objects: 2, phase: 2 * time.Minute}
	long  = profile{name: "long", buckets: 200, slow: time.Second, objects: 10, phase: 10 * time.Minute}
)

// The fault mix across all operations. Faults are drawn in order: the delay applies on its own, then
// the first terminal fault drawn wins, so the reset probability is scaled to be 5% of all requests,
// not 5% of those that escaped throttling.
const (
	throttleRate = 0.20
	resetRate    = 0.05
	slowRate     = 0.05
)

const (
	accountID = "1000000000000001"
	keyID     = "LTAI-chaos"
	keySecret = "chaos-secret-5d1e"
	clusterID = "chaos"
	region    = "cn-hangzhou"
)

var namespaces = []string{"chaos-a", "chaos-b"}

// TestChaos creates, changes and deletes Buckets, mixed Retain and Delete and with settings, under
// throttling, connection resets and slow answers on every OSS operation, and stops and restarts the
// operator once in each phase. It asserts that every Bucket converges (Ready, or gone once deleted),
// that each bucket was created exactly once, that no Retain bucket and no non-empty bucket saw a
// DeleteBucket, that nothing deleted or aborted an object or upload, that no finalizer was left
// behind, and that OSS holds exactly the buckets of the live resources and of the retained ones.
func TestChaos(t *testing.T) {
	p := short
	if os.Getenv("CHAOS_LONG") == "1" {
		p = long
	}
	assets := os.Getenv("KUBEBUILDER_ASSETS")
	if assets == "" {
		t.Fatal("KUBEBUILDER_ASSETS is not set: run `make test` or `make chaos`, which set it (or " +
			"KUBEBUILDER_ASSETS=$(hack/envtest.sh | tail -1) go test ./test/chaos/)")
	}
	logf.SetLogger(zap.New(zap.UseDevMode(true), zap.WriteTo(logOutput(t))))
	t.Logf("profile %s: %d Buckets, faults on every operation: %.0f%% 503, %.0f%% connection resets, %.0f%% delayed %s",
		p.name, p.buckets, throttleRate*100, resetRate*100, slowRate*100, p.slow)

	h := newHarness(t, p)
	h.createCredentials()
	h.emu.InjectFault(osstest.Fault{Delay: p.slow, Probability: slowRate})
	h.emu.InjectFault(osstest.Fault{Status: 503, Code: "TotalQpsLimitExceeded", Message: "Please reduce your request rate.", Probability: throttleRate})
	h.emu.InjectFault(osstest.Fault{Reset: true, Probability: resetRate / (1 - throttleRate)})
	h.startOperator()

	// 1. Create every Bucket; restart the operator once a third of them are Ready.
	start := time.Now()
	all := h.sorted()
	for _, w := range all {
		h.apply(w)
	}
	h.waitProgress("create", all, max(1, p.buckets/3))
	h.restart("while creating")
	h.waitConverged("create")
	h.expectOSSMatches()
	t.Logf("created %d Buckets in %s", p.buckets, time.Since(start).Round(time.Millisecond))

	// 2. Change settings and deletion policies of half of them; restart once a quarter converged.
	start = time.Now()
	var changed []*wanted
	for i, w := range h.sorted() {
		if i%2 == 0 {
			w.change(i)
			h.apply(w)
			changed = append(changed, w)
		}
	}
	h.waitProgress("change", changed, max(1, len(changed)/4))
	h.restart("while changing")
	h.waitConverged("change")
	h.expectOSSMatches()
	t.Logf("changed %d Buckets in %s", len(changed), time.Since(start).Round(time.Millisecond))

	// 3. Put an object in some Delete buckets, then delete two thirds of the Buckets; restart once a
	// quarter of them are gone.
	start = time.Now()
	var deleted []*wanted
	for i, w := range h.sorted() {
		if i%3 != 0 {
			deleted = append(deleted, w)
		}
	}
	seeded := 0
	for _, w := range deleted {
		if seeded < p.objects && w.policy == ossv1.DeletionDelete {
			h.putObject(w)
			seeded++
		}
	}
	for _, w := range deleted {
		h.delete(w)
	}
	h.waitProgress("delete", deleted, max(1, len(deleted)/4))
	h.restart("while deleting")
	// A non-empty bucket is never emptied: its resource waits with DeletionBlocked until the policy
	// says Retain.
	h.waitConverged("delete")
	for _, w := range deleted {
		if w.object {
			w.policy = ossv1.DeletionRetain
			w.retainedOnDelete = true
			h.apply(w)
		}
	}
	h.waitConverged("release the non-empty buckets")
	t.Logf("deleted %d Buckets (%d retained as non-empty) in %s", len(deleted), seeded, time.Since(start).Round(time.Millisecond))

	h.expectOSSMatches()
	h.expectCallInvariants()
	t.Logf("%d operator starts; OSS calls: %v", h.starts, h.emu.CallCounts())
}

// wanted is what the test asked of one Bucket, and what it did to it.
type wanted struct {
	ns, name   string
	policy     ossv1.DeletionPolicy
	versioning string            // "" unmanaged
	tags       map[string]string // nil unmanaged
	expireDays int32             // 0: lifecycle unmanaged
	generation int64             // of the last spec written
	deleted    bool
	object     bool // holds an object the operator must never delete
	// retainedOnDelete is true when the policy was Retain when the resource was deleted.
	retainedOnDelete bool
	// uid is the Bucket's, for its ownership tag.
	uid types.UID
}

func (w *wanted) key() client.ObjectKey { return client.ObjectKey{Namespace: w.ns, Name: w.name} }

// change is the second version of the spec: new tags, versioning suspended, lifecycle added or
// changed, and every third Bucket's deletion policy swapped.
func (w *wanted) change(i int) {
	w.tags = map[string]string{"team": fmt.Sprintf("team-%d", i%5), "changed": "yes"}
	if w.versioning == "Enabled" {
		w.versioning = "Suspended"
	}
	if w.expireDays > 0 {
		w.expireDays += 30
	} else if i%4 == 0 {
		w.expireDays = 7
	}
	if i%3 == 0 {
		if w.policy == ossv1.DeletionDelete {
			w.policy = ossv1.DeletionRetain
		} else {
			w.policy = ossv1.DeletionDelete
		}
	}
}

func (w *wanted) spec() ossv1.BucketSpec {
	s := ossv1.BucketSpec{AccessKeyRef: ossv1.AccessKeyReference{Name: "creds"}, DeletionPolicy: w.policy}
	s.Versioning = w.versioning
	s.Tags = maps.Clone(w.tags)
	if w.expireDays > 0 {
		s.Lifecycle = &ossv1.Lifecycle{Rules: []ossv1.LifecycleRule{{
			ID: "expire", Prefix: "tmp/", Expiration: &ossv1.LifecycleExpiration{Days: ptr.To(w.expireDays)},
		}}}
	}
	return s
}

type harness struct {
	t   *testing.T
	p   profile
	ctx context.Context
	cfg *rest.Config
	k8s client.Client
	emu *osstest.Server
	oss *ossapi.Client // the test's own client, for seeding objects

	scheme *runtime.Scheme
	want   map[string]*wanted

	stop   func() // stops the running operator
	starts int
	// purgeBudget paces purges (controllers.Options.PurgeBudget); zero for the default.
	purgeBudget time.Duration
}

func newHarness(t *testing.T, p profile) *harness {
	ctx, cancel := context.WithCancel(context.Background())
	t.Cleanup(cancel)
	env := &envtest.Environment{
		CRDDirectoryPaths:        []string{filepath.Join("..", "..", "config", "crd", "bases")},
		ErrorIfCRDPathMissing:    true,
		UseExistingCluster:       ptr.To(false),
		ControlPlaneStartTimeout: time.Minute,
	}
	cfg, err := env.Start()
	if err != nil {
		t.Fatalf("starting the control plane: %v", err)
	}
	t.Cleanup(func() {
		if err := env.Stop(); err != nil {
			t.Errorf("stopping the control plane: %v", err)
		}
	})
	scheme := runtime.NewScheme()
	must(t, clientgoscheme.AddToScheme(scheme))
	must(t, ossv1.AddToScheme(scheme))
	k8s, err := client.New(cfg, client.Options{Scheme: scheme})
	must(t, err)

	emu := osstest.NewServer(
		osstest.WithAccount(osstest.Account{ID: accountID, DisplayName: "chaos", Keys: []osstest.Key{{AccessKeyID: keyID, AccessKeySecret: keySecret}}}),
		osstest.WithRegion(region),
		osstest.WithBucketLimit(2*p.buckets),
	)
	t.Cleanup(emu.Close)
	// Enough attempts that the test's own calls get through the faults.
	oss, err := ossapi.New(ossapi.Config{Region: region, Endpoint: emu.URL,
		Credentials: ossapi.StaticCredentials{AccessKeyID: keyID, AccessKeySecret: keySecret},
		Retry:       ossapi.RetryPolicy{MaxAttempts: 30, BaseDelay: 5 * time.Millisecond, MaxDelay: 50 * time.Millisecond}})
	must(t, err)

	h := &harness{t: t, p: p, ctx: ctx, cfg: cfg, k8s: k8s, emu: emu, oss: oss, scheme: scheme, want: map[string]*wanted{}}
	t.Cleanup(func() {
		if h.stop != nil {
			h.stop()
		}
	})
	for i := range p.buckets {
		w := &wanted{ns: namespaces[i%len(namespaces)], name: fmt.Sprintf("chaos-%03d", i), tags: map[string]string{"n": fmt.Sprint(i)}}
		w.policy = ossv1.DeletionRetain
		if i%2 == 0 {
			w.policy = ossv1.DeletionDelete
		}
		switch i % 3 {
		case 0:
			w.versioning = "Enabled"
		case 1:
			w.expireDays = 30
		}
		h.want[w.name] = w
	}
	return h
}

func (h *harness) sorted() []*wanted {
	names := slices.Sorted(maps.Keys(h.want))
	out := make([]*wanted, len(names))
	for i, n := range names {
		out[i] = h.want[n]
	}
	return out
}

func (h *harness) createCredentials() {
	for _, ns := range namespaces {
		must(h.t, h.k8s.Create(h.ctx, &corev1.Namespace{ObjectMeta: metav1.ObjectMeta{Name: ns}}))
		must(h.t, h.k8s.Create(h.ctx, &corev1.Secret{ObjectMeta: metav1.ObjectMeta{Namespace: ns, Name: "creds"},
			StringData: map[string]string{"accessKeyId": keyID, "accessKeySecret": keySecret}}))
		must(h.t, h.k8s.Create(h.ctx, &ossv1.AccessKey{ObjectMeta: metav1.ObjectMeta{Namespace: ns, Name: "creds"},
			Spec: ossv1.AccessKeySpec{SecretRef: ossv1.SecretReference{Name: "creds"}, Region: region, Endpoint: h.emu.URL}}))
	}
}

// startOperator starts a new manager, wired as main.go wires it. Every start is a fresh manager with
// fresh controllers, as after a restart of the process; controller names are checked for uniqueness
// per process, hence SkipNameValidation.
// endpoints allow the emulator, and nothing else, as an AccessKey endpoint.
func (h *harness) endpoints() controllers.EndpointPolicy {
	p, err := controllers.NewEndpointPolicy([]string{strings.TrimPrefix(h.emu.URL, "http://")})
	must(h.t, err)
	return p
}

func (h *harness) startOperator() {
	mgr, err := ctrl.NewManager(h.cfg, ctrl.Options{
		Cache:      cache.Options{DefaultTransform: controllers.StripUnreadMetadata},
		Scheme:     h.scheme,
		Metrics:    metricsserver.Options{BindAddress: "0"},
		Client:     client.Options{Cache: &client.CacheOptions{DisableFor: []client.Object{&corev1.Secret{}}}},
		Controller: config.Controller{SkipNameValidation: ptr.To(true)},
	})
	must(h.t, err)
	must(h.t, controllers.Setup(mgr, controllers.Options{
		ClusterID: clusterID, ResyncPeriod: 10 * time.Minute, MaxConcurrentReconciles: 4, AllowInsecureEndpoints: true, AllowedEndpoints: h.endpoints(), ClaimsNamespace: "default",
		PurgeBudget: h.purgeBudget,
	}))
	ctx, cancel := context.WithCancel(h.ctx)
	done := make(chan error, 1)
	go func() { done <- mgr.Start(ctx) }()
	h.starts++
	h.stop = func() {
		cancel()
		if err := <-done; err != nil {
			h.t.Errorf("operator start %d: %v", h.starts, err)
		}
		h.stop = nil
	}
}

func (h *harness) restart(why string) {
	h.t.Helper()
	h.stop()
	h.t.Logf("restarting the operator %s", why)
	h.startOperator()
}

// apply creates the Bucket or writes the wanted spec over the current one.
func (h *harness) apply(w *wanted) {
	h.t.Helper()
	b := &ossv1.Bucket{}
	err := retry.RetryOnConflict(retry.DefaultRetry, func() error {
		err := h.k8s.Get(h.ctx, w.key(), b)
		if apierrors.IsNotFound(err) {
			b = &ossv1.Bucket{ObjectMeta: metav1.ObjectMeta{Namespace: w.ns, Name: w.name}, Spec: w.spec()}
			return h.k8s.Create(h.ctx, b)
		}
		if err != nil {
			return err
		}
		b.Spec = w.spec()
		return h.k8s.Update(h.ctx, b)
	})
	must(h.t, err)
	w.generation, w.uid = b.Generation, b.UID
}

func (h *harness) delete(w *wanted) {
	h.t.Helper()
	must(h.t, h.k8s.Delete(h.ctx, &ossv1.Bucket{ObjectMeta: metav1.ObjectMeta{Namespace: w.ns, Name: w.name}}))
	w.deleted = true
	w.retainedOnDelete = w.policy == ossv1.DeletionRetain
}

// putObject uploads an object to the bucket, as an application would.
func (h *harness) putObject(w *wanted) {
	h.t.Helper()
	_, err := h.oss.PutObject(h.ctx, &ossapi.PutObjectRequest{Bucket: w.name, Key: "data/keep-me.txt", Body: []byte("precious")})
	must(h.t, err)
	w.object = true
}

// state is one Bucket as the test sees it: converged, or why not.
func (h *harness) state(w *wanted, b *ossv1.Bucket) (converged bool, why string) {
	switch {
	case b == nil && w.deleted:
		return true, ""
	case b == nil:
		return false, "missing"
	case w.deleted && w.object && w.policy == ossv1.DeletionDelete:
		// Waits, by design, for someone to empty the bucket or switch to Retain.
		c := meta.FindStatusCondition(b.Status.Conditions, ossv1.ConditionDeletionBlocked)
		if c != nil && c.Status == metav1.ConditionTrue && c.Reason == ossv1.ReasonBucketNotEmpty {
			return true, ""
		}
		return false, "deleting, not yet DeletionBlocked/BucketNotEmpty: " + conditions(b)
	case w.deleted:
		return false, "not deleted yet (finalizers " + strings.Join(b.Finalizers, ",") + "): " + conditions(b)
	}
	c := meta.FindStatusCondition(b.Status.Conditions, ossv1.ConditionReady)
	if b.Generation != w.generation {
		return false, fmt.Sprintf("generation %d, want %d", b.Generation, w.generation)
	}
	if c == nil || c.Status != metav1.ConditionTrue || c.ObservedGeneration != b.Generation || b.Status.ObservedGeneration != b.Generation {
		return false, conditions(b)
	}
	return true, ""
}

func conditions(b *ossv1.Bucket) string {
	var parts []string
	for _, c := range b.Status.Conditions {
		parts = append(parts, fmt.Sprintf("%s=%s %s (gen %d): %s", c.Type, c.Status, c.Reason, c.ObservedGeneration, c.Message))
	}
	if len(parts) == 0 {
		return "no conditions"
	}
	return strings.Join(parts, "; ")
}

// survey lists every Bucket and returns those of the wanted ones that have not converged, with why.
func (h *harness) survey() (pending map[string]string, err error) {
	list := &ossv1.BucketList{}
	if err := h.k8s.List(h.ctx, list); err != nil {
		return nil, err
	}
	got := map[string]*ossv1.Bucket{}
	for i := range list.Items {
		got[list.Items[i].Name] = &list.Items[i]
	}
	pending = map[string]string{}
	for _, w := range h.want {
		if ok, why := h.state(w, got[w.name]); !ok {
			pending[w.name] = w.ns + "/" + w.name + ": " + why
		}
	}
	return pending, nil
}

// waitProgress waits until at least n of the Buckets a phase touched have converged.
func (h *harness) waitProgress(phase string, touched []*wanted, n int) {
	h.t.Helper()
	h.poll(phase, func() (bool, map[string]string, error) {
		pending, err := h.survey()
		done := 0
		for _, w := range touched {
			if _, ok := pending[w.name]; !ok {
				done++
			}
		}
		return done >= n, pending, err
	})
}

// waitConverged waits until every Bucket has converged.
func (h *harness) waitConverged(phase string) {
	h.t.Helper()
	h.poll(phase, func() (bool, map[string]string, error) {
		pending, err := h.survey()
		return len(pending) == 0, pending, err
	})
}

// poll calls check every 200 ms until it is done, failing the test after the phase's limit with what
// is still pending.
func (h *harness) poll(phase string, check func() (done bool, pending map[string]string, err error)) {
	h.t.Helper()
	deadline := time.Now().Add(h.p.phase)
	tick := time.NewTicker(200 * time.Millisecond)
	defer tick.Stop()
	var pending map[string]string
	var lastErr error
	for {
		done, p, err := check()
		if err == nil && done {
			return
		}
		pending, lastErr = p, err
		if time.Now().After(deadline) {
			break
		}
		select {
		case <-tick.C:
		case <-h.ctx.Done():
			h.t.Fatalf("%s: %v", phase, h.ctx.Err())
		}
	}
	lines := slices.Sorted(maps.Values(pending))
	if len(lines) > 20 {
		lines = append(lines[:20], fmt.Sprintf("... and %d more", len(lines)-20))
	}
	h.t.Fatalf("%s: not converged after %s (last error: %v); pending:\n  %s", phase, h.p.phase, lastErr, strings.Join(lines, "\n  "))
}

// ownerTag is the ownership tag of w's Bucket, as docs/security.md describes it.
func (h *harness) ownerTag(w *wanted) string {
	h.t.Helper()
	ns := &corev1.Namespace{}
	must(h.t, h.k8s.Get(h.ctx, client.ObjectKey{Name: w.ns}, ns))
	sum := sha256.Sum256([]byte("oss-operator cluster " + clusterID))
	return hex.EncodeToString(sum[:8]) + "/" + string(ns.UID) + "/" + string(w.uid)
}

// expectOSSMatches compares the emulated account with what the test asked: the bucket of every live
// resource holds its settings and the ownership tag; a deleted resource's bucket is gone unless it was
// retained; no other bucket exists.
func (h *harness) expectOSSMatches() {
	h.t.Helper()
	snap := h.emu.Snapshot(accountID)
	for _, w := range h.sorted() {
		b, exists := snap.Buckets[w.name]
		keep := !w.deleted || w.retainedOnDelete || w.object
		if !keep {
			if exists {
				h.t.Errorf("bucket %s still exists after its Delete resource was deleted", w.name)
			}
			continue
		}
		if !exists {
			h.t.Errorf("bucket %s is missing from OSS", w.name)
			continue
		}
		wantTags := maps.Clone(w.tags)
		if wantTags == nil {
			wantTags = map[string]string{}
		}
		if !w.deleted || !w.retainedOnDelete {
			// A retained bucket is let go of: its ownership tag is removed.
			wantTags[ossv1.OwnershipTagKey] = h.ownerTag(w)
		}
		if !maps.Equal(b.Tags, wantTags) {
			h.t.Errorf("bucket %s: tags %v, want %v", w.name, b.Tags, wantTags)
		}
		if w.deleted {
			continue // retained: its settings are whatever they were last
		}
		if b.Versioning != w.versioning {
			h.t.Errorf("bucket %s: versioning %q, want %q", w.name, b.Versioning, w.versioning)
		}
		days := 0
		if b.Lifecycle != nil && len(b.Lifecycle.Rules) == 1 && b.Lifecycle.Rules[0].Expiration != nil && b.Lifecycle.Rules[0].Expiration.Days != nil {
			days = *b.Lifecycle.Rules[0].Expiration.Days
		}
		if days != int(w.expireDays) {
			h.t.Errorf("bucket %s: lifecycle %+v, want expiration after %d days", w.name, b.Lifecycle, w.expireDays)
		}
	}
	for name := range snap.Buckets {
		if h.want[name] == nil {
			h.t.Errorf("bucket %s exists in OSS but no resource of the test names it", name)
		}
	}
}

// expectCallInvariants checks the emulator's counters: one successful PutBucket per bucket, no
// DeleteBucket but for deleted, empty Delete buckets, nothing that deletes data.
func (h *harness) expectCallInvariants() {
	h.t.Helper()
	for _, w := range h.sorted() {
		if n := h.emu.SucceededOn(w.name, ossapi.OpPutBucket); n != 1 {
			h.t.Errorf("bucket %s: %d successful PutBucket calls, want exactly 1 (%d attempts)", w.name, n, h.emu.CallsOn(w.name, ossapi.OpPutBucket))
		}
		mayDelete := w.deleted && !w.retainedOnDelete && !w.object
		if n := h.emu.CallsOn(w.name, ossapi.OpDeleteBucket); n > 0 && !mayDelete {
			h.t.Errorf("bucket %s (policy on deletion %s, deleted %t, holds an object %t): %d DeleteBucket calls, want none",
				w.name, map[bool]string{true: "Retain", false: "Delete"}[w.retainedOnDelete], w.deleted, w.object, n)
		}
	}
	if n := h.emu.Succeeded(ossapi.OpPutBucket); n != len(h.want) {
		h.t.Errorf("%d successful PutBucket calls in all, want %d", n, len(h.want))
	}
	for _, op := range []string{ossapi.OpDeleteObject, ossapi.OpDeleteMultipleObjects, ossapi.OpAbortMultipartUpload} {
		if n := h.emu.Calls(op); n != 0 {
			h.t.Errorf("%d %s calls, want none: the operator never deletes data", n, op)
		}
	}
	for _, w := range h.sorted() {
		if !w.object {
			continue
		}
		b, ok := h.emu.Bucket(w.name)
		if !ok || len(b.Objects) != 1 || b.Objects[0].Key != "data/keep-me.txt" || b.Objects[0].DeleteMarker {
			h.t.Errorf("bucket %s: objects %+v, want data/keep-me.txt untouched", w.name, b.Objects)
		}
	}
}

// logOutput is where the operator logs: $CHAOS_LOG if set, else nowhere (the test reports what is
// pending when something does not converge).
func logOutput(t *testing.T) io.Writer {
	path := os.Getenv("CHAOS_LOG")
	if path == "" {
		return io.Discard
	}
	f, err := os.Create(path)
	must(t, err)
	var mu sync.Mutex
	t.Cleanup(func() { mu.Lock(); defer mu.Unlock(); _ = f.Close() })
	return writerFunc(func(p []byte) (int, error) {
		mu.Lock()
		defer mu.Unlock()
		n, err := f.Write(p)
		if errors.Is(err, os.ErrClosed) {
			return len(p), nil
		}
		return n, err
	})
}

type writerFunc func([]byte) (int, error)

func (f writerFunc) Write(p []byte) (int, error) { return f(p) }

func must(t *testing.T, err error) {
	t.Helper()
	if err != nil {
		t.Fatal(err)
	}
}
