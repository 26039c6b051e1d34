package signer

import (
	"net/http"
	"net/url"
	"strings"
	"testing"
	"time"
)

// The vectors below are the official ones: SDKv2 oss/signer/signer_test.go (also in SDKv1
// oss/conn_test.go) and the V1 example of the OSS documentation, as listed in
// shared/reference/oss-api.md sections 1.6 and 2.5.

func v1VectorHeader() http.Header {
	h := http.Header{}
	h.Add("Content-MD5", "eB5eJF1ptWaXm4bijSPyxw==")
	h.Add("Content-Type", "text/html")
	h.Add("x-oss-meta-author", "alice")
	h.Add("x-oss-meta-magic", "abracadabra")
	h.Add("x-oss-date", "Wed, 28 Dec 2022 10:27:41 GMT")
	return h
}

func mustParseHTTPTime(t *testing.T, s string) time.Time {
	t.Helper()
	tm, err := http.ParseTime(s)
	if err != nil {
		t.Fatal(err)
	}
	return tm
}

func TestV1HeaderVectors(t *testing.T) {
	const date = "Wed, 28 Dec 2022 10:27:41 GMT"
	onlyDate := func() http.Header { h := http.Header{}; h.Add("x-oss-date", date); return h }
	tests := []struct {
		name       string
		bucket     string
		key        string
		rawQuery   string
		header     http.Header
		creds      Credentials
		wantString string
		wantAuth   string
	}{
		{
			name: "V1-1 object PUT", bucket: "examplebucket", key: "nelson", header: v1VectorHeader(),
			creds:      Credentials{AccessKeyID: "ak", AccessKeySecret: "sk"},
			wantString: "PUT\neB5eJF1ptWaXm4bijSPyxw==\ntext/html\n" + date + "\nx-oss-date:" + date + "\nx-oss-meta-author:alice\nx-oss-meta-magic:abracadabra\n/examplebucket/nelson",
			wantAuth:   "OSS ak:kSHKmLxlyEAKtZPkJhG9bZb5k7M=",
		},
		{
			name: "V1-2 with acl sub-resource", bucket: "examplebucket", key: "nelson", rawQuery: "acl", header: v1VectorHeader(),
			creds:      Credentials{AccessKeyID: "ak", AccessKeySecret: "sk"},
			wantString: "PUT\neB5eJF1ptWaXm4bijSPyxw==\ntext/html\n" + date + "\nx-oss-date:" + date + "\nx-oss-meta-author:alice\nx-oss-meta-magic:abracadabra\n/examplebucket/nelson?acl",
			wantAuth:   "OSS ak:/afkugFbmWDQ967j1vr6zygBLQk=",
		},
		{
			name: "V1-3 bucket GET, unsigned parameter", bucket: "examplebucket", rawQuery: "resourceGroup&non-resousce=null", header: onlyDate(),
			creds:      Credentials{AccessKeyID: "ak", AccessKeySecret: "sk"},
			wantString: "GET\n\n\n" + date + "\nx-oss-date:" + date + "\n/examplebucket/?resourceGroup",
			wantAuth:   "OSS ak:vkQmfuUDyi1uDi3bKt67oemssIs=",
		},
		{
			name: "V1-4 sorted sub-resources", bucket: "examplebucket", rawQuery: "resourceGroup&acl", header: onlyDate(),
			creds:      Credentials{AccessKeyID: "ak", AccessKeySecret: "sk"},
			wantString: "GET\n\n\n" + date + "\nx-oss-date:" + date + "\n/examplebucket/?acl&resourceGroup",
			wantAuth:   "OSS ak:x3E5TgOvl/i7PN618s5mEvpJDYk=",
		},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			q, err := url.ParseQuery(tc.rawQuery)
			if err != nil {
				t.Fatal(err)
			}
			method := "PUT"
			if tc.key == "" {
				method = "GET"
			}
			r := &Request{Method: method, Bucket: tc.bucket, Key: tc.key, Query: q, Header: tc.header}
			got := SignV1(r, tc.creds, mustParseHTTPTime(t, date))
			if got != tc.wantString {
				t.Errorf("string to sign:\n got %q\nwant %q", got, tc.wantString)
			}
			if auth := r.Header.Get("Authorization"); auth != tc.wantAuth {
				t.Errorf("Authorization = %q, want %q", auth, tc.wantAuth)
			}
			if d := r.Header.Get("Date"); d != date {
				t.Errorf("Date = %q, want %q", d, date)
			}
		})
	}
}

// The documentation's worked example: its published signature matches the Content-MD5 of its Python
// snippet, not the one in its sample HTTP request (a known inconsistency, oss-api.md 1.6 and trap 19).
func TestV1DocumentationExample(t *testing.T) {
	h := http.Header{}
	h.Set("Content-MD5", "ODBGOERFMDMzQTczRUY3NUE3NzA5QzdFNUYzMDQxNEM=")
	h.Set("Content-Type", "text/html")
	h.Set("X-OSS-Magic", "abracadabra")
	h.Set("X-OSS-Meta-Author", "foo@bar.com")
	r := &Request{Method: "PUT", Bucket: "oss-example", Key: "nelson", Query: url.Values{}, Header: h}
	sts := V1StringToSign(r, "Thu, 17 Nov 2005 18:49:58 GMT")
	want := "PUT\nODBGOERFMDMzQTczRUY3NUE3NzA5QzdFNUYzMDQxNEM=\ntext/html\nThu, 17 Nov 2005 18:49:58 GMT\nx-oss-magic:abracadabra\nx-oss-meta-author:foo@bar.com\n/oss-example/nelson"
	if sts != want {
		t.Fatalf("string to sign:\n got %q\nwant %q", sts, want)
	}
	if sig := V1Signature("OtxrzxIsfpFjA7SwPzILwy8Bw21TLhquhboDYROV", sts); sig != "26NBxoKdsyly4EDv6inkoDft/yA=" {
		t.Fatalf("signature = %q, want 26NBxoKdsyly4EDv6inkoDft/yA=", sig)
	}
}

func TestV1QueryVectors(t *testing.T) {
	tests := []struct {
		name       string
		key        string
		expires    string
		creds      Credentials
		wantString string
		wantURL    string
	}{
		{
			name: "V1-Q1", key: "key", expires: "Sun, 12 Nov 2023 16:43:40 GMT",
			creds:      Credentials{AccessKeyID: "ak", AccessKeySecret: "sk"},
			wantString: "GET\n\n\n1699807420\n/bucket/key?versionId=versionId",
			wantURL:    "http://bucket.oss-cn-hangzhou.aliyuncs.com/key?Expires=1699807420&OSSAccessKeyId=ak&Signature=dcLTea%2BYh9ApirQ8o8dOPqtvJXQ%3D&versionId=versionId",
		},
		{
			name: "V1-Q2 STS", key: "key+123", expires: "Sun, 12 Nov 2023 16:56:44 GMT",
			creds:      Credentials{AccessKeyID: "ak", AccessKeySecret: "sk", SecurityToken: "token"},
			wantString: "GET\n\n\n1699808204\n/bucket/key+123?security-token=token&versionId=versionId",
			wantURL:    "http://bucket.oss-cn-hangzhou.aliyuncs.com/key%2B123?Expires=1699808204&OSSAccessKeyId=ak&Signature=jzKYRrM5y6Br0dRFPaTGOsbrDhY%3D&security-token=token&versionId=versionId",
		},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			r := &Request{Method: "GET", Bucket: "bucket", Key: tc.key, Query: url.Values{"versionId": {"versionId"}}, Header: http.Header{}}
			got := PresignV1(r, tc.creds, mustParseHTTPTime(t, tc.expires))
			if got != tc.wantString {
				t.Errorf("string to sign:\n got %q\nwant %q", got, tc.wantString)
			}
			u := "http://bucket.oss-cn-hangzhou.aliyuncs.com/" + Escape(tc.key, true) + "?" + EncodeQuery(r.Query)
			if u != tc.wantURL {
				t.Errorf("URL:\n got %s\nwant %s", u, tc.wantURL)
			}
		})
	}
}

// v4VectorQuery is url.Values{param1:value1, +param1:value3, |param1:value4, +param2:"", |param2:"",
// param2:""}, the query of every V4 vector.
func v4VectorQuery() url.Values {
	q := url.Values{}
	q.Add("param1", "value1")
	q.Add("+param1", "value3")
	q.Add("|param1", "value4")
	q.Add("+param2", "")
	q.Add("|param2", "")
	q.Add("param2", "")
	return q
}

func v4VectorHeader(contentType string, sha256 bool) http.Header {
	h := http.Header{}
	h.Add("x-oss-head1", "value")
	h.Add("abc", "value")
	h.Add("ZAbc", "value")
	h.Add("XYZ", "value")
	h.Add("content-type", contentType)
	if sha256 {
		h.Add("x-oss-content-sha256", "UNSIGNED-PAYLOAD")
	}
	return h
}

func v4VectorRequest(h http.Header) *Request {
	return &Request{Method: "PUT", Bucket: "bucket", Key: "1234+-/123/1.txt", Query: v4VectorQuery(), Header: h}
}

func TestV4HeaderVectors(t *testing.T) {
	hangzhou := Scope{Region: "cn-hangzhou", Product: "oss"}
	tests := []struct {
		name       string
		unix       int64
		creds      Credentials
		scope      Scope
		additional []string
		want       string
	}{
		{
			name: "V4-1 static credentials", unix: 1702743657, scope: hangzhou,
			creds: Credentials{AccessKeyID: "ak", AccessKeySecret: "sk"},
			want:  "OSS4-HMAC-SHA256 Credential=ak/20231216/cn-hangzhou/oss/aliyun_v4_request,Signature=e21d18daa82167720f9b1047ae7e7f1ce7cb77a31e8203a7d5f4624fa0284afe",
		},
		{
			name: "V4-2 STS token", unix: 1702784856, scope: hangzhou,
			creds: Credentials{AccessKeyID: "ak", AccessKeySecret: "sk", SecurityToken: "token"},
			want:  "OSS4-HMAC-SHA256 Credential=ak/20231217/cn-hangzhou/oss/aliyun_v4_request,Signature=b94a3f999cf85bcdc00d332fbd3734ba03e48382c36fa4d5af5df817395bd9ea",
		},
		{
			name: "V4-3 additional headers", unix: 1702747512, scope: hangzhou, additional: []string{"ZAbc", "abc"},
			creds: Credentials{AccessKeyID: "ak", AccessKeySecret: "sk"},
			want:  "OSS4-HMAC-SHA256 Credential=ak/20231216/cn-hangzhou/oss/aliyun_v4_request,AdditionalHeaders=abc;zabc,Signature=4a4183c187c07c8947db7620deb0a6b38d9fbdd34187b6dbaccb316fa251212f",
		},
		{
			name: "V4-3 additional headers with default-signed and absent names", unix: 1702747512, scope: hangzhou,
			additional: []string{"x-oss-no-exist", "ZAbc", "x-oss-head1", "abc"},
			creds:      Credentials{AccessKeyID: "ak", AccessKeySecret: "sk"},
			want:       "OSS4-HMAC-SHA256 Credential=ak/20231216/cn-hangzhou/oss/aliyun_v4_request,AdditionalHeaders=abc;zabc,Signature=4a4183c187c07c8947db7620deb0a6b38d9fbdd34187b6dbaccb316fa251212f",
		},
		{
			name: "V4-4 CloudBox", unix: 1702743657, scope: Scope{Region: "cb-123", Product: "oss-cloudbox"},
			creds: Credentials{AccessKeyID: "ak", AccessKeySecret: "sk"},
			want:  "OSS4-HMAC-SHA256 Credential=ak/20231216/cb-123/oss-cloudbox/aliyun_v4_request,Signature=94ce1f12c17d148ea681030275a94449d3357f5b5b21133996eec80af3e08a43",
		},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			r := v4VectorRequest(v4VectorHeader("text/plain", true))
			SignV4(r, tc.creds, tc.scope, time.Unix(tc.unix, 0), tc.additional)
			if got := r.Header.Get("Authorization"); got != tc.want {
				t.Errorf("Authorization:\n got %s\nwant %s", got, tc.want)
			}
			if tc.creds.SecurityToken != "" && r.Header.Get("x-oss-security-token") != tc.creds.SecurityToken {
				t.Errorf("x-oss-security-token not set")
			}
		})
	}
}

// The intermediate values published for V4-1 pin the canonical request line by line.
func TestV4CanonicalRequestVector(t *testing.T) {
	r := v4VectorRequest(v4VectorHeader("text/plain", true))
	r.Header.Set("x-oss-date", "20231216T162057Z")
	want := "PUT\n/bucket/1234%2B-/123/1.txt\n" +
		"%2Bparam1=value3&%2Bparam2&%7Cparam1=value4&%7Cparam2&param1=value1&param2\n" +
		"content-type:text/plain\nx-oss-content-sha256:UNSIGNED-PAYLOAD\nx-oss-date:20231216T162057Z\nx-oss-head1:value\n" +
		"\n\nUNSIGNED-PAYLOAD"
	if got := V4CanonicalRequest(r, nil); got != want {
		t.Fatalf("canonical request:\n got %q\nwant %q", got, want)
	}
	sts := V4StringToSign("20231216T162057Z", "20231216/cn-hangzhou/oss/aliyun_v4_request", want)
	wantSTS := "OSS4-HMAC-SHA256\n20231216T162057Z\n20231216/cn-hangzhou/oss/aliyun_v4_request\nf4613657f1b108998e8dbd10a1aa5da621dc2c6e02c9ddec0f163664848704c4"
	if sts != wantSTS {
		t.Fatalf("string to sign:\n got %q\nwant %q", sts, wantSTS)
	}
}

func TestV4QueryVectors(t *testing.T) {
	hangzhou := Scope{Region: "cn-hangzhou", Product: "oss"}
	cloudbox := Scope{Region: "cb-123", Product: "oss-cloudbox"}
	tests := []struct {
		name           string
		sign, expires  int64
		creds          Credentials
		scope          Scope
		additional     []string
		wantSignature  string
		wantCredential string
		wantAdditional string
	}{
		{name: "V4-Q1", sign: 1702781677, expires: 1702782276, scope: hangzhou,
			creds:          Credentials{AccessKeyID: "ak", AccessKeySecret: "sk"},
			wantSignature:  "a39966c61718be0d5b14e668088b3fa07601033f6518ac7b523100014269c0fe",
			wantCredential: "ak/20231217/cn-hangzhou/oss/aliyun_v4_request"},
		{name: "V4-Q2 STS", sign: 1702785388, expires: 1702785987, scope: hangzhou,
			creds:          Credentials{AccessKeyID: "ak", AccessKeySecret: "sk", SecurityToken: "token"},
			wantSignature:  "3817ac9d206cd6dfc90f1c09c00be45005602e55898f26f5ddb06d7892e1f8b5",
			wantCredential: "ak/20231217/cn-hangzhou/oss/aliyun_v4_request"},
		{name: "V4-Q3 additional headers", sign: 1702783809, expires: 1702784408, scope: hangzhou, additional: []string{"ZAbc", "abc"},
			creds:          Credentials{AccessKeyID: "ak", AccessKeySecret: "sk"},
			wantSignature:  "6bd984bfe531afb6db1f7550983a741b103a8c58e5e14f83ea474c2322dfa2b7",
			wantCredential: "ak/20231217/cn-hangzhou/oss/aliyun_v4_request", wantAdditional: "abc;zabc"},
		{name: "V4-Q4 CloudBox", sign: 1702781677, expires: 1702782276, scope: cloudbox, additional: []string{"ZAbc", "abc"},
			creds:          Credentials{AccessKeyID: "ak", AccessKeySecret: "sk"},
			wantSignature:  "07284191b9b4978ac3520cd39ee2dea2747eda454089359371ff463a6c7ba20f",
			wantCredential: "ak/20231217/cb-123/oss-cloudbox/aliyun_v4_request", wantAdditional: "abc;zabc"},
		{name: "V4-Q5 CloudBox, default-signed and absent names dropped", sign: 1702783809, expires: 1702784408, scope: cloudbox,
			additional:     []string{"x-oss-no-exist", "abc", "x-oss-head1", "ZAbc"},
			creds:          Credentials{AccessKeyID: "ak", AccessKeySecret: "sk"},
			wantSignature:  "16782cc8a7a554523db055eb804b508522e7e370073108ad88ee2f47496701dd",
			wantCredential: "ak/20231217/cb-123/oss-cloudbox/aliyun_v4_request", wantAdditional: "abc;zabc"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			r := v4VectorRequest(v4VectorHeader("application/octet-stream", false))
			PresignV4(r, tc.creds, tc.scope, time.Unix(tc.sign, 0), time.Unix(tc.expires, 0), tc.additional)
			q := r.Query
			if got := q.Get("x-oss-signature"); got != tc.wantSignature {
				t.Errorf("x-oss-signature = %s, want %s", got, tc.wantSignature)
			}
			if got := q.Get("x-oss-credential"); got != tc.wantCredential {
				t.Errorf("x-oss-credential = %s, want %s", got, tc.wantCredential)
			}
			if got := q.Get("x-oss-additional-headers"); got != tc.wantAdditional {
				t.Errorf("x-oss-additional-headers = %q, want %q", got, tc.wantAdditional)
			}
			if got := q.Get("x-oss-expires"); got != "599" {
				t.Errorf("x-oss-expires = %s, want 599", got)
			}
			if q.Get("x-oss-signature-version") != "OSS4-HMAC-SHA256" {
				t.Errorf("x-oss-signature-version = %q", q.Get("x-oss-signature-version"))
			}
		})
	}
}

// SDKv1's full presigned URL for V4-Q1 (conn_test.go:558): the URL this package renders carries the
// same path and the same parameters (SDKv1 orders them by unencoded name, which the signature ignores).
func TestV4PresignedURLMatchesSDK(t *testing.T) {
	r := v4VectorRequest(v4VectorHeader("application/octet-stream", false))
	PresignV4(r, Credentials{AccessKeyID: "ak", AccessKeySecret: "sk"}, Scope{Region: "cn-hangzhou"}, time.Unix(1702781677, 0), time.Unix(1702782276, 0), nil)
	got := "http://bucket.oss-cn-hangzhou.aliyuncs.com/" + Escape(r.Key, false) + "?" + EncodeQuery(r.Query)
	want := "http://bucket.oss-cn-hangzhou.aliyuncs.com/1234%2B-%2F123%2F1.txt?%2Bparam1=value3&%2Bparam2&param1=value1&param2&x-oss-credential=ak%2F20231217%2Fcn-hangzhou%2Foss%2Faliyun_v4_request&x-oss-date=20231217T025437Z&x-oss-expires=599&x-oss-signature=a39966c61718be0d5b14e668088b3fa07601033f6518ac7b523100014269c0fe&x-oss-signature-version=OSS4-HMAC-SHA256&%7Cparam1=value4&%7Cparam2"
	gu, err := url.Parse(got)
	if err != nil {
		t.Fatal(err)
	}
	wu, _ := url.Parse(want)
	if gu.EscapedPath() != wu.EscapedPath() {
		t.Errorf("path = %s, want %s", gu.EscapedPath(), wu.EscapedPath())
	}
	if g, w := EncodeQuery(gu.Query()), EncodeQuery(wu.Query()); g != w {
		t.Errorf("query:\n got %s\nwant %s", g, w)
	}
}

func TestParseV4Authorization(t *testing.T) {
	tests := []struct {
		in      string
		wantErr bool
		want    V4Authorization
	}{
		{in: "OSS4-HMAC-SHA256 Credential=ak/20231216/cn-hangzhou/oss/aliyun_v4_request,AdditionalHeaders=abc;zabc,Signature=4a41",
			want: V4Authorization{AccessKeyID: "ak", Date: "20231216", Scope: Scope{Region: "cn-hangzhou", Product: "oss"}, AdditionalHeaders: []string{"abc", "zabc"}, Signature: "4a41"}},
		{in: "OSS4-HMAC-SHA256 Credential=ak/20231216/cn-hangzhou/oss/aliyun_v4_request, Signature=4a41",
			want: V4Authorization{AccessKeyID: "ak", Date: "20231216", Scope: Scope{Region: "cn-hangzhou", Product: "oss"}, Signature: "4a41"}},
		{in: "OSS4-HMAC-SHA256 Credential=ak/2023121/cn-hangzhou/oss/aliyun_v4_request,Signature=4a41", wantErr: true},
		{in: "OSS4-HMAC-SHA256 Credential=ak/20231216/cn-hangzhou/oss/aws4_request,Signature=4a41", wantErr: true},
		{in: "OSS4-HMAC-SHA256 Credential=ak/20231216/cn-hangzhou/oss/aliyun_v4_request", wantErr: true},
		{in: "OSS ak:sig", wantErr: true},
	}
	for _, tc := range tests {
		got, err := ParseV4Authorization(tc.in)
		if (err != nil) != tc.wantErr {
			t.Errorf("%q: err = %v, wantErr %v", tc.in, err, tc.wantErr)
			continue
		}
		if !tc.wantErr && (got.AccessKeyID != tc.want.AccessKeyID || got.Date != tc.want.Date || got.Scope != tc.want.Scope ||
			strings.Join(got.AdditionalHeaders, ";") != strings.Join(tc.want.AdditionalHeaders, ";") || got.Signature != tc.want.Signature) {
			t.Errorf("%q: got %+v, want %+v", tc.in, got, tc.want)
		}
	}
}

func TestCredentialsNeverPrintSecrets(t *testing.T) {
	c := Credentials{AccessKeyID: "LTAI-visible", AccessKeySecret: "s3cr3t-value", SecurityToken: "t0ken-value"}
	for _, format := range []string{"%v", "%+v", "%#v", "%s", "%q"} {
		out := fmtSprintf(format, c)
		if strings.Contains(out, "s3cr3t-value") || strings.Contains(out, "t0ken-value") {
			t.Errorf("%s printed a secret: %s", format, out)
		}
		if !strings.Contains(out, "LTAI-visible") {
			t.Errorf("%s hid the key ID: %s", format, out)
		}
	}
	// Inside another struct too.
	out := fmtSprintf("%+v", struct{ C Credentials }{c})
	if strings.Contains(out, "s3cr3t-value") {
		t.Errorf("nested %%+v printed the secret: %s", out)
	}
}
