package controllers

import (
	"context"
	"sync"
	"sync/atomic"
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

// firstPages are the first page of versions and the first of unfinished uploads of a bucket, as the
// observation of its deletion listed them a moment before: a run starts with them instead of
// listing them again. Either may be nil.
type firstPages struct {
	versions *ossapi.ListObjectVersionsResult
	uploads  *ossapi.ListMultipartUploadsResult
}

// purge runs the deletes of bucket for up to budget: two listers (versions and markers; unfinished
// uploads) page through the bucket and hand each page to workers deletes in flight at most, so the
// listings, which must follow one another, never wait for the deletes. The first failure stops the
// listings; deletes already handed out are finished and counted.
//
// versioned says whether the bucket has ever had versioning (Enabled or Suspended): only then are
// versions deleted by their ID ("null" included); a bucket that never had versioning has none, and its
// objects are deleted by key alone.
func purge(ctx context.Context, conn *Conn, bucket string, versioned bool, first firstPages, budget time.Duration, workers int) purgeRun {
	stop, cancel := context.WithCancel(ctx)
	defer cancel()
	p := &purger{conn: conn, bucket: bucket, versioned: versioned, deadline: time.Now().Add(budget),
		jobs: make(chan purgeJob, workers), cancel: cancel, run: purgeRun{left: -1}}

	var listers, deleters sync.WaitGroup
	var versionsEnd, uploadsEnd bool
	listers.Go(func() {
		if st, err := conn.GetBucketStat(stop, bucket); err == nil {
			p.mu.Lock()
			p.run.left = st.ObjectCount + st.DeleteMarkerCount + st.MultipartUploadCount
			p.mu.Unlock()
		}
	})
	listers.Go(func() { versionsEnd = p.listVersions(stop, first.versions) })
	listers.Go(func() { uploadsEnd = p.listUploads(stop, first.uploads) })
	for range workers {
		deleters.Go(func() {
			for j := range p.jobs {
				// A job handed out is done even once the listings stopped: what was listed is deleted,
				// and counted, with the reconcile's context.
				if err := runJob(ctx, conn, bucket, j); err != nil {
					p.fail(err)
					continue
				}
				p.done(j.counts)
			}
		})
	}
	listers.Wait()
	close(p.jobs)
	deleters.Wait()
	p.run.finished = versionsEnd && uploadsEnd && p.run.err == nil
	return p.run
}

// purger is one run of a purge.
type purger struct {
	conn      *Conn
	bucket    string
	versioned bool
	deadline  time.Time
	jobs      chan purgeJob
	cancel    context.CancelFunc

	mu  sync.Mutex
	run purgeRun
}

// fail records the run's first failure and stops the listings.
func (p *purger) fail(err error) {
	p.mu.Lock()
	defer p.mu.Unlock()
	if p.run.err == nil {
		p.run.err = err
	}
	p.cancel()
}

// done counts what was deleted or listed.
func (p *purger) done(c purgeCounts) {
	p.mu.Lock()
	defer p.mu.Unlock()
	p.run.deleted.add(c)
}

// listVersions lists the versions and delete markers, a page at a time from first (or from the
// start), and hands each page out to be deleted; it says whether it reached the end of the listing.
// Each listing needs the marker of the one before, so the listings follow one another; but OSS sends
// the marker before the page's entries, so the next listing is asked for as soon as it is read
// (ossapi's OnNextMarker), while this page is still being read: one listing takes about one OSS
// answer time, not that plus reading 1000 entries. At most listingsAhead pages are read or wait for a
// worker at once.
func (p *purger) listVersions(ctx context.Context, first *ossapi.ListObjectVersionsResult) bool {
	var pages sync.WaitGroup
	var end atomic.Bool
	ahead := make(chan struct{}, listingsAhead)
	var list func(keyMarker, versionIDMarker string)
	// take hands out a page read, and lists the next unless it was asked for already.
	take := func(page *ossapi.ListObjectVersionsResult, asked bool) {
		p.done(purgeCounts{listings: 1})
		if j := versionsJob(page, p.versioned); len(j.objects) > 0 && !hand(ctx, p.jobs, j) {
			return
		}
		switch {
		case !page.IsTruncated:
			end.Store(true)
		case !asked && time.Now().Before(p.deadline):
			pages.Go(func() { list(page.NextKeyMarker, page.NextVersionIDMarker) })
		}
	}
	list = func(keyMarker, versionIDMarker string) {
		select {
		case ahead <- struct{}{}:
		case <-ctx.Done():
			return
		}
		defer func() { <-ahead }()
		asked := false
		page, err := p.conn.ListObjectVersions(ctx, &ossapi.ListObjectVersionsRequest{
			Bucket: p.bucket, MaxKeys: purgePage, KeyMarker: keyMarker, VersionIDMarker: versionIDMarker,
			OnNextMarker: func(keyMarker, versionIDMarker string) {
				if asked = time.Now().Before(p.deadline); asked {
					pages.Go(func() { list(keyMarker, versionIDMarker) })
				}
			},
		})
		if err != nil {
			if ctx.Err() == nil {
				p.fail(err)
			}
			return
		}
		take(page, asked)
	}
	// Every run lists at least one page: each makes progress, whatever its budget.
	if first != nil {
		take(first, false)
	} else {
		list("", "")
	}
	pages.Wait()
	return end.Load() && ctx.Err() == nil
}

// listingsAhead is how many pages of versions one purge reads, or holds for the workers, at once: the
// page being read and the next one asked for, and one more so that a page waiting for a worker does
// not hold the listing back.
const listingsAhead = 3

// versionsJob is the delete of the versions and markers of a page.
func versionsJob(page *ossapi.ListObjectVersionsResult, versioned bool) purgeJob {
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
	return j
}

// listUploads lists the unfinished multipart uploads, a page at a time from first (or from the
// start), and hands each out to be aborted; it says whether it reached the end of the listing.
func (p *purger) listUploads(ctx context.Context, first *ossapi.ListMultipartUploadsResult) bool {
	req := &ossapi.ListMultipartUploadsRequest{Bucket: p.bucket, MaxUploads: purgePage}
	// Every run lists at least one page: each makes progress, whatever its budget.
	for page, once := first, true; once || time.Now().Before(p.deadline); page, once = nil, false {
		if page == nil {
			var err error
			if page, err = p.conn.ListMultipartUploads(ctx, req); err != nil {
				if ctx.Err() == nil {
					p.fail(err)
				}
				return false
			}
		}
		p.done(purgeCounts{listings: 1})
		for i := range page.Uploads {
			if !hand(ctx, p.jobs, purgeJob{upload: &page.Uploads[i], counts: purgeCounts{uploads: 1}}) {
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
