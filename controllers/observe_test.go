package controllers_test

import (
	"time"

	. "github.com/onsi/ginkgo/v2"
	. "github.com/onsi/gomega"
	coordinationv1 "k8s.io/api/coordination/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/utils/ptr"
	"sigs.k8s.io/controller-runtime/pkg/client"

	ossv1 "github.com/ossoperator/oss-operator/api/v1alpha1"
	"github.com/ossoperator/oss-operator/controllers"
	"github.com/ossoperator/oss-operator/ossapi"
)

// handMade makes bucket name by hand, out of band, with every setting the spec can declare set away
// from a new bucket's default, an object in it, and access logs going to logs.
func handMade(name, logs string) {
	GinkgoHelper()
	o := acct.oss
	Expect(o.PutBucket(ctx, &ossapi.PutBucketRequest{Bucket: name})).To(Succeed())
	Expect(o.PutBucketPublicAccessBlock(ctx, name, &ossapi.PublicAccessBlockConfiguration{BlockPublicAccess: false})).To(Succeed())
	Expect(o.PutBucketAcl(ctx, name, ossapi.ACLPublicRead)).To(Succeed())
	Expect(o.PutBucketVersioning(ctx, name, &ossapi.VersioningConfiguration{Status: "Enabled"})).To(Succeed())
	Expect(o.PutBucketEncryption(ctx, name, &ossapi.ServerSideEncryptionRule{ApplyServerSideEncryptionByDefault: ossapi.ServerSideEncryptionByDefault{
		SSEAlgorithm: "KMS", KMSMasterKeyID: "key-123", KMSDataEncryption: "SM4"}})).To(Succeed())
	// Formatted as a person would write it: shown as OSS holds it, and never drift.
	Expect(o.PutBucketPolicy(ctx, name, "{\n  \"Version\": \"1\",\n  \"Statement\": [{\"Effect\": \"Allow\", \"Action\": [\"oss:GetObject\"], \"Principal\": [\"*\"], \"Resource\": [\"acs:oss:*:*:"+name+"/*\"]}]\n}")).To(Succeed())
	Expect(o.PutBucketTags(ctx, name, &ossapi.Tagging{Tags: []ossapi.Tag{{Key: "team", Value: "data"}, {Key: "env", Value: "prod"}}})).To(Succeed())
	Expect(o.PutBucketLifecycle(ctx, name, &ossapi.LifecycleConfiguration{Rules: []ossapi.LifecycleRule{
		{ID: "expire-tmp", Prefix: "tmp/", Status: "Enabled", Tags: []ossapi.Tag{{Key: "b", Value: "2"}, {Key: "a", Value: "1"}},
			Filter:     &ossapi.LifecycleFilter{Not: []ossapi.LifecycleNot{{Prefix: "tmp/keep/"}}, ObjectSizeGreaterThan: ptr.To[int64](10)},
			Expiration: &ossapi.LifecycleExpiration{Days: ptr.To(7)}},
		{ID: "old-versions", Prefix: "", Status: "Enabled", NoncurrentVersionExpiration: &ossapi.NoncurrentVersionExpiration{NoncurrentDays: 30},
			Transitions:          []ossapi.LifecycleTransition{{Days: ptr.To(30), StorageClass: ossapi.StorageIA}},
			AbortMultipartUpload: &ossapi.LifecycleAbortMultipartUpload{CreatedBeforeDate: "2030-01-01T00:00:00.000Z"}},
	}})).To(Succeed())
	Expect(o.PutBucketCors(ctx, name, &ossapi.CORSConfiguration{Rules: []ossapi.CORSRule{
		{AllowedOrigins: []string{"https://*.example.com"}, AllowedMethods: []string{"GET", "HEAD"}, MaxAgeSeconds: ptr.To[int64](600)}}})).To(Succeed())
	Expect(o.PutBucketLogging(ctx, name, &ossapi.BucketLoggingStatus{LoggingEnabled: &ossapi.LoggingEnabled{TargetBucket: logs, TargetPrefix: "access/"}})).To(Succeed())
	Expect(o.PutBucketReferer(ctx, name, &ossapi.RefererConfiguration{AllowEmptyReferer: false, RefererList: []string{"https://*.example.com"}})).To(Succeed())
	Expect(o.PutBucketWebsite(ctx, name, &ossapi.WebsiteConfiguration{IndexDocument: &ossapi.IndexDocument{Suffix: "index.html", SupportSubDir: ptr.To(true)},
		ErrorDocument: &ossapi.ErrorDocument{Key: "404.html"}})).To(Succeed())
	Expect(o.PutBucketResourceGroup(ctx, name, "rg-acfmteam")).To(Succeed())
	put(name, "data/kept.txt")
}

func observe(b *ossv1.Bucket) { b.Spec.ManagementPolicy = ossv1.ManagementObserve }

// claimsOn are the claim Leases on an OSS bucket name.
func claimsOn(name string) []string {
	leases := &coordinationv1.LeaseList{}
	Expect(k8s.List(ctx, leases, client.InNamespace("default"))).To(Succeed())
	var held []string
	for _, l := range leases.Items {
		if l.Annotations["oss.ossoperator.io/bucket"] == name {
			held = append(held, l.Annotations["oss.ossoperator.io/holder"])
		}
	}
	return held
}

var _ = Describe("Observe-only Buckets (spec.managementPolicy: Observe)", func() {
	var ns, logs string
	BeforeEach(func() {
		ns = newNamespace()
		acct = newAccountAccessKey(ns)
		logs = unique("logs")
		Expect(acct.oss.PutBucket(ctx, &ossapi.PutBucketRequest{Bucket: logs})).To(Succeed())
	})

	It("shows a hand-made bucket's every setting in the spec's shape and what differs, writing nothing; copied into the spec and adopted, only the ownership tag is written", func() {
		name := unique("hand-made")
		handMade(name, logs)
		before, _ := bucketState(name)
		emu.ResetCounters()
		b := createBucket(ns, name, observe, func(b *ossv1.Bucket) {
			b.Spec.Versioning = "Suspended"                                // OSS holds Enabled
			b.Spec.Tags = map[string]string{"team": "data", "env": "prod"} // as OSS holds them
			b.Spec.DeletionPolicy = ossv1.DeletionDelete                   // not applied while observing
		})
		expectCondition(b, ossv1.ConditionReady, metav1.ConditionTrue, ossv1.ReasonObserved)
		Expect(readyMessage(b)).To(And(ContainSubstring("spec.versioning"), ContainSubstring("Nothing is written")))

		seen := b.Status.Observed
		Expect(seen).NotTo(BeNil())
		Expect(seen.Differences).To(Equal([]string{"spec.versioning"}))
		Expect(seen.Omitted).To(BeEmpty())
		s := seen.Settings
		Expect(s.ACL).To(Equal("public-read"))
		Expect(s.PublicAccessBlock).To(Equal(ptr.To(false)))
		Expect(s.Versioning).To(Equal("Enabled"))
		Expect(s.Encryption).To(Equal(&ossv1.Encryption{Algorithm: "KMS", KMSKeyID: "key-123", KMSDataEncryption: "SM4"}))
		Expect(*s.Policy).To(ContainSubstring("oss:GetObject"))
		Expect(s.Tags).To(Equal(map[string]string{"team": "data", "env": "prod"}))
		Expect(s.Lifecycle.Rules).To(HaveLen(2))
		Expect(s.Lifecycle.Rules[1].AbortMultipartUpload.CreatedBeforeDate).To(Equal("2030-01-01"))
		Expect(s.CORS.Rules).To(HaveLen(1))
		Expect(s.Logging).To(Equal(&ossv1.Logging{TargetBucket: logs, TargetPrefix: "access/"}))
		Expect(s.Referer.AllowEmpty).To(Equal(ptr.To(false)))
		Expect(s.Website.IndexDocument.Suffix).To(Equal("index.html"))
		Expect(s.ResourceGroupID).To(Equal("rg-acfmteam"))
		Expect(settingStatus(b, "versioning").InSync).To(BeFalse())
		Expect(settingStatus(b, "tags").InSync).To(BeTrue())
		Expect(b.Status.Region).To(Equal("cn-hangzhou"))
		Expect(b.Status.URL).NotTo(BeEmpty())

		Expect(acct.writes()).To(BeEmpty(), "an Observe Bucket writes nothing to OSS")
		Expect(b.Finalizers).To(BeEmpty(), "an Observe Bucket needs no finalizer")
		Expect(claimsOn(name)).To(BeEmpty(), "an Observe Bucket claims no bucket name")

		By("a resync reads again and still writes nothing")
		resync(b)
		Eventually(func() int { return acct.calls()[ossapi.OpGetBucketInfo] }).Should(BeNumerically(">=", 2))
		Consistently(acct.writes).WithTimeout(time.Second).Should(BeEmpty())
		after, _ := bucketState(name)
		Expect(after).To(Equal(before), "the bucket is as it was made")

		By("status.observed.settings copied into the spec, and Manage without adopt: the bucket is not taken over")
		emu.ResetCounters()
		update(b, func(b *ossv1.Bucket) {
			copied := b.Status.Observed.Settings.DeepCopy()
			b.Spec.ACL, b.Spec.BucketSettings = copied.ACL, copied.BucketSettings
			b.Spec.ManagementPolicy = ossv1.ManagementManage
		})
		expectCondition(b, ossv1.ConditionStalled, metav1.ConditionTrue, ossv1.ReasonAdoptionRequired)
		Expect(acct.writes()).To(BeEmpty())

		By("adopt: true: Ready, and the only write is the ownership tag")
		update(b, func(b *ossv1.Bucket) { b.Spec.Adopt = true })
		expectCondition(b, ossv1.ConditionReady, metav1.ConditionTrue, ossv1.ReasonReady)
		expectEvent(b, ossv1.EventAdopted)
		Expect(acct.writes()).To(Equal(map[string]int{ossapi.OpPutBucketTags: 1}), "every copied setting is in sync")
		Expect(b.Status.Observed).To(BeNil())
		Expect(b.Status.Settings).To(HaveLen(12))
		for _, st := range b.Status.Settings {
			Expect(st.InSync).To(BeTrue(), st.Name)
		}
		adopted, _ := bucketState(name)
		Expect(adopted.Tags).To(Equal(map[string]string{"team": "data", "env": "prod", ossv1.OwnershipTagKey: ownerTag(ns, name)}))
		adopted.Tags = before.Tags
		Expect(adopted).To(Equal(before), "nothing but the tags changed")
	})

	It("leaves OSS untouched when deleted, whatever its deletionPolicy, even after it was managed", func() {
		name := unique("observed-gone")
		handMade(name, logs)
		b := createBucket(ns, name, observe, func(b *ossv1.Bucket) { b.Spec.DeletionPolicy = ossv1.DeletionDelete })
		expectCondition(b, ossv1.ConditionReady, metav1.ConditionTrue, ossv1.ReasonObserved)
		before, _ := bucketState(name)
		emu.ResetCounters()
		Expect(k8s.Delete(ctx, b)).To(Succeed())
		expectGone(b)
		Consistently(acct.calls).WithTimeout(time.Second).Should(BeEmpty(), "no call to OSS of any kind")
		after, _ := bucketState(name)
		Expect(after).To(Equal(before))

		By("a Bucket that managed its bucket, switched to Observe, then deleted with deletionPolicy Delete")
		managed := unique("was-managed")
		m := createBucket(ns, managed, func(b *ossv1.Bucket) { b.Spec.DeletionPolicy = ossv1.DeletionDelete })
		expectCondition(m, ossv1.ConditionReady, metav1.ConditionTrue, ossv1.ReasonReady)
		update(m, observe)
		expectCondition(m, ossv1.ConditionReady, metav1.ConditionTrue, ossv1.ReasonObserved)
		Expect(readyMessage(m)).To(ContainSubstring("still carries this resource's ownership tag"))
		Expect(m.Finalizers).To(ContainElement(controllers.Finalizer), "kept from when it was managed")
		before, _ = bucketState(managed)
		emu.ResetCounters()
		Expect(k8s.Delete(ctx, m)).To(Succeed())
		expectGone(m)
		Consistently(acct.calls).WithTimeout(time.Second).Should(BeEmpty(), "no call to OSS of any kind")
		after, ok := bucketState(managed)
		Expect(ok).To(BeTrue(), "the bucket is not deleted")
		Expect(after).To(Equal(before))
	})

	It("reports a bucket that does not exist, never creates it, and observes it once made", func() {
		name := unique("not-yet")
		emu.ResetCounters()
		b := createBucket(ns, name, observe)
		expectCondition(b, ossv1.ConditionReconciling, metav1.ConditionTrue, ossv1.ReasonBucketNotFound)
		Expect(readyMessage(b)).To(ContainSubstring("never creates it"))
		Expect(b.Status.Observed).To(BeNil())
		Expect(acct.writes()).To(BeEmpty())
		_, exists := bucketState(name)
		Expect(exists).To(BeFalse())

		Expect(acct.oss.PutBucket(ctx, &ossapi.PutBucketRequest{Bucket: name})).To(Succeed())
		refresh(b)
		expectCondition(b, ossv1.ConditionReady, metav1.ConditionTrue, ossv1.ReasonObserved)
		Expect(b.Status.Observed.Settings.Tags).To(BeEmpty())
		Expect(b.Status.Observed.Settings.CORS).To(Equal(&ossv1.CORS{Rules: []ossv1.CORSRule{}}), "a setting at OSS's default is shown, as the spec says it")
	})

	It("shows nothing of a bucket another namespace's Bucket manages", func() {
		name := unique("theirs")
		theirs := createBucket(ns, name, func(b *ossv1.Bucket) { b.Spec.Policy = ptr.To("") })
		expectCondition(theirs, ossv1.ConditionReady, metav1.ConditionTrue, ossv1.ReasonReady)
		snoop := newNamespace()
		acct.accessKeyIn(snoop)
		b := createBucket(snoop, "look", observe, func(b *ossv1.Bucket) { b.Spec.Name = name })
		expectCondition(b, ossv1.ConditionStalled, metav1.ConditionTrue, ossv1.ReasonOwnedByAnother)
		Expect(readyMessage(b)).To(ContainSubstring("shows nothing of it"))
		Expect(b.Status.Observed).To(BeNil())
		Expect(b.Status.Region).To(BeEmpty())
	})

	It("neither takes a claim on the bucket name nor is kept from observing by another Bucket's", func() {
		name := unique("claimed")
		Expect(acct.oss.PutBucket(ctx, &ossapi.PutBucketRequest{Bucket: name})).To(Succeed())
		// A Bucket that may not adopt holds the claim while it waits for adopt.
		waiting := createBucket(ns, "manager", func(b *ossv1.Bucket) { b.Spec.Name = name })
		expectCondition(waiting, ossv1.ConditionStalled, metav1.ConditionTrue, ossv1.ReasonAdoptionRequired)
		Expect(claimsOn(name)).To(Equal([]string{ns + "/manager"}))

		observer := createBucket(ns, "observer", observe, func(b *ossv1.Bucket) { b.Spec.Name = name })
		expectCondition(observer, ossv1.ConditionReady, metav1.ConditionTrue, ossv1.ReasonObserved)
		Expect(claimsOn(name)).To(Equal([]string{ns + "/manager"}))

		By("the waiting Bucket switched to Observe lets go of its claim")
		update(waiting, observe)
		expectCondition(waiting, ossv1.ConditionReady, metav1.ConditionTrue, ossv1.ReasonObserved)
		Eventually(func() []string { return claimsOn(name) }).Should(BeEmpty())

		By("and back to Manage, with adopt: it claims the name again, takes the bucket over and lets go")
		update(waiting, func(b *ossv1.Bucket) { b.Spec.ManagementPolicy, b.Spec.Adopt = ossv1.ManagementManage, true })
		expectCondition(waiting, ossv1.ConditionReady, metav1.ConditionTrue, ossv1.ReasonReady)
		refresh(observer)
		Eventually(func(g Gomega) string {
			g.Expect(k8s.Get(ctx, client.ObjectKeyFromObject(observer), observer)).To(Succeed())
			return readyMessage(observer)
		}).Should(ContainSubstring(`managed by Bucket "manager"`))
		Eventually(func() []string { return claimsOn(name) }).Should(BeEmpty(), "let go of once the bucket is tagged")
	})
})
