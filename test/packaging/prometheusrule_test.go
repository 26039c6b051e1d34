package packaging

import (
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"strings"
	"testing"

	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"
)

// documentedMetrics are the operator's metrics in the table of docs/metrics.md ("| `name` | type |"),
// with the series a histogram adds.
func documentedMetrics(t *testing.T) map[string]bool {
	t.Helper()
	b, err := os.ReadFile(filepath.Join(root, "docs", "metrics.md"))
	if err != nil {
		t.Fatal(err)
	}
	out := map[string]bool{}
	for _, m := range regexp.MustCompile("(?m)^\\| `([a-z_:]+)` \\| (counter|gauge|histogram) \\|").FindAllStringSubmatch(string(b), -1) {
		out[m[1]] = true
		if m[2] == "histogram" {
			out[m[1]+"_bucket"], out[m[1]+"_sum"], out[m[1]+"_count"] = true, true, true
		}
	}
	if len(out) == 0 {
		t.Fatal("no metric found in the table of docs/metrics.md")
	}
	return out
}

// A metric in a PromQL expression: a name followed by its label matchers or a range. The chart's
// expressions write every selector with braces (`name{}` for none), so this finds them all.
var promqlMetric = regexp.MustCompile(`([a-zA-Z_:][a-zA-Z0-9_:]*)\s*[{\[]`)

// TestHelmPrometheusRule renders the PrometheusRule, checks its alerts and that every metric they use
// is one the operator exports (docs/metrics.md), and dry-runs it against the stub CRD.
func TestHelmPrometheusRule(t *testing.T) {
	const ns = "ossop-rules"
	objs := helmTemplate(t, chart, "oss", ns,
		"--set", "metrics.prometheusRule.enabled=true",
		"--set", "metrics.prometheusRule.namespace=monitoring",
		"--set", "metrics.prometheusRule.labels.release=prometheus",
		"--set", "metrics.prometheusRule.stalled.for=20m",
		"--set", "metrics.prometheusRule.ossErrorRatio.threshold=0.25",
		"--set", "metrics.prometheusRule.driftCorrected.severity=warning",
		"--set", "metrics.prometheusRule.additionalRules[0].record=ossoperator:stalled:count",
		"--set", "metrics.prometheusRule.additionalRules[0].expr=count(ossoperator_resource_condition{type=\"Stalled\"\\,status=\"True\"} == 1)",
	)
	pr := one(t, objs, "PrometheusRule")
	if pr.GetNamespace() != "monitoring" || pr.GetLabels()["release"] != "prometheus" || pr.GetLabels()["app.kubernetes.io/instance"] != "oss" {
		t.Errorf("PrometheusRule %s/%s labels %v", pr.GetNamespace(), pr.GetName(), pr.GetLabels())
	}
	groups, _, _ := unstructured.NestedSlice(pr.Object, "spec", "groups")
	if len(groups) != 1 {
		t.Fatalf("PrometheusRule groups %v", groups)
	}
	rules, _, _ := unstructured.NestedSlice(groups[0].(map[string]any), "rules")
	exported := documentedMetrics(t)
	var alerts []string
	byAlert := map[string]map[string]any{}
	for _, r := range rules {
		rule := r.(map[string]any)
		expr, _ := rule["expr"].(string)
		used := promqlMetric.FindAllStringSubmatch(expr, -1)
		if len(used) == 0 {
			t.Errorf("rule %v: no metric found in %q", rule, expr)
		}
		for _, m := range used {
			if !exported[m[1]] && !slices.Contains([]string{"by", "without", "rate", "increase", "sum", "count"}, m[1]) {
				t.Errorf("rule %v uses %s, which the operator does not export (docs/metrics.md)", rule, m[1])
			}
		}
		name, ok := rule["alert"].(string)
		if !ok {
			continue
		}
		alerts = append(alerts, name)
		byAlert[name] = rule
		labels, _ := rule["labels"].(map[string]any)
		if labels["severity"] == nil || labels["severity"] == "" {
			t.Errorf("alert %s has no severity label: %v", name, labels)
		}
		ann, _ := rule["annotations"].(map[string]any)
		for _, a := range []string{"summary", "description"} {
			if s, _ := ann[a].(string); s == "" {
				t.Errorf("alert %s has no %s", name, a)
			}
		}
	}
	want := []string{"OSSOperatorResourceStalled", "OSSOperatorResourceNotReady", "OSSOperatorOSSErrorRatioHigh", "OSSOperatorDriftCorrectedFrequently"}
	if !slices.Equal(alerts, want) {
		t.Errorf("alerts %q, want %q", alerts, want)
	}
	if len(rules) != len(want)+1 || rules[len(rules)-1].(map[string]any)["record"] != "ossoperator:stalled:count" {
		t.Errorf("the additional rule is not appended: %v", rules)
	}

	// The alerts on a resource name it, in whichever label its namespace is after the scrape.
	for _, name := range want[:2] {
		for _, a := range []string{"summary", "description"} {
			s := byAlert[name]["annotations"].(map[string]any)[a].(string)
			for _, l := range []string{"$labels.kind", "$labels.exported_namespace", "$labels.namespace", "$labels.name"} {
				if !strings.Contains(s, l) {
					t.Errorf("alert %s %s does not name %s: %q", name, a, l, s)
				}
			}
		}
	}
	if r := byAlert["OSSOperatorResourceStalled"]; r["for"] != "20m" || !strings.Contains(r["expr"].(string), `type="Stalled", status="True"`) {
		t.Errorf("OSSOperatorResourceStalled: %v", r)
	}
	if r := byAlert["OSSOperatorResourceNotReady"]; r["for"] != "30m" || !strings.Contains(r["expr"].(string), `type="Ready", status="True"} == 0`) {
		t.Errorf("OSSOperatorResourceNotReady: %v", r)
	}
	if r := byAlert["OSSOperatorOSSErrorRatioHigh"]; !strings.HasSuffix(r["expr"].(string), "> 0.25") || !strings.Contains(r["expr"].(string), `code!~"OK|NotFound|NoSuch.*"`) {
		t.Errorf("OSSOperatorOSSErrorRatioHigh: %v", r)
	}
	if r := byAlert["OSSOperatorDriftCorrectedFrequently"]; r["labels"].(map[string]any)["severity"] != "warning" || !strings.HasSuffix(r["expr"].(string), "[1h])) > 3") {
		t.Errorf("OSSOperatorDriftCorrectedFrequently: %v", r)
	}
	dryRun(t, find(objs, "PrometheusRule"))

	// Every alert off, and no additional rule: an empty group, still accepted.
	objs = helmTemplate(t, chart, "oss", ns, "--set", "metrics.prometheusRule.enabled=true",
		"--set", "metrics.prometheusRule.stalled.enabled=false", "--set", "metrics.prometheusRule.notReady.enabled=false",
		"--set", "metrics.prometheusRule.ossErrorRatio.enabled=false", "--set", "metrics.prometheusRule.driftCorrected.enabled=false")
	pr = one(t, objs, "PrometheusRule")
	if pr.GetNamespace() != ns {
		t.Errorf("PrometheusRule in namespace %q, want the release's %s", pr.GetNamespace(), ns)
	}
	groups, _, _ = unstructured.NestedSlice(pr.Object, "spec", "groups")
	if rules, found, _ := unstructured.NestedSlice(groups[0].(map[string]any), "rules"); !found || len(rules) != 0 {
		t.Errorf("rules %v (found %t), want an empty list", rules, found)
	}
	dryRun(t, find(objs, "PrometheusRule"))
}
