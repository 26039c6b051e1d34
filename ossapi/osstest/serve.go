package osstest

import (
	"bufio"
	"bytes"
	"crypto/md5"
	"crypto/rand"
	"encoding/base64"
	"encoding/hex"
	"encoding/xml"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"time"

	"github.com/ossoperator/oss-operator/ossapi"
)

// call is one authenticated request routed to an operation.
type call struct {
	op        string
	method    string
	accountID string
	bucket    string
	key       string
	query     url.Values
	header    http.Header
	body      []byte
	now       time.Time
}

// response is a successful answer: body, or what stream writes.
type response struct {
	status int
	header http.Header
	body   []byte
	// stream, if set, writes the body after the operation returned (and released the emulator's
	// lock), without a Content-Length.
	stream func(w io.Writer) error
}

func newResponse(status int) *response { return &response{status: status, header: http.Header{}} }

// ok is 200 with no body, the answer of most PUTs.
func ok() (*response, *apiError) { return newResponse(http.StatusOK), nil }

// noContent is 204, the answer of every DELETE.
func noContent() (*response, *apiError) { return newResponse(http.StatusNoContent), nil }

// xmlOK is 200 with v as an XML document.
func xmlOK(v any) (*response, *apiError) {
	b, err := xml.Marshal(v)
	if err != nil {
		return nil, newError(http.StatusInternalServerError, ossapi.CodeInternalError, "", "encoding the answer: %v", err)
	}
	r := newResponse(http.StatusOK)
	r.header.Set("Content-Type", "application/xml")
	r.body = append([]byte(xml.Header), b...)
	return r, nil
}

// xmlListing is 200 with the listing v as an XML document sent as it is encoded, chunked, as a server
// sends a long answer: its first bytes (the markers of the next page among them) leave before its
// last are made, and a page of 1000 entries is not encoded under the emulator's lock. v must hold
// copies of what it lists, not the emulator's state.
func xmlListing(v any) (*response, *apiError) {
	r := newResponse(http.StatusOK)
	r.header.Set("Content-Type", "application/xml")
	r.stream = func(w io.Writer) error {
		if x, ok := v.(xmlWriter); ok {
			bw := bufio.NewWriterSize(w, 64<<10)
			bw.WriteString(xml.Header)
			x.writeXML(bw)
			return bw.Flush()
		}
		if _, err := io.WriteString(w, xml.Header); err != nil {
			return err
		}
		return xml.NewEncoder(w).Encode(v)
	}
	return r, nil
}

// An xmlWriter writes itself as xml.Marshal would, faster.
type xmlWriter interface{ writeXML(w *bufio.Writer) }

// Body size limits: OSS's where it documents one, otherwise generous bounds for an in-memory service.
const (
	maxObjectSize = 64 << 20
	maxDeleteBody = 2 << 20
	// maxCompleteBody holds the list of 10000 parts the SDK writes (about 100 bytes each).
	maxCompleteBody = 2 << 20
	maxPolicyBody   = 16 << 10
	maxCORSBody     = 16 << 10
	maxDefaultBody  = 1 << 20
)

func readBody(r *http.Request, op string) ([]byte, *apiError) {
	limit := int64(maxDefaultBody)
	switch op {
	case ossapi.OpPutObject, OpUploadPart:
		limit = maxObjectSize
	case ossapi.OpDeleteMultipleObjects:
		limit = maxDeleteBody
	case OpCompleteMultipartUpload:
		limit = maxCompleteBody
	case ossapi.OpPutBucketPolicy:
		limit = maxPolicyBody
	case ossapi.OpPutBucketCors:
		limit = maxCORSBody
	}
	if r.ContentLength > limit {
		return nil, errTooLarge(op, limit)
	}
	body, err := io.ReadAll(io.LimitReader(r.Body, limit+1))
	if err != nil {
		return nil, newError(http.StatusBadRequest, "IncompleteBody", "", "Reading the request body failed: %v", err)
	}
	if int64(len(body)) > limit {
		return nil, errTooLarge(op, limit)
	}
	return body, nil
}

func errTooLarge(op string, limit int64) *apiError {
	switch op {
	case ossapi.OpPutObject, OpUploadPart:
		return newError(http.StatusBadRequest, codeEntityTooLarge, "",
			"Your proposed upload exceeds the maximum allowed object size of the emulator (%d bytes).", limit)
	case ossapi.OpDeleteMultipleObjects, OpCompleteMultipartUpload:
		return errMalformedXML("The request body exceeds %d bytes.", limit)
	case ossapi.OpPutBucketPolicy:
		return newError(http.StatusBadRequest, codeInvalidPolicyDocument, ecPolicyInvalid, "The policy exceeds %d bytes.", limit)
	}
	return errInvalidArgument("Content-Length", "", "The request body exceeds %d bytes.", limit)
}

// checkContentMD5 compares a Content-MD5 header, when present, with the body.
func checkContentMD5(header http.Header, body []byte) *apiError {
	v := header.Get("Content-MD5")
	if v == "" {
		return nil
	}
	got, err := base64.StdEncoding.DecodeString(v)
	sum := md5.Sum(body)
	if err != nil || !bytes.Equal(got, sum[:]) {
		return newError(http.StatusBadRequest, ossapi.CodeInvalidDigest, "", "The Content-MD5 you specified was invalid.").
			with("Content-MD5", v)
	}
	return nil
}

func newRequestID() string {
	var b [12]byte
	_, _ = rand.Read(b[:])
	return strings.ToUpper(hex.EncodeToString(b[:]))
}

// ServeHTTP answers one OSS request: it addresses and routes it, authenticates it, counts it, applies
// any injected fault, checks the body, authorizes a RAM user's request and runs the operation.
func (e *Emulator) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	now := e.now()
	id := newRequestID()
	h := w.Header()
	h.Set("Server", "AliyunOSS")
	h.Set("Date", now.UTC().Format(http.TimeFormat))
	h.Set(ossapi.HeaderRequestID, id)

	bucket, key := e.address(r)
	q := r.URL.Query()
	rt, routeErr := resolve(r.Method, bucket, key, q, r.Header)
	who, authErr := e.authenticate(r, bucket, key, q, now)
	if rt.op != "" {
		e.count(rt.op, who.accountID)
	}
	if authErr == nil && who.session != nil {
		e.countMu.Lock()
		e.tokenCalls++
		e.countMu.Unlock()
	}
	status, code := e.answer(w, r, id, rt, who, authErr, routeErr, bucket, key, q, now)
	if rt.op != "" {
		e.countOn(rt.op, bucket, code == codeOK)
	}
	e.log.Info("OSS request", "operation", rt.op, "method", r.Method, "bucket", bucket, "key", key,
		"status", status, "code", code, "account", who.accountID, "user", who.ramUser, "roleSession", who.sessionName(), "accessKeyId", who.accessKeyID,
		"auth", who.scheme, "requestId", id)
}

func (e *Emulator) answer(w http.ResponseWriter, r *http.Request, id string, rt route, who principal,
	authErr, routeErr *apiError, bucket, key string, q url.Values, now time.Time) (int, string) {
	if authErr != nil {
		return writeError(w, r, id, authErr)
	}
	if routeErr != nil {
		return writeError(w, r, id, routeErr)
	}
	if err := e.throttled(who.accountID, time.Now()); err != nil {
		return writeError(w, r, id, err)
	}
	w, status, code, done := e.applyFaults(w, r, rt.op, who.accountID, func(f *apiError) (int, string) {
		return writeError(w, r, id, f)
	})
	if done {
		return status, code
	}
	body, err := readBody(r, rt.op)
	if err == nil {
		err = checkContentMD5(r.Header, body)
	}
	if err != nil {
		return writeError(w, r, id, err)
	}
	c := &call{op: rt.op, method: r.Method, accountID: who.accountID, bucket: bucket, key: key,
		query: q, header: r.Header, body: body, now: now}
	if err := e.authorizeOSS(c, who); err != nil {
		return writeError(w, r, id, err)
	}
	resp, err := rt.fn(e, c)
	if err != nil {
		return writeError(w, r, id, err)
	}
	for k, vs := range resp.header {
		w.Header()[k] = vs
	}
	if r.Method != http.MethodHead && resp.stream == nil {
		w.Header().Set("Content-Length", strconv.Itoa(len(resp.body)))
	}
	w.WriteHeader(resp.status)
	switch {
	case r.Method == http.MethodHead:
	case resp.stream != nil:
		_ = resp.stream(w) // the types listed always encode; a write fails only for a client gone
	default:
		_, _ = w.Write(resp.body)
	}
	return resp.status, codeOK
}

// codeOK is what answer reports for a request whose operation ran and succeeded.
const codeOK = "OK"

// writeError sends an OSS error: the XML document as body, or for HEAD base64-encoded in x-oss-err; a
// 304 Not Modified has neither.
func writeError(w http.ResponseWriter, r *http.Request, id string, e *apiError) (int, string) {
	body := e.body(id, r.Host)
	h := w.Header()
	for k, vs := range e.header {
		h[k] = vs
	}
	if e.ec != "" {
		h.Set(ossapi.HeaderEC, e.ec)
	}
	if e.status == http.StatusNotModified { // no body, as HTTP has it
		w.WriteHeader(e.status)
		return e.status, e.code
	}
	if r.Method == http.MethodHead {
		h.Set(ossapi.HeaderErr, base64.StdEncoding.EncodeToString(body))
		w.WriteHeader(e.status)
		return e.status, e.code
	}
	h.Set("Content-Type", "application/xml")
	h.Set("Content-Length", strconv.Itoa(len(body)))
	w.WriteHeader(e.status)
	_, _ = w.Write(body)
	return e.status, e.code
}

func (e *Emulator) count(op, accountID string) {
	e.countMu.Lock()
	defer e.countMu.Unlock()
	m := e.counts[op]
	if m == nil {
		m = map[string]int{}
		e.counts[op] = m
	}
	m[accountID]++
}

// countOn counts a request to an operation on a bucket, and whether the operation ran and succeeded.
func (e *Emulator) countOn(op, bucket string, succeeded bool) {
	e.countMu.Lock()
	defer e.countMu.Unlock()
	c := e.bucketCounts[bucketOp{op, bucket}]
	if c == nil {
		c = &bucketCallCounts{}
		e.bucketCounts[bucketOp{op, bucket}] = c
	}
	c.calls++
	if succeeded {
		c.succeeded++
	}
}

// Calls is how many requests were routed to the operation (an ossapi.Op* name), from every account,
// failed ones included: authentication failures, validation errors and injected faults count too.
func (e *Emulator) Calls(operation string) int {
	e.countMu.Lock()
	defer e.countMu.Unlock()
	n := 0
	for _, c := range e.counts[operation] {
		n += c
	}
	return n
}

// CallsBy is how many requests of the account were routed to the operation. Requests signed with an
// unknown key count under account "".
func (e *Emulator) CallsBy(accountID, operation string) int {
	e.countMu.Lock()
	defer e.countMu.Unlock()
	return e.counts[operation][accountID]
}

// CallCounts returns the calls of every operation called so far, from every account.
func (e *Emulator) CallCounts() map[string]int {
	e.countMu.Lock()
	defer e.countMu.Unlock()
	out := make(map[string]int, len(e.counts))
	for op, m := range e.counts {
		for _, c := range m {
			out[op] += c
		}
	}
	return out
}

// CallsOn is how many requests were routed to the operation on the bucket, from every account, failed
// ones included, like Calls. Operations on no bucket (ListBuckets) count under bucket "".
func (e *Emulator) CallsOn(bucket, operation string) int {
	e.countMu.Lock()
	defer e.countMu.Unlock()
	if c := e.bucketCounts[bucketOp{operation, bucket}]; c != nil {
		return c.calls
	}
	return 0
}

// SucceededOn is how many requests to the operation on the bucket succeeded: the operation ran and
// answered 2xx. Requests refused (authentication, validation, OSS semantics such as
// BucketAlreadyExists) or cut short by an injected fault do not count.
func (e *Emulator) SucceededOn(bucket, operation string) int {
	e.countMu.Lock()
	defer e.countMu.Unlock()
	if c := e.bucketCounts[bucketOp{operation, bucket}]; c != nil {
		return c.succeeded
	}
	return 0
}

// Succeeded is how many requests to the operation succeeded, on every bucket, as SucceededOn counts them.
func (e *Emulator) Succeeded(operation string) int {
	e.countMu.Lock()
	defer e.countMu.Unlock()
	n := 0
	for k, c := range e.bucketCounts {
		if k.op == operation {
			n += c.succeeded
		}
	}
	return n
}

// CallsWithSecurityToken is how many OSS requests were authenticated with the temporary credentials
// of a role session (AssumeRole, AssumeRoleWithOIDC), with their security token.
func (e *Emulator) CallsWithSecurityToken() int {
	e.countMu.Lock()
	defer e.countMu.Unlock()
	return e.tokenCalls
}

// ResetCounters sets every call counter to zero.
func (e *Emulator) ResetCounters() {
	e.countMu.Lock()
	defer e.countMu.Unlock()
	e.counts = map[string]map[string]int{}
	e.bucketCounts = map[bucketOp]*bucketCallCounts{}
}

// String describes the emulator for logs.
func (e *Emulator) String() string {
	return fmt.Sprintf("osstest.Emulator{region: %s}", e.region)
}
