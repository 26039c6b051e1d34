package signer

import "fmt"

// Credentials are what a request is signed with. An empty SecurityToken means long-lived keys; a
// non-empty one means STS credentials, whose token is sent (and signed) with every request.
//
// The String and GoString methods never print the secret or the token, so a Credentials value can be
// logged or wrapped into an error by accident without leaking them.
type Credentials struct {
	AccessKeyID     string
	AccessKeySecret string
	SecurityToken   string
}

// HasKeys reports whether both the key ID and the secret are set.
func (c Credentials) HasKeys() bool { return c.AccessKeyID != "" && c.AccessKeySecret != "" }

// String names the key ID only.
func (c Credentials) String() string {
	if c.SecurityToken != "" {
		return fmt.Sprintf("Credentials{AccessKeyID: %q, AccessKeySecret: <redacted>, SecurityToken: <redacted>}", c.AccessKeyID)
	}
	return fmt.Sprintf("Credentials{AccessKeyID: %q, AccessKeySecret: <redacted>}", c.AccessKeyID)
}

// GoString keeps %#v from printing the secret.
func (c Credentials) GoString() string { return c.String() }

// Format keeps every verb (%v, %+v, %s, %q...) on the redacted form.
func (c Credentials) Format(f fmt.State, verb rune) { _, _ = fmt.Fprint(f, c.String()) }
