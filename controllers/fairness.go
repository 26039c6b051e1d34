package controllers

import (
	"context"
	"errors"
	"net"
	"net/http"
	"sync"
	"time"

	"k8s.io/apimachinery/pkg/types"
	"sigs.k8s.io/controller-runtime/pkg/event"

	ossv1 "github.com/ossoperator/oss-operator/api/v1alpha1"
	"github.com/ossoperator/oss-operator/ossapi"
)

// Fairness among AccessKeys. The Bucket controller's workers are shared by every AccessKey, so one
// whose endpoint answers slowly, or not at all, must not hold them all: a healthy Bucket of another
// AccessKey would wait for its timeouts (with eight Buckets on a dead endpoint, minutes). Each AccessKey's
// endpoint has a gate that every Bucket reconcile passes before it calls OSS:
//
//   - while nothing is known of the endpoint (the operator just started, the AccessKey is new), or while
//     it answers slowly (answers average over slowAnswer), it may hold `share` reconciles at a time; the
//     others are parked, off the workers, and woken when one of them leaves;
//   - while it answers promptly, it may hold as many workers as are free;
//   - once an attempt got no answer in time (no first byte within 10 s, or the attempt's whole time
//     spent), no reconcile of it is let
//     through and every attempt still under way fails at once (its Pacer refuses): the Buckets say
//     EndpointNotAnswering and are parked; the endpoint is probed in the background, after a pause that
//     doubles from minPause to maxPause, with one plain HTTP request (any answer will do), and the parked
//     Buckets are woken as soon as it answers.
//
// An endpoint is an AccessKey's: two AccessKeys naming one endpoint learn about it separately.
type accessKeyGates struct {
	// share is what an unproven or slow endpoint may hold: a quarter of the workers, at least one.
	share int
	// wake receives the Buckets to reconcile again, parked ones whose endpoint may now be used.
	wake chan event.GenericEvent
	// probe asks an endpoint for any answer; default an HTTP GET of its root.
	probe func(ctx context.Context, endpoint string) error
	now   func() time.Time
	sleep func(time.Duration)

	mu    sync.Mutex
	gates map[types.NamespacedName]*endpointGate
}

const (
	slowAnswer   = time.Second
	minPause     = 5 * time.Second
	maxPause     = 5 * time.Minute
	probeTimeout = 10 * time.Second
	// parkedFor is how long a parked reconcile waits at most for its wake-up before it tries again.
	parkedFor = time.Minute
)

type gateState int

const (
	unproven gateState = iota
	answering
	notAnswering
)

type endpointGate struct {
	state    gateState
	inFlight int
	// latency is the moving average of the time answers took.
	latency time.Duration
	// attempts are the attempts sent and not answered yet; waitingSince is when the endpoint last had
	// none outstanding, or last answered: how long it has been silent while asked.
	attempts     int
	waitingSince time.Time
	// endpoint is where the AccessKey's clients send (for the probe); lastErr what the last attempt
	// without an answer ended with, bounded.
	endpoint string
	lastErr  string
	pause    time.Duration
	probeAt  time.Time
	probing  bool
	parked   map[types.NamespacedName]struct{}
}

func newAccessKeyGates(workers int) *accessKeyGates {
	return &accessKeyGates{
		share: max(1, workers/4),
		wake:  make(chan event.GenericEvent, 1024),
		probe: probeEndpoint(ossapi.NewHTTPClient()),
		now:   time.Now,
		sleep: time.Sleep,
		gates: map[types.NamespacedName]*endpointGate{},
	}
}

// gateVerdict is what a reconcile is told at the gate.
type gateVerdict struct {
	// admitted: go on, and call leave at the end.
	admitted bool
	// parked: wait off the workers to be woken (or parkedFor).
	parked bool
	// notAnswering, with since when and what the last attempt ended with.
	notAnswering bool
	lastErr      string
	probeAt      time.Time
}

// enter asks for a Bucket's reconcile to be let through the gate of its AccessKey.
func (g *accessKeyGates) enter(key, bucket types.NamespacedName) (gateVerdict, func()) {
	if g == nil {
		return gateVerdict{admitted: true}, func() {}
	}
	g.mu.Lock()
	defer g.mu.Unlock()
	e := g.gate(key)
	switch {
	case e.state == notAnswering:
		e.park(bucket)
		g.probeLater(key, e)
		return gateVerdict{notAnswering: true, lastErr: e.lastErr, probeAt: e.probeAt}, nil
	case e.inFlight >= g.share && (e.state == unproven || e.latency > slowAnswer ||
		e.attempts > 0 && g.now().Sub(e.waitingSince) > slowAnswer):
		// Unproven, slow, or asked and silent for over a second: the endpoint may have stopped
		// answering, and the attempts under way will tell. (A reconcile slow for another reason, the
		// API server's, holds nobody back.)
		e.park(bucket)
		return gateVerdict{parked: true}, nil
	}
	e.inFlight++
	return gateVerdict{admitted: true}, func() { g.leave(key) }
}

func (g *accessKeyGates) gate(key types.NamespacedName) *endpointGate {
	e := g.gates[key]
	if e == nil {
		e = &endpointGate{}
		g.gates[key] = e
	}
	return e
}

func (e *endpointGate) park(bucket types.NamespacedName) {
	if e.parked == nil {
		e.parked = map[types.NamespacedName]struct{}{}
	}
	e.parked[bucket] = struct{}{}
}

func (g *accessKeyGates) leave(key types.NamespacedName) {
	g.mu.Lock()
	defer g.mu.Unlock()
	e := g.gate(key)
	e.inFlight--
	if e.state != notAnswering {
		g.wakeParked(e)
	}
}

// wakeParked sends the parked Buckets back to the queue; they pass the gate again.
func (g *accessKeyGates) wakeParked(e *endpointGate) {
	if len(e.parked) == 0 {
		return
	}
	woken := make([]types.NamespacedName, 0, len(e.parked))
	for b := range e.parked {
		woken = append(woken, b)
	}
	e.parked = nil
	go func() {
		for _, b := range woken {
			o := &ossv1.Bucket{}
			o.Namespace, o.Name = b.Namespace, b.Name
			g.wake <- event.GenericEvent{Object: o}
		}
	}()
}

// refuses says whether an attempt through the AccessKey's clients to endpoint is refused: the endpoint
// gives no answers, and the attempt would only wait for its timeout. An AccessKey pointed at another
// endpoint is let through, and learns about that one.
func (g *accessKeyGates) refuses(key types.NamespacedName, endpoint string) bool {
	g.mu.Lock()
	defer g.mu.Unlock()
	e := g.gates[key]
	return e != nil && e.state == notAnswering && e.endpoint == endpoint
}

// observe learns from how an attempt to the AccessKey's endpoint ended.
func (g *accessKeyGates) observe(key types.NamespacedName, endpoint string, elapsed time.Duration, err error) {
	g.mu.Lock()
	defer g.mu.Unlock()
	e := g.gate(key)
	if e.attempts > 0 {
		e.attempts--
	}
	if e.endpoint != endpoint {
		e.endpoint, e.pause = endpoint, 0 // another endpoint: what was learnt was of the old one
	}
	var te *ossapi.TransportError
	switch {
	case errors.Is(err, context.Canceled):
		return // the caller gave up: nothing learnt
	case errors.As(err, &te):
		if !timedOut(te) {
			return // refused, reset, cut short: a failure, but a quick one, which holds no worker
		}
		e.pause = min(max(2*e.pause, minPause), maxPause)
		e.state, e.lastErr, e.probeAt = notAnswering, truncate(te.Error()), g.now().Add(e.pause)
		g.probeLater(key, e)
	default: // an answer, whatever it says
		if e.state != answering {
			e.latency = elapsed
		}
		e.latency = (e.latency*7 + elapsed*3) / 10
		e.waitingSince = g.now()
		was := e.state
		e.state, e.pause = answering, 0
		if was != answering {
			g.wakeParked(e)
		}
	}
}

// sending records an attempt sent to the AccessKey's endpoint; observe, its end.
func (g *accessKeyGates) sending(key types.NamespacedName) {
	g.mu.Lock()
	defer g.mu.Unlock()
	e := g.gate(key)
	if e.attempts == 0 {
		e.waitingSince = g.now()
	}
	e.attempts++
}

// timedOut says whether an attempt got no answer in time: the one failure that holds a worker.
func timedOut(te *ossapi.TransportError) bool {
	var ne net.Error
	return errors.Is(te.Err, context.DeadlineExceeded) || errors.As(te.Err, &ne) && ne.Timeout()
}

// probeLater probes a silent endpoint once its pause is over, in the background: no worker waits for it.
func (g *accessKeyGates) probeLater(key types.NamespacedName, e *endpointGate) {
	if e.probing || e.endpoint == "" {
		return
	}
	e.probing = true
	wait, endpoint := e.probeAt.Sub(g.now()), e.endpoint
	go func() {
		if wait > 0 {
			g.sleep(wait)
		}
		ctx, cancel := context.WithTimeout(context.Background(), probeTimeout)
		err := g.probe(ctx, endpoint)
		cancel()
		g.mu.Lock()
		defer g.mu.Unlock()
		e.probing = false
		if e.state != notAnswering || e.endpoint != endpoint {
			return
		}
		if err != nil {
			e.pause = min(2*e.pause, maxPause)
			e.probeAt = g.now().Add(e.pause)
			g.probeLater(key, e)
			return
		}
		// It answers: its Buckets try again. Its pause stays, so an endpoint that answers the probe but
		// not the calls is given up on for longer each time.
		e.state = unproven
		g.wakeParked(e)
	}()
}

// probeEndpoint asks the endpoint's root for any HTTP answer; it sends no credentials.
func probeEndpoint(hc *http.Client) func(ctx context.Context, endpoint string) error {
	return func(ctx context.Context, endpoint string) error {
		req, err := http.NewRequestWithContext(ctx, http.MethodGet, endpoint+"/", nil)
		if err != nil {
			return err
		}
		resp, err := hc.Do(req)
		if err != nil {
			return err
		}
		return resp.Body.Close()
	}
}

// connPacer paces the attempts of one AccessKey's client: its account's rate limit, and its endpoint's
// gate.
type connPacer struct {
	gates    *accessKeyGates
	key      types.NamespacedName
	endpoint string
	limiter  func() *ossapi.RateLimiter
}

func (p *connPacer) Wait(ctx context.Context) error {
	if p.gates != nil && p.gates.refuses(p.key, p.endpoint) {
		return ossapi.ErrEndpointNotAnswering
	}
	if l := p.limiter(); l != nil {
		if err := l.Wait(ctx); err != nil {
			return err
		}
	}
	if p.gates != nil {
		p.gates.sending(p.key)
	}
	return nil
}

func (p *connPacer) Done(elapsed time.Duration, err error) {
	if l := p.limiter(); l != nil {
		l.Done(elapsed, err)
	}
	if p.gates != nil {
		p.gates.observe(p.key, p.endpoint, elapsed, err)
	}
}
