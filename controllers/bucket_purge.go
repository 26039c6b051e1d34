package controllers

import (
	"context"
	"sync"
	"time"

	"github.com/ossoperator/oss-operator/ossapi"
)

// The act step of deletionPolicy Purge: one bounded run of deletes. Each reconcile of a Bucket being
// purged runs for at most a budget of time, then reports what it deleted and is requeued at once. A
// run lists from the start of the bucket, as OSS holds it now: what earlier runs deleted is no longer
// listed, so nothing but OSS is needed to go on (after a restart too), and no listing marker is kept.

const (
	// defaultPurgeBudget is how long one reconcile purges before it reports (and writes the status):
	// the status is written at most about this often during a purge.
	defaultPurgeBudget = 5 * time.Second
	// defaultPurgeWorkers is how many deletes of one bucket run at once.
	defaultPurgeWorkers = 8
	// purgePage is the most entries a listing returns and DeleteMultipleObjects takes.
	purgePage = 1000
)

// purgeCounts are what a run deleted, and how many listing pages it read.
type purgeCounts struct {
	objects, versions, deleteMarkers, uploads, listings int64
}

func (c *purgeCounts) add(o purgeCounts) {
	c.objects += o.objects
	c.versions += o.versions
	c.deleteMarkers += o.deleteMarkers
	c.uploads += o.uploads
	c.listings += o.listings
}

// entries are the versions and markers deleted.
func (c purgeCounts) entries() int64 { return c.objects + c.versions + c.deleteMarkers }

// purgeRun is what one run did.
type purgeRun struct {
	deleted purgeCounts
	// finished: both listings reached their end within the run and everything listed was deleted.
	finished bool
	// err is the first failure; the run stopped there (the deletes under way were finished).
	err error
	// left estimates the entries (versions, markers, uploads) the bucket held when the run began,
	// from OSS's statistics; -1 when unknown.
	left int64
}

// purgeJob is one delete: a batch of versions and markers, or one upload to abort.
type purgeJob struct {
	objects []ossapi.ObjectIdentifier
	counts  purgeCounts
	upload  *ossapi.MultipartUpload
}

// purge runs the deletes of bucket for up to budget: two listers (versions and markers; unfinished
// uploads) page through the bucket and hand each page to workers deletes in flight at most, so the
// listings, which must follow one another, never wait for the deletes. The first failure stops the
// listings; deletes already handed out are finished and counted.
//
// versioned says whether the bucket has ever had versioning (Enabled or Suspended): only then are
// versions deleted by their ID ("null" included); a bucket that never had versioning has none, and its
// objects are deleted by key alone.
func purge(ctx context.Context, conn *Conn, bucket string, versioned bool, budget time.Duration, workers int) purgeRun {
	deadline := time.Now().Add(budget)
	stop, cancel := context.WithCancel(ctx)
	defer cancel()

	var mu sync.Mutex
	run := purgeRun{left: -1}
	fail := func(err error) {
		mu.Lock()
		defer mu.Unlock()
		if run.err == nil {
			run.err = err
		}
		cancel()
	}
	done := func(c purgeCounts) {
		mu.Lock()
		defer mu.Unlock()
		run.deleted.add(c)
	}

	jobs := make(chan purgeJob, workers)
	var listers, deleters sync.WaitGroup
	var versionsEnd, uploadsEnd bool
	listers.Go(func() {
		if st, err := conn.GetBucketStat(stop, bucket); err == nil {
			mu.Lock()
			run.left = st.ObjectCount + st.DeleteMarkerCount + st.MultipartUploadCount
			mu.Unlock()
		}
	})
	listers.Go(func() { versionsEnd = listVersions(stop, conn, bucket, versioned, deadline, jobs, fail, done) })
	listers.Go(func() { uploadsEnd = listUploads(stop, conn, bucket, deadline, jobs, fail, done) })
	for range workers {
		deleters.Go(func() {
			for j := range jobs {
				// A job handed out is done even once the listings stopped: what was listed is deleted,
				// and counted, with the reconcile's context.
				if err := runJob(ctx, conn, bucket, j); err != nil {
					fail(err)
					continue
				}
				done(j.counts)
			}
		})
	}
	listers.Wait()
	close(jobs)
	deleters.Wait()
	run.finished = versionsEnd && uploadsEnd && run.err == nil
	return run
}

// listVersions lists the versions and delete markers, a page at a time, and hands each page out to
// be deleted; it says whether it reached the end of the listing.
func listVersions(ctx context.Context, conn *Conn, bucket string, versioned bool, deadline time.Time, jobs chan<- purgeJob, fail func(error), done func(purgeCounts)) bool {
	req := &ossapi.ListObjectVersionsRequest{Bucket: bucket, MaxKeys: purgePage}
	// Every run lists at least one page: each makes progress, whatever its budget.
	for first := true; first || time.Now().Before(deadline); first = false {
		page, err := conn.ListObjectVersions(ctx, req)
		if err != nil {
			if ctx.Err() == nil {
				fail(err)
			}
			return false
		}
		done(purgeCounts{listings: 1})
		j := purgeJob{objects: make([]ossapi.ObjectIdentifier, 0, len(page.Versions)+len(page.DeleteMarkers))}
		for _, v := range page.Versions {
			id := ossapi.ObjectIdentifier{Key: v.Key, VersionID: v.VersionID}
			if !versioned {
				id.VersionID = ""
			}
			j.objects = append(j.objects, id)
			if v.IsLatest {
				j.counts.objects++
			} else {
				j.counts.versions++
			}
		}
		for _, m := range page.DeleteMarkers {
			j.objects = append(j.objects, ossapi.ObjectIdentifier{Key: m.Key, VersionID: m.VersionID})
			j.counts.deleteMarkers++
		}
		if len(j.objects) > 0 && !hand(ctx, jobs, j) {
			return false
		}
		if !page.IsTruncated {
			return true
		}
		req.KeyMarker, req.VersionIDMarker = page.NextKeyMarker, page.NextVersionIDMarker
	}
	return false
}

// listUploads lists the unfinished multipart uploads, a page at a time, and hands each out to be
// aborted; it says whether it reached the end of the listing.
func listUploads(ctx context.Context, conn *Conn, bucket string, deadline time.Time, jobs chan<- purgeJob, fail func(error), done func(purgeCounts)) bool {
	req := &ossapi.ListMultipartUploadsRequest{Bucket: bucket, MaxUploads: purgePage}
	// Every run lists at least one page: each makes progress, whatever its budget.
	for first := true; first || time.Now().Before(deadline); first = false {
		page, err := conn.ListMultipartUploads(ctx, req)
		if err != nil {
			if ctx.Err() == nil {
				fail(err)
			}
			return false
		}
		done(purgeCounts{listings: 1})
		for i := range page.Uploads {
			if !hand(ctx, jobs, purgeJob{upload: &page.Uploads[i], counts: purgeCounts{uploads: 1}}) {
				return false
			}
		}
		if !page.IsTruncated {
			return true
		}
		req.KeyMarker, req.UploadIDMarker = page.NextKeyMarker, page.NextUploadIDMarker
	}
	return false
}

// hand gives a job to the workers, unless the run is stopping.
func hand(ctx context.Context, jobs chan<- purgeJob, j purgeJob) bool {
	select {
	case jobs <- j:
		return true
	case <-ctx.Done():
		return false
	}
}

// runJob deletes one batch (quiet: OSS answers only failures, and refuses a whole batch it cannot
// delete), or aborts one upload (one that is gone meanwhile was finished or aborted by someone else).
func runJob(ctx context.Context, conn *Conn, bucket string, j purgeJob) error {
	if j.upload != nil {
		err := conn.AbortMultipartUpload(ctx, bucket, j.upload.Key, j.upload.UploadID)
		if ossapi.IsCode(err, ossapi.CodeNoSuchUpload) {
			return nil
		}
		return err
	}
	_, err := conn.DeleteMultipleObjects(ctx, &ossapi.DeleteMultipleObjectsRequest{Bucket: bucket, Objects: j.objects, Quiet: true})
	return err
}
