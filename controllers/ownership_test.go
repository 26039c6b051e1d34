package controllers

import (
	"context"
	"fmt"
	"testing"

	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/runtime"
	"k8s.io/apimachinery/pkg/types"
	clientgoscheme "k8s.io/client-go/kubernetes/scheme"
	"sigs.k8s.io/controller-runtime/pkg/client"
	"sigs.k8s.io/controller-runtime/pkg/client/fake"
	"sigs.k8s.io/controller-runtime/pkg/client/interceptor"

	ossv1 "github.com/ossoperator/oss-operator/api/v1alpha1"
)

// What a tag found on a bucket says of the Bucket looking at it, against a fake cache: namespaces
// team-a and team-b watched, "elsewhere" not (the cache refuses to list it, as a cache restricted by
// --watch-namespaces does).
func TestRelateOwnerTag(t *testing.T) {
	const cluster = "c1"
	uidA, uidB, uidElsewhere := types.UID("a0000000-0000-4000-8000-00000000000a"), types.UID("b0000000-0000-4000-8000-00000000000b"), types.UID("e0000000-0000-4000-8000-00000000000e")
	ns := func(name string, uid types.UID) *corev1.Namespace {
		return &corev1.Namespace{ObjectMeta: metav1.ObjectMeta{Name: name, UID: uid}}
	}
	bkt := func(namespace, name, uid, ossName string) *ossv1.Bucket {
		b := &ossv1.Bucket{ObjectMeta: metav1.ObjectMeta{Namespace: namespace, Name: name, UID: types.UID(uid)}}
		b.Spec.Name = ossName
		return b
	}
	self := bkt("team-a", testBucket, "5e1f0000-0000-4000-8000-000000000001", "")
	neighbour := bkt("team-a", "neighbour", "2e160000-0000-4000-8000-000000000002", testBucket)
	moved := bkt("team-a", "moved", "30e00000-0000-4000-8000-000000000003", "another-bucket")
	other := bkt("team-b", "other", "07e00000-0000-4000-8000-000000000004", testBucket)
	// fresh is in a namespace made a moment ago, which the API server has and the cache not yet.
	uidFresh := types.UID("f0000000-0000-4000-8000-00000000000f")
	fresh := bkt("fresh", "fresh", "f8e50000-0000-4000-8000-000000000005", testBucket)

	scheme := runtime.NewScheme()
	for _, add := range []func(*runtime.Scheme) error{clientgoscheme.AddToScheme, ossv1.AddToScheme} {
		if err := add(scheme); err != nil {
			t.Fatal(err)
		}
	}
	c := fake.NewClientBuilder().WithScheme(scheme).
		WithObjects(ns("team-a", uidA), ns("team-b", uidB), ns("elsewhere", uidElsewhere), self, neighbour, moved, other, fresh).
		WithIndex(&ossv1.Bucket{}, uidIndex, func(o client.Object) []string { return []string{string(o.GetUID())} }).
		WithInterceptorFuncs(interceptor.Funcs{List: func(ctx context.Context, c client.WithWatch, list client.ObjectList, opts ...client.ListOption) error {
			if lo := (&client.ListOptions{}).ApplyOptions(opts); lo.Namespace == "elsewhere" {
				return fmt.Errorf("unable to list: %s because of unknown namespace for the cache", lo.Namespace)
			}
			return c.List(ctx, list, opts...)
		}}).Build()
	api := fake.NewClientBuilder().WithScheme(scheme).WithObjects(ns("team-a", uidA), ns("team-b", uidB), ns("elsewhere", uidElsewhere), ns("fresh", uidFresh)).Build()
	r := &BucketReconciler{Client: c, ClusterID: cluster, Clients: &OSSClients{Reader: api}}
	mine := ownerTag(cluster, uidA, self.UID)

	tests := []struct {
		name, tag string
		want      ownerRelation
		neighbour string
	}{
		{name: "untagged", tag: "", want: untagged},
		{name: "its own", tag: mine, want: taggedThis},
		{name: "its own, written with the UID of a namespace since gone (a cache that lagged): its UID decides", tag: ownerTag(cluster, "deadbeef-0000-4000-8000-00000000000f", self.UID), want: taggedThis},
		{name: "another cluster's, with its UID: not its own", tag: ownerTag("c2", uidA, self.UID), want: taggedAnother},
		{name: "a live Bucket of a namespace the cache has not seen yet: asked of the API server", tag: ownerTag(cluster, uidFresh, fresh.UID), want: taggedAnother},
		{name: "its own as earlier versions wrote it", tag: "c1/team-a/" + testBucket, want: taggedThisName},
		{name: "a live Bucket of its namespace: named", tag: ownerTag(cluster, uidA, neighbour.UID), want: taggedAnother, neighbour: "neighbour"},
		{name: "a live Bucket of another namespace: not named", tag: ownerTag(cluster, uidB, other.UID), want: taggedAnother},
		{name: "a namespace that is gone", tag: ownerTag(cluster, "deadbeef-0000-4000-8000-000000000000", other.UID), want: taggedGone},
		{name: "a Bucket gone from a watched namespace", tag: ownerTag(cluster, uidA, "deadbeef-0000-4000-8000-000000000001"), want: taggedGone},
		{name: "a Bucket that manages another bucket now", tag: ownerTag(cluster, uidA, moved.UID), want: taggedGone},
		{name: "a namespace this operator does not watch: alive", tag: ownerTag(cluster, uidElsewhere, "deadbeef-0000-4000-8000-000000000002"), want: taggedAnother},
		{name: "another cluster's", tag: ownerTag("c2", uidA, "deadbeef-0000-4000-8000-000000000003"), want: taggedAnother},
		{name: "earlier versions: a live Bucket of another namespace", tag: "c1/team-b/other", want: taggedAnother},
		{name: "earlier versions: a live Bucket of its namespace", tag: "c1/team-a/neighbour", want: taggedAnother, neighbour: "neighbour"},
		{name: "earlier versions: a Bucket that is gone", tag: "c1/team-a/deleted-long-ago", want: taggedGone},
		{name: "earlier versions: another cluster's", tag: "c2/team-a/gone", want: taggedAnother},
		{name: "not a tag this operator writes", tag: "hand-written", want: taggedAnother},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			rel, nb := r.relate(context.Background(), self, tc.tag)
			if rel != tc.want || nb != tc.neighbour {
				t.Errorf("relate(%q) = %d %q, want %d %q", tc.tag, rel, nb, tc.want, tc.neighbour)
			}
		})
	}
}
