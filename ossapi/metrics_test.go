package ossapi

import (
	"net/http"
	"strings"
	"testing"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/testutil"
	"github.com/prometheus/common/expfmt"
)

func TestMetricsCountEveryAttemptByOperationAndCode(t *testing.T) {
	_, srv := newRecorder(t, func(n int, w http.ResponseWriter, r *http.Request) {
		if n == 0 {
			ossError(w, 503, "TotalQpsLimitExceeded", "slow down")
			return
		}
		if r.URL.RawQuery == "acl" {
			w.WriteHeader(200)
			return
		}
		ossError(w, 404, CodeNoSuchBucket, "gone")
	})
	m := NewMetrics()
	reg := prometheus.NewPedanticRegistry()
	if err := m.Register(reg); err != nil {
		t.Fatal(err)
	}
	c, _ := testClient(t, srv, func(cfg *Config) { cfg.Metrics = m })
	if err := c.PutBucketAcl(ctx(), "b", ACLPrivate); err != nil {
		t.Fatal(err)
	}
	_, _ = c.GetBucketInfo(ctx(), "b")

	expected := `
# HELP ossoperator_oss_requests_total HTTP requests sent to OSS (every attempt), by operation and result code.
# TYPE ossoperator_oss_requests_total counter
ossoperator_oss_requests_total{code="NoSuchBucket",operation="GetBucketInfo"} 1
ossoperator_oss_requests_total{code="OK",operation="PutBucketAcl"} 1
ossoperator_oss_requests_total{code="TotalQpsLimitExceeded",operation="PutBucketAcl"} 1
# HELP ossoperator_oss_retries_total Attempts to OSS that were retried, by operation and the code that caused the retry.
# TYPE ossoperator_oss_retries_total counter
ossoperator_oss_retries_total{code="TotalQpsLimitExceeded",operation="PutBucketAcl"} 1
`
	if err := testutil.GatherAndCompare(reg, strings.NewReader(expected), "ossoperator_oss_requests_total", "ossoperator_oss_retries_total"); err != nil {
		t.Error(err)
	}
	if n := testutil.CollectAndCount(m.latency); n != 3 {
		t.Errorf("latency series = %d, want 3", n)
	}
	// No label value ever carries a bucket name or credential.
	out, _ := testutil.CollectAndFormat(m.requests, expfmt.TypeTextPlain)
	if strings.Contains(string(out), "LTAI-test-id") || strings.Contains(string(out), `"b"`) {
		t.Errorf("metrics carry identifying values:\n%s", out)
	}
}
