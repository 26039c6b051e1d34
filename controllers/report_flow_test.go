package controllers

import (
	"context"
	"strings"
	"testing"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"k8s.io/apimachinery/pkg/api/meta"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/runtime"
	"k8s.io/client-go/tools/events"
	"sigs.k8s.io/controller-runtime/pkg/client"
	"sigs.k8s.io/controller-runtime/pkg/client/fake"
	"sigs.k8s.io/controller-runtime/pkg/client/interceptor"

	ossv1 "github.com/ossoperator/oss-operator/api/v1alpha1"
)

// purging is a purge's progress, as concludePurge reports it.
func purging(message string) outcome {
	out := blockedOn(ossv1.ReasonPurging, message, soon)
	out.quiet = true
	return out
}

// The report step end to end, against a fake API server: which Events a change of state sends, when
// the status is written, and what becomes of a released resource.
func TestReport(t *testing.T) {
	stalledAccess := stalledOn(ossv1.ReasonAdoptionRequired, "set spec.adopt: true")
	tests := []struct {
		name string
		// before is the status the reconcile began with; annotations are the Bucket's.
		before      func(*ossv1.Bucket)
		annotations map[string]string
		deleting    bool
		out         outcome
		events      []string // "type reason note", in order
		writes      int
		released    bool
	}{
		{name: "a new state: one Event and one write", out: stalledAccess,
			events: []string{"Warning AdoptionRequired set spec.adopt: true"}, writes: 1},
		{name: "the same state again: nothing", before: leftBy(stalledAccess), out: stalledAccess},
		{name: "the same reason, another message: said again", before: leftBy(stalledAccess), out: stalledOn(ossv1.ReasonAdoptionRequired, "another message"),
			events: []string{"Warning AdoptionRequired another message"}, writes: 1},
		{name: "a wait for something that comes by itself: a Normal Event", out: waiting(ossv1.ReasonAccessKeyNotFound, "waiting", untilChange),
			events: []string{"Normal AccessKeyNotFound waiting"}, writes: 1},
		{name: "a retried failure: a Warning Event", out: retrying(ossv1.ReasonOSSUnavailable, "503", errThrottled),
			events: []string{"Warning OSSUnavailable 503"}, writes: 1},
		{name: "becoming Ready: no state Event, what was done is told", out: readyOutcome("ready").with(actionEvent{reason: ossv1.EventCreated, action: "Create", message: "Created bucket b"}),
			events: []string{"Normal Created Created bucket b"}, writes: 1},
		{name: "entering pause: one Paused Event", annotations: map[string]string{ossv1.AnnotationPaused: "true"}, out: pausedOutcome(false, "held back: tags"),
			events: []string{"Normal Paused held back: tags"}, writes: 1},
		{name: "paused, something else found meanwhile: no Event, no Resumed", before: leftBy(pausedOutcome(false, "held back: tags")),
			annotations: map[string]string{ossv1.AnnotationPaused: "true"}, out: pausedOutcome(false, "held back: tags, versioning"), writes: 1},
		{name: "leaving pause: Resumed", before: leftBy(pausedOutcome(true, "as declared")), out: readyOutcome("ready"),
			events: []string{"Normal Resumed Resumed: the ossoperator.io/paused annotation was removed"}, writes: 1},
		{name: "a paused deletion: one Paused Event, not a Warning too", annotations: map[string]string{ossv1.AnnotationPaused: "true"}, deleting: true,
			before: leftBy(readyOutcome("ready")), out: decidePausedDeletion(bucket(managed, pause)), events: []string{"Normal Paused Paused: bucket team-logs"}, writes: 1},
		{name: "a purge's progress: written, no Event of its own (the decide step sends its own, every few minutes)", deleting: true,
			before: leftBy(purging("deleted 1000 objects")), out: purging("deleted 2000 objects"), writes: 1},
		{name: "a purge stopped by OSS: a Warning Event", deleting: true, before: leftBy(purging("deleted 1000 objects")),
			out: blockedOn(ossv1.ReasonPurgeForbidden, "retention policy", poll), events: []string{"Warning PurgeForbidden retention policy"}, writes: 1},
		{name: "a refresh is acknowledged, nothing else", before: leftBy(readyOutcome("ready")), annotations: map[string]string{ossv1.AnnotationRefresh: "r1"},
			out: readyOutcome("ready"), writes: 1},
		{name: "released: what was done is told, the finalizer goes, no status write", deleting: true, before: leftBy(readyOutcome("ready")),
			out:    releasedOutcome(actionEvent{reason: ossv1.EventDeleted, action: "Delete", message: "Deleted bucket team-logs"}),
			events: []string{"Normal Deleted Deleted bucket team-logs"}, released: true},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			b := bucket(managed)
			b.Finalizers = []string{Finalizer}
			b.Annotations = tc.annotations
			if tc.before != nil {
				tc.before(b)
			}
			var writes int
			c := fake.NewClientBuilder().WithScheme(testScheme(t)).WithObjects(b).WithStatusSubresource(&ossv1.Bucket{}).
				WithInterceptorFuncs(interceptor.Funcs{SubResourceUpdate: func(ctx context.Context, c client.Client, sub string, obj client.Object, opts ...client.SubResourceUpdateOption) error {
					writes++
					return c.SubResource(sub).Update(ctx, obj, opts...)
				}}).Build()
			if tc.deleting {
				if err := c.Delete(context.Background(), b.DeepCopy()); err != nil {
					t.Fatal(err)
				}
			}
			if err := c.Get(context.Background(), client.ObjectKeyFromObject(b), b); err != nil {
				t.Fatal(err)
			}
			before := b.Status.DeepCopy()
			rec := &events.FakeRecorder{Events: make(chan string, 10)}
			metrics, reg := NewResourceMetrics(), prometheus.NewRegistry()
			if err := metrics.Register(reg); err != nil {
				t.Fatal(err)
			}
			key := client.ObjectKeyFromObject(b)
			metrics.record(kindBucket, key, b.Status.Conditions) // as an earlier reconcile left them
			r := &BucketReconciler{Client: c, Recorder: rec, ResyncPeriod: time.Hour, Metrics: metrics}
			if _, err := r.report(context.Background(), b, before, tc.out); err != nil && tc.out.err == nil {
				t.Fatal(err)
			}
			close(rec.Events)
			var got []string
			for e := range rec.Events {
				got = append(got, e)
			}
			if len(got) != len(tc.events) {
				t.Fatalf("events %q, want %q", got, tc.events)
			}
			for i := range got {
				if !strings.HasPrefix(got[i], tc.events[i]) {
					t.Errorf("event %q, want %q...", got[i], tc.events[i])
				}
			}
			if writes != tc.writes {
				t.Errorf("%d status writes, want %d", writes, tc.writes)
			}
			err := c.Get(context.Background(), client.ObjectKeyFromObject(b), b)
			if gone := err != nil; gone != tc.released {
				t.Errorf("released %v, want %v (%v)", gone, tc.released, err)
			}
			if !tc.released && tc.annotations[ossv1.AnnotationRefresh] != "" && b.Status.LastHandledRefresh != tc.annotations[ossv1.AnnotationRefresh] {
				t.Errorf("refresh not acknowledged: %q", b.Status.LastHandledRefresh)
			}
			// The gauge: the stored conditions, 1 for the current status, 0 for the others; none once released.
			series := gauge(t, reg)
			if tc.released {
				if len(series) != 0 {
					t.Errorf("series left after the release: %v", series)
				}
				return
			}
			if len(series) != 6 {
				t.Errorf("%d series, want 6: %v", len(series), series)
			}
			for _, typ := range []string{ossv1.ConditionReady, ossv1.ConditionStalled} {
				current := metav1.ConditionFalse
				if c := meta.FindStatusCondition(b.Status.Conditions, typ); c != nil {
					current = c.Status
				}
				for _, st := range []metav1.ConditionStatus{metav1.ConditionTrue, metav1.ConditionFalse, metav1.ConditionUnknown} {
					want := 0.0
					if st == current {
						want = 1
					}
					if k := "Bucket/" + key.Namespace + "/" + key.Name + " " + typ + " " + string(st); series[k] != want {
						t.Errorf("%s = %v, want %v", k, series[k], want)
					}
				}
			}
		})
	}
}

// leftBy sets the conditions an outcome leaves, as the status a reconcile begins with.
func leftBy(out outcome) func(*ossv1.Bucket) {
	return func(b *ossv1.Bucket) {
		setConditions(&b.Status.Conditions, b.Generation, out, false)
		b.Status.ObservedGeneration = b.Generation
	}
}

func testScheme(t *testing.T) *runtime.Scheme {
	s := runtime.NewScheme()
	if err := ossv1.AddToScheme(s); err != nil {
		t.Fatal(err)
	}
	return s
}
