package controllers

import (
	"context"
	"math/rand/v2"
	"time"

	"k8s.io/client-go/util/workqueue"
	"sigs.k8s.io/controller-runtime/pkg/client"
	"sigs.k8s.io/controller-runtime/pkg/controller/priorityqueue"
	"sigs.k8s.io/controller-runtime/pkg/event"
	"sigs.k8s.io/controller-runtime/pkg/handler"
	"sigs.k8s.io/controller-runtime/pkg/reconcile"

	ossv1 "github.com/ossoperator/oss-operator/api/v1alpha1"
)

// What people just did goes first. The controllers use controller-runtime's priority queue (its
// default since v0.23, kept here on purpose, rather than a queue of our own: it already de-duplicates,
// rate-limits and keeps FIFO order within a priority, and its handlers already lower the priority of
// what a start-up lists): a change of spec or annotations, a creation, a deletion, an AccessKey or
// namespace change are queued at the default priority (0); the periodic resyncs and polls a reconcile
// asks for are re-queued at handler.LowPriority (requeue.go); and at a start-up, a Bucket that was in
// sync when the operator stopped is not looked at right away but at a random moment within the resync
// period, as if its resync timer had kept running (spreadStartup).
//
// Options.DisablePriorities turns all three off: a plain FIFO queue, everything at a start-up at once,
// as before; make bench measures both.

// lowPriority is the priority of the work no person is waiting for.
var lowPriority = handler.LowPriority

// startupSpread enqueues Buckets as the default handler does, except those of the initial listing at a
// start-up that were in sync: each is queued after a random delay within the resync period, at low
// priority, and shown in the metrics as it was stored meanwhile.
type startupSpread struct {
	handler.TypedEventHandler[client.Object, reconcile.Request]
	resync  time.Duration
	metrics *ResourceMetrics
}

func newStartupSpread(resync time.Duration, metrics *ResourceMetrics) handler.EventHandler {
	return startupSpread{
		TypedEventHandler: handler.WithLowPriorityWhenUnchanged(handler.EventHandler(&handler.EnqueueRequestForObject{})),
		resync:            resync, metrics: metrics,
	}
}

func (s startupSpread) Create(ctx context.Context, e event.CreateEvent, q workqueue.TypedRateLimitingInterface[reconcile.Request]) {
	b, ok := e.Object.(*ossv1.Bucket)
	pq, isPQ := q.(priorityqueue.PriorityQueue[reconcile.Request])
	if !e.IsInInitialList || !ok || !isPQ || s.resync <= 0 || !inSyncAtStart(b) {
		s.TypedEventHandler.Create(ctx, e, q)
		return
	}
	key := client.ObjectKeyFromObject(b)
	s.metrics.record(kindBucket, key, b.Status.Conditions)
	after := time.Duration(rand.Int64N(int64(s.resync)))
	pq.AddWithOpts(priorityqueue.AddOpts{After: after, Priority: &lowPriority}, reconcile.Request{NamespacedName: key})
}

// inSyncAtStart says whether a Bucket was in sync when the operator stopped, with nothing asked of it
// since: Ready at its generation, not being deleted, no refresh asked for that was not handled.
func inSyncAtStart(b *ossv1.Bucket) bool {
	if !b.DeletionTimestamp.IsZero() || b.Status.ObservedGeneration != b.Generation || !isReady(b.Status.Conditions) {
		return false
	}
	if c := condition(b.Status.Conditions, ossv1.ConditionReady); c == nil || c.ObservedGeneration != b.Generation {
		return false
	}
	handled := b.Status.ReconcileRequestStatus
	acknowledgeRequests(&handled, b.Annotations)
	return handled == b.Status.ReconcileRequestStatus
}
