package ram

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"net/http/httptest"
	"net/url"
	"reflect"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/go-logr/logr"
	"github.com/go-logr/logr/funcr"
	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/testutil"

	"github.com/ossoperator/oss-operator/ossapi"
	"github.com/ossoperator/oss-operator/ossapi/signer"
)

var testCreds = ossapi.StaticCredentials{AccessKeyID: "LTAI-ram-test-id", AccessKeySecret: "caller-secret-value", SecurityToken: "caller-sts-token"}

// ramServer is a test RAM endpoint: it answers from a script and checks that every request is the
// form-encoded POST RAM takes, signed with the caller's credentials.
type ramServer struct {
	t      *testing.T
	mu     sync.Mutex
	forms  []url.Values
	answer func(n int, w http.ResponseWriter, form url.Values)
}

func newRAMServer(t *testing.T, answer func(n int, w http.ResponseWriter, form url.Values)) (*ramServer, *httptest.Server) {
	s := &ramServer{t: t, answer: answer}
	srv := httptest.NewServer(http.HandlerFunc(s.serve))
	t.Cleanup(srv.Close)
	return s, srv
}

func (s *ramServer) serve(w http.ResponseWriter, r *http.Request) {
	if r.Method != http.MethodPost || r.URL.Path != "/" || r.URL.RawQuery != "" ||
		r.Header.Get("Content-Type") != "application/x-www-form-urlencoded" {
		s.t.Errorf("request %s %s?%s (%s), want a form POST to /", r.Method, r.URL.Path, r.URL.RawQuery, r.Header.Get("Content-Type"))
	}
	if err := r.ParseForm(); err != nil {
		s.t.Errorf("the body is not a form: %v", err)
	}
	form := r.PostForm
	creds := ossapi.Credentials(testCreds)
	for k, want := range map[string]string{
		"Version": APIVersion, "Format": "JSON", "AccessKeyId": creds.AccessKeyID, "SecurityToken": creds.SecurityToken,
		"SignatureMethod": signer.RPCSignatureMethod, "SignatureVersion": signer.RPCSignatureVersion,
	} {
		if got := form.Get(k); got != want {
			s.t.Errorf("%s: %s = %q, want %q", form.Get("Action"), k, got, want)
		}
	}
	if form.Get("SignatureNonce") == "" || form.Get("Timestamp") == "" {
		s.t.Errorf("%s: no nonce or timestamp", form.Get("Action"))
	}
	if want := signer.RPCSignature(creds.AccessKeySecret, signer.RPCStringToSign(r.Method, form)); form.Get("Signature") != want {
		s.t.Errorf("%s: the signature does not verify", form.Get("Action"))
	}
	s.mu.Lock()
	n := len(s.forms)
	s.forms = append(s.forms, form)
	s.mu.Unlock()
	s.answer(n, w, form)
}

func (s *ramServer) count() int {
	s.mu.Lock()
	defer s.mu.Unlock()
	return len(s.forms)
}

func (s *ramServer) form(i int) url.Values {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.forms[i]
}

// testClient is a client against srv with recorded, instant backoff and the largest jitter.
func testClient(t *testing.T, srv *httptest.Server, mutate func(*Config)) (*Client, *[]time.Duration) {
	t.Helper()
	var mu sync.Mutex
	delays := &[]time.Duration{}
	cfg := Config{
		Endpoint: srv.URL, Credentials: testCreds,
		RPCTransport: ossapi.RPCTransport{
			Sleep: func(ctx context.Context, d time.Duration) error {
				mu.Lock()
				*delays = append(*delays, d)
				mu.Unlock()
				return ctx.Err()
			},
			Rand: func(n int64) int64 { return n - 1 },
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

func answerJSON(w http.ResponseWriter, status int, body string) {
	w.Header().Set("Content-Type", "application/json;charset=utf-8")
	w.WriteHeader(status)
	_, _ = w.Write([]byte(body))
}

func ramError(w http.ResponseWriter, status int, code, message string) {
	answerJSON(w, status, fmt.Sprintf(`{"RequestId":"7463B73D-35CC-4D19-A010-6B8D65D242EF","HostId":"ram.aliyuncs.com","Code":%q,"Message":%q,"Recommend":"https://api.aliyun.com/troubleshoot?q=%s"}`, code, message, code))
}

// Realistic answers, in the shapes of the RAM API reference's examples.
const (
	requestID      = "04F0F334-1335-436C-A1D7-6C044FE73368"
	ackAnswer      = `{"RequestId":"` + requestID + `"}`
	userJSONAnswer = `{"RequestId":"` + requestID + `","User":{"UserId":"1227489245380721","UserName":"alice","DisplayName":"Alice",` +
		`"MobilePhone":"86-1868888****","Email":"alice@example.com","Comments":"bucket key for team-a","CreateDate":"2015-01-23T12:33:18Z",` +
		`"UpdateDate":"2015-01-23T12:33:18Z","LastLoginDate":"2015-01-23T12:33:18Z"}}`
	secret          = "PupkTg8jdmau1cXxYacgE736PJ7kQz"
	newKeyAnswer    = `{"AccessKey":{"AccessKeyId":"0wNEpMMlzy7szvai","AccessKeySecret":"` + secret + `","Status":"Active","CreateDate":"2015-01-23T12:33:18Z"},"RequestId":"` + requestID + `"}`
	keyListAnswer   = `{"RequestId":"` + requestID + `","AccessKeys":{"AccessKey":[{"AccessKeyId":"0wNEpMMlzy7szvai","Status":"Active","CreateDate":"2015-01-23T12:33:18Z"},{"AccessKeyId":"WnIWUruvfaDT37vQ","Status":"Inactive","CreateDate":"2015-01-24T10:00:00Z"}]}}`
	document        = `{"Statement":[{"Action":["oss:GetObject","oss:PutObject"],"Effect":"Allow","Resource":["acs:oss:*:*:team-a","acs:oss:*:*:team-a/*"]}],"Version":"1"}`
	newPolicyAnswer = `{"Policy":{"PolicyName":"team-a-bucket","PolicyType":"Custom","Description":"team-a's bucket","DefaultVersion":"v1","CreateDate":"2015-01-23T12:33:18Z"},"RequestId":"` + requestID + `"}`
)

var (
	getPolicyAnswer = `{"RequestId":"` + requestID + `","Policy":{"PolicyName":"team-a-bucket","PolicyType":"Custom","Description":"team-a's bucket",` +
		`"DefaultVersion":"v2","CreateDate":"2015-01-23T12:33:18Z","UpdateDate":"2015-01-24T12:33:18Z","AttachmentCount":1,"Tags":{"Tag":[]}},` +
		`"DefaultPolicyVersion":{"VersionId":"v2","IsDefaultVersion":true,"PolicyDocument":` + quote(document) + `,"CreateDate":"2015-01-24T12:33:18Z"}}`
	newVersionAnswer = `{"RequestId":"` + requestID + `","PolicyVersion":{"VersionId":"v3","IsDefaultVersion":true,"PolicyDocument":` + quote(document) + `,"CreateDate":"2015-01-25T12:33:18Z"}}`
	versionsAnswer   = `{"RequestId":"` + requestID + `","PolicyVersions":{"PolicyVersion":[` +
		`{"VersionId":"v3","IsDefaultVersion":false,"PolicyDocument":` + quote(document) + `,"CreateDate":"2015-01-25T12:33:18Z"},` +
		`{"VersionId":"v2","IsDefaultVersion":true,"PolicyDocument":` + quote(document) + `,"CreateDate":"2015-01-24T12:33:18Z"}]}}`
	userPoliciesAnswer = `{"Policies":{"Policy":[{"PolicyName":"team-a-bucket","PolicyType":"Custom","Description":"team-a's bucket","DefaultVersion":"v1","AttachDate":"2015-01-23T12:33:18Z"},` +
		`{"PolicyName":"AliyunOSSReadOnlyAccess","PolicyType":"System","Description":"Read-only access to OSS","DefaultVersion":"v1","AttachDate":"2015-01-24T12:33:18Z"}]},"RequestId":"` + requestID + `"}`
)

func quote(s string) string {
	b, _ := json.Marshal(s)
	return string(b)
}

func date(s string) time.Time {
	t, err := time.Parse(time.RFC3339, s)
	if err != nil {
		panic(err)
	}
	return t
}

func ctx() context.Context { return context.Background() }

// Each action sends its parameters, signed, and decodes a realistic answer.
func TestActions(t *testing.T) {
	tests := []struct {
		action string
		call   func(c *Client) (any, error)
		params map[string]string
		answer string
		want   any
	}{
		{ActionCreateUser, func(c *Client) (any, error) {
			return c.CreateUser(ctx(), CreateUserInput{UserName: "alice", DisplayName: "Alice", Comments: "bucket key for team-a"})
		}, map[string]string{"UserName": "alice", "DisplayName": "Alice", "Comments": "bucket key for team-a"}, userJSONAnswer,
			&User{UserID: "1227489245380721", UserName: "alice", DisplayName: "Alice", Comments: "bucket key for team-a", CreateDate: date("2015-01-23T12:33:18Z")}},
		{ActionGetUser, func(c *Client) (any, error) { return c.GetUser(ctx(), "alice") },
			map[string]string{"UserName": "alice"}, userJSONAnswer,
			&User{UserID: "1227489245380721", UserName: "alice", DisplayName: "Alice", Comments: "bucket key for team-a", CreateDate: date("2015-01-23T12:33:18Z")}},
		{ActionDeleteUser, func(c *Client) (any, error) { return nil, c.DeleteUser(ctx(), "alice") },
			map[string]string{"UserName": "alice"}, ackAnswer, nil},
		{ActionCreateAccessKey, func(c *Client) (any, error) { return c.CreateAccessKey(ctx(), "alice") },
			map[string]string{"UserName": "alice"}, newKeyAnswer,
			&AccessKey{AccessKeyID: "0wNEpMMlzy7szvai", AccessKeySecret: secret, Status: StatusActive, CreateDate: date("2015-01-23T12:33:18Z")}},
		{ActionListAccessKeys, func(c *Client) (any, error) { return c.ListAccessKeys(ctx(), "alice") },
			map[string]string{"UserName": "alice"}, keyListAnswer,
			[]AccessKey{{AccessKeyID: "0wNEpMMlzy7szvai", Status: StatusActive, CreateDate: date("2015-01-23T12:33:18Z")},
				{AccessKeyID: "WnIWUruvfaDT37vQ", Status: StatusInactive, CreateDate: date("2015-01-24T10:00:00Z")}}},
		{ActionUpdateAccessKey, func(c *Client) (any, error) {
			return nil, c.UpdateAccessKey(ctx(), "alice", "WnIWUruvfaDT37vQ", StatusInactive)
		}, map[string]string{"UserName": "alice", "UserAccessKeyId": "WnIWUruvfaDT37vQ", "Status": "Inactive"}, ackAnswer, nil},
		{ActionDeleteAccessKey, func(c *Client) (any, error) { return nil, c.DeleteAccessKey(ctx(), "alice", "WnIWUruvfaDT37vQ") },
			map[string]string{"UserName": "alice", "UserAccessKeyId": "WnIWUruvfaDT37vQ"}, ackAnswer, nil},
		{ActionCreatePolicy, func(c *Client) (any, error) {
			return c.CreatePolicy(ctx(), "team-a-bucket", document, "team-a's bucket")
		}, map[string]string{"PolicyName": "team-a-bucket", "PolicyDocument": document, "Description": "team-a's bucket"}, newPolicyAnswer,
			&Policy{PolicyName: "team-a-bucket", PolicyType: PolicyTypeCustom, Description: "team-a's bucket", DefaultVersion: "v1", CreateDate: date("2015-01-23T12:33:18Z")}},
		{ActionGetPolicy, func(c *Client) (any, error) {
			p, v, err := c.GetPolicy(ctx(), "team-a-bucket", PolicyTypeCustom)
			return []any{p, v}, err
		}, map[string]string{"PolicyName": "team-a-bucket", "PolicyType": "Custom"}, getPolicyAnswer,
			[]any{&Policy{PolicyName: "team-a-bucket", PolicyType: PolicyTypeCustom, Description: "team-a's bucket", DefaultVersion: "v2",
				CreateDate: date("2015-01-23T12:33:18Z"), UpdateDate: date("2015-01-24T12:33:18Z")},
				&PolicyVersion{VersionID: "v2", PolicyDocument: document, IsDefaultVersion: true, CreateDate: date("2015-01-24T12:33:18Z")}}},
		{ActionCreatePolicyVersion, func(c *Client) (any, error) {
			return c.CreatePolicyVersion(ctx(), "team-a-bucket", document, true, RotateStrategyDeleteOldest)
		}, map[string]string{"PolicyName": "team-a-bucket", "PolicyDocument": document, "SetAsDefault": "true", "RotateStrategy": RotateStrategyDeleteOldest},
			newVersionAnswer, &PolicyVersion{VersionID: "v3", PolicyDocument: document, IsDefaultVersion: true, CreateDate: date("2015-01-25T12:33:18Z")}},
		{ActionListPolicyVersions, func(c *Client) (any, error) { return c.ListPolicyVersions(ctx(), "team-a-bucket", PolicyTypeCustom) },
			map[string]string{"PolicyName": "team-a-bucket", "PolicyType": "Custom"}, versionsAnswer,
			[]PolicyVersion{{VersionID: "v3", PolicyDocument: document, CreateDate: date("2015-01-25T12:33:18Z")},
				{VersionID: "v2", PolicyDocument: document, IsDefaultVersion: true, CreateDate: date("2015-01-24T12:33:18Z")}}},
		{ActionDeletePolicyVersion, func(c *Client) (any, error) { return nil, c.DeletePolicyVersion(ctx(), "team-a-bucket", "v3") },
			map[string]string{"PolicyName": "team-a-bucket", "VersionId": "v3"}, ackAnswer, nil},
		{ActionDeletePolicy, func(c *Client) (any, error) { return nil, c.DeletePolicy(ctx(), "team-a-bucket") },
			map[string]string{"PolicyName": "team-a-bucket"}, ackAnswer, nil},
		{ActionAttachPolicyToUser, func(c *Client) (any, error) {
			return nil, c.AttachPolicyToUser(ctx(), PolicyTypeCustom, "team-a-bucket", "alice")
		}, map[string]string{"PolicyType": "Custom", "PolicyName": "team-a-bucket", "UserName": "alice"}, ackAnswer, nil},
		{ActionDetachPolicyFromUser, func(c *Client) (any, error) {
			return nil, c.DetachPolicyFromUser(ctx(), PolicyTypeSystem, "AliyunOSSReadOnlyAccess", "alice")
		}, map[string]string{"PolicyType": "System", "PolicyName": "AliyunOSSReadOnlyAccess", "UserName": "alice"}, ackAnswer, nil},
		{ActionListPoliciesForUser, func(c *Client) (any, error) { return c.ListPoliciesForUser(ctx(), "alice") },
			map[string]string{"UserName": "alice"}, userPoliciesAnswer,
			[]Policy{{PolicyName: "team-a-bucket", PolicyType: PolicyTypeCustom, Description: "team-a's bucket", DefaultVersion: "v1", AttachDate: date("2015-01-23T12:33:18Z")},
				{PolicyName: "AliyunOSSReadOnlyAccess", PolicyType: PolicyTypeSystem, Description: "Read-only access to OSS", DefaultVersion: "v1", AttachDate: date("2015-01-24T12:33:18Z")}}},
	}
	tested := map[string]bool{}
	for _, tc := range tests {
		tested[tc.action] = true
		t.Run(tc.action, func(t *testing.T) {
			srv, hs := newRAMServer(t, func(n int, w http.ResponseWriter, form url.Values) { answerJSON(w, 200, tc.answer) })
			c, _ := testClient(t, hs, nil)
			got, err := tc.call(c)
			if err != nil {
				t.Fatal(err)
			}
			if srv.count() != 1 {
				t.Fatalf("requests = %d, want 1", srv.count())
			}
			form := srv.form(0)
			if form.Get("Action") != tc.action {
				t.Errorf("Action = %q", form.Get("Action"))
			}
			for k, v := range tc.params {
				if form.Get(k) != v {
					t.Errorf("%s = %q, want %q", k, form.Get(k), v)
				}
			}
			common := map[string]bool{"Action": true, "Version": true, "Format": true, "AccessKeyId": true, "SecurityToken": true,
				"SignatureMethod": true, "SignatureVersion": true, "SignatureNonce": true, "Timestamp": true, "Signature": true}
			for k := range form {
				if _, ok := tc.params[k]; !ok && !common[k] {
					t.Errorf("unexpected parameter %s=%q", k, form.Get(k))
				}
			}
			if tc.want != nil && !reflect.DeepEqual(got, tc.want) {
				t.Errorf("got  %#v\nwant %#v", got, tc.want)
			}
		})
	}
	for _, a := range Actions {
		if !tested[a] {
			t.Errorf("action %s is not tested", a)
		}
	}
}

// Older GetPolicy answers carry the default version's document in the Policy.
func TestGetPolicyReadsTheOlderAnswer(t *testing.T) {
	old := `{"RequestId":"` + requestID + `","Policy":{"PolicyName":"team-a-bucket","PolicyType":"Custom","DefaultVersion":"v1","PolicyDocument":` + quote(document) + `}}`
	_, hs := newRAMServer(t, func(n int, w http.ResponseWriter, form url.Values) { answerJSON(w, 200, old) })
	c, _ := testClient(t, hs, nil)
	_, v, err := c.GetPolicy(ctx(), "team-a-bucket", PolicyTypeCustom)
	if err != nil || v.VersionID != "v1" || v.PolicyDocument != document || !v.IsDefaultVersion {
		t.Fatalf("GetPolicy = %+v, %v", v, err)
	}
}

// RAM's refusals are *ossapi.Error with RAM's fields, Operation the Action, Service RAM: IsCode,
// Retryable and Brief work on them. A 4xx is final.
func TestErrorAnswers(t *testing.T) {
	tests := []struct {
		status  int
		code    string
		message string
		call    func(c *Client) error
	}{
		{404, CodeEntityNotExistUser, "The user does not exist.", func(c *Client) error { _, err := c.GetUser(ctx(), "alice"); return err }},
		{409, CodeEntityAlreadyExistsUser, "The user does already EXIST.", func(c *Client) error {
			_, err := c.CreateUser(ctx(), CreateUserInput{UserName: "alice"})
			return err
		}},
		{409, CodeLimitExceededUserAccessKey, "The access key count of the user access keys beyond the current limits.", func(c *Client) error {
			_, err := c.CreateAccessKey(ctx(), "alice")
			return err
		}},
		{409, CodeDeleteConflictUserAccessKey, "The user CAN NOT has any access key while deleting the user.", func(c *Client) error { return c.DeleteUser(ctx(), "alice") }},
		{409, CodeDeleteConflictPolicyUser, "The policy CAN NOT been attached to any user while deleting the policy.", func(c *Client) error { return c.DeletePolicy(ctx(), "p") }},
		{409, CodeEntityAlreadyExistsUserPolicy, "The user has already been attached this policy.", func(c *Client) error {
			return c.AttachPolicyToUser(ctx(), PolicyTypeCustom, "p", "alice")
		}},
		{404, CodeEntityNotExistPolicyVersion, "The policy version does not exist.", func(c *Client) error { return c.DeletePolicyVersion(ctx(), "p", "v9") }},
		{403, CodeNoPermission, "You are not authorized to do this action.", func(c *Client) error { _, err := c.ListAccessKeys(ctx(), "alice"); return err }},
		{400, CodeMalformedPolicyDocument, "Policy document is malformed.", func(c *Client) error { _, err := c.CreatePolicy(ctx(), "p", "{", ""); return err }},
	}
	for _, tc := range tests {
		t.Run(tc.code, func(t *testing.T) {
			srv, hs := newRAMServer(t, func(n int, w http.ResponseWriter, form url.Values) { ramError(w, tc.status, tc.code, tc.message) })
			c, delays := testClient(t, hs, nil)
			err := tc.call(c)
			e, ok := ossapi.AsError(err)
			if !ok {
				t.Fatalf("error = %T %v, want *ossapi.Error", err, err)
			}
			action := srv.form(0).Get("Action")
			want := ossapi.Error{Service: Service, Operation: action, StatusCode: tc.status, Code: tc.code, Message: tc.message,
				RequestID: "7463B73D-35CC-4D19-A010-6B8D65D242EF", HostID: "ram.aliyuncs.com"}
			if *e != want {
				t.Errorf("got  %+v\nwant %+v", *e, want)
			}
			if !ossapi.IsCode(fmt.Errorf("wrapped: %w", err), tc.code) {
				t.Errorf("IsCode does not see %s", tc.code)
			}
			if ossapi.Retryable(err) || srv.count() != 1 || len(*delays) != 0 {
				t.Errorf("a %d was retried: %d attempts", tc.status, srv.count())
			}
			if brief := e.Brief(); brief != fmt.Sprintf("ram: %s: %d %s: %s", action, tc.status, tc.code, tc.message) {
				t.Errorf("Brief() = %s", brief)
			}
		})
	}
}

// Throttling (whatever its status) and 5xx are retried with exponential backoff, each attempt signed
// anew; after MaxAttempts the last error is returned, still Retryable for the caller's requeue.
func TestThrottlingAndServerErrorsAreRetried(t *testing.T) {
	srv, hs := newRAMServer(t, func(n int, w http.ResponseWriter, form url.Values) {
		switch n {
		case 0:
			ramError(w, 400, ossapi.CodeThrottlingUser, "Request was denied due to user flow control.")
		case 1:
			ramError(w, 503, ossapi.CodeServiceUnavailable, "The request has failed due to a temporary failure of the server.")
		case 2:
			ramError(w, 500, ossapi.CodeInternalError, "An internal error occurred.")
		case 3:
			w.WriteHeader(502)
		default:
			answerJSON(w, 200, keyListAnswer)
		}
	})
	c, delays := testClient(t, hs, func(cfg *Config) { cfg.Retry = ossapi.RetryPolicy{MaxAttempts: 5} })
	keys, err := c.ListAccessKeys(ctx(), "alice")
	if err != nil || len(keys) != 2 {
		t.Fatalf("ListAccessKeys = %v, %v", keys, err)
	}
	if srv.count() != 5 {
		t.Errorf("attempts = %d, want 5", srv.count())
	}
	// Full jitter with the largest draw: just under BaseDelay * 2^n.
	want := []time.Duration{400*time.Millisecond - 1, 800*time.Millisecond - 1, 1600*time.Millisecond - 1, 3200*time.Millisecond - 1}
	if !reflect.DeepEqual(*delays, want) {
		t.Errorf("backoff = %v, want %v", *delays, want)
	}
	nonces := map[string]bool{}
	for i := 0; i < srv.count(); i++ {
		nonces[srv.form(i).Get("SignatureNonce")] = true
	}
	if len(nonces) != srv.count() {
		t.Errorf("%d nonces for %d attempts: each attempt is signed anew", len(nonces), srv.count())
	}

	srv2, hs2 := newRAMServer(t, func(n int, w http.ResponseWriter, form url.Values) {
		ramError(w, 400, ossapi.CodeThrottling, "Request was denied due to request throttling.")
	})
	c2, delays2 := testClient(t, hs2, nil)
	_, err = c2.CreateUser(ctx(), CreateUserInput{UserName: "alice"})
	if !ossapi.IsCode(err, ossapi.CodeThrottling) || !ossapi.Retryable(err) {
		t.Errorf("error = %v, want Throttling, retryable", err)
	}
	if srv2.count() != ossapi.DefaultRetryPolicy.MaxAttempts || len(*delays2) != ossapi.DefaultRetryPolicy.MaxAttempts-1 {
		t.Errorf("attempts %d, waits %d", srv2.count(), len(*delays2))
	}
}

// A 2xx that is not the answer asked for is a DecodeError, retried like a 503.
func TestGarbledAnswersAreRetried(t *testing.T) {
	tests := []struct {
		name   string
		call   func(c *Client) error
		bad    string
		good   string
		action string
	}{
		{"truncated JSON", func(c *Client) error { _, err := c.GetUser(ctx(), "alice"); return err }, `{"RequestId":"R","User":{"UserName":"al`, userJSONAnswer, ActionGetUser},
		{"another user", func(c *Client) error { _, err := c.GetUser(ctx(), "alice"); return err }, strings.Replace(userJSONAnswer, `"alice"`, `"bob"`, 1), userJSONAnswer, ActionGetUser},
		{"a new user without an ID", func(c *Client) error {
			_, err := c.CreateUser(ctx(), CreateUserInput{UserName: "alice"})
			return err
		}, strings.Replace(userJSONAnswer, `"UserId":"1227489245380721",`, "", 1), userJSONAnswer, ActionCreateUser},
		{"a key list without its wrapper", func(c *Client) error { _, err := c.ListAccessKeys(ctx(), "alice"); return err }, ackAnswer, keyListAnswer, ActionListAccessKeys},
		{"a proxy's HTML page", func(c *Client) error { return c.DeleteUser(ctx(), "alice") }, "<html><body>OK</body></html>", ackAnswer, ActionDeleteUser},
		{"an empty 200", func(c *Client) error { return c.DetachPolicyFromUser(ctx(), PolicyTypeCustom, "p", "alice") }, "", ackAnswer, ActionDetachPolicyFromUser},
		{"a policy without its document", func(c *Client) error { _, _, err := c.GetPolicy(ctx(), "team-a-bucket", PolicyTypeCustom); return err },
			newPolicyAnswer, getPolicyAnswer, ActionGetPolicy},
		{"a version without an ID", func(c *Client) error {
			_, err := c.CreatePolicyVersion(ctx(), "team-a-bucket", document, false, "")
			return err
		}, strings.Replace(newVersionAnswer, `"VersionId":"v3",`, "", 1), newVersionAnswer, ActionCreatePolicyVersion},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			srv, hs := newRAMServer(t, func(n int, w http.ResponseWriter, form url.Values) {
				if n == 0 {
					answerJSON(w, 200, tc.bad)
					return
				}
				answerJSON(w, 200, tc.good)
			})
			c, delays := testClient(t, hs, nil)
			if err := tc.call(c); err != nil {
				t.Fatalf("after a garbled answer: %v", err)
			}
			if srv.count() != 2 || len(*delays) != 1 {
				t.Errorf("attempts %d, waits %d; want 2 and 1", srv.count(), len(*delays))
			}

			// Every time: a DecodeError of the action, after MaxAttempts.
			srv2, hs2 := newRAMServer(t, func(n int, w http.ResponseWriter, form url.Values) { answerJSON(w, 200, tc.bad) })
			c2, _ := testClient(t, hs2, nil)
			err := tc.call(c2)
			var de *ossapi.DecodeError
			if !errors.As(err, &de) || de.Op != tc.action || de.Service != Service || !ossapi.Retryable(err) {
				t.Fatalf("error = %#v, want a retryable DecodeError of %s", err, tc.action)
			}
			if srv2.count() != ossapi.DefaultRetryPolicy.MaxAttempts {
				t.Errorf("attempts = %d", srv2.count())
			}
		})
	}
}

// An answer larger than RAM sends for its action is not read, and not retried.
func TestAnswersOverTheirLimitAreNotRead(t *testing.T) {
	huge := `{"RequestId":"R","AccessKeys":{"AccessKey":[` + strings.Repeat(`{"AccessKeyId":"AK","Status":"Active"},`, 1000) + `{"AccessKeyId":"AK"}]}}`
	for _, announced := range []bool{true, false} {
		t.Run(fmt.Sprintf("Content-Length announced %v", announced), func(t *testing.T) {
			srv, hs := newRAMServer(t, func(n int, w http.ResponseWriter, form url.Values) {
				if !announced {
					w.(http.Flusher).Flush() // chunked: the client finds out by reading
				}
				_, _ = w.Write([]byte(huge))
			})
			c, _ := testClient(t, hs, nil)
			_, err := c.ListAccessKeys(ctx(), "alice")
			var tl *ossapi.ResponseTooLargeError
			if !errors.As(err, &tl) || tl.Op != ActionListAccessKeys || tl.Limit != answerLimits[ActionListAccessKeys] || tl.Service != Service {
				t.Fatalf("error = %#v, want ResponseTooLargeError", err)
			}
			if ossapi.Retryable(err) || srv.count() != 1 {
				t.Errorf("retried: %d attempts", srv.count())
			}
		})
	}
}

// captureLogs is a logger at every verbosity that keeps what it logs.
func captureLogs() (context.Context, func() string) {
	var mu sync.Mutex
	var b strings.Builder
	log := funcr.New(func(prefix, args string) {
		mu.Lock()
		defer mu.Unlock()
		fmt.Fprintln(&b, prefix, args)
	}, funcr.Options{Verbosity: 10})
	return logr.NewContext(ctx(), log), func() string {
		mu.Lock()
		defer mu.Unlock()
		return b.String()
	}
}

// The secret of a new AccessKey, and the caller's, never reach an error or a log, at any verbosity:
// not when CreateAccessKey succeeds, not when its answer holds the secret but is refused.
func TestSecretsNeverLeak(t *testing.T) {
	garbled := map[string]string{
		"truncated in the secret":      `{"RequestId":"R","AccessKey":{"AccessKeyId":"AK1","AccessKeySecret":"` + secret,
		"no key ID":                    `{"RequestId":"R","AccessKey":{"AccessKeySecret":"` + secret + `","Status":"Active"}}`,
		"the secret after a document":  `{"RequestId":"R"} "` + secret + `"`,
		"a syntax error at the secret": `{"RequestId":"R","AccessKey":{"AccessKeyId":"AK1","AccessKeySecret":"x"},"Extra":` + secret + `}`,
		"a secret of the wrong type":   `{"RequestId":"R","AccessKey":{"AccessKeyId":"AK1","AccessKeySecret":["` + secret + `"]}}`,
		"an error code and a key":      `{"RequestId":"R","Code":"Throttling","AccessKey":{"AccessKeyId":"AK1","AccessKeySecret":"` + secret + `"}}`,
		"the secret as the request ID": `{"RequestId":"` + secret + ` ` + secret + `","AccessKey":{"AccessKeyId":"AK1","AccessKeySecret":"` + secret + `"}}`,
		"an HTML page":                 `<html><body>` + secret + `</body></html>`,
		"a body over the limit":        `{"RequestId":"R","AccessKey":{"AccessKeyId":"AK1","AccessKeySecret":"` + secret + strings.Repeat("x", 20<<10) + `"}}`,
	}
	leaked := func(t *testing.T, what, s string) {
		t.Helper()
		creds := ossapi.Credentials(testCreds)
		for _, x := range []string{secret, creds.AccessKeySecret, creds.SecurityToken} {
			if strings.Contains(s, x) {
				t.Errorf("%s carries a secret:\n%s", what, s)
			}
		}
	}
	for name, body := range garbled {
		t.Run(name, func(t *testing.T) {
			_, hs := newRAMServer(t, func(n int, w http.ResponseWriter, form url.Values) { answerJSON(w, 200, body) })
			c, _ := testClient(t, hs, nil)
			lctx, logs := captureLogs()
			key, err := c.CreateAccessKey(lctx, "alice")
			if err == nil {
				t.Fatalf("a garbled answer was taken: %v", key)
			}
			leaked(t, "the error", fmt.Sprintf("%v %+v %#v %s", err, err, err, err.Error()))
			var de *ossapi.DecodeError
			if errors.As(err, &de) {
				leaked(t, "the error's detail", de.Detail())
			}
			if logs() == "" {
				t.Error("nothing was logged: the test logger is not in use")
			}
			leaked(t, "the logs", logs())
		})
	}

	t.Run("a good answer", func(t *testing.T) {
		_, hs := newRAMServer(t, func(n int, w http.ResponseWriter, form url.Values) { answerJSON(w, 200, newKeyAnswer) })
		c, _ := testClient(t, hs, nil)
		lctx, logs := captureLogs()
		key, err := c.CreateAccessKey(lctx, "alice")
		if err != nil || key.AccessKeySecret != secret {
			t.Fatalf("CreateAccessKey = %v, %v", key, err)
		}
		logr.FromContextOrDiscard(lctx).Info("created", "accessKey", key, "value", *key)
		leaked(t, "the logs", logs())
		if !strings.Contains(logs(), key.AccessKeyID) {
			t.Errorf("the key's log entry does not name it: %s", logs())
		}
	})
}

func TestAccessKeyNeverPrintsItsSecret(t *testing.T) {
	k := AccessKey{AccessKeyID: "0wNEpMMlzy7szvai", AccessKeySecret: secret, Status: StatusActive, CreateDate: date("2015-01-23T12:33:18Z")}
	type holder struct{ Key AccessKey }
	j, err := json.Marshal(k)
	if err != nil {
		t.Fatal(err)
	}
	outs := []string{k.String(), k.GoString(), string(j)}
	for _, verb := range []string{"%v", "%+v", "%#v", "%s", "%q", "%x", "%X", "%d"} {
		outs = append(outs, fmt.Sprintf(verb, k), fmt.Sprintf(verb, &k), fmt.Sprintf(verb, []AccessKey{k}), fmt.Sprintf(verb, holder{k}))
	}
	for _, s := range outs {
		if strings.Contains(s, secret) || strings.Contains(s, fmt.Sprintf("%x", secret)) {
			t.Errorf("prints the secret: %s", s)
		}
	}
	if !strings.Contains(k.String(), k.AccessKeyID) || !strings.Contains(k.String(), "<redacted>") {
		t.Errorf("String() = %s", k.String())
	}
}

// Calls that RAM would misread, or refuse, are refused before anything is sent: CreateAccessKey
// without a user name would create a key for the caller's own identity.
func TestInvalidArgumentsAreNotSent(t *testing.T) {
	srv, hs := newRAMServer(t, func(n int, w http.ResponseWriter, form url.Values) { answerJSON(w, 200, ackAnswer) })
	c, _ := testClient(t, hs, nil)
	for name, call := range map[string]func() error{
		"CreateAccessKey without a user": func() error { _, err := c.CreateAccessKey(ctx(), ""); return err },
		"CreateUser without a name":      func() error { _, err := c.CreateUser(ctx(), CreateUserInput{}); return err },
		"UpdateAccessKey to Disabled":    func() error { return c.UpdateAccessKey(ctx(), "alice", "AK", "Disabled") },
		"DeleteAccessKey without an ID":  func() error { return c.DeleteAccessKey(ctx(), "alice", "") },
		"GetPolicy of no type":           func() error { _, _, err := c.GetPolicy(ctx(), "p", ""); return err },
		"AttachPolicyToUser of a bad type": func() error {
			return c.AttachPolicyToUser(ctx(), "custom", "p", "alice")
		},
		"CreatePolicyVersion with an unknown strategy": func() error {
			_, err := c.CreatePolicyVersion(ctx(), "p", document, true, "DeleteAll")
			return err
		},
		"CreatePolicy without a document": func() error { _, err := c.CreatePolicy(ctx(), "p", "", ""); return err },
	} {
		if err := call(); !errors.Is(err, ErrInvalidArgument) || ossapi.Retryable(err) {
			t.Errorf("%s: %v (retryable %v), want ErrInvalidArgument", name, err, ossapi.Retryable(err))
		}
	}
	if srv.count() != 0 {
		t.Errorf("%d requests were sent", srv.count())
	}
}

func TestEveryActionHasALimit(t *testing.T) {
	if len(answerLimits) != len(Actions) {
		t.Errorf("%d limits for %d actions", len(answerLimits), len(Actions))
	}
	for _, a := range Actions {
		if answerLimits[a] <= 0 {
			t.Errorf("action %s has no limit", a)
		}
	}
}

// The largest answers RAM sends within its documented limits are read: a policy document of 6,144
// characters, each escaped to six bytes (\u003c), five versions of it, a user's 25 policies with
// descriptions of 1,024 characters escaped likewise.
func TestLargestAnswersAreRead(t *testing.T) {
	doc := strings.Repeat("<", 6144)
	desc := strings.Repeat("<", 1024)
	version := func(id string, isDefault bool) string {
		return fmt.Sprintf(`{"VersionId":%q,"IsDefaultVersion":%v,"PolicyDocument":%s,"CreateDate":"2015-01-25T12:33:18Z"}`, id, isDefault, quote(doc))
	}
	var versions, policies []string
	for i := 1; i <= 5; i++ {
		versions = append(versions, version(fmt.Sprintf("v%d", i), i == 5))
	}
	for i := 0; i < 25; i++ {
		policies = append(policies, fmt.Sprintf(`{"PolicyName":"policy-%d","PolicyType":"Custom","Description":%s,"DefaultVersion":"v5","AttachDate":"2015-01-23T12:33:18Z"}`, i, quote(desc)))
	}
	answers := map[string]string{
		ActionGetPolicy: `{"RequestId":"R","Policy":{"PolicyName":"p","PolicyType":"Custom","Description":` + quote(desc) +
			`,"DefaultVersion":"v5"},"DefaultPolicyVersion":` + version("v5", true) + `}`,
		ActionCreatePolicyVersion: `{"RequestId":"R","PolicyVersion":` + version("v5", true) + `}`,
		ActionListPolicyVersions:  `{"RequestId":"R","PolicyVersions":{"PolicyVersion":[` + strings.Join(versions, ",") + `]}}`,
		ActionListPoliciesForUser: `{"RequestId":"R","Policies":{"Policy":[` + strings.Join(policies, ",") + `]}}`,
	}
	if !strings.Contains(answers[ActionListPolicyVersions], `\u003c`) {
		t.Fatal("the documents are not escaped to six bytes a character")
	}
	_, hs := newRAMServer(t, func(n int, w http.ResponseWriter, form url.Values) { answerJSON(w, 200, answers[form.Get("Action")]) })
	c, _ := testClient(t, hs, func(cfg *Config) { cfg.Retry.MaxAttempts = 1 })
	if _, v, err := c.GetPolicy(ctx(), "p", PolicyTypeCustom); err != nil || v.PolicyDocument != doc {
		t.Errorf("GetPolicy: %v", err)
	}
	if _, err := c.CreatePolicyVersion(ctx(), "p", doc, true, ""); err != nil {
		t.Errorf("CreatePolicyVersion: %v", err)
	}
	if vs, err := c.ListPolicyVersions(ctx(), "p", PolicyTypeCustom); err != nil || len(vs) != 5 {
		t.Errorf("ListPolicyVersions: %d, %v", len(vs), err)
	}
	if ps, err := c.ListPoliciesForUser(ctx(), "alice"); err != nil || len(ps) != 25 {
		t.Errorf("ListPoliciesForUser: %d, %v", len(ps), err)
	}
}

// RAM calls count in the OSS calls' metrics under their Action; RAM's codes have their own series.
func TestMetrics(t *testing.T) {
	_, hs := newRAMServer(t, func(n int, w http.ResponseWriter, form url.Values) {
		ramError(w, 404, CodeEntityNotExistUser, "The user does not exist.")
	})
	m := ossapi.NewMetrics()
	reg := prometheus.NewPedanticRegistry()
	if err := m.Register(reg); err != nil {
		t.Fatal(err)
	}
	c, _ := testClient(t, hs, func(cfg *Config) { cfg.Metrics = m })
	_, _ = c.GetUser(ctx(), "alice")
	expected := `
# HELP ossoperator_oss_requests_total HTTP requests sent to OSS (every attempt), by operation and result code.
# TYPE ossoperator_oss_requests_total counter
ossoperator_oss_requests_total{code="EntityNotExist.User",operation="GetUser"} 1
`
	if err := testutil.GatherAndCompare(reg, strings.NewReader(expected), "ossoperator_oss_requests_total"); err != nil {
		t.Error(err)
	}
}

func TestNew(t *testing.T) {
	if _, err := New(Config{}); err == nil {
		t.Error("no credentials: no error")
	}
	if _, err := New(Config{Credentials: testCreds, Endpoint: "https://ram.aliyuncs.com/path"}); err == nil {
		t.Error("an endpoint with a path: no error")
	}
	c, err := New(Config{Credentials: testCreds})
	if err != nil || c.Endpoint() != DefaultEndpoint {
		t.Fatalf("New = %v, %v", c, err)
	}
	for _, s := range []string{c.String(), fmt.Sprintf("%v %+v", c, c)} {
		if strings.Contains(s, "caller-secret-value") || strings.Contains(s, "caller-sts-token") {
			t.Errorf("the client prints a credential: %s", s)
		}
	}
	if c, err := New(Config{Credentials: testCreds, Endpoint: "http://127.0.0.1:9000"}); err != nil || c.Endpoint() != "http://127.0.0.1:9000" {
		t.Errorf("emulator endpoint: %v, %v", c, err)
	}
}
