package v1alpha1

import (
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
)

// AccessKeyReference names an AccessKey: in the Bucket's namespace, or in another namespace whose
// AccessKey grants the Bucket's (its spec.allowedNamespaces).
// +kubebuilder:validation:XValidation:rule="has(self.name)",message="name is required: the name of an AccessKey",fieldPath=".name",reason=FieldValueRequired
type AccessKeyReference struct {
	// name of the AccessKey.
	// +kubebuilder:validation:MinLength=1
	// +kubebuilder:validation:XValidation:rule="size(self) <= 253",message="must be at most 253 characters"
	// +kubebuilder:validation:XValidation:rule="self.matches('^[a-z0-9]([-a-z0-9]*[a-z0-9])?([.][a-z0-9]([-a-z0-9]*[a-z0-9])?)*$')",message="must be the name of an AccessKey: lowercase letters, digits, '-' and '.', starting and ending with a letter or digit"
	// +optional
	Name string `json:"name"`

	// namespace of the AccessKey. Default: the namespace of the resource that names it. An AccessKey of
	// another namespace is used only if its spec.allowedNamespaces selects this namespace; until then
	// this resource is Stalled with reason AccessKeyNotGranted and nothing is sent to Alibaba Cloud. A
	// platform team keeps one AccessKey, and its Secret, in a namespace of its own; tenants name it and
	// never see the Secret.
	// +kubebuilder:validation:XValidation:rule="size(self) <= 63",message="must be at most 63 characters"
	// +kubebuilder:validation:XValidation:rule="self.matches('^[a-z0-9]([-a-z0-9]*[a-z0-9])?$')",message="must be the name of a namespace: lowercase letters, digits and '-', starting and ending with a letter or digit"
	// +optional
	Namespace string `json:"namespace,omitempty"`
}

// DeletionPolicy says what happens to the OSS bucket when the Bucket resource is deleted.
// +kubebuilder:validation:XValidation:rule="self in ['Retain', 'Delete']",message="must be Retain or Delete"
type DeletionPolicy string

// Deletion policies.
const (
	DeletionRetain DeletionPolicy = "Retain"
	DeletionDelete DeletionPolicy = "Delete"
)

// ManagementPolicy says whether the operator manages the OSS bucket or only observes it.
// +kubebuilder:validation:XValidation:rule="self in ['Manage', 'Observe']",message="must be Manage or Observe"
type ManagementPolicy string

// Management policies.
const (
	ManagementManage  ManagementPolicy = "Manage"
	ManagementObserve ManagementPolicy = "Observe"
)

// BucketSpec declares an OSS bucket.
// +kubebuilder:validation:XValidation:rule="has(self.name) == has(oldSelf.name) && (!has(self.name) || self.name == oldSelf.name)",message="spec.name cannot be added, changed or removed: a Bucket cannot be pointed at another OSS bucket",fieldPath=".name",reason=FieldValueForbidden
// +kubebuilder:validation:XValidation:rule="!has(oldSelf.versioning) || has(self.versioning)",message="spec.versioning cannot be removed once set, because OSS cannot turn versioning back off: set it to Suspended",fieldPath=".versioning",reason=FieldValueForbidden
// +kubebuilder:validation:XValidation:rule="!has(self.acl) || !(self.acl in ['public-read', 'public-read-write']) || (has(self.publicAccessBlock) && !self.publicAccessBlock)",message="a public spec.acl needs Block Public Access off, which OSS turns on for new buckets: add spec.publicAccessBlock: false, or use acl: private",fieldPath=".acl",reason=FieldValueInvalid
// +kubebuilder:validation:XValidation:rule="has(self.accessKeyRef)",message="spec.accessKeyRef is required: the AccessKey whose credentials manage the bucket, as {name: <AccessKey>}",fieldPath=".accessKeyRef",reason=FieldValueRequired
// +kubebuilder:validation:XValidation:rule="!has(self.policy) || size(bytes(self.policy)) <= 16384",message="spec.policy must be at most 16384 bytes",fieldPath=".policy",reason=FieldValueInvalid
type BucketSpec struct {
	// accessKeyRef names the AccessKey whose credentials manage the bucket: of the Bucket's namespace, or
	// of another namespace that it grants.
	// +optional
	AccessKeyRef AccessKeyReference `json:"accessKeyRef"`

	// name is the OSS bucket name: 3-63 characters of a-z, 0-9 and "-", starting and ending with a
	// letter or digit, unique across all of OSS. Default: metadata.name. Immutable.
	// +kubebuilder:validation:MinLength=3
	// +kubebuilder:validation:XValidation:rule="size(self) <= 63",message="must be at most 63 characters"
	// +kubebuilder:validation:XValidation:rule="self.matches('^[a-z0-9][a-z0-9-]*[a-z0-9]$')",message="must be an OSS bucket name: lowercase letters, digits and '-', starting and ending with a letter or digit"
	// +optional
	Name string `json:"name,omitempty"`

	// region is the region ID of the bucket, for example cn-hangzhou. Default: the AccessKey's region.
	// Once set it can only be removed, or set to the region the bucket is in (status.region).
	// +kubebuilder:validation:XValidation:rule="self.matches('^[a-z]{2,}(-[a-z0-9]+)+$')",message="must be a region ID: two or more lowercase letters, then parts of lowercase letters and digits each after a '-', for example cn-hangzhou"
	// +kubebuilder:validation:XValidation:rule="!self.startsWith('oss-')",message="must be the region ID without the oss- prefix, for example cn-hangzhou"
	// +kubebuilder:validation:XValidation:rule="size(self) <= 63",message="must be at most 63 characters"
	// +optional
	Region string `json:"region,omitempty"`

	// storageClass of a new bucket: Standard, IA, Archive, ColdArchive or DeepColdArchive. OSS's
	// default is Standard. An existing bucket of another class makes the Bucket Stalled with reason
	// ImmutableFieldMismatch. Once set it can only be removed, or set to the bucket's class
	// (status.storageClass).
	// +kubebuilder:validation:XValidation:rule="self in ['Standard', 'IA', 'Archive', 'ColdArchive', 'DeepColdArchive']",message="must be Standard, IA, Archive, ColdArchive or DeepColdArchive"
	// +optional
	StorageClass string `json:"storageClass,omitempty"`

	// redundancyType of a new bucket: LRS (locally redundant, OSS's default) or ZRS (zone-redundant).
	// Once set it can only be removed, or set to the bucket's redundancy type (status.redundancyType).
	// +kubebuilder:validation:XValidation:rule="self in ['LRS', 'ZRS']",message="must be LRS or ZRS"
	// +optional
	RedundancyType string `json:"redundancyType,omitempty"`

	// acl is the bucket ACL: private, public-read or public-read-write. Absent: a new bucket is private
	// and an adopted bucket's ACL is left as it is. A public ACL needs publicAccessBlock: false in the
	// same spec.
	// +kubebuilder:validation:XValidation:rule="self in ['private', 'public-read', 'public-read-write']",message="must be private, public-read or public-read-write"
	// +optional
	ACL string `json:"acl,omitempty"`

	// deletionPolicy is what deleting the Bucket resource does to the OSS bucket: Retain (the default)
	// leaves it, without the operator's ownership tag; Delete deletes it if it is empty. A non-empty
	// bucket is never emptied by the operator: the resource stays, with condition DeletionBlocked saying
	// what is left. It can be changed during a deletion: Retain then lets the resource go at once.
	// +kubebuilder:default=Retain
	// +optional
	DeletionPolicy DeletionPolicy `json:"deletionPolicy,omitempty"`

	// adopt allows taking over an existing bucket of the same account that no live resource manages,
	// including one left behind by a deleted resource. Settings the spec does not declare are left as
	// they are. Default false: such a bucket makes the Bucket Stalled with reason AdoptionRequired.
	// +optional
	Adopt bool `json:"adopt,omitempty"`

	// managementPolicy is Manage (the default: the operator creates or adopts the bucket and holds it
	// to the spec) or Observe: the operator only reads an existing bucket and never writes to OSS, not
	// even its ownership tag. An Observe Bucket shows every setting it reads in
	// status.observed.settings, in the spec's shape, and lists in status.observed.differences the
	// declared settings that OSS holds otherwise; it is Ready with reason Observed, or waits with reason
	// BucketNotFound while the bucket does not exist; a bucket that a Bucket of another namespace manages
	// is not shown (Stalled, OwnedByAnother). It takes no claim on the bucket name (it writes
	// nothing to guard), and its deletion never touches OSS, whatever spec.deletionPolicy says (that
	// applies once the Bucket is Manage). To take the bucket over, copy status.observed.settings into the
	// spec and set managementPolicy: Manage with adopt: true: the only write is then the ownership tag.
	// +kubebuilder:default=Manage
	// +optional
	ManagementPolicy ManagementPolicy `json:"managementPolicy,omitempty"`

	// The bucket's declarative settings.
	BucketSettings `json:",inline"`
}

// BucketStatus reports where the bucket stands.
type BucketStatus struct {
	// observedGeneration is the metadata.generation this status describes. Below metadata.generation,
	// the operator has not yet acted on the latest spec; 0 until it first looks at the Bucket.
	// +optional
	ObservedGeneration int64 `json:"observedGeneration,omitempty"`

	// conditions say whether OSS matches the spec. Ready is True when it does; Reconciling is True
	// while the operator works on it or waits for something that resolves by itself; Stalled is True
	// when a person must change something (the reason and message say what); DeletionBlocked says why
	// a deletion waits. docs/troubleshooting.md explains every reason.
	// +listType=map
	// +listMapKey=type
	// +optional
	Conditions []metav1.Condition `json:"conditions,omitempty"`

	// bucketName is the name of the OSS bucket: spec.name, or metadata.name.
	// +optional
	BucketName string `json:"bucketName,omitempty"`

	// region is the region ID the bucket is in, for example cn-hangzhou.
	// +optional
	Region string `json:"region,omitempty"`

	// storageClass is the bucket's storage class, as OSS reports it.
	// +optional
	StorageClass string `json:"storageClass,omitempty"`

	// redundancyType is the bucket's redundancy type (LRS or ZRS), as OSS reports it.
	// +optional
	RedundancyType string `json:"redundancyType,omitempty"`

	// location is the bucket's location as OSS names it, for example oss-cn-hangzhou.
	// +optional
	Location string `json:"location,omitempty"`

	// extranetEndpoint is the public endpoint of the bucket's region, for example
	// oss-cn-hangzhou.aliyuncs.com. With an AccessKey whose spec.endpoint is outside aliyuncs.com
	// (an emulator, for example), it is that endpoint, as scheme://host[:port].
	// +optional
	ExtranetEndpoint string `json:"extranetEndpoint,omitempty"`

	// intranetEndpoint is the VPC endpoint of the bucket's region, reachable from Alibaba Cloud in
	// that region, for example oss-cn-hangzhou-internal.aliyuncs.com. With an AccessKey whose
	// spec.endpoint is outside aliyuncs.com, it is that endpoint, as scheme://host[:port].
	// +optional
	IntranetEndpoint string `json:"intranetEndpoint,omitempty"`

	// url is the bucket's URL, https://<bucket>.<extranetEndpoint>. With an AccessKey whose
	// spec.endpoint is outside aliyuncs.com, it is <endpoint>/<bucket> (path-style).
	// +optional
	URL string `json:"url,omitempty"`

	// The operator records the name before it creates the bucket, so that after a restart or a failure
	// before the ownership tag is written it still knows the bucket is this resource's own.

	// createdBucket is the name of the bucket the operator created for this Bucket. Empty when the
	// Bucket took over a bucket that already existed (spec.adopt).
	// +optional
	CreatedBucket string `json:"createdBucket,omitempty"`

	// creationTime is when OSS created the bucket.
	// +optional
	CreationTime *metav1.Time `json:"creationTime,omitempty"`

	// settings lists each setting the spec declares (tags, lifecycle, ...) and whether OSS holds it
	// as declared.
	// +listType=map
	// +listMapKey=name
	// +optional
	Settings []SettingStatus `json:"settings,omitempty"`

	// observed is what an Observe Bucket (spec.managementPolicy: Observe) last read in OSS; absent for a
	// managed Bucket.
	// +optional
	Observed *ObservedBucket `json:"observed,omitempty"`

	ReconcileRequestStatus `json:",inline"`
}

// ObservedBucket is the bucket as an Observe Bucket read it.
type ObservedBucket struct {
	// settings are the bucket's settings as OSS holds them, in the shape of the spec's: copied into the
	// spec, each is in sync. Every setting the spec can declare is shown, those OSS leaves at its default
	// too (`cors: {rules: []}`, `encryption: {}`); tags without the operator's ownership tag. They are
	// shown as OSS holds them and not checked against the spec's rules: a value the spec cannot take
	// is refused, naming the field, when it is copied into the spec. A setting that cannot be read, or
	// is too large to show, is left out and listed in omitted.
	// +kubebuilder:validation:Schemaless
	// +kubebuilder:pruning:PreserveUnknownFields
	// +kubebuilder:validation:Type=object
	// +optional
	Settings *ObservedSettings `json:"settings,omitempty"`

	// differences are the spec fields whose declared value OSS holds otherwise, for example
	// spec.versioning. Nothing is written to make them equal while the Bucket is Observe.
	// +listType=set
	// +optional
	Differences []string `json:"differences,omitempty"`

	// omitted are the settings left out of settings, and why.
	// +listType=map
	// +listMapKey=name
	// +optional
	Omitted []OmittedSetting `json:"omitted,omitempty"`
}

// ObservedSettings are a bucket's settings in the shape of the spec's: spec.acl and the rest.
type ObservedSettings struct {
	// acl is the bucket ACL, as spec.acl.
	// +optional
	ACL string `json:"acl,omitempty"`

	BucketSettings `json:",inline"`
}

// OmittedSetting is a setting that status.observed.settings does not show.
type OmittedSetting struct {
	// name of the setting, as its spec field.
	// +required
	Name string `json:"name"`
	// reason it is not shown: it could not be read (OSS's code and message), it is larger than status
	// can hold, or OSS holds a value the spec has no field for.
	// +required
	Reason string `json:"reason"`
}

// SettingStatus says whether OSS holds one managed setting as the spec declares it.
type SettingStatus struct {
	// name of the setting, as its spec field (lifecycle, cors, tags, ...).
	// +required
	Name string `json:"name"`
	// inSync is true when OSS holds the setting as the spec declares it.
	// +required
	InSync bool `json:"inSync"`
	// message says why the setting is not in sync; when OSS refused it, OSS's error code and message.
	// +optional
	Message string `json:"message,omitempty"`
	// syncedGeneration is the metadata.generation at which OSS last held this setting as declared. A
	// difference found while the spec is still at that generation was made outside Kubernetes: the
	// operator corrects it and reports it as drift (a DriftCorrected Event).
	// +optional
	SyncedGeneration int64 `json:"syncedGeneration,omitempty"`
}

// Bucket is an Alibaba Cloud OSS bucket, created, adopted, observed and deleted by the operator with
// the credentials of an AccessKey of its namespace, or of another namespace that grants it.
//
// +kubebuilder:object:root=true
// +kubebuilder:subresource:status
// +kubebuilder:resource:shortName=ossbucket,categories=oss
// +kubebuilder:printcolumn:name="Bucket",type=string,JSONPath=`.status.bucketName`
// +kubebuilder:printcolumn:name="Region",type=string,JSONPath=`.status.region`
// +kubebuilder:printcolumn:name="Ready",type=string,JSONPath=`.status.conditions[?(@.type=="Ready")].status`
// +kubebuilder:printcolumn:name="Reason",type=string,JSONPath=`.status.conditions[?(@.type=="Ready")].reason`
// +kubebuilder:printcolumn:name="Age",type=date,JSONPath=`.metadata.creationTimestamp`
// +kubebuilder:printcolumn:name="Storage Class",type=string,JSONPath=`.status.storageClass`,priority=1
// +kubebuilder:printcolumn:name="Versioning",type=string,JSONPath=`.spec.versioning`,priority=1
// +kubebuilder:printcolumn:name="URL",type=string,JSONPath=`.status.url`,priority=1
// +kubebuilder:printcolumn:name="Message",type=string,JSONPath=`.status.conditions[?(@.type=="Ready")].message`,priority=1
// +kubebuilder:validation:XValidation:rule="has(self.spec.name) || self.metadata.name.matches('^[a-z0-9][a-z0-9-]{1,61}[a-z0-9]$')",message="metadata.name is not a valid OSS bucket name (3-63 characters of a-z, 0-9 and -, starting and ending with a letter or digit): set spec.name",fieldPath=".spec.name",reason=FieldValueRequired
// +kubebuilder:validation:XValidation:rule="!has(oldSelf.spec.region) || !has(self.spec.region) || self.spec.region == oldSelf.spec.region || (has(self.status) && has(self.status.region) && self.spec.region == self.status.region)",message="spec.region cannot be changed once set, because a bucket cannot move to another region: remove the field, or set it to the bucket's region (status.region)",fieldPath=".spec.region",reason=FieldValueForbidden
// +kubebuilder:validation:XValidation:rule="!has(oldSelf.spec.storageClass) || !has(self.spec.storageClass) || self.spec.storageClass == oldSelf.spec.storageClass || (has(self.status) && has(self.status.storageClass) && self.spec.storageClass == self.status.storageClass)",message="spec.storageClass cannot be changed once set, because OSS cannot change a bucket's storage class: remove the field, or set it to the bucket's class (status.storageClass)",fieldPath=".spec.storageClass",reason=FieldValueForbidden
// +kubebuilder:validation:XValidation:rule="!has(oldSelf.spec.redundancyType) || !has(self.spec.redundancyType) || self.spec.redundancyType == oldSelf.spec.redundancyType || (has(self.status) && has(self.status.redundancyType) && self.spec.redundancyType == self.status.redundancyType)",message="spec.redundancyType cannot be changed once set, because OSS cannot change it: remove the field, or set it to the bucket's redundancy type (status.redundancyType)",fieldPath=".spec.redundancyType",reason=FieldValueForbidden
type Bucket struct {
	metav1.TypeMeta   `json:",inline"`
	metav1.ObjectMeta `json:"metadata,omitempty"`

	// spec declares the bucket.
	// +required
	Spec BucketSpec `json:"spec"`

	// The default makes a Bucket the operator has not looked at yet read observedGeneration 0, so that
	// GitOps tools (kstatus) see it as in progress rather than current (docs/gitops.md).

	// status is what the operator last observed: whether OSS matches the spec (conditions), where the
	// bucket is (name, region, endpoints, URL) and each declared setting.
	// +kubebuilder:default={observedGeneration: 0}
	// +optional
	Status BucketStatus `json:"status,omitempty"`
}

// BucketName is the OSS bucket name: spec.name, or metadata.name when it is not set.
func (b *Bucket) BucketName() string {
	if b.Spec.Name != "" {
		return b.Spec.Name
	}
	return b.Name
}

// BucketList is a list of Buckets.
//
// +kubebuilder:object:root=true
type BucketList struct {
	metav1.TypeMeta `json:",inline"`
	metav1.ListMeta `json:"metadata,omitempty"`
	Items           []Bucket `json:"items"`
}

func init() {
	SchemeBuilder.Register(&Bucket{}, &BucketList{})
}
