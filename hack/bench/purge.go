package main

import (
	"context"
	"fmt"
	"time"

	"k8s.io/apimachinery/pkg/api/meta"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"sigs.k8s.io/controller-runtime/pkg/client"

	ossv1 "github.com/ossoperator/oss-operator/api/v1alpha1"
	"github.com/ossoperator/oss-operator/ossapi"
	"github.com/ossoperator/oss-operator/ossapi/osstest"
)

// purging is the purge phase: one Bucket of deletionPolicy Purge whose versioned bucket holds
// --purge-objects objects and --purge-versions old versions (filled in the emulator directly, not
// uploaded), deleted and timed until the resource is gone.
func (b *bench) purging(ctx context.Context, r *Report) error {
	key := client.ObjectKey{Namespace: namespace(0), Name: "bench-purge"}
	spec := benchSpec(ossv1.DeletionPurge)
	b.logf("creating Bucket %s (deletionPolicy Purge)", key)
	if err := b.k8s.Create(ctx, &ossv1.Bucket{ObjectMeta: metav1.ObjectMeta{Namespace: key.Namespace, Name: key.Name}, Spec: spec}); err != nil {
		return err
	}
	if err := b.poll(ctx, 100*time.Millisecond, "the purge Bucket Ready", b.allReady([]client.ObjectKey{key})); err != nil {
		return err
	}
	b.logf("filling bucket %s with %d objects and %d old versions", key.Name, b.purgeObjects, b.purgeVersions)
	if err := b.emu.FillBucket(key.Name, osstest.Fill{Objects: b.purgeObjects, OldVersions: b.purgeVersions}); err != nil {
		return err
	}
	b.logf("deleting Bucket %s: purging its bucket", key)
	var err error
	r.Purge, err = b.measure(ctx, bucketController, 1, func() error {
		return b.k8s.Delete(ctx, &ossv1.Bucket{ObjectMeta: metav1.ObjectMeta{Namespace: key.Namespace, Name: key.Name}})
	}, func() error {
		// Polled often: the phase lasts seconds, and the poll is part of what is timed.
		return b.poll(ctx, 20*time.Millisecond, "the purged Bucket gone", func() (bool, string, error) {
			bk := &ossv1.Bucket{}
			err := b.k8s.Get(ctx, key, bk)
			if client.IgnoreNotFound(err) != nil {
				return false, "", err
			}
			if err != nil {
				return true, "", nil
			}
			status := "not purging yet"
			if c := meta.FindStatusCondition(bk.Status.Conditions, ossv1.ConditionDeletionBlocked); c != nil {
				status = c.Reason + ": " + c.Message
			}
			return false, status, nil
		})
	})
	if err != nil {
		return err
	}
	if _, ok := b.emu.Bucket(key.Name); ok {
		return fmt.Errorf("the Bucket is gone but bucket %s is still in OSS", key.Name)
	}
	r.Purge.MinimumCalls = minimumPurge(b.purgeObjects + b.purgeVersions)
	r.Purge.MinimumCallsTotal = sum(r.Purge.MinimumCalls)
	r.Purge.IdealSeconds = idealPurge(b.purgeObjects+b.purgeVersions, b.delay)
	r.Purge.BenchmarkWrites = 1
	return nil
}

// pages is how many listings (or DeleteMultipleObjects) of up to 1000 entries n versions take.
func pages(n int) int { return max(1, (n+999)/1000) }

// minimumPurge is the least emptying a bucket of n versions and deleting it costs: its listings of
// versions (one page of up to 1000 each) and of unfinished uploads (one, empty), one
// DeleteMultipleObjects per page, and DeleteBucket.
func minimumPurge(n int) map[string]int {
	return map[string]int{
		ossapi.OpListObjectVersions: pages(n), ossapi.OpDeleteMultipleObjects: pages(n),
		ossapi.OpListMultipartUploads: 1, ossapi.OpDeleteBucket: 1,
	}
}

// idealPurge is the least time the minimum calls take at any concurrency: each listing needs the
// marker of the one before, so the listings follow one another; with the deletes run beside them,
// only the last delete, then DeleteBucket, come after the last listing.
func idealPurge(n int, delay time.Duration) float64 {
	return float64(pages(n)+2) * delay.Seconds()
}
