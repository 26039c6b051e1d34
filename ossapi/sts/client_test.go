package sts

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"net/http/httptest"
	"net/url"
	"reflect"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/testutil"

	"github.com/ossoperator/oss-operator/ossapi"
	"github.com/ossoperator/oss-operator/ossapi/signer"
)

// The caller's credentials: STS credentials of a role session (a role assuming another), so the
// signed requests carry a SecurityToken.
var callerCreds = ossapi.StaticCredentials{AccessKeyID: "STS.caller-key-id", AccessKeySecret: "caller-secret-value", SecurityToken: "caller-sts-token-value"}

// testNow is the client's clock in the tests: an hour before the credentials of the API reference's
// AssumeRole example expire.
var testNow = time.Date(2015, 4, 9, 10, 52, 19, 0, time.UTC)

// stsServer is a test STS endpoint: it answers from a script, and checks that every request is the
// form-encoded POST STS takes, signed with the caller's credentials, or for AssumeRoleWithOIDC not
// signed at all and carrying the token in the body.
type stsServer struct {
	t      *testing.T
	creds  ossapi.Credentials
	mu     sync.Mutex
	reqs   []*http.Request
	forms  []url.Values
	answer func(n int, w http.ResponseWriter, form url.Values)
}

func newSTSServer(t *testing.T, answer func(n int, w http.ResponseWriter, form url.Values)) (*stsServer, *httptest.Server) {
	s := &stsServer{t: t, creds: ossapi.Credentials(callerCreds), answer: answer}
	srv := httptest.NewServer(http.HandlerFunc(s.serve))
	t.Cleanup(srv.Close)
	return s, srv
}

// signatureParams are the parameters of the RPC signature.
var signatureParams = []string{"AccessKeyId", "SecurityToken", "Signature", "SignatureMethod", "SignatureVersion", "SignatureNonce"}

func (s *stsServer) serve(w http.ResponseWriter, r *http.Request) {
	if r.Method != http.MethodPost || r.URL.Path != "/" || r.URL.RawQuery != "" ||
		r.Header.Get("Content-Type") != "application/x-www-form-urlencoded" {
		s.t.Errorf("request %s %s?%s (%s), want a form POST to /", r.Method, r.URL.Path, r.URL.RawQuery, r.Header.Get("Content-Type"))
	}
	if err := r.ParseForm(); err != nil {
		s.t.Errorf("the body is not a form: %v", err)
	}
	form := r.PostForm
	action := form.Get("Action")
	if form.Get("Version") != APIVersion || form.Get("Format") != "JSON" || form.Get("Timestamp") == "" {
		s.t.Errorf("%s: Version %q, Format %q, Timestamp %q", action, form.Get("Version"), form.Get("Format"), form.Get("Timestamp"))
	}
	if action == ActionAssumeRoleWithOIDC {
		for _, p := range signatureParams {
			if _, ok := form[p]; ok {
				s.t.Errorf("%s carries %s: it is not signed", action, p)
			}
		}
	} else {
		for k, want := range map[string]string{
			"AccessKeyId": s.creds.AccessKeyID, "SecurityToken": s.creds.SecurityToken,
			"SignatureMethod": signer.RPCSignatureMethod, "SignatureVersion": signer.RPCSignatureVersion,
		} {
			if got, ok := form[k]; want == "" && ok || want != "" && (len(got) != 1 || got[0] != want) {
				s.t.Errorf("%s: %s = %q, want %q", action, k, got, want)
			}
		}
		if form.Get("SignatureNonce") == "" {
			s.t.Errorf("%s: no nonce", action)
		}
		if want := signer.RPCSignature(s.creds.AccessKeySecret, signer.RPCStringToSign(r.Method, form)); form.Get("Signature") != want {
			s.t.Errorf("%s: the signature does not verify", action)
		}
	}
	s.mu.Lock()
	n := len(s.forms)
	s.reqs = append(s.reqs, r)
	s.forms = append(s.forms, form)
	s.mu.Unlock()
	s.answer(n, w, form)
}

func (s *stsServer) count() int {
	s.mu.Lock()
	defer s.mu.Unlock()
	return len(s.forms)
}

func (s *stsServer) form(i int) url.Values {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.forms[i]
}

func (s *stsServer) request(i int) *http.Request {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.reqs[i]
}

// testClient is a client against srv with the test clock, recorded instant backoff and the largest
// jitter.
func testClient(t *testing.T, srv *httptest.Server, mutate func(*Config)) (*Client, *[]time.Duration) {
	t.Helper()
	var mu sync.Mutex
	delays := &[]time.Duration{}
	cfg := Config{
		Endpoint: srv.URL, Credentials: callerCreds,
		RPCTransport: ossapi.RPCTransport{
			Now: func() time.Time { return testNow },
			Sleep: func(ctx context.Context, d time.Duration) error {
				mu.Lock()
				*delays = append(*delays, d)
				mu.Unlock()
				return ctx.Err()
			},
			Rand: func(n int64) int64 { return n - 1 },
		},
	}
	if mutate != nil {
		mutate(&cfg)
	}
	c, err := New(cfg)
	if err != nil {
		t.Fatal(err)
	}
	return c, delays
}

func answerJSON(w http.ResponseWriter, status int, body string) {
	w.Header().Set("Content-Type", "application/json;charset=utf-8")
	w.WriteHeader(status)
	_, _ = w.Write([]byte(body))
}

func stsError(w http.ResponseWriter, status int, code, message string) {
	answerJSON(w, status, fmt.Sprintf(`{"RequestId":"5B1A9F1E-2C2B-4C37-8E6A-3D1C0B4E1A11","HostId":"sts.aliyuncs.com","Code":%q,"Message":%q,"Recommend":"https://api.aliyun.com/troubleshoot?q=%s"}`, code, message, code))
}

// Realistic answers: the API reference's examples, with the masked values filled in.
const (
	roleArn     = "acs:ram::1234567890123456:role/adminrole"
	providerArn = "acs:ram::1135115445851234:oidc-provider/ack-rrsa-c0ffee"
	oidcRoleArn = "acs:ram::1135115445851234:role/testoidc"
	// oidcToken is a projected service-account token (a JWT) as ACK's RRSA mounts it.
	oidcToken = "eyJhbGciOiJSUzI1NiIsImtpZCI6InJyc2EtdGVzdCJ9.eyJhdWQiOlsic3RzLmFsaXl1bmNzLmNvbSJdLCJzdWIiOiJzeXN0ZW06c2VydmljZWFjY291bnQ6b3NzLW9wZXJhdG9yLXN5c3RlbTpjb250cm9sbGVyIn0.c2lnbmF0dXJlLW9mLXRoZS10b2tlbi1ub3QtdG8tYmUtbGVha2Vk"

	secret1          = "wyLTSmsyPGP1ohvvw8xYgB29dlGI8KMiH2pKq7Tx"
	token1           = "CAIS8wF1q6Ft5B2yfSjIr5bSEsj4g7BihPWGWHzR0mUzSfVdhqnzmTz2IHhMeXFvAO8Wt/8xlGtX7PcSlrUqFscVHBGV7W5bCa1y9kS4h0wwASJFhQvPbq1eTDUJk4WRJNxw"
	assumeRoleAnswer = `{"RequestId":"6894B13B-6D71-4EF5-88FA-F32781734A7F","AssumedRoleUser":{"AssumedRoleId":"344584339364951186:alice",` +
		`"Arn":"acs:ram::1234567890123456:role/adminrole/alice"},"Credentials":{"SecurityToken":"` + token1 + `",` +
		`"Expiration":"2015-04-09T11:52:19Z","AccessKeySecret":"` + secret1 + `","AccessKeyId":"STS.L4aBSCSJVMuKg5U1Fh7z"}}`

	secret2    = "CVwjCkNzTMupZ8NbTCxCBRq3K16jtcWFTJAyBEv2Hd9s"
	token2     = "CAIShwJ1q6Ft5B2yfSjIr5bSEsj4g7BihPWGWHzNkWkYVv1dvJDGrzz2IHhMeXFvAO8Wt/8xlGtX7PcSlrUqFscVHBGV7W5bCa1y9kS4h0wwASJFhQvPbq1eTDUJk4WRJNxw"
	oidcAnswer = `{"RequestId":"3D57EAD2-8723-1F26-B69C-F8707D8B565D","OIDCTokenInfo":{"Subject":"system:serviceaccount:oss-operator-system:controller",` +
		`"Issuer":"https://oidc-ack-cn-hangzhou.oss-cn-hangzhou.aliyuncs.com/c0ffee","ClientIds":"sts.aliyuncs.com","ExpirationTime":"2015-04-09T11:52:19Z",` +
		`"IssuanceTime":"2015-04-09T10:52:19Z","VerificationInfo":"Success"},"AssumedRoleUser":{"AssumedRoleId":"331577948954601234:oss-operator",` +
		`"Arn":"acs:ram::1135115445851234:role/testoidc/oss-operator"},"Credentials":{"SecurityToken":"` + token2 + `",` +
		`"Expiration":"2015-04-09T11:52:19Z","AccessKeySecret":"` + secret2 + `","AccessKeyId":"STS.NUgYrLnoC37mZZCNnAbez1a2"},"SourceIdentity":"Alice"}`

	ramUserIdentityAnswer = `{"IdentityType":"RAMUser","AccountId":"1968132000121234","RequestId":"3C87BF47-3724-5443-ADC1-5AEAD9A03EB1",` +
		`"PrincipalId":"288774244375211234","UserId":"216959339000654","Arn":"acs:ram::1968132000121234:user/admin"}`
	roleIdentityAnswer = `{"AccountId":"1138012345678901","Arn":"acs:ram::1138012345678901:assumed-role/test-rrsa-role/test-rrsa",` +
		`"IdentityType":"AssumedRoleUser","PrincipalId":"333001234567890123:test-rrsa","RequestId":"20F78881-F47E-5771-90D6-0123456789AB","RoleId":"333001234567890123"}`
)

var expiration = time.Date(2015, 4, 9, 11, 52, 19, 0, time.UTC)

func ctx() context.Context { return context.Background() }

// Each action sends its parameters, signed (or not), and decodes a realistic answer.
func TestActions(t *testing.T) {
	tests := []struct {
		name   string
		action string
		call   func(c *Client) (any, error)
		params map[string]string
		answer string
		want   any
	}{
		{"AssumeRole", ActionAssumeRole, func(c *Client) (any, error) {
			return c.AssumeRole(ctx(), AssumeRoleInput{RoleArn: roleArn, RoleSessionName: "alice"})
		}, map[string]string{"RoleArn": roleArn, "RoleSessionName": "alice"}, assumeRoleAnswer,
			&Session{
				Credentials:     Credentials{AccessKeyID: "STS.L4aBSCSJVMuKg5U1Fh7z", AccessKeySecret: secret1, SecurityToken: token1, Expiration: expiration},
				AssumedRoleUser: AssumedRoleUser{Arn: "acs:ram::1234567890123456:role/adminrole/alice", AssumedRoleID: "344584339364951186:alice"},
			}},
		{"AssumeRole with every option", ActionAssumeRole, func(c *Client) (any, error) {
			return c.AssumeRole(ctx(), AssumeRoleInput{RoleArn: roleArn, RoleSessionName: "oss-operator@team-a", DurationSeconds: 900,
				Policy: policy, ExternalID: "abcd1234"})
		}, map[string]string{"RoleArn": roleArn, "RoleSessionName": "oss-operator@team-a", "DurationSeconds": "900", "Policy": policy,
			"ExternalId": "abcd1234"}, assumeRoleAnswer, nil},
		{"AssumeRoleWithOIDC", ActionAssumeRoleWithOIDC, func(c *Client) (any, error) {
			return c.AssumeRoleWithOIDC(ctx(), AssumeRoleWithOIDCInput{OIDCProviderArn: providerArn, RoleArn: oidcRoleArn,
				OIDCToken: oidcToken, RoleSessionName: "oss-operator", DurationSeconds: 43200, Policy: policy})
		}, map[string]string{"OIDCProviderArn": providerArn, "RoleArn": oidcRoleArn, "OIDCToken": oidcToken,
			"RoleSessionName": "oss-operator", "DurationSeconds": "43200", "Policy": policy}, oidcAnswer,
			&Session{
				Credentials:     Credentials{AccessKeyID: "STS.NUgYrLnoC37mZZCNnAbez1a2", AccessKeySecret: secret2, SecurityToken: token2, Expiration: expiration},
				AssumedRoleUser: AssumedRoleUser{Arn: "acs:ram::1135115445851234:role/testoidc/oss-operator", AssumedRoleID: "331577948954601234:oss-operator"},
				OIDCSubject:     "system:serviceaccount:oss-operator-system:controller",
				OIDCIssuer:      "https://oidc-ack-cn-hangzhou.oss-cn-hangzhou.aliyuncs.com/c0ffee",
			}},
		{"GetCallerIdentity of a RAM user", ActionGetCallerIdentity, func(c *Client) (any, error) { return c.GetCallerIdentity(ctx()) },
			nil, ramUserIdentityAnswer,
			&CallerIdentity{AccountID: "1968132000121234", Arn: "acs:ram::1968132000121234:user/admin", IdentityType: IdentityTypeRAMUser,
				UserID: "216959339000654", PrincipalID: "288774244375211234"}},
		{"GetCallerIdentity of a role session", ActionGetCallerIdentity, func(c *Client) (any, error) { return c.GetCallerIdentity(ctx()) },
			nil, roleIdentityAnswer,
			&CallerIdentity{AccountID: "1138012345678901", Arn: "acs:ram::1138012345678901:assumed-role/test-rrsa-role/test-rrsa",
				IdentityType: IdentityTypeAssumedRoleUser, PrincipalID: "333001234567890123:test-rrsa", RoleID: "333001234567890123"}},
	}
	tested := map[string]bool{}
	for _, tc := range tests {
		tested[tc.action] = true
		t.Run(tc.name, func(t *testing.T) {
			srv, hs := newSTSServer(t, func(n int, w http.ResponseWriter, form url.Values) { answerJSON(w, 200, tc.answer) })
			c, _ := testClient(t, hs, nil)
			got, err := tc.call(c)
			if err != nil {
				t.Fatal(err)
			}
			if srv.count() != 1 {
				t.Fatalf("requests = %d, want 1", srv.count())
			}
			form := srv.form(0)
			if form.Get("Action") != tc.action {
				t.Errorf("Action = %q", form.Get("Action"))
			}
			for k, v := range tc.params {
				if form.Get(k) != v {
					t.Errorf("%s = %q, want %q", k, form.Get(k), v)
				}
			}
			common := map[string]bool{"Action": true, "Version": true, "Format": true, "Timestamp": true}
			for _, p := range signatureParams {
				common[p] = true
			}
			for k := range form {
				if _, ok := tc.params[k]; !ok && !common[k] {
					t.Errorf("unexpected parameter %s=%q", k, form.Get(k))
				}
			}
			if tc.want != nil && !reflect.DeepEqual(got, tc.want) {
				t.Errorf("got  %#v\nwant %#v", got, tc.want)
				if s, ok := got.(*Session); ok { // its own %#v hides what differs
					t.Errorf("credentials: %q %q", s.Credentials.AccessKeySecret, s.Credentials.SecurityToken)
				}
			}
		})
	}
	for _, a := range Actions {
		if !tested[a] {
			t.Errorf("action %s is not tested", a)
		}
	}
}

const policy = `{"Statement":[{"Action":["oss:GetObject","oss:PutObject"],"Effect":"Allow","Resource":["acs:oss:*:*:team-a/*"]}],"Version":"1"}`

// A caller with a RAM user's long-lived AccessKey sends no SecurityToken.
func TestAssumeRoleWithLongLivedKeys(t *testing.T) {
	keys := ossapi.StaticCredentials{AccessKeyID: "LTAI5tRamUserKeyID", AccessKeySecret: "ram-user-secret"}
	srv, hs := newSTSServer(t, func(n int, w http.ResponseWriter, form url.Values) { answerJSON(w, 200, assumeRoleAnswer) })
	srv.creds = ossapi.Credentials(keys)
	c, _ := testClient(t, hs, func(cfg *Config) { cfg.Credentials = keys })
	if _, err := c.AssumeRole(ctx(), AssumeRoleInput{RoleArn: roleArn, RoleSessionName: "alice"}); err != nil {
		t.Fatal(err)
	}
	if _, ok := srv.form(0)["SecurityToken"]; ok {
		t.Error("a SecurityToken was sent with long-lived keys")
	}
}

// AssumeRoleWithOIDC is not signed, so a client without credentials makes it; the token travels in
// the POST body only: not in the URL, not in a header. The signed actions refuse to go unsigned.
func TestAssumeRoleWithOIDCIsUnsigned(t *testing.T) {
	srv, hs := newSTSServer(t, func(n int, w http.ResponseWriter, form url.Values) { answerJSON(w, 200, oidcAnswer) })
	c, _ := testClient(t, hs, func(cfg *Config) { cfg.Credentials = nil })
	s, err := c.AssumeRoleWithOIDC(ctx(), AssumeRoleWithOIDCInput{OIDCProviderArn: providerArn, RoleArn: oidcRoleArn,
		OIDCToken: oidcToken, RoleSessionName: "oss-operator"})
	if err != nil || s.Credentials.SecurityToken != token2 {
		t.Fatalf("AssumeRoleWithOIDC = %v, %v", s, err)
	}
	r := srv.request(0)
	if srv.form(0).Get("OIDCToken") != oidcToken {
		t.Error("the token is not in the body")
	}
	if strings.Contains(r.URL.String(), oidcToken[:20]) || strings.Contains(fmt.Sprint(r.Header), oidcToken[:20]) {
		t.Errorf("the token is in the URL or a header: %s %v", r.URL, r.Header)
	}

	for name, call := range map[string]func() error{
		"AssumeRole": func() error {
			_, err := c.AssumeRole(ctx(), AssumeRoleInput{RoleArn: roleArn, RoleSessionName: "alice"})
			return err
		},
		"GetCallerIdentity": func() error { _, err := c.GetCallerIdentity(ctx()); return err },
	} {
		if err := call(); !errors.Is(err, ErrNoCredentials) || ossapi.Retryable(err) {
			t.Errorf("%s without credentials: %v, want ErrNoCredentials", name, err)
		}
	}
	if srv.count() != 1 {
		t.Errorf("%d requests, want only the OIDC one", srv.count())
	}
}

// STS's refusals are *ossapi.Error with STS's fields, Operation the Action, Service STS: IsCode,
// Retryable and Brief work on them. A 4xx is final.
func TestErrorAnswers(t *testing.T) {
	assume := func(c *Client) error {
		_, err := c.AssumeRole(ctx(), AssumeRoleInput{RoleArn: roleArn, RoleSessionName: "alice", DurationSeconds: 7200})
		return err
	}
	oidc := func(c *Client) error {
		_, err := c.AssumeRoleWithOIDC(ctx(), AssumeRoleWithOIDCInput{OIDCProviderArn: providerArn, RoleArn: oidcRoleArn,
			OIDCToken: oidcToken, RoleSessionName: "oss-operator"})
		return err
	}
	tests := []struct {
		status  int
		code    string
		message string
		call    func(c *Client) error
	}{
		{400, CodeInvalidParameterRoleArn, "The parameter RoleArn is wrongly formed.", assume},
		{400, CodeInvalidParameterRoleSessionName, "The parameter RoleSessionName is wrongly formed.", assume},
		{400, CodeInvalidParameterDurationSeconds, "The Min/Max value of DurationSeconds is 15min/1hr.", assume},
		{400, CodeInvalidParameterPolicyGrammar, "The parameter Policy has not passed grammar check.", assume},
		{400, CodeInvalidParameterPolicySize, "The size of Policy must be smaller than 2048 bytes.", assume},
		{400, CodeInvalidParameterExternalID, "The parameter ExternalId is wrongly formed.", assume},
		{403, CodeNoPermission, "You are not authorized to do this action. You should be authorized by RAM.", assume},
		{403, CodeNoPermission, "Roles may not be assumed by root accounts.", func(c *Client) error { _, err := c.GetCallerIdentity(ctx()); return err }},
		{403, CodeMissingSecurityToken, "SecurityToken is mandatory for this action.", assume},
		{404, CodeEntityNotExistRole, "The specified Role not exists .", assume},
		{404, CodeEntityNotExistRole, "The role not exists: acs:ram::1135115445851234:role/testoidc.", oidc},
		{401, CodeAuthenticationFailNoPermission, "There is no permission", oidc},
		{401, CodeAuthenticationFailNoPermission, "No such OIDC Provider registered.", oidc},
		{401, CodeOIDCTokenExpired, "This JsonWebToken is expired.", oidc},
		{401, CodeOIDCTokenInvalid, "The number of Jwt field should be divided into 3 parts with '.' .", oidc},
		{401, CodeOIDCTokenInvalidSignature, "OIDC token validate failed: invalid signature.", oidc},
		{401, CodeOIDCTokenAudienceNotMatch, "Invalid audience.", oidc},
		{401, CodeOIDCTokenIssuerNotMatch, "The issuer in the OIDC Token doesn't match the OIDC Provider registered.", oidc},
		{401, CodeOIDCTokenIssuerConfigurationBroken, "Get public keys from OIDC Provider failed, the issuer is https://kubernetes.default.svc.", oidc},
		{401, CodeOIDCTokenHTTPSURLInvalid, "Invoke url failed due to certificate chain validation", oidc},
		{401, CodeOIDCTokenPublicKeyFingerprintMismatch, "The public key fingerprint does not match.", oidc},
		{400, ossapi.CodeSignatureDoesNotMatch, "Specified signature is not matched with our calculation.", assume},
		{404, ossapi.CodeInvalidAccessKeyIDNotFound, "Specified access key is not found.", assume},
	}
	listed := map[string]bool{}
	for _, tc := range tests {
		listed[tc.code] = true
		t.Run(tc.code, func(t *testing.T) {
			srv, hs := newSTSServer(t, func(n int, w http.ResponseWriter, form url.Values) { stsError(w, tc.status, tc.code, tc.message) })
			c, delays := testClient(t, hs, nil)
			err := tc.call(c)
			e, ok := ossapi.AsError(err)
			if !ok {
				t.Fatalf("error = %T %v, want *ossapi.Error", err, err)
			}
			action := srv.form(0).Get("Action")
			want := ossapi.Error{Service: Service, Operation: action, StatusCode: tc.status, Code: tc.code, Message: tc.message,
				RequestID: "5B1A9F1E-2C2B-4C37-8E6A-3D1C0B4E1A11", HostID: "sts.aliyuncs.com"}
			if *e != want {
				t.Errorf("got  %+v\nwant %+v", *e, want)
			}
			if !ossapi.IsCode(fmt.Errorf("wrapped: %w", err), tc.code) {
				t.Errorf("IsCode does not see %s", tc.code)
			}
			if ossapi.Retryable(err) || srv.count() != 1 || len(*delays) != 0 {
				t.Errorf("a %d was retried: %d attempts", tc.status, srv.count())
			}
			if brief := e.Brief(); brief != fmt.Sprintf("sts: %s: %d %s: %s", action, tc.status, tc.code, tc.message) {
				t.Errorf("Brief() = %s", brief)
			}
		})
	}
	for _, code := range Codes {
		if !listed[code] {
			t.Errorf("code %s is not tested", code)
		}
	}
}

// Throttling (whatever its status) and 5xx are retried with exponential backoff, each signed attempt
// with a nonce of its own; after MaxAttempts the last error is returned, still Retryable for the
// caller's requeue.
func TestThrottlingAndServerErrorsAreRetried(t *testing.T) {
	srv, hs := newSTSServer(t, func(n int, w http.ResponseWriter, form url.Values) {
		switch n {
		case 0:
			stsError(w, 400, ossapi.CodeThrottlingUser, "Request was denied due to user flow control.")
		case 1:
			stsError(w, 500, ossapi.CodeInternalError, "STS Server Internal Error happened, please send the RequestId to us.")
		case 2:
			stsError(w, 503, ossapi.CodeServiceUnavailable, "The request has failed due to a temporary failure of the server.")
		case 3:
			w.WriteHeader(502)
		default:
			answerJSON(w, 200, assumeRoleAnswer)
		}
	})
	c, delays := testClient(t, hs, func(cfg *Config) { cfg.Retry = ossapi.RetryPolicy{MaxAttempts: 5} })
	s, err := c.AssumeRole(ctx(), AssumeRoleInput{RoleArn: roleArn, RoleSessionName: "alice"})
	if err != nil || s.Credentials.AccessKeySecret != secret1 {
		t.Fatalf("AssumeRole = %v, %v", s, err)
	}
	if srv.count() != 5 {
		t.Errorf("attempts = %d, want 5", srv.count())
	}
	want := []time.Duration{400*time.Millisecond - 1, 800*time.Millisecond - 1, 1600*time.Millisecond - 1, 3200*time.Millisecond - 1}
	if !reflect.DeepEqual(*delays, want) {
		t.Errorf("backoff = %v, want %v", *delays, want)
	}
	nonces := map[string]bool{}
	for i := 0; i < srv.count(); i++ {
		nonces[srv.form(i).Get("SignatureNonce")] = true
	}
	if len(nonces) != srv.count() {
		t.Errorf("%d nonces for %d attempts: each attempt is signed anew", len(nonces), srv.count())
	}

	// Throttled every time: the unsigned call too, and the error stays Retryable.
	srv2, hs2 := newSTSServer(t, func(n int, w http.ResponseWriter, form url.Values) {
		stsError(w, 400, ossapi.CodeThrottlingUser, "Request was denied due to user flow control.")
	})
	c2, delays2 := testClient(t, hs2, nil)
	_, err = c2.AssumeRoleWithOIDC(ctx(), AssumeRoleWithOIDCInput{OIDCProviderArn: providerArn, RoleArn: oidcRoleArn,
		OIDCToken: oidcToken, RoleSessionName: "oss-operator"})
	if !ossapi.IsCode(err, ossapi.CodeThrottlingUser) || !ossapi.Retryable(err) {
		t.Errorf("error = %v, want Throttling.User, retryable", err)
	}
	if srv2.count() != ossapi.DefaultRetryPolicy.MaxAttempts || len(*delays2) != ossapi.DefaultRetryPolicy.MaxAttempts-1 {
		t.Errorf("attempts %d, waits %d", srv2.count(), len(*delays2))
	}
}

// A 2xx that is not the credentials asked for (missing a part, an Expiration that does not parse or
// that has passed by the client's clock) is a DecodeError, retried like a 503.
func TestGarbledAnswersAreRetried(t *testing.T) {
	cut := func(field string) string {
		i := strings.Index(assumeRoleAnswer, `"`+field+`"`)
		j := i + strings.Index(assumeRoleAnswer[i:], `,`)
		return assumeRoleAnswer[:i] + assumeRoleAnswer[j+1:]
	}
	assume := func(c *Client) error {
		_, err := c.AssumeRole(ctx(), AssumeRoleInput{RoleArn: roleArn, RoleSessionName: "alice"})
		return err
	}
	tests := []struct {
		name, bad, good, action string
		call                    func(c *Client) error
	}{
		{"no credentials", `{"RequestId":"R","AssumedRoleUser":{"Arn":"a","AssumedRoleId":"b"}}`, assumeRoleAnswer, ActionAssumeRole, assume},
		{"no key ID", strings.Replace(assumeRoleAnswer, `"AccessKeyId":"STS.L4aBSCSJVMuKg5U1Fh7z"`, `"AccessKeyId":""`, 1), assumeRoleAnswer, ActionAssumeRole, assume},
		{"no secret", cut("AccessKeySecret"), assumeRoleAnswer, ActionAssumeRole, assume},
		{"no token", cut("SecurityToken"), assumeRoleAnswer, ActionAssumeRole, assume},
		{"no expiration", cut("Expiration"), assumeRoleAnswer, ActionAssumeRole, assume},
		{"an expiration of another form", strings.Replace(assumeRoleAnswer, "2015-04-09T11:52:19Z", "Thu, 09 Apr 2015 11:52:19 GMT", 1), assumeRoleAnswer, ActionAssumeRole, assume},
		{"expired", strings.Replace(assumeRoleAnswer, "2015-04-09T11:52:19Z", "2015-04-09T10:52:19Z", 1), assumeRoleAnswer, ActionAssumeRole, assume},
		{"an expiration that is a number", strings.Replace(assumeRoleAnswer, `"2015-04-09T11:52:19Z"`, `1428580339`, 1), assumeRoleAnswer, ActionAssumeRole, assume},
		{"truncated", oidcAnswer[:len(oidcAnswer)/2], oidcAnswer, ActionAssumeRoleWithOIDC, func(c *Client) error {
			_, err := c.AssumeRoleWithOIDC(ctx(), AssumeRoleWithOIDCInput{OIDCProviderArn: providerArn, RoleArn: oidcRoleArn,
				OIDCToken: oidcToken, RoleSessionName: "oss-operator"})
			return err
		}},
		{"an identity without an account", strings.Replace(ramUserIdentityAnswer, `"AccountId":"1968132000121234",`, "", 1), ramUserIdentityAnswer,
			ActionGetCallerIdentity, func(c *Client) error { _, err := c.GetCallerIdentity(ctx()); return err }},
		{"a proxy's HTML page", "<html><body>OK</body></html>", ramUserIdentityAnswer,
			ActionGetCallerIdentity, func(c *Client) error { _, err := c.GetCallerIdentity(ctx()); return err }},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			srv, hs := newSTSServer(t, func(n int, w http.ResponseWriter, form url.Values) {
				if n == 0 {
					answerJSON(w, 200, tc.bad)
					return
				}
				answerJSON(w, 200, tc.good)
			})
			c, delays := testClient(t, hs, nil)
			if err := tc.call(c); err != nil {
				t.Fatalf("after a garbled answer: %v", err)
			}
			if srv.count() != 2 || len(*delays) != 1 {
				t.Errorf("attempts %d, waits %d; want 2 and 1", srv.count(), len(*delays))
			}

			srv2, hs2 := newSTSServer(t, func(n int, w http.ResponseWriter, form url.Values) { answerJSON(w, 200, tc.bad) })
			c2, _ := testClient(t, hs2, nil)
			err := tc.call(c2)
			var de *ossapi.DecodeError
			if !errors.As(err, &de) || de.Op != tc.action || de.Service != Service || !ossapi.Retryable(err) {
				t.Fatalf("error = %#v, want a retryable DecodeError of %s", err, tc.action)
			}
			if srv2.count() != ossapi.DefaultRetryPolicy.MaxAttempts {
				t.Errorf("attempts = %d", srv2.count())
			}
		})
	}
}

// Credentials are judged by the client's clock corrected by the server's: a local clock that is
// slow does not make stale credentials look fresh.
func TestExpirationIsJudgedByTheServersClock(t *testing.T) {
	server := expiration.Add(5 * time.Minute) // the credentials expired 5 minutes ago
	fresh := strings.Replace(assumeRoleAnswer, "2015-04-09T11:52:19Z", "2015-04-09T12:57:19Z", 1)
	srv, hs := newSTSServer(t, func(n int, w http.ResponseWriter, form url.Values) {
		w.Header().Set("Date", server.Format(http.TimeFormat))
		switch n {
		case 0: // the local clock is 65 minutes slow
			stsError(w, 400, ossapi.CodeInvalidTimeStampExpired, "Specified time stamp or date value is expired.")
		case 1:
			answerJSON(w, 200, assumeRoleAnswer)
		default:
			answerJSON(w, 200, fresh)
		}
	})
	c, _ := testClient(t, hs, nil)
	s, err := c.AssumeRole(ctx(), AssumeRoleInput{RoleArn: roleArn, RoleSessionName: "alice"})
	if err != nil || !s.Credentials.Expiration.Equal(expiration.Add(65*time.Minute)) {
		t.Fatalf("AssumeRole = %v, %v; want the fresh credentials", s, err)
	}
	if srv.count() != 3 {
		t.Errorf("attempts = %d, want 3", srv.count())
	}
}

// Calls STS would refuse are refused before anything is sent, with an error that names the argument
// and never quotes the token.
func TestInvalidArgumentsAreNotSent(t *testing.T) {
	srv, hs := newSTSServer(t, func(n int, w http.ResponseWriter, form url.Values) { answerJSON(w, 200, assumeRoleAnswer) })
	c, _ := testClient(t, hs, nil)
	assume := func(mutate func(*AssumeRoleInput)) func() error {
		in := AssumeRoleInput{RoleArn: roleArn, RoleSessionName: "alice"}
		mutate(&in)
		return func() error { _, err := c.AssumeRole(ctx(), in); return err }
	}
	oidc := func(mutate func(*AssumeRoleWithOIDCInput)) func() error {
		in := AssumeRoleWithOIDCInput{OIDCProviderArn: providerArn, RoleArn: oidcRoleArn, OIDCToken: oidcToken, RoleSessionName: "oss-operator"}
		mutate(&in)
		return func() error { _, err := c.AssumeRoleWithOIDC(ctx(), in); return err }
	}
	tests := []struct {
		name, field string
		call        func() error
	}{
		{"no role", "RoleArn", assume(func(in *AssumeRoleInput) { in.RoleArn = "" })},
		{"a role name, not an ARN", "RoleArn", assume(func(in *AssumeRoleInput) { in.RoleArn = "adminrole" })},
		{"a user's ARN", "RoleArn", assume(func(in *AssumeRoleInput) { in.RoleArn = "acs:ram::1234567890123456:user/alice" })},
		{"a masked account", "RoleArn", assume(func(in *AssumeRoleInput) { in.RoleArn = "acs:ram::123456789012****:role/adminrole" })},
		{"a role ARN with a space", "RoleArn", assume(func(in *AssumeRoleInput) { in.RoleArn = roleArn + " " })},
		{"no session name", "RoleSessionName", assume(func(in *AssumeRoleInput) { in.RoleSessionName = "" })},
		{"a session name of one character", "RoleSessionName", assume(func(in *AssumeRoleInput) { in.RoleSessionName = "a" })},
		{"a session name of 65", "RoleSessionName", assume(func(in *AssumeRoleInput) { in.RoleSessionName = strings.Repeat("a", 65) })},
		{"a session name with *", "RoleSessionName", assume(func(in *AssumeRoleInput) { in.RoleSessionName = "abc*abc" })},
		{"a duration under 15 minutes", "DurationSeconds", assume(func(in *AssumeRoleInput) { in.DurationSeconds = 899 })},
		{"a duration over 12 hours", "DurationSeconds", assume(func(in *AssumeRoleInput) { in.DurationSeconds = 43201 })},
		{"a negative duration", "DurationSeconds", assume(func(in *AssumeRoleInput) { in.DurationSeconds = -1 })},
		{"a policy over 2048 bytes", "Policy", assume(func(in *AssumeRoleInput) {
			in.Policy = `{"Version":"1","Statement":[{"Effect":"Allow","Action":["oss:GetObject"],"Resource":["` + strings.Repeat("x", 2048) + `"]}]}`
		})},
		{"a policy that is not JSON", "Policy", assume(func(in *AssumeRoleInput) { in.Policy = `{"Version":"1",` })},
		{"an external ID of one character", "ExternalID", assume(func(in *AssumeRoleInput) { in.ExternalID = "a" })},
		{"an external ID with a space", "ExternalID", assume(func(in *AssumeRoleInput) { in.ExternalID = "ab cd" })},
		{"no provider", "OIDCProviderArn", oidc(func(in *AssumeRoleWithOIDCInput) { in.OIDCProviderArn = "" })},
		{"a role ARN as the provider", "OIDCProviderArn", oidc(func(in *AssumeRoleWithOIDCInput) { in.OIDCProviderArn = oidcRoleArn })},
		{"a provider ARN as the role", "RoleArn", oidc(func(in *AssumeRoleWithOIDCInput) { in.RoleArn = providerArn })},
		{"no token", "OIDCToken", oidc(func(in *AssumeRoleWithOIDCInput) { in.OIDCToken = "" })},
		{"a token over 20,000 characters", "OIDCToken", oidc(func(in *AssumeRoleWithOIDCInput) { in.OIDCToken = oidcToken + strings.Repeat("A", 20000) })},
		{"a token with the file's newline", "OIDCToken", oidc(func(in *AssumeRoleWithOIDCInput) { in.OIDCToken = oidcToken + "\n" })},
		{"no OIDC session name", "RoleSessionName", oidc(func(in *AssumeRoleWithOIDCInput) { in.RoleSessionName = "" })},
		{"an OIDC duration under 15 minutes", "DurationSeconds", oidc(func(in *AssumeRoleWithOIDCInput) { in.DurationSeconds = 60 })},
		{"an OIDC policy that is not JSON", "Policy", oidc(func(in *AssumeRoleWithOIDCInput) { in.Policy = "oss:*" })},
	}
	for _, tc := range tests {
		err := tc.call()
		if !errors.Is(err, ErrInvalidArgument) || ossapi.Retryable(err) {
			t.Errorf("%s: %v (retryable %v), want ErrInvalidArgument", tc.name, err, ossapi.Retryable(err))
			continue
		}
		if !strings.Contains(err.Error(), tc.field+" ") {
			t.Errorf("%s: %v does not name %s", tc.name, err, tc.field)
		}
		if strings.Contains(err.Error(), oidcToken[:20]) {
			t.Errorf("%s: %v quotes the token", tc.name, err)
		}
	}
	if srv.count() != 0 {
		t.Errorf("%d requests were sent", srv.count())
	}
}

func TestEveryActionHasALimit(t *testing.T) {
	if len(answerLimits) != len(Actions) {
		t.Errorf("%d limits for %d actions", len(answerLimits), len(Actions))
	}
	for _, a := range Actions {
		if answerLimits[a] <= 0 {
			t.Errorf("action %s has no limit", a)
		}
	}
}

// A session whose token carries the largest session policy is read; an answer larger than STS sends
// is not, and not retried.
func TestAnswerLimits(t *testing.T) {
	bigToken := strings.Repeat("T", 16<<10)
	big := strings.Replace(assumeRoleAnswer, token1, bigToken, 1)
	huge := strings.Replace(assumeRoleAnswer, token1, strings.Repeat("T", 64<<10), 1)
	srv, hs := newSTSServer(t, func(n int, w http.ResponseWriter, form url.Values) {
		if n == 0 {
			answerJSON(w, 200, big)
			return
		}
		answerJSON(w, 200, huge)
	})
	c, _ := testClient(t, hs, nil)
	if s, err := c.AssumeRole(ctx(), AssumeRoleInput{RoleArn: roleArn, RoleSessionName: "alice"}); err != nil || s.Credentials.SecurityToken != bigToken {
		t.Fatalf("a 16 KiB token: %v", err)
	}
	_, err := c.AssumeRole(ctx(), AssumeRoleInput{RoleArn: roleArn, RoleSessionName: "alice"})
	var tl *ossapi.ResponseTooLargeError
	if !errors.As(err, &tl) || tl.Op != ActionAssumeRole || tl.Service != Service || ossapi.Retryable(err) {
		t.Fatalf("error = %#v, want a ResponseTooLargeError", err)
	}
	if srv.count() != 2 {
		t.Errorf("attempts = %d, want 2", srv.count())
	}
}

// STS calls count in the OSS calls' metrics under their Action; STS's codes have their own series.
func TestMetrics(t *testing.T) {
	_, hs := newSTSServer(t, func(n int, w http.ResponseWriter, form url.Values) {
		stsError(w, 401, CodeOIDCTokenExpired, "This JsonWebToken is expired.")
	})
	m := ossapi.NewMetrics()
	reg := prometheus.NewPedanticRegistry()
	if err := m.Register(reg); err != nil {
		t.Fatal(err)
	}
	c, _ := testClient(t, hs, func(cfg *Config) { cfg.Metrics = m })
	_, _ = c.AssumeRoleWithOIDC(ctx(), AssumeRoleWithOIDCInput{OIDCProviderArn: providerArn, RoleArn: oidcRoleArn,
		OIDCToken: oidcToken, RoleSessionName: "oss-operator"})
	expected := `
# HELP ossoperator_oss_requests_total HTTP requests sent to OSS (every attempt), by operation and result code.
# TYPE ossoperator_oss_requests_total counter
ossoperator_oss_requests_total{code="AuthenticationFail.OIDCToken.Expired",operation="AssumeRoleWithOIDC"} 1
`
	if err := testutil.GatherAndCompare(reg, strings.NewReader(expected), "ossoperator_oss_requests_total"); err != nil {
		t.Error(err)
	}
}

func TestNew(t *testing.T) {
	if _, err := New(Config{Credentials: callerCreds, Endpoint: "https://sts.aliyuncs.com/path"}); err == nil {
		t.Error("an endpoint with a path: no error")
	}
	c, err := New(Config{})
	if err != nil || c.Endpoint() != DefaultEndpoint {
		t.Fatalf("New without credentials = %v, %v", c, err)
	}
	c, err = New(Config{Credentials: callerCreds, Endpoint: "https://sts-vpc.cn-hangzhou.aliyuncs.com"})
	if err != nil || c.Endpoint() != "https://sts-vpc.cn-hangzhou.aliyuncs.com" {
		t.Fatalf("New = %v, %v", c, err)
	}
	for _, s := range []string{c.String(), fmt.Sprintf("%v %+v", c, c)} {
		if strings.Contains(s, "caller-secret-value") || strings.Contains(s, "caller-sts-token-value") {
			t.Errorf("the client prints a credential: %s", s)
		}
	}
}
