package v1alpha1

import (
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
)

// SecretReference names a Secret in the same namespace as the resource that refers to it.
// +kubebuilder:validation:XValidation:rule="!has(self.__namespace__)",message="secretRef.namespace is not allowed: the Secret must be in the AccessKey's namespace",fieldPath=".namespace",reason=FieldValueForbidden
// +kubebuilder:validation:XValidation:rule="has(self.name)",message="name is required: the name of a Secret of the AccessKey's namespace",fieldPath=".name",reason=FieldValueRequired
type SecretReference struct {
	// name of the Secret, in the same namespace.
	// +kubebuilder:validation:MinLength=1
	// +kubebuilder:validation:XValidation:rule="size(self) <= 253",message="must be at most 253 characters"
	// +kubebuilder:validation:XValidation:rule="self.matches('^[a-z0-9]([-a-z0-9]*[a-z0-9])?([.][a-z0-9]([-a-z0-9]*[a-z0-9])?)*$')",message="must be the name of a Secret: lowercase letters, digits, '-' and '.', starting and ending with a letter or digit"
	// +optional
	Name string `json:"name"`

	// namespace must be omitted: references to other namespaces are refused, so a namespace's users
	// can only use credentials kept in their own namespace.
	// +kubebuilder:validation:XValidation:rule="size(self) <= 63",message="must be at most 63 characters"
	// +optional
	Namespace string `json:"namespace,omitempty"`
}

// AccessKeySpec declares the credentials the operator uses and where OSS is.
// +kubebuilder:validation:XValidation:rule="(has(self.issue) ? 1 : 0) + (has(self.oidc) ? 1 : 0) + (has(self.assumeRole) ? 1 : 0) <= 1",message="set at most one of spec.issue, spec.oidc and spec.assumeRole: an AccessKey reads, issues, or assumes a role"
// +kubebuilder:validation:XValidation:rule="(has(self.oidc) || has(self.assumeRole)) != has(self.secretRef)",message="spec.secretRef is required to read or issue a key, and not used with spec.oidc or spec.assumeRole",fieldPath=".secretRef",reason=FieldValueInvalid
// +kubebuilder:validation:XValidation:rule="has(self.issue) == has(oldSelf.issue)",message="spec.issue cannot be added or removed: an AccessKey either reads its key or issues one; create another AccessKey (deleting an issued one deletes what it issued)",fieldPath=".issue",reason=FieldValueForbidden
// +kubebuilder:validation:XValidation:rule="!has(self.endpoint) || !has(self.internal) || !self.internal",message="spec.internal cannot be combined with spec.endpoint: the endpoint override is used as it is",fieldPath=".internal",reason=FieldValueForbidden
// +kubebuilder:validation:XValidation:rule="has(self.region)",message="spec.region is required: the OSS region ID, for example cn-hangzhou",fieldPath=".region",reason=FieldValueRequired
type AccessKeySpec struct {
	// secretRef names a Secret in the same namespace. Without spec.issue, it holds the credentials
	// the operator reads, under the keys accessKeyId, accessKeySecret and, for STS credentials,
	// securityToken; or under the official SDK's environment names OSS_ACCESS_KEY_ID,
	// OSS_ACCESS_KEY_SECRET and OSS_SESSION_TOKEN, so one Secret can serve the operator and applications
	// (envFrom). Changing the Secret re-verifies the credentials at once.
	//
	// With spec.issue, the operator creates this Secret, owns it, and writes the issued key pair into
	// it with everything an application needs (docs/api.md lists the keys). It never writes a Secret it
	// did not create (reason SecretNotOwned). Deleting or editing the Secret issues a fresh key.
	// Not used with spec.oidc or spec.assumeRole, which keep no key in the cluster.
	// +optional
	SecretRef SecretReference `json:"secretRef,omitzero"`

	// issue makes the operator issue a key of its own, scoped to the grants, instead of reading one:
	// a RAM user, a policy and an AccessKey of the issuer's account, rotated as spec.issue.rotation says
	// and deleted with this AccessKey.
	// +optional
	Issue *IssueSpec `json:"issue,omitempty"`

	// oidc obtains temporary credentials for a RAM role with a service-account token (RRSA): no
	// long-lived key in the cluster.
	// +optional
	OIDC *OIDCSpec `json:"oidc,omitempty"`

	// assumeRole obtains temporary credentials for a RAM role with another AccessKey's credentials.
	// +optional
	AssumeRole *AssumeRoleSpec `json:"assumeRole,omitempty"`

	// region is the OSS region ID without the "oss-" prefix, for example cn-hangzhou. Buckets that
	// name no region of their own are created in it.
	// +kubebuilder:validation:XValidation:rule="self.matches('^[a-z]{2,}(-[a-z0-9]+)+$')",message="must be a region ID: two or more lowercase letters, then parts of lowercase letters and digits each after a '-', for example cn-hangzhou"
	// +kubebuilder:validation:XValidation:rule="!self.startsWith('oss-')",message="must be the region ID without the oss- prefix, for example cn-hangzhou"
	// +kubebuilder:validation:XValidation:rule="size(self) <= 63",message="must be at most 63 characters"
	// +optional
	Region string `json:"region"`

	// endpoint overrides the OSS endpoint, as scheme://host[:port] (https:// when no scheme is given).
	// Default: https://oss-<region>.aliyuncs.com. Its host must be one the operator allows
	// (--allowed-endpoints; by default Alibaba Cloud's OSS endpoints), and an http:// endpoint is refused
	// unless the operator runs with --allow-insecure-endpoints (for the local emulator).
	// +kubebuilder:validation:XValidation:rule="size(self) <= 253",message="must be at most 253 characters"
	// +kubebuilder:validation:XValidation:rule="self.matches('^(https?://)?[A-Za-z0-9.-]+(:[0-9]{1,5})?/?$')",message="must be scheme://host[:port]: an optional http:// or https://, a host of letters, digits, '.' and '-', an optional port of up to 5 digits, and no path"
	// +optional
	Endpoint string `json:"endpoint,omitempty"`

	// internal selects the VPC endpoint oss-<region>-internal.aliyuncs.com, reachable only from
	// inside Alibaba Cloud (ECS, ACK) in the same region. Default false.
	// +optional
	Internal bool `json:"internal,omitempty"`

	// allowedNamespaces selects the other namespaces whose Buckets may use this AccessKey (by
	// spec.accessKeyRef.namespace), by their labels: for example {matchLabels: {oss.example.com/tenant:
	// "true"}}, or {matchExpressions: [{key: kubernetes.io/metadata.name, operator: In, values: [team-a,
	// team-b]}]}. {} selects every namespace. Absent: Buckets of its own namespace only. The Buckets use
	// the credentials without any access to the Secret. Removing a namespace from the selection stops
	// every write of its Buckets (Stalled, reason AccessKeyNotGranted); their deletion with
	// deletionPolicy Delete then waits for the grant to come back, or for Retain.
	// +optional
	AllowedNamespaces *metav1.LabelSelector `json:"allowedNamespaces,omitempty"`

	// signatureVersion is the request signature: v4 (OSS4-HMAC-SHA256, the default) or v1.
	// +kubebuilder:validation:XValidation:rule="self in ['v4', 'v1']",message="must be v4 or v1"
	// +kubebuilder:default=v4
	// +optional
	SignatureVersion string `json:"signatureVersion,omitempty"`
}

// AccessKeyStatus reports whether the credentials work.
type AccessKeyStatus struct {
	// observedGeneration is the metadata.generation this status describes. Below metadata.generation,
	// the operator has not yet acted on the latest spec; 0 until it first looks at the AccessKey.
	// +optional
	ObservedGeneration int64 `json:"observedGeneration,omitempty"`

	// conditions say whether the credentials work. Ready is True when OSS accepts them; Reconciling is
	// True while the operator checks them or waits for something that resolves by itself; Stalled is
	// True when a person must change something (the reason and message say what); DeletionBlocked says
	// why a deletion waits: Buckets still use the AccessKey. docs/troubleshooting.md explains every
	// reason.
	// +listType=map
	// +listMapKey=type
	// +optional
	Conditions []metav1.Condition `json:"conditions,omitempty"`

	// Shown only when it has the form of an ID, so that a Secret whose values are swapped never puts
	// the secret here.

	// accessKeyId is the AccessKey ID in use, LTAI... or, for temporary credentials, STS.... Empty when
	// the Secret's value does not look like an AccessKey ID.
	// +optional
	AccessKeyID string `json:"accessKeyId,omitempty"`

	// accountId is the ID of the Alibaba Cloud account the credentials belong to, as OSS reports it.
	// +optional
	AccountID string `json:"accountId,omitempty"`

	// endpoint is the OSS endpoint the operator uses with these credentials, for example
	// https://oss-cn-hangzhou.aliyuncs.com.
	// +optional
	Endpoint string `json:"endpoint,omitempty"`

	// issued reports the RAM user, policy and keys issued for spec.issue.
	// +optional
	Issued *IssuedStatus `json:"issued,omitempty"`

	// session reports the temporary credentials of spec.oidc or spec.assumeRole.
	// +optional
	Session *SessionStatus `json:"session,omitempty"`

	ReconcileRequestStatus `json:",inline"`
}

// AccessKey is a set of Alibaba Cloud credentials, kept in a Secret, with the region and endpoint the
// operator uses them with: read from a Secret, or issued by the operator for applications
// (spec.issue). Buckets of its namespace refer to it, and of the namespaces it grants.
//
// +kubebuilder:object:root=true
// +kubebuilder:subresource:status
// +kubebuilder:resource:shortName=osskey,categories=oss
// +kubebuilder:printcolumn:name="Region",type=string,JSONPath=`.spec.region`
// +kubebuilder:printcolumn:name="Account",type=string,JSONPath=`.status.accountId`
// +kubebuilder:printcolumn:name="Ready",type=string,JSONPath=`.status.conditions[?(@.type=="Ready")].status`
// +kubebuilder:printcolumn:name="Reason",type=string,JSONPath=`.status.conditions[?(@.type=="Ready")].reason`
// +kubebuilder:printcolumn:name="Age",type=date,JSONPath=`.metadata.creationTimestamp`
// +kubebuilder:printcolumn:name="Key ID",type=string,JSONPath=`.status.accessKeyId`,priority=1
// +kubebuilder:printcolumn:name="Expires",type=string,JSONPath=`.status.session.expiration`,priority=1
// +kubebuilder:printcolumn:name="Message",type=string,JSONPath=`.status.conditions[?(@.type=="Ready")].message`,priority=1
type AccessKey struct {
	metav1.TypeMeta   `json:",inline"`
	metav1.ObjectMeta `json:"metadata,omitempty"`

	// spec declares the credentials and endpoint.
	// +required
	Spec AccessKeySpec `json:"spec"`

	// The default makes an AccessKey the operator has not looked at yet read observedGeneration 0, so
	// that GitOps tools (kstatus) see it as in progress rather than current (docs/gitops.md).

	// status is what the operator last observed: whether the credentials work (conditions), whose they
	// are, and what was issued or assumed for spec.issue, spec.oidc or spec.assumeRole.
	// +kubebuilder:default={observedGeneration: 0}
	// +optional
	Status AccessKeyStatus `json:"status,omitempty"`
}

// AccessKeyList is a list of AccessKeys.
//
// +kubebuilder:object:root=true
type AccessKeyList struct {
	metav1.TypeMeta `json:",inline"`
	metav1.ListMeta `json:"metadata,omitempty"`
	Items           []AccessKey `json:"items"`
}

func init() {
	SchemeBuilder.Register(&AccessKey{}, &AccessKeyList{})
}
