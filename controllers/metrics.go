package controllers

import (
	"sync"

	"github.com/prometheus/client_golang/prometheus"
	dto "github.com/prometheus/client_model/go"
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
// The state is kept compact, a byte and the resource's two label pairs each, and the series are made
// as they are scraped from label pairs shared among them: six series for each of 10,000 Buckets kept as
// gauges held some 60 MB, and made anew at each scrape they made as much garbage.
type ResourceMetrics struct {
	desc *prometheus.Desc

	mu    sync.Mutex
	state map[resourceKey]*resourceState
}

type resourceKey struct {
	kind string
	types.NamespacedName
}

// resourceState is a resource's name and namespace label pairs, and the status index of each
// condition type, two bits each.
type resourceState struct {
	name, namespace *dto.LabelPair
	conditions      uint8
}

// Label pairs of the closed sets, shared by every series.
var (
	kindPairs   = map[string]*dto.LabelPair{kindBucket: labelPair("kind", kindBucket), kindAccessKey: labelPair("kind", kindAccessKey)}
	typePairs   = []*dto.LabelPair{labelPair("type", metricConditionTypes[0].typ), labelPair("type", metricConditionTypes[1].typ)}
	statusPairs = []*dto.LabelPair{labelPair("status", string(conditionStatuses[0])), labelPair("status", string(conditionStatuses[1])), labelPair("status", string(conditionStatuses[2]))}
)

func labelPair(name, value string) *dto.LabelPair { return &dto.LabelPair{Name: &name, Value: &value} }

// NewResourceMetrics creates the collectors.
func NewResourceMetrics() *ResourceMetrics {
	return &ResourceMetrics{
		desc: prometheus.NewDesc("ossoperator_resource_condition",
			"The status of a resource's Ready and Stalled conditions: 1 for the current status, 0 for the others.",
			[]string{"kind", "namespace", "name", "type", "status"}, nil),
		state: map[resourceKey]*resourceState{},
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
	type entry struct {
		kind *dto.LabelPair
		resourceState
	}
	m.mu.Lock()
	snapshot := make([]entry, 0, len(m.state))
	for k, v := range m.state {
		snapshot = append(snapshot, entry{kindPairs[k.kind], *v})
	}
	m.mu.Unlock()
	for _, r := range snapshot {
		for i := range metricConditionTypes {
			current := int(r.conditions>>(2*i)) & 3
			for j := range conditionStatuses {
				v := 0.0
				if j == current {
					v = 1
				}
				// Sorted by label name: kind, name, namespace, status, type.
				ch <- conditionSeries{desc: m.desc, value: v,
					labels: [5]*dto.LabelPair{r.kind, r.name, r.namespace, statusPairs[j], typePairs[i]}}
			}
		}
	}
}

// conditionSeries is one series of ossoperator_resource_condition.
type conditionSeries struct {
	desc   *prometheus.Desc
	labels [5]*dto.LabelPair
	value  float64
}

func (c conditionSeries) Desc() *prometheus.Desc { return c.desc }

func (c conditionSeries) Write(out *dto.Metric) error {
	out.Label = c.labels[:]
	out.Gauge = &dto.Gauge{Value: &c.value}
	return nil
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
	k := resourceKey{kind: kind, NamespacedName: key}
	if r := m.state[k]; r != nil {
		r.conditions = state
		return
	}
	if kindPairs[kind] == nil {
		return // not a kind of this operator's
	}
	m.state[k] = &resourceState{name: labelPair("name", key.Name), namespace: labelPair("namespace", key.Namespace), conditions: state}
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
