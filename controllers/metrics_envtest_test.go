package controllers_test

import (
	. "github.com/onsi/ginkgo/v2"
	. "github.com/onsi/gomega"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"sigs.k8s.io/controller-runtime/pkg/client"
	ctrlmetrics "sigs.k8s.io/controller-runtime/pkg/metrics"

	ossv1 "github.com/ossoperator/oss-operator/api/v1alpha1"
)

// conditionGauge gathers the operator's registry, as its /metrics endpoint does, and returns the
// ossoperator_resource_condition series of one resource: "type status" to value.
func conditionGauge(kind string, obj client.Object) map[string]float64 {
	GinkgoHelper()
	families, err := ctrlmetrics.Registry.Gather()
	Expect(err).NotTo(HaveOccurred())
	out := map[string]float64{}
	for _, f := range families {
		if f.GetName() != "ossoperator_resource_condition" {
			continue
		}
		for _, m := range f.GetMetric() {
			l := map[string]string{}
			for _, p := range m.GetLabel() {
				l[p.GetName()] = p.GetValue()
			}
			if l["kind"] == kind && l["namespace"] == obj.GetNamespace() && l["name"] == obj.GetName() {
				out[l["type"]+" "+l["status"]] = m.GetGauge().GetValue()
			}
		}
	}
	return out
}

// gaugeOf is the series a resource with Ready and Stalled of these statuses has.
func gaugeOf(ready, stalled metav1.ConditionStatus) map[string]float64 {
	out := map[string]float64{}
	for _, typ := range []struct {
		name    string
		current metav1.ConditionStatus
	}{{ossv1.ConditionReady, ready}, {ossv1.ConditionStalled, stalled}} {
		for _, s := range []metav1.ConditionStatus{metav1.ConditionTrue, metav1.ConditionFalse, metav1.ConditionUnknown} {
			out[typ.name+" "+string(s)] = 0
			if s == typ.current {
				out[typ.name+" "+string(s)] = 1
			}
		}
	}
	return out
}

var _ = Describe("Resource condition metrics", func() {
	It("show a Bucket's and its AccessKey's conditions while they exist, and go with them", func() {
		ns := newNamespace()
		acct = newAccountAccessKey(ns)
		ak := &ossv1.AccessKey{ObjectMeta: metav1.ObjectMeta{Namespace: ns, Name: "creds"}}
		gauge := func(kind string, obj client.Object) func() map[string]float64 {
			return func() map[string]float64 { return conditionGauge(kind, obj) }
		}
		Eventually(gauge("AccessKey", ak)).Should(Equal(gaugeOf(metav1.ConditionTrue, metav1.ConditionFalse)))

		By("a Ready Bucket: Ready True, Stalled False")
		b := createBucket(ns, unique("metrics"))
		expectCondition(b, ossv1.ConditionReady, metav1.ConditionTrue, ossv1.ReasonReady)
		Eventually(gauge("Bucket", b)).Should(Equal(gaugeOf(metav1.ConditionTrue, metav1.ConditionFalse)))

		By("stalled on a field that cannot change: Ready False, Stalled True")
		update(b, func(b *ossv1.Bucket) { b.Spec.StorageClass = "IA" })
		expectCondition(b, ossv1.ConditionStalled, metav1.ConditionTrue, ossv1.ReasonImmutableFieldMismatch)
		Eventually(gauge("Bucket", b)).Should(Equal(gaugeOf(metav1.ConditionFalse, metav1.ConditionTrue)))
		update(b, func(b *ossv1.Bucket) { b.Spec.StorageClass = "" })
		expectCondition(b, ossv1.ConditionReady, metav1.ConditionTrue, ossv1.ReasonReady)
		Eventually(gauge("Bucket", b)).Should(Equal(gaugeOf(metav1.ConditionTrue, metav1.ConditionFalse)))

		By("deleted: its series go, the AccessKey's stay")
		Expect(k8s.Delete(ctx, b)).To(Succeed())
		expectGone(b)
		Eventually(gauge("Bucket", b)).Should(BeEmpty())
		Expect(conditionGauge("AccessKey", ak)).To(Equal(gaugeOf(metav1.ConditionTrue, metav1.ConditionFalse)))

		By("the AccessKey deleted: its series go too")
		Expect(k8s.Delete(ctx, ak)).To(Succeed())
		expectGone(ak)
		Eventually(gauge("AccessKey", ak)).Should(BeEmpty())
	})
})
