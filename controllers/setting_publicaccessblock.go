package controllers

import (
	"context"

	ossv1 "github.com/ossoperator/oss-operator/api/v1alpha1"
	"github.com/ossoperator/oss-operator/ossapi"
)

// publicAccessBlockSetting manages Block Public Access, which GetBucketInfo reports. It is applied before the ACL and the policy.
var publicAccessBlockSetting = facet[bool]{
	name:    "publicAccessBlock",
	managed: func(b *ossv1.Bucket) bool { return b.Spec.PublicAccessBlock != nil },
	desired: func(b *ossv1.Bucket, _ string) (bool, error) { return *b.Spec.PublicAccessBlock, nil },
	// New buckets have Block Public Access on since October 2025, a rollout region by region; the
	// GetBucketInfo answer for the new bucket says which; on when it does not.
	fromObservation: true,
	observe: func(ctx context.Context, c *Conn, b *ossv1.Bucket, v *bucketView) (bool, error) {
		info, err := v.bucketInfo()
		if err != nil {
			return false, err
		}
		if info.BlockPublicAccess != nil {
			return *info.BlockPublicAccess, nil
		}
		if v.fresh {
			return true, nil
		}
		cfg, err := c.GetBucketPublicAccessBlock(ctx, b.BucketName())
		if err != nil {
			return false, err
		}
		return cfg.BlockPublicAccess, nil
	},
	apply: func(ctx context.Context, c *Conn, b *ossv1.Bucket, want bool) error {
		return c.PutBucketPublicAccessBlock(ctx, b.BucketName(), &ossapi.PublicAccessBlockConfiguration{BlockPublicAccess: want})
	},
	show: func(got bool, s *ossv1.ObservedSettings) error {
		s.PublicAccessBlock = &got
		return nil
	},
}
