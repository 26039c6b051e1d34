package controllers

import (
	"context"
	"fmt"
	"strings"
	"sync"
	"time"

	corev1 "k8s.io/api/core/v1"
	"sigs.k8s.io/controller-runtime/pkg/client"
	"sigs.k8s.io/controller-runtime/pkg/controller/controllerutil"
	"sigs.k8s.io/controller-runtime/pkg/reconcile"

	ossv1 "github.com/ossoperator/oss-operator/api/v1alpha1"
	"github.com/ossoperator/oss-operator/ossapi"
)

// Deletion of a non-empty bucket is retried with a delay that grows with how long it has been blocked,
// from 30 s to 5 min: no hot loop, and no state beyond the condition's transition time.
const (
	minBlockedRetry = 30 * time.Second
	maxBlockedRetry = 5 * time.Minute
)

// reconcileDelete applies the deletionPolicy. A bucket that does not exist, was never created, or is
// not ours never blocks deletion; a non-empty bucket is never emptied.
func (r *BucketReconciler) reconcileDelete(ctx context.Context, b *ossv1.Bucket, before *ossv1.BucketStatus) (reconcile.Result, error) {
	if !controllerutil.ContainsFinalizer(b, Finalizer) {
		return reconcile.Result{}, nil
	}
	if b.Spec.DeletionPolicy != ossv1.DeletionDelete {
		r.Recorder.Eventf(b, nil, corev1.EventTypeNormal, "Retained", "Delete", "Bucket %s left in OSS (deletionPolicy Retain)", b.BucketName())
		return r.release(ctx, b)
	}
	if b.Status.CreationTime == nil && !wasCreating(b) {
		// Never created nor adopted by this resource: nothing of ours to delete.
		return r.release(ctx, b)
	}
	result, err := r.deleteBucket(ctx, b)
	if result == nil {
		if serr := r.writeStatus(ctx, b, before); serr != nil {
			return reconcile.Result{}, serr
		}
		if err != nil {
			// OSS did not answer: retried with the controller's quick backoff, not the slow one of a
			// bucket that is not empty.
			return reconcile.Result{}, err
		}
		return reconcile.Result{RequeueAfter: blockedRetry(b)}, nil
	}
	return *result, err
}

// deleteBucket deletes the OSS bucket if it is ours and empty. It returns nil when the Bucket must
// wait (the conditions say why), or the result of releasing it.
func (r *BucketReconciler) deleteBucket(ctx context.Context, b *ossv1.Bucket) (*reconcile.Result, error) {
	st := &b.Status
	name := b.BucketName()
	if isPaused(b) {
		set(&st.Conditions, b.Generation, ossv1.ConditionDeletionBlocked, "True", ossv1.ReasonPaused,
			"Paused: the bucket will be deleted when the ossoperator.io/paused annotation is removed")
		return nil, nil
	}
	conn, _, waiting := r.connect(ctx, b)
	if waiting {
		c := condition(st.Conditions, ossv1.ConditionReady)
		set(&st.Conditions, b.Generation, ossv1.ConditionDeletionBlocked, "True", c.Reason,
			"Cannot delete bucket "+name+": "+c.Message+". Restore the AccessKey, or set spec.deletionPolicy: Retain to leave the bucket and release the resource")
		return nil, nil
	}
	look := lookUp(ctx, conn, name, true)
	info, err := look.info, look.err
	switch {
	case ossapi.IsCode(err, ossapi.CodeNoSuchBucket):
		return r.releasePtr(ctx, b)
	case ossapi.IsCode(err, ossapi.CodeAccessDenied):
		// Another account's: never ours to delete.
		return r.releasePtr(ctx, b)
	case err != nil:
		return nil, r.unavailable(b, fmt.Sprintf("Cannot observe bucket %s: %v", name, err), err)
	}
	tags, err := look.bucketTags(ctx, conn)
	if err != nil {
		return nil, r.unavailable(b, fmt.Sprintf("Cannot read the tags of bucket %s: %v", name, err), err)
	}
	if tags == nil || tags.Map()[ossv1.OwnershipTagKey] != ownerTagValue(r.ClusterID, b) {
		r.Recorder.Eventf(b, nil, corev1.EventTypeNormal, "Retained", "Delete", "Bucket %s is not managed by this resource; left in OSS", name)
		return r.releasePtr(ctx, b)
	}
	left, err := contents(ctx, conn, name)
	if err != nil {
		return nil, r.unavailable(b, fmt.Sprintf("Cannot list the contents of bucket %s: %v", name, err), err)
	}
	if left != "" {
		return nil, r.blocked(b, ossv1.ReasonBucketNotEmpty, fmt.Sprintf(
			"Bucket %s is not empty: %s. The operator never deletes data: empty the bucket, or set spec.deletionPolicy: Retain to keep it and release the resource", info.Name, left))
	}
	err = conn.DeleteBucket(ctx, name)
	switch {
	case ossapi.IsCode(err, ossapi.CodeNoSuchBucket):
	case ossapi.IsCode(err, ossapi.CodeBucketNotEmpty):
		return nil, r.blocked(b, ossv1.ReasonBucketNotEmpty, fmt.Sprintf("Bucket %s is not empty (OSS refused DeleteBucket: %v)", name, err))
	case err != nil:
		return nil, r.unavailable(b, fmt.Sprintf("DeleteBucket %s failed: %v", name, err), err)
	default:
		r.Recorder.Eventf(b, nil, corev1.EventTypeNormal, "Deleted", "Delete", "Deleted bucket %s", name)
	}
	return r.releasePtr(ctx, b)
}

// blocked sets DeletionBlocked and emits an Event when the reason is new. It returns nil: the retry
// is scheduled by the delay, not by the rate limiter.
func (r *BucketReconciler) blocked(b *ossv1.Bucket, reason, message string) error {
	prev := condition(b.Status.Conditions, ossv1.ConditionDeletionBlocked)
	set(&b.Status.Conditions, b.Generation, ossv1.ConditionDeletionBlocked, "True", reason, message)
	if prev == nil || prev.Reason != reason {
		r.Recorder.Eventf(b, nil, corev1.EventTypeWarning, ossv1.ConditionDeletionBlocked, "Delete", "%s", message)
	}
	return nil
}

// unavailable records a failed OSS call during deletion. A transient failure is returned, for a quick
// retry with backoff; any other keeps deletion blocked until the slow retry or a change.
func (r *BucketReconciler) unavailable(b *ossv1.Bucket, message string, err error) error {
	_ = r.blocked(b, ossv1.ReasonOSSUnavailable, message)
	if isTransient(err) {
		return err
	}
	return nil
}

// blockedRetry grows with the time deletion has been blocked: 30 s at first, then as long as it has
// been blocked, at most 5 min.
func blockedRetry(b *ossv1.Bucket) time.Duration {
	c := condition(b.Status.Conditions, ossv1.ConditionDeletionBlocked)
	if c == nil {
		return minBlockedRetry
	}
	d := time.Since(c.LastTransitionTime.Time)
	return min(max(d, minBlockedRetry), maxBlockedRetry)
}

func (r *BucketReconciler) release(ctx context.Context, b *ossv1.Bucket) (reconcile.Result, error) {
	patch := client.MergeFromWithOptions(b.DeepCopy(), client.MergeFromWithOptimisticLock{})
	controllerutil.RemoveFinalizer(b, Finalizer)
	return reconcile.Result{}, client.IgnoreNotFound(r.Patch(ctx, b, patch))
}

func (r *BucketReconciler) releasePtr(ctx context.Context, b *ossv1.Bucket) (*reconcile.Result, error) {
	res, err := r.release(ctx, b)
	return &res, err
}

// contents describes what keeps a bucket from being deleted: current objects, old versions, delete
// markers and unfinished multipart uploads (ListObjects alone would miss all but the first). It
// counts one page of each, both listed at once; "" means empty.
func contents(ctx context.Context, conn *Conn, bucket string) (string, error) {
	var uploads *ossapi.ListMultipartUploadsResult
	var uploadsErr error
	var wg sync.WaitGroup
	wg.Go(func() {
		uploads, uploadsErr = conn.ListMultipartUploads(ctx, &ossapi.ListMultipartUploadsRequest{Bucket: bucket, MaxUploads: 1000})
	})
	versions, err := conn.ListObjectVersions(ctx, &ossapi.ListObjectVersionsRequest{Bucket: bucket, MaxKeys: 1000})
	wg.Wait()
	if err != nil {
		return "", err
	}
	if uploadsErr != nil {
		return "", uploadsErr
	}
	var objects, old int
	for _, v := range versions.Versions {
		if v.IsLatest {
			objects++
		} else {
			old++
		}
	}
	more := ""
	if versions.IsTruncated || uploads.IsTruncated {
		more = "at least "
	}
	var parts []string
	add := func(n int, one, many string) {
		switch {
		case n == 1:
			parts = append(parts, more+"1 "+one)
		case n > 1:
			parts = append(parts, fmt.Sprintf("%s%d %s", more, n, many))
		}
	}
	add(objects, "object", "objects")
	add(old, "old version", "old versions")
	add(len(versions.DeleteMarkers), "delete marker", "delete markers")
	add(len(uploads.Uploads), "unfinished multipart upload", "unfinished multipart uploads")
	return strings.Join(parts, ", "), nil
}
