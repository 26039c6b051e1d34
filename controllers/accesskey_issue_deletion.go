package controllers

import (
	"context"
	"fmt"

	"k8s.io/apimachinery/pkg/types"

	ossv1 "github.com/ossoperator/oss-operator/api/v1alpha1"
	"github.com/ossoperator/oss-operator/ossapi"
	"github.com/ossoperator/oss-operator/ossapi/ram"
)

// deleteIssued removes what an issued AccessKey created in RAM, in the order RAM requires: the user's
// keys, the policy's attachment, the user, the policy's other versions and the policy. A user or policy
// of that name that this AccessKey did not create is left alone. The Secret goes with the AccessKey
// (its owner reference). It signs with the issuer's credentials, or the last ones verified when the
// issuer is being deleted at the same time (a namespace, a GitOps prune).
func (r *AccessKeyReconciler) deleteIssued(ctx context.Context, ak *ossv1.AccessKey) outcome {
	st := ak.Status.Issued
	if st == nil || (st.UserName == "" && st.PolicyName == "") {
		return releasedOutcome()
	}
	names := namesFor(r.ClusterID, ak)
	api, out, ok := r.issuerRAM(ctx, ak)
	if !ok {
		return out
	}
	run := &issueRun{r: r, ak: ak, names: names, ram: api}
	fail := func(what string, err error) outcome {
		o := run.ramFailed(what, err)
		return blockedOn(o.reason, o.message+"; the AccessKey goes once its RAM user and policy are deleted", o.wait).withErr(o.err)
	}
	var events []actionEvent
	if st.UserName == names.user {
		u, err := api.GetUser(ctx, names.user)
		switch {
		case ossapi.IsCode(err, ram.CodeEntityNotExistUser):
		case err != nil:
			return fail("reading the RAM user", err)
		case u.Comments != names.marker:
			// Not this AccessKey's: left as it is.
		default:
			keys, err := api.ListAccessKeys(ctx, names.user)
			if err != nil {
				return fail("listing the user's keys", err)
			}
			for _, k := range keys {
				if err := api.DeleteAccessKey(ctx, names.user, k.AccessKeyID); err != nil && !ossapi.IsCode(err, ram.CodeEntityNotExistUserAccessKey) {
					return fail("deleting a key", err)
				}
			}
			if err := api.DetachPolicyFromUser(ctx, policyTypeCustom, names.policy, names.user); err != nil &&
				!ossapi.IsCode(err, ram.CodeEntityNotExistPolicy) && !ossapi.IsCode(err, ram.CodeEntityNotExistUserPolicy) {
				return fail("detaching the policy", err)
			}
			if err := api.DeleteUser(ctx, names.user); err != nil && !ossapi.IsCode(err, ram.CodeEntityNotExistUser) {
				return fail("deleting the RAM user", err)
			}
		}
	}
	if st.PolicyName == names.policy {
		p, _, err := api.GetPolicy(ctx, names.policy, policyTypeCustom)
		switch {
		case ossapi.IsCode(err, ram.CodeEntityNotExistPolicy):
		case err != nil:
			return fail("reading the RAM policy", err)
		case p.Description != names.marker:
		default:
			versions, err := api.ListPolicyVersions(ctx, names.policy, policyTypeCustom)
			if err != nil {
				return fail("listing the policy's versions", err)
			}
			for _, v := range versions {
				if v.IsDefaultVersion {
					continue
				}
				if err := api.DeletePolicyVersion(ctx, names.policy, v.VersionID); err != nil && !ossapi.IsCode(err, ram.CodeEntityNotExistPolicyVersion) {
					return fail("deleting a policy version", err)
				}
			}
			if err := api.DeletePolicy(ctx, names.policy); err != nil && !ossapi.IsCode(err, ram.CodeEntityNotExistPolicy) {
				return fail("deleting the RAM policy", err)
			}
		}
	}
	events = append(events, actionEvent{reason: ossv1.EventIdentityDeleted, action: "DeleteIdentity",
		message: fmt.Sprintf("RAM user %s, its keys and policy %s deleted", names.user, names.policy)})
	return releasedOutcome(events...)
}

// issuerRAM is a RAM client with the issuer's credentials: its Secret's, or, when they cannot be read,
// the last ones OSS accepted.
func (r *AccessKeyReconciler) issuerRAM(ctx context.Context, ak *ossv1.AccessKey) (ramAPI, outcome, bool) {
	ref := ak.Spec.Issue.IssuerRef
	key := types.NamespacedName{Namespace: ref.Namespace, Name: ref.Name}
	if key.Namespace == "" {
		key.Namespace = ak.Namespace
	}
	issuer := &ossv1.AccessKey{}
	var creds ossapi.Credentials
	found := false
	if err := r.Get(ctx, key, issuer); err == nil {
		if c, err := r.Clients.Credentials(ctx, issuer); err == nil {
			creds, found = c, true
		} else if c, ok := r.Clients.LastVerified(issuer, ""); ok {
			creds, found = c.creds, true
		}
	}
	if !found {
		return nil, blockedOn(ossv1.ReasonIssuerNotReady, fmt.Sprintf(
			"The issuer AccessKey %s's credentials are needed to delete RAM user %s and its policy; restore the issuer, or remove the finalizer %s to leave them in RAM", key, ak.Status.Issued.UserName, InUseFinalizer), poll), false
	}
	api, err := r.Clients.RAM(creds)
	if err != nil {
		return nil, blockedOn(ossv1.ReasonRAMRejected, "The RAM client cannot be made: "+err.Error(), poll), false
	}
	return api, outcome{}, true
}
