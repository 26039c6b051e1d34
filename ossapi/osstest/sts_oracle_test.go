package osstest_test

import (
	"context"
	"errors"
	"net/http"
	"net/http/httptest"
	"net/url"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	sdkerrors "github.com/aliyun/alibaba-cloud-sdk-go/sdk/errors"
	"github.com/aliyun/alibaba-cloud-sdk-go/sdk/requests"
	"github.com/aliyun/alibaba-cloud-sdk-go/services/sts"
	"github.com/aliyun/alibabacloud-oss-go-sdk-v2/oss"
	osscredentials "github.com/aliyun/alibabacloud-oss-go-sdk-v2/oss/credentials"
	"github.com/aliyun/credentials-go/credentials/providers"

	"github.com/ossoperator/oss-operator/ossapi/osstest"
)

// Two oracles for the emulated STS: the official STS client (alibaba-cloud-sdk-go services/sts), which
// must decode every answer, and the official credential library (credentials-go), whose OIDC provider
// is what applications on ACK use with RRSA: it must obtain and refresh credentials from the emulator,
// and those credentials must work with the official OSS SDK.

// stsOracle is an SDK client for the emulator's STS, signing with k.
func stsOracle(t *testing.T, srv *osstest.Server, k osstest.Key) (*sts.Client, func(requests.AcsRequest)) {
	t.Helper()
	sdkInit.Lock()
	defer sdkInit.Unlock()
	var c *sts.Client
	var err error
	if k.SecurityToken != "" {
		c, err = sts.NewClientWithStsToken("cn-hangzhou", k.AccessKeyID, k.AccessKeySecret, k.SecurityToken)
	} else {
		c, err = sts.NewClientWithAccessKey("cn-hangzhou", k.AccessKeyID, k.AccessKeySecret)
	}
	must(t, err)
	u, err := url.Parse(srv.STSURL)
	must(t, err)
	return c, func(r requests.AcsRequest) {
		r.SetDomain(u.Host)
		r.SetScheme("http")
	}
}

// stsSDKError asserts that err is the SDK's server error with the status and code, from STS.
func stsSDKError(t *testing.T, err error, status int, code string) {
	t.Helper()
	var se *sdkerrors.ServerError
	if !errors.As(err, &se) {
		t.Fatalf("got %T %v, want a server error %d %s", err, err, status, code)
	}
	if se.HttpStatus() != status || se.ErrorCode() != code || se.RequestId() == "" || se.HostId() != "sts.aliyuncs.com" {
		t.Fatalf("got %d %s (request %q, host %q): %s; want %d %s", se.HttpStatus(), se.ErrorCode(), se.RequestId(),
			se.HostId(), se.Message(), status, code)
	}
}

func TestSTSSDKOracle(t *testing.T) {
	t.Parallel()
	w := newSTSWorld(t)
	deployer := ramUserWithKey(t, newRPC(t, w.srv, aliceKey), "deployer", map[string]string{"System:AliyunSTSAssumeRoleAccess": ""})
	deploy := w.srv.AddRole(alice.ID, osstest.Role{Name: "deploy", TrustedPrincipals: []string{alice.ID}, Policies: []string{galleryPolicy}})

	c, at := stsOracle(t, w.srv, deployer)
	ar := sts.CreateAssumeRoleRequest()
	ar.RoleArn, ar.RoleSessionName, ar.DurationSeconds = deploy, "sdk", requests.NewInteger(1800)
	ar.Policy = `{"Version":"1","Statement":[{"Effect":"Allow","Action":"oss:GetObject","Resource":"*"}]}`
	at(ar)
	res, err := c.AssumeRole(ar)
	must(t, err)
	exp, perr := time.Parse("2006-01-02T15:04:05Z", res.Credentials.Expiration)
	if perr != nil || !strings.HasPrefix(res.Credentials.AccessKeyId, "STS.") || res.Credentials.AccessKeySecret == "" ||
		res.Credentials.SecurityToken == "" || time.Until(exp) > 30*time.Minute || time.Until(exp) < 29*time.Minute ||
		res.AssumedRoleUser.Arn != "acs:ram::"+alice.ID+":assumed-role/deploy/sdk" || res.RequestId == "" {
		t.Fatalf("AssumeRole: %+v %+v", res.Credentials, res.AssumedRoleUser)
	}

	// The session's own credentials, with their token.
	session := osstest.Key{AccessKeyID: res.Credentials.AccessKeyId, AccessKeySecret: res.Credentials.AccessKeySecret,
		SecurityToken: res.Credentials.SecurityToken}
	sc, sat := stsOracle(t, w.srv, session)
	gi := sts.CreateGetCallerIdentityRequest()
	sat(gi)
	id, err := sc.GetCallerIdentity(gi)
	must(t, err)
	if id.IdentityType != "AssumedRoleUser" || id.AccountId != alice.ID || id.Arn != res.AssumedRoleUser.Arn ||
		id.PrincipalId != res.AssumedRoleUser.AssumedRoleId || id.RoleId == "" {
		t.Errorf("GetCallerIdentity: %+v", id)
	}

	// AssumeRoleWithOIDC through the SDK's client, which signs every request: a signed request is
	// verified and then authenticated by its token all the same.
	oi := sts.CreateAssumeRoleWithOIDCRequest()
	oi.RoleArn, oi.OIDCProviderArn, oi.OIDCToken, oi.RoleSessionName = w.roleARN, w.providerARN, w.token(t, nil), "sdk-oidc"
	at(oi)
	ores, err := c.AssumeRoleWithOIDC(oi)
	must(t, err)
	if !strings.HasPrefix(ores.Credentials.AccessKeyId, "STS.") || ores.OIDCTokenInfo.Subject != gallerySub ||
		ores.OIDCTokenInfo.Issuer != testIssuerURL || ores.OIDCTokenInfo.ClientIds != rrsaAudience ||
		ores.AssumedRoleUser.Arn != "acs:ram::"+alice.ID+":assumed-role/gallery/sdk-oidc" {
		t.Fatalf("AssumeRoleWithOIDC: %+v", ores)
	}

	// Errors decode as STS's.
	bad := sts.CreateAssumeRoleRequest()
	bad.RoleArn, bad.RoleSessionName = w.roleARN, "sdk" // gallery trusts no RAM user
	at(bad)
	_, err = c.AssumeRole(bad)
	stsSDKError(t, err, http.StatusForbidden, "NoPermission")
	expired := sts.CreateAssumeRoleWithOIDCRequest()
	expired.RoleArn, expired.OIDCProviderArn, expired.RoleSessionName = w.roleARN, w.providerARN, "sdk-oidc"
	expired.OIDCToken = w.token(t, func(c map[string]any) { c["exp"] = time.Now().Add(-time.Minute).Unix() })
	at(expired)
	_, err = c.AssumeRoleWithOIDC(expired)
	stsSDKError(t, err, http.StatusUnauthorized, "AuthenticationFail.OIDCToken.Expired")
}

// TestCredentialsGoOIDC drives credentials-go's OIDC provider (RRSA) against the emulator. The provider
// only speaks HTTPS (its request's protocol is fixed), so the emulator's STS handler is served here
// over TLS by httptest, and the process's default transport, which the provider clones, trusts
// httptest's certificate for the length of this test. It does not run in parallel with other tests
// for that reason.
func TestCredentialsGoOIDC(t *testing.T) {
	w := newSTSWorld(t)
	tlsSTS := httptest.NewTLSServer(w.srv.STS())
	t.Cleanup(tlsSTS.Close)
	dt := http.DefaultTransport.(*http.Transport)
	saved := dt.TLSClientConfig
	dt.TLSClientConfig = tlsSTS.Client().Transport.(*http.Transport).TLSClientConfig.Clone()
	t.Cleanup(func() { dt.TLSClientConfig = saved })

	// The projected token, as the pod identity webhook mounts it, and the variables it sets.
	tokenFile := filepath.Join(t.TempDir(), "token")
	writeToken := func() { must(t, os.WriteFile(tokenFile, []byte(w.token(t, nil)), 0o600)) }
	t.Setenv("ALIBABA_CLOUD_ROLE_ARN", w.roleARN)
	t.Setenv("ALIBABA_CLOUD_OIDC_PROVIDER_ARN", w.providerARN)
	t.Setenv("ALIBABA_CLOUD_OIDC_TOKEN_FILE", tokenFile)

	// Sessions that expire 100 s from now (real time): the provider renews credentials that have 180 s
	// or less left, so every call renews until the emulator's clock is set back to the real one.
	w.clock.set(-800 * time.Second)
	writeToken()
	p, err := providers.NewOIDCCredentialsProviderBuilder().
		WithSTSEndpoint(strings.TrimPrefix(tlsSTS.URL, "https://")).
		WithRoleSessionName("gallery-pod").
		WithDurationSeconds(900).
		Build()
	must(t, err)
	first, err := p.GetCredentials()
	must(t, err)
	if !strings.HasPrefix(first.AccessKeyId, "STS.") || first.SecurityToken == "" || first.ProviderName != "oidc_role_arn" {
		t.Fatalf("credentials %s %q", first.AccessKeyId, first.ProviderName)
	}
	writeToken() // the kubelet rotates the token
	second, err := p.GetCredentials()
	must(t, err)
	if second.AccessKeyId == first.AccessKeyId {
		t.Fatal("the provider did not renew credentials 100 s from expiry")
	}
	w.clock.set(0)
	third, err := p.GetCredentials() // renewed once more, now for 900 s
	must(t, err)
	fourth, err := p.GetCredentials()
	must(t, err)
	if third.AccessKeyId == second.AccessKeyId || fourth.AccessKeyId != third.AccessKeyId {
		t.Fatalf("renewals: %s %s %s", second.AccessKeyId, third.AccessKeyId, fourth.AccessKeyId)
	}
	if n := w.srv.Calls("AssumeRoleWithOIDC"); n != 3 {
		t.Errorf("AssumeRoleWithOIDC called %d times, want 3", n)
	}

	// The provider's credentials sign OSS requests through the official OSS SDK.
	ctx := context.Background()
	_, err = oracleClient(w.srv.URL, aliceKey, false).PutObject(ctx, &oss.PutObjectRequest{Bucket: oss.Ptr("photos"),
		Key: oss.Ptr("a.jpg"), Body: strings.NewReader("jpeg")})
	oracleNoError(t, err)
	app := oracleClient(w.srv.URL, osstest.Key{}, false, func(cfg *oss.Config) {
		cfg.WithCredentialsProvider(osscredentials.CredentialsProviderFunc(func(context.Context) (osscredentials.Credentials, error) {
			c, err := p.GetCredentials()
			if err != nil {
				return osscredentials.Credentials{}, err
			}
			return osscredentials.Credentials{AccessKeyID: c.AccessKeyId, AccessKeySecret: c.AccessKeySecret, SecurityToken: c.SecurityToken}, nil
		}))
	})
	got, err := app.GetObject(ctx, &oss.GetObjectRequest{Bucket: oss.Ptr("photos"), Key: oss.Ptr("a.jpg")})
	oracleNoError(t, err)
	got.Body.Close()
	_, err = app.DeleteObject(ctx, &oss.DeleteObjectRequest{Bucket: oss.Ptr("photos"), Key: oss.Ptr("a.jpg")})
	oracleWantError(t, err, http.StatusForbidden, "AccessDenied")

	// A refusal reaches the application with STS's code.
	w.srv.InjectFault(osstest.Fault{Operation: "AssumeRoleWithOIDC", Status: http.StatusServiceUnavailable, Count: 1})
	w.clock.set(-800 * time.Second)
	failing, err := providers.NewOIDCCredentialsProviderBuilder().WithSTSEndpoint(strings.TrimPrefix(tlsSTS.URL, "https://")).
		WithOIDCProviderARN(osstest.OIDCProviderARN(alice.ID, "nope")).Build()
	must(t, err)
	if _, err := failing.GetCredentials(); err == nil || !strings.Contains(err.Error(), "ServiceUnavailable") {
		t.Errorf("injected fault: %v", err)
	}
	if _, err := failing.GetCredentials(); err == nil || !strings.Contains(err.Error(), "AuthenticationFail.NoPermission") {
		t.Errorf("unregistered provider: %v", err)
	}
}
