package osstest_test

import (
	"bytes"
	"fmt"
	"net/http"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/ossoperator/oss-operator/ossapi"
	"github.com/ossoperator/oss-operator/ossapi/osstest"
)

// Multipart and copy rules the official SDK cannot break on purpose (it sorts the part list, always
// signs Content-MD5, writes x-oss-copy-source itself), checked with hand-built requests.

// PutObject stores the standard headers and x-oss-meta-* with the object; GetObject and HeadObject
// answer them, with the Content-MD5 of the data.
func TestObjectMetadata(t *testing.T) {
	t.Parallel()
	srv := newServer(t)
	c := newClient(t, srv.URL, aliceKey, ossapi.SignatureV4)
	must(t, c.PutBucket(ctx, &ossapi.PutBucketRequest{Bucket: "meta"}))
	header := http.Header{"Content-Type": {"text/x-meta"}, "Cache-Control": {"no-cache"}, "Content-Language": {"de"},
		"X-Oss-Meta-Author": {"alice"}, "X-Oss-Unrelated": {"dropped"}}
	resp, body := rawRequest{method: http.MethodPut, bucket: "meta", key: "doc", body: []byte("hello"), header: header}.
		send(t, srv, aliceKey, false, time.Now())
	if resp.StatusCode != http.StatusOK {
		t.Fatalf("PutObject: %d %s", resp.StatusCode, body)
	}
	for _, method := range []string{http.MethodHead, http.MethodGet} {
		resp, _ = rawRequest{method: method, bucket: "meta", key: "doc"}.send(t, srv, aliceKey, false, time.Now())
		h := resp.Header
		if h.Get("Content-Type") != "text/x-meta" || h.Get("Cache-Control") != "no-cache" || h.Get("Content-Language") != "de" ||
			h.Get("X-Oss-Meta-Author") != "alice" || h.Get("X-Oss-Unrelated") != "" || h.Get("Content-Md5") != "XUFAKrxLKna5cZ2REBfFkg==" ||
			h.Get("X-Oss-Object-Type") != "Normal" {
			t.Errorf("%s: %v", method, h)
		}
	}
}

func completeBody(parts ...string) []byte {
	var b strings.Builder
	b.WriteString("<CompleteMultipartUpload>")
	for i := 0; i+1 < len(parts); i += 2 {
		fmt.Fprintf(&b, "<Part><PartNumber>%s</PartNumber><ETag>%s</ETag></Part>", parts[i], parts[i+1])
	}
	b.WriteString("</CompleteMultipartUpload>")
	return []byte(b.String())
}

// maxCompleteBody lists 10000 parts with quoted ETags, the quotes escaped as encoding/xml (and so the
// SDK) writes them.
func maxCompleteBody() []byte {
	var parts []string
	for n := 1; n <= 10000; n++ {
		parts = append(parts, fmt.Sprint(n), fmt.Sprintf("&#34;%032X&#34;", n))
	}
	return completeBody(parts...)
}

func TestMultipartSemantics(t *testing.T) {
	t.Parallel()
	srv := newServer(t)
	c := newClient(t, srv.URL, aliceKey, ossapi.SignatureV4)
	must(t, c.PutBucket(ctx, &ossapi.PutBucketRequest{Bucket: "parts"}))
	send := func(r rawRequest) (*http.Response, []byte) {
		t.Helper()
		r.bucket = "parts"
		return r.send(t, srv, aliceKey, false, time.Now())
	}
	init, err := c.InitiateMultipartUpload(ctx, "parts", "big")
	must(t, err)
	id := init.UploadID
	uploadPart := func(n string, data []byte) string {
		t.Helper()
		resp, body := send(rawRequest{method: http.MethodPut, key: "big", query: url.Values{"uploadId": {id}, "partNumber": {n}}, body: data})
		if resp.StatusCode != http.StatusOK {
			t.Fatalf("UploadPart %s: %d %s", n, resp.StatusCode, body)
		}
		return resp.Header.Get("ETag")
	}
	e1 := uploadPart("1", bytes.Repeat([]byte("a"), 100<<10))
	e2 := uploadPart("2", bytes.Repeat([]byte("b"), 100<<10-1))
	e3 := uploadPart("3", []byte("c"))
	e5 := uploadPart("5", []byte("unlisted"))

	if b, _ := srv.Bucket("parts"); len(b.MultipartUploads) != 1 || b.MultipartUploads[0].Parts != 4 ||
		b.MultipartUploads[0].Size != 200<<10+8 {
		t.Fatalf("snapshot of the upload: %+v", b.MultipartUploads)
	}
	stat, err := c.GetBucketStat(ctx, "parts")
	must(t, err)
	if stat.MultipartUploadCount != 1 || stat.MultipartPartCount != 4 {
		t.Errorf("stat %+v", stat)
	}

	complete := url.Values{"uploadId": {id}}
	cases := []struct {
		name   string
		req    rawRequest
		status int
		code   string
	}{
		{"UploadPart without partNumber", rawRequest{method: http.MethodPut, key: "big", query: url.Values{"uploadId": {id}}, body: []byte("x")},
			http.StatusBadRequest, ossapi.CodeInvalidArgument},
		{"UploadPart number 0", rawRequest{method: http.MethodPut, key: "big", query: url.Values{"uploadId": {id}, "partNumber": {"0"}}, body: []byte("x")},
			http.StatusBadRequest, ossapi.CodeInvalidArgument},
		{"UploadPartCopy is not emulated", rawRequest{method: http.MethodPut, key: "big", query: url.Values{"uploadId": {id}, "partNumber": {"1"}},
			header: http.Header{"X-Oss-Copy-Source": {"/parts/big"}}}, http.StatusMethodNotAllowed, ossapi.CodeMethodNotAllowed},
		{"parts out of order", rawRequest{method: http.MethodPost, key: "big", query: complete, body: completeBody("2", e2, "1", e1)},
			http.StatusBadRequest, "InvalidPartOrder"},
		{"a part listed twice", rawRequest{method: http.MethodPost, key: "big", query: complete, body: completeBody("1", e1, "1", e1)},
			http.StatusBadRequest, "InvalidPartOrder"},
		{"part number out of range", rawRequest{method: http.MethodPost, key: "big", query: complete, body: completeBody("10001", e1)},
			http.StatusBadRequest, "InvalidPart"},
		{"wrong ETag", rawRequest{method: http.MethodPost, key: "big", query: complete, body: completeBody("1", e2)},
			http.StatusBadRequest, "InvalidPart"},
		{"a part under 100 KB before the last", rawRequest{method: http.MethodPost, key: "big", query: complete,
			body: completeBody("1", e1, "2", e2, "3", e3)}, http.StatusBadRequest, "EntityTooSmall"},
		{"10000 parts, as the SDK writes them, are read", rawRequest{method: http.MethodPost, key: "big", query: complete,
			body: maxCompleteBody()}, http.StatusBadRequest, "InvalidPart"},
		{"no part", rawRequest{method: http.MethodPost, key: "big", query: complete, body: completeBody()},
			http.StatusBadRequest, ossapi.CodeMalformedXML},
		{"x-oss-complete-all with a body", rawRequest{method: http.MethodPost, key: "big", query: complete, body: completeBody("1", e1),
			header: http.Header{"X-Oss-Complete-All": {"yes"}}}, http.StatusBadRequest, ossapi.CodeInvalidArgument},
		{"ListParts with max-parts 0", rawRequest{method: http.MethodGet, key: "big", query: url.Values{"uploadId": {id}, "max-parts": {"0"}}},
			http.StatusBadRequest, ossapi.CodeInvalidArgument},
		{"ListParts of another key", rawRequest{method: http.MethodGet, key: "other", query: url.Values{"uploadId": {id}}},
			http.StatusNotFound, ossapi.CodeNoSuchUpload},
		{"HEAD with an upload ID", rawRequest{method: http.MethodHead, key: "big", query: url.Values{"uploadId": {id}}},
			http.StatusMethodNotAllowed, ""},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			resp, body := send(tc.req)
			code := ""
			if len(body) > 0 {
				code = parseError(t, body).Code
			}
			if resp.StatusCode != tc.status || code != tc.code {
				t.Fatalf("got %d %s, want %d %s: %s", resp.StatusCode, code, tc.status, tc.code, body)
			}
		})
	}
	if e5 == "" {
		t.Fatal("no ETag for part 5")
	}

	// The ETags as listed, in quotes or not; part 3 is the last and may be small; part 5, not listed, is
	// dropped with the upload.
	resp, body := send(rawRequest{method: http.MethodPost, key: "big", query: complete,
		body: completeBody("1", e1, "3", strings.Trim(e3, `"`))})
	if resp.StatusCode != http.StatusOK || !strings.Contains(string(body), "<CompleteMultipartUploadResult>") ||
		resp.Header.Get("x-oss-version-id") != "" || resp.Header.Get("x-oss-hash-crc64ecma") == "" {
		t.Fatalf("CompleteMultipartUpload: %d %v %s", resp.StatusCode, resp.Header, body)
	}
	b, _ := srv.Bucket("parts")
	if len(b.MultipartUploads) != 0 || len(b.Objects) != 1 || b.Objects[0].Size != 100<<10+1 || b.Objects[0].Type != "Multipart" ||
		!strings.HasSuffix(b.Objects[0].ETag, `-2"`) {
		t.Fatalf("after completion: %+v", b)
	}
	resp, body = send(rawRequest{method: http.MethodGet, key: "big"})
	if want := append(bytes.Repeat([]byte("a"), 100<<10), 'c'); resp.StatusCode != http.StatusOK || !bytes.Equal(body, want) ||
		resp.Header.Get("x-oss-object-type") != "Multipart" {
		t.Fatalf("GetObject: %d, %d bytes", resp.StatusCode, len(body))
	}
	// The bucket is empty once the object is gone: the unlisted part went with the upload.
	_, err = c.DeleteObject(ctx, "parts", "big", "")
	must(t, err)
	must(t, c.DeleteBucket(ctx, "parts"))
}

// x-oss-forbid-overwrite refuses to replace an object in an unversioned bucket only: in a versioned one
// nothing is lost, and OSS ignores the header.
func TestForbidOverwrite(t *testing.T) {
	t.Parallel()
	srv := newServer(t)
	c := newClient(t, srv.URL, aliceKey, ossapi.SignatureV4)
	for _, name := range []string{"plain", "versioned"} {
		must(t, c.PutBucket(ctx, &ossapi.PutBucketRequest{Bucket: name}))
		_, err := c.PutObject(ctx, &ossapi.PutObjectRequest{Bucket: name, Key: "k", Body: []byte("old")})
		must(t, err)
	}
	must(t, c.PutBucketVersioning(ctx, "versioned", &ossapi.VersioningConfiguration{Status: ossapi.VersioningEnabled}))
	forbid := func() http.Header { return http.Header{"X-Oss-Forbid-Overwrite": {"true"}} }
	for _, tc := range []struct {
		bucket string
		status int
	}{{"plain", http.StatusConflict}, {"versioned", http.StatusOK}} {
		resp, body := rawRequest{method: http.MethodPut, bucket: tc.bucket, key: "k", body: []byte("put"), header: forbid()}.
			send(t, srv, aliceKey, false, time.Now())
		if resp.StatusCode != tc.status {
			t.Errorf("%s: PutObject: %d %s", tc.bucket, resp.StatusCode, body)
		}
		init, err := c.InitiateMultipartUpload(ctx, tc.bucket, "k")
		must(t, err)
		resp, body = rawRequest{method: http.MethodPut, bucket: tc.bucket, key: "k", query: url.Values{"uploadId": {init.UploadID}, "partNumber": {"1"}},
			body: []byte("new")}.send(t, srv, aliceKey, false, time.Now())
		if resp.StatusCode != http.StatusOK {
			t.Fatalf("UploadPart: %d %s", resp.StatusCode, body)
		}
		resp, body = rawRequest{method: http.MethodPost, bucket: tc.bucket, key: "k", query: url.Values{"uploadId": {init.UploadID}},
			body: completeBody("1", resp.Header.Get("ETag")), header: forbid()}.send(t, srv, aliceKey, false, time.Now())
		if resp.StatusCode != tc.status {
			t.Errorf("%s: CompleteMultipartUpload: %d %s", tc.bucket, resp.StatusCode, body)
		}
	}
}

func TestCopyObjectSemantics(t *testing.T) {
	t.Parallel()
	srv := newServer(t)
	c := newClient(t, srv.URL, aliceKey, ossapi.SignatureV4)
	must(t, c.PutBucket(ctx, &ossapi.PutBucketRequest{Bucket: "copies"}))
	_, err := c.PutObject(ctx, &ossapi.PutObjectRequest{Bucket: "copies", Key: "a b/\u00fc+?.txt", Body: []byte("data")})
	must(t, err)
	if err := srv.CreateBucket(alice.ID, "copies-beijing", "cn-beijing"); err != nil {
		t.Fatal(err)
	}
	if err := srv.CreateBucket(bob.ID, "copies-bob", ""); err != nil {
		t.Fatal(err)
	}
	copyFrom := func(source string, header http.Header) (*http.Response, []byte) {
		t.Helper()
		if header == nil {
			header = http.Header{}
		}
		header.Set("X-Oss-Copy-Source", source)
		return rawRequest{method: http.MethodPut, bucket: "copies", key: "dest", header: header}.send(t, srv, aliceKey, false, time.Now())
	}
	resp, body := copyFrom("/copies/"+url.PathEscape("a b/\u00fc+?.txt"), nil)
	if resp.StatusCode != http.StatusOK || !strings.Contains(string(body), "<CopyObjectResult>") ||
		resp.Header.Get("ETag") != `"8D777F385D3DFEC8815D20F7496026DC"` {
		t.Fatalf("CopyObject: %d %v %s", resp.StatusCode, resp.Header, body)
	}
	if n := srv.Succeeded(osstest.OpCopyObject); n != 1 || srv.Calls(ossapi.OpPutObject) != 1 {
		t.Errorf("CopyObject counted %d, PutObject %d", n, srv.Calls(ossapi.OpPutObject))
	}
	cases := []struct {
		name, source string
		header       http.Header
		status       int
		code         string
	}{
		{"no key", "/copies/", nil, http.StatusBadRequest, ossapi.CodeInvalidArgument},
		{"no bucket", "//k", nil, http.StatusBadRequest, ossapi.CodeInvalidArgument},
		{"bad escape", "/copies/%zz", nil, http.StatusBadRequest, ossapi.CodeInvalidArgument},
		{"other parameter", "/copies/dest?acl", nil, http.StatusBadRequest, ossapi.CodeInvalidArgument},
		{"another account's bucket", "/copies-bob/k", nil, http.StatusForbidden, ossapi.CodeAccessDenied},
		{"another region", "/copies-beijing/k", nil, http.StatusBadRequest, ossapi.CodeInvalidArgument},
		{"missing version", "/copies/dest?versionId=CAEQARiBgID00000000000000000042", nil, http.StatusNotFound, "NoSuchVersion"},
		{"unknown storage class", "/copies/dest", http.Header{"X-Oss-Storage-Class": {"Hot"}}, http.StatusBadRequest, ossapi.CodeInvalidArgument},
		{"public ACL while Block Public Access is on", "/copies/dest", http.Header{"X-Oss-Object-Acl": {"public-read"}},
			http.StatusForbidden, ossapi.CodeAccessDenied},
		{"forbidden overwrite", "/copies/" + url.PathEscape("a b/\u00fc+?.txt"), http.Header{"X-Oss-Forbid-Overwrite": {"true"}},
			http.StatusConflict, "FileAlreadyExists"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			resp, body := copyFrom(tc.source, tc.header)
			if d := parseError(t, body); resp.StatusCode != tc.status || d.Code != tc.code {
				t.Fatalf("got %d %s (%s), want %d %s", resp.StatusCode, d.Code, d.Message, tc.status, tc.code)
			}
		})
	}
	// A self-copy with x-oss-forbid-overwrite is a metadata change, not an overwrite.
	resp, body = copyFrom("/copies/dest", http.Header{"X-Oss-Forbid-Overwrite": {"true"}, "X-Oss-Meta-K": {"v"}})
	if resp.StatusCode != http.StatusOK {
		t.Fatalf("self-copy: %d %s", resp.StatusCode, body)
	}
	resp, _ = rawRequest{method: http.MethodHead, bucket: "copies", key: "dest"}.send(t, srv, aliceKey, false, time.Now())
	if resp.Header.Get("X-Oss-Meta-K") != "v" {
		t.Errorf("HeadObject after a self-copy: %v", resp.Header)
	}
}
