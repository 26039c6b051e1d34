package ossapi

import (
	"bufio"
	"context"
	"encoding/base64"
	"errors"
	"io"
	"log"
	"net"
	"net/http"
	"net/http/httptest"
	"reflect"
	"strings"
	"testing"
)

func TestErrorDecoding(t *testing.T) {
	full := `<?xml version="1.0" encoding="UTF-8"?>
<Error>
  <Code>NoSuchBucket</Code>
  <Message>The specified bucket does not exist.</Message>
  <RequestId>5C3D9175B6FC201293AD****</RequestId>
  <HostId>test.oss-cn-hangzhou.aliyuncs.com</HostId>
  <BucketName>test</BucketName>
  <EC>0015-00000101</EC>
</Error>`
	tests := []struct {
		name   string
		status int
		header http.Header
		body   string
		want   Error
	}{
		{name: "XML body", status: 404, body: full,
			want: Error{StatusCode: 404, Code: "NoSuchBucket", Message: "The specified bucket does not exist.", RequestID: "5C3D9175B6FC201293AD****", HostID: "test.oss-cn-hangzhou.aliyuncs.com", EC: "0015-00000101"}},
		{name: "HEAD: base64 XML in x-oss-err", status: 404, header: http.Header{"X-Oss-Err": {base64.StdEncoding.EncodeToString([]byte(full))}},
			want: Error{StatusCode: 404, Code: "NoSuchBucket", Message: "The specified bucket does not exist.", RequestID: "5C3D9175B6FC201293AD****", HostID: "test.oss-cn-hangzhou.aliyuncs.com", EC: "0015-00000101"}},
		{name: "HEAD: no body, only x-oss-ec", status: 403, header: http.Header{"X-Oss-Ec": {"0003-00000001"}, "X-Oss-Request-Id": {"R1"}},
			want: Error{StatusCode: 403, Code: "AccessDenied", RequestID: "R1", EC: "0003-00000001"}},
		{name: "HTML page from a proxy", status: 502, body: "<html><body><h1>502 Bad Gateway</h1></body></html>",
			want: Error{StatusCode: 502, Code: "HTTP502", Message: notAnErrorDocument}},
		{name: "truncated XML", status: 503, body: "<Error><Code>Total",
			want: Error{StatusCode: 503, Code: "ServiceUnavailable", Message: notAnErrorDocument}},
		{name: "unknown code passes through", status: 400, body: "<Error><Code>SomethingNew</Code><Message>m</Message></Error>",
			want: Error{StatusCode: 400, Code: "SomethingNew", Message: "m"}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			h := tc.header
			if h == nil {
				h = http.Header{}
			}
			got := newError("GetBucketInfo", "test", tc.status, h, []byte(tc.body))
			tc.want.Operation, tc.want.Bucket = "GetBucketInfo", "test"
			if *got != tc.want {
				t.Errorf("got  %+v\nwant %+v", *got, tc.want)
			}
		})
	}
}

func TestErrorHelpers(t *testing.T) {
	err := error(&Error{Operation: OpPutBucket, Bucket: "b", StatusCode: 409, Code: CodeBucketAlreadyExists, Message: "taken", RequestID: "R", EC: "0015-00000104"})
	wrapped := errors.Join(errors.New("context"), err)
	if !IsCode(wrapped, CodeNoSuchBucket, CodeBucketAlreadyExists) || IsCode(wrapped, CodeNoSuchBucket) {
		t.Errorf("IsCode does not see through wrapping")
	}
	if ErrorCode(wrapped) != CodeBucketAlreadyExists || ErrorCode(errors.New("x")) != "" {
		t.Errorf("ErrorCode wrong")
	}
	want := `oss: PutBucket bucket "b": 409 BucketAlreadyExists: taken (RequestId: R, EC: 0015-00000104)`
	if err.Error() != want {
		t.Errorf("Error() = %s\nwant %s", err.Error(), want)
	}
}

// Each Get of a setting returns nil, nil when the setting is not configured, whichever way OSS says so.
func TestNotConfiguredIsAbsent(t *testing.T) {
	notFound := func(code string) func(w http.ResponseWriter) {
		return func(w http.ResponseWriter) { ossError(w, 404, code, "not configured") }
	}
	emptyOK := func(body string) func(w http.ResponseWriter) {
		return func(w http.ResponseWriter) {
			w.Header().Set("Content-Type", "application/xml")
			_, _ = w.Write([]byte(body))
		}
	}
	tests := []struct {
		name   string
		answer func(w http.ResponseWriter)
		get    func(c *Client) (bool, error) // present?
	}{
		{"lifecycle 404", notFound(CodeNoSuchLifecycle), func(c *Client) (bool, error) { v, err := c.GetBucketLifecycle(ctx(), "b"); return v != nil, err }},
		{"cors 404", notFound(CodeNoSuchCORSConfiguration), func(c *Client) (bool, error) { v, err := c.GetBucketCors(ctx(), "b"); return v != nil, err }},
		{"policy 404", notFound(CodeNoSuchBucketPolicy), func(c *Client) (bool, error) { v, err := c.GetBucketPolicy(ctx(), "b"); return v != "", err }},
		{"website 404", notFound(CodeNoSuchWebsiteConfiguration), func(c *Client) (bool, error) { v, err := c.GetBucketWebsite(ctx(), "b"); return v != nil, err }},
		{"encryption 404", notFound(CodeNoSuchServerSideEncryptionRule), func(c *Client) (bool, error) { v, err := c.GetBucketEncryption(ctx(), "b"); return v != nil, err }},
		{"tags empty 200", emptyOK("<Tagging><TagSet/></Tagging>"), func(c *Client) (bool, error) { v, err := c.GetBucketTags(ctx(), "b"); return v != nil, err }},
		{"logging empty 200", emptyOK("<BucketLoggingStatus></BucketLoggingStatus>"), func(c *Client) (bool, error) { v, err := c.GetBucketLogging(ctx(), "b"); return v != nil, err }},
		{"versioning empty 200", emptyOK("<VersioningConfiguration></VersioningConfiguration>"), func(c *Client) (bool, error) { v, err := c.GetBucketVersioning(ctx(), "b"); return v != nil, err }},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			_, srv := newRecorder(t, func(n int, w http.ResponseWriter, r *http.Request) { tc.answer(w) })
			c, _ := testClient(t, srv, nil)
			present, err := tc.get(c)
			if err != nil || present {
				t.Errorf("got present=%v err=%v, want absent and no error", present, err)
			}
		})
	}
	// A missing bucket is not "not configured".
	_, srv := newRecorder(t, func(n int, w http.ResponseWriter, r *http.Request) { ossError(w, 404, CodeNoSuchBucket, "gone") })
	c, _ := testClient(t, srv, nil)
	if _, err := c.GetBucketLifecycle(ctx(), "b"); !IsCode(err, CodeNoSuchBucket) {
		t.Errorf("GetBucketLifecycle on a missing bucket: %v, want NoSuchBucket", err)
	}
}

func TestMalformedSuccessBodyIsADecodeError(t *testing.T) {
	_, srv := newRecorder(t, func(n int, w http.ResponseWriter, r *http.Request) {
		_, _ = w.Write([]byte("<html>maintenance</html>"))
	})
	c, _ := testClient(t, srv, nil)
	_, err := c.GetBucketInfo(ctx(), "b")
	var de *DecodeError
	if !errors.As(err, &de) {
		t.Fatalf("error = %T %v, want *DecodeError", err, err)
	}
}

func TestSecretsNeverAppear(t *testing.T) {
	_, srv := newRecorder(t, func(n int, w http.ResponseWriter, r *http.Request) {
		ossError(w, 403, CodeSignatureDoesNotMatch, "The request signature we calculated does not match the signature you provided.")
	})
	c, _ := testClient(t, srv, nil)
	_, err := c.GetBucketInfo(ctx(), "b")
	for _, s := range []string{err.Error(), c.String(), testCreds.String()} {
		if strings.Contains(s, testCreds.AccessKeySecret) || strings.Contains(s, testCreds.SecurityToken) {
			t.Errorf("secret leaked: %s", s)
		}
	}
}

func ctx() context.Context { return context.Background() }

func TestBriefLeavesOutTheRequestIDOnly(t *testing.T) {
	e := &Error{Operation: "PutBucketPolicy", Bucket: "b", StatusCode: 400, Code: "InvalidPolicyDocument", Message: "bad", RequestID: "5E1B9D10", EC: "0030-00000005"}
	if got, want := e.Error(), `oss: PutBucketPolicy bucket "b": 400 InvalidPolicyDocument: bad (RequestId: 5E1B9D10, EC: 0030-00000005)`; got != want {
		t.Errorf("Error() = %s, want %s", got, want)
	}
	if got, want := e.Brief(), `oss: PutBucketPolicy bucket "b": 400 InvalidPolicyDocument: bad (EC: 0030-00000005)`; got != want {
		t.Errorf("Brief() = %s, want %s", got, want)
	}
}

// marker fills hostile answers: no message may carry it, but an OSS error's bounded Message.
const marker = "LEAK-MARKER"

// No error's message carries text of a hostile answer: not its element names, values or codes. Only an
// OSS error's Message is OSS's own text, cut short.
func TestNothingOfAHostileAnswerReachesAMessage(t *testing.T) {
	long := strings.Repeat(marker, 100)
	tests := []struct {
		name            string
		status          int
		header          http.Header
		body            string
		call            func(*Client) error
		wantType        any
		messageMayQuote bool // the OSS Message may quote it, cut short
	}{
		{"element names", 200, nil, `<` + marker + `><` + marker + `/></` + marker + `>`, call(OpGetBucketInfo), &DecodeError{}, false},
		{"syntax error at a marker", 200, nil, `<BucketInfo><Bucket><` + marker + ` =></Bucket></BucketInfo>`, call(OpGetBucketInfo), &DecodeError{}, false},
		{"mismatched end tag", 200, nil, `<BucketInfo><` + marker + `></Bucket></BucketInfo>`, call(OpGetBucketInfo), &DecodeError{}, false},
		{"another bucket", 200, nil, `<BucketInfo><Bucket><Name>` + marker + `</Name></Bucket></BucketInfo>`, call(OpGetBucketInfo), &DecodeError{}, false},
		{"a value of the wrong form", 200, nil, `<BucketStat><Storage>` + marker + `</Storage></BucketStat>`, call(OpGetBucketStat), &DecodeError{}, false},
		{"a date of the wrong form", 200, nil, `<ListAllMyBucketsResult><Owner><ID>1</ID></Owner><Buckets><Bucket><CreationDate>` + marker + `</CreationDate></Bucket></Buckets></ListAllMyBucketsResult>`, call(OpListBuckets), &DecodeError{}, false},
		{"a key that does not decode", 200, nil, `<ListBucketResult><Name>bkt</Name><EncodingType>url</EncodingType><Contents><Key>%` + marker + `</Key></Contents></ListBucketResult>`, call(OpListObjectsV2), &DecodeError{}, false},
		{"a policy that is not JSON", 200, nil, `{"` + marker + `":`, call(OpGetBucketPolicy), &DecodeError{}, false},
		{"a declared charset", 200, nil, `<?xml version="1.0" encoding="` + marker + `"?><BucketInfo/>`, call(OpGetBucketInfo), &DecodeError{}, false},
		{"a 2xx over the limit", 200, nil, `<BucketInfo>` + strings.Repeat(marker, 7000) + `</BucketInfo>`, call(OpGetBucketInfo), &ResponseTooLargeError{}, false},
		{"an HTML error page", 502, nil, `<html><body>` + marker + `</body></html>`, call(OpGetBucketInfo), &Error{}, false},
		{"a code over its bound", 400, nil, `<Error><Code>` + long + `</Code><Message>m</Message></Error>`, call(OpGetBucketInfo), &Error{}, false},
		{"a code with a space", 400, nil, `<Error><Code>No ` + marker + `</Code></Error>`, call(OpGetBucketInfo), &Error{}, false},
		{"a code with a control character", 400, nil, `<Error><Code>` + marker + "&#x1b;[31m" + `</Code></Error>`, call(OpGetBucketInfo), &Error{}, false},
		{"a message over its bound", 400, nil, `<Error><Code>InvalidArgument</Code><Message>` + long + `</Message><RequestId>` + long + `</RequestId><HostId>` + strings.Repeat(marker, 30) + `</HostId><EC>` + long + `</EC></Error>`, call(OpGetBucketInfo), &Error{}, true},
		{"IDs in headers over their bound", 400, http.Header{"X-Oss-Request-Id": {long}, "X-Oss-Ec": {long}}, `<Error><Code>InvalidArgument</Code></Error>`, call(OpGetBucketInfo), &Error{}, false},
		{"a HEAD error in x-oss-err", 404, http.Header{"X-Oss-Err": {base64.StdEncoding.EncodeToString([]byte(`<Error><Code>` + long + `</Code></Error>`))}}, ``, call(OpGetBucketInfo), &Error{}, false},
		{"an error over the limit", 500, nil, `<Error><Code>` + marker + `</Code><Message>` + strings.Repeat(marker, 7000) + `</Message></Error>`, call(OpGetBucketInfo), &Error{}, false},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			h := tc.header
			if h == nil {
				h = http.Header{}
			}
			c, err := New(Config{Region: "cn-hangzhou", Endpoint: "http://127.0.0.1:1", Credentials: testCreds, Retry: RetryPolicy{MaxAttempts: 1},
				HTTPClient: &http.Client{Transport: fixedAnswer{status: tc.status, header: h, body: []byte(tc.body)}}})
			if err != nil {
				t.Fatal(err)
			}
			err = tc.call(c)
			if err == nil {
				t.Fatal("no error")
			}
			if reflect.TypeOf(err) != reflect.TypeOf(tc.wantType) {
				t.Errorf("error = %T %v, want a %T", err, err, tc.wantType)
			}
			msgs := []string{err.Error()}
			if e, ok := AsError(err); ok {
				msgs = append(msgs, e.Brief(), e.Code, e.RequestID, e.EC, e.HostID)
				if tc.messageMayQuote {
					if len(e.Message) > maxErrorMessage+len("...") {
						t.Errorf("Message of %d bytes", len(e.Message))
					}
					for i := range msgs {
						msgs[i] = strings.Replace(msgs[i], e.Message, "", 1)
					}
				} else {
					msgs = append(msgs, e.Message)
				}
			}
			for _, msg := range msgs {
				if strings.Contains(msg, marker) {
					t.Errorf("quotes the answer: %s (in %+v)", msg, err)
				}
			}
			if len(err.Error()) > 1024 {
				t.Errorf("Error() is %d bytes long", len(err.Error()))
			}
		})
	}
}

func call(op string) func(*Client) error {
	return func(c *Client) error { return everyCall[op](context.Background(), c) }
}

// A DecodeError says what kind of problem the answer has; the cause, which may quote it, is kept for a
// debug log only, bounded.
func TestDecodeErrorNamesTheProblem(t *testing.T) {
	tests := []struct{ body, want string }{
		{``, "oss: GetBucketInfo: the 200 answer is empty"},
		{` `, "oss: GetBucketInfo: the 200 answer is empty"},
		{`maintenance`, "oss: GetBucketInfo: the 200 answer is not well-formed XML"},
		{`<html>maintenance</html>`, "oss: GetBucketInfo: the 200 answer is not the document asked for"},
		{`<BucketInfo>maintenance</Bucket>`, "oss: GetBucketInfo: the 200 answer is not well-formed XML"},
		{`<BucketInfo><Bucket><Name>bkt</Name>`, "oss: GetBucketInfo: the 200 answer is not well-formed XML"},
		{`<LEAK-MARKER/>`, "oss: GetBucketInfo: the 200 answer is not the document asked for"},
		{`<BucketInfo><Bucket></Bucket></BucketInfo>`, "oss: GetBucketInfo: the 200 answer names no bucket"},
		{`<BucketInfo><Bucket><Name>LEAK-MARKER</Name></Bucket></BucketInfo>`, "oss: GetBucketInfo: the 200 answer names another bucket"},
		{`<BucketInfo><Bucket><Name>bkt</Name><CreationDate>LEAK-MARKER</CreationDate></Bucket></BucketInfo>`, "oss: GetBucketInfo: the 200 answer holds a value of the wrong form"},
	}
	for _, tc := range tests {
		err := call(OpGetBucketInfo)(answering(t, tc.body))
		var de *DecodeError
		if !errors.As(err, &de) || err.Error() != tc.want {
			t.Errorf("%q: error = %v, want %s", tc.body, err, tc.want)
			continue
		}
		if strings.Contains(tc.body, marker) && !strings.Contains(de.Detail(), marker) {
			t.Errorf("%q: Detail() = %s, want the cause", tc.body, de.Detail())
		}
		if len(de.Detail()) > 300 {
			t.Errorf("Detail() is %d bytes long", len(de.Detail()))
		}
	}
}

// Code, the IDs and the Message of an error answer are bounded and printable whatever the server sends,
// so a code is safe as a map key and in a message.
func TestErrorFieldsAreBoundedAndPrintable(t *testing.T) {
	tests := []struct {
		name string
		body string
		want Error
	}{
		{"a code over 64 characters is no OSS code", `<Error><Code>` + strings.Repeat("A", 65) + `</Code><Message>m</Message></Error>`,
			Error{Code: "HTTP400", Message: notAnErrorDocument}},
		{"a code of 64 characters is", `<Error><Code>` + strings.Repeat("A", 64) + `</Code><Message>m</Message></Error>`,
			Error{Code: strings.Repeat("A", 64), Message: "m"}},
		{"a code with a control character", "<Error><Code>No\x7fSuchBucket</Code></Error>", Error{Code: "HTTP400", Message: notAnErrorDocument}},
		{"a code with a tab", "<Error><Code>No&#x9;SuchBucket</Code></Error>", Error{Code: "HTTP400", Message: notAnErrorDocument}},
		{"a code that is not ASCII", "<Error><Code>NoSuchBücket</Code></Error>", Error{Code: "HTTP400", Message: notAnErrorDocument}},
		{"a message on several lines with format characters", "<Error><Code>InvalidArgument</Code><Message>\n  one\n\ttwo \u202ered\u200b&#xD;</Message></Error>",
			Error{Code: CodeInvalidArgument, Message: "one two red"}},
		{"a message cut on a character boundary", "<Error><Code>InvalidArgument</Code><Message>" + strings.Repeat("é", 300) + "</Message></Error>",
			Error{Code: CodeInvalidArgument, Message: strings.Repeat("é", 256) + "..."}},
		{"IDs that are not", "<Error><Code>InvalidArgument</Code><RequestId>a b</RequestId><HostId>h&#x9;x</HostId><EC>" + strings.Repeat("1", 33) + "</EC></Error>",
			Error{Code: CodeInvalidArgument, RequestID: "HDR", EC: "0000-00000000"}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			h := http.Header{}
			h.Set(HeaderRequestID, "HDR")
			h.Set(HeaderEC, "0000-00000000")
			got := newError(OpGetBucketInfo, "b", 400, h, []byte(tc.body))
			tc.want.Operation, tc.want.Bucket, tc.want.StatusCode = OpGetBucketInfo, "b", 400
			if tc.want.RequestID == "" {
				tc.want.RequestID = "HDR"
			}
			if tc.want.EC == "" {
				tc.want.EC = "0000-00000000"
			}
			if *got != tc.want {
				t.Errorf("got  %+v\nwant %+v", *got, tc.want)
			}
		})
	}
}

// Go's transport quotes what a server sent in some of its errors (a malformed status line or header);
// a TransportError's message does not.
func TestTransportErrorsQuoteNothingOfTheServer(t *testing.T) {
	answers := []string{
		"HTTP/1.1 " + marker + " OK\r\n\r\n",
		marker + "\r\n\r\n",
		"HTTP/1.1 200 OK\r\n" + marker + "\r\n\r\n",
		"HTTP/1.1 200 OK\r\nContent-Length: " + marker + "\r\n\r\n",
		"HTTP/1.1 200 OK\r\nTransfer-Encoding: " + marker + "\r\n\r\n",
		"HTTP/1.1 200 OK\r\nContent-Length: 100\r\n\r\n<BucketInfo>",
	}
	for _, answer := range answers {
		l, err := net.Listen("tcp", "127.0.0.1:0")
		if err != nil {
			t.Fatal(err)
		}
		go func() {
			for {
				conn, err := l.Accept()
				if err != nil {
					return
				}
				_, _ = http.ReadRequest(bufio.NewReader(conn))
				_, _ = io.WriteString(conn, answer)
				_ = conn.Close()
			}
		}()
		c, err := New(Config{Region: "cn-hangzhou", Endpoint: "http://" + l.Addr().String(), Credentials: testCreds, Retry: RetryPolicy{MaxAttempts: 1}})
		if err != nil {
			t.Fatal(err)
		}
		_, err = c.GetBucketInfo(ctx(), "bkt")
		l.Close()
		var te *TransportError
		if !errors.As(err, &te) {
			t.Errorf("%q: error = %T %v, want a *TransportError", answer, err, err)
			continue
		}
		if strings.Contains(err.Error(), marker) || len(err.Error()) > 300 {
			t.Errorf("%q: Error() = %s", answer, err)
		}
		t.Logf("%q: %v", answer, err)
	}
}

// A TLS failure names what is wrong with the endpoint's certificate, not the names in it.
func TestTLSErrorsNameTheProblem(t *testing.T) {
	srv := httptest.NewUnstartedServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {}))
	srv.Config.ErrorLog = log.New(io.Discard, "", 0) // the handshakes fail by design
	srv.StartTLS()
	defer srv.Close()
	port := srv.URL[strings.LastIndexByte(srv.URL, ':')+1:]
	tests := []struct {
		name, endpoint string
		client         *http.Client
		want           string
	}{
		{"an unknown authority", srv.URL, nil, "oss: GetBucketInfo: the endpoint's TLS certificate is signed by an unknown authority"},
		{"another host name", "https://localhost:" + port, srv.Client(), "oss: GetBucketInfo: the endpoint's TLS certificate is not valid for localhost"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			c, err := New(Config{Region: "cn-hangzhou", Endpoint: tc.endpoint, Credentials: testCreds, HTTPClient: tc.client, Retry: RetryPolicy{MaxAttempts: 1}})
			if err != nil {
				t.Fatal(err)
			}
			_, err = c.GetBucketInfo(ctx(), "bkt")
			var te *TransportError
			if !errors.As(err, &te) || err.Error() != tc.want {
				t.Errorf("error = %T %v, want %s", err, err, tc.want)
			}
		})
	}
}
