package v1alpha1

// Condition types. Together with status.observedGeneration they follow the kstatus conventions that
// Flux, Argo CD and `kubectl wait --for=condition=Ready` read.
const (
	// ConditionReady is True when the resource is in the state its spec declares.
	ConditionReady = "Ready"
	// ConditionReconciling is True while the operator is working towards the spec (creating, retrying a
	// transient failure, waiting for something that will appear by itself).
	ConditionReconciling = "Reconciling"
	// ConditionStalled is True when the operator cannot make progress without a change of spec,
	// credentials or OSS state; it does not retry in a hot loop.
	ConditionStalled = "Stalled"
	// ConditionDeletionBlocked is True while a resource that is being deleted cannot go yet: a Bucket
	// whose OSS bucket is not empty or cannot be reached, an AccessKey that Buckets still need.
	ConditionDeletionBlocked = "DeletionBlocked"
)

// Condition reasons. Each is documented in docs/troubleshooting.md.
const (
	ReasonReady       = "Ready"
	ReasonReconciling = "Reconciling"
	ReasonCreating    = "Creating"
	ReasonPaused      = "Paused"
	// ReasonDeletionBlocked is the Ready reason of a resource whose deletion waits; the
	// DeletionBlocked condition says for what.
	ReasonDeletionBlocked = "DeletionBlocked"
	// ReasonInvalidSpec is a spec the operator cannot apply, found before any write to OSS.
	ReasonInvalidSpec = "InvalidSpec"

	// AccessKey.
	ReasonSecretNotFound        = "SecretNotFound"
	ReasonSecretKeyMissing      = "SecretKeyMissing"
	ReasonInvalidAccessKeyID    = "InvalidAccessKeyId"
	ReasonSignatureDoesNotMatch = "SignatureDoesNotMatch"
	ReasonAccessDenied          = "AccessDenied"
	ReasonEndpointUnreachable   = "EndpointUnreachable"
	ReasonInsecureEndpoint      = "InsecureEndpoint"
	// ReasonEndpointNotAllowed: spec.endpoint (or the region's) is not among the operator's
	// --allowed-endpoints; nothing is sent to it.
	ReasonEndpointNotAllowed   = "EndpointNotAllowed"
	ReasonInvalidSecurityToken = "InvalidSecurityToken"
	// ReasonInUse: an AccessKey being deleted waits for the Buckets that still need it.
	ReasonInUse = "InUse"

	// Issued AccessKeys (spec.issue).
	// ReasonIssuerNotReady: the issuer AccessKey does not exist, is not granted, or is not Ready.
	ReasonIssuerNotReady = "IssuerNotReady"
	// ReasonIssuerNotUsable: the issuer is itself an issued AccessKey, whose key cannot call RAM.
	ReasonIssuerNotUsable = "IssuerNotUsable"
	// ReasonGrantNotReady: a granted Bucket does not exist or does not manage its bucket yet.
	ReasonGrantNotReady = "GrantNotReady"
	// ReasonSecretNotOwned: spec.secretRef names a Secret this AccessKey did not create.
	ReasonSecretNotOwned = "SecretNotOwned"
	// ReasonRAMEntityNotOwned: the RAM user or policy of this AccessKey's name exists and was not
	// created by it; the operator never changes or deletes it.
	ReasonRAMEntityNotOwned = "RAMEntityNotOwned"
	// ReasonRAMDenied: RAM refused the issuer's call (NoPermission, an invalid or inactive key).
	ReasonRAMDenied = "RAMDenied"
	// ReasonRAMRejected: RAM refused a request for another reason (a limit, the policy's size).
	ReasonRAMRejected = "RAMRejected"
	// ReasonRAMUnavailable: RAM could not be reached, or answered with a transient failure.
	ReasonRAMUnavailable = "RAMUnavailable"
	// ReasonKeyNotVerified: OSS refused a newly issued key on a granted bucket.
	ReasonKeyNotVerified = "KeyNotVerified"

	// Temporary credentials (spec.oidc, spec.assumeRole).
	// ReasonServiceAccountNotFound: spec.oidc.serviceAccountName names no ServiceAccount of the namespace.
	ReasonServiceAccountNotFound = "ServiceAccountNotFound"
	// ReasonTokenRequestFailed: the API server refused a token for the ServiceAccount.
	ReasonTokenRequestFailed = "TokenRequestFailed"
	// ReasonOperatorIdentityNotAllowed: spec.oidc.operatorIdentity outside the operator's namespace, or
	// the operator runs without a pod identity.
	ReasonOperatorIdentityNotAllowed = "OperatorIdentityNotAllowed"
	// ReasonSourceNotReady: spec.assumeRole.sourceRef does not exist, is not granted, or is not Ready.
	ReasonSourceNotReady = "SourceNotReady"
	// ReasonRoleNotTrusted: STS refused the role: its trust policy does not trust the provider, the
	// ServiceAccount or the source, or the role does not exist.
	ReasonRoleNotTrusted = "RoleNotTrusted"
	// ReasonOIDCTokenRejected: STS refused the token itself (expired, audience, issuer, signature).
	ReasonOIDCTokenRejected = "OIDCTokenRejected"
	// ReasonSTSRejected: STS refused the request for another reason (session too long, a malformed
	// session policy); ReasonSTSUnavailable: it could not be reached, throttled, or failed.
	ReasonSTSRejected    = "STSRejected"
	ReasonSTSUnavailable = "STSUnavailable"
	// ReasonSessionExpired: the credentials expired and could not be renewed.
	ReasonSessionExpired = "SessionExpired"

	// Bucket.
	ReasonAccessKeyNotReady = "AccessKeyNotReady"
	ReasonAccessKeyNotFound = "AccessKeyNotFound"
	// ReasonAccessKeyNotGranted: the AccessKey is in another namespace and does not grant the Bucket's.
	ReasonAccessKeyNotGranted   = "AccessKeyNotGranted"
	ReasonAdoptionRequired      = "AdoptionRequired"
	ReasonOwnedByAnother        = "OwnedByAnother"
	ReasonBucketNameUnavailable = "BucketNameUnavailable"
	// ReasonBucketNameClaimed: another Bucket of this cluster claimed the same OSS bucket name, with the
	// same account, first.
	ReasonBucketNameClaimed      = "BucketNameClaimed"
	ReasonImmutableFieldMismatch = "ImmutableFieldMismatch"
	ReasonTooManyBuckets         = "TooManyBuckets"
	ReasonOSSRejected            = "OSSRejected"
	ReasonOSSUnavailable         = "OSSUnavailable"
	ReasonLogTargetNotFound      = "LogTargetNotFound"
	ReasonBucketNotEmpty         = "BucketNotEmpty"
	// ReasonObserved: an Observe Bucket read its bucket; status.observed shows what it found.
	ReasonObserved = "Observed"
	// ReasonBucketNotFound: an Observe Bucket's bucket does not exist; it is looked at again until it
	// does, and never created.
	ReasonBucketNotFound = "BucketNotFound"
)

// Event reasons for what the operator did, besides the condition reasons it also sends as Events when
// a resource's state changes. Each is documented in docs/troubleshooting.md.
const (
	EventCreated        = "Created"
	EventAdopted        = "Adopted"
	EventUpdated        = "Updated"
	EventDriftCorrected = "DriftCorrected"
	EventDeleted        = "Deleted"
	EventReleased       = "Released"
	EventPaused         = "Paused"
	EventResumed        = "Resumed"
	EventVerified       = "Verified"

	// Issued AccessKeys.
	EventIssued          = "Issued"          // a RAM user, policy and key were created
	EventPolicyUpdated   = "PolicyUpdated"   // the grants changed: a new policy version
	EventRotated         = "Rotated"         // a new key is in the Secret; the old one is retiring
	EventRecovered       = "Recovered"       // the Secret was deleted or edited: a fresh key is in it
	EventKeyDeactivated  = "KeyDeactivated"  // a retiring key's overlap ended
	EventKeyDeleted      = "KeyDeleted"      // a retired, leaked or orphaned key was deleted
	EventIdentityDeleted = "IdentityDeleted" // the AccessKey's deletion removed its RAM user and policy

	// Temporary credentials.
	EventSessionStarted = "SessionStarted" // STS gave credentials for the role
	EventSessionRenewed = "SessionRenewed" // they were renewed before they expired
)

// Annotations that control reconciliation.
const (
	// AnnotationRefresh: changing its value makes the operator observe the resource in OSS at once
	// (for incident runbooks), instead of waiting for the resync period. The value handled last is
	// reported in status.lastHandledRefresh.
	AnnotationRefresh = "ossoperator.io/refresh"
	// AnnotationReconcileRequestedAt is the annotation Flux's tooling sets to ask one of its
	// controllers for a reconcile; it works the same here, and the value handled last is reported in
	// status.lastHandledReconcileAt, as Flux's own controllers report it.
	AnnotationReconcileRequestedAt = "reconcile.fluxcd.io/requestedAt"
	// AnnotationPaused: "true" stops every write to OSS for the resource until it is removed. Status
	// still reports what the operator observes.
	AnnotationPaused = "ossoperator.io/paused"
	// AnnotationRotate: changing its value makes an issued AccessKey rotate its key at once, with the
	// overlap of spec.issue.rotation. The value handled last is status.issued.lastHandledRotate.
	AnnotationRotate = "ossoperator.io/rotate"
)

// OwnershipTagKey is the OSS bucket tag that records which resource manages a bucket, so two
// resources can never manage one bucket.
const OwnershipTagKey = "ossoperator.io/owner"

// ReconcileRequestStatus acknowledges the annotations that ask for an immediate reconcile.
type ReconcileRequestStatus struct {
	// lastHandledRefresh is the value of the ossoperator.io/refresh annotation that the operator
	// handled last: once it equals the annotation, the resource has been looked at again.
	// +kubebuilder:validation:MaxLength=256
	// +optional
	LastHandledRefresh string `json:"lastHandledRefresh,omitempty"`

	// lastHandledReconcileAt is the value of Flux's reconcile.fluxcd.io/requestedAt annotation that
	// the operator handled last (`flux reconcile` waits for it).
	// +kubebuilder:validation:MaxLength=256
	// +optional
	LastHandledReconcileAt string `json:"lastHandledReconcileAt,omitempty"`
}
