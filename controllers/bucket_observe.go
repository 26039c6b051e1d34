package controllers

import (
	"context"
	"fmt"
	"strings"
	"sync"

	apierrors "k8s.io/apimachinery/pkg/api/errors"

	ossv1 "github.com/ossoperator/oss-operator/api/v1alpha1"
	"github.com/ossoperator/oss-operator/ossapi"
)

// bucketObservation is everything the decide step needs to know about a Bucket: its credentials and
// what OSS holds. Observing never writes.
type bucketObservation struct {
	creds credentials
	// info is GetBucketInfo's answer, infoErr its failure (NoSuchBucket: no such bucket; AccessDenied:
	// another account's).
	info    *ossapi.BucketInfo
	infoErr error
	// tags are the bucket's tags (nil: untagged).
	tags    map[string]string
	tagsErr error
	// owner is this Bucket's ownership tag and what the bucket's says of it (read with the tags);
	// ownerErr the failure to make the tag to be written (its namespace could not be read).
	owner    ownership
	ownerErr error
	// settings are the managed settings' values, read when the bucket could be this resource's.
	settings map[string]settingValue
	// contents is what a bucket being deleted holds.
	contents    bucketContents
	contentsErr error
	// claim is this Bucket's claim on the bucket name, made while the bucket is read when the Bucket
	// does not manage it yet; nil when not made. claimErr is the failure to make it.
	claim    *claim
	claimErr error
}

// credentials are a Bucket's AccessKey and the client made from it, or why there is none.
type credentials struct {
	// accessKey names the AccessKey as the Bucket does: "name", or "namespace/name" in another namespace.
	accessKey string
	// missing: the AccessKey does not exist. notGranted: it is in another namespace and does not grant
	// the Bucket's (namespace). notReady: why it is not Ready. unusable: why no client could be made.
	// err: reading the AccessKey (or the namespace) failed.
	missing    bool
	notGranted string
	notReady   string
	unusable   error
	err        error
	conn       *Conn
	// account is the AccessKey's account ID, as its verification found it.
	account string
	// lastVerified: the Secret is gone and the client uses the credentials last verified (deletion).
	lastVerified bool
}

func (c credentials) usable() bool { return c.conn != nil }

// credentials resolves the Bucket's AccessKey. For a deletion, a usable client is all that counts:
// the AccessKey may itself be going away (it waits for its Buckets) and its Secret may be gone already,
// in which case the credentials OSS last accepted are used.
func (r *BucketReconciler) credentials(ctx context.Context, b *ossv1.Bucket, deleting bool) credentials {
	key := accessKeyOfBucket(b)
	c := credentials{accessKey: key.Name}
	if key.Namespace != b.Namespace {
		c.accessKey = key.String()
	}
	ak := &ossv1.AccessKey{}
	err := r.Get(ctx, key, ak)
	switch {
	case apierrors.IsNotFound(err):
		c.missing = true
		return c
	case err != nil:
		c.err = err
		return c
	}
	// An AccessKey of another namespace is used only as far as it grants the Bucket's: checked before
	// anything else, deletions included.
	if key.Namespace != b.Namespace {
		nsLabels, err := namespaceLabels(ctx, r.Client, b.Namespace)
		if err != nil {
			c.err = err
			return c
		}
		if !grants(ak, b.Namespace, nsLabels) {
			c.notGranted = b.Namespace
			return c
		}
	}
	if !isReady(ak.Status.Conditions) || ak.Status.ObservedGeneration != ak.Generation {
		c.notReady = "not verified yet"
		if cond := condition(ak.Status.Conditions, ossv1.ConditionReady); cond != nil && cond.Reason != ossv1.ReasonReady {
			c.notReady = cond.Reason + ": " + cond.Message
		}
		if !deleting {
			return c
		}
	}
	c.account = ak.Status.AccountID
	conn, err := r.Clients.Client(ctx, ak, b.Spec.Region)
	if err != nil && deleting {
		if last, ok := r.Clients.LastVerified(ak, b.Spec.Region); ok {
			c.conn, c.lastVerified = last, true
			return c
		}
	}
	if err != nil {
		c.unusable = err
		return c
	}
	c.conn = conn
	return c
}

// observe reads the bucket. A bucket this resource is known to manage is expected to exist and to be
// tagged as its own: its info, tags and settings are read at once, one round trip. Any other bucket is
// read step by step, and its settings only when it could become this resource's.
//
// A Bucket that does not manage its bucket yet first claims the bucket name, and reads nothing unless
// it holds the claim: read before, a bucket another Bucket created, tagged and let go of meanwhile would
// look untagged, or absent. A claim is let go of only once the bucket carries its holder's tag, so what
// is read after it is held is what the last holder left.
func (r *BucketReconciler) observe(ctx context.Context, b *ossv1.Bucket) *bucketObservation {
	obs := &bucketObservation{creds: r.credentials(ctx, b, false)}
	if !obs.creds.usable() {
		return obs
	}
	conn, name := obs.creds.conn, b.BucketName()
	if r.Claims != nil && !hasManaged(&b.Status, name) {
		c, err := r.Claims.Claim(ctx, b, obs.creds.account)
		obs.claim, obs.claimErr = &c, err
		if err != nil || !c.held {
			return obs
		}
	}
	if hasManaged(&b.Status, name) || creationPending(&b.Status, name) {
		infoReady, tagsReady := make(chan struct{}), make(chan struct{})
		view := &bucketView{infoReady: infoReady, tagsReady: tagsReady}
		var wg sync.WaitGroup
		wg.Go(func() {
			defer close(tagsReady)
			view.tags, view.tagsErr = readTags(ctx, conn, name)
		})
		wg.Go(func() { obs.settings = readSettings(ctx, conn, b, view) })
		view.info, view.infoErr = conn.GetBucketInfo(ctx, name)
		close(infoReady)
		wg.Wait()
		obs.info, obs.infoErr, obs.tags, obs.tagsErr = view.info, view.infoErr, view.tags, view.tagsErr
		if obs.infoErr == nil && obs.tagsErr == nil {
			r.observeOwner(ctx, b, obs)
		}
		return obs
	}

	if obs.info, obs.infoErr = conn.GetBucketInfo(ctx, name); obs.infoErr != nil {
		return obs
	}
	if obs.tags, obs.tagsErr = readTags(ctx, conn, name); obs.tagsErr != nil {
		return obs
	}
	r.observeOwner(ctx, b, obs)
	if obs.owner.relation != taggedAnother {
		obs.settings = readSettings(ctx, conn, b, &bucketView{info: obs.info, tags: obs.tags})
	}
	return obs
}

// observeOnly reads the bucket of an Observe Bucket: its info, then its tags and every setting the
// spec can declare, at once. It claims nothing and writes nothing.
func (r *BucketReconciler) observeOnly(ctx context.Context, b *ossv1.Bucket) *bucketObservation {
	obs := &bucketObservation{creds: r.credentials(ctx, b, false)}
	if !obs.creds.usable() {
		return obs
	}
	conn, name := obs.creds.conn, b.BucketName()
	if obs.info, obs.infoErr = conn.GetBucketInfo(ctx, name); obs.infoErr != nil {
		return obs
	}
	tagsReady := make(chan struct{})
	view := &bucketView{info: obs.info, tagsReady: tagsReady}
	var wg sync.WaitGroup
	wg.Go(func() {
		defer close(tagsReady)
		view.tags, view.tagsErr = readTags(ctx, conn, name)
	})
	obs.settings = readSettingsOf(ctx, conn, b, view, bucketSettings)
	wg.Wait()
	obs.tags, obs.tagsErr = view.tags, view.tagsErr
	if obs.tagsErr == nil {
		// Whose the bucket is: another namespace's is not shown, a neighbour's is named.
		obs.owner.relation, obs.owner.neighbour = r.relate(ctx, b, obs.tags[ossv1.OwnershipTagKey])
	}
	return obs
}

// observeOwner relates the tag found on the bucket to the Bucket, and makes the Bucket's own: the one
// found, when it is its own; otherwise (unless the bucket is another's) the tag it would write.
func (r *BucketReconciler) observeOwner(ctx context.Context, b *ossv1.Bucket, obs *bucketObservation) {
	found := obs.tags[ossv1.OwnershipTagKey]
	obs.owner.relation, obs.owner.neighbour = r.relate(ctx, b, found)
	switch obs.owner.relation {
	case taggedThis:
		obs.owner.tag = found
	case taggedAnother:
	default:
		obs.owner.tag, obs.ownerErr = r.ownerTagOf(ctx, b)
	}
}

// observeDeletion reads what deleting the bucket needs: for Retain its tags only; for Delete and Purge
// also its info and whether it is empty, all at once.
func (r *BucketReconciler) observeDeletion(ctx context.Context, b *ossv1.Bucket) *bucketObservation {
	obs := &bucketObservation{creds: r.credentials(ctx, b, true)}
	if !obs.creds.usable() {
		return obs
	}
	conn, name := obs.creds.conn, b.BucketName()
	var wg sync.WaitGroup
	if b.Spec.DeletionPolicy == ossv1.DeletionDelete || b.Spec.DeletionPolicy == ossv1.DeletionPurge {
		wg.Go(func() { obs.info, obs.infoErr = conn.GetBucketInfo(ctx, name) })
		wg.Go(func() { obs.contents, obs.contentsErr = listContents(ctx, conn, name) })
	}
	obs.tags, obs.tagsErr = readTags(ctx, conn, name)
	wg.Wait()
	// Only whether the tag is this resource's counts: another's is not looked up.
	obs.owner.relation, _ = relateOwn(r.ClusterID, b, obs.tags[ossv1.OwnershipTagKey])
	return obs
}

// readTags reads the bucket's tags as a map; nil when it has none.
func readTags(ctx context.Context, conn *Conn, name string) (map[string]string, error) {
	t, err := conn.GetBucketTags(ctx, name)
	if err != nil || t == nil {
		return nil, err
	}
	return t.Map(), nil
}

// bucketContents counts what keeps a bucket from being deleted: current objects, old versions, delete
// markers and unfinished multipart uploads (ListObjects alone would miss all but the first), from one
// page of each. more is true when there are more than one page shows.
type bucketContents struct {
	objects, oldVersions, deleteMarkers, uploads int
	more                                         bool
	// pages are the pages counted, for a purge to start with.
	pages firstPages
}

func (c bucketContents) empty() bool {
	return c.objects+c.oldVersions+c.deleteMarkers+c.uploads == 0
}

// String says what is left, "1 object, 2 old versions" or "at least 1000 objects".
func (c bucketContents) String() string {
	more := ""
	if c.more {
		more = "at least "
	}
	var parts []string
	add := func(n int, one, many string) {
		switch {
		case n == 1:
			parts = append(parts, more+"1 "+one)
		case n > 1:
			parts = append(parts, fmt.Sprintf("%s%d %s", more, n, many))
		}
	}
	add(c.objects, "object", "objects")
	add(c.oldVersions, "old version", "old versions")
	add(c.deleteMarkers, "delete marker", "delete markers")
	add(c.uploads, "unfinished multipart upload", "unfinished multipart uploads")
	return strings.Join(parts, ", ")
}

// listContents lists one page of versions and one of multipart uploads, at once.
func listContents(ctx context.Context, conn *Conn, bucket string) (bucketContents, error) {
	var uploads *ossapi.ListMultipartUploadsResult
	var uploadsErr error
	var wg sync.WaitGroup
	wg.Go(func() {
		uploads, uploadsErr = conn.ListMultipartUploads(ctx, &ossapi.ListMultipartUploadsRequest{Bucket: bucket, MaxUploads: 1000})
	})
	versions, err := conn.ListObjectVersions(ctx, &ossapi.ListObjectVersionsRequest{Bucket: bucket, MaxKeys: 1000})
	wg.Wait()
	if err == nil {
		err = uploadsErr
	}
	if err != nil {
		return bucketContents{}, err
	}
	c := bucketContents{deleteMarkers: len(versions.DeleteMarkers), uploads: len(uploads.Uploads),
		more: versions.IsTruncated || uploads.IsTruncated, pages: firstPages{versions: versions, uploads: uploads}}
	for _, v := range versions.Versions {
		if v.IsLatest {
			c.objects++
		} else {
			c.oldVersions++
		}
	}
	return c, nil
}
