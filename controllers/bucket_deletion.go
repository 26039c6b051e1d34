package controllers

import (
	"context"
	"time"

	ossv1 "github.com/ossoperator/oss-operator/api/v1alpha1"
)

// reconcileDeletion applies the deletionPolicy: observe, decide, then delete the bucket or remove its
// ownership tag.
func (r *BucketReconciler) reconcileDeletion(ctx context.Context, b *ossv1.Bucket) outcome {
	if nothingToDelete(b) {
		return releasedOutcome()
	}
	if isPaused(b) {
		return decidePausedDeletion(b)
	}
	obs := r.observeDeletion(ctx, b)
	plan := decideDeletion(b, obs, ownerTagValue(r.ClusterID, b), time.Now())
	var err error
	switch {
	case plan.deleteBucket:
		err = obs.creds.conn.DeleteBucket(ctx, b.BucketName())
	case plan.removeTag:
		err = obs.creds.conn.DeleteBucketTags(ctx, b.BucketName(), ossv1.OwnershipTagKey)
	default:
		return plan.verdict
	}
	return concludeDeletion(b, plan, err, time.Now())
}
