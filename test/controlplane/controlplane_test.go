package controlplane_test

import (
	"context"
	"fmt"
	"os"
	"testing"
	"time"

	. "github.com/onsi/gomega"
	corev1 "k8s.io/api/core/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/utils/ptr"
	"sigs.k8s.io/controller-runtime/pkg/client"
	"sigs.k8s.io/controller-runtime/pkg/envtest"

	"github.com/ossoperator/oss-operator/test/controlplane"
)

var (
	k8s client.Client
	ctx = context.Background()
)

func TestMain(m *testing.M) { os.Exit(run(m)) }

func run(m *testing.M) int {
	if os.Getenv("KUBEBUILDER_ASSETS") == "" {
		fmt.Fprintln(os.Stderr, "KUBEBUILDER_ASSETS is not set: run the tests with `make test`, which builds the envtest control plane (make envtest)")
		return 1
	}
	env := &envtest.Environment{}
	cfg, err := env.Start()
	if err != nil {
		fmt.Fprintln(os.Stderr, "starting envtest:", err)
		return 1
	}
	defer func() {
		if err := env.Stop(); err != nil {
			fmt.Fprintln(os.Stderr, "stopping envtest:", err)
		}
	}()
	start := time.Now()
	cm, err := controlplane.StartControllerManager(env)
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		return 1
	}
	fmt.Printf("kube-controller-manager ready in %s\n", time.Since(start).Round(time.Millisecond))
	defer func() {
		if err := cm.Stop(); err != nil {
			fmt.Fprintln(os.Stderr, "stopping kube-controller-manager:", err)
		}
	}()
	if k8s, err = client.New(cfg, client.Options{}); err != nil {
		fmt.Fprintln(os.Stderr, err)
		return 1
	}
	return m.Run()
}

func TestNamespaceDeletionRemovesContent(t *testing.T) {
	g := NewWithT(t)
	ns := &corev1.Namespace{ObjectMeta: metav1.ObjectMeta{GenerateName: "ns-deletion-"}}
	g.Expect(k8s.Create(ctx, ns)).To(Succeed())
	g.Expect(k8s.Create(ctx, &corev1.ConfigMap{ObjectMeta: metav1.ObjectMeta{Namespace: ns.Name, Name: "config"}})).To(Succeed())
	g.Expect(k8s.Create(ctx, &corev1.Secret{ObjectMeta: metav1.ObjectMeta{Namespace: ns.Name, Name: "secret"}})).To(Succeed())

	g.Expect(k8s.Delete(ctx, ns)).To(Succeed())
	g.Eventually(notFound(ns)).WithTimeout(time.Minute).
		Should(BeTrue(), "the namespace controller should empty Namespace %s and remove it", ns.Name)
}

func TestGarbageCollectionInBackground(t *testing.T) {
	g := NewWithT(t)
	ns := namespace(t)
	owner, dependent := ownerAndDependent(t, ns)

	g.Expect(k8s.Delete(ctx, owner)).To(Succeed())
	g.Eventually(notFound(dependent)).WithTimeout(time.Minute).
		Should(BeTrue(), "the garbage collector should delete the dependent of a deleted owner")
}

func TestGarbageCollectionInForeground(t *testing.T) {
	g := NewWithT(t)
	ns := namespace(t)
	owner, dependent := ownerAndDependent(t, ns)

	g.Expect(k8s.Delete(ctx, owner, client.PropagationPolicy(metav1.DeletePropagationForeground))).To(Succeed())
	g.Eventually(notFound(owner)).WithTimeout(time.Minute).
		Should(BeTrue(), "the garbage collector should finish the foreground deletion of the owner")
	// In the foreground the owner goes last: its blocking dependent is already gone.
	g.Expect(notFound(dependent)()).To(BeTrue(), "the dependent should be deleted before its owner")
}

// namespace creates a Namespace for one test, deleted (by the namespace controller) when it ends.
func namespace(t *testing.T) string {
	t.Helper()
	ns := &corev1.Namespace{ObjectMeta: metav1.ObjectMeta{GenerateName: "gc-"}}
	NewWithT(t).Expect(k8s.Create(ctx, ns)).To(Succeed())
	t.Cleanup(func() { _ = k8s.Delete(ctx, ns) })
	return ns.Name
}

// ownerAndDependent creates two ConfigMaps in ns, the second owned by the first and blocking its
// foreground deletion.
func ownerAndDependent(t *testing.T, ns string) (owner, dependent *corev1.ConfigMap) {
	t.Helper()
	g := NewWithT(t)
	owner = &corev1.ConfigMap{ObjectMeta: metav1.ObjectMeta{Namespace: ns, Name: "owner"}}
	g.Expect(k8s.Create(ctx, owner)).To(Succeed())
	dependent = &corev1.ConfigMap{ObjectMeta: metav1.ObjectMeta{Namespace: ns, Name: "dependent",
		OwnerReferences: []metav1.OwnerReference{{
			APIVersion: "v1", Kind: "ConfigMap", Name: owner.Name, UID: owner.UID, BlockOwnerDeletion: ptr.To(true),
		}}}}
	g.Expect(k8s.Create(ctx, dependent)).To(Succeed())
	return owner, dependent
}

// notFound reports whether obj is gone from the API server.
func notFound(obj client.Object) func() bool {
	key := client.ObjectKeyFromObject(obj)
	return func() bool {
		return apierrors.IsNotFound(k8s.Get(ctx, key, obj.DeepCopyObject().(client.Object)))
	}
}
