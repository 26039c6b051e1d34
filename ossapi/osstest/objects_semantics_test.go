package osstest_test

import (
	"net/http"
	"testing"
	"time"

	"github.com/ossoperator/oss-operator/ossapi"
)

// PutObject stores the standard headers and x-oss-meta-* with the object; GetObject and HeadObject
// answer them, with the Content-MD5 of the data.
func TestObjectMetadata(t *testing.T) {
	t.Parallel()
	srv := newServer(t)
	c := newClient(t, srv.URL, aliceKey, ossapi.SignatureV4)
	must(t, c.PutBucket(ctx, &ossapi.PutBucketRequest{Bucket: "meta"}))
	header := http.Header{"Content-Type": {"text/x-meta"}, "Cache-Control": {"no-cache"}, "Content-Language": {"de"},
		"X-Oss-Meta-Author": {"alice"}, "X-Oss-Unrelated": {"dropped"}}
	resp, body := rawRequest{method: http.MethodPut, bucket: "meta", key: "doc", body: []byte("hello"), header: header}.
		send(t, srv, aliceKey, false, time.Now())
	if resp.StatusCode != http.StatusOK {
		t.Fatalf("PutObject: %d %s", resp.StatusCode, body)
	}
	for _, method := range []string{http.MethodHead, http.MethodGet} {
		resp, _ = rawRequest{method: method, bucket: "meta", key: "doc"}.send(t, srv, aliceKey, false, time.Now())
		h := resp.Header
		if h.Get("Content-Type") != "text/x-meta" || h.Get("Cache-Control") != "no-cache" || h.Get("Content-Language") != "de" ||
			h.Get("X-Oss-Meta-Author") != "alice" || h.Get("X-Oss-Unrelated") != "" || h.Get("Content-Md5") != "XUFAKrxLKna5cZ2REBfFkg==" ||
			h.Get("X-Oss-Object-Type") != "Normal" {
			t.Errorf("%s: %v", method, h)
		}
	}
}
