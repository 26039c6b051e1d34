package ram

// RAM actions the client calls. They are the operation label of the metrics and the Operation of
// errors.
const (
	ActionCreateUser           = "CreateUser"
	ActionGetUser              = "GetUser"
	ActionDeleteUser           = "DeleteUser"
	ActionCreateAccessKey      = "CreateAccessKey"
	ActionListAccessKeys       = "ListAccessKeys"
	ActionUpdateAccessKey      = "UpdateAccessKey"
	ActionDeleteAccessKey      = "DeleteAccessKey"
	ActionCreatePolicy         = "CreatePolicy"
	ActionGetPolicy            = "GetPolicy"
	ActionCreatePolicyVersion  = "CreatePolicyVersion"
	ActionListPolicyVersions   = "ListPolicyVersions"
	ActionDeletePolicyVersion  = "DeletePolicyVersion"
	ActionDeletePolicy         = "DeletePolicy"
	ActionAttachPolicyToUser   = "AttachPolicyToUser"
	ActionDetachPolicyFromUser = "DetachPolicyFromUser"
	ActionListPoliciesForUser  = "ListPoliciesForUser"
)

// Actions lists every action the client calls, for tests and dashboards.
var Actions = []string{
	ActionCreateUser, ActionGetUser, ActionDeleteUser,
	ActionCreateAccessKey, ActionListAccessKeys, ActionUpdateAccessKey, ActionDeleteAccessKey,
	ActionCreatePolicy, ActionGetPolicy, ActionCreatePolicyVersion, ActionListPolicyVersions,
	ActionDeletePolicyVersion, ActionDeletePolicy,
	ActionAttachPolicyToUser, ActionDetachPolicyFromUser, ActionListPoliciesForUser,
}

// How much of a 2xx answer the client reads: what RAM can send for the action, with a margin; a larger
// answer is an *ossapi.ResponseTooLargeError and is not read. Sizes that recur: a user name is at most
// 64 characters, a display name 128, comments 128, a policy name 128, a description 1,024 bytes, a
// policy document 6,144 characters (2,048 in older pages), which JSON may escape to six times its size
// (\u0022 for "), under 40 KiB. Every answer is one JSON document, decoded from memory.
const (
	// maxAcknowledgement: {"RequestId": "..."} and nothing else.
	maxAcknowledgement = 4 << 10
	// maxSmallAnswer: one user (seven short fields), one AccessKey, one policy without its document,
	// or a user's AccessKeys (at most 2).
	maxSmallAnswer = 16 << 10
	// maxDocumentAnswer: a policy with the document of its default version, or a new version with
	// its document.
	maxDocumentAnswer = 64 << 10
	// maxVersionListing: at most 5 versions of a policy, each with its document: 5 * 40 KiB.
	maxVersionListing = 256 << 10
	// maxPolicyListing: the policies attached to a user; the documented quota is 20 system and 5
	// custom policies, raised on request. An entry is at most about 1.5 KiB (its description): 1 MiB
	// takes some 700 of them.
	maxPolicyListing = 1 << 20
)

// answerLimits is the limit of each action's 2xx answer. Every action is listed (a test checks it),
// so adding one means deciding its limit.
var answerLimits = map[string]int64{
	ActionCreateUser:           maxSmallAnswer,
	ActionGetUser:              maxSmallAnswer,
	ActionDeleteUser:           maxAcknowledgement,
	ActionCreateAccessKey:      maxSmallAnswer,
	ActionListAccessKeys:       maxSmallAnswer,
	ActionUpdateAccessKey:      maxAcknowledgement,
	ActionDeleteAccessKey:      maxAcknowledgement,
	ActionCreatePolicy:         maxSmallAnswer,
	ActionGetPolicy:            maxDocumentAnswer,
	ActionCreatePolicyVersion:  maxDocumentAnswer,
	ActionListPolicyVersions:   maxVersionListing,
	ActionDeletePolicyVersion:  maxAcknowledgement,
	ActionDeletePolicy:         maxAcknowledgement,
	ActionAttachPolicyToUser:   maxAcknowledgement,
	ActionDetachPolicyFromUser: maxAcknowledgement,
	ActionListPoliciesForUser:  maxPolicyListing,
}

// RAM error codes the project branches on (RAM API reference, "Error messages"). Callers compare
// codes with ossapi.IsCode, never message text. The codes every RPC API answers (throttling,
// signature, time) are ossapi's.
const (
	// 400
	CodeInvalidParameter        = "InvalidParameter"
	CodeMalformedPolicyDocument = "MalformedPolicyDocument"
	// 403
	CodeNoPermission = "NoPermission"
	CodeInactive     = "Inactive" // RAM is not activated for the account
	// 404
	CodeEntityNotExistUser          = "EntityNotExist.User"
	CodeEntityNotExistUserAccessKey = "EntityNotExist.User.AccessKey"
	CodeEntityNotExistUserPolicy    = "EntityNotExist.User.Policy" // detaching a policy not attached
	CodeEntityNotExistPolicy        = "EntityNotExist.Policy"
	CodeEntityNotExistPolicyVersion = "EntityNotExist.Policy.Version"
	// 409
	CodeEntityAlreadyExistsUser            = "EntityAlreadyExists.User"
	CodeEntityAlreadyExistsPolicy          = "EntityAlreadyExists.Policy"
	CodeEntityAlreadyExistsUserPolicy      = "EntityAlreadyExists.User.Policy"
	CodeLimitExceededUser                  = "LimitExceeded.User"
	CodeLimitExceededUserAccessKey         = "LimitExceeded.User.AccessKey" // at most 2 per user
	CodeLimitExceededUserPolicy            = "LimitExceeded.User.Policy"
	CodeLimitExceededPolicy                = "LimitExceeded.Policy"
	CodeLimitExceededPolicyVersion         = "LimitExceeded.Policy.Version" // at most 5 per policy
	CodeDeleteConflictUserAccessKey        = "DeleteConflict.User.AccessKey"
	CodeDeleteConflictUserPolicy           = "DeleteConflict.User.Policy"
	CodeDeleteConflictUserGroup            = "DeleteConflict.User.Group"
	CodeDeleteConflictUserLoginProfile     = "DeleteConflict.User.LoginProfile"
	CodeDeleteConflictPolicyUser           = "DeleteConflict.Policy.User"
	CodeDeleteConflictPolicyGroup          = "DeleteConflict.Policy.Group"
	CodeDeleteConflictPolicyVersion        = "DeleteConflict.Policy.Version"         // non-default versions left
	CodeDeleteConflictPolicyVersionDefault = "DeleteConflict.Policy.Version.Default" // the default version
)

// Codes lists the codes above: each has a metric label of its own.
var Codes = []string{
	CodeInvalidParameter, CodeMalformedPolicyDocument, CodeNoPermission, CodeInactive,
	CodeEntityNotExistUser, CodeEntityNotExistUserAccessKey, CodeEntityNotExistUserPolicy,
	CodeEntityNotExistPolicy, CodeEntityNotExistPolicyVersion,
	CodeEntityAlreadyExistsUser, CodeEntityAlreadyExistsPolicy, CodeEntityAlreadyExistsUserPolicy,
	CodeLimitExceededUser, CodeLimitExceededUserAccessKey, CodeLimitExceededUserPolicy,
	CodeLimitExceededPolicy, CodeLimitExceededPolicyVersion,
	CodeDeleteConflictUserAccessKey, CodeDeleteConflictUserPolicy, CodeDeleteConflictUserGroup,
	CodeDeleteConflictUserLoginProfile, CodeDeleteConflictPolicyUser, CodeDeleteConflictPolicyGroup,
	CodeDeleteConflictPolicyVersion, CodeDeleteConflictPolicyVersionDefault,
}
