package osstest_test

import (
	"context"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/aliyun/alibabacloud-oss-go-sdk-v2/oss"

	"github.com/ossoperator/oss-operator/ossapi"
	"github.com/ossoperator/oss-operator/ossapi/osstest"
)

func TestAssumeRoleWithOIDC(t *testing.T) {
	t.Parallel()
	w := newSTSWorld(t)
	// A second provider of alice's, and a role that trusts it rather than "kube".
	otherIssuer := newIssuer(t)
	w.srv.AddOIDCProvider(alice.ID, osstest.OIDCProvider{Name: "other", IssuerURL: "https://other.example",
		ClientIDs: []string{rrsaAudience}, JWKS: otherIssuer.jwks})
	otherRole := w.srv.AddRole(alice.ID, osstest.Role{Name: "trusts-other",
		TrustedOIDC: &osstest.RoleOIDCTrust{Provider: "other", Subjects: []string{"*"}}})
	audRole := w.srv.AddRole(alice.ID, osstest.Role{Name: "needs-aud",
		TrustedOIDC: &osstest.RoleOIDCTrust{Provider: "kube", Subjects: []string{gallerySub}, Audiences: []string{"other-aud"}}})
	bobProvider := w.srv.AddOIDCProvider(bob.ID, osstest.OIDCProvider{Name: "kube", IssuerURL: testIssuerURL,
		ClientIDs: []string{rrsaAudience}, JWKS: w.issuer.jwks})
	strangerKey, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	must(t, err)

	now := w.clock.now()
	valid := w.token(t, nil)
	for _, tc := range []struct {
		name    string
		token   string
		kv      []string
		status  int
		code    string
		message string
	}{
		{"expired", w.token(t, func(c map[string]any) { c["exp"] = now.Add(-time.Second).Unix() }), nil,
			401, "AuthenticationFail.OIDCToken.Expired", "This JsonWebToken is expired."},
		{"wrong audience", w.token(t, func(c map[string]any) { c["aud"] = "not-sts" }), nil,
			401, "AuthenticationFail.OIDCToken.AudienceNotMatch", "Invalid audience."},
		{"wrong issuer", w.token(t, func(c map[string]any) { c["iss"] = "https://elsewhere" }), nil,
			401, "AuthenticationFail.OIDCToken.IssuerNotMatch", "doesn't match"},
		{"bad signature", w.issuer.sign(t, "ec-1", claims(now), strangerKey), nil,
			401, "AuthenticationFail.OIDCToken.InvalidSignature", "invalid signature"},
		{"unknown kid", w.issuer.sign(t, "rotated-away", claims(now), nil), nil,
			401, "AuthenticationFail.OIDCToken.Invalid", `"rotated-away"`},
		{"not yet valid", w.token(t, func(c map[string]any) { c["nbf"] = now.Add(5 * time.Minute).Unix() }), nil,
			401, "AuthenticationFail.OIDCToken.Invalid", "not valid yet"},
		{"no exp", w.token(t, func(c map[string]any) { delete(c, "exp") }), nil,
			401, "AuthenticationFail.OIDCToken.Invalid", "exp"},
		{"two parts", "eyJhbGciOiJSUzI1NiJ9.eyJzdWIiOiJ4In0", nil,
			401, "AuthenticationFail.OIDCToken.Invalid", "3 parts"},
		{"not base64", "a!b.c.d", nil, 401, "AuthenticationFail.OIDCToken.Invalid", "base64"},
		{"HS256", b64([]byte(`{"alg":"HS256","kid":"rsa-1"}`)) + "." + b64([]byte(`{"sub":"x"}`)) + ".c2ln", nil,
			401, "AuthenticationFail.OIDCToken.Invalid", "HS256"},
		{"empty token", "", nil, 401, "AuthenticationFail.OIDCToken.Invalid", "can not empty"},
		{"untrusted subject", w.token(t, func(c map[string]any) { c["sub"] = "system:serviceaccount:kube-system:admin" }), nil,
			401, "AuthenticationFail.NoPermission", "There is no permission"},
		{"untrusted provider", valid, []string{"RoleArn", otherRole},
			401, "AuthenticationFail.NoPermission", "There is no permission"},
		{"audience condition", valid, []string{"RoleArn", audRole},
			401, "AuthenticationFail.NoPermission", "There is no permission"},
		{"provider of another account", valid, []string{"OIDCProviderArn", bobProvider},
			401, "AuthenticationFail.NoPermission", "There is no permission"},
		{"unregistered provider", valid, []string{"OIDCProviderArn", osstest.OIDCProviderARN(alice.ID, "nope")},
			401, "AuthenticationFail.NoPermission", "No such OIDC Provider registered."},
		{"malformed provider ARN", valid, []string{"OIDCProviderArn", "kube"},
			401, "AuthenticationFail.NoPermission", "No such OIDC Provider registered."},
		{"role not found", valid, []string{"RoleArn", osstest.RoleARN(alice.ID, "nope")},
			404, "EntityNotExist.Role", "acs:ram::" + alice.ID + ":role/nope"},
		{"malformed role ARN", valid, []string{"RoleArn", "acs:ram::1:user/x"}, 400, "InvalidParameter.RoleArn", "RoleArn"},
		{"no role ARN", valid, []string{"RoleArn", ""}, 400, "MissingRoleArn", "RoleArn"},
		{"duration over the role's max", valid, []string{"DurationSeconds", "7201"},
			400, "InvalidParameter.DurationSeconds", "15min/2hr"},
		{"duration under 15 minutes", valid, []string{"DurationSeconds", "899"}, 400, "InvalidParameter.DurationSeconds", ""},
		{"duration not a number", valid, []string{"DurationSeconds", "1h"}, 400, "InvalidParameter.DurationSeconds", ""},
		{"session name too short", valid, []string{"RoleSessionName", "a"}, 400, "InvalidParameter.RoleSessionName", ""},
		{"session name too long", valid, []string{"RoleSessionName", strings.Repeat("a", 65)}, 400, "InvalidParameter.RoleSessionName", ""},
		{"session name chars", valid, []string{"RoleSessionName", "pod name"}, 400, "InvalidParameter.RoleSessionName", ""},
		{"no session name", valid, []string{"RoleSessionName", ""}, 400, "MissingRoleSessionName", ""},
		{"policy grammar", valid, []string{"Policy", `{"Version":"1"}`}, 400, "InvalidParameter.PolicyGrammar", "grammar check"},
		{"policy size", valid, []string{"Policy", `{"Version":"1","Statement":[{"Effect":"Allow","Action":"oss:GetObject","Resource":"acs:oss:*:*:` +
			strings.Repeat("x", 2048) + `"}]}`}, 400, "InvalidParameter.PolicySize", ""},
	} {
		t.Run(tc.name, func(t *testing.T) {
			a := w.assumeWithOIDC(t, tc.token, tc.kv...).fails(t, tc.status, tc.code)
			if !strings.Contains(a.str("Message"), tc.message) {
				t.Errorf("message %q, want it to contain %q", a.str("Message"), tc.message)
			}
			if tc.token != "" && strings.Contains(a.raw, tc.token) {
				t.Error("the answer quotes the token")
			}
		})
	}

	t.Run("valid", func(t *testing.T) {
		for _, tok := range []string{valid, w.issuer.sign(t, "ec-1", claims(now), nil)} {
			a := w.assumeWithOIDC(t, tok, "DurationSeconds", "7200").ok(t)
			k := stsKey(a)
			if !strings.HasPrefix(k.AccessKeyID, "STS.") || k.AccessKeySecret == "" || k.SecurityToken == "" ||
				!strings.HasSuffix(a.str("Credentials", "Expiration"), "Z") {
				t.Fatalf("credentials %s", a.raw)
			}
			if d := k.Expiration.Sub(now); d < 2*time.Hour-2*time.Second || d > 2*time.Hour+time.Second {
				t.Errorf("Expiration %v is not 2h after %v", k.Expiration, now)
			}
			if a.str("AssumedRoleUser", "Arn") != "acs:ram::"+alice.ID+":assumed-role/gallery/gallery-pod" ||
				!strings.HasSuffix(a.str("AssumedRoleUser", "AssumedRoleId"), ":gallery-pod") {
				t.Errorf("AssumedRoleUser %s", a.raw)
			}
			if a.str("OIDCTokenInfo", "Subject") != gallerySub || a.str("OIDCTokenInfo", "Issuer") != testIssuerURL ||
				a.str("OIDCTokenInfo", "ClientIds") != rrsaAudience {
				t.Errorf("OIDCTokenInfo %s", a.raw)
			}
		}
	})
}

// TestOIDCSessionOnOSS uses the credentials of AssumeRoleWithOIDC with the official SDK: the role's
// policy, narrowed by a session policy, until the credentials expire.
func TestOIDCSessionOnOSS(t *testing.T) {
	t.Parallel()
	w := newSTSWorld(t)
	must(t, w.srv.CreateBucket(alice.ID, "private", ""))
	ctx := context.Background()
	admin := oracleClient(w.srv.URL, aliceKey, false)
	for _, b := range []string{"photos", "private"} {
		_, err := admin.PutObject(ctx, &oss.PutObjectRequest{Bucket: oss.Ptr(b), Key: oss.Ptr("a.jpg"), Body: strings.NewReader("jpeg")})
		oracleNoError(t, err)
	}

	// The session starts 14 minutes in the past, so that it expires within the clock-skew window.
	w.clock.set(-14 * time.Minute)
	k := stsKey(w.assumeWithOIDC(t, w.token(t, nil), "DurationSeconds", "900").ok(t))
	narrowed := stsKey(w.assumeWithOIDC(t, w.token(t, nil), "RoleSessionName", "list-only", "Policy",
		`{"Version":"1","Statement":[{"Effect":"Allow","Action":"oss:ListObjects","Resource":"*"}]}`).ok(t))
	w.clock.set(0)

	for _, v1 := range []bool{false, true} {
		c := oracleClient(w.srv.URL, k, v1)
		_, err := c.GetObject(ctx, &oss.GetObjectRequest{Bucket: oss.Ptr("photos"), Key: oss.Ptr("a.jpg")})
		oracleNoError(t, err)
		_, err = c.ListObjectsV2(ctx, &oss.ListObjectsV2Request{Bucket: oss.Ptr("photos")})
		oracleNoError(t, err)
		_, err = c.PutObject(ctx, &oss.PutObjectRequest{Bucket: oss.Ptr("photos"), Key: oss.Ptr("b.jpg"), Body: strings.NewReader("x")})
		oracleWantError(t, err, http.StatusForbidden, ossapi.CodeAccessDenied)
		_, err = c.GetObject(ctx, &oss.GetObjectRequest{Bucket: oss.Ptr("private"), Key: oss.Ptr("a.jpg")})
		oracleWantError(t, err, http.StatusForbidden, ossapi.CodeAccessDenied)

		n := oracleClient(w.srv.URL, narrowed, v1)
		_, err = n.ListObjectsV2(ctx, &oss.ListObjectsV2Request{Bucket: oss.Ptr("photos")})
		oracleNoError(t, err)
		_, err = n.ListObjectsV2(ctx, &oss.ListObjectsV2Request{Bucket: oss.Ptr("private")}) // the role does not allow it
		oracleWantError(t, err, http.StatusForbidden, ossapi.CodeAccessDenied)
		_, err = n.GetObject(ctx, &oss.GetObjectRequest{Bucket: oss.Ptr("photos"), Key: oss.Ptr("a.jpg")})
		if se := oracleWantError(t, err, http.StatusForbidden, ossapi.CodeAccessDenied); se.Message != "Access denied by authorizer's policy." {
			t.Errorf("session policy denial: %q", se.Message)
		}
	}

	// The role's permissions change for its sessions at once.
	must(t, w.srv.SetRolePolicies(alice.ID, "gallery"))
	_, err := oracleClient(w.srv.URL, k, false).GetObject(ctx, &oss.GetObjectRequest{Bucket: oss.Ptr("photos"), Key: oss.Ptr("a.jpg")})
	oracleWantError(t, err, http.StatusForbidden, ossapi.CodeAccessDenied)
	must(t, w.srv.SetRolePolicies(alice.ID, "GALLERY", galleryPolicy))
	if n := w.srv.RoleSessions(alice.ID); n != 2 {
		t.Errorf("RoleSessions = %d, want 2", n)
	}

	// Expired: 15 minutes after the session began.
	w.clock.set(2 * time.Minute)
	_, err = oracleClient(w.srv.URL, k, false).GetObject(ctx, &oss.GetObjectRequest{Bucket: oss.Ptr("photos"), Key: oss.Ptr("a.jpg")})
	oracleWantError(t, err, http.StatusForbidden, ossapi.CodeSecurityTokenExpired)
	if n := w.srv.RoleSessions(alice.ID); n != 1 {
		t.Errorf("RoleSessions = %d after the first expired, want 1 (the narrowed one lasts an hour)", n)
	}
}

// TestOIDCKeyRotation: the JWKS is fetched when first needed, and again once for a kid it lacks.
func TestOIDCKeyRotation(t *testing.T) {
	t.Parallel()
	w := newSTSWorld(t)
	w.assumeWithOIDC(t, w.token(t, nil)).ok(t)
	w.assumeWithOIDC(t, w.token(t, nil)).ok(t)
	if n := w.issuer.fetches.Load(); n != 1 {
		t.Fatalf("JWKS fetched %d times for two tokens of a known key, want 1", n)
	}
	w.issuer.addKey(t, "rsa-2")
	w.assumeWithOIDC(t, w.issuer.sign(t, "rsa-2", claims(w.clock.now()), nil)).ok(t)
	if n := w.issuer.fetches.Load(); n != 2 {
		t.Fatalf("JWKS fetched %d times after a rotation, want 2", n)
	}
	w.assumeWithOIDC(t, w.issuer.sign(t, "gone", claims(w.clock.now()), nil)).fails(t, 401, "AuthenticationFail.OIDCToken.Invalid")
	if n := w.issuer.fetches.Load(); n != 3 {
		t.Fatalf("JWKS fetched %d times after an unknown kid, want 3 (one more)", n)
	}

	broken := w.srv.AddOIDCProvider(alice.ID, osstest.OIDCProvider{Name: "broken", IssuerURL: testIssuerURL,
		ClientIDs: []string{rrsaAudience}, JWKS: func(context.Context) ([]byte, error) { return nil, context.DeadlineExceeded }})
	w.assumeWithOIDC(t, w.token(t, nil), "OIDCProviderArn", broken).fails(t, 401, "AuthenticationFail.OIDCToken.IssuerConfigurationBroken")
}

// TestAssumeRole: who may assume a role, and chains of sessions.
func TestAssumeRole(t *testing.T) {
	t.Parallel()
	w := newSTSWorld(t)
	srv := w.srv
	admin := newRPC(t, srv, aliceKey)
	allowed := ramUserWithKey(t, admin, "deployer", map[string]string{"System:AliyunSTSAssumeRoleAccess": ""})
	unauthorized := ramUserWithKey(t, admin, "intern", nil)
	bobUser := ramUserWithKey(t, newRPC(t, srv, bobKey), "partner", map[string]string{"System:AliyunSTSAssumeRoleAccess": ""})

	deployRole := srv.AddRole(alice.ID, osstest.Role{Name: "deploy", TrustedPrincipals: []string{alice.ID, bob.ID},
		Policies: []string{galleryPolicy, `{"Version":"1","Statement":[{"Effect":"Allow","Action":["sts:AssumeRole","ram:GetUser"],"Resource":"*"}]}`}})
	onlyDeployer := srv.AddRole(alice.ID, osstest.Role{Name: "only-deployer",
		TrustedPrincipals: []string{"acs:ram::" + alice.ID + ":user/deployer"}, Policies: []string{galleryPolicy}})
	chained := srv.AddRole(alice.ID, osstest.Role{Name: "chained", MaxSessionDuration: time.Hour,
		TrustedPrincipals: []string{"acs:ram::" + alice.ID + ":role/deploy"}, Policies: []string{galleryPolicy}})

	assume := func(k osstest.Key, kv ...string) answer {
		return newSTS(t, srv, k).call("AssumeRole", append([]string{"RoleSessionName", "ci"}, kv...)...)
	}
	session := stsKey(assume(allowed, "RoleArn", deployRole).ok(t))

	for _, tc := range []struct {
		name    string
		key     osstest.Key
		kv      []string
		status  int
		code    string
		message string
	}{
		{"the account itself", aliceKey, []string{"RoleArn", deployRole}, 403, "NoPermission", "Roles may not be assumed by root accounts."},
		{"a RAM user without sts:AssumeRole", unauthorized, []string{"RoleArn", deployRole}, 403, "NoPermission", "No permission perform sts:AssumeRole"},
		{"not trusted", allowed, []string{"RoleArn", chained}, 403, "NoPermission", "does not trust you"},
		{"another user than the trusted one", bobUser, []string{"RoleArn", onlyDeployer}, 403, "NoPermission", ""},
		{"role not found", allowed, []string{"RoleArn", osstest.RoleARN(alice.ID, "missing")}, 404, "EntityNotExist.Role", ""},
		{"over the max", session, []string{"RoleArn", chained, "DurationSeconds", "3601"}, 400, "InvalidParameter.DurationSeconds", "15min/1hr"},
		{"no role", allowed, nil, 400, "MissingRoleArn", ""},
	} {
		t.Run(tc.name, func(t *testing.T) {
			a := assume(tc.key, tc.kv...).fails(t, tc.status, tc.code)
			if !strings.Contains(a.str("Message"), tc.message) {
				t.Errorf("message %q, want it to contain %q", a.str("Message"), tc.message)
			}
		})
	}

	t.Run("trusted", func(t *testing.T) {
		for _, tc := range []struct {
			name string
			key  osstest.Key
			role string
			arn  string
		}{
			{"same account", allowed, onlyDeployer, "acs:ram::" + alice.ID + ":assumed-role/only-deployer/ci"},
			{"another account", bobUser, deployRole, "acs:ram::" + alice.ID + ":assumed-role/deploy/ci"},
			{"a chain of sessions", session, chained, "acs:ram::" + alice.ID + ":assumed-role/chained/ci"},
		} {
			a := assume(tc.key, "RoleArn", tc.role).ok(t)
			if a.str("AssumedRoleUser", "Arn") != tc.arn {
				t.Errorf("%s: %s", tc.name, a.raw)
			}
			k := stsKey(a)
			if d := time.Until(k.Expiration); d < 59*time.Minute || d > time.Hour {
				t.Errorf("%s: default duration %v", tc.name, d)
			}
			_, err := newClient(t, srv.URL, k, ossapi.SignatureV4).GetBucketInfo(context.Background(), "photos")
			wantCode(t, err, http.StatusForbidden, ossapi.CodeAccessDenied) // oss:GetBucketInfo is not in the policy
		}
	})

	t.Run("session credentials sign RAM and STS", func(t *testing.T) {
		newRPC(t, srv, session).call("GetUser", "UserName", "deployer").ok(t)
		newRPC(t, srv, session).call("CreateUser", "UserName", "x").fails(t, 403, "NoPermission")
		noToken := session
		noToken.SecurityToken = ""
		newSTS(t, srv, noToken).call("GetCallerIdentity").fails(t, 400, "MissingSecurityToken")
	})
}

func TestGetCallerIdentity(t *testing.T) {
	t.Parallel()
	w := newSTSWorld(t)
	admin := newRPC(t, w.srv, aliceKey)
	user := ramUserWithKey(t, admin, "app", nil)
	userID := admin.call("GetUser", "UserName", "app").ok(t).str("User", "UserId")
	session := stsKey(w.assumeWithOIDC(t, w.token(t, nil)).ok(t))
	for _, tc := range []struct {
		key                      osstest.Key
		typ, arn, principal, via string
	}{
		{aliceKey, "Account", "acs:ram::" + alice.ID + ":root", alice.ID, ""},
		{user, "RAMUser", "acs:ram::" + alice.ID + ":user/app", userID, "UserId"},
		{session, "AssumedRoleUser", "acs:ram::" + alice.ID + ":assumed-role/gallery/gallery-pod", "", "RoleId"},
	} {
		a := newSTS(t, w.srv, tc.key).call("GetCallerIdentity").ok(t)
		if a.str("IdentityType") != tc.typ || a.str("Arn") != tc.arn || a.str("AccountId") != alice.ID ||
			(tc.principal != "" && a.str("PrincipalId") != tc.principal) || (tc.via != "" && a.str(tc.via) == "") {
			t.Errorf("%s: %s", tc.typ, a.raw)
		}
		if tc.typ == "AssumedRoleUser" && a.str("PrincipalId") != a.str("RoleId")+":gallery-pod" {
			t.Errorf("PrincipalId %s", a.raw)
		}
	}
	// GetCallerIdentity is signed; AssumeRoleWithOIDC alone is anonymous.
	newSTS(t, w.srv, osstest.Key{AccessKeyID: "LTAIunknown", AccessKeySecret: "x"}).call("GetCallerIdentity").
		fails(t, 404, "InvalidAccessKeyId.NotFound")
	newSTS(t, w.srv, aliceKey).call("CreateUser").fails(t, 404, "InvalidAction.NotFound")
	newRPC(t, w.srv, aliceKey).call("AssumeRole").fails(t, 404, "InvalidAction.NotFound")
}

// TestSTSCountersAndFaults: STS actions are counted and faulted by name, like RAM's.
func TestSTSCountersAndFaults(t *testing.T) {
	t.Parallel()
	w := newSTSWorld(t)
	w.srv.InjectFault(osstest.Fault{Operation: "AssumeRoleWithOIDC", Status: http.StatusServiceUnavailable, Code: "ServiceUnavailable", Count: 1})
	tok := w.token(t, nil)
	w.assumeWithOIDC(t, tok).fails(t, http.StatusServiceUnavailable, "ServiceUnavailable")
	w.assumeWithOIDC(t, tok).ok(t)
	newSTS(t, w.srv, bobKey).call("GetCallerIdentity").ok(t)
	if w.srv.Calls("AssumeRoleWithOIDC") != 2 || w.srv.CallsBy(alice.ID, "AssumeRoleWithOIDC") != 2 ||
		w.srv.CallsBy(bob.ID, "GetCallerIdentity") != 1 || w.srv.Succeeded("AssumeRoleWithOIDC") != 1 {
		t.Errorf("counters: %v", w.srv.CallCounts())
	}
	if got := osstest.STSActions(); strings.Join(got, ",") != "AssumeRole,AssumeRoleWithOIDC,GetCallerIdentity" {
		t.Errorf("STSActions() = %v", got)
	}
	// A signed AssumeRoleWithOIDC is verified like any signed request.
	newSTS(t, w.srv, osstest.Key{AccessKeyID: aliceKey.AccessKeyID, AccessKeySecret: "wrong"}).
		call("AssumeRoleWithOIDC", "RoleArn", w.roleARN, "OIDCProviderArn", w.providerARN, "OIDCToken", tok,
			"RoleSessionName", "signed").fails(t, 400, "SignatureDoesNotMatch")
	newSTS(t, w.srv, aliceKey).call("AssumeRoleWithOIDC", "RoleArn", w.roleARN, "OIDCProviderArn", w.providerARN,
		"OIDCToken", tok, "RoleSessionName", "signed").ok(t)
}

func TestAddRoleRefusesInvalidRoles(t *testing.T) {
	t.Parallel()
	srv := newServer(t)
	for name, r := range map[string]osstest.Role{
		"bad name":              {Name: "no spaces"},
		"max under an hour":     {Name: "r", MaxSessionDuration: 15 * time.Minute},
		"max over 12 hours":     {Name: "r", MaxSessionDuration: 13 * time.Hour},
		"OIDC without subjects": {Name: "r", TrustedOIDC: &osstest.RoleOIDCTrust{Provider: "kube"}},
		"bad principal":         {Name: "r", TrustedPrincipals: []string{"alice"}},
		"bad policy":            {Name: "r", Policies: []string{`{"Version":"2"}`}},
	} {
		func() {
			defer func() {
				if recover() == nil {
					t.Errorf("%s: AddRole did not panic", name)
				}
			}()
			srv.AddRole(alice.ID, r)
		}()
	}
	if err := srv.SetRolePolicies(alice.ID, "missing"); err == nil {
		t.Error("SetRolePolicies of a missing role")
	}
	srv.AddRole(alice.ID, osstest.Role{Name: "Reader"})
	if err := srv.SetRolePolicies(alice.ID, "reader", `{"Version":"1"}`); err == nil {
		t.Error("SetRolePolicies with a malformed policy")
	}
	if got := srv.Roles(alice.ID); len(got) != 1 || got[0] != "Reader" {
		t.Errorf("Roles = %v", got)
	}
}
