package controllers

import (
	"strings"

	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
)

// StripUnreadMetadata is the manager cache's transform: of the objects the operator watches by their
// metadata only (Secrets, to notice a change; namespaces, for their labels), it keeps no managed fields
// and no annotations but the operator's own (an issued Secret's key ID and digest, by which its own write
// is recognised). A Secret's other annotations may hold its data (kubectl apply's
// last-applied-configuration): Secret contents never enter the cache.
//
// Of every other object it keeps no managed fields, and no copy of the object that kubectl apply
// leaves in an annotation: the operator reads neither, and at 10,000 Buckets they are most of the cache.
func StripUnreadMetadata(obj any) (any, error) {
	if o, ok := obj.(metav1.Object); ok {
		o.SetManagedFields(nil)
		if a := o.GetAnnotations(); a[lastAppliedAnnotation] != "" {
			delete(a, lastAppliedAnnotation)
		}
	}
	if m, ok := obj.(*metav1.PartialObjectMetadata); ok {
		var own map[string]string
		for k, v := range m.Annotations {
			if strings.HasPrefix(k, ownAnnotationPrefix) {
				if own == nil {
					own = map[string]string{}
				}
				own[k] = v
			}
		}
		m.Annotations = own
		m.ManagedFields = nil
	}
	return obj, nil
}

// lastAppliedAnnotation is where kubectl apply keeps the applied manifest.
const lastAppliedAnnotation = "kubectl.kubernetes.io/last-applied-configuration"

// ownAnnotationPrefix is the prefix of the annotations the operator writes on the Secrets it issues.
const ownAnnotationPrefix = "oss.ossoperator.io/"
