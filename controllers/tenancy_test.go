package controllers_test

import (
	"time"

	. "github.com/onsi/ginkgo/v2"
	. "github.com/onsi/gomega"
	corev1 "k8s.io/api/core/v1"
	rbacv1 "k8s.io/api/rbac/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/client-go/rest"
	"sigs.k8s.io/controller-runtime/pkg/client"

	ossv1 "github.com/ossoperator/oss-operator/api/v1alpha1"
	"github.com/ossoperator/oss-operator/ossapi"
)

// One operator, many tenants: a platform team keeps the key in a namespace of its own and grants it to
// the tenants' namespaces; a tenant creates Buckets with it and cannot read it.
var _ = Describe("Credentials shared across namespaces", func() {
	It("serve the namespaces the AccessKey grants, and no other, without their reading the Secret", func() {
		platform := newNamespace()
		acct = newAccountAccessKey(platform)
		tenantLabel := "oss.test/tenant-of-" + platform
		update(&ossv1.AccessKey{ObjectMeta: metav1.ObjectMeta{Namespace: platform, Name: "creds"}}, func(ak *ossv1.AccessKey) {
			ak.Spec.AllowedNamespaces = &metav1.LabelSelector{MatchLabels: map[string]string{tenantLabel: "true"}}
		})
		teamA := newNamespace()
		update(&corev1.Namespace{ObjectMeta: metav1.ObjectMeta{Name: teamA}}, func(ns *corev1.Namespace) {
			ns.Labels[tenantLabel] = "true"
		})
		other := newNamespace()

		By("a tenant allowed to manage Buckets in its namespace, and nothing else")
		tenant := tenantClient(teamA)
		Expect(tenant.Get(ctx, client.ObjectKey{Namespace: platform, Name: "creds"}, &corev1.Secret{})).To(Satisfy(apierrors.IsForbidden), "the tenant reads the key")

		shared := func(b *ossv1.Bucket) {
			b.Spec.AccessKeyRef = ossv1.AccessKeyReference{Namespace: platform, Name: "creds"}
		}
		granted := newBucket(teamA, unique("granted"), shared)
		Expect(tenant.Create(ctx, granted)).To(Succeed())
		expectCondition(granted, ossv1.ConditionReady, metav1.ConditionTrue, ossv1.ReasonReady)
		got, ok := bucketState(granted.Name)
		Expect(ok).To(BeTrue())
		Expect(got.Owner).To(Equal(acct.id), "created with the platform's account")

		By("a namespace the AccessKey does not grant: Stalled, nothing sent to OSS")
		refused := createBucket(other, unique("refused"), shared)
		expectCondition(refused, ossv1.ConditionStalled, metav1.ConditionTrue, ossv1.ReasonAccessKeyNotGranted)
		Expect(readyMessage(refused)).To(ContainSubstring("spec.allowedNamespaces"))
		Consistently(func() int {
			n := 0
			for _, op := range ossapi.Operations {
				n += emu.CallsOn(refused.Name, op)
			}
			return n
		}).WithTimeout(time.Second).Should(BeZero(), "a request for a Bucket of a namespace not granted")

		By("granting it later: it proceeds")
		update(&corev1.Namespace{ObjectMeta: metav1.ObjectMeta{Name: other}}, func(ns *corev1.Namespace) {
			ns.Labels[tenantLabel] = "true"
		})
		expectCondition(refused, ossv1.ConditionReady, metav1.ConditionTrue, ossv1.ReasonReady)

		By("revoking the grant stops every write")
		update(&corev1.Namespace{ObjectMeta: metav1.ObjectMeta{Name: teamA}}, func(ns *corev1.Namespace) {
			delete(ns.Labels, tenantLabel)
		})
		expectCondition(granted, ossv1.ConditionStalled, metav1.ConditionTrue, ossv1.ReasonAccessKeyNotGranted)
		writes := acct.writes()
		update(granted, func(b *ossv1.Bucket) { b.Spec.Tags = map[string]string{"after": "revocation"} })
		Consistently(acct.writes).WithTimeout(time.Second).Should(Equal(writes), "a write after the grant was revoked")
		got, _ = bucketState(granted.Name)
		Expect(got.Tags).NotTo(HaveKey("after"))

		By("and its deletion with Delete waits, visibly, until the grant is back")
		update(granted, func(b *ossv1.Bucket) { b.Spec.DeletionPolicy = ossv1.DeletionDelete })
		Expect(k8s.Delete(ctx, granted)).To(Succeed())
		expectCondition(granted, ossv1.ConditionDeletionBlocked, metav1.ConditionTrue, ossv1.ReasonAccessKeyNotGranted)
		update(&corev1.Namespace{ObjectMeta: metav1.ObjectMeta{Name: teamA}}, func(ns *corev1.Namespace) {
			ns.Labels[tenantLabel] = "true"
		})
		expectGone(granted)
		_, ok = bucketState(granted.Name)
		Expect(ok).To(BeFalse())

		By("the AccessKey, deleted while a Bucket of another namespace needs it, waits for it")
		ak := &ossv1.AccessKey{ObjectMeta: metav1.ObjectMeta{Namespace: platform, Name: "creds"}}
		Expect(k8s.Delete(ctx, ak)).To(Succeed())
		expectCondition(ak, ossv1.ConditionDeletionBlocked, metav1.ConditionTrue, ossv1.ReasonInUse)
		Expect(conditionOf(ak, ossv1.ConditionDeletionBlocked).Message).To(ContainSubstring(other + "/" + refused.Name))
		Expect(k8s.Delete(ctx, refused)).To(Succeed())
		expectGone(refused)
		expectGone(ak)
	})
})

// tenantClient acts as a user allowed to manage Buckets in one namespace, as a platform team would
// give a tenant.
func tenantClient(ns string) client.Client {
	GinkgoHelper()
	role := &rbacv1.Role{ObjectMeta: metav1.ObjectMeta{Namespace: ns, Name: "bucket-editor"},
		Rules: []rbacv1.PolicyRule{{APIGroups: []string{ossv1.GroupVersion.Group}, Resources: []string{"buckets"}, Verbs: []string{"*"}}}}
	Expect(k8s.Create(ctx, role)).To(Succeed())
	Expect(k8s.Create(ctx, &rbacv1.RoleBinding{ObjectMeta: metav1.ObjectMeta{Namespace: ns, Name: "tenant"},
		RoleRef:  rbacv1.RoleRef{APIGroup: rbacv1.GroupName, Kind: "Role", Name: role.Name},
		Subjects: []rbacv1.Subject{{Kind: rbacv1.UserKind, APIGroup: rbacv1.GroupName, Name: "tenant-of-" + ns}}})).To(Succeed())
	cfg := rest.CopyConfig(restCfg)
	cfg.Impersonate = rest.ImpersonationConfig{UserName: "tenant-of-" + ns, Groups: []string{"system:authenticated"}}
	c, err := client.New(cfg, client.Options{Scheme: k8s.Scheme()})
	Expect(err).NotTo(HaveOccurred())
	return c
}
