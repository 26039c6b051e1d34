package controllers_test

import (
	"strings"
	"time"

	. "github.com/onsi/ginkgo/v2"
	. "github.com/onsi/gomega"
	dto "github.com/prometheus/client_model/go"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/utils/ptr"
	"sigs.k8s.io/controller-runtime/pkg/client"
	ctrlmetrics "sigs.k8s.io/controller-runtime/pkg/metrics"

	ossv1 "github.com/ossoperator/oss-operator/api/v1alpha1"
	"github.com/ossoperator/oss-operator/ossapi"
)

const publicPolicy = `{"Version":"1","Statement":[{"Effect":"Allow","Action":["oss:GetObject"],"Principal":["*"],"Resource":["acs:oss:*:*:BUCKET/*"]}]}`

// everySetting declares every setting, each different from a new bucket's default. The log target
// must exist.
func everySetting(name, logTarget string) func(*ossv1.Bucket) {
	return func(b *ossv1.Bucket) {
		b.Spec.ACL = "public-read"
		b.Spec.PublicAccessBlock = ptr.To(false)
		b.Spec.Versioning = "Enabled"
		b.Spec.Encryption = &ossv1.Encryption{Algorithm: "KMS", KMSKeyID: "key-123", KMSDataEncryption: "SM4"}
		b.Spec.Lifecycle = &ossv1.Lifecycle{Rules: []ossv1.LifecycleRule{
			{ID: "expire-tmp", Prefix: "tmp/", Tags: map[string]string{"b": "2", "a": "1"}, Expiration: &ossv1.LifecycleExpiration{Days: ptr.To[int32](7)},
				Filter: &ossv1.LifecycleFilter{Not: []ossv1.LifecycleNot{{Prefix: "tmp/keep/"}}, ObjectSizeGreaterThan: ptr.To[int64](10)}},
			{ID: "old-versions", NoncurrentVersionExpiration: &ossv1.NoncurrentVersionExpiration{NoncurrentDays: 30},
				Transitions:          []ossv1.LifecycleTransition{{Days: 30, StorageClass: "IA"}},
				AbortMultipartUpload: &ossv1.LifecycleAbortMultipartUpload{CreatedBeforeDate: "2030-01-01"}},
		}}
		b.Spec.CORS = &ossv1.CORS{Rules: []ossv1.CORSRule{{AllowedOrigins: []string{"https://*.example.com"}, AllowedMethods: []string{"GET", "HEAD"}, MaxAgeSeconds: ptr.To[int64](600)}}}
		b.Spec.Tags = map[string]string{"team": "data", "env": "prod"}
		b.Spec.Policy = ptr.To(strings.ReplaceAll(publicPolicy, "BUCKET", name))
		b.Spec.Logging = &ossv1.Logging{TargetBucket: logTarget, TargetPrefix: "access/"}
		b.Spec.Referer = &ossv1.Referer{AllowEmpty: ptr.To(false), AllowList: []string{"https://*.example.com"}}
		b.Spec.Website = &ossv1.Website{IndexDocument: &ossv1.IndexDocument{Suffix: "index.html", SupportSubDir: ptr.To(true)},
			ErrorDocument: &ossv1.ErrorDocument{Key: "404.html"}}
		b.Spec.ResourceGroupID = "rg-acfmteam"
	}
}

func driftMetric(setting string) float64 {
	families, err := ctrlmetrics.Registry.Gather()
	Expect(err).NotTo(HaveOccurred())
	for _, f := range families {
		if f.GetName() != "ossoperator_bucket_setting_drift_corrected_total" {
			continue
		}
		for _, m := range f.GetMetric() {
			if labelIs(m, "setting", setting) {
				return m.GetCounter().GetValue()
			}
		}
	}
	return 0
}

func labelIs(m *dto.Metric, name, value string) bool {
	for _, l := range m.GetLabel() {
		if l.GetName() == name && l.GetValue() == value {
			return true
		}
	}
	return false
}

func settingStatus(b *ossv1.Bucket, name string) *ossv1.SettingStatus {
	for i := range b.Status.Settings {
		if b.Status.Settings[i].Name == name {
			return &b.Status.Settings[i]
		}
	}
	return nil
}

var _ = Describe("Bucket settings", func() {
	var ns, logs string
	BeforeEach(func() {
		ns = newNamespace()
		acct = newAccountAccessKey(ns)
		logs = unique("logs")
		Expect(acct.oss.PutBucket(ctx, &ossapi.PutBucketRequest{Bucket: logs})).To(Succeed())
	})

	It("creates a bucket with every setting in PutBucket plus one write per setting", func() {
		name := unique("every")
		emu.ResetCounters()
		b := createBucket(ns, name, everySetting(name, logs))
		expectCondition(b, ossv1.ConditionReady, metav1.ConditionTrue, ossv1.ReasonReady)

		Expect(acct.writes()).To(Equal(map[string]int{
			ossapi.OpPutBucket: 1, ossapi.OpPutBucketTags: 1, // the declared tags ride with the ownership tag
			ossapi.OpPutBucketPublicAccessBlock: 1, ossapi.OpPutBucketVersioning: 1, ossapi.OpPutBucketAcl: 1,
			ossapi.OpPutBucketEncryption: 1, ossapi.OpPutBucketPolicy: 1, ossapi.OpPutBucketLifecycle: 1,
			ossapi.OpPutBucketCors: 1, ossapi.OpPutBucketLogging: 1, ossapi.OpPutBucketReferer: 1, ossapi.OpPutBucketWebsite: 1,
		}), "the resource group is set by PutBucket itself")
		// Nothing was read that a new bucket's defaults already tell.
		for _, op := range []string{ossapi.OpGetBucketLifecycle, ossapi.OpGetBucketCors, ossapi.OpGetBucketPolicy, ossapi.OpGetBucketReferer, ossapi.OpGetBucketWebsite} {
			Expect(acct.calls()[op]).To(BeZero(), op)
		}

		got, _ := bucketState(name)
		Expect(got.ACL).To(Equal(ossapi.ACLPublicRead))
		Expect(got.BlockPublicAccess).To(BeFalse())
		Expect(got.Versioning).To(Equal("Enabled"))
		Expect(got.Encryption).To(Equal(&ossapi.ServerSideEncryptionByDefault{SSEAlgorithm: "KMS", KMSMasterKeyID: "key-123", KMSDataEncryption: "SM4"}))
		Expect(got.Lifecycle.Rules).To(HaveLen(2))
		Expect(got.CORS.Rules).To(HaveLen(1))
		Expect(got.Tags).To(Equal(map[string]string{"team": "data", "env": "prod", ossv1.OwnershipTagKey: ownerTag(ns, name)}))
		Expect(got.Policy).To(ContainSubstring("oss:GetObject"))
		Expect(got.Logging).To(Equal(&ossapi.LoggingEnabled{TargetBucket: logs, TargetPrefix: "access/"}))
		Expect(got.Referer.AllowEmptyReferer).To(BeFalse())
		Expect(got.Website.IndexDocument.Suffix).To(Equal("index.html"))
		Expect(got.ResourceGroupID).To(Equal("rg-acfmteam"))

		Expect(b.Status.Settings).To(HaveLen(12))
		for _, s := range b.Status.Settings {
			Expect(s.InSync).To(BeTrue(), s.Name)
		}

		By("a steady resync reads once per setting GetBucketInfo does not report, and writes nothing")
		emu.ResetCounters()
		resync(b)
		rv := b.ResourceVersion
		want := map[string]int{ossapi.OpGetBucketInfo: 1, ossapi.OpGetBucketTags: 1, ossapi.OpGetBucketLifecycle: 1,
			ossapi.OpGetBucketCors: 1, ossapi.OpGetBucketPolicy: 1, ossapi.OpGetBucketReferer: 1, ossapi.OpGetBucketWebsite: 1}
		Eventually(acct.calls).Should(Equal(want))
		Consistently(func() map[string]int { return acct.calls() }).WithTimeout(time.Second).Should(Equal(want))
		Expect(k8s.Get(ctx, client.ObjectKeyFromObject(b), b)).To(Succeed())
		Expect(b.ResourceVersion).To(Equal(rv), "no write to the API server")
	})

	It("corrects drift, setting by setting, with an Event and a metric", func() {
		name := unique("drift")
		b := createBucket(ns, name, func(b *ossv1.Bucket) {
			b.Spec.Tags = map[string]string{"team": "data"}
			b.Spec.Lifecycle = &ossv1.Lifecycle{Rules: []ossv1.LifecycleRule{{ID: "r", Prefix: "tmp/", Expiration: &ossv1.LifecycleExpiration{Days: ptr.To[int32](1)}}}}
			b.Spec.CORS = &ossv1.CORS{Rules: []ossv1.CORSRule{{AllowedOrigins: []string{"*"}, AllowedMethods: []string{"GET"}}}}
			b.Spec.PublicAccessBlock = ptr.To(false)
			b.Spec.Policy = ptr.To(strings.ReplaceAll(publicPolicy, "BUCKET", name))
		})
		expectCondition(b, ossv1.ConditionReady, metav1.ConditionTrue, ossv1.ReasonReady)
		before := driftMetric("lifecycle")

		// Someone edits the bucket by hand.
		Expect(acct.oss.PutBucketLifecycle(ctx, name, &ossapi.LifecycleConfiguration{Rules: []ossapi.LifecycleRule{{ID: "r", Prefix: "tmp/", Status: "Enabled",
			Expiration: &ossapi.LifecycleExpiration{Days: ptr.To(99)}}}})).To(Succeed())
		Expect(acct.oss.PutBucketTags(ctx, name, &ossapi.Tagging{Tags: []ossapi.Tag{{Key: "team", Value: "other"}, {Key: ossv1.OwnershipTagKey, Value: ownerTag(ns, name)}}})).To(Succeed())
		Expect(acct.oss.DeleteBucketCors(ctx, name)).To(Succeed())
		// The same policy, reformatted: not drift.
		Expect(acct.oss.PutBucketPolicy(ctx, name, "{\n  \"Statement\": [{\"Resource\": [\"acs:oss:*:*:"+name+"/*\"], \"Principal\": [\"*\"], \"Action\": [\"oss:GetObject\"], \"Effect\": \"Allow\"}],\n  \"Version\": \"1\"\n}")).To(Succeed())
		emu.ResetCounters()
		refresh(b)

		// The emulator counts a call when it arrives: the state is looked at once the calls are answered.
		Eventually(func(g Gomega) {
			got, _ := bucketState(name)
			g.Expect(*got.Lifecycle.Rules[0].Expiration.Days).To(Equal(1))
			g.Expect(got.Tags).To(HaveKeyWithValue("team", "data"))
			g.Expect(got.CORS).NotTo(BeNil())
		}).Should(Succeed())
		Expect(acct.writes()).To(Equal(map[string]int{ossapi.OpPutBucketLifecycle: 1, ossapi.OpPutBucketTags: 1, ossapi.OpPutBucketCors: 1}))
		Eventually(func() []string {
			var notes []string
			for _, e := range eventsFor(b) {
				if e.Reason == "DriftCorrected" {
					notes = append(notes, e.Note)
				}
			}
			return notes
		}).Should(ContainElements(ContainSubstring("spec.lifecycle"), ContainSubstring("spec.tags"), ContainSubstring("spec.cors")))
		Expect(driftMetric("lifecycle")).To(Equal(before + 1))
	})

	It("reports a changed spec as an update, never as drift", func() {
		name := unique("update")
		b := createBucket(ns, name, func(b *ossv1.Bucket) {
			b.Spec.Tags = map[string]string{"team": "data"}
			b.Spec.Lifecycle = &ossv1.Lifecycle{Rules: []ossv1.LifecycleRule{{ID: "r", Prefix: "tmp/", Expiration: &ossv1.LifecycleExpiration{Days: ptr.To[int32](1)}}}}
		})
		expectCondition(b, ossv1.ConditionReady, metav1.ConditionTrue, ossv1.ReasonReady)
		tagsBefore, lifecycleBefore := driftMetric("tags"), driftMetric("lifecycle")

		update(b, func(b *ossv1.Bucket) {
			b.Spec.Tags = map[string]string{"team": "analytics"}
			b.Spec.Lifecycle.Rules[0].Expiration.Days = ptr.To[int32](7)
		})
		expectEventNote(b, ossv1.EventUpdated, "spec.lifecycle")
		expectEventNote(b, ossv1.EventUpdated, "spec.tags")
		// The Events are sent before the status is written: the Ready of this generation may follow them.
		Eventually(func(g Gomega) {
			g.Expect(k8s.Get(ctx, client.ObjectKeyFromObject(b), b)).To(Succeed())
			g.Expect(b.Status.ObservedGeneration).To(Equal(b.Generation))
		}).Should(Succeed())
		expectCondition(b, ossv1.ConditionReady, metav1.ConditionTrue, ossv1.ReasonReady)
		got, _ := bucketState(name)
		Expect(got.Tags).To(HaveKeyWithValue("team", "analytics"))
		Expect(*got.Lifecycle.Rules[0].Expiration.Days).To(Equal(7))
		for _, e := range eventsFor(b) {
			Expect(e.Reason).NotTo(Equal(ossv1.EventDriftCorrected), "a spec change reported as drift: %s", e.Note)
		}
		Expect(driftMetric("tags")).To(Equal(tagsBefore))
		Expect(driftMetric("lifecycle")).To(Equal(lifecycleBefore))

		By("a change behind Kubernetes' back after that is drift")
		Expect(acct.oss.PutBucketTags(ctx, name, &ossapi.Tagging{Tags: []ossapi.Tag{{Key: "team", Value: "by-hand"}, {Key: ossv1.OwnershipTagKey, Value: ownerTag(ns, name)}}})).To(Succeed())
		refresh(b)
		expectEventNote(b, ossv1.EventDriftCorrected, "spec.tags")
		Expect(driftMetric("tags")).To(Equal(tagsBefore + 1))
	})

	It("removes a setting declared empty, and keeps the ownership tag", func() {
		name := unique("empty")
		b := createBucket(ns, name, everySetting(name, logs))
		expectCondition(b, ossv1.ConditionReady, metav1.ConditionTrue, ossv1.ReasonReady)
		update(b, func(b *ossv1.Bucket) {
			b.Spec.Lifecycle = &ossv1.Lifecycle{Rules: []ossv1.LifecycleRule{}}
			b.Spec.CORS = &ossv1.CORS{Rules: []ossv1.CORSRule{}}
			b.Spec.Tags = map[string]string{}
			b.Spec.Policy = ptr.To("")
			b.Spec.Logging = &ossv1.Logging{}
			b.Spec.Website = &ossv1.Website{}
			b.Spec.Encryption = &ossv1.Encryption{}
			b.Spec.Referer = &ossv1.Referer{}
		})
		Eventually(func(g Gomega) {
			got, _ := bucketState(name)
			g.Expect(got.Lifecycle).To(BeNil())
			g.Expect(got.CORS).To(BeNil())
			g.Expect(got.Tags).To(Equal(map[string]string{ossv1.OwnershipTagKey: ownerTag(ns, name)}))
			g.Expect(got.Policy).To(BeEmpty())
			g.Expect(got.Logging).To(BeNil())
			g.Expect(got.Website).To(BeNil())
			g.Expect(got.Encryption).To(BeNil())
			g.Expect(got.Referer.AllowEmptyReferer).To(BeTrue())
			g.Expect(got.Referer.RefererList).To(BeEmpty())
		}).Should(Succeed())
		expectCondition(b, ossv1.ConditionReady, metav1.ConditionTrue, ossv1.ReasonReady)
	})

	It("never reads, writes or reports a setting the spec does not declare", func() {
		name := unique("unmanaged")
		b := createBucket(ns, name)
		expectCondition(b, ossv1.ConditionReady, metav1.ConditionTrue, ossv1.ReasonReady)
		Expect(acct.oss.PutBucketLifecycle(ctx, name, &ossapi.LifecycleConfiguration{Rules: []ossapi.LifecycleRule{{ID: "hand-made", Status: "Enabled", Expiration: &ossapi.LifecycleExpiration{Days: ptr.To(3)}}}})).To(Succeed())
		Expect(acct.oss.PutBucketCors(ctx, name, &ossapi.CORSConfiguration{Rules: []ossapi.CORSRule{{AllowedOrigins: []string{"*"}, AllowedMethods: []string{"GET"}}}})).To(Succeed())
		emu.ResetCounters()
		resync(b)
		Eventually(acct.calls).Should(Equal(map[string]int{ossapi.OpGetBucketInfo: 1, ossapi.OpGetBucketTags: 1}))
		Consistently(acct.calls).WithTimeout(time.Second).Should(Equal(map[string]int{ossapi.OpGetBucketInfo: 1, ossapi.OpGetBucketTags: 1}))
		got, _ := bucketState(name)
		Expect(got.Lifecycle.Rules[0].ID).To(Equal("hand-made"))
		Expect(got.CORS).NotTo(BeNil())
		Expect(k8s.Get(ctx, client.ObjectKeyFromObject(b), b)).To(Succeed())
		Expect(b.Status.Settings).To(BeEmpty())
	})

	It("reports a setting OSS refuses, naming it and quoting OSS, while the others converge", func() {
		name := unique("refused")
		far := unique("far-logs")
		Expect(emu.CreateBucket(acct.id, far, "cn-beijing")).To(Succeed())
		b := createBucket(ns, name, func(b *ossv1.Bucket) {
			b.Spec.Logging = &ossv1.Logging{TargetBucket: far}
			b.Spec.CORS = &ossv1.CORS{Rules: []ossv1.CORSRule{{AllowedOrigins: []string{"*"}, AllowedMethods: []string{"PUT"}}}}
			b.Spec.Versioning = "Enabled"
		})
		expectCondition(b, ossv1.ConditionStalled, metav1.ConditionTrue, ossv1.ReasonOSSRejected)
		Expect(readyMessage(b)).To(ContainSubstring("spec.logging"))
		Expect(readyMessage(b)).To(ContainSubstring(ossapi.CodeInvalidTargetBucketForLogging))
		Expect(settingStatus(b, "logging").InSync).To(BeFalse())
		Expect(settingStatus(b, "logging").Message).To(ContainSubstring(ossapi.CodeInvalidTargetBucketForLogging))
		Expect(settingStatus(b, "cors").InSync).To(BeTrue())
		got, _ := bucketState(name)
		Expect(got.CORS).NotTo(BeNil())
		Expect(got.Versioning).To(Equal("Enabled"))

		// Fixing the spec recovers.
		update(b, func(b *ossv1.Bucket) { b.Spec.Logging = &ossv1.Logging{TargetBucket: logs} })
		expectCondition(b, ossv1.ConditionReady, metav1.ConditionTrue, ossv1.ReasonReady)
	})

	It("refuses a spec it cannot apply before writing anything to OSS, PutBucket included", func() {
		name := unique("badpolicy")
		emu.ResetCounters()
		b := createBucket(ns, name, func(b *ossv1.Bucket) {
			b.Spec.Policy = ptr.To("{not json")
			b.Spec.Versioning = "Enabled"
		})
		expectCondition(b, ossv1.ConditionStalled, metav1.ConditionTrue, ossv1.ReasonInvalidSpec)
		Expect(readyMessage(b)).To(ContainSubstring("spec.policy: not a JSON document"))
		Expect(acct.writes()).To(BeEmpty())
		_, ok := bucketState(name)
		Expect(ok).To(BeFalse(), "no bucket was created for a spec that cannot be applied")

		// A policy that grants another account access, not the public: fine with Block Public Access on.
		update(b, func(b *ossv1.Bucket) {
			b.Spec.Policy = ptr.To(`{"Version":"1","Statement":[{"Effect":"Allow","Action":["oss:GetObject"],"Principal":["1234567890123456"],"Resource":["acs:oss:*:*:` + name + `/*"]}]}`)
		})
		expectCondition(b, ossv1.ConditionReady, metav1.ConditionTrue, ossv1.ReasonReady)
	})

	It("writes nothing while paused and says what differs", func() {
		name := unique("pausedset")
		b := createBucket(ns, name, func(b *ossv1.Bucket) { b.Spec.Tags = map[string]string{"a": "1"} })
		expectCondition(b, ossv1.ConditionReady, metav1.ConditionTrue, ossv1.ReasonReady)
		update(b, func(b *ossv1.Bucket) {
			b.Annotations = map[string]string{ossv1.AnnotationPaused: "true"}
			b.Spec.Tags = map[string]string{"a": "2"}
			b.Spec.Versioning = "Enabled"
		})
		expectCondition(b, ossv1.ConditionReady, metav1.ConditionFalse, ossv1.ReasonPaused)
		Expect(readyMessage(b)).To(And(ContainSubstring("tags"), ContainSubstring("versioning")))
		Expect(b.Status.Conditions).NotTo(ContainElement(HaveField("Type", ossv1.ConditionReconciling)))
		expectEvent(b, ossv1.EventPaused)
		got, _ := bucketState(name)
		Expect(got.Tags).To(HaveKeyWithValue("a", "1"))
		Expect(got.Versioning).To(BeEmpty())
		update(b, func(b *ossv1.Bucket) { delete(b.Annotations, ossv1.AnnotationPaused) })
		expectCondition(b, ossv1.ConditionReady, metav1.ConditionTrue, ossv1.ReasonReady)
		expectEvent(b, ossv1.EventResumed)
		got, _ = bucketState(name)
		Expect(got.Tags).To(HaveKeyWithValue("a", "2"))
	})
})

var _ = Describe("Bucket settings that depend on another bucket", func() {
	It("waits for a log target that does not exist yet, and proceeds when it appears", func() {
		ns := newNamespace()
		acct = newAccountAccessKey(ns)
		target := unique("late-logs")
		b := createBucket(ns, unique("logged"), func(b *ossv1.Bucket) { b.Spec.Logging = &ossv1.Logging{TargetBucket: target} })
		expectCondition(b, ossv1.ConditionReconciling, metav1.ConditionTrue, ossv1.ReasonLogTargetNotFound)
		Expect(readyMessage(b)).To(And(ContainSubstring(target), ContainSubstring("spec.logging.targetBucket")))
		createBucket(ns, target)
		expectCondition(b, ossv1.ConditionReady, metav1.ConditionTrue, ossv1.ReasonReady)
	})

	It("looks again as soon as a Bucket of that name becomes Ready, not at the next poll", func() {
		ns := newNamespace()
		acct = newAccountAccessKey(ns)
		target := unique("soon-logs")
		b := createBucket(ns, unique("logged"), func(b *ossv1.Bucket) { b.Spec.Logging = &ossv1.Logging{TargetBucket: target} })
		expectCondition(b, ossv1.ConditionReconciling, metav1.ConditionTrue, ossv1.ReasonLogTargetNotFound)
		t := createBucket(ns, target)
		expectCondition(t, ossv1.ConditionReady, metav1.ConditionTrue, ossv1.ReasonReady)
		// The next poll is 10 s (the floor of a poll) after the wait began; the watch comes well before it.
		Eventually(func() bool {
			Expect(k8s.Get(ctx, client.ObjectKeyFromObject(b), b)).To(Succeed())
			return isReady(b)
		}).WithTimeout(5*time.Second).Should(BeTrue(), "the logging Bucket was not looked at again when its target became Ready")
	})
})
