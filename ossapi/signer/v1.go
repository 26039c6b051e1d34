package signer

import (
	"crypto/hmac"
	"crypto/sha1"
	"encoding/base64"
	"net/http"
	"sort"
	"strconv"
	"strings"
	"time"
)

// V1 presigned URL query parameters.
const (
	QueryV1AccessKeyID   = "OSSAccessKeyId"
	QueryV1Expires       = "Expires"
	QueryV1Signature     = "Signature"
	QueryV1SecurityToken = "security-token"
)

// v1SubResources are the query parameters that V1 signs in the canonicalized resource: the union of the
// documented list, the official SDKs' lists (SDKv1 signKeyList, SDKv2's fixed map and its per-operation
// sub-resources) and the newer bucket settings. Any parameter starting with "x-oss-" is signed too. Paging
// and filtering parameters (prefix, marker, max-keys, delimiter, encoding-type, start-after, key-marker,
// ...) are not sub-resources and are never signed.
var v1SubResources = func() map[string]bool {
	m := map[string]bool{}
	for _, k := range strings.Fields(`
		acl uploads location cors logging website referer lifecycle delete append tagging objectMeta
		uploadId partNumber security-token position img style styleName replication replicationProgress
		replicationLocation cname bucketInfo comp qos live status vod startTime endTime symlink
		x-oss-process response-content-type response-content-language response-expires
		response-cache-control response-content-disposition response-content-encoding udf udfName
		udfImage udfId udfImageDesc udfApplication udfApplicationLog restore callback callback-var qosInfo
		policy stat encryption versions versioning versionId requestPayment x-oss-request-payer sequential
		inventory inventoryId continuation-token asyncFetch worm wormId wormExtend withHashContext
		x-oss-enable-md5 x-oss-enable-sha1 x-oss-enable-sha256 x-oss-hash-ctx x-oss-md5-ctx
		transferAcceleration regionList cloudboxes x-oss-ac-source-ip x-oss-ac-subnet-mask
		x-oss-ac-vpc-id x-oss-ac-forward-allow metaQuery resourceGroup rtc x-oss-async-process
		responseHeader x-oss-traffic-limit publicAccessBlock policyStatus quota httpsConfig`) {
		m[k] = true
	}
	return m
}()

// IsV1SubResource reports whether V1 signs the query parameter name in the canonicalized resource.
func IsV1SubResource(name string) bool {
	return v1SubResources[name] || strings.HasPrefix(name, ossHeaderPrefix)
}

// V1CanonicalizedResource is "/bucket/key" ("/bucket/" without a key, "/" without a bucket) followed by
// the sorted sub-resources, their values raw (not URL-encoded), an empty value as the bare name.
func V1CanonicalizedResource(r *Request) string {
	var b strings.Builder
	b.WriteByte('/')
	if r.Bucket != "" {
		b.WriteString(r.Bucket)
		b.WriteByte('/')
		b.WriteString(r.Key)
	}
	var names []string
	for k := range r.Query {
		if IsV1SubResource(k) {
			names = append(names, k)
		}
	}
	sort.Strings(names)
	for i, k := range names {
		if i == 0 {
			b.WriteByte('?')
		} else {
			b.WriteByte('&')
		}
		b.WriteString(k)
		if v := r.Query.Get(k); v != "" {
			b.WriteByte('=')
			b.WriteString(v)
		}
	}
	return b.String()
}

// V1StringToSign is VERB, Content-MD5, Content-Type and date, each on its own line, then the
// canonicalized x-oss- headers and resource. date is the Date header for header signing and the
// Expires value (unix seconds) for a presigned URL. Header values are trimmed, as HTTP sends them (the
// SDK signs Content-MD5 and Content-Type untrimmed, which cannot verify when they have outer spaces).
func V1StringToSign(r *Request, date string) string {
	return r.Method + "\n" +
		strings.TrimSpace(headerValue(r.Header, HeaderContentMD5)) + "\n" +
		strings.TrimSpace(headerValue(r.Header, HeaderContentType)) + "\n" +
		date + "\n" +
		canonicalHeaderLines(r.Header, func(k string) bool { return strings.HasPrefix(k, ossHeaderPrefix) }) +
		V1CanonicalizedResource(r)
}

// V1Signature is base64(HMAC-SHA1(secret, stringToSign)).
func V1Signature(secret, stringToSign string) string {
	h := hmac.New(sha1.New, []byte(secret))
	h.Write([]byte(stringToSign))
	return base64.StdEncoding.EncodeToString(h.Sum(nil))
}

// SignV1 signs r in the Authorization header ("OSS <AccessKeyId>:<Signature>") at time now: it sets
// Date and, for STS credentials, x-oss-security-token, then Authorization. It returns the string to sign.
// V1 takes its time from Date, so no x-oss-date header should be sent with it.
func SignV1(r *Request, c Credentials, now time.Time) string {
	date := now.UTC().Format(http.TimeFormat)
	r.Header.Set(HeaderDate, date)
	if c.SecurityToken != "" {
		r.Header.Set(HeaderSecurityToken, c.SecurityToken)
	}
	sts := V1StringToSign(r, date)
	r.Header.Set(HeaderAuthorization, "OSS "+c.AccessKeyID+":"+V1Signature(c.AccessKeySecret, sts))
	return sts
}

// PresignV1 adds the V1 query authentication to r.Query for a URL valid until expires: security-token
// (STS only, signed as a sub-resource), Expires, OSSAccessKeyId and Signature. It returns the string to
// sign.
func PresignV1(r *Request, c Credentials, expires time.Time) string {
	if c.SecurityToken != "" {
		r.Query.Set(QueryV1SecurityToken, c.SecurityToken)
	}
	exp := strconv.FormatInt(expires.Unix(), 10)
	sts := V1StringToSign(r, exp)
	r.Query.Set(QueryV1Expires, exp)
	r.Query.Set(QueryV1AccessKeyID, c.AccessKeyID)
	r.Query.Set(QueryV1Signature, V1Signature(c.AccessKeySecret, sts))
	return sts
}

// ParseV1Authorization splits "OSS <AccessKeyId>:<Signature>".
func ParseV1Authorization(auth string) (accessKeyID, signature string, ok bool) {
	rest, found := strings.CutPrefix(auth, "OSS ")
	if !found {
		return "", "", false
	}
	i := strings.LastIndexByte(rest, ':')
	if i <= 0 || i == len(rest)-1 {
		return "", "", false
	}
	return strings.TrimSpace(rest[:i]), rest[i+1:], true
}
