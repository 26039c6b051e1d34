package sts

// STS actions the client calls. They are the operation label of the metrics and the Operation of
// errors.
const (
	ActionAssumeRole         = "AssumeRole"
	ActionAssumeRoleWithOIDC = "AssumeRoleWithOIDC"
	ActionGetCallerIdentity  = "GetCallerIdentity"
)

// Actions lists every action the client calls, for tests and dashboards.
var Actions = []string{ActionAssumeRole, ActionAssumeRoleWithOIDC, ActionGetCallerIdentity}

// How much of a 2xx answer the client reads; a larger answer is an *ossapi.ResponseTooLargeError and
// is not read. STS sets no bound on a security token's length ("do not specify a maximum length"); it
// carries the session policy (up to 2,048 characters), and is some 1-6 KiB in practice. Every answer
// is one JSON document, decoded from memory.
const (
	// maxSessionAnswer: credentials with their token, the assumed role, the OIDC token's subject,
	// issuer and audiences.
	maxSessionAnswer = 64 << 10
	// maxIdentityAnswer: six IDs and an ARN.
	maxIdentityAnswer = 16 << 10
)

// answerLimits is the limit of each action's 2xx answer. Every action is listed (a test checks it).
var answerLimits = map[string]int64{
	ActionAssumeRole:         maxSessionAnswer,
	ActionAssumeRoleWithOIDC: maxSessionAnswer,
	ActionGetCallerIdentity:  maxIdentityAnswer,
}

// STS error codes the project branches on. Callers compare codes with ossapi.IsCode, never message
// text. The codes every RPC API answers (throttling such as Throttling.User "Request was denied due to
// user flow control.", InternalError, signature and time refusals) are ossapi's, and Retryable where
// retrying can help; every code below is a 4xx that needs a change of request, token, role or trust
// policy, and is not retried.
//
// Sources: the STS API metadata of AssumeRole (400, 403, 404), the STS error-code page of the RAM
// documentation (the 401 AuthenticationFail codes of AssumeRoleWithOIDC), ACK's RRSA troubleshooting
// table (IssuerConfigurationBroken, IssuerNotMatch) and STS's common-errors FAQ (MissingSecurityToken).
// PublicKeyFingerprintMismatch is what the integration tests of Alibaba Cloud's own credential
// libraries expect when an OIDC provider's registered fingerprint is stale.
const (
	// 400: an argument STS refuses.
	CodeInvalidParameterRoleArn         = "InvalidParameter.RoleArn"
	CodeInvalidParameterRoleSessionName = "InvalidParameter.RoleSessionName"
	CodeInvalidParameterDurationSeconds = "InvalidParameter.DurationSeconds" // beyond the role's MaxSessionDuration
	CodeInvalidParameterPolicyGrammar   = "InvalidParameter.PolicyGrammar"
	CodeInvalidParameterPolicySize      = "InvalidParameter.PolicySize"
	CodeInvalidParameterExternalID      = "InvalidParameter.ExternalId"

	// 403: the caller may not assume the role (AliyunSTSAssumeRoleAccess missing, or the role's trust
	// policy does not name the caller), or an Alibaba Cloud account's own AccessKey was used.
	CodeNoPermission = "NoPermission"
	// 403: STS credentials (an AccessKey ID starting STS.) sent without their security token.
	CodeMissingSecurityToken = "MissingSecurityToken"

	// 404: the role does not exist.
	CodeEntityNotExistRole = "EntityNotExist.Role"

	// 401 (AssumeRoleWithOIDC): the role's trust policy does not admit the token ("There is no
	// permission"), or no OIDC provider of that ARN is registered ("No such OIDC Provider
	// registered.").
	CodeAuthenticationFailNoPermission = "AuthenticationFail.NoPermission"
	// 401: the token expired ("This JsonWebToken is expired."): read the token file again; a
	// projected service-account token is rotated by the kubelet.
	CodeOIDCTokenExpired = "AuthenticationFail.OIDCToken.Expired"
	// 401: the token is empty, not three dot-separated parts, not base64url, or of an unknown
	// algorithm.
	CodeOIDCTokenInvalid = "AuthenticationFail.OIDCToken.Invalid"
	// 401: the token's signature does not verify against the provider's keys.
	CodeOIDCTokenInvalidSignature = "AuthenticationFail.OIDCToken.InvalidSignature"
	// 401: the token's aud is not one of the provider's client IDs (sts.aliyuncs.com for RRSA).
	CodeOIDCTokenAudienceNotMatch = "AuthenticationFail.OIDCToken.AudienceNotMatch"
	// 401: the token's iss is not the provider's issuer URL.
	CodeOIDCTokenIssuerNotMatch = "AuthenticationFail.OIDCToken.IssuerNotMatch"
	// 401: STS could not get the issuer's public keys (for RRSA: the cluster has RRSA disabled).
	CodeOIDCTokenIssuerConfigurationBroken = "AuthenticationFail.OIDCToken.IssuerConfigurationBroken"
	// 401: the issuer URL's certificate chain does not validate, or its root CA is not trusted.
	CodeOIDCTokenHTTPSURLInvalid = "AuthenticationFail.OIDCToken.HttpsUrlInvalid"
	// 401: the issuer's certificate does not match the fingerprint registered with the provider.
	CodeOIDCTokenPublicKeyFingerprintMismatch = "AuthenticationFail.OIDCToken.PublicKeyFingerprintMismatch"
)

// Codes lists the codes above: each has a metric label of its own.
var Codes = []string{
	CodeInvalidParameterRoleArn, CodeInvalidParameterRoleSessionName, CodeInvalidParameterDurationSeconds,
	CodeInvalidParameterPolicyGrammar, CodeInvalidParameterPolicySize, CodeInvalidParameterExternalID,
	CodeNoPermission, CodeMissingSecurityToken, CodeEntityNotExistRole,
	CodeAuthenticationFailNoPermission, CodeOIDCTokenExpired, CodeOIDCTokenInvalid,
	CodeOIDCTokenInvalidSignature, CodeOIDCTokenAudienceNotMatch, CodeOIDCTokenIssuerNotMatch,
	CodeOIDCTokenIssuerConfigurationBroken, CodeOIDCTokenHTTPSURLInvalid,
	CodeOIDCTokenPublicKeyFingerprintMismatch,
}
