package osstest

import (
	"fmt"
	"net/http"
	"sort"
	"time"

	"github.com/ossoperator/oss-operator/ossapi"
)

// bucket is a bucket and every setting and object it holds. It is only touched under Emulator.mu.
type bucket struct {
	name, region, owner string
	created             time.Time
	acl                 ossapi.ACL
	storageClass        ossapi.StorageClass
	redundancy          ossapi.RedundancyType
	resourceGroupID     string
	versioning          string // "", Enabled or Suspended
	blockPublicAccess   bool
	tags                []ossapi.Tag
	lifecycle           *ossapi.LifecycleConfiguration
	cors                *ossapi.CORSConfiguration
	policy              string
	logging             *ossapi.LoggingEnabled
	website             *ossapi.WebsiteConfiguration
	referer             *ossapi.RefererConfiguration // nil: OSS's default
	encryption          *ossapi.ServerSideEncryptionByDefault
	objects             map[string][]*objectVersion // by key, newest version first
	uploads             []*upload                   // in creation order
	modified            time.Time
	// sorted caches the keys of objects, sorted, for the listings; it may still hold keys since
	// removed (sortedKeys drops them). sortedStale: a key was added since it was made.
	sorted      []string
	sortedStale bool
	// worm is the bucket's retention policy (nil: none).
	worm *wormPolicy
}

// wormPolicy is a bucket's time-based retention policy (WORM). While it is in force, no object version
// may be deleted or overwritten until it is older than the retention period.
type wormPolicy struct {
	days int
}

// protected says whether the retention policy forbids deleting v at now: every object version (not a
// delete marker) written less than the retention period ago.
func (b *bucket) protected(v *objectVersion, now time.Time) bool {
	return b.worm != nil && !v.deleteMarker && now.Before(v.modified.AddDate(0, 0, b.worm.days))
}

// objectVersion is one version of an object, or a delete marker. Unversioned objects have version ID
// "null", as OSS reports them.
type objectVersion struct {
	key, versionID string
	deleteMarker   bool
	data           []byte
	etag           string
	crc64          uint64
	contentMD5     string // base64, for data stored in one piece (PutObject); OSS has none for multipart objects
	objectType     string // Normal or Multipart
	contentType    string
	meta           http.Header // storedHeaders and x-oss-meta-*
	storageClass   ossapi.StorageClass
	modified       time.Time
	// listed is modified as listings write it, made at the first listing (modified never changes).
	listed string
}

// lastModified is v's time of modification as listings write it.
func (v *objectVersion) lastModified() string {
	if v.listed == "" {
		v.listed = v.modified.Format(isoMillis)
	}
	return v.listed
}

// upload is an unfinished multipart upload: the attributes InitiateMultipartUpload gave the object to
// be, and the parts uploaded so far by number (a part uploaded again replaces the earlier one).
type upload struct {
	key, uploadID string
	initiated     time.Time
	attrs         objectAttrs
	parts         map[int]*part
}

type part struct {
	number   int
	data     []byte
	etag     string
	crc64    uint64
	modified time.Time
}

const nullVersion = "null"

func (e *Emulator) newBucket(name, region, owner string) *bucket {
	now := e.now().UTC().Truncate(time.Second)
	return &bucket{
		name: name, region: region, owner: owner, created: now, modified: now,
		acl:               ossapi.ACLPrivate,
		storageClass:      ossapi.StorageStandard,
		redundancy:        ossapi.RedundancyLRS,
		resourceGroupID:   DefaultResourceGroupID,
		blockPublicAccess: e.blockPublicAccess,
		objects:           map[string][]*objectVersion{},
	}
}

// nextID returns a new sequence number for version and upload IDs. Callers hold e.mu.
func (e *Emulator) nextID() uint64 {
	e.seq++
	return e.seq
}

// newVersionID looks like OSS's base64-ish version IDs and sorts by creation.
func (e *Emulator) newVersionID() string {
	return fmt.Sprintf("CAEQARiBgID%020d", e.nextID())
}

func (e *Emulator) newUploadID() string {
	return fmt.Sprintf("%032X", e.nextID())
}

// latest is the current version of key, or nil.
func (b *bucket) latest(key string) *objectVersion {
	if vs := b.objects[key]; len(vs) > 0 {
		return vs[0]
	}
	return nil
}

// sortedKeys lists the keys that have any version, sorted, and perhaps some removed since (callers
// skip a key without versions). The list is kept between calls (a bucket of 100,000 keys is listed 100
// times while it is emptied): it is sorted again only when a key was added, and rid of the removed keys
// once they are as many as the others.
func (b *bucket) sortedKeys() []string {
	switch {
	case b.sortedStale || b.sorted == nil:
		keys := make([]string, 0, len(b.objects))
		for k := range b.objects {
			keys = append(keys, k)
		}
		sort.Strings(keys)
		b.sorted, b.sortedStale = keys, false
	case len(b.sorted) > 2*len(b.objects)+64:
		kept := b.sorted[:0]
		for _, k := range b.sorted {
			if _, ok := b.objects[k]; ok {
				kept = append(kept, k)
			}
		}
		clear(b.sorted[len(kept):])
		b.sorted = kept
	}
	return b.sorted
}

// keysFrom is sortedKeys from the first key not before from.
func (b *bucket) keysFrom(from string) []string {
	keys := b.sortedKeys()
	return keys[sort.SearchStrings(keys, from):]
}

// setVersions stores the versions of a key, noting a new key for sortedKeys.
func (b *bucket) setVersions(key string, vs []*objectVersion) {
	if _, ok := b.objects[key]; !ok {
		b.sortedStale = true
	}
	b.objects[key] = vs
}

// isEmpty reports whether DeleteBucket may delete the bucket: no version, no delete marker, no
// unfinished multipart upload.
func (b *bucket) isEmpty() bool { return len(b.objects) == 0 && len(b.uploads) == 0 }

// putVersion stores a new current version of v.key the way the versioning state demands: it replaces
// the "null" version unless versioning is Enabled.
func (e *Emulator) putVersion(b *bucket, v *objectVersion) {
	vs := b.objects[v.key]
	if b.versioning == ossapi.VersioningEnabled {
		v.versionID = e.newVersionID()
	} else {
		v.versionID = nullVersion
		vs = removeVersion(vs, nullVersion)
	}
	b.setVersions(v.key, append([]*objectVersion{v}, vs...))
	b.modified = v.modified
}

func removeVersion(vs []*objectVersion, id string) []*objectVersion {
	out := vs[:0:0]
	for _, v := range vs {
		if v.versionID != id {
			out = append(out, v)
		}
	}
	return out
}

// deleteResult is what deleting a key or a version did.
type deleteResult struct {
	deleteMarker bool   // a delete marker was created or removed
	versionID    string // the version removed or the marker created
}

// deleteKey deletes key as OSS does: with a version ID, that version (or marker) is removed; without
// one, an unversioned bucket drops the object, a versioned one gets a delete marker.
func (e *Emulator) deleteKey(b *bucket, key, versionID string, now time.Time) deleteResult {
	vs := b.objects[key]
	defer func() {
		if len(b.objects[key]) == 0 {
			delete(b.objects, key)
		}
	}()
	if versionID != "" {
		for _, v := range vs {
			if v.versionID == versionID {
				b.objects[key] = removeVersion(vs, versionID)
				b.modified = now
				return deleteResult{deleteMarker: v.deleteMarker, versionID: versionID}
			}
		}
		return deleteResult{versionID: versionID}
	}
	switch b.versioning {
	case "":
		b.objects[key] = nil
		b.modified = now
		return deleteResult{}
	case ossapi.VersioningEnabled:
		m := &objectVersion{key: key, versionID: e.newVersionID(), deleteMarker: true, modified: now}
		b.setVersions(key, append([]*objectVersion{m}, vs...))
		b.modified = now
		return deleteResult{deleteMarker: true, versionID: m.versionID}
	default: // Suspended: the null version is replaced by a null delete marker.
		m := &objectVersion{key: key, versionID: nullVersion, deleteMarker: true, modified: now}
		b.setVersions(key, append([]*objectVersion{m}, removeVersion(vs, nullVersion)...))
		b.modified = now
		return deleteResult{deleteMarker: true, versionID: nullVersion}
	}
}

// bucketFor returns the bucket of a call, checking that it exists (404 NoSuchBucket) and that the
// caller owns it (403 AccessDenied). Callers hold e.mu.
func (e *Emulator) bucketFor(c *call) (*bucket, *apiError) {
	b := e.buckets[c.bucket]
	if b == nil {
		return nil, errNoSuchBucket(c.bucket)
	}
	if b.owner != c.accountID {
		return nil, errNotOwner(c.bucket)
	}
	return b, nil
}
