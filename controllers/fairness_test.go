package controllers

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"sync"
	"sync/atomic"
	"syscall"
	"testing"
	"time"

	"k8s.io/apimachinery/pkg/types"

	"github.com/ossoperator/oss-operator/ossapi"
)

type gateClock struct {
	mu  sync.Mutex
	now time.Time
}

func (c *gateClock) Now() time.Time { c.mu.Lock(); defer c.mu.Unlock(); return c.now }
func (c *gateClock) advance(d time.Duration) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.now = c.now.Add(d)
}

func testGates(workers int, probe func(context.Context, string) error) (*accessKeyGates, *gateClock) {
	clk := &gateClock{now: time.Unix(1_700_000_000, 0)}
	g := newAccessKeyGates(workers)
	g.now, g.probe, g.sleep = clk.Now, probe, func(time.Duration) {}
	return g, clk
}

var (
	deadKey   = types.NamespacedName{Namespace: "team-a", Name: "dead"}
	healthKey = types.NamespacedName{Namespace: "team-b", Name: "healthy"}
)

func bucketKey(name string) types.NamespacedName {
	return types.NamespacedName{Namespace: "team-a", Name: name}
}

// woken reads the Buckets woken within a second.
func woken(t *testing.T, g *accessKeyGates, n int) []string {
	t.Helper()
	var names []string
	for len(names) < n {
		select {
		case e := <-g.wake:
			names = append(names, e.Object.GetName())
		case <-time.After(time.Second):
			t.Fatalf("woken %v; want %d", names, n)
		}
	}
	return names
}

func noAnswer() error {
	return &ossapi.TransportError{Op: "GetBucketInfo", Err: fmt.Errorf("net/http: timeout awaiting response headers: %w", context.DeadlineExceeded)}
}

func TestAQuickFailureIsNotSilence(t *testing.T) {
	g, _ := testGates(4, nil)
	g.observe(deadKey, "https://x", time.Millisecond, &ossapi.TransportError{Op: "GetBucketInfo", Err: syscall.ECONNRESET})
	g.observe(deadKey, "https://x", time.Millisecond, &ossapi.TransportError{Op: "GetBucketInfo", Err: syscall.ECONNREFUSED})
	if g.refuses(deadKey, "https://x") {
		t.Error("a reset or refused connection, which holds no worker, stopped the AccessKey's calls")
	}
}

func TestAnUnprovenEndpointHoldsOneWorkerUntilItAnswers(t *testing.T) {
	g, _ := testGates(4, nil)
	v, leave := g.enter(healthKey, bucketKey("a"))
	if !v.admitted {
		t.Fatal("the first reconcile of a new AccessKey was not let through")
	}
	if v2, _ := g.enter(healthKey, bucketKey("b")); !v2.parked {
		t.Fatalf("a second reconcile while the first has no answer yet: %+v; want parked", v2)
	}
	g.observe(healthKey, "https://oss", 20*time.Millisecond, nil)
	leave()
	if got := woken(t, g, 1); got[0] != "b" {
		t.Errorf("woken %v; want the parked Bucket b", got)
	}
	// Answering promptly: no bound but the workers'.
	for i := range 8 {
		if v, _ := g.enter(healthKey, bucketKey("c")); !v.admitted {
			t.Fatalf("reconcile %d of an AccessKey that answers promptly: %+v; want let through", i, v)
		}
	}
}

func TestAnEndpointThatDoesNotAnswerHoldsNoWorker(t *testing.T) {
	var probes atomic.Int32
	answer := make(chan error, 4)
	g, clk := testGates(4, func(_ context.Context, endpoint string) error {
		probes.Add(1)
		if endpoint != "https://dead.example" {
			t.Errorf("probed %q", endpoint)
		}
		return <-answer
	})
	_, leave := g.enter(deadKey, bucketKey("a"))
	g.observe(deadKey, "https://dead.example", 10*time.Second, noAnswer())
	leave()
	if !g.refuses(deadKey, "https://dead.example") {
		t.Fatal("attempts still under way would wait for their timeouts: the pacer does not refuse them")
	}
	v, _ := g.enter(deadKey, bucketKey("b"))
	if !v.notAnswering || !strings.Contains(v.lastErr, "no answer in time") || !v.probeAt.Equal(clk.Now().Add(minPause)) {
		t.Fatalf("verdict %+v; want notAnswering with the last error and the next probe in %v", v, minPause)
	}
	// The AccessKey pointed elsewhere: its calls there are let through.
	if g.refuses(deadKey, "https://other.example") {
		t.Error("an AccessKey moved to another endpoint is still refused")
	}
	// Another AccessKey is not held by it.
	if v, _ := g.enter(healthKey, bucketKey("x")); !v.admitted {
		t.Fatalf("another AccessKey's reconcile: %+v", v)
	}
	// The probe fails: the pause doubles.
	answer <- errors.New("i/o timeout")
	waitFor(t, func() bool { return probes.Load() >= 1 })
	waitFor(t, func() bool {
		g.mu.Lock()
		defer g.mu.Unlock()
		return g.gates[deadKey].pause == 2*minPause
	})
	clk.advance(2 * minPause)
	// The next probe answers: the parked Bucket is woken, and the endpoint is on probation.
	answer <- nil
	if got := woken(t, g, 1); got[0] != "b" {
		t.Errorf("woken %v; want b", got)
	}
	if g.refuses(deadKey, "https://dead.example") {
		t.Error("attempts are still refused after the endpoint answered")
	}
	if v, _ := g.enter(deadKey, bucketKey("b")); !v.admitted {
		t.Fatalf("after the probe answered: %+v; want one reconcile let through", v)
	}
	if v, _ := g.enter(deadKey, bucketKey("c")); !v.parked {
		t.Fatalf("a second one before a real answer: %+v; want parked", v)
	}
}

func TestASlowEndpointHoldsItsShare(t *testing.T) {
	g, _ := testGates(8, nil) // a share of 2
	g.observe(deadKey, "https://slow", 3*time.Second, &ossapi.Error{StatusCode: 404, Code: "NoSuchBucket"})
	var admitted int
	for range 5 {
		if v, _ := g.enter(deadKey, bucketKey("s")); v.admitted {
			admitted++
		}
	}
	if admitted != 2 {
		t.Errorf("an endpoint answering in 3 s got %d workers of 8; want its share, 2", admitted)
	}
}

func TestASlowReconcileHoldsNobodyBackButASilentAttemptDoes(t *testing.T) {
	g, clk := testGates(4, nil)
	g.sending(healthKey)
	g.observe(healthKey, "https://x", 20*time.Millisecond, nil)
	// One reconcile under way for seconds, for a reason of its own (the API server), no attempt out.
	if v, _ := g.enter(healthKey, bucketKey("slow")); !v.admitted {
		t.Fatal(v)
	}
	clk.advance(3 * time.Second)
	if v, _ := g.enter(healthKey, bucketKey("next")); !v.admitted {
		t.Fatalf("a reconcile waited for another one slow without OSS: %+v", v)
	}
	// An attempt out for over a second without an answer: the others wait for it.
	g.sending(healthKey)
	clk.advance(1500 * time.Millisecond)
	if v, _ := g.enter(healthKey, bucketKey("third")); !v.parked {
		t.Fatalf("an attempt silent for 1.5 s did not hold back more reconciles: %+v", v)
	}
	g.observe(healthKey, "https://x", 1500*time.Millisecond, nil)
	if v, _ := g.enter(healthKey, bucketKey("fourth")); !v.admitted {
		t.Fatalf("after the answer: %+v", v)
	}
}

func TestACancelledCallTeachesNothing(t *testing.T) {
	g, _ := testGates(4, nil)
	g.observe(deadKey, "https://x", time.Millisecond, nil)
	g.observe(deadKey, "https://x", time.Millisecond, context.Canceled)
	if g.refuses(deadKey, "https://x") {
		t.Error("a call the operator gave up on marked the endpoint silent")
	}
}

func waitFor(t *testing.T, cond func() bool) {
	t.Helper()
	deadline := time.Now().Add(2 * time.Second)
	for !cond() {
		if time.Now().After(deadline) {
			t.Fatal("condition not met within 2s")
		}
		time.Sleep(5 * time.Millisecond)
	}
}
