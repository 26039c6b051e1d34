package v1alpha1

import (
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
)

// IssueSpec makes the operator issue a key pair of its own for the AccessKey: a RAM user of the
// issuer's account, a custom policy holding exactly the grants, and an AccessKey of that user, written
// to spec.secretRef for applications (envFrom).
//
// The RAM policy must fit RAM's document limit (2,048 characters in older documentation, which the
// operator designs for): the grants are refused at admission when their worst case could exceed it.
// A grant counts 160 characters, or 345 and twice its prefix's length when it has a prefix, and
// together they may count 1,448: 9 grants without prefixes, or 4 with short ones.
// +kubebuilder:validation:XValidation:rule="!has(self.grants) || self.grants.map(g, has(g.prefix) ? 345 + 2 * size(g.prefix) : 160).sum() <= 1448",message="these grants could make a RAM policy longer than RAM's limit of 2,048 characters: each grant counts 160, or 345 plus twice its prefix's length with a prefix, and together they may count at most 1,448; split them over several AccessKeys",fieldPath=".grants",reason=FieldValueInvalid
// +kubebuilder:validation:XValidation:rule="!has(self.issuerRef) || !has(oldSelf.issuerRef) || self.issuerRef == oldSelf.issuerRef",message="spec.issue.issuerRef cannot change: the RAM user, its policy and keys live in the issuer's account; create another AccessKey instead",fieldPath=".issuerRef",reason=FieldValueForbidden
// +kubebuilder:validation:XValidation:rule="has(self.issuerRef)",message="spec.issue.issuerRef is required: the AccessKey whose credentials issue the key, as {name: <AccessKey>}",fieldPath=".issuerRef",reason=FieldValueRequired
// +kubebuilder:validation:XValidation:rule="has(self.grants)",message="spec.issue.grants is required: at least one grant, as {bucketRef: {name: <Bucket>}, access: ReadOnly, ReadWrite or Admin}",fieldPath=".grants",reason=FieldValueRequired
type IssueSpec struct {
	// issuerRef names the AccessKey whose credentials create the RAM user, its policy and its keys: of
	// this namespace, or of another namespace that grants this one (its spec.allowedNamespaces). Its
	// key needs these RAM permissions: ram:CreateUser, GetUser, DeleteUser, CreatePolicy, GetPolicy,
	// CreatePolicyVersion, ListPolicyVersions, DeletePolicyVersion, DeletePolicy, AttachPolicyToUser,
	// DetachPolicyFromUser, CreateAccessKey, ListAccessKeys, UpdateAccessKey and DeleteAccessKey. It must
	// read its credentials from a Secret (an issued AccessKey cannot issue).
	// +optional
	IssuerRef AccessKeyReference `json:"issuerRef"`

	// grants are the buckets the issued key may use, and how. A grant names a Bucket of this
	// AccessKey's namespace; its bucket is granted once the Bucket manages it. Changing the grants
	// updates the RAM policy in place (a new policy version): the key and the Secret stay the same.
	// +kubebuilder:validation:MinItems=1
	// +kubebuilder:validation:MaxItems=9
	// +listType=atomic
	// +optional
	Grants []Grant `json:"grants"`

	// rotation replaces the key periodically, with an overlap during which both keys work. Absent: the
	// key lives until the AccessKey is deleted, or until the ossoperator.io/rotate annotation asks.
	// +optional
	Rotation *Rotation `json:"rotation,omitempty"`
}

// GrantAccess is what an issued key may do on a granted bucket.
// +kubebuilder:validation:XValidation:rule="self in ['ReadOnly', 'ReadWrite', 'Admin']",message="must be ReadOnly, ReadWrite or Admin"
type GrantAccess string

// Access levels. docs/api.md lists the RAM actions of each.
const (
	// AccessReadOnly: read objects (oss:GetObject) and list them (oss:ListObjects).
	AccessReadOnly GrantAccess = "ReadOnly"
	// AccessReadWrite: ReadOnly, and write and delete objects, multipart uploads included
	// (oss:PutObject, oss:DeleteObject, oss:AbortMultipartUpload, oss:ListParts,
	// oss:ListMultipartUploads).
	AccessReadWrite GrantAccess = "ReadWrite"
	// AccessAdmin: every object operation (oss:* on the objects: versions, ACLs, tags, restores...),
	// listing, and reading the bucket's settings and information (oss:List*, oss:GetBucket*). Never
	// changing or deleting the bucket: its settings are the Bucket resource's.
	AccessAdmin GrantAccess = "Admin"
)

// Grant gives the issued key access to one Bucket's OSS bucket.
// +kubebuilder:validation:XValidation:rule="has(self.bucketRef)",message="bucketRef is required: the Bucket the grant is for, as {name: <Bucket>}",fieldPath=".bucketRef",reason=FieldValueRequired
// +kubebuilder:validation:XValidation:rule="has(self.access)",message="access is required: ReadOnly, ReadWrite or Admin",fieldPath=".access",reason=FieldValueRequired
type Grant struct {
	// bucketRef names a Bucket of this AccessKey's namespace.
	// +optional
	BucketRef LocalBucketReference `json:"bucketRef"`

	// access is ReadOnly, ReadWrite or Admin.
	// +optional
	Access GrantAccess `json:"access"`

	// prefix limits the grant to the objects whose keys start with it, for example uploads/ (listing
	// then needs this prefix too). Printable ASCII without '*', '?', double quotes or backslashes, not
	// starting with '/'.
	// Absent: every object of the bucket.
	// +kubebuilder:validation:MinLength=1
	// +kubebuilder:validation:MaxLength=255
	// +kubebuilder:validation:XValidation:rule="self.matches('^[ !#-)+->@-\\\\[\\\\]-~]+$')",message="must be printable ASCII without '*', '?', double quotes or backslashes: RAM reads * and ? as wildcards"
	// +kubebuilder:validation:XValidation:rule="!self.startsWith('/')",message="must not start with '/': object keys have no leading slash"
	// +optional
	Prefix string `json:"prefix,omitempty"`
}

// LocalBucketReference names a Bucket of the same namespace.
// +kubebuilder:validation:XValidation:rule="has(self.name)",message="name is required: the name of a Bucket of this namespace",fieldPath=".name",reason=FieldValueRequired
type LocalBucketReference struct {
	// name of the Bucket.
	// +kubebuilder:validation:MinLength=1
	// +kubebuilder:validation:MaxLength=253
	// +kubebuilder:validation:XValidation:rule="self.matches('^[a-z0-9]([-a-z0-9]*[a-z0-9])?([.][a-z0-9]([-a-z0-9]*[a-z0-9])?)*$')",message="must be the name of a Bucket: lowercase letters, digits, '-' and '.', starting and ending with a letter or digit"
	// +optional
	Name string `json:"name"`
}

// Rotation replaces an issued key periodically.
// +kubebuilder:validation:XValidation:rule="!has(self.overlap) || !has(self.period) || duration(self.overlap) < duration(self.period)",message="overlap must be shorter than period: RAM allows two keys per user, the current and the retiring one",fieldPath=".overlap",reason=FieldValueInvalid
// +kubebuilder:validation:XValidation:rule="has(self.period)",message="period is required: the age at which the key is replaced, as a duration such as 720h",fieldPath=".period",reason=FieldValueRequired
type Rotation struct {
	// period is the age at which the key is replaced, as a duration such as 720h (30 days). At least 1h.
	// +kubebuilder:validation:XValidation:rule="duration(self) >= duration('1h')",message="must be at least 1h"
	// +optional
	Period metav1.Duration `json:"period"`

	// overlap is how long the replaced key keeps working after the new one is in the Secret, so that
	// applications can pick the new one up (a rollout, a file reload). The replaced key is then
	// deactivated and deleted. Default 0: deleted at once.
	// +optional
	Overlap *metav1.Duration `json:"overlap,omitempty"`
}

// IssuedStatus reports the RAM identity an AccessKey issued.
type IssuedStatus struct {
	// userName is the RAM user created for this AccessKey.
	// +optional
	UserName string `json:"userName,omitempty"`

	// policyName is the custom RAM policy holding the grants, attached to the user.
	// +optional
	PolicyName string `json:"policyName,omitempty"`

	// grantedBuckets are the OSS buckets the policy grants, in the order of spec.grants.
	// +listType=atomic
	// +optional
	GrantedBuckets []string `json:"grantedBuckets,omitempty"`

	// currentKey is the key in the Secret.
	// +optional
	CurrentKey *IssuedKey `json:"currentKey,omitempty"`

	// retiringKey is the key it replaced, which works until retiresAt and is then deactivated and
	// deleted.
	// +optional
	RetiringKey *IssuedKey `json:"retiringKey,omitempty"`

	// nextRotation is when the current key is due to be replaced (spec.issue.rotation).
	// +optional
	NextRotation *metav1.Time `json:"nextRotation,omitempty"`

	// lastHandledRotate is the value of the ossoperator.io/rotate annotation last acted on.
	// +optional
	LastHandledRotate string `json:"lastHandledRotate,omitempty"`
}

// IssuedKey is one issued AccessKey, by ID (never its secret).
type IssuedKey struct {
	// accessKeyId of the key.
	// +required
	AccessKeyID string `json:"accessKeyId"`

	// created is when RAM created it.
	// +optional
	Created *metav1.Time `json:"created,omitempty"`

	// retiresAt is when a retiring key is deactivated and deleted.
	// +optional
	RetiresAt *metav1.Time `json:"retiresAt,omitempty"`
}
