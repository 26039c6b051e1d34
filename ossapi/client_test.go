package ossapi

import (
	"context"
	"fmt"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/ossoperator/oss-operator/ossapi/signer"
)

var testCreds = StaticCredentials{AccessKeyID: "LTAI-test-id", AccessKeySecret: "test-secret-value", SecurityToken: "test-sts-token"}

func TestAddressing(t *testing.T) {
	tests := []struct {
		name      string
		cfg       Config
		bucket    string
		key       string
		query     url.Values
		wantURL   string
		wantPath  bool
		wantError string
	}{
		{name: "virtual-hosted by default", cfg: Config{Region: "cn-hangzhou"}, bucket: "logs", key: "a/b c+d.txt",
			wantURL: "https://logs.oss-cn-hangzhou.aliyuncs.com/a/b%20c%2Bd.txt"},
		{name: "service request on the region endpoint", cfg: Config{Region: "cn-hangzhou"}, query: url.Values{"max-keys": {"10"}},
			wantURL: "https://oss-cn-hangzhou.aliyuncs.com/?max-keys=10"},
		{name: "bucket sub-resource", cfg: Config{Region: "eu-central-1"}, bucket: "logs", query: url.Values{"lifecycle": {""}},
			wantURL: "https://logs.oss-eu-central-1.aliyuncs.com/?lifecycle"},
		{name: "internal endpoint", cfg: Config{Region: "cn-beijing", Internal: true}, bucket: "logs",
			wantURL: "https://logs.oss-cn-beijing-internal.aliyuncs.com/"},
		{name: "custom aliyuncs endpoint stays virtual-hosted", cfg: Config{Region: "cn-hangzhou", Endpoint: "oss-cn-hangzhou.aliyuncs.com"}, bucket: "logs",
			wantURL: "https://logs.oss-cn-hangzhou.aliyuncs.com/"},
		{name: "emulator endpoint is path-style", cfg: Config{Region: "cn-hangzhou", Endpoint: "http://127.0.0.1:9000"}, bucket: "logs", key: "k",
			wantURL: "http://127.0.0.1:9000/logs/k", wantPath: true},
		{name: "path-style bucket without key keeps the trailing slash", cfg: Config{Region: "cn-hangzhou", Endpoint: "http://localhost:9000"}, bucket: "logs",
			wantURL: "http://localhost:9000/logs/", wantPath: true},
		{name: "region with oss- prefix is refused", cfg: Config{Region: "oss-cn-hangzhou"}, wantError: "without the oss- prefix"},
		{name: "endpoint with a path is refused", cfg: Config{Region: "cn-hangzhou", Endpoint: "http://127.0.0.1:9000/x"}, wantError: "Config.Endpoint"},
		{name: "endpoint with another scheme is refused", cfg: Config{Region: "cn-hangzhou", Endpoint: "ftp://127.0.0.1"}, wantError: "Config.Endpoint"},
		{name: "no region", cfg: Config{}, wantError: "Region is required"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			tc.cfg.Credentials = testCreds
			c, err := New(tc.cfg)
			if tc.wantError != "" {
				if err == nil || !strings.Contains(err.Error(), tc.wantError) {
					t.Fatalf("New() error = %v, want one containing %q", err, tc.wantError)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if got := c.URL(tc.bucket, tc.key, tc.query).String(); got != tc.wantURL {
				t.Errorf("URL = %s, want %s", got, tc.wantURL)
			}
			if c.PathStyle() != tc.wantPath {
				t.Errorf("PathStyle = %v, want %v", c.PathStyle(), tc.wantPath)
			}
		})
	}
}

func TestVirtualHostedRefusesInvalidBucketNames(t *testing.T) {
	c, err := New(Config{Region: "cn-hangzhou", Credentials: testCreds})
	if err != nil {
		t.Fatal(err)
	}
	for _, name := range []string{"Upper", "ab", "-start", "end-", "a_b", strings.Repeat("a", 64), "evil.com/x"} {
		if _, err := c.GetBucketInfo(context.Background(), name); err == nil || !strings.Contains(err.Error(), "invalid bucket name") {
			t.Errorf("GetBucketInfo(%q) error = %v, want invalid bucket name", name, err)
		}
	}
}

// recorder is a test server that answers from a script and records what it received.
type recorder struct {
	mu       sync.Mutex
	requests []*http.Request
	bodies   []string
	answer   func(n int, w http.ResponseWriter, r *http.Request)
}

func newRecorder(t *testing.T, answer func(n int, w http.ResponseWriter, r *http.Request)) (*recorder, *httptest.Server) {
	rec := &recorder{answer: answer}
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		rec.mu.Lock()
		n := len(rec.requests)
		rec.requests = append(rec.requests, r.Clone(context.Background()))
		buf := new(strings.Builder)
		if r.Body != nil {
			_, _ = fmt.Fprint(buf, readAll(r))
		}
		rec.bodies = append(rec.bodies, buf.String())
		rec.mu.Unlock()
		rec.answer(n, w, r)
	}))
	t.Cleanup(srv.Close)
	return rec, srv
}

func readAll(r *http.Request) string {
	b := new(strings.Builder)
	buf := make([]byte, 4096)
	for {
		n, err := r.Body.Read(buf)
		b.Write(buf[:n])
		if err != nil {
			return b.String()
		}
	}
}

func (r *recorder) count() int {
	r.mu.Lock()
	defer r.mu.Unlock()
	return len(r.requests)
}

func ossError(w http.ResponseWriter, status int, code, msg string) {
	w.Header().Set("Content-Type", "application/xml")
	w.Header().Set(HeaderRequestID, "REQ123")
	w.Header().Set(HeaderEC, "0000-00000000")
	w.WriteHeader(status)
	fmt.Fprintf(w, `<?xml version="1.0" encoding="UTF-8"?><Error><Code>%s</Code><Message>%s</Message><RequestId>REQ123</RequestId><HostId>h</HostId><EC>0015-00000101</EC></Error>`, code, msg)
}

// testClient is a client against srv with recorded, instant backoff.
func testClient(t *testing.T, srv *httptest.Server, mutate func(*Config)) (*Client, *[]time.Duration) {
	t.Helper()
	var mu sync.Mutex
	delays := &[]time.Duration{}
	cfg := Config{
		Region: "cn-hangzhou", Endpoint: srv.URL, Credentials: testCreds,
		Sleep: func(ctx context.Context, d time.Duration) error {
			mu.Lock()
			*delays = append(*delays, d)
			mu.Unlock()
			return ctx.Err()
		},
	}
	if mutate != nil {
		mutate(&cfg)
	}
	c, err := New(cfg)
	if err != nil {
		t.Fatal(err)
	}
	return c, delays
}

func TestRequestsAreSignedAndShaped(t *testing.T) {
	for _, version := range []SignatureVersion{SignatureV4, SignatureV1} {
		t.Run(string(version), func(t *testing.T) {
			rec, srv := newRecorder(t, func(n int, w http.ResponseWriter, r *http.Request) { w.WriteHeader(200) })
			c, _ := testClient(t, srv, func(cfg *Config) { cfg.SignatureVersion = version })
			err := c.PutBucketLifecycle(context.Background(), "logs", &LifecycleConfiguration{Rules: []LifecycleRule{{ID: "r1", Prefix: "tmp/", Status: "Enabled", Expiration: &LifecycleExpiration{Days: ptr(7)}}}})
			if err != nil {
				t.Fatal(err)
			}
			r := rec.requests[0]
			if r.Method != http.MethodPut || r.URL.Path != "/logs/" || r.URL.RawQuery != "lifecycle" {
				t.Errorf("request = %s %s?%s, want PUT /logs/?lifecycle", r.Method, r.URL.Path, r.URL.RawQuery)
			}
			if r.Header.Get("Content-MD5") == "" || r.Header.Get("Content-Type") != "application/xml" {
				t.Errorf("Content-MD5 %q, Content-Type %q", r.Header.Get("Content-MD5"), r.Header.Get("Content-Type"))
			}
			if r.Header.Get("x-oss-security-token") != "test-sts-token" {
				t.Errorf("STS token header missing")
			}
			want := "<LifecycleConfiguration><Rule><ID>r1</ID><Prefix>tmp/</Prefix><Status>Enabled</Status><Expiration><Days>7</Days></Expiration></Rule></LifecycleConfiguration>"
			if rec.bodies[0] != want {
				t.Errorf("body:\n got %s\nwant %s", rec.bodies[0], want)
			}
			// The server side recomputes the signature from what it received.
			sreq := &signer.Request{Method: r.Method, Bucket: "logs", Query: r.URL.Query(), Header: r.Header.Clone()}
			auth := r.Header.Get("Authorization")
			creds := Credentials(testCreds)
			if version == SignatureV1 {
				if r.Header.Get("x-oss-date") != "" {
					t.Errorf("V1 request carries x-oss-date")
				}
				_, sig, ok := signer.ParseV1Authorization(auth)
				if !ok || sig != signer.V1Signature(creds.AccessKeySecret, signer.V1StringToSign(sreq, r.Header.Get("Date"))) {
					t.Errorf("V1 signature does not verify: %s", auth)
				}
				return
			}
			a, err := signer.ParseV4Authorization(auth)
			if err != nil {
				t.Fatal(err)
			}
			if a.Scope.Region != "cn-hangzhou" || a.AccessKeyID != "LTAI-test-id" {
				t.Errorf("credential scope = %+v", a)
			}
			sts := signer.V4StringToSign(r.Header.Get("x-oss-date"), a.ScopeString(), signer.V4CanonicalRequest(sreq, signer.V4AdditionalHeaders(sreq.Header, a.AdditionalHeaders)))
			if want := signer.V4Signature(signer.V4SigningKey(creds.AccessKeySecret, a.Date, a.Scope), sts); a.Signature != want {
				t.Errorf("V4 signature does not verify")
			}
		})
	}
}

func ptr[T any](v T) *T { return &v }

func TestWebsiteBodyOmitsEmptyRoutingRules(t *testing.T) {
	rec, srv := newRecorder(t, func(n int, w http.ResponseWriter, r *http.Request) { w.WriteHeader(200) })
	c, _ := testClient(t, srv, nil)
	if err := c.PutBucketWebsite(context.Background(), "site", &WebsiteConfiguration{IndexDocument: &IndexDocument{Suffix: "index.html"}}); err != nil {
		t.Fatal(err)
	}
	want := "<WebsiteConfiguration><IndexDocument><Suffix>index.html</Suffix></IndexDocument></WebsiteConfiguration>"
	if rec.bodies[0] != want {
		t.Errorf("body = %s\nwant %s", rec.bodies[0], want)
	}
}
