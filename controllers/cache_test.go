package controllers

import (
	"testing"

	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
)

func TestSecretMetadataInTheCacheHoldsNoData(t *testing.T) {
	m := &metav1.PartialObjectMetadata{ObjectMeta: metav1.ObjectMeta{Name: "creds", ResourceVersion: "7",
		Labels: map[string]string{"app": "x"},
		Annotations: map[string]string{"kubectl.kubernetes.io/last-applied-configuration": `{"data":{"accessKeySecret":"c2VjcmV0"}}`,
			secretKeyIDAnnotation: "LTAIexample"},
		ManagedFields: []metav1.ManagedFieldsEntry{{Manager: "kubectl"}}}}
	out, err := StripUnreadMetadata(m)
	if err != nil {
		t.Fatal(err)
	}
	got := out.(*metav1.PartialObjectMetadata)
	if len(got.Annotations) != 1 || got.Annotations[secretKeyIDAnnotation] != "LTAIexample" || got.ManagedFields != nil {
		t.Errorf("kept %v, %v; want only the operator's own annotation", got.Annotations, got.ManagedFields)
	}
	if got.ResourceVersion != "7" || got.Labels["app"] != "x" {
		t.Errorf("lost what is read: %+v", got.ObjectMeta)
	}
}
