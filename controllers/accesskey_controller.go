package controllers

import (
	"context"
	"errors"
	"fmt"
	"time"

	corev1 "k8s.io/api/core/v1"
	"k8s.io/apimachinery/pkg/api/equality"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	"sigs.k8s.io/controller-runtime/pkg/builder"
	"sigs.k8s.io/controller-runtime/pkg/client"
	ctrl "sigs.k8s.io/controller-runtime/pkg/controller"
	"sigs.k8s.io/controller-runtime/pkg/handler"
	"sigs.k8s.io/controller-runtime/pkg/manager"
	"sigs.k8s.io/controller-runtime/pkg/predicate"
	"sigs.k8s.io/controller-runtime/pkg/reconcile"
	"sigs.k8s.io/controller-runtime/pkg/recorder"

	ossv1 "github.com/ossoperator/oss-operator/api/v1alpha1"
	"github.com/ossoperator/oss-operator/ossapi"
)

// secretRefIndex indexes AccessKeys by the Secret they name, so a Secret change finds its AccessKeys.
const secretRefIndex = "spec.secretRef.name"

// AccessKeyReconciler verifies an AccessKey's credentials with one signed call to OSS and reports the
// result in status. It re-verifies when the AccessKey or its Secret changes, and every ResyncPeriod.
type AccessKeyReconciler struct {
	client.Client
	Clients      *OSSClients
	Recorder     recorder.EventRecorder
	ResyncPeriod time.Duration
}

// +kubebuilder:rbac:groups=oss.ossoperator.io,resources=accesskeys,verbs=get;list;watch
// +kubebuilder:rbac:groups=oss.ossoperator.io,resources=accesskeys/status,verbs=get;update;patch
// +kubebuilder:rbac:groups="",resources=secrets,verbs=get;list;watch
// +kubebuilder:rbac:groups=events.k8s.io,resources=events,verbs=create;patch

// Reconcile verifies one AccessKey.
func (r *AccessKeyReconciler) Reconcile(ctx context.Context, req reconcile.Request) (reconcile.Result, error) {
	// 1. Load.
	ak := &ossv1.AccessKey{}
	if err := r.Get(ctx, req.NamespacedName, ak); err != nil {
		if apierrors.IsNotFound(err) {
			return reconcile.Result{}, nil
		}
		return reconcile.Result{}, err
	}
	if !ak.DeletionTimestamp.IsZero() {
		r.Clients.Forget(ak.UID)
		return reconcile.Result{}, nil
	}
	before := ak.Status.DeepCopy()
	st := &ak.Status
	st.ObservedGeneration = ak.Generation

	// 2. Verify with one signed call: ListBuckets (one key) reports the account's owner ID.
	result, verr := r.verify(ctx, ak)

	// 3. Report, writing status only when it changed.
	if !equality.Semantic.DeepEqual(before, st) {
		if err := r.Status().Update(ctx, ak); err != nil {
			return reconcile.Result{}, err
		}
		if ready(ak.Status.Conditions) && !ready(before.Conditions) {
			r.Recorder.Eventf(ak, nil, corev1.EventTypeNormal, "Verified", "Verify", "Credentials %s verified for account %s", st.AccessKeyID, st.AccountID)
		} else if c := condition(ak.Status.Conditions, ossv1.ConditionReady); c != nil && c.Status != "True" &&
			(before == nil || condition(before.Conditions, ossv1.ConditionReady) == nil || condition(before.Conditions, ossv1.ConditionReady).Reason != c.Reason) {
			r.Recorder.Eventf(ak, nil, corev1.EventTypeWarning, c.Reason, "Verify", "%s", c.Message)
		}
	}
	return result, verr
}

// verify sets the conditions from one signed call and returns how to requeue.
func (r *AccessKeyReconciler) verify(ctx context.Context, ak *ossv1.AccessKey) (reconcile.Result, error) {
	st := &ak.Status
	c, err := r.Clients.Client(ctx, ak, "")
	var cerr *CredentialsError
	switch {
	case errors.As(err, &cerr):
		st.AccountID = ""
		setStalled(&st.Conditions, ak.Generation, cerr.Reason, cerr.Message)
		// A Secret that appears or changes is watched; nothing to retry until then.
		return reconcile.Result{}, nil
	case err != nil:
		return reconcile.Result{}, err
	}
	st.Endpoint = c.Endpoint()
	st.AccessKeyID = c.AccessKeyID

	page, err := c.ListBuckets(ctx, &ossapi.ListBucketsRequest{MaxKeys: 1})
	if err == nil {
		st.AccountID = page.Owner.ID
		setReady(&st.Conditions, ak.Generation, fmt.Sprintf("Credentials verified for account %s at %s", page.Owner.ID, c.Endpoint()))
		return reconcile.Result{RequeueAfter: jitter(r.ResyncPeriod)}, nil
	}
	reason, terminal := accessKeyReason(err)
	msg := fmt.Sprintf("Verifying the credentials failed: %v", err)
	if terminal {
		st.AccountID = ""
		setStalled(&st.Conditions, ak.Generation, reason, msg)
		return reconcile.Result{RequeueAfter: jitter(r.ResyncPeriod)}, nil
	}
	setReconciling(&st.Conditions, ak.Generation, reason, msg)
	// Transient: the controller's rate limiter backs off.
	return reconcile.Result{}, fmt.Errorf("verifying AccessKey %s/%s: %w", ak.Namespace, ak.Name, err)
}

// accessKeyReason maps a failed verification to a condition reason, and says whether only a person
// can fix it.
func accessKeyReason(err error) (reason string, terminal bool) {
	if e, ok := ossapi.AsError(err); ok {
		switch e.Code {
		case ossapi.CodeInvalidAccessKeyID:
			return ossv1.ReasonInvalidAccessKeyID, true
		case ossapi.CodeSignatureDoesNotMatch:
			return ossv1.ReasonSignatureDoesNotMatch, true
		case ossapi.CodeInvalidSecurityToken, ossapi.CodeSecurityTokenExpired, "AccessKeyIdAndSecurityTokenNotMatch":
			return ossv1.ReasonInvalidSecurityToken, true
		case ossapi.CodeAccessDenied:
			return ossv1.ReasonAccessDenied, true
		}
		if isTransient(err) {
			return ossv1.ReasonEndpointUnreachable, false
		}
		return ossv1.ReasonAccessDenied, true
	}
	return ossv1.ReasonEndpointUnreachable, false
}

// SetupWithManager registers the controller: AccessKeys, and the Secrets they name (metadata only,
// so Secret contents never enter the cache).
func (r *AccessKeyReconciler) SetupWithManager(mgr manager.Manager, opts ctrl.Options) error {
	if err := mgr.GetFieldIndexer().IndexField(context.Background(), &ossv1.AccessKey{}, secretRefIndex, func(o client.Object) []string {
		return []string{o.(*ossv1.AccessKey).Spec.SecretRef.Name}
	}); err != nil {
		return err
	}
	return builder.ControllerManagedBy(mgr).
		Named("accesskey").
		WithOptions(opts).
		For(&ossv1.AccessKey{}, builder.WithPredicates(predicate.Or(predicate.GenerationChangedPredicate{}, predicate.AnnotationChangedPredicate{}))).
		Watches(&corev1.Secret{}, handler.EnqueueRequestsFromMapFunc(referrers(r.Client, func() client.ObjectList { return &ossv1.AccessKeyList{} }, secretRefIndex)), builder.OnlyMetadata,
			builder.WithPredicates(predicate.ResourceVersionChangedPredicate{})).
		Complete(r)
}
