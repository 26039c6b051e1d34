package controllers_test

import (
	"net"
	"sync/atomic"
	"time"

	. "github.com/onsi/ginkgo/v2"
	. "github.com/onsi/gomega"
	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"sigs.k8s.io/controller-runtime/pkg/client"

	ossv1 "github.com/ossoperator/oss-operator/api/v1alpha1"
	"github.com/ossoperator/oss-operator/ossapi"
)

var _ = Describe("AccessKey", func() {
	var ns string
	BeforeEach(func() { ns = newNamespace() })

	It("verifies working credentials and records the account, never the secret", func() {
		ak := readyAccessKey(ns)
		Expect(ak.Status.AccountID).To(Equal(accountA))
		Expect(ak.Status.AccessKeyID).To(Equal(keyA1))
		Expect(ak.Status.Endpoint).To(Equal(emu.URL))
		Expect(ak.Status.ObservedGeneration).To(Equal(ak.Generation))
		expectEvent(ak, "Verified")
		Expect(emu.CallsBy(accountA, ossapi.OpListBuckets)).To(BeNumerically(">=", 1))
	})

	It("accepts the official SDK's environment variable names", func() {
		createSecret(ns, "env", map[string]string{"OSS_ACCESS_KEY_ID": keyA2, "OSS_ACCESS_KEY_SECRET": secretA2})
		ak := createAccessKey(ns, "env", "env")
		expectCondition(ak, ossv1.ConditionReady, metav1.ConditionTrue, ossv1.ReasonReady)
		Expect(ak.Status.AccessKeyID).To(Equal(keyA2))
	})

	It("uses STS credentials with their security token", func() {
		createSecret(ns, "sts", map[string]string{"accessKeyId": stsKey, "accessKeySecret": stsSecret, "securityToken": stsToken})
		ak := createAccessKey(ns, "sts", "sts")
		expectCondition(ak, ossv1.ConditionReady, metav1.ConditionTrue, ossv1.ReasonReady)
		Expect(ak.Status.AccountID).To(Equal(accountA))
	})

	It("signs with V1 when asked", func() {
		createSecret(ns, "v1", map[string]string{"accessKeyId": keyA1, "accessKeySecret": secretA1})
		ak := createAccessKey(ns, "v1", "v1", func(a *ossv1.AccessKey) { a.Spec.SignatureVersion = "v1" })
		expectCondition(ak, ossv1.ConditionReady, metav1.ConditionTrue, ossv1.ReasonReady)
	})

	It("waits, Reconciling with SecretNotFound, until the Secret appears", func() {
		ak := createAccessKey(ns, "late", "late")
		expectCondition(ak, ossv1.ConditionReconciling, metav1.ConditionTrue, ossv1.ReasonSecretNotFound)
		Expect(ak.Status.Conditions).To(ContainElement(HaveField("Message", ContainSubstring(`"late"`))))
		createSecret(ns, "late", map[string]string{"accessKeyId": keyA1, "accessKeySecret": secretA1})
		expectCondition(ak, ossv1.ConditionReady, metav1.ConditionTrue, ossv1.ReasonReady)
		Expect(ak.Status.Conditions).NotTo(ContainElement(HaveField("Type", ossv1.ConditionStalled)))
	})

	It("is Stalled with SecretKeyMissing naming the missing key", func() {
		createSecret(ns, "half", map[string]string{"accessKeyId": keyA1})
		ak := createAccessKey(ns, "half", "half")
		expectCondition(ak, ossv1.ConditionStalled, metav1.ConditionTrue, ossv1.ReasonSecretKeyMissing)
		Expect(readyMessage(ak)).To(ContainSubstring("accessKeySecret"))
	})

	DescribeTable("is Stalled when OSS refuses the credentials",
		func(id, secret, reason string) {
			createSecret(ns, "bad", map[string]string{"accessKeyId": id, "accessKeySecret": secret})
			ak := createAccessKey(ns, "bad", "bad")
			expectCondition(ak, ossv1.ConditionStalled, metav1.ConditionTrue, reason)
			expectEvent(ak, reason)
			Expect(readyMessage(ak)).NotTo(ContainSubstring(secret))
		},
		Entry("unknown key", "LTAI-unknown", "whatever-secret", ossv1.ReasonInvalidAccessKeyID),
		Entry("wrong secret", keyA1, "wrong-secret-value", ossv1.ReasonSignatureDoesNotMatch),
	)

	It("is Reconciling with EndpointUnreachable while nothing answers", func() {
		l, err := net.Listen("tcp", "127.0.0.1:0")
		Expect(err).NotTo(HaveOccurred())
		addr := l.Addr().String()
		Expect(l.Close()).To(Succeed())
		createSecret(ns, "creds", map[string]string{"accessKeyId": keyA1, "accessKeySecret": secretA1})
		ak := createAccessKey(ns, "creds", "creds", func(a *ossv1.AccessKey) { a.Spec.Endpoint = "http://" + addr })
		expectCondition(ak, ossv1.ConditionReconciling, metav1.ConditionTrue, ossv1.ReasonEndpointUnreachable)
		// Pointing it at a live endpoint recovers.
		update(ak, func(a *ossv1.AccessKey) { a.Spec.Endpoint = emu.URL })
		expectCondition(ak, ossv1.ConditionReady, metav1.ConditionTrue, ossv1.ReasonReady)
	})

	It("never sends anything to an endpoint the operator does not allow", func() {
		// A tenant's endpoint would see the operator's signed requests: a listener on a host outside the
		// operator's --allowed-endpoints (here "localhost", the emulator being allowed as 127.0.0.1).
		l, err := net.Listen("tcp", "127.0.0.1:0")
		Expect(err).NotTo(HaveOccurred())
		defer l.Close()
		var accepted atomic.Int32
		go func() {
			for {
				c, err := l.Accept()
				if err != nil {
					return
				}
				accepted.Add(1)
				c.Close()
			}
		}()
		_, port, _ := net.SplitHostPort(l.Addr().String())
		createSecret(ns, "creds", map[string]string{"accessKeyId": keyA1, "accessKeySecret": secretA1})
		for _, ep := range []string{"http://localhost:" + port, "100.100.100.200", "https://kubernetes.default.svc"} {
			ak := createAccessKey(ns, unique("elsewhere"), "creds", func(a *ossv1.AccessKey) { a.Spec.Endpoint = ep })
			expectCondition(ak, ossv1.ConditionStalled, metav1.ConditionTrue, ossv1.ReasonEndpointNotAllowed)
			Expect(readyMessage(ak)).To(ContainSubstring("nothing was sent to it"))
		}
		Consistently(accepted.Load).WithTimeout(time.Second).Should(BeZero(), "a connection was made")
	})

	It("acknowledges a refresh in status once it has verified again", func() {
		ak := readyAccessKey(ns)
		calls := emu.CallsBy(accountA, ossapi.OpListBuckets)
		setAnnotation(ak, ossv1.AnnotationRefresh, "after-rotation")
		Eventually(func(g Gomega) {
			g.Expect(k8s.Get(ctx, client.ObjectKeyFromObject(ak), ak)).To(Succeed())
			g.Expect(ak.Status.LastHandledRefresh).To(Equal("after-rotation"))
		}).Should(Succeed())
		Expect(emu.CallsBy(accountA, ossapi.OpListBuckets)).To(BeNumerically(">", calls))
	})

	It("re-verifies when the Secret is rotated", func() {
		ak := readyAccessKey(ns)
		secret := &corev1.Secret{}
		Expect(k8s.Get(ctx, client.ObjectKey{Namespace: ns, Name: "creds"}, secret)).To(Succeed())
		update(secret, func(s *corev1.Secret) {
			s.Data = map[string][]byte{"accessKeyId": []byte(keyA2), "accessKeySecret": []byte(secretA2)}
		})
		Eventually(func() string {
			Expect(k8s.Get(ctx, client.ObjectKeyFromObject(ak), ak)).To(Succeed())
			return ak.Status.AccessKeyID
		}).Should(Equal(keyA2))
		update(secret, func(s *corev1.Secret) { s.Data["accessKeySecret"] = []byte("revoked-secret") })
		expectCondition(ak, ossv1.ConditionStalled, metav1.ConditionTrue, ossv1.ReasonSignatureDoesNotMatch)
	})
})

func readyMessage(obj client.Object) string {
	for _, c := range conditionsOf(obj) {
		if c.Type == ossv1.ConditionReady {
			return c.Message
		}
	}
	return ""
}
