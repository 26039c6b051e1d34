package ossapi

import (
	"context"
	"errors"
	"math/rand/v2"
	"net/http"
	"strings"
	"time"
)

// RetryPolicy bounds how often and after what delay the client retries a call that failed with a
// Retryable error. A refusal of the request's time (RequestTimeTooSkewed, InvalidTimeStamp.Expired) is
// retried at once, after correcting the clock offset. Each attempt is signed anew.
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

// Retryable reports whether a failed call may succeed if made again unchanged. It is true when the
// service answered:
//   - a 5xx status (OSS's 503 throttling codes among them), 429 or 408;
//   - a code that says the service is briefly unavailable or the caller over its rate, whatever the
//     status: ServiceUnavailable, InternalError, and the RPC APIs' throttling codes Throttling,
//     Throttling.User, Throttling.Api and any other Throttling.* (the gateway of RAM and STS answers
//     them with a 4xx as well as a 5xx);
//   - a refusal of the request's time, RequestTimeTooSkewed (OSS) or InvalidTimeStamp.Expired (RPC
//     APIs): the client has corrected its clock from the answer's Date;
//   - SignatureNonceUsed (RPC APIs): every attempt carries a new nonce;
//
// when its answer could not be read or was not the answer asked for (a *DecodeError); and when no
// answer came in time: refused, reset, timed out, cut short (a *TransportError), or the caller's
// deadline ran out. It is false for nil, for the caller's own cancellation, for every other *Error (a
// 4xx needs a change of request, credentials or the service's state), for a *ResponseTooLargeError (an
// endpoint that answers more than the service sends will answer so again), and for errors that did not
// come from asking the service, such as ErrInvalidBucketName.
//
// The clients (Client, and those of the RPC APIs) retry by this predicate and no other, so a caller
// that uses it to choose between "try again later" and "needs a person" agrees with them by
// construction.
func Retryable(err error) bool {
	switch {
	case err == nil, errors.Is(err, context.Canceled):
		return false
	case errors.Is(err, context.DeadlineExceeded):
		return true // no verdict from the service, only no time left to wait for one
	}
	if e, ok := AsError(err); ok {
		return e.StatusCode >= 500 || e.StatusCode == http.StatusTooManyRequests ||
			e.StatusCode == http.StatusRequestTimeout || retryableCodes[e.Code] ||
			strings.HasPrefix(e.Code, CodeThrottling+".")
	}
	var de *DecodeError
	var te *TransportError
	return errors.As(err, &de) || errors.As(err, &te)
}

// retryableCodes are the codes Retryable whatever the status they come with.
var retryableCodes = setOf(
	CodeServiceUnavailable, CodeInternalError,
	CodeThrottling, CodeThrottlingUser, CodeThrottlingAPI,
	CodeRequestTimeTooSkewed, CodeInvalidTimeStampExpired,
	CodeSignatureNonceUsed,
)
