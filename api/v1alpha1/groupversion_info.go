// Package v1alpha1 holds the oss.ossoperator.io/v1alpha1 API: Bucket, an Alibaba Cloud OSS bucket, and
// AccessKey, the credentials the operator uses to manage buckets.
//
// +kubebuilder:object:generate=true
// +groupName=oss.ossoperator.io
package v1alpha1

import (
	"k8s.io/apimachinery/pkg/runtime/schema"
	"sigs.k8s.io/controller-runtime/pkg/scheme"
)

var (
	// GroupVersion is the group and version of these kinds.
	GroupVersion = schema.GroupVersion{Group: "oss.ossoperator.io", Version: "v1alpha1"}

	// SchemeBuilder registers the kinds with a scheme.
	SchemeBuilder = &scheme.Builder{GroupVersion: GroupVersion}

	// AddToScheme adds the kinds of this group-version to a scheme.
	AddToScheme = SchemeBuilder.AddToScheme
)
