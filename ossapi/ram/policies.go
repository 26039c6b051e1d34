package ram

import (
	"context"
	"errors"
	"fmt"
	"net/url"
	"strconv"
	"strings"

	"github.com/ossoperator/oss-operator/ossapi"
)

// CreatePolicy creates a custom policy with its first version, v1, of document (a RAM policy, JSON).
// A policy of that name already there is EntityAlreadyExists.Policy.
func (c *Client) CreatePolicy(ctx context.Context, name, document, description string) (*Policy, error) {
	if err := require(ActionCreatePolicy, "name", name, "document", document); err != nil {
		return nil, err
	}
	params := url.Values{"PolicyName": {name}, "PolicyDocument": {document}}
	setIf(params, "Description", description)
	var out policyAnswer
	if err := c.call(ctx, ActionCreatePolicy, params, &out); err != nil {
		return nil, err
	}
	p := out.Policy.policy()
	return &p, nil
}

// GetPolicy reads a policy of policyType (PolicyTypeCustom or PolicyTypeSystem) and its default
// version with its document. One that does not exist is EntityNotExist.Policy.
func (c *Client) GetPolicy(ctx context.Context, name, policyType string) (*Policy, *PolicyVersion, error) {
	if err := require(ActionGetPolicy, "name", name); err != nil {
		return nil, nil, err
	}
	if err := oneOf(ActionGetPolicy, "policyType", policyType, PolicyTypeCustom, PolicyTypeSystem); err != nil {
		return nil, nil, err
	}
	var out policyAnswer
	if err := c.call(ctx, ActionGetPolicy, url.Values{"PolicyName": {name}, "PolicyType": {policyType}}, &out); err != nil {
		return nil, nil, err
	}
	p, v := out.Policy.policy(), out.defaultVersion()
	return &p, &v, nil
}

// CreatePolicyVersion adds a version of document to a custom policy, made its default version if
// setAsDefault. rotateStrategy says what to do when the policy has its 5 versions already:
// RotateStrategyNone (or "", RAM's default) refuses with LimitExceeded.Policy.Version,
// RotateStrategyDeleteOldest deletes the oldest version that is not the default.
func (c *Client) CreatePolicyVersion(ctx context.Context, name, document string, setAsDefault bool, rotateStrategy string) (*PolicyVersion, error) {
	if err := require(ActionCreatePolicyVersion, "name", name, "document", document); err != nil {
		return nil, err
	}
	params := url.Values{"PolicyName": {name}, "PolicyDocument": {document}, "SetAsDefault": {strconv.FormatBool(setAsDefault)}}
	if rotateStrategy != "" {
		if err := oneOf(ActionCreatePolicyVersion, "rotateStrategy", rotateStrategy, RotateStrategyNone, RotateStrategyDeleteOldest); err != nil {
			return nil, err
		}
		params.Set("RotateStrategy", rotateStrategy)
	}
	var out policyVersionAnswer
	if err := c.call(ctx, ActionCreatePolicyVersion, params, &out); err != nil {
		return nil, err
	}
	v := out.PolicyVersion.version()
	return &v, nil
}

// ListPolicyVersions lists the versions of a policy (at most 5 of a custom one), with their documents.
func (c *Client) ListPolicyVersions(ctx context.Context, name, policyType string) ([]PolicyVersion, error) {
	if err := require(ActionListPolicyVersions, "name", name); err != nil {
		return nil, err
	}
	if err := oneOf(ActionListPolicyVersions, "policyType", policyType, PolicyTypeCustom, PolicyTypeSystem); err != nil {
		return nil, err
	}
	var out policyVersionsAnswer
	if err := c.call(ctx, ActionListPolicyVersions, url.Values{"PolicyName": {name}, "PolicyType": {policyType}}, &out); err != nil {
		return nil, err
	}
	versions := make([]PolicyVersion, 0, len(out.PolicyVersions.PolicyVersion))
	for i := range out.PolicyVersions.PolicyVersion {
		versions = append(versions, out.PolicyVersions.PolicyVersion[i].version())
	}
	return versions, nil
}

// DeletePolicyVersion deletes a version of a custom policy; RAM refuses the default version
// (DeleteConflict.Policy.Version.Default).
func (c *Client) DeletePolicyVersion(ctx context.Context, name, versionID string) error {
	if err := require(ActionDeletePolicyVersion, "name", name, "versionID", versionID); err != nil {
		return err
	}
	return c.call(ctx, ActionDeletePolicyVersion, url.Values{"PolicyName": {name}, "VersionId": {versionID}}, nil)
}

// DeletePolicy deletes a custom policy. RAM refuses while it is attached (DeleteConflict.Policy.User)
// or has versions besides the default (DeleteConflict.Policy.Version).
func (c *Client) DeletePolicy(ctx context.Context, name string) error {
	if err := require(ActionDeletePolicy, "name", name); err != nil {
		return err
	}
	return c.call(ctx, ActionDeletePolicy, url.Values{"PolicyName": {name}}, nil)
}

// AttachPolicyToUser grants a policy to a RAM user; one attached already is
// EntityAlreadyExists.User.Policy.
func (c *Client) AttachPolicyToUser(ctx context.Context, policyType, policyName, userName string) error {
	params, err := attachment(ActionAttachPolicyToUser, policyType, policyName, userName)
	if err != nil {
		return err
	}
	return c.call(ctx, ActionAttachPolicyToUser, params, nil)
}

// DetachPolicyFromUser revokes a policy from a RAM user; one not attached is
// EntityNotExist.User.Policy.
func (c *Client) DetachPolicyFromUser(ctx context.Context, policyType, policyName, userName string) error {
	params, err := attachment(ActionDetachPolicyFromUser, policyType, policyName, userName)
	if err != nil {
		return err
	}
	return c.call(ctx, ActionDetachPolicyFromUser, params, nil)
}

func attachment(action, policyType, policyName, userName string) (url.Values, error) {
	if err := require(action, "policyName", policyName, "userName", userName); err != nil {
		return nil, err
	}
	if err := oneOf(action, "policyType", policyType, PolicyTypeCustom, PolicyTypeSystem); err != nil {
		return nil, err
	}
	return url.Values{"PolicyType": {policyType}, "PolicyName": {policyName}, "UserName": {userName}}, nil
}

// ListPoliciesForUser lists the policies attached to a RAM user, with AttachDate set.
func (c *Client) ListPoliciesForUser(ctx context.Context, userName string) ([]Policy, error) {
	if err := require(ActionListPoliciesForUser, "userName", userName); err != nil {
		return nil, err
	}
	var out policiesAnswer
	if err := c.call(ctx, ActionListPoliciesForUser, url.Values{"UserName": {userName}}, &out); err != nil {
		return nil, err
	}
	policies := make([]Policy, 0, len(out.Policies.Policy))
	for i := range out.Policies.Policy {
		policies = append(policies, out.Policies.Policy[i].policy())
	}
	return policies, nil
}

// policyAnswer is the answer of CreatePolicy and GetPolicy: the policy asked about, and for GetPolicy
// its default version with the document (in DefaultPolicyVersion, or in older answers the Policy's
// PolicyDocument and DefaultVersion).
type policyAnswer struct {
	Policy               *policyJSON        `json:"Policy"`
	DefaultPolicyVersion *policyVersionJSON `json:"DefaultPolicyVersion"`
}

func (a *policyAnswer) CheckAnswer(req ossapi.RPCRequest) error {
	switch asked := req.Params.Get("PolicyName"); {
	case a.Policy == nil:
		return errors.New("there is no Policy")
	case !strings.EqualFold(a.Policy.PolicyName, asked):
		return fmt.Errorf("the answer is about policy %q, not %q", a.Policy.PolicyName, asked)
	case req.Action != ActionGetPolicy:
		return nil
	}
	if v := a.defaultVersion(); v.PolicyDocument == "" {
		return errors.New("there is no policy document")
	}
	return nil
}

// defaultVersion is the default version GetPolicy's answer names.
func (a *policyAnswer) defaultVersion() PolicyVersion {
	if a.DefaultPolicyVersion != nil && a.DefaultPolicyVersion.PolicyDocument != "" {
		v := a.DefaultPolicyVersion.version()
		v.IsDefaultVersion = true
		if v.VersionID == "" {
			v.VersionID = a.Policy.DefaultVersion
		}
		return v
	}
	return PolicyVersion{VersionID: a.Policy.DefaultVersion, PolicyDocument: a.Policy.PolicyDocument, IsDefaultVersion: true}
}

// policyVersionAnswer is CreatePolicyVersion's answer.
type policyVersionAnswer struct {
	PolicyVersion *policyVersionJSON `json:"PolicyVersion"`
}

func (a *policyVersionAnswer) CheckAnswer(ossapi.RPCRequest) error {
	if a.PolicyVersion == nil || a.PolicyVersion.VersionID == "" {
		return errors.New("there is no PolicyVersion with a VersionId")
	}
	return nil
}

// policyVersionsAnswer is ListPolicyVersions' answer: {"PolicyVersions": {"PolicyVersion": [...]}}.
type policyVersionsAnswer struct {
	PolicyVersions *struct {
		PolicyVersion []policyVersionJSON `json:"PolicyVersion"`
	} `json:"PolicyVersions"`
}

func (a *policyVersionsAnswer) CheckAnswer(ossapi.RPCRequest) error {
	if a.PolicyVersions == nil {
		return errors.New("there is no PolicyVersions list")
	}
	for i, v := range a.PolicyVersions.PolicyVersion {
		if v.VersionID == "" {
			return fmt.Errorf("policy version %d has no VersionId", i)
		}
	}
	return nil
}

// policiesAnswer is ListPoliciesForUser's answer: {"Policies": {"Policy": [...]}}.
type policiesAnswer struct {
	Policies *struct {
		Policy []policyJSON `json:"Policy"`
	} `json:"Policies"`
}

func (a *policiesAnswer) CheckAnswer(ossapi.RPCRequest) error {
	if a.Policies == nil {
		return errors.New("there is no Policies list")
	}
	for i, p := range a.Policies.Policy {
		if p.PolicyName == "" {
			return fmt.Errorf("policy %d has no PolicyName", i)
		}
	}
	return nil
}
