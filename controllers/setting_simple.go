package controllers

import (
	"context"

	ossv1 "github.com/ossoperator/oss-operator/api/v1alpha1"
	"github.com/ossoperator/oss-operator/ossapi"
)

// The settings GetBucketInfo reports, so that observing them costs no call of their own.

var aclSetting = facet[ossapi.ACL]{
	name:    "acl",
	managed: func(b *ossv1.Bucket) bool { return b.Spec.ACL != "" },
	desired: func(b *ossv1.Bucket, _ *observation) (ossapi.ACL, error) { return ossapi.ACL(b.Spec.ACL), nil },
	fresh:   ossapi.ACLPrivate,
	fromObservation: true,
	observe: func(_ context.Context, _ *Conn, _ *ossv1.Bucket, o *observation) (ossapi.ACL, error) {
		return o.info.ACL, nil
	},
	apply: func(ctx context.Context, c *Conn, b *ossv1.Bucket, want ossapi.ACL) error {
		return c.PutBucketAcl(ctx, b.BucketName(), want)
	},
}

var versioningSetting = facet[string]{
	name:    "versioning",
	managed: func(b *ossv1.Bucket) bool { return b.Spec.Versioning != "" },
	desired: func(b *ossv1.Bucket, _ *observation) (string, error) { return b.Spec.Versioning, nil },
	fresh:   "",
	fromObservation: true,
	observe: func(_ context.Context, _ *Conn, _ *ossv1.Bucket, o *observation) (string, error) {
		return o.info.Versioning, nil
	},
	apply: func(ctx context.Context, c *Conn, b *ossv1.Bucket, want string) error {
		return c.PutBucketVersioning(ctx, b.BucketName(), &ossapi.VersioningConfiguration{Status: want})
	},
}

var publicAccessBlockSetting = facet[bool]{
	name:    "publicAccessBlock",
	managed: func(b *ossv1.Bucket) bool { return b.Spec.PublicAccessBlock != nil },
	desired: func(b *ossv1.Bucket, _ *observation) (bool, error) { return *b.Spec.PublicAccessBlock, nil },
	// New buckets have Block Public Access on (OSS, since October 2025).
	fresh: true,
	observe: func(ctx context.Context, c *Conn, b *ossv1.Bucket, o *observation) (bool, error) {
		if o.info.BlockPublicAccess != nil {
			return *o.info.BlockPublicAccess, nil
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
}

var resourceGroupSetting = facet[string]{
	name:    "resourceGroupId",
	managed: func(b *ossv1.Bucket) bool { return b.Spec.ResourceGroupID != "" },
	desired: func(b *ossv1.Bucket, _ *observation) (string, error) { return b.Spec.ResourceGroupID, nil },
	// A new bucket is in the account's default group, whose ID is not known without reading it;
	// the reconciler creates buckets in the declared group directly (PutBucket carries it).
	fromObservation: true,
	observe: func(_ context.Context, _ *Conn, _ *ossv1.Bucket, o *observation) (string, error) {
		return o.info.ResourceGroupID, nil
	},
	apply: func(ctx context.Context, c *Conn, b *ossv1.Bucket, want string) error {
		return c.PutBucketResourceGroup(ctx, b.BucketName(), want)
	},
}

// encryptionValue is the default encryption, "" algorithm for none.
type encryptionValue struct{ algorithm, kmsKeyID, kmsDataEncryption string }

var encryptionSetting = facet[encryptionValue]{
	name:    "encryption",
	managed: func(b *ossv1.Bucket) bool { return b.Spec.Encryption != nil },
	desired: func(b *ossv1.Bucket, _ *observation) (encryptionValue, error) {
		e := b.Spec.Encryption
		return encryptionValue{e.Algorithm, e.KMSKeyID, e.KMSDataEncryption}, nil
	},
	fromObservation: true,
	observe: func(_ context.Context, _ *Conn, _ *ossv1.Bucket, o *observation) (encryptionValue, error) {
		e := o.info.ServerSideEncryption
		if e.SSEAlgorithm == "" || e.SSEAlgorithm == "None" {
			return encryptionValue{}, nil
		}
		return encryptionValue{e.SSEAlgorithm, e.KMSMasterKeyID, e.KMSDataEncryption}, nil
	},
	apply: func(ctx context.Context, c *Conn, b *ossv1.Bucket, want encryptionValue) error {
		if want.algorithm == "" {
			return c.DeleteBucketEncryption(ctx, b.BucketName())
		}
		return c.PutBucketEncryption(ctx, b.BucketName(), &ossapi.ServerSideEncryptionRule{
			ApplyServerSideEncryptionByDefault: ossapi.ServerSideEncryptionByDefault{
				SSEAlgorithm: want.algorithm, KMSMasterKeyID: want.kmsKeyID, KMSDataEncryption: want.kmsDataEncryption}})
	},
}

// loggingValue is the logging target, "" bucket for off.
type loggingValue struct{ bucket, prefix string }

var loggingSetting = facet[loggingValue]{
	name:    "logging",
	managed: func(b *ossv1.Bucket) bool { return b.Spec.Logging != nil },
	desired: func(b *ossv1.Bucket, _ *observation) (loggingValue, error) {
		return loggingValue{b.Spec.Logging.TargetBucket, b.Spec.Logging.TargetPrefix}, nil
	},
	fromObservation: true,
	observe: func(_ context.Context, _ *Conn, _ *ossv1.Bucket, o *observation) (loggingValue, error) {
		return loggingValue{o.info.Logging.LogBucket, o.info.Logging.LogPrefix}, nil
	},
	apply: func(ctx context.Context, c *Conn, b *ossv1.Bucket, want loggingValue) error {
		if want.bucket == "" {
			return c.DeleteBucketLogging(ctx, b.BucketName())
		}
		return c.PutBucketLogging(ctx, b.BucketName(), &ossapi.BucketLoggingStatus{
			LoggingEnabled: &ossapi.LoggingEnabled{TargetBucket: want.bucket, TargetPrefix: want.prefix}})
	},
}
