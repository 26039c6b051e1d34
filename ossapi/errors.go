package ossapi

import (
	"encoding/base64"
	"encoding/xml"
	"errors"
	"fmt"
	"net/http"
	"strconv"
	"strings"
	"unicode"
	"unicode/utf8"
)

// OSS error codes the project branches on. Callers compare codes, never message text.
const (
	CodeAccessDenied                   = "AccessDenied"
	CodeSignatureDoesNotMatch          = "SignatureDoesNotMatch"
	CodeInvalidAccessKeyID             = "InvalidAccessKeyId"
	CodeRequestTimeTooSkewed           = "RequestTimeTooSkewed"
	CodeInvalidSecurityToken           = "InvalidSecurityToken"
	CodeSecurityTokenExpired           = "SecurityTokenExpired"
	CodeInvalidArgument                = "InvalidArgument"
	CodeInvalidBucketName              = "InvalidBucketName"
	CodeTooManyBuckets                 = "TooManyBuckets"
	CodeMalformedXML                   = "MalformedXML"
	CodeInvalidDigest                  = "InvalidDigest"
	CodeInvalidTargetBucketForLogging  = "InvalidTargetBucketForLogging"
	CodeInvalidEncryptionAlgorithm     = "InvalidEncryptionAlgorithmError"
	CodeNoSuchBucket                   = "NoSuchBucket"
	CodeNoSuchKey                      = "NoSuchKey"
	CodeNoSuchUpload                   = "NoSuchUpload"
	CodeNoSuchLifecycle                = "NoSuchLifecycle"
	CodeNoSuchCORSConfiguration        = "NoSuchCORSConfiguration"
	CodeNoSuchBucketPolicy             = "NoSuchBucketPolicy"
	CodeNoSuchWebsiteConfiguration     = "NoSuchWebsiteConfiguration"
	CodeNoSuchServerSideEncryptionRule = "NoSuchServerSideEncryptionRule"
	CodeBucketAlreadyExists            = "BucketAlreadyExists"
	CodeBucketNotEmpty                 = "BucketNotEmpty"
	// CodeFileImmutable: a retention policy (WORM) protects the object from being deleted or
	// overwritten until its retention period ends (409).
	CodeFileImmutable      = "FileImmutable"
	CodeMethodNotAllowed   = "MethodNotAllowed"
	CodeServiceUnavailable = "ServiceUnavailable"
	CodeInternalError      = "InternalError"

	// An STS token sent with an AccessKey ID other than the one it was issued with (403).
	CodeAccessKeyIDAndSecurityTokenNotMatch = "AccessKeyIdAndSecurityTokenNotMatch"

	// A bucket policy OSS refuses (400).
	CodeInvalidPolicyDocument = "InvalidPolicyDocument"
	// A resource group ID OSS refuses (400).
	CodeResourceGroupIDPreCheckError = "ResourceGroupIdPreCheckError"
)

// OSS's throttling codes, answered with 503 when an account, a bucket or a request class is over its
// QPS or bandwidth limit. They are Retryable, like every 5xx.
const (
	CodeTotalQpsLimitExceeded            = "TotalQpsLimitExceeded"
	CodeMetaOperationQpsLimitExceeded    = "MetaOperationQpsLimitExceeded"
	CodeDownloadTrafficRateLimitExceeded = "DownloadTrafficRateLimitExceeded"
	CodeUploadTrafficRateLimitExceeded   = "UploadTrafficRateLimitExceeded"
	CodeActiveRequestLimitExceeded       = "ActiveRequestLimitExceeded"
	CodeCPULimitExceeded                 = "CpuLimitExceeded"
)

// Codes the RPC APIs (RAM, STS) answer to any action. ServiceUnavailable and
// InternalError, above, are theirs too.
const (
	// Throttling codes: the account, the user or the API is over its rate. Alibaba Cloud's gateway
	// answers them with a 4xx or a 5xx status; they are Retryable whatever the status, as Alibaba
	// Cloud's own SDK (darabonba-openapi) takes them for a ThrottlingError whatever the status.
	CodeThrottling     = "Throttling"
	CodeThrottlingUser = "Throttling.User"
	CodeThrottlingAPI  = "Throttling.Api"
	// The request's Timestamp is more than 15 minutes from the server's clock (400). Retryable: the
	// client corrects its clock from the answer's Date, as for OSS's RequestTimeTooSkewed.
	CodeInvalidTimeStampExpired = "InvalidTimeStamp.Expired"
	// The request's SignatureNonce was seen before (400). Retryable: each attempt has a new nonce.
	CodeSignatureNonceUsed = "SignatureNonceUsed"
	// The AccessKey signing the request does not exist, or is disabled.
	CodeInvalidAccessKeyIDNotFound = "InvalidAccessKeyId.NotFound"
	CodeInvalidAccessKeyIDInactive = "InvalidAccessKeyId.Inactive"
	// The request's signature is missing a parameter.
	CodeIncompleteSignature = "IncompleteSignature"
)

// clockSkewCodes refuse a request for its time: the client learns the server's time from the answer's
// Date header and signs the next attempt with it.
var clockSkewCodes = setOf(CodeRequestTimeTooSkewed, CodeInvalidTimeStampExpired)

// servicePrefix begins the messages of the errors of a service's calls: "oss: ", "ram: ".
func servicePrefix(service string) string {
	if service == "" {
		return "oss: "
	}
	return strings.ToLower(service) + ": "
}

// serviceName is the service's name in messages: OSS, RAM, STS.
func serviceName(service string) string {
	if service == "" {
		return "OSS"
	}
	return service
}

// Error is an error answer from OSS: its HTTP status and the fields of its XML body (or, for a HEAD
// request, of the base64 XML in the x-oss-err header); or from one of the RPC APIs (RAM, STS): its
// status and the fields of its JSON body, with Operation the Action. It never carries request
// headers, parameters, signatures or the string to sign, so it is safe to log and to put into a status
// condition.
//
// What the server sent is bounded and cleaned, since the endpoint may not be OSS: Code, RequestID, EC
// and HostID are printable ASCII without spaces, of at most 64, 64, 32 and 255 characters (a value
// that is not is left out; a body whose Code is not is no OSS error document, and Code is then named
// after the status); Message is OSS's text on one line, without control characters, cut at 512 bytes.
// Nothing else of the body is kept.
type Error struct {
	// Service is the API that answered: "" for OSS, or an RPC API's name, "RAM" or "STS".
	Service    string
	Operation  string // ossapi operation name, e.g. PutBucket, or the RPC API's Action, e.g. CreateUser
	Bucket     string
	StatusCode int
	Code       string
	Message    string
	RequestID  string
	HostID     string
	EC         string // OSS error-center code, e.g. 0015-00000101
}

func (e *Error) Error() string { return e.format(true) }

// Brief is the error without its request ID: the same for every occurrence of the same refusal, so a
// status or an Event that quotes it changes only when the refusal does. The EC stays: it names the
// refusal in Alibaba Cloud's error center.
func (e *Error) Brief() string { return e.format(false) }

func (e *Error) format(withRequestID bool) string {
	var b strings.Builder
	b.WriteString(servicePrefix(e.Service))
	b.WriteString(e.Operation)
	if e.Bucket != "" {
		fmt.Fprintf(&b, " bucket %q", e.Bucket)
	}
	fmt.Fprintf(&b, ": %d %s", e.StatusCode, e.Code)
	if e.Message != "" {
		b.WriteString(": ")
		b.WriteString(e.Message)
	}
	var ids []string
	if withRequestID && e.RequestID != "" {
		ids = append(ids, "RequestId: "+e.RequestID)
	}
	if e.EC != "" {
		ids = append(ids, "EC: "+e.EC)
	}
	if len(ids) > 0 {
		b.WriteString(" (" + strings.Join(ids, ", ") + ")")
	}
	return b.String()
}

// IsCode reports whether err is an OSS Error with one of the codes.
func IsCode(err error, codes ...string) bool {
	var e *Error
	if !errors.As(err, &e) {
		return false
	}
	for _, c := range codes {
		if e.Code == c {
			return true
		}
	}
	return false
}

// AsError returns the OSS Error inside err, if any.
func AsError(err error) (*Error, bool) {
	var e *Error
	ok := errors.As(err, &e)
	return e, ok
}

// ErrorCode returns the OSS error code inside err, or "".
func ErrorCode(err error) string {
	if e, ok := AsError(err); ok {
		return e.Code
	}
	return ""
}

// DecodeError is a 2xx answer that could not be decoded, or that decoded into something other than the
// answer asked for: malformed or truncated XML (or JSON, from an RPC API), an HTML page from something
// in between, another document, a document about another bucket (or user). The client retries it,
// like a 503.
//
// Its message says what kind of problem it is, in the client's words; it never quotes the answer, whose
// element names and values may be anything the endpoint chose. Err keeps the cause as the parser or the
// check found it, for a debug log (Detail bounds it).
type DecodeError struct {
	// Service is the API asked: "" for OSS, or an RPC API's name (see Error).
	Service    string
	Op         string
	StatusCode int
	// Problem completes "the answer ...": "is not well-formed XML", "is not the document asked for",
	// "names another bucket", ... Empty, the message says the answer cannot be decoded.
	Problem string
	// Err is the cause. It may quote the answer: keep it out of conditions and Events.
	Err error
}

func (e *DecodeError) Error() string {
	problem := e.Problem
	if problem == "" {
		problem = "cannot be decoded"
	}
	if e.StatusCode != 0 {
		return fmt.Sprintf("%s%s: the %d answer %s", servicePrefix(e.Service), e.Op, e.StatusCode, problem)
	}
	return fmt.Sprintf("%s%s: the answer %s", servicePrefix(e.Service), e.Op, problem)
}

func (e *DecodeError) Unwrap() error { return e.Err }

// Detail is the cause, quoted and cut short, for a debug log: it can carry text of the answer.
func (e *DecodeError) Detail() string {
	if e.Err == nil {
		return ""
	}
	return quoteDetail(e.Err.Error())
}

// Problems a DecodeError names. They are the client's words, never the answer's.
const (
	problemEmpty         = "is empty"
	problemNotXML        = "is not well-formed XML"
	problemNotJSON       = "is not a JSON document"
	problemWrongDocument = "is not the document asked for"
	problemBadValue      = "holds a value of the wrong form"
	problemNoBucket      = "names no bucket"
	problemOtherBucket   = "names another bucket"
	problemNoOwner       = "names no owner"
	problemNoLocation    = "names no location"
	problemNoUploadID    = "has no upload ID"
	problemBadKey        = "holds a key that does not URL-decode"
	problemNotTheAnswer  = "is not the answer asked for"
)

// refusal is why an answer is refused: problem in the client's words, and the cause.
type refusal struct {
	problem string
	cause   error
}

func refuse(problem string, cause error) error { return &refusal{problem: problem, cause: cause} }

func (r *refusal) Error() string {
	if r.cause == nil {
		return "the answer " + r.problem
	}
	return "the answer " + r.problem + ": " + r.cause.Error()
}

func (r *refusal) Unwrap() error { return r.cause }

// newDecodeError is the DecodeError of an answer that err, from r.decode, refuses.
func newDecodeError(op string, status int, err error) *DecodeError {
	var rf *refusal
	if errors.As(err, &rf) {
		cause := rf.cause
		if cause == nil {
			cause = rf
		}
		return &DecodeError{Op: op, StatusCode: status, Problem: rf.problem, Err: cause}
	}
	return &DecodeError{Op: op, StatusCode: status, Problem: problemNotTheAnswer, Err: err}
}

type errorBody struct {
	XMLName   xml.Name `xml:"Error"`
	Code      string   `xml:"Code"`
	Message   string   `xml:"Message"`
	RequestID string   `xml:"RequestId"`
	HostID    string   `xml:"HostId"`
	EC        string   `xml:"EC"`
}

// Bounds of what an Error keeps of an answer.
const (
	// maxErrorMessage bounds an error message, in bytes.
	maxErrorMessage = 512
	// maxCode bounds a code; OSS's longest are about 40 characters.
	maxCode = 64
	// maxRequestID bounds a request ID; OSS's are 24 hex digits.
	maxRequestID = 64
	// maxEC bounds an error-center code, such as 0015-00000101.
	maxEC = 32
	// maxHostID bounds a host ID, a host name.
	maxHostID = 255
)

// notAnErrorDocument is the Message of an error answer whose body is not OSS's error document. The
// body is not quoted: it may be anything the endpoint chose.
const notAnErrorDocument = "the answer is not an OSS error document"

// newError builds the Error for a non-2xx response. A body that is not OSS's error XML (an HTML page
// from a proxy, a truncated body) still yields an Error with the status, and a code derived from it.
func newError(op, bucket string, status int, header http.Header, body []byte) *Error {
	e := errorFromHeader(op, bucket, status, header)
	raw := body
	if len(raw) == 0 {
		// HEAD answers carry the document base64-encoded in a header; a header longer than an error
		// body can be is not one.
		if enc := header.Get(HeaderErr); enc != "" {
			raw = []byte(enc)
			if len(enc) <= base64.StdEncoding.EncodedLen(maxErrorBody) {
				if dec, err := base64.StdEncoding.DecodeString(enc); err == nil {
					raw = dec
				}
			}
		}
	}
	if len(raw) == 0 {
		return e
	}
	var eb errorBody
	// Callers compare codes: a pretty-printed body must not make "\n NoSuchBucket\n" a new code.
	if xml.Unmarshal(raw, &eb) != nil || token(eb.Code, maxCode) == "" {
		e.Message = notAnErrorDocument
		return e
	}
	e.Code = token(eb.Code, maxCode)
	e.Message = boundText(eb.Message, maxErrorMessage)
	e.HostID = token(eb.HostID, maxHostID)
	if id := token(eb.RequestID, maxRequestID); id != "" {
		e.RequestID = id
	}
	if ec := token(eb.EC, maxEC); ec != "" {
		e.EC = ec
	}
	return e
}

// oversizedError is the Error of an error answer whose body is larger than an OSS error document can
// be: it is not read, and the status names the error.
func oversizedError(op, bucket string, status int, header http.Header) *Error {
	e := errorFromHeader(op, bucket, status, header)
	e.Message = "the answer is larger than " + byteSize(maxErrorBody) + ", more than an OSS error document; it was not read"
	return e
}

// errorFromHeader is what an error answer says before its body is read: the status, a code named after
// it, and the request ID and EC headers.
func errorFromHeader(op, bucket string, status int, header http.Header) *Error {
	return &Error{Operation: op, Bucket: bucket, StatusCode: status, Code: statusCode(status),
		RequestID: token(header.Get(HeaderRequestID), maxRequestID), EC: token(header.Get(HeaderEC), maxEC)}
}

// statusCode names an error response that carried no OSS code.
func statusCode(status int) string {
	switch status {
	case http.StatusServiceUnavailable:
		return CodeServiceUnavailable
	case http.StatusInternalServerError:
		return CodeInternalError
	case http.StatusNotFound:
		return "NotFound"
	case http.StatusForbidden:
		return CodeAccessDenied
	}
	return fmt.Sprintf("HTTP%d", status)
}

// token returns s without surrounding space if it is 1 to max printable ASCII characters without
// spaces, the shape of every code and ID OSS sends, and "" otherwise: such a value is safe as a map key,
// in a log line or in a condition.
func token(s string, max int) string {
	s = strings.TrimSpace(s)
	if s == "" || len(s) > max {
		return ""
	}
	for i := 0; i < len(s); i++ {
		if s[i] <= ' ' || s[i] > '~' {
			return ""
		}
	}
	return s
}

// boundText makes text from a server fit for a log line or a condition: runs of white space become
// one space, other control and format characters and invalid UTF-8 go, and it is cut at max bytes on
// a character boundary, marked with "...".
func boundText(s string, max int) string {
	var b strings.Builder
	space := false
	for _, r := range s {
		switch {
		case unicode.IsSpace(r):
			space = b.Len() > 0
			continue
		case r == utf8.RuneError || !unicode.IsPrint(r):
			continue
		}
		n := utf8.RuneLen(r)
		if space {
			n++
		}
		if b.Len()+n > max {
			b.WriteString("...")
			break
		}
		if space {
			b.WriteByte(' ')
			space = false
		}
		b.WriteRune(r)
	}
	return b.String()
}

// quoteDetail quotes text that may come from a server for a debug log: escaped and cut short.
func quoteDetail(s string) string {
	const max = 256
	if len(s) > max {
		s = s[:max] + "..."
	}
	return strconv.Quote(strings.ToValidUTF8(s, "\uFFFD"))
}
