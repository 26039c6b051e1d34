package controllers

import (
	"context"
	"encoding/json"
	"fmt"
	"reflect"

	ossv1 "github.com/ossoperator/oss-operator/api/v1alpha1"
)

// policyValue is a bucket policy as parsed JSON, so that key order and whitespace never count as
// drift; nil is no policy.
type policyValue struct {
	raw    string
	parsed any
}

var policySetting = facet[policyValue]{
	name:    "policy",
	managed: func(b *ossv1.Bucket) bool { return b.Spec.Policy != nil },
	desired: func(b *ossv1.Bucket, _ string) (policyValue, error) {
		return parsePolicy(*b.Spec.Policy)
	},
	observe: func(ctx context.Context, c *Conn, b *ossv1.Bucket, _ *bucketView) (policyValue, error) {
		doc, err := c.GetBucketPolicy(ctx, b.BucketName())
		if err != nil {
			return policyValue{}, err
		}
		v, err := parsePolicy(doc)
		if err != nil {
			// OSS holds something that is not JSON: it differs from any valid spec.
			return policyValue{raw: doc, parsed: doc}, nil
		}
		return v, nil
	},
	equal: func(want, got policyValue) bool { return reflect.DeepEqual(want.parsed, got.parsed) },
	apply: func(ctx context.Context, c *Conn, b *ossv1.Bucket, want policyValue) error {
		if want.parsed == nil {
			return c.DeleteBucketPolicy(ctx, b.BucketName())
		}
		return c.PutBucketPolicy(ctx, b.BucketName(), want.raw)
	},
	// Shown as OSS holds it, formatting and all.
	show: func(got policyValue, s *ossv1.ObservedSettings) error {
		s.Policy = &got.raw
		return nil
	},
}

// parsePolicy parses a policy document; "" is no policy.
func parsePolicy(doc string) (policyValue, error) {
	if doc == "" {
		return policyValue{}, nil
	}
	var v any
	if err := json.Unmarshal([]byte(doc), &v); err != nil {
		return policyValue{}, fmt.Errorf("not a JSON document: %v", err)
	}
	if _, ok := v.(map[string]any); !ok {
		return policyValue{}, fmt.Errorf("not a JSON object")
	}
	return policyValue{raw: doc, parsed: v}, nil
}
