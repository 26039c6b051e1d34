package v1alpha1

import (
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
)

// OIDCSpec obtains temporary credentials for a RAM role with a service-account token (RRSA): the
// operator requests a token for the ServiceAccount through the TokenRequest API and exchanges it at STS
// AssumeRoleWithOIDC. No long-lived key is kept in the cluster.
// +kubebuilder:validation:XValidation:rule="has(self.serviceAccountName) != (has(self.operatorIdentity) && self.operatorIdentity)",message="set exactly one of serviceAccountName (a ServiceAccount of this namespace) and operatorIdentity: true (the operator's own pod identity)"
// +kubebuilder:validation:XValidation:rule="(has(self.operatorIdentity) && self.operatorIdentity) || (has(self.roleArn) && has(self.providerArn))",message="roleArn and providerArn are required with serviceAccountName"
type OIDCSpec struct {
	// roleArn is the RAM role to assume, acs:ram::<account ID>:role/<name>. Its trust policy must trust
	// the OIDC provider and this ServiceAccount's subject, system:serviceaccount:<namespace>:<name>.
	// With operatorIdentity, default: the operator's ALIBABA_CLOUD_ROLE_ARN.
	// +kubebuilder:validation:XValidation:rule="size(self) <= 256",message="must be at most 256 characters"
	// +kubebuilder:validation:XValidation:rule="self.matches('^acs:ram::[0-9]+:role/[A-Za-z0-9.@_/-]+$')",message="must be a RAM role ARN, acs:ram::<account ID>:role/<role name>"
	// +optional
	RoleArn string `json:"roleArn,omitempty"`

	// providerArn is the cluster's OIDC provider in RAM, acs:ram::<account ID>:oidc-provider/<name>
	// (on ACK, the cluster's RRSA provider). With operatorIdentity, default: the operator's
	// ALIBABA_CLOUD_OIDC_PROVIDER_ARN.
	// +kubebuilder:validation:XValidation:rule="size(self) <= 256",message="must be at most 256 characters"
	// +kubebuilder:validation:XValidation:rule="self.matches('^acs:ram::[0-9]+:oidc-provider/[A-Za-z0-9._-]+$')",message="must be an OIDC provider ARN, acs:ram::<account ID>:oidc-provider/<name>"
	// +optional
	ProviderArn string `json:"providerArn,omitempty"`

	// serviceAccountName is a ServiceAccount of this AccessKey's namespace whose token is exchanged.
	// Each namespace can thus act only as the roles that trust its own ServiceAccounts.
	// +kubebuilder:validation:XValidation:rule="size(self) <= 253",message="must be at most 253 characters"
	// +kubebuilder:validation:XValidation:rule="self.matches('^[a-z0-9]([-a-z0-9]*[a-z0-9])?([.][a-z0-9]([-a-z0-9]*[a-z0-9])?)*$')",message="must be the name of a ServiceAccount"
	// +optional
	ServiceAccountName string `json:"serviceAccountName,omitempty"`

	// operatorIdentity uses the operator's own pod identity, as ACK's pod identity webhook injects it
	// (ALIBABA_CLOUD_ROLE_ARN, ALIBABA_CLOUD_OIDC_PROVIDER_ARN, ALIBABA_CLOUD_OIDC_TOKEN_FILE). Only
	// AccessKeys in the operator's own namespace may (reason OperatorIdentityNotAllowed elsewhere).
	// +optional
	OperatorIdentity bool `json:"operatorIdentity,omitempty"`

	// audience of the requested token, which the OIDC provider must list as a client ID. Default
	// sts.aliyuncs.com, as on ACK.
	// +kubebuilder:validation:XValidation:rule="size(self) <= 253",message="must be at most 253 characters"
	// +optional
	Audience string `json:"audience,omitempty"`

	// sessionDuration is how long each set of temporary credentials lasts, from 15m to the role's
	// maximum session duration (at most 12h). Default 1h. They are renewed at two thirds of it.
	// +kubebuilder:validation:XValidation:rule="duration(self) >= duration('15m') && duration(self) <= duration('12h')",message="must be from 15m to 12h"
	// +optional
	SessionDuration *metav1.Duration `json:"sessionDuration,omitempty"`
}

// AssumeRoleSpec obtains temporary credentials for a RAM role with another AccessKey's credentials, at
// STS AssumeRole.
// +kubebuilder:validation:XValidation:rule="has(self.sourceRef)",message="spec.assumeRole.sourceRef is required: the AccessKey whose credentials assume the role, as {name: <AccessKey>}",fieldPath=".sourceRef",reason=FieldValueRequired
// +kubebuilder:validation:XValidation:rule="has(self.roleArn)",message="spec.assumeRole.roleArn is required: the RAM role to assume, acs:ram::<account ID>:role/<role name>",fieldPath=".roleArn",reason=FieldValueRequired
// +kubebuilder:validation:XValidation:rule="!has(self.policy) || size(self.policy) <= 2048",message="spec.assumeRole.policy must be at most 2048 characters",fieldPath=".policy",reason=FieldValueInvalid
type AssumeRoleSpec struct {
	// sourceRef names the AccessKey whose credentials assume the role: of this namespace, or of another
	// that grants this one (its spec.allowedNamespaces). Any kind: reading, issued, OIDC or assumeRole
	// (chains work).
	// +optional
	SourceRef AccessKeyReference `json:"sourceRef"`

	// roleArn is the RAM role to assume, acs:ram::<account ID>:role/<name>; its trust policy must trust
	// the source's identity.
	// +kubebuilder:validation:XValidation:rule="size(self) <= 256",message="must be at most 256 characters"
	// +kubebuilder:validation:XValidation:rule="self.matches('^acs:ram::[0-9]+:role/[A-Za-z0-9.@_/-]+$')",message="must be a RAM role ARN, acs:ram::<account ID>:role/<role name>"
	// +optional
	RoleArn string `json:"roleArn"`

	// sessionDuration is how long each set of temporary credentials lasts, from 15m to the role's
	// maximum. Default 1h. They are renewed at two thirds of it.
	// +kubebuilder:validation:XValidation:rule="duration(self) >= duration('15m') && duration(self) <= duration('12h')",message="must be from 15m to 12h"
	// +optional
	SessionDuration *metav1.Duration `json:"sessionDuration,omitempty"`

	// policy, a RAM policy document, narrows the session's permissions below the role's.
	// +optional
	Policy string `json:"policy,omitempty"`
}

// SessionStatus reports the temporary credentials of an oidc or assumeRole AccessKey: never the key or
// the token.
type SessionStatus struct {
	// roleArn is the role assumed.
	// +optional
	RoleArn string `json:"roleArn,omitempty"`
	// assumedRoleArn identifies the session, acs:ram::<account>:assumed-role/<role>/<session name>.
	// +optional
	AssumedRoleArn string `json:"assumedRoleArn,omitempty"`
	// expiration is when the current credentials expire.
	// +optional
	Expiration *metav1.Time `json:"expiration,omitempty"`
	// renewAt is when they are renewed (two thirds of their life).
	// +optional
	RenewAt *metav1.Time `json:"renewAt,omitempty"`
}
