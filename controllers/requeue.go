package controllers

import (
	"math/rand/v2"
	"time"

	"sigs.k8s.io/controller-runtime/pkg/reconcile"
)

// When a resource is looked at again is decided here, from the outcome's wait, for both kinds.
const (
	// pollFloor is the first delay of a wait no watch reports (a log target made outside the cluster);
	// blockedFloor that of a deletion waiting for a person (a bucket being emptied). Both grow with
	// the time spent waiting, up to pollCeiling: no hot loop, and no state beyond the condition's
	// transition time.
	pollFloor    = 10 * time.Second
	blockedFloor = 30 * time.Second
	pollCeiling  = 5 * time.Minute
	// soonDelay is the pause between two runs of work done in bounded runs (a purge).
	soonDelay = 10 * time.Millisecond
)

// requeue turns an outcome into controller-runtime's answer. waitingSince is when the resource
// entered its current state (the condition's last transition).
func requeue(out outcome, resync time.Duration, waitingSince time.Time) (reconcile.Result, error) {
	switch out.wait {
	case untilChange:
		return reconcile.Result{}, nil
	case soon:
		return reconcile.Result{RequeueAfter: soonDelay}, nil
	case backoff:
		if out.err == nil {
			// Every backoff carries its error; should one not, it is polled rather than lost.
			return reconcile.Result{RequeueAfter: pollFloor}, nil
		}
		return reconcile.Result{}, out.err
	case poll:
		floor := pollFloor
		if out.state == deletionBlocked {
			floor = blockedFloor
		}
		return reconcile.Result{RequeueAfter: pollDelay(time.Since(waitingSince), floor), Priority: &lowPriority}, nil
	}
	if out.state == released {
		return reconcile.Result{}, nil
	}
	after := jitter(resync)
	if !out.at.IsZero() {
		// Due before the resync: looked at as it falls due.
		if d := time.Until(out.at) + 50*time.Millisecond; d < after || after == 0 {
			after = max(d, 50*time.Millisecond)
		}
	}
	// Nobody waits for a resync: it goes behind what people just did (priority.go).
	return reconcile.Result{RequeueAfter: after, Priority: &lowPriority}, nil
}

// parkedResult is a reconcile held at its AccessKey's gate (fairness.go): the gate wakes it when the
// endpoint may be used; this is only in case that wake-up is lost.
func parkedResult() (reconcile.Result, error) {
	return reconcile.Result{RequeueAfter: parkedFor}, nil
}

// pollDelay is as long as the wait so far, at least floor and at most pollCeiling.
func pollDelay(waited, floor time.Duration) time.Duration {
	return min(max(waited, floor), pollCeiling)
}

// jitter spreads resyncs over ±10% of the period, so buckets created together do not all resync in the
// same second.
func jitter(d time.Duration) time.Duration {
	if d <= 0 {
		return 0
	}
	return d - d/10 + time.Duration(rand.Int64N(int64(d/5)+1))
}
