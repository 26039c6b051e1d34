package v1alpha1

// The bucket settings of BucketSpec. For every one the same rule holds: absent from the spec, the
// setting is not managed (never read-modify-written, never cleared, never reported as drift); present
// but empty (`lifecycle: {rules: []}`, `tags: {}`, `encryption: {}`), the setting is removed from the
// bucket; present, the bucket holds exactly that value, and drift is corrected at every resync.
//
// Every setting that is an object or a map is atomic for server-side apply (markers structType and
// mapType): one field manager owns it whole and its applied value replaces the stored one. With
// the default (granular) ownership, applying `tags: {}` or `encryption: {}` after keys the same manager
// owned removes those keys and leaves null, which the schema refuses (kubernetes/kubernetes#135841), so
// `kubectl apply --server-side` could not say "none". controllers/kubectl_test.go proves it with kubectl.
// Nothing inside them has a schema default: a defaulted field would make the stored value differ from
// every manifest, and a server-side apply of the same manifest by another manager (kubectl taking an
// object over from client-side apply, as hack/dev's test does) conflict on the whole setting.

// BucketSettings are the optional, declarative settings of a bucket.
type BucketSettings struct {
	// versioning is Enabled or Suspended. A bucket whose versioning was never set cannot return to
	// that state, so once set this field can change between Enabled and Suspended but not be removed.
	// +kubebuilder:validation:XValidation:rule="self in ['Enabled', 'Suspended']",message="must be Enabled or Suspended"
	// +optional
	Versioning string `json:"versioning,omitempty"`

	// encryption is the default server-side encryption of new objects. `{}` removes it.
	// +structType=atomic
	// +optional
	Encryption *Encryption `json:"encryption,omitempty"`

	// lifecycle expires, transitions and cleans up objects. `rules: []` removes every rule.
	// +structType=atomic
	// +optional
	Lifecycle *Lifecycle `json:"lifecycle,omitempty"`

	// cors holds the cross-origin rules. `rules: []` removes them.
	// +structType=atomic
	// +optional
	CORS *CORS `json:"cors,omitempty"`

	// OSS receives tags in XML, which cannot carry control characters unchanged: the operator refuses
	// them before anything is written.

	// tags are the bucket's tags, at most 20, for example {team: data}. `{}` removes every tag but the
	// operator's own ossoperator.io/owner tag, which is always kept; deleting one key removes that tag.
	// Keys starting with ossoperator.io/ are reserved. Keys and values must not contain control
	// characters (tabs, line breaks): a Bucket with them is Stalled with reason InvalidSpec.
	// +mapType=atomic
	// +kubebuilder:validation:MaxProperties=20
	// +kubebuilder:validation:XValidation:rule="self.all(k, size(bytes(k)) >= 1 && size(bytes(k)) <= 64)",message="spec.tags keys must be 1-64 bytes"
	// +kubebuilder:validation:XValidation:rule="self.all(k, !k.startsWith('http://') && !k.startsWith('https://') && !k.startsWith('Aliyun'))",message="spec.tags keys must not start with http://, https:// or Aliyun"
	// +kubebuilder:validation:XValidation:rule="self.all(k, !k.startsWith('ossoperator.io/'))",message="spec.tags keys starting with ossoperator.io/ are reserved for the operator"
	// +kubebuilder:validation:XValidation:rule="self.all(k, size(bytes(self[k])) <= 128)",message="spec.tags values must be at most 128 bytes"
	// +optional
	Tags map[string]string `json:"tags"` // no omitempty: `tags: {}` (remove all) must survive serialization

	// Its size is checked by a rule of BucketSpec, not of the field, so that a refusal does not quote
	// the 16 KB back (a field's rule shows the value; the length also no longer blocks the other rules).

	// policy is the bucket policy, a JSON document (Version "1", Statement [...]) of at most 16384
	// bytes. It is compared as JSON: key order and whitespace are never drift. "" removes the policy. A
	// policy that grants access to everyone needs publicAccessBlock: false.
	// +optional
	Policy *string `json:"policy,omitempty"`

	// logging writes access logs into another bucket of the same account and region. `{}` turns
	// logging off.
	// +structType=atomic
	// +optional
	Logging *Logging `json:"logging,omitempty"`

	// referer is hotlink protection. `{}` restores OSS's default (empty referers allowed, no lists).
	// +structType=atomic
	// +optional
	Referer *Referer `json:"referer,omitempty"`

	// website serves the bucket as a static website. `{}` turns it off.
	// +structType=atomic
	// +optional
	Website *Website `json:"website,omitempty"`

	// publicAccessBlock is Block Public Access, on by default for new buckets. A public ACL or a
	// public policy needs it false; the operator switches it off before applying them.
	// +optional
	PublicAccessBlock *bool `json:"publicAccessBlock,omitempty"`

	// resourceGroupId is the ID of the resource group the bucket belongs to, for example
	// rg-acfmxxxxxxxxxxx.
	// +kubebuilder:validation:XValidation:rule="self.matches('^rg-[a-zA-Z0-9]+$')",message="must be a resource group ID: rg- followed by letters and digits"
	// +kubebuilder:validation:XValidation:rule="size(self) <= 64",message="must be at most 64 characters"
	// +optional
	ResourceGroupID string `json:"resourceGroupId,omitempty"`
}

// Encryption is default server-side encryption.
// +kubebuilder:validation:XValidation:rule="!has(self.kmsKeyId) || (has(self.algorithm) && self.algorithm == 'KMS')",message="spec.encryption.kmsKeyId is only allowed with algorithm KMS",fieldPath=".kmsKeyId",reason=FieldValueForbidden
// +kubebuilder:validation:XValidation:rule="!has(self.kmsDataEncryption) || (has(self.algorithm) && self.algorithm == 'KMS')",message="spec.encryption.kmsDataEncryption is only allowed with algorithm KMS",fieldPath=".kmsDataEncryption",reason=FieldValueForbidden
// +kubebuilder:validation:XValidation:rule="has(self.algorithm) || (!has(self.kmsKeyId) && !has(self.kmsDataEncryption))",message="spec.encryption.algorithm is required unless encryption is {} (removed)",fieldPath=".algorithm",reason=FieldValueRequired
type Encryption struct {
	// algorithm: AES256 (OSS-managed keys), KMS (keys in KMS) or SM4.
	// +kubebuilder:validation:XValidation:rule="self in ['AES256', 'KMS', 'SM4']",message="must be AES256, KMS or SM4"
	// +optional
	Algorithm string `json:"algorithm,omitempty"`
	// kmsKeyId is the KMS key to use, with algorithm KMS; default: the key OSS manages in KMS.
	// +kubebuilder:validation:XValidation:rule="size(self) <= 256",message="must be at most 256 characters"
	// +optional
	// +kubebuilder:validation:XValidation:rule="!self.matches('[[:cntrl:]]')",message="kmsKeyId must not contain control characters (tabs, line breaks, ...): OSS receives it in XML, which cannot carry them unchanged"
	KMSKeyID string `json:"kmsKeyId,omitempty"`
	// kmsDataEncryption is SM4 to encrypt data with SM4 under a KMS key.
	// +kubebuilder:validation:XValidation:rule="self in ['SM4']",message="must be SM4"
	// +optional
	KMSDataEncryption string `json:"kmsDataEncryption,omitempty"`
}

// Lifecycle is a bucket's lifecycle configuration.
// +kubebuilder:validation:XValidation:rule="has(self.rules)",message="spec.lifecycle.rules is required: the lifecycle rules, or [] to remove every rule",fieldPath=".rules",reason=FieldValueRequired
type Lifecycle struct {
	// rules, at most 1000, with unique IDs.
	// +kubebuilder:validation:MaxItems=1000
	// +listType=map
	// +listMapKey=id
	// +optional
	Rules []LifecycleRule `json:"rules"`
}

// LifecycleRule is one lifecycle rule. It applies to the objects under prefix carrying every tag, less
// those the filter excludes, and needs at least one action.
// +kubebuilder:validation:XValidation:rule="has(self.expiration) || (has(self.transitions) && size(self.transitions) > 0) || has(self.abortMultipartUpload) || has(self.noncurrentVersionExpiration) || (has(self.noncurrentVersionTransitions) && size(self.noncurrentVersionTransitions) > 0)",message="a lifecycle rule needs at least one action: expiration, transitions, abortMultipartUpload, noncurrentVersionExpiration or noncurrentVersionTransitions"
type LifecycleRule struct {
	// id names the rule, unique in the bucket (1-255 bytes).
	// +kubebuilder:validation:MinLength=1
	// +kubebuilder:validation:MaxLength=255
	// +kubebuilder:validation:XValidation:rule="size(bytes(self)) <= 255",message="id must be at most 255 bytes"
	// +required
	// +kubebuilder:validation:XValidation:rule="!self.matches('[[:cntrl:]]')",message="id must not contain control characters (tabs, line breaks, ...): OSS receives it in XML, which cannot carry them unchanged"
	ID string `json:"id"`
	// prefix selects objects by key prefix, for example logs/; empty selects every object. It must not
	// contain control characters (tabs, line breaks).
	// +kubebuilder:validation:MaxLength=1024
	// +kubebuilder:validation:XValidation:rule="!self.matches('[\\\\x00-\\\\x1f]')",message="prefix must not contain control characters (tabs, line breaks, ...): OSS receives it in XML, which cannot carry them unchanged"
	// +optional
	Prefix string `json:"prefix,omitempty"`
	// tags select objects carrying all of these tags (object tags: keys of 1-128 characters, values of
	// at most 256, neither with control characters).
	// +kubebuilder:validation:MaxProperties=10
	// +kubebuilder:validation:XValidation:rule="self.all(k, size(k) >= 1 && size(k) <= 128 && size(self[k]) <= 256)",message="tag keys must be 1-128 characters and values at most 256"
	// +optional
	Tags map[string]string `json:"tags,omitempty"`
	// status is Enabled or Disabled. Absent: Enabled.
	// +kubebuilder:validation:XValidation:rule="self in ['Enabled', 'Disabled']",message="must be Enabled or Disabled"
	// +optional
	Status string `json:"status,omitempty"`
	// filter excludes objects from the rule.
	// +optional
	Filter *LifecycleFilter `json:"filter,omitempty"`
	// expiration deletes current objects.
	// +optional
	Expiration *LifecycleExpiration `json:"expiration,omitempty"`
	// transitions move current objects to colder storage classes.
	// +kubebuilder:validation:MaxItems=4
	// +optional
	Transitions []LifecycleTransition `json:"transitions,omitempty"`
	// abortMultipartUpload removes unfinished multipart uploads.
	// +optional
	AbortMultipartUpload *LifecycleAbortMultipartUpload `json:"abortMultipartUpload,omitempty"`
	// noncurrentVersionExpiration deletes old versions (needs versioning).
	// +optional
	NoncurrentVersionExpiration *NoncurrentVersionExpiration `json:"noncurrentVersionExpiration,omitempty"`
	// noncurrentVersionTransitions move old versions to colder storage classes (needs versioning).
	// +kubebuilder:validation:MaxItems=4
	// +optional
	NoncurrentVersionTransitions []NoncurrentVersionTransition `json:"noncurrentVersionTransitions,omitempty"`
}

// LifecycleFilter excludes objects by prefix and tag, and bounds object sizes.
// +kubebuilder:validation:XValidation:rule="!has(self.objectSizeGreaterThan) || !has(self.objectSizeLessThan) || self.objectSizeGreaterThan < self.objectSizeLessThan",message="filter.objectSizeGreaterThan must be less than filter.objectSizeLessThan",fieldPath=".objectSizeGreaterThan",reason=FieldValueInvalid
type LifecycleFilter struct {
	// not excludes objects under a prefix, optionally only those with a tag.
	// +kubebuilder:validation:MaxItems=1
	// +optional
	Not []LifecycleNot `json:"not,omitempty"`
	// objectSizeGreaterThan selects objects larger than this many bytes.
	// +kubebuilder:validation:Minimum=0
	// +optional
	ObjectSizeGreaterThan *int64 `json:"objectSizeGreaterThan,omitempty"`
	// objectSizeLessThan selects objects smaller than this many bytes.
	// +kubebuilder:validation:Minimum=1
	// +optional
	ObjectSizeLessThan *int64 `json:"objectSizeLessThan,omitempty"`
}

// LifecycleNot excludes the objects under a prefix from a rule, optionally only those carrying a tag.
// +kubebuilder:validation:XValidation:rule="has(self.prefix)",message="prefix is required: the key prefix of the excluded objects",fieldPath=".prefix",reason=FieldValueRequired
type LifecycleNot struct {
	// prefix of the excluded objects, without control characters.
	// +kubebuilder:validation:MaxLength=1024
	// +kubebuilder:validation:XValidation:rule="!self.matches('[\\\\x00-\\\\x1f]')",message="prefix must not contain control characters (tabs, line breaks, ...): OSS receives it in XML, which cannot carry them unchanged"
	// +optional
	Prefix string `json:"prefix"`
	// tag further narrows the exclusion to objects carrying it.
	// +optional
	Tag *Tag `json:"tag,omitempty"`
}

// Tag is a key and a value.
// +kubebuilder:validation:XValidation:rule="has(self.key)",message="key is required: the tag's key",fieldPath=".key",reason=FieldValueRequired
type Tag struct {
	// key of the tag.
	// +kubebuilder:validation:MinLength=1
	// +kubebuilder:validation:MaxLength=128
	// +optional
	// +kubebuilder:validation:XValidation:rule="!self.matches('[[:cntrl:]]')",message="key must not contain control characters (tabs, line breaks, ...): OSS receives it in XML, which cannot carry them unchanged"
	Key string `json:"key"`
	// value of the tag.
	// +kubebuilder:validation:MaxLength=256
	// +optional
	// +kubebuilder:validation:XValidation:rule="!self.matches('[[:cntrl:]]')",message="value must not contain control characters (tabs, line breaks, ...): OSS receives it in XML, which cannot carry them unchanged"
	Value string `json:"value,omitempty"`
}

// LifecycleExpiration holds exactly one of days, createdBeforeDate and expiredObjectDeleteMarker.
// +kubebuilder:validation:XValidation:rule="(has(self.days) ? 1 : 0) + (has(self.createdBeforeDate) ? 1 : 0) + (has(self.expiredObjectDeleteMarker) ? 1 : 0) == 1",message="expiration needs exactly one of days, createdBeforeDate and expiredObjectDeleteMarker"
type LifecycleExpiration struct {
	// days after an object's last modification when it expires.
	// +kubebuilder:validation:Minimum=1
	// +optional
	Days *int32 `json:"days,omitempty"`
	// createdBeforeDate (YYYY-MM-DD): objects last modified before midnight UTC of that day expire.
	// +kubebuilder:validation:XValidation:rule="self.matches('^[0-9]{4}-[0-9]{2}-[0-9]{2}$') && !format.date().validate(self).hasValue()",message="must be a date written YYYY-MM-DD, for example 2025-01-31"
	// +kubebuilder:validation:MaxLength=64
	// +optional
	CreatedBeforeDate string `json:"createdBeforeDate,omitempty"`
	// expiredObjectDeleteMarker removes delete markers that have no older versions left.
	// +optional
	ExpiredObjectDeleteMarker *bool `json:"expiredObjectDeleteMarker,omitempty"`
}

// LifecycleTransition moves objects to a colder storage class.
// +kubebuilder:validation:XValidation:rule="has(self.days)",message="days is required: the days after the last modification (or the last access, with isAccessTime) when objects move",fieldPath=".days",reason=FieldValueRequired
// +kubebuilder:validation:XValidation:rule="has(self.storageClass)",message="storageClass is required: IA, Archive, ColdArchive or DeepColdArchive",fieldPath=".storageClass",reason=FieldValueRequired
type LifecycleTransition struct {
	// days after the last modification (or the last access, with isAccessTime).
	// +kubebuilder:validation:Minimum=1
	// +optional
	Days int32 `json:"days"`
	// storageClass to move to: IA, Archive, ColdArchive or DeepColdArchive.
	// +kubebuilder:validation:XValidation:rule="self in ['IA', 'Archive', 'ColdArchive', 'DeepColdArchive']",message="must be IA, Archive, ColdArchive or DeepColdArchive: a colder storage class than Standard"
	// +optional
	StorageClass string `json:"storageClass"`
	// isAccessTime counts days from the last access instead of the last modification (needs access
	// tracking on the bucket).
	// +optional
	IsAccessTime *bool `json:"isAccessTime,omitempty"`
	// returnToStdWhenVisit moves an object back to Standard when it is read (with isAccessTime).
	// +optional
	ReturnToStdWhenVisit *bool `json:"returnToStdWhenVisit,omitempty"`
	// allowSmallFile also moves objects smaller than 64 KB (with isAccessTime).
	// +optional
	AllowSmallFile *bool `json:"allowSmallFile,omitempty"`
}

// LifecycleAbortMultipartUpload holds exactly one of days and createdBeforeDate.
// +kubebuilder:validation:XValidation:rule="has(self.days) != has(self.createdBeforeDate)",message="abortMultipartUpload needs exactly one of days and createdBeforeDate"
type LifecycleAbortMultipartUpload struct {
	// days after an upload started when it is aborted.
	// +kubebuilder:validation:Minimum=1
	// +optional
	Days *int32 `json:"days,omitempty"`
	// createdBeforeDate (YYYY-MM-DD): uploads started before midnight UTC of that day are aborted.
	// +kubebuilder:validation:XValidation:rule="self.matches('^[0-9]{4}-[0-9]{2}-[0-9]{2}$') && !format.date().validate(self).hasValue()",message="must be a date written YYYY-MM-DD, for example 2025-01-31"
	// +kubebuilder:validation:MaxLength=64
	// +optional
	CreatedBeforeDate string `json:"createdBeforeDate,omitempty"`
}

// NoncurrentVersionExpiration deletes old versions.
// +kubebuilder:validation:XValidation:rule="has(self.noncurrentDays)",message="noncurrentDays is required: the days after a version became old when it is deleted",fieldPath=".noncurrentDays",reason=FieldValueRequired
type NoncurrentVersionExpiration struct {
	// noncurrentDays after a version became old when it is deleted.
	// +kubebuilder:validation:Minimum=1
	// +optional
	NoncurrentDays int32 `json:"noncurrentDays"`
}

// NoncurrentVersionTransition moves old versions to a colder storage class.
// +kubebuilder:validation:XValidation:rule="has(self.noncurrentDays)",message="noncurrentDays is required: the days after a version became old when it moves",fieldPath=".noncurrentDays",reason=FieldValueRequired
// +kubebuilder:validation:XValidation:rule="has(self.storageClass)",message="storageClass is required: IA, Archive, ColdArchive or DeepColdArchive",fieldPath=".storageClass",reason=FieldValueRequired
type NoncurrentVersionTransition struct {
	// noncurrentDays after a version became old when it moves.
	// +kubebuilder:validation:Minimum=1
	// +optional
	NoncurrentDays int32 `json:"noncurrentDays"`
	// storageClass to move to: IA, Archive, ColdArchive or DeepColdArchive.
	// +kubebuilder:validation:XValidation:rule="self in ['IA', 'Archive', 'ColdArchive', 'DeepColdArchive']",message="must be IA, Archive, ColdArchive or DeepColdArchive: a colder storage class than Standard"
	// +optional
	StorageClass string `json:"storageClass"`
	// isAccessTime counts from the last access.
	// +optional
	IsAccessTime *bool `json:"isAccessTime,omitempty"`
	// returnToStdWhenVisit moves a version back to Standard when it is read.
	// +optional
	ReturnToStdWhenVisit *bool `json:"returnToStdWhenVisit,omitempty"`
	// allowSmallFile also moves versions smaller than 64 KB.
	// +optional
	AllowSmallFile *bool `json:"allowSmallFile,omitempty"`
}

// CORS is a bucket's cross-origin configuration.
// +kubebuilder:validation:XValidation:rule="has(self.rules)",message="spec.cors.rules is required: the CORS rules, or [] to remove them",fieldPath=".rules",reason=FieldValueRequired
type CORS struct {
	// rules, at most 10.
	// +kubebuilder:validation:MaxItems=10
	// +optional
	Rules []CORSRule `json:"rules"`
	// responseVary adds Vary: Origin to responses, for caches in front of the bucket. Default false.
	// +optional
	ResponseVary *bool `json:"responseVary,omitempty"`
}

// CORSRule allows cross-origin requests.
// +kubebuilder:validation:XValidation:rule="has(self.allowedOrigins)",message="allowedOrigins is required: at least one origin, for example https://example.com or *",fieldPath=".allowedOrigins",reason=FieldValueRequired
// +kubebuilder:validation:XValidation:rule="has(self.allowedMethods)",message="allowedMethods is required: one or more of GET, PUT, POST, DELETE and HEAD",fieldPath=".allowedMethods",reason=FieldValueRequired
type CORSRule struct {
	// allowedOrigins are the origins allowed, each with at most one "*", for example
	// https://www.example.com, https://*.example.com or *.
	// +kubebuilder:validation:MinItems=1
	// +kubebuilder:validation:MaxItems=64
	// +kubebuilder:validation:items:MaxLength=512
	// +kubebuilder:validation:XValidation:rule="self.all(o, size(o.split('*')) <= 2)",message="cors allowedOrigins may contain at most one * each"
	// +optional
	// +kubebuilder:validation:XValidation:rule="self.all(x, !x.matches('[[:cntrl:]]'))",message="allowedOrigins must not contain control characters (tabs, line breaks, ...): OSS receives it in XML, which cannot carry them unchanged"
	AllowedOrigins []string `json:"allowedOrigins"`
	// allowedMethods are the HTTP methods allowed: GET, PUT, POST, DELETE and HEAD.
	// +kubebuilder:validation:MinItems=1
	// +kubebuilder:validation:MaxItems=5
	// +kubebuilder:validation:items:XValidation:rule="self in ['GET', 'PUT', 'POST', 'DELETE', 'HEAD']",message="must be GET, PUT, POST, DELETE or HEAD"
	// +optional
	AllowedMethods []string `json:"allowedMethods"`
	// allowedHeaders are the request headers a preflight request may ask for, each with at most one
	// "*", for example Content-Type or x-oss-*.
	// +kubebuilder:validation:MaxItems=64
	// +kubebuilder:validation:items:MaxLength=512
	// +kubebuilder:validation:XValidation:rule="self.all(h, size(h.split('*')) <= 2)",message="cors allowedHeaders may contain at most one * each"
	// +optional
	// +kubebuilder:validation:XValidation:rule="self.all(x, !x.matches('[[:cntrl:]]'))",message="allowedHeaders must not contain control characters (tabs, line breaks, ...): OSS receives it in XML, which cannot carry them unchanged"
	AllowedHeaders []string `json:"allowedHeaders,omitempty"`
	// exposeHeaders are the response headers a browser lets the page read, for example ETag.
	// +kubebuilder:validation:MaxItems=64
	// +kubebuilder:validation:items:MaxLength=512
	// +optional
	// +kubebuilder:validation:XValidation:rule="self.all(x, !x.matches('[[:cntrl:]]'))",message="exposeHeaders must not contain control characters (tabs, line breaks, ...): OSS receives it in XML, which cannot carry them unchanged"
	ExposeHeaders []string `json:"exposeHeaders,omitempty"`
	// maxAgeSeconds is how long a browser may cache the answer to a preflight request.
	// +kubebuilder:validation:Minimum=0
	// +kubebuilder:validation:Maximum=999999999
	// +optional
	MaxAgeSeconds *int64 `json:"maxAgeSeconds,omitempty"`
}

// Logging is access logging. `{}` turns it off.
// +kubebuilder:validation:XValidation:rule="has(self.targetBucket) || !has(self.targetPrefix)",message="spec.logging.targetPrefix needs spec.logging.targetBucket",fieldPath=".targetBucket",reason=FieldValueRequired
type Logging struct {
	// targetBucket receives the logs: a bucket of the same account in the same region.
	// +kubebuilder:validation:MinLength=3
	// +kubebuilder:validation:XValidation:rule="size(self) <= 63",message="must be at most 63 characters"
	// +kubebuilder:validation:XValidation:rule="self.matches('^[a-z0-9][a-z0-9-]*[a-z0-9]$')",message="must be an OSS bucket name: lowercase letters, digits and '-', starting and ending with a letter or digit"
	// +optional
	TargetBucket string `json:"targetBucket,omitempty"`
	// targetPrefix starts the names of the log objects, for example logs/. Default: none.
	// +kubebuilder:validation:XValidation:rule="size(self) <= 32",message="must be at most 32 characters"
	// +optional
	// +kubebuilder:validation:XValidation:rule="!self.matches('[[:cntrl:]]')",message="targetPrefix must not contain control characters (tabs, line breaks, ...): OSS receives it in XML, which cannot carry them unchanged"
	TargetPrefix string `json:"targetPrefix,omitempty"`
}

// Referer is hotlink protection.
type Referer struct {
	// allowEmpty allows requests without a Referer header. Default true.
	// +optional
	AllowEmpty *bool `json:"allowEmpty,omitempty"`
	// allowTruncateQueryString matches referers without their query string. Default true.
	// +optional
	AllowTruncateQueryString *bool `json:"allowTruncateQueryString,omitempty"`
	// truncatePath matches referers without their path (needs allowTruncateQueryString).
	// +optional
	TruncatePath *bool `json:"truncatePath,omitempty"`
	// allowList of referers allowed, with * and ? wildcards, for example https://*.example.com.
	// +kubebuilder:validation:MaxItems=100
	// +kubebuilder:validation:items:MaxLength=512
	// +optional
	// +kubebuilder:validation:XValidation:rule="self.all(x, !x.matches('[[:cntrl:]]'))",message="allowList must not contain control characters (tabs, line breaks, ...): OSS receives it in XML, which cannot carry them unchanged"
	AllowList []string `json:"allowList,omitempty"`
	// blockList of referers refused, even when the allowList allows them; * and ? are wildcards.
	// +kubebuilder:validation:MaxItems=100
	// +kubebuilder:validation:items:MaxLength=512
	// +optional
	// +kubebuilder:validation:XValidation:rule="self.all(x, !x.matches('[[:cntrl:]]'))",message="blockList must not contain control characters (tabs, line breaks, ...): OSS receives it in XML, which cannot carry them unchanged"
	BlockList []string `json:"blockList,omitempty"`
}

// Website is static website hosting. `{}` turns it off.
// +kubebuilder:validation:XValidation:rule="!has(self.errorDocument) || has(self.indexDocument)",message="spec.website.errorDocument needs spec.website.indexDocument",fieldPath=".indexDocument",reason=FieldValueRequired
type Website struct {
	// indexDocument is served for a directory.
	// +optional
	IndexDocument *IndexDocument `json:"indexDocument,omitempty"`
	// errorDocument is served for a missing object.
	// +optional
	ErrorDocument *ErrorDocument `json:"errorDocument,omitempty"`
}

// IndexDocument is the default page.
// +kubebuilder:validation:XValidation:rule="has(self.suffix)",message="suffix is required: the index page's name, for example index.html",fieldPath=".suffix",reason=FieldValueRequired
// +kubebuilder:validation:XValidation:rule="!has(self.suffix) || size(self.suffix) <= 1024",message="suffix must be at most 1024 characters",fieldPath=".suffix",reason=FieldValueInvalid
type IndexDocument struct {
	// suffix is the page's name, for example index.html.
	// +kubebuilder:validation:MinLength=1
	// +optional
	// +kubebuilder:validation:XValidation:rule="!self.matches('[[:cntrl:]]')",message="suffix must not contain control characters (tabs, line breaks, ...): OSS receives it in XML, which cannot carry them unchanged"
	Suffix string `json:"suffix"`
	// supportSubDir serves the index page of sub-directories too.
	// +optional
	SupportSubDir *bool `json:"supportSubDir,omitempty"`
}

// ErrorDocument is the page for a missing object.
// +kubebuilder:validation:XValidation:rule="has(self.key)",message="key is required: the error page's object key, for example error.html",fieldPath=".key",reason=FieldValueRequired
// +kubebuilder:validation:XValidation:rule="!has(self.key) || size(self.key) <= 1024",message="key must be at most 1024 characters",fieldPath=".key",reason=FieldValueInvalid
type ErrorDocument struct {
	// key of the error page, for example error.html.
	// +kubebuilder:validation:MinLength=1
	// +optional
	// +kubebuilder:validation:XValidation:rule="!self.matches('[[:cntrl:]]')",message="key must not contain control characters (tabs, line breaks, ...): OSS receives it in XML, which cannot carry them unchanged"
	Key string `json:"key"`
	// httpStatus answered with it: 404 (the default) or 200.
	// +kubebuilder:validation:XValidation:rule="self in [200, 404]",message="must be 404 or 200"
	// +optional
	HTTPStatus *int32 `json:"httpStatus,omitempty"`
}
