package osstest_test

import (
	"bytes"
	"context"
	"crypto/md5"
	"encoding/base64"
	"encoding/xml"
	"io"
	"net/http"
	"net/url"
	"testing"
	"time"

	"github.com/ossoperator/oss-operator/ossapi"
	"github.com/ossoperator/oss-operator/ossapi/osstest"
	"github.com/ossoperator/oss-operator/ossapi/signer"
)

// The accounts every test server knows: alice with a long-term and an STS key, bob with a long-term key.
var (
	aliceKey = osstest.Key{AccessKeyID: "LTAIalice", AccessKeySecret: "alice-secret"}
	aliceSTS = osstest.Key{AccessKeyID: "STS.alice", AccessKeySecret: "alice-sts-secret", SecurityToken: "alice-token"}
	bobKey   = osstest.Key{AccessKeyID: "LTAIbob", AccessKeySecret: "bob-secret"}
	alice    = osstest.Account{ID: "1000000000000001", DisplayName: "alice", Keys: []osstest.Key{aliceKey, aliceSTS}}
	bob      = osstest.Account{ID: "1000000000000002", DisplayName: "bob", Keys: []osstest.Key{bobKey}}
)

const region = "cn-hangzhou"

func newServer(t *testing.T, opts ...osstest.Option) *osstest.Server {
	t.Helper()
	srv := osstest.NewServer(append([]osstest.Option{osstest.WithAccount(alice), osstest.WithAccount(bob)}, opts...)...)
	t.Cleanup(srv.Close)
	return srv
}

func creds(k osstest.Key) ossapi.StaticCredentials {
	return ossapi.StaticCredentials{AccessKeyID: k.AccessKeyID, AccessKeySecret: k.AccessKeySecret, SecurityToken: k.SecurityToken}
}

// newClient returns a client of the project for the key, with one attempt and no backoff sleeps unless
// the test configures them.
func newClient(t *testing.T, endpoint string, k osstest.Key, sv ossapi.SignatureVersion, mod ...func(*ossapi.Config)) *ossapi.Client {
	t.Helper()
	cfg := ossapi.Config{
		Region: region, Endpoint: endpoint, Credentials: creds(k), SignatureVersion: sv,
		Retry: ossapi.RetryPolicy{MaxAttempts: 1},
		Sleep: func(context.Context, time.Duration) error { return nil },
	}
	for _, m := range mod {
		m(&cfg)
	}
	c, err := ossapi.New(cfg)
	if err != nil {
		t.Fatalf("ossapi.New: %v", err)
	}
	return c
}

// wantCode fails unless err is an OSS error with the status and code.
func wantCode(t *testing.T, err error, status int, code string) *ossapi.Error {
	t.Helper()
	e, ok := ossapi.AsError(err)
	if !ok {
		t.Fatalf("got error %v, want %d %s", err, status, code)
	}
	if e.StatusCode != status || e.Code != code {
		t.Fatalf("got %d %s (%s), want %d %s", e.StatusCode, e.Code, e.Message, status, code)
	}
	if e.RequestID == "" {
		t.Errorf("error %s has no request ID", code)
	}
	return e
}

func must(t *testing.T, err error) {
	t.Helper()
	if err != nil {
		t.Fatal(err)
	}
}

func ptr[T any](v T) *T { return &v }

// rawRequest is a request built and signed by hand, to read what the client would not show.
type rawRequest struct {
	method, bucket, key string
	query               url.Values
	header              http.Header
	body                []byte
	host                string // virtual-hosted Host header; "" for path-style
}

// send signs req with V4 (or V1) at time now and sends it to the server.
func (r rawRequest) send(t *testing.T, srv *osstest.Server, k osstest.Key, v1 bool, now time.Time) (*http.Response, []byte) {
	t.Helper()
	if r.query == nil {
		r.query = url.Values{}
	}
	if r.header == nil {
		r.header = http.Header{}
	}
	if _, set := r.header["Content-Md5"]; len(r.body) > 0 && !set {
		sum := md5.Sum(r.body)
		r.header.Set("Content-MD5", base64.StdEncoding.EncodeToString(sum[:]))
	}
	sreq := &signer.Request{Method: r.method, Bucket: r.bucket, Key: r.key, Query: r.query, Header: r.header}
	c := signer.Credentials{AccessKeyID: k.AccessKeyID, AccessKeySecret: k.AccessKeySecret, SecurityToken: k.SecurityToken}
	if v1 {
		signer.SignV1(sreq, c, now)
	} else {
		signer.SignV4(sreq, c, signer.Scope{Region: region}, now, nil)
	}
	return r.do(t, srv)
}

// do sends the request as it is, signed or not.
func (r rawRequest) do(t *testing.T, srv *osstest.Server) (*http.Response, []byte) {
	t.Helper()
	u, err := url.Parse(srv.URL)
	must(t, err)
	path := "/"
	if r.host == "" && r.bucket != "" {
		path += r.bucket + "/" + r.key
	} else if r.host != "" {
		path += r.key
	}
	u.Path, u.RawPath, u.RawQuery = path, signer.Escape(path, true), signer.EncodeQuery(r.query)
	req, err := http.NewRequest(r.method, u.String(), bytes.NewReader(r.body))
	must(t, err)
	for k, vs := range r.header {
		req.Header[k] = vs
	}
	if r.host != "" {
		req.Host = r.host
	}
	resp, err := http.DefaultClient.Do(req)
	must(t, err)
	defer resp.Body.Close()
	body, err := io.ReadAll(resp.Body)
	must(t, err)
	return resp, body
}

// errorDoc is the emulator's error body with the fields tests look at.
type errorDoc struct {
	Code              string `xml:"Code"`
	Message           string `xml:"Message"`
	RequestID         string `xml:"RequestId"`
	HostID            string `xml:"HostId"`
	BucketName        string `xml:"BucketName"`
	StringToSign      string `xml:"StringToSign"`
	StringToSignBytes string `xml:"StringToSignBytes"`
	SignatureProvided string `xml:"SignatureProvided"`
	OSSAccessKeyID    string `xml:"OSSAccessKeyId"`
	EC                string `xml:"EC"`
}

func parseError(t *testing.T, body []byte) errorDoc {
	t.Helper()
	var d errorDoc
	if err := xml.Unmarshal(body, &d); err != nil {
		t.Fatalf("error body %q: %v", body, err)
	}
	return d
}
