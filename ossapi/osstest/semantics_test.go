package osstest_test

import (
	"context"
	"fmt"
	"net/http"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/ossoperator/oss-operator/ossapi"
	"github.com/ossoperator/oss-operator/ossapi/osstest"
)

var ctx = context.Background()

func TestPutBucketIsIdempotentForTheOwner(t *testing.T) {
	t.Parallel()
	srv := newServer(t, osstest.WithBlockPublicAccessByDefault(false))
	c := newClient(t, srv.URL, aliceKey, ossapi.SignatureV4)
	must(t, c.PutBucket(ctx, &ossapi.PutBucketRequest{Bucket: "idem", StorageClass: ossapi.StorageArchive}))
	created, _ := srv.Bucket("idem")
	must(t, c.PutBucket(ctx, &ossapi.PutBucketRequest{Bucket: "idem"}))
	must(t, c.PutBucket(ctx, &ossapi.PutBucketRequest{Bucket: "idem", StorageClass: ossapi.StorageArchive, ACL: ossapi.ACLPublicRead}))
	b, _ := srv.Bucket("idem")
	if b.ACL != ossapi.ACLPublicRead || b.StorageClass != ossapi.StorageArchive || !b.CreationDate.Equal(created.CreationDate) {
		t.Fatalf("after re-put: %+v", b)
	}
	must(t, c.PutBucket(ctx, &ossapi.PutBucketRequest{Bucket: "idem"}))
	if b, _ := srv.Bucket("idem"); b.ACL != ossapi.ACLPublicRead {
		t.Fatalf("a PutBucket without x-oss-acl changed the ACL to %s", b.ACL)
	}
}

func TestPutBucketConflicts(t *testing.T) {
	t.Parallel()
	srv := newServer(t)
	c := newClient(t, srv.URL, aliceKey, ossapi.SignatureV4)
	must(t, c.PutBucket(ctx, &ossapi.PutBucketRequest{Bucket: "taken", StorageClass: ossapi.StorageIA, RedundancyType: ossapi.RedundancyZRS}))
	must(t, srv.CreateBucket(alice.ID, "elsewhere", "cn-shanghai"))
	bobc := newClient(t, srv.URL, bobKey, ossapi.SignatureV1)
	cases := []struct {
		name    string
		c       *ossapi.Client
		req     ossapi.PutBucketRequest
		message string
	}{
		{"another account's name", bobc, ossapi.PutBucketRequest{Bucket: "taken"}, "The requested bucket name is not available"},
		{"another storage class", c, ossapi.PutBucketRequest{Bucket: "taken", StorageClass: ossapi.StorageStandard}, "storage class"},
		{"another redundancy type", c, ossapi.PutBucketRequest{Bucket: "taken", RedundancyType: ossapi.RedundancyLRS}, "redundancy"},
		{"another region", c, ossapi.PutBucketRequest{Bucket: "elsewhere"}, "location"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			e := wantCode(t, tc.c.PutBucket(ctx, &tc.req), http.StatusConflict, ossapi.CodeBucketAlreadyExists)
			if !strings.Contains(e.Message, tc.message) {
				t.Errorf("message %q does not mention %q", e.Message, tc.message)
			}
		})
	}
	// Same settings again are fine.
	must(t, c.PutBucket(ctx, &ossapi.PutBucketRequest{Bucket: "taken", StorageClass: ossapi.StorageIA, RedundancyType: ossapi.RedundancyZRS}))
}

func TestForeignBucketIsAccessDenied(t *testing.T) {
	t.Parallel()
	srv := newServer(t)
	c := newClient(t, srv.URL, aliceKey, ossapi.SignatureV4)
	must(t, c.PutBucket(ctx, &ossapi.PutBucketRequest{Bucket: "alices"}))
	bobc := newClient(t, srv.URL, bobKey, ossapi.SignatureV4)
	calls := map[string]func() error{
		ossapi.OpGetBucketInfo: func() error { _, err := bobc.GetBucketInfo(ctx, "alices"); return err },
		ossapi.OpDeleteBucket:  func() error { return bobc.DeleteBucket(ctx, "alices") },
		ossapi.OpPutBucketTags: func() error {
			return bobc.PutBucketTags(ctx, "alices", &ossapi.Tagging{Tags: []ossapi.Tag{{Key: "k", Value: "v"}}})
		},
		ossapi.OpPutObject: func() error {
			_, err := bobc.PutObject(ctx, &ossapi.PutObjectRequest{Bucket: "alices", Key: "k"})
			return err
		},
		ossapi.OpListObjectVersions: func() error {
			_, err := bobc.ListObjectVersions(ctx, &ossapi.ListObjectVersionsRequest{Bucket: "alices"})
			return err
		},
	}
	for op, call := range calls {
		t.Run(op, func(t *testing.T) { wantCode(t, call(), http.StatusForbidden, ossapi.CodeAccessDenied) })
	}
	all, err := bobc.ListAllBuckets(ctx, "")
	must(t, err)
	if len(all) != 0 {
		t.Errorf("bob lists alice's buckets: %+v", all)
	}
	_, err = c.GetBucketInfo(ctx, "nobodys")
	e := wantCode(t, err, http.StatusNotFound, ossapi.CodeNoSuchBucket)
	if e.EC != "0015-00000101" {
		t.Errorf("EC = %q", e.EC)
	}
}

func TestNoSuchBucketBody(t *testing.T) {
	t.Parallel()
	srv := newServer(t)
	resp, body := rawRequest{method: http.MethodGet, bucket: "missing-bucket", query: url.Values{"acl": {""}}}.send(t, srv, aliceKey, false, time.Now())
	d := parseError(t, body)
	if resp.StatusCode != http.StatusNotFound || d.Code != ossapi.CodeNoSuchBucket || d.BucketName != "missing-bucket" ||
		d.EC != "0015-00000101" || d.Message != "The specified bucket does not exist." || d.HostID == "" ||
		resp.Header.Get("Content-Type") != "application/xml" || !strings.HasPrefix(string(body), `<?xml version="1.0" encoding="UTF-8"?>`+"\n<Error>") {
		t.Fatalf("status %d, headers %v, body %s", resp.StatusCode, resp.Header, body)
	}
}

func TestTooManyBuckets(t *testing.T) {
	t.Parallel()
	srv := newServer(t, osstest.WithBucketLimit(2))
	c := newClient(t, srv.URL, aliceKey, ossapi.SignatureV4)
	must(t, c.PutBucket(ctx, &ossapi.PutBucketRequest{Bucket: "one-1"}))
	must(t, c.PutBucket(ctx, &ossapi.PutBucketRequest{Bucket: "two-2"}))
	must(t, srv.CreateBucket(alice.ID, "in-another-region", "cn-beijing")) // the limit is per region
	must(t, c.PutBucket(ctx, &ossapi.PutBucketRequest{Bucket: "two-2"}))   // re-put is no new bucket
	wantCode(t, c.PutBucket(ctx, &ossapi.PutBucketRequest{Bucket: "three-3"}), http.StatusBadRequest, ossapi.CodeTooManyBuckets)
	must(t, newClient(t, srv.URL, bobKey, ossapi.SignatureV4).PutBucket(ctx, &ossapi.PutBucketRequest{Bucket: "bobs-1"}))
	must(t, c.DeleteBucket(ctx, "one-1"))
	must(t, c.PutBucket(ctx, &ossapi.PutBucketRequest{Bucket: "three-3"}))
}

func TestPutBucketValidation(t *testing.T) {
	t.Parallel()
	srv := newServer(t)
	c := newClient(t, srv.URL, aliceKey, ossapi.SignatureV4)
	cases := []struct {
		name string
		req  ossapi.PutBucketRequest
		code string
	}{
		{"short name", ossapi.PutBucketRequest{Bucket: "ab"}, ossapi.CodeInvalidBucketName},
		{"upper case", ossapi.PutBucketRequest{Bucket: "Upper"}, ossapi.CodeInvalidBucketName},
		{"leading hyphen", ossapi.PutBucketRequest{Bucket: "-abc"}, ossapi.CodeInvalidBucketName},
		{"trailing hyphen", ossapi.PutBucketRequest{Bucket: "abc-"}, ossapi.CodeInvalidBucketName},
		{"underscore", ossapi.PutBucketRequest{Bucket: "a_bc"}, ossapi.CodeInvalidBucketName},
		{"64 characters", ossapi.PutBucketRequest{Bucket: strings.Repeat("a", 64)}, ossapi.CodeInvalidBucketName},
		{"unknown ACL", ossapi.PutBucketRequest{Bucket: "good-name", ACL: "public"}, ossapi.CodeInvalidArgument},
		{"unknown storage class", ossapi.PutBucketRequest{Bucket: "good-name", StorageClass: "Glacier"}, ossapi.CodeInvalidArgument},
		{"unknown redundancy", ossapi.PutBucketRequest{Bucket: "good-name", RedundancyType: "GRS"}, ossapi.CodeInvalidArgument},
		{"bad resource group", ossapi.PutBucketRequest{Bucket: "good-name", ResourceGroupID: "rg-not-exist"}, "ResourceGroupIdPreCheckError"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			wantCode(t, c.PutBucket(ctx, &tc.req), http.StatusBadRequest, tc.code)
		})
	}
	t.Run("unparsable CreateBucketConfiguration", func(t *testing.T) {
		t.Parallel()
		resp, body := rawRequest{method: http.MethodPut, bucket: "good-name", body: []byte("<CreateBucketConfiguration><StorageClass>")}.
			send(t, srv, aliceKey, false, time.Now())
		if d := parseError(t, body); resp.StatusCode != http.StatusBadRequest || d.Code != ossapi.CodeMalformedXML {
			t.Fatalf("got %d %+v", resp.StatusCode, d)
		}
	})
	if names := srv.BucketNames(); len(names) != 0 {
		t.Fatalf("refused PutBucket calls created %v", names)
	}
}

func TestDeleteBucketNotEmpty(t *testing.T) {
	t.Parallel()
	srv := newServer(t)
	c := newClient(t, srv.URL, aliceKey, ossapi.SignatureV4)
	put := func(bkt, key string) *ossapi.PutObjectResult {
		res, err := c.PutObject(ctx, &ossapi.PutObjectRequest{Bucket: bkt, Key: key, Body: []byte(key)})
		must(t, err)
		return res
	}
	versioned := func(bkt string) {
		must(t, c.PutBucket(ctx, &ossapi.PutBucketRequest{Bucket: bkt}))
		must(t, c.PutBucketVersioning(ctx, bkt, &ossapi.VersioningConfiguration{Status: ossapi.VersioningEnabled}))
	}
	cases := []struct {
		name  string
		setup func(bkt string) (cleanup func())
	}{
		{"an object", func(bkt string) func() {
			must(t, c.PutBucket(ctx, &ossapi.PutBucketRequest{Bucket: bkt}))
			put(bkt, "k")
			return func() { _, err := c.DeleteObject(ctx, bkt, "k", ""); must(t, err) }
		}},
		{"an old version only", func(bkt string) func() {
			versioned(bkt)
			old := put(bkt, "k")
			cur := put(bkt, "k")
			_, err := c.DeleteObject(ctx, bkt, "k", cur.VersionID)
			must(t, err)
			return func() { _, err := c.DeleteObject(ctx, bkt, "k", old.VersionID); must(t, err) }
		}},
		{"an old version under a delete marker", func(bkt string) func() {
			versioned(bkt)
			old := put(bkt, "k")
			res, err := c.DeleteObject(ctx, bkt, "k", "")
			must(t, err)
			if list, err := c.ListObjectsV2(ctx, &ossapi.ListObjectsV2Request{Bucket: bkt}); err != nil || len(list.Contents) != 0 {
				t.Fatalf("ListObjectsV2 shows a deleted object: %+v, %v", list, err)
			}
			return func() {
				for _, v := range []string{old.VersionID, res.VersionID} {
					_, err := c.DeleteObject(ctx, bkt, "k", v)
					must(t, err)
				}
			}
		}},
		{"a delete marker only", func(bkt string) func() {
			versioned(bkt)
			res, err := c.DeleteObject(ctx, bkt, "never-existed", "")
			must(t, err)
			if !res.DeleteMarker {
				t.Fatal("no delete marker")
			}
			return func() { _, err := c.DeleteObject(ctx, bkt, "never-existed", res.VersionID); must(t, err) }
		}},
		{"a multipart upload only", func(bkt string) func() {
			must(t, c.PutBucket(ctx, &ossapi.PutBucketRequest{Bucket: bkt}))
			up, err := c.InitiateMultipartUpload(ctx, bkt, "big")
			must(t, err)
			return func() { must(t, c.AbortMultipartUpload(ctx, bkt, "big", up.UploadID)) }
		}},
	}
	for i, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			bkt := fmt.Sprintf("not-empty-%d", i)
			cleanup := tc.setup(bkt)
			e := wantCode(t, c.DeleteBucket(ctx, bkt), http.StatusConflict, ossapi.CodeBucketNotEmpty)
			if e.EC != "0015-00000301" {
				t.Errorf("EC = %q", e.EC)
			}
			cleanup()
			must(t, c.DeleteBucket(ctx, bkt))
		})
	}
	wantCode(t, c.DeleteBucket(ctx, "not-empty-0"), http.StatusNotFound, ossapi.CodeNoSuchBucket)
}

// TestNotConfigured checks each setting's answer on a fresh bucket: a 404 code for some, an empty 200
// document for others.
func TestNotConfigured(t *testing.T) {
	t.Parallel()
	srv := newServer(t)
	c := newClient(t, srv.URL, aliceKey, ossapi.SignatureV4)
	must(t, c.PutBucket(ctx, &ossapi.PutBucketRequest{Bucket: "fresh"}))
	notFound := []struct {
		sub, code string
	}{
		{"lifecycle", ossapi.CodeNoSuchLifecycle},
		{"cors", ossapi.CodeNoSuchCORSConfiguration},
		{"policy", ossapi.CodeNoSuchBucketPolicy},
		{"website", ossapi.CodeNoSuchWebsiteConfiguration},
		{"encryption", ossapi.CodeNoSuchServerSideEncryptionRule},
	}
	for _, tc := range notFound {
		t.Run(tc.sub, func(t *testing.T) {
			t.Parallel()
			resp, body := rawRequest{method: http.MethodGet, bucket: "fresh", query: url.Values{tc.sub: {""}}}.send(t, srv, aliceKey, false, time.Now())
			if d := parseError(t, body); resp.StatusCode != http.StatusNotFound || d.Code != tc.code || d.BucketName != "fresh" {
				t.Fatalf("got %d %+v", resp.StatusCode, d)
			}
		})
	}
	empty := []struct {
		sub, body string
	}{
		{"tagging", "<Tagging><TagSet></TagSet></Tagging>"},
		{"logging", "<BucketLoggingStatus></BucketLoggingStatus>"},
		{"versioning", "<VersioningConfiguration></VersioningConfiguration>"},
		{"referer", "<RefererConfiguration><AllowEmptyReferer>true</AllowEmptyReferer><AllowTruncateQueryString>true</AllowTruncateQueryString><TruncatePath>false</TruncatePath><RefererList></RefererList></RefererConfiguration>"},
		{"publicAccessBlock", "<PublicAccessBlockConfiguration><BlockPublicAccess>true</BlockPublicAccess></PublicAccessBlockConfiguration>"},
		{"resourceGroup", "<BucketResourceGroupConfiguration><ResourceGroupId>" + osstest.DefaultResourceGroupID + "</ResourceGroupId></BucketResourceGroupConfiguration>"},
		{"policyStatus", "<PolicyStatus><IsPublic>false</IsPublic></PolicyStatus>"},
	}
	for _, tc := range empty {
		t.Run(tc.sub, func(t *testing.T) {
			t.Parallel()
			resp, body := rawRequest{method: http.MethodGet, bucket: "fresh", query: url.Values{tc.sub: {""}}}.send(t, srv, aliceKey, false, time.Now())
			want := `<?xml version="1.0" encoding="UTF-8"?>` + "\n" + tc.body
			if resp.StatusCode != http.StatusOK || string(body) != want || resp.Header.Get("Content-Type") != "application/xml" {
				t.Fatalf("got %d %s, want %s", resp.StatusCode, body, want)
			}
		})
	}
	// Through the client, every one of them reads as "not configured".
	if v, err := c.GetBucketVersioning(ctx, "fresh"); v != nil || err != nil {
		t.Errorf("GetBucketVersioning = %+v, %v", v, err)
	}
	if v, err := c.GetBucketTags(ctx, "fresh"); v != nil || err != nil {
		t.Errorf("GetBucketTags = %+v, %v", v, err)
	}
	if v, err := c.GetBucketLogging(ctx, "fresh"); v != nil || err != nil {
		t.Errorf("GetBucketLogging = %+v, %v", v, err)
	}
	// Deleting what is not configured is fine.
	for _, del := range []func(context.Context, string) error{c.DeleteBucketLifecycle, c.DeleteBucketCors, c.DeleteBucketPolicy,
		c.DeleteBucketWebsite, c.DeleteBucketEncryption, c.DeleteBucketLogging} {
		must(t, del(ctx, "fresh"))
	}
}

func TestBlockPublicAccess(t *testing.T) {
	t.Parallel()
	const publicPolicy = `{"Version":"1","Statement":[{"Effect":"Allow","Action":["oss:GetObject"],"Principal":["*"],"Resource":["acs:oss:*:*:bpa/*"]}]}`
	const anyonePolicy = `{"Version":"1","Statement":[{"Effect":"Allow","Action":"oss:GetObject","Principal":[],"Resource":"acs:oss:*:*:bpa/*"}]}`
	const vpcPolicy = `{"Version":"1","Statement":[{"Effect":"Allow","Action":["oss:GetObject"],"Principal":["*"],"Resource":["acs:oss:*:*:bpa/*"],"Condition":{"StringEquals":{"acs:SourceVpc":["vpc-1"]}}}]}`
	const denyPolicy = `{"Version":"1","Statement":[{"Effect":"Deny","Action":["oss:GetObject"],"Principal":["*"],"Resource":["acs:oss:*:*:bpa/*"]}]}`

	srv := newServer(t)
	c := newClient(t, srv.URL, aliceKey, ossapi.SignatureV4)
	wantCode(t, c.PutBucket(ctx, &ossapi.PutBucketRequest{Bucket: "bpa", ACL: ossapi.ACLPublicRead}), http.StatusForbidden, ossapi.CodeAccessDenied)
	if len(srv.BucketNames()) != 0 {
		t.Fatal("a refused public PutBucket created the bucket")
	}
	must(t, c.PutBucket(ctx, &ossapi.PutBucketRequest{Bucket: "bpa"}))
	if b, _ := srv.Bucket("bpa"); !b.BlockPublicAccess {
		t.Fatal("new bucket without Block Public Access")
	}
	wantCode(t, c.PutBucketAcl(ctx, "bpa", ossapi.ACLPublicReadWrite), http.StatusForbidden, ossapi.CodeAccessDenied)
	wantCode(t, c.PutBucket(ctx, &ossapi.PutBucketRequest{Bucket: "bpa", ACL: ossapi.ACLPublicRead}), http.StatusForbidden, ossapi.CodeAccessDenied)
	wantCode(t, c.PutBucketPolicy(ctx, "bpa", publicPolicy), http.StatusForbidden, ossapi.CodeAccessDenied)
	wantCode(t, c.PutBucketPolicy(ctx, "bpa", anyonePolicy), http.StatusForbidden, ossapi.CodeAccessDenied)
	must(t, c.PutBucketPolicy(ctx, "bpa", vpcPolicy))
	must(t, c.PutBucketPolicy(ctx, "bpa", denyPolicy))
	must(t, c.PutBucketAcl(ctx, "bpa", ossapi.ACLPrivate))

	must(t, c.PutBucketPublicAccessBlock(ctx, "bpa", &ossapi.PublicAccessBlockConfiguration{BlockPublicAccess: false}))
	must(t, c.PutBucketAcl(ctx, "bpa", ossapi.ACLPublicRead))
	must(t, c.PutBucketPolicy(ctx, "bpa", publicPolicy))
	must(t, c.PutBucketPublicAccessBlock(ctx, "bpa", &ossapi.PublicAccessBlockConfiguration{BlockPublicAccess: true}))
	if b, _ := srv.Bucket("bpa"); b.ACL != ossapi.ACLPublicRead || b.Policy != publicPolicy || !b.BlockPublicAccess {
		t.Fatalf("switching Block Public Access on changed the stored settings: %+v", b)
	}

	off := newServer(t, osstest.WithBlockPublicAccessByDefault(false))
	c = newClient(t, off.URL, aliceKey, ossapi.SignatureV1)
	must(t, c.PutBucket(ctx, &ossapi.PutBucketRequest{Bucket: "open", ACL: ossapi.ACLPublicRead}))
	must(t, c.PutBucketPolicy(ctx, "open", publicPolicy))
}

func TestLoggingTarget(t *testing.T) {
	t.Parallel()
	srv := newServer(t)
	c := newClient(t, srv.URL, aliceKey, ossapi.SignatureV4)
	must(t, c.PutBucket(ctx, &ossapi.PutBucketRequest{Bucket: "source"}))
	must(t, c.PutBucket(ctx, &ossapi.PutBucketRequest{Bucket: "logs"}))
	must(t, srv.CreateBucket(bob.ID, "bobs-logs", ""))
	must(t, srv.CreateBucket(alice.ID, "shanghai-logs", "cn-shanghai"))
	cases := []struct {
		target string
		status int
	}{
		{"missing-logs", http.StatusBadRequest},
		{"bobs-logs", http.StatusForbidden},
		{"shanghai-logs", http.StatusBadRequest},
	}
	for _, tc := range cases {
		err := c.PutBucketLogging(ctx, "source", &ossapi.BucketLoggingStatus{LoggingEnabled: &ossapi.LoggingEnabled{TargetBucket: tc.target}})
		wantCode(t, err, tc.status, ossapi.CodeInvalidTargetBucketForLogging)
	}
	must(t, c.PutBucketLogging(ctx, "source", &ossapi.BucketLoggingStatus{LoggingEnabled: &ossapi.LoggingEnabled{TargetBucket: "logs", TargetPrefix: "source/"}}))
	// An empty BucketLoggingStatus turns logging off, like DeleteBucketLogging.
	must(t, c.PutBucketLogging(ctx, "source", &ossapi.BucketLoggingStatus{}))
	if b, _ := srv.Bucket("source"); b.Logging != nil {
		t.Fatalf("logging still on: %+v", b.Logging)
	}
}

func TestVersioningStates(t *testing.T) {
	t.Parallel()
	srv := newServer(t)
	c := newClient(t, srv.URL, aliceKey, ossapi.SignatureV4)
	must(t, c.PutBucket(ctx, &ossapi.PutBucketRequest{Bucket: "states"}))
	put := func(body string) *ossapi.PutObjectResult {
		res, err := c.PutObject(ctx, &ossapi.PutObjectRequest{Bucket: "states", Key: "k", Body: []byte(body)})
		must(t, err)
		return res
	}
	if res := put("1"); res.VersionID != "" {
		t.Fatalf("unversioned PutObject answered version %q", res.VersionID)
	}
	put("2") // replaces the null version
	must(t, c.PutBucketVersioning(ctx, "states", &ossapi.VersioningConfiguration{Status: ossapi.VersioningEnabled}))
	v3 := put("3")
	must(t, c.PutBucketVersioning(ctx, "states", &ossapi.VersioningConfiguration{Status: ossapi.VersioningSuspended}))
	if res := put("4"); res.VersionID != "null" { // replaces the null version again
		t.Fatalf("suspended PutObject answered version %q", res.VersionID)
	}
	b, _ := srv.Bucket("states")
	want := []osstest.ObjectSnapshot{
		{Key: "k", VersionID: "null", IsLatest: true, Size: 1, ETag: `"A87FF679A2F3E71D9181A67B7542122C"`, Type: "Normal"},
		{Key: "k", VersionID: v3.VersionID, Size: 1, ETag: `"ECCBC87E4B5CE2FE28308FD9F2A7BAF3"`, Type: "Normal"},
	}
	if fmt.Sprint(b.Objects) != fmt.Sprint(want) {
		t.Fatalf("objects = %+v, want %+v", b.Objects, want)
	}
	res, err := c.DeleteObject(ctx, "states", "k", "")
	must(t, err)
	if !res.DeleteMarker || res.VersionID != "null" {
		t.Fatalf("suspended DeleteObject = %+v", res)
	}
	b, _ = srv.Bucket("states")
	if len(b.Objects) != 2 || !b.Objects[0].DeleteMarker || b.Objects[1].VersionID != v3.VersionID {
		t.Fatalf("objects = %+v", b.Objects)
	}
	wantCode(t, c.PutBucketVersioning(ctx, "states", &ossapi.VersioningConfiguration{}), http.StatusBadRequest, ossapi.CodeInvalidArgument)
}

func TestRequestChecks(t *testing.T) {
	t.Parallel()
	srv := newServer(t)
	c := newClient(t, srv.URL, aliceKey, ossapi.SignatureV4)
	must(t, c.PutBucket(ctx, &ossapi.PutBucketRequest{Bucket: "checks"}))
	deleteBody := func(n int) []byte {
		var b strings.Builder
		b.WriteString("<Delete><Quiet>false</Quiet>")
		for i := range n {
			fmt.Fprintf(&b, "<Object><Key>k%d</Key></Object>", i)
		}
		b.WriteString("</Delete>")
		return []byte(b.String())
	}
	cases := []struct {
		name   string
		req    rawRequest
		status int
		code   string
	}{
		{"Content-MD5 mismatch", rawRequest{method: http.MethodPut, bucket: "checks", key: "k", body: []byte("body"),
			header: http.Header{"Content-Md5": {"1B2M2Y8AsgTpgAmY7PhCfg=="}}}, http.StatusBadRequest, ossapi.CodeInvalidDigest},
		{"Content-MD5 not base64", rawRequest{method: http.MethodPut, bucket: "checks", key: "k", body: []byte("body"),
			header: http.Header{"Content-Md5": {"not md5"}}}, http.StatusBadRequest, ossapi.CodeInvalidDigest},
		{"DeleteMultipleObjects without Content-MD5", rawRequest{method: http.MethodPost, bucket: "checks",
			query: url.Values{"delete": {""}}, body: deleteBody(2), header: http.Header{"Content-Md5": {""}}}, http.StatusBadRequest, ossapi.CodeInvalidDigest},
		{"DeleteMultipleObjects with 1001 keys", rawRequest{method: http.MethodPost, bucket: "checks",
			query: url.Values{"delete": {""}}, body: deleteBody(1001)}, http.StatusBadRequest, ossapi.CodeMalformedXML},
		{"DeleteMultipleObjects with no key", rawRequest{method: http.MethodPost, bucket: "checks",
			query: url.Values{"delete": {""}}, body: deleteBody(0)}, http.StatusBadRequest, ossapi.CodeMalformedXML},
		{"unsupported sub-resource", rawRequest{method: http.MethodGet, bucket: "checks", query: url.Values{"replication": {""}}},
			http.StatusMethodNotAllowed, ossapi.CodeMethodNotAllowed},
		{"method not allowed", rawRequest{method: http.MethodPost, bucket: "checks", query: url.Values{"lifecycle": {""}}},
			http.StatusMethodNotAllowed, ossapi.CodeMethodNotAllowed},
		{"DELETE on the service", rawRequest{method: http.MethodDelete}, http.StatusMethodNotAllowed, ossapi.CodeMethodNotAllowed},
		{"oversized setting", rawRequest{method: http.MethodPut, bucket: "checks", query: url.Values{"cors": {""}},
			body: []byte("<CORSConfiguration>" + strings.Repeat(" ", 20<<10) + "</CORSConfiguration>")}, http.StatusBadRequest, ossapi.CodeInvalidArgument},
		{"bad max-keys", rawRequest{method: http.MethodGet, bucket: "checks", query: url.Values{"list-type": {"2"}, "max-keys": {"1001"}}},
			http.StatusBadRequest, ossapi.CodeInvalidArgument},
		{"bad encoding-type", rawRequest{method: http.MethodGet, bucket: "checks", query: url.Values{"versions": {""}, "encoding-type": {"base64"}}},
			http.StatusBadRequest, ossapi.CodeInvalidArgument},
		{"key with leading slash", rawRequest{method: http.MethodPut, bucket: "checks", key: "/abs", body: []byte("x")},
			http.StatusBadRequest, "InvalidObjectName"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			resp, body := tc.req.send(t, srv, aliceKey, false, time.Now())
			if d := parseError(t, body); resp.StatusCode != tc.status || d.Code != tc.code {
				t.Fatalf("got %d %s (%s), want %d %s", resp.StatusCode, d.Code, d.Message, tc.status, tc.code)
			}
		})
	}
}

func TestListingEncodingAndPaging(t *testing.T) {
	t.Parallel()
	srv := newServer(t)
	c := newClient(t, srv.URL, aliceKey, ossapi.SignatureV4)
	must(t, c.PutBucket(ctx, &ossapi.PutBucketRequest{Bucket: "listing"}))
	keys := []string{"a/1", "a/2", "b c/plus+sign", "b c/€ & <x>", "top", "z\x01control"} // sorted by bytes
	for _, k := range keys {
		_, err := c.PutObject(ctx, &ossapi.PutObjectRequest{Bucket: "listing", Key: k, Body: []byte(k)})
		must(t, err)
	}
	// The raw answer URL-encodes keys when asked to.
	resp, body := rawRequest{method: http.MethodGet, bucket: "listing", query: url.Values{"list-type": {"2"}, "encoding-type": {"url"}, "prefix": {"b c/"}}}.
		send(t, srv, aliceKey, false, time.Now())
	if resp.StatusCode != http.StatusOK || !strings.Contains(string(body), "<Key>b%20c%2Fplus%2Bsign</Key>") ||
		!strings.Contains(string(body), "<Prefix>b%20c%2F</Prefix>") || !strings.Contains(string(body), "<EncodingType>url</EncodingType>") {
		t.Fatalf("status %d: %s", resp.StatusCode, body)
	}
	// ListObjects (version 1) answers the same root, paged by marker.
	resp, body = rawRequest{method: http.MethodGet, bucket: "listing", query: url.Values{"marker": {"a/2"}, "max-keys": {"1"}, "prefix": {"b"}}}.
		send(t, srv, aliceKey, true, time.Now())
	if resp.StatusCode != http.StatusOK || !strings.Contains(string(body), "<ListBucketResult><Name>listing</Name><Prefix>b</Prefix><Marker>a/2</Marker><MaxKeys>1</MaxKeys>") ||
		!strings.Contains(string(body), "<Key>b c/plus+sign</Key>") || !strings.Contains(string(body), "<NextMarker>b c/plus+sign</NextMarker>") ||
		srv.Calls(osstest.OpListObjects) != 1 {
		t.Fatalf("ListObjects: status %d: %s", resp.StatusCode, body)
	}
	// Paging one key at a time through the client returns every key once, in order.
	var got []string
	token := ""
	for {
		page, err := c.ListObjectsV2(ctx, &ossapi.ListObjectsV2Request{Bucket: "listing", MaxKeys: 1, ContinuationToken: token})
		must(t, err)
		for _, o := range page.Contents {
			got = append(got, o.Key)
		}
		if !page.IsTruncated {
			break
		}
		token = page.NextContinuationToken
	}
	if fmt.Sprint(got) != fmt.Sprint(keys) {
		t.Fatalf("paged keys = %q, want %q", got, keys)
	}
	// With a delimiter, directories roll up.
	page, err := c.ListObjectsV2(ctx, &ossapi.ListObjectsV2Request{Bucket: "listing", Delimiter: "/", MaxKeys: 2})
	must(t, err)
	if len(page.CommonPrefixes) != 2 || page.CommonPrefixes[0].Prefix != "a/" || page.CommonPrefixes[1].Prefix != "b c/" || !page.IsTruncated {
		t.Fatalf("first delimited page = %+v", page)
	}
	page, err = c.ListObjectsV2(ctx, &ossapi.ListObjectsV2Request{Bucket: "listing", Delimiter: "/", ContinuationToken: page.NextContinuationToken})
	must(t, err)
	if len(page.CommonPrefixes) != 0 || len(page.Contents) != 2 || page.Contents[0].Key != "top" || page.IsTruncated {
		t.Fatalf("second delimited page = %+v", page)
	}
	// Versions page by key and version ID markers.
	must(t, c.PutBucketVersioning(ctx, "listing", &ossapi.VersioningConfiguration{Status: ossapi.VersioningEnabled}))
	for range 2 {
		_, err := c.PutObject(ctx, &ossapi.PutObjectRequest{Bucket: "listing", Key: "a/1"})
		must(t, err)
	}
	var versions []string
	req := &ossapi.ListObjectVersionsRequest{Bucket: "listing", Prefix: "a/", MaxKeys: 1}
	for {
		page, err := c.ListObjectVersions(ctx, req)
		must(t, err)
		for _, v := range page.Versions {
			versions = append(versions, v.Key+"@"+v.VersionID)
		}
		if !page.IsTruncated {
			break
		}
		req.KeyMarker, req.VersionIDMarker = page.NextKeyMarker, page.NextVersionIDMarker
	}
	if len(versions) != 4 || !strings.HasPrefix(versions[2], "a/1@null") || !strings.HasPrefix(versions[3], "a/2@null") {
		t.Fatalf("paged versions = %q", versions)
	}
	// Quiet DeleteMultipleObjects answers nothing but failures.
	res, err := c.DeleteMultipleObjects(ctx, &ossapi.DeleteMultipleObjectsRequest{Bucket: "listing", Quiet: true,
		Objects: []ossapi.ObjectIdentifier{{Key: "top"}, {Key: "b c/€ & <x>"}}})
	must(t, err)
	if len(res.Deleted) != 0 {
		t.Fatalf("quiet delete answered %+v", res.Deleted)
	}
}

func TestObjectReads(t *testing.T) {
	t.Parallel()
	srv := newServer(t)
	c := newClient(t, srv.URL, aliceKey, ossapi.SignatureV4)
	must(t, c.PutBucket(ctx, &ossapi.PutBucketRequest{Bucket: "reads"}))
	_, err := c.PutObject(ctx, &ossapi.PutObjectRequest{Bucket: "reads", Key: "doc.txt", Body: []byte("hello"), ContentType: "text/plain"})
	must(t, err)
	resp, body := rawRequest{method: http.MethodGet, bucket: "reads", key: "doc.txt"}.send(t, srv, aliceKey, true, time.Now())
	if resp.StatusCode != http.StatusOK || string(body) != "hello" || resp.Header.Get("Content-Type") != "text/plain" ||
		resp.Header.Get("ETag") != `"5D41402ABC4B2A76B9719D911017C592"` || resp.Header.Get("x-oss-hash-crc64ecma") == "" {
		t.Fatalf("GetObject: %d %v %q", resp.StatusCode, resp.Header, body)
	}
	resp, body = rawRequest{method: http.MethodHead, bucket: "reads", key: "doc.txt"}.send(t, srv, aliceKey, false, time.Now())
	if resp.StatusCode != http.StatusOK || len(body) != 0 || resp.ContentLength != 5 {
		t.Fatalf("HeadObject: %d %v", resp.StatusCode, resp.Header)
	}
	if n := srv.Calls(osstest.OpGetObject) + srv.Calls(osstest.OpHeadObject); n != 2 {
		t.Fatalf("GetObject+HeadObject calls = %d", n)
	}
}
