package controllers

import (
	"k8s.io/apimachinery/pkg/api/meta"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"

	ossv1 "github.com/ossoperator/oss-operator/api/v1alpha1"
)

func set(conds *[]metav1.Condition, generation int64, typ string, status metav1.ConditionStatus, reason, message string) {
	meta.SetStatusCondition(conds, metav1.Condition{Type: typ, Status: status, Reason: reason, Message: truncate(message), ObservedGeneration: generation})
}

// maxMessage keeps a condition message or an Event within the API's limits (32768 and 1024 bytes), and
// readable.
const maxMessage = 1000

// truncate bounds a message on a UTF-8 boundary.
func truncate(s string) string {
	if len(s) <= maxMessage {
		return s
	}
	cut := maxMessage
	for cut > 0 && s[cut]&0xC0 == 0x80 {
		cut--
	}
	return s[:cut] + "..."
}

func condition(conds []metav1.Condition, typ string) *metav1.Condition {
	return meta.FindStatusCondition(conds, typ)
}

func isReady(conds []metav1.Condition) bool {
	return meta.IsStatusConditionTrue(conds, ossv1.ConditionReady)
}
