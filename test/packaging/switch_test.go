package packaging

import (
	"bytes"
	"maps"
	"os"
	"os/exec"
	"path/filepath"
	"reflect"
	"slices"
	"strings"
	"testing"

	appsv1 "k8s.io/api/apps/v1"
	corev1 "k8s.io/api/core/v1"
	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"
	"sigs.k8s.io/controller-runtime/pkg/client"
	"sigs.k8s.io/yaml"
)

// recommendedLabels are Kubernetes' recommended labels, which both installs put on the manager's objects.
var recommendedLabels = []string{
	"app.kubernetes.io/name",
	"app.kubernetes.io/instance",
	"app.kubernetes.io/version",
	"app.kubernetes.io/component",
	"app.kubernetes.io/part-of",
	"app.kubernetes.io/managed-by",
}

// namesOf maps each kind in kinds to the sorted namespace/name of its objects.
func namesOf(objs []*unstructured.Unstructured, kinds ...string) map[string][]string {
	m := map[string][]string{}
	for _, kind := range kinds {
		var names []string
		for _, u := range find(objs, kind) {
			names = append(names, u.GetNamespace()+"/"+u.GetName())
		}
		slices.Sort(names)
		m[kind] = names
	}
	return m
}

// TestKustomizeAndHelmAgree: config/default and the chart installed as release oss-operator in the same
// namespace name the same objects, with the same selectors, so that switching from one install to the
// other replaces the operator's objects instead of running a second Deployment beside the first.
func TestKustomizeAndHelmAgree(t *testing.T) {
	kus := kustomizeBuild(t, "config/default")
	hel := helmTemplate(t, chart, "oss-operator", systemNamespace)

	kinds := []string{"Deployment", "ServiceAccount", "Service", "ClusterRole", "ClusterRoleBinding", "Role", "RoleBinding", "CustomResourceDefinition"}
	if k, h := namesOf(kus, kinds...), namesOf(hel, kinds...); !reflect.DeepEqual(k, h) {
		for _, kind := range kinds {
			if !slices.Equal(k[kind], h[kind]) {
				t.Errorf("%s: kustomize %q, helm %q", kind, k[kind], h[kind])
			}
		}
	}

	kdep, hdep := one(t, kus, "Deployment"), one(t, hel, "Deployment")
	ksel, _, _ := unstructured.NestedStringMap(kdep.Object, "spec", "selector", "matchLabels")
	hsel, _, _ := unstructured.NestedStringMap(hdep.Object, "spec", "selector", "matchLabels")
	if len(ksel) == 0 || !maps.Equal(ksel, hsel) {
		t.Errorf("Deployment selectors differ: kustomize %v, helm %v", ksel, hsel)
	}
	want := map[string]string{
		"app.kubernetes.io/name":      "oss-operator",
		"app.kubernetes.io/instance":  "oss-operator",
		"app.kubernetes.io/component": "manager",
	}
	if !maps.Equal(ksel, want) {
		t.Errorf("Deployment selector %v, want %v", ksel, want)
	}
	ksvc, _, _ := unstructured.NestedStringMap(one(t, kus, "Service").Object, "spec", "selector")
	hsvc, _, _ := unstructured.NestedStringMap(one(t, hel, "Service").Object, "spec", "selector")
	if !maps.Equal(ksvc, hsvc) {
		t.Errorf("Service selectors differ: kustomize %v, helm %v", ksvc, hsvc)
	}
	for install, dep := range map[string]*unstructured.Unstructured{"kustomize": kdep, "helm": hdep} {
		pod, _, _ := unstructured.NestedStringMap(dep.Object, "spec", "template", "metadata", "labels")
		for k, v := range ksel {
			if pod[k] != v {
				t.Errorf("%s: the pod template lacks the selector label %s=%s: %v", install, k, v, pod)
			}
		}
	}

	managedBy := map[string]string{"kustomize": "kustomize", "helm": "Helm"}
	for _, kind := range []string{"Deployment", "ServiceAccount", "Service"} {
		k, h := one(t, kus, kind).GetLabels(), one(t, hel, kind).GetLabels()
		for install, labels := range map[string]map[string]string{"kustomize": k, "helm": h} {
			for _, l := range recommendedLabels {
				if labels[l] == "" {
					t.Errorf("%s %s lacks the label %s: %v", install, kind, l, labels)
				}
			}
			if got := labels["app.kubernetes.io/managed-by"]; got != managedBy[install] {
				t.Errorf("%s %s: app.kubernetes.io/managed-by %q, want %q", install, kind, got, managedBy[install])
			}
			if got := labels["app.kubernetes.io/version"]; got != appVersion(t) {
				t.Errorf("%s %s: app.kubernetes.io/version %q, want the chart's appVersion %q", install, kind, got, appVersion(t))
			}
		}
		for _, l := range recommendedLabels {
			if l != "app.kubernetes.io/managed-by" && k[l] != h[l] {
				t.Errorf("%s label %s: kustomize %q, helm %q", kind, l, k[l], h[l])
			}
		}
	}
}

// TestKustomizeAndHelmAgreeSecureMetrics: with secure metrics (the secure-metrics component beside
// config/default and config/prometheus; the chart's metrics.secure with a ServiceMonitor) both name the
// same RBAC objects and ServiceMonitor, and the ServiceMonitors select the same Service.
func TestKustomizeAndHelmAgreeSecureMetrics(t *testing.T) {
	dir := filepath.Join(t.TempDir(), "config")
	if err := os.CopyFS(dir, os.DirFS(filepath.Join(root, "config"))); err != nil {
		t.Fatal(err)
	}
	overlay := filepath.Join(dir, "secure")
	if err := os.Mkdir(overlay, 0o755); err != nil {
		t.Fatal(err)
	}
	kustomization := "resources:\n- ../default\n- ../prometheus\nnamespace: " + systemNamespace + "\ncomponents:\n- ../components/secure-metrics\n"
	if err := os.WriteFile(filepath.Join(overlay, "kustomization.yaml"), []byte(kustomization), 0o644); err != nil {
		t.Fatal(err)
	}
	kus := decode(t, mustCommand(t, "kustomize", "build", overlay))
	hel := helmTemplate(t, chart, "oss-operator", systemNamespace, "--set", "metrics.secure=true",
		"--set", "metrics.serviceMonitor.enabled=true", "--set", "metrics.serviceMonitor.authorization.credentials.name=oss-operator-metrics-token")

	kinds := []string{"ClusterRole", "ClusterRoleBinding", "ServiceMonitor"}
	k, h := namesOf(kus, kinds...), namesOf(hel, kinds...)
	for _, kind := range kinds {
		if !slices.Equal(k[kind], h[kind]) {
			t.Errorf("%s: kustomize %q, helm %q", kind, k[kind], h[kind])
		}
	}
	ksm, hsm := one(t, kus, "ServiceMonitor"), one(t, hel, "ServiceMonitor")
	ksel, _, _ := unstructured.NestedStringMap(ksm.Object, "spec", "selector", "matchLabels")
	hsel, _, _ := unstructured.NestedStringMap(hsm.Object, "spec", "selector", "matchLabels")
	if !maps.Equal(ksel, hsel) {
		t.Errorf("ServiceMonitor selectors differ: kustomize %v, helm %v", ksel, hsel)
	}
	keps, _, _ := unstructured.NestedSlice(ksm.Object, "spec", "endpoints")
	heps, _, _ := unstructured.NestedSlice(hsm.Object, "spec", "endpoints")
	if len(keps) != 1 || len(heps) != 1 {
		t.Fatalf("ServiceMonitor endpoints: kustomize %v, helm %v", keps, heps)
	}
	for _, field := range []string{"scheme", "tlsConfig", "authorization"} {
		kv, hv := keps[0].(map[string]any)[field], heps[0].(map[string]any)[field]
		if kv == nil || !reflect.DeepEqual(kv, hv) {
			t.Errorf("ServiceMonitor endpoint %s: kustomize %v, helm %v", field, kv, hv)
		}
	}
}

// TestKustomizeAndHelmAgreeMetricsCert: with a certificate Secret for secure metrics (the metrics-cert
// component after secure-metrics; the chart's metrics.certSecret of the same name) both give the manager
// the same flags and mount, and their ServiceMonitors check the certificate the same way.
func TestKustomizeAndHelmAgreeMetricsCert(t *testing.T) {
	kus := kustomizeBuild(t, "test/packaging/testdata/secure-metrics-cert")
	hel := helmTemplate(t, chart, "oss-operator", systemNamespace, "--set", "metrics.secure=true", "--set", "metrics.certSecret=oss-operator-metrics-tls",
		"--set", "metrics.serviceMonitor.enabled=true", "--set", "metrics.serviceMonitor.authorization.credentials.name=oss-operator-metrics-token")
	kdep, hdep := checkManager(t, kus, ""), checkManager(t, hel, "")
	metricsArgs := func(args []string) []string {
		var out []string
		for _, a := range args {
			if strings.HasPrefix(a, "--metrics-") {
				out = append(out, a)
			}
		}
		slices.Sort(out)
		return out
	}
	if k, h := metricsArgs(kdep.Spec.Template.Spec.Containers[0].Args), metricsArgs(hdep.Spec.Template.Spec.Containers[0].Args); !slices.Equal(k, h) {
		t.Errorf("metrics flags: kustomize %q, helm %q", k, h)
	}
	if k, h := kdep.Spec.Template.Spec.Containers[0].VolumeMounts, hdep.Spec.Template.Spec.Containers[0].VolumeMounts; !reflect.DeepEqual(k, h) {
		t.Errorf("volume mounts: kustomize %+v, helm %+v", k, h)
	}
	if k, h := kdep.Spec.Template.Spec.Volumes, hdep.Spec.Template.Spec.Volumes; !reflect.DeepEqual(k, h) {
		t.Errorf("volumes: kustomize %+v, helm %+v", k, h)
	}
	checkMetricsCertWiring(t, kus, "oss-operator-metrics-tls", "oss-operator-metrics-tls", "oss-operator-metrics."+systemNamespace+".svc")
	checkMetricsCertWiring(t, hel, "oss-operator-metrics-tls", "oss-operator-metrics-tls", "oss-operator-metrics."+systemNamespace+".svc")
}

// TestSwitchKustomizeToHelmAndBack runs the README's switch for real: config/default applied, handed to
// Helm with the label and annotations, `helm install oss-operator` in the same namespace (one Deployment,
// now the release's), then back with `kubectl apply --server-side --force-conflicts -k` and the release
// record deleted. The CRDs are left out: envtest installed them, and TestHelmInstallUpgradeUninstall
// covers their hand-over.
func TestSwitchKustomizeToHelmAndBack(t *testing.T) {
	kubeconfig := adminKubeconfig(t)
	kubectl := func(args ...string) []byte {
		t.Helper()
		cmd := exec.Command(filepath.Join(os.Getenv("KUBEBUILDER_ASSETS"), "kubectl"), append([]string{"--kubeconfig", kubeconfig}, args...)...)
		cmd.Dir = root
		out, err := cmd.CombinedOutput()
		if err != nil {
			t.Fatalf("kubectl %s: %v\n%s", strings.Join(args, " "), err, out)
		}
		return out
	}
	helm := func(args ...string) {
		t.Helper()
		mustCommand(t, "helm", append(args, "--kubeconfig", kubeconfig)...)
	}
	ensureNamespace(t, systemNamespace)

	var objs []*unstructured.Unstructured
	for _, u := range kustomizeBuild(t, "config/default") {
		if k := u.GetKind(); k != "CustomResourceDefinition" && k != "Namespace" {
			objs = append(objs, u)
		}
	}
	var manifest bytes.Buffer
	for _, u := range objs {
		b, err := yaml.Marshal(u.Object)
		if err != nil {
			t.Fatal(err)
		}
		manifest.WriteString("---\n")
		manifest.Write(b)
	}
	file := filepath.Join(t.TempDir(), "kustomize-install.yaml")
	if err := os.WriteFile(file, manifest.Bytes(), 0o644); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		cmd := exec.Command(filepath.Join(os.Getenv("KUBEBUILDER_ASSETS"), "kubectl"), "--kubeconfig", kubeconfig,
			"delete", "-f", file, "--ignore-not-found", "--wait=false")
		_ = cmd.Run()
		cmd = exec.Command(filepath.Join(os.Getenv("KUBEBUILDER_ASSETS"), "kubectl"), "--kubeconfig", kubeconfig,
			"-n", systemNamespace, "delete", "secret", "-l", "owner=helm,name=oss-operator", "--ignore-not-found")
		_ = cmd.Run()
	})

	// The operator's Deployments in the namespace, by name, and the managed-by label of each.
	deployments := func() map[string]string {
		t.Helper()
		list := &appsv1.DeploymentList{}
		if err := k8s.List(ctx, list, client.InNamespace(systemNamespace)); err != nil {
			t.Fatal(err)
		}
		m := map[string]string{}
		for _, d := range list.Items {
			if d.Labels["app.kubernetes.io/name"] == "oss-operator" {
				m[d.Name] = d.Labels["app.kubernetes.io/managed-by"]
			}
		}
		return m
	}

	kubectl("apply", "--server-side", "-f", file)
	if got, want := deployments(), map[string]string{"oss-operator": "kustomize"}; !maps.Equal(got, want) {
		t.Fatalf("after kubectl apply: Deployments %v, want %v", got, want)
	}

	kubectl("label", "-f", file, "app.kubernetes.io/managed-by=Helm", "--overwrite")
	kubectl("annotate", "-f", file, "meta.helm.sh/release-name=oss-operator", "meta.helm.sh/release-namespace="+systemNamespace, "--overwrite")
	helm("install", "oss-operator", filepath.Join(root, chart), "--namespace", systemNamespace, "--set", "crds.install=false")
	if got, want := deployments(), map[string]string{"oss-operator": "Helm"}; !maps.Equal(got, want) {
		t.Errorf("after helm install: Deployments %v, want %v", got, want)
	}
	sas := &corev1.ServiceAccountList{}
	if err := k8s.List(ctx, sas, client.InNamespace(systemNamespace), client.MatchingLabels{"app.kubernetes.io/name": "oss-operator"}); err != nil {
		t.Fatal(err)
	}
	if len(sas.Items) != 1 || sas.Items[0].Labels["helm.sh/chart"] == "" {
		t.Errorf("after helm install: ServiceAccounts %d, want one, the chart's", len(sas.Items))
	}

	kubectl("apply", "--server-side", "--force-conflicts", "-f", file)
	kubectl("-n", systemNamespace, "delete", "secret", "-l", "owner=helm,name=oss-operator")
	if got, want := deployments(), map[string]string{"oss-operator": "kustomize"}; !maps.Equal(got, want) {
		t.Errorf("after the way back: Deployments %v, want %v", got, want)
	}
	secrets := &corev1.SecretList{}
	if err := k8s.List(ctx, secrets, client.InNamespace(systemNamespace), client.MatchingLabels{"owner": "helm"}); err != nil {
		t.Fatal(err)
	}
	if len(secrets.Items) != 0 {
		t.Errorf("Helm's release record is still there: %d Secrets", len(secrets.Items))
	}
}
