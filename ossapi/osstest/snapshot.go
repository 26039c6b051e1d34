package osstest

import (
	"encoding/xml"
	"time"

	"github.com/ossoperator/oss-operator/ossapi"
)

// AccountSnapshot is a deep copy of the buckets an account owns, by name.
type AccountSnapshot struct {
	AccountID string
	Buckets   map[string]BucketSnapshot
}

// BucketSnapshot is a bucket with every setting. A nil pointer or an empty value means not configured;
// Referer is nil while the bucket has OSS's default (empty referers allowed, no list).
type BucketSnapshot struct {
	Name              string
	Region            string
	Owner             string
	ACL               ossapi.ACL
	StorageClass      ossapi.StorageClass
	RedundancyType    ossapi.RedundancyType
	ResourceGroupID   string
	CreationDate      time.Time
	Versioning        string // "", Enabled or Suspended
	BlockPublicAccess bool
	Tags              map[string]string
	Lifecycle         *ossapi.LifecycleConfiguration
	CORS              *ossapi.CORSConfiguration
	Policy            string
	Logging           *ossapi.LoggingEnabled
	Website           *ossapi.WebsiteConfiguration
	Referer           *ossapi.RefererConfiguration
	Encryption        *ossapi.ServerSideEncryptionByDefault
	// Objects holds every version and delete marker, by key, newest version first.
	Objects []ObjectSnapshot
	// MultipartUploads holds the unfinished uploads in the order they were started.
	MultipartUploads []UploadSnapshot
}

// ObjectSnapshot is one version of an object, or a delete marker. Objects of a bucket that never had
// versioning have version ID "null".
type ObjectSnapshot struct {
	Key, VersionID         string
	IsLatest, DeleteMarker bool
	Size                   int64
	ETag                   string
	Type                   string // Normal or Multipart; "" for a delete marker
}

// UploadSnapshot is an unfinished multipart upload: how many parts it has so far and their total size.
type UploadSnapshot struct {
	Key, UploadID string
	Parts         int
	Size          int64
}

// Snapshot copies the buckets the account owns, with every setting, object version and upload. Changing
// the snapshot does not change the emulator.
func (e *Emulator) Snapshot(accountID string) AccountSnapshot {
	e.mu.Lock()
	defer e.mu.Unlock()
	s := AccountSnapshot{AccountID: accountID, Buckets: map[string]BucketSnapshot{}}
	for name, b := range e.buckets {
		if b.owner == accountID {
			s.Buckets[name] = b.snapshot()
		}
	}
	return s
}

// Bucket returns a snapshot of one bucket, whoever owns it.
func (e *Emulator) Bucket(name string) (BucketSnapshot, bool) {
	e.mu.Lock()
	defer e.mu.Unlock()
	b, ok := e.buckets[name]
	if !ok {
		return BucketSnapshot{}, false
	}
	return b.snapshot(), true
}

func (b *bucket) snapshot() BucketSnapshot {
	s := BucketSnapshot{
		Name: b.name, Region: b.region, Owner: b.owner, ACL: b.acl, StorageClass: b.storageClass,
		RedundancyType: b.redundancy, ResourceGroupID: b.resourceGroupID, CreationDate: b.created,
		Versioning: b.versioning, BlockPublicAccess: b.blockPublicAccess, Policy: b.policy,
		Lifecycle: deepCopy(b.lifecycle), CORS: deepCopy(b.cors), Logging: deepCopy(b.logging),
		Website: deepCopy(b.website), Referer: deepCopy(b.referer), Encryption: deepCopy(b.encryption),
	}
	if len(b.tags) > 0 {
		s.Tags = make(map[string]string, len(b.tags))
		for _, t := range b.tags {
			s.Tags[t.Key] = t.Value
		}
	}
	for _, k := range b.sortedKeys() {
		for i, v := range b.objects[k] {
			s.Objects = append(s.Objects, ObjectSnapshot{
				Key: v.key, VersionID: v.versionID, IsLatest: i == 0, DeleteMarker: v.deleteMarker,
				Size: int64(len(v.data)), ETag: v.etag, Type: v.objectType,
			})
		}
	}
	for _, u := range b.uploads {
		us := UploadSnapshot{Key: u.key, UploadID: u.uploadID, Parts: len(u.parts)}
		for _, p := range u.parts {
			us.Size += int64(len(p.data))
		}
		s.MultipartUploads = append(s.MultipartUploads, us)
	}
	return s
}

// deepCopy copies a configuration through its XML form, which is how it was stored in the first place;
// every type copied here round-trips.
func deepCopy[T any](v *T) *T {
	if v == nil {
		return nil
	}
	b, err := xml.Marshal(v)
	if err != nil {
		panic("osstest: copying a configuration: " + err.Error())
	}
	out := new(T)
	if err := xml.Unmarshal(b, out); err != nil {
		panic("osstest: copying a configuration: " + err.Error())
	}
	return out
}
