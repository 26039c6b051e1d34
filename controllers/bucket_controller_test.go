package controllers_test

import (
	"crypto/sha256"
	"encoding/hex"
	"strings"
	"time"

	. "github.com/onsi/ginkgo/v2"
	. "github.com/onsi/gomega"
	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/types"
	"k8s.io/utils/ptr"
	"sigs.k8s.io/controller-runtime/pkg/client"

	ossv1 "github.com/ossoperator/oss-operator/api/v1alpha1"
	"github.com/ossoperator/oss-operator/controllers"
	"github.com/ossoperator/oss-operator/ossapi"
	"github.com/ossoperator/oss-operator/ossapi/osstest"
)

// bucketState reads the emulated bucket.
func bucketState(name string) (osstest.BucketSnapshot, bool) { return emu.Bucket(name) }

// ownerTag is the ownership tag of Bucket ns/name, as docs/security.md describes it: a digest of the
// cluster ID, the namespace's UID and the Bucket's.
func ownerTag(ns, name string) string {
	GinkgoHelper()
	b, n := &ossv1.Bucket{}, &corev1.Namespace{}
	Expect(k8s.Get(ctx, types.NamespacedName{Namespace: ns, Name: name}, b)).To(Succeed())
	Expect(k8s.Get(ctx, types.NamespacedName{Name: ns}, n)).To(Succeed())
	sum := sha256.Sum256([]byte("oss-operator cluster " + clusterID))
	return hex.EncodeToString(sum[:8]) + "/" + string(n.UID) + "/" + string(b.UID)
}

// legacyOwnerTag is the ownership tag earlier versions wrote for Bucket ns/name.
func legacyOwnerTag(ns, name string) string { return clusterID + "/" + ns + "/" + name }

var _ = Describe("Bucket", func() {
	var ns string
	BeforeEach(func() {
		ns = newNamespace()
		acct = newAccountAccessKey(ns)
	})

	Describe("creation", func() {
		It("creates the bucket with its ACL, storage class and redundancy, tags it, and reports it", func() {
			name := unique("create")
			b := createBucket(ns, name, func(b *ossv1.Bucket) {
				b.Spec.StorageClass, b.Spec.RedundancyType, b.Spec.ACL = "IA", "ZRS", "private"
			})
			expectCondition(b, ossv1.ConditionReady, metav1.ConditionTrue, ossv1.ReasonReady)

			Expect(b.Finalizers).To(ContainElement(controllers.Finalizer))
			Expect(b.Status.ObservedGeneration).To(Equal(b.Generation))
			Expect(b.Status.BucketName).To(Equal(name))
			Expect(b.Status.Region).To(Equal("cn-hangzhou"))
			Expect(b.Status.Location).To(Equal("oss-cn-hangzhou"))
			// The AccessKey names the emulator: that is where the bucket is reached, path-style.
			Expect(b.Status.ExtranetEndpoint).To(Equal(emu.URL))
			Expect(b.Status.IntranetEndpoint).To(Equal(emu.URL))
			Expect(b.Status.URL).To(Equal(emu.URL + "/" + name))
			Expect(b.Status.CreationTime).NotTo(BeNil())
			Expect(b.Status.Conditions).NotTo(ContainElement(HaveField("Type", ossv1.ConditionReconciling)))
			Expect(b.Status.Conditions).NotTo(ContainElement(HaveField("Type", ossv1.ConditionStalled)))

			got, ok := bucketState(name)
			Expect(ok).To(BeTrue())
			Expect(got.Owner).To(Equal(acct.id))
			Expect(got.StorageClass).To(Equal(ossapi.StorageIA))
			Expect(got.RedundancyType).To(Equal(ossapi.RedundancyZRS))
			Expect(got.ACL).To(Equal(ossapi.ACLPrivate))
			Expect(got.Tags).To(HaveKeyWithValue(ossv1.OwnershipTagKey, ownerTag(ns, name)))
			expectEvent(b, "Created")
		})

		It("names the bucket after spec.name when set", func() {
			name := unique("named")
			b := createBucket(ns, "k8s-object-name", func(b *ossv1.Bucket) { b.Spec.Name = name })
			expectCondition(b, ossv1.ConditionReady, metav1.ConditionTrue, ossv1.ReasonReady)
			Expect(b.Status.BucketName).To(Equal(name))
			_, ok := bucketState(name)
			Expect(ok).To(BeTrue())
		})

		It("names the fix when OSS refuses a public policy while Block Public Access is on", func() {
			name := unique("public")
			b := createBucket(ns, name, func(b *ossv1.Bucket) {
				b.Spec.Policy = ptr.To(strings.ReplaceAll(publicPolicy, "BUCKET", name))
				b.Spec.Versioning = "Enabled"
			})
			expectCondition(b, ossv1.ConditionStalled, metav1.ConditionTrue, ossv1.ReasonOSSRejected)
			Expect(readyMessage(b)).To(And(ContainSubstring("AccessDenied"), ContainSubstring("spec.policy"), ContainSubstring("spec.publicAccessBlock: false")))
			got, _ := bucketState(name)
			Expect(got.Policy).To(BeEmpty())
			Expect(got.Versioning).To(Equal("Enabled"), "the other settings converge")

			update(b, func(b *ossv1.Bucket) { b.Spec.PublicAccessBlock = ptr.To(false) })
			expectCondition(b, ossv1.ConditionReady, metav1.ConditionTrue, ossv1.ReasonReady)
			got, _ = bucketState(name)
			Expect(got.Policy).To(ContainSubstring("oss:GetObject"))
		})

		It("waits for its AccessKey and proceeds as soon as it is Ready", func() {
			name := unique("waits")
			b := createBucket(ns, name, func(b *ossv1.Bucket) { b.Spec.AccessKeyRef.Name = "later" })
			expectCondition(b, ossv1.ConditionReconciling, metav1.ConditionTrue, ossv1.ReasonAccessKeyNotFound)
			ak := createAccessKey(ns, "later", "later-secret")
			expectCondition(b, ossv1.ConditionReconciling, metav1.ConditionTrue, ossv1.ReasonAccessKeyNotReady)
			Eventually(func() string {
				Expect(k8s.Get(ctx, client.ObjectKeyFromObject(b), b)).To(Succeed())
				return readyMessage(b)
			}).Should(ContainSubstring(ossv1.ReasonSecretNotFound), "the Bucket says why its AccessKey is not Ready")
			createSecret(ns, "later-secret", map[string]string{"accessKeyId": keyA1, "accessKeySecret": secretA1})
			expectCondition(ak, ossv1.ConditionReady, metav1.ConditionTrue, ossv1.ReasonReady)
			expectCondition(b, ossv1.ConditionReady, metav1.ConditionTrue, ossv1.ReasonReady)
		})

		It("retries transient OSS failures and then becomes Ready", func() {
			name := unique("flaky")
			remove := emu.InjectFault(osstest.Fault{Operation: ossapi.OpGetBucketInfo, Status: 503, Code: "TotalQpsLimitExceeded", Message: "slow down", Count: 6})
			defer remove()
			b := createBucket(ns, name)
			expectCondition(b, ossv1.ConditionReady, metav1.ConditionTrue, ossv1.ReasonReady)
			expectEvent(b, ossv1.ReasonOSSUnavailable)
		})

		It("keeps a bucket it created as its own when the ownership tag write fails at first", func() {
			name := unique("tagfails")
			remove := emu.InjectFault(osstest.Fault{Operation: ossapi.OpPutBucketTags, AccountID: acct.id, Status: 503, Code: "TotalQpsLimitExceeded", Count: 3})
			defer remove()
			b := createBucket(ns, name, func(b *ossv1.Bucket) { b.Spec.DeletionPolicy = ossv1.DeletionDelete })
			expectCondition(b, ossv1.ConditionReady, metav1.ConditionTrue, ossv1.ReasonReady)
			Expect(b.Status.CreatedBucket).To(Equal(name))
			Expect(acct.calls()[ossapi.OpPutBucket]).To(Equal(1))
			got, _ := bucketState(name)
			Expect(got.Tags).To(HaveKeyWithValue(ossv1.OwnershipTagKey, ownerTag(ns, name)))
			Expect(k8s.Delete(ctx, b)).To(Succeed())
			expectGone(b)
			_, ok := bucketState(name)
			Expect(ok).To(BeFalse(), "the bucket it created was deleted, not orphaned")
		})

		It("finishes a bucket it created when reading it back fails at first", func() {
			name := unique("readback")
			// The first GetBucketInfo (no such bucket) passes; the read-back after PutBucket, sent with
			// the tag write and the settings, fails with every retry, and so does the next look.
			remove := emu.InjectFault(osstest.Fault{Operation: ossapi.OpGetBucketInfo, AccountID: acct.id, Status: 503, Code: "TotalQpsLimitExceeded", Skip: 1, Count: 6})
			defer remove()
			b := createBucket(ns, name, func(b *ossv1.Bucket) {
				b.Spec.Versioning = "Enabled"
				b.Spec.Encryption = &ossv1.Encryption{Algorithm: "AES256"}
			})
			expectCondition(b, ossv1.ConditionReady, metav1.ConditionTrue, ossv1.ReasonReady)
			expectEvent(b, ossv1.ReasonOSSUnavailable)
			Expect(acct.calls()[ossapi.OpPutBucket]).To(Equal(1))
			Expect(b.Status.CreationTime).NotTo(BeNil())
			got, _ := bucketState(name)
			Expect(got.Tags).To(HaveKeyWithValue(ossv1.OwnershipTagKey, ownerTag(ns, name)))
			Expect(got.Versioning).To(Equal("Enabled"))
			Expect(got.Encryption).NotTo(BeNil())
		})

		It("leaves the ACL of a bucket made in the same account while its PutBucket was on the way", func() {
			// OSS has no conditional create: PutBucket on a bucket the account owns succeeds and
			// changes what it carries. The operator's carries no ACL, so a public-read bucket made by
			// someone else between GetBucketInfo and PutBucket keeps its ACL.
			name := unique("race")
			remove := emu.InjectFault(osstest.Fault{Operation: ossapi.OpPutBucket, AccountID: acct.id, Delay: 3 * time.Second})
			defer remove()
			b := createBucket(ns, name)
			expectCondition(b, ossv1.ConditionReconciling, metav1.ConditionTrue, ossv1.ReasonCreating)
			Expect(emu.CreateBucket(acct.id, name, "")).To(Succeed())
			Expect(acct.oss.PutBucketPublicAccessBlock(ctx, name, &ossapi.PublicAccessBlockConfiguration{BlockPublicAccess: false})).To(Succeed())
			Expect(acct.oss.PutBucketAcl(ctx, name, ossapi.ACLPublicRead)).To(Succeed())
			expectCondition(b, ossv1.ConditionReady, metav1.ConditionTrue, ossv1.ReasonReady)
			Expect(emu.SucceededOn(name, ossapi.OpPutBucket)).To(Equal(1), "the operator's PutBucket")
			got, _ := bucketState(name)
			Expect(got.ACL).To(Equal(ossapi.ACLPublicRead))
		})

		It("reports a name taken by another account, without a hot loop", func() {
			// An account of its own, so that its calls are this test's alone.
			account, key, secret := unique("acct"), unique("LTAI-c"), "secret-of-c-"+unique("s")
			emu.AddAccount(osstest.Account{ID: account, Keys: []osstest.Key{{AccessKeyID: key, AccessKeySecret: secret}}})
			own := newNamespace()
			createSecret(own, "creds", map[string]string{"accessKeyId": key, "accessKeySecret": secret})
			ak := createAccessKey(own, "creds", "creds")
			expectCondition(ak, ossv1.ConditionReady, metav1.ConditionTrue, ossv1.ReasonReady)

			name := unique("taken")
			Expect(emu.CreateBucket(accountB, name, "cn-hangzhou")).To(Succeed())
			b := createBucket(own, name)
			expectCondition(b, ossv1.ConditionStalled, metav1.ConditionTrue, ossv1.ReasonBucketNameUnavailable)
			expectEvent(b, ossv1.ReasonBucketNameUnavailable)
			// Stalled means no hot loop: nothing is retried until the resync or a change.
			calls := emu.CallsBy(account, ossapi.OpGetBucketInfo)
			Consistently(func() int { return emu.CallsBy(account, ossapi.OpGetBucketInfo) }).WithTimeout(time.Second).Should(Equal(calls))
		})

		It("refuses a bucket of another storage class than declared", func() {
			name := unique("classy")
			Expect(acct.oss.PutBucket(ctx, &ossapi.PutBucketRequest{Bucket: name, StorageClass: ossapi.StorageArchive})).To(Succeed())
			b := createBucket(ns, name, func(b *ossv1.Bucket) { b.Spec.StorageClass = "Standard"; b.Spec.Adopt = true })
			expectCondition(b, ossv1.ConditionStalled, metav1.ConditionTrue, ossv1.ReasonImmutableFieldMismatch)
			Expect(readyMessage(b)).To(ContainSubstring("Archive"))
		})

		It("refuses a bucket in another region", func() {
			name := unique("faraway")
			Expect(emu.CreateBucket(acct.id, name, "cn-beijing")).To(Succeed())
			b := createBucket(ns, name, func(b *ossv1.Bucket) { b.Spec.Adopt = true })
			expectCondition(b, ossv1.ConditionStalled, metav1.ConditionTrue, ossv1.ReasonImmutableFieldMismatch)
			Expect(readyMessage(b)).To(ContainSubstring("cn-beijing"))
		})
	})

	Describe("adoption", func() {
		It("requires spec.adopt for an existing bucket, then adopts it without changing its settings", func() {
			name := unique("adopt")
			Expect(acct.oss.PutBucket(ctx, &ossapi.PutBucketRequest{Bucket: name})).To(Succeed())
			Expect(acct.oss.PutBucketTags(ctx, name, &ossapi.Tagging{Tags: []ossapi.Tag{{Key: "team", Value: "data"}}})).To(Succeed())
			Expect(acct.oss.PutBucketPublicAccessBlock(ctx, name, &ossapi.PublicAccessBlockConfiguration{BlockPublicAccess: false})).To(Succeed())
			Expect(acct.oss.PutBucketAcl(ctx, name, ossapi.ACLPublicRead)).To(Succeed())
			emu.ResetCounters()

			b := createBucket(ns, name)
			expectCondition(b, ossv1.ConditionStalled, metav1.ConditionTrue, ossv1.ReasonAdoptionRequired)
			Expect(readyMessage(b)).To(ContainSubstring("spec.adopt"))
			Expect(acct.calls()[ossapi.OpPutBucketTags] + acct.calls()[ossapi.OpPutBucketAcl] + acct.calls()[ossapi.OpPutBucket]).To(BeZero())

			update(b, func(b *ossv1.Bucket) { b.Spec.Adopt = true })
			expectCondition(b, ossv1.ConditionReady, metav1.ConditionTrue, ossv1.ReasonReady)
			expectEvent(b, "Adopted")
			got, _ := bucketState(name)
			Expect(got.Tags).To(Equal(map[string]string{"team": "data", ossv1.OwnershipTagKey: ownerTag(ns, name)}))
			Expect(got.ACL).To(Equal(ossapi.ACLPublicRead), "an undeclared ACL is left as it is")
			Expect(acct.calls()[ossapi.OpPutBucketAcl] + acct.calls()[ossapi.OpPutBucket]).To(BeZero())
		})

		It("never touches a bucket managed by another resource", func() {
			name := unique("owned")
			Expect(acct.oss.PutBucket(ctx, &ossapi.PutBucketRequest{Bucket: name})).To(Succeed())
			other := "another-cluster/elsewhere/" + name
			Expect(acct.oss.PutBucketTags(ctx, name, &ossapi.Tagging{Tags: []ossapi.Tag{{Key: ossv1.OwnershipTagKey, Value: other}}})).To(Succeed())
			emu.ResetCounters()
			b := createBucket(ns, name, func(b *ossv1.Bucket) {
				b.Spec.Adopt = true
				b.Spec.ACL = "private"
				b.Spec.DeletionPolicy = ossv1.DeletionDelete
			})
			expectCondition(b, ossv1.ConditionStalled, metav1.ConditionTrue, ossv1.ReasonOwnedByAnother)
			Expect(readyMessage(b)).To(ContainSubstring("another resource, of another namespace or cluster"))
			Expect(readyMessage(b)).NotTo(ContainSubstring("elsewhere"), "the message names another tenant's namespace")
			// Deleting it leaves the other resource's bucket alone.
			Expect(k8s.Delete(ctx, b)).To(Succeed())
			expectGone(b)
			_, ok := bucketState(name)
			Expect(ok).To(BeTrue())
			for op, n := range acct.calls() {
				if strings.HasPrefix(op, "Put") || strings.HasPrefix(op, "Delete") {
					Expect(n).To(BeZero(), "%s was called", op)
				}
			}
		})
	})

	Describe("deletion", func() {
		It("leaves the bucket with deletionPolicy Retain", func() {
			name := unique("retain")
			b := createBucket(ns, name)
			expectCondition(b, ossv1.ConditionReady, metav1.ConditionTrue, ossv1.ReasonReady)
			Expect(k8s.Delete(ctx, b)).To(Succeed())
			expectGone(b)
			_, ok := bucketState(name)
			Expect(ok).To(BeTrue())
		})

		It("deletes an empty bucket with deletionPolicy Delete", func() {
			name := unique("delete")
			b := createBucket(ns, name, func(b *ossv1.Bucket) { b.Spec.DeletionPolicy = ossv1.DeletionDelete })
			expectCondition(b, ossv1.ConditionReady, metav1.ConditionTrue, ossv1.ReasonReady)
			Expect(k8s.Delete(ctx, b)).To(Succeed())
			expectGone(b)
			_, ok := bucketState(name)
			Expect(ok).To(BeFalse())
		})

		DescribeTable("never empties a bucket: it blocks deletion, shows it, and says what is left and how to empty it",
			func(fill func(name string), left, how, after string) {
				name := unique("full")
				b := createBucket(ns, name, func(b *ossv1.Bucket) { b.Spec.DeletionPolicy = ossv1.DeletionDelete })
				expectCondition(b, ossv1.ConditionReady, metav1.ConditionTrue, ossv1.ReasonReady)
				fill(name)
				recordDeletes()
				Expect(k8s.Delete(ctx, b)).To(Succeed())
				expectCondition(b, ossv1.ConditionDeletionBlocked, metav1.ConditionTrue, ossv1.ReasonBucketNotEmpty)
				Expect(conditionOf(b, ossv1.ConditionDeletionBlocked).Message).To(And(ContainSubstring(left), ContainSubstring(how), ContainSubstring("deletionPolicy: Retain")))
				// kubectl get shows it: not Ready, for the generation being deleted.
				expectCondition(b, ossv1.ConditionReady, metav1.ConditionFalse, ossv1.ReasonDeletionBlocked)
				Expect(b.Status.ObservedGeneration).To(Equal(b.Generation))
				Expect(conditionOf(b, ossv1.ConditionReady).Message).To(ContainSubstring(left))
				Expect(b.Finalizers).To(ContainElement(controllers.Finalizer))
				expectEventNote(b, ossv1.ReasonBucketNotEmpty, left)
				Expect(acct.calls()[ossapi.OpDeleteObject]+acct.calls()[ossapi.OpDeleteMultipleObjects]+acct.calls()[ossapi.OpAbortMultipartUpload]).
					To(Equal(deletesBefore), "the operator deleted data")

				// What is left changes: said again.
				put(name, "more.txt")
				refresh(b)
				expectEventNote(b, ossv1.ReasonBucketNotEmpty, after)
				Eventually(func() int {
					n := 0
					for _, e := range eventsFor(b) {
						if e.Reason == ossv1.ReasonBucketNotEmpty {
							n++
						}
					}
					return n
				}).Should(BeNumerically(">=", 2), "an Event for each change of what is left")

				// Once the user empties it, a refresh lets deletion finish.
				empty(name)
				refresh(b)
				expectGone(b)
				_, ok := bucketState(name)
				Expect(ok).To(BeFalse())
			},
			Entry("an object", func(name string) { put(name, "a.txt") }, "1 object", "--all-versions", "2 objects"),
			Entry("an old version under a delete marker", func(name string) {
				Expect(acct.oss.PutBucketVersioning(ctx, name, &ossapi.VersioningConfiguration{Status: ossapi.VersioningEnabled})).To(Succeed())
				put(name, "v.txt")
				Expect(acct.oss.DeleteObject(ctx, name, "v.txt", "")).Error().NotTo(HaveOccurred())
			}, "1 old version, 1 delete marker", "--all-versions", "1 object, 1 old version, 1 delete marker"),
			Entry("only a delete marker", func(name string) {
				Expect(acct.oss.PutBucketVersioning(ctx, name, &ossapi.VersioningConfiguration{Status: ossapi.VersioningEnabled})).To(Succeed())
				put(name, "m.txt")
				vs := versions(name)
				Expect(acct.oss.DeleteObject(ctx, name, "m.txt", "")).Error().NotTo(HaveOccurred())
				Expect(acct.oss.DeleteObject(ctx, name, "m.txt", vs[0].VersionID)).Error().NotTo(HaveOccurred())
			}, "1 delete marker", "--all-versions", "1 object, 1 delete marker"),
			Entry("only an unfinished multipart upload", func(name string) {
				Expect(acct.oss.InitiateMultipartUpload(ctx, name, "big.bin")).Error().NotTo(HaveOccurred())
			}, "1 unfinished multipart upload", "multipart uploads", "1 object, 1 unfinished multipart upload"),
		)

		It("never blocks when the bucket is already gone", func() {
			name := unique("gone")
			b := createBucket(ns, name, func(b *ossv1.Bucket) { b.Spec.DeletionPolicy = ossv1.DeletionDelete })
			expectCondition(b, ossv1.ConditionReady, metav1.ConditionTrue, ossv1.ReasonReady)
			Expect(acct.oss.DeleteBucket(ctx, name)).To(Succeed())
			Expect(k8s.Delete(ctx, b)).To(Succeed())
			expectGone(b)
		})

		It("never blocks when the bucket was never created", func() {
			b := createBucket(ns, unique("never"), func(b *ossv1.Bucket) {
				b.Spec.DeletionPolicy = ossv1.DeletionDelete
				b.Spec.AccessKeyRef.Name = "missing"
			})
			expectCondition(b, ossv1.ConditionReconciling, metav1.ConditionTrue, ossv1.ReasonAccessKeyNotFound)
			Expect(k8s.Delete(ctx, b)).To(Succeed())
			expectGone(b)
		})
	})

	Describe("control", func() {
		It("makes no OSS write while paused, shows it as its own state, and catches up when resumed", func() {
			name := unique("paused")
			emu.ResetCounters()
			b := createBucket(ns, name, func(b *ossv1.Bucket) {
				b.Annotations = map[string]string{ossv1.AnnotationPaused: "true"}
			})
			expectCondition(b, ossv1.ConditionReady, metav1.ConditionFalse, ossv1.ReasonPaused)
			Expect(b.Status.Conditions).NotTo(ContainElement(HaveField("Type", ossv1.ConditionReconciling)), "a paused Bucket is not in progress forever")
			Expect(b.Status.Conditions).NotTo(ContainElement(HaveField("Type", ossv1.ConditionStalled)))
			expectEvent(b, ossv1.EventPaused)
			Consistently(func() int { return acct.calls()[ossapi.OpPutBucket] }).WithTimeout(time.Second).Should(BeZero())
			_, ok := bucketState(name)
			Expect(ok).To(BeFalse())

			update(b, func(b *ossv1.Bucket) { delete(b.Annotations, ossv1.AnnotationPaused) })
			expectCondition(b, ossv1.ConditionReady, metav1.ConditionTrue, ossv1.ReasonReady)
			expectEvent(b, ossv1.EventResumed)
		})

		It("re-observes at once when the refresh annotation changes, and corrects the ACL", func() {
			name := unique("refresh")
			b := createBucket(ns, name, func(b *ossv1.Bucket) { b.Spec.ACL = "private" })
			expectCondition(b, ossv1.ConditionReady, metav1.ConditionTrue, ossv1.ReasonReady)
			Expect(acct.oss.PutBucketPublicAccessBlock(ctx, name, &ossapi.PublicAccessBlockConfiguration{BlockPublicAccess: false})).To(Succeed())
			Expect(acct.oss.PutBucketAcl(ctx, name, ossapi.ACLPublicReadWrite)).To(Succeed())
			refresh(b)
			Eventually(func() ossapi.ACL { got, _ := bucketState(name); return got.ACL }).Should(Equal(ossapi.ACLPrivate))
			expectEvent(b, "DriftCorrected")
		})

		It("stops managing a bucket it had Ready once it is tagged for another owner", func() {
			// A Bucket known to be Ready has its tags read with GetBucketInfo: the verdict must still come
			// before any write.
			name := unique("retagged")
			b := createBucket(ns, name, func(b *ossv1.Bucket) { b.Spec.Versioning = "Enabled" })
			expectCondition(b, ossv1.ConditionReady, metav1.ConditionTrue, ossv1.ReasonReady)
			other := "another-cluster/elsewhere/" + name
			Expect(acct.oss.PutBucketTags(ctx, name, &ossapi.Tagging{Tags: []ossapi.Tag{{Key: ossv1.OwnershipTagKey, Value: other}}})).To(Succeed())
			Expect(acct.oss.PutBucketVersioning(ctx, name, &ossapi.VersioningConfiguration{Status: "Suspended"})).To(Succeed())
			start := acct.calls()
			refresh(b)
			expectCondition(b, ossv1.ConditionStalled, metav1.ConditionTrue, ossv1.ReasonOwnedByAnother)
			for op, n := range acct.calls() {
				if strings.HasPrefix(op, "Put") || strings.HasPrefix(op, "Delete") {
					Expect(n).To(Equal(start[op]), "%s was called", op)
				}
			}
			got, _ := bucketState(name)
			Expect(got.Versioning).To(Equal("Suspended"))
			Expect(got.Tags).To(HaveKeyWithValue(ossv1.OwnershipTagKey, other))
		})

		It("writes nothing to OSS or the API server on a resync when nothing changed", func() {
			name := unique("steady")
			b := createBucket(ns, name)
			expectCondition(b, ossv1.ConditionReady, metav1.ConditionTrue, ossv1.ReasonReady)
			emu.ResetCounters()
			resync(b) // the test's own write: a reconcile exactly like the resync timer's
			rv := b.ResourceVersion
			Eventually(func() int { return acct.calls()[ossapi.OpGetBucketInfo] }).Should(BeNumerically(">=", 1), "the Bucket was observed again")
			Consistently(func() string {
				Expect(k8s.Get(ctx, client.ObjectKeyFromObject(b), b)).To(Succeed())
				return b.ResourceVersion
			}).WithTimeout(time.Second).Should(Equal(rv), "the Bucket was written")
			Expect(acct.calls()).To(Equal(map[string]int{ossapi.OpGetBucketInfo: 1, ossapi.OpGetBucketTags: 1}))
		})

		It("acknowledges a refresh, and Flux's reconcile request, in status", func() {
			b := createBucket(ns, unique("ack"))
			expectCondition(b, ossv1.ConditionReady, metav1.ConditionTrue, ossv1.ReasonReady)
			Expect(b.Status.LastHandledRefresh).To(BeEmpty())
			emu.ResetCounters()
			update(b, func(b *ossv1.Bucket) {
				b.Annotations = map[string]string{ossv1.AnnotationRefresh: "incident-42", ossv1.AnnotationReconcileRequestedAt: "2026-11-30T12:00:00Z"}
			})
			Eventually(func(g Gomega) {
				g.Expect(k8s.Get(ctx, client.ObjectKeyFromObject(b), b)).To(Succeed())
				g.Expect(b.Status.LastHandledRefresh).To(Equal("incident-42"))
				g.Expect(b.Status.LastHandledReconcileAt).To(Equal("2026-11-30T12:00:00Z"))
			}).Should(Succeed())
			Expect(acct.calls()[ossapi.OpGetBucketInfo]).To(BeNumerically(">=", 1), "handled means observed in OSS")
		})
	})
})

var deletesBefore int

func recordDeletes() {
	deletesBefore = acct.calls()[ossapi.OpDeleteObject] + acct.calls()[ossapi.OpDeleteMultipleObjects] + acct.calls()[ossapi.OpAbortMultipartUpload]
}

func put(bucket, key string) {
	GinkgoHelper()
	_, err := acct.oss.PutObject(ctx, &ossapi.PutObjectRequest{Bucket: bucket, Key: key, Body: []byte("data")})
	Expect(err).NotTo(HaveOccurred())
}

func versions(bucket string) []ossapi.ObjectVersion {
	GinkgoHelper()
	res, err := acct.oss.ListObjectVersions(ctx, &ossapi.ListObjectVersionsRequest{Bucket: bucket})
	Expect(err).NotTo(HaveOccurred())
	return res.Versions
}

// empty deletes every version, delete marker and upload, as a user would before deleting.
func empty(bucket string) {
	GinkgoHelper()
	res, err := acct.oss.ListObjectVersions(ctx, &ossapi.ListObjectVersionsRequest{Bucket: bucket})
	Expect(err).NotTo(HaveOccurred())
	for _, v := range res.Versions {
		Expect(acct.oss.DeleteObject(ctx, bucket, v.Key, v.VersionID)).Error().NotTo(HaveOccurred())
	}
	for _, m := range res.DeleteMarkers {
		Expect(acct.oss.DeleteObject(ctx, bucket, m.Key, m.VersionID)).Error().NotTo(HaveOccurred())
	}
	ups, err := acct.oss.ListMultipartUploads(ctx, &ossapi.ListMultipartUploadsRequest{Bucket: bucket})
	Expect(err).NotTo(HaveOccurred())
	for _, u := range ups.Uploads {
		Expect(acct.oss.AbortMultipartUpload(ctx, bucket, u.Key, u.UploadID)).To(Succeed())
	}
}
