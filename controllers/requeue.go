package controllers

import (
	"errors"
	"math/rand/v2"
	"time"

	"github.com/ossoperator/oss-operator/ossapi"
)

// jitter spreads resyncs over ±10% of the period, so buckets created together do not all resync in the
// same second.
func jitter(d time.Duration) time.Duration {
	if d <= 0 {
		return 0
	}
	return d - d/10 + time.Duration(rand.Int64N(int64(d/5)+1))
}

// isTransient reports whether an OSS call may succeed later without anyone changing anything:
// throttling, 5xx, timeouts, connection errors, unreadable answers. Everything else (4xx) needs a
// change of spec, credentials or OSS state.
func isTransient(err error) bool {
	if err == nil {
		return false
	}
	var w *waitError
	if errors.As(err, &w) {
		return true
	}
	if e, ok := ossapi.AsError(err); ok {
		return e.StatusCode >= 500 || e.StatusCode == 429 || e.StatusCode == 408 || e.Code == ossapi.CodeRequestTimeTooSkewed
	}
	// Transport errors, unreadable answers and anything else that is not an OSS error answer.
	return true
}

// waitError is a dependency that is expected to appear by itself (a log target bucket applied at the
// same time): the Bucket stays Reconciling and is retried with backoff.
type waitError struct{ msg string }

func (e *waitError) Error() string { return e.msg }
