package controllers

import (
	"k8s.io/apimachinery/pkg/api/meta"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"

	ossv1 "github.com/ossoperator/oss-operator/api/v1alpha1"
)

// The three states a resource can be in, as kstatus reads them: Ready; Reconciling (the operator is
// making progress or waiting on something that will change by itself); Stalled (nothing will change
// until a person changes the spec, the credentials or OSS). Reconciling and Stalled are removed when
// they do not apply, and Ready carries the same reason as the one that does.

func setReady(conds *[]metav1.Condition, generation int64, message string) {
	set(conds, generation, ossv1.ConditionReady, metav1.ConditionTrue, ossv1.ReasonReady, message)
	meta.RemoveStatusCondition(conds, ossv1.ConditionReconciling)
	meta.RemoveStatusCondition(conds, ossv1.ConditionStalled)
}

func setReconciling(conds *[]metav1.Condition, generation int64, reason, message string) {
	set(conds, generation, ossv1.ConditionReady, metav1.ConditionFalse, reason, message)
	set(conds, generation, ossv1.ConditionReconciling, metav1.ConditionTrue, reason, message)
	meta.RemoveStatusCondition(conds, ossv1.ConditionStalled)
}

func setStalled(conds *[]metav1.Condition, generation int64, reason, message string) {
	set(conds, generation, ossv1.ConditionReady, metav1.ConditionFalse, reason, message)
	set(conds, generation, ossv1.ConditionStalled, metav1.ConditionTrue, reason, message)
	meta.RemoveStatusCondition(conds, ossv1.ConditionReconciling)
}

func set(conds *[]metav1.Condition, generation int64, typ string, status metav1.ConditionStatus, reason, message string) {
	meta.SetStatusCondition(conds, metav1.Condition{Type: typ, Status: status, Reason: reason, Message: truncate(message), ObservedGeneration: generation})
}

// truncate keeps a condition message within the API's 32768-byte limit, and readable.
func truncate(s string) string {
	const limit = 2048
	if len(s) > limit {
		return s[:limit] + "..."
	}
	return s
}

func condition(conds []metav1.Condition, typ string) *metav1.Condition {
	return meta.FindStatusCondition(conds, typ)
}

func ready(conds []metav1.Condition) bool {
	return meta.IsStatusConditionTrue(conds, ossv1.ConditionReady)
}
