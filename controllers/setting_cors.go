package controllers

import (
	"context"
	"reflect"

	ossv1 "github.com/ossoperator/oss-operator/api/v1alpha1"
	"github.com/ossoperator/oss-operator/ossapi"
)

// corsSetting manages the CORS rules; nil for none. Rule order is kept: OSS applies the first match.
var corsSetting = facet[*ossapi.CORSConfiguration]{
	name:    "cors",
	managed: func(b *ossv1.Bucket) bool { return b.Spec.CORS != nil },
	desired: func(b *ossv1.Bucket, _ string) (*ossapi.CORSConfiguration, error) {
		cfg := &ossapi.CORSConfiguration{ResponseVary: b.Spec.CORS.ResponseVary}
		for _, r := range b.Spec.CORS.Rules {
			cfg.Rules = append(cfg.Rules, ossapi.CORSRule{AllowedOrigins: r.AllowedOrigins, AllowedMethods: r.AllowedMethods,
				AllowedHeaders: r.AllowedHeaders, ExposeHeaders: r.ExposeHeaders, MaxAgeSeconds: r.MaxAgeSeconds})
		}
		return normalizeCORS(cfg), nil
	},
	observe: func(ctx context.Context, c *Conn, b *ossv1.Bucket, _ *bucketView) (*ossapi.CORSConfiguration, error) {
		cfg, err := c.GetBucketCors(ctx, b.BucketName())
		return normalizeCORS(cfg), err
	},
	equal: func(want, got *ossapi.CORSConfiguration) bool { return reflect.DeepEqual(want, got) },
	apply: func(ctx context.Context, c *Conn, b *ossv1.Bucket, want *ossapi.CORSConfiguration) error {
		if want == nil {
			return c.DeleteBucketCors(ctx, b.BucketName())
		}
		return c.PutBucketCors(ctx, b.BucketName(), want)
	},
	show: func(got *ossapi.CORSConfiguration, s *ossv1.ObservedSettings) error {
		c := &ossv1.CORS{Rules: []ossv1.CORSRule{}}
		if got != nil {
			c.ResponseVary = got.ResponseVary
			for _, r := range got.Rules {
				c.Rules = append(c.Rules, ossv1.CORSRule{AllowedOrigins: r.AllowedOrigins, AllowedMethods: r.AllowedMethods,
					AllowedHeaders: r.AllowedHeaders, ExposeHeaders: r.ExposeHeaders, MaxAgeSeconds: r.MaxAgeSeconds})
			}
		}
		s.CORS = c
		return nil
	},
}

func normalizeCORS(in *ossapi.CORSConfiguration) *ossapi.CORSConfiguration {
	if in == nil || len(in.Rules) == 0 {
		return nil
	}
	out := &ossapi.CORSConfiguration{ResponseVary: trueOrNil(in.ResponseVary)}
	for _, r := range in.Rules {
		out.Rules = append(out.Rules, ossapi.CORSRule{AllowedOrigins: nilIfEmpty(r.AllowedOrigins), AllowedMethods: nilIfEmpty(r.AllowedMethods),
			AllowedHeaders: nilIfEmpty(r.AllowedHeaders), ExposeHeaders: nilIfEmpty(r.ExposeHeaders), MaxAgeSeconds: r.MaxAgeSeconds})
	}
	return out
}

func nilIfEmpty(s []string) []string {
	if len(s) == 0 {
		return nil
	}
	return s
}
