package controllers_test

import (
	"fmt"
	"io"
	"net"
	"net/http"
	"net/http/httptest"
	"net/http/httputil"
	"net/url"
	"slices"
	"strings"
	"sync/atomic"
	"time"

	. "github.com/onsi/ginkgo/v2"
	. "github.com/onsi/gomega"
	coordinationv1 "k8s.io/api/coordination/v1"
	corev1 "k8s.io/api/core/v1"
	rbacv1 "k8s.io/api/rbac/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/client-go/rest"
	"k8s.io/utils/ptr"
	"sigs.k8s.io/controller-runtime/pkg/client"

	ossv1 "github.com/ossoperator/oss-operator/api/v1alpha1"
	"github.com/ossoperator/oss-operator/ossapi"
	"github.com/ossoperator/oss-operator/ossapi/osstest"
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

// OSS has no conditional create: two Buckets naming one OSS bucket, created at once with one account,
// would both succeed. The claim on the name makes one of them the bucket's, every time.
// A tenant's endpoint that proxies OSS and lies about another tenant's bucket (here: says it is
// untagged, so that an adopting, deleting Bucket would take it and delete it) is never used.
var _ = Describe("A tenant's own endpoint", func() {
	It("never gets a request, and another namespace's bucket is neither re-tagged nor deleted", func() {
		victimNS, tenantNS := newNamespace(), newNamespace()
		acct = newAccountAccessKey(victimNS)
		name := unique("victim")
		victim := createBucket(victimNS, name, func(b *ossv1.Bucket) {
			b.Spec.Tags = map[string]string{"team": "victim"}
			b.Spec.DeletionPolicy = ossv1.DeletionDelete
		})
		expectCondition(victim, ossv1.ConditionReady, metav1.ConditionTrue, ossv1.ReasonReady)
		want := map[string]string{"team": "victim", ossv1.OwnershipTagKey: ownerTag(victimNS, name)}

		target, err := url.Parse(emu.URL)
		Expect(err).NotTo(HaveOccurred())
		var requests atomic.Int32
		lying := httputil.NewSingleHostReverseProxy(target)
		lying.ModifyResponse = func(r *http.Response) error {
			if _, ok := r.Request.URL.Query()["tagging"]; ok && r.Request.Method == http.MethodGet {
				body := `<?xml version="1.0" encoding="UTF-8"?><Tagging><TagSet></TagSet></Tagging>`
				r.Body, r.ContentLength = io.NopCloser(strings.NewReader(body)), int64(len(body))
				r.Header.Set("Content-Length", fmt.Sprint(len(body)))
			}
			return nil
		}
		proxy := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			requests.Add(1)
			lying.ServeHTTP(w, r)
		}))
		defer proxy.Close()
		_, port, _ := net.SplitHostPort(strings.TrimPrefix(proxy.URL, "http://"))

		// The tenant's AccessKey holds the account's key, like the one a platform team shares, and names
		// its proxy, on a host the operator does not allow.
		createSecret(tenantNS, "creds", map[string]string{"accessKeyId": acct.key, "accessKeySecret": acct.secret})
		ak := createAccessKey(tenantNS, "creds", "creds", func(a *ossv1.AccessKey) { a.Spec.Endpoint = "http://localhost:" + port })
		grab := createBucket(tenantNS, "grab", func(b *ossv1.Bucket) {
			b.Spec.Name = name
			b.Spec.Adopt = true
			b.Spec.DeletionPolicy = ossv1.DeletionDelete
			b.Spec.Tags = map[string]string{"team": "tenant"}
		})
		expectCondition(ak, ossv1.ConditionStalled, metav1.ConditionTrue, ossv1.ReasonEndpointNotAllowed)
		expectCondition(grab, ossv1.ConditionReady, metav1.ConditionFalse, ossv1.ReasonAccessKeyNotReady)
		Expect(k8s.Delete(ctx, grab)).To(Succeed())
		expectGone(grab)

		Expect(requests.Load()).To(BeZero(), "the tenant's endpoint got a request")
		got, ok := bucketState(name)
		Expect(ok).To(BeTrue(), "the other namespace's bucket was deleted")
		Expect(got.Tags).To(Equal(want))
		refresh(victim)
		expectCondition(victim, ossv1.ConditionReady, metav1.ConditionTrue, ossv1.ReasonReady)
	})
})

var _ = Describe("One OSS bucket, one Bucket", func() {
	It("gives the bucket to one of two Buckets created at once, and nothing of the other reaches OSS, 20 times out of 20", func() {
		nsA, nsB := newNamespace(), newNamespace()
		acct = newAccountAccessKey(nsA)
		acct.accessKeyIn(nsB)
		for trial := range 20 {
			name := unique("contested")
			mine := newBucket(nsA, "mine", func(b *ossv1.Bucket) {
				b.Name = fmt.Sprintf("mine-%d", trial)
				b.Spec.Name = name
				b.Spec.Tags = map[string]string{"team": "a"}
			})
			theirs := newBucket(nsB, "theirs", func(b *ossv1.Bucket) {
				b.Name = fmt.Sprintf("theirs-%d", trial)
				b.Spec.Name = name
				b.Spec.Tags = map[string]string{"team": "b"}
				// What the loser declares must never reach the bucket: an expire-everything rule.
				b.Spec.Lifecycle = &ossv1.Lifecycle{Rules: []ossv1.LifecycleRule{{ID: "expire-all", Expiration: &ossv1.LifecycleExpiration{Days: ptr.To[int32](1)}}}}
			})
			Expect(k8s.Create(ctx, mine)).To(Succeed())
			Expect(k8s.Create(ctx, theirs)).To(Succeed())

			var winner, loser *ossv1.Bucket
			Eventually(func(g Gomega) {
				for _, b := range []*ossv1.Bucket{mine, theirs} {
					g.Expect(k8s.Get(ctx, client.ObjectKeyFromObject(b), b)).To(Succeed())
				}
				// The loser is refused by the claim, or, when it looked after the winner had tagged the
				// bucket, by the tag.
				switch {
				case isReady(mine) && refused(theirs):
					winner, loser = mine, theirs
				case isReady(theirs) && refused(mine):
					winner, loser = theirs, mine
				}
				g.Expect(winner).NotTo(BeNil(), "trial %d: mine %v, theirs %v", trial, conditionsOf(mine), conditionsOf(theirs))
			}).Should(Succeed())
			Expect(readyMessage(loser)).NotTo(ContainSubstring(winner.Namespace), "the message names another tenant's namespace")
			Expect(emu.SucceededOn(name, ossapi.OpPutBucket)).To(Equal(1), "trial %d", trial)
			got, _ := bucketState(name)
			Expect(got.Tags).To(HaveKeyWithValue("team", winner.Spec.Tags["team"]), "trial %d", trial)
			Expect(got.Tags).To(HaveKeyWithValue(ossv1.OwnershipTagKey, ownerTag(winner.Namespace, winner.Name)))
			if winner == mine {
				Expect(got.Lifecycle).To(BeNil(), "trial %d: the loser's lifecycle reached the winner's bucket", trial)
			}
		}
		expectNoClaims(nsA, nsB)
	})

	It("lets a claim left by a Bucket deleted in the middle of its creation go to the next one", func() {
		ns := newNamespace()
		acct = newAccountAccessKey(ns)
		name := unique("handover")
		// The first one's creation never finishes: its PutBucket is refused for a while.
		remove := emu.InjectFault(osstest.Fault{Operation: ossapi.OpPutBucket, AccountID: acct.id, Status: 503, Code: "TotalQpsLimitExceeded"})
		first := createBucket(ns, "first", func(b *ossv1.Bucket) { b.Spec.Name = name })
		expectCondition(first, ossv1.ConditionReconciling, metav1.ConditionTrue, ossv1.ReasonOSSUnavailable)
		second := createBucket(ns, "second", func(b *ossv1.Bucket) { b.Spec.Name = name })
		expectCondition(second, ossv1.ConditionStalled, metav1.ConditionTrue, ossv1.ReasonBucketNameClaimed)
		Expect(readyMessage(second)).To(ContainSubstring(`Bucket "first" of this namespace`))
		Expect(k8s.Delete(ctx, first)).To(Succeed())
		expectGone(first)
		remove()
		refresh(second)
		expectCondition(second, ossv1.ConditionReady, metav1.ConditionTrue, ossv1.ReasonReady)
		expectNoClaims(ns)
	})
})

func isReady(b *ossv1.Bucket) bool {
	c := conditionOf(b, ossv1.ConditionReady)
	return c != nil && c.Status == metav1.ConditionTrue
}

func refused(b *ossv1.Bucket) bool {
	c := conditionOf(b, ossv1.ConditionStalled)
	return c != nil && (c.Reason == ossv1.ReasonBucketNameClaimed || c.Reason == ossv1.ReasonOwnedByAnother)
}

// expectNoClaims: a claim on a bucket name, by a Bucket of these namespaces, lasts until the bucket is
// tagged (or the Bucket gone), not longer.
func expectNoClaims(namespaces ...string) {
	GinkgoHelper()
	Eventually(func() []string {
		leases := &coordinationv1.LeaseList{}
		Expect(k8s.List(ctx, leases, client.InNamespace("default"))).To(Succeed())
		var names []string
		for _, l := range leases.Items {
			ns, _, _ := strings.Cut(l.Annotations["oss.ossoperator.io/holder"], "/")
			if strings.HasPrefix(l.Name, "oss-bucket-") && slices.Contains(namespaces, ns) {
				names = append(names, l.Name+" held for "+l.Annotations["oss.ossoperator.io/holder"])
			}
		}
		return names
	}).Should(BeEmpty())
}
