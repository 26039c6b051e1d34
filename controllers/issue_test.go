package controllers_test

import (
	"bytes"
	"context"
	"errors"
	"io"
	"strings"
	"sync"
	"time"

	. "github.com/onsi/ginkgo/v2"
	. "github.com/onsi/gomega"

	"github.com/aliyun/alibabacloud-oss-go-sdk-v2/oss"
	"github.com/aliyun/alibabacloud-oss-go-sdk-v2/oss/credentials"
	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"sigs.k8s.io/controller-runtime/pkg/client"

	ossv1 "github.com/ossoperator/oss-operator/api/v1alpha1"
	"github.com/ossoperator/oss-operator/controllers"
	"github.com/ossoperator/oss-operator/ossapi"
	"github.com/ossoperator/oss-operator/ossapi/ram"
)

// issuedSecrets are the secrets of every key the operator issued in the suite: the final search for
// leaks looks for them too.
var issuedSecrets struct {
	sync.Mutex
	values []string
}

// appEnv is what an application gets through envFrom: the issued Secret's data. Its secret is
// remembered for the leak search.
func appEnv(ns, name string) map[string]string {
	GinkgoHelper()
	s := &corev1.Secret{}
	Expect(k8s.Get(ctx, client.ObjectKey{Namespace: ns, Name: name}, s)).To(Succeed())
	env := map[string]string{}
	for k, v := range s.Data {
		env[k] = string(v)
	}
	issuedSecrets.Lock()
	issuedSecrets.values = append(issuedSecrets.values, env["accessKeySecret"])
	issuedSecrets.Unlock()
	return env
}

// app is an application using the official SDK v2, configured from the issued Secret alone.
type app struct {
	c      *oss.Client
	bucket string
	keyID  string
}

func newApp(env map[string]string) app {
	cfg := oss.LoadDefaultConfig().
		WithCredentialsProvider(credentials.NewStaticCredentialsProvider(env["OSS_ACCESS_KEY_ID"], env["OSS_ACCESS_KEY_SECRET"])).
		WithRegion(env["OSS_REGION"]).
		WithEndpoint(env["OSS_ENDPOINT"]).
		WithRetryMaxAttempts(1)
	return app{c: oss.NewClient(cfg), bucket: env["OSS_BUCKET"], keyID: env["OSS_ACCESS_KEY_ID"]}
}

func (a app) put(bucket, key, body string) error {
	_, err := a.c.PutObject(ctx, &oss.PutObjectRequest{Bucket: oss.Ptr(bucket), Key: oss.Ptr(key), Body: strings.NewReader(body)})
	return err
}

func (a app) get(bucket, key string) (string, error) {
	out, err := a.c.GetObject(ctx, &oss.GetObjectRequest{Bucket: oss.Ptr(bucket), Key: oss.Ptr(key)})
	if err != nil {
		return "", err
	}
	defer out.Body.Close()
	b, err := io.ReadAll(out.Body)
	return string(b), err
}

func (a app) list(bucket, prefix string) error {
	req := &oss.ListObjectsV2Request{Bucket: oss.Ptr(bucket)}
	if prefix != "" {
		req.Prefix = oss.Ptr(prefix)
	}
	_, err := a.c.ListObjectsV2(ctx, req)
	return err
}

// multipart uploads three parts, the SDK's way.
func (a app) multipart(bucket, key string, parts ...[]byte) error {
	init, err := a.c.InitiateMultipartUpload(ctx, &oss.InitiateMultipartUploadRequest{Bucket: oss.Ptr(bucket), Key: oss.Ptr(key)})
	if err != nil {
		return err
	}
	var done []oss.UploadPart
	for i, p := range parts {
		out, err := a.c.UploadPart(ctx, &oss.UploadPartRequest{Bucket: oss.Ptr(bucket), Key: oss.Ptr(key), UploadId: init.UploadId,
			PartNumber: int32(i + 1), Body: bytes.NewReader(p)})
		if err != nil {
			return err
		}
		done = append(done, oss.UploadPart{PartNumber: int32(i + 1), ETag: out.ETag})
	}
	_, err = a.c.CompleteMultipartUpload(ctx, &oss.CompleteMultipartUploadRequest{Bucket: oss.Ptr(bucket), Key: oss.Ptr(key), UploadId: init.UploadId,
		CompleteMultipartUpload: &oss.CompleteMultipartUpload{Parts: done}})
	return err
}

// ossCode is the OSS error code of an SDK error, "" for none.
func ossCode(err error) string {
	var se *oss.ServiceError
	if errors.As(err, &se) {
		return se.Code
	}
	if err != nil {
		return err.Error()
	}
	return ""
}

// issuedAccessKey creates an AccessKey issuing a key with the grants, from the issuer "admin".
func issuedAccessKey(ns, name, secret string, grants []ossv1.Grant, mutate ...func(*ossv1.AccessKey)) *ossv1.AccessKey {
	GinkgoHelper()
	return createAccessKey(ns, name, secret, append([]func(*ossv1.AccessKey){func(ak *ossv1.AccessKey) {
		ak.Spec.Issue = &ossv1.IssueSpec{IssuerRef: ossv1.AccessKeyReference{Name: "admin"}, Grants: grants}
	}}, mutate...)...)
}

// ramAdmin is a RAM client with account A's own key, for looking at and tampering with RAM out of band.
func ramAdmin() *ram.Client {
	GinkgoHelper()
	c, err := ram.New(ram.Config{Endpoint: emu.RAMURL, Credentials: ossapi.StaticCredentials{AccessKeyID: keyA1, AccessKeySecret: secretA1}})
	Expect(err).NotTo(HaveOccurred())
	return c
}

var _ = Describe("An issued AccessKey", func() {
	var ns, gallery, other string

	BeforeEach(func() {
		ns = newNamespace()
		createSecret(ns, "admin", map[string]string{"accessKeyId": keyA1, "accessKeySecret": secretA1})
		admin := createAccessKey(ns, "admin", "admin")
		expectCondition(admin, ossv1.ConditionReady, metav1.ConditionTrue, ossv1.ReasonReady)
		gallery, other = unique("gallery"), unique("other")
		for _, name := range []string{gallery, other} {
			b := createBucket(ns, name, func(b *ossv1.Bucket) { b.Spec.AccessKeyRef.Name = "admin" })
			expectCondition(b, ossv1.ConditionReady, metav1.ConditionTrue, ossv1.ReasonReady)
		}
	})

	It("gives an application exactly its grants, through envFrom alone", func() {
		ak := issuedAccessKey(ns, "gallery-app", "gallery-app-oss", []ossv1.Grant{{BucketRef: ossv1.LocalBucketReference{Name: gallery}, Access: ossv1.AccessReadWrite, Prefix: "uploads/"}})
		expectCondition(ak, ossv1.ConditionReady, metav1.ConditionTrue, ossv1.ReasonReady)
		expectEvent(ak, ossv1.EventIssued)
		Expect(ak.Status.Issued).NotTo(BeNil())
		Expect(ak.Status.Issued.CurrentKey).NotTo(BeNil())
		Expect(ak.Status.AccessKeyID).To(Equal(ak.Status.Issued.CurrentKey.AccessKeyID))

		env := appEnv(ns, "gallery-app-oss")
		for _, k := range []string{"accessKeyId", "accessKeySecret", "OSS_ACCESS_KEY_ID", "OSS_ACCESS_KEY_SECRET", "ALIBABA_CLOUD_ACCESS_KEY_ID", "ALIBABA_CLOUD_ACCESS_KEY_SECRET", "OSS_REGION", "OSS_ENDPOINT", "OSS_BUCKET"} {
			Expect(env).To(HaveKeyWithValue(k, Not(BeEmpty())), "the Secret holds %s", k)
		}
		Expect(env["OSS_BUCKET"]).To(Equal(gallery))
		Expect(env["OSS_ACCESS_KEY_ID"]).To(Equal(ak.Status.Issued.CurrentKey.AccessKeyID))
		Expect(env["OSS_ACCESS_KEY_ID"]).NotTo(Equal(keyA1), "the application does not get the issuer's key")

		s := &corev1.Secret{}
		Expect(k8s.Get(ctx, client.ObjectKey{Namespace: ns, Name: "gallery-app-oss"}, s)).To(Succeed())
		Expect(s.OwnerReferences).To(ContainElement(HaveField("UID", ak.UID)), "the AccessKey owns the Secret")

		a := newApp(env)
		Expect(a.put(a.bucket, "uploads/a.txt", "hello")).To(Succeed())
		Expect(a.get(a.bucket, "uploads/a.txt")).To(Equal("hello"))
		Expect(a.list(a.bucket, "uploads/")).To(Succeed())
		part := bytes.Repeat([]byte("p"), 100<<10)
		Expect(a.multipart(a.bucket, "uploads/big.bin", part, part, []byte("end"))).To(Succeed())
		Expect(a.get(a.bucket, "uploads/big.bin")).To(HaveLen(200<<10 + 3))

		Expect(ossCode(a.put(a.bucket, "elsewhere/a.txt", "x"))).To(Equal("AccessDenied"), "outside the prefix")
		Expect(ossCode(a.list(a.bucket, ""))).To(Equal("AccessDenied"), "listing outside the prefix")
		Expect(ossCode(a.put(other, "uploads/a.txt", "x"))).To(Equal("AccessDenied"), "a bucket not granted")
		_, err := a.c.DeleteBucket(ctx, &oss.DeleteBucketRequest{Bucket: oss.Ptr(gallery)})
		Expect(ossCode(err)).To(Equal("AccessDenied"), "the bucket itself is the Bucket resource's")

		By("changing the grants updates the policy in place: same key, same Secret")
		update(ak, func(ak *ossv1.AccessKey) {
			ak.Spec.Issue.Grants = append(ak.Spec.Issue.Grants, ossv1.Grant{BucketRef: ossv1.LocalBucketReference{Name: other}, Access: ossv1.AccessReadOnly})
		})
		expectEvent(ak, ossv1.EventPolicyUpdated)
		Eventually(func() string { _, err := a.get(other, "none"); return ossCode(err) }).Should(Equal("NoSuchKey"), "the new grant reads the other bucket")
		Expect(ossCode(a.put(other, "uploads/a.txt", "x"))).To(Equal("AccessDenied"), "read only")
		Expect(a.put(a.bucket, "uploads/still.txt", "same key")).To(Succeed())
		Expect(appEnv(ns, "gallery-app-oss")["OSS_ACCESS_KEY_ID"]).To(Equal(a.keyID))

		By("a ReadOnly grant reads and cannot write")
		ro := issuedAccessKey(ns, "gallery-reader", "gallery-reader-oss", []ossv1.Grant{{BucketRef: ossv1.LocalBucketReference{Name: gallery}, Access: ossv1.AccessReadOnly}})
		expectCondition(ro, ossv1.ConditionReady, metav1.ConditionTrue, ossv1.ReasonReady)
		r := newApp(appEnv(ns, "gallery-reader-oss"))
		Expect(r.get(gallery, "uploads/a.txt")).To(Equal("hello"))
		Expect(ossCode(r.put(gallery, "uploads/b.txt", "x"))).To(Equal("AccessDenied"))

		By("deleting the AccessKeys deletes their users, policies and keys, and nothing else")
		usersBefore := emu.RAMUsers(accountA)
		Expect(k8s.Delete(ctx, ak)).To(Succeed())
		Expect(k8s.Delete(ctx, ro)).To(Succeed())
		expectGone(ak)
		expectGone(ro)
		Expect(emu.RAMUsers(accountA)).To(HaveLen(len(usersBefore)-2), "the two RAM users are gone, and no other")
		Expect(emu.RAMUsers(accountA)).NotTo(ContainElements(ak.Status.Issued.UserName, ro.Status.Issued.UserName))
		Expect(emu.RAMPolicies(accountA)).NotTo(ContainElements(ak.Status.Issued.PolicyName, ro.Status.Issued.PolicyName))
		Expect(emu.RAMAccessKeys(accountA, ak.Status.Issued.UserName)).To(BeEmpty())
		Expect(ossCode(a.put(a.bucket, "uploads/c.txt", "x"))).To(Equal("InvalidAccessKeyId"), "the deleted key no longer works")
		Eventually(func() bool {
			err := k8s.Get(ctx, client.ObjectKey{Namespace: ns, Name: "gallery-app-oss"}, &corev1.Secret{})
			return client.IgnoreNotFound(err) == nil && err != nil
		}).Should(BeTrue(), "the Secret goes with its AccessKey (garbage collection)")
	})

	It("rotates with an overlap, and recovers a deleted Secret with a fresh key", func() {
		ak := issuedAccessKey(ns, "rotating", "rotating-oss", []ossv1.Grant{{BucketRef: ossv1.LocalBucketReference{Name: gallery}, Access: ossv1.AccessReadWrite}},
			func(ak *ossv1.AccessKey) {
				ak.Spec.Issue.Rotation = &ossv1.Rotation{Period: metav1.Duration{Duration: 720 * time.Hour}, Overlap: &metav1.Duration{Duration: 3 * time.Second}}
			})
		expectCondition(ak, ossv1.ConditionReady, metav1.ConditionTrue, ossv1.ReasonReady)
		Expect(ak.Status.Issued.NextRotation).NotTo(BeNil())
		Expect(ak.Status.Issued.NextRotation.Time).To(BeTemporally("~", ak.Status.Issued.CurrentKey.Created.Add(720*time.Hour), time.Second))
		old := newApp(appEnv(ns, "rotating-oss"))
		oldID := ak.Status.Issued.CurrentKey.AccessKeyID

		By("the rotate annotation rotates now; the old key works until the overlap ends")
		setAnnotation(ak, ossv1.AnnotationRotate, "1")
		Eventually(func(g Gomega) {
			g.Expect(k8s.Get(ctx, client.ObjectKeyFromObject(ak), ak)).To(Succeed())
			g.Expect(ak.Status.Issued.CurrentKey.AccessKeyID).NotTo(Equal(oldID))
			g.Expect(ak.Status.Issued.RetiringKey).NotTo(BeNil())
			g.Expect(ak.Status.Issued.RetiringKey.AccessKeyID).To(Equal(oldID))
		}).Should(Succeed())
		Expect(ak.Status.Issued.LastHandledRotate).To(Equal("1"))
		expectEvent(ak, ossv1.EventRotated)
		fresh := newApp(appEnv(ns, "rotating-oss"))
		Expect(fresh.put(gallery, "r.txt", "new key")).To(Succeed())
		Expect(old.put(gallery, "r.txt", "old key, in the overlap")).To(Succeed())
		Eventually(func() string { return ossCode(old.put(gallery, "r.txt", "old key, after")) }).WithTimeout(10*time.Second).
			Should(Equal("InvalidAccessKeyId"), "the old key stops working after the overlap")
		expectEvent(ak, ossv1.EventKeyDeactivated)
		expectEvent(ak, ossv1.EventKeyDeleted)
		Eventually(func() *ossv1.IssuedKey {
			Expect(k8s.Get(ctx, client.ObjectKeyFromObject(ak), ak)).To(Succeed())
			return ak.Status.Issued.RetiringKey
		}).Should(BeNil())
		Expect(fresh.put(gallery, "r.txt", "new key still")).To(Succeed())

		By("the Secret deleted: a working key is back within 10 s, and the lost one stops working")
		lost := fresh
		Expect(k8s.Delete(ctx, &corev1.Secret{ObjectMeta: metav1.ObjectMeta{Namespace: ns, Name: "rotating-oss"}})).To(Succeed())
		start := time.Now()
		var back app
		Eventually(func(g Gomega) {
			s := &corev1.Secret{}
			g.Expect(k8s.Get(ctx, client.ObjectKey{Namespace: ns, Name: "rotating-oss"}, s)).To(Succeed())
			back = newApp(appEnv(ns, "rotating-oss"))
			g.Expect(back.put(gallery, "back.txt", "recovered")).To(Succeed())
		}).WithTimeout(10 * time.Second).Should(Succeed())
		GinkgoWriter.Printf("recovered in %s\n", time.Since(start))
		expectEvent(ak, ossv1.EventRecovered)
		Eventually(func() string { return ossCode(lost.put(gallery, "r.txt", "lost key")) }).WithTimeout(10*time.Second).
			Should(Equal("InvalidAccessKeyId"), "the key that left the operator's control is deleted after the overlap")

		By("an edited Secret is a lost one too")
		update(&corev1.Secret{ObjectMeta: metav1.ObjectMeta{Namespace: ns, Name: "rotating-oss"}}, func(s *corev1.Secret) {
			s.Data["OSS_ENDPOINT"] = []byte("https://example.com")
		})
		Eventually(func(g Gomega) {
			env := appEnv(ns, "rotating-oss")
			g.Expect(env["OSS_ENDPOINT"]).To(Equal(emu.URL))
			g.Expect(env["OSS_ACCESS_KEY_ID"]).NotTo(Equal(back.keyID))
		}).Should(Succeed())
	})

	It("deletes a key that a crash left unheld, never overwrites a Secret it does not own, and waits for its issuer and grants", func() {
		ak := issuedAccessKey(ns, "crashy", "crashy-oss", []ossv1.Grant{{BucketRef: ossv1.LocalBucketReference{Name: gallery}, Access: ossv1.AccessReadOnly}})
		expectCondition(ak, ossv1.ConditionReady, metav1.ConditionTrue, ossv1.ReasonReady)
		user := ak.Status.Issued.UserName
		// What a crash between CreateAccessKey and the Secret's write leaves: a live key nobody holds.
		orphan, err := ramAdmin().CreateAccessKey(context.Background(), user)
		Expect(err).NotTo(HaveOccurred())
		refresh(ak)
		Eventually(func() []string {
			keys, err := ramAdmin().ListAccessKeys(context.Background(), user)
			Expect(err).NotTo(HaveOccurred())
			var ids []string
			for _, k := range keys {
				ids = append(ids, k.AccessKeyID)
			}
			return ids
		}).Should(And(HaveLen(1), Not(ContainElement(orphan.AccessKeyID))), "the unheld key is deleted")
		expectEventNote(ak, ossv1.EventKeyDeleted, orphan.AccessKeyID)

		By("a Secret of that name that someone else made")
		createSecret(ns, "taken", map[string]string{"note": "mine"})
		taken := issuedAccessKey(ns, "taken", "taken", []ossv1.Grant{{BucketRef: ossv1.LocalBucketReference{Name: gallery}, Access: ossv1.AccessReadOnly}})
		expectCondition(taken, ossv1.ConditionStalled, metav1.ConditionTrue, ossv1.ReasonSecretNotOwned)
		s := &corev1.Secret{}
		Expect(k8s.Get(ctx, client.ObjectKey{Namespace: ns, Name: "taken"}, s)).To(Succeed())
		Expect(s.Data).To(Equal(map[string][]byte{"note": []byte("mine")}), "the Secret is untouched")

		By("a grant of a Bucket that does not exist yet waits for it")
		later := unique("later")
		waiting := issuedAccessKey(ns, "waiting", "waiting-oss", []ossv1.Grant{{BucketRef: ossv1.LocalBucketReference{Name: later}, Access: ossv1.AccessReadOnly}})
		expectCondition(waiting, ossv1.ConditionReady, metav1.ConditionFalse, ossv1.ReasonGrantNotReady)
		b := createBucket(ns, later, func(b *ossv1.Bucket) { b.Spec.AccessKeyRef.Name = "admin" })
		expectCondition(b, ossv1.ConditionReady, metav1.ConditionTrue, ossv1.ReasonReady)
		expectCondition(waiting, ossv1.ConditionReady, metav1.ConditionTrue, ossv1.ReasonReady)

		By("a RAM user of its name that someone else made is never touched")
		mine := createAccessKey(ns, "not-mine", "not-mine-oss", func(ak *ossv1.AccessKey) {
			ak.Spec.Issue = &ossv1.IssueSpec{IssuerRef: ossv1.AccessKeyReference{Name: "late-admin"},
				Grants: []ossv1.Grant{{BucketRef: ossv1.LocalBucketReference{Name: gallery}, Access: ossv1.AccessReadOnly}}}
		})
		expectCondition(mine, ossv1.ConditionReady, metav1.ConditionFalse, ossv1.ReasonIssuerNotReady)
		userName, _ := controllers.IssuedNames(clusterID, mine)
		_, err = ramAdmin().CreateUser(context.Background(), ram.CreateUserInput{UserName: userName, Comments: "made by hand"})
		Expect(err).NotTo(HaveOccurred())
		createSecret(ns, "late-admin", map[string]string{"accessKeyId": keyA1, "accessKeySecret": secretA1})
		createAccessKey(ns, "late-admin", "late-admin")
		expectCondition(mine, ossv1.ConditionStalled, metav1.ConditionTrue, ossv1.ReasonRAMEntityNotOwned)
		Expect(k8s.Delete(ctx, mine)).To(Succeed())
		expectGone(mine)
		u, err := ramAdmin().GetUser(context.Background(), userName)
		Expect(err).NotTo(HaveOccurred(), "the user is still there")
		Expect(u.Comments).To(Equal("made by hand"))
		Expect(emu.RAMAccessKeys(accountA, userName)).To(BeEmpty())

		By("an issued AccessKey cannot issue")
		chained := createAccessKey(ns, "chained", "chained-oss", func(ak *ossv1.AccessKey) {
			ak.Spec.Issue = &ossv1.IssueSpec{IssuerRef: ossv1.AccessKeyReference{Name: "crashy"},
				Grants: []ossv1.Grant{{BucketRef: ossv1.LocalBucketReference{Name: gallery}, Access: ossv1.AccessReadOnly}}}
		})
		expectCondition(chained, ossv1.ConditionStalled, metav1.ConditionTrue, ossv1.ReasonIssuerNotUsable)

		By("a Bucket may use an issued key, with its grants' powers and no more")
		nb := createBucket(ns, unique("via-issued"), func(b *ossv1.Bucket) { b.Spec.AccessKeyRef.Name = "crashy" })
		Eventually(func(g Gomega) {
			g.Expect(k8s.Get(ctx, client.ObjectKeyFromObject(nb), nb)).To(Succeed())
			c := conditionOf(nb, ossv1.ConditionStalled)
			g.Expect(c).NotTo(BeNil())
			g.Expect(c.Status).To(Equal(metav1.ConditionTrue))
			g.Expect(c.Message).To(ContainSubstring("AccessDenied"), "OSS refused the issued key, not the issuer's")
		}).Should(Succeed())
		Expect(emu.BucketNames()).NotTo(ContainElement(nb.Name), "a ReadOnly key creates no bucket")
	})
})
