package controllers

import (
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
)

// StripUnreadMetadata is the manager cache's transform: of the objects the operator watches by their
// metadata only (Secrets, to notice a change; namespaces, for their labels), it keeps no annotations
// and no managed fields. A Secret's annotations may hold its data (kubectl apply's
// last-applied-configuration): Secret contents never enter the cache.
func StripUnreadMetadata(obj any) (any, error) {
	if m, ok := obj.(*metav1.PartialObjectMetadata); ok {
		m.Annotations = nil
		m.ManagedFields = nil
	}
	return obj, nil
}
