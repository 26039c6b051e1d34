package controllers

import (
	"context"
	"fmt"
	"strings"
	"sync"
	"time"

	corev1 "k8s.io/api/core/v1"
	"k8s.io/apimachinery/pkg/api/equality"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/types"
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

	ossv1 "github.com/ossoperator/oss-operator/api/v1alpha1"
	"github.com/ossoperator/oss-operator/ossapi"
)

const (
	// Finalizer keeps a Bucket until the operator has applied its deletionPolicy.
	Finalizer = "oss.ossoperator.io/finalizer"
	// accessKeyRefIndex indexes Buckets by the AccessKey they name.
	accessKeyRefIndex = "spec.accessKeyRef.name"
)

// BucketReconciler creates, adopts, observes and deletes OSS buckets.
type BucketReconciler struct {
	client.Client
	Clients  *OSSClients
	Recorder recorder.EventRecorder
	// ClusterID identifies this cluster in the ownership tag of the buckets it manages.
	ClusterID string
	// ResyncPeriod is how often a bucket is observed in OSS without a change in the cluster.
	ResyncPeriod time.Duration
}

// +kubebuilder:rbac:groups=oss.ossoperator.io,resources=buckets,verbs=get;list;watch;update;patch
// +kubebuilder:rbac:groups=oss.ossoperator.io,resources=buckets/status,verbs=get;update;patch
// +kubebuilder:rbac:groups=oss.ossoperator.io,resources=buckets/finalizers,verbs=update
// +kubebuilder:rbac:groups=oss.ossoperator.io,resources=accesskeys,verbs=get;list;watch

// Reconcile brings one bucket to its spec, or applies its deletionPolicy.
func (r *BucketReconciler) Reconcile(ctx context.Context, req reconcile.Request) (reconcile.Result, error) {
	// 1. Load.
	b := &ossv1.Bucket{}
	if err := r.Get(ctx, req.NamespacedName, b); err != nil {
		return reconcile.Result{}, client.IgnoreNotFound(err)
	}
	ctx = log.IntoContext(ctx, log.FromContext(ctx).WithValues("ossBucket", b.BucketName()))
	before := b.Status.DeepCopy()

	// 2. Deletion, and the finalizer that makes it possible.
	if !b.DeletionTimestamp.IsZero() {
		return r.reconcileDelete(ctx, b, before)
	}
	var fin *finalizerPatch
	if !controllerutil.ContainsFinalizer(b, Finalizer) {
		fin = r.addFinalizer(ctx, b)
	}

	// 3. Resolve the credentials, 4. observe and act, 5. report.
	result, err := r.reconcileBucket(ctx, b, fin)
	if ferr := fin.wait(b); ferr != nil {
		return reconcile.Result{}, ferr
	}
	if serr := r.writeStatus(ctx, b, before); serr != nil {
		return reconcile.Result{}, serr
	}
	return result, err
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

// reconcileBucket sets b.Status from what it finds in OSS, creating or adopting the bucket when the
// spec asks for it.
func (r *BucketReconciler) reconcileBucket(ctx context.Context, b *ossv1.Bucket, fin *finalizerPatch) (reconcile.Result, error) {
	st := &b.Status
	gen := b.Generation
	st.ObservedGeneration = gen
	st.BucketName = b.BucketName()

	conn, res, done := r.connect(ctx, b)
	if done {
		return res, nil
	}
	st.Region = conn.Region()
	paused := isPaused(b)

	// Observe.
	want := ownerTagValue(r.ClusterID, b)
	obs := &observation{owner: want}
	look := lookUp(ctx, conn, b.BucketName(), managedBefore(b))
	info, err := look.info, look.err
	if ferr := fin.wait(b); ferr != nil {
		return reconcile.Result{}, ferr
	}
	switch {
	case ossapi.IsCode(err, ossapi.CodeNoSuchBucket):
		if paused {
			setReconciling(&st.Conditions, gen, ossv1.ReasonPaused, "Paused: the bucket does not exist and will be created when the ossoperator.io/paused annotation is removed")
			return reconcile.Result{RequeueAfter: jitter(r.ResyncPeriod)}, nil
		}
		created, err := r.create(ctx, conn, b)
		if err != nil {
			return r.fail(ctx, b, "Create", err)
		}
		if created {
			return r.settleNew(ctx, conn, b, obs)
		}
		// Created meanwhile, by someone else or by this resource with other properties: looked at like
		// any bucket that exists (AccessDenied: another account's).
		if look = lookUp(ctx, conn, b.BucketName(), false); look.err != nil {
			return r.fail(ctx, b, "Create", look.err)
		}
		info = look.info
	case ossapi.IsCode(err, ossapi.CodeAccessDenied):
		return r.stall(b, ossv1.ReasonBucketNameUnavailable, fmt.Sprintf(
			"Bucket name %q belongs to another account (OSS answered AccessDenied to GetBucketInfo), or the credentials may not read it; bucket names are global: choose another spec.name", b.BucketName()))
	case err != nil:
		return r.fail(ctx, b, "Observe", err)
	}
	obs.info = info
	observe(st, info)

	// The bucket exists: it must be in the declared region and of the declared kind.
	if msg := immutableMismatch(b, info, conn.Region()); msg != "" {
		return r.stall(b, ossv1.ReasonImmutableFieldMismatch, msg)
	}

	// Ownership: ours by tag, adoptable, or someone else's.
	if obs.tags, err = look.bucketTags(ctx, conn); err != nil {
		return r.fail(ctx, b, "Observe", err)
	}
	owner := ""
	if obs.tags != nil {
		owner = obs.tags.Map()[ossv1.OwnershipTagKey]
	}
	switch {
	case owner == want:
	case owner != "":
		return r.stall(b, ossv1.ReasonOwnedByAnother, fmt.Sprintf(
			"Bucket %q is managed by another resource (tag %s=%q); it is left untouched", b.BucketName(), ossv1.OwnershipTagKey, owner))
	case !b.Spec.Adopt && !wasCreating(b):
		return r.stall(b, ossv1.ReasonAdoptionRequired, fmt.Sprintf(
			"Bucket %q already exists in this account and no resource manages it; set spec.adopt: true to take it over (settings the spec does not declare are left as they are)", b.BucketName()))
	case paused:
		setReconciling(&st.Conditions, gen, ossv1.ReasonPaused, "Paused: the bucket would be adopted when the ossoperator.io/paused annotation is removed")
		return reconcile.Result{RequeueAfter: jitter(r.ResyncPeriod)}, nil
	default:
		tags := withOwner(existingTags(obs.tags), want)
		if err := conn.PutBucketTags(ctx, b.BucketName(), tagging(tags)); err != nil {
			return r.fail(ctx, b, "Adopt", err)
		}
		obs.tags = tagging(tags)
		if b.Spec.Adopt && !wasCreating(b) {
			r.Recorder.Eventf(b, nil, corev1.EventTypeNormal, "Adopted", "Adopt", "Adopted existing bucket %s", b.BucketName())
		}
	}

	// Declared settings, each observed and written only when it differs.
	return r.reportSettings(b, r.reconcileSettings(ctx, conn, b, obs), info)
}

// reportSettings sets the status from a pass over the settings: Ready, or what stands in the way.
func (r *BucketReconciler) reportSettings(b *ossv1.Bucket, out settingsOutcome, info *ossapi.BucketInfo) (reconcile.Result, error) {
	st, gen := &b.Status, b.Generation
	st.Settings = out.statuses
	for _, name := range out.corrected {
		// One action per setting: Events of the same reason and action are merged into one series.
		r.Recorder.Eventf(b, nil, corev1.EventTypeNormal, "DriftCorrected", "Correct"+strings.ToUpper(name[:1])+name[1:],
			"spec.%s differed in OSS and was corrected", name)
	}
	switch {
	case len(out.failed) > 0:
		return r.stall(b, ossv1.ReasonOSSRejected, "OSS refused settings: "+joinLines(out.failed)+joinOthers(out.transient))
	case len(out.transient) > 0:
		msg := "Settings will be retried: " + joinLines(out.transient)
		setReconciling(&st.Conditions, gen, ossv1.ReasonOSSUnavailable, msg)
		r.Recorder.Eventf(b, nil, corev1.EventTypeWarning, ossv1.ReasonOSSUnavailable, "Update", "%s", msg)
		return reconcile.Result{}, fmt.Errorf("%s", msg)
	case len(out.pending) > 0:
		setReconciling(&st.Conditions, gen, ossv1.ReasonPaused, "Paused: these settings differ from the spec and are not corrected: "+joinLines(out.pending))
		return reconcile.Result{RequeueAfter: jitter(r.ResyncPeriod)}, nil
	}

	msg := fmt.Sprintf("Bucket %s is ready in %s", b.BucketName(), info.Location)
	if isPaused(b) {
		msg += " (paused: no writes to OSS)"
	}
	setReady(&st.Conditions, gen, msg)
	return reconcile.Result{RequeueAfter: jitter(r.ResyncPeriod)}, nil
}

// lookup is a bucket's GetBucketInfo answer and, when they were read at the same time, its tags.
type lookup struct {
	name     string
	info     *ossapi.BucketInfo
	err      error
	tags     *ossapi.Tagging
	tagsErr  error
	tagsRead bool
}

// lookUp reads the bucket, and its tags at the same time when withTags: for a bucket the resource is
// known to manage, the ownership check then costs no round trip of its own.
func lookUp(ctx context.Context, conn *Conn, name string, withTags bool) lookup {
	l := lookup{name: name, tagsRead: withTags}
	var wg sync.WaitGroup
	if withTags {
		wg.Go(func() { l.tags, l.tagsErr = conn.GetBucketTags(ctx, name) })
	}
	l.info, l.err = conn.GetBucketInfo(ctx, name)
	wg.Wait()
	return l
}

// bucketTags are the tags read with the bucket, or read now.
func (l lookup) bucketTags(ctx context.Context, conn *Conn) (*ossapi.Tagging, error) {
	if l.tagsRead {
		return l.tags, l.tagsErr
	}
	return conn.GetBucketTags(ctx, l.name)
}

// managedBefore reports whether the status says this resource created the bucket or has had it Ready:
// then the bucket is expected to exist and to carry the resource's ownership tag.
func managedBefore(b *ossv1.Bucket) bool {
	return wasCreating(b) || (b.Status.BucketName == b.BucketName() && ready(b.Status.Conditions))
}

// connect resolves the AccessKey and builds its client. done is true when the Bucket must wait: the
// condition says for what.
func (r *BucketReconciler) connect(ctx context.Context, b *ossv1.Bucket) (*Conn, reconcile.Result, bool) {
	st := &b.Status
	ak := &ossv1.AccessKey{}
	err := r.Get(ctx, types.NamespacedName{Namespace: b.Namespace, Name: b.Spec.AccessKeyRef.Name}, ak)
	if apierrors.IsNotFound(err) {
		// Watched: the Bucket is reconciled as soon as the AccessKey appears.
		setReconciling(&st.Conditions, b.Generation, ossv1.ReasonAccessKeyNotFound,
			fmt.Sprintf("Waiting for AccessKey %q named by spec.accessKeyRef.name", b.Spec.AccessKeyRef.Name))
		return nil, reconcile.Result{}, true
	}
	if err != nil {
		setReconciling(&st.Conditions, b.Generation, ossv1.ReasonReconciling, err.Error())
		return nil, reconcile.Result{RequeueAfter: 10 * time.Second}, true
	}
	if !ready(ak.Status.Conditions) || ak.Status.ObservedGeneration != ak.Generation {
		reason := "not verified yet"
		if c := condition(ak.Status.Conditions, ossv1.ConditionReady); c != nil && c.Reason != ossv1.ReasonReady {
			reason = c.Reason + ": " + c.Message
		}
		setReconciling(&st.Conditions, b.Generation, ossv1.ReasonAccessKeyNotReady,
			fmt.Sprintf("Waiting for AccessKey %q to be Ready (%s)", ak.Name, reason))
		return nil, reconcile.Result{}, true
	}
	conn, err := r.Clients.Client(ctx, ak, b.Spec.Region)
	if err != nil {
		setReconciling(&st.Conditions, b.Generation, ossv1.ReasonAccessKeyNotReady, fmt.Sprintf("AccessKey %q cannot be used: %v", ak.Name, err))
		return nil, reconcile.Result{RequeueAfter: 30 * time.Second}, true
	}
	return conn, reconcile.Result{}, false
}

// existingTags are the tags other than the ownership tag.
func existingTags(t *ossapi.Tagging) map[string]string {
	m := map[string]string{}
	if t != nil {
		for k, v := range t.Map() {
			if k != ossv1.OwnershipTagKey {
				m[k] = v
			}
		}
	}
	return m
}

func joinOthers(transient []string) string {
	if len(transient) == 0 {
		return ""
	}
	return "; and, to be retried: " + joinLines(transient)
}

// fail records a failed OSS call: transient failures keep the Bucket Reconciling and back off through
// the controller's rate limiter; anything else needs a person and makes it Stalled.
func (r *BucketReconciler) fail(ctx context.Context, b *ossv1.Bucket, action string, err error) (reconcile.Result, error) {
	st := &b.Status
	if e, ok := ossapi.AsError(err); ok && e.Code == ossapi.CodeAccessDenied && action == "Create" {
		return r.stall(b, ossv1.ReasonBucketNameUnavailable, fmt.Sprintf("Bucket name %q is not available: %v", b.BucketName(), err))
	}
	if isTransient(err) {
		setReconciling(&st.Conditions, b.Generation, ossv1.ReasonOSSUnavailable, fmt.Sprintf("%s failed, will retry: %v", action, err))
		r.Recorder.Eventf(b, nil, corev1.EventTypeWarning, ossv1.ReasonOSSUnavailable, action, "%v", err)
		return reconcile.Result{}, err
	}
	reason := ossv1.ReasonOSSRejected
	if ossapi.IsCode(err, ossapi.CodeTooManyBuckets) {
		reason = ossv1.ReasonTooManyBuckets
	}
	return r.stall(b, reason, fmt.Sprintf("%s failed: %v", action, err))
}

// stall marks the Bucket Stalled; it is looked at again at the next resync or change.
func (r *BucketReconciler) stall(b *ossv1.Bucket, reason, message string) (reconcile.Result, error) {
	prev := condition(b.Status.Conditions, ossv1.ConditionStalled)
	setStalled(&b.Status.Conditions, b.Generation, reason, message)
	if prev == nil || prev.Reason != reason {
		r.Recorder.Eventf(b, nil, corev1.EventTypeWarning, reason, "Reconcile", "%s", message)
	}
	return reconcile.Result{RequeueAfter: jitter(r.ResyncPeriod)}, nil
}

// writeStatus writes the status only when it changed.
func (r *BucketReconciler) writeStatus(ctx context.Context, b *ossv1.Bucket, before *ossv1.BucketStatus) error {
	if equality.Semantic.DeepEqual(before, &b.Status) {
		return nil
	}
	err := r.Status().Update(ctx, b)
	if apierrors.IsNotFound(err) {
		return nil
	}
	return err
}

func observe(st *ossv1.BucketStatus, info *ossapi.BucketInfo) {
	st.Location = info.Location
	st.ExtranetEndpoint = info.ExtranetEndpoint
	st.IntranetEndpoint = info.IntranetEndpoint
	if info.ExtranetEndpoint != "" {
		st.URL = "https://" + info.Name + "." + info.ExtranetEndpoint
	}
	if !info.CreationDate.IsZero() {
		t := metav1.NewTime(info.CreationDate.UTC().Truncate(time.Second))
		st.CreationTime = &t
	}
}

func immutableMismatch(b *ossv1.Bucket, info *ossapi.BucketInfo, region string) string {
	if got := info.Region(); got != "" && got != region {
		return fmt.Sprintf("Bucket %q is in %s, not %s: a bucket cannot move region", b.BucketName(), got, region)
	}
	if b.Spec.StorageClass != "" && info.StorageClass != "" && string(info.StorageClass) != b.Spec.StorageClass {
		return fmt.Sprintf("Bucket %q has storage class %s, spec.storageClass says %s: OSS cannot change it", b.BucketName(), info.StorageClass, b.Spec.StorageClass)
	}
	if b.Spec.RedundancyType != "" && info.DataRedundancyType != "" && string(info.DataRedundancyType) != b.Spec.RedundancyType {
		return fmt.Sprintf("Bucket %q has redundancy type %s, spec.redundancyType says %s", b.BucketName(), info.DataRedundancyType, b.Spec.RedundancyType)
	}
	return ""
}

func isPaused(o metav1.Object) bool { return o.GetAnnotations()[ossv1.AnnotationPaused] == "true" }

// wasCreating reports whether the operator recorded that it creates, or created, this bucket for this
// resource: then an untagged bucket of that name in the account is ours, whatever happened between
// PutBucket and the tag write (a restart, a failed write, a pause, an AccessKey that went away).
func wasCreating(b *ossv1.Bucket) bool {
	return b.Status.CreatedBucket != "" && b.Status.CreatedBucket == b.BucketName()
}

// SetupWithManager registers the controller: Buckets (spec and annotation changes), and the AccessKeys
// they name.
func (r *BucketReconciler) SetupWithManager(mgr manager.Manager, opts ctrl.Options) error {
	if err := mgr.GetFieldIndexer().IndexField(context.Background(), &ossv1.Bucket{}, accessKeyRefIndex, func(o client.Object) []string {
		return []string{o.(*ossv1.Bucket).Spec.AccessKeyRef.Name}
	}); err != nil {
		return err
	}
	return builder.ControllerManagedBy(mgr).
		Named("bucket").
		WithOptions(opts).
		For(&ossv1.Bucket{}, builder.WithPredicates(predicate.Or(predicate.GenerationChangedPredicate{}, predicate.AnnotationChangedPredicate{}))).
		Watches(&ossv1.AccessKey{}, handler.EnqueueRequestsFromMapFunc(referrers(r.Client, func() client.ObjectList { return &ossv1.BucketList{} }, accessKeyRefIndex)), builder.WithPredicates(accessKeyReadinessChanged{})).
		Complete(r)
}

// accessKeyReadinessChanged passes AccessKey events that can change what its Buckets do: creation,
// deletion, and a change of its Ready condition or observed generation.
type accessKeyReadinessChanged struct{ predicate.Funcs }

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
