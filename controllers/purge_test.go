package controllers_test

import (
	"time"

	. "github.com/onsi/ginkgo/v2"
	. "github.com/onsi/gomega"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"sigs.k8s.io/controller-runtime/pkg/client"

	ossv1 "github.com/ossoperator/oss-operator/api/v1alpha1"
	"github.com/ossoperator/oss-operator/ossapi"
	"github.com/ossoperator/oss-operator/ossapi/osstest"
)

// deletionPolicy Purge, as a user lives it: a full bucket emptied and deleted, a bucket OSS protects
// left, an adopted bucket purged only as the documented rule allows, and a pause honoured mid-purge.
var _ = Describe("Purge", func() {
	var ns string
	BeforeEach(func() {
		ns = newNamespace()
		acct = newAccountAccessKey(ns)
	})
	purgeIt := func(b *ossv1.Bucket) { b.Spec.DeletionPolicy = ossv1.DeletionPurge }
	versioned := func(b *ossv1.Bucket) { b.Spec.Versioning = ossapi.VersioningEnabled }
	objectsIn := func(name string) func() int {
		return func() int {
			got, _ := bucketState(name)
			return len(got.Objects) + len(got.MultipartUploads)
		}
	}

	It("deletes every object, old version, delete marker and unfinished upload, then the bucket, then lets the resource go", func() {
		name := unique("purged")
		b := createBucket(ns, name, purgeIt, versioned)
		expectCondition(b, ossv1.ConditionReady, metav1.ConditionTrue, ossv1.ReasonReady)
		Expect(emu.FillBucket(name, osstest.Fill{Objects: 2500, OldVersions: 700, DeleteMarkers: 20, Uploads: 30})).To(Succeed())
		emu.ResetCounters()

		Expect(k8s.Delete(ctx, b)).To(Succeed())
		expectGone(b)
		_, ok := bucketState(name)
		Expect(ok).To(BeFalse(), "the bucket is deleted")
		// Each delete marker lies over an old version.
		expectEventNote(b, ossv1.EventPurged, "deleted 2500 objects, 720 old versions, 20 delete markers and 30 unfinished uploads")
		expectEvent(b, ossv1.EventDeleted)
		// 3,240 versions and markers: 4 listings, 4 deletes of up to 1,000.
		Expect(emu.CallsOn(name, ossapi.OpDeleteMultipleObjects)).To(Equal(4))
		Expect(emu.CallsOn(name, ossapi.OpAbortMultipartUpload)).To(Equal(30))
	})

	It("stops Stalled on a bucket a retention policy locks, leaving its objects and claiming nothing deleted", func() {
		name := unique("worm")
		b := createBucket(ns, name, purgeIt)
		expectCondition(b, ossv1.ConditionReady, metav1.ConditionTrue, ossv1.ReasonReady)
		Expect(emu.FillBucket(name, osstest.Fill{Objects: 10})).To(Succeed())
		Expect(emu.LockRetention(name, 30)).To(Succeed())

		Expect(k8s.Delete(ctx, b)).To(Succeed())
		expectCondition(b, ossv1.ConditionStalled, metav1.ConditionTrue, ossv1.ReasonPurgeForbidden)
		expectCondition(b, ossv1.ConditionDeletionBlocked, metav1.ConditionTrue, ossv1.ReasonPurgeForbidden)
		expectCondition(b, ossv1.ConditionReady, metav1.ConditionFalse, ossv1.ReasonPurgeForbidden)
		Expect(readyMessage(b)).To(And(ContainSubstring("retention policy"), ContainSubstring("FileImmutable"), ContainSubstring("deletionPolicy: Retain")))
		expectEvent(b, ossv1.ReasonPurgeForbidden)
		Expect(objectsIn(name)()).To(Equal(10))
		Expect(k8s.Get(ctx, client.ObjectKeyFromObject(b), b)).To(Succeed())
		Expect(b.Status.Purge).NotTo(BeNil())
		Expect(b.Status.Purge.Objects).To(BeZero(), "nothing was deleted, and nothing is said to be")

		By("Retain lets the resource go, the bucket and its objects kept")
		update(b, func(b *ossv1.Bucket) { b.Spec.DeletionPolicy = ossv1.DeletionRetain })
		expectGone(b)
		Expect(objectsIn(name)()).To(Equal(10))
	})

	It("purges an adopted bucket only when Purge was set after the adoption and spec.adopt still says so", func() {
		name := unique("adopted")
		Expect(acct.oss.PutBucket(ctx, &ossapi.PutBucketRequest{Bucket: name})).To(Succeed())
		Expect(emu.FillBucket(name, osstest.Fill{Objects: 5, Uploads: 1})).To(Succeed())

		By("adopt with Purge in the same change: refused, nothing written")
		b := createBucket(ns, name, purgeIt, func(b *ossv1.Bucket) { b.Spec.Adopt = true })
		expectCondition(b, ossv1.ConditionStalled, metav1.ConditionTrue, ossv1.ReasonPurgeRefused)
		Expect(readyMessage(b)).To(ContainSubstring("Retain or Delete first"))
		got, _ := bucketState(name)
		Expect(got.Tags).NotTo(HaveKey(ossv1.OwnershipTagKey))

		By("adopted with Delete, then Purge set, spec.adopt dropped: not purged")
		update(b, func(b *ossv1.Bucket) { b.Spec.DeletionPolicy = ossv1.DeletionDelete })
		expectCondition(b, ossv1.ConditionReady, metav1.ConditionTrue, ossv1.ReasonReady)
		expectEvent(b, ossv1.EventAdopted)
		update(b, func(b *ossv1.Bucket) { b.Spec.DeletionPolicy = ossv1.DeletionPurge; b.Spec.Adopt = false })
		expectCondition(b, ossv1.ConditionReady, metav1.ConditionTrue, ossv1.ReasonReady)
		Expect(k8s.Delete(ctx, b)).To(Succeed())
		expectCondition(b, ossv1.ConditionDeletionBlocked, metav1.ConditionTrue, ossv1.ReasonPurgeRefused)
		Expect(conditionOf(b, ossv1.ConditionDeletionBlocked).Message).To(ContainSubstring("spec.adopt"))
		Expect(objectsIn(name)()).To(Equal(6))

		By("spec.adopt: true again: purged")
		update(b, func(b *ossv1.Bucket) { b.Spec.Adopt = true })
		expectGone(b)
		_, ok := bucketState(name)
		Expect(ok).To(BeFalse())
	})

	It("halts while paused, shows its progress, and goes on where OSS is once resumed", func() {
		name := unique("paused")
		b := createBucket(ns, name, purgeIt)
		expectCondition(b, ossv1.ConditionReady, metav1.ConditionTrue, ossv1.ReasonReady)
		Expect(emu.FillBucket(name, osstest.Fill{Objects: 20_000})).To(Succeed())
		// 20 listings of a quarter second each: a purge of about 5 s.
		slow := emu.InjectFault(osstest.Fault{Operation: ossapi.OpListObjectVersions, AccountID: acct.id, Delay: 250 * time.Millisecond})
		defer slow()

		Expect(k8s.Delete(ctx, b)).To(Succeed())
		expectCondition(b, ossv1.ConditionReady, metav1.ConditionFalse, ossv1.ReasonPurging)
		expectCondition(b, ossv1.ConditionReconciling, metav1.ConditionTrue, ossv1.ReasonPurging)
		expectEventNote(b, ossv1.ReasonPurging, "deleting every object")
		Expect(conditionOf(b, ossv1.ConditionDeletionBlocked).Message).To(MatchRegexp(`deleted \d+ objects`))
		Expect(k8s.Get(ctx, client.ObjectKeyFromObject(b), b)).To(Succeed())
		Expect(b.Status.Purge.Objects).To(BeNumerically(">", 0))

		setAnnotation(b, ossv1.AnnotationPaused, "true")
		expectCondition(b, ossv1.ConditionDeletionBlocked, metav1.ConditionTrue, ossv1.ReasonPaused)
		left := objectsIn(name)()
		Expect(left).To(BeNumerically(">", 0))
		Consistently(objectsIn(name), "1s").Should(Equal(left), "nothing is deleted while paused")

		setAnnotation(b, ossv1.AnnotationPaused, "")
		expectGone(b)
		_, ok := bucketState(name)
		Expect(ok).To(BeFalse())
		// The counts of a run whose status write lost to the annotation's change are not in the total:
		// the Event says what is known to be deleted, never more.
		expectEventNote(b, ossv1.EventPurged, "Purged bucket "+name)
	})
})
