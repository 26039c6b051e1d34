package osstest

import (
	"bufio"
	"context"
	"net"
	"net/http"
	"strconv"
	"time"

	"github.com/ossoperator/oss-operator/ossapi"
)

// Fault makes matching requests fail. It is applied after a request is authenticated and before the
// operation runs, so a faulted request changes no state.
//
// A request matches when Operation is "" or its operation name (an ossapi.Op* constant, or a RAM action
// such as "DeleteAccessKey": RAM requests are faulted alike, with RAM's JSON error), and AccountID
// is "" or the signing account. Of the matching requests, the first Skip pass untouched and, after them,
// only the first Count are candidates (0: all),
// and each candidate is faulted with Probability (0: always). The random draws come from a generator
// seeded alike in every emulator, so a test that sends its requests one after another sees the same
// faults on every run.
//
// What a faulted request gets: after Delay, Reset closes the connection without an answer; otherwise
// Body, if set, is sent raw with Status (200 when Status is 0), such as an HTML page from a proxy or
// truncated XML; otherwise Status with an OSS error document of Code and Message (defaults derived from
// Status). A fault with only Delay slows the request down and lets it proceed.
//
// AnswerTime models a service that takes that long to answer: the request proceeds at once, and its
// answer (or error) is sent AnswerTime after the request reached this point, or as soon as it is
// ready if that is later. The emulator's own work (a page of 1000 entries takes a millisecond or two)
// is then part of that time, as OSS's is part of its answer time; with Delay it comes on top. The
// largest AnswerTime of the faults that apply holds.
type Fault struct {
	Operation   string
	AccountID   string
	Status      int
	Code        string
	Message     string
	Probability float64
	Count       int
	Skip        int
	Delay       time.Duration
	AnswerTime  time.Duration
	Reset       bool
	Body        string
}

type faultEntry struct {
	Fault
	skipped, matched int
}

// InjectFault adds a fault, after those already injected; the first one that applies to a request wins
// (delay-only faults add their delay and let the next ones apply). Call remove to take it out.
func (e *Emulator) InjectFault(f Fault) (remove func()) {
	fe := &faultEntry{Fault: f}
	e.faultMu.Lock()
	e.faults = append(e.faults, fe)
	e.faultMu.Unlock()
	return func() {
		e.faultMu.Lock()
		defer e.faultMu.Unlock()
		for i, x := range e.faults {
			if x == fe {
				e.faults = append(e.faults[:i:i], e.faults[i+1:]...)
				return
			}
		}
	}
}

// ClearFaults removes every fault.
func (e *Emulator) ClearFaults() {
	e.faultMu.Lock()
	defer e.faultMu.Unlock()
	e.faults = nil
}

// pickFaults decides which faults apply to a request: the total delay, the answer time, and the
// terminal fault if any.
func (e *Emulator) pickFaults(op, accountID string) (delay, answerTime time.Duration, terminal *Fault) {
	e.faultMu.Lock()
	defer e.faultMu.Unlock()
	for _, f := range e.faults {
		if (f.Operation != "" && f.Operation != op) || (f.AccountID != "" && f.AccountID != accountID) {
			continue
		}
		if f.skipped < f.Skip {
			f.skipped++
			continue
		}
		if f.Count > 0 && f.matched >= f.Count {
			continue
		}
		f.matched++
		if f.Probability > 0 && e.rnd.Float64() >= f.Probability {
			continue
		}
		delay += f.Delay
		answerTime = max(answerTime, f.AnswerTime)
		if f.Status != 0 || f.Reset || f.Body != "" {
			t := f.Fault
			return delay, answerTime, &t
		}
	}
	return delay, answerTime, nil
}

// applyFaults runs the faults for a request. done is true when the request has been answered (or its
// connection closed) and the operation must not run; otherwise held is w, or w holding the answer
// back until the answer time of the faults, and the operation answers through it.
// writeErr sends the error document of the API the request is for (OSS XML, RAM JSON).
func (e *Emulator) applyFaults(w http.ResponseWriter, r *http.Request, op, accountID string,
	writeErr func(*apiError) (int, string)) (held http.ResponseWriter, status int, code string, done bool) {
	start := time.Now()
	delay, answerTime, f := e.pickFaults(op, accountID)
	if answerTime > 0 {
		w = &heldWriter{ResponseWriter: w, ctx: r.Context(), until: start.Add(answerTime)}
	}
	held = w
	if delay > 0 {
		t := time.NewTimer(delay)
		select {
		case <-t.C:
		case <-r.Context().Done():
			t.Stop()
			return held, 0, "Canceled", true
		}
	}
	if f == nil {
		return held, 0, "", false
	}
	switch {
	case f.Reset:
		resetConnection(w)
		return held, 0, "Reset", true
	case f.Body != "":
		s := f.Status
		if s == 0 {
			s = http.StatusOK
		}
		w.Header().Set("Content-Length", strconv.Itoa(len(f.Body)))
		w.WriteHeader(s)
		_, _ = w.Write([]byte(f.Body))
		return held, s, "FaultBody", true
	}
	code = f.Code
	if code == "" {
		code = defaultCode(f.Status)
	}
	msg := f.Message
	if msg == "" {
		msg = "Injected fault: " + http.StatusText(f.Status)
	}
	s, c := writeErr(newError(f.Status, code, "", "%s", msg))
	return held, s, c, true
}

func defaultCode(status int) string {
	switch status {
	case http.StatusServiceUnavailable:
		return ossapi.CodeServiceUnavailable
	case http.StatusInternalServerError:
		return ossapi.CodeInternalError
	case http.StatusForbidden:
		return ossapi.CodeAccessDenied
	case http.StatusNotFound:
		return "NotFound"
	case http.StatusTooManyRequests:
		return "TooManyRequests"
	case http.StatusConflict:
		return "Conflict"
	}
	return "InjectedFault"
}

// resetConnection closes the connection without an answer: with a TCP reset where it can, so the
// client sees "connection reset by peer".
func resetConnection(w http.ResponseWriter) {
	hj, ok := w.(http.Hijacker)
	if !ok {
		panic(http.ErrAbortHandler)
	}
	conn, _, err := hj.Hijack()
	if err != nil {
		panic(http.ErrAbortHandler)
	}
	if tc, ok := conn.(*net.TCPConn); ok {
		_ = tc.SetLinger(0)
	}
	_ = conn.Close()
}

// heldWriter holds an answer back until a time: the first write of its header or body waits for it
// (or for the request to be cancelled).
type heldWriter struct {
	http.ResponseWriter
	ctx   context.Context
	until time.Time
	held  bool
}

func (h *heldWriter) hold() {
	if h.held {
		return
	}
	h.held = true
	if d := time.Until(h.until); d > 0 {
		t := time.NewTimer(d)
		defer t.Stop()
		select {
		case <-t.C:
		case <-h.ctx.Done():
		}
	}
}

func (h *heldWriter) WriteHeader(status int) {
	h.hold()
	h.ResponseWriter.WriteHeader(status)
}

func (h *heldWriter) Write(b []byte) (int, error) {
	h.hold()
	return h.ResponseWriter.Write(b)
}

// Flush and Hijack reach the writer held, for answers sent as they are written and for faults that
// close the connection.
func (h *heldWriter) Flush() {
	h.hold()
	if f, ok := h.ResponseWriter.(http.Flusher); ok {
		f.Flush()
	}
}

func (h *heldWriter) Hijack() (net.Conn, *bufio.ReadWriter, error) {
	h.hold()
	hj, ok := h.ResponseWriter.(http.Hijacker)
	if !ok {
		return nil, nil, http.ErrNotSupported
	}
	return hj.Hijack()
}
