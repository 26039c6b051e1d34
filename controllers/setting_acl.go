package controllers

import (
	"context"

	ossv1 "github.com/ossoperator/oss-operator/api/v1alpha1"
	"github.com/ossoperator/oss-operator/ossapi"
)

// aclSetting manages the bucket ACL, which GetBucketInfo reports.
var aclSetting = facet[ossapi.ACL]{
	name:    "acl",
	managed: func(b *ossv1.Bucket) bool { return b.Spec.ACL != "" },
	desired: func(b *ossv1.Bucket, _ string) (ossapi.ACL, error) { return ossapi.ACL(b.Spec.ACL), nil },
	// A bucket created without an ACL is private.
	fresh: ossapi.ACLPrivate,
	observe: func(_ context.Context, _ *Conn, _ *ossv1.Bucket, v *bucketView) (ossapi.ACL, error) {
		info, err := v.bucketInfo()
		if err != nil {
			return "", err
		}
		return info.ACL, nil
	},
	apply: func(ctx context.Context, c *Conn, b *ossv1.Bucket, want ossapi.ACL) error {
		return c.PutBucketAcl(ctx, b.BucketName(), want)
	},
	show: func(got ossapi.ACL, s *ossv1.ObservedSettings) error {
		s.ACL = string(got)
		return nil
	},
}
