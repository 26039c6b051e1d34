package osstest_test

import (
	"context"
	"encoding/xml"
	"net/http"
	"slices"
	"testing"

	"github.com/google/go-cmp/cmp"
	"github.com/google/go-cmp/cmp/cmpopts"

	"github.com/ossoperator/oss-operator/ossapi"
	"github.com/ossoperator/oss-operator/ossapi/osstest"
)

// step is one operation called through the project's client, with what it must have done.
type step struct {
	op  string
	run func(t *testing.T, ctx context.Context, c *ossapi.Client, srv *osstest.Server, bkt string)
}

// roundTrip calls every operation of package ossapi once or more, in an order that leaves the bucket
// deleted at the end.
var roundTrip = []step{
	{ossapi.OpPutBucket, func(t *testing.T, ctx context.Context, c *ossapi.Client, srv *osstest.Server, bkt string) {
		must(t, c.PutBucket(ctx, &ossapi.PutBucketRequest{Bucket: bkt, StorageClass: ossapi.StorageIA,
			RedundancyType: ossapi.RedundancyZRS, ResourceGroupID: "rg-aek27tc01"}))
		must(t, c.PutBucket(ctx, &ossapi.PutBucketRequest{Bucket: bkt})) // idempotent
	}},
	{ossapi.OpListBuckets, func(t *testing.T, ctx context.Context, c *ossapi.Client, srv *osstest.Server, bkt string) {
		all, err := c.ListAllBuckets(ctx, "")
		must(t, err)
		if len(all) != 1 || all[0].Name != bkt || all[0].Location != "oss-"+region || all[0].Region != region ||
			all[0].StorageClass != ossapi.StorageIA || all[0].ExtranetEndpoint != "oss-cn-hangzhou.aliyuncs.com" {
			t.Fatalf("ListAllBuckets = %+v", all)
		}
	}},
	{ossapi.OpGetBucketInfo, func(t *testing.T, ctx context.Context, c *ossapi.Client, srv *osstest.Server, bkt string) {
		info, err := c.GetBucketInfo(ctx, bkt)
		must(t, err)
		if info.Name != bkt || info.Region() != region || info.StorageClass != ossapi.StorageIA ||
			info.DataRedundancyType != ossapi.RedundancyZRS || info.ResourceGroupID != "rg-aek27tc01" ||
			info.ACL != ossapi.ACLPrivate || info.Owner.ID != alice.ID || info.Owner.DisplayName != "alice" ||
			info.BlockPublicAccess == nil || !*info.BlockPublicAccess || info.ServerSideEncryption.SSEAlgorithm != "None" ||
			info.Versioning != "" || info.IntranetEndpoint != "oss-cn-hangzhou-internal.aliyuncs.com" || info.CreationDate.IsZero() {
			t.Fatalf("GetBucketInfo = %+v", info)
		}
	}},
	{ossapi.OpGetBucketLocation, func(t *testing.T, ctx context.Context, c *ossapi.Client, srv *osstest.Server, bkt string) {
		loc, err := c.GetBucketLocation(ctx, bkt)
		must(t, err)
		if loc != "oss-cn-hangzhou" {
			t.Fatalf("GetBucketLocation = %q", loc)
		}
	}},
	{ossapi.OpPutBucketPublicAccessBlock, func(t *testing.T, ctx context.Context, c *ossapi.Client, srv *osstest.Server, bkt string) {
		wantCode(t, c.PutBucketAcl(ctx, bkt, ossapi.ACLPublicRead), http.StatusForbidden, ossapi.CodeAccessDenied)
		must(t, c.PutBucketPublicAccessBlock(ctx, bkt, &ossapi.PublicAccessBlockConfiguration{BlockPublicAccess: false}))
	}},
	{ossapi.OpGetBucketPublicAccessBlock, func(t *testing.T, ctx context.Context, c *ossapi.Client, srv *osstest.Server, bkt string) {
		got, err := c.GetBucketPublicAccessBlock(ctx, bkt)
		must(t, err)
		if got.BlockPublicAccess {
			t.Fatal("BlockPublicAccess still on")
		}
	}},
	{ossapi.OpPutBucketAcl, func(t *testing.T, ctx context.Context, c *ossapi.Client, srv *osstest.Server, bkt string) {
		must(t, c.PutBucketAcl(ctx, bkt, ossapi.ACLPublicRead))
	}},
	{ossapi.OpGetBucketAcl, func(t *testing.T, ctx context.Context, c *ossapi.Client, srv *osstest.Server, bkt string) {
		got, err := c.GetBucketAcl(ctx, bkt)
		must(t, err)
		if got.ACL != ossapi.ACLPublicRead || got.Owner.ID != alice.ID {
			t.Fatalf("GetBucketAcl = %+v", got)
		}
		must(t, c.PutBucketAcl(ctx, bkt, ossapi.ACLPrivate))
	}},
	{ossapi.OpDeleteBucketPublicAccessBlock, func(t *testing.T, ctx context.Context, c *ossapi.Client, srv *osstest.Server, bkt string) {
		must(t, c.DeleteBucketPublicAccessBlock(ctx, bkt))
	}},
	{ossapi.OpPutBucketVersioning, func(t *testing.T, ctx context.Context, c *ossapi.Client, srv *osstest.Server, bkt string) {
		must(t, c.PutBucketVersioning(ctx, bkt, &ossapi.VersioningConfiguration{Status: ossapi.VersioningEnabled}))
	}},
	{ossapi.OpGetBucketVersioning, func(t *testing.T, ctx context.Context, c *ossapi.Client, srv *osstest.Server, bkt string) {
		got, err := c.GetBucketVersioning(ctx, bkt)
		must(t, err)
		if got == nil || got.Status != ossapi.VersioningEnabled {
			t.Fatalf("GetBucketVersioning = %+v", got)
		}
	}},
	{ossapi.OpPutBucketEncryption, func(t *testing.T, ctx context.Context, c *ossapi.Client, srv *osstest.Server, bkt string) {
		must(t, c.PutBucketEncryption(ctx, bkt, &ossapi.ServerSideEncryptionRule{ApplyServerSideEncryptionByDefault: ossapi.ServerSideEncryptionByDefault{
			SSEAlgorithm: ossapi.SSEKMS, KMSMasterKeyID: "key-1", KMSDataEncryption: ossapi.SSESM4}}))
	}},
	{ossapi.OpGetBucketEncryption, func(t *testing.T, ctx context.Context, c *ossapi.Client, srv *osstest.Server, bkt string) {
		got, err := c.GetBucketEncryption(ctx, bkt)
		must(t, err)
		want := ossapi.ServerSideEncryptionByDefault{SSEAlgorithm: ossapi.SSEKMS, KMSMasterKeyID: "key-1", KMSDataEncryption: ossapi.SSESM4}
		if got == nil || got.ApplyServerSideEncryptionByDefault != want {
			t.Fatalf("GetBucketEncryption = %+v", got)
		}
		info, err := c.GetBucketInfo(ctx, bkt)
		must(t, err)
		if info.ServerSideEncryption.SSEAlgorithm != ossapi.SSEKMS || info.ServerSideEncryption.KMSMasterKeyID != "key-1" {
			t.Fatalf("GetBucketInfo encryption = %+v", info.ServerSideEncryption)
		}
	}},
	{ossapi.OpDeleteBucketEncryption, func(t *testing.T, ctx context.Context, c *ossapi.Client, srv *osstest.Server, bkt string) {
		must(t, c.DeleteBucketEncryption(ctx, bkt))
		got, err := c.GetBucketEncryption(ctx, bkt)
		if err != nil || got != nil {
			t.Fatalf("after delete: %+v, %v", got, err)
		}
	}},
	{ossapi.OpPutBucketLifecycle, func(t *testing.T, ctx context.Context, c *ossapi.Client, srv *osstest.Server, bkt string) {
		must(t, c.PutBucketLifecycle(ctx, bkt, sampleLifecycle()))
	}},
	{ossapi.OpGetBucketLifecycle, func(t *testing.T, ctx context.Context, c *ossapi.Client, srv *osstest.Server, bkt string) {
		got, err := c.GetBucketLifecycle(ctx, bkt)
		must(t, err)
		if diff := cmp.Diff(sampleLifecycle().Rules, got.Rules); diff != "" {
			t.Fatalf("GetBucketLifecycle (-put +got):\n%s", diff)
		}
	}},
	{ossapi.OpDeleteBucketLifecycle, func(t *testing.T, ctx context.Context, c *ossapi.Client, srv *osstest.Server, bkt string) {
		must(t, c.DeleteBucketLifecycle(ctx, bkt))
		if got, err := c.GetBucketLifecycle(ctx, bkt); err != nil || got != nil {
			t.Fatalf("after delete: %+v, %v", got, err)
		}
	}},
	{ossapi.OpPutBucketCors, func(t *testing.T, ctx context.Context, c *ossapi.Client, srv *osstest.Server, bkt string) {
		must(t, c.PutBucketCors(ctx, bkt, sampleCORS()))
	}},
	{ossapi.OpGetBucketCors, func(t *testing.T, ctx context.Context, c *ossapi.Client, srv *osstest.Server, bkt string) {
		got, err := c.GetBucketCors(ctx, bkt)
		must(t, err)
		if diff := cmp.Diff(sampleCORS().Rules, got.Rules); diff != "" || got.ResponseVary == nil || !*got.ResponseVary {
			t.Fatalf("GetBucketCors (-put +got):\n%s", diff)
		}
	}},
	{ossapi.OpDeleteBucketCors, func(t *testing.T, ctx context.Context, c *ossapi.Client, srv *osstest.Server, bkt string) {
		must(t, c.DeleteBucketCors(ctx, bkt))
		if got, err := c.GetBucketCors(ctx, bkt); err != nil || got != nil {
			t.Fatalf("after delete: %+v, %v", got, err)
		}
	}},
	{ossapi.OpPutBucketTags, func(t *testing.T, ctx context.Context, c *ossapi.Client, srv *osstest.Server, bkt string) {
		must(t, c.PutBucketTags(ctx, bkt, &ossapi.Tagging{Tags: []ossapi.Tag{{Key: "team", Value: "storage"}, {Key: "env", Value: "test"}, {Key: "a b", Value: "c+d"}}}))
	}},
	{ossapi.OpGetBucketTags, func(t *testing.T, ctx context.Context, c *ossapi.Client, srv *osstest.Server, bkt string) {
		got, err := c.GetBucketTags(ctx, bkt)
		must(t, err)
		if diff := cmp.Diff(map[string]string{"team": "storage", "env": "test", "a b": "c+d"}, got.Map()); diff != "" {
			t.Fatalf("GetBucketTags:\n%s", diff)
		}
	}},
	{ossapi.OpDeleteBucketTags, func(t *testing.T, ctx context.Context, c *ossapi.Client, srv *osstest.Server, bkt string) {
		must(t, c.DeleteBucketTags(ctx, bkt, "team", "a b"))
		got, err := c.GetBucketTags(ctx, bkt)
		must(t, err)
		if diff := cmp.Diff(map[string]string{"env": "test"}, got.Map()); diff != "" {
			t.Fatalf("after deleting two tags:\n%s", diff)
		}
		must(t, c.DeleteBucketTags(ctx, bkt))
		if got, err := c.GetBucketTags(ctx, bkt); err != nil || got != nil {
			t.Fatalf("after deleting all tags: %+v, %v", got, err)
		}
	}},
	{ossapi.OpPutBucketPolicy, func(t *testing.T, ctx context.Context, c *ossapi.Client, srv *osstest.Server, bkt string) {
		must(t, c.PutBucketPolicy(ctx, bkt, privatePolicy))
	}},
	{ossapi.OpGetBucketPolicy, func(t *testing.T, ctx context.Context, c *ossapi.Client, srv *osstest.Server, bkt string) {
		got, err := c.GetBucketPolicy(ctx, bkt)
		must(t, err)
		if got != privatePolicy {
			t.Fatalf("GetBucketPolicy = %q", got)
		}
	}},
	{ossapi.OpDeleteBucketPolicy, func(t *testing.T, ctx context.Context, c *ossapi.Client, srv *osstest.Server, bkt string) {
		must(t, c.DeleteBucketPolicy(ctx, bkt))
		if got, err := c.GetBucketPolicy(ctx, bkt); err != nil || got != "" {
			t.Fatalf("after delete: %q, %v", got, err)
		}
	}},
	{ossapi.OpPutBucketLogging, func(t *testing.T, ctx context.Context, c *ossapi.Client, srv *osstest.Server, bkt string) {
		must(t, c.PutBucketLogging(ctx, bkt, &ossapi.BucketLoggingStatus{LoggingEnabled: &ossapi.LoggingEnabled{TargetBucket: bkt, TargetPrefix: "log/"}}))
	}},
	{ossapi.OpGetBucketLogging, func(t *testing.T, ctx context.Context, c *ossapi.Client, srv *osstest.Server, bkt string) {
		got, err := c.GetBucketLogging(ctx, bkt)
		must(t, err)
		if got == nil || *got.LoggingEnabled != (ossapi.LoggingEnabled{TargetBucket: bkt, TargetPrefix: "log/"}) {
			t.Fatalf("GetBucketLogging = %+v", got)
		}
		info, err := c.GetBucketInfo(ctx, bkt)
		must(t, err)
		if info.Logging.LogBucket != bkt || info.Logging.LogPrefix != "log/" {
			t.Fatalf("GetBucketInfo logging = %+v", info.Logging)
		}
	}},
	{ossapi.OpDeleteBucketLogging, func(t *testing.T, ctx context.Context, c *ossapi.Client, srv *osstest.Server, bkt string) {
		must(t, c.DeleteBucketLogging(ctx, bkt))
		if got, err := c.GetBucketLogging(ctx, bkt); err != nil || got != nil {
			t.Fatalf("after delete: %+v, %v", got, err)
		}
	}},
	{ossapi.OpPutBucketWebsite, func(t *testing.T, ctx context.Context, c *ossapi.Client, srv *osstest.Server, bkt string) {
		must(t, c.PutBucketWebsite(ctx, bkt, sampleWebsite()))
	}},
	{ossapi.OpGetBucketWebsite, func(t *testing.T, ctx context.Context, c *ossapi.Client, srv *osstest.Server, bkt string) {
		got, err := c.GetBucketWebsite(ctx, bkt)
		must(t, err)
		if diff := cmp.Diff(sampleWebsite(), got, ignoreXMLName); diff != "" {
			t.Fatalf("GetBucketWebsite (-put +got):\n%s", diff)
		}
	}},
	{ossapi.OpDeleteBucketWebsite, func(t *testing.T, ctx context.Context, c *ossapi.Client, srv *osstest.Server, bkt string) {
		must(t, c.DeleteBucketWebsite(ctx, bkt))
		if got, err := c.GetBucketWebsite(ctx, bkt); err != nil || got != nil {
			t.Fatalf("after delete: %+v, %v", got, err)
		}
	}},
	{ossapi.OpPutBucketReferer, func(t *testing.T, ctx context.Context, c *ossapi.Client, srv *osstest.Server, bkt string) {
		must(t, c.PutBucketReferer(ctx, bkt, sampleReferer()))
	}},
	{ossapi.OpGetBucketReferer, func(t *testing.T, ctx context.Context, c *ossapi.Client, srv *osstest.Server, bkt string) {
		got, err := c.GetBucketReferer(ctx, bkt)
		must(t, err)
		if diff := cmp.Diff(sampleReferer(), got, ignoreXMLName); diff != "" {
			t.Fatalf("GetBucketReferer (-put +got):\n%s", diff)
		}
	}},
	{ossapi.OpPutBucketResourceGroup, func(t *testing.T, ctx context.Context, c *ossapi.Client, srv *osstest.Server, bkt string) {
		must(t, c.PutBucketResourceGroup(ctx, bkt, "rg-acfm2other"))
	}},
	{ossapi.OpGetBucketResourceGroup, func(t *testing.T, ctx context.Context, c *ossapi.Client, srv *osstest.Server, bkt string) {
		got, err := c.GetBucketResourceGroup(ctx, bkt)
		must(t, err)
		if got != "rg-acfm2other" {
			t.Fatalf("GetBucketResourceGroup = %q", got)
		}
	}},
	{ossapi.OpPutObject, func(t *testing.T, ctx context.Context, c *ossapi.Client, srv *osstest.Server, bkt string) {
		for _, key := range []string{"dir/a b+c.txt", "dir/b.txt", "top.txt"} {
			res, err := c.PutObject(ctx, &ossapi.PutObjectRequest{Bucket: bkt, Key: key, Body: []byte("hello")})
			must(t, err)
			if res.ETag != `"5D41402ABC4B2A76B9719D911017C592"` || res.VersionID == "" {
				t.Fatalf("PutObject = %+v", res)
			}
		}
	}},
	{ossapi.OpListObjectsV2, func(t *testing.T, ctx context.Context, c *ossapi.Client, srv *osstest.Server, bkt string) {
		got, err := c.ListObjectsV2(ctx, &ossapi.ListObjectsV2Request{Bucket: bkt, Prefix: "dir/", MaxKeys: 1})
		must(t, err)
		if len(got.Contents) != 1 || got.Contents[0].Key != "dir/a b+c.txt" || !got.IsTruncated || got.KeyCount != 1 || got.Contents[0].Size != 5 {
			t.Fatalf("first page = %+v", got)
		}
		got, err = c.ListObjectsV2(ctx, &ossapi.ListObjectsV2Request{Bucket: bkt, Prefix: "dir/", MaxKeys: 1, ContinuationToken: got.NextContinuationToken})
		must(t, err)
		if len(got.Contents) != 1 || got.Contents[0].Key != "dir/b.txt" || got.IsTruncated {
			t.Fatalf("second page = %+v", got)
		}
	}},
	{ossapi.OpDeleteObject, func(t *testing.T, ctx context.Context, c *ossapi.Client, srv *osstest.Server, bkt string) {
		res, err := c.DeleteObject(ctx, bkt, "top.txt", "")
		must(t, err)
		if !res.DeleteMarker || res.VersionID == "" {
			t.Fatalf("DeleteObject = %+v", res)
		}
	}},
	{ossapi.OpListObjectVersions, func(t *testing.T, ctx context.Context, c *ossapi.Client, srv *osstest.Server, bkt string) {
		got, err := c.ListObjectVersions(ctx, &ossapi.ListObjectVersionsRequest{Bucket: bkt})
		must(t, err)
		if len(got.Versions) != 3 || len(got.DeleteMarkers) != 1 || got.DeleteMarkers[0].Key != "top.txt" || !got.DeleteMarkers[0].IsLatest {
			t.Fatalf("ListObjectVersions = %+v", got)
		}
	}},
	{ossapi.OpDeleteMultipleObjects, func(t *testing.T, ctx context.Context, c *ossapi.Client, srv *osstest.Server, bkt string) {
		vs, err := c.ListObjectVersions(ctx, &ossapi.ListObjectVersionsRequest{Bucket: bkt})
		must(t, err)
		var ids []ossapi.ObjectIdentifier
		for _, v := range vs.Versions {
			ids = append(ids, ossapi.ObjectIdentifier{Key: v.Key, VersionID: v.VersionID})
		}
		for _, m := range vs.DeleteMarkers {
			ids = append(ids, ossapi.ObjectIdentifier{Key: m.Key, VersionID: m.VersionID})
		}
		res, err := c.DeleteMultipleObjects(ctx, &ossapi.DeleteMultipleObjectsRequest{Bucket: bkt, Objects: ids})
		must(t, err)
		if len(res.Deleted) != 4 || !slices.ContainsFunc(res.Deleted, func(d ossapi.DeletedObject) bool { return d.Key == "dir/a b+c.txt" }) {
			t.Fatalf("DeleteMultipleObjects = %+v", res)
		}
	}},
	{ossapi.OpInitiateMultipartUpload, func(t *testing.T, ctx context.Context, c *ossapi.Client, srv *osstest.Server, bkt string) {
		res, err := c.InitiateMultipartUpload(ctx, bkt, "big/file.bin")
		must(t, err)
		if res.UploadID == "" || res.Key != "big/file.bin" || res.Bucket != bkt {
			t.Fatalf("InitiateMultipartUpload = %+v", res)
		}
	}},
	{ossapi.OpListMultipartUploads, func(t *testing.T, ctx context.Context, c *ossapi.Client, srv *osstest.Server, bkt string) {
		got, err := c.ListMultipartUploads(ctx, &ossapi.ListMultipartUploadsRequest{Bucket: bkt})
		must(t, err)
		if len(got.Uploads) != 1 || got.Uploads[0].Key != "big/file.bin" || got.Uploads[0].Initiated.IsZero() {
			t.Fatalf("ListMultipartUploads = %+v", got)
		}
	}},
	{ossapi.OpGetBucketStat, func(t *testing.T, ctx context.Context, c *ossapi.Client, srv *osstest.Server, bkt string) {
		got, err := c.GetBucketStat(ctx, bkt)
		must(t, err)
		if got.MultipartUploadCount != 1 || got.ObjectCount != 0 {
			t.Fatalf("GetBucketStat = %+v", got)
		}
	}},
	{ossapi.OpAbortMultipartUpload, func(t *testing.T, ctx context.Context, c *ossapi.Client, srv *osstest.Server, bkt string) {
		ups, err := c.ListMultipartUploads(ctx, &ossapi.ListMultipartUploadsRequest{Bucket: bkt})
		must(t, err)
		must(t, c.AbortMultipartUpload(ctx, bkt, "big/file.bin", ups.Uploads[0].UploadID))
		err = c.AbortMultipartUpload(ctx, bkt, "big/file.bin", ups.Uploads[0].UploadID)
		wantCode(t, err, http.StatusNotFound, ossapi.CodeNoSuchUpload)
	}},
	{ossapi.OpDeleteBucket, func(t *testing.T, ctx context.Context, c *ossapi.Client, srv *osstest.Server, bkt string) {
		must(t, c.DeleteBucket(ctx, bkt))
		_, err := c.GetBucketInfo(ctx, bkt)
		wantCode(t, err, http.StatusNotFound, ossapi.CodeNoSuchBucket)
		if names := srv.BucketNames(); len(names) != 0 {
			t.Fatalf("buckets left: %v", names)
		}
	}},
}

var ignoreXMLName = cmpopts.IgnoreTypes(xml.Name{})

const privatePolicy = `{"Version":"1","Statement":[{"Action":["oss:GetObject"],"Effect":"Allow","Principal":["1000000000000002"],"Resource":["acs:oss:*:1000000000000001:bkt/*"]}]}`

func sampleLifecycle() *ossapi.LifecycleConfiguration {
	return &ossapi.LifecycleConfiguration{Rules: []ossapi.LifecycleRule{
		{ID: "logs", Prefix: "logs/", Status: "Enabled",
			Tags:        []ossapi.Tag{{Key: "k", Value: "v"}},
			Filter:      &ossapi.LifecycleFilter{Not: []ossapi.LifecycleNot{{Prefix: "logs/keep/"}}, ObjectSizeGreaterThan: ptr(int64(500)), ObjectSizeLessThan: ptr(int64(64500))},
			Expiration:  &ossapi.LifecycleExpiration{Days: ptr(365)},
			Transitions: []ossapi.LifecycleTransition{{Days: ptr(30), StorageClass: ossapi.StorageIA}, {Days: ptr(90), StorageClass: ossapi.StorageArchive}},
		},
		{ID: "old", Prefix: "old/", Status: "Disabled",
			Expiration:                   &ossapi.LifecycleExpiration{CreatedBeforeDate: "2023-01-01T00:00:00.000Z"},
			AbortMultipartUpload:         &ossapi.LifecycleAbortMultipartUpload{Days: ptr(1)},
			NoncurrentVersionExpiration:  &ossapi.NoncurrentVersionExpiration{NoncurrentDays: 60},
			NoncurrentVersionTransitions: []ossapi.NoncurrentVersionTransition{{NoncurrentDays: 10, StorageClass: ossapi.StorageIA}},
		},
		{ID: "markers", Status: "Enabled", Expiration: &ossapi.LifecycleExpiration{ExpiredObjectDeleteMarker: ptr(true)}},
	}}
}

func sampleCORS() *ossapi.CORSConfiguration {
	return &ossapi.CORSConfiguration{Rules: []ossapi.CORSRule{
		{AllowedOrigins: []string{"*"}, AllowedMethods: []string{"PUT", "GET"}, AllowedHeaders: []string{"Authorization"},
			ExposeHeaders: []string{"x-oss-test"}, MaxAgeSeconds: ptr(int64(100))},
		{AllowedOrigins: []string{"https://*.example.com"}, AllowedMethods: []string{"HEAD"}},
	}, ResponseVary: ptr(true)}
}

func sampleWebsite() *ossapi.WebsiteConfiguration {
	return &ossapi.WebsiteConfiguration{
		IndexDocument: &ossapi.IndexDocument{Suffix: "index.html", SupportSubDir: ptr(true), Type: ptr(0)},
		ErrorDocument: &ossapi.ErrorDocument{Key: "error.html", HttpStatus: ptr(404)},
		RoutingRules: []ossapi.RoutingRule{{RuleNumber: 1,
			Condition: ossapi.RoutingRuleCondition{KeyPrefixEquals: "abc/", HttpErrorCodeReturnedEquals: ptr(404)},
			Redirect:  ossapi.RoutingRuleRedirect{RedirectType: "External", Protocol: "https", HostName: "example.com", HttpRedirectCode: ptr(301)}}},
	}
}

func sampleReferer() *ossapi.RefererConfiguration {
	return &ossapi.RefererConfiguration{AllowEmptyReferer: false, AllowTruncateQueryString: ptr(true), TruncatePath: ptr(true),
		RefererList:      []string{"http://www.aliyun.com", "https://www.?.aliyuncs.com"},
		RefererBlacklist: &ossapi.RefererBlacklist{Referers: []string{"http://ban.*.com"}}}
}

// TestRoundTrip runs every operation through the project's client with each way of signing, and checks
// that each was answered as OSS answers it and counted under its name.
func TestRoundTrip(t *testing.T) {
	t.Parallel()
	variants := []struct {
		name string
		key  osstest.Key
		sv   ossapi.SignatureVersion
	}{
		{"V4", aliceKey, ossapi.SignatureV4},
		{"V1", aliceKey, ossapi.SignatureV1},
		{"V4+STS", aliceSTS, ossapi.SignatureV4},
		{"V1+STS", aliceSTS, ossapi.SignatureV1},
	}
	for _, v := range variants {
		t.Run(v.name, func(t *testing.T) {
			t.Parallel()
			srv := newServer(t)
			c := newClient(t, srv.URL, v.key, v.sv)
			ctx := context.Background()
			const bkt = "round-trip-bucket"
			for _, s := range roundTrip {
				before := srv.CallsBy(alice.ID, s.op)
				t.Run(s.op, func(t *testing.T) { s.run(t, ctx, c, srv, bkt) })
				if srv.CallsBy(alice.ID, s.op) == before {
					t.Errorf("%s was not counted", s.op)
				}
			}
			counts := srv.CallCounts()
			for _, op := range ossapi.Operations {
				if counts[op] == 0 {
					t.Errorf("operation %s was never called", op)
				}
			}
		})
	}
}
