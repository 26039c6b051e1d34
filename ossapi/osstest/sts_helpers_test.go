package osstest_test

import (
	"context"
	"crypto"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/rsa"
	"crypto/sha256"
	"encoding/base64"
	"encoding/json"
	"math/big"
	"net/http"
	"net/url"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/ossoperator/oss-operator/ossapi/osstest"
)

// The tests of STS are their own OIDC issuer: an RSA and an EC key, a JWKS that serves them, and tokens
// signed with them, as a kube-apiserver signs service-account tokens.

const (
	testIssuerURL = "https://kubernetes.default.svc.cluster.local"
	rrsaAudience  = "sts.aliyuncs.com"
	gallerySub    = "system:serviceaccount:apps:gallery"
)

type testIssuer struct {
	mu      sync.Mutex
	keys    map[string]crypto.Signer // by kid; the JWKS serves them all
	fetches atomic.Int32
}

func newIssuer(t *testing.T) *testIssuer {
	t.Helper()
	rk, err := rsa.GenerateKey(rand.Reader, 2048)
	must(t, err)
	ek, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	must(t, err)
	return &testIssuer{keys: map[string]crypto.Signer{"rsa-1": rk, "ec-1": ek}}
}

// addKey adds a key to the JWKS, as an issuer rotating its keys does.
func (is *testIssuer) addKey(t *testing.T, kid string) {
	t.Helper()
	k, err := rsa.GenerateKey(rand.Reader, 2048)
	must(t, err)
	is.mu.Lock()
	defer is.mu.Unlock()
	is.keys[kid] = k
}

func b64(b []byte) string { return base64.RawURLEncoding.EncodeToString(b) }

// jwks is the issuer's JWK Set: an OIDCProvider.JWKS.
func (is *testIssuer) jwks(context.Context) ([]byte, error) {
	is.fetches.Add(1)
	is.mu.Lock()
	defer is.mu.Unlock()
	var keys []map[string]string
	for kid, k := range is.keys {
		switch pub := k.Public().(type) {
		case *rsa.PublicKey:
			keys = append(keys, map[string]string{"kty": "RSA", "kid": kid, "use": "sig", "alg": "RS256",
				"n": b64(pub.N.Bytes()), "e": b64(big.NewInt(int64(pub.E)).Bytes())})
		case *ecdsa.PublicKey:
			keys = append(keys, map[string]string{"kty": "EC", "kid": kid, "use": "sig", "alg": "ES256", "crv": "P-256",
				"x": b64(pub.X.FillBytes(make([]byte, 32))), "y": b64(pub.Y.FillBytes(make([]byte, 32)))})
		}
	}
	return json.Marshal(map[string]any{"keys": keys})
}

// claims are a service-account token's claims at now, valid for an hour.
func claims(now time.Time) map[string]any {
	return map[string]any{"iss": testIssuerURL, "sub": gallerySub, "aud": []string{rrsaAudience},
		"iat": now.Unix(), "nbf": now.Unix(), "exp": now.Add(time.Hour).Unix(),
		"kubernetes.io": map[string]any{"namespace": "apps", "serviceaccount": map[string]string{"name": "gallery"}}}
}

// sign makes a compact JWS of the claims with the key of kid (RS256 or ES256 by the key's type). key,
// when set, signs instead of kid's own key (a bad signature).
func (is *testIssuer) sign(t *testing.T, kid string, c map[string]any, key crypto.Signer) string {
	t.Helper()
	is.mu.Lock()
	if key == nil {
		key = is.keys[kid]
	}
	is.mu.Unlock()
	if key == nil {
		k, err := rsa.GenerateKey(rand.Reader, 2048)
		must(t, err)
		key = k
	}
	alg := "RS256"
	if _, ok := key.(*ecdsa.PrivateKey); ok {
		alg = "ES256"
	}
	h, err := json.Marshal(map[string]string{"alg": alg, "kid": kid, "typ": "JWT"})
	must(t, err)
	p, err := json.Marshal(c)
	must(t, err)
	input := b64(h) + "." + b64(p)
	sum := sha256.Sum256([]byte(input))
	var sig []byte
	switch k := key.(type) {
	case *rsa.PrivateKey:
		sig, err = rsa.SignPKCS1v15(rand.Reader, k, crypto.SHA256, sum[:])
		must(t, err)
	case *ecdsa.PrivateKey:
		r, s, err := ecdsa.Sign(rand.Reader, k, sum[:])
		must(t, err)
		sig = append(r.FillBytes(make([]byte, 32)), s.FillBytes(make([]byte, 32))...)
	}
	return input + "." + b64(sig)
}

// testClock is an emulator clock offset from the real one by a settable amount.
type testClock struct{ off atomic.Int64 }

func (c *testClock) now() time.Time      { return time.Now().Add(time.Duration(c.off.Load())) }
func (c *testClock) set(d time.Duration) { c.off.Store(int64(d)) }

// stsWorld is an emulator with alice's OIDC provider "kube" (the test's issuer) and role "gallery",
// which the provider's tokens for gallerySub may assume and which may read bucket "photos".
type stsWorld struct {
	srv         *osstest.Server
	issuer      *testIssuer
	clock       *testClock
	roleARN     string
	providerARN string
}

const galleryPolicy = `{"Version":"1","Statement":[{"Effect":"Allow","Action":["oss:GetObject","oss:ListObjects"],` +
	`"Resource":["acs:oss:*:*:photos","acs:oss:*:*:photos/*"]}]}`

func newSTSWorld(t *testing.T) *stsWorld {
	t.Helper()
	w := &stsWorld{issuer: newIssuer(t), clock: &testClock{}}
	w.srv = newServer(t, osstest.WithClock(w.clock.now))
	w.providerARN = w.srv.AddOIDCProvider(alice.ID, osstest.OIDCProvider{Name: "kube", IssuerURL: testIssuerURL,
		ClientIDs: []string{rrsaAudience}, JWKS: w.issuer.jwks})
	w.roleARN = w.srv.AddRole(alice.ID, osstest.Role{Name: "Gallery", MaxSessionDuration: 2 * time.Hour,
		TrustedOIDC: &osstest.RoleOIDCTrust{Provider: "kube", Subjects: []string{"system:serviceaccount:apps:*"}},
		Policies:    []string{galleryPolicy}})
	must(t, w.srv.CreateBucket(alice.ID, "photos", ""))
	return w
}

// token is a valid token for gallerySub at the emulator's time, changed by mod.
func (w *stsWorld) token(t *testing.T, mod func(map[string]any)) string {
	t.Helper()
	c := claims(w.clock.now())
	if mod != nil {
		mod(c)
	}
	return w.issuer.sign(t, "rsa-1", c, nil)
}

// assumeWithOIDC calls AssumeRoleWithOIDC unsigned, as the credential providers do: Action, Version,
// Format and Timestamp in the query, the rest form-encoded. kv overrides or adds parameters ("" removes).
func (w *stsWorld) assumeWithOIDC(t *testing.T, token string, kv ...string) answer {
	t.Helper()
	form := url.Values{"RoleArn": {w.roleARN}, "OIDCProviderArn": {w.providerARN}, "OIDCToken": {token},
		"RoleSessionName": {"gallery-pod"}}
	for i := 0; i+1 < len(kv); i += 2 {
		if kv[i+1] == "" {
			form.Del(kv[i])
		} else {
			form.Set(kv[i], kv[i+1])
		}
	}
	q := url.Values{"Action": {"AssumeRoleWithOIDC"}, "Version": {osstest.STSVersion}, "Format": {"JSON"},
		"Timestamp": {time.Now().UTC().Format("2006-01-02T15:04:05Z")}}
	req, err := http.NewRequest(http.MethodPost, w.srv.STSURL+"/?"+q.Encode(), strings.NewReader(form.Encode()))
	must(t, err)
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	c := rpc{t: t, hostID: "sts.aliyuncs.com"}
	return c.do(req)
}

// stsKey is the Key of an AssumeRole or AssumeRoleWithOIDC answer.
func stsKey(a answer) osstest.Key {
	exp, _ := time.Parse(time.RFC3339, a.str("Credentials", "Expiration"))
	return osstest.Key{AccessKeyID: a.str("Credentials", "AccessKeyId"), AccessKeySecret: a.str("Credentials", "AccessKeySecret"),
		SecurityToken: a.str("Credentials", "SecurityToken"), Expiration: exp}
}
