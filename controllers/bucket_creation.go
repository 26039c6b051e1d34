package controllers

import (
	"context"
	"sync"

	ossv1 "github.com/ossoperator/oss-operator/api/v1alpha1"
	"github.com/ossoperator/oss-operator/ossapi"
)

// create creates the bucket and brings it to the spec. The status is written first, with reason
// Creating and status.createdBucket, so that a restart, a failure or a deletion between PutBucket and
// the ownership tag still knows the bucket is this resource's.
func (r *BucketReconciler) create(ctx context.Context, b *ossv1.Bucket, prev *ossv1.BucketStatus, conn *Conn) outcome {
	name := b.BucketName()
	if !creationPending(&b.Status, name) {
		// A bucket this resource had is gone: the new one is recorded once it is read back.
		b.Status.CreatedBucket, b.Status.CreationTime = name, nil
		b.Status.ObservedGeneration = b.Generation
		setConditions(&b.Status.Conditions, b.Generation, decideCreating(b, conn.Region()), false)
		if err := r.Status().Update(ctx, b); err != nil {
			return retrying(ossv1.ReasonReconciling, "Recording the creation failed, will retry: "+err.Error(), err)
		}
	}
	// No ACL: a new bucket is private, which Block Public Access (on by default) requires; a public
	// spec.acl is applied afterwards, where a refusal is reported against the ACL alone. And PutBucket
	// on a bucket the account already owns (made by someone else since GetBucketInfo) succeeds and
	// would overwrite its ACL. The ownership tag is made meanwhile (its namespace's UID is read).
	var owner string
	var ownerErr error
	ownerMade := make(chan struct{})
	go func() {
		defer close(ownerMade)
		owner, ownerErr = r.ownerTagOf(ctx, b)
	}()
	err := conn.PutBucket(ctx, &ossapi.PutBucketRequest{
		Bucket: name, ResourceGroupID: b.Spec.ResourceGroupID,
		StorageClass: ossapi.StorageClass(b.Spec.StorageClass), RedundancyType: ossapi.RedundancyType(b.Spec.RedundancyType),
	})
	<-ownerMade
	out, created, forget := decideCreate(b, err, ownerErr)
	if !created {
		if forget {
			b.Status.CreatedBucket = ""
		}
		b.Status.Settings = carrySettings(b, prev)
		return out
	}
	return r.settleNew(ctx, b, prev, conn, owner)
}

// settleNew finishes a bucket created in this reconcile. The ownership tag (with the declared tags),
// the read-back for the status and the settings are sent at once: the settings are compared with what
// OSS gives a new bucket, and those that GetBucketInfo reports wait for its answer.
func (r *BucketReconciler) settleNew(ctx context.Context, b *ossv1.Bucket, prev *ossv1.BucketStatus, conn *Conn, owner string) outcome {
	name := b.BucketName()
	infoReady := make(chan struct{})
	view := &bucketView{fresh: true, infoReady: infoReady, tags: withOwner(b.Spec.Tags, owner)}
	var tagErr error
	var plans []settingPlan
	var wg sync.WaitGroup
	wg.Go(func() { tagErr = conn.PutBucketTags(ctx, name, tagging(view.tags)) })
	wg.Go(func() {
		defer close(infoReady)
		view.info, view.infoErr = conn.GetBucketInfo(ctx, name)
	})
	wg.Go(func() { plans = settleSettings(ctx, conn, b, prev, owner, view) })
	wg.Wait()

	out, statuses := concludeNew(b, conn.Region(), tagErr, view.info, view.infoErr, plans)
	b.Status.Settings = statuses
	if tagErr == nil && view.infoErr == nil {
		recordBucket(&b.Status, view.info, conn.Client)
	}
	return out
}
