package osstest

import (
	"crypto/hmac"
	"encoding/hex"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"time"

	"github.com/ossoperator/oss-operator/ossapi"
	"github.com/ossoperator/oss-operator/ossapi/signer"
)

// maxSkew is how far a header-signed request's time may be from the server clock.
const maxSkew = 15 * time.Minute

// maxPresignExpires is the longest validity of a V4 presigned URL (7 days).
const maxPresignExpires = 7 * 24 * 60 * 60

const (
	v4DateTimeFormat = "20060102T150405Z"
	v4DateFormat     = "20060102"
	isoMillis        = "2006-01-02T15:04:05.000Z"
)

// principal is who sent a request: the account of the key, known as soon as the key is found (so
// failed requests count against it too).
type principal struct {
	accountID   string
	accessKeyID string
	ramUser     string       // the RAM user whose key signed, "" for the account's own keys
	session     *roleSession // the role session whose STS credentials signed
	scheme      string       // v1, v4, v1-query, v4-query, rpc, anonymous
}

// bind makes the principal the one a key stands for.
func (p *principal) bind(kb keyBinding) {
	p.accountID, p.ramUser, p.session = kb.accountID, kb.ramUser, kb.session
}

// root reports whether the account itself signed, with one of its own keys.
func (p principal) root() bool { return p.ramUser == "" && p.session == nil }

// sessionName is "<role>/<session>" for a role session, "" otherwise (for logs).
func (p principal) sessionName() string {
	if p.session == nil {
		return ""
	}
	return p.session.roleName + "/" + p.session.name
}

// authenticate verifies the request's signature, in the Authorization header or the query, and returns
// the account that signed it.
func (e *Emulator) authenticate(r *http.Request, bucket, key string, q url.Values, now time.Time) (principal, *apiError) {
	header := r.Header.Clone()
	header.Set("Host", r.Host)
	if header.Get("Content-Length") == "" && r.ContentLength > 0 {
		header.Set("Content-Length", strconv.FormatInt(r.ContentLength, 10))
	}
	req := &signer.Request{Method: r.Method, Bucket: bucket, Key: key, Query: q, Header: header}

	auth := r.Header.Get(signer.HeaderAuthorization)
	switch {
	case strings.HasPrefix(auth, signer.AlgorithmV4):
		return e.authV4Header(req, auth, now)
	case strings.HasPrefix(auth, "OSS "):
		return e.authV1Header(req, auth, now)
	case auth != "":
		return principal{}, errInvalidArgument("Authorization", "", "Authorization header is invalid.")
	case q.Has(signer.QueryV1AccessKeyID) || q.Has(signer.QueryV1Signature) || q.Has(signer.QueryV1Expires):
		return e.authV1Query(req, now)
	case q.Has(signer.QueryV4SignatureVersion) || q.Has(signer.QueryV4Credential) || q.Has(signer.QueryV4Signature):
		return e.authV4Query(req, now)
	}
	return principal{}, newError(http.StatusForbidden, ossapi.CodeAccessDenied, ecAnonymous,
		"Anonymous access is forbidden for this operation.")
}

func (e *Emulator) authV1Header(req *signer.Request, auth string, now time.Time) (principal, *apiError) {
	akid, sig, ok := signer.ParseV1Authorization(auth)
	if !ok {
		return principal{}, errInvalidArgument("Authorization", "", "Authorization header is invalid.")
	}
	p := principal{accessKeyID: akid, scheme: "v1"}
	kb, err := e.lookupKey(akid)
	if err != nil {
		return p, err
	}
	p.bind(kb)
	date := req.Header.Get(signer.HeaderDate)
	t, perr := http.ParseTime(date)
	if perr != nil {
		return p, newError(http.StatusForbidden, ossapi.CodeAccessDenied, "", "OSS authentication requires a valid Date.")
	}
	if err := checkToken(kb, req.Header.Get(signer.HeaderSecurityToken), now); err != nil {
		return p, err
	}
	if err := checkSkew(date, t, now); err != nil {
		return p, err
	}
	sts := signer.V1StringToSign(req, date)
	if !hmac.Equal([]byte(signer.V1Signature(kb.key.AccessKeySecret, sts)), []byte(sig)) {
		return p, errSignature(sts, "", sig, akid, "")
	}
	return p, nil
}

func (e *Emulator) authV1Query(req *signer.Request, now time.Time) (principal, *apiError) {
	q := req.Query
	akid, sig, exp := q.Get(signer.QueryV1AccessKeyID), q.Get(signer.QueryV1Signature), q.Get(signer.QueryV1Expires)
	if akid == "" || sig == "" || exp == "" {
		return principal{}, newError(http.StatusForbidden, ossapi.CodeAccessDenied, "",
			"Query-string authentication requires the Signature, Expires and OSSAccessKeyId parameters")
	}
	p := principal{accessKeyID: akid, scheme: "v1-query"}
	expires, perr := strconv.ParseInt(exp, 10, 64)
	if perr != nil {
		return p, newError(http.StatusForbidden, ossapi.CodeAccessDenied, "", "Invalid Expires: %q is not a unix time.", exp)
	}
	kb, err := e.lookupKey(akid)
	if err != nil {
		return p, err
	}
	p.bind(kb)
	if now.Unix() > expires {
		return p, errExpired(time.Unix(expires, 0), now)
	}
	if err := checkToken(kb, q.Get(signer.QueryV1SecurityToken), now); err != nil {
		return p, err
	}
	sts := signer.V1StringToSign(req, exp)
	if !hmac.Equal([]byte(signer.V1Signature(kb.key.AccessKeySecret, sts)), []byte(sig)) {
		return p, errSignature(sts, "", sig, akid, "")
	}
	return p, nil
}

func (e *Emulator) authV4Header(req *signer.Request, auth string, now time.Time) (principal, *apiError) {
	a, perr := signer.ParseV4Authorization(auth)
	if perr != nil {
		return principal{}, errInvalidArgument("Authorization", "", "Authorization header is invalid: %v.", perr)
	}
	p := principal{accessKeyID: a.AccessKeyID, scheme: "v4"}
	if v := req.Header.Get(signer.HeaderContentSHA256); v != "" && v != signer.UnsignedPayload {
		return p, newError(http.StatusBadRequest, ossapi.CodeInvalidArgument, ecContentSHA256,
			"The value of the x-oss-content-sha256 header is invalid: only UNSIGNED-PAYLOAD is supported.")
	}
	kb, err := e.lookupKey(a.AccessKeyID)
	if err != nil {
		return p, err
	}
	p.bind(kb)
	// SDKv1 sends no x-oss-date and signs the Date header verbatim.
	datetime := req.Header.Get(signer.HeaderOSSDate)
	var t time.Time
	if datetime != "" {
		if t, perr = time.Parse(v4DateTimeFormat, datetime); perr != nil {
			return p, newError(http.StatusForbidden, ossapi.CodeAccessDenied, "", "Invalid x-oss-date %q: expected yyyymmddThhmmssZ.", datetime)
		}
	} else {
		datetime = req.Header.Get(signer.HeaderDate)
		if t, perr = http.ParseTime(datetime); perr != nil {
			return p, newError(http.StatusForbidden, ossapi.CodeAccessDenied, "", "OSS authentication requires a valid x-oss-date or Date.")
		}
	}
	if err := checkToken(kb, req.Header.Get(signer.HeaderSecurityToken), now); err != nil {
		return p, err
	}
	if err := checkSkew(datetime, t, now); err != nil {
		return p, err
	}
	return p, e.verifyV4(req, a, datetime, t, kb)
}

func (e *Emulator) authV4Query(req *signer.Request, now time.Time) (principal, *apiError) {
	q := req.Query
	if v := q.Get(signer.QueryV4SignatureVersion); v != signer.AlgorithmV4 {
		return principal{}, errInvalidArgument(signer.QueryV4SignatureVersion, v, "x-oss-signature-version must be %s.", signer.AlgorithmV4)
	}
	a, perr := signer.ParseV4Credential(q.Get(signer.QueryV4Credential))
	if perr != nil {
		return principal{}, errInvalidArgument(signer.QueryV4Credential, "", "x-oss-credential is invalid: %v.", perr)
	}
	p := principal{accessKeyID: a.AccessKeyID, scheme: "v4-query"}
	datetime := q.Get(signer.QueryV4Date)
	t, perr := time.Parse(v4DateTimeFormat, datetime)
	if perr != nil {
		return p, errInvalidArgument(signer.QueryV4Date, datetime, "x-oss-date must be yyyymmddThhmmssZ.")
	}
	expires, perr := strconv.ParseInt(q.Get(signer.QueryV4Expires), 10, 64)
	if perr != nil || expires <= 0 || expires > maxPresignExpires {
		return p, errInvalidArgument(signer.QueryV4Expires, q.Get(signer.QueryV4Expires),
			"x-oss-expires must be a number of seconds from 1 to %d.", maxPresignExpires)
	}
	a.Signature = q.Get(signer.QueryV4Signature)
	if a.Signature == "" {
		return p, newError(http.StatusForbidden, ossapi.CodeAccessDenied, "", "Query-string authentication requires x-oss-signature.")
	}
	if h := q.Get(signer.QueryV4AdditionalHeaders); h != "" {
		a.AdditionalHeaders = strings.Split(h, ";")
	}
	kb, err := e.lookupKey(a.AccessKeyID)
	if err != nil {
		return p, err
	}
	p.bind(kb)
	if now.After(t.Add(time.Duration(expires) * time.Second)) {
		return p, errExpired(t.Add(time.Duration(expires)*time.Second), now)
	}
	if err := checkToken(kb, q.Get(signer.QueryV4SecurityToken), now); err != nil {
		return p, err
	}
	// The signature itself is the only query parameter the canonical request leaves out.
	unsigned := url.Values{}
	for k, vs := range q {
		if k != signer.QueryV4Signature {
			unsigned[k] = vs
		}
	}
	signed := *req
	signed.Query = unsigned
	return p, e.verifyV4(&signed, a, datetime, t, kb)
}

// verifyV4 recomputes a V4 signature with the scope the server expects: its own region, product oss,
// and the date of the request time. A credential scoped otherwise cannot match.
func (e *Emulator) verifyV4(req *signer.Request, a signer.V4Authorization, datetime string, t time.Time, kb keyBinding) *apiError {
	date := t.UTC().Format(v4DateFormat)
	scope := signer.Scope{Region: e.region, Product: signer.DefaultProduct}
	var hint string
	switch {
	case a.Scope.Region != e.region:
		hint = " The credential scope region " + a.Scope.Region + " is not the endpoint's region " + e.region + "."
	case a.Scope.Product != signer.DefaultProduct:
		hint = " The credential scope product " + a.Scope.Product + " is not " + signer.DefaultProduct + "."
	case a.Date != date:
		hint = " The credential scope date " + a.Date + " is not the date of the request time " + date + "."
	}
	canonical := signer.V4CanonicalRequest(req, signer.V4AdditionalHeaders(req.Header, a.AdditionalHeaders))
	sts := signer.V4StringToSign(datetime, scope.String(date), canonical)
	want := signer.V4Signature(signer.V4SigningKey(kb.key.AccessKeySecret, date, scope), sts)
	if hint != "" || !hmac.Equal([]byte(want), []byte(a.Signature)) {
		return errSignature(sts, canonical, a.Signature, a.AccessKeyID, hint)
	}
	return nil
}

// lookupKey finds a key. A deleted RAM key is unknown like any other; an Inactive one is refused as OSS
// refuses a disabled key: 403 InvalidAccessKeyId, "The OSS Access Key Id you provided is disabled."
// (OSS's documented message; the same the emulator answers for an expired long-term key).
func (e *Emulator) lookupKey(akid string) (keyBinding, *apiError) {
	e.mu.Lock()
	kb, ok := e.keys[akid]
	inactive := ok && kb.ramKey != nil && kb.ramKey.status != RAMKeyActive
	e.mu.Unlock()
	if !ok {
		return kb, newError(http.StatusForbidden, ossapi.CodeInvalidAccessKeyID, ecInvalidAccessKeyID,
			"The OSS Access Key Id you provided does not exist in our records.").with("OSSAccessKeyId", akid)
	}
	if inactive {
		return kb, errDisabledKey(akid)
	}
	return kb, nil
}

func errDisabledKey(akid string) *apiError {
	return newError(http.StatusForbidden, ossapi.CodeInvalidAccessKeyID, "", "The OSS Access Key Id you provided is disabled.").
		with("OSSAccessKeyId", akid)
}

// checkToken matches the security token sent with the key's: an STS key needs its own token, a long-term
// key none. An expired STS key is SecurityTokenExpired; an expired long-term key is treated as disabled.
func checkToken(kb keyBinding, token string, now time.Time) *apiError {
	k := kb.key
	if k.SecurityToken == "" {
		if token != "" {
			return newError(http.StatusForbidden, ossapi.CodeInvalidSecurityToken, "",
				"The security token you provided is invalid: the AccessKey %s is not an STS key.", k.AccessKeyID)
		}
	} else {
		if token == "" {
			return newError(http.StatusForbidden, ossapi.CodeInvalidSecurityToken, "",
				"The security token you provided is invalid: the STS AccessKey %s requires one.", k.AccessKeyID)
		}
		if !hmac.Equal([]byte(token), []byte(k.SecurityToken)) {
			return newError(http.StatusForbidden, ossapi.CodeInvalidSecurityToken, "", "The security token you provided is invalid.")
		}
	}
	if !k.Expiration.IsZero() && !now.Before(k.Expiration) {
		if k.SecurityToken != "" {
			return newError(http.StatusForbidden, ossapi.CodeSecurityTokenExpired, "", "The security token you provided has expired.")
		}
		return errDisabledKey(k.AccessKeyID)
	}
	return nil
}

func checkSkew(sent string, t, now time.Time) *apiError {
	if d := now.Sub(t); d > maxSkew || d < -maxSkew {
		return newError(http.StatusForbidden, ossapi.CodeRequestTimeTooSkewed, ecRequestTimeTooSkewed,
			"The difference between the request time and the current time is too large.").
			with("RequestTime", sent).
			with("ServerTime", now.UTC().Format(isoMillis)).
			with("MaxAllowedSkewMilliseconds", strconv.FormatInt(maxSkew.Milliseconds(), 10))
	}
	return nil
}

func errExpired(expires, now time.Time) *apiError {
	return newError(http.StatusForbidden, ossapi.CodeAccessDenied, "", "Request has expired.").
		with("Expires", expires.UTC().Format(isoMillis)).
		with("ServerTime", now.UTC().Format(isoMillis))
}

// errSignature is SignatureDoesNotMatch with what the server signed, as OSS reports it.
func errSignature(stringToSign, canonicalRequest, provided, akid, hint string) *apiError {
	e := newError(http.StatusForbidden, ossapi.CodeSignatureDoesNotMatch, ecSignatureDoesNotMatch,
		"The request signature we calculated does not match the signature you provided. Check your key and signing method.%s", hint).
		with("StringToSign", stringToSign).
		with("StringToSignBytes", spacedHex(stringToSign)).
		with("SignatureProvided", provided).
		with("OSSAccessKeyId", akid)
	if canonicalRequest != "" {
		e.with("CanonicalRequest", canonicalRequest)
	}
	return e
}

// spacedHex renders bytes as OSS's StringToSignBytes: two hex digits per byte, separated by spaces.
func spacedHex(s string) string {
	h := hex.EncodeToString([]byte(s))
	var b strings.Builder
	for i := 0; i < len(h); i += 2 {
		if i > 0 {
			b.WriteByte(' ')
		}
		b.WriteString(h[i : i+2])
	}
	return b.String()
}
