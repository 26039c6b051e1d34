package ossapi

import (
	"github.com/prometheus/client_golang/prometheus"
)

// Metrics are the Prometheus collectors of OSS calls, and of the RPC APIs' (RAM, STS) calls, whose
// operation is the Action. Labels are the operation and the result code: "OK", the client's outcomes
// ("DecodeError", "TooLarge", "NetworkError", "Timeout", "Canceled"), the error codes the project knows
// (the Code constants, an RPC client's RPCConfig.Codes; "NotFound" for a 404 without one), or "other"
// for any other code. Both come from closed sets (the operations are the client's, an RPC client's
// RPCConfig.Actions), whatever an endpoint answers, so the number of series is bounded; never a
// bucket, key, user or credential.
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

// observe counts an attempt; op and code are labels already (executor.opLabel, executor.codeLabel).
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

// labelOther is the label of a code, or operation, outside the closed set.
const labelOther = "other"

// codeLabels are the result codes that are their own label. An endpoint can answer any code; only
// these, the project's, the emulator's, OSS's throttling codes and the codes every RPC API answers,
// make a series of their own (an RPC client adds its API's, RPCConfig.Codes).
var codeLabels = setOf(
	resultOK, resultNetworkError, resultTimeout, resultCanceled, resultDecodeError, resultTooLarge,
	CodeAccessDenied, CodeSignatureDoesNotMatch, CodeInvalidAccessKeyID, CodeRequestTimeTooSkewed,
	CodeInvalidSecurityToken, CodeSecurityTokenExpired, CodeAccessKeyIDAndSecurityTokenNotMatch,
	CodeInvalidArgument, CodeInvalidBucketName, CodeTooManyBuckets, CodeMalformedXML, CodeInvalidDigest,
	CodeInvalidTargetBucketForLogging, CodeInvalidEncryptionAlgorithm, CodeInvalidPolicyDocument,
	CodeResourceGroupIDPreCheckError,
	CodeNoSuchBucket, CodeNoSuchKey, CodeNoSuchUpload, CodeNoSuchLifecycle, CodeNoSuchCORSConfiguration,
	CodeNoSuchBucketPolicy, CodeNoSuchWebsiteConfiguration, CodeNoSuchServerSideEncryptionRule,
	CodeBucketAlreadyExists, CodeBucketNotEmpty, CodeMethodNotAllowed, CodeServiceUnavailable, CodeInternalError,
	CodeTotalQpsLimitExceeded, CodeMetaOperationQpsLimitExceeded, CodeDownloadTrafficRateLimitExceeded,
	CodeUploadTrafficRateLimitExceeded, CodeActiveRequestLimitExceeded, CodeCPULimitExceeded,
	CodeThrottling, CodeThrottlingUser, CodeThrottlingAPI, CodeInvalidTimeStampExpired, CodeSignatureNonceUsed,
	CodeInvalidAccessKeyIDNotFound, CodeInvalidAccessKeyIDInactive, CodeIncompleteSignature,
	statusCode(404),
)

// opLabels are the operations, a closed set already; the check keeps it one.
var opLabels = setOf(Operations...)

func codeLabel(code string) string {
	if codeLabels[code] {
		return code
	}
	return labelOther
}

func opLabel(op string) string {
	if opLabels[op] {
		return op
	}
	return labelOther
}

func setOf(xs ...string) map[string]bool {
	m := make(map[string]bool, len(xs))
	for _, x := range xs {
		m[x] = true
	}
	return m
}
