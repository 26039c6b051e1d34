package ossapi

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"strings"
	"testing"
	"time"
)

func TestRetry(t *testing.T) {
	tests := []struct {
		name         string
		answers      []func(w http.ResponseWriter)
		wantAttempts int
		wantCode     string // "" = success
	}{
		{name: "503 throttling then success", wantAttempts: 2, answers: []func(http.ResponseWriter){
			func(w http.ResponseWriter) {
				ossError(w, 503, "TotalQpsLimitExceeded", "Please reduce your request rate.")
			},
		}},
		{name: "500, 502 then success", wantAttempts: 3, answers: []func(http.ResponseWriter){
			func(w http.ResponseWriter) { ossError(w, 500, "InternalError", "x") },
			func(w http.ResponseWriter) { w.WriteHeader(502) },
		}},
		{name: "429 then success", wantAttempts: 2, answers: []func(http.ResponseWriter){
			func(w http.ResponseWriter) { w.WriteHeader(429) },
		}},
		{name: "408 then success", wantAttempts: 2, answers: []func(http.ResponseWriter){
			func(w http.ResponseWriter) { w.WriteHeader(408) },
		}},
		{name: "503 every time gives up after MaxAttempts", wantAttempts: 3, wantCode: "ServiceUnavailable", answers: []func(http.ResponseWriter){
			func(w http.ResponseWriter) { w.WriteHeader(503) },
			func(w http.ResponseWriter) { w.WriteHeader(503) },
			func(w http.ResponseWriter) { w.WriteHeader(503) },
		}},
		{name: "403 AccessDenied is final", wantAttempts: 1, wantCode: "AccessDenied", answers: []func(http.ResponseWriter){
			func(w http.ResponseWriter) { ossError(w, 403, "AccessDenied", "no") },
		}},
		{name: "404 NoSuchBucket is final", wantAttempts: 1, wantCode: "NoSuchBucket", answers: []func(http.ResponseWriter){
			func(w http.ResponseWriter) { ossError(w, 404, "NoSuchBucket", "The specified bucket does not exist.") },
		}},
		{name: "409 BucketAlreadyExists is final", wantAttempts: 1, wantCode: "BucketAlreadyExists", answers: []func(http.ResponseWriter){
			func(w http.ResponseWriter) { ossError(w, 409, "BucketAlreadyExists", "taken") },
		}},
		{name: "400 InvalidArgument is final", wantAttempts: 1, wantCode: "InvalidArgument", answers: []func(http.ResponseWriter){
			func(w http.ResponseWriter) { ossError(w, 400, "InvalidArgument", "bad") },
		}},
		{name: "connection reset then success", wantAttempts: 2, answers: []func(http.ResponseWriter){
			func(w http.ResponseWriter) { resetConnection(w) },
		}},
		{name: "200 cut short by the connection then success", wantAttempts: 2, answers: []func(http.ResponseWriter){
			func(w http.ResponseWriter) {
				cutShort(w, `<LocationConstraint>oss-cn-hangzhou</LocationConstraint>`, 20)
			},
		}},
		{name: "200 with truncated XML then success", wantAttempts: 2, answers: []func(http.ResponseWriter){
			func(w http.ResponseWriter) { _, _ = w.Write([]byte(`<LocationConstraint>oss-cn-hang`)) },
		}},
		{name: "200 with another document then success", wantAttempts: 2, answers: []func(http.ResponseWriter){
			func(w http.ResponseWriter) {
				_, _ = w.Write([]byte(`<ListAllMyBucketsResult></ListAllMyBucketsResult>`))
			},
		}},
		{name: "200 with an empty location then success", wantAttempts: 2, answers: []func(http.ResponseWriter){
			func(w http.ResponseWriter) { _, _ = w.Write([]byte(`<LocationConstraint/>`)) },
		}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			rec, srv := newRecorder(t, func(n int, w http.ResponseWriter, r *http.Request) {
				if n < len(tc.answers) {
					tc.answers[n](w)
					return
				}
				w.Header().Set("Content-Type", "application/xml")
				_, _ = w.Write([]byte(`<LocationConstraint>oss-cn-hangzhou</LocationConstraint>`))
			})
			c, delays := testClient(t, srv, nil)
			loc, err := c.GetBucketLocation(context.Background(), "logs")
			if got := rec.count(); got != tc.wantAttempts {
				t.Errorf("attempts = %d, want %d", got, tc.wantAttempts)
			}
			if tc.wantCode == "" {
				if err != nil || loc != "oss-cn-hangzhou" {
					t.Fatalf("GetBucketLocation = %q, %v", loc, err)
				}
			} else if ErrorCode(err) != tc.wantCode {
				t.Fatalf("error = %v, want code %s", err, tc.wantCode)
			}
			if len(*delays) != tc.wantAttempts-1 {
				t.Errorf("backoff waits = %d, want %d", len(*delays), tc.wantAttempts-1)
			}
			for i, r := range rec.requests {
				if r.Header.Get("Authorization") == "" {
					t.Errorf("attempt %d is unsigned", i+1)
				}
			}
		})
	}
}

func resetConnection(w http.ResponseWriter) {
	hj, ok := w.(http.Hijacker)
	if !ok {
		panic("no hijacker")
	}
	conn, _, err := hj.Hijack()
	if err != nil {
		panic(err)
	}
	if tcp, ok := conn.(*net.TCPConn); ok {
		_ = tcp.SetLinger(0)
	}
	conn.Close()
}

// cutShort answers 200 with a Content-Length for all of body but sends only its first n bytes, then
// closes the connection, as a proxy that drops a connection mid-answer does.
func cutShort(w http.ResponseWriter, body string, n int) {
	hj, ok := w.(http.Hijacker)
	if !ok {
		panic("no hijacker")
	}
	conn, _, err := hj.Hijack()
	if err != nil {
		panic(err)
	}
	defer conn.Close()
	fmt.Fprintf(conn, "HTTP/1.1 200 OK\r\nContent-Type: application/xml\r\nContent-Length: %d\r\n\r\n%s", len(body), body[:n])
}

func TestEachAttemptIsSignedAnew(t *testing.T) {
	rec, srv := newRecorder(t, func(n int, w http.ResponseWriter, r *http.Request) {
		if n == 0 {
			w.WriteHeader(503)
			return
		}
		w.WriteHeader(200)
	})
	clock := time.Date(2026, 11, 25, 12, 0, 0, 0, time.UTC)
	c, _ := testClient(t, srv, func(cfg *Config) {
		cfg.Now = func() time.Time { clock = clock.Add(2 * time.Second); return clock }
	})
	if err := c.PutBucketAcl(context.Background(), "logs", ACLPrivate); err != nil {
		t.Fatal(err)
	}
	a, b := rec.requests[0], rec.requests[1]
	if a.Header.Get("x-oss-date") == b.Header.Get("x-oss-date") || a.Header.Get("Authorization") == b.Header.Get("Authorization") {
		t.Errorf("the retry reused the first attempt's signature: %s / %s", a.Header.Get("x-oss-date"), b.Header.Get("x-oss-date"))
	}
}

func TestBackoffIsExponentialWithFullJitter(t *testing.T) {
	p := RetryPolicy{MaxAttempts: 10, BaseDelay: 200 * time.Millisecond, MaxDelay: 20 * time.Second}
	max := func(n int64) int64 { return n - 1 } // the top of each jitter range
	zero := func(int64) int64 { return 0 }
	wantCeil := []time.Duration{400 * time.Millisecond, 800 * time.Millisecond, 1600 * time.Millisecond, 3200 * time.Millisecond,
		6400 * time.Millisecond, 12800 * time.Millisecond, 20 * time.Second, 20 * time.Second}
	for i, ceil := range wantCeil {
		n := i + 1
		if got := p.backoff(n, max); got != ceil-1 {
			t.Errorf("backoff(%d) upper bound = %v, want just under %v", n, got, ceil)
		}
		if got := p.backoff(n, zero); got != 0 {
			t.Errorf("backoff(%d) lower bound = %v, want 0 (full jitter)", n, got)
		}
	}
	if got := p.backoff(80, max); got != 20*time.Second-1 {
		t.Errorf("backoff(80) = %v, want capped at MaxDelay", got)
	}
}

func TestClockSkewIsCorrectedFromTheResponseDate(t *testing.T) {
	server := time.Date(2026, 11, 25, 12, 0, 0, 0, time.UTC)
	local := server.Add(-40 * time.Minute) // the local clock is 40 minutes slow
	rec, srv := newRecorder(t, func(n int, w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Date", server.Format(http.TimeFormat))
		d, err := time.Parse("20060102T150405Z", r.Header.Get("x-oss-date"))
		if err != nil || d.Sub(server).Abs() > 15*time.Minute {
			ossError(w, 403, CodeRequestTimeTooSkewed, "The difference between the request time and the current time is too large.")
			return
		}
		w.WriteHeader(200)
	})
	c, delays := testClient(t, srv, func(cfg *Config) { cfg.Now = func() time.Time { return local } })
	if err := c.PutBucketAcl(context.Background(), "logs", ACLPrivate); err != nil {
		t.Fatalf("PutBucketAcl after skew: %v", err)
	}
	if rec.count() != 2 {
		t.Errorf("attempts = %d, want 2 (skewed, then corrected)", rec.count())
	}
	if len(*delays) != 1 || (*delays)[0] != 0 {
		t.Errorf("waits = %v, want one immediate retry", *delays)
	}
	if off := c.ClockOffset(); off != 40*time.Minute {
		t.Errorf("ClockOffset = %v, want 40m", off)
	}
	// Later requests are signed with the corrected clock straight away.
	if err := c.PutBucketAcl(context.Background(), "logs", ACLPrivate); err != nil || rec.count() != 3 {
		t.Errorf("next request: err %v, attempts %d, want first-time success", err, rec.count())
	}
}

func TestCancellationStopsRetrying(t *testing.T) {
	rec, srv := newRecorder(t, func(n int, w http.ResponseWriter, r *http.Request) { w.WriteHeader(503) })
	ctx, cancel := context.WithCancel(context.Background())
	c, _ := testClient(t, srv, func(cfg *Config) {
		cfg.Retry = RetryPolicy{MaxAttempts: 10}
		cfg.Sleep = func(ctx context.Context, d time.Duration) error { cancel(); return ctx.Err() }
	})
	_, err := c.GetBucketInfo(ctx, "logs")
	if !errors.Is(err, context.Canceled) {
		t.Fatalf("error = %v, want context.Canceled", err)
	}
	if rec.count() != 1 {
		t.Errorf("attempts = %d, want 1", rec.count())
	}
}

func TestPerRequestTimeout(t *testing.T) {
	release := make(chan struct{})
	t.Cleanup(func() { close(release) })
	rec, srv := newRecorder(t, func(n int, w http.ResponseWriter, r *http.Request) {
		if n == 0 {
			select {
			case <-release:
			case <-r.Context().Done():
			}
			return
		}
		w.WriteHeader(200)
	})
	c, _ := testClient(t, srv, func(cfg *Config) { cfg.Timeout = 100 * time.Millisecond })
	if err := c.PutBucketAcl(context.Background(), "logs", ACLPrivate); err != nil {
		t.Fatalf("the attempt that timed out was not retried: %v", err)
	}
	if rec.count() != 2 {
		t.Errorf("attempts = %d, want 2", rec.count())
	}
}

func TestConnectionRefusedIsRetriedThenReported(t *testing.T) {
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	addr := l.Addr().String()
	l.Close()
	var waits int
	c, err := New(Config{Region: "cn-hangzhou", Endpoint: "http://" + addr, Credentials: testCreds,
		Sleep: func(ctx context.Context, d time.Duration) error { waits++; return nil }})
	if err != nil {
		t.Fatal(err)
	}
	_, err = c.GetBucketInfo(context.Background(), "logs")
	var te *TransportError
	if !errors.As(err, &te) {
		t.Fatalf("error = %T %v, want *TransportError", err, err)
	}
	if waits != 2 {
		t.Errorf("waits = %d, want 2 (3 attempts)", waits)
	}
	if strings.Contains(err.Error(), "test-secret-value") {
		t.Errorf("error leaks the secret: %v", err)
	}
}

func TestRetryable(t *testing.T) {
	ossErr := func(status int, code string) error {
		return &Error{Operation: OpGetBucketInfo, Bucket: "b", StatusCode: status, Code: code}
	}
	rpcErr := func(status int, code string) error {
		return &Error{Service: "RAM", Operation: "CreateUser", StatusCode: status, Code: code}
	}
	tests := []struct {
		name string
		err  error
		want bool
	}{
		{"nil", nil, false},
		{"503 throttling", ossErr(503, "TotalQpsLimitExceeded"), true},
		{"500", ossErr(500, CodeInternalError), true},
		{"502 from a proxy", ossErr(502, "HTTP502"), true},
		{"429", ossErr(429, "HTTP429"), true},
		{"408", ossErr(408, "HTTP408"), true},
		{"403 RequestTimeTooSkewed", ossErr(403, CodeRequestTimeTooSkewed), true},
		{"wrapped 503", fmt.Errorf("reading the bucket: %w", ossErr(503, CodeServiceUnavailable)), true},
		{"403 AccessDenied", ossErr(403, CodeAccessDenied), false},
		{"403 InvalidAccessKeyId", ossErr(403, CodeInvalidAccessKeyID), false},
		{"404 NoSuchBucket", ossErr(404, CodeNoSuchBucket), false},
		{"409 BucketAlreadyExists", ossErr(409, CodeBucketAlreadyExists), false},
		{"400 InvalidArgument", ossErr(400, CodeInvalidArgument), false},
		{"wrapped 404", errors.Join(errors.New("context"), ossErr(404, CodeNoSuchBucket)), false},
		{"200 that does not decode", &DecodeError{Op: OpGetBucketInfo, StatusCode: 200, Err: io.ErrUnexpectedEOF}, true},
		{"connection reset", &TransportError{Op: OpGetBucketInfo, Err: errors.New("read: connection reset by peer")}, true},
		{"body cut short", &TransportError{Op: OpGetBucketInfo, Err: io.ErrUnexpectedEOF}, true},
		{"attempt timed out", &TransportError{Op: OpGetBucketInfo, Err: context.DeadlineExceeded}, true},
		{"caller's deadline", fmt.Errorf("ossapi: GetBucketInfo: %w", context.DeadlineExceeded), true},
		{"caller cancelled", fmt.Errorf("ossapi: GetBucketInfo: %w", context.Canceled), false},
		{"caller cancelled during backoff after a 503", fmt.Errorf("ossapi: GetBucketInfo: %w (after 1 attempts; last: %v)",
			context.Canceled, ossErr(503, CodeServiceUnavailable)), false},
		{"invalid bucket name, never sent", fmt.Errorf("ossapi: GetBucketInfo: %w %q", ErrInvalidBucketName, "Upper"), false},
		{"not from OSS", errors.New("ossapi: GetBucketInfo: credentials have no access key ID or secret"), false},

		// The RPC APIs (RAM, STS) answer throttling and brief unavailability with codes, under a 4xx
		// as often as a 5xx: the code decides.
		{"RPC 400 Throttling", rpcErr(400, CodeThrottling), true},
		{"RPC 400 Throttling.User", rpcErr(400, CodeThrottlingUser), true},
		{"RPC 403 Throttling.Api", rpcErr(403, CodeThrottlingAPI), true},
		{"RPC 429 Throttling.User", rpcErr(429, CodeThrottlingUser), true},
		{"RPC 400 another Throttling.* code", rpcErr(400, "Throttling.Tenant"), true},
		{"RPC 400 ServiceUnavailable", rpcErr(400, CodeServiceUnavailable), true},
		{"RPC 503 ServiceUnavailable", rpcErr(503, CodeServiceUnavailable), true},
		{"RPC 400 InternalError", rpcErr(400, CodeInternalError), true},
		{"RPC 500 InternalError", rpcErr(500, CodeInternalError), true},
		{"RPC 400 InvalidTimeStamp.Expired (the clock is corrected)", rpcErr(400, CodeInvalidTimeStampExpired), true},
		{"RPC 400 SignatureNonceUsed (the next attempt has a new nonce)", rpcErr(400, CodeSignatureNonceUsed), true},
		{"wrapped RPC Throttling.User", fmt.Errorf("creating the user: %w", rpcErr(400, CodeThrottlingUser)), true},
		{"RPC 404 EntityNotExist.User", rpcErr(404, "EntityNotExist.User"), false},
		{"RPC 409 EntityAlreadyExists.User", rpcErr(409, "EntityAlreadyExists.User"), false},
		{"RPC 409 LimitExceeded.User.AccessKey", rpcErr(409, "LimitExceeded.User.AccessKey"), false},
		{"RPC 403 NoPermission", rpcErr(403, "NoPermission"), false},
		{"RPC 404 InvalidAccessKeyId.NotFound", rpcErr(404, CodeInvalidAccessKeyIDNotFound), false},
		{"RPC 400 SignatureDoesNotMatch", rpcErr(400, CodeSignatureDoesNotMatch), false},
		{"RPC 400 InvalidParameter", rpcErr(400, "InvalidParameter"), false},
		{"RPC 400 a code that only starts like Throttling", rpcErr(400, "ThrottlingPolicyInvalid"), false},
		{"RPC answer that does not decode", &DecodeError{Service: "RAM", Op: "CreateAccessKey", StatusCode: 200, Err: io.ErrUnexpectedEOF}, true},
		{"RPC answer too large", &ResponseTooLargeError{Service: "RAM", Op: "ListPoliciesForUser", StatusCode: 200, Limit: 1 << 20}, false},
	}
	c, err := New(Config{Region: "cn-hangzhou", Credentials: testCreds, Retry: RetryPolicy{MaxAttempts: 3}})
	if err != nil {
		t.Fatal(err)
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			if got := Retryable(tc.err); got != tc.want {
				t.Errorf("Retryable(%v) = %v, want %v", tc.err, got, tc.want)
			}
			// The client retries by the same predicate: there is no second list.
			if tc.err != nil {
				if retry, _ := c.shouldRetry(context.Background(), tc.err, 1); retry != tc.want {
					t.Errorf("the client would retry: %v, want %v", retry, tc.want)
				}
			}
		})
	}
}

func TestInvalidBucketNameIsNotRetryable(t *testing.T) {
	c, err := New(Config{Region: "cn-hangzhou", Credentials: testCreds})
	if err != nil {
		t.Fatal(err)
	}
	_, err = c.GetBucketInfo(context.Background(), "Not_A_Bucket")
	if !errors.Is(err, ErrInvalidBucketName) || Retryable(err) {
		t.Errorf("error = %v (retryable %v), want ErrInvalidBucketName, not retryable", err, Retryable(err))
	}
}
