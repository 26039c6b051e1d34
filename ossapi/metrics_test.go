package ossapi

import (
	"fmt"
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

// Whatever codes an endpoint answers, the metrics have a bounded number of series: codes outside the
// project's closed set are counted as "other".
func TestMetricSeriesAreBounded(t *testing.T) {
	_, srv := newRecorder(t, func(n int, w http.ResponseWriter, r *http.Request) {
		status := 400
		if n%2 == 1 {
			status = 503
		}
		ossError(w, status, fmt.Sprintf("%s-%d", marker, n), "m")
	})
	m := NewMetrics()
	reg := prometheus.NewPedanticRegistry()
	if err := m.Register(reg); err != nil {
		t.Fatal(err)
	}
	c, _ := testClient(t, srv, func(cfg *Config) { cfg.Metrics = m; cfg.Retry.MaxAttempts = 2 })
	for i := 0; i < 1000; i++ {
		if _, err := c.GetBucketInfo(ctx(), "b"); err == nil {
			t.Fatal("no error")
		}
	}
	for name, col := range map[string]prometheus.Collector{"requests": m.requests, "latency": m.latency, "retries": m.retries} {
		if n := testutil.CollectAndCount(col); n > 1 {
			t.Errorf("%s has %d series after 1000 distinct codes, want 1 (other)", name, n)
		}
	}
	if got := testutil.ToFloat64(m.requests.WithLabelValues(OpGetBucketInfo, labelOther)); got < 1000 {
		t.Errorf("requests{code=other} = %v, want every attempt", got)
	}
	out, _ := testutil.CollectAndFormat(m.requests, expfmt.TypeTextPlain)
	if strings.Contains(string(out), marker) {
		t.Errorf("a label carries a code from the answer:\n%s", out)
	}
	// The project's codes and the client's outcomes keep their own series.
	for _, code := range []string{CodeNoSuchBucket, CodeTotalQpsLimitExceeded, "NotFound", resultOK, resultTooLarge, resultDecodeError} {
		if codeLabel(code) != code {
			t.Errorf("codeLabel(%s) = %s", code, codeLabel(code))
		}
	}
	if opLabel("NotAnOperation") != labelOther {
		t.Errorf("an unknown operation has its own label")
	}
}
