package controllers

import (
	"encoding/json"
	"encoding/xml"
	"reflect"
	"strings"
	"testing"
	"unicode/utf8"

	ossv1 "github.com/ossoperator/oss-operator/api/v1alpha1"
	"github.com/ossoperator/oss-operator/ossapi"
)

// FuzzPolicyComparison: a policy and the same policy re-encoded (other whitespace, other key order) are
// never drift, and parsing never panics.
func FuzzPolicyComparison(f *testing.F) {
	f.Add(`{"Version":"1","Statement":[{"Effect":"Allow","Action":["oss:GetObject"],"Principal":["*"],"Resource":["acs:oss:*:*:b/*"]}]}`)
	f.Add(`{"Statement": [], "Version": "1"}`)
	f.Add(`{"a": 1e3, "b": [1, 2.50, "x\u00e9"], "c": {"d": null}}`)
	f.Add(`[]`)
	f.Add(`{`)
	f.Fuzz(func(t *testing.T, doc string) {
		v, err := parsePolicy(doc)
		if err != nil || v.parsed == nil {
			return // refused, or "" (no policy)
		}
		var generic any
		if err := json.Unmarshal([]byte(doc), &generic); err != nil {
			t.Fatalf("parsePolicy accepted what encoding/json refuses: %q", doc)
		}
		reencoded, err := json.MarshalIndent(generic, "", "   ")
		if err != nil {
			t.Fatal(err)
		}
		w, err := parsePolicy(string(reencoded))
		if err != nil {
			t.Fatalf("re-encoded policy refused: %v", err)
		}
		if !policySetting.equal(v, w) {
			t.Fatalf("the same policy re-encoded counts as drift:\n%s\n%s", doc, reencoded)
		}
	})
}

// FuzzLifecycleConversion: what the operator puts is what it reads back. A rule built from the spec,
// sent as XML and decoded again, normalizes to the same value, so a put configuration never counts as
// drift.
func FuzzLifecycleConversion(f *testing.F) {
	f.Add("logs/", "k", "v", int32(30), "2023-01-01", true, int64(10), int64(100), "IA", int32(5), false)
	f.Add("", "", "", int32(0), "", false, int64(-1), int64(-1), "Archive", int32(0), true)
	f.Add("a b/ü<&>", "tag key", "x&y", int32(1), "2030-12-31", false, int64(0), int64(1), "DeepColdArchive", int32(365), true)
	f.Fuzz(func(t *testing.T, prefix, tagKey, tagValue string, days int32, date string, marker bool, gt, lt int64, class string, noncurrent int32, abortByDate bool) {
		for _, s := range []string{prefix, tagKey, tagValue, date, class} {
			if !utf8.ValidString(s) || strings.ContainsFunc(s, func(r rune) bool { return r < 0x20 }) {
				return // the API server takes only UTF-8, and the schema refuses control characters in prefixes
			}
		}
		rule := ossv1.LifecycleRule{ID: "r", Prefix: prefix}
		if tagKey != "" {
			rule.Tags = map[string]string{tagKey: tagValue}
		}
		switch {
		case marker:
			rule.Expiration = &ossv1.LifecycleExpiration{ExpiredObjectDeleteMarker: &marker}
		case date != "":
			rule.Expiration = &ossv1.LifecycleExpiration{CreatedBeforeDate: date}
		case days > 0:
			rule.Expiration = &ossv1.LifecycleExpiration{Days: &days}
		}
		if gt >= 0 || lt >= 0 {
			rule.Filter = &ossv1.LifecycleFilter{Not: []ossv1.LifecycleNot{{Prefix: prefix + "keep/"}}}
			if gt >= 0 {
				rule.Filter.ObjectSizeGreaterThan = &gt
			}
			if lt >= 0 {
				rule.Filter.ObjectSizeLessThan = &lt
			}
		}
		if days > 0 {
			rule.Transitions = []ossv1.LifecycleTransition{{Days: days, StorageClass: class, IsAccessTime: &marker}}
		}
		if noncurrent > 0 {
			rule.NoncurrentVersionExpiration = &ossv1.NoncurrentVersionExpiration{NoncurrentDays: noncurrent}
			rule.NoncurrentVersionTransitions = []ossv1.NoncurrentVersionTransition{{NoncurrentDays: noncurrent, StorageClass: class}}
		}
		if abortByDate && date != "" {
			rule.AbortMultipartUpload = &ossv1.LifecycleAbortMultipartUpload{CreatedBeforeDate: date}
		} else if days > 0 {
			rule.AbortMultipartUpload = &ossv1.LifecycleAbortMultipartUpload{Days: &days}
		}
		want := normalizeLifecycle(lifecycleToOSS(&ossv1.Lifecycle{Rules: []ossv1.LifecycleRule{rule}}))
		body, err := xml.Marshal(lifecycleToOSS(&ossv1.Lifecycle{Rules: []ossv1.LifecycleRule{rule}}))
		if err != nil {
			t.Fatal(err)
		}
		var back ossapi.LifecycleConfiguration
		if err := xml.Unmarshal(body, &back); err != nil {
			// XML 1.0 cannot carry some characters; the API server's UTF-8 checks and OSS refuse them.
			return
		}
		if got := normalizeLifecycle(&back); !lifecycleSetting.equal(want, got) {
			t.Fatalf("a lifecycle rule changes in an XML round trip:\nput  %+v\ngot  %+v\nbody %s", want.Rules[0], got.Rules[0], body)
		}
		if !reflect.DeepEqual(normalizeLifecycle(want), want) {
			t.Fatalf("normalizing is not idempotent")
		}
	})
}
