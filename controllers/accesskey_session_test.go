package controllers

import (
	"errors"
	"testing"
	"time"

	"k8s.io/apimachinery/pkg/types"

	ossv1 "github.com/ossoperator/oss-operator/api/v1alpha1"
	"github.com/ossoperator/oss-operator/ossapi"
	"github.com/ossoperator/oss-operator/ossapi/sts"
)

// Each cause of a refused session has its own reason, so the message says what to fix; transient
// failures back off, refusals are polled (a role's trust changes in RAM).
func TestSTSFailureOutcome(t *testing.T) {
	stsErr := func(status int, code string) error {
		return &ossapi.Error{Service: sts.Service, Operation: "AssumeRoleWithOIDC", StatusCode: status, Code: code, Message: "m"}
	}
	cases := []struct {
		err    error
		state  state
		reason string
		wait   wait
	}{
		{stsErr(400, "AuthenticationFail.OIDCToken.Expired"), stalled, ossv1.ReasonOIDCTokenRejected, poll},
		{stsErr(401, "AuthenticationFail.OIDCToken.AudienceNotMatch"), stalled, ossv1.ReasonOIDCTokenRejected, poll},
		{stsErr(404, "EntityNotExist.Role"), stalled, ossv1.ReasonRoleNotTrusted, poll},
		{stsErr(403, "NoPermission"), stalled, ossv1.ReasonRoleNotTrusted, poll},
		{stsErr(400, "AuthenticationFail.NoPermission"), stalled, ossv1.ReasonRoleNotTrusted, poll},
		{stsErr(400, "InvalidParameter.DurationSeconds"), stalled, ossv1.ReasonSTSRejected, poll},
		{stsErr(400, "Throttling.User"), progressing, ossv1.ReasonSTSUnavailable, backoff},
		{stsErr(503, "ServiceUnavailable"), progressing, ossv1.ReasonSTSUnavailable, backoff},
		{&ossapi.TransportError{Op: "AssumeRole", Err: errors.New("connection refused")}, progressing, ossv1.ReasonSTSUnavailable, backoff},
	}
	for _, tc := range cases {
		out := stsFailed(tc.err)
		if out.state != tc.state || out.reason != tc.reason || out.wait != tc.wait {
			t.Errorf("%v: got %v %s wait %d, want %v %s wait %d", tc.err, out.state, out.reason, out.wait, tc.state, tc.reason, tc.wait)
		}
	}
}

func TestPodIdentityFromEnvAllOrNone(t *testing.T) {
	t.Setenv("ALIBABA_CLOUD_ROLE_ARN", "")
	t.Setenv("ALIBABA_CLOUD_OIDC_PROVIDER_ARN", "")
	t.Setenv("ALIBABA_CLOUD_OIDC_TOKEN_FILE", "")
	if p, err := PodIdentityFromEnv(); p != nil || err != nil {
		t.Fatalf("none set: %v, %v", p, err)
	}
	t.Setenv("ALIBABA_CLOUD_ROLE_ARN", "acs:ram::1:role/r")
	if _, err := PodIdentityFromEnv(); err == nil {
		t.Fatal("one of three accepted")
	}
	t.Setenv("ALIBABA_CLOUD_OIDC_PROVIDER_ARN", "acs:ram::1:oidc-provider/p")
	t.Setenv("ALIBABA_CLOUD_OIDC_TOKEN_FILE", "/var/run/token")
	if p, err := PodIdentityFromEnv(); err != nil || p == nil || p.TokenFile != "/var/run/token" {
		t.Fatalf("all three: %v, %v", p, err)
	}
}

// A Bucket's client signs with the session current at each request: renewed credentials need no new
// client, and expired ones are refused before anything is sent.
func TestSessionCredentialsFollowTheSession(t *testing.T) {
	var store sessions
	now := time.Date(2026, 12, 1, 0, 0, 0, 0, time.UTC)
	p := sessionCredentials{store: &store, uid: types.UID("u"), now: func() time.Time { return now }}
	if _, err := p.Credentials(t.Context()); err == nil {
		t.Fatal("credentials before any session")
	}
	store.set("u", &session{creds: ossapi.Credentials{AccessKeyID: "STS.1", AccessKeySecret: "s", SecurityToken: "t"}, expiration: now.Add(time.Hour)})
	if c, err := p.Credentials(t.Context()); err != nil || c.AccessKeyID != "STS.1" {
		t.Fatalf("%v %v", c, err)
	}
	store.set("u", &session{creds: ossapi.Credentials{AccessKeyID: "STS.2", AccessKeySecret: "s", SecurityToken: "t"}, expiration: now.Add(time.Hour)})
	if c, _ := p.Credentials(t.Context()); c.AccessKeyID != "STS.2" {
		t.Fatalf("the renewed session is not used: %v", c)
	}
	now = now.Add(2 * time.Hour)
	if _, err := p.Credentials(t.Context()); !errors.Is(err, errSessionExpired) {
		t.Fatalf("expired credentials handed out: %v", err)
	}
}
