package osstest_test

import (
	"fmt"
	"net/http"
	"strings"
	"sync"
	"testing"

	"github.com/go-logr/logr/funcr"

	"github.com/ossoperator/oss-operator/ossapi"
	"github.com/ossoperator/oss-operator/ossapi/osstest"
)

func TestListBucketsPaging(t *testing.T) {
	t.Parallel()
	srv := newServer(t)
	c := newClient(t, srv.URL, aliceKey, ossapi.SignatureV4)
	for _, name := range []string{"app-1", "app-2", "app-3", "db-1"} {
		must(t, c.PutBucket(ctx, &ossapi.PutBucketRequest{Bucket: name}))
	}
	must(t, c.PutBucket(ctx, &ossapi.PutBucketRequest{Bucket: "grouped", ResourceGroupID: "rg-team01"}))
	must(t, srv.CreateBucket(alice.ID, "app-0-beijing", "cn-beijing"))
	must(t, srv.CreateBucket(bob.ID, "app-bob", ""))

	page, err := c.ListBuckets(ctx, &ossapi.ListBucketsRequest{Prefix: "app-", MaxKeys: 2})
	must(t, err)
	if names(page.Buckets) != "app-0-beijing app-1" || !page.IsTruncated || page.NextMarker != "app-1" || page.MaxKeys != 2 ||
		page.Prefix != "app-" || page.Owner.ID != alice.ID {
		t.Fatalf("first page: %+v", page)
	}
	if b := page.Buckets[0]; b.Region != "cn-beijing" || b.Location != "oss-cn-beijing" || b.ExtranetEndpoint != "oss-cn-beijing.aliyuncs.com" {
		t.Errorf("a bucket of another region: %+v", b)
	}
	page, err = c.ListBuckets(ctx, &ossapi.ListBucketsRequest{Prefix: "app-", MaxKeys: 2, Marker: page.NextMarker})
	must(t, err)
	if names(page.Buckets) != "app-2 app-3" || page.IsTruncated {
		t.Fatalf("second page: %+v", page)
	}
	all, err := c.ListAllBuckets(ctx, "")
	must(t, err)
	if names(all) != "app-0-beijing app-1 app-2 app-3 db-1 grouped" {
		t.Fatalf("all buckets: %s", names(all))
	}
	page, err = c.ListBuckets(ctx, &ossapi.ListBucketsRequest{ResourceGroupID: "rg-team01"})
	must(t, err)
	if names(page.Buckets) != "grouped" {
		t.Fatalf("resource group filter: %s", names(page.Buckets))
	}
	_, err = c.ListBuckets(ctx, &ossapi.ListBucketsRequest{MaxKeys: 1001})
	wantCode(t, err, http.StatusBadRequest, ossapi.CodeInvalidArgument)
}

func names(bs []ossapi.BucketSummary) string {
	var out []string
	for _, b := range bs {
		out = append(out, b.Name)
	}
	return strings.Join(out, " ")
}

func TestLoggerNeverLogsCredentials(t *testing.T) {
	t.Parallel()
	var mu sync.Mutex
	var logs strings.Builder
	log := funcr.New(func(prefix, args string) {
		mu.Lock()
		defer mu.Unlock()
		fmt.Fprintln(&logs, prefix, args)
	}, funcr.Options{})
	srv := newServer(t, osstest.WithLogger(log))
	for _, k := range []osstest.Key{aliceKey, aliceSTS, {AccessKeyID: aliceKey.AccessKeyID, AccessKeySecret: "wrong-secret"}} {
		for _, sv := range signatureVersions {
			_ = newClient(t, srv.URL, k, sv).PutBucket(ctx, &ossapi.PutBucketRequest{Bucket: "logged"})
		}
	}
	mu.Lock()
	defer mu.Unlock()
	out := logs.String()
	if !strings.Contains(out, `"operation"="PutBucket"`) || !strings.Contains(out, `"code"="SignatureDoesNotMatch"`) {
		t.Fatalf("logs:\n%s", out)
	}
	for _, secret := range []string{aliceKey.AccessKeySecret, aliceSTS.AccessKeySecret, aliceSTS.SecurityToken, "wrong-secret", "Signature=", "OSS4-HMAC"} {
		if strings.Contains(out, secret) {
			t.Errorf("the log contains %q:\n%s", secret, out)
		}
	}
}

func TestAccounts(t *testing.T) {
	t.Parallel()
	srv := newServer(t)
	// A key added later works at once.
	carol := osstest.Key{AccessKeyID: "LTAIcarol", AccessKeySecret: "carol-secret"}
	srv.AddAccount(osstest.Account{ID: "1000000000000009", Keys: []osstest.Key{carol}})
	c := newClient(t, srv.URL, carol, ossapi.SignatureV4)
	must(t, c.PutBucket(ctx, &ossapi.PutBucketRequest{Bucket: "carols"}))
	info, err := c.GetBucketInfo(ctx, "carols")
	must(t, err)
	if info.Owner.ID != "1000000000000009" || info.Owner.DisplayName != "1000000000000009" {
		t.Errorf("owner of a bucket of an account without display name: %+v", info.Owner)
	}
	defer func() {
		if recover() == nil {
			t.Error("adding another account's key did not panic")
		}
	}()
	srv.AddAccount(osstest.Account{ID: "1000000000000010", Keys: []osstest.Key{carol}})
}
