package controllers

import (
	"testing"

	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"

	ossv1 "github.com/ossoperator/oss-operator/api/v1alpha1"
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

func TestCachedBucketsKeepWhatIsReadOnly(t *testing.T) {
	b := &ossv1.Bucket{ObjectMeta: metav1.ObjectMeta{Name: "logs", Namespace: "team-a", Generation: 3,
		Annotations: map[string]string{
			"kubectl.kubernetes.io/last-applied-configuration": `{"spec":{"tags":{"a":"b"}}}`,
			ossv1.AnnotationPaused:                             "true",
			ossv1.AnnotationRefresh:                            "now",
		},
		Finalizers:    []string{Finalizer},
		ManagedFields: []metav1.ManagedFieldsEntry{{Manager: "kubectl"}, {Manager: "oss-operator"}}}}
	out, err := StripUnreadMetadata(b)
	if err != nil {
		t.Fatal(err)
	}
	got := out.(*ossv1.Bucket)
	if got.ManagedFields != nil || got.Annotations["kubectl.kubernetes.io/last-applied-configuration"] != "" {
		t.Errorf("the cache keeps managed fields %v or kubectl's copy of the manifest", got.ManagedFields)
	}
	if !isPaused(got) || got.Annotations[ossv1.AnnotationRefresh] != "now" || got.Generation != 3 || len(got.Finalizers) != 1 {
		t.Errorf("lost what the operator reads: %+v", got.ObjectMeta)
	}
}
