package ossapi

import (
	"context"
	"encoding/base64"
	"errors"
	"net/http"
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
			want: Error{StatusCode: 502, Code: "HTTP502", Message: `unexpected response body: "<html><body><h1>502 Bad Gateway</h1></body></html>"`}},
		{name: "truncated XML", status: 503, body: "<Error><Code>Total",
			want: Error{StatusCode: 503, Code: "ServiceUnavailable", Message: `unexpected response body: "<Error><Code>Total"`}},
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
