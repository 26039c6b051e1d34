package controllers

import (
	"context"

	ossv1 "github.com/ossoperator/oss-operator/api/v1alpha1"
	"github.com/ossoperator/oss-operator/ossapi"
)

// versioningSetting manages versioning, which GetBucketInfo reports. Once set it can only move between Enabled and Suspended.
var versioningSetting = facet[string]{
	name:    "versioning",
	managed: func(b *ossv1.Bucket) bool { return b.Spec.Versioning != "" },
	desired: func(b *ossv1.Bucket, _ string) (string, error) { return b.Spec.Versioning, nil },
	// Versioning is off on a new bucket.
	fresh: "",
	observe: func(_ context.Context, _ *Conn, _ *ossv1.Bucket, v *bucketView) (string, error) {
		info, err := v.bucketInfo()
		if err != nil {
			return "", err
		}
		return info.Versioning, nil
	},
	apply: func(ctx context.Context, c *Conn, b *ossv1.Bucket, want string) error {
		return c.PutBucketVersioning(ctx, b.BucketName(), &ossapi.VersioningConfiguration{Status: want})
	},
	// Versioning never set ("") is not a value the spec can declare: the field is left out.
	show: func(got string, s *ossv1.ObservedSettings) error {
		s.Versioning = got
		return nil
	},
}
