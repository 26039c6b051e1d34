package osstest

import (
	"encoding/xml"
	"fmt"
	"net/http"
	"strings"

	"github.com/ossoperator/oss-operator/ossapi"
)

// apiError is an OSS error answer: status, Code, Message, the EC (OSS's error-center code, when known)
// and extra elements such as BucketName or StringToSign, in order.
type apiError struct {
	status  int
	code    string
	message string
	ec      string
	extra   []element
	header  http.Header // extra response headers, e.g. x-oss-delete-marker on GetObject
	detail  any         // a nested element after HostId (AccessDeniedDetail), rendered with encoding/xml
}

type element struct{ name, value string }

func newError(status int, code, ec, format string, args ...any) *apiError {
	return &apiError{status: status, code: code, ec: ec, message: fmt.Sprintf(format, args...)}
}

func (e *apiError) with(name, value string) *apiError {
	e.extra = append(e.extra, element{name, value})
	return e
}

func (e *apiError) Error() string { return fmt.Sprintf("%d %s: %s", e.status, e.code, e.message) }

// Error-center codes, where OSS's are known (SDK integration tests, OSS's EC documentation pages).
const (
	ecNoSuchBucket          = "0015-00000101"
	ecBucketNameTaken       = "0015-00000102"
	ecBucketConflict        = "0015-00000104"
	ecBucketNotEmpty        = "0015-00000301"
	ecFileImmutable         = "0026-00000202"
	ecInvalidAccessKeyID    = "0002-00000902"
	ecSignatureDoesNotMatch = "0002-00000040"
	ecContentSHA256         = "0002-00000214"
	ecRequestTimeTooSkewed  = "0002-00000504"
	ecNotOwner              = "0003-00000001"
	ecAnonymous             = "0003-00000002"
	ecNoSuchKey             = "0026-00000001"
	ecNoSuchUpload          = "0042-00000002"
	ecResourceGroup         = "0039-00000003"
	ecPolicyVersion         = "0030-00000002"
	ecPolicyInvalid         = "0030-00000005"
	ecLifecycleSizeRange    = "0014-00000041"
)

// Codes the emulator answers that package ossapi has no constant for.
const (
	codeInvalidPolicyDocument        = "InvalidPolicyDocument"
	codeResourceGroupIDPreCheckError = "ResourceGroupIdPreCheckError"
	codeInvalidObjectName            = "InvalidObjectName"
	codeEntityTooLarge               = "EntityTooLarge"
	codeFileAlreadyExists            = "FileAlreadyExists"
)

func errMalformedXML(format string, args ...any) *apiError {
	msg := "The XML you provided was not well-formed or did not validate against our published schema."
	if format != "" {
		msg += " " + fmt.Sprintf(format, args...)
	}
	return &apiError{status: http.StatusBadRequest, code: ossapi.CodeMalformedXML, message: msg}
}

func errInvalidArgument(name, value, format string, args ...any) *apiError {
	e := newError(http.StatusBadRequest, ossapi.CodeInvalidArgument, "", format, args...)
	if name != "" {
		e.with("ArgumentName", name).with("ArgumentValue", value)
	}
	return e
}

func errNoSuchBucket(name string) *apiError {
	return newError(http.StatusNotFound, ossapi.CodeNoSuchBucket, ecNoSuchBucket, "The specified bucket does not exist.").
		with("BucketName", name)
}

func errNotOwner(name string) *apiError {
	return newError(http.StatusForbidden, ossapi.CodeAccessDenied, ecNotOwner, "The bucket you access does not belong to you.").
		with("BucketName", name)
}

func errMethodNotAllowed(format string, args ...any) *apiError {
	return newError(http.StatusMethodNotAllowed, ossapi.CodeMethodNotAllowed, "",
		"The specified method is not allowed against this resource. "+format, args...)
}

// body renders the error document as OSS does.
func (e *apiError) body(requestID, hostID string) []byte {
	var b strings.Builder
	b.WriteString(xml.Header)
	b.WriteString("<Error>\n")
	write := func(name, value string) {
		b.WriteString("  <" + name + ">")
		_ = xml.EscapeText(&b, []byte(value))
		b.WriteString("</" + name + ">\n")
	}
	write("Code", e.code)
	write("Message", e.message)
	write("RequestId", requestID)
	write("HostId", hostID)
	if e.detail != nil {
		if d, err := xml.MarshalIndent(e.detail, "  ", "  "); err == nil {
			b.WriteString("  ")
			b.Write(d)
			b.WriteString("\n")
		}
	}
	for _, x := range e.extra {
		write(x.name, x.value)
	}
	if e.ec != "" {
		write("EC", e.ec)
	}
	b.WriteString("</Error>\n")
	return []byte(b.String())
}
