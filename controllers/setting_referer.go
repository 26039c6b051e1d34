package controllers

import (
	"context"
	"reflect"

	ossv1 "github.com/ossoperator/oss-operator/api/v1alpha1"
	"github.com/ossoperator/oss-operator/ossapi"
)

// refererValue is hotlink protection with OSS's defaults filled in. OSS always has one; `referer: {}`
// restores the default.
type refererValue struct {
	allowEmpty, truncateQuery, truncatePath bool
	allow, block                            []string
}

var defaultReferer = refererValue{allowEmpty: true, truncateQuery: true}

var refererSetting = facet[refererValue]{
	name:    "referer",
	managed: func(b *ossv1.Bucket) bool { return b.Spec.Referer != nil },
	desired: func(b *ossv1.Bucket, _ string) (refererValue, error) {
		r := b.Spec.Referer
		return refererValue{allowEmpty: boolOr(r.AllowEmpty, true), truncateQuery: boolOr(r.AllowTruncateQueryString, true),
			truncatePath: boolOr(r.TruncatePath, false), allow: nilIfEmpty(r.AllowList), block: nilIfEmpty(r.BlockList)}, nil
	},
	fresh: defaultReferer,
	observe: func(ctx context.Context, c *Conn, b *ossv1.Bucket, _ *bucketView) (refererValue, error) {
		cfg, err := c.GetBucketReferer(ctx, b.BucketName())
		if err != nil {
			return refererValue{}, err
		}
		v := refererValue{allowEmpty: cfg.AllowEmptyReferer, truncateQuery: boolOr(cfg.AllowTruncateQueryString, true),
			truncatePath: boolOr(cfg.TruncatePath, false), allow: nonEmpty(cfg.RefererList)}
		if cfg.RefererBlacklist != nil {
			v.block = nonEmpty(cfg.RefererBlacklist.Referers)
		}
		return v, nil
	},
	equal: func(want, got refererValue) bool { return reflect.DeepEqual(want, got) },
	apply: func(ctx context.Context, c *Conn, b *ossv1.Bucket, want refererValue) error {
		cfg := &ossapi.RefererConfiguration{AllowEmptyReferer: want.allowEmpty,
			AllowTruncateQueryString: &want.truncateQuery, TruncatePath: &want.truncatePath, RefererList: want.allow}
		if len(want.block) > 0 {
			cfg.RefererBlacklist = &ossapi.RefererBlacklist{Referers: want.block}
		}
		return c.PutBucketReferer(ctx, b.BucketName(), cfg)
	},
	show: func(got refererValue, s *ossv1.ObservedSettings) error {
		s.Referer = &ossv1.Referer{AllowEmpty: &got.allowEmpty, AllowTruncateQueryString: &got.truncateQuery, TruncatePath: &got.truncatePath,
			AllowList: got.allow, BlockList: got.block}
		return nil
	},
}

func boolOr(b *bool, def bool) bool {
	if b == nil {
		return def
	}
	return *b
}

// nonEmpty drops empty entries (OSS answers <Referer></Referer> for an empty list) and returns nil
// for none.
func nonEmpty(s []string) []string {
	var out []string
	for _, v := range s {
		if v != "" {
			out = append(out, v)
		}
	}
	return out
}
