package sts

import (
	"encoding/json"
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/ossoperator/oss-operator/ossapi"
)

// Credentials are temporary credentials of an assumed role: an AccessKey pair (its ID starts "STS."),
// the security token that every request signed with it must carry, and when they expire.
//
// Credentials never print or marshal the secret or the token: String, GoString and Format (every
// verb), the logr MarshalLog and MarshalJSON leave them out, so logging Credentials, or wrapping them
// into an error or a status, by accident leaks nothing. Read the fields, or OSS(), to use them.
type Credentials struct {
	AccessKeyID     string
	AccessKeySecret string
	SecurityToken   string
	// Expiration is when STS stops taking them, in UTC.
	Expiration time.Time
}

// OSS is the credentials to sign OSS (or RAM, or STS) requests with.
func (c Credentials) OSS() ossapi.Credentials {
	return ossapi.Credentials{AccessKeyID: c.AccessKeyID, AccessKeySecret: c.AccessKeySecret, SecurityToken: c.SecurityToken}
}

// String names the key and its expiry, never the secret or the token.
func (c Credentials) String() string {
	return fmt.Sprintf("Credentials{AccessKeyID: %q, AccessKeySecret: %s, SecurityToken: %s, Expiration: %s}",
		c.AccessKeyID, redacted(c.AccessKeySecret), redacted(c.SecurityToken), formatTime(c.Expiration))
}

// GoString keeps %#v from printing the secret.
func (c Credentials) GoString() string { return "sts." + c.String() }

// Format keeps every verb (%v, %+v, %s, %q, %x...) on the redacted form.
func (c Credentials) Format(f fmt.State, verb rune) { _, _ = fmt.Fprint(f, c.String()) }

// redactedCredentials is what Credentials log and marshal as.
type redactedCredentials struct {
	AccessKeyID string    `json:"accessKeyID"`
	Expiration  time.Time `json:"expiration,omitzero"`
}

// MarshalLog is what logr sinks log of Credentials: the key ID and the expiry.
func (c Credentials) MarshalLog() any {
	return redactedCredentials{AccessKeyID: c.AccessKeyID, Expiration: c.Expiration}
}

// MarshalJSON marshals the key ID and the expiry only.
func (c Credentials) MarshalJSON() ([]byte, error) { return json.Marshal(c.MarshalLog()) }

// AssumedRoleUser is the identity a session acts as.
type AssumedRoleUser struct {
	// Arn is the session's ARN, such as acs:ram::<account>:role/<role>/<session name>.
	Arn string
	// AssumedRoleID is the session's ID, such as <role ID>:<session name>.
	AssumedRoleID string
}

// Session is what assuming a role returns: the credentials and who they act as.
//
// A Session prints, logs and marshals as its Credentials do: without the secret or the token.
type Session struct {
	Credentials     Credentials
	AssumedRoleUser AssumedRoleUser
	// OIDCSubject and OIDCIssuer are the sub and iss of the OIDC token that AssumeRoleWithOIDC took
	// (such as system:serviceaccount:<namespace>:<name> and the cluster's issuer URL for RRSA);
	// empty for AssumeRole.
	OIDCSubject string
	OIDCIssuer  string
}

// String describes the session without the secret or the token.
func (s Session) String() string {
	var b strings.Builder
	fmt.Fprintf(&b, "Session{Credentials: %s, AssumedRoleUser: {Arn: %q, AssumedRoleID: %q}",
		s.Credentials, s.AssumedRoleUser.Arn, s.AssumedRoleUser.AssumedRoleID)
	if s.OIDCSubject != "" || s.OIDCIssuer != "" {
		fmt.Fprintf(&b, ", OIDCSubject: %q, OIDCIssuer: %q", s.OIDCSubject, s.OIDCIssuer)
	}
	b.WriteString("}")
	return b.String()
}

// GoString keeps %#v from printing the secret.
func (s Session) GoString() string { return "sts." + s.String() }

// Format keeps every verb on the redacted form.
func (s Session) Format(f fmt.State, verb rune) { _, _ = fmt.Fprint(f, s.String()) }

// redactedSession is what a Session logs and marshals as.
type redactedSession struct {
	Credentials   redactedCredentials `json:"credentials"`
	Arn           string              `json:"arn,omitempty"`
	AssumedRoleID string              `json:"assumedRoleID,omitempty"`
	OIDCSubject   string              `json:"oidcSubject,omitempty"`
	OIDCIssuer    string              `json:"oidcIssuer,omitempty"`
}

// MarshalLog is what logr sinks log of a Session: all but the secret and the token.
func (s Session) MarshalLog() any {
	return redactedSession{Credentials: s.Credentials.MarshalLog().(redactedCredentials), Arn: s.AssumedRoleUser.Arn,
		AssumedRoleID: s.AssumedRoleUser.AssumedRoleID, OIDCSubject: s.OIDCSubject, OIDCIssuer: s.OIDCIssuer}
}

// MarshalJSON marshals all but the secret and the token.
func (s Session) MarshalJSON() ([]byte, error) { return json.Marshal(s.MarshalLog()) }

// CallerIdentity is who signs the client's requests.
type CallerIdentity struct {
	AccountID string
	// Arn is the caller's ARN: acs:ram::<account>:user/<name> for a RAM user,
	// acs:ram::<account>:assumed-role/<role>/<session name> for a role's session.
	Arn string
	// IdentityType is Account, RAMUser or AssumedRoleUser.
	IdentityType string
	// UserID is the RAM user's ID (RAMUser); PrincipalID the caller's principal, RoleID the role's
	// (AssumedRoleUser).
	UserID      string
	PrincipalID string
	RoleID      string
}

// Identity types of CallerIdentity.
const (
	IdentityTypeAccount         = "Account"
	IdentityTypeRAMUser         = "RAMUser"
	IdentityTypeAssumedRoleUser = "AssumedRoleUser"
)

func redacted(s string) string {
	if s == "" {
		return `""`
	}
	return "<redacted>"
}

func formatTime(t time.Time) string {
	if t.IsZero() {
		return "0"
	}
	return t.UTC().Format(time.RFC3339)
}

// The JSON of STS's answers. Unknown fields are ignored. What makes an answer the one asked for is
// checked by its CheckAnswerAt, whose errors say what is wrong in the client's words and never quote
// the answer: it holds a secret.

// sessionAnswer is the answer of AssumeRole and AssumeRoleWithOIDC.
type sessionAnswer struct {
	Credentials     *credentialsJSON `json:"Credentials"`
	AssumedRoleUser struct {
		Arn           string `json:"Arn"`
		AssumedRoleID string `json:"AssumedRoleId"`
	} `json:"AssumedRoleUser"`
	OIDCTokenInfo struct {
		Subject string `json:"Subject"`
		Issuer  string `json:"Issuer"`
	} `json:"OIDCTokenInfo"`

	expiration time.Time // Credentials.Expiration, parsed by CheckAnswerAt
}

type credentialsJSON struct {
	AccessKeyID     string `json:"AccessKeyId"`
	AccessKeySecret string `json:"AccessKeySecret"`
	SecurityToken   string `json:"SecurityToken"`
	// Expiration is ISO 8601 in UTC, such as 2015-04-09T11:52:19Z.
	Expiration string `json:"Expiration"`
}

// CheckAnswerAt takes credentials that are whole and have not expired by now, the client's clock
// corrected by the server's: anything else is retried.
func (a *sessionAnswer) CheckAnswerAt(_ ossapi.RPCRequest, now time.Time) error {
	c := a.Credentials
	switch {
	case c == nil:
		return errors.New("there are no Credentials")
	case c.AccessKeyID == "":
		return errors.New("the credentials have no AccessKeyId")
	case c.AccessKeySecret == "":
		return errors.New("the credentials have no AccessKeySecret")
	case c.SecurityToken == "":
		return errors.New("the credentials have no SecurityToken")
	}
	exp, err := time.Parse(time.RFC3339, strings.TrimSpace(c.Expiration))
	if err != nil {
		return errors.New("the credentials' Expiration is not an ISO 8601 time")
	}
	exp = exp.UTC()
	if !exp.After(now) {
		return fmt.Errorf("the credentials expired at %s, before they came (%s)", formatTime(exp), formatTime(now))
	}
	a.expiration = exp
	return nil
}

func (a *sessionAnswer) session() *Session {
	c := a.Credentials
	return &Session{
		Credentials: Credentials{AccessKeyID: c.AccessKeyID, AccessKeySecret: c.AccessKeySecret,
			SecurityToken: c.SecurityToken, Expiration: a.expiration},
		AssumedRoleUser: AssumedRoleUser{Arn: a.AssumedRoleUser.Arn, AssumedRoleID: a.AssumedRoleUser.AssumedRoleID},
		OIDCSubject:     a.OIDCTokenInfo.Subject,
		OIDCIssuer:      a.OIDCTokenInfo.Issuer,
	}
}

// identityAnswer is GetCallerIdentity's answer.
type identityAnswer struct {
	AccountID    string `json:"AccountId"`
	Arn          string `json:"Arn"`
	IdentityType string `json:"IdentityType"`
	UserID       string `json:"UserId"`
	PrincipalID  string `json:"PrincipalId"`
	RoleID       string `json:"RoleId"`
}

func (a *identityAnswer) CheckAnswer(ossapi.RPCRequest) error {
	switch {
	case a.AccountID == "":
		return errors.New("there is no AccountId")
	case a.Arn == "":
		return errors.New("there is no Arn")
	}
	return nil
}
