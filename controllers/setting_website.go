package controllers

import (
	"context"

	ossv1 "github.com/ossoperator/oss-operator/api/v1alpha1"
	"github.com/ossoperator/oss-operator/ossapi"
)

// websiteValue is static website hosting; the zero value is off.
type websiteValue struct {
	index       string
	subDir      bool
	errorKey    string
	errorStatus int
}

var websiteSetting = facet[websiteValue]{
	name:    "website",
	managed: func(b *ossv1.Bucket) bool { return b.Spec.Website != nil },
	desired: func(b *ossv1.Bucket, _ string) (websiteValue, error) {
		var v websiteValue
		w := b.Spec.Website
		if w.IndexDocument != nil {
			v.index, v.subDir = w.IndexDocument.Suffix, boolOr(w.IndexDocument.SupportSubDir, false)
		}
		if w.ErrorDocument != nil {
			v.errorKey, v.errorStatus = w.ErrorDocument.Key, 404
			if w.ErrorDocument.HTTPStatus != nil {
				v.errorStatus = int(*w.ErrorDocument.HTTPStatus)
			}
		}
		return v, nil
	},
	observe: func(ctx context.Context, c *Conn, b *ossv1.Bucket, _ *bucketView) (websiteValue, error) {
		cfg, err := c.GetBucketWebsite(ctx, b.BucketName())
		if err != nil || cfg == nil {
			return websiteValue{}, err
		}
		var v websiteValue
		if cfg.IndexDocument != nil {
			v.index, v.subDir = cfg.IndexDocument.Suffix, boolOr(cfg.IndexDocument.SupportSubDir, false)
		}
		if cfg.ErrorDocument != nil && cfg.ErrorDocument.Key != "" {
			v.errorKey, v.errorStatus = cfg.ErrorDocument.Key, 404
			if cfg.ErrorDocument.HttpStatus != nil {
				v.errorStatus = *cfg.ErrorDocument.HttpStatus
			}
		}
		return v, nil
	},
	apply: func(ctx context.Context, c *Conn, b *ossv1.Bucket, want websiteValue) error {
		if want == (websiteValue{}) {
			return c.DeleteBucketWebsite(ctx, b.BucketName())
		}
		cfg := &ossapi.WebsiteConfiguration{}
		if want.index != "" {
			cfg.IndexDocument = &ossapi.IndexDocument{Suffix: want.index, SupportSubDir: &want.subDir}
		}
		if want.errorKey != "" {
			cfg.ErrorDocument = &ossapi.ErrorDocument{Key: want.errorKey, HttpStatus: &want.errorStatus}
		}
		return c.PutBucketWebsite(ctx, b.BucketName(), cfg)
	},
	show: func(got websiteValue, s *ossv1.ObservedSettings) error {
		w := &ossv1.Website{}
		if got.index != "" {
			w.IndexDocument = &ossv1.IndexDocument{Suffix: got.index, SupportSubDir: &got.subDir}
		}
		if got.errorKey != "" {
			status := int32(got.errorStatus)
			w.ErrorDocument = &ossv1.ErrorDocument{Key: got.errorKey, HTTPStatus: &status}
		}
		s.Website = w
		return nil
	},
}
