package controllers

import (
	"context"
	"time"

	corev1 "k8s.io/api/core/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	"k8s.io/apimachinery/pkg/api/meta"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"sigs.k8s.io/controller-runtime/pkg/client"
	"sigs.k8s.io/controller-runtime/pkg/controller/controllerutil"
	"sigs.k8s.io/controller-runtime/pkg/log"
	"sigs.k8s.io/controller-runtime/pkg/reconcile"
	"sigs.k8s.io/controller-runtime/pkg/recorder"

	ossv1 "github.com/ossoperator/oss-operator/api/v1alpha1"
)

// reporter is the report step, shared by both kinds: it turns an outcome into conditions, Events, log
// lines, the status write and the requeue.
type reporter struct {
	client   client.Client
	recorder recorder.EventRecorder
	resync   time.Duration
	// metrics show the conditions reported; nil records nothing.
	metrics *ResourceMetrics
}

// reported is the part of a resource the report step works on.
type reported struct {
	obj client.Object
	// kind is the kind label of the metrics (kindBucket, kindAccessKey).
	kind string
	// before are the conditions when the reconcile began; conditions, observedGeneration and requests
	// point into the status being written.
	before             []metav1.Condition
	conditions         *[]metav1.Condition
	observedGeneration *int64
	requests           *ossv1.ReconcileRequestStatus
	// statusChanged says whether the status differs from what was read.
	statusChanged func() bool
	// finalizer is removed when the outcome is released.
	finalizer string
	// blockedDeletionKeepsReady: a blocked deletion leaves Ready as it is (an AccessKey stays usable by
	// the Buckets that hold it) instead of making it False.
	blockedDeletionKeepsReady bool
	// logValues are added to every log line (the OSS bucket name).
	logValues []any
}

// report applies the outcome. It is the only place that sets conditions, sends Events about state and
// decides the requeue (but for the record of a creation, written before PutBucket with the conditions
// decideCreating gives, bucket_creation.go).
func (rp *reporter) report(ctx context.Context, r reported, out outcome) (reconcile.Result, error) {
	logger := log.FromContext(ctx).WithValues(r.logValues...)
	action := "Reconcile"
	if !r.obj.GetDeletionTimestamp().IsZero() {
		action = "Delete"
	}

	// What was done: one Event and one log line each.
	for _, e := range out.events {
		typ := corev1.EventTypeNormal
		if e.warning {
			typ = corev1.EventTypeWarning
		}
		rp.recorder.Eventf(r.obj, nil, typ, e.reason, e.action, "%s", truncate(e.message))
		if len(e.lines) == 0 {
			e.lines = []string{e.message}
		}
		for _, line := range e.lines {
			logger.Info(line, "reason", e.reason)
		}
	}

	key := client.ObjectKeyFromObject(r.obj)
	if out.state == released {
		// The resource goes: so do its series (a failed patch is retried, and comes here again).
		rp.metrics.forget(r.kind, key)
		patch := client.MergeFromWithOptions(r.obj.DeepCopyObject().(client.Object), client.MergeFromWithOptimisticLock{})
		if !controllerutil.RemoveFinalizer(r.obj, r.finalizer) {
			return reconcile.Result{}, nil
		}
		return reconcile.Result{}, client.IgnoreNotFound(rp.client.Patch(ctx, r.obj, patch))
	}

	gen := r.obj.GetGeneration()
	setConditions(r.conditions, gen, out, r.blockedDeletionKeepsReady)
	*r.observedGeneration = gen
	acknowledgeRequests(r.requests, r.obj.GetAnnotations())

	// Entering and leaving pause, and any other change of state or of what it says.
	wasPaused, isPaused := pausedBy(r.before), pausedBy(*r.conditions)
	switch {
	case isPaused && !wasPaused:
		rp.recorder.Eventf(r.obj, nil, corev1.EventTypeNormal, ossv1.EventPaused, action, "%s", truncate(out.message))
		logger.Info("Paused: no writes to OSS until the ossoperator.io/paused annotation is removed")
	case wasPaused && !isPaused:
		rp.recorder.Eventf(r.obj, nil, corev1.EventTypeNormal, ossv1.EventResumed, action, "Resumed: the ossoperator.io/paused annotation was removed")
		logger.Info("Resumed")
	}
	headline := headlineCondition(out.state)
	if out.state != ready && !isPaused && !out.quiet && changed(condition(r.before, headline), condition(*r.conditions, headline)) {
		typ := corev1.EventTypeNormal
		if out.state == stalled || out.state == deletionBlocked || out.wait == backoff {
			typ = corev1.EventTypeWarning
		}
		rp.recorder.Eventf(r.obj, nil, typ, out.reason, action, "%s", truncate(out.message))
		if out.err != nil {
			logger.Info(out.message, "state", out.state.String(), "reason", out.reason, "error", out.err.Error())
		} else {
			logger.Info(out.message, "state", out.state.String(), "reason", out.reason)
		}
	}

	gone := false
	if r.statusChanged() {
		if err := rp.client.Status().Update(ctx, r.obj); err != nil && !apierrors.IsNotFound(err) {
			return reconcile.Result{}, err
		} else if err != nil {
			gone = true
		}
	}
	// The metrics show the conditions stored (or unchanged), on every report: a restarted operator
	// shows them all within a resync.
	if gone {
		rp.metrics.forget(r.kind, key)
	} else {
		rp.metrics.record(r.kind, key, *r.conditions)
	}
	// How long the resource has waited for what it waits for now: since its condition changed status,
	// or since now if the reason changed.
	since := time.Now()
	if c, b := condition(*r.conditions, headline), condition(r.before, headline); c != nil && b != nil && b.Reason == c.Reason {
		since = c.LastTransitionTime.Time
	}
	return requeue(out, rp.resync, since)
}

// setConditions sets the conditions of a state. Ready carries the reason of whichever of Reconciling or
// Stalled applies, so `kubectl get` shows it; a blocked deletion shows reason DeletionBlocked on Ready
// (a Bucket; an AccessKey keeps its Ready) and the specific reason on the DeletionBlocked condition.
func setConditions(conds *[]metav1.Condition, gen int64, out outcome, blockedDeletionKeepsReady bool) {
	t, f := metav1.ConditionTrue, metav1.ConditionFalse
	switch out.state {
	case ready:
		set(conds, gen, ossv1.ConditionReady, t, out.reason, out.message)
		meta.RemoveStatusCondition(conds, ossv1.ConditionReconciling)
		meta.RemoveStatusCondition(conds, ossv1.ConditionStalled)
	case progressing:
		set(conds, gen, ossv1.ConditionReady, f, out.reason, out.message)
		set(conds, gen, ossv1.ConditionReconciling, t, out.reason, out.message)
		meta.RemoveStatusCondition(conds, ossv1.ConditionStalled)
	case stalled:
		set(conds, gen, ossv1.ConditionReady, f, out.reason, out.message)
		set(conds, gen, ossv1.ConditionStalled, t, out.reason, out.message)
		meta.RemoveStatusCondition(conds, ossv1.ConditionReconciling)
	case paused:
		status := f
		if out.inSync {
			status = t
		}
		set(conds, gen, ossv1.ConditionReady, status, out.reason, out.message)
		meta.RemoveStatusCondition(conds, ossv1.ConditionReconciling)
		meta.RemoveStatusCondition(conds, ossv1.ConditionStalled)
	case deletionBlocked:
		set(conds, gen, ossv1.ConditionDeletionBlocked, t, out.reason, out.message)
		if blockedDeletionKeepsReady {
			return
		}
		// A purge shows on Ready itself, so that `kubectl get` says it: in progress (Reconciling), or
		// stopped by OSS until a person acts (Stalled).
		switch out.reason {
		case ossv1.ReasonPurging:
			set(conds, gen, ossv1.ConditionReady, f, out.reason, out.message)
			set(conds, gen, ossv1.ConditionReconciling, t, out.reason, out.message)
			meta.RemoveStatusCondition(conds, ossv1.ConditionStalled)
		case ossv1.ReasonPurgeForbidden:
			set(conds, gen, ossv1.ConditionReady, f, out.reason, out.message)
			set(conds, gen, ossv1.ConditionStalled, t, out.reason, out.message)
			meta.RemoveStatusCondition(conds, ossv1.ConditionReconciling)
		default:
			set(conds, gen, ossv1.ConditionReady, f, ossv1.ReasonDeletionBlocked, out.message)
			meta.RemoveStatusCondition(conds, ossv1.ConditionReconciling)
			meta.RemoveStatusCondition(conds, ossv1.ConditionStalled)
		}
		return
	}
	meta.RemoveStatusCondition(conds, ossv1.ConditionDeletionBlocked)
}

// headlineCondition is the condition whose reason and message tell the state.
func headlineCondition(s state) string {
	if s == deletionBlocked {
		return ossv1.ConditionDeletionBlocked
	}
	return ossv1.ConditionReady
}

// pausedBy says whether conditions show a paused resource.
func pausedBy(conds []metav1.Condition) bool {
	for _, typ := range []string{ossv1.ConditionReady, ossv1.ConditionDeletionBlocked} {
		if c := condition(conds, typ); c != nil && c.Reason == ossv1.ReasonPaused && (typ == ossv1.ConditionReady || c.Status == metav1.ConditionTrue) {
			return true
		}
	}
	return false
}

func changed(before, after *metav1.Condition) bool {
	if before == nil || after == nil {
		return before != after
	}
	return before.Status != after.Status || before.Reason != after.Reason || before.Message != after.Message
}

// maxHandledRequest bounds the annotation value copied into status.
const maxHandledRequest = 256

// acknowledgeRequests records the refresh and Flux reconcile requests as handled.
func acknowledgeRequests(st *ossv1.ReconcileRequestStatus, annotations map[string]string) {
	bound := func(s string) string {
		if len(s) > maxHandledRequest {
			return s[:maxHandledRequest]
		}
		return s
	}
	if v, ok := annotations[ossv1.AnnotationRefresh]; ok {
		st.LastHandledRefresh = bound(v)
	}
	if v, ok := annotations[ossv1.AnnotationReconcileRequestedAt]; ok {
		st.LastHandledReconcileAt = bound(v)
	}
}
