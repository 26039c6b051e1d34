package osstest

import (
	"context"
	"crypto"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rsa"
	"crypto/sha256"
	"crypto/sha512"
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"
	"hash"
	"io"
	"math/big"
	"net/http"
	"strings"
	"sync"
	"time"
)

// OIDC identity providers of an account and the verification of their tokens (JWTs) for
// AssumeRoleWithOIDC: the compact JWS is parsed, its RS256/384/512 or ES256/384/512 signature checked
// against the provider's JWKS (the key named by "kid", fetched when first needed and fetched again once
// when a token names a kid the emulator does not know), then "iss" against the provider's issuer URL,
// "exp", "nbf" and "iat" against the emulator's clock (nbf and iat may be up to a minute ahead, for clock
// skew between issuer and STS; exp has no leeway) and "aud" against the provider's client IDs.
//
// Codes and messages are STS's (API reference "Error codes" of STS 2015-04-01, and ACK's RRSA
// troubleshooting table): 401 AuthenticationFail.OIDCToken.Invalid for a token that is empty, not
// three parts, not base64url, not JSON, or signed with an unknown algorithm; 401
// AuthenticationFail.OIDCToken.InvalidSignature; 401 AuthenticationFail.OIDCToken.IssuerNotMatch; 401
// AuthenticationFail.OIDCToken.Expired; 401 AuthenticationFail.OIDCToken.AudienceNotMatch; 401
// AuthenticationFail.OIDCToken.IssuerConfigurationBroken when the keys cannot be fetched. Not
// confirmed: which code STS answers for a kid that none of the provider's keys has (the emulator says
// AuthenticationFail.OIDCToken.Invalid, with a message naming the kid), for a token not valid yet (nbf
// or iat in the future: also Invalid), and the statuses of IssuerNotMatch and IssuerConfigurationBroken
// (401, like the documented AuthenticationFail codes). The token itself never appears in an error or a
// log.

// OIDCProvider is an OIDC identity provider of an account, as AddOIDCProvider takes it.
type OIDCProvider struct {
	// Name is the provider's name in its ARN, acs:ram::<account>:oidc-provider/<name>.
	Name string
	// IssuerURL must equal the "iss" claim of its tokens, e.g. the kube-apiserver's
	// --service-account-issuer.
	IssuerURL string
	// ClientIDs are the allowed audiences: a token's "aud" must contain one (sts.aliyuncs.com for RRSA).
	ClientIDs []string
	// JWKS returns the issuer's JSON Web Key Set. The emulator calls it when it first needs the keys and
	// again when a token names a key it does not know: in tests, a function that GETs the
	// kube-apiserver's /openid/v1/jwks with the test's own client (JWKSFromURL), or one that returns a
	// fixed set.
	JWKS func(ctx context.Context) ([]byte, error)
}

type oidcProvider struct {
	name, issuer string
	clientIDs    []string
	jwks         func(ctx context.Context) ([]byte, error)

	keyMu   sync.Mutex
	keys    map[string]crypto.PublicKey // by kid
	fetched bool
}

// OIDCProviderARN is the ARN of an OIDC provider: acs:ram::<account>:oidc-provider/<name>.
func OIDCProviderARN(accountID, name string) string {
	return "acs:ram::" + accountID + ":oidc-provider/" + name
}

// parseOIDCProviderARN splits a provider ARN into its account and name.
func parseOIDCProviderARN(arn string) (accountID, name string, ok bool) {
	rest, ok := strings.CutPrefix(arn, "acs:ram::")
	if !ok {
		return "", "", false
	}
	accountID, name, ok = strings.Cut(rest, ":oidc-provider/")
	if !ok || !accountIDRE.MatchString(accountID) || name == "" || strings.Contains(name, "/") {
		return "", "", false
	}
	return accountID, name, true
}

// AddOIDCProvider adds an OIDC provider to an account, or replaces the one of that name (its keys are
// fetched anew), and returns its ARN. It panics on an unknown account, or a provider without a name, an
// issuer URL, a client ID or a JWKS function.
func (e *Emulator) AddOIDCProvider(accountID string, p OIDCProvider) (arn string) {
	if p.Name == "" || strings.ContainsAny(p.Name, "/:") || p.IssuerURL == "" || len(p.ClientIDs) == 0 || p.JWKS == nil {
		panic(fmt.Sprintf("osstest: OIDC provider %q needs a name, an issuer URL, client IDs and a JWKS function", p.Name))
	}
	e.mu.Lock()
	defer e.mu.Unlock()
	if e.accounts[accountID] == nil {
		panic(fmt.Sprintf("osstest: no account %q", accountID))
	}
	e.ramState(accountID).providers[p.Name] = &oidcProvider{name: p.Name, issuer: p.IssuerURL,
		clientIDs: append([]string(nil), p.ClientIDs...), jwks: p.JWKS}
	return OIDCProviderARN(accountID, p.Name)
}

// JWKSFromURL is an OIDCProvider.JWKS that GETs a JWKS with the given client (http.DefaultClient when
// nil), such as a Kubernetes API server's /openid/v1/jwks with a client from its rest.Config.
func JWKSFromURL(client *http.Client, url string) func(ctx context.Context) ([]byte, error) {
	if client == nil {
		client = http.DefaultClient
	}
	return func(ctx context.Context) ([]byte, error) {
		req, err := http.NewRequestWithContext(ctx, http.MethodGet, url, nil)
		if err != nil {
			return nil, err
		}
		req.Header.Set("Accept", "application/json, application/jwk-set+json")
		resp, err := client.Do(req)
		if err != nil {
			return nil, err
		}
		defer resp.Body.Close()
		b, err := io.ReadAll(io.LimitReader(resp.Body, 1<<20))
		if err != nil {
			return nil, err
		}
		if resp.StatusCode != http.StatusOK {
			return nil, fmt.Errorf("GET %s: %s", url, resp.Status)
		}
		return b, nil
	}
}

// jwtLeeway is how far ahead of the emulator's clock a token's nbf and iat may be.
const jwtLeeway = time.Minute

// maxOIDCTokenLength is the longest OIDCToken STS accepts (4-20,000 characters).
const maxOIDCTokenLength = 20000

// jwtClaims are the claims of a verified token that STS uses.
type jwtClaims struct {
	Issuer   string
	Subject  string
	Audience []string
	Expiry   time.Time
	IssuedAt time.Time
}

func errOIDC(code, format string, args ...any) *apiError {
	return ramError(http.StatusUnauthorized, "AuthenticationFail.OIDCToken."+code, format, args...)
}

func errOIDCInvalid(format string, args ...any) *apiError { return errOIDC("Invalid", format, args...) }

// jwsAlgorithms are the signature algorithms the emulator verifies.
var jwsAlgorithms = map[string]struct {
	hash  crypto.Hash
	newH  func() hash.Hash
	curve elliptic.Curve // nil for RSA
}{
	"RS256": {crypto.SHA256, sha256.New, nil},
	"RS384": {crypto.SHA384, sha512.New384, nil},
	"RS512": {crypto.SHA512, sha512.New, nil},
	"ES256": {crypto.SHA256, sha256.New, elliptic.P256()},
	"ES384": {crypto.SHA384, sha512.New384, elliptic.P384()},
	"ES512": {crypto.SHA512, sha512.New, elliptic.P521()},
}

// verify checks a token of the provider and returns its claims.
func (p *oidcProvider) verify(ctx context.Context, token string, now time.Time) (*jwtClaims, *apiError) {
	if token == "" {
		return nil, errOIDCInvalid("The OIDCToken can not empty.")
	}
	if len(token) < 4 || len(token) > maxOIDCTokenLength {
		return nil, errOIDCInvalid("The OIDCToken must be 4 to %d characters long.", maxOIDCTokenLength)
	}
	parts := strings.Split(token, ".")
	if len(parts) != 3 {
		return nil, errOIDCInvalid("The number of Jwt field should be divided into 3 parts with '.' .")
	}
	var raw [3][]byte
	for i, part := range parts {
		b, err := base64.RawURLEncoding.DecodeString(part)
		if err != nil {
			return nil, errOIDCInvalid("Cannot decode base64 encoded response(format invalided).")
		}
		raw[i] = b
	}
	var header struct {
		Alg string `json:"alg"`
		Kid string `json:"kid"`
	}
	if err := json.Unmarshal(raw[0], &header); err != nil {
		return nil, errOIDCInvalid("The Jwt content is invalid that cannot be recognized.")
	}
	alg, ok := jwsAlgorithms[header.Alg]
	if !ok {
		return nil, errOIDCInvalid("The algorithm %s that be specified in Jwt header is unknown.", header.Alg)
	}
	claims, err := parseClaims(raw[1])
	if err != nil {
		return nil, errOIDCInvalid("The Jwt content is invalid that cannot be recognized.")
	}

	keys, aerr := p.keysFor(ctx, header.Kid)
	if aerr != nil {
		return nil, aerr
	}
	if len(keys) == 0 {
		return nil, errOIDCInvalid("The kid %q of the Jwt header matches no public key of the OIDC Provider.", header.Kid)
	}
	h := alg.newH()
	h.Write([]byte(parts[0] + "." + parts[1]))
	digest := h.Sum(nil)
	verified := false
	for _, k := range keys {
		if verifySignature(k, alg.hash, alg.curve, digest, raw[2]) {
			verified = true
			break
		}
	}
	if !verified {
		return nil, errOIDC("InvalidSignature", "OIDC token validate failed: invalid signature.")
	}

	if claims.Issuer != p.issuer {
		return nil, errOIDC("IssuerNotMatch", "The issuer in the OIDC Token doesn't match the OIDC Provider registered.")
	}
	if claims.Expiry.IsZero() {
		return nil, errOIDCInvalid("The Jwt content is invalid that cannot be recognized: it has no exp.")
	}
	if !now.Before(claims.Expiry) {
		return nil, errOIDC("Expired", "This JsonWebToken is expired.")
	}
	if claims.notBefore.After(now.Add(jwtLeeway)) || claims.IssuedAt.After(now.Add(jwtLeeway)) {
		return nil, errOIDCInvalid("This JsonWebToken is not valid yet: its nbf or iat is in the future.")
	}
	for _, a := range claims.Audience {
		for _, id := range p.clientIDs {
			if a == id {
				return &claims.jwtClaims, nil
			}
		}
	}
	return nil, errOIDC("AudienceNotMatch", "Invalid audience.")
}

type parsedClaims struct {
	jwtClaims
	notBefore time.Time
}

// parseClaims reads iss, sub, aud (a string or a list), exp, nbf and iat (NumericDates, possibly
// fractional) from a token's payload.
func parseClaims(b []byte) (parsedClaims, error) {
	var c struct {
		Iss string          `json:"iss"`
		Sub string          `json:"sub"`
		Aud json.RawMessage `json:"aud"`
		Exp *json.Number    `json:"exp"`
		Nbf *json.Number    `json:"nbf"`
		Iat *json.Number    `json:"iat"`
	}
	if err := json.Unmarshal(b, &c); err != nil {
		return parsedClaims{}, err
	}
	out := parsedClaims{jwtClaims: jwtClaims{Issuer: c.Iss, Subject: c.Sub}}
	if len(c.Aud) > 0 {
		var one string
		if err := json.Unmarshal(c.Aud, &one); err == nil {
			out.Audience = []string{one}
		} else if err := json.Unmarshal(c.Aud, &out.Audience); err != nil {
			return parsedClaims{}, errors.New("aud is neither a string nor a list of strings")
		}
	}
	for _, d := range []struct {
		n   *json.Number
		dst *time.Time
	}{{c.Exp, &out.Expiry}, {c.Nbf, &out.notBefore}, {c.Iat, &out.IssuedAt}} {
		if d.n == nil {
			continue
		}
		f, err := d.n.Float64()
		if err != nil {
			return parsedClaims{}, err
		}
		sec := int64(f)
		*d.dst = time.Unix(sec, int64((f-float64(sec))*1e9)).UTC()
	}
	return out, nil
}

// verifySignature checks a JWS signature: PKCS #1 v1.5 for RSA keys, r||s for ECDSA keys on the
// algorithm's curve.
func verifySignature(key crypto.PublicKey, h crypto.Hash, curve elliptic.Curve, digest, sig []byte) bool {
	switch k := key.(type) {
	case *rsa.PublicKey:
		return curve == nil && rsa.VerifyPKCS1v15(k, h, digest, sig) == nil
	case *ecdsa.PublicKey:
		if curve == nil || k.Curve != curve {
			return false
		}
		size := (curve.Params().BitSize + 7) / 8
		if len(sig) != 2*size {
			return false
		}
		r, s := new(big.Int).SetBytes(sig[:size]), new(big.Int).SetBytes(sig[size:])
		return ecdsa.Verify(k, digest, r, s)
	}
	return false
}

// keysFor returns the provider's keys a token may be signed with: the one of its kid, or every key when
// the token names none. The keys are fetched when first needed, and fetched again once when the kid is
// unknown (the issuer may have rotated its keys); a fetch that fails is IssuerConfigurationBroken.
func (p *oidcProvider) keysFor(ctx context.Context, kid string) ([]crypto.PublicKey, *apiError) {
	p.keyMu.Lock()
	defer p.keyMu.Unlock()
	pick := func() []crypto.PublicKey {
		if kid != "" {
			if k, ok := p.keys[kid]; ok {
				return []crypto.PublicKey{k}
			}
			return nil
		}
		var all []crypto.PublicKey
		for _, k := range p.keys {
			all = append(all, k)
		}
		return all
	}
	if p.fetched {
		if ks := pick(); len(ks) > 0 {
			return ks, nil
		}
	}
	ctx, cancel := context.WithTimeout(ctx, 10*time.Second)
	defer cancel()
	b, err := p.jwks(ctx)
	var keys map[string]crypto.PublicKey
	if err == nil {
		keys, err = parseJWKS(b)
	}
	if err != nil {
		return nil, errOIDC("IssuerConfigurationBroken", "Get public keys from OIDC Provider failed, the issuer is %s.", p.issuer)
	}
	p.keys, p.fetched = keys, true
	return pick(), nil
}

// parseJWKS reads the signing keys of a JWK Set (RFC 7517): RSA keys and EC keys on P-256, P-384 and
// P-521, by kid. Keys for encryption ("use": "enc") and of other types are skipped.
func parseJWKS(b []byte) (map[string]crypto.PublicKey, error) {
	var set struct {
		Keys []struct {
			Kty string `json:"kty"`
			Kid string `json:"kid"`
			Use string `json:"use"`
			N   string `json:"n"`
			E   string `json:"e"`
			Crv string `json:"crv"`
			X   string `json:"x"`
			Y   string `json:"y"`
		} `json:"keys"`
	}
	if err := json.Unmarshal(b, &set); err != nil {
		return nil, fmt.Errorf("JWKS: %v", err)
	}
	out := map[string]crypto.PublicKey{}
	for _, k := range set.Keys {
		if k.Use != "" && k.Use != "sig" {
			continue
		}
		switch k.Kty {
		case "RSA":
			n, err1 := base64.RawURLEncoding.DecodeString(k.N)
			e, err2 := base64.RawURLEncoding.DecodeString(k.E)
			if err1 != nil || err2 != nil || len(e) == 0 || len(e) > 4 {
				return nil, fmt.Errorf("JWKS: RSA key %q: bad n or e", k.Kid)
			}
			out[k.Kid] = &rsa.PublicKey{N: new(big.Int).SetBytes(n), E: int(new(big.Int).SetBytes(e).Int64())}
		case "EC":
			curves := map[string]elliptic.Curve{"P-256": elliptic.P256(), "P-384": elliptic.P384(), "P-521": elliptic.P521()}
			curve := curves[k.Crv]
			x, err1 := base64.RawURLEncoding.DecodeString(k.X)
			y, err2 := base64.RawURLEncoding.DecodeString(k.Y)
			if curve == nil || err1 != nil || err2 != nil {
				return nil, fmt.Errorf("JWKS: EC key %q: bad crv, x or y", k.Kid)
			}
			size := (curve.Params().BitSize + 7) / 8
			point := make([]byte, 1+2*size)
			point[0] = 4
			if len(x) > size || len(y) > size {
				return nil, fmt.Errorf("JWKS: EC key %q: bad x or y", k.Kid)
			}
			copy(point[1+size-len(x):], x)
			copy(point[1+2*size-len(y):], y)
			pub, err := ecdsa.ParseUncompressedPublicKey(curve, point)
			if err != nil {
				return nil, fmt.Errorf("JWKS: EC key %q: %v", k.Kid, err)
			}
			out[k.Kid] = pub
		}
	}
	return out, nil
}
