package packaging

import (
	"bytes"
	"os"
	"path/filepath"
	"reflect"
	"slices"
	"strings"
	"testing"

	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"
	"sigs.k8s.io/yaml"

	"github.com/ossoperator/oss-operator/controllers"
)

const (
	image           = "ghcr.io/ossoperator/oss-operator"
	systemNamespace = "oss-operator-system"
)

// appVersion is the chart's appVersion: the operator release, and the default image tag of both installs.
func appVersion(t *testing.T) string {
	t.Helper()
	var chart struct {
		AppVersion string `json:"appVersion"`
	}
	if err := yaml.Unmarshal(readFile(t, "charts/oss-operator/Chart.yaml"), &chart); err != nil || chart.AppVersion == "" {
		t.Fatalf("charts/oss-operator/Chart.yaml has no appVersion: %v", err)
	}
	return chart.AppVersion
}

// baseCRDs reads the CRDs controller-gen generates, by name.
func baseCRDs(t *testing.T) map[string]*unstructured.Unstructured {
	t.Helper()
	paths, err := filepath.Glob(filepath.Join(root, "config", "crd", "bases", "*.yaml"))
	if err != nil || len(paths) == 0 {
		t.Fatalf("no CRDs in config/crd/bases: %v", err)
	}
	m := map[string]*unstructured.Unstructured{}
	for _, p := range paths {
		b, err := os.ReadFile(p)
		if err != nil {
			t.Fatal(err)
		}
		for _, u := range decode(t, b) {
			m[u.GetName()] = u
		}
	}
	return m
}

// checkCRDs asserts that the rendered CRDs are exactly the generated ones: the same set, the same spec.
func checkCRDs(t *testing.T, objs []*unstructured.Unstructured) {
	t.Helper()
	want := baseCRDs(t)
	got := find(objs, "CustomResourceDefinition")
	if len(got) != len(want) {
		t.Errorf("%d CRDs rendered, config/crd/bases has %d", len(got), len(want))
	}
	for _, u := range got {
		w, ok := want[u.GetName()]
		if !ok {
			t.Errorf("CRD %s is not in config/crd/bases", u.GetName())
			continue
		}
		if !reflect.DeepEqual(u.Object["spec"], w.Object["spec"]) {
			t.Errorf("CRD %s differs from config/crd/bases: run `make manifests`", u.GetName())
		}
	}
}

func TestKustomizeDefault(t *testing.T) {
	objs := kustomizeBuild(t, "config/default")

	if ns := one(t, objs, "Namespace"); ns.GetName() != systemNamespace {
		t.Errorf("namespace %s, want %s", ns.GetName(), systemNamespace)
	}
	checkCRDs(t, objs)
	dep := checkManager(t, objs, image+":"+appVersion(t))
	checkMetricsService(t, objs, dep)
	sa := one(t, objs, "ServiceAccount")
	if dep.Spec.Template.Spec.ServiceAccountName != sa.GetName() {
		t.Errorf("the Deployment runs as %q, the ServiceAccount is %q", dep.Spec.Template.Spec.ServiceAccountName, sa.GetName())
	}
	for _, u := range objs {
		if ns := u.GetNamespace(); ns != "" && ns != systemNamespace {
			t.Errorf("%s %s is in namespace %s", u.GetKind(), u.GetName(), ns)
		}
	}
	checkGrants(t, grantsOf(t, objs, systemNamespace, sa.GetName()), grants{
		"cluster":       rulesFile(t, "config/rbac/role.yaml"),
		systemNamespace: rulesFile(t, "config/rbac/leader_election_role.yaml"),
	})
	dryRun(t, objs)
}

// TestKustomizePrometheus adds config/prometheus to config/default, as its comment says to, and checks
// that the ServiceMonitor selects the metrics Service.
func TestKustomizePrometheus(t *testing.T) {
	// An overlay beside config/default in a copy of config/ (kustomize refuses absolute paths).
	dir := filepath.Join(t.TempDir(), "config")
	if err := os.CopyFS(dir, os.DirFS(filepath.Join(root, "config"))); err != nil {
		t.Fatal(err)
	}
	overlay := filepath.Join(dir, "with-prometheus")
	if err := os.Mkdir(overlay, 0o755); err != nil {
		t.Fatal(err)
	}
	kustomization := "resources:\n- ../default\n- ../prometheus\nnamespace: " + systemNamespace + "\n"
	if err := os.WriteFile(filepath.Join(overlay, "kustomization.yaml"), []byte(kustomization), 0o644); err != nil {
		t.Fatal(err)
	}
	objs := decode(t, mustCommand(t, "kustomize", "build", overlay))
	sm := one(t, objs, "ServiceMonitor")
	svc := one(t, objs, "Service")
	sel, _, _ := unstructured.NestedStringMap(sm.Object, "spec", "selector", "matchLabels")
	for k, v := range sel {
		if svc.GetLabels()[k] != v {
			t.Errorf("the ServiceMonitor selects %s=%s, which the metrics Service does not carry", k, v)
		}
	}
	port, _, _ := unstructured.NestedSlice(sm.Object, "spec", "endpoints")
	if len(port) != 1 || port[0].(map[string]any)["port"] != "metrics" {
		t.Errorf("ServiceMonitor endpoints %v, want the port named metrics", port)
	}
	dryRun(t, find(objs, "ServiceMonitor"))
}

// TestKustomizeSecureMetricsWithPrometheus: config/default with config/prometheus added (as its comment
// says), in an overlay with the secure-metrics component: the manager serves HTTPS and the
// ServiceMonitor scrapes it with HTTPS and a token.
func TestKustomizeSecureMetricsWithPrometheus(t *testing.T) {
	dir := filepath.Join(t.TempDir(), "config")
	if err := os.CopyFS(dir, os.DirFS(filepath.Join(root, "config"))); err != nil {
		t.Fatal(err)
	}
	base := filepath.Join(dir, "default", "kustomization.yaml")
	b, err := os.ReadFile(base)
	if err != nil {
		t.Fatal(err)
	}
	if !bytes.Contains(b, []byte("# - ../prometheus\n")) {
		t.Fatalf("%s no longer has the commented ../prometheus line this test uncomments", base)
	}
	if err := os.WriteFile(base, bytes.Replace(b, []byte("# - ../prometheus\n"), []byte("- ../prometheus\n"), 1), 0o644); err != nil {
		t.Fatal(err)
	}
	overlay := filepath.Join(dir, "secure")
	if err := os.Mkdir(overlay, 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(overlay, "kustomization.yaml"),
		[]byte("resources:\n- ../default\ncomponents:\n- ../components/secure-metrics\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	objs := decode(t, mustCommand(t, "kustomize", "build", overlay))
	dep := checkManager(t, objs, "")
	if !slices.Contains(dep.Spec.Template.Spec.Containers[0].Args, "--metrics-secure") {
		t.Errorf("manager args %q lack --metrics-secure", dep.Spec.Template.Spec.Containers[0].Args)
	}
	eps, _, _ := unstructured.NestedSlice(one(t, objs, "ServiceMonitor").Object, "spec", "endpoints")
	if len(eps) != 1 {
		t.Fatalf("ServiceMonitor endpoints %v", eps)
	}
	ep := eps[0].(map[string]any)
	if ep["scheme"] != "https" || ep["authorization"] == nil || ep["tlsConfig"] == nil {
		t.Errorf("the ServiceMonitor scrapes secure metrics without HTTPS and a token: %v", ep)
	}
	// The authorization field, with the token from a Secret, not the deprecated bearerTokenFile.
	if _, ok := ep["bearerTokenFile"]; ok {
		t.Errorf("the ServiceMonitor uses the deprecated bearerTokenFile: %v", ep)
	}
	dryRun(t, find(objs, "ServiceMonitor"))
}

// TestKustomizeImageIsAppVersion keeps the image tag pinned in config/manager equal to the chart's
// appVersion, so that both installs deploy the same release.
func TestKustomizeImageIsAppVersion(t *testing.T) {
	var k struct {
		Images []struct {
			Name, NewName, NewTag string
		} `json:"images"`
	}
	if err := yaml.Unmarshal(readFile(t, "config/manager/kustomization.yaml"), &k); err != nil {
		t.Fatal(err)
	}
	if len(k.Images) != 1 || k.Images[0].NewName != image || k.Images[0].NewTag != appVersion(t) {
		t.Errorf("config/manager/kustomization.yaml images %+v, want %s:%s", k.Images, image, appVersion(t))
	}
}

// TestKustomizeSamples checks that the samples are accepted by the CRDs as they are.
func TestKustomizeSamples(t *testing.T) {
	objs := kustomizeBuild(t, "config/samples")
	ns := newNamespace(t, "samples")
	for _, u := range objs {
		u.SetNamespace(ns)
	}
	if len(find(objs, "Bucket")) == 0 || len(find(objs, "AccessKey")) == 0 {
		t.Errorf("the samples lack a Bucket or an AccessKey: %d objects", len(objs))
	}
	dryRun(t, objs)
}

// TestKustomizeAllowedEndpoints: the allowed-endpoints component, added beside config/default, passes
// --allowed-endpoints to the manager, with the operator's default list (which it says it is) as the value
// to edit, in a form the manager accepts.
func TestKustomizeAllowedEndpoints(t *testing.T) {
	overlay := filepath.Join(t.TempDir(), "config", "endpoints")
	if err := os.CopyFS(filepath.Dir(overlay), os.DirFS(filepath.Join(root, "config"))); err != nil {
		t.Fatal(err)
	}
	if err := os.Mkdir(overlay, 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(overlay, "kustomization.yaml"),
		[]byte("resources:\n- ../default\ncomponents:\n- ../components/allowed-endpoints\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	dep := checkManager(t, decode(t, mustCommand(t, "kustomize", "build", overlay)), "")
	var value string
	for _, a := range dep.Spec.Template.Spec.Containers[0].Args {
		if v, ok := strings.CutPrefix(a, "--allowed-endpoints="); ok {
			value = v
		}
	}
	if got := strings.Split(value, ","); !slices.Equal(got, controllers.DefaultAllowedEndpoints) {
		t.Errorf("--allowed-endpoints=%q, want the operator's default %q", value, controllers.DefaultAllowedEndpoints)
	}
	if _, err := controllers.NewEndpointPolicy(strings.Split(value, ",")); err != nil {
		t.Errorf("the manager refuses --allowed-endpoints=%s: %v", value, err)
	}
}
