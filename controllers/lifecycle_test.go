package controllers_test

import (
	"bufio"
	"encoding/json"
	"fmt"
	"io"
	"slices"
	"strings"
	"time"

	. "github.com/onsi/ginkgo/v2"
	. "github.com/onsi/gomega"
	corev1 "k8s.io/api/core/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/utils/ptr"
	"sigs.k8s.io/controller-runtime/pkg/client"
	"sigs.k8s.io/controller-runtime/pkg/controller/controllerutil"

	ossv1 "github.com/ossoperator/oss-operator/api/v1alpha1"
	"github.com/ossoperator/oss-operator/controllers"
	"github.com/ossoperator/oss-operator/ossapi"
	"github.com/ossoperator/oss-operator/ossapi/osstest"
)

// A Bucket's lifecycle as a user lives it: the ways back from a spec that cannot work, deletions in any
// order, and what is reported and logged along the way.
var _ = Describe("Bucket lifecycle", func() {
	var ns string
	BeforeEach(func() {
		ns = newNamespace()
		acct = newAccountAccessKey(ns)
	})

	Describe("a field that cannot change", func() {
		It("can always be taken back: removed, or set to what OSS holds", func() {
			name := unique("trap")
			b := createBucket(ns, name)
			expectCondition(b, ossv1.ConditionReady, metav1.ConditionTrue, ossv1.ReasonReady)
			Expect(b.Status.StorageClass).To(Equal("Standard"))
			Expect(b.Status.RedundancyType).To(Equal("LRS"))

			By("adding a storage class the bucket does not have")
			update(b, func(b *ossv1.Bucket) { b.Spec.StorageClass = "IA" })
			expectCondition(b, ossv1.ConditionStalled, metav1.ConditionTrue, ossv1.ReasonImmutableFieldMismatch)
			Expect(readyMessage(b)).To(ContainSubstring("remove spec.storageClass or set it to Standard"))

			By("a Git revert: the field removed")
			update(b, func(b *ossv1.Bucket) { b.Spec.StorageClass = "" })
			expectCondition(b, ossv1.ConditionReady, metav1.ConditionTrue, ossv1.ReasonReady)

			By("or set to what OSS holds")
			update(b, func(b *ossv1.Bucket) { b.Spec.StorageClass = "IA" })
			expectCondition(b, ossv1.ConditionStalled, metav1.ConditionTrue, ossv1.ReasonImmutableFieldMismatch)
			update(b, func(b *ossv1.Bucket) { b.Spec.StorageClass = "Standard" })
			expectCondition(b, ossv1.ConditionReady, metav1.ConditionTrue, ossv1.ReasonReady)

			By("a set value still cannot change to another")
			Expect(k8s.Get(ctx, client.ObjectKeyFromObject(b), b)).To(Succeed())
			b.Spec.StorageClass = "Archive"
			err := k8s.Update(ctx, b)
			Expect(err).To(HaveOccurred())
			Expect(err.Error()).To(ContainSubstring("spec.storageClass cannot be changed once set"))

			By("the same for the redundancy type")
			update(b, func(b *ossv1.Bucket) { b.Spec.RedundancyType = "ZRS" })
			expectCondition(b, ossv1.ConditionStalled, metav1.ConditionTrue, ossv1.ReasonImmutableFieldMismatch)
			Expect(readyMessage(b)).To(ContainSubstring("set it to LRS"))
			update(b, func(b *ossv1.Bucket) { b.Spec.RedundancyType = "" })
			expectCondition(b, ossv1.ConditionReady, metav1.ConditionTrue, ossv1.ReasonReady)
		})
	})

	Describe("deletion", func() {
		// As `kubectl delete -f` of one file, a GitOps prune or a namespace deletion do: all at once, in
		// any order. The AccessKey waits for the Bucket; the deletion finishes with the credentials last
		// verified when the Secret went first.
		DescribeTable("finishes when the Secret, the AccessKey and the Bucket are deleted at once, in any order",
			func(order ...string) {
				name := unique("prune")
				b := createBucket(ns, name, func(b *ossv1.Bucket) { b.Spec.DeletionPolicy = ossv1.DeletionDelete })
				expectCondition(b, ossv1.ConditionReady, metav1.ConditionTrue, ossv1.ReasonReady)
				ak := &ossv1.AccessKey{ObjectMeta: metav1.ObjectMeta{Namespace: ns, Name: "creds"}}
				Expect(k8s.Get(ctx, client.ObjectKeyFromObject(ak), ak)).To(Succeed())
				Expect(ak.Finalizers).To(ContainElement(controllers.InUseFinalizer))
				objects := map[string]client.Object{"Secret": &corev1.Secret{ObjectMeta: metav1.ObjectMeta{Namespace: ns, Name: "creds"}}, "AccessKey": ak, "Bucket": b}

				for _, kind := range order {
					Expect(k8s.Delete(ctx, objects[kind])).To(Succeed())
					if kind == "AccessKey" && slices.Index(order, "AccessKey") < slices.Index(order, "Bucket") {
						// Held while the Bucket needs it, and says so.
						expectCondition(ak, ossv1.ConditionDeletionBlocked, metav1.ConditionTrue, ossv1.ReasonInUse)
						Expect(conditionOf(ak, ossv1.ConditionDeletionBlocked).Message).To(ContainSubstring(name))
					}
				}
				expectGone(b)
				_, ok := bucketState(name)
				Expect(ok).To(BeFalse(), "the bucket was deleted in OSS")
				expectGone(ak)
			},
			Entry("AccessKey, Secret, Bucket", "AccessKey", "Secret", "Bucket"),
			Entry("Secret, Bucket, AccessKey", "Secret", "Bucket", "AccessKey"),
			Entry("Bucket, AccessKey, Secret", "Bucket", "AccessKey", "Secret"),
		)

		It("says how out when the credentials are truly gone, and Retain then lets go at once", func() {
			name := unique("stranded")
			b := createBucket(ns, name, func(b *ossv1.Bucket) { b.Spec.DeletionPolicy = ossv1.DeletionDelete })
			expectCondition(b, ossv1.ConditionReady, metav1.ConditionTrue, ossv1.ReasonReady)
			// Someone forces the AccessKey away: deleted, then its finalizer removed by hand (once deleted,
			// nothing can add it back).
			ak := &ossv1.AccessKey{ObjectMeta: metav1.ObjectMeta{Namespace: ns, Name: "creds"}}
			Expect(k8s.Delete(ctx, ak)).To(Succeed())
			update(ak, func(ak *ossv1.AccessKey) { controllerutil.RemoveFinalizer(ak, controllers.InUseFinalizer) })
			expectGone(ak)

			Expect(k8s.Delete(ctx, b)).To(Succeed())
			expectCondition(b, ossv1.ConditionDeletionBlocked, metav1.ConditionTrue, ossv1.ReasonAccessKeyNotFound)
			Expect(conditionOf(b, ossv1.ConditionDeletionBlocked).Message).To(And(ContainSubstring(`Restore AccessKey "creds"`), ContainSubstring("spec.deletionPolicy: Retain")))
			expectCondition(b, ossv1.ConditionReady, metav1.ConditionFalse, ossv1.ReasonDeletionBlocked)

			update(b, func(b *ossv1.Bucket) { b.Spec.DeletionPolicy = ossv1.DeletionRetain })
			expectGone(b)
			_, ok := bucketState(name)
			Expect(ok).To(BeTrue(), "Retain keeps the bucket")
		})

		It("deletes a bucket it created even before its ownership tag was written", func() {
			name := unique("early")
			remove := emu.InjectFault(osstest.Fault{Operation: ossapi.OpPutBucketTags, AccountID: acct.id, Status: 503, Code: "TotalQpsLimitExceeded"})
			defer remove()
			b := createBucket(ns, name, func(b *ossv1.Bucket) { b.Spec.DeletionPolicy = ossv1.DeletionDelete })
			expectCondition(b, ossv1.ConditionReconciling, metav1.ConditionTrue, ossv1.ReasonOSSUnavailable)
			got, ok := bucketState(name)
			Expect(ok).To(BeTrue())
			Expect(got.Tags).NotTo(HaveKey(ossv1.OwnershipTagKey))
			Expect(b.Status.CreatedBucket).To(Equal(name))

			Expect(k8s.Delete(ctx, b)).To(Succeed())
			expectGone(b)
			_, ok = bucketState(name)
			Expect(ok).To(BeFalse(), "the bucket it created was deleted, not orphaned")
		})

		It("with Retain, removes its ownership tag, so that taking the bucket over is explicit", func() {
			name := unique("released")
			b := createBucket(ns, name, func(b *ossv1.Bucket) { b.Spec.Tags = map[string]string{"team": "data"} })
			expectCondition(b, ossv1.ConditionReady, metav1.ConditionTrue, ossv1.ReasonReady)
			Expect(k8s.Delete(ctx, b)).To(Succeed())
			expectGone(b)
			expectEventNote(b, ossv1.EventReleased, "without its ownership tag")
			got, ok := bucketState(name)
			Expect(ok).To(BeTrue())
			Expect(got.Tags).To(Equal(map[string]string{"team": "data"}), "only the ownership tag is removed")

			By("a new resource of the same name does not re-attach silently")
			again := createBucket(ns, name)
			expectCondition(again, ossv1.ConditionStalled, metav1.ConditionTrue, ossv1.ReasonAdoptionRequired)
			update(again, func(b *ossv1.Bucket) { b.Spec.Adopt = true })
			expectCondition(again, ossv1.ConditionReady, metav1.ConditionTrue, ossv1.ReasonReady)
			expectEvent(again, ossv1.EventAdopted)
		})

		It("requires adopt for a bucket whose tag, as earlier versions wrote it, was left by a resource of the same name", func() {
			name := unique("leftover")
			Expect(acct.oss.PutBucket(ctx, &ossapi.PutBucketRequest{Bucket: name})).To(Succeed())
			Expect(acct.oss.PutBucketTags(ctx, name, tagging(map[string]string{ossv1.OwnershipTagKey: legacyOwnerTag(ns, name)}))).To(Succeed())
			b := createBucket(ns, name)
			expectCondition(b, ossv1.ConditionStalled, metav1.ConditionTrue, ossv1.ReasonAdoptionRequired)
			Expect(readyMessage(b)).To(ContainSubstring("earlier resource of this name"))
			update(b, func(b *ossv1.Bucket) { b.Spec.Adopt = true })
			expectCondition(b, ossv1.ConditionReady, metav1.ConditionTrue, ossv1.ReasonReady)
			expectEvent(b, ossv1.EventAdopted)
		})

		It("keeps a bucket tagged by an earlier version with its Bucket: the tag is rewritten, and that is no drift", func() {
			name := unique("migrated")
			b := createBucket(ns, name, func(b *ossv1.Bucket) { b.Spec.Tags = map[string]string{"team": "data"} })
			expectCondition(b, ossv1.ConditionReady, metav1.ConditionTrue, ossv1.ReasonReady)
			// As the operator's earlier versions left it: "<cluster ID>/<namespace>/<name>".
			Expect(acct.oss.PutBucketTags(ctx, name, tagging(map[string]string{"team": "data", ossv1.OwnershipTagKey: legacyOwnerTag(ns, name)}))).To(Succeed())
			drift := driftMetric("tags")
			refresh(b)
			Eventually(func() map[string]string {
				got, _ := bucketState(name)
				return got.Tags
			}).Should(Equal(map[string]string{"team": "data", ossv1.OwnershipTagKey: ownerTag(ns, name)}))
			expectCondition(b, ossv1.ConditionReady, metav1.ConditionTrue, ossv1.ReasonReady)
			for _, e := range eventsFor(b) {
				Expect(e.Reason).NotTo(BeElementOf(ossv1.EventDriftCorrected, ossv1.EventAdopted), "the migration reported: %s", e.Note)
			}
			Expect(driftMetric("tags")).To(Equal(drift))

			By("and its deletion with Retain removes the tag it now carries")
			Expect(k8s.Delete(ctx, b)).To(Succeed())
			expectGone(b)
			got, _ := bucketState(name)
			Expect(got.Tags).To(Equal(map[string]string{"team": "data"}))
		})

		It("lets a bucket tagged for a resource that is gone be adopted, never one of a live resource", func() {
			name := unique("orphan")
			Expect(acct.oss.PutBucket(ctx, &ossapi.PutBucketRequest{Bucket: name})).To(Succeed())
			gone := clusterID + "/" + ns + "/deleted-long-ago"
			Expect(acct.oss.PutBucketTags(ctx, name, tagging(map[string]string{ossv1.OwnershipTagKey: gone}))).To(Succeed())
			b := createBucket(ns, "new-owner", func(b *ossv1.Bucket) { b.Spec.Name = name })
			expectCondition(b, ossv1.ConditionStalled, metav1.ConditionTrue, ossv1.ReasonAdoptionRequired)
			Expect(readyMessage(b)).To(ContainSubstring("a resource that no longer manages it"))
			update(b, func(b *ossv1.Bucket) { b.Spec.Adopt = true })
			expectCondition(b, ossv1.ConditionReady, metav1.ConditionTrue, ossv1.ReasonReady)
			expectEventNote(b, ossv1.EventAdopted, "a resource that no longer manages it")
			got, _ := bucketState(name)
			Expect(got.Tags).To(HaveKeyWithValue(ossv1.OwnershipTagKey, ownerTag(ns, "new-owner")))

			By("a third resource naming it finds a live owner")
			third := createBucket(ns, "third-owner", func(b *ossv1.Bucket) { b.Spec.Name = name; b.Spec.Adopt = true })
			expectCondition(third, ossv1.ConditionStalled, metav1.ConditionTrue, ossv1.ReasonOwnedByAnother)
		})
	})

	Describe("a broken answer", func() {
		It("retries a garbled 200 instead of taking it as a verdict", func() {
			name := unique("garbled")
			remove := emu.InjectFault(osstest.Fault{Operation: ossapi.OpGetBucketInfo, AccountID: acct.id, Status: 200,
				Body: "<BucketInfo><Bucket></Bucket></BucketInfo>", Count: 4})
			defer remove()
			b := createBucket(ns, name)
			expectCondition(b, ossv1.ConditionReady, metav1.ConditionTrue, ossv1.ReasonReady)
			Expect(acct.calls()[ossapi.OpPutBucket]).To(Equal(1))
			for _, e := range eventsFor(b) {
				Expect(e.Reason).NotTo(BeElementOf(ossv1.ReasonOSSRejected, ossv1.ReasonAdoptionRequired), "a garbled answer was taken as a verdict: %s", e.Note)
			}
		})
	})

	Describe("logs", func() {
		It("say, one line each at info level, what was done to which bucket, never with a key twice", func() {
			start := len(logBuffer.String())
			name := unique("logged")
			b := createBucket(ns, name, func(b *ossv1.Bucket) {
				b.Spec.DeletionPolicy = ossv1.DeletionDelete
				b.Spec.Lifecycle = &ossv1.Lifecycle{Rules: []ossv1.LifecycleRule{{ID: "r", Prefix: "tmp/", Expiration: &ossv1.LifecycleExpiration{Days: ptr.To[int32](1)}}}}
			})
			expectCondition(b, ossv1.ConditionReady, metav1.ConditionTrue, ossv1.ReasonReady)
			update(b, func(b *ossv1.Bucket) { b.Spec.Tags = map[string]string{"team": "a"} })
			expectEvent(b, ossv1.EventUpdated)
			Expect(acct.oss.DeleteBucketLifecycle(ctx, name)).To(Succeed())
			refresh(b)
			expectEvent(b, ossv1.EventDriftCorrected)
			Expect(k8s.Delete(ctx, b)).To(Succeed())
			expectGone(b)

			adopted := unique("logged-adopt")
			Expect(acct.oss.PutBucket(ctx, &ossapi.PutBucketRequest{Bucket: adopted})).To(Succeed())
			a := createBucket(ns, adopted, func(b *ossv1.Bucket) { b.Spec.Adopt = true })
			expectCondition(a, ossv1.ConditionReady, metav1.ConditionTrue, ossv1.ReasonReady)
			Expect(k8s.Delete(ctx, a)).To(Succeed())
			expectGone(a)

			Eventually(func() []string { return infoLines(logBuffer.String()[start:], ns, name) }).Should(ContainElements(
				"Created bucket "+name+" in cn-hangzhou", "Applied spec.tags",
				"spec.lifecycle differed in OSS from what the operator applied, and was corrected", "Deleted bucket "+name))
			Eventually(func() []string { return infoLines(logBuffer.String()[start:], ns, adopted) }).Should(ContainElements(
				"Adopted existing bucket "+adopted, HavePrefix("Bucket "+adopted+" left in OSS (deletionPolicy Retain)")))

			sc := bufio.NewScanner(strings.NewReader(logBuffer.String()[start:]))
			sc.Buffer(make([]byte, 1<<20), 1<<20)
			lines := 0
			for sc.Scan() {
				lines++
				Expect(duplicateKeys(sc.Bytes())).To(BeEmpty(), "log line %s", sc.Text())
			}
			Expect(lines).To(BeNumerically(">", 20), "the operator logged what it did")
		})
	})
})

// Kubernetes deletes a namespace's contents in no particular order: the namespace must still go, with
// each Bucket's deletionPolicy applied.
var _ = Describe("Namespace deletion", func() {
	It("deletes the Delete buckets, keeps the Retain ones, and the namespace goes within a minute", func() {
		ns := newNamespace()
		acct = newAccountAccessKey(ns)
		deleted, kept := unique("nsdel"), unique("nskeep")
		d := createBucket(ns, deleted, func(b *ossv1.Bucket) { b.Spec.DeletionPolicy = ossv1.DeletionDelete })
		k := createBucket(ns, kept)
		expectCondition(d, ossv1.ConditionReady, metav1.ConditionTrue, ossv1.ReasonReady)
		expectCondition(k, ossv1.ConditionReady, metav1.ConditionTrue, ossv1.ReasonReady)

		Expect(k8s.Delete(ctx, &corev1.Namespace{ObjectMeta: metav1.ObjectMeta{Name: ns}})).To(Succeed())
		Eventually(func() bool {
			return apierrors.IsNotFound(k8s.Get(ctx, client.ObjectKey{Name: ns}, &corev1.Namespace{}))
		}).WithTimeout(time.Minute).WithPolling(250*time.Millisecond).Should(BeTrue(), "namespace %s is still there", ns)

		_, ok := bucketState(deleted)
		Expect(ok).To(BeFalse(), "the Delete bucket is deleted in OSS")
		got, ok := bucketState(kept)
		Expect(ok).To(BeTrue(), "the Retain bucket is kept")
		Expect(got.Tags).NotTo(HaveKey(ossv1.OwnershipTagKey), "and let go of")
	})

	It("gives a namespace made again under the same name none of the old one's buckets without adopt", func() {
		ns := newNamespace()
		acct = newAccountAccessKey(ns)
		name := unique("heir")
		b := createBucket(ns, name, func(b *ossv1.Bucket) { b.Spec.Tags = map[string]string{"owner": "first"} })
		expectCondition(b, ossv1.ConditionReady, metav1.ConditionTrue, ossv1.ReasonReady)
		firstTag, firstStatus := ownerTag(ns, name), b.Status.DeepCopy()

		// OSS refuses to remove the ownership tag as the namespace goes: the bucket keeps it.
		remove := emu.InjectFault(osstest.Fault{Operation: ossapi.OpDeleteBucketTags, AccountID: acct.id, Status: 403, Code: "AccessDenied", Message: "denied"})
		Expect(k8s.Delete(ctx, &corev1.Namespace{ObjectMeta: metav1.ObjectMeta{Name: ns}})).To(Succeed())
		Eventually(func() bool {
			return apierrors.IsNotFound(k8s.Get(ctx, client.ObjectKey{Name: ns}, &corev1.Namespace{}))
		}).WithTimeout(time.Minute).WithPolling(250*time.Millisecond).Should(BeTrue(), "namespace %s is still there", ns)
		remove()
		got, _ := bucketState(name)
		Expect(got.Tags).To(Equal(map[string]string{"owner": "first", ossv1.OwnershipTagKey: firstTag}))

		By("the namespace, its credentials and the Bucket, made again with the same names")
		Expect(k8s.Create(ctx, &corev1.Namespace{ObjectMeta: metav1.ObjectMeta{Name: ns}})).To(Succeed())
		acct.accessKeyIn(ns)
		emu.ResetCounters()
		again := createBucket(ns, name, func(b *ossv1.Bucket) { b.Spec.Tags = map[string]string{"owner": "heir"} })
		expectCondition(again, ossv1.ConditionStalled, metav1.ConditionTrue, ossv1.ReasonAdoptionRequired)
		Expect(readyMessage(again)).To(ContainSubstring("no longer manages it"))
		Expect(acct.writes()).To(BeEmpty(), "nothing is written to the bucket before adopt")
		got, _ = bucketState(name)
		Expect(got.Tags).To(Equal(map[string]string{"owner": "first", ossv1.OwnershipTagKey: firstTag}))

		By("even with the old Bucket's status restored into the new one, as a backup tool may do")
		Eventually(func() error {
			if err := k8s.Get(ctx, client.ObjectKeyFromObject(again), again); err != nil {
				return err
			}
			again.Status.BucketName, again.Status.CreationTime, again.Status.CreatedBucket = firstStatus.BucketName, firstStatus.CreationTime, firstStatus.CreatedBucket
			return k8s.Status().Update(ctx, again)
		}).Should(Succeed())
		setAnnotation(again, ossv1.AnnotationRefresh, "after-restore")
		Eventually(func(g Gomega) {
			g.Expect(k8s.Get(ctx, client.ObjectKeyFromObject(again), again)).To(Succeed())
			g.Expect(again.Status.LastHandledRefresh).To(Equal("after-restore"))
		}).Should(Succeed())
		expectCondition(again, ossv1.ConditionStalled, metav1.ConditionTrue, ossv1.ReasonAdoptionRequired)
		Expect(acct.writes()).To(BeEmpty(), "nothing is written to the bucket before adopt")

		update(again, func(b *ossv1.Bucket) { b.Spec.Adopt = true })
		expectCondition(again, ossv1.ConditionReady, metav1.ConditionTrue, ossv1.ReasonReady)
		expectEventNote(again, ossv1.EventAdopted, "a resource that no longer manages it")
		got, _ = bucketState(name)
		Expect(got.Tags).To(Equal(map[string]string{"owner": "heir", ossv1.OwnershipTagKey: ownerTag(ns, name)}))
		Expect(ownerTag(ns, name)).NotTo(Equal(firstTag))
	})
})

// infoLines are the messages of the info-level log lines about an OSS bucket of a namespace.
func infoLines(logs, ns, bucket string) []string {
	var out []string
	sc := bufio.NewScanner(strings.NewReader(logs))
	sc.Buffer(make([]byte, 1<<20), 1<<20)
	for sc.Scan() {
		var line struct {
			Level     string `json:"level"`
			Msg       string `json:"msg"`
			Namespace string `json:"namespace"`
			Name      string `json:"name"`
			OSSBucket string `json:"ossBucket"`
		}
		if json.Unmarshal(sc.Bytes(), &line) != nil || line.Level != "info" || line.Namespace != ns || line.OSSBucket != bucket || line.Name == "" {
			continue
		}
		out = append(out, line.Msg)
	}
	return out
}

// duplicateKeys are the keys that appear twice in one JSON object of a log line.
func duplicateKeys(line []byte) []string {
	dec := json.NewDecoder(strings.NewReader(string(line)))
	var dups []string
	var walk func() error
	walk = func() error {
		tok, err := dec.Token()
		if err != nil {
			return err
		}
		switch tok {
		case json.Delim('{'):
			seen := map[string]bool{}
			for dec.More() {
				k, err := dec.Token()
				if err != nil {
					return err
				}
				key := fmt.Sprint(k)
				if seen[key] {
					dups = append(dups, key)
				}
				seen[key] = true
				if err := walk(); err != nil {
					return err
				}
			}
			_, err = dec.Token()
			return err
		case json.Delim('['):
			for dec.More() {
				if err := walk(); err != nil {
					return err
				}
			}
			_, err = dec.Token()
			return err
		}
		return nil
	}
	if err := walk(); err != nil && err != io.EOF {
		return []string{"(not JSON: " + err.Error() + ")"}
	}
	return dups
}

func tagging(m map[string]string) *ossapi.Tagging {
	t := &ossapi.Tagging{}
	for k, v := range m {
		t.Tags = append(t.Tags, ossapi.Tag{Key: k, Value: v})
	}
	return t
}
