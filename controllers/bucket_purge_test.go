package controllers

import (
	"context"
	"fmt"
	"testing"
	"time"

	"github.com/ossoperator/oss-operator/ossapi"
	"github.com/ossoperator/oss-operator/ossapi/osstest"
)

// purgeEmulator is an emulator and a connection to it of its account's key.
func purgeEmulator(t *testing.T) (*osstest.Server, *Conn) {
	const account, id, secret = "1000000000000001", "LTAI-purge", "purge-secret"
	srv := osstest.NewServer(osstest.WithAccount(osstest.Account{ID: account, Keys: []osstest.Key{{AccessKeyID: id, AccessKeySecret: secret}}}))
	t.Cleanup(srv.Close)
	c, err := ossapi.New(ossapi.Config{Region: srv.Region(), Endpoint: srv.URL, Credentials: ossapi.StaticCredentials{AccessKeyID: id, AccessKeySecret: secret}})
	if err != nil {
		t.Fatal(err)
	}
	return srv, &Conn{Client: c, AccessKeyID: id}
}

// A purge run against the emulator, each call slowed down: the listings follow one another, the
// deletes run beside them, one DeleteMultipleObjects per page; a run that runs out of budget leaves
// the rest to the next, which starts over from what OSS holds.
func TestPurgeRun(t *testing.T) {
	srv, conn := purgeEmulator(t)
	c := conn.Client
	ctx := context.Background()
	if err := c.PutBucket(ctx, &ossapi.PutBucketRequest{Bucket: "full"}); err != nil {
		t.Fatal(err)
	}
	if err := c.PutBucketVersioning(ctx, "full", &ossapi.VersioningConfiguration{Status: ossapi.VersioningEnabled}); err != nil {
		t.Fatal(err)
	}
	if err := srv.FillBucket("full", osstest.Fill{Objects: 10_000, OldVersions: 2_000, DeleteMarkers: 100, Uploads: 50}); err != nil {
		t.Fatal(err)
	}
	// Deletes are slow; listings are not: one after another, the 13 deletes alone would take 3.9 s.
	const slow = 300 * time.Millisecond
	srv.InjectFault(osstest.Fault{Operation: ossapi.OpDeleteMultipleObjects, Delay: slow})
	// A budget too short for the whole bucket: the run stops listing, finishes its deletes, and says so.
	first := purge(ctx, conn, "full", true, firstPages{}, time.Millisecond, 4)
	if first.err != nil || first.finished || first.deleted.entries() == 0 || first.deleted.entries()%1000 != 0 {
		t.Fatalf("first run: %+v", first)
	}
	// The statistics are read while the first deletes run: at most the 12,250 versions, markers and
	// uploads the bucket held.
	if first.left <= 10_000 || first.left > 12_250 {
		t.Errorf("the estimate from the statistics: %d, want up to 12250 (versions, markers and uploads)", first.left)
	}

	start := time.Now()
	rest := purge(ctx, conn, "full", true, firstPages{}, time.Minute, 8)
	took := time.Since(start)
	if rest.err != nil || !rest.finished {
		t.Fatalf("second run: %+v", rest)
	}
	total := first.deleted
	total.add(rest.deleted)
	if total.objects != 10_000 || total.versions != 2_100 || total.deleteMarkers != 100 || total.uploads != 50 {
		t.Errorf("deleted %+v, want 10000 objects, 2100 old versions (the markers lie over one each) old versions, 100 markers, 50 uploads", total)
	}
	if b, _ := srv.Bucket("full"); len(b.Objects)+len(b.MultipartUploads) != 0 {
		t.Errorf("%d versions and %d uploads left", len(b.Objects), len(b.MultipartUploads))
	}
	if n := srv.Calls(ossapi.OpDeleteMultipleObjects); n != 13 {
		t.Errorf("%d DeleteMultipleObjects for 12,300 versions and markers, want 13", n)
	}
	// The deletes ran beside each other and beside the listings: well under the 13 × 300 ms they
	// take one after another.
	if took >= 11*slow {
		t.Errorf("the second run took %s for %d deletes of %s each: not run beside each other", took, srv.Calls(ossapi.OpDeleteMultipleObjects)-1, slow)
	}
}

// Keys may hold what XML cannot carry as it is (control characters, line ends, markup): a purge
// deletes them too, instead of sending a key XML changed and listing the bucket forever.
func TestPurgeRunDeletesAnyKey(t *testing.T) {
	srv, conn := purgeEmulator(t)
	c := conn.Client
	ctx := context.Background()
	keys := []string{"ctl\x01key", "esc\x1bkey", "tab\tkey", "line\nend", "cr\rlf\r\n", "<b>&amp;\"'", "ünï/cödé 😀", "nul\x00key"}
	for _, versioned := range []bool{false, true} {
		bucket := fmt.Sprintf("any-keys-%t", versioned)
		if err := c.PutBucket(ctx, &ossapi.PutBucketRequest{Bucket: bucket}); err != nil {
			t.Fatal(err)
		}
		if versioned {
			if err := c.PutBucketVersioning(ctx, bucket, &ossapi.VersioningConfiguration{Status: ossapi.VersioningEnabled}); err != nil {
				t.Fatal(err)
			}
		}
		for _, k := range keys {
			if _, err := c.PutObject(ctx, &ossapi.PutObjectRequest{Bucket: bucket, Key: k, Body: []byte(k)}); err != nil {
				t.Fatalf("putting %q: %v", k, err)
			}
		}
		run := purge(ctx, conn, bucket, versioned, firstPages{}, time.Minute, 2)
		if run.err != nil || !run.finished || run.deleted.objects != int64(len(keys)) {
			t.Errorf("versioned %t: run %+v, want %d objects deleted", versioned, run, len(keys))
		}
		if b, _ := srv.Bucket(bucket); len(b.Objects) != 0 {
			t.Errorf("versioned %t: left %d keys", versioned, len(b.Objects))
		}
	}
}

// The listings never run far ahead of the deletes: a run holds at most listingsAhead pages besides
// those handed to its workers, however slow the deletes (memory stays bounded on a huge bucket).
func TestPurgeRunHoldsFewPages(t *testing.T) {
	srv, conn := purgeEmulator(t)
	c := conn.Client
	ctx := context.Background()
	if err := c.PutBucket(ctx, &ossapi.PutBucketRequest{Bucket: "deep"}); err != nil {
		t.Fatal(err)
	}
	if err := srv.FillBucket("deep", osstest.Fill{Objects: 30_000}); err != nil {
		t.Fatal(err)
	}
	srv.InjectFault(osstest.Fault{Operation: ossapi.OpDeleteMultipleObjects, Delay: 100 * time.Millisecond})
	const workers = 2
	done := make(chan purgeRun)
	go func() {
		done <- purge(ctx, conn, "deep", false, firstPages{}, time.Second, workers)
	}()
	most := 0
	for run := (purgeRun{}); ; {
		// Deletes are counted as they arrive: what is listed and not yet being deleted is held.
		most = max(most, srv.Calls(ossapi.OpListObjectVersions)-srv.Calls(ossapi.OpDeleteMultipleObjects))
		select {
		case run = <-done:
			if run.err != nil || run.deleted.objects == 0 {
				t.Fatalf("run %+v", run)
			}
			// Besides the pages read ahead: the workers' queue, and a page each worker took and is
			// sending.
			if bound := 2*workers + listingsAhead; most > bound {
				t.Errorf("%d pages listed and not being deleted at once, want at most %d", most, bound)
			}
			return
		case <-time.After(5 * time.Millisecond):
		}
	}
}
