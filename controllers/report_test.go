package controllers

import (
	"errors"
	"go/ast"
	"go/parser"
	"go/token"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"

	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"

	ossv1 "github.com/ossoperator/oss-operator/api/v1alpha1"
)

// The report step's rules: which conditions a state sets, when it is requeued.

func TestConditionsOfEachState(t *testing.T) {
	type cond struct {
		status metav1.ConditionStatus
		reason string
	}
	tests := []struct {
		name      string
		out       outcome
		keepReady bool
		want      map[string]cond // "" status: absent
	}{
		{name: "ready", out: readyOutcome("ok"), want: map[string]cond{
			ossv1.ConditionReady: {"True", ossv1.ReasonReady}, ossv1.ConditionReconciling: {}, ossv1.ConditionStalled: {}, ossv1.ConditionDeletionBlocked: {}}},
		{name: "progressing", out: waiting(ossv1.ReasonAccessKeyNotFound, "m", untilChange), want: map[string]cond{
			ossv1.ConditionReady: {"False", ossv1.ReasonAccessKeyNotFound}, ossv1.ConditionReconciling: {"True", ossv1.ReasonAccessKeyNotFound}, ossv1.ConditionStalled: {}}},
		{name: "stalled", out: stalledOn(ossv1.ReasonInvalidSpec, "m"), want: map[string]cond{
			ossv1.ConditionReady: {"False", ossv1.ReasonInvalidSpec}, ossv1.ConditionStalled: {"True", ossv1.ReasonInvalidSpec}, ossv1.ConditionReconciling: {}}},
		{name: "paused with changes: not Ready, and nothing for GitOps tools to wait on", out: pausedOutcome(false, "m"), want: map[string]cond{
			ossv1.ConditionReady: {"False", ossv1.ReasonPaused}, ossv1.ConditionReconciling: {}, ossv1.ConditionStalled: {}}},
		{name: "paused in sync", out: pausedOutcome(true, "m"), want: map[string]cond{
			ossv1.ConditionReady: {"True", ossv1.ReasonPaused}, ossv1.ConditionReconciling: {}, ossv1.ConditionStalled: {}}},
		{name: "a blocked deletion is not Ready", out: blockedOn(ossv1.ReasonBucketNotEmpty, "m", poll), want: map[string]cond{
			ossv1.ConditionReady: {"False", ossv1.ReasonDeletionBlocked}, ossv1.ConditionDeletionBlocked: {"True", ossv1.ReasonBucketNotEmpty}, ossv1.ConditionReconciling: {}, ossv1.ConditionStalled: {}}},
		{name: "a purge in progress shows on Ready, as in progress", out: blockedOn(ossv1.ReasonPurging, "m", soon), want: map[string]cond{
			ossv1.ConditionReady: {"False", ossv1.ReasonPurging}, ossv1.ConditionDeletionBlocked: {"True", ossv1.ReasonPurging}, ossv1.ConditionReconciling: {"True", ossv1.ReasonPurging}, ossv1.ConditionStalled: {}}},
		{name: "a purge OSS forbids shows on Ready, as stalled", out: blockedOn(ossv1.ReasonPurgeForbidden, "m", poll), want: map[string]cond{
			ossv1.ConditionReady: {"False", ossv1.ReasonPurgeForbidden}, ossv1.ConditionDeletionBlocked: {"True", ossv1.ReasonPurgeForbidden}, ossv1.ConditionStalled: {"True", ossv1.ReasonPurgeForbidden}, ossv1.ConditionReconciling: {}}},
		{name: "an AccessKey in use stays Ready", out: blockedOn(ossv1.ReasonInUse, "m", untilChange), keepReady: true, want: map[string]cond{
			ossv1.ConditionReady: {"True", ossv1.ReasonReady}, ossv1.ConditionDeletionBlocked: {"True", ossv1.ReasonInUse}}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			// Start from a resource that was Ready and had every other condition.
			conds := []metav1.Condition{}
			set(&conds, 1, ossv1.ConditionReady, "True", ossv1.ReasonReady, "was ready")
			set(&conds, 1, ossv1.ConditionReconciling, "True", "X", "x")
			set(&conds, 1, ossv1.ConditionStalled, "True", "X", "x")
			setConditions(&conds, 2, tc.out, tc.keepReady)
			for typ, want := range tc.want {
				c := condition(conds, typ)
				switch {
				case want.status == "" && c != nil:
					t.Errorf("%s is set: %+v", typ, c)
				case want.status != "" && c == nil:
					t.Errorf("%s is missing", typ)
				case want.status != "" && (c.Status != want.status || c.Reason != want.reason):
					t.Errorf("%s = %s %s, want %s %s", typ, c.Status, c.Reason, want.status, want.reason)
				}
			}
		})
	}
}

func TestPauseIsSeenFromTheConditions(t *testing.T) {
	var conds []metav1.Condition
	if pausedBy(conds) {
		t.Error("nothing is paused")
	}
	setConditions(&conds, 1, pausedOutcome(true, "m"), false)
	if !pausedBy(conds) {
		t.Error("a paused Bucket is not seen as paused")
	}
	setConditions(&conds, 1, readyOutcome("m"), false)
	if pausedBy(conds) {
		t.Error("a resumed Bucket is still seen as paused")
	}
	setConditions(&conds, 1, blockedOn(ossv1.ReasonPaused, "m", untilChange), false)
	if !pausedBy(conds) {
		t.Error("a paused deletion is not seen as paused")
	}
}

func TestRequeue(t *testing.T) {
	resync := 10 * time.Minute
	failure := errors.New("503")
	tests := []struct {
		name     string
		out      outcome
		since    time.Duration
		min, max time.Duration
		err      error
	}{
		{name: "ready: the resync, jittered", out: readyOutcome("m"), min: 9 * time.Minute, max: 11 * time.Minute},
		{name: "stalled: the resync, no hot loop", out: stalledOn("R", "m"), min: 9 * time.Minute, max: 11 * time.Minute},
		{name: "watched: nothing", out: waiting("R", "m", untilChange)},
		{name: "transient: the controller's backoff", out: retrying("R", "m", failure), err: failure},
		{name: "waiting on something unwatched: 10 s at first", out: waiting("R", "m", poll), min: 10 * time.Second, max: 10 * time.Second},
		{name: "a blocked deletion: 30 s at first", out: blockedOn("R", "m", poll), min: 30 * time.Second, max: 30 * time.Second},
		{name: "a blocked deletion for a while: as long as it has waited", out: blockedOn("R", "m", poll), since: 2 * time.Minute, min: 2 * time.Minute, max: 2*time.Minute + time.Second},
		{name: "released: nothing", out: releasedOutcome()},
		{name: "work left (a purge): at once", out: blockedOn("R", "m", soon), min: soonDelay, max: soonDelay},
		{name: "due before the resync (a session's renewal): as it falls due", out: due(readyOutcome("m"), 2*time.Second), min: 2 * time.Second, max: 2*time.Second + 100*time.Millisecond},
		{name: "due after the resync: the resync", out: due(readyOutcome("m"), time.Hour), min: 9 * time.Minute, max: 11 * time.Minute},
		{name: "overdue: at once", out: due(readyOutcome("m"), -time.Minute), min: 50 * time.Millisecond, max: 50 * time.Millisecond},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			res, err := requeue(tc.out, resync, time.Now().Add(-tc.since))
			if !errors.Is(err, tc.err) {
				t.Errorf("error %v, want %v", err, tc.err)
			}
			if res.RequeueAfter < tc.min || res.RequeueAfter > tc.max {
				t.Errorf("requeue after %v, want [%v, %v]", res.RequeueAfter, tc.min, tc.max)
			}
		})
	}
}

func TestRequestsAreAcknowledgedBounded(t *testing.T) {
	var st ossv1.ReconcileRequestStatus
	acknowledgeRequests(&st, map[string]string{ossv1.AnnotationRefresh: "r1", ossv1.AnnotationReconcileRequestedAt: "2026-11-30T10:00:00Z"})
	if st.LastHandledRefresh != "r1" || st.LastHandledReconcileAt != "2026-11-30T10:00:00Z" {
		t.Errorf("acknowledged %+v", st)
	}
	acknowledgeRequests(&st, map[string]string{ossv1.AnnotationRefresh: strings.Repeat("x", 10000)})
	if len(st.LastHandledRefresh) != maxHandledRequest {
		t.Errorf("an annotation of 10000 bytes is copied as %d", len(st.LastHandledRefresh))
	}
}

func TestMessagesAreBoundedOnACharacterBoundary(t *testing.T) {
	s := truncate(strings.Repeat("é", 2000))
	if len(s) > maxMessage+3 || !strings.HasSuffix(s, "...") || strings.ContainsRune(s, '\uFFFD') {
		t.Errorf("truncated to %d bytes: %q", len(s), s[len(s)-10:])
	}
}

// docs/troubleshooting.md explains every condition reason and every Event reason the API declares.
func TestTroubleshootingListsEveryReason(t *testing.T) {
	doc, err := os.ReadFile(filepath.Join("..", "docs", "troubleshooting.md"))
	if err != nil {
		t.Fatal(err)
	}
	f, err := parser.ParseFile(token.NewFileSet(), filepath.Join("..", "api", "v1alpha1", "conditions.go"), nil, 0)
	if err != nil {
		t.Fatal(err)
	}
	var checked int
	for _, d := range f.Decls {
		g, ok := d.(*ast.GenDecl)
		if !ok || g.Tok != token.CONST {
			continue
		}
		for _, spec := range g.Specs {
			vs := spec.(*ast.ValueSpec)
			for i, name := range vs.Names {
				if !strings.HasPrefix(name.Name, "Reason") && !strings.HasPrefix(name.Name, "Event") {
					continue
				}
				value, _ := strconv.Unquote(vs.Values[i].(*ast.BasicLit).Value)
				checked++
				if !strings.Contains(string(doc), "| `"+value+"`") {
					t.Errorf("docs/troubleshooting.md has no table row for %s (%q)", name.Name, value)
				}
			}
		}
	}
	if checked < 30 {
		t.Errorf("only %d reasons found in conditions.go", checked)
	}
}

func due(o outcome, in time.Duration) outcome {
	o.at = time.Now().Add(in)
	return o
}
