package osstest_test

import (
	"context"
	"io"
	"net/http"
	"strings"
	"testing"

	"github.com/aliyun/alibabacloud-oss-go-sdk-v2/oss"

	"github.com/ossoperator/oss-operator/ossapi"
)

// An application with a key the operator issued: uploads under uploads/ of app-b1 and lists only that
// prefix. (Bucket names have three characters at least, hence app-b1 rather than b1.)
const uploadsPolicy = `{"Version":"1","Statement":[
 {"Effect":"Allow","Action":["oss:GetObject","oss:PutObject"],"Resource":["acs:oss:*:*:app-b1/uploads/*"]},
 {"Effect":"Allow","Action":"oss:ListObjects","Resource":"acs:oss:*:*:app-b1","Condition":{"StringLike":{"oss:Prefix":"uploads/*"}}}]}`

// The official OSS SDK, as an application, with a RAM user's key: allowed inside its grants, denied
// outside them with OSS's AccessDenied; the key's state (Inactive, deleted) is felt at once.
func TestOSSAuthorizationOfRAMUsers(t *testing.T) {
	t.Parallel()
	for _, sig := range []struct {
		name string
		v1   bool
	}{{"V4", false}, {"V1", true}} {
		t.Run(sig.name, func(t *testing.T) {
			t.Parallel()
			ctx := context.Background()
			srv := newServer(t)
			admin := newRPC(t, srv, aliceKey)
			owner := oracleClient(srv.URL, aliceKey, sig.v1)
			for _, b := range []string{"app-b1", "app-b2"} {
				_, err := owner.PutBucket(ctx, &oss.PutBucketRequest{Bucket: oss.Ptr(b)})
				oracleNoError(t, err)
				_, err = owner.PutObject(ctx, &oss.PutObjectRequest{Bucket: oss.Ptr(b), Key: oss.Ptr("other/x.txt"), Body: strings.NewReader("x")})
				oracleNoError(t, err)
			}
			key := ramUserWithKey(t, admin, "app", map[string]string{"app-b1-uploads": uploadsPolicy})
			app := oracleClient(srv.URL, key, sig.v1)
			denied := func(t *testing.T, err error) {
				t.Helper()
				se := oracleWantError(t, err, http.StatusForbidden, ossapi.CodeAccessDenied)
				if se.EC == "" {
					t.Errorf("AccessDenied without EC: %+v", se)
				}
			}

			t.Run("put and get under uploads/", func(t *testing.T) {
				_, err := app.PutObject(ctx, &oss.PutObjectRequest{Bucket: oss.Ptr("app-b1"), Key: oss.Ptr("uploads/a.txt"),
					Body: strings.NewReader("hello")})
				oracleNoError(t, err)
				res, err := app.GetObject(ctx, &oss.GetObjectRequest{Bucket: oss.Ptr("app-b1"), Key: oss.Ptr("uploads/a.txt")})
				oracleNoError(t, err)
				b, _ := io.ReadAll(res.Body)
				res.Body.Close()
				if string(b) != "hello" {
					t.Errorf("got %q", b)
				}
				_, err = app.HeadObject(ctx, &oss.HeadObjectRequest{Bucket: oss.Ptr("app-b1"), Key: oss.Ptr("uploads/a.txt")})
				oracleNoError(t, err)
			})
			t.Run("denied outside the prefix", func(t *testing.T) {
				_, err := app.GetObject(ctx, &oss.GetObjectRequest{Bucket: oss.Ptr("app-b1"), Key: oss.Ptr("other/x.txt")})
				se := oracleWantError(t, err, http.StatusForbidden, ossapi.CodeAccessDenied)
				if se.Message != "You have no right to access this object because of bucket acl." || se.EC != "0003-00000001" {
					t.Errorf("denial: %q, EC %q", se.Message, se.EC)
				}
				_, err = app.PutObject(ctx, &oss.PutObjectRequest{Bucket: oss.Ptr("app-b1"), Key: oss.Ptr("other/y.txt"), Body: strings.NewReader("y")})
				denied(t, err)
				_, err = app.HeadObject(ctx, &oss.HeadObjectRequest{Bucket: oss.Ptr("app-b1"), Key: oss.Ptr("other/x.txt")})
				denied(t, err)
				_, err = app.DeleteObject(ctx, &oss.DeleteObjectRequest{Bucket: oss.Ptr("app-b1"), Key: oss.Ptr("uploads/a.txt")})
				denied(t, err)
			})
			t.Run("denied on another bucket and on bucket operations", func(t *testing.T) {
				_, err := app.GetObject(ctx, &oss.GetObjectRequest{Bucket: oss.Ptr("app-b2"), Key: oss.Ptr("other/x.txt")})
				denied(t, err)
				_, err = app.PutObject(ctx, &oss.PutObjectRequest{Bucket: oss.Ptr("app-b2"), Key: oss.Ptr("uploads/a.txt"), Body: strings.NewReader("z")})
				denied(t, err)
				_, err = app.DeleteBucket(ctx, &oss.DeleteBucketRequest{Bucket: oss.Ptr("app-b1")})
				denied(t, err)
				_, err = app.GetBucketInfo(ctx, &oss.GetBucketInfoRequest{Bucket: oss.Ptr("app-b1")})
				denied(t, err)
				_, err = app.ListBuckets(ctx, &oss.ListBucketsRequest{})
				se := oracleWantError(t, err, http.StatusForbidden, ossapi.CodeAccessDenied)
				if se.Message != "You are forbidden to list buckets." {
					t.Errorf("ListBuckets denial: %q", se.Message)
				}
				// A missing bucket is still NoSuchBucket.
				_, err = app.GetObject(ctx, &oss.GetObjectRequest{Bucket: oss.Ptr("app-missing"), Key: oss.Ptr("uploads/a")})
				oracleWantError(t, err, http.StatusNotFound, ossapi.CodeNoSuchBucket)
			})
			t.Run("listing needs the prefix the condition allows", func(t *testing.T) {
				res, err := app.ListObjects(ctx, &oss.ListObjectsRequest{Bucket: oss.Ptr("app-b1"), Prefix: oss.Ptr("uploads/")})
				oracleNoError(t, err)
				if len(res.Contents) != 1 || oss.ToString(res.Contents[0].Key) != "uploads/a.txt" {
					t.Errorf("ListObjects: %d objects", len(res.Contents))
				}
				_, err = app.ListObjectsV2(ctx, &oss.ListObjectsV2Request{Bucket: oss.Ptr("app-b1"), Prefix: oss.Ptr("uploads/2026/")})
				oracleNoError(t, err)
				_, err = app.ListObjects(ctx, &oss.ListObjectsRequest{Bucket: oss.Ptr("app-b1")})
				denied(t, err)
				_, err = app.ListObjectsV2(ctx, &oss.ListObjectsV2Request{Bucket: oss.Ptr("app-b1"), Prefix: oss.Ptr("other/")})
				denied(t, err)
				_, err = app.ListObjects(ctx, &oss.ListObjectsRequest{Bucket: oss.Ptr("app-b2"), Prefix: oss.Ptr("uploads/")})
				denied(t, err)
			})
			t.Run("the account's key still does everything", func(t *testing.T) {
				_, err := owner.GetObject(ctx, &oss.GetObjectRequest{Bucket: oss.Ptr("app-b1"), Key: oss.Ptr("uploads/a.txt")})
				oracleNoError(t, err)
				_, err = owner.ListObjects(ctx, &oss.ListObjectsRequest{Bucket: oss.Ptr("app-b1")})
				oracleNoError(t, err)
				_, err = owner.GetBucketInfo(ctx, &oss.GetBucketInfoRequest{Bucket: oss.Ptr("app-b1")})
				oracleNoError(t, err)
			})
			t.Run("inactive, reactivated, deleted key", func(t *testing.T) {
				get := func() error {
					_, err := app.GetObject(ctx, &oss.GetObjectRequest{Bucket: oss.Ptr("app-b1"), Key: oss.Ptr("uploads/a.txt")})
					return err
				}
				admin.call("UpdateAccessKey", "UserName", "app", "UserAccessKeyId", key.AccessKeyID, "Status", "Inactive").ok(t)
				se := oracleWantError(t, get(), http.StatusForbidden, ossapi.CodeInvalidAccessKeyID)
				if se.Message != "The OSS Access Key Id you provided is disabled." {
					t.Errorf("inactive key: %q", se.Message)
				}
				admin.call("UpdateAccessKey", "UserName", "app", "UserAccessKeyId", key.AccessKeyID, "Status", "Active").ok(t)
				oracleNoError(t, get())
				admin.call("DeleteAccessKey", "UserName", "app", "UserAccessKeyId", key.AccessKeyID).ok(t)
				se = oracleWantError(t, get(), http.StatusForbidden, ossapi.CodeInvalidAccessKeyID)
				if se.Message != "The OSS Access Key Id you provided does not exist in our records." {
					t.Errorf("deleted key: %q", se.Message)
				}
			})
		})
	}
}

// Bucket operations, explicit Deny, system policies, other accounts, batch deletes, versions, with the
// project's own client.
func TestOSSAuthorizationRules(t *testing.T) {
	t.Parallel()
	srv := newServer(t)
	admin := newRPC(t, srv, aliceKey)
	owner := newClient(t, srv.URL, aliceKey, ossapi.SignatureV4)
	for _, b := range []string{"app-b1", "app-b2"} {
		must(t, owner.PutBucket(ctx, &ossapi.PutBucketRequest{Bucket: b}))
	}
	must(t, srv.CreateBucket(bob.ID, "bobs-bucket", ""))
	for _, k := range []string{"keep/a", "tmp/a", "tmp/b"} {
		_, err := owner.PutObject(ctx, &ossapi.PutObjectRequest{Bucket: "app-b1", Key: k, Body: []byte("x")})
		must(t, err)
	}

	// Full OSS access except deleting under keep/ and touching app-b2's tags.
	ops := newClient(t, srv.URL, ramUserWithKey(t, admin, "ops", map[string]string{
		"System:AliyunOSSFullAccess": "",
		"ops-guard": `{"Version":"1","Statement":[
			{"Effect":"Deny","Action":"oss:DeleteObject","Resource":"acs:oss:*:*:app-b1/keep/*"},
			{"Effect":"Deny","Action":"oss:*BucketTagging","Resource":"acs:oss:*:` + alice.ID + `:app-b2"}]}`,
	}), ossapi.SignatureV4)
	must(t, ops.PutBucketTags(ctx, "app-b1", &ossapi.Tagging{Tags: []ossapi.Tag{{Key: "team", Value: "ops"}}}))
	err := ops.PutBucketTags(ctx, "app-b2", &ossapi.Tagging{Tags: []ossapi.Tag{{Key: "team", Value: "ops"}}})
	e := wantCode(t, err, http.StatusForbidden, ossapi.CodeAccessDenied)
	if e.EC != "0003-00000201" {
		t.Errorf("explicit deny EC %q", e.EC)
	}
	_, err = ops.GetBucketTags(ctx, "app-b2")
	wantCode(t, err, http.StatusForbidden, ossapi.CodeAccessDenied)
	_, err = ops.GetBucketInfo(ctx, "app-b2")
	must(t, err)
	buckets, err := ops.ListAllBuckets(ctx, "")
	must(t, err)
	if names(buckets) != "app-b1 app-b2" {
		t.Errorf("ListBuckets of a RAM user: %s", names(buckets))
	}
	// Another account's bucket stays another account's, whatever the policy says.
	_, err = ops.GetBucketInfo(ctx, "bobs-bucket")
	wantCode(t, err, http.StatusForbidden, ossapi.CodeAccessDenied)
	// A RAM user with oss:PutBucket creates buckets for its account.
	must(t, ops.PutBucket(ctx, &ossapi.PutBucketRequest{Bucket: "made-by-ops"}))
	if info, err := owner.GetBucketInfo(ctx, "made-by-ops"); err != nil || info.Owner.ID != alice.ID {
		t.Errorf("bucket made by a RAM user: %+v, %v", info, err)
	}

	// DeleteMultipleObjects: one key denied refuses the whole request.
	_, err = ops.DeleteMultipleObjects(ctx, &ossapi.DeleteMultipleObjectsRequest{Bucket: "app-b1", Objects: []ossapi.ObjectIdentifier{{Key: "tmp/a"}, {Key: "keep/a"}}})
	wantCode(t, err, http.StatusForbidden, ossapi.CodeAccessDenied)
	if snap, _ := srv.Bucket("app-b1"); len(snap.Objects) != 3 {
		t.Errorf("a refused batch delete deleted: %d objects left", len(snap.Objects))
	}
	_, err = ops.DeleteMultipleObjects(ctx, &ossapi.DeleteMultipleObjectsRequest{Bucket: "app-b1", Objects: []ossapi.ObjectIdentifier{{Key: "tmp/a"}, {Key: "tmp/b"}}})
	must(t, err)

	// Read-only: reads and lists, no writes.
	reader := newClient(t, srv.URL, ramUserWithKey(t, admin, "reader", map[string]string{"System:AliyunOSSReadOnlyAccess": ""}), ossapi.SignatureV1)
	_, err = reader.GetBucketInfo(ctx, "app-b1")
	must(t, err)
	_, err = reader.ListObjectVersions(ctx, &ossapi.ListObjectVersionsRequest{Bucket: "app-b1"})
	must(t, err)
	err = reader.PutBucketAcl(ctx, "app-b1", ossapi.ACLPrivate)
	wantCode(t, err, http.StatusForbidden, ossapi.CodeAccessDenied)
	err = reader.DeleteBucket(ctx, "app-b2")
	wantCode(t, err, http.StatusForbidden, ossapi.CodeAccessDenied)
	_, err = reader.PutObject(ctx, &ossapi.PutObjectRequest{Bucket: "app-b1", Key: "new"})
	wantCode(t, err, http.StatusForbidden, ossapi.CodeAccessDenied)

	// Unknown condition keys make a statement not match.
	odd := newClient(t, srv.URL, ramUserWithKey(t, admin, "odd", map[string]string{"odd": `{"Version":"1","Statement":[
		{"Effect":"Allow","Action":"oss:ListObjects","Resource":"*","Condition":{"StringEquals":{"oss:NoSuchKey":"x"}}}]}`}), ossapi.SignatureV4)
	_, err = odd.ListObjectsV2(ctx, &ossapi.ListObjectsV2Request{Bucket: "app-b1"})
	wantCode(t, err, http.StatusForbidden, ossapi.CodeAccessDenied)

	// A RAM user's requests are counted under its account.
	if srv.CallsBy(alice.ID, ossapi.OpPutBucketTags) != 2 {
		t.Errorf("PutBucketTags by alice: %d", srv.CallsBy(alice.ID, ossapi.OpPutBucketTags))
	}
}

// A key of another account's RAM user is a key of that account: no right on alice's buckets.
func TestOSSAuthorizationAcrossAccounts(t *testing.T) {
	t.Parallel()
	srv := newServer(t)
	owner := newClient(t, srv.URL, aliceKey, ossapi.SignatureV4)
	must(t, owner.PutBucket(ctx, &ossapi.PutBucketRequest{Bucket: "alices"}))
	bobsUser := newClient(t, srv.URL, ramUserWithKey(t, newRPC(t, srv, bobKey), "bobs-app",
		map[string]string{"System:AdministratorAccess": ""}), ossapi.SignatureV4)
	_, err := bobsUser.GetBucketInfo(ctx, "alices")
	wantCode(t, err, http.StatusForbidden, ossapi.CodeAccessDenied)
	_, err = bobsUser.PutObject(ctx, &ossapi.PutObjectRequest{Bucket: "alices", Key: "x"})
	wantCode(t, err, http.StatusForbidden, ossapi.CodeAccessDenied)
	if users := srv.RAMUsers(alice.ID); len(users) != 0 {
		t.Errorf("alice's users: %v", users)
	}
}
