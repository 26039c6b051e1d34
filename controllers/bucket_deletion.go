package controllers

import (
	"context"
	"time"

	ossv1 "github.com/ossoperator/oss-operator/api/v1alpha1"
)

// reconcileDeletion applies the deletionPolicy (observe, decide, then delete the bucket or remove its
// ownership tag), and lets go of a claim on the bucket name.
func (r *BucketReconciler) reconcileDeletion(ctx context.Context, b *ossv1.Bucket) outcome {
	out := r.applyDeletionPolicy(ctx, b)
	// A Bucket that did not manage its bucket yet may hold the claim on its name: it goes with it.
	if out.state == released && r.Claims != nil && !hasManaged(&b.Status, b.BucketName()) {
		r.releaseClaim(ctx, b)
	}
	return out
}

func (r *BucketReconciler) applyDeletionPolicy(ctx context.Context, b *ossv1.Bucket) outcome {
	if observing(b) {
		return decideObservedDeletion(b)
	}
	if nothingToDelete(b) {
		return releasedOutcome()
	}
	if isPaused(b) {
		return decidePausedDeletion(b)
	}
	obs := r.observeDeletion(ctx, b)
	plan := decideDeletion(b, obs, time.Now())
	out := plan.verdict
	switch {
	case plan.purge:
		out = r.purgeOnce(ctx, b, obs.creds.conn, obs.info.Versioning != "", obs.contents.pages)
	case plan.deleteBucket:
		out = concludeDeletion(b, plan, obs.creds.conn.DeleteBucket(ctx, b.BucketName()), time.Now())
	case plan.removeTag:
		out = concludeDeletion(b, plan, obs.creds.conn.DeleteBucketTags(ctx, b.BucketName(), ossv1.OwnershipTagKey), time.Now())
	}
	return out
}

// purgeOnce runs a purge for the reconcile's budget (versioned: the bucket has had versioning),
// starting with the pages the observation listed; it records its progress and, once the run found
// the bucket empty, deletes the bucket.
func (r *BucketReconciler) purgeOnce(ctx context.Context, b *ossv1.Bucket, conn *Conn, versioned bool, first firstPages) outcome {
	budget, workers := r.PurgeBudget, r.PurgeWorkers
	if budget <= 0 {
		budget = defaultPurgeBudget
	}
	if workers <= 0 {
		workers = defaultPurgeWorkers
	}
	prev, started := b.Status.Purge, time.Now()
	run := purge(ctx, conn, b.BucketName(), versioned, first, budget, workers)
	now := time.Now()
	b.Status.Purge = purgeProgress(prev, run, started, now)
	if !run.finished {
		return concludePurge(b, prev, b.Status.Purge, run.err, now)
	}
	out := concludeDeletion(b, deletionPlan{deleteBucket: true}, conn.DeleteBucket(ctx, b.BucketName()), time.Now())
	if prev == nil && out.state != released {
		out = out.with(purgeStarted(b.BucketName()))
	}
	return out
}
