package ossapi

import (
	"github.com/prometheus/client_golang/prometheus"
)

// Metrics are the Prometheus collectors of OSS calls. Labels are the operation and the result code
// ("OK", the OSS error code, "DecodeError", "NetworkError", "Timeout" or "Canceled"): never a bucket,
// key or credential.
type Metrics struct {
	requests *prometheus.CounterVec
	latency  *prometheus.HistogramVec
	retries  *prometheus.CounterVec
}

// NewMetrics creates the collectors. Register them with Register; a client whose Config has no
// Metrics records nothing.
func NewMetrics() *Metrics {
	return &Metrics{
		requests: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "ossoperator_oss_requests_total",
			Help: "HTTP requests sent to OSS (every attempt), by operation and result code.",
		}, []string{"operation", "code"}),
		latency: prometheus.NewHistogramVec(prometheus.HistogramOpts{
			Name:    "ossoperator_oss_request_duration_seconds",
			Help:    "Latency of HTTP requests to OSS (every attempt), by operation and result code.",
			Buckets: []float64{0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30},
		}, []string{"operation", "code"}),
		retries: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "ossoperator_oss_retries_total",
			Help: "Attempts to OSS that were retried, by operation and the code that caused the retry.",
		}, []string{"operation", "code"}),
	}
}

// Collectors returns every collector, for registration.
func (m *Metrics) Collectors() []prometheus.Collector {
	return []prometheus.Collector{m.requests, m.latency, m.retries}
}

// Register adds the collectors to a registry, such as controller-runtime's metrics.Registry, which
// the operator's metrics endpoint serves.
func (m *Metrics) Register(reg prometheus.Registerer) error {
	for _, c := range m.Collectors() {
		if err := reg.Register(c); err != nil {
			return err
		}
	}
	return nil
}

func (m *Metrics) observe(op, code string, seconds float64) {
	if m == nil {
		return
	}
	m.requests.WithLabelValues(op, code).Inc()
	m.latency.WithLabelValues(op, code).Observe(seconds)
}

func (m *Metrics) retried(op, code string) {
	if m == nil {
		return
	}
	m.retries.WithLabelValues(op, code).Inc()
}
