package osstest_test

import (
	"fmt"
	"strings"
	"testing"

	"github.com/ossoperator/oss-operator/ossapi"
)

// The client reads no more of an answer than OSS can send for its operation. The emulator's largest
// answers (listing pages of 1000 entries whose 1023-byte keys URL-encode to three times their length,
// the largest setting it stores) are within those limits, so everything the emulator does reads back.
func TestLargestAnswersReadBack(t *testing.T) {
	t.Parallel()
	srv := newServer(t)
	c := newClient(t, srv.URL, aliceKey, ossapi.SignatureV4)
	const bkt = "largest"
	must(t, c.PutBucket(ctx, &ossapi.PutBucketRequest{Bucket: bkt}))
	must(t, c.PutBucketVersioning(ctx, bkt, &ossapi.VersioningConfiguration{Status: ossapi.VersioningEnabled}))

	// 4 digits and 509 two-byte characters: 1022 bytes, each of the 1018 URL-encoded to three.
	key := func(i int) string { return fmt.Sprintf("%04d", i) + strings.Repeat("é", 509) }
	var objects []ossapi.ObjectIdentifier
	for i := range 1000 {
		_, err := c.PutObject(ctx, &ossapi.PutObjectRequest{Bucket: bkt, Key: key(i), Body: []byte("x")})
		must(t, err)
		_, err = c.InitiateMultipartUpload(ctx, bkt, key(i))
		must(t, err)
		objects = append(objects, ossapi.ObjectIdentifier{Key: key(i)})
	}

	page, err := c.ListObjectsV2(ctx, &ossapi.ListObjectsV2Request{Bucket: bkt, MaxKeys: 1000, FetchOwner: true, StartAfter: key(0)[:1000]})
	must(t, err)
	if len(page.Contents) != 1000 || page.Contents[999].Key != key(999) {
		t.Errorf("ListObjectsV2: %d objects", len(page.Contents))
	}
	versions, err := c.ListObjectVersions(ctx, &ossapi.ListObjectVersionsRequest{Bucket: bkt, MaxKeys: 1000})
	must(t, err)
	if len(versions.Versions) != 1000 {
		t.Errorf("ListObjectVersions: %d versions", len(versions.Versions))
	}
	uploads, err := c.ListMultipartUploads(ctx, &ossapi.ListMultipartUploadsRequest{Bucket: bkt, MaxUploads: 1000})
	must(t, err)
	if len(uploads.Uploads) != 1000 {
		t.Errorf("ListMultipartUploads: %d uploads", len(uploads.Uploads))
	}
	deleted, err := c.DeleteMultipleObjects(ctx, &ossapi.DeleteMultipleObjectsRequest{Bucket: bkt, Objects: objects})
	must(t, err)
	if len(deleted.Deleted) != 1000 || !deleted.Deleted[0].DeleteMarker {
		t.Errorf("DeleteMultipleObjects: %d deleted", len(deleted.Deleted))
	}

	// Settings of about 1 MiB, the emulator's bound for a setting's body.
	var lc ossapi.LifecycleConfiguration
	for i := range 1000 {
		lc.Rules = append(lc.Rules, ossapi.LifecycleRule{ID: fmt.Sprintf("rule-%04d", i), Prefix: fmt.Sprintf("%04d/", i) + strings.Repeat("p", 900),
			Status: "Enabled", Expiration: &ossapi.LifecycleExpiration{Days: ptr(30)}})
	}
	must(t, c.PutBucketLifecycle(ctx, bkt, &lc))
	gotLC, err := c.GetBucketLifecycle(ctx, bkt)
	must(t, err)
	if len(gotLC.Rules) != 1000 {
		t.Errorf("GetBucketLifecycle: %d rules", len(gotLC.Rules))
	}
	ref := &ossapi.RefererConfiguration{AllowEmptyReferer: true}
	for i := range 1000 {
		ref.RefererList = append(ref.RefererList, fmt.Sprintf("https://%04d.example.com/", i)+strings.Repeat("r", 990))
	}
	must(t, c.PutBucketReferer(ctx, bkt, ref))
	gotRef, err := c.GetBucketReferer(ctx, bkt)
	must(t, err)
	if len(gotRef.RefererList) != 1000 {
		t.Errorf("GetBucketReferer: %d referers", len(gotRef.RefererList))
	}
}
