package controllers

import (
	"context"

	ossv1 "github.com/ossoperator/oss-operator/api/v1alpha1"
)

// resourceGroupSetting manages the resource group, which GetBucketInfo reports.
var resourceGroupSetting = facet[string]{
	name:    "resourceGroupId",
	managed: func(b *ossv1.Bucket) bool { return b.Spec.ResourceGroupID != "" },
	desired: func(b *ossv1.Bucket, _ string) (string, error) { return b.Spec.ResourceGroupID, nil },
	// A new bucket is in the account's default group, whose ID is not known without reading it;
	// the reconciler creates buckets in the declared group directly (PutBucket carries it).
	fromObservation: true,
	observe: func(_ context.Context, _ *Conn, _ *ossv1.Bucket, v *bucketView) (string, error) {
		info, err := v.bucketInfo()
		if err != nil {
			return "", err
		}
		return info.ResourceGroupID, nil
	},
	apply: func(ctx context.Context, c *Conn, b *ossv1.Bucket, want string) error {
		return c.PutBucketResourceGroup(ctx, b.BucketName(), want)
	},
	show: func(got string, s *ossv1.ObservedSettings) error {
		s.ResourceGroupID = got
		return nil
	},
}
