package osstest_test

import (
	"net/http"
	"sync"
	"testing"
	"time"

	"github.com/ossoperator/oss-operator/ossapi"
	"github.com/ossoperator/oss-operator/ossapi/osstest"
)

// FillBucket makes what the listings then list, page by page, like anything uploaded.
func TestFillBucket(t *testing.T) {
	t.Parallel()
	srv := newServer(t)
	c := newClient(t, srv.URL, aliceKey, ossapi.SignatureV4)
	must(t, c.PutBucket(ctx, &ossapi.PutBucketRequest{Bucket: "full"}))
	if err := srv.Emulator.FillBucket("full", osstest.Fill{Objects: 10, OldVersions: 1}); err == nil {
		t.Errorf("old versions in an unversioned bucket: no error")
	}
	must(t, c.PutBucketVersioning(ctx, "full", &ossapi.VersioningConfiguration{Status: ossapi.VersioningEnabled}))
	must(t, srv.Emulator.FillBucket("full", osstest.Fill{Objects: 2500, OldVersions: 300, DeleteMarkers: 10, Uploads: 5}))

	var current, old, markers, pages int
	req := &ossapi.ListObjectVersionsRequest{Bucket: "full", MaxKeys: 1000}
	for {
		page, err := c.ListObjectVersions(ctx, req)
		must(t, err)
		pages++
		for _, v := range page.Versions {
			if v.IsLatest {
				current++
			} else {
				old++
			}
		}
		markers += len(page.DeleteMarkers)
		if !page.IsTruncated {
			break
		}
		req.KeyMarker, req.VersionIDMarker = page.NextKeyMarker, page.NextVersionIDMarker
	}
	// Each delete marker lies over one old version.
	if current != 2500 || old != 310 || markers != 10 || pages != 3 {
		t.Errorf("listed %d current, %d old versions, %d delete markers in %d pages; want 2500, 310, 10 in 3", current, old, markers, pages)
	}
	uploads, err := c.ListMultipartUploads(ctx, &ossapi.ListMultipartUploadsRequest{Bucket: "full"})
	must(t, err)
	if len(uploads.Uploads) != 5 {
		t.Errorf("%d uploads, want 5", len(uploads.Uploads))
	}
}

// Under a locked retention policy, deleting an object younger than the retention period is 409
// FileImmutable, from DeleteObject and from DeleteMultipleObjects (which then deletes nothing), and
// the bucket cannot be deleted; an unfinished upload can be aborted. Once the period is over, all goes.
func TestRetentionPolicy(t *testing.T) {
	t.Parallel()
	var mu sync.Mutex
	now := time.Now()
	clock := func() time.Time {
		mu.Lock()
		defer mu.Unlock()
		return now
	}
	srv := newServer(t, osstest.WithClock(clock))
	c := newClient(t, srv.URL, aliceKey, ossapi.SignatureV4, func(cfg *ossapi.Config) { cfg.Now = clock })
	must(t, c.PutBucket(ctx, &ossapi.PutBucketRequest{Bucket: "worm"}))
	must(t, srv.Emulator.FillBucket("worm", osstest.Fill{Objects: 3, Uploads: 1}))
	must(t, srv.Emulator.LockRetention("worm", 1))

	immutable := func(what string, err error) {
		t.Helper()
		if e, ok := ossapi.AsError(err); !ok || e.Code != ossapi.CodeFileImmutable || e.StatusCode != http.StatusConflict {
			t.Errorf("%s: %v, want 409 FileImmutable", what, err)
		}
	}
	_, err := c.DeleteObject(ctx, "worm", "fill/000000000", "")
	immutable("DeleteObject", err)
	_, err = c.PutObject(ctx, &ossapi.PutObjectRequest{Bucket: "worm", Key: "fill/000000000", Body: []byte("over")})
	immutable("PutObject over a protected object", err)
	_, err = c.PutObject(ctx, &ossapi.PutObjectRequest{Bucket: "worm", Key: "new", Body: []byte("new")})
	must(t, err)
	_, err = c.DeleteObject(ctx, "worm", "new", "")
	immutable("DeleteObject of an object just written", err)
	_, err = c.DeleteMultipleObjects(ctx, &ossapi.DeleteMultipleObjectsRequest{Bucket: "worm", Quiet: true,
		Objects: []ossapi.ObjectIdentifier{{Key: "absent"}, {Key: "fill/000000001", VersionID: "null"}}})
	immutable("DeleteMultipleObjects", err)
	if b, _ := srv.Emulator.Bucket("worm"); len(b.Objects) != 4 {
		t.Errorf("%d objects left, want 4: a refused request deletes nothing", len(b.Objects))
	}
	if err := c.DeleteBucket(ctx, "worm"); !ossapi.IsCode(err, ossapi.CodeBucketNotEmpty) {
		t.Errorf("DeleteBucket: %v, want BucketNotEmpty", err)
	}
	uploads, err := c.ListMultipartUploads(ctx, &ossapi.ListMultipartUploadsRequest{Bucket: "worm"})
	must(t, err)
	must(t, c.AbortMultipartUpload(ctx, "worm", uploads.Uploads[0].Key, uploads.Uploads[0].UploadID))

	mu.Lock()
	now = now.Add(25 * time.Hour)
	mu.Unlock()
	_, err = c.DeleteMultipleObjects(ctx, &ossapi.DeleteMultipleObjectsRequest{Bucket: "worm", Quiet: true,
		Objects: []ossapi.ObjectIdentifier{{Key: "fill/000000000"}, {Key: "fill/000000001"}, {Key: "fill/000000002"}, {Key: "new"}}})
	must(t, err)
	must(t, c.DeleteBucket(ctx, "worm"))
}
