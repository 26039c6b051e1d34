package v1alpha1

// Condition types. Together with status.observedGeneration they follow the kstatus conventions that
// Flux, Argo CD and `kubectl wait --for=condition=Ready` read.
const (
	// ConditionReady is True when the resource is in the state its spec declares.
	ConditionReady = "Ready"
	// ConditionReconciling is True while the operator is working towards the spec (creating, retrying a
	// transient failure, waiting for a dependency).
	ConditionReconciling = "Reconciling"
	// ConditionStalled is True when the operator cannot make progress without a change of spec,
	// credentials or OSS state; it does not retry in a hot loop.
	ConditionStalled = "Stalled"
	// ConditionDeletionBlocked is True while a Bucket with deletionPolicy Delete cannot be deleted
	// because it is not empty.
	ConditionDeletionBlocked = "DeletionBlocked"
)

// Condition reasons. Each is documented in docs/troubleshooting.md.
const (
	ReasonReady       = "Ready"
	ReasonReconciling = "Reconciling"
	ReasonCreating    = "Creating"
	ReasonPaused      = "Paused"
	ReasonDeleting    = "Deleting"

	// AccessKey.
	ReasonSecretNotFound        = "SecretNotFound"
	ReasonSecretKeyMissing      = "SecretKeyMissing"
	ReasonInvalidAccessKeyID    = "InvalidAccessKeyId"
	ReasonSignatureDoesNotMatch = "SignatureDoesNotMatch"
	ReasonAccessDenied          = "AccessDenied"
	ReasonEndpointUnreachable   = "EndpointUnreachable"
	ReasonInsecureEndpoint      = "InsecureEndpoint"
	ReasonInvalidSecurityToken  = "InvalidSecurityToken"

	// Bucket.
	ReasonAccessKeyNotReady      = "AccessKeyNotReady"
	ReasonAccessKeyNotFound      = "AccessKeyNotFound"
	ReasonAdoptionRequired       = "AdoptionRequired"
	ReasonOwnedByAnother         = "OwnedByAnother"
	ReasonBucketNameUnavailable  = "BucketNameUnavailable"
	ReasonImmutableFieldMismatch = "ImmutableFieldMismatch"
	ReasonTooManyBuckets         = "TooManyBuckets"
	ReasonOSSRejected            = "OSSRejected"
	ReasonOSSUnavailable         = "OSSUnavailable"
	ReasonBucketNotEmpty         = "BucketNotEmpty"
)

// Annotations that control reconciliation.
const (
	// AnnotationRefresh: changing its value makes the operator observe the resource in OSS at once
	// (for incident runbooks), instead of waiting for the resync period.
	AnnotationRefresh = "ossoperator.io/refresh"
	// AnnotationPaused: "true" stops every write to OSS for the resource until it is removed. Status
	// still reports what the operator observes.
	AnnotationPaused = "ossoperator.io/paused"
)

// OwnershipTagKey is the OSS bucket tag that records which resource manages a bucket, so two
// resources can never manage one bucket.
const OwnershipTagKey = "ossoperator.io/owner"
