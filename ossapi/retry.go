package ossapi

import (
	"context"
	"errors"
	"math/rand/v2"
	"net/http"
	"time"
)

// RetryPolicy bounds how a request is retried. It is the only place that decides what is retryable:
// 5xx answers (503 throttling included), 429 and 408, and connection errors (refused, reset, timed
// out, cut short). RequestTimeTooSkewed is retried at once after correcting the clock offset. Every
// other 4xx answer is final. Each attempt is signed anew.
type RetryPolicy struct {
	MaxAttempts int           // attempts in all, including the first; default 3
	BaseDelay   time.Duration // default 200ms
	MaxDelay    time.Duration // default 20s
}

// DefaultRetryPolicy is what a zero RetryPolicy means.
var DefaultRetryPolicy = RetryPolicy{MaxAttempts: 3, BaseDelay: 200 * time.Millisecond, MaxDelay: 20 * time.Second}

func (p RetryPolicy) withDefaults() RetryPolicy {
	if p.MaxAttempts <= 0 {
		p.MaxAttempts = DefaultRetryPolicy.MaxAttempts
	}
	if p.BaseDelay <= 0 {
		p.BaseDelay = DefaultRetryPolicy.BaseDelay
	}
	if p.MaxDelay <= 0 {
		p.MaxDelay = DefaultRetryPolicy.MaxDelay
	}
	return p
}

// backoff is the full-jitter delay before attempt n+1 (n counts from 1): uniform in
// [0, min(MaxDelay, BaseDelay*2^n)).
func (p RetryPolicy) backoff(n int, rnd func(int64) int64) time.Duration {
	ceiling := p.MaxDelay
	if n < 32 {
		if d := p.BaseDelay << uint(n); d > 0 && d < ceiling {
			ceiling = d
		}
	}
	if ceiling <= 0 {
		return 0
	}
	return time.Duration(rnd(int64(ceiling)))
}

func defaultRand(n int64) int64 { return rand.Int64N(n) }

// retryableStatus reports whether an HTTP status is worth another attempt.
func retryableStatus(status int) bool {
	return status >= 500 || status == http.StatusTooManyRequests || status == http.StatusRequestTimeout
}

// retryableTransportError reports whether a transport error is worth another attempt: everything but
// the caller's own cancellation. Connection refused or reset, timeouts, EOF and cut-short bodies all
// count.
func retryableTransportError(ctx context.Context, err error) bool {
	if ctx.Err() != nil {
		return false
	}
	return !errors.Is(err, context.Canceled)
}
