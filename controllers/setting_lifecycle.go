package controllers

import (
	"context"
	"fmt"
	"math"
	"reflect"
	"sort"
	"strings"
	"time"

	ossv1 "github.com/ossoperator/oss-operator/api/v1alpha1"
	"github.com/ossoperator/oss-operator/ossapi"
)

// lifecycleSetting manages the lifecycle rules. Values are normalized OSS configurations (rules by
// ID, tags by key, dates in OSS's form, false flags as absent), nil for no rules.
var lifecycleSetting = facet[*ossapi.LifecycleConfiguration]{
	name:    "lifecycle",
	managed: func(b *ossv1.Bucket) bool { return b.Spec.Lifecycle != nil },
	desired: func(b *ossv1.Bucket, _ string) (*ossapi.LifecycleConfiguration, error) {
		for _, r := range b.Spec.Lifecycle.Rules {
			if err := xmlSafeMap(r.Tags); err != nil {
				return nil, fmt.Errorf("rule %q: %w", r.ID, err)
			}
		}
		return normalizeLifecycle(lifecycleToOSS(b.Spec.Lifecycle)), nil
	},
	observe: func(ctx context.Context, c *Conn, b *ossv1.Bucket, _ *bucketView) (*ossapi.LifecycleConfiguration, error) {
		cfg, err := c.GetBucketLifecycle(ctx, b.BucketName())
		return normalizeLifecycle(cfg), err
	},
	equal: func(want, got *ossapi.LifecycleConfiguration) bool { return reflect.DeepEqual(want, got) },
	apply: func(ctx context.Context, c *Conn, b *ossv1.Bucket, want *ossapi.LifecycleConfiguration) error {
		if want == nil {
			// OSS refuses a configuration without rules: removing them all is a delete.
			return c.DeleteBucketLifecycle(ctx, b.BucketName())
		}
		return c.PutBucketLifecycle(ctx, b.BucketName(), want)
	},
	show: func(got *ossapi.LifecycleConfiguration, s *ossv1.ObservedSettings) error {
		l, err := lifecycleFromOSS(got)
		s.Lifecycle = l
		return err
	},
}

// lifecycleToOSS converts the spec to OSS's shape.
func lifecycleToOSS(l *ossv1.Lifecycle) *ossapi.LifecycleConfiguration {
	cfg := &ossapi.LifecycleConfiguration{}
	for _, r := range l.Rules {
		rule := ossapi.LifecycleRule{ID: r.ID, Prefix: r.Prefix, Status: r.Status}
		if rule.Status == "" {
			rule.Status = "Enabled"
		}
		for k, v := range r.Tags {
			rule.Tags = append(rule.Tags, ossapi.Tag{Key: k, Value: v})
		}
		if f := r.Filter; f != nil {
			rule.Filter = &ossapi.LifecycleFilter{ObjectSizeGreaterThan: f.ObjectSizeGreaterThan, ObjectSizeLessThan: f.ObjectSizeLessThan}
			for _, n := range f.Not {
				not := ossapi.LifecycleNot{Prefix: n.Prefix}
				if n.Tag != nil {
					not.Tag = &ossapi.Tag{Key: n.Tag.Key, Value: n.Tag.Value}
				}
				rule.Filter.Not = append(rule.Filter.Not, not)
			}
		}
		if e := r.Expiration; e != nil {
			rule.Expiration = &ossapi.LifecycleExpiration{Days: intPtr(e.Days), CreatedBeforeDate: ossDate(e.CreatedBeforeDate), ExpiredObjectDeleteMarker: e.ExpiredObjectDeleteMarker}
		}
		for _, t := range r.Transitions {
			rule.Transitions = append(rule.Transitions, ossapi.LifecycleTransition{Days: intPtr(&t.Days), StorageClass: ossapi.StorageClass(t.StorageClass),
				IsAccessTime: t.IsAccessTime, ReturnToStdWhenVisit: t.ReturnToStdWhenVisit, AllowSmallFile: t.AllowSmallFile})
		}
		if a := r.AbortMultipartUpload; a != nil {
			rule.AbortMultipartUpload = &ossapi.LifecycleAbortMultipartUpload{Days: intPtr(a.Days), CreatedBeforeDate: ossDate(a.CreatedBeforeDate)}
		}
		if n := r.NoncurrentVersionExpiration; n != nil {
			rule.NoncurrentVersionExpiration = &ossapi.NoncurrentVersionExpiration{NoncurrentDays: int(n.NoncurrentDays)}
		}
		for _, t := range r.NoncurrentVersionTransitions {
			rule.NoncurrentVersionTransitions = append(rule.NoncurrentVersionTransitions, ossapi.NoncurrentVersionTransition{NoncurrentDays: int(t.NoncurrentDays),
				StorageClass: ossapi.StorageClass(t.StorageClass), IsAccessTime: t.IsAccessTime, ReturnToStdWhenVisit: t.ReturnToStdWhenVisit, AllowSmallFile: t.AllowSmallFile})
		}
		cfg.Rules = append(cfg.Rules, rule)
	}
	return cfg
}

// normalizeLifecycle puts a configuration in one canonical form; nil for no rules.
func normalizeLifecycle(in *ossapi.LifecycleConfiguration) *ossapi.LifecycleConfiguration {
	if in == nil || len(in.Rules) == 0 {
		return nil
	}
	out := &ossapi.LifecycleConfiguration{}
	for _, r := range in.Rules {
		r.Tags = sortedTags(r.Tags)
		r.AtimeBase = nil
		if f := r.Filter; f != nil {
			nf := &ossapi.LifecycleFilter{ObjectSizeGreaterThan: f.ObjectSizeGreaterThan, ObjectSizeLessThan: f.ObjectSizeLessThan}
			for _, n := range f.Not {
				nf.Not = append(nf.Not, n)
			}
			if len(nf.Not) == 0 && nf.ObjectSizeGreaterThan == nil && nf.ObjectSizeLessThan == nil {
				nf = nil
			}
			r.Filter = nf
		}
		if e := r.Expiration; e != nil {
			e2 := *e
			e2.CreatedBeforeDate = normalizeDate(e2.CreatedBeforeDate)
			e2.ExpiredObjectDeleteMarker = trueOrNil(e2.ExpiredObjectDeleteMarker)
			r.Expiration = &e2
		}
		var ts []ossapi.LifecycleTransition
		for _, t := range r.Transitions {
			t.CreatedBeforeDate = normalizeDate(t.CreatedBeforeDate)
			t.IsAccessTime, t.ReturnToStdWhenVisit, t.AllowSmallFile = trueOrNil(t.IsAccessTime), trueOrNil(t.ReturnToStdWhenVisit), trueOrNil(t.AllowSmallFile)
			ts = append(ts, t)
		}
		r.Transitions = ts
		if a := r.AbortMultipartUpload; a != nil {
			a2 := *a
			a2.CreatedBeforeDate = normalizeDate(a2.CreatedBeforeDate)
			r.AbortMultipartUpload = &a2
		}
		var nts []ossapi.NoncurrentVersionTransition
		for _, t := range r.NoncurrentVersionTransitions {
			t.IsAccessTime, t.ReturnToStdWhenVisit, t.AllowSmallFile = trueOrNil(t.IsAccessTime), trueOrNil(t.ReturnToStdWhenVisit), trueOrNil(t.AllowSmallFile)
			nts = append(nts, t)
		}
		r.NoncurrentVersionTransitions = nts
		out.Rules = append(out.Rules, r)
	}
	sort.Slice(out.Rules, func(i, j int) bool { return out.Rules[i].ID < out.Rules[j].ID })
	return out
}

func sortedTags(tags []ossapi.Tag) []ossapi.Tag {
	if len(tags) == 0 {
		return nil
	}
	out := append([]ossapi.Tag(nil), tags...)
	sort.Slice(out, func(i, j int) bool { return out[i].Key < out[j].Key })
	return out
}

// ossDate turns a spec date (YYYY-MM-DD) into OSS's midnight-UTC timestamp.
func ossDate(d string) string {
	if d == "" {
		return ""
	}
	return d + "T00:00:00.000Z"
}

// normalizeDate renders any ISO 8601 timestamp OSS may echo as OSS's own form.
func normalizeDate(d string) string {
	if d == "" {
		return ""
	}
	t, err := time.Parse(time.RFC3339, d)
	if err != nil {
		return d
	}
	return t.UTC().Format("2006-01-02T15:04:05.000Z")
}

func trueOrNil(b *bool) *bool {
	if b == nil || !*b {
		return nil
	}
	return b
}

func intPtr(v *int32) *int {
	if v == nil {
		return nil
	}
	i := int(*v)
	return &i
}

// lifecycleFromOSS is the inverse of lifecycleToOSS for a normalized configuration: the spec that
// lifecycleToOSS turns into it. An error names a rule the spec cannot declare (a transition by date, a
// date that is not midnight UTC, a rule without an ID).
func lifecycleFromOSS(cfg *ossapi.LifecycleConfiguration) (*ossv1.Lifecycle, error) {
	l := &ossv1.Lifecycle{Rules: []ossv1.LifecycleRule{}}
	if cfg == nil {
		return l, nil
	}
	for _, r := range cfg.Rules {
		if r.ID == "" {
			return nil, fmt.Errorf("a rule has no ID, which the spec requires")
		}
		fail := func(what string) error { return fmt.Errorf("rule %q %s, which the spec cannot declare", r.ID, what) }
		rule := ossv1.LifecycleRule{ID: r.ID, Prefix: r.Prefix, Status: r.Status}
		if len(r.Tags) > 0 {
			rule.Tags = map[string]string{}
			for _, t := range r.Tags {
				rule.Tags[t.Key] = t.Value
			}
		}
		if f := r.Filter; f != nil {
			rule.Filter = &ossv1.LifecycleFilter{ObjectSizeGreaterThan: f.ObjectSizeGreaterThan, ObjectSizeLessThan: f.ObjectSizeLessThan}
			for _, n := range f.Not {
				not := ossv1.LifecycleNot{Prefix: n.Prefix}
				if n.Tag != nil {
					not.Tag = &ossv1.Tag{Key: n.Tag.Key, Value: n.Tag.Value}
				}
				rule.Filter.Not = append(rule.Filter.Not, not)
			}
		}
		if e := r.Expiration; e != nil {
			date, ok := specDate(e.CreatedBeforeDate)
			days, okDays := int32Ptr(e.Days)
			if !ok || !okDays {
				return nil, fail("expires objects at " + e.CreatedBeforeDate + " or after more days than it can hold")
			}
			rule.Expiration = &ossv1.LifecycleExpiration{Days: days, CreatedBeforeDate: date, ExpiredObjectDeleteMarker: e.ExpiredObjectDeleteMarker}
		}
		for _, t := range r.Transitions {
			days, ok := int32Ptr(t.Days)
			if t.Days == nil || t.CreatedBeforeDate != "" || !ok {
				return nil, fail("moves objects on a date rather than after a number of days")
			}
			rule.Transitions = append(rule.Transitions, ossv1.LifecycleTransition{Days: *days, StorageClass: string(t.StorageClass),
				IsAccessTime: t.IsAccessTime, ReturnToStdWhenVisit: t.ReturnToStdWhenVisit, AllowSmallFile: t.AllowSmallFile})
		}
		if a := r.AbortMultipartUpload; a != nil {
			date, ok := specDate(a.CreatedBeforeDate)
			days, okDays := int32Ptr(a.Days)
			if !ok || !okDays {
				return nil, fail("aborts uploads at " + a.CreatedBeforeDate + " or after more days than it can hold")
			}
			rule.AbortMultipartUpload = &ossv1.LifecycleAbortMultipartUpload{Days: days, CreatedBeforeDate: date}
		}
		if n := r.NoncurrentVersionExpiration; n != nil {
			rule.NoncurrentVersionExpiration = &ossv1.NoncurrentVersionExpiration{NoncurrentDays: int32(min(n.NoncurrentDays, math.MaxInt32))}
		}
		for _, t := range r.NoncurrentVersionTransitions {
			rule.NoncurrentVersionTransitions = append(rule.NoncurrentVersionTransitions, ossv1.NoncurrentVersionTransition{
				NoncurrentDays: int32(min(t.NoncurrentDays, math.MaxInt32)), StorageClass: string(t.StorageClass),
				IsAccessTime: t.IsAccessTime, ReturnToStdWhenVisit: t.ReturnToStdWhenVisit, AllowSmallFile: t.AllowSmallFile})
		}
		l.Rules = append(l.Rules, rule)
	}
	return l, nil
}

// specDate turns OSS's midnight-UTC timestamp (as normalizeDate writes it) into the spec's YYYY-MM-DD;
// false for another time of day.
func specDate(d string) (string, bool) {
	if d == "" {
		return "", true
	}
	day, ok := strings.CutSuffix(d, "T00:00:00.000Z")
	return day, ok
}

// int32Ptr is the spec's form of a day count; false when it does not fit.
func int32Ptr(v *int) (*int32, bool) {
	if v == nil {
		return nil, true
	}
	if *v < math.MinInt32 || *v > math.MaxInt32 {
		return nil, false
	}
	i := int32(*v)
	return &i, true
}
