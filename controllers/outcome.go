package controllers

import (
	"time"

	ossv1 "github.com/ossoperator/oss-operator/api/v1alpha1"
	"github.com/ossoperator/oss-operator/ossapi"
)

// Every reconcile, of either kind, ends in an outcome: what the decide step concluded from what was
// observed and done. report turns it into conditions, Events, log lines and the requeue, the same way
// for both kinds; nothing else decides a requeue, and nothing else sets a condition but the record of a
// creation, written before PutBucket (bucket_creation.go) with what decideCreating says.

// state is where a resource stands, as its conditions show it.
type state int

const (
	// ready: Ready=True.
	ready state = iota
	// progressing: Ready=False and Reconciling=True. The operator is working, retrying a transient
	// failure, or waiting for something that will come by itself (the reason names it).
	progressing
	// stalled: Ready=False and Stalled=True. Nothing changes until a person changes the spec, the
	// credentials or OSS.
	stalled
	// paused: the ossoperator.io/paused annotation. Ready says whether OSS holds the spec (inSync);
	// neither Reconciling (nothing is in progress) nor Stalled (nothing failed) is set. kstatus then
	// reads Ready: Current when in sync, InProgress while writes are held back.
	paused
	// deletionBlocked: the resource is being deleted and cannot go yet; the DeletionBlocked condition
	// says why.
	deletionBlocked
	// released: the resource's deletion is done; its finalizer goes.
	released
)

func (s state) String() string {
	return [...]string{"Ready", "Progressing", "Stalled", "Paused", "DeletionBlocked", "Released"}[s]
}

// wait is when the resource is looked at again, besides any change of it or of what it depends on.
type wait int

const (
	// untilResync: at the resync period, jittered.
	untilResync wait = iota
	// untilChange: only a change brings it back (a watched AccessKey, Secret or Bucket).
	untilChange
	// backoff: a transient failure, retried with the controller's per-object exponential backoff.
	backoff
	// poll: something no watch reports (a bucket being emptied, a log target made elsewhere), looked at
	// again after a delay that grows with the time spent in this state (pollDelay).
	poll
)

// outcome is the end of a reconcile.
type outcome struct {
	state   state
	reason  string
	message string
	// inSync, for paused: OSS holds the spec, so Ready is True.
	inSync bool
	wait   wait
	// err is the transient failure behind a backoff; handed to controller-runtime, which logs it and
	// backs off.
	err error
	// events are what was done, one Event and one log line each.
	events []actionEvent
	// at, when set, is a time something falls due (an issued key's rotation, the end of an overlap):
	// a resync comes no later than that.
	at time.Time
}

// actionEvent is something the operator did (Created, Adopted, Updated, ...), as an Event and a log line.
type actionEvent struct {
	reason, action, message string
	warning                 bool
	// lines, when set, are logged instead of the message: one per thing done (each setting applied).
	lines []string
}

func readyOutcome(message string) outcome {
	return outcome{state: ready, reason: ossv1.ReasonReady, message: message, wait: untilResync}
}

// observedOutcome is an Observe Bucket that read its bucket: Ready, with reason Observed.
func observedOutcome(message string) outcome {
	return outcome{state: ready, reason: ossv1.ReasonObserved, message: message, wait: untilResync}
}

// waiting is progressing on something that will come by itself.
func waiting(reason, message string, w wait) outcome {
	return outcome{state: progressing, reason: reason, message: message, wait: w}
}

// retrying is progressing after a transient failure.
func retrying(reason, message string, err error) outcome {
	return outcome{state: progressing, reason: reason, message: message, wait: backoff, err: err}
}

func stalledOn(reason, message string) outcome {
	return outcome{state: stalled, reason: reason, message: message, wait: untilResync}
}

func pausedOutcome(inSync bool, message string) outcome {
	return outcome{state: paused, reason: ossv1.ReasonPaused, message: message, inSync: inSync, wait: untilResync}
}

func blockedOn(reason, message string, w wait) outcome {
	return outcome{state: deletionBlocked, reason: reason, message: message, wait: w}
}

func releasedOutcome(events ...actionEvent) outcome {
	return outcome{state: released, events: events}
}

// with adds events.
func (o outcome) with(events ...actionEvent) outcome {
	o.events = append(o.events, events...)
	return o
}

// withErr sets the transient failure behind a backoff.
func (o outcome) withErr(err error) outcome {
	o.err = err
	return o
}

// describe is an error as a condition message or an Event quotes it: an OSS refusal without its
// request ID, so the message changes only when the refusal does (the request ID goes to the log).
func describe(err error) string {
	if e, ok := ossapi.AsError(err); ok {
		return e.Brief()
	}
	return err.Error()
}

// retryable is the one answer to "may this failure go away by itself?", ossapi's, which also decides
// what the OSS client retries.
func retryable(err error) bool { return ossapi.Retryable(err) }
