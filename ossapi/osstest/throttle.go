package osstest

import (
	"math"
	"net/http"
	"sync"
	"time"
)

// throttles are the accounts whose OSS requests are refused above a rate, as OSS refuses an account's
// requests over its QPS limit: 503 TotalQpsLimitExceeded (reference §3.3), the request not run.
type throttles struct {
	mu       sync.Mutex
	buckets  map[string]*tokenBucket // by account ID
	refused  map[string]int
	accepted map[string]int
}

type tokenBucket struct {
	rate, burst, tokens float64
	last                time.Time
}

// Throttle refuses the account's OSS requests above qps a second, beyond bursts of burst: each gets 503
// TotalQpsLimitExceeded and changes nothing. RAM and STS requests are not throttled. Call remove to lift it.
func (e *Emulator) Throttle(accountID string, qps float64, burst int) (remove func()) {
	e.throttle.mu.Lock()
	defer e.throttle.mu.Unlock()
	if e.throttle.buckets == nil {
		e.throttle.buckets, e.throttle.refused, e.throttle.accepted = map[string]*tokenBucket{}, map[string]int{}, map[string]int{}
	}
	b := math.Max(1, float64(burst))
	e.throttle.buckets[accountID] = &tokenBucket{rate: qps, burst: b, tokens: b}
	return func() {
		e.throttle.mu.Lock()
		defer e.throttle.mu.Unlock()
		delete(e.throttle.buckets, accountID)
	}
}

// Throttled is how many of the account's OSS requests a Throttle refused, and how many it let through.
func (e *Emulator) Throttled(accountID string) (refused, accepted int) {
	e.throttle.mu.Lock()
	defer e.throttle.mu.Unlock()
	return e.throttle.refused[accountID], e.throttle.accepted[accountID]
}

// throttled takes a token of the account's throttle, or says the request is over the limit.
func (e *Emulator) throttled(accountID string, now time.Time) *apiError {
	e.throttle.mu.Lock()
	defer e.throttle.mu.Unlock()
	b := e.throttle.buckets[accountID]
	if b == nil {
		return nil
	}
	if !b.last.IsZero() {
		b.tokens = math.Min(b.burst, b.tokens+now.Sub(b.last).Seconds()*b.rate)
	}
	b.last = now
	if b.tokens < 1 {
		e.throttle.refused[accountID]++
		return newError(http.StatusServiceUnavailable, "TotalQpsLimitExceeded", "0002-00000503",
			"Your request rate is too high; the total QPS of this account exceeds its limit.")
	}
	b.tokens--
	e.throttle.accepted[accountID]++
	return nil
}
