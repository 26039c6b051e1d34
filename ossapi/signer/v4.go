package signer

import (
	"crypto/hmac"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"net/http"
	"sort"
	"strconv"
	"strings"
	"time"
)

// V4 constants.
const (
	AlgorithmV4      = "OSS4-HMAC-SHA256"
	DefaultProduct   = "oss"
	v4Terminator     = "aliyun_v4_request"
	v4DateTimeFormat = "20060102T150405Z"
	v4DateFormat     = "20060102"
)

// V4 presigned URL query parameters.
const (
	QueryV4SignatureVersion  = "x-oss-signature-version"
	QueryV4Date              = "x-oss-date"
	QueryV4Expires           = "x-oss-expires"
	QueryV4Credential        = "x-oss-credential"
	QueryV4AdditionalHeaders = "x-oss-additional-headers"
	QueryV4SecurityToken     = "x-oss-security-token"
	QueryV4Signature         = "x-oss-signature"
)

// Scope names where a V4 signature is valid: the region ID without "oss-" (cn-hangzhou) and the product
// ("oss"; "oss-cloudbox" for CloudBox).
type Scope struct {
	Region  string
	Product string
}

func (s Scope) product() string {
	if s.Product == "" {
		return DefaultProduct
	}
	return s.Product
}

// String is "<yyyymmdd>/<region>/<product>/aliyun_v4_request" for the given date.
func (s Scope) String(date string) string {
	return date + "/" + s.Region + "/" + s.product() + "/" + v4Terminator
}

func isDefaultSignedV4(lowerName string) bool {
	return strings.HasPrefix(lowerName, ossHeaderPrefix) || lowerName == "content-type" || lowerName == "content-md5"
}

// V4AdditionalHeaders normalizes a list of extra headers to sign: lower-cased, sorted, without the
// headers V4 signs anyway (x-oss-*, content-type, content-md5) and without headers the request lacks.
func V4AdditionalHeaders(h http.Header, names []string) []string {
	var out []string
	seen := map[string]bool{}
	for _, n := range names {
		ln := strings.ToLower(strings.TrimSpace(n))
		if ln == "" || seen[ln] || isDefaultSignedV4(ln) || headerValue(h, ln) == "" {
			continue
		}
		seen[ln] = true
		out = append(out, ln)
	}
	sort.Strings(out)
	return out
}

// V4CanonicalRequest is the request in canonical form: method, URI ("/bucket/key", percent-encoded with
// "/" kept), every query parameter encoded and sorted, the signed headers, the additional header names
// and the payload hash, one per line. additional must already be normalized (V4AdditionalHeaders).
func V4CanonicalRequest(r *Request, additional []string) string {
	uri := "/"
	if r.Bucket != "" {
		uri += r.Bucket + "/" + r.Key
	}
	extra := make(map[string]bool, len(additional))
	for _, a := range additional {
		extra[a] = true
	}
	payload := headerValue(r.Header, HeaderContentSHA256)
	if payload == "" {
		payload = UnsignedPayload
	}
	return r.Method + "\n" +
		Escape(uri, true) + "\n" +
		EncodeQuery(r.Query) + "\n" +
		canonicalHeaderLines(r.Header, func(k string) bool { return isDefaultSignedV4(k) || extra[k] }) + "\n" +
		strings.Join(additional, ";") + "\n" +
		payload
}

// V4StringToSign is the algorithm, the request time, the scope and the hex SHA-256 of the canonical
// request, one per line.
func V4StringToSign(datetime, scope, canonicalRequest string) string {
	sum := sha256.Sum256([]byte(canonicalRequest))
	return AlgorithmV4 + "\n" + datetime + "\n" + scope + "\n" + hex.EncodeToString(sum[:])
}

// V4SigningKey derives the signing key from the secret, the date (yyyymmdd) and the scope.
func V4SigningKey(secret, date string, s Scope) []byte {
	k := hmacSHA256([]byte("aliyun_v4"+secret), date)
	k = hmacSHA256(k, s.Region)
	k = hmacSHA256(k, s.product())
	return hmacSHA256(k, v4Terminator)
}

// V4Signature is the lower-case hex HMAC-SHA256 of the string to sign under the signing key.
func V4Signature(signingKey []byte, stringToSign string) string {
	return hex.EncodeToString(hmacSHA256(signingKey, stringToSign))
}

func hmacSHA256(key []byte, data string) []byte {
	h := hmac.New(sha256.New, key)
	h.Write([]byte(data))
	return h.Sum(nil)
}

// SignV4 signs r in the Authorization header at time now: it sets x-oss-date, Date, x-oss-content-sha256
// (UNSIGNED-PAYLOAD) and, for STS credentials, x-oss-security-token, then Authorization. additional names
// extra headers to sign (normalized here). It returns the string to sign.
func SignV4(r *Request, c Credentials, s Scope, now time.Time, additional []string) string {
	now = now.UTC()
	datetime := now.Format(v4DateTimeFormat)
	date := now.Format(v4DateFormat)
	r.Header.Set(HeaderOSSDate, datetime)
	r.Header.Set(HeaderDate, now.Format(http.TimeFormat))
	r.Header.Set(HeaderContentSHA256, UnsignedPayload)
	if c.SecurityToken != "" {
		r.Header.Set(HeaderSecurityToken, c.SecurityToken)
	}
	add := V4AdditionalHeaders(r.Header, additional)
	scope := s.String(date)
	sts := V4StringToSign(datetime, scope, V4CanonicalRequest(r, add))
	sig := V4Signature(V4SigningKey(c.AccessKeySecret, date, s), sts)

	var b strings.Builder
	b.WriteString(AlgorithmV4 + " Credential=" + c.AccessKeyID + "/" + scope)
	if len(add) > 0 {
		b.WriteString(",AdditionalHeaders=" + strings.Join(add, ";"))
	}
	b.WriteString(",Signature=" + sig)
	r.Header.Set(HeaderAuthorization, b.String())
	return sts
}

// PresignV4 adds the V4 query authentication to r.Query for a URL signed at now and valid until
// expires. It returns the string to sign.
func PresignV4(r *Request, c Credentials, s Scope, now, expires time.Time, additional []string) string {
	now = now.UTC()
	datetime := now.Format(v4DateTimeFormat)
	date := now.Format(v4DateFormat)
	add := V4AdditionalHeaders(r.Header, additional)
	scope := s.String(date)
	if c.SecurityToken != "" {
		r.Query.Set(QueryV4SecurityToken, c.SecurityToken)
	}
	r.Query.Set(QueryV4SignatureVersion, AlgorithmV4)
	r.Query.Set(QueryV4Date, datetime)
	r.Query.Set(QueryV4Expires, strconv.FormatInt(expires.Unix()-now.Unix(), 10))
	r.Query.Set(QueryV4Credential, c.AccessKeyID+"/"+scope)
	if len(add) > 0 {
		r.Query.Set(QueryV4AdditionalHeaders, strings.Join(add, ";"))
	}
	sts := V4StringToSign(datetime, scope, V4CanonicalRequest(r, add))
	r.Query.Set(QueryV4Signature, V4Signature(V4SigningKey(c.AccessKeySecret, date, s), sts))
	return sts
}

// V4Authorization is a parsed V4 Authorization header or presigned credential.
type V4Authorization struct {
	AccessKeyID       string
	Date              string // yyyymmdd from the credential scope
	Scope             Scope
	AdditionalHeaders []string
	Signature         string
}

// ScopeString is the credential scope as it was sent.
func (a V4Authorization) ScopeString() string { return a.Scope.String(a.Date) }

// ErrMalformedAuthorization is returned for an Authorization header or credential that cannot be parsed.
var ErrMalformedAuthorization = errors.New("malformed OSS4-HMAC-SHA256 authorization")

// ParseV4Authorization parses "OSS4-HMAC-SHA256 Credential=<AK>/<date>/<region>/<product>/aliyun_v4_request
// [,AdditionalHeaders=<h1;h2>],Signature=<hex>". Spaces after the commas are accepted.
func ParseV4Authorization(auth string) (V4Authorization, error) {
	rest, ok := strings.CutPrefix(auth, AlgorithmV4+" ")
	if !ok {
		return V4Authorization{}, ErrMalformedAuthorization
	}
	var a V4Authorization
	var credential string
	for _, part := range strings.Split(rest, ",") {
		k, v, _ := strings.Cut(strings.TrimSpace(part), "=")
		switch k {
		case "Credential":
			credential = v
		case "AdditionalHeaders":
			if v != "" {
				a.AdditionalHeaders = strings.Split(v, ";")
			}
		case "Signature":
			a.Signature = v
		}
	}
	if err := a.parseCredential(credential); err != nil {
		return V4Authorization{}, err
	}
	if a.Signature == "" {
		return V4Authorization{}, ErrMalformedAuthorization
	}
	return a, nil
}

// ParseV4Credential parses "<AK>/<date>/<region>/<product>/aliyun_v4_request" (x-oss-credential).
func ParseV4Credential(credential string) (V4Authorization, error) {
	var a V4Authorization
	if err := a.parseCredential(credential); err != nil {
		return V4Authorization{}, err
	}
	return a, nil
}

func (a *V4Authorization) parseCredential(credential string) error {
	parts := strings.Split(credential, "/")
	if len(parts) != 5 || parts[0] == "" || len(parts[1]) != 8 || parts[2] == "" || parts[4] != v4Terminator {
		return ErrMalformedAuthorization
	}
	a.AccessKeyID, a.Date = parts[0], parts[1]
	a.Scope = Scope{Region: parts[2], Product: parts[3]}
	return nil
}
