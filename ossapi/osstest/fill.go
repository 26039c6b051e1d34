package osstest

import (
	"crypto/md5"
	"encoding/base64"
	"fmt"
	"time"

	"github.com/ossoperator/oss-operator/ossapi"
)

// Fill is what FillBucket puts in a bucket, as if it had been uploaded through the API.
type Fill struct {
	// Prefix starts every key (default "fill/"); the keys are Prefix followed by a zero-padded
	// number, so that they list in the order they were made.
	Prefix string
	// Objects is the number of keys, each with one current version (a few bytes).
	Objects int
	// OldVersions is the number of non-current versions, spread over the first keys (one each, then
	// two, ...). They need versioning Enabled.
	OldVersions int
	// DeleteMarkers is the number of further keys whose current version is a delete marker over one
	// old version. They need versioning Enabled.
	DeleteMarkers int
	// Uploads is the number of unfinished multipart uploads, without parts.
	Uploads int
}

// FillBucket stores f in a bucket in one step, without an HTTP request each: tests and benchmarks use
// it to make a bucket of 100,000 objects in well under a second. Versions are numbered as the API
// numbers them, and the listings see them as they see any other.
func (e *Emulator) FillBucket(name string, f Fill) error {
	if f.Prefix == "" {
		f.Prefix = "fill/"
	}
	e.mu.Lock()
	defer e.mu.Unlock()
	b := e.buckets[name]
	if b == nil {
		return fmt.Errorf("osstest: no bucket %q", name)
	}
	if (f.OldVersions > 0 || f.DeleteMarkers > 0) && b.versioning != ossapi.VersioningEnabled {
		return fmt.Errorf("osstest: bucket %q: old versions and delete markers need versioning Enabled", name)
	}
	if f.OldVersions > 0 && f.Objects == 0 {
		return fmt.Errorf("osstest: old versions need objects to belong to")
	}
	now := e.now().UTC().Truncate(time.Millisecond)
	version := func(key string, data []byte) *objectVersion {
		sum := md5.Sum(data)
		return &objectVersion{key: key, data: data, etag: quotedMD5(data), crc64: crcOf(data),
			contentMD5: base64.StdEncoding.EncodeToString(sum[:]), objectType: objectTypeNormal,
			storageClass: b.storageClass, modified: now}
	}
	for i := range f.Objects {
		key := fmt.Sprintf("%s%09d", f.Prefix, i)
		// Old versions first: the last version stored is the current one.
		for j := 0; j < f.OldVersions/f.Objects+boolInt(i < f.OldVersions%f.Objects); j++ {
			e.putVersion(b, version(key, fmt.Appendf(nil, "%s v%d", key, j)))
		}
		e.putVersion(b, version(key, []byte(key)))
	}
	for i := range f.DeleteMarkers {
		key := fmt.Sprintf("%sdeleted-%09d", f.Prefix, i)
		e.putVersion(b, version(key, []byte(key)))
		e.deleteKey(b, key, "", now)
	}
	for i := range f.Uploads {
		key := fmt.Sprintf("%supload-%09d", f.Prefix, i)
		b.uploads = append(b.uploads, &upload{key: key, uploadID: e.newUploadID(), initiated: now, parts: map[int]*part{}})
	}
	b.modified = now
	return nil
}

func boolInt(b bool) int {
	if b {
		return 1
	}
	return 0
}

// LockRetention gives a bucket a locked time-based retention policy (WORM) of days, as
// InitiateBucketWorm followed by CompleteBucketWorm would: from then on no object version younger
// than that can be deleted or overwritten (409 FileImmutable, from DeleteObject, from
// DeleteMultipleObjects, which then deletes nothing of the request, and from PutObject over it), so the
// bucket cannot be emptied nor deleted. Delete markers are not protected, and unfinished uploads can be
// aborted. The emulator does not serve the WORM operations themselves (InitiateBucketWorm,
// CompleteBucketWorm, GetBucketWorm...).
func (e *Emulator) LockRetention(name string, days int) error {
	if days < 1 {
		return fmt.Errorf("osstest: a retention period is at least one day, not %d", days)
	}
	e.mu.Lock()
	defer e.mu.Unlock()
	b := e.buckets[name]
	if b == nil {
		return fmt.Errorf("osstest: no bucket %q", name)
	}
	b.worm = &wormPolicy{days: days}
	return nil
}
