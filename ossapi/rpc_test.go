package ossapi

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/testutil"

	"github.com/ossoperator/oss-operator/ossapi/signer"
)

// The RPC client is tested here for what it adds to the executor: the form-encoded, signed POST, JSON
// answers and errors. Package ram tests each RAM action on it.

var testRPCActions = map[string]int64{
	"CreateUser":         16 << 10,
	"DeleteUser":         4 << 10,
	"AssumeRoleWithOIDC": 16 << 10,
}

// rpcRecorder is a test server that answers from a script and records the form of each request.
type rpcRecorder struct {
	mu       sync.Mutex
	requests []*http.Request
	forms    []url.Values
}

func (r *rpcRecorder) count() int {
	r.mu.Lock()
	defer r.mu.Unlock()
	return len(r.forms)
}

func newRPCRecorder(t *testing.T, answer func(n int, w http.ResponseWriter, form url.Values)) (*rpcRecorder, *httptest.Server) {
	rec := &rpcRecorder{}
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if err := r.ParseForm(); err != nil {
			t.Errorf("the request does not parse as a form: %v", err)
		}
		rec.mu.Lock()
		n := len(rec.forms)
		rec.requests = append(rec.requests, r.Clone(context.Background()))
		rec.forms = append(rec.forms, r.PostForm)
		rec.mu.Unlock()
		answer(n, w, r.PostForm)
	}))
	t.Cleanup(srv.Close)
	return rec, srv
}

func testRPCClient(t *testing.T, srv *httptest.Server, mutate func(*RPCConfig)) (*RPCClient, *[]time.Duration) {
	t.Helper()
	var mu sync.Mutex
	delays := &[]time.Duration{}
	cfg := RPCConfig{
		Service: "RAM", Endpoint: srv.URL, Version: "2015-05-01", Actions: testRPCActions,
		Codes: []string{"EntityNotExist.User"}, Credentials: testCreds,
		RPCTransport: RPCTransport{Sleep: func(ctx context.Context, d time.Duration) error {
			mu.Lock()
			*delays = append(*delays, d)
			mu.Unlock()
			return ctx.Err()
		}},
	}
	if mutate != nil {
		mutate(&cfg)
	}
	c, err := NewRPCClient(cfg)
	if err != nil {
		t.Fatal(err)
	}
	return c, delays
}

func rpcErrorAnswer(w http.ResponseWriter, status int, code, msg string) {
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(status)
	fmt.Fprintf(w, `{"RequestId":"7463B73D-35CC-4D19-A010-6B8D65D242EF","HostId":"ram.aliyuncs.com","Code":%q,"Message":%q}`, code, msg)
}

// rpcUser is a result type as package ram writes them.
type rpcUser struct {
	User *struct {
		UserName string `json:"UserName"`
	} `json:"User"`
}

func (u *rpcUser) CheckAnswer(req RPCRequest) error {
	if u.User == nil || u.User.UserName != req.Params.Get("UserName") {
		return errors.New("not the user asked about")
	}
	return nil
}

const goodUser = `{"RequestId":"04F0F334-1335-436C-A1D7-6C044FE73368","User":{"UserId":"1227489245380721","UserName":"alice","CreateDate":"2015-01-23T12:33:18Z"}}`

func createUser(c *RPCClient, ctx context.Context) (*rpcUser, error) {
	var out rpcUser
	err := c.Call(ctx, RPCRequest{Action: "CreateUser", Params: url.Values{"UserName": {"alice"}}}, &out)
	return &out, err
}

func TestRPCRequestIsASignedFormPost(t *testing.T) {
	now := time.Date(2026, 11, 30, 8, 0, 0, 0, time.UTC)
	rec, srv := newRPCRecorder(t, func(n int, w http.ResponseWriter, form url.Values) {
		if n == 0 {
			rpcErrorAnswer(w, 503, CodeServiceUnavailable, "try again")
			return
		}
		_, _ = w.Write([]byte(goodUser))
	})
	c, _ := testRPCClient(t, srv, func(cfg *RPCConfig) { cfg.Now = func() time.Time { return now } })
	if out, err := createUser(c, ctx()); err != nil || out.User.UserName != "alice" {
		t.Fatalf("Call = %+v, %v", out, err)
	}
	if rec.count() != 2 {
		t.Fatalf("attempts = %d, want 2", rec.count())
	}
	creds := Credentials(testCreds)
	for i, r := range rec.requests {
		form := rec.forms[i]
		if r.Method != http.MethodPost || r.URL.Path != "/" || r.URL.RawQuery != "" {
			t.Errorf("attempt %d: %s %s?%s, want POST / with no query", i+1, r.Method, r.URL.Path, r.URL.RawQuery)
		}
		if ct := r.Header.Get("Content-Type"); ct != "application/x-www-form-urlencoded" {
			t.Errorf("attempt %d: Content-Type %q", i+1, ct)
		}
		want := map[string]string{
			"Action": "CreateUser", "Version": "2015-05-01", "Format": "JSON", "UserName": "alice",
			"AccessKeyId": creds.AccessKeyID, "SecurityToken": creds.SecurityToken,
			"SignatureMethod": "HMAC-SHA1", "SignatureVersion": "1.0", "Timestamp": "2026-11-30T08:00:00Z",
		}
		for k, v := range want {
			if got := form.Get(k); got != v {
				t.Errorf("attempt %d: %s = %q, want %q", i+1, k, got, v)
			}
		}
		// The server side recomputes the signature from what it received.
		if sig := signer.RPCSignature(creds.AccessKeySecret, signer.RPCStringToSign(r.Method, form)); form.Get("Signature") != sig {
			t.Errorf("attempt %d: the signature does not verify", i+1)
		}
	}
	if a, b := rec.forms[0].Get("SignatureNonce"), rec.forms[1].Get("SignatureNonce"); a == "" || a == b {
		t.Errorf("nonces %q and %q: want a new one per attempt", a, b)
	}
}

// An unsigned call (STS AssumeRoleWithOIDC) needs no credentials and carries no signature.
func TestRPCUnsignedCall(t *testing.T) {
	rec, srv := newRPCRecorder(t, func(n int, w http.ResponseWriter, form url.Values) {
		_, _ = w.Write([]byte(`{"RequestId":"R1"}`))
	})
	c, _ := testRPCClient(t, srv, func(cfg *RPCConfig) { cfg.Credentials = nil })
	req := RPCRequest{Action: "AssumeRoleWithOIDC", Params: url.Values{"OIDCToken": {"jwt"}}, Unsigned: true}
	if err := c.Call(ctx(), req, nil); err != nil {
		t.Fatal(err)
	}
	form := rec.forms[0]
	for _, p := range []string{"AccessKeyId", "Signature", "SignatureMethod", "SignatureVersion", "SignatureNonce", "SecurityToken"} {
		if form.Has(p) {
			t.Errorf("the unsigned request carries %s", p)
		}
	}
	if form.Get("Timestamp") == "" || form.Get("OIDCToken") != "jwt" || form.Get("Action") != "AssumeRoleWithOIDC" {
		t.Errorf("form = %v", form)
	}
	// A signed call without credentials is refused before anything is sent.
	if err := c.Call(ctx(), RPCRequest{Action: "DeleteUser", Params: url.Values{"UserName": {"a"}}}, nil); err == nil || Retryable(err) {
		t.Errorf("signed call without credentials: %v (retryable %v), want a final error", err, Retryable(err))
	}
	if rec.count() != 1 {
		t.Errorf("requests = %d, want 1", rec.count())
	}
}

func TestRPCRefusesActionsItWasNotGiven(t *testing.T) {
	rec, srv := newRPCRecorder(t, func(int, http.ResponseWriter, url.Values) {})
	c, _ := testRPCClient(t, srv, nil)
	err := c.Call(ctx(), RPCRequest{Action: "DeleteAccount"}, nil)
	if !errors.Is(err, errUnknownAction) || Retryable(err) || rec.count() != 0 {
		t.Errorf("error = %v, requests %d; want errUnknownAction and nothing sent", err, rec.count())
	}
	var notAStruct string
	if err := c.Call(ctx(), RPCRequest{Action: "DeleteUser"}, &notAStruct); err == nil || rec.count() != 0 {
		t.Errorf("a result that is not a struct: %v", err)
	}
}

func TestNewRPCClientChecksTheConfiguration(t *testing.T) {
	good := RPCConfig{Service: "RAM", Endpoint: "https://ram.aliyuncs.com", Version: "2015-05-01", Actions: testRPCActions}
	for name, mutate := range map[string]func(*RPCConfig){
		"no service":            func(c *RPCConfig) { c.Service = "" },
		"no endpoint":           func(c *RPCConfig) { c.Endpoint = "" },
		"endpoint with a path":  func(c *RPCConfig) { c.Endpoint = "https://ram.aliyuncs.com/x" },
		"endpoint with a query": func(c *RPCConfig) { c.Endpoint = "https://ram.aliyuncs.com/?a=b" },
		"ftp endpoint":          func(c *RPCConfig) { c.Endpoint = "ftp://ram.aliyuncs.com" },
		"no version":            func(c *RPCConfig) { c.Version = "" },
		"no actions":            func(c *RPCConfig) { c.Actions = nil },
		"an action unbounded":   func(c *RPCConfig) { c.Actions = map[string]int64{"CreateUser": 0} },
	} {
		cfg := good
		mutate(&cfg)
		if _, err := NewRPCClient(cfg); err == nil {
			t.Errorf("%s: no error", name)
		}
	}
	c, err := NewRPCClient(good)
	if err != nil || c.Endpoint() != "https://ram.aliyuncs.com" {
		t.Fatalf("NewRPCClient = %v, %v", c, err)
	}
	if s := c.String(); strings.Contains(s, "secret") || !strings.Contains(s, "RAM") {
		t.Errorf("String() = %s", s)
	}
}

func TestRPCErrorDecoding(t *testing.T) {
	const token = "CAIS+STS/token*with~chars"
	tests := []struct {
		name     string
		status   int
		body     string
		tooLarge bool
		want     Error
	}{
		{name: "JSON error document", status: 404,
			body: `{"RequestId":"7463B73D","HostId":"ram.aliyuncs.com","Code":"EntityNotExist.User","Message":"The user does not exist.","Recommend":"https://api.aliyun.com/troubleshoot?q=EntityNotExist.User"}`,
			want: Error{StatusCode: 404, Code: "EntityNotExist.User", Message: "The user does not exist.", RequestID: "7463B73D", HostID: "ram.aliyuncs.com"}},
		{name: "pretty-printed, with spaces around the code", status: 409,
			body: "{\n  \"Code\": \" EntityAlreadyExists.User \",\n  \"Message\": \"The user does\\n already EXIST.\"\n}",
			want: Error{StatusCode: 409, Code: "EntityAlreadyExists.User", Message: "The user does already EXIST."}},
		{name: "throttling under a 400", status: 400, body: `{"Code":"Throttling.User","Message":"Request was denied due to user flow control."}`,
			want: Error{StatusCode: 400, Code: "Throttling.User", Message: "Request was denied due to user flow control."}},
		{name: "HTML page from a proxy", status: 502, body: "<html><body>502 Bad Gateway</body></html>",
			want: Error{StatusCode: 502, Code: "HTTP502", Message: "the answer is not an error document of RAM"}},
		{name: "no body", status: 503, want: Error{StatusCode: 503, Code: CodeServiceUnavailable}},
		{name: "a code that is not a token", status: 400, body: `{"Code":"Entity Not Exist"}`,
			want: Error{StatusCode: 400, Code: "HTTP400", Message: "the answer is not an error document of RAM"}},
		{name: "a code that is not a string", status: 400, body: `{"Code":400}`,
			want: Error{StatusCode: 400, Code: "HTTP400", Message: "the answer is not an error document of RAM"}},
		{name: "larger than an error document", status: 500, tooLarge: true,
			want: Error{StatusCode: 500, Code: CodeInternalError, Message: "the answer is larger than 64 KiB, more than an error document; it was not read"}},
		{name: "the string to sign is left out", status: 400,
			body: `{"Code":"SignatureDoesNotMatch","Message":"Specified signature is not matched with our calculation. server string to sign is:POST&%2F&AccessKeyId%3DLTAI%26SecurityToken%3D` + url.QueryEscape(token) + `"}`,
			want: Error{StatusCode: 400, Code: "SignatureDoesNotMatch", Message: "Specified signature is not matched with our calculation. (the string to sign it quotes is left out)"}},
		{name: "a secret quoted raw or encoded is cut out", status: 400,
			body: `{"Code":"InvalidSecurityToken.Malformed","Message":"token ` + token + ` or ` + signer.Escape(token, false) + ` or ` + signer.Escape(signer.Escape(token, false), false) + ` is bad"}`,
			want: Error{StatusCode: 400, Code: "InvalidSecurityToken.Malformed", Message: "token <redacted> or <redacted> or <redacted> is bad"}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			got := newRPCError("RAM", "CreateUser", tc.status, []byte(tc.body), tc.tooLarge, []string{"", token})
			tc.want.Service, tc.want.Operation = "RAM", "CreateUser"
			if *got != tc.want {
				t.Errorf("got  %+v\nwant %+v", *got, tc.want)
			}
		})
	}
	long := newRPCError("RAM", "CreateUser", 400, []byte(`{"Code":"InvalidParameter","Message":"`+strings.Repeat("x", 100_000)+`"}`), false, nil)
	if len(long.Message) > maxErrorMessage+3 {
		t.Errorf("Message is %d bytes", len(long.Message))
	}
}

// An RPC error answer is an *Error like OSS's: Retryable, IsCode and Brief work on it, and its text
// names the service and the Action.
func TestRPCErrorAnswerIsAnError(t *testing.T) {
	rec, srv := newRPCRecorder(t, func(n int, w http.ResponseWriter, form url.Values) {
		rpcErrorAnswer(w, 404, "EntityNotExist.User", "The user does not exist.")
	})
	c, delays := testRPCClient(t, srv, nil)
	_, err := createUser(c, ctx())
	e, ok := AsError(err)
	if !ok || e.Service != "RAM" || e.Operation != "CreateUser" || e.StatusCode != 404 || !IsCode(err, "EntityNotExist.User") {
		t.Fatalf("error = %#v", err)
	}
	if want := "ram: CreateUser: 404 EntityNotExist.User: The user does not exist. (RequestId: 7463B73D-35CC-4D19-A010-6B8D65D242EF)"; err.Error() != want {
		t.Errorf("Error() = %s\nwant %s", err, want)
	}
	if want := "ram: CreateUser: 404 EntityNotExist.User: The user does not exist."; e.Brief() != want {
		t.Errorf("Brief() = %s", e.Brief())
	}
	if Retryable(err) || rec.count() != 1 || len(*delays) != 0 {
		t.Errorf("a 404 was retried: attempts %d", rec.count())
	}
}

// A throttled or unavailable RPC API is retried with backoff, whatever status its code comes with.
func TestRPCThrottlingIsRetried(t *testing.T) {
	for _, tc := range []struct {
		status int
		code   string
	}{{400, CodeThrottlingUser}, {403, CodeThrottlingAPI}, {503, CodeThrottling}, {400, CodeServiceUnavailable}, {500, CodeInternalError}} {
		t.Run(fmt.Sprintf("%d %s", tc.status, tc.code), func(t *testing.T) {
			rec, srv := newRPCRecorder(t, func(n int, w http.ResponseWriter, form url.Values) {
				if n < 2 {
					rpcErrorAnswer(w, tc.status, tc.code, "slow down")
					return
				}
				_, _ = w.Write([]byte(goodUser))
			})
			c, delays := testRPCClient(t, srv, nil)
			if _, err := createUser(c, ctx()); err != nil {
				t.Fatal(err)
			}
			if rec.count() != 3 || len(*delays) != 2 {
				t.Errorf("attempts %d, backoff waits %d; want 3 and 2", rec.count(), len(*delays))
			}
		})
	}
}

func TestRPCClockSkewIsCorrectedFromTheResponseDate(t *testing.T) {
	server := time.Date(2026, 11, 30, 12, 0, 0, 0, time.UTC)
	local := server.Add(+25 * time.Minute) // the local clock is 25 minutes fast
	rec, srv := newRPCRecorder(t, func(n int, w http.ResponseWriter, form url.Values) {
		w.Header().Set("Date", server.Format(http.TimeFormat))
		ts, err := time.Parse(signer.RPCTimestampFormat, form.Get("Timestamp"))
		if err != nil || ts.Sub(server).Abs() > 15*time.Minute {
			rpcErrorAnswer(w, 400, CodeInvalidTimeStampExpired, "Specified time stamp or date value is expired.")
			return
		}
		_, _ = w.Write([]byte(goodUser))
	})
	c, delays := testRPCClient(t, srv, func(cfg *RPCConfig) { cfg.Now = func() time.Time { return local } })
	if _, err := createUser(c, ctx()); err != nil {
		t.Fatalf("after skew: %v", err)
	}
	if rec.count() != 2 || len(*delays) != 1 || (*delays)[0] != 0 {
		t.Errorf("attempts %d, waits %v; want 2 and one immediate retry", rec.count(), *delays)
	}
	if off := c.ClockOffset(); off != -25*time.Minute {
		t.Errorf("ClockOffset = %v, want -25m", off)
	}
}

// rpcExpiring is a result type that is judged against the time its answer came, as STS credentials are.
type rpcExpiring struct {
	Expiration time.Time `json:"Expiration"`
}

// judged records when rpcExpiring answers were judged: the result is cleared before each decoding,
// so it cannot keep the record itself. One test uses it.
var judged []time.Time

func (e *rpcExpiring) CheckAnswerAt(req RPCRequest, now time.Time) error {
	judged = append(judged, now)
	if !e.Expiration.After(now) {
		return errors.New("expired")
	}
	return nil
}

func (e *rpcExpiring) CheckAnswer(RPCRequest) error { panic("CheckAnswer called on an RPCAnswerAt") }

// An RPCAnswerAt is judged against the clock the client signs with: its own, corrected by the offset
// learnt from the server. An answer that is stale by that clock is a DecodeError, retried.
func TestRPCAnswerAtIsJudgedByTheCorrectedClock(t *testing.T) {
	judged = nil
	server := time.Date(2026, 11, 30, 12, 0, 0, 0, time.UTC)
	local := server.Add(-25 * time.Minute) // the local clock is 25 minutes slow
	rec, srv := newRPCRecorder(t, func(n int, w http.ResponseWriter, form url.Values) {
		w.Header().Set("Date", server.Format(http.TimeFormat))
		switch n {
		case 0:
			rpcErrorAnswer(w, 400, CodeInvalidTimeStampExpired, "Specified time stamp or date value is expired.")
		case 1: // expired 10 minutes ago by the server's clock, though not yet by the local one
			_, _ = fmt.Fprintf(w, `{"RequestId":"R","Expiration":%q}`, server.Add(-10*time.Minute).Format(time.RFC3339))
		default:
			_, _ = fmt.Fprintf(w, `{"RequestId":"R","Expiration":%q}`, server.Add(time.Hour).Format(time.RFC3339))
		}
	})
	c, _ := testRPCClient(t, srv, func(cfg *RPCConfig) { cfg.Now = func() time.Time { return local } })
	var out rpcExpiring
	err := c.Call(ctx(), RPCRequest{Action: "AssumeRoleWithOIDC", Unsigned: true}, &out)
	if err != nil {
		t.Fatal(err)
	}
	if rec.count() != 3 || len(judged) != 2 {
		t.Fatalf("attempts %d, judged %d; want 3 and 2 (the stale answer retried)", rec.count(), len(judged))
	}
	for _, now := range judged {
		if !now.Equal(server) {
			t.Errorf("judged at %v, want the server's time %v", now, server)
		}
	}
}

// What a 2xx answer must be: one JSON object with a RequestId, no Code, the answer asked for. Each
// refusal is a DecodeError that says what kind of problem it is and quotes nothing of the answer, not
// even in its debug detail: an answer can carry a secret.
func TestRPCAnswersAreChecked(t *testing.T) {
	const secret = "9876543210123456789"
	tests := []struct {
		name, body, problem string
	}{
		{"empty", "", problemEmpty},
		{"white space", " \n", problemEmpty},
		{"not JSON", "<html>" + marker + "</html>", problemNotJSON},
		{"a syntax error at a marker", `{"RequestId":"R","User":` + marker + `}`, problemNotJSON},
		{"truncated", `{"RequestId":"R","User":{"UserName":"` + marker, problemNotJSON},
		{"more after the document", `{"RequestId":"R","User":{"UserName":"alice"}} {"` + marker + `":1}`, problemNotJSON},
		{"an array", `["` + marker + `"]`, problemWrongDocument},
		{"a string", `"` + marker + `"`, problemWrongDocument},
		{"no request ID", `{"User":{"UserName":"alice"}}`, problemNoRequestID},
		{"a request ID that is not a token", `{"RequestId":"` + marker + ` ` + marker + `","User":{"UserName":"alice"}}`, problemNoRequestID},
		{"an error document under a 200", `{"RequestId":"R","Code":"` + marker + `","Message":"` + marker + `"}`, problemErrorDocument},
		{"a number where a string goes", `{"RequestId":"R","User":{"UserName":` + secret + `}}`, problemBadValue},
		{"another user", `{"RequestId":"R","User":{"UserName":"bob"}}`, problemNotTheAnswer},
		{"no user", `{"RequestId":"R"}`, problemNotTheAnswer},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			rec, srv := newRPCRecorder(t, func(n int, w http.ResponseWriter, form url.Values) {
				_, _ = w.Write([]byte(tc.body))
			})
			c, _ := testRPCClient(t, srv, nil)
			_, err := createUser(c, ctx())
			var de *DecodeError
			if !errors.As(err, &de) || de.Problem != tc.problem || de.Service != "RAM" || de.Op != "CreateUser" {
				t.Fatalf("error = %#v, want a DecodeError that %s", err, tc.problem)
			}
			if !Retryable(err) || rec.count() != DefaultRetryPolicy.MaxAttempts {
				t.Errorf("retryable %v after %d attempts; want retried %d times", Retryable(err), rec.count(), DefaultRetryPolicy.MaxAttempts)
			}
			for _, s := range []string{err.Error(), de.Detail()} {
				if strings.Contains(s, marker) || strings.Contains(s, secret) {
					t.Errorf("the error quotes the answer: %s", s)
				}
			}
			if !strings.HasPrefix(err.Error(), "ram: CreateUser: the 200 answer "+tc.problem) {
				t.Errorf("Error() = %s", err)
			}
		})
	}
}

func TestRPCAnswerOverItsLimitIsNotRead(t *testing.T) {
	rec, srv := newRPCRecorder(t, func(n int, w http.ResponseWriter, form url.Values) {
		_, _ = w.Write([]byte(`{"RequestId":"R","User":{"UserName":"alice","Comments":"` + strings.Repeat("x", 20<<10) + `"}}`))
	})
	c, _ := testRPCClient(t, srv, nil)
	_, err := createUser(c, ctx())
	var tl *ResponseTooLargeError
	if !errors.As(err, &tl) || tl.Service != "RAM" || tl.Limit != testRPCActions["CreateUser"] {
		t.Fatalf("error = %#v, want a ResponseTooLargeError at the action's limit", err)
	}
	if Retryable(err) || rec.count() != 1 {
		t.Errorf("retried: %d attempts", rec.count())
	}
	if !strings.Contains(err.Error(), "more than RAM sends") || strings.Contains(err.Error(), "OSS") {
		t.Errorf("Error() = %s", err)
	}
}

// RPC calls count in the metrics of OSS calls, under their Action; the API's codes given in the
// configuration and the codes every RPC API answers have their own series, others are "other".
func TestRPCMetrics(t *testing.T) {
	_, srv := newRPCRecorder(t, func(n int, w http.ResponseWriter, form url.Values) {
		switch n {
		case 0:
			rpcErrorAnswer(w, 400, CodeThrottlingUser, "slow down")
		case 1:
			_, _ = w.Write([]byte(goodUser))
		case 2:
			rpcErrorAnswer(w, 404, "EntityNotExist.User", "gone")
		default:
			rpcErrorAnswer(w, 400, marker, "m")
		}
	})
	m := NewMetrics()
	reg := prometheus.NewPedanticRegistry()
	if err := m.Register(reg); err != nil {
		t.Fatal(err)
	}
	c, _ := testRPCClient(t, srv, func(cfg *RPCConfig) { cfg.Metrics = m })
	for i := 0; i < 3; i++ {
		_, _ = createUser(c, ctx())
	}
	expected := `
# HELP ossoperator_oss_requests_total HTTP requests sent to OSS (every attempt), by operation and result code.
# TYPE ossoperator_oss_requests_total counter
ossoperator_oss_requests_total{code="EntityNotExist.User",operation="CreateUser"} 1
ossoperator_oss_requests_total{code="OK",operation="CreateUser"} 1
ossoperator_oss_requests_total{code="Throttling.User",operation="CreateUser"} 1
ossoperator_oss_requests_total{code="other",operation="CreateUser"} 1
# HELP ossoperator_oss_retries_total Attempts to OSS that were retried, by operation and the code that caused the retry.
# TYPE ossoperator_oss_retries_total counter
ossoperator_oss_retries_total{code="Throttling.User",operation="CreateUser"} 1
`
	if err := testutil.GatherAndCompare(reg, strings.NewReader(expected), "ossoperator_oss_requests_total", "ossoperator_oss_retries_total"); err != nil {
		t.Error(err)
	}
}

// encoding/json quotes a number it cannot store, and a syntax error names the character at fault: the
// refusal keeps neither, only where and what kind of value.
func TestJSONRefusalsQuoteNothing(t *testing.T) {
	var out struct {
		RequestID string `json:"RequestId"`
		Small     int8   `json:"Small"`
	}
	const secret = "9876543210123456789"
	for _, body := range []string{`{"RequestId":"R","Small":` + secret + `}`, `{"RequestId":"R","Small":S` + secret + `}`} {
		err := decodeRPC(strings.NewReader(body), RPCRequest{Action: "CreateUser"}, &out, time.Now())
		if err == nil {
			t.Fatalf("%s decoded", body)
		}
		if de := newDecodeError("CreateUser", 200, err); strings.Contains(de.Error()+de.Detail(), secret) {
			t.Errorf("the refusal quotes the answer: %s %s", de, de.Detail())
		}
	}
}
