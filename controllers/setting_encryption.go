package controllers

import (
	"context"

	ossv1 "github.com/ossoperator/oss-operator/api/v1alpha1"
	"github.com/ossoperator/oss-operator/ossapi"
)

// encryptionValue is the default encryption, "" algorithm for none.
type encryptionValue struct{ algorithm, kmsKeyID, kmsDataEncryption string }

var encryptionSetting = facet[encryptionValue]{
	name:    "encryption",
	managed: func(b *ossv1.Bucket) bool { return b.Spec.Encryption != nil },
	desired: func(b *ossv1.Bucket, _ string) (encryptionValue, error) {
		e := b.Spec.Encryption
		return encryptionValue{e.Algorithm, e.KMSKeyID, e.KMSDataEncryption}, nil
	},
	fromObservation: true,
	observe: func(_ context.Context, _ *Conn, _ *ossv1.Bucket, v *bucketView) (encryptionValue, error) {
		info, err := v.bucketInfo()
		if err != nil {
			return encryptionValue{}, err
		}
		e := info.ServerSideEncryption
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
	show: func(got encryptionValue, s *ossv1.ObservedSettings) error {
		s.Encryption = &ossv1.Encryption{Algorithm: got.algorithm, KMSKeyID: got.kmsKeyID, KMSDataEncryption: got.kmsDataEncryption}
		return nil
	},
}
