package controllers

import (
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"

	"github.com/prometheus/client_golang/prometheus"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/types"

	"github.com/ossoperator/oss-operator/ossapi"
)

// gauge reads ossoperator_resource_condition from reg: "kind/namespace/name type status" to value.
func gauge(t *testing.T, reg *prometheus.Registry) map[string]float64 {
	t.Helper()
	families, err := reg.Gather()
	if err != nil {
		t.Fatal(err)
	}
	got := map[string]float64{}
	for _, f := range families {
		if f.GetName() != "ossoperator_resource_condition" {
			continue
		}
		for _, m := range f.GetMetric() {
			l := map[string]string{}
			for _, p := range m.GetLabel() {
				l[p.GetName()] = p.GetValue()
			}
			got[l["kind"]+"/"+l["namespace"]+"/"+l["name"]+" "+l["type"]+" "+l["status"]] = m.GetGauge().GetValue()
		}
	}
	return got
}

func TestResourceMetricsRecordAndForget(t *testing.T) {
	m := NewResourceMetrics()
	reg := prometheus.NewRegistry()
	if err := m.Register(reg); err != nil {
		t.Fatal(err)
	}
	a := types.NamespacedName{Namespace: "ns", Name: "a"}
	b := types.NamespacedName{Namespace: "ns", Name: "b"}
	cond := func(typ string, s metav1.ConditionStatus) metav1.Condition {
		return metav1.Condition{Type: typ, Status: s, Reason: "R", Message: "free text that is never a label"}
	}

	// Stalled: Ready False, Stalled True.
	m.record(kindBucket, a, []metav1.Condition{cond("Ready", metav1.ConditionFalse), cond("Stalled", metav1.ConditionTrue), cond("Reconciling", metav1.ConditionTrue)})
	// No conditions yet: Ready Unknown, Stalled False (absent).
	m.record(kindAccessKey, a, nil)
	// Ready; a Bucket of the same name in another namespace is its own series.
	m.record(kindBucket, b, []metav1.Condition{cond("Ready", metav1.ConditionTrue)})
	want := map[string]float64{
		"Bucket/ns/a Ready True": 0, "Bucket/ns/a Ready False": 1, "Bucket/ns/a Ready Unknown": 0,
		"Bucket/ns/a Stalled True": 1, "Bucket/ns/a Stalled False": 0, "Bucket/ns/a Stalled Unknown": 0,
		"AccessKey/ns/a Ready True": 0, "AccessKey/ns/a Ready False": 0, "AccessKey/ns/a Ready Unknown": 1,
		"AccessKey/ns/a Stalled True": 0, "AccessKey/ns/a Stalled False": 1, "AccessKey/ns/a Stalled Unknown": 0,
		"Bucket/ns/b Ready True": 1, "Bucket/ns/b Ready False": 0, "Bucket/ns/b Ready Unknown": 0,
		"Bucket/ns/b Stalled True": 0, "Bucket/ns/b Stalled False": 1, "Bucket/ns/b Stalled Unknown": 0,
	}
	check := func(step string) {
		t.Helper()
		got := gauge(t, reg)
		if len(got) != len(want) {
			t.Errorf("%s: %d series, want %d: %v", step, len(got), len(want), got)
		}
		for k, v := range want {
			if g, ok := got[k]; !ok || g != v {
				t.Errorf("%s: %s = %v (present %v), want %v", step, k, g, ok, v)
			}
		}
	}
	check("recorded")

	// Recovering: the same series change value, none is added.
	m.record(kindBucket, a, []metav1.Condition{cond("Ready", metav1.ConditionTrue)})
	want["Bucket/ns/a Ready True"], want["Bucket/ns/a Ready False"] = 1, 0
	want["Bucket/ns/a Stalled True"], want["Bucket/ns/a Stalled False"] = 0, 1
	check("recovered")

	// A status outside the three is Unknown, not a label of its own.
	m.record(kindBucket, b, []metav1.Condition{cond("Ready", "Maybe")})
	want["Bucket/ns/b Ready True"], want["Bucket/ns/b Ready Unknown"] = 0, 1
	check("odd status")

	// Gone: only that resource's series go, not those of the other kind or name.
	m.forget(kindBucket, a)
	for k := range want {
		if k[:len("Bucket/ns/a ")] == "Bucket/ns/a " {
			delete(want, k)
		}
	}
	check("forgotten")
	m.forget(kindBucket, a) // twice is harmless
	check("forgotten twice")

	// Without metrics, nothing happens.
	var none *ResourceMetrics
	none.record(kindBucket, a, nil)
	none.forget(kindBucket, a)
}

// TestMetricsAreDocumented keeps docs/metrics.md and the metrics the operator registers in step: every
// metric is listed, and every ossoperator_ name the page uses exists.
func TestMetricsAreDocumented(t *testing.T) {
	doc, err := os.ReadFile(filepath.Join("..", "docs", "metrics.md"))
	if err != nil {
		t.Fatal(err)
	}
	collectors := append(NewResourceMetrics().Collectors(), ossapi.NewMetrics().Collectors()...)
	collectors = append(collectors, driftCorrected)
	fqName := regexp.MustCompile(`fqName: "([^"]+)"`)
	names := map[string]bool{}
	for _, c := range collectors {
		ch := make(chan *prometheus.Desc, 10)
		c.Describe(ch)
		close(ch)
		for d := range ch {
			m := fqName.FindStringSubmatch(d.String())
			if m == nil {
				t.Fatalf("no name in %s", d)
			}
			names[m[1]] = true
		}
	}
	if len(names) != 5 {
		t.Errorf("%d metrics, want 5: %v", len(names), names)
	}
	for name := range names {
		if !strings.Contains(string(doc), "| `"+name+"` |") {
			t.Errorf("docs/metrics.md does not list %s in its table", name)
		}
	}
	for _, used := range regexp.MustCompile(`ossoperator_[a-z_]+`).FindAllString(string(doc), -1) {
		base := used
		for _, suffix := range []string{"_bucket", "_sum", "_count"} {
			if b, ok := strings.CutSuffix(used, suffix); ok && names[b] {
				base = b
			}
		}
		if !names[base] {
			t.Errorf("docs/metrics.md names %s, which the operator does not export", used)
		}
	}
}
