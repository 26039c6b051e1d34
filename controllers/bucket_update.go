package controllers

import (
	"context"

	ossv1 "github.com/ossoperator/oss-operator/api/v1alpha1"
)

// update makes the writes decided for an existing bucket: the ownership tag first when the bucket is
// taken over, then the settings that differ, at once.
func (r *BucketReconciler) update(ctx context.Context, b *ossv1.Bucket, obs *bucketObservation, plan bucketPlan) outcome {
	conn := obs.creds.conn
	var claimErr error
	if plan.claim != nil {
		claimErr = conn.PutBucketTags(ctx, b.BucketName(), tagging(plan.claim))
	}
	if claimErr == nil {
		writeSettings(ctx, conn, b, plan.settings)
		recordBucket(&b.Status, obs.info, conn.Client)
	}
	out, statuses := concludeBucket(b, plan, claimErr, obs.info.Location, false)
	b.Status.Settings = statuses
	countDrift(plan.settings)
	return out
}

// countDrift counts the drift corrected, by setting.
func countDrift(plans []settingPlan) {
	for _, p := range plans {
		if p.write && p.drift && p.writeErr == nil {
			driftCorrected.WithLabelValues(p.name).Inc()
		}
	}
}
