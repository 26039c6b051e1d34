package controllers

import (
	"errors"
	"fmt"
	"slices"
	"strings"

	ossv1 "github.com/ossoperator/oss-operator/api/v1alpha1"
	"github.com/ossoperator/oss-operator/ossapi"
	"github.com/ossoperator/oss-operator/ossapi/ram"
	"github.com/ossoperator/oss-operator/ossapi/sts"
)

// The decide step of the AccessKey controller: functions without I/O from the AccessKey, its status
// before the reconcile and what was observed, to the outcome; decideAccessKey also sets the status
// fields it reports (account, key ID, endpoint).

// decideAccessKey verifies the credentials from one signed call, and sets the status fields it
// reports on ak.
func decideAccessKey(ak *ossv1.AccessKey, prev *ossv1.AccessKeyStatus, obs accessKeyObservation) outcome {
	st := &ak.Status
	var cerr *CredentialsError
	switch {
	case errors.As(obs.clientErr, &cerr):
		st.AccountID = ""
		if cerr.Reason == ossv1.ReasonSecretNotFound {
			// Often applied with the AccessKey, and watched: waited for, as a missing AccessKey is by
			// its Buckets.
			return waiting(cerr.Reason, cerr.Message, untilChange)
		}
		// A Secret that changes is watched: nothing to retry until then.
		out := stalledOn(cerr.Reason, cerr.Message)
		out.wait = untilChange
		return out
	case obs.clientErr != nil:
		return retrying(ossv1.ReasonReconciling, "Reading the Secret failed, will retry: "+obs.clientErr.Error(), obs.clientErr)
	}
	st.Endpoint = obs.conn.Endpoint()
	st.AccessKeyID = shownKeyID(obs.conn.AccessKeyID)
	if obs.callErr == nil {
		st.AccountID = obs.page.Owner.ID
		out := readyOutcome(fmt.Sprintf("Credentials verified for account %s at %s", st.AccountID, st.Endpoint))
		if !isReady(prev.Conditions) {
			out = out.with(actionEvent{reason: ossv1.EventVerified, action: "Verify",
				message: fmt.Sprintf("Credentials %s verified for account %s", st.AccessKeyID, st.AccountID)})
		}
		return out
	}
	reason := accessKeyReason(obs.callErr)
	msg := "Verifying the credentials failed: " + describe(obs.callErr)
	if reason == ossv1.ReasonInvalidAccessKeyID && st.AccessKeyID == "" {
		msg += ". The Secret's access key ID does not have the form of one (LTAI... or STS....): are accessKeyId and accessKeySecret swapped?"
	}
	if retryable(obs.callErr) {
		return retrying(reason, msg, fmt.Errorf("verifying AccessKey %s/%s: %w", ak.Namespace, ak.Name, obs.callErr))
	}
	st.AccountID = ""
	out := stalledOn(reason, msg)
	out.err = obs.callErr
	return out
}

// shownKeyID is the access key ID as status shows it: only when it has the form Alibaba Cloud gives
// them (LTAI... for a RAM user's key, STS.... for a temporary one). A Secret whose keys are swapped holds
// the secret under accessKeyId; that never reaches status.
func shownKeyID(id string) string {
	if strings.HasPrefix(id, "LTAI") || strings.HasPrefix(id, "STS.") {
		return id
	}
	return ""
}

// accessKeyReason maps a failed verification to a condition reason.
func accessKeyReason(err error) string {
	switch ossapi.ErrorCode(err) {
	case ossapi.CodeInvalidAccessKeyID:
		return ossv1.ReasonInvalidAccessKeyID
	case ossapi.CodeSignatureDoesNotMatch:
		return ossv1.ReasonSignatureDoesNotMatch
	case ossapi.CodeInvalidSecurityToken, ossapi.CodeSecurityTokenExpired, ossapi.CodeAccessKeyIDAndSecurityTokenNotMatch:
		return ossv1.ReasonInvalidSecurityToken
	}
	switch {
	case retryable(err):
		return ossv1.ReasonEndpointUnreachable
	case ossapi.ErrorCode(err) == "":
		// An answer, but not one OSS gives (larger than any of its own): no transient failure.
		return ossv1.ReasonOSSRejected
	}
	return ossv1.ReasonAccessDenied
}

// maxUsersListed bounds the Buckets an InUse message names.
const maxUsersListed = 5

// decideAccessKeyDeletion lets an AccessKey go once no Bucket needs it.
func decideAccessKeyDeletion(users []string, err error) outcome {
	switch {
	case err != nil:
		out := blockedOn(ossv1.ReasonInUse, "Listing the Buckets that use these credentials failed, will retry: "+err.Error(), backoff)
		out.err = err
		return out
	case len(users) == 0:
		return releasedOutcome()
	}
	// Sorted: the cache lists them in any order, and the message must not change with it.
	users = slices.Sorted(slices.Values(users))
	named := users
	more := ""
	if len(named) > maxUsersListed {
		named, more = named[:maxUsersListed], fmt.Sprintf(" and %d more", len(users)-maxUsersListed)
	}
	// Polled as well as watched: a namespace's grant can end without a change of the Bucket.
	return blockedOn(ossv1.ReasonInUse, fmt.Sprintf(
		"Buckets %s%s still need these credentials to delete or let go of their OSS buckets; the AccessKey goes once they are gone (delete them, or point them at another AccessKey)",
		strings.Join(named, ", "), more), poll)
}

// The outcomes of issued and temporary credentials' failures (accesskey_issue.go, accesskey_session.go).

// ramFailed maps a failed RAM call to an outcome: a transient failure is retried with backoff; a
// refusal of the issuer's key (no permission, an invalid or inactive key) or of the request waits for a
// change, and is looked at again now and then, since a permission can be granted outside the cluster.
func (run *issueRun) ramFailed(what string, err error) outcome {
	msg := fmt.Sprintf("RAM refused %s (issuer %s): %s", what, run.ak.Spec.Issue.IssuerRef.Name, describe(err))
	if retryable(err) {
		return retrying(ossv1.ReasonRAMUnavailable, fmt.Sprintf("RAM failed %s, will retry: %s", what, describe(err)), err)
	}
	reason := ossv1.ReasonRAMRejected
	switch code := ossapi.ErrorCode(err); {
	case code == ram.CodeNoPermission, strings.HasPrefix(code, "InvalidAccessKeyId"), code == "SignatureDoesNotMatch", code == "InvalidSecurityToken.Expired":
		reason = ossv1.ReasonRAMDenied
	case code == "":
		reason = ossv1.ReasonRAMUnavailable
	}
	out := stalledOn(reason, msg)
	out.wait = poll
	return out
}

func (run *issueRun) notOwned(what, name string) outcome {
	out := stalledOn(ossv1.ReasonRAMEntityNotOwned, fmt.Sprintf("%s %s exists and was not created by this AccessKey: the operator never changes or deletes it; delete it in RAM if it is unused, or recreate this AccessKey", what, name))
	out.wait = untilChange
	return out
}

// stsFailed maps a refused or failed STS call to an outcome; each cause its own reason, so the message
// says what to fix.
func stsFailed(err error) outcome {
	msg := "STS refused the credentials: " + describe(err)
	if retryable(err) {
		return retrying(ossv1.ReasonSTSUnavailable, "STS failed, will retry: "+describe(err), err)
	}
	code := ossapi.ErrorCode(err)
	reason := ossv1.ReasonSTSRejected
	switch {
	case errors.Is(err, sts.ErrInvalidArgument):
		reason = ossv1.ReasonSTSRejected
	case strings.HasPrefix(code, "AuthenticationFail.OIDCToken"):
		reason = ossv1.ReasonOIDCTokenRejected
	case strings.HasPrefix(code, "EntityNotExist.Role"), strings.HasPrefix(code, "EntityNotExist.OIDCProvider"),
		code == "NoPermission", strings.HasPrefix(code, "AuthenticationFail.NoPermission"), strings.HasPrefix(code, "NoPermission."):
		reason = ossv1.ReasonRoleNotTrusted
	case code == "":
		reason = ossv1.ReasonSTSUnavailable
	}
	out := stalledOn(reason, msg)
	out.wait = poll // a role's trust is changed in RAM, outside the cluster
	return out
}
