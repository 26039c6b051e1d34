package ossapi

import (
	"bytes"
	"context"
	"crypto/rand"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"reflect"
	"strings"
	"time"

	"github.com/ossoperator/oss-operator/ossapi/signer"
)

// The RPC-style APIs of Alibaba Cloud that the operator calls besides OSS, RAM and STS, take every
// parameter in a form-encoded POST to the endpoint's "/", signed with the RPC signature (package
// signer, SignRPC), and answer JSON. An RPCClient calls them on the same executor as the OSS Client:
// the same attempts, retries (Retryable), backoff, timeouts, clock correction, bounded reading,
// metrics and logs, and the same errors (*Error, *DecodeError, *TransportError,
// *ResponseTooLargeError, with Service naming the API). Packages ossapi/ram and ossapi/sts are typed
// clients on top of it.

// RPCConfig configures an RPCClient.
type RPCConfig struct {
	// Service names the API in errors and logs, such as RAM or STS. Required.
	Service string
	// Endpoint is scheme://host[:port], such as https://ram.aliyuncs.com ("https://" when no scheme is
	// given); http:// is for emulators. Required.
	Endpoint string
	// Version is the API version every request names, such as 2015-05-01. Required.
	Version string
	// Actions are the actions the client calls, each with the most bytes its 2xx answer may have (a
	// larger one is a *ResponseTooLargeError and not read). They are the closed set of the metrics'
	// operation label; the client refuses to call another. Required.
	Actions map[string]int64
	// Codes are the API's error codes that callers branch on. Each has a metric label of its own;
	// other codes the API's answers carry are counted as "other", unless ossapi knows them.
	Codes []string
	// Credentials sign every request but those marked Unsigned.
	Credentials CredentialsProvider
	RPCTransport
}

// RPCTransport is how an RPC client sends its requests, retries and records them: the same for every
// RPC API, so RPCConfig and the service clients' configurations (ram.Config, sts.Config) embed it.
type RPCTransport struct {
	// HTTPClient sends the requests; default: as for Config.HTTPClient.
	HTTPClient *http.Client
	// Retry bounds retries; zero fields take DefaultRetryPolicy's.
	Retry RetryPolicy
	// Timeout bounds each attempt; default 30s.
	Timeout time.Duration
	// Metrics records calls, in the same collectors as OSS calls (the operation is the Action); nil
	// records nothing.
	Metrics *Metrics
	// UserAgent is sent with every request; default DefaultUserAgent.
	UserAgent string
	// Now is the clock that the Timestamp parameter is taken from, corrected by the offset learnt from
	// the server (and that an RPCAnswerAt judges an answer by); default time.Now.
	Now func() time.Time
	// Sleep waits between attempts; default waits on a timer or the context.
	Sleep func(ctx context.Context, d time.Duration) error
	// Rand returns a uniform int64 in [0, n) for the backoff jitter; default math/rand/v2.
	Rand func(n int64) int64
}

// RPCClient calls an RPC-style API. It is safe for concurrent use.
type RPCClient struct {
	executor
	endpoint string // scheme://host[:port]
	version  string
	actions  map[string]int64
}

// NewRPCClient checks the configuration and returns a client.
func NewRPCClient(cfg RPCConfig) (*RPCClient, error) {
	if token(cfg.Service, maxCode) == "" {
		return nil, errors.New("ossapi: RPCConfig.Service is required (for example RAM)")
	}
	u, ok := parseEndpoint(cfg.Endpoint)
	if cfg.Endpoint == "" || !ok {
		return nil, fmt.Errorf("ossapi: RPCConfig.Endpoint %q is not scheme://host[:port]", cfg.Endpoint)
	}
	if cfg.Version == "" {
		return nil, errors.New("ossapi: RPCConfig.Version is required (for example 2015-05-01)")
	}
	if len(cfg.Actions) == 0 {
		return nil, errors.New("ossapi: RPCConfig.Actions is required")
	}
	actions := make(map[string]int64, len(cfg.Actions))
	ops := make([]string, 0, len(cfg.Actions))
	for action, limit := range cfg.Actions {
		if token(action, maxCode) == "" || limit <= 0 {
			return nil, fmt.Errorf("ossapi: RPCConfig.Actions: action %q needs a name and a positive limit", action)
		}
		actions[action] = limit
		ops = append(ops, action)
	}
	c := &RPCClient{endpoint: u.Scheme + "://" + u.Host, version: cfg.Version, actions: actions}
	c.init(settings{
		service: cfg.Service, credentials: cfg.Credentials, httpClient: cfg.HTTPClient, retry: cfg.Retry,
		timeout: cfg.Timeout, metrics: cfg.Metrics, userAgent: cfg.UserAgent, now: cfg.Now, sleep: cfg.Sleep,
		rand: cfg.Rand, ops: ops, codes: cfg.Codes,
	})
	return c, nil
}

// Endpoint is where the client sends, as scheme://host[:port].
func (c *RPCClient) Endpoint() string { return c.endpoint }

// String describes the client without its credentials.
func (c *RPCClient) String() string {
	return fmt.Sprintf("ossapi.RPCClient{service: %s, endpoint: %s, version: %s}", c.service, c.endpoint, c.version)
}

// RPCRequest is one call of an action.
type RPCRequest struct {
	Action string
	// Params are the action's own parameters. The client adds Action, Version, Format=JSON and the
	// signature's (AccessKeyId, SignatureMethod, SignatureVersion, SignatureNonce, Timestamp,
	// SecurityToken for STS credentials, Signature), which override any of the same name.
	Params url.Values
	// Unsigned calls are sent without credentials: Action, Version, Format, Timestamp and Params only
	// (STS AssumeRoleWithOIDC, which the OIDC token authenticates).
	Unsigned bool
	// SecretParams name parameters whose values must never reach an error, a log or a metric, such
	// as an OIDC token: an error answer that quotes one has it cut out of its Message. The security
	// token of STS credentials is always treated so.
	SecretParams []string
}

// RPCAnswer is a result type that judges whether a well-formed answer is the one asked for: the user
// asked about, a new AccessKey with its secret. An answer it refuses is a *DecodeError, retried like
// a 503. Its error is logged at debug level: it may name what the answer holds, but never a secret.
type RPCAnswer interface {
	CheckAnswer(req RPCRequest) error
}

// RPCAnswerAt is a result type whose judgement depends on when the answer came: credentials that
// expire before they arrive are not the answer asked for. now is the client's clock (RPCConfig.Now)
// corrected by the offset learnt from the server, the clock the client signs with. A result type
// that is an RPCAnswerAt is judged by CheckAnswerAt instead of CheckAnswer, with the same
// consequences and the same duty never to quote a secret.
type RPCAnswerAt interface {
	CheckAnswerAt(req RPCRequest, now time.Time) error
}

// errUnknownAction is the error of a call of an action the client was not configured with.
var errUnknownAction = errors.New("the action is not one of the client's (RPCConfig.Actions)")

// Call calls the action and decodes its JSON answer into out, a pointer to a struct (nil: the answer
// is checked and dropped). Every answer must be a JSON object with a RequestId and without a Code, and
// no larger than the action's limit; unknown fields are ignored, and if out is an RPCAnswer (or an
// RPCAnswerAt) it checks the rest. The error is an *Error for an error answer (Operation is the Action), a *DecodeError, a
// *ResponseTooLargeError, a *TransportError or the context's, after the retries Retryable and the
// RetryPolicy allow.
func (c *RPCClient) Call(ctx context.Context, req RPCRequest, out any) error {
	limit, ok := c.actions[req.Action]
	if !ok {
		return fmt.Errorf("ossapi: %s: %w", req.Action, errUnknownAction)
	}
	if out != nil {
		if v := reflect.ValueOf(out); v.Kind() != reflect.Pointer || v.IsNil() || v.Elem().Kind() != reflect.Struct {
			return fmt.Errorf("ossapi: %s: the result must be a pointer to a struct, not %T", req.Action, out)
		}
	}
	var secrets []string // of the attempt being made: its security token, its secret parameters
	_, err := c.run(ctx, &exchange{
		op:       req.Action,
		unsigned: req.Unsigned,
		limit:    limit,
		build: func(ctx context.Context, creds Credentials, now time.Time) (*http.Request, error) {
			secrets = secrets[:0]
			for _, name := range req.SecretParams {
				secrets = append(secrets, req.Params[name]...)
			}
			secrets = append(secrets, creds.SecurityToken)
			return c.newHTTPRequest(ctx, req, creds, now)
		},
		readError: func(status int, header http.Header, body []byte, tooLarge bool) *Error {
			return newRPCError(c.service, req.Action, status, body, tooLarge, secrets)
		},
		decode: func(body io.Reader) error {
			return decodeRPC(body, req, out, c.now().Add(c.ClockOffset()))
		},
	})
	return err
}

// newHTTPRequest is one attempt of req: a form-encoded POST to the endpoint's "/", signed with creds
// at now with a nonce of its own.
func (c *RPCClient) newHTTPRequest(ctx context.Context, req RPCRequest, creds Credentials, now time.Time) (*http.Request, error) {
	params := make(url.Values, len(req.Params)+10)
	for k, vs := range req.Params {
		params[k] = append([]string(nil), vs...)
	}
	params.Set(signer.RPCParamAction, req.Action)
	params.Set(signer.RPCParamVersion, c.version)
	params.Set(signer.RPCParamFormat, "JSON")
	if req.Unsigned {
		for _, p := range []string{signer.RPCParamAccessKeyID, signer.RPCParamSignature, signer.RPCParamSignatureMethod,
			signer.RPCParamSignatureVersion, signer.RPCParamSignatureNonce, signer.RPCParamSecurityToken} {
			params.Del(p)
		}
		params.Set(signer.RPCParamTimestamp, now.UTC().Format(signer.RPCTimestampFormat))
	} else {
		signer.SignRPC(http.MethodPost, params, creds, rand.Text(), now)
	}
	hreq, err := http.NewRequestWithContext(ctx, http.MethodPost, c.endpoint+"/", strings.NewReader(params.Encode()))
	if err != nil {
		return nil, err
	}
	hreq.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	hreq.Header.Set("Accept", "application/json")
	return hreq, nil
}

// Problems of an RPC answer, besides those of errors.go.
const (
	problemErrorDocument = "is an error document"
	problemNoRequestID   = "has no request ID"
)

// rpcEnvelope is what every answer of the RPC APIs carries: a request ID, and no error code.
type rpcEnvelope struct {
	RequestID string `json:"RequestId"`
	Code      string `json:"Code"`
}

// decodeRPC reads the JSON document in body into out, after clearing it, and checks it is the answer
// to req, come at now. The document is read whole (the body stops at the action's limit) and decoded from memory;
// a cause of a refusal is in the client's words and quotes nothing of the answer, which may hold a
// secret.
func decodeRPC(body io.Reader, req RPCRequest, out any, now time.Time) error {
	dec := json.NewDecoder(body)
	var raw json.RawMessage
	if err := dec.Decode(&raw); err != nil {
		if err == io.EOF {
			return refuse(problemEmpty, errNoDocument)
		}
		return jsonRefusal(err)
	}
	if err := dec.Decode(new(json.RawMessage)); err != io.EOF {
		if errors.Is(err, errOverLimit) {
			return err // read() says so
		}
		return refuse(problemNotJSON, errors.New("the body goes on after the document"))
	}
	var env rpcEnvelope
	if err := json.Unmarshal(raw, &env); err != nil {
		return jsonRefusal(err)
	}
	if env.Code != "" {
		return refuse(problemErrorDocument, nil)
	}
	if token(env.RequestID, maxRequestID) == "" {
		return refuse(problemNoRequestID, nil)
	}
	if out == nil {
		return nil
	}
	reflect.ValueOf(out).Elem().SetZero()
	if err := json.Unmarshal(raw, out); err != nil {
		return jsonRefusal(err)
	}
	var err error
	switch a := out.(type) {
	case RPCAnswerAt:
		err = a.CheckAnswerAt(req, now)
	case RPCAnswer:
		err = a.CheckAnswer(req)
	}
	if err != nil {
		return refuse(problemNotTheAnswer, err)
	}
	return nil
}

// jsonRefusal is the refusal of a document encoding/json could not decode. Its cause says where and
// what kind of value, never the value: encoding/json quotes a number it cannot store, and a syntax
// error names the character at fault.
func jsonRefusal(err error) error {
	var (
		syntax *json.SyntaxError
		typ    *json.UnmarshalTypeError
	)
	switch {
	case errors.Is(err, errOverLimit):
		return err // read() says so
	case errors.As(err, &syntax):
		return refuse(problemNotJSON, fmt.Errorf("invalid JSON at byte %d", syntax.Offset))
	case errors.Is(err, io.ErrUnexpectedEOF):
		return refuse(problemNotJSON, errors.New("the document ends early"))
	case errors.As(err, &typ) && typ.Field == "":
		return refuse(problemWrongDocument, fmt.Errorf("the document is a JSON %s, not an object", jsonKind(typ.Value)))
	case errors.As(err, &typ):
		return refuse(problemBadValue, fmt.Errorf("%s is a JSON %s, not %v", typ.Field, jsonKind(typ.Value), typ.Type))
	}
	return refuse(problemBadValue, nil) // a type's own UnmarshalJSON: its words could quote the value
}

// jsonKind is the kind of JSON value an UnmarshalTypeError names: "string", "number", ... without the
// number itself that follows.
func jsonKind(value string) string {
	kind, _, _ := strings.Cut(value, " ")
	return kind
}

// rpcErrorBody is the error document of the RPC APIs: {"RequestId", "HostId", "Code", "Message"}, and
// fields that newer gateways add (Recommend, ...), which are not kept.
type rpcErrorBody struct {
	RequestID string `json:"RequestId"`
	HostID    string `json:"HostId"`
	Code      string `json:"Code"`
	Message   string `json:"Message"`
}

// newRPCError builds the Error of an RPC API's error answer, bounded as an OSS Error is (see Error). A
// Message that quotes the string to sign (SignatureDoesNotMatch does) is cut before it, and any of
// secrets it holds, raw or percent-encoded, is cut out: the string to sign carries the security token
// of STS credentials.
func newRPCError(service, op string, status int, body []byte, tooLarge bool, secrets []string) *Error {
	e := &Error{Service: service, Operation: op, StatusCode: status, Code: statusCode(status)}
	switch {
	case tooLarge:
		e.Message = "the answer is larger than " + byteSize(maxErrorBody) + ", more than an error document; it was not read"
		return e
	case len(bytes.TrimSpace(body)) == 0:
		return e
	}
	var eb rpcErrorBody
	// Callers compare codes: a code with spaces around it must not be a new code.
	if json.Unmarshal(body, &eb) != nil || token(eb.Code, maxCode) == "" {
		e.Message = "the answer is not an error document of " + serviceName(service)
		return e
	}
	e.Code = token(eb.Code, maxCode)
	e.Message = boundText(redact(withoutStringToSign(eb.Message), secrets), maxErrorMessage)
	e.HostID = token(eb.HostID, maxHostID)
	e.RequestID = token(eb.RequestID, maxRequestID)
	return e
}

// withoutStringToSign cuts a message that quotes the string to sign ("... server string to sign
// is:POST&%2F&AccessKeyId%3D...") at the end of the last sentence before it.
func withoutStringToSign(msg string) string {
	i := strings.Index(strings.ToLower(msg), "string to sign")
	if i < 0 {
		return msg
	}
	head := msg[:i]
	if j := strings.LastIndex(head, "."); j >= 0 {
		return head[:j+1] + " (the string to sign it quotes is left out)"
	}
	return "(the message quotes the string to sign; it is left out)"
}

// redact cuts each of secrets out of s, as sent (raw) and as the form body or the string to sign
// encode it (percent-encoded once or twice).
func redact(s string, secrets []string) string {
	for _, secret := range secrets {
		if secret == "" {
			continue
		}
		once := signer.Escape(secret, false)
		for _, form := range []string{signer.Escape(once, false), once, url.QueryEscape(secret), secret} {
			s = strings.ReplaceAll(s, form, "<redacted>")
		}
	}
	return s
}
