package controllers

import (
	"github.com/prometheus/client_golang/prometheus"
	"k8s.io/apimachinery/pkg/api/meta"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/types"

	ossv1 "github.com/ossoperator/oss-operator/api/v1alpha1"
)

// The kinds, as the kind label says them.
const (
	kindBucket    = "Bucket"
	kindAccessKey = "AccessKey"
)

// metricConditionTypes are the conditions the gauge shows. A missing Ready is Unknown; a missing
// Stalled is False (kstatus: no Stalled condition means not stalled).
var metricConditionTypes = []struct {
	typ     string
	missing metav1.ConditionStatus
}{
	{ossv1.ConditionReady, metav1.ConditionUnknown},
	{ossv1.ConditionStalled, metav1.ConditionFalse},
}

var conditionStatuses = []metav1.ConditionStatus{metav1.ConditionTrue, metav1.ConditionFalse, metav1.ConditionUnknown}

// ResourceMetrics are the Prometheus collectors of the resources' state, as Flux's
// gotk_reconcile_condition: ossoperator_resource_condition{kind, namespace, name, type, status} is 1
// for the status a condition has and 0 for the other two. Labels are the kind, the namespace and name of
// a resource that exists (its series are deleted when it goes), a type and a status from closed sets:
// nothing from OSS, no free text. Register them with Register; controllers given none record nothing.
type ResourceMetrics struct {
	conditions *prometheus.GaugeVec
}

// NewResourceMetrics creates the collectors.
func NewResourceMetrics() *ResourceMetrics {
	return &ResourceMetrics{
		conditions: prometheus.NewGaugeVec(prometheus.GaugeOpts{
			Name: "ossoperator_resource_condition",
			Help: "The status of a resource's Ready and Stalled conditions: 1 for the current status, 0 for the others.",
		}, []string{"kind", "namespace", "name", "type", "status"}),
	}
}

// Collectors returns every collector, for registration.
func (m *ResourceMetrics) Collectors() []prometheus.Collector {
	return []prometheus.Collector{m.conditions}
}

// Register adds the collectors to a registry, such as controller-runtime's metrics.Registry, which
// the operator's metrics endpoint serves.
func (m *ResourceMetrics) Register(reg prometheus.Registerer) error {
	for _, c := range m.Collectors() {
		if err := reg.Register(c); err != nil {
			return err
		}
	}
	return nil
}

// record sets the gauge to the conditions a resource reports.
func (m *ResourceMetrics) record(kind string, key types.NamespacedName, conds []metav1.Condition) {
	if m == nil {
		return
	}
	for _, t := range metricConditionTypes {
		current := t.missing
		if c := meta.FindStatusCondition(conds, t.typ); c != nil {
			current = c.Status
		}
		if current != metav1.ConditionTrue && current != metav1.ConditionFalse {
			current = metav1.ConditionUnknown // a closed set, whatever the status says
		}
		for _, s := range conditionStatuses {
			v := 0.0
			if s == current {
				v = 1
			}
			m.conditions.WithLabelValues(kind, key.Namespace, key.Name, t.typ, string(s)).Set(v)
		}
	}
}

// forget deletes the series of a resource that is gone.
func (m *ResourceMetrics) forget(kind string, key types.NamespacedName) {
	if m == nil {
		return
	}
	m.conditions.DeletePartialMatch(prometheus.Labels{"kind": kind, "namespace": key.Namespace, "name": key.Name})
}
