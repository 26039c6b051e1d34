package controllers

import (
	"context"
	"fmt"
	"maps"
	"slices"
	"sort"
	"strings"

	ossv1 "github.com/ossoperator/oss-operator/api/v1alpha1"
	"github.com/ossoperator/oss-operator/ossapi"
)

// tagsSetting manages the bucket's tags, always keeping the operator's ownership tag. The tags were
// read already for the ownership check, so observing them costs nothing more.
var tagsSetting = facet[map[string]string]{
	name:    "tags",
	managed: func(b *ossv1.Bucket) bool { return b.Spec.Tags != nil },
	desired: func(b *ossv1.Bucket, owner string) (map[string]string, error) {
		if err := xmlSafeMap(b.Spec.Tags); err != nil {
			return nil, err
		}
		return withOwner(b.Spec.Tags, owner), nil
	},
	fromObservation: true,
	observe: func(_ context.Context, _ *Conn, _ *ossv1.Bucket, v *bucketView) (map[string]string, error) {
		tags, err := v.bucketTags()
		if tags == nil {
			tags = map[string]string{}
		}
		return tags, err
	},
	apply: func(ctx context.Context, c *Conn, b *ossv1.Bucket, want map[string]string) error {
		return c.PutBucketTags(ctx, b.BucketName(), tagging(want))
	},
	// Without the ownership tag: the spec never declares it.
	show: func(got map[string]string, s *ossv1.ObservedSettings) error {
		s.Tags = otherTags(got)
		return nil
	},
}

// xmlSafeMap refuses keys and values with control characters: they go to OSS in XML, which cannot
// carry them unchanged, so they would differ at every resync. Admission checks every other string OSS
// receives in XML; keys of maps cannot be checked there at a cost the API server accepts.
func xmlSafeMap(m map[string]string) error {
	for _, k := range slices.Sorted(maps.Keys(m)) {
		if !xmlSafe(k) || !xmlSafe(m[k]) {
			return fmt.Errorf("the tag %q has a control character (a tab, a line break, ...) in its key or value: OSS receives tags in XML, which cannot carry them", strings.Map(printableRune, k))
		}
	}
	return nil
}

// xmlSafe reports whether s has no control character, as admission's [[:cntrl:]] rules say.
func xmlSafe(s string) bool {
	return !strings.ContainsFunc(s, func(r rune) bool { return r < 0x20 || r == 0x7f })
}

// printableRune replaces a control character by "?" for a message.
func printableRune(r rune) rune {
	if r < 0x20 || r == 0x7f {
		return '?'
	}
	return r
}

// withOwner is the declared tags plus the ownership tag.
func withOwner(tags map[string]string, owner string) map[string]string {
	want := maps.Clone(tags)
	if want == nil {
		want = map[string]string{}
	}
	want[ossv1.OwnershipTagKey] = owner
	return want
}

// tagging renders tags sorted by key, so the same tags always make the same request.
func tagging(m map[string]string) *ossapi.Tagging {
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	t := &ossapi.Tagging{}
	for _, k := range keys {
		t.Tags = append(t.Tags, ossapi.Tag{Key: k, Value: m[k]})
	}
	return t
}
