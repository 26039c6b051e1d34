package controllers

import (
	"context"
	"sync"
	"time"

	corev1 "k8s.io/api/core/v1"
	"k8s.io/apimachinery/pkg/api/equality"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/utils/ptr"
	"sigs.k8s.io/controller-runtime/pkg/builder"
	"sigs.k8s.io/controller-runtime/pkg/client"
	ctrl "sigs.k8s.io/controller-runtime/pkg/controller"
	"sigs.k8s.io/controller-runtime/pkg/controller/controllerutil"
	"sigs.k8s.io/controller-runtime/pkg/event"
	"sigs.k8s.io/controller-runtime/pkg/handler"
	"sigs.k8s.io/controller-runtime/pkg/log"
	"sigs.k8s.io/controller-runtime/pkg/manager"
	"sigs.k8s.io/controller-runtime/pkg/predicate"
	"sigs.k8s.io/controller-runtime/pkg/reconcile"
	"sigs.k8s.io/controller-runtime/pkg/recorder"
	"sigs.k8s.io/controller-runtime/pkg/source"

	ossv1 "github.com/ossoperator/oss-operator/api/v1alpha1"
	"github.com/ossoperator/oss-operator/ossapi"
)

const (
	// Finalizer keeps a Bucket until the operator has applied its deletionPolicy.
	Finalizer = "oss.ossoperator.io/finalizer"
	// accessKeyRefIndex indexes Buckets by the AccessKey they name, as "<namespace>/<name>".
	accessKeyRefIndex = "spec.accessKeyRef"
	// logTargetIndex indexes Buckets by the OSS bucket they send their access logs to.
	logTargetIndex = "spec.logging.targetBucket"
)

// BucketReconciler creates, adopts, observes and deletes OSS buckets. Each reconcile observes (reads
// only: bucket_observe.go), decides (pure: bucket_decide.go), acts on the decision (the writes:
// bucket_creation.go, bucket_update.go, bucket_deletion.go) and reports the outcome (report.go).
type BucketReconciler struct {
	client.Client
	Clients  *OSSClients
	Recorder recorder.EventRecorder
	// ClusterID identifies this cluster in the ownership tag of the buckets it manages.
	ClusterID string
	// ResyncPeriod is how often a bucket is observed in OSS without a change in the cluster.
	ResyncPeriod time.Duration
	// Claims makes a Bucket's claim on an OSS bucket name exclusive in the cluster; nil claims nothing.
	Claims *BucketClaims
	// Metrics show each Bucket's conditions; nil records nothing.
	Metrics *ResourceMetrics
	// PurgeBudget is how long one reconcile of a purge (deletionPolicy Purge) deletes before it writes
	// the progress to status; PurgeWorkers how many deletes of one bucket run at once. Zero: 5 s, 8.
	PurgeBudget  time.Duration
	PurgeWorkers int
	// Gates hold back the Buckets of an AccessKey whose endpoint does not answer; nil holds none.
	Gates *accessKeyGates
}

// +kubebuilder:rbac:groups=oss.ossoperator.io,resources=buckets,verbs=get;list;watch;update;patch
// +kubebuilder:rbac:groups=oss.ossoperator.io,resources=buckets/status,verbs=get;update;patch
// +kubebuilder:rbac:groups=oss.ossoperator.io,resources=buckets/finalizers,verbs=update
// +kubebuilder:rbac:groups=oss.ossoperator.io,resources=accesskeys,verbs=get;list;watch
// +kubebuilder:rbac:groups="",resources=namespaces,verbs=get;list;watch

// Reconcile brings one bucket to its spec, or applies its deletionPolicy.
func (r *BucketReconciler) Reconcile(ctx context.Context, req reconcile.Request) (reconcile.Result, error) {
	// 1. Load.
	b := &ossv1.Bucket{}
	if err := r.Get(ctx, req.NamespacedName, b); err != nil {
		if apierrors.IsNotFound(err) {
			r.Metrics.forget(kindBucket, req.NamespacedName) // gone: so are its series
		}
		return reconcile.Result{}, client.IgnoreNotFound(err)
	}
	before := b.Status.DeepCopy()

	// 2. Being deleted: apply the deletionPolicy.
	if !b.DeletionTimestamp.IsZero() {
		if !controllerutil.ContainsFinalizer(b, Finalizer) {
			return reconcile.Result{}, nil
		}
		return r.report(ctx, b, before, r.reconcileDeletion(ctx, b))
	}

	// 3. Past its AccessKey's gate (fairness.go): an endpoint that does not answer, or is not known to
	// answer promptly yet, holds at most its share of the workers. A deletion is not held here (a
	// Retain deletion lets the resource go after a while whatever OSS does); its calls still fail at
	// once while the endpoint is silent.
	verdict, leave := r.Gates.enter(accessKeyOfBucket(b), req.NamespacedName)
	switch {
	case verdict.parked:
		return parkedResult()
	case verdict.notAnswering:
		return r.report(ctx, b, before, whilePaused(b, decideEndpointNotAnswering(b, verdict)))
	}
	defer leave()

	// 4. The finalizer, added while the bucket is first read: it only has to be stored before the first
	// write to OSS. An Observe Bucket writes nothing, and its deletion touches nothing: it needs none.
	var fin *finalizerPatch
	if !controllerutil.ContainsFinalizer(b, Finalizer) && !observing(b) {
		fin = r.addFinalizer(ctx, b)
	}

	// 5. Observe, decide, act.
	out, held, err := r.reconcileBucket(ctx, b, before, fin)
	if err == nil {
		err = fin.wait(b)
	}
	if err != nil {
		// The finalizer could not be stored: nothing was written to OSS, the whole reconcile is retried.
		return reconcile.Result{}, err
	}
	if !observing(b) {
		// An Observe Bucket writes nothing anyway: pausing it changes nothing.
		out = whilePaused(b, out)
	}

	// 6. Report, while a claim that is no longer needed is let go.
	var released sync.WaitGroup
	if held != nil {
		name := b.BucketName()
		released.Go(func() {
			if err := r.Claims.Let(ctx, *held); err != nil {
				log.FromContext(ctx).Info("Letting go of the claim on the bucket name failed", "ossBucket", name, "error", err.Error())
			}
		})
	}
	defer released.Wait()
	return r.report(ctx, b, before, out)
}

// releaseClaim lets go of the claim on its bucket name a Bucket may hold, when it is deleted. A failure
// and those of Let only leave the claim to a Bucket that manages the bucket anyway, or that cannot have
// it, or that is gone (the claim is then taken over): they are logged, not retried.
func (r *BucketReconciler) releaseClaim(ctx context.Context, b *ossv1.Bucket) {
	ak := &ossv1.AccessKey{}
	if err := r.Get(ctx, accessKeyOfBucket(b), ak); err != nil {
		log.FromContext(ctx).Info("Letting go of the claim on the bucket name failed: its AccessKey cannot be read", "ossBucket", b.BucketName(), "error", err.Error())
		return
	}
	if err := r.Claims.Release(ctx, b, ak.Status.AccountID); err != nil {
		log.FromContext(ctx).Info("Letting go of the claim on the bucket name failed", "ossBucket", b.BucketName(), "error", err.Error())
	}
}

// reconcileBucket observes the bucket, decides, and makes the writes the decision asks for. release is
// a claim on the bucket name no longer needed: the bucket carries this resource's ownership tag, or
// cannot be its. An error is a finalizer that could not be stored before the first write.
func (r *BucketReconciler) reconcileBucket(ctx context.Context, b *ossv1.Bucket, prev *ossv1.BucketStatus, fin *finalizerPatch) (out outcome, release *claim, err error) {
	b.Status.BucketName = b.BucketName()
	if !observing(b) {
		b.Status.Observed = nil // what was observed before it was managed
	}
	if out, ok := decideSpec(b); !ok {
		b.Status.Settings = carrySettings(b, prev)
		return out, nil, nil
	}
	if observing(b) {
		return r.reconcileObserved(ctx, b, prev), nil, nil
	}
	obs := r.observe(ctx, b)
	defer func() {
		if obs.claim != nil && obs.claim.held && (hasManaged(&b.Status, b.BucketName()) || cannotHave(out)) {
			release = obs.claim
		}
	}()
	region := ""
	if obs.creds.usable() {
		region = obs.creds.conn.Region()
	}
	plan := decideBucket(b, prev, obs, region)
	if plan.identity {
		recordIdentity(&b.Status, obs.info)
	}
	if plan.verdict != nil {
		b.Status.Settings = carrySettings(b, prev)
		return *plan.verdict, nil, nil
	}
	if err := fin.wait(b); err != nil {
		return outcome{}, nil, err
	}
	if plan.create {
		return r.create(ctx, b, prev, obs.creds.conn), nil, nil
	}
	return r.update(ctx, b, obs, plan), nil, nil
}

// reconcileObserved reads the bucket of an Observe Bucket and shows what it found; it writes nothing
// to OSS. A claim on the bucket name it may hold from when it was managed is let go of: an observer
// has no writes to guard, so it neither takes a claim nor keeps another Bucket from one.
func (r *BucketReconciler) reconcileObserved(ctx context.Context, b *ossv1.Bucket, prev *ossv1.BucketStatus) outcome {
	if r.Claims != nil && prev.Observed == nil && !hasManaged(prev, b.BucketName()) {
		r.releaseClaim(ctx, b)
	}
	obs := r.observeOnly(ctx, b)
	region := ""
	if obs.creds.usable() {
		region = obs.creds.conn.Region()
	}
	plan := decideObserved(b, prev, obs, region)
	if plan.identity {
		recordIdentity(&b.Status, obs.info)
		b.Status.Location = obs.info.Location
		b.Status.ExtranetEndpoint, b.Status.IntranetEndpoint, b.Status.URL = bucketAddress(obs.info, obs.creds.conn.Client)
	}
	b.Status.Observed, b.Status.Settings = plan.observed, plan.settings
	return plan.out
}

// report hands the outcome to the report step.
func (r *BucketReconciler) report(ctx context.Context, b *ossv1.Bucket, before *ossv1.BucketStatus, out outcome) (reconcile.Result, error) {
	rp := &reporter{client: r.Client, recorder: r.Recorder, resync: r.ResyncPeriod, metrics: r.Metrics}
	return rp.report(ctx, reported{
		obj:                b,
		kind:               kindBucket,
		before:             before.Conditions,
		conditions:         &b.Status.Conditions,
		observedGeneration: &b.Status.ObservedGeneration,
		requests:           &b.Status.ReconcileRequestStatus,
		statusChanged:      func() bool { return !equality.Semantic.DeepEqual(before, &b.Status) },
		finalizer:          Finalizer,
		logValues:          []any{"ossBucket", b.BucketName()},
	}, out)
}

// recordIdentity shows what cannot change about the bucket: where it is and of what kind.
func recordIdentity(st *ossv1.BucketStatus, info *ossapi.BucketInfo) {
	if info == nil {
		return
	}
	st.Region = info.Region()
	st.StorageClass = string(info.StorageClass)
	st.RedundancyType = string(info.DataRedundancyType)
}

// recordBucket shows the details of a bucket this resource manages, as read through conn. Its
// creation time also records that it does (hasManaged).
func recordBucket(st *ossv1.BucketStatus, info *ossapi.BucketInfo, conn *ossapi.Client) {
	recordIdentity(st, info)
	st.Location = info.Location
	st.ExtranetEndpoint, st.IntranetEndpoint, st.URL = bucketAddress(info, conn)
	t := metav1.NewTime(info.CreationDate.UTC().Truncate(time.Second))
	st.CreationTime = &t
}

// bucketAddress is where the bucket is reached, for the status: through Alibaba Cloud, the region's
// endpoints as OSS reports them and the virtual-hosted URL https://<bucket>.<extranet endpoint>; through
// an AccessKey's custom endpoint addressed path-style (the emulator of make dev, a gateway), that
// endpoint, as scheme://host[:port], for both, and the path-style URL <endpoint>/<bucket>, the only
// ones that lead to the bucket: OSS's answer names Alibaba Cloud's hosts whoever gives it.
func bucketAddress(info *ossapi.BucketInfo, conn *ossapi.Client) (extranet, intranet, url string) {
	if conn != nil && conn.PathStyle() {
		ep := conn.Endpoint()
		return ep, ep, ep + "/" + info.Name
	}
	if info.ExtranetEndpoint != "" {
		url = "https://" + info.Name + "." + info.ExtranetEndpoint
	}
	return info.ExtranetEndpoint, info.IntranetEndpoint, url
}

// finalizerPatch is the finalizer being added while the bucket is first looked at in OSS: it only
// has to be stored before anything is written to OSS, so the API write and the OSS read overlap.
type finalizerPatch struct {
	done    chan struct{}
	patched *ossv1.Bucket
	err     error
}

// addFinalizer starts adding the finalizer to b. It is a patch of the finalizers alone: an Update
// would write back the whole spec as the Go types render it, dropping the empty lists and maps the
// user applied, a diff for GitOps tools.
func (r *BucketReconciler) addFinalizer(ctx context.Context, b *ossv1.Bucket) *finalizerPatch {
	p := &finalizerPatch{done: make(chan struct{}), patched: b.DeepCopy()}
	patch := client.MergeFromWithOptions(b.DeepCopy(), client.MergeFromWithOptimisticLock{})
	controllerutil.AddFinalizer(p.patched, Finalizer)
	go func() {
		defer close(p.done)
		p.err = r.Patch(ctx, p.patched, patch)
	}()
	return p
}

// wait waits for the patch and gives b the stored metadata (finalizers, resourceVersion), keeping
// b's spec and status. Calling it again, or on a nil patch, returns the same answer at once.
func (p *finalizerPatch) wait(b *ossv1.Bucket) error {
	if p == nil {
		return nil
	}
	<-p.done
	if p.err == nil && p.patched != nil {
		p.patched.ObjectMeta.DeepCopyInto(&b.ObjectMeta)
		p.patched = nil
	}
	return p.err
}

// SetupWithManager registers the controller: Buckets (spec and annotation changes), and the AccessKeys
// they name.
func (r *BucketReconciler) SetupWithManager(mgr manager.Manager, opts ctrl.Options) error {
	if err := mgr.GetFieldIndexer().IndexField(context.Background(), &ossv1.Bucket{}, accessKeyRefIndex, func(o client.Object) []string {
		return []string{accessKeyOfBucket(o.(*ossv1.Bucket)).String()}
	}); err != nil {
		return err
	}
	if err := mgr.GetFieldIndexer().IndexField(context.Background(), &ossv1.Bucket{}, uidIndex, func(o client.Object) []string {
		return []string{string(o.GetUID())}
	}); err != nil {
		return err
	}
	if err := mgr.GetFieldIndexer().IndexField(context.Background(), &ossv1.Bucket{}, logTargetIndex, func(o client.Object) []string {
		if l := o.(*ossv1.Bucket).Spec.Logging; l != nil && l.TargetBucket != "" {
			return []string{l.TargetBucket}
		}
		return nil
	}); err != nil {
		return err
	}
	changes := builder.WithPredicates(predicate.Or(predicate.GenerationChangedPredicate{}, predicate.AnnotationChangedPredicate{}))
	b := builder.ControllerManagedBy(mgr).Named("bucket").WithOptions(opts)
	if ptr.Deref(opts.UsePriorityQueue, true) {
		b = b.Watches(&ossv1.Bucket{}, newStartupSpread(r.ResyncPeriod, r.Metrics), changes)
	} else {
		b = b.For(&ossv1.Bucket{}, changes)
	}
	if r.Gates != nil {
		b = b.WatchesRawSource(source.Channel(r.Gates.wake, &handler.EnqueueRequestForObject{}))
	}
	return b.
		Watches(&ossv1.AccessKey{}, handler.EnqueueRequestsFromMapFunc(bucketsNaming(r.Client)), builder.WithPredicates(accessKeyReadinessChanged{})).
		Watches(&corev1.Namespace{}, handler.EnqueueRequestsFromMapFunc(bucketsUsingOthersKeys(r.Client)), builder.OnlyMetadata, builder.WithPredicates(labelsChanged{})).
		Watches(&ossv1.Bucket{}, handler.EnqueueRequestsFromMapFunc(bucketsLoggingInto(r.Client)), builder.WithPredicates(becameReady{})).
		Complete(r)
}

// bucketsLoggingInto maps a Bucket to the Buckets whose access logs go to its OSS bucket: a log target
// that comes by itself is waited for, and a Bucket of this cluster says when it has come.
func bucketsLoggingInto(c client.Reader) func(ctx context.Context, o client.Object) []reconcile.Request {
	return func(ctx context.Context, o client.Object) []reconcile.Request {
		b, ok := o.(*ossv1.Bucket)
		if !ok {
			return nil
		}
		list := &ossv1.BucketList{}
		if err := c.List(ctx, list, client.MatchingFields{logTargetIndex: b.BucketName()}); err != nil {
			log.FromContext(ctx).Error(err, "listing the Buckets that log into a bucket", "ossBucket", b.BucketName())
			return nil
		}
		reqs := make([]reconcile.Request, 0, len(list.Items))
		for _, l := range list.Items {
			reqs = append(reqs, reconcile.Request{NamespacedName: client.ObjectKeyFromObject(&l)})
		}
		return reqs
	}
}

// becameReady passes the update of a Bucket that has just become Ready.
type becameReady struct{ predicate.Funcs }

func (becameReady) Create(event.CreateEvent) bool   { return false }
func (becameReady) Delete(event.DeleteEvent) bool   { return false }
func (becameReady) Generic(event.GenericEvent) bool { return false }
func (becameReady) Update(e event.UpdateEvent) bool {
	o, ok1 := e.ObjectOld.(*ossv1.Bucket)
	n, ok2 := e.ObjectNew.(*ossv1.Bucket)
	return ok1 && ok2 && !isReady(o.Status.Conditions) && isReady(n.Status.Conditions)
}

// accessKeyReadinessChanged passes AccessKey events that can change what its Buckets do: creation,
// deletion, and a change of its Ready condition or observed generation (its grants among them).
type accessKeyReadinessChanged struct{ predicate.Funcs }

// Create passes an AccessKey made while the operator runs (its Buckets may wait for it), not those a
// start lists: the Buckets are listed too, each on its own (and, in sync, spread over the resync
// period: priority.go); mapping every AccessKey to its Buckets would queue them all at once.
func (accessKeyReadinessChanged) Create(e event.CreateEvent) bool { return !e.IsInInitialList }

func (accessKeyReadinessChanged) Update(e event.UpdateEvent) bool {
	o, ok1 := e.ObjectOld.(*ossv1.AccessKey)
	n, ok2 := e.ObjectNew.(*ossv1.AccessKey)
	if !ok1 || !ok2 {
		return true
	}
	oc, nc := condition(o.Status.Conditions, ossv1.ConditionReady), condition(n.Status.Conditions, ossv1.ConditionReady)
	if (oc == nil) != (nc == nil) || o.Status.ObservedGeneration != n.Status.ObservedGeneration || o.Status.AccessKeyID != n.Status.AccessKeyID {
		return true
	}
	return oc != nil && (oc.Status != nc.Status || oc.Reason != nc.Reason)
}
