package ossapi

import (
	"bytes"
	"context"
	"crypto/md5"
	"encoding/base64"
	"encoding/xml"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"reflect"
	"strings"
	"time"

	"github.com/go-logr/logr"

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

// maxResponseBody bounds what is read of a response.
const maxResponseBody = 32 << 20

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
	// it refuses is a *DecodeError and retried like a 503.
	decode func(body []byte) error
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
	body   []byte
}

// do sends the request, retrying as the RetryPolicy allows, and returns a 2xx response or an error:
// *Error for an OSS error answer, *DecodeError for an answer that cannot be read or that r.decode
// refuses, or the transport or context error.
func (c *Client) do(ctx context.Context, r *request) (*response, error) {
	if r.bucket != "" && !c.pathStyle && !ValidBucketName(r.bucket) {
		return nil, fmt.Errorf("ossapi: %s: %w %q: 3-63 characters of a-z, 0-9 and -, starting and ending with a letter or digit", r.op, ErrInvalidBucketName, r.bucket)
	}
	log := logr.FromContextOrDiscard(ctx).WithValues("operation", r.op)
	if r.bucket != "" {
		log = log.WithValues("ossBucket", r.bucket)
	}
	for attempt := 1; ; attempt++ {
		resp, err := c.attempt(ctx, r)
		code := resultCode(err)
		if err == nil {
			log.V(2).Info("OSS request done", "attempt", attempt, "status", resp.status)
			return resp, nil
		}
		retry, delay := c.shouldRetry(ctx, err, attempt)
		if !retry {
			log.V(1).Info("OSS request failed", "attempt", attempt, "code", code)
			return nil, err
		}
		c.cfg.Metrics.retried(r.op, code)
		log.V(1).Info("OSS request will be retried", "attempt", attempt, "code", code, "delay", delay.String())
		if serr := c.cfg.Sleep(ctx, delay); serr != nil {
			return nil, fmt.Errorf("ossapi: %s: %w (after %d attempts; last: %v)", r.op, serr, attempt, err)
		}
	}
}

// shouldRetry decides whether attempt n, which failed with err, is followed by another, and after what
// delay. What is worth another attempt is Retryable's alone; this adds only the attempt budget, the
// caller's context, and the one retry that needs no backoff.
func (c *Client) shouldRetry(ctx context.Context, err error, attempt int) (bool, time.Duration) {
	if attempt >= c.retry.MaxAttempts || ctx.Err() != nil || !Retryable(err) {
		return false, 0
	}
	if IsCode(err, CodeRequestTimeTooSkewed) {
		return true, 0 // the attempt corrected the clock: the next is signed with the server's time
	}
	return true, c.retry.backoff(attempt, c.cfg.Rand)
}

// attempt signs and sends the request once.
func (c *Client) attempt(ctx context.Context, r *request) (*response, error) {
	creds, err := c.cfg.Credentials.Credentials(ctx)
	if err != nil {
		return nil, fmt.Errorf("ossapi: %s: getting credentials: %w", r.op, err)
	}
	if !creds.HasKeys() {
		return nil, fmt.Errorf("ossapi: %s: credentials have no access key ID or secret", r.op)
	}
	actx, cancel := context.WithTimeout(ctx, c.cfg.Timeout)
	defer cancel()

	query := r.query
	if query == nil {
		query = url.Values{}
	}
	header := http.Header{}
	for k, vs := range r.header {
		header[http.CanonicalHeaderKey(k)] = append([]string(nil), vs...)
	}
	sreq := &signer.Request{Method: r.method, Bucket: r.bucket, Key: r.key, Query: query, Header: header}
	now := c.cfg.Now().Add(c.ClockOffset())
	if c.cfg.SignatureVersion == SignatureV1 {
		signer.SignV1(sreq, creds, now)
	} else {
		signer.SignV4(sreq, creds, signer.Scope{Region: c.cfg.Region}, now, nil)
	}

	u := c.URL(r.bucket, r.key, query)
	hreq, err := http.NewRequestWithContext(actx, r.method, u.String(), bytes.NewReader(r.body))
	if err != nil {
		return nil, fmt.Errorf("ossapi: %s: %w", r.op, err)
	}
	hreq.Header = header
	hreq.Header.Set("User-Agent", c.cfg.UserAgent)
	hreq.ContentLength = int64(len(r.body))
	if len(r.body) == 0 {
		hreq.Body = http.NoBody
	}

	start := time.Now()
	hresp, err := c.http.Do(hreq)
	if err != nil {
		c.cfg.Metrics.observe(r.op, resultCode(err), time.Since(start).Seconds())
		if ctx.Err() != nil {
			return nil, fmt.Errorf("ossapi: %s: %w", r.op, ctx.Err())
		}
		return nil, &TransportError{Op: r.op, Err: redactErr(err)}
	}
	body, rerr := io.ReadAll(io.LimitReader(hresp.Body, maxResponseBody))
	hresp.Body.Close()
	resp := &response{status: hresp.StatusCode, header: hresp.Header, body: body}

	if hresp.StatusCode >= 300 {
		oerr := newError(r.op, r.bucket, hresp.StatusCode, hresp.Header, body)
		c.cfg.Metrics.observe(r.op, oerr.Code, time.Since(start).Seconds())
		if oerr.Code == CodeRequestTimeTooSkewed {
			c.correctClock(hresp.Header.Get("Date"))
		}
		return nil, oerr
	}
	if rerr != nil {
		c.cfg.Metrics.observe(r.op, "NetworkError", time.Since(start).Seconds())
		if ctx.Err() != nil {
			return nil, fmt.Errorf("ossapi: %s: %w", r.op, ctx.Err())
		}
		return nil, &TransportError{Op: r.op, Err: redactErr(rerr)}
	}
	if r.decode != nil {
		if err := r.decode(body); err != nil {
			derr := &DecodeError{Op: r.op, StatusCode: hresp.StatusCode, Err: err}
			c.cfg.Metrics.observe(r.op, resultCode(derr), time.Since(start).Seconds())
			return nil, derr
		}
	}
	c.cfg.Metrics.observe(r.op, "OK", time.Since(start).Seconds())
	return resp, nil
}

// correctClock sets the clock offset from the server's Date header after RequestTimeTooSkewed.
func (c *Client) correctClock(date string) {
	server, err := http.ParseTime(date)
	if err != nil {
		return
	}
	c.clockOffset.Store(int64(server.Sub(c.cfg.Now())))
}

// doXML sends the request and decodes the XML answer into out, which must be a pointer to a struct
// with an XMLName naming the document's root element.
func (c *Client) doXML(ctx context.Context, r *request, out any) error {
	r.decode = func(body []byte) error { return decodeXML(r, body, out) }
	_, err := c.do(ctx, r)
	return err
}

// An answer is a result type that judges what xml.Unmarshal made of a 2xx body: a well-formed
// document can still be about another bucket, or lack what makes it an answer at all. List results
// also decode here the keys OSS URL-encoded, so a key that does not decode is retried too.
type answer interface {
	accept(r *request) error
}

// decodeXML decodes body into out, after clearing it: a retried attempt must not add to what a garbled
// one left. The root element must be out's XMLName; an answer must then accept it.
func decodeXML(r *request, body []byte, out any) error {
	reflect.ValueOf(out).Elem().SetZero()
	if err := xml.Unmarshal(body, out); err != nil {
		return err
	}
	if a, ok := out.(answer); ok {
		return a.accept(r)
	}
	return nil
}

// namesBucket checks that an answer names the bucket it was asked about.
func namesBucket(r *request, named string) error {
	if strings.TrimSpace(named) != r.bucket {
		return fmt.Errorf("the answer names bucket %s, not %q", summarize([]byte(named)), r.bucket)
	}
	return nil
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

// TransportError is a request that got no answer from OSS: connection refused or reset, a timeout, a
// response cut short.
type TransportError struct {
	Op  string
	Err error
}

func (e *TransportError) Error() string { return "oss: " + e.Op + ": " + e.Err.Error() }
func (e *TransportError) Unwrap() error { return e.Err }

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

// resultCode is the metrics label of an attempt's outcome.
func resultCode(err error) string {
	switch {
	case err == nil:
		return "OK"
	case errors.Is(err, context.Canceled), errors.Is(err, context.DeadlineExceeded):
		var te *TransportError
		if errors.As(err, &te) {
			return "Timeout"
		}
		return "Canceled"
	}
	if e, ok := AsError(err); ok {
		return e.Code
	}
	var de *DecodeError
	if errors.As(err, &de) {
		return "DecodeError"
	}
	return "NetworkError"
}
