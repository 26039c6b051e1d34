package controllers

import (
	"context"
	"fmt"

	ossv1 "github.com/ossoperator/oss-operator/api/v1alpha1"
	"github.com/ossoperator/oss-operator/ossapi"
)

// Logging: GetBucketInfo reports the target (as BucketPolicy), so observing it costs no call.
// loggingValue is the logging target, "" bucket for off.
type loggingValue struct{ bucket, prefix string }

var loggingSetting = facet[loggingValue]{
	name:    "logging",
	managed: func(b *ossv1.Bucket) bool { return b.Spec.Logging != nil },
	desired: func(b *ossv1.Bucket, _ string) (loggingValue, error) {
		return loggingValue{b.Spec.Logging.TargetBucket, b.Spec.Logging.TargetPrefix}, nil
	},
	fromObservation: true,
	observe: func(_ context.Context, _ *Conn, _ *ossv1.Bucket, v *bucketView) (loggingValue, error) {
		info, err := v.bucketInfo()
		if err != nil {
			return loggingValue{}, err
		}
		return loggingValue{info.Logging.LogBucket, info.Logging.LogPrefix}, nil
	},
	apply: func(ctx context.Context, c *Conn, b *ossv1.Bucket, want loggingValue) error {
		if want.bucket == "" {
			return c.DeleteBucketLogging(ctx, b.BucketName())
		}
		err := c.PutBucketLogging(ctx, b.BucketName(), &ossapi.BucketLoggingStatus{
			LoggingEnabled: &ossapi.LoggingEnabled{TargetBucket: want.bucket, TargetPrefix: want.prefix}})
		if ossapi.IsCode(err, ossapi.CodeInvalidTargetBucketForLogging) {
			// A target that does not exist yet (often a Bucket applied with this one) is waited for;
			// one in another region or account needs a change of spec.
			if _, ierr := c.GetBucketInfo(ctx, want.bucket); ossapi.IsCode(ierr, ossapi.CodeNoSuchBucket) {
				return &logTargetMissing{bucket: want.bucket}
			}
		}
		return err
	},
	show: func(got loggingValue, s *ossv1.ObservedSettings) error {
		s.Logging = &ossv1.Logging{TargetBucket: got.bucket, TargetPrefix: got.prefix}
		return nil
	},
}

// logTargetMissing is a log target bucket that does not exist yet, often a Bucket applied with this
// one: waited for, not an error of the spec.
type logTargetMissing struct{ bucket string }

func (e *logTargetMissing) Error() string {
	return fmt.Sprintf("the log target bucket %q does not exist (yet)", e.bucket)
}
