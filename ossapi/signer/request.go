package signer

import (
	"net/http"
	"net/url"
	"sort"
	"strings"
)

// Request is the part of an HTTP request that a signature covers.
//
// Bucket and Key are the bucket name and the raw (decoded) object key; both appear in the signed
// resource even when the request is sent virtual-hosted, where the HTTP path is only "/<key>". Query holds
// every query parameter, decoded. Header holds the request headers as they will be sent; names may be
// in any case.
type Request struct {
	Method string
	Bucket string
	Key    string
	Query  url.Values
	Header http.Header
}

// Header names used by the signatures.
const (
	HeaderAuthorization = "Authorization"
	HeaderDate          = "Date"
	HeaderContentType   = "Content-Type"
	HeaderContentMD5    = "Content-MD5"
	HeaderOSSDate       = "x-oss-date"
	HeaderContentSHA256 = "x-oss-content-sha256"
	HeaderSecurityToken = "x-oss-security-token"

	// UnsignedPayload is the only x-oss-content-sha256 value OSS accepts.
	UnsignedPayload = "UNSIGNED-PAYLOAD"

	ossHeaderPrefix = "x-oss-"
)

// lowerHeaders returns the headers with lower-cased names, values of names that differ only in case
// merged, so a header stored as "x-oss-head1" and one stored as "X-Oss-Head1" are one header.
func lowerHeaders(h http.Header) map[string][]string {
	out := make(map[string][]string, len(h))
	for k, vs := range h {
		lk := strings.ToLower(k)
		out[lk] = append(out[lk], vs...)
	}
	return out
}

// headerValue returns the first value of a header, whatever the case of its stored name.
func headerValue(h http.Header, name string) string {
	if v := h.Get(name); v != "" {
		return v
	}
	for k, vs := range h {
		if strings.EqualFold(k, name) && len(vs) > 0 {
			return vs[0]
		}
	}
	return ""
}

// canonicalHeaderLines renders "name:value\n" for every selected header, sorted by lower-cased name,
// values trimmed and joined with ",".
func canonicalHeaderLines(h http.Header, include func(lowerName string) bool) string {
	lh := lowerHeaders(h)
	names := make([]string, 0, len(lh))
	for k := range lh {
		if include(k) {
			names = append(names, k)
		}
	}
	sort.Strings(names)
	var b strings.Builder
	for _, k := range names {
		b.WriteString(k)
		b.WriteByte(':')
		for i, v := range lh[k] {
			if i > 0 {
				b.WriteByte(',')
			}
			b.WriteString(strings.TrimSpace(v))
		}
		b.WriteByte('\n')
	}
	return b.String()
}

// Escape percent-encodes s the way V4 canonicalization does (RFC 3986): only A-Z a-z 0-9 - . _ ~ are
// kept, and "/" too when keepSlash is set (the canonical URI); hex digits are upper case.
func Escape(s string, keepSlash bool) string {
	const hex = "0123456789ABCDEF"
	n := 0
	for i := 0; i < len(s); i++ {
		if !unreserved(s[i]) && !(keepSlash && s[i] == '/') {
			n++
		}
	}
	if n == 0 {
		return s
	}
	b := make([]byte, 0, len(s)+2*n)
	for i := 0; i < len(s); i++ {
		c := s[i]
		if unreserved(c) || (keepSlash && c == '/') {
			b = append(b, c)
			continue
		}
		b = append(b, '%', hex[c>>4], hex[c&15])
	}
	return string(b)
}

func unreserved(c byte) bool {
	return 'A' <= c && c <= 'Z' || 'a' <= c && c <= 'z' || '0' <= c && c <= '9' ||
		c == '-' || c == '.' || c == '_' || c == '~'
}

// EncodeQuery renders query parameters for a URL: RFC 3986 encoding (space as %20, never "+"), sorted by
// encoded name, an empty value as the bare name. Both OSS signature versions accept a URL built this way.
// A parameter with an empty name and an empty value is left out: a URL cannot carry it (it would be an
// empty "&&" segment, which every parser, the SDK's signer included, skips).
func EncodeQuery(q url.Values) string {
	type pair struct{ k, v string }
	pairs := make([]pair, 0, len(q))
	for k, vs := range q {
		ek := Escape(k, false)
		if len(vs) == 0 && ek != "" {
			pairs = append(pairs, pair{ek, ""})
		}
		for _, v := range vs {
			if ek == "" && v == "" {
				continue
			}
			pairs = append(pairs, pair{ek, Escape(v, false)})
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
		if p.v != "" {
			b.WriteByte('=')
			b.WriteString(p.v)
		}
	}
	return b.String()
}
