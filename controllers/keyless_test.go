package controllers_test

import (
	"context"
	"encoding/json"
	"fmt"
	"os"
	"strings"
	"time"

	. "github.com/onsi/ginkgo/v2"
	. "github.com/onsi/gomega"

	authenticationv1 "k8s.io/api/authentication/v1"
	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/client-go/kubernetes"
	"sigs.k8s.io/controller-runtime/pkg/client"

	ossv1 "github.com/ossoperator/oss-operator/api/v1alpha1"
	"github.com/ossoperator/oss-operator/ossapi/osstest"
	"github.com/ossoperator/oss-operator/ossapi/ram"
)

// clusterIssuer registers the test control plane's service-account issuer with the emulated account A
// as an OIDC provider: its issuer URL from the API server's discovery document, its keys from
// /openid/v1/jwks, both read from the real kube-apiserver. Tokens are signed by the API server
// (TokenRequest), never by the test.
func clusterIssuer(name string) string {
	GinkgoHelper()
	cs, err := kubernetes.NewForConfig(restCfg)
	Expect(err).NotTo(HaveOccurred())
	raw, err := cs.RESTClient().Get().AbsPath("/.well-known/openid-configuration").DoRaw(ctx)
	Expect(err).NotTo(HaveOccurred())
	var discovery struct {
		Issuer string `json:"issuer"`
	}
	Expect(json.Unmarshal(raw, &discovery)).To(Succeed())
	Expect(discovery.Issuer).NotTo(BeEmpty())
	return emu.AddOIDCProvider(accountA, osstest.OIDCProvider{
		Name: name, IssuerURL: discovery.Issuer, ClientIDs: []string{"sts.aliyuncs.com"},
		JWKS: func(ctx context.Context) ([]byte, error) {
			return cs.RESTClient().Get().AbsPath("/openid/v1/jwks").DoRaw(ctx)
		},
	})
}

// bucketsPolicy allows everything on the buckets whose names start with prefix, and nothing else.
func bucketsPolicy(prefix string) string {
	return fmt.Sprintf(`{"Version":"1","Statement":[{"Effect":"Allow","Action":["oss:*"],"Resource":["acs:oss:*:*:%s*"]}]}`, prefix)
}

var _ = Describe("Keyless AccessKeys", func() {
	It("exchange a namespace's service-account token for a role, renew it, and refuse a namespace the role does not trust", func() {
		teamA, teamB := newNamespace(), newNamespace()
		provider := clusterIssuer(unique("cluster"))
		prefix := unique("keyless")
		role := emu.AddRole(accountA, osstest.Role{
			Name:        unique("team-a-oss"),
			TrustedOIDC: &osstest.RoleOIDCTrust{Provider: provider[strings.LastIndex(provider, "/")+1:], Subjects: []string{"system:serviceaccount:" + teamA + ":oss-buckets"}},
			Policies:    []string{bucketsPolicy(prefix)},
		})
		oidcKey := func(ns string) *ossv1.AccessKey {
			Expect(k8s.Create(ctx, &corev1.ServiceAccount{ObjectMeta: metav1.ObjectMeta{Namespace: ns, Name: "oss-buckets"}})).To(Succeed())
			return createAccessKey(ns, "creds", "", func(ak *ossv1.AccessKey) {
				ak.Spec.SecretRef = ossv1.SecretReference{}
				ak.Spec.OIDC = &ossv1.OIDCSpec{RoleArn: role, ProviderArn: provider, ServiceAccountName: "oss-buckets",
					SessionDuration: &metav1.Duration{Duration: 15 * time.Minute}}
			})
		}

		ak := oidcKey(teamA)
		expectCondition(ak, ossv1.ConditionReady, metav1.ConditionTrue, ossv1.ReasonReady)
		Expect(ak.Status.Session).NotTo(BeNil())
		Expect(ak.Status.Session.Expiration).NotTo(BeNil())
		Expect(ak.Status.AccessKeyID).To(HavePrefix("STS."))
		Expect(ak.Status.AccountID).To(Equal(accountA))
		expectEvent(ak, ossv1.EventSessionStarted)

		By("its Buckets reconcile with the temporary credentials: there is no other key in the namespace")
		secrets := &corev1.SecretList{}
		Expect(k8s.List(ctx, secrets, client.InNamespace(teamA))).To(Succeed())
		Expect(secrets.Items).To(BeEmpty())
		before := emu.CallsWithSecurityToken()
		b := createBucket(teamA, prefix+"-a")
		expectCondition(b, ossv1.ConditionReady, metav1.ConditionTrue, ossv1.ReasonReady)
		Expect(emu.BucketNames()).To(ContainElement(prefix + "-a"))
		Expect(emu.CallsWithSecurityToken()).To(BeNumerically(">=", before+3), "the Bucket's calls carried the security token")

		By("the session is renewed before it expires, twice, with no failed reconcile")
		// STS here answers with 3-second sessions: the operator renews at two thirds of what STS says.
		emu.SetSessionLifetime(3 * time.Second)
		DeferCleanup(func() { emu.SetSessionLifetime(0) })
		refresh(ak)
		first := ak.Status.Session.Expiration.Time
		Eventually(func(g Gomega) {
			g.Expect(k8s.Get(ctx, client.ObjectKeyFromObject(ak), ak)).To(Succeed())
			renewed := 0
			for _, e := range eventsFor(ak) {
				if e.Reason == ossv1.EventSessionRenewed {
					renewed++
				}
			}
			g.Expect(renewed).To(BeNumerically(">=", 2))
		}).WithTimeout(30 * time.Second).Should(Succeed())
		Expect(ak.Status.Session.Expiration.Time).NotTo(Equal(first), "status shows the renewed session")
		Expect(ak.Status.Session.RenewAt.Time).To(BeTemporally("<", ak.Status.Session.Expiration.Time), "renewed before it expires")
		for _, e := range eventsFor(ak) {
			Expect(e.Type).NotTo(Equal(corev1.EventTypeWarning), "no renewal failed: %s %s", e.Reason, e.Note)
		}
		Expect(conditionOf(ak, ossv1.ConditionReady).Status).To(Equal(metav1.ConditionTrue))
		resync(b)
		expectCondition(b, ossv1.ConditionReady, metav1.ConditionTrue, ossv1.ReasonReady)

		By("a failing renewal keeps the credentials until they expire, then the AccessKey and its Bucket say why")
		remove := emu.InjectFault(osstest.Fault{Operation: "AssumeRoleWithOIDC", Status: 400, Code: "Throttling.User", Message: "Request was denied due to user flow control."})
		DeferCleanup(remove)
		expectEventNote(ak, ossv1.ReasonSTSUnavailable, "Renewing the temporary credentials failed")
		expectCondition(ak, ossv1.ConditionReady, metav1.ConditionFalse, ossv1.ReasonSTSUnavailable)
		Expect(conditionOf(ak, ossv1.ConditionReady).Message).To(ContainSubstring("Throttling.User"))
		resync(b)
		expectCondition(b, ossv1.ConditionReady, metav1.ConditionFalse, ossv1.ReasonAccessKeyNotReady)
		remove()
		expectCondition(ak, ossv1.ConditionReady, metav1.ConditionTrue, ossv1.ReasonReady)
		expectCondition(b, ossv1.ConditionReady, metav1.ConditionTrue, ossv1.ReasonReady)

		By("the same spec in a namespace whose ServiceAccount the role does not trust")
		other := oidcKey(teamB)
		expectCondition(other, ossv1.ConditionStalled, metav1.ConditionTrue, ossv1.ReasonRoleNotTrusted)
		Expect(conditionOf(other, ossv1.ConditionStalled).Message).To(ContainSubstring("STS refused"))

		By("a ServiceAccount that does not exist")
		missing := createAccessKey(teamA, "missing-sa", "", func(a *ossv1.AccessKey) {
			a.Spec.SecretRef = ossv1.SecretReference{}
			a.Spec.OIDC = &ossv1.OIDCSpec{RoleArn: role, ProviderArn: provider, ServiceAccountName: "nobody"}
		})
		expectCondition(missing, ossv1.ConditionReady, metav1.ConditionFalse, ossv1.ReasonServiceAccountNotFound)

		By("the operator's own identity is not a tenant's")
		own := createAccessKey(teamA, "own", "", func(a *ossv1.AccessKey) {
			a.Spec.SecretRef = ossv1.SecretReference{}
			a.Spec.OIDC = &ossv1.OIDCSpec{OperatorIdentity: true}
		})
		expectCondition(own, ossv1.ConditionStalled, metav1.ConditionTrue, ossv1.ReasonOperatorIdentityNotAllowed)
	})

	It("let the operator's own namespace use the operator's pod identity", func() {
		// The token ACK's webhook would project into the operator's pod: the API server's, for the
		// ServiceAccount "oss-operator" of the operator's namespace (default, here).
		Expect(k8s.Create(ctx, &corev1.ServiceAccount{ObjectMeta: metav1.ObjectMeta{Namespace: "default", Name: "oss-operator"}})).To(Succeed())
		cs, err := kubernetes.NewForConfig(restCfg)
		Expect(err).NotTo(HaveOccurred())
		tr, err := cs.CoreV1().ServiceAccounts("default").CreateToken(ctx, "oss-operator", &authenticationv1.TokenRequest{
			Spec: authenticationv1.TokenRequestSpec{Audiences: []string{"sts.aliyuncs.com"}}}, metav1.CreateOptions{})
		Expect(err).NotTo(HaveOccurred())
		Expect(os.WriteFile(operatorTokenFile, []byte(tr.Status.Token+"\n"), 0o600)).To(Succeed())
		issuedSecrets.Lock()
		issuedSecrets.values = append(issuedSecrets.values, tr.Status.Token) // searched for in logs, Events, status, metrics
		issuedSecrets.Unlock()
		DeferCleanup(func() { _ = os.Remove(operatorTokenFile) })
		clusterIssuer(operatorProvider)
		prefix := unique("operator")
		emu.AddRole(accountA, osstest.Role{Name: operatorRole,
			TrustedOIDC: &osstest.RoleOIDCTrust{Provider: operatorProvider, Subjects: []string{"system:serviceaccount:default:oss-operator"}},
			Policies:    []string{bucketsPolicy(prefix)}})

		own := createAccessKey("default", unique("operator-identity"), "", func(a *ossv1.AccessKey) {
			a.Spec.SecretRef = ossv1.SecretReference{}
			a.Spec.OIDC = &ossv1.OIDCSpec{OperatorIdentity: true}
		})
		expectCondition(own, ossv1.ConditionReady, metav1.ConditionTrue, ossv1.ReasonReady)
		Expect(own.Status.Session.RoleArn).To(Equal(osstest.RoleARN(accountA, operatorRole)))
	})

	It("assume a role with an issued AccessKey's credentials", func() {
		ns := newNamespace()
		createSecret(ns, "admin", map[string]string{"accessKeyId": keyA1, "accessKeySecret": secretA1})
		admin := createAccessKey(ns, "admin", "admin")
		expectCondition(admin, ossv1.ConditionReady, metav1.ConditionTrue, ossv1.ReasonReady)
		granted := unique("chain-src")
		gb := createBucket(ns, granted, func(b *ossv1.Bucket) { b.Spec.AccessKeyRef.Name = "admin" })
		expectCondition(gb, ossv1.ConditionReady, metav1.ConditionTrue, ossv1.ReasonReady)
		issued := issuedAccessKey(ns, "issued", "issued-oss", []ossv1.Grant{{BucketRef: ossv1.LocalBucketReference{Name: granted}, Access: ossv1.AccessReadOnly}})
		expectCondition(issued, ossv1.ConditionReady, metav1.ConditionTrue, ossv1.ReasonReady)
		// The platform team lets the issued user assume roles (AliyunSTSAssumeRoleAccess in RAM).
		admin2 := ramAdmin()
		policy := unique("assume")
		_, err := admin2.CreatePolicy(context.Background(), policy, `{"Version":"1","Statement":[{"Effect":"Allow","Action":["sts:AssumeRole"],"Resource":["*"]}]}`, "test")
		Expect(err).NotTo(HaveOccurred())
		Expect(admin2.AttachPolicyToUser(context.Background(), ram.PolicyTypeCustom, policy, issued.Status.Issued.UserName)).To(Succeed())

		prefix := unique("chained")
		role := emu.AddRole(accountA, osstest.Role{Name: unique("chained"), TrustedPrincipals: []string{accountA}, Policies: []string{bucketsPolicy(prefix)}})
		chained := createAccessKey(ns, "chained", "", func(a *ossv1.AccessKey) {
			a.Spec.SecretRef = ossv1.SecretReference{}
			a.Spec.AssumeRole = &ossv1.AssumeRoleSpec{SourceRef: ossv1.AccessKeyReference{Name: "issued"}, RoleArn: role}
		})
		expectCondition(chained, ossv1.ConditionReady, metav1.ConditionTrue, ossv1.ReasonReady)
		Expect(chained.Status.Session.AssumedRoleArn).To(ContainSubstring(":assumed-role/"))
		b := createBucket(ns, prefix+"-b", func(b *ossv1.Bucket) { b.Spec.AccessKeyRef.Name = "chained" })
		expectCondition(b, ossv1.ConditionReady, metav1.ConditionTrue, ossv1.ReasonReady)
	})
})
