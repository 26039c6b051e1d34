package controllers

import (
	"testing"

	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"sigs.k8s.io/controller-runtime/pkg/event"

	ossv1 "github.com/ossoperator/oss-operator/api/v1alpha1"
)

func TestWhatAStartLooksAtLater(t *testing.T) {
	ready := func(gen int64) []metav1.Condition {
		return []metav1.Condition{{Type: ossv1.ConditionReady, Status: metav1.ConditionTrue, ObservedGeneration: gen, Reason: "Ready"}}
	}
	now := metav1.Now()
	for _, tc := range []struct {
		name string
		b    ossv1.Bucket
		want bool
	}{
		{"Ready at its generation", ossv1.Bucket{ObjectMeta: metav1.ObjectMeta{Generation: 2}, Status: ossv1.BucketStatus{ObservedGeneration: 2, Conditions: ready(2)}}, true},
		{"changed while the operator was away", ossv1.Bucket{ObjectMeta: metav1.ObjectMeta{Generation: 3}, Status: ossv1.BucketStatus{ObservedGeneration: 2, Conditions: ready(2)}}, false},
		{"not Ready", ossv1.Bucket{ObjectMeta: metav1.ObjectMeta{Generation: 2}, Status: ossv1.BucketStatus{ObservedGeneration: 2,
			Conditions: []metav1.Condition{{Type: ossv1.ConditionReady, Status: metav1.ConditionFalse, ObservedGeneration: 2}}}}, false},
		{"being deleted", ossv1.Bucket{ObjectMeta: metav1.ObjectMeta{Generation: 2, DeletionTimestamp: &now}, Status: ossv1.BucketStatus{ObservedGeneration: 2, Conditions: ready(2)}}, false},
		{"a refresh not handled", ossv1.Bucket{ObjectMeta: metav1.ObjectMeta{Generation: 2, Annotations: map[string]string{ossv1.AnnotationRefresh: "now"}},
			Status: ossv1.BucketStatus{ObservedGeneration: 2, Conditions: ready(2)}}, false},
		{"a refresh handled", ossv1.Bucket{ObjectMeta: metav1.ObjectMeta{Generation: 2, Annotations: map[string]string{ossv1.AnnotationRefresh: "now"}},
			Status: ossv1.BucketStatus{ObservedGeneration: 2, Conditions: ready(2), ReconcileRequestStatus: ossv1.ReconcileRequestStatus{LastHandledRefresh: "now"}}}, true},
	} {
		if got := inSyncAtStart(&tc.b); got != tc.want {
			t.Errorf("%s: looked at later = %v, want %v", tc.name, got, tc.want)
		}
	}
}

func TestAStartDoesNotQueueEveryBucketOfEachAccessKey(t *testing.T) {
	p := accessKeyReadinessChanged{}
	if p.Create(event.CreateEvent{Object: &ossv1.AccessKey{}, IsInInitialList: true}) {
		t.Error("an AccessKey listed at a start queues all its Buckets, defeating the start-up spread")
	}
	if !p.Create(event.CreateEvent{Object: &ossv1.AccessKey{}}) {
		t.Error("an AccessKey created while the operator runs does not wake the Buckets waiting for it")
	}
}
