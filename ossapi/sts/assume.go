package sts

import (
	"context"
	"encoding/json"
	"fmt"
	"net/url"
	"regexp"
	"strconv"

	"github.com/ossoperator/oss-operator/ossapi"
)

// AssumeRoleInput describes a session of a RAM role, assumed with the client's credentials.
type AssumeRoleInput struct {
	// RoleArn is the role's ARN, acs:ram::<account ID>:role/<role name>. Required.
	RoleArn string
	// RoleSessionName names the session in the role's ARN and in ActionTrail: 2-64 letters, digits
	// and ".@-_". Required.
	RoleSessionName string
	// DurationSeconds is how long the credentials last: 900 up to the role's MaxSessionDuration (at
	// most 43,200); 0 takes STS's default, 3,600. Beyond the role's maximum, STS answers
	// InvalidParameter.DurationSeconds.
	DurationSeconds int
	// Policy, if set, narrows the session's permissions to those it and the role's policies both
	// grant: a RAM policy document of at most 2,048 bytes.
	Policy string
	// ExternalID is the value the role's trust policy requires in sts:ExternalId, if it requires one:
	// 2-1,224 letters, digits and "_+=,.@:/-".
	ExternalID string
}

// AssumeRole assumes a RAM role with the client's credentials (a RAM user's or a role session's: an
// Alibaba Cloud account's own AccessKey is refused with NoPermission) and returns the session's
// credentials. The caller needs AliyunSTSAssumeRoleAccess (or sts:AssumeRole on the role) and the
// role's trust policy must name it; else NoPermission.
//
// STS limits AssumeRole to 6,000 calls a minute per account (Throttling.User, retried): reuse the
// credentials until they are about to expire.
func (c *Client) AssumeRole(ctx context.Context, in AssumeRoleInput) (*Session, error) {
	const action = ActionAssumeRole
	if err := firstError(
		checkRoleArn(action, in.RoleArn),
		checkSessionName(action, in.RoleSessionName),
		checkDuration(action, in.DurationSeconds),
		checkPolicy(action, in.Policy),
		checkExternalID(action, in.ExternalID),
	); err != nil {
		return nil, err
	}
	params := url.Values{"RoleArn": {in.RoleArn}, "RoleSessionName": {in.RoleSessionName}}
	setOptional(params, in.DurationSeconds, in.Policy)
	if in.ExternalID != "" {
		params.Set("ExternalId", in.ExternalID)
	}
	var out sessionAnswer
	if err := c.call(ctx, ossapi.RPCRequest{Action: action, Params: params}, &out); err != nil {
		return nil, err
	}
	return out.session(), nil
}

// AssumeRoleWithOIDCInput describes a session of a RAM role that trusts an OIDC identity provider,
// assumed with a token the provider issued.
type AssumeRoleWithOIDCInput struct {
	// OIDCProviderArn is the provider's ARN, acs:ram::<account ID>:oidc-provider/<name>; on ACK with
	// RRSA, $ALIBABA_CLOUD_OIDC_PROVIDER_ARN. Required.
	OIDCProviderArn string
	// RoleArn is the role's ARN, acs:ram::<account ID>:role/<role name>; $ALIBABA_CLOUD_ROLE_ARN.
	// Required.
	RoleArn string
	// OIDCToken is the token as issued (a JWT, not base64-encoded again), 4-20,000 characters; on
	// ACK, the content of the file $ALIBABA_CLOUD_OIDC_TOKEN_FILE, read anew for each call since the
	// kubelet rotates it. It is a secret: it is sent in the POST body and never logged. Required.
	OIDCToken string
	// RoleSessionName, DurationSeconds and Policy are as for AssumeRole.
	RoleSessionName string
	DurationSeconds int
	Policy          string
}

// AssumeRoleWithOIDC assumes a RAM role with an OIDC token and returns the session's credentials. The
// call is not signed (the token authenticates it), so a client without credentials can make it.
//
// STS checks the token against the provider (AuthenticationFail.OIDCToken.*) and the role's trust
// policy (AuthenticationFail.NoPermission); an expired token (AuthenticationFail.OIDCToken.Expired)
// is not retried: read the token again.
func (c *Client) AssumeRoleWithOIDC(ctx context.Context, in AssumeRoleWithOIDCInput) (*Session, error) {
	const action = ActionAssumeRoleWithOIDC
	if err := firstError(
		checkProviderArn(action, in.OIDCProviderArn),
		checkRoleArn(action, in.RoleArn),
		checkOIDCToken(action, in.OIDCToken),
		checkSessionName(action, in.RoleSessionName),
		checkDuration(action, in.DurationSeconds),
		checkPolicy(action, in.Policy),
	); err != nil {
		return nil, err
	}
	params := url.Values{
		"OIDCProviderArn": {in.OIDCProviderArn}, "RoleArn": {in.RoleArn}, paramOIDCToken: {in.OIDCToken},
		"RoleSessionName": {in.RoleSessionName},
	}
	setOptional(params, in.DurationSeconds, in.Policy)
	req := ossapi.RPCRequest{Action: action, Params: params, Unsigned: true, SecretParams: []string{paramOIDCToken}}
	var out sessionAnswer
	if err := c.call(ctx, req, &out); err != nil {
		return nil, err
	}
	return out.session(), nil
}

// paramOIDCToken is the parameter that carries the OIDC token: a secret.
const paramOIDCToken = "OIDCToken"

// GetCallerIdentity returns who the client's credentials are: it checks they work, and names the
// account and the user or role session they belong to.
func (c *Client) GetCallerIdentity(ctx context.Context) (*CallerIdentity, error) {
	var out identityAnswer
	if err := c.call(ctx, ossapi.RPCRequest{Action: ActionGetCallerIdentity}, &out); err != nil {
		return nil, err
	}
	return &CallerIdentity{AccountID: out.AccountID, Arn: out.Arn, IdentityType: out.IdentityType,
		UserID: out.UserID, PrincipalID: out.PrincipalID, RoleID: out.RoleID}, nil
}

func setOptional(params url.Values, durationSeconds int, policy string) {
	if durationSeconds != 0 {
		params.Set("DurationSeconds", strconv.Itoa(durationSeconds))
	}
	if policy != "" {
		params.Set("Policy", policy)
	}
}

// What STS takes, as its API reference states it. A call outside it is refused before it is sent.
const (
	minDurationSeconds = 900
	// maxDurationSeconds is the largest MaxSessionDuration a role can have; the role's own may be
	// less, which only STS knows.
	maxDurationSeconds = 43200
	maxPolicyBytes     = 2048
	minOIDCToken       = 4
	maxOIDCToken       = 20000
)

var (
	// The account ID is digits; role names are 1-64 letters, digits, "." and "-" (RAM's CreateRole),
	// OIDC provider names 1-128 of the same. "_" is admitted too: refusing a name RAM might take
	// would be worse than letting STS judge it.
	roleArnPattern     = regexp.MustCompile(`^acs:ram::[0-9]{1,32}:role/[A-Za-z0-9._-]{1,64}$`)
	providerArnPattern = regexp.MustCompile(`^acs:ram::[0-9]{1,32}:oidc-provider/[A-Za-z0-9._-]{1,128}$`)
	sessionNamePattern = regexp.MustCompile(`^[A-Za-z0-9.@_-]{2,64}$`)
	externalIDPattern  = regexp.MustCompile(`^[A-Za-z0-9_+=,.@:/-]+$`) // 2-1,224 of them
)

func invalid(action, format string, args ...any) error {
	return fmt.Errorf("sts: %s: %w: %s", action, ErrInvalidArgument, fmt.Sprintf(format, args...))
}

// clip quotes an argument for an error message, cut short.
func clip(s string) string {
	const max = 80
	if len(s) > max {
		return strconv.Quote(s[:max]) + "..."
	}
	return strconv.Quote(s)
}

func checkRoleArn(action, arn string) error {
	if !roleArnPattern.MatchString(arn) {
		return invalid(action, "RoleArn %s is not acs:ram::<account ID>:role/<role name>", clip(arn))
	}
	return nil
}

func checkProviderArn(action, arn string) error {
	if !providerArnPattern.MatchString(arn) {
		return invalid(action, "OIDCProviderArn %s is not acs:ram::<account ID>:oidc-provider/<name>", clip(arn))
	}
	return nil
}

func checkSessionName(action, name string) error {
	if !sessionNamePattern.MatchString(name) {
		return invalid(action, `RoleSessionName %s is not 2-64 letters, digits and ".@-_"`, clip(name))
	}
	return nil
}

func checkDuration(action string, seconds int) error {
	if seconds != 0 && (seconds < minDurationSeconds || seconds > maxDurationSeconds) {
		return invalid(action, "DurationSeconds %d is not 0 (the default) or %d to %d", seconds, minDurationSeconds, maxDurationSeconds)
	}
	return nil
}

func checkPolicy(action, policy string) error {
	switch {
	case policy == "":
		return nil
	case len(policy) > maxPolicyBytes:
		return invalid(action, "Policy is %d bytes, more than %d", len(policy), maxPolicyBytes)
	case !json.Valid([]byte(policy)):
		return invalid(action, "Policy is not a JSON document")
	}
	return nil
}

// checkExternalID never quotes the value: the role's owner chose it for the caller to present.
func checkExternalID(action, id string) error {
	if id != "" && (len(id) < 2 || len(id) > 1224 || !externalIDPattern.MatchString(id)) {
		return invalid(action, `ExternalID (%d characters) is not 2-1,224 letters, digits and "_+=,.@:/-"`, len(id))
	}
	return nil
}

// checkOIDCToken never quotes the token. A JWT is base64url parts joined by dots: printable ASCII
// without spaces; a trailing newline from the token file would make STS refuse it.
func checkOIDCToken(action, token string) error {
	if len(token) < minOIDCToken || len(token) > maxOIDCToken {
		return invalid(action, "OIDCToken is %d characters, not %d to %d", len(token), minOIDCToken, maxOIDCToken)
	}
	for i := 0; i < len(token); i++ {
		if token[i] <= ' ' || token[i] > '~' {
			return invalid(action, "OIDCToken holds white space or a character that is not printable ASCII at byte %d", i)
		}
	}
	return nil
}

func firstError(errs ...error) error {
	for _, err := range errs {
		if err != nil {
			return err
		}
	}
	return nil
}
