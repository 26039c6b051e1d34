package ossapi

import (
	"context"
	"errors"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/testutil"
)

const goodBucketInfo = `<BucketInfo><Bucket><Name>logs</Name><Location>oss-cn-hangzhou</Location><StorageClass>Standard</StorageClass></Bucket></BucketInfo>`

// A well-formed 200 that is not an answer about the bucket was once taken as "the bucket exists". It is
// a fault of OSS's, retried like a 503 and counted as a DecodeError, not as OK.
func TestGarbledAnswerIsRetried(t *testing.T) {
	rec, srv := newRecorder(t, func(n int, w http.ResponseWriter, r *http.Request) {
		if n == 0 {
			_, _ = w.Write([]byte(`<BucketInfo><Bucket></Bucket></BucketInfo>`))
			return
		}
		_, _ = w.Write([]byte(goodBucketInfo))
	})
	m := NewMetrics()
	reg := prometheus.NewPedanticRegistry()
	if err := m.Register(reg); err != nil {
		t.Fatal(err)
	}
	c, delays := testClient(t, srv, func(cfg *Config) { cfg.Metrics = m })
	info, err := c.GetBucketInfo(ctx(), "logs")
	if err != nil || info.Name != "logs" || info.Location != "oss-cn-hangzhou" {
		t.Fatalf("GetBucketInfo = %+v, %v; want the second answer", info, err)
	}
	if rec.count() != 2 || len(*delays) != 1 {
		t.Errorf("attempts = %d, backoff waits = %d; want 2 and 1", rec.count(), len(*delays))
	}
	expected := `
# HELP ossoperator_oss_requests_total HTTP requests sent to OSS (every attempt), by operation and result code.
# TYPE ossoperator_oss_requests_total counter
ossoperator_oss_requests_total{code="DecodeError",operation="GetBucketInfo"} 1
ossoperator_oss_requests_total{code="OK",operation="GetBucketInfo"} 1
# HELP ossoperator_oss_retries_total Attempts to OSS that were retried, by operation and the code that caused the retry.
# TYPE ossoperator_oss_retries_total counter
ossoperator_oss_retries_total{code="DecodeError",operation="GetBucketInfo"} 1
`
	if err := testutil.GatherAndCompare(reg, strings.NewReader(expected), "ossoperator_oss_requests_total", "ossoperator_oss_retries_total"); err != nil {
		t.Error(err)
	}
}

func TestPersistentGarbageIsADecodeError(t *testing.T) {
	huge := strings.Repeat("x", 30_000) // under GetBucketInfo's limit: limits_test.go has larger ones
	rec, srv := newRecorder(t, func(n int, w http.ResponseWriter, r *http.Request) {
		_, _ = w.Write([]byte(`<BucketInfo><Bucket><Name>` + huge + `</Name></Bucket></BucketInfo>`))
	})
	c, _ := testClient(t, srv, nil)
	_, err := c.GetBucketInfo(ctx(), "logs")
	var de *DecodeError
	if !errors.As(err, &de) || de.Op != OpGetBucketInfo || de.StatusCode != http.StatusOK {
		t.Fatalf("error = %T %v, want a *DecodeError of GetBucketInfo with status 200", err, err)
	}
	if !Retryable(err) {
		t.Errorf("Retryable(%v) = false, want true: the next call may get a good answer", err)
	}
	if rec.count() != DefaultRetryPolicy.MaxAttempts {
		t.Errorf("attempts = %d, want %d", rec.count(), DefaultRetryPolicy.MaxAttempts)
	}
	if len(err.Error()) > 300 {
		t.Errorf("the error carries %d bytes of the answer: %.300s...", len(err.Error()), err)
	}
}

// A retried attempt starts from an empty result: nothing of a garbled answer survives into the good one.
func TestRetriedAnswerStartsAfresh(t *testing.T) {
	_, srv := newRecorder(t, func(n int, w http.ResponseWriter, r *http.Request) {
		if n == 0 {
			_, _ = w.Write([]byte(`<ListBucketResult><Name>other</Name><Contents><Key>ghost</Key></Contents></ListBucketResult>`))
			return
		}
		_, _ = w.Write([]byte(`<ListBucketResult><Name>logs</Name><Contents><Key>real</Key></Contents></ListBucketResult>`))
	})
	c, _ := testClient(t, srv, nil)
	out, err := c.ListObjectsV2(ctx(), &ListObjectsV2Request{Bucket: "logs"})
	if err != nil {
		t.Fatal(err)
	}
	if len(out.Contents) != 1 || out.Contents[0].Key != "real" {
		t.Errorf("contents = %+v, want only the second answer's", out.Contents)
	}
}

// Each operation whose answer can be told apart from another accepts its own answer and refuses the
// others: another root element, another bucket, no bucket, keys that do not URL-decode.
func TestAnswersMustBeTheOneAskedFor(t *testing.T) {
	call := func(op string) func(*Client) error {
		return func(c *Client) error { return everyCall[op](context.Background(), c) }
	}
	tests := []struct {
		name   string
		call   func(*Client) error
		body   string
		accept bool
	}{
		{"GetBucketInfo about the bucket", call(OpGetBucketInfo), `<BucketInfo><Bucket><Name>bkt</Name></Bucket></BucketInfo>`, true},
		{"GetBucketInfo about no bucket", call(OpGetBucketInfo), `<BucketInfo><Bucket></Bucket></BucketInfo>`, false},
		{"GetBucketInfo with no Bucket element", call(OpGetBucketInfo), `<BucketInfo></BucketInfo>`, false},
		{"GetBucketInfo about another bucket", call(OpGetBucketInfo), `<BucketInfo><Bucket><Name>other</Name></Bucket></BucketInfo>`, false},
		{"GetBucketInfo answered with another document", call(OpGetBucketInfo), `<Bucket><Name>bkt</Name></Bucket>`, false},
		{"GetBucketInfo answered with an error document", call(OpGetBucketInfo), `<Error><Code>NoSuchBucket</Code></Error>`, false},
		{"GetBucketLocation", call(OpGetBucketLocation), `<LocationConstraint>oss-cn-hangzhou</LocationConstraint>`, true},
		{"GetBucketLocation with no location", call(OpGetBucketLocation), `<LocationConstraint> </LocationConstraint>`, false},
		{"GetBucketAcl answered with a lifecycle", call(OpGetBucketAcl), `<LifecycleConfiguration/>`, false},
		{"ListObjectsV2 of the bucket", call(OpListObjectsV2), `<ListBucketResult><Name>bkt</Name><EncodingType>url</EncodingType><Contents><Key>a%20b</Key></Contents></ListBucketResult>`, true},
		{"ListObjectsV2 of another bucket", call(OpListObjectsV2), `<ListBucketResult><Name>other</Name></ListBucketResult>`, false},
		{"ListObjectsV2 with a key that does not decode", call(OpListObjectsV2), `<ListBucketResult><Name>bkt</Name><EncodingType>url</EncodingType><Contents><Key>%ZZ</Key></Contents></ListBucketResult>`, false},
		{"ListObjectVersions of the bucket", call(OpListObjectVersions), `<ListVersionsResult><Name>bkt</Name></ListVersionsResult>`, true},
		{"ListObjectVersions of no bucket", call(OpListObjectVersions), `<ListVersionsResult></ListVersionsResult>`, false},
		{"ListMultipartUploads of the bucket", call(OpListMultipartUploads), `<ListMultipartUploadsResult><Bucket>bkt</Bucket></ListMultipartUploadsResult>`, true},
		{"ListMultipartUploads of another bucket", call(OpListMultipartUploads), `<ListMultipartUploadsResult><Bucket>other</Bucket></ListMultipartUploadsResult>`, false},
		{"InitiateMultipartUpload", call(OpInitiateMultipartUpload), `<InitiateMultipartUploadResult><Bucket>bkt</Bucket><Key>k</Key><UploadId>U1</UploadId></InitiateMultipartUploadResult>`, true},
		{"InitiateMultipartUpload with no upload ID", call(OpInitiateMultipartUpload), `<InitiateMultipartUploadResult><Bucket>bkt</Bucket><Key>k</Key></InitiateMultipartUploadResult>`, false},
		{"DeleteMultipleObjects in quiet mode", call(OpDeleteMultipleObjects), ``, true},
		{"DeleteMultipleObjects answered with another document", call(OpDeleteMultipleObjects), `<Delete/>`, false},
		{"GetBucketPolicy", call(OpGetBucketPolicy), `{"Version":"1","Statement":[]}`, true},
		{"GetBucketPolicy cut short", call(OpGetBucketPolicy), `{"Version":"1","Statem`, false},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			err := tc.call(answering(t, tc.body))
			var de *DecodeError
			switch {
			case tc.accept && err != nil:
				t.Errorf("refused its own answer: %v", err)
			case !tc.accept && (!errors.As(err, &de) || de.StatusCode != http.StatusOK):
				t.Errorf("error = %T %v, want a *DecodeError with status 200", err, err)
			}
		})
	}
}

// Every operation that reads its answer checks the root element, so a 200 with another document is
// never taken for the answer, even one that names the bucket.
func TestEveryAnswerHasItsRootElementChecked(t *testing.T) {
	c := answering(t, `<NotTheAnswer><Name>bkt</Name><Bucket>bkt</Bucket><UploadId>U</UploadId></NotTheAnswer>`)
	for _, op := range fuzzedOps {
		readsAnswer := strings.HasPrefix(op, "Get") || strings.HasPrefix(op, "List") ||
			op == OpInitiateMultipartUpload || op == OpDeleteMultipleObjects
		err := everyCall[op](context.Background(), c)
		var de *DecodeError
		if readsAnswer && !errors.As(err, &de) || !readsAnswer && err != nil {
			t.Errorf("%s: error %v (reads its answer: %v)", op, err, readsAnswer)
		}
	}
}

// The realistic answers the fuzzer starts from are accepted when they are about the bucket asked for:
// the checks refuse only what OSS does not send as a 200.
func TestRealisticAnswersAreAccepted(t *testing.T) {
	for _, seed := range decodeSeeds {
		// An error document is not a 200 answer; the ListObjectVersions seed has a key that does not
		// URL-decode.
		refused := strings.Contains(seed.body, "<Error>") || strings.Contains(seed.body, "%ZZ")
		err := everyCall[seed.op](context.Background(), answering(t, seed.body))
		var de *DecodeError
		if refused && !errors.As(err, &de) || !refused && err != nil {
			t.Errorf("%s: %.60s...: error %v, want refused=%v", seed.op, seed.body, err, refused)
		}
	}
}

// answering is a client that makes one attempt per call and gets a 200 with body every time.
func answering(t *testing.T, body string) *Client {
	t.Helper()
	c, err := New(Config{
		Region: "cn-hangzhou", Endpoint: "http://127.0.0.1:1", Credentials: testCreds,
		HTTPClient: &http.Client{Transport: fixedAnswer{status: http.StatusOK, header: http.Header{}, body: []byte(body)}},
		Retry:      RetryPolicy{MaxAttempts: 1},
	})
	if err != nil {
		t.Fatal(err)
	}
	return c
}

func TestAListingOfBucketsNamesItsOwner(t *testing.T) {
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, _ *http.Request) {
		_, _ = w.Write([]byte(`<ListAllMyBucketsResult><Buckets></Buckets></ListAllMyBucketsResult>`))
	}))
	defer srv.Close()
	c, err := New(Config{Region: "cn-hangzhou", Endpoint: srv.URL, Retry: RetryPolicy{MaxAttempts: 1},
		Credentials: StaticCredentials{AccessKeyID: "id", AccessKeySecret: "secret"}})
	if err != nil {
		t.Fatal(err)
	}
	_, err = c.ListBuckets(context.Background(), &ListBucketsRequest{MaxKeys: 1})
	var de *DecodeError
	if !errors.As(err, &de) || !Retryable(err) {
		t.Fatalf("a listing without its owner: %v, want a retryable *DecodeError", err)
	}
}
