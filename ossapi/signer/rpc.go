package signer

import (
	"crypto/hmac"
	"crypto/sha1"
	"encoding/base64"
	"net/url"
	"sort"
	"strings"
	"time"
)

// The RPC-style APIs of Alibaba Cloud (RAM, STS) sign the request's parameters, not its path or headers:
// "signature method v1", HMAC-SHA1 over the sorted, percent-encoded query. The same functions sign in the
// clients (ossapi/ram, ossapi/sts) and verify in the emulator.

// RPC common parameters.
const (
	RPCParamAccessKeyID      = "AccessKeyId"
	RPCParamSignature        = "Signature"
	RPCParamSignatureMethod  = "SignatureMethod"
	RPCParamSignatureVersion = "SignatureVersion"
	RPCParamSignatureNonce   = "SignatureNonce"
	RPCParamTimestamp        = "Timestamp"
	RPCParamSecurityToken    = "SecurityToken"
	RPCParamFormat           = "Format"
	RPCParamVersion          = "Version"
	RPCParamAction           = "Action"

	// RPCSignatureMethod and RPCSignatureVersion are the only signature the RPC APIs take here.
	RPCSignatureMethod  = "HMAC-SHA1"
	RPCSignatureVersion = "1.0"
	// RPCTimestampFormat is the Timestamp parameter's form, always UTC.
	RPCTimestampFormat = "2006-01-02T15:04:05Z"
)

// RPCCanonicalQuery is every parameter but Signature, name and value percent-encoded (RFC 3986: space
// %20, "*" %2A, "~" kept), sorted by encoded name and joined by "&".
func RPCCanonicalQuery(params url.Values) string {
	type pair struct{ k, v string }
	pairs := make([]pair, 0, len(params))
	for k, vs := range params {
		if k == RPCParamSignature {
			continue
		}
		for _, v := range vs {
			pairs = append(pairs, pair{Escape(k, false), Escape(v, false)})
		}
	}
	sort.Slice(pairs, func(i, j int) bool {
		if pairs[i].k != pairs[j].k {
			return pairs[i].k < pairs[j].k
		}
		return pairs[i].v < pairs[j].v
	})
	var b strings.Builder
	for i, p := range pairs {
		if i > 0 {
			b.WriteByte('&')
		}
		b.WriteString(p.k)
		b.WriteByte('=')
		b.WriteString(p.v)
	}
	return b.String()
}

// RPCStringToSign is method + "&" + encode("/") + "&" + encode(canonical query).
func RPCStringToSign(method string, params url.Values) string {
	return strings.ToUpper(method) + "&" + Escape("/", false) + "&" + Escape(RPCCanonicalQuery(params), false)
}

// RPCSignature is base64(HMAC-SHA1(secret + "&", stringToSign)).
func RPCSignature(secret, stringToSign string) string {
	m := hmac.New(sha1.New, []byte(secret+"&"))
	m.Write([]byte(stringToSign))
	return base64.StdEncoding.EncodeToString(m.Sum(nil))
}

// SignRPC adds the common signature parameters (key ID, method, version, nonce, time, the security token
// of STS credentials) to params and then the Signature. nonce must be unique per request.
func SignRPC(method string, params url.Values, creds Credentials, nonce string, now time.Time) {
	params.Set(RPCParamAccessKeyID, creds.AccessKeyID)
	params.Set(RPCParamSignatureMethod, RPCSignatureMethod)
	params.Set(RPCParamSignatureVersion, RPCSignatureVersion)
	params.Set(RPCParamSignatureNonce, nonce)
	params.Set(RPCParamTimestamp, now.UTC().Format(RPCTimestampFormat))
	if creds.SecurityToken != "" {
		params.Set(RPCParamSecurityToken, creds.SecurityToken)
	} else {
		params.Del(RPCParamSecurityToken)
	}
	params.Del(RPCParamSignature)
	params.Set(RPCParamSignature, RPCSignature(creds.AccessKeySecret, RPCStringToSign(method, params)))
}
