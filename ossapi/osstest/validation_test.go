package osstest_test

import (
	"fmt"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/ossoperator/oss-operator/ossapi"
	"github.com/ossoperator/oss-operator/ossapi/osstest"
)

func rule(mod func(r *ossapi.LifecycleRule)) *ossapi.LifecycleConfiguration {
	r := ossapi.LifecycleRule{ID: "r", Prefix: "p/", Status: "Enabled", Expiration: &ossapi.LifecycleExpiration{Days: ptr(30)}}
	mod(&r)
	return &ossapi.LifecycleConfiguration{Rules: []ossapi.LifecycleRule{r}}
}

func tags(n int) *ossapi.Tagging {
	t := &ossapi.Tagging{}
	for i := range n {
		t.Tags = append(t.Tags, ossapi.Tag{Key: fmt.Sprintf("k%d", i), Value: "v"})
	}
	return t
}

func corsRule(mod func(r *ossapi.CORSRule)) *ossapi.CORSConfiguration {
	r := ossapi.CORSRule{AllowedOrigins: []string{"*"}, AllowedMethods: []string{"GET"}}
	mod(&r)
	return &ossapi.CORSConfiguration{Rules: []ossapi.CORSRule{r}}
}

// TestValidation puts invalid settings and expects OSS's refusal, and nothing stored.
func TestValidation(t *testing.T) {
	t.Parallel()
	srv := newServer(t)
	c := newClient(t, srv.URL, aliceKey, ossapi.SignatureV4)
	const bkt = "validated"
	must(t, c.PutBucket(ctx, &ossapi.PutBucketRequest{Bucket: bkt}))
	lifecycle := func(cfg *ossapi.LifecycleConfiguration) func() error {
		return func() error { return c.PutBucketLifecycle(ctx, bkt, cfg) }
	}
	cors := func(cfg *ossapi.CORSConfiguration) func() error {
		return func() error { return c.PutBucketCors(ctx, bkt, cfg) }
	}
	encryption := func(d ossapi.ServerSideEncryptionByDefault) func() error {
		return func() error {
			return c.PutBucketEncryption(ctx, bkt, &ossapi.ServerSideEncryptionRule{ApplyServerSideEncryptionByDefault: d})
		}
	}
	policy := func(p string) func() error { return func() error { return c.PutBucketPolicy(ctx, bkt, p) } }
	website := func(w *ossapi.WebsiteConfiguration) func() error {
		return func() error { return c.PutBucketWebsite(ctx, bkt, w) }
	}
	const (
		bad  = http.StatusBadRequest
		inv  = ossapi.CodeInvalidArgument
		mxml = ossapi.CodeMalformedXML
		ipd  = "InvalidPolicyDocument"
	)
	manyRules := &ossapi.LifecycleConfiguration{}
	for i := range 1001 {
		manyRules.Rules = append(manyRules.Rules, ossapi.LifecycleRule{ID: fmt.Sprint(i), Prefix: fmt.Sprint(i), Status: "Enabled",
			Expiration: &ossapi.LifecycleExpiration{Days: ptr(1)}})
	}
	manyCORS := &ossapi.CORSConfiguration{}
	for range 11 {
		manyCORS.Rules = append(manyCORS.Rules, ossapi.CORSRule{AllowedOrigins: []string{"*"}, AllowedMethods: []string{"GET"}})
	}
	cases := []struct {
		name   string
		call   func() error
		status int
		code   string
	}{
		{"versioning status", func() error {
			return c.PutBucketVersioning(ctx, bkt, &ossapi.VersioningConfiguration{Status: "Disabled"})
		}, bad, inv},

		{"encryption algorithm", encryption(ossapi.ServerSideEncryptionByDefault{SSEAlgorithm: "DES"}), bad, ossapi.CodeInvalidEncryptionAlgorithm},
		{"encryption without algorithm", encryption(ossapi.ServerSideEncryptionByDefault{}), bad, ossapi.CodeInvalidEncryptionAlgorithm},
		{"KMS key with AES256", encryption(ossapi.ServerSideEncryptionByDefault{SSEAlgorithm: ossapi.SSEAES256, KMSMasterKeyID: "k"}), bad, inv},
		{"KMS data encryption with SM4", encryption(ossapi.ServerSideEncryptionByDefault{SSEAlgorithm: ossapi.SSESM4, KMSDataEncryption: "SM4"}), bad, inv},

		{"lifecycle without rules", lifecycle(&ossapi.LifecycleConfiguration{}), bad, mxml},
		{"lifecycle with 1001 rules", lifecycle(manyRules), bad, inv},
		{"lifecycle status", lifecycle(rule(func(r *ossapi.LifecycleRule) { r.Status = "On" })), bad, inv},
		{"lifecycle without action", lifecycle(rule(func(r *ossapi.LifecycleRule) { r.Expiration = nil })), bad, inv},
		{"expiration with Days and a date", lifecycle(rule(func(r *ossapi.LifecycleRule) {
			r.Expiration.CreatedBeforeDate = "2023-01-01T00:00:00.000Z"
		})), bad, inv},
		{"expiration with Days and delete markers", lifecycle(rule(func(r *ossapi.LifecycleRule) {
			r.Expiration.ExpiredObjectDeleteMarker = ptr(true)
		})), bad, inv},
		{"expiration with nothing", lifecycle(rule(func(r *ossapi.LifecycleRule) { r.Expiration = &ossapi.LifecycleExpiration{} })), bad, inv},
		{"date not at midnight", lifecycle(rule(func(r *ossapi.LifecycleRule) {
			r.Expiration = &ossapi.LifecycleExpiration{CreatedBeforeDate: "2023-01-01T12:00:00.000Z"}
		})), bad, inv},
		{"date not UTC", lifecycle(rule(func(r *ossapi.LifecycleRule) {
			r.Expiration = &ossapi.LifecycleExpiration{CreatedBeforeDate: "2023-01-01T00:00:00+08:00"}
		})), bad, inv},
		{"size bounds reversed", lifecycle(rule(func(r *ossapi.LifecycleRule) {
			r.Filter = &ossapi.LifecycleFilter{ObjectSizeGreaterThan: ptr(int64(100)), ObjectSizeLessThan: ptr(int64(100))}
		})), bad, inv},
		{"transition to Standard", lifecycle(rule(func(r *ossapi.LifecycleRule) {
			r.Expiration = nil
			r.Transitions = []ossapi.LifecycleTransition{{Days: ptr(10), StorageClass: ossapi.StorageStandard}}
		})), bad, inv},
		{"expiration before transition", lifecycle(rule(func(r *ossapi.LifecycleRule) {
			r.Transitions = []ossapi.LifecycleTransition{{Days: ptr(30), StorageClass: ossapi.StorageIA}}
		})), bad, inv},
		{"Archive before IA", lifecycle(rule(func(r *ossapi.LifecycleRule) {
			r.Expiration = nil
			r.Transitions = []ossapi.LifecycleTransition{{Days: ptr(60), StorageClass: ossapi.StorageIA}, {Days: ptr(30), StorageClass: ossapi.StorageArchive}}
		})), bad, inv},
		{"noncurrent expiration before noncurrent transition", lifecycle(rule(func(r *ossapi.LifecycleRule) {
			r.NoncurrentVersionExpiration = &ossapi.NoncurrentVersionExpiration{NoncurrentDays: 10}
			r.NoncurrentVersionTransitions = []ossapi.NoncurrentVersionTransition{{NoncurrentDays: 20, StorageClass: ossapi.StorageIA}}
		})), bad, inv},
		{"noncurrent days zero", lifecycle(rule(func(r *ossapi.LifecycleRule) {
			r.NoncurrentVersionExpiration = &ossapi.NoncurrentVersionExpiration{}
		})), bad, inv},
		{"abort with days and date", lifecycle(rule(func(r *ossapi.LifecycleRule) {
			r.AbortMultipartUpload = &ossapi.LifecycleAbortMultipartUpload{Days: ptr(1), CreatedBeforeDate: "2023-01-01T00:00:00.000Z"}
		})), bad, inv},
		{"duplicate rule IDs", lifecycle(&ossapi.LifecycleConfiguration{Rules: []ossapi.LifecycleRule{
			{ID: "same", Prefix: "a", Status: "Enabled", Expiration: &ossapi.LifecycleExpiration{Days: ptr(1)}},
			{ID: "same", Prefix: "b", Status: "Enabled", Expiration: &ossapi.LifecycleExpiration{Days: ptr(1)}},
		}}), bad, inv},
		{"rule ID too long", lifecycle(rule(func(r *ossapi.LifecycleRule) { r.ID = strings.Repeat("x", 256) })), bad, inv},

		{"CORS without rules", cors(&ossapi.CORSConfiguration{}), bad, mxml},
		{"11 CORS rules", cors(manyCORS), bad, inv},
		{"CORS method", cors(corsRule(func(r *ossapi.CORSRule) { r.AllowedMethods = []string{"PATCH"} })), bad, inv},
		{"CORS origin with two wildcards", cors(corsRule(func(r *ossapi.CORSRule) { r.AllowedOrigins = []string{"*.*.example.com"} })), bad, inv},
		{"CORS header with two wildcards", cors(corsRule(func(r *ossapi.CORSRule) { r.AllowedHeaders = []string{"x-*-*"} })), bad, inv},
		{"CORS without origin", cors(corsRule(func(r *ossapi.CORSRule) { r.AllowedOrigins = nil })), bad, mxml},

		{"21 tags", func() error { return c.PutBucketTags(ctx, bkt, tags(21)) }, bad, inv},
		{"empty tag key", func() error { return c.PutBucketTags(ctx, bkt, &ossapi.Tagging{Tags: []ossapi.Tag{{Key: ""}}}) }, bad, inv},
		{"tag key of 65 bytes", func() error {
			return c.PutBucketTags(ctx, bkt, &ossapi.Tagging{Tags: []ossapi.Tag{{Key: strings.Repeat("k", 65)}}})
		}, bad, inv},
		{"tag value of 129 bytes", func() error {
			return c.PutBucketTags(ctx, bkt, &ossapi.Tagging{Tags: []ossapi.Tag{{Key: "k", Value: strings.Repeat("v", 129)}}})
		}, bad, inv},
		{"tag key starting with http://", func() error {
			return c.PutBucketTags(ctx, bkt, &ossapi.Tagging{Tags: []ossapi.Tag{{Key: "http://x"}}})
		}, bad, inv},
		{"tag key starting with Aliyun", func() error {
			return c.PutBucketTags(ctx, bkt, &ossapi.Tagging{Tags: []ossapi.Tag{{Key: "aliyun:owner"}}})
		}, bad, inv},
		{"duplicate tag keys", func() error {
			return c.PutBucketTags(ctx, bkt, &ossapi.Tagging{Tags: []ossapi.Tag{{Key: "k", Value: "1"}, {Key: "k", Value: "2"}}})
		}, bad, inv},

		{"policy not JSON", policy("{"), bad, ipd},
		{"policy Version 2", policy(`{"Version":"2","Statement":[{"Effect":"Deny","Action":["oss:*"],"Principal":["1"],"Resource":["*"]}]}`), bad, ipd},
		{"policy Version as a number", policy(`{"Version":1,"Statement":[{"Effect":"Deny","Action":["oss:*"],"Principal":["1"],"Resource":["*"]}]}`), bad, ipd},
		{"policy without Statement", policy(`{"Version":"1"}`), bad, ipd},
		{"policy Effect", policy(`{"Version":"1","Statement":[{"Effect":"Maybe","Action":["oss:*"],"Principal":["1"],"Resource":["*"]}]}`), bad, ipd},
		{"policy without Principal", policy(`{"Version":"1","Statement":[{"Effect":"Deny","Action":["oss:*"],"Resource":["*"]}]}`), bad, ipd},
		{"policy without Action", policy(`{"Version":"1","Statement":[{"Effect":"Deny","Principal":["1"],"Resource":["*"]}]}`), bad, ipd},

		{"website without index or error document", website(&ossapi.WebsiteConfiguration{}), bad, inv},
		{"website index starting with /", website(&ossapi.WebsiteConfiguration{IndexDocument: &ossapi.IndexDocument{Suffix: "/index.html"}}), bad, inv},
		{"website error status", website(&ossapi.WebsiteConfiguration{IndexDocument: &ossapi.IndexDocument{Suffix: "index.html"},
			ErrorDocument: &ossapi.ErrorDocument{Key: "e.html", HttpStatus: ptr(500)}}), bad, inv},
		{"website duplicate rule numbers", website(&ossapi.WebsiteConfiguration{IndexDocument: &ossapi.IndexDocument{Suffix: "index.html"},
			RoutingRules: []ossapi.RoutingRule{{RuleNumber: 1}, {RuleNumber: 1}}}), bad, inv},

		{"referer TruncatePath without query truncation", func() error {
			return c.PutBucketReferer(ctx, bkt, &ossapi.RefererConfiguration{AllowTruncateQueryString: ptr(false), TruncatePath: ptr(true)})
		}, bad, inv},
		{"resource group ID", func() error { return c.PutBucketResourceGroup(ctx, bkt, "rg-not-exist") }, bad, "ResourceGroupIdPreCheckError"},
		{"resource group ID without rg-", func() error { return c.PutBucketResourceGroup(ctx, bkt, "default") }, bad, "ResourceGroupIdPreCheckError"},
		{"bucket ACL", func() error { return c.PutBucketAcl(ctx, bkt, "everyone") }, bad, inv},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			e := wantCode(t, tc.call(), tc.status, tc.code)
			if e.Message == "" {
				t.Error("no message")
			}
		})
	}
	t.Cleanup(func() {
		b, _ := srv.Bucket(bkt)
		if b.Lifecycle != nil || b.CORS != nil || b.Tags != nil || b.Policy != "" || b.Website != nil || b.Encryption != nil ||
			b.Versioning != "" || b.Referer != nil || b.ResourceGroupID != osstest.DefaultResourceGroupID || b.ACL != ossapi.ACLPrivate {
			t.Errorf("refused settings were stored: %+v", b)
		}
	})
}

func TestLifecycleDetails(t *testing.T) {
	t.Parallel()
	srv := newServer(t)
	c := newClient(t, srv.URL, aliceKey, ossapi.SignatureV1)
	must(t, c.PutBucket(ctx, &ossapi.PutBucketRequest{Bucket: "rules"}))
	cfg := &ossapi.LifecycleConfiguration{Rules: []ossapi.LifecycleRule{
		{Prefix: "a/", Status: "Enabled", Expiration: &ossapi.LifecycleExpiration{Days: ptr(1)}},
		{Prefix: "b/", Status: "Enabled", Expiration: &ossapi.LifecycleExpiration{Days: ptr(1)}},
	}}
	must(t, c.PutBucketLifecycle(ctx, "rules", cfg))
	got, err := c.GetBucketLifecycle(ctx, "rules")
	must(t, err)
	if got.Rules[0].ID == "" || got.Rules[1].ID == "" || got.Rules[0].ID == got.Rules[1].ID {
		t.Fatalf("rules without IDs got IDs %q and %q", got.Rules[0].ID, got.Rules[1].ID)
	}
	// The generated IDs are stable: putting the same rules again gives the same IDs.
	must(t, c.PutBucketLifecycle(ctx, "rules", cfg))
	again, err := c.GetBucketLifecycle(ctx, "rules")
	must(t, err)
	if again.Rules[0].ID != got.Rules[0].ID {
		t.Fatalf("IDs changed: %q then %q", got.Rules[0].ID, again.Rules[0].ID)
	}
	// Put replaces the whole configuration.
	must(t, c.PutBucketLifecycle(ctx, "rules", rule(func(*ossapi.LifecycleRule) {})))
	if b, _ := srv.Bucket("rules"); len(b.Lifecycle.Rules) != 1 || b.Lifecycle.Rules[0].ID != "r" {
		t.Fatalf("stored lifecycle = %+v", b.Lifecycle)
	}
	// A malformed body, raw.
	resp, body := rawRequest{method: http.MethodPut, bucket: "rules", query: map[string][]string{"lifecycle": {""}},
		body: []byte("<LifecycleConfiguration><Rule>")}.send(t, srv, aliceKey, true, time.Now())
	if d := parseError(t, body); resp.StatusCode != http.StatusBadRequest || d.Code != ossapi.CodeMalformedXML {
		t.Fatalf("got %d %+v", resp.StatusCode, d)
	}
	resp, body = rawRequest{method: http.MethodPut, bucket: "rules", query: map[string][]string{"lifecycle": {""}},
		body: []byte("<NotLifecycle/>")}.send(t, srv, aliceKey, true, time.Now())
	if d := parseError(t, body); resp.StatusCode != http.StatusBadRequest || d.Code != ossapi.CodeMalformedXML {
		t.Fatalf("wrong root: got %d %+v", resp.StatusCode, d)
	}
}
