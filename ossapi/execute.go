package ossapi

import (
	"bytes"
	"context"
	"crypto/md5"
	"crypto/tls"
	"crypto/x509"
	"encoding/base64"
	"encoding/xml"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/url"
	"reflect"
	"regexp"
	"strings"
	"sync/atomic"
	"syscall"
	"time"

	"github.com/go-logr/logr"

	"github.com/ossoperator/oss-operator/ossapi/internal/xmlscan"
	"github.com/ossoperator/oss-operator/ossapi/signer"
)

// Headers OSS uses.
const (
	HeaderACL             = "x-oss-acl"
	HeaderResourceGroupID = "x-oss-resource-group-id"
	HeaderRequestID       = "x-oss-request-id"
	HeaderEC              = "x-oss-ec"
	HeaderErr             = "x-oss-err"
	HeaderVersionID       = "x-oss-version-id"
	HeaderDeleteMarker    = "x-oss-delete-marker"
)

// request describes one OSS call; execute turns it into signed HTTP requests.
type request struct {
	op     string
	method string
	bucket string
	key    string
	query  url.Values
	header http.Header
	body   []byte
	// decode, if set, reads a 2xx answer's body in the attempt that received it, so that an answer
	// it refuses is a *DecodeError and retried like a 503. The body stops at the operation's limit
	// (limits.go): decode must read it as a stream, not gather more than it needs.
	decode func(body io.Reader) error
}

// bucketRequest is a call on a bucket sub-resource such as ?lifecycle.
func bucketRequest(op, method, bucket, subresource string) *request {
	return &request{op: op, method: method, bucket: bucket, query: url.Values{subresource: {""}}, header: http.Header{}}
}

// setBody sets the body, its type and its Content-MD5, which OSS checks whenever it is present.
func (r *request) setBody(body []byte, contentType string) {
	if r.header == nil {
		r.header = http.Header{}
	}
	sum := md5.Sum(body)
	r.body = body
	r.header.Set(signer.HeaderContentType, contentType)
	r.header.Set(signer.HeaderContentMD5, base64.StdEncoding.EncodeToString(sum[:]))
}

// setXMLBody marshals v as the body. The types marshalled here cannot fail to encode.
func (r *request) setXMLBody(v any) {
	b, err := xml.Marshal(v)
	if err != nil {
		panic(fmt.Sprintf("ossapi: %s: encoding the request body: %v", r.op, err))
	}
	r.setBody(b, "application/xml")
}

type response struct {
	status int
	header http.Header
}

// do sends the request, retrying as the RetryPolicy allows, and returns a 2xx response or an error:
// *Error for an OSS error answer, *DecodeError for an answer that cannot be read or that r.decode
// refuses, *ResponseTooLargeError for a 2xx body over the operation's limit, or the transport or
// context error.
func (c *Client) do(ctx context.Context, r *request) (*response, error) {
	if r.bucket != "" && !c.pathStyle && !ValidBucketName(r.bucket) {
		return nil, fmt.Errorf("ossapi: %s: %w %q: 3-63 characters of a-z, 0-9 and -, starting and ending with a letter or digit", r.op, ErrInvalidBucketName, r.bucket)
	}
	limit := noDocument.bytes
	if r.decode != nil {
		limit = answerLimit(r.op).bytes
	}
	return c.run(ctx, &exchange{
		op:     r.op,
		bucket: r.bucket,
		limit:  limit,
		build: func(ctx context.Context, creds Credentials, now time.Time) (*http.Request, error) {
			return c.newHTTPRequest(ctx, r, creds, now)
		},
		readError: func(status int, header http.Header, body []byte, tooLarge bool) *Error {
			if tooLarge {
				return oversizedError(r.op, r.bucket, status, header)
			}
			return newError(r.op, r.bucket, status, header, body)
		},
		decode: r.decode,
	})
}

// newHTTPRequest is one attempt of r, signed with creds at now.
func (c *Client) newHTTPRequest(ctx context.Context, r *request, creds Credentials, now time.Time) (*http.Request, error) {
	query := r.query
	if query == nil {
		query = url.Values{}
	}
	header := http.Header{}
	for k, vs := range r.header {
		header[http.CanonicalHeaderKey(k)] = append([]string(nil), vs...)
	}
	sreq := &signer.Request{Method: r.method, Bucket: r.bucket, Key: r.key, Query: query, Header: header}
	if c.cfg.SignatureVersion == SignatureV1 {
		signer.SignV1(sreq, creds, now)
	} else {
		signer.SignV4(sreq, creds, signer.Scope{Region: c.cfg.Region}, now, nil)
	}

	u := c.URL(r.bucket, r.key, query)
	hreq, err := http.NewRequestWithContext(ctx, r.method, u.String(), bytes.NewReader(r.body))
	if err != nil {
		return nil, err
	}
	hreq.Header = header
	hreq.ContentLength = int64(len(r.body))
	if len(r.body) == 0 {
		hreq.Body = http.NoBody
	}
	return hreq, nil
}

// executor runs calls, for the OSS Client and for the RPCClient alike: each attempt is built and
// signed anew, sent within the attempt's timeout, and its answer read within the call's bounds; an
// attempt that failed is followed by another as long as Retryable says it may succeed and the
// RetryPolicy allows, after a backoff with full jitter. Every attempt is counted in the metrics. The
// clients differ only in how a call becomes an HTTP request and how its error answers read.
type executor struct {
	// service names the API in errors and logs: "" for OSS, "RAM", "STS".
	service   string
	creds     CredentialsProvider
	http      *http.Client
	retry     RetryPolicy
	timeout   time.Duration
	metrics   *Metrics
	userAgent string
	now       func() time.Time
	sleep     func(ctx context.Context, d time.Duration) error
	rand      func(n int64) int64
	// ops are the operations with a metric label of their own: the client's closed set.
	ops map[string]bool
	// codes are the service's codes with a metric label of their own, besides codeLabels.
	codes map[string]bool
	// pacer, if set, paces every attempt.
	pacer Pacer
	// clockOffset is server time minus local time in nanoseconds, learnt from a refusal of the
	// request's time (RequestTimeTooSkewed, InvalidTimeStamp.Expired).
	clockOffset atomic.Int64
}

// settings are what an executor takes from a client's configuration; zero fields take defaults.
type settings struct {
	service     string
	credentials CredentialsProvider
	httpClient  *http.Client
	retry       RetryPolicy
	timeout     time.Duration
	metrics     *Metrics
	userAgent   string
	now         func() time.Time
	sleep       func(ctx context.Context, d time.Duration) error
	rand        func(n int64) int64
	ops         []string
	codes       []string
	pacer       Pacer
}

func (x *executor) init(s settings) {
	x.service, x.creds, x.http, x.retry, x.timeout = s.service, s.credentials, s.httpClient, s.retry.withDefaults(), s.timeout
	x.metrics, x.userAgent, x.now, x.sleep, x.rand = s.metrics, s.userAgent, s.now, s.sleep, s.rand
	x.ops, x.codes, x.pacer = setOf(s.ops...), setOf(s.codes...), s.pacer
	if x.http == nil {
		x.http = defaultHTTPClient()
	}
	if x.timeout <= 0 {
		x.timeout = 30 * time.Second
	}
	if x.userAgent == "" {
		x.userAgent = DefaultUserAgent
	}
	if x.now == nil {
		x.now = time.Now
	}
	if x.sleep == nil {
		x.sleep = sleepContext
	}
	if x.rand == nil {
		x.rand = defaultRand
	}
}

// ClockOffset is the correction applied to the local clock when signing, learnt from the server.
func (x *executor) ClockOffset() time.Duration { return time.Duration(x.clockOffset.Load()) }

// exchange is one call as an executor runs it.
type exchange struct {
	op     string
	bucket string // the bucket an OSS call is about, for errors and logs
	// unsigned calls are sent without credentials (STS AssumeRoleWithOIDC).
	unsigned bool
	// limit is the most bytes read of a 2xx body: a larger one is a *ResponseTooLargeError when
	// decode is set, and left unread otherwise.
	limit int64
	// build makes the HTTP request of one attempt, signed with creds (zero for an unsigned call) at
	// now, the client's clock corrected by the offset learnt from the server. ctx bounds the attempt.
	build func(ctx context.Context, creds Credentials, now time.Time) (*http.Request, error)
	// readError makes the *Error of an error answer from at most maxErrorBody bytes of its body;
	// tooLarge says the body was larger, and not read.
	readError func(status int, header http.Header, body []byte, tooLarge bool) *Error
	// decode, if set, reads a 2xx answer's body in the attempt that received it, so that an answer
	// it refuses is a *DecodeError and retried like a 503. The body stops at limit (limits.go):
	// decode must read it as a stream, not gather more than it needs.
	decode func(body io.Reader) error
}

// run makes the call, retrying as the RetryPolicy allows, and returns a 2xx response or an error:
// *Error for an error answer, *DecodeError for an answer that cannot be read or that decode refuses,
// *ResponseTooLargeError for a 2xx body over the limit, or the transport or context error.
func (x *executor) run(ctx context.Context, c *exchange) (*response, error) {
	log := logr.FromContextOrDiscard(ctx).WithValues("operation", c.op)
	if c.bucket != "" {
		log = log.WithValues("ossBucket", c.bucket)
	}
	name := serviceName(x.service)
	for attempt := 1; ; attempt++ {
		resp, err := x.attempt(ctx, c)
		code := resultCode(err)
		if err == nil {
			log.V(2).Info(name+" request done", "attempt", attempt, "status", resp.status)
			return resp, nil
		}
		retry, delay := x.shouldRetry(ctx, err, attempt)
		if !retry {
			log.V(1).Info(name+" request failed", "attempt", attempt, "code", code, "detail", detail(err))
			return nil, err
		}
		x.metrics.retried(x.opLabel(c.op), x.codeLabel(code))
		log.V(1).Info(name+" request will be retried", "attempt", attempt, "code", code, "detail", detail(err), "delay", delay.String())
		if serr := x.sleep(ctx, delay); serr != nil {
			return nil, fmt.Errorf("ossapi: %s: %w (after %d attempts; last: %v)", c.op, serr, attempt, err)
		}
	}
}

// shouldRetry decides whether attempt n, which failed with err, is followed by another, and after what
// delay. What is worth another attempt is Retryable's alone; this adds only the attempt budget, the
// caller's context, and the one retry that needs no backoff.
func (x *executor) shouldRetry(ctx context.Context, err error, attempt int) (bool, time.Duration) {
	if attempt >= x.retry.MaxAttempts || ctx.Err() != nil || !Retryable(err) {
		return false, 0
	}
	if e, ok := AsError(err); ok && clockSkewCodes[e.Code] {
		return true, 0 // the attempt corrected the clock: the next is signed with the server's time
	}
	return true, x.retry.backoff(attempt, x.rand)
}

// attempt signs and sends the call once.
func (x *executor) attempt(ctx context.Context, c *exchange) (*response, error) {
	var creds Credentials
	if !c.unsigned {
		if x.creds == nil {
			return nil, fmt.Errorf("ossapi: %s: no credentials to sign with", c.op)
		}
		var err error
		if creds, err = x.creds.Credentials(ctx); err != nil {
			return nil, fmt.Errorf("ossapi: %s: getting credentials: %w", c.op, err)
		}
		if !creds.HasKeys() {
			return nil, fmt.Errorf("ossapi: %s: credentials have no access key ID or secret", c.op)
		}
	}
	if x.pacer != nil {
		if err := x.pacer.Wait(ctx); err != nil {
			if ctx.Err() != nil {
				return nil, fmt.Errorf("ossapi: %s: %w", c.op, ctx.Err())
			}
			return nil, &TransportError{Service: x.service, Op: c.op, Err: err}
		}
	}
	actx, cancel := context.WithTimeout(ctx, x.timeout)
	defer cancel()
	start := time.Now()
	resp, err := x.send(ctx, actx, c, creds)
	if x.pacer != nil {
		x.pacer.Done(time.Since(start), err)
	}
	return resp, err
}

// send builds, sends and reads one attempt.
func (x *executor) send(ctx, actx context.Context, c *exchange, creds Credentials) (*response, error) {
	hreq, err := c.build(actx, creds, x.now().Add(x.ClockOffset()))
	if err != nil {
		return nil, fmt.Errorf("ossapi: %s: %w", c.op, err)
	}
	hreq.Header.Set("User-Agent", x.userAgent)

	start := time.Now()
	hresp, err := x.http.Do(hreq)
	if err != nil {
		err = x.transportFailed(ctx, c, err)
		x.metrics.observe(x.opLabel(c.op), x.codeLabel(resultCode(err)), time.Since(start).Seconds())
		return nil, err
	}
	defer hresp.Body.Close()
	resp, err := x.read(ctx, c, hresp)
	x.metrics.observe(x.opLabel(c.op), x.codeLabel(resultCode(err)), time.Since(start).Seconds())
	return resp, err
}

// read takes in an answer. An error answer becomes an *Error, from at most maxErrorBody bytes of its
// body. A 2xx body goes to c.decode, or is drained, through a limitedBody: whatever the server sends,
// no more than the call's limit is read.
func (x *executor) read(ctx context.Context, c *exchange, hresp *http.Response) (*response, error) {
	if hresp.StatusCode >= 300 {
		// An error document is small and flat: bounding its bytes bounds its elements.
		var oerr *Error
		if hresp.ContentLength <= maxErrorBody {
			// A read error leaves what came: the status is the answer, the body only details it.
			if body, over, _ := readAtMost(hresp.Body, maxErrorBody); !over {
				oerr = c.readError(hresp.StatusCode, hresp.Header, body, false)
			}
		}
		if oerr == nil {
			oerr = c.readError(hresp.StatusCode, hresp.Header, nil, true)
		}
		oerr.Service = x.service
		if clockSkewCodes[oerr.Code] {
			x.correctClock(hresp.Header.Get("Date"))
		}
		return nil, oerr
	}
	resp := &response{status: hresp.StatusCode, header: hresp.Header}
	if c.decode == nil {
		// No document is expected: drain what the server would send (nothing) so the connection
		// can be reused, and leave the rest unread. The status is the answer.
		body := newLimitedBody(hresp.Body, c.limit)
		_, _ = io.Copy(io.Discard, body)
		if body.err != nil {
			return nil, x.transportFailed(ctx, c, body.err)
		}
		return resp, nil
	}
	tooLarge := &ResponseTooLargeError{Service: x.service, Op: c.op, StatusCode: hresp.StatusCode, Limit: c.limit}
	if hresp.ContentLength > c.limit {
		return nil, tooLarge
	}
	body := newLimitedBody(hresp.Body, c.limit)
	err := c.decode(body)
	var over *overDocumentLimit
	switch {
	case err == nil:
		return resp, nil
	case body.over:
		return nil, tooLarge
	case body.err != nil:
		return nil, x.transportFailed(ctx, c, body.err)
	case errors.As(err, &over):
		tooLarge.Over = over.over
		return nil, tooLarge
	}
	de := newDecodeError(c.op, hresp.StatusCode, err)
	de.Service = x.service
	return nil, de
}

// transportFailed is the error of an attempt that got no answer, or one cut short: the caller's
// context's, or a *TransportError (the attempt's own timeout among them).
func (x *executor) transportFailed(ctx context.Context, c *exchange, err error) error {
	if ctx.Err() != nil {
		return fmt.Errorf("ossapi: %s: %w", c.op, ctx.Err())
	}
	return &TransportError{Service: x.service, Op: c.op, Err: redactErr(err)}
}

// correctClock sets the clock offset from the server's Date header after it refused the request's
// time.
func (x *executor) correctClock(date string) {
	server, err := http.ParseTime(date)
	if err != nil {
		return
	}
	x.clockOffset.Store(int64(server.Sub(x.now())))
}

// opLabel is op's metric label: op if it is one of the client's operations, "other" if not.
func (x *executor) opLabel(op string) string {
	if x.ops[op] {
		return op
	}
	return labelOther
}

// codeLabel is code's metric label: code if it is one the project knows or the client's service
// names, "other" if not.
func (x *executor) codeLabel(code string) string {
	if x.codes[code] {
		return code
	}
	return codeLabel(code)
}

// doXML sends the request and decodes the XML answer into out, which must be a pointer to a struct
// with an XMLName naming the document's root element.
func (c *Client) doXML(ctx context.Context, r *request, out any) error {
	r.decode = func(body io.Reader) error { return decodeXML(r, body, out) }
	_, err := c.do(ctx, r)
	return err
}

// An answer is a result type that judges what the decoder made of a 2xx body: a well-formed document
// can still be about another bucket, or lack what makes it an answer at all. List results also decode
// here the keys OSS URL-encoded, so a key that does not decode is retried too. What accept refuses is
// a refusal, whose problem is the client's words.
type answer interface {
	accept(r *request) error
}

// decodeXML decodes the document in body into out, after clearing it: a retried attempt must not add
// to what a garbled one left. It reads body as a stream and counts its elements, so what it holds is
// bounded by the operation's limit. The root element must be out's XMLName; an answer must then
// accept it.
func decodeXML(r *request, body io.Reader, out any) error {
	v := reflect.ValueOf(out).Elem()
	v.SetZero()
	d := newDocumentDecoder(body, answerLimit(r.op))
	start, err := rootElement(d)
	if err != nil {
		return err
	}
	if want := rootName(v.Type()); want != "" && start.Name.Local != want {
		return refuse(problemWrongDocument, fmt.Errorf("the root element is <%s>, not <%s>", start.Name.Local, want))
	}
	if err := d.DecodeElement(out, &start); err != nil {
		return documentError(err)
	}
	if a, ok := out.(answer); ok {
		return a.accept(r)
	}
	return nil
}

// documentError is what a decoder's failure says of the document: that it is not XML, that it is
// over its limit (left as it is: read() says so), or that a value does not fit its field.
func documentError(err error) error {
	var syntax *xml.SyntaxError
	if errors.As(err, &syntax) || xmlscan.IsSyntax(err) {
		return refuse(problemNotXML, err)
	}
	var limit *xmlscan.LimitError
	if errors.As(err, &limit) {
		return &overDocumentLimit{over: limit.Over}
	}
	var over *overDocumentLimit
	if errors.Is(err, errOverLimit) || errors.As(err, &over) {
		return err
	}
	return refuse(problemBadValue, err)
}

// errNoDocument is the cause of a body that is empty, or white space.
var errNoDocument = errors.New("the body is empty")

// rootElement reads up to the document's root element, past what may come before it (an XML
// declaration, comments, white space), as xml.Unmarshal does.
func rootElement(d *xml.Decoder) (xml.StartElement, error) {
	text := false // seen text that is not white space
	for {
		tok, err := d.Token()
		switch {
		case err == io.EOF && text:
			return xml.StartElement{}, refuse(problemNotXML, errors.New("the body holds no element"))
		case err == io.EOF:
			return xml.StartElement{}, refuse(problemEmpty, errNoDocument)
		case errors.Is(err, errOverLimit), errors.As(err, new(*overDocumentLimit)):
			return xml.StartElement{}, err // read() says so
		case err != nil:
			return xml.StartElement{}, refuse(problemNotXML, err)
		}
		switch t := tok.(type) {
		case xml.StartElement:
			return t, nil
		case xml.CharData:
			text = text || len(bytes.TrimSpace(t)) > 0
		}
	}
}

// newScanner reads a document within lim, as newDocumentDecoder does, with an xmlscan.Scanner.
func newScanner(r io.Reader, lim limit) *xmlscan.Scanner {
	return xmlscan.New(r, xmlscan.Limits{Elements: lim.elements, Children: lim.children, TokenBytes: maxToken})
}

// scanRoot reads up to the document's root element with s, and refuses what rootElement refuses.
func scanRoot(s *xmlscan.Scanner) (string, error) {
	name, text, err := s.Root()
	switch {
	case err != nil:
		var limit *xmlscan.LimitError
		if errors.As(err, &limit) {
			return "", &overDocumentLimit{over: limit.Over}
		}
		if errors.Is(err, errOverLimit) {
			return "", err // read() says so
		}
		return "", refuse(problemNotXML, err)
	case name == "" && text:
		return "", refuse(problemNotXML, errors.New("the body holds no element"))
	case name == "":
		return "", refuse(problemEmpty, errNoDocument)
	}
	return name, nil
}

// rootName is the root element a result type names in its XMLName field's tag, or "".
func rootName(t reflect.Type) string {
	if t.Kind() != reflect.Struct {
		return ""
	}
	f, ok := t.FieldByName("XMLName")
	if !ok {
		return ""
	}
	name, _, _ := strings.Cut(f.Tag.Get("xml"), ",")
	if i := strings.LastIndexByte(name, ' '); i >= 0 {
		name = name[i+1:] // "namespace name"
	}
	return name
}

// namesBucket checks that an answer names the bucket it was asked about.
func namesBucket(r *request, named string) error {
	switch named = strings.TrimSpace(named); {
	case named == r.bucket:
		return nil
	case named == "":
		return refuse(problemNoBucket, nil)
	}
	return refuse(problemOtherBucket, fmt.Errorf("the answer names bucket %q, not %q", named, r.bucket))
}

// getSetting reads a bucket setting into out. found is false, with a nil error, when OSS answers with
// one of the notConfigured codes.
func (c *Client) getSetting(ctx context.Context, r *request, out any, notConfigured ...string) (found bool, err error) {
	err = c.doXML(ctx, r, out)
	if IsCode(err, notConfigured...) {
		return false, nil
	}
	return err == nil, err
}

// TransportError is a request that got no answer from OSS (or the RPC API named by Service):
// connection refused or reset, a timeout, a response cut short, an answer that is not HTTP.
//
// Its message says what happened in the client's words (and Go's, where they quote nothing of the
// server's): Go's own messages can quote what the server sent, such as a malformed status line or
// header, or names in its certificate. Err keeps the cause for a debug log.
type TransportError struct {
	// Service is the API asked: "" for OSS, or an RPC API's name (see Error).
	Service string
	Op      string
	Err     error
}

func (e *TransportError) Error() string {
	return servicePrefix(e.Service) + e.Op + ": " + transportProblem(e.Err)
}
func (e *TransportError) Unwrap() error { return e.Err }

// transportProblem says why no answer came, quoting nothing the server sent.
func transportProblem(err error) string {
	var (
		netErr    net.Error
		dnsErr    *net.DNSError
		certErr   *tls.CertificateVerificationError
		hostErr   x509.HostnameError
		authErr   x509.UnknownAuthorityError
		invalidCA x509.CertificateInvalidError
		recordErr tls.RecordHeaderError
	)
	switch {
	case err == nil:
		return "no answer"
	case errors.Is(err, context.DeadlineExceeded), errors.As(err, &netErr) && netErr.Timeout():
		return "no answer in time"
	case errors.Is(err, syscall.ECONNREFUSED):
		return "connection refused"
	case errors.Is(err, syscall.ECONNRESET), errors.Is(err, syscall.EPIPE):
		return "the connection was reset"
	case errors.Is(err, io.ErrUnexpectedEOF), errors.Is(err, io.EOF):
		return "the connection closed before the answer was complete"
	case errors.As(err, &dnsErr):
		return dnsErr.Error() // names the endpoint's host, the client's own
	case errors.As(err, &hostErr):
		return "the endpoint's TLS certificate is not valid for " + hostErr.Host
	case errors.As(err, &authErr):
		return "the endpoint's TLS certificate is signed by an unknown authority"
	case errors.As(err, &invalidCA) && invalidCA.Reason == x509.Expired:
		return "the endpoint's TLS certificate has expired or is not yet valid"
	case errors.As(err, &certErr), errors.As(err, &invalidCA):
		return "the endpoint's TLS certificate cannot be verified"
	case errors.As(err, &recordErr):
		return "the endpoint does not speak TLS"
	}
	var uerr *url.Error
	if errors.As(err, &uerr) {
		err = uerr.Err // its message quotes the URL, which is the client's
	}
	return boundText(quoted.ReplaceAllString(err.Error(), `"..."`), 200)
}

// quoted matches a string Go's %q wrote, which is how net/http, crypto/tls and x509 quote what a server
// sent (a malformed status line or header, GOAWAY debug data, a certificate's names).
var quoted = regexp.MustCompile(`"(?:[^"\\]|\\.)*"`)

// detail is the cause of a failed attempt for a debug log, bounded and quoted: it may carry what the
// server sent.
func detail(err error) string {
	var de *DecodeError
	var te *TransportError
	switch {
	case errors.As(err, &de):
		return de.Detail()
	case errors.As(err, &te) && te.Err != nil:
		return quoteDetail(te.Err.Error())
	}
	return ""
}

// redactErr drops the query string of a *url.Error's URL. Requests are signed in headers, but a
// caller's query could still carry something that should not reach a log.
func redactErr(err error) error {
	var uerr *url.Error
	if errors.As(err, &uerr) {
		if u, perr := url.Parse(uerr.URL); perr == nil {
			u.RawQuery = ""
			return &url.Error{Op: uerr.Op, URL: u.String(), Err: uerr.Err}
		}
	}
	return err
}

// Outcomes of an attempt that are not an OSS code, for logs and metrics.
const (
	resultOK           = "OK"
	resultNetworkError = "NetworkError"
	resultTimeout      = "Timeout"
	resultCanceled     = "Canceled"
	resultDecodeError  = "DecodeError"
	resultTooLarge     = "TooLarge"
)

// resultCode names an attempt's outcome: OK, the OSS code (bounded and printable, see Error), or one of
// the client's outcomes. Metrics map it onto a closed set (metrics.go).
func resultCode(err error) string {
	switch {
	case err == nil:
		return resultOK
	case errors.Is(err, context.Canceled), errors.Is(err, context.DeadlineExceeded):
		var te *TransportError
		if errors.As(err, &te) {
			return resultTimeout
		}
		return resultCanceled
	}
	if e, ok := AsError(err); ok {
		return e.Code
	}
	var de *DecodeError
	var tl *ResponseTooLargeError
	switch {
	case errors.As(err, &de):
		return resultDecodeError
	case errors.As(err, &tl):
		return resultTooLarge
	}
	return resultNetworkError
}
