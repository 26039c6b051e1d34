package ram

import (
	"encoding/json"
	"fmt"
	"strings"
	"time"
)

// User is a RAM user.
type User struct {
	UserID      string
	UserName    string
	DisplayName string
	Comments    string
	CreateDate  time.Time
}

// AccessKey statuses.
const (
	StatusActive   = "Active"
	StatusInactive = "Inactive"
)

// AccessKey is an AccessKey of a RAM user. AccessKeySecret is set only in what CreateAccessKey
// returns: RAM never returns it again.
//
// An AccessKey never prints or marshals its secret: String, GoString and Format (every verb), the
// logr MarshalLog and MarshalJSON leave it out, so logging an AccessKey, or wrapping it into an error
// or a status, by accident leaks nothing. Read the field to store it.
type AccessKey struct {
	AccessKeyID     string
	AccessKeySecret string
	Status          string
	CreateDate      time.Time
}

// String names the key, never its secret.
func (k AccessKey) String() string {
	secret := ""
	if k.AccessKeySecret != "" {
		secret = "<redacted>"
	}
	return fmt.Sprintf("AccessKey{AccessKeyID: %q, AccessKeySecret: %s, Status: %q, CreateDate: %s}",
		k.AccessKeyID, secret, k.Status, k.CreateDate.Format(time.RFC3339))
}

// GoString keeps %#v from printing the secret.
func (k AccessKey) GoString() string { return "ram." + k.String() }

// Format keeps every verb (%v, %+v, %s, %q, %x...) on the redacted form.
func (k AccessKey) Format(f fmt.State, verb rune) { _, _ = fmt.Fprint(f, k.String()) }

// redactedAccessKey is what an AccessKey logs and marshals as.
type redactedAccessKey struct {
	AccessKeyID string    `json:"accessKeyID"`
	Status      string    `json:"status,omitempty"`
	CreateDate  time.Time `json:"createDate,omitzero"`
}

func (k AccessKey) redacted() redactedAccessKey {
	return redactedAccessKey{AccessKeyID: k.AccessKeyID, Status: k.Status, CreateDate: k.CreateDate}
}

// MarshalLog is what logr sinks log of an AccessKey: all but the secret.
func (k AccessKey) MarshalLog() any { return k.redacted() }

// MarshalJSON marshals all but the secret.
func (k AccessKey) MarshalJSON() ([]byte, error) { return json.Marshal(k.redacted()) }

// Policy types.
const (
	PolicyTypeCustom = "Custom"
	PolicyTypeSystem = "System"
)

// Policy is a RAM policy: a custom one the operator manages, or a system one.
type Policy struct {
	PolicyName     string
	PolicyType     string
	Description    string
	DefaultVersion string
	CreateDate     time.Time
	UpdateDate     time.Time
	// AttachDate is when the policy was attached to the user, in ListPoliciesForUser's answer.
	AttachDate time.Time
}

// Rotation strategies of CreatePolicyVersion: what to do when the policy has its 5 versions already.
const (
	// RotateStrategyNone refuses the new version with LimitExceeded.Policy.Version.
	RotateStrategyNone = "None"
	// RotateStrategyDeleteOldest deletes the oldest version that is not the default.
	RotateStrategyDeleteOldest = "DeleteOldestNonDefaultVersionWhenLimitExceeded"
)

// PolicyVersion is a version of a policy, with its document.
type PolicyVersion struct {
	VersionID        string
	PolicyDocument   string
	IsDefaultVersion bool
	CreateDate       time.Time
}

// The JSON of RAM's answers. Unknown fields are ignored; dates and booleans are read leniently (a
// date of another form is left zero, a boolean may come as a string), since nothing depends on them
// and refusing them would retry an answer that is otherwise right. What identifies an answer is
// checked by its CheckAnswer.

type userJSON struct {
	UserID      string    `json:"UserId"`
	UserName    string    `json:"UserName"`
	DisplayName string    `json:"DisplayName"`
	Comments    string    `json:"Comments"`
	CreateDate  timestamp `json:"CreateDate"`
}

func (u *userJSON) user() *User {
	return &User{UserID: u.UserID, UserName: u.UserName, DisplayName: u.DisplayName, Comments: u.Comments,
		CreateDate: time.Time(u.CreateDate)}
}

type accessKeyJSON struct {
	AccessKeyID     string    `json:"AccessKeyId"`
	AccessKeySecret string    `json:"AccessKeySecret"`
	Status          string    `json:"Status"`
	CreateDate      timestamp `json:"CreateDate"`
}

type policyJSON struct {
	PolicyName     string    `json:"PolicyName"`
	PolicyType     string    `json:"PolicyType"`
	Description    string    `json:"Description"`
	DefaultVersion string    `json:"DefaultVersion"`
	CreateDate     timestamp `json:"CreateDate"`
	UpdateDate     timestamp `json:"UpdateDate"`
	AttachDate     timestamp `json:"AttachDate"`
	// PolicyDocument is the default version's document in older GetPolicy answers, which have no
	// DefaultPolicyVersion.
	PolicyDocument string `json:"PolicyDocument"`
}

func (p *policyJSON) policy() Policy {
	return Policy{PolicyName: p.PolicyName, PolicyType: p.PolicyType, Description: p.Description,
		DefaultVersion: p.DefaultVersion, CreateDate: time.Time(p.CreateDate), UpdateDate: time.Time(p.UpdateDate),
		AttachDate: time.Time(p.AttachDate)}
}

type policyVersionJSON struct {
	VersionID        string    `json:"VersionId"`
	PolicyDocument   string    `json:"PolicyDocument"`
	IsDefaultVersion flexBool  `json:"IsDefaultVersion"`
	CreateDate       timestamp `json:"CreateDate"`
}

func (v *policyVersionJSON) version() PolicyVersion {
	return PolicyVersion{VersionID: v.VersionID, PolicyDocument: v.PolicyDocument,
		IsDefaultVersion: bool(v.IsDefaultVersion), CreateDate: time.Time(v.CreateDate)}
}

// timestamp is a date of an answer, such as 2015-01-23T12:33:18Z; zero if it is of another form.
type timestamp time.Time

func (t *timestamp) UnmarshalJSON(b []byte) error {
	*t = timestamp{}
	var s string
	if json.Unmarshal(b, &s) != nil {
		return nil
	}
	if v, err := time.Parse(time.RFC3339, strings.TrimSpace(s)); err == nil {
		*t = timestamp(v.UTC())
	}
	return nil
}

// flexBool is a boolean of an answer: true or false, or either as a string.
type flexBool bool

func (b *flexBool) UnmarshalJSON(data []byte) error {
	var v any
	if err := json.Unmarshal(data, &v); err != nil {
		return err
	}
	switch v := v.(type) {
	case bool:
		*b = flexBool(v)
		return nil
	case string:
		switch strings.ToLower(strings.TrimSpace(v)) {
		case "true":
			*b = true
			return nil
		case "false":
			*b = false
			return nil
		}
	}
	return errNotABoolean
}

var errNotABoolean = fmt.Errorf("not a boolean")
