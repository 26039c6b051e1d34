package ossapi

import (
	"context"
	"errors"
	"fmt"
	"math"
	"net/http"
	"strings"
	"sync"
	"time"
)

// Pacer paces a client's attempts. Wait is asked before each attempt: it may hold the attempt until its
// turn (a rate limit), or refuse it, in which case the attempt fails unsent with Wait's error. Done is told
// how every attempt that Wait let through ended. A Pacer is shared by the clients it paces (all the
// clients of one account, of one endpoint); it must be safe for concurrent use.
type Pacer interface {
	Wait(ctx context.Context) error
	Done(elapsed time.Duration, err error)
}

// Throttled reports whether err is the service telling the caller to slow down: OSS's 503 answers that
// name a rate (TotalQpsLimitExceeded, MetaOperationQpsLimitExceeded, ActiveRequestLimitExceeded, ...), a
// 429, or an RPC API's Throttling code. Every throttled error is Retryable; not every Retryable error
// is throttling (a 500, a timeout).
func Throttled(err error) bool {
	e, ok := AsError(err)
	if !ok {
		return false
	}
	return e.StatusCode == http.StatusTooManyRequests || throttlingCodes[e.Code] ||
		e.Code == CodeThrottling || strings.HasPrefix(e.Code, CodeThrottling+".")
}

// throttlingCodes are OSS's codes for a request refused because of the caller's rate (reference §3.3).
var throttlingCodes = setOf(
	"TotalQpsLimitExceeded", "MetaOperationQpsLimitExceeded", "ActiveRequestLimitExceeded",
	"DownloadTrafficRateLimitExceeded", "UploadTrafficRateLimitExceeded", "CpuLimitExceeded",
)

// RateLimiter bounds the rate of calls, with a token bucket whose rate adapts to throttling: a throttled
// answer halves the rate actually used over the last second (at most once a second, so one burst of
// throttled answers cuts once), and the rate then grows back linearly, each second by a twentieth of the
// rate at which it was throttled, up to its ceiling (additive increase, multiplicative decrease, as TCP
// shares a link): back at the throttling point some ten seconds after a cut, probing it gently, and
// towards the ceiling at that pace once OSS stops throttling. The zero value is not usable; see
// NewRateLimiter.
type RateLimiter struct {
	mu      sync.Mutex
	ceiling float64 // the configured rate, per second
	rate    float64 // the current rate
	burst   float64
	tokens  float64
	last    time.Time // when tokens were last refilled, and the rate grown
	cut     time.Time // the last cut
	step    float64   // what the rate grows by each second after a cut: a twentieth of the rate cut
	// sent counts the calls let through in the current second and the one before it, to tell the rate
	// actually used.
	sent      [2]int
	sentSince time.Time
	now       func() time.Time
	sleep     func(ctx context.Context, d time.Duration) error
}

// minRate is the floor a rate is never cut below: one call a second still finds out when throttling ends.
const minRate = 1.0

// NewRateLimiter allows qps calls a second, and bursts of burst (at least 1).
func NewRateLimiter(qps float64, burst int) *RateLimiter {
	if qps < minRate {
		qps = minRate
	}
	b := math.Max(1, float64(burst))
	return &RateLimiter{ceiling: qps, rate: qps, burst: b, tokens: b, now: time.Now, sleep: sleepContext}
}

// Rate is the rate currently allowed, per second.
func (l *RateLimiter) Rate() float64 {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.rate
}

// Wait takes a token, waiting for one as long as the context allows.
func (l *RateLimiter) Wait(ctx context.Context) error {
	l.mu.Lock()
	now := l.now()
	l.refill(now)
	l.count(now)
	l.tokens--
	var wait time.Duration
	if l.tokens < 0 {
		wait = time.Duration(-l.tokens / l.rate * float64(time.Second))
	}
	l.mu.Unlock()
	if wait == 0 {
		return nil
	}
	if err := l.sleep(ctx, wait); err != nil {
		l.mu.Lock()
		l.tokens++ // not used: given back
		l.mu.Unlock()
		return err
	}
	return nil
}

// Done adapts the rate to how an attempt ended.
func (l *RateLimiter) Done(_ time.Duration, err error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	now := l.now()
	if !Throttled(err) {
		l.refill(now)
		return
	}
	if now.Sub(l.cut) < time.Second {
		return
	}
	l.cut = now
	used := math.Min(l.rate, float64(l.used(now)))
	l.rate = math.Max(minRate, used/2)
	l.step = math.Max(minRate, used/20)
	l.tokens = math.Min(l.tokens, 0) // what was saved up is what got throttled
}

// refill adds the tokens earned since the last refill, and grows the rate back towards its ceiling.
func (l *RateLimiter) refill(now time.Time) {
	if l.last.IsZero() {
		l.last = now
		return
	}
	dt := now.Sub(l.last).Seconds()
	if dt <= 0 {
		return
	}
	l.last = now
	l.tokens = math.Min(l.burst, l.tokens+dt*l.rate)
	if now.Sub(l.cut) >= time.Second && l.rate < l.ceiling {
		l.rate = math.Min(l.ceiling, l.rate+dt*l.step)
	}
}

// count records one call let through; used is how many were in about the last second.
func (l *RateLimiter) count(now time.Time) {
	l.roll(now)
	l.sent[1]++
}

func (l *RateLimiter) used(now time.Time) int {
	l.roll(now)
	elapsed := now.Sub(l.sentSince).Seconds() // into the current second
	return l.sent[1] + int(float64(l.sent[0])*(1-elapsed))
}

func (l *RateLimiter) roll(now time.Time) {
	switch d := now.Sub(l.sentSince); {
	case l.sentSince.IsZero() || d >= 2*time.Second:
		l.sent, l.sentSince = [2]int{}, now
	case d >= time.Second:
		l.sent = [2]int{l.sent[1], 0}
		l.sentSince = l.sentSince.Add(time.Second)
	}
}

// String describes the limiter.
func (l *RateLimiter) String() string {
	return fmt.Sprintf("ossapi.RateLimiter{rate: %.1f/s, ceiling: %.1f/s}", l.Rate(), l.ceiling)
}

// ErrEndpointNotAnswering is the error of an attempt a Pacer refused because the endpoint gave no
// answer to the attempts before it: wrapped in a *TransportError, it is Retryable.
var ErrEndpointNotAnswering = errors.New("the endpoint did not answer recent requests; waiting until it does")
