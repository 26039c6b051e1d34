package controllers

import (
	"context"
	"fmt"
	"sync"

	corev1 "k8s.io/api/core/v1"
	"sigs.k8s.io/controller-runtime/pkg/reconcile"

	ossv1 "github.com/ossoperator/oss-operator/api/v1alpha1"
	"github.com/ossoperator/oss-operator/ossapi"
)

// create creates the bucket. The status is written first with reason Creating, so that a restart
// between PutBucket and the ownership tag still knows the bucket is this resource's. created is false
// when the bucket turned out to exist already (created concurrently).
func (r *BucketReconciler) create(ctx context.Context, conn *Conn, b *ossv1.Bucket) (created bool, err error) {
	name := b.BucketName()
	if !wasCreating(b) {
		b.Status.CreatedBucket = name
		setReconciling(&b.Status.Conditions, b.Generation, ossv1.ReasonCreating, fmt.Sprintf("Creating bucket %s in %s", name, conn.Region()))
		if err := r.Status().Update(ctx, b); err != nil {
			return false, err
		}
	}
	// No ACL: a new bucket is private, which Block Public Access (on by default) requires; a public
	// spec.acl is applied afterwards, where a refusal is reported against the ACL alone. And PutBucket
	// on a bucket the account already owns (made by someone else since GetBucketInfo) succeeds and
	// would overwrite its ACL.
	err = conn.PutBucket(ctx, &ossapi.PutBucketRequest{
		Bucket: name, ResourceGroupID: b.Spec.ResourceGroupID,
		StorageClass: ossapi.StorageClass(b.Spec.StorageClass), RedundancyType: ossapi.RedundancyType(b.Spec.RedundancyType),
	})
	if ossapi.IsCode(err, ossapi.CodeBucketAlreadyExists) {
		return false, nil
	}
	return err == nil, err
}

// settleNew finishes a bucket created in this reconcile. The ownership tag (with the declared tags),
// the read-back for the status and the settings are sent at once: the settings are compared with what
// OSS gives a new bucket, and those that GetBucketInfo reports wait for its answer.
func (r *BucketReconciler) settleNew(ctx context.Context, conn *Conn, b *ossv1.Bucket, obs *observation) (reconcile.Result, error) {
	name := b.BucketName()
	obs.fresh = true
	obs.tags = tagging(withOwner(b.Spec.Tags, obs.owner))
	infoReady := make(chan struct{})
	obs.infoReady = infoReady
	var tagErr error
	var wg sync.WaitGroup
	wg.Go(func() { tagErr = conn.PutBucketTags(ctx, name, obs.tags) })
	wg.Go(func() {
		defer close(infoReady)
		obs.info, obs.infoErr = conn.GetBucketInfo(ctx, name)
	})
	out := r.reconcileSettings(ctx, conn, b, obs)
	wg.Wait()
	if tagErr != nil {
		return r.fail(ctx, b, "Create", tagErr)
	}
	r.Recorder.Eventf(b, nil, corev1.EventTypeNormal, "Created", "Create", "Created bucket %s in %s", name, conn.Region())
	if obs.infoErr != nil {
		return r.fail(ctx, b, "Create", obs.infoErr)
	}
	observe(&b.Status, obs.info)
	return r.reportSettings(b, out, obs.info)
}
