package ossapi

import (
	"encoding/base64"
	"encoding/xml"
	"errors"
	"fmt"
	"net/http"
	"strings"
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
	CodeMethodNotAllowed               = "MethodNotAllowed"
	CodeServiceUnavailable             = "ServiceUnavailable"
	CodeInternalError                  = "InternalError"

	// An STS token sent with an AccessKey ID other than the one it was issued with (403).
	CodeAccessKeyIDAndSecurityTokenNotMatch = "AccessKeyIdAndSecurityTokenNotMatch"
)

// Error is an error answer from OSS: its HTTP status and the fields of its XML body (or, for a HEAD
// request, of the base64 XML in the x-oss-err header). It never carries request headers, signatures or
// the string to sign, so it is safe to log and to put into a status condition.
type Error struct {
	Operation  string // ossapi operation name, e.g. PutBucket
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
	b.WriteString("oss: ")
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

// DecodeError is a response OSS sent that could not be decoded, or that decoded into something other
// than the answer asked for: malformed or truncated XML, an HTML page from something in between, another
// document, a document about another bucket. The client retries it, like a 503.
type DecodeError struct {
	Op         string
	StatusCode int
	Err        error
}

func (e *DecodeError) Error() string {
	// Parser errors quote element names from the body: keep what reaches a log or a condition bounded.
	msg := e.Err.Error()
	if len(msg) > maxErrorMessage {
		msg = msg[:maxErrorMessage] + "..."
	}
	if e.StatusCode != 0 {
		return fmt.Sprintf("oss: %s: cannot decode the %d response: %s", e.Op, e.StatusCode, msg)
	}
	return fmt.Sprintf("oss: %s: cannot decode the response: %s", e.Op, msg)
}

func (e *DecodeError) Unwrap() error { return e.Err }

type errorBody struct {
	XMLName   xml.Name `xml:"Error"`
	Code      string   `xml:"Code"`
	Message   string   `xml:"Message"`
	RequestID string   `xml:"RequestId"`
	HostID    string   `xml:"HostId"`
	EC        string   `xml:"EC"`
}

// maxErrorMessage bounds what an error message can carry into logs and conditions.
const maxErrorMessage = 512

// newError builds the Error for a non-2xx response. A body that is not OSS's error XML (an HTML page
// from a proxy, a truncated body) still yields an Error with the status, and a code derived from it.
func newError(op, bucket string, status int, header http.Header, body []byte) *Error {
	e := &Error{Operation: op, Bucket: bucket, StatusCode: status,
		RequestID: header.Get(HeaderRequestID), EC: header.Get(HeaderEC)}
	raw := body
	if len(raw) == 0 {
		if enc := header.Get(HeaderErr); enc != "" {
			if dec, err := base64.StdEncoding.DecodeString(enc); err == nil {
				raw = dec
			}
		}
	}
	var eb errorBody
	if len(raw) == 0 || xml.Unmarshal(raw, &eb) != nil {
		eb = errorBody{}
	}
	// Callers compare codes: a pretty-printed body must not make "\n NoSuchBucket\n" a new code.
	eb.Code, eb.EC, eb.RequestID = strings.TrimSpace(eb.Code), strings.TrimSpace(eb.EC), strings.TrimSpace(eb.RequestID)
	if eb.Code != "" {
		e.Code, e.Message, e.HostID = eb.Code, eb.Message, eb.HostID
		if eb.RequestID != "" {
			e.RequestID = eb.RequestID
		}
		if eb.EC != "" {
			e.EC = eb.EC
		}
	} else {
		e.Code = statusCode(status)
		if len(raw) > 0 {
			e.Message = "unexpected response body: " + summarize(raw)
		}
	}
	if len(e.Message) > maxErrorMessage {
		e.Message = e.Message[:maxErrorMessage] + "..."
	}
	return e
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

func summarize(b []byte) string {
	s := strings.Join(strings.Fields(string(b)), " ")
	if len(s) > 120 {
		s = s[:120] + "..."
	}
	return fmt.Sprintf("%q", s)
}
