package signer_test

import (
	"bufio"
	"bytes"
	"context"
	"net/http"
	"net/url"
	"reflect"
	"strings"
	"testing"
	"time"

	"github.com/aliyun/alibabacloud-oss-go-sdk-v2/oss/credentials"
	sdksigner "github.com/aliyun/alibabacloud-oss-go-sdk-v2/oss/signer"

	"github.com/ossoperator/oss-operator/ossapi"
	"github.com/ossoperator/oss-operator/ossapi/signer"
)

// FuzzEscape checks the RFC 3986 encoding both signature versions rely on, and the query encoding the
// client puts on the wire.
func FuzzEscape(f *testing.F) {
	f.Add("1234+-/123/1.txt", "+param1", "value3", "|param1", "value4")
	f.Add("a b/~c+d%e\u00fc\u6f22", "prefix", "a b/~c", "versions", "")
	f.Add("key+123", "security-token", "token", "versionId", "versionId")
	f.Add("", "", "v", "tagging", "k1,k2")
	f.Add("", "", "", "acl", "")
	f.Add("\x00\xff/%2F//..", "x-oss-process", "image/resize,w_100", "a;b", "c&d=e")
	f.Fuzz(func(t *testing.T, s, k1, v1, k2, v2 string) {
		for _, keepSlash := range []bool{false, true} {
			e := signer.Escape(s, keepSlash)
			for i := 0; i < len(e); i++ {
				c := e[i]
				switch {
				case isUnreserved(c), c == '%', keepSlash && c == '/':
				default:
					t.Fatalf("Escape(%q, %v) = %q: byte %q must be encoded", s, keepSlash, e, c)
				}
				if c == '%' && (i+2 >= len(e) || !isUpperHex(e[i+1]) || !isUpperHex(e[i+2])) {
					t.Fatalf("Escape(%q, %v) = %q: %% at %d is not followed by two upper-case hex digits", s, keepSlash, e, i)
				}
			}
			if back, err := url.PathUnescape(e); err != nil || back != s {
				t.Fatalf("PathUnescape(Escape(%q, %v) = %q) = %q, %v", s, keepSlash, e, back, err)
			}
		}
		// The SDK encodes query names and values with url.QueryEscape and "+" -> "%20".
		if got, want := signer.Escape(s, false), strings.ReplaceAll(url.QueryEscape(s), "+", "%20"); got != want {
			t.Fatalf("Escape(%q, false) = %q, SDK encoding %q", s, got, want)
		}
		// With "/" kept, every segment is encoded on its own (SDK escapePath(uri, false)).
		segs := strings.Split(s, "/")
		for i := range segs {
			segs[i] = signer.Escape(segs[i], false)
		}
		if got, want := signer.Escape(s, true), strings.Join(segs, "/"); got != want {
			t.Fatalf("Escape(%q, true) = %q, want %q", s, got, want)
		}

		q, want := url.Values{}, url.Values{}
		for _, p := range []param{{k1, v1}, {k2, v2}} {
			q.Add(p.k, p.v)
			if p.k != "" || p.v != "" { // an empty name without a value cannot be put in a URL
				want.Add(p.k, p.v)
			}
		}
		enc := signer.EncodeQuery(q)
		back, err := url.ParseQuery(enc)
		if err != nil {
			t.Fatalf("ParseQuery(EncodeQuery(%v) = %q): %v", q, enc, err)
		}
		if !sameValues(want, back) {
			t.Fatalf("EncodeQuery(%v) = %q parses back as %v", q, enc, back)
		}
		if again := signer.EncodeQuery(back); again != enc {
			t.Fatalf("EncodeQuery is not stable across a parse: %q then %q", enc, again)
		}
	})
}

func isUnreserved(c byte) bool {
	return 'A' <= c && c <= 'Z' || 'a' <= c && c <= 'z' || '0' <= c && c <= '9' || c == '-' || c == '.' || c == '_' || c == '~'
}

func isUpperHex(c byte) bool { return '0' <= c && c <= '9' || 'A' <= c && c <= 'F' }

// sameValues compares two queries, ignoring the order of a name's values (EncodeQuery sorts them).
func sameValues(a, b url.Values) bool {
	norm := func(q url.Values) map[string]string {
		m := map[string]string{}
		for k, vs := range q {
			m[k] = signer.EncodeQuery(url.Values{"v": vs})
		}
		return m
	}
	return reflect.DeepEqual(norm(a), norm(b))
}

// fuzzRequest is one request a fuzz target signs.
type fuzzRequest struct {
	method                     string
	bucket, key                string
	query                      []param // distinct names
	metaName, metaValue        string  // an x-oss-meta- header
	contentType                string  // sent when non-empty
	extraName, extraValue      string  // a header the client may ask to sign (V4 additional header)
	token                      string  // STS token
	now                        time.Time
	presign, additionalHeaders bool
}

var fuzzMethods = []string{"GET", "PUT", "POST", "DELETE", "HEAD"}

// newFuzzRequest turns fuzz input into a request the client could send: a valid bucket name, header
// names made of HTTP token characters, header values without control characters.
func newFuzzRequest(method uint8, bucket, key, qk1, qv1, qk2, qv2, meta, metaValue, contentType, extra, extraValue, token string, unix int64, presign bool) fuzzRequest {
	meta, extra = tokenOnly(meta), tokenOnly(extra)
	r := fuzzRequest{method: fuzzMethods[int(method)%len(fuzzMethods)], bucket: bucket, key: key,
		metaName: "x-oss-meta-" + meta, metaValue: fieldValue(metaValue), contentType: fieldValue(contentType),
		extraName: "x-extra-" + extra, extraValue: fieldValue(extraValue), token: fieldValue(token),
		presign: presign, additionalHeaders: extra != ""}
	if bucket != "" && !ossapi.ValidBucketName(bucket) {
		r.bucket = "bucket"
	}
	if r.bucket == "" {
		r.key = ""
	}
	// A repeated name is not sent: V1 signs a name's first value in url.Values order, but EncodeQuery puts
	// the values on the URL sorted, so the server may see another first value. ossapi never repeats one.
	r.query = append(r.query, param{qk1, qv1})
	if qk2 != qk1 {
		r.query = append(r.query, param{qk2, qv2})
	}
	// Between 1970 and 9999 so that both time formats keep their width.
	const maxUnix = 253402300799
	if unix < 0 {
		unix = -(unix + 1)
	}
	r.now = time.Unix(unix%maxUnix, 0).UTC()
	return r
}

// tokenOnly keeps the bytes of s that may appear in an HTTP header name.
func tokenOnly(s string) string {
	return strings.Map(func(r rune) rune {
		if r < 0x80 && (isUnreserved(byte(r)) || strings.ContainsRune("!#$%&'*+^`|", r)) {
			return r
		}
		return -1
	}, s)
}

// fieldValue drops the bytes of s that may not appear in a header value (control characters but tab).
func fieldValue(s string) string {
	b := make([]byte, 0, len(s))
	for i := 0; i < len(s); i++ {
		if c := s[i]; c >= ' ' && c != 0x7f || c == '\t' {
			b = append(b, c)
		}
	}
	return string(b)
}

func (r fuzzRequest) values() url.Values {
	q := url.Values{}
	for _, p := range r.query {
		q.Add(p.k, p.v)
	}
	return q
}

func (r fuzzRequest) header() http.Header {
	h := http.Header{}
	h.Add(r.metaName, r.metaValue)
	if r.contentType != "" {
		h.Add("Content-Type", r.contentType)
	}
	h.Add(r.extraName, r.extraValue)
	return h
}

func (r fuzzRequest) additional() []string {
	if !r.additionalHeaders {
		return nil
	}
	return []string{r.extraName}
}

var fuzzCreds = signer.Credentials{AccessKeyID: "ak", AccessKeySecret: "sk"}

// fuzzClient builds the URLs: path-style, as for the emulator.
var fuzzClient = func() *ossapi.Client {
	c, err := ossapi.New(ossapi.Config{Region: "cn-hangzhou", Endpoint: "http://127.0.0.1:9000", Credentials: ossapi.StaticCredentials(fuzzCreds)})
	if err != nil {
		panic(err)
	}
	return c
}()

func (r fuzzRequest) creds() signer.Credentials {
	c := fuzzCreds
	c.SecurityToken = r.token
	return c
}

// send signs the request the way ossapi.Client does, writes it to the wire and reads it back as the
// emulator's net/http server would: header names canonicalized, query re-parsed from the encoded URL.
func (r fuzzRequest) send(t *testing.T, sign func(*signer.Request)) (client *signer.Request, server *http.Request) {
	t.Helper()
	client = &signer.Request{Method: r.method, Bucket: r.bucket, Key: r.key, Query: r.values(), Header: r.header()}
	sign(client)

	u := fuzzClient.URL(r.bucket, r.key, client.Query)
	hreq, err := http.NewRequest(r.method, u.String(), nil)
	if err != nil {
		t.Fatalf("NewRequest(%s): %v", u, err)
	}
	hreq.Header = client.Header.Clone()
	var wire bytes.Buffer
	if err := hreq.Write(&wire); err != nil {
		t.Fatal(err)
	}
	server, err = http.ReadRequest(bufio.NewReader(&wire))
	if err != nil {
		t.Fatalf("reading back %q: %v", wire.String(), err)
	}
	return client, server
}

// serverView is the request as the emulator reconstructs it for verification: bucket and key from the
// path-style path, the query as parsed, the headers as received.
func serverView(t *testing.T, req *http.Request) *signer.Request {
	t.Helper()
	bucket, key, _ := strings.Cut(strings.TrimPrefix(req.URL.Path, "/"), "/")
	return &signer.Request{Method: req.Method, Bucket: bucket, Key: key, Query: req.URL.Query(), Header: req.Header}
}

// FuzzV4CanonicalRequest signs requests with V4 (header or presigned) and checks that what the client
// sends verifies on the server side, and that the SDK signs the same request identically.
func FuzzV4CanonicalRequest(f *testing.F) {
	addFuzzSeeds(f)
	f.Fuzz(func(t *testing.T, method uint8, bucket, key, qk1, qv1, qk2, qv2, meta, metaValue, contentType, extra, extraValue, token string, unix int64, presign bool) {
		r := newFuzzRequest(method, bucket, key, qk1, qv1, qk2, qv2, meta, metaValue, contentType, extra, extraValue, token, unix, presign)
		scope := signer.Scope{Region: "cn-hangzhou", Product: "oss"}
		expires := r.now.Add(15 * time.Minute)
		var clientSTS string
		client, hreq := r.send(t, func(sr *signer.Request) {
			if r.presign {
				clientSTS = signer.PresignV4(sr, r.creds(), scope, r.now, expires, r.additional())
			} else {
				clientSTS = signer.SignV4(sr, r.creds(), scope, r.now, r.additional())
			}
		})

		// The emulator's side.
		srv := serverView(t, hreq)
		var a signer.V4Authorization
		var datetime, signature string
		var err error
		if r.presign {
			a, err = signer.ParseV4Credential(srv.Query.Get(signer.QueryV4Credential))
			if h := srv.Query.Get(signer.QueryV4AdditionalHeaders); h != "" {
				a.AdditionalHeaders = strings.Split(h, ";")
			}
			datetime, signature = srv.Query.Get(signer.QueryV4Date), srv.Query.Get(signer.QueryV4Signature)
			srv.Query.Del(signer.QueryV4Signature)
		} else {
			a, err = signer.ParseV4Authorization(hreq.Header.Get("Authorization"))
			datetime, signature = hreq.Header.Get("x-oss-date"), a.Signature
		}
		if err != nil {
			t.Fatalf("server cannot parse the authorization: %v", err)
		}
		sts := signer.V4StringToSign(datetime, a.ScopeString(), signer.V4CanonicalRequest(srv, a.AdditionalHeaders))
		if sts != clientSTS {
			t.Errorf("string to sign:\nclient %q\nserver %q\nserver canonical request %q", clientSTS, sts, signer.V4CanonicalRequest(srv, a.AdditionalHeaders))
		}
		if got := signer.V4Signature(signer.V4SigningKey("sk", a.Date, a.Scope), sts); got != signature {
			t.Errorf("server computes signature %s, client sent %s", got, signature)
		}

		// The SDK's signer over the same request (presigning in the SDK runs at time.Now(): header only).
		if r.presign {
			return
		}
		sctx := r.sdkContext(false, false, r.now)
		if err := (&sdksigner.SignerV4{}).Sign(context.Background(), sctx); err != nil {
			t.Fatal(err)
		}
		if sctx.StringToSign != clientSTS {
			t.Errorf("string to sign:\n ours %q\n  sdk %q", clientSTS, sctx.StringToSign)
		}
		if got, want := client.Header.Get("Authorization"), sctx.Request.Header.Get("Authorization"); got != want {
			t.Errorf("Authorization:\n ours %s\n  sdk %s", got, want)
		}
	})
}

// FuzzV1StringToSign is FuzzV4CanonicalRequest for V1.
func FuzzV1StringToSign(f *testing.F) {
	addFuzzSeeds(f)
	f.Fuzz(func(t *testing.T, method uint8, bucket, key, qk1, qv1, qk2, qv2, meta, metaValue, contentType, extra, extraValue, token string, unix int64, presign bool) {
		r := newFuzzRequest(method, bucket, key, qk1, qv1, qk2, qv2, meta, metaValue, contentType, extra, extraValue, token, unix, presign)
		var clientSTS string
		client, hreq := r.send(t, func(sr *signer.Request) {
			if r.presign {
				clientSTS = signer.PresignV1(sr, r.creds(), r.now)
			} else {
				clientSTS = signer.SignV1(sr, r.creds(), r.now)
			}
		})

		srv := serverView(t, hreq)
		var date, signature string
		if r.presign {
			date, signature = srv.Query.Get(signer.QueryV1Expires), srv.Query.Get(signer.QueryV1Signature)
		} else {
			var ok bool
			_, signature, ok = signer.ParseV1Authorization(hreq.Header.Get("Authorization"))
			if !ok {
				t.Fatalf("server cannot parse Authorization %q", hreq.Header.Get("Authorization"))
			}
			date = hreq.Header.Get("Date")
		}
		sts := signer.V1StringToSign(srv, date)
		if sts != clientSTS {
			t.Errorf("string to sign:\nclient %q\nserver %q", clientSTS, sts)
		}
		if got := signer.V1Signature("sk", sts); got != signature {
			t.Errorf("server computes signature %s, client sent %s", got, signature)
		}

		// The SDK, told that every sub-resource present is one of the operation's.
		sctx := r.sdkContext(r.presign, true, r.now)
		if err := (&sdksigner.SignerV1{}).Sign(context.Background(), sctx); err != nil {
			t.Fatal(err)
		}
		if sctx.StringToSign != clientSTS {
			t.Errorf("string to sign:\n ours %q\n  sdk %q", clientSTS, sctx.StringToSign)
		}
		if r.presign {
			assertSameQuery(t, client.Query, sctx.Request.URL.RawQuery)
		} else if got, want := client.Header.Get("Authorization"), sctx.Request.Header.Get("Authorization"); got != want {
			t.Errorf("Authorization:\n ours %s\n  sdk %s", got, want)
		}
	})
}

// sdkContext is the SDK's signing context for the request. The V1 SDK signer gets the header values as
// HTTP sends them (see TestV1SignsContentTypeAsSent).
func (r fuzzRequest) sdkContext(query, v1 bool, t0 time.Time) *sdksigner.SigningContext {
	u := &url.URL{Scheme: "http", Host: "127.0.0.1:9000", Path: "/", RawQuery: sdkRawQuery(r.query)}
	h := r.header()
	if v1 {
		h = asSent(h)
	}
	var sub []string
	for _, p := range r.query {
		if signer.IsV1SubResource(p.k) {
			sub = append(sub, p.k)
		}
	}
	ctx := &sdksigner.SigningContext{
		Product:           new("oss"),
		Region:            new("cn-hangzhou"),
		Request:           &http.Request{Method: r.method, URL: u, Header: h},
		SubResource:       sub,
		AdditionalHeaders: r.additional(),
		Credentials:       &credentials.Credentials{AccessKeyID: "ak", AccessKeySecret: "sk", SecurityToken: r.token},
		AuthMethodQuery:   query,
		Time:              t0,
	}
	if r.bucket != "" {
		ctx.Bucket = new(r.bucket)
		if r.key != "" {
			ctx.Key = new(r.key)
		}
	}
	return ctx
}

// addFuzzSeeds seeds both signature fuzz targets with the official vectors' inputs and the shapes of
// the requests the client sends.
func addFuzzSeeds(f *testing.F) {
	v1 := mustHTTPTime(f, "Wed, 28 Dec 2022 10:27:41 GMT").Unix()
	q1 := mustHTTPTime(f, "Sun, 12 Nov 2023 16:43:40 GMT").Unix()
	q2 := mustHTTPTime(f, "Sun, 12 Nov 2023 16:56:44 GMT").Unix()
	// method, bucket, key, qk1, qv1, qk2, qv2, meta, metaValue, contentType, extra, extraValue, token, unix, presign
	f.Add(uint8(1), "examplebucket", "nelson", "acl", "", "", "", "author", "alice", "text/html", "", "", "", v1, false)
	f.Add(uint8(0), "examplebucket", "", "resourceGroup", "", "non-resousce", "null", "magic", "abracadabra", "", "", "", "", v1, false)
	f.Add(uint8(0), "bucket", "key", "versionId", "versionId", "", "", "m", "", "", "", "", "", q1, true)
	f.Add(uint8(0), "bucket", "key+123", "versionId", "versionId", "", "", "m", "", "", "", "", "token", q2, true)
	f.Add(uint8(1), "bucket", "1234+-/123/1.txt", "+param1", "value3", "|param1", "value4", "head1", "value", "text/plain", "", "", "", int64(1702743657), false)
	f.Add(uint8(1), "bucket", "1234+-/123/1.txt", "param1", "value1", "+param2", "", "head1", "value", "text/plain", "", "", "token", int64(1702784856), false)
	f.Add(uint8(1), "bucket", "1234+-/123/1.txt", "|param2", "", "param2", "", "head1", "value", "text/plain", "abc", "value", "", int64(1702747512), false)
	f.Add(uint8(1), "bucket", "1234+-/123/1.txt", "+param1", "value3", "param1", "value1", "head1", "value", "application/octet-stream", "", "", "", int64(1702781677), true)
	f.Add(uint8(1), "bucket", "1234+-/123/1.txt", "+param1", "value3", "param1", "value1", "head1", "value", "application/octet-stream", "zabc", "value", "token", int64(1702785388), true)
	f.Add(uint8(0), "", "", "prefix", "b", "max-keys", "10", "x", "y", "", "", "", "", int64(1795000000), false)
	f.Add(uint8(0), "bkt1", "", "versions", "", "prefix", "a b/~c+\u00fc", "x", "  spaced  ", "", "", "", "tok", int64(1795000000), false)
	f.Add(uint8(3), "bkt1", "", "tagging", "k1,k2", "encoding-type", "url", "Mixed-Case", "v", "", "", "", "", int64(1795000000), true)
	f.Add(uint8(2), "bkt1", "a b/c%2F\u6f22+~", "uploadId", "0004B989", "x-oss-process", "image/resize,w_100", "", "", "application/xml", "", "", "", int64(1795000000), false)
}

func mustHTTPTime(f *testing.F, s string) time.Time {
	tm, err := http.ParseTime(s)
	if err != nil {
		f.Fatal(err)
	}
	return tm
}
