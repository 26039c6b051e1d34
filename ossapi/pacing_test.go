package ossapi

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"sync"
	"testing"
	"time"
)

func TestThrottled(t *testing.T) {
	for _, tc := range []struct {
		err  error
		want bool
	}{
		{&Error{StatusCode: 503, Code: "TotalQpsLimitExceeded"}, true},
		{&Error{StatusCode: 503, Code: "MetaOperationQpsLimitExceeded"}, true},
		{&Error{StatusCode: 429, Code: "TooManyRequests"}, true},
		{&Error{StatusCode: 400, Code: "Throttling.User", Service: "RAM"}, true},
		{&Error{StatusCode: 503, Code: "ServiceUnavailable"}, false}, // retried, but not about the caller's rate
		{&Error{StatusCode: 500, Code: "InternalError"}, false},
		{&Error{StatusCode: 403, Code: "AccessDenied"}, false},
		{&TransportError{Op: "GetBucketInfo", Err: errors.New("timeout")}, false},
		{nil, false},
	} {
		if got := Throttled(tc.err); got != tc.want {
			t.Errorf("Throttled(%v) = %v, want %v", tc.err, got, tc.want)
		}
		if Throttled(tc.err) && !Retryable(tc.err) {
			t.Errorf("%v is throttling but not Retryable", tc.err)
		}
	}
}

// fakeClock is a clock that sleeping moves.
type fakeClock struct {
	mu  sync.Mutex
	now time.Time
}

func (c *fakeClock) Now() time.Time { c.mu.Lock(); defer c.mu.Unlock(); return c.now }
func (c *fakeClock) Sleep(_ context.Context, d time.Duration) error {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.now = c.now.Add(d)
	return nil
}
func (c *fakeClock) advance(d time.Duration) { _ = c.Sleep(context.Background(), d) }

func fakeLimiter(qps float64, burst int) (*RateLimiter, *fakeClock) {
	clk := &fakeClock{now: time.Unix(1_700_000_000, 0)}
	l := NewRateLimiter(qps, burst)
	l.now, l.sleep = clk.Now, clk.Sleep
	return l, clk
}

func TestRateLimiterSpacesCalls(t *testing.T) {
	l, clk := fakeLimiter(10, 1)
	start := clk.Now()
	for range 21 {
		if err := l.Wait(context.Background()); err != nil {
			t.Fatal(err)
		}
		l.Done(time.Millisecond, nil)
	}
	if got := clk.Now().Sub(start); got < 1900*time.Millisecond || got > 2100*time.Millisecond {
		t.Errorf("21 calls at 10/s took %v; want about 2s", got)
	}
}

func TestRateLimiterHalvesOnThrottlingAndRecovers(t *testing.T) {
	l, clk := fakeLimiter(100, 10)
	throttled := &Error{StatusCode: 503, Code: "TotalQpsLimitExceeded"}
	// 40 calls a second for two seconds: the rate used is 40 a second.
	for range 80 {
		_ = l.Wait(context.Background())
		l.Done(time.Millisecond, nil)
		clk.advance(25 * time.Millisecond)
	}
	// A burst of throttled answers cuts once, to half the rate used, not half the ceiling.
	for range 5 {
		l.Done(time.Millisecond, throttled)
	}
	if r := l.Rate(); r < 15 || r > 25 {
		t.Fatalf("after throttling at 40 calls/s the rate is %.1f/s; want about 20", r)
	}
	// A second later, another throttled answer cuts again.
	clk.advance(1100 * time.Millisecond)
	_ = l.Wait(context.Background())
	l.Done(time.Millisecond, throttled)
	if r := l.Rate(); r > 12 {
		t.Fatalf("a throttled answer a second later left the rate at %.1f/s; want it halved again", r)
	}
	// Answers that are not throttling let it grow back: each second by a twentieth of the rate cut
	// (about 10/s at most here), so about where it was throttled ten seconds later.
	cut := l.Rate()
	for range 10 {
		clk.advance(time.Second)
		_ = l.Wait(context.Background())
		l.Done(time.Millisecond, &Error{StatusCode: 404, Code: "NoSuchBucket"})
	}
	if r := l.Rate(); r <= cut || r > cut+12 {
		t.Errorf("10 s after a cut to %.1f/s the rate is %.1f/s; want it grown by at most about a twentieth of 20/s a second", cut, r)
	}
	// And on to the ceiling, never above it.
	for range 300 {
		clk.advance(time.Second)
		_ = l.Wait(context.Background())
		l.Done(time.Millisecond, nil)
	}
	if r := l.Rate(); r != 100 {
		t.Errorf("5 minutes without throttling: rate %.1f/s; want the ceiling, 100", r)
	}
}

func TestRateLimiterNeverStopsCalls(t *testing.T) {
	l, clk := fakeLimiter(5, 1)
	for range 20 {
		clk.advance(2 * time.Second)
		_ = l.Wait(context.Background())
		l.Done(time.Millisecond, &Error{StatusCode: 503, Code: "TotalQpsLimitExceeded"})
	}
	if r := l.Rate(); r < minRate {
		t.Errorf("rate %.2f/s after constant throttling; want at least %v", r, minRate)
	}
}

// refusingPacer refuses every attempt, and records what Done is told.
type refusingPacer struct {
	mu    sync.Mutex
	waits int
	done  []error
}

func (p *refusingPacer) Wait(context.Context) error {
	p.mu.Lock()
	defer p.mu.Unlock()
	p.waits++
	return ErrEndpointNotAnswering
}
func (p *refusingPacer) Done(_ time.Duration, err error) {
	p.mu.Lock()
	defer p.mu.Unlock()
	p.done = append(p.done, err)
}

func TestARefusedAttemptIsNotSent(t *testing.T) {
	rec, srv := newRecorder(t, func(int, http.ResponseWriter, *http.Request) {})
	p := &refusingPacer{}
	c, _ := testClient(t, srv, func(cfg *Config) { cfg.Pacer = p })
	_, err := c.GetBucketInfo(ctx(), "logs")
	var te *TransportError
	if !errors.As(err, &te) || !errors.Is(err, ErrEndpointNotAnswering) || !Retryable(err) {
		t.Fatalf("error = %v; want a Retryable *TransportError wrapping ErrEndpointNotAnswering", err)
	}
	if rec.count() != 0 || len(p.done) != 0 || p.waits != DefaultRetryPolicy.MaxAttempts {
		t.Errorf("requests sent %d, Done calls %d, Wait calls %d; want 0, 0 and one per attempt (%d)", rec.count(), len(p.done), p.waits, DefaultRetryPolicy.MaxAttempts)
	}
}

// countingPacer lets every attempt through and records how they ended.
type countingPacer struct {
	mu   sync.Mutex
	done []string
}

func (p *countingPacer) Wait(context.Context) error { return nil }
func (p *countingPacer) Done(_ time.Duration, err error) {
	p.mu.Lock()
	defer p.mu.Unlock()
	p.done = append(p.done, fmt.Sprint(resultCode(err)))
}

func TestThePacerHearsOfEveryAttempt(t *testing.T) {
	_, srv := newRecorder(t, func(n int, w http.ResponseWriter, _ *http.Request) {
		if n == 0 {
			w.Header().Set("Content-Type", "application/xml")
			w.WriteHeader(503)
			_, _ = w.Write([]byte(`<Error><Code>TotalQpsLimitExceeded</Code><Message>slow down</Message></Error>`))
			return
		}
		_, _ = w.Write([]byte(goodBucketInfo))
	})
	p := &countingPacer{}
	c, _ := testClient(t, srv, func(cfg *Config) { cfg.Pacer = p })
	if _, err := c.GetBucketInfo(ctx(), "logs"); err != nil {
		t.Fatal(err)
	}
	if fmt.Sprint(p.done) != "[TotalQpsLimitExceeded OK]" {
		t.Errorf("Done heard %v; want the throttled attempt, then the answer", p.done)
	}
}
