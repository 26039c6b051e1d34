package controllers

import (
	"context"
	"sync"
	"time"

	corev1 "k8s.io/api/core/v1"
	"k8s.io/apimachinery/pkg/api/equality"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	"k8s.io/apimachinery/pkg/types"
	"sigs.k8s.io/controller-runtime/pkg/builder"
	"sigs.k8s.io/controller-runtime/pkg/client"
	ctrl "sigs.k8s.io/controller-runtime/pkg/controller"
	"sigs.k8s.io/controller-runtime/pkg/controller/controllerutil"
	"sigs.k8s.io/controller-runtime/pkg/event"
	"sigs.k8s.io/controller-runtime/pkg/handler"
	"sigs.k8s.io/controller-runtime/pkg/manager"
	"sigs.k8s.io/controller-runtime/pkg/predicate"
	"sigs.k8s.io/controller-runtime/pkg/reconcile"
	"sigs.k8s.io/controller-runtime/pkg/recorder"

	ossv1 "github.com/ossoperator/oss-operator/api/v1alpha1"
	"github.com/ossoperator/oss-operator/ossapi"
)

const (
	// InUseFinalizer keeps an AccessKey while Buckets still need its credentials, to delete or release
	// their buckets: a namespace deletion or a GitOps prune removes everything at once, in any order.
	InUseFinalizer = "oss.ossoperator.io/in-use"
	// secretRefIndex indexes AccessKeys by the Secret they name, so a Secret change finds its AccessKeys.
	secretRefIndex = "spec.secretRef.name"
	// issuerRefIndex indexes AccessKeys by the AccessKey their credentials come from (an issued one's
	// issuer, an assumeRole one's source), as "<namespace>/<name>".
	issuerRefIndex = "spec.credentialsSource"
	// grantIndex indexes issued AccessKeys by the Buckets they grant, as "<namespace>/<name>".
	grantIndex = "spec.issue.grants.bucketRef"
)

// AccessKeyReconciler verifies an AccessKey's credentials with one signed call to OSS and reports the
// result in status. It re-verifies when the AccessKey or its Secret changes, and every ResyncPeriod.
// Like the Bucket controller, it observes (observe, below), decides (accesskey_decide.go) and reports
// (report.go).
type AccessKeyReconciler struct {
	client.Client
	Clients      *OSSClients
	Recorder     recorder.EventRecorder
	ResyncPeriod time.Duration
	// ClusterID makes the names of issued RAM users and policies unique to this cluster.
	ClusterID string
	// Now is the clock of rotations; default time.Now.
	Now func() time.Time
	// OperatorNamespace is the operator's own: only its AccessKeys may use the operator's pod identity.
	OperatorNamespace string
	// PodIdentity is the operator's own RRSA identity, nil when it runs without one.
	PodIdentity *PodIdentity
	// Metrics show each AccessKey's conditions; nil records nothing.
	Metrics *ResourceMetrics

	// written are the Secrets this controller is writing or last wrote, so that its own write does not
	// bring the AccessKey back.
	written sync.Map // types.NamespacedName -> ownWrite
}

// +kubebuilder:rbac:groups=oss.ossoperator.io,resources=accesskeys,verbs=get;list;watch;update;patch
// +kubebuilder:rbac:groups=oss.ossoperator.io,resources=accesskeys/status,verbs=get;update;patch
// +kubebuilder:rbac:groups=oss.ossoperator.io,resources=accesskeys/finalizers,verbs=update
// +kubebuilder:rbac:groups=oss.ossoperator.io,resources=buckets,verbs=get;list;watch
// +kubebuilder:rbac:groups="",resources=secrets,verbs=get;list;watch;create;update
// +kubebuilder:rbac:groups=events.k8s.io,resources=events,verbs=create;patch
// +kubebuilder:rbac:groups="",resources=serviceaccounts/token,verbs=create

// Reconcile verifies one AccessKey, or lets it go once no Bucket needs it.
func (r *AccessKeyReconciler) Reconcile(ctx context.Context, req reconcile.Request) (reconcile.Result, error) {
	// 1. Load.
	ak := &ossv1.AccessKey{}
	if err := r.Get(ctx, req.NamespacedName, ak); err != nil {
		if apierrors.IsNotFound(err) {
			r.Metrics.forget(kindAccessKey, req.NamespacedName) // gone: so are its series
		}
		return reconcile.Result{}, client.IgnoreNotFound(err)
	}
	before := ak.Status.DeepCopy()

	// 2. Being deleted: it goes once the Buckets that need it are gone.
	if !ak.DeletionTimestamp.IsZero() {
		if !controllerutil.ContainsFinalizer(ak, InUseFinalizer) {
			r.Clients.Forget(ak.UID)
			return reconcile.Result{}, nil
		}
		users, err := r.users(ctx, ak)
		out := decideAccessKeyDeletion(users, err)
		switch {
		case out.state == released && ak.Spec.Issue != nil:
			// No Bucket needs it: what it issued in RAM goes, then the AccessKey.
			out = r.deleteIssued(ctx, ak)
		case out.state != released && usesSession(ak):
			// Buckets still delete or let go of their buckets with its credentials: they are renewed
			// while it waits (its polls come well within a session's life).
			if s := r.reconcileSession(ctx, ak); s.state == ready {
				out.events = append(out.events, s.events...)
			}
		}
		result, rerr := r.report(ctx, ak, before, out)
		if out.state == released && rerr == nil {
			r.Clients.Forget(ak.UID)
		}
		return result, rerr
	}

	// 3. The finalizer that keeps it while Buckets need it.
	if !controllerutil.ContainsFinalizer(ak, InUseFinalizer) {
		patch := client.MergeFromWithOptions(ak.DeepCopy(), client.MergeFromWithOptimisticLock{})
		controllerutil.AddFinalizer(ak, InUseFinalizer)
		if err := r.Patch(ctx, ak, patch); err != nil {
			return reconcile.Result{}, client.IgnoreNotFound(err)
		}
	}

	// Temporary credentials from STS (accesskey_session.go).
	if usesSession(ak) {
		return r.report(ctx, ak, before, r.reconcileSession(ctx, ak))
	}

	// An issued AccessKey: its RAM user, policy, keys and Secret (accesskey_issue.go).
	if ak.Spec.Issue != nil {
		out, conn := r.reconcileIssued(ctx, ak)
		if out.state == ready {
			r.Clients.Verified(ak, conn)
		}
		return r.report(ctx, ak, before, out)
	}

	// 4. Observe with one signed call, 5. decide, 6. report.
	obs := r.observe(ctx, ak)
	out := decideAccessKey(ak, before, obs)
	if out.state == ready {
		r.Clients.Verified(ak, obs.conn)
	}
	return r.report(ctx, ak, before, out)
}

// users are the Buckets that still need the AccessKey: those that name it, have a bucket to delete or
// let go of, have not been let go, and are of a namespace it grants. Naming an AccessKey is not enough
// to hold it: a Bucket of a namespace it does not grant could not use it anyway.
func (r *AccessKeyReconciler) users(ctx context.Context, ak *ossv1.AccessKey) ([]string, error) {
	list := &ossv1.BucketList{}
	if err := r.List(ctx, list, client.MatchingFields{accessKeyRefIndex: client.ObjectKeyFromObject(ak).String()}); err != nil {
		return nil, err
	}
	var names []string
	for _, b := range list.Items {
		if !controllerutil.ContainsFinalizer(&b, Finalizer) || nothingToDelete(&b) {
			continue
		}
		if b.Namespace != ak.Namespace {
			nsLabels, err := namespaceLabels(ctx, r.Client, b.Namespace)
			if err != nil {
				return nil, err
			}
			if !grants(ak, b.Namespace, nsLabels) {
				continue
			}
		}
		name := b.Name
		if b.Namespace != ak.Namespace {
			name = b.Namespace + "/" + b.Name
		}
		names = append(names, name)
	}
	// Issued AccessKeys need their issuer to delete their RAM user, keys and policy.
	issued := &ossv1.AccessKeyList{}
	if err := r.List(ctx, issued, client.MatchingFields{issuerRefIndex: client.ObjectKeyFromObject(ak).String()}); err != nil {
		return nil, err
	}
	for _, i := range issued.Items {
		if i.Spec.Issue == nil || !controllerutil.ContainsFinalizer(&i, InUseFinalizer) || i.Status.Issued == nil || i.Status.Issued.UserName == "" {
			continue
		}
		names = append(names, "AccessKey "+i.Namespace+"/"+i.Name)
	}
	return names, nil
}

func (r *AccessKeyReconciler) report(ctx context.Context, ak *ossv1.AccessKey, before *ossv1.AccessKeyStatus, out outcome) (reconcile.Result, error) {
	rp := &reporter{client: r.Client, recorder: r.Recorder, resync: r.ResyncPeriod, metrics: r.Metrics}
	return rp.report(ctx, reported{
		obj:                       ak,
		kind:                      kindAccessKey,
		before:                    before.Conditions,
		conditions:                &ak.Status.Conditions,
		observedGeneration:        &ak.Status.ObservedGeneration,
		requests:                  &ak.Status.ReconcileRequestStatus,
		statusChanged:             func() bool { return !equality.Semantic.DeepEqual(before, &ak.Status) },
		finalizer:                 InUseFinalizer,
		blockedDeletionKeepsReady: true,
	}, out)
}

// accessKeyObservation is the AccessKey's client and the answer of one signed call.
type accessKeyObservation struct {
	conn      *Conn
	clientErr error
	page      *ossapi.ListBucketsResult
	callErr   error
}

// observe builds the client from the Secret and makes one signed call: ListBuckets (one key) reports
// the account's owner ID.
func (r *AccessKeyReconciler) observe(ctx context.Context, ak *ossv1.AccessKey) accessKeyObservation {
	var obs accessKeyObservation
	if obs.conn, obs.clientErr = r.Clients.Client(ctx, ak, ""); obs.clientErr != nil {
		return obs
	}
	obs.page, obs.callErr = obs.conn.ListBuckets(ctx, &ossapi.ListBucketsRequest{MaxKeys: 1})
	return obs
}

// SetupWithManager registers the controller: AccessKeys, the Secrets they name (metadata only, so
// Secret contents never enter the cache), and the Buckets that hold them while they are deleted.
func (r *AccessKeyReconciler) SetupWithManager(mgr manager.Manager, opts ctrl.Options) error {
	if err := mgr.GetFieldIndexer().IndexField(context.Background(), &ossv1.AccessKey{}, secretRefIndex, func(o client.Object) []string {
		if name := o.(*ossv1.AccessKey).Spec.SecretRef.Name; name != "" {
			return []string{name}
		}
		return nil
	}); err != nil {
		return err
	}
	if err := mgr.GetFieldIndexer().IndexField(context.Background(), &ossv1.AccessKey{}, issuerRefIndex, func(o client.Object) []string {
		if key, ok := sourceOf(o.(*ossv1.AccessKey)); ok {
			return []string{key.String()}
		}
		return nil
	}); err != nil {
		return err
	}
	if err := mgr.GetFieldIndexer().IndexField(context.Background(), &ossv1.AccessKey{}, grantIndex, func(o client.Object) []string {
		ak := o.(*ossv1.AccessKey)
		if ak.Spec.Issue == nil {
			return nil
		}
		var keys []string
		for _, g := range ak.Spec.Issue.Grants {
			keys = appendNew(keys, ak.Namespace+"/"+g.BucketRef.Name)
		}
		return keys
	}); err != nil {
		return err
	}
	return builder.ControllerManagedBy(mgr).
		Named("accesskey").
		WithOptions(opts).
		For(&ossv1.AccessKey{}, builder.WithPredicates(predicate.Or(predicate.GenerationChangedPredicate{}, predicate.AnnotationChangedPredicate{}))).
		Watches(&corev1.Secret{}, handler.EnqueueRequestsFromMapFunc(referrers(r.Client, func() client.ObjectList { return &ossv1.AccessKeyList{} }, secretRefIndex)), builder.OnlyMetadata,
			builder.WithPredicates(notOwnWrite{r: r})).
		Watches(&ossv1.AccessKey{}, handler.EnqueueRequestsFromMapFunc(indexed(r.Client, issuerRefIndex)), builder.WithPredicates(accessKeyReadinessChanged{})).
		Watches(&ossv1.Bucket{}, handler.EnqueueRequestsFromMapFunc(indexed(r.Client, grantIndex)), builder.WithPredicates(managedChanged{})).
		Watches(&ossv1.Bucket{}, handler.EnqueueRequestsFromMapFunc(r.deletedAccessKeyOf), builder.WithPredicates(bucketLetGo{})).
		Complete(r)
}

// deletedAccessKeyOf maps a Bucket to the AccessKey it names when that AccessKey is being deleted: only
// then can the Bucket's going change anything. Any other AccessKey is not verified again for it.
func (r *AccessKeyReconciler) deletedAccessKeyOf(ctx context.Context, o client.Object) []reconcile.Request {
	b, ok := o.(*ossv1.Bucket)
	if !ok {
		return nil
	}
	key := accessKeyOfBucket(b)
	ak := &ossv1.AccessKey{}
	if err := r.Get(ctx, key, ak); err != nil || ak.DeletionTimestamp.IsZero() {
		return nil
	}
	return []reconcile.Request{{NamespacedName: key}}
}

// bucketLetGo passes the Bucket events after which its AccessKey may no longer be needed: the Bucket
// is gone, has been let go (its finalizer removed), or names another AccessKey.
type bucketLetGo struct{ predicate.Funcs }

func (bucketLetGo) Create(event.CreateEvent) bool   { return false }
func (bucketLetGo) Delete(event.DeleteEvent) bool   { return true }
func (bucketLetGo) Generic(event.GenericEvent) bool { return false }
func (bucketLetGo) Update(e event.UpdateEvent) bool {
	o, ok1 := e.ObjectOld.(*ossv1.Bucket)
	n, ok2 := e.ObjectNew.(*ossv1.Bucket)
	if !ok1 || !ok2 {
		return false
	}
	return accessKeyOfBucket(o) != accessKeyOfBucket(n) ||
		controllerutil.ContainsFinalizer(o, Finalizer) && !controllerutil.ContainsFinalizer(n, Finalizer)
}

// sourceOf is the AccessKey whose credentials this one's come from: an issued AccessKey's issuer, an
// assumeRole AccessKey's source.
func sourceOf(ak *ossv1.AccessKey) (types.NamespacedName, bool) {
	var ref ossv1.AccessKeyReference
	switch {
	case ak.Spec.Issue != nil:
		ref = ak.Spec.Issue.IssuerRef
	case ak.Spec.AssumeRole != nil:
		ref = ak.Spec.AssumeRole.SourceRef
	default:
		return types.NamespacedName{}, false
	}
	ns := ref.Namespace
	if ns == "" {
		ns = ak.Namespace
	}
	return types.NamespacedName{Namespace: ns, Name: ref.Name}, true
}

// indexed maps an object to the AccessKeys that name it by "<namespace>/<name>" in the index.
func indexed(c client.Reader, index string) handler.MapFunc {
	return func(ctx context.Context, o client.Object) []reconcile.Request {
		list := &ossv1.AccessKeyList{}
		if err := c.List(ctx, list, client.MatchingFields{index: client.ObjectKeyFromObject(o).String()}); err != nil {
			return nil
		}
		reqs := make([]reconcile.Request, 0, len(list.Items))
		for _, ak := range list.Items {
			reqs = append(reqs, reconcile.Request{NamespacedName: client.ObjectKeyFromObject(&ak)})
		}
		return reqs
	}
}

// ownWrite is a Secret write of this controller: its resource version once the API server answered,
// and before that what its annotations say (the key, the digest of the data, the retiring key), which
// the watch event of the write carries, and which may arrive before the answer.
type ownWrite struct {
	resourceVersion string
	annotations     string
}

func secretWriteMark(annotations map[string]string) string {
	return annotations[secretKeyIDAnnotation] + "/" + annotations[secretDigestAnnotation] + "/" + annotations[secretRetiringAnnotation]
}

// notOwnWrite passes the Secret events that are not this controller's own writes: a deletion always, a
// creation or an update unless this controller made it.
type notOwnWrite struct {
	predicate.Funcs
	r *AccessKeyReconciler
}

func (p notOwnWrite) Create(e event.CreateEvent) bool { return !p.r.ownWrite(e.Object) }
func (p notOwnWrite) Update(e event.UpdateEvent) bool {
	return e.ObjectOld.GetResourceVersion() != e.ObjectNew.GetResourceVersion() && !p.r.ownWrite(e.ObjectNew)
}
func (notOwnWrite) Delete(event.DeleteEvent) bool { return true }

func (r *AccessKeyReconciler) ownWrite(o client.Object) bool {
	v, ok := r.written.Load(client.ObjectKeyFromObject(o))
	if !ok {
		return false
	}
	w := v.(ownWrite)
	return w.resourceVersion == o.GetResourceVersion() || w.resourceVersion == "" && w.annotations == secretWriteMark(o.GetAnnotations())
}

// writeOwn creates or updates an issued Secret, recording the write so that its event is not taken for
// someone else's change.
func (r *AccessKeyReconciler) writeOwn(ctx context.Context, s *corev1.Secret, create bool) error {
	key := client.ObjectKeyFromObject(s)
	r.written.Store(key, ownWrite{annotations: secretWriteMark(s.Annotations)})
	var err error
	if create {
		err = r.Create(ctx, s)
	} else {
		err = r.Update(ctx, s)
	}
	if err != nil {
		r.written.Delete(key)
		return err
	}
	r.written.Store(key, ownWrite{resourceVersion: s.ResourceVersion})
	return nil
}

// managedChanged passes the Bucket events that can change a grant: it starts or stops managing its
// bucket, or goes.
type managedChanged struct{ predicate.Funcs }

func (managedChanged) Create(event.CreateEvent) bool   { return false }
func (managedChanged) Delete(event.DeleteEvent) bool   { return true }
func (managedChanged) Generic(event.GenericEvent) bool { return false }
func (managedChanged) Update(e event.UpdateEvent) bool {
	o, ok1 := e.ObjectOld.(*ossv1.Bucket)
	n, ok2 := e.ObjectNew.(*ossv1.Bucket)
	if !ok1 || !ok2 {
		return false
	}
	return hasManaged(&o.Status, o.Status.BucketName) != hasManaged(&n.Status, n.Status.BucketName) ||
		o.Status.BucketName != n.Status.BucketName || o.DeletionTimestamp.IsZero() != n.DeletionTimestamp.IsZero()
}
