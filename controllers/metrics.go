package controllers

import (
	"sync"

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
//
// The state is kept compact, one byte per resource, and the series are made as they are scraped: six
// series for each of 10,000 Buckets kept as gauges would hold some 60,000 label sets in memory for good.
type ResourceMetrics struct {
	desc *prometheus.Desc

	mu    sync.Mutex
	state map[resourceKey]uint8 // the status index of each condition type, two bits each
}

type resourceKey struct {
	kind string
	types.NamespacedName
}

// NewResourceMetrics creates the collectors.
func NewResourceMetrics() *ResourceMetrics {
	return &ResourceMetrics{
		desc: prometheus.NewDesc("ossoperator_resource_condition",
			"The status of a resource's Ready and Stalled conditions: 1 for the current status, 0 for the others.",
			[]string{"kind", "namespace", "name", "type", "status"}, nil),
		state: map[resourceKey]uint8{},
	}
}

// Collectors returns every collector, for registration.
func (m *ResourceMetrics) Collectors() []prometheus.Collector {
	return []prometheus.Collector{m}
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

// Describe implements prometheus.Collector.
func (m *ResourceMetrics) Describe(ch chan<- *prometheus.Desc) { ch <- m.desc }

// Collect implements prometheus.Collector: the series of every resource recorded, made now.
func (m *ResourceMetrics) Collect(ch chan<- prometheus.Metric) {
	m.mu.Lock()
	snapshot := make([]struct {
		key   resourceKey
		state uint8
	}, 0, len(m.state))
	for k, v := range m.state {
		snapshot = append(snapshot, struct {
			key   resourceKey
			state uint8
		}{k, v})
	}
	m.mu.Unlock()
	for _, r := range snapshot {
		for i, t := range metricConditionTypes {
			current := int(r.state>>(2*i)) & 3
			for j, s := range conditionStatuses {
				v := 0.0
				if j == current {
					v = 1
				}
				ch <- prometheus.MustNewConstMetric(m.desc, prometheus.GaugeValue, v, r.key.kind, r.key.Namespace, r.key.Name, t.typ, string(s))
			}
		}
	}
}

// record sets the gauge to the conditions a resource reports.
func (m *ResourceMetrics) record(kind string, key types.NamespacedName, conds []metav1.Condition) {
	if m == nil {
		return
	}
	var state uint8
	for i, t := range metricConditionTypes {
		current := t.missing
		if c := meta.FindStatusCondition(conds, t.typ); c != nil {
			current = c.Status
		}
		idx := 2 // Unknown: a closed set, whatever the status says
		for j, s := range conditionStatuses {
			if s == current {
				idx = j
			}
		}
		state |= uint8(idx) << (2 * i)
	}
	m.mu.Lock()
	defer m.mu.Unlock()
	m.state[resourceKey{kind: kind, NamespacedName: key}] = state
}

// forget deletes the series of a resource that is gone.
func (m *ResourceMetrics) forget(kind string, key types.NamespacedName) {
	if m == nil {
		return
	}
	m.mu.Lock()
	defer m.mu.Unlock()
	delete(m.state, resourceKey{kind: kind, NamespacedName: key})
}
