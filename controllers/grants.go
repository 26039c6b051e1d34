package controllers

import (
	"context"

	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/labels"
	"k8s.io/apimachinery/pkg/types"
	"sigs.k8s.io/controller-runtime/pkg/client"
	"sigs.k8s.io/controller-runtime/pkg/event"
	"sigs.k8s.io/controller-runtime/pkg/log"
	"sigs.k8s.io/controller-runtime/pkg/predicate"
	"sigs.k8s.io/controller-runtime/pkg/reconcile"

	ossv1 "github.com/ossoperator/oss-operator/api/v1alpha1"
)

// An AccessKey is used by the Buckets of its own namespace and, when it says so, of others: the
// grant is kept on the object that owns the secret (Gateway API's ReferenceGrant idea), a label
// selector over namespaces, spec.allowedNamespaces.

// accessKeyOfBucket is the AccessKey a Bucket names: in spec.accessKeyRef.namespace, else its own.
func accessKeyOfBucket(b *ossv1.Bucket) types.NamespacedName {
	ns := b.Spec.AccessKeyRef.Namespace
	if ns == "" {
		ns = b.Namespace
	}
	return types.NamespacedName{Namespace: ns, Name: b.Spec.AccessKeyRef.Name}
}

// grants reports whether ak may be used by the Buckets of a namespace with these labels.
func grants(ak *ossv1.AccessKey, namespace string, nsLabels map[string]string) bool {
	if ak.Namespace == namespace {
		return true
	}
	if ak.Spec.AllowedNamespaces == nil {
		return false
	}
	sel, err := metav1.LabelSelectorAsSelector(ak.Spec.AllowedNamespaces)
	if err != nil {
		return false
	}
	return sel.Matches(labels.Set(nsLabels))
}

// namespaceLabels are the labels of a namespace, from the metadata cache.
func namespaceLabels(ctx context.Context, c client.Reader, name string) (map[string]string, error) {
	ns := namespaceMeta()
	if err := c.Get(ctx, types.NamespacedName{Name: name}, ns); err != nil {
		return nil, err
	}
	return ns.Labels, nil
}

// bucketsNaming maps an AccessKey to the Buckets, of any namespace, that name it.
func bucketsNaming(c client.Reader) func(ctx context.Context, o client.Object) []reconcile.Request {
	return func(ctx context.Context, o client.Object) []reconcile.Request {
		list := &ossv1.BucketList{}
		key := o.GetNamespace() + "/" + o.GetName()
		if err := c.List(ctx, list, client.MatchingFields{accessKeyRefIndex: key}); err != nil {
			log.FromContext(ctx).Error(err, "listing the Buckets that name an AccessKey", "accessKey", key)
			return nil
		}
		reqs := make([]reconcile.Request, 0, len(list.Items))
		for _, b := range list.Items {
			reqs = append(reqs, reconcile.Request{NamespacedName: client.ObjectKeyFromObject(&b)})
		}
		return reqs
	}
}

// bucketsUsingOthersKeys maps a namespace to its Buckets that name an AccessKey of another namespace:
// a change of its labels may grant or revoke their credentials.
func bucketsUsingOthersKeys(c client.Reader) func(ctx context.Context, o client.Object) []reconcile.Request {
	return func(ctx context.Context, o client.Object) []reconcile.Request {
		list := &ossv1.BucketList{}
		if err := c.List(ctx, list, client.InNamespace(o.GetName())); err != nil {
			log.FromContext(ctx).Error(err, "listing the Buckets of a namespace", "namespace", o.GetName())
			return nil
		}
		var reqs []reconcile.Request
		for _, b := range list.Items {
			if accessKeyOfBucket(&b).Namespace != b.Namespace {
				reqs = append(reqs, reconcile.Request{NamespacedName: client.ObjectKeyFromObject(&b)})
			}
		}
		return reqs
	}
}

// labelsChanged passes namespace updates that change its labels.
type labelsChanged struct{ predicate.Funcs }

func (labelsChanged) Create(event.CreateEvent) bool   { return false }
func (labelsChanged) Delete(event.DeleteEvent) bool   { return false }
func (labelsChanged) Generic(event.GenericEvent) bool { return false }
func (labelsChanged) Update(e event.UpdateEvent) bool {
	return !labels.Equals(e.ObjectOld.GetLabels(), e.ObjectNew.GetLabels())
}
