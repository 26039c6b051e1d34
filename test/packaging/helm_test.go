package packaging

import (
	"bytes"
	"maps"
	"os"
	"path/filepath"
	"reflect"
	"regexp"
	"slices"
	"strings"
	"testing"

	appsv1 "k8s.io/api/apps/v1"
	policyv1 "k8s.io/api/policy/v1"
	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"
)

const chart = "charts/oss-operator"

func TestHelmLint(t *testing.T) {
	for _, args := range [][]string{
		{"lint", "--strict", chart},
		{"lint", "--strict", chart, "-f", "test/packaging/testdata/values-nondefault.yaml"},
	} {
		mustCommand(t, "helm", args...)
	}
}

// TestChartCopiesAreFresh: the chart renders the CRDs and RBAC rules from copies of config/ that
// `make manifests` refreshes; a copy that differs from its source, or a missing or extra one, is stale.
func TestChartCopiesAreFresh(t *testing.T) {
	for _, c := range []struct{ src, dst string }{
		{"config/crd/bases", chart + "/files/crds"},
		{"config/rbac/role.yaml", chart + "/files/rbac/role.yaml"},
		{"config/rbac/leader_election_role.yaml", chart + "/files/rbac/leader_election_role.yaml"},
		{"config/components/secure-metrics/metrics_auth_role.yaml", chart + "/files/rbac/metrics_auth_role.yaml"},
		{"config/components/secure-metrics/metrics_reader_role.yaml", chart + "/files/rbac/metrics_reader_role.yaml"},
	} {
		src, dst := listFiles(t, c.src), listFiles(t, c.dst)
		if !slices.Equal(names(src), names(dst)) {
			t.Errorf("%s holds %q but %s holds %q: run `make manifests`", c.src, names(src), c.dst, names(dst))
			continue
		}
		for i := range src {
			if !bytes.Equal(readFile(t, src[i]), readFile(t, dst[i])) {
				t.Errorf("%s differs from %s: run `make manifests`", dst[i], src[i])
			}
		}
	}
}

// listFiles lists a file, or the YAML files of a directory, relative to the repository.
func listFiles(t *testing.T, rel string) []string {
	t.Helper()
	fi, err := os.Stat(filepath.Join(root, rel))
	if err != nil {
		t.Fatalf("%v: run `make manifests`", err)
	}
	if !fi.IsDir() {
		return []string{rel}
	}
	paths, err := filepath.Glob(filepath.Join(root, rel, "*.yaml"))
	if err != nil {
		t.Fatal(err)
	}
	var out []string
	for _, p := range paths {
		out = append(out, filepath.Join(rel, filepath.Base(p)))
	}
	return out
}

func names(paths []string) []string {
	var out []string
	for _, p := range paths {
		out = append(out, filepath.Base(p))
	}
	return out
}

func TestHelmDefault(t *testing.T) {
	const release, ns = "oss-operator", systemNamespace
	objs := helmTemplate(t, chart, release, ns)

	checkCRDs(t, objs)
	for _, crd := range find(objs, "CustomResourceDefinition") {
		if crd.GetAnnotations()["helm.sh/resource-policy"] != "keep" {
			t.Errorf("CRD %s lacks helm.sh/resource-policy: keep", crd.GetName())
		}
	}
	dep := checkManager(t, objs, image+":"+appVersion(t))
	checkMetricsService(t, objs, dep)
	if got := *dep.Spec.Replicas; got != 1 {
		t.Errorf("replicas %d, want 1", got)
	}
	wantArgs := []string{"--leader-elect=true", "--metrics-bind-address=:8080", "--health-probe-bind-address=:8081",
		"--resync-period=10m", "--max-concurrent-reconciles=4", "--oss-qps-per-account=1000", "--oss-burst-per-account=100",
		"--prioritize-changes=true", "--zap-log-level=info", "--zap-encoder=json"}
	if args := dep.Spec.Template.Spec.Containers[0].Args; !slices.Equal(args, wantArgs) {
		t.Errorf("args %q, want %q", args, wantArgs)
	}
	sa := one(t, objs, "ServiceAccount")
	checkGrants(t, grantsOf(t, objs, ns, sa.GetName()), grants{
		"cluster": rulesFile(t, "config/rbac/role.yaml"),
		ns:        rulesFile(t, "config/rbac/leader_election_role.yaml"),
	})
	if len(find(objs, "ServiceMonitor")) != 0 {
		t.Error("a ServiceMonitor is rendered by default; the Prometheus Operator may not be installed")
	}
	if len(find(objs, "PrometheusRule")) != 0 {
		t.Error("a PrometheusRule is rendered by default; the Prometheus Operator may not be installed")
	}
	if len(find(objs, "PodDisruptionBudget")) != 0 {
		t.Error("a PodDisruptionBudget is rendered by default")
	}
	if got := dep.Spec.RevisionHistoryLimit; got == nil || *got != 10 {
		t.Errorf("revisionHistoryLimit %v, want 10", got)
	}
	dryRun(t, objs)
}

func TestHelmNonDefault(t *testing.T) {
	const release, ns = "storage", "platform"
	objs := helmTemplate(t, chart, release, ns, "-f", "test/packaging/testdata/values-nondefault.yaml")

	for _, crd := range find(objs, "CustomResourceDefinition") {
		if _, ok := crd.GetAnnotations()["helm.sh/resource-policy"]; ok {
			t.Errorf("CRD %s keeps helm.sh/resource-policy with crds.keep=false", crd.GetName())
		}
	}
	checkCRDs(t, objs)
	dep := checkManager(t, objs, "registry.example.com/mirror/oss-operator:0.1.0-rc.1@sha256:0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef")
	checkMetricsService(t, objs, dep)
	pod := dep.Spec.Template.Spec
	c := pod.Containers[0]
	if *dep.Spec.Replicas != 2 {
		t.Errorf("replicas %d, want 2", *dep.Spec.Replicas)
	}
	wantArgs := []string{"--leader-elect=true", "--metrics-bind-address=:9090", "--health-probe-bind-address=:9440",
		"--resync-period=2m30s", "--max-concurrent-reconciles=8", "--oss-qps-per-account=40.5", "--oss-burst-per-account=10",
		"--prioritize-changes=false", "--watch-namespaces=team-a,team-b",
		"--cluster-id=prod-cn-hangzhou-1", "--allowed-endpoints=oss-cn-hangzhou.aliyuncs.com,oss-cn-hangzhou-internal.aliyuncs.com", "--zap-log-level=debug", "--zap-encoder=console", "--allow-insecure-endpoints"}
	if !slices.Equal(c.Args, wantArgs) {
		t.Errorf("args %q, want %q", c.Args, wantArgs)
	}
	for what, ok := range map[string]bool{
		"imagePullPolicy":           c.ImagePullPolicy == "Always",
		"imagePullSecrets":          len(pod.ImagePullSecrets) == 1 && pod.ImagePullSecrets[0].Name == "registry-credentials",
		"serviceAccountName":        pod.ServiceAccountName == "oss-operator-rrsa",
		"resources":                 c.Resources.Limits.Memory().String() == "512Mi" && c.Resources.Requests.Cpu().String() == "50m",
		"podSecurityContext":        pod.SecurityContext.FSGroup != nil && *pod.SecurityContext.FSGroup == 65532,
		"securityContext":           c.SecurityContext.RunAsNonRoot != nil && *c.SecurityContext.RunAsNonRoot,
		"podAnnotations":            dep.Spec.Template.Annotations["example.com/team"] == "storage",
		"podLabels":                 dep.Spec.Template.Labels["pod-identity.alibabacloud.com/injection"] == "on",
		"priorityClassName":         pod.PriorityClassName == "system-cluster-critical",
		"nodeSelector":              pod.NodeSelector["kubernetes.io/os"] == "linux",
		"tolerations":               len(pod.Tolerations) == 1 && pod.Tolerations[0].Key == "dedicated",
		"affinity":                  pod.Affinity != nil && pod.Affinity.PodAntiAffinity != nil,
		"topologySpreadConstraints": len(pod.TopologySpreadConstraints) == 1,
		"extraEnv":                  len(c.Env) == 1 && c.Env[0].Name == "ALIBABA_CLOUD_OIDC_TOKEN_FILE",
		"extraVolumes":              len(pod.Volumes) == 1 && pod.Volumes[0].Projected != nil,
		"extraVolumeMounts":         len(c.VolumeMounts) == 1 && c.VolumeMounts[0].ReadOnly,
		"revisionHistoryLimit":      dep.Spec.RevisionHistoryLimit != nil && *dep.Spec.RevisionHistoryLimit == 3,
		"deploymentAnnotations":     dep.Annotations["example.com/owner"] == "platform-team",
		"livenessProbe": c.LivenessProbe != nil && c.LivenessProbe.InitialDelaySeconds == 30 && c.LivenessProbe.PeriodSeconds == 15 &&
			c.LivenessProbe.TimeoutSeconds == 3 && c.LivenessProbe.FailureThreshold == 5,
		"readinessProbe": c.ReadinessProbe != nil && c.ReadinessProbe.InitialDelaySeconds == 2 && c.ReadinessProbe.PeriodSeconds == 7 &&
			c.ReadinessProbe.TimeoutSeconds == 2 && c.ReadinessProbe.FailureThreshold == 4,
	} {
		if !ok {
			t.Errorf("%s is not rendered as set", what)
		}
	}
	sa := one(t, objs, "ServiceAccount")
	if sa.GetName() != "oss-operator-rrsa" || sa.GetAnnotations()["pod-identity.alibabacloud.com/role-name"] != "oss-operator" {
		t.Errorf("service account %s with annotations %v", sa.GetName(), sa.GetAnnotations())
	}
	svc := one(t, objs, "Service")
	if svc.GetAnnotations()["example.com/scrape"] != "true" {
		t.Errorf("metrics Service annotations %v", svc.GetAnnotations())
	}
	sm := one(t, objs, "ServiceMonitor")
	if sm.GetLabels()["release"] != "prometheus" {
		t.Errorf("ServiceMonitor labels %v", sm.GetLabels())
	}
	// In another namespace than the release's, the ServiceMonitor selects the release namespace.
	if sm.GetNamespace() != "monitoring" {
		t.Errorf("ServiceMonitor in namespace %q, want monitoring", sm.GetNamespace())
	}
	if names, _, _ := unstructured.NestedStringSlice(sm.Object, "spec", "namespaceSelector", "matchNames"); !slices.Equal(names, []string{ns}) {
		t.Errorf("ServiceMonitor namespaceSelector.matchNames %q, want [%s]", names, ns)
	}
	eps, _, _ := unstructured.NestedSlice(sm.Object, "spec", "endpoints")
	if len(eps) != 1 {
		t.Fatalf("ServiceMonitor endpoints %v", eps)
	}
	ep := eps[0].(map[string]any)
	if ep["honorLabels"] != true {
		t.Errorf("ServiceMonitor honorLabels %v", ep["honorLabels"])
	}
	if r, _, _ := unstructured.NestedSlice(ep, "relabelings"); len(r) != 1 || r[0].(map[string]any)["targetLabel"] != "cluster" {
		t.Errorf("ServiceMonitor relabelings %v", r)
	}
	if r, _, _ := unstructured.NestedSlice(ep, "metricRelabelings"); len(r) != 1 || r[0].(map[string]any)["regex"] != "go_gc_.*" {
		t.Errorf("ServiceMonitor metricRelabelings %v", r)
	}
	if _, ok := ep["bearerTokenFile"]; ok {
		t.Errorf("ServiceMonitor endpoint has bearerTokenFile without secure metrics: %v", ep)
	}

	// The PodDisruptionBudget covers exactly the manager pods.
	pdb := &policyv1.PodDisruptionBudget{}
	into(t, one(t, objs, "PodDisruptionBudget"), pdb)
	if pdb.Spec.MinAvailable == nil || pdb.Spec.MinAvailable.IntValue() != 1 || pdb.Spec.MaxUnavailable != nil {
		t.Errorf("PodDisruptionBudget minAvailable %v maxUnavailable %v, want minAvailable 1 only", pdb.Spec.MinAvailable, pdb.Spec.MaxUnavailable)
	}
	if !maps.Equal(pdb.Spec.Selector.MatchLabels, dep.Spec.Selector.MatchLabels) {
		t.Errorf("PodDisruptionBudget selects %v, the Deployment %v", pdb.Spec.Selector.MatchLabels, dep.Spec.Selector.MatchLabels)
	}

	// commonLabels are on every object, and on the pods, but in no selector.
	for _, u := range objs {
		if u.GetLabels()["example.com/cost-center"] != "storage-42" {
			t.Errorf("%s %s lacks the commonLabels: %v", u.GetKind(), u.GetName(), u.GetLabels())
		}
	}
	if dep.Spec.Template.Labels["example.com/cost-center"] != "storage-42" {
		t.Errorf("pod labels %v lack the commonLabels", dep.Spec.Template.Labels)
	}
	if _, ok := dep.Spec.Selector.MatchLabels["example.com/cost-center"]; ok {
		t.Error("commonLabels are in the Deployment's selector, which cannot change after install")
	}
	sel, _, _ := unstructured.NestedStringMap(sm.Object, "spec", "selector", "matchLabels")
	for k, v := range sel {
		if svc.GetLabels()[k] != v {
			t.Errorf("the ServiceMonitor selects %s=%s, which the metrics Service does not carry", k, v)
		}
	}

	// A namespaced install with a fixed cluster ID grants nothing cluster-wide but the reads of
	// namespaces (their labels decide which namespaces an AccessKey grants).
	nsRules, _ := splitClusterScoped(rulesFile(t, "config/rbac/role.yaml"))
	checkGrants(t, grantsOf(t, objs, ns, sa.GetName()), grants{
		"cluster": {"/namespaces/get", "/namespaces/list", "/namespaces/watch"},
		"team-a":  nsRules,
		"team-b":  nsRules,
		ns:        rulesFile(t, "config/rbac/leader_election_role.yaml"),
	})
	for _, u := range objs {
		if !namespaced(t, u) && u.GetKind() != "CustomResourceDefinition" && !strings.HasSuffix(u.GetName(), "-namespaces") {
			t.Errorf("cluster-scoped %s %s in a namespaced install", u.GetKind(), u.GetName())
		}
	}
	dryRun(t, objs)
}

// TestHelmNamespacedDefaultClusterID: a namespaced install needs cluster-wide reads of namespaces (their
// labels, for AccessKeys granted by label; without --cluster-id, kube-system's UID), and nothing else.
func TestHelmNamespacedDefaultClusterID(t *testing.T) {
	const ns = "tenant-ops"
	objs := helmTemplate(t, chart, "oss", ns, "--set", "operator.watchNamespaces={tenant-apps}", "--set", "crds.install=false")
	if n := len(find(objs, "CustomResourceDefinition")); n != 0 {
		t.Errorf("%d CRDs rendered with crds.install=false", n)
	}
	nsRules, clusterRules := splitClusterScoped(rulesFile(t, "config/rbac/role.yaml"))
	if !slices.Equal(clusterRules, []string{"/namespaces/get", "/namespaces/get/kube-system", "/namespaces/list", "/namespaces/watch"}) {
		t.Errorf("cluster-scoped rules %q", clusterRules)
	}
	sa := one(t, objs, "ServiceAccount")
	checkGrants(t, grantsOf(t, objs, ns, sa.GetName()), grants{
		"cluster":     clusterRules,
		"tenant-apps": nsRules,
		ns:            rulesFile(t, "config/rbac/leader_election_role.yaml"),
	})
	dryRun(t, objs)
}

// TestHelmNames: every name derives from the release (or the overrides), every namespaced object is in the
// release namespace (but the Roles of watched namespaces), and nothing names a fixed namespace.
func TestHelmNames(t *testing.T) {
	const ns = "tenant-x"
	for _, tc := range []struct {
		name, release string
		args          []string
		prefix        string
		appName       string
	}{
		{"release name", "acme", nil, "acme-oss-operator", "oss-operator"},
		{"release name containing the chart name", "my-oss-operator", nil, "my-oss-operator", "oss-operator"},
		{"nameOverride", "acme", []string{"--set", "nameOverride=buckets"}, "acme-buckets", "buckets"},
		{"fullnameOverride", "acme", []string{"--set", "fullnameOverride=storage-ctl"}, "storage-ctl", "oss-operator"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			release := tc.release
			objs := helmTemplate(t, chart, release, ns, append(tc.args, "--set", "operator.watchNamespaces={apps}")...)
			for _, u := range objs {
				if u.GetKind() == "CustomResourceDefinition" {
					continue
				}
				if !strings.Contains(u.GetName(), tc.prefix) {
					t.Errorf("%s %s: name does not contain %q", u.GetKind(), u.GetName(), tc.prefix)
				}
				if l := u.GetLabels(); l["app.kubernetes.io/instance"] != release || l["app.kubernetes.io/name"] != tc.appName {
					t.Errorf("%s %s: labels %v", u.GetKind(), u.GetName(), l)
				}
				if got := u.GetNamespace(); got != "" && got != ns && !(got == "apps" && strings.HasPrefix(u.GetKind(), "Role")) {
					t.Errorf("%s %s is in namespace %s", u.GetKind(), u.GetName(), got)
				}
			}
			out := mustCommand(t, "helm", append([]string{"template", release, chart, "-n", ns}, tc.args...)...)
			for _, fixed := range []string{systemNamespace, "release-name", "namespace: default"} {
				if bytes.Contains(out, []byte(fixed)) {
					t.Errorf("the rendered chart contains %q", fixed)
				}
			}
		})
	}
}

// TestHelmAsDependency renders the chart as a dependency of an umbrella chart, the way a platform team uses
// it: switched by the usual condition, values under the dependency's key, the global image registry and
// pull secrets, names from the parent release.
func TestHelmAsDependency(t *testing.T) {
	parent := t.TempDir()
	files := map[string]string{
		"Chart.yaml": `apiVersion: v2
name: platform
version: 1.0.0
dependencies:
- name: oss-operator
  version: "*"
  repository: file://` + filepath.Join(root, chart) + `
  condition: oss-operator.enabled
`,
		"values.yaml": `global:
  imageRegistry: registry.example.com
  imagePullSecrets: [mirror-credentials]
  storageClass: fast # a global of other charts
oss-operator:
  enabled: true
  imagePullSecrets: [{name: ghcr-credentials}]
  operator:
    watchNamespaces: [apps]
`,
		// The parent's own object, which renders whether or not the operator is enabled.
		"templates/configmap.yaml": `apiVersion: v1
kind: ConfigMap
metadata:
  name: {{ .Release.Name }}-platform
  namespace: {{ .Release.Namespace }}
`,
	}
	for name, content := range files {
		path := filepath.Join(parent, name)
		if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(path, []byte(content), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	mustCommand(t, "helm", "dependency", "build", parent)
	mustCommand(t, "helm", "lint", "--strict", "--with-subcharts", parent)

	t.Run("enabled", func(t *testing.T) {
		objs := helmTemplate(t, parent, "platform", "infra")
		dep := checkManager(t, objs, "registry.example.com/ossoperator/oss-operator:"+appVersion(t))
		if dep.Name != "platform-oss-operator" || dep.Namespace != "infra" {
			t.Errorf("Deployment %s/%s, want infra/platform-oss-operator", dep.Namespace, dep.Name)
		}
		pod := dep.Spec.Template.Spec
		var secrets []string
		for _, s := range pod.ImagePullSecrets {
			secrets = append(secrets, s.Name)
		}
		if want := []string{"ghcr-credentials", "mirror-credentials"}; !slices.Equal(secrets, want) {
			t.Errorf("imagePullSecrets %q, want the chart's and then the global ones, %q", secrets, want)
		}
		if !slices.Contains(pod.Containers[0].Args, "--watch-namespaces=apps") {
			t.Errorf("the parent's values did not reach the dependency: args %q", pod.Containers[0].Args)
		}
		checkCRDs(t, objs)
		dryRun(t, objs)
	})

	t.Run("disabled", func(t *testing.T) {
		objs := helmTemplate(t, parent, "platform", "infra", "--set", "oss-operator.enabled=false")
		if len(objs) != 1 || objs[0].GetKind() != "ConfigMap" {
			for _, u := range objs {
				t.Errorf("rendered %s %s with oss-operator.enabled=false", u.GetKind(), u.GetName())
			}
		}
	})

	// A bad value in the parent is rejected by the dependency's schema.
	if _, err := command(t, "helm", "template", "platform", parent, "--set", "oss-operator.replicaCount=-1"); err == nil {
		t.Error("the dependency's schema accepted replicaCount=-1")
	}
}

// TestHelmGlobalImage: global.imageRegistry replaces the registry of image.repository, or prefixes one that
// names none; global.imagePullSecrets adds to imagePullSecrets, each name once.
func TestHelmGlobalImage(t *testing.T) {
	for _, tc := range []struct {
		name        string
		args        []string
		wantImage   string
		wantSecrets []string
	}{
		{"none", nil, image + ":" + appVersion(t), nil},
		{"registry replaced", []string{"--set", "global.imageRegistry=mirror.example.com:5000/cache"},
			"mirror.example.com:5000/cache/ossoperator/oss-operator:" + appVersion(t), nil},
		{"registry of a repository without one", []string{"--set", "global.imageRegistry=mirror.example.com/", "--set", "image.repository=ossoperator/oss-operator", "--set", "image.tag=v1"},
			"mirror.example.com/ossoperator/oss-operator:v1", nil},
		{"localhost replaced", []string{"--set", "global.imageRegistry=mirror.example.com", "--set", "image.repository=localhost/oss-operator"},
			"mirror.example.com/oss-operator:" + appVersion(t), nil},
		{"pull secrets, names and objects", []string{"--set", "imagePullSecrets[0].name=a", "--set", "global.imagePullSecrets[0]=b", "--set", "global.imagePullSecrets[1].name=a"},
			"", []string{"a", "b"}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			dep := checkManager(t, helmTemplate(t, chart, "r", "images", tc.args...), tc.wantImage)
			var secrets []string
			for _, s := range dep.Spec.Template.Spec.ImagePullSecrets {
				secrets = append(secrets, s.Name)
			}
			if !slices.Equal(secrets, tc.wantSecrets) {
				t.Errorf("imagePullSecrets %q, want %q", secrets, tc.wantSecrets)
			}
		})
	}
}

// TestHelmKubeVersion: bin/helm renders and lints the chart without --kube-version, as the helm of a
// release does: it assumes the Kubernetes version of its client-go, the project's, not helm's
// unstamped 1.20, which is below the chart's kubeVersion.
func TestHelmKubeVersion(t *testing.T) {
	mustCommand(t, "helm", "template", "r", chart)
	mustCommand(t, "helm", "lint", "--strict", chart)

	probe := t.TempDir()
	for name, content := range map[string]string{
		"Chart.yaml":          "apiVersion: v2\nname: probe\nversion: 1.0.0\n",
		"templates/kube.yaml": "# {{ .Capabilities.KubeVersion.Version }}\n",
	} {
		path := filepath.Join(probe, name)
		if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(path, []byte(content), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	minor := kubeVersion[:strings.LastIndex(kubeVersion, ".")]
	if out := string(mustCommand(t, "helm", "template", "r", probe)); !strings.Contains(out, "# v"+minor+".0\n") {
		t.Errorf("helm assumes another Kubernetes version than %s:\n%s", minor, out)
	}

	// The version a release prints, not helm's unstamped "v3.22".
	want := regexp.MustCompile(`(?m)^HELM_VERSION \?= (\S+)$`).FindSubmatch(readFile(t, "Makefile"))
	if want == nil {
		t.Fatal("no HELM_VERSION in the Makefile")
	}
	if got := strings.TrimSpace(string(mustCommand(t, "helm", "version", "--template", "{{.Version}}"))); got != string(want[1]) {
		t.Errorf("helm version %q, want %q", got, want[1])
	}
}

// TestHelmCRDSwitches: crds.install and cert-manager's crds.enabled are one switch under two names. Either
// one set decides, neither set installs the CRDs, and both set must agree (TestHelmRejectsBadValues).
func TestHelmCRDSwitches(t *testing.T) {
	for _, tc := range []struct {
		args []string
		want int
	}{
		{nil, 2},
		{[]string{"--set", "crds.install=true"}, 2},
		{[]string{"--set", "crds.install=false"}, 0},
		{[]string{"--set", "crds.enabled=true"}, 2},
		{[]string{"--set", "crds.enabled=false"}, 0},
		{[]string{"--set", "crds.install=true", "--set", "crds.enabled=true"}, 2},
		{[]string{"--set", "crds.install=false", "--set", "crds.enabled=false"}, 0},
	} {
		t.Run(strings.Join(tc.args, " "), func(t *testing.T) {
			objs := helmTemplate(t, chart, "r", "crds", tc.args...)
			if n := len(find(objs, "CustomResourceDefinition")); n != tc.want {
				t.Errorf("%d CRDs rendered, want %d", n, tc.want)
			}
		})
	}
}

// TestHelmRejectsBadValues: values.schema.json and the chart's own checks refuse what cannot work, with a
// message naming the value.
func TestHelmRejectsBadValues(t *testing.T) {
	for _, tc := range []struct {
		args []string
		want string
	}{
		{[]string{"--set", "replicaCount=-1"}, "/replicaCount"},
		{[]string{"--set", "enabled=yes"}, "/enabled"},
		{[]string{"--set", "global.imageRegistry=https://registry.example.com"}, "/global/imageRegistry"},
		{[]string{"--set", "global.imagePullSecrets[0].secret=a"}, "/global/imagePullSecrets/0"},
		{[]string{"--set", "replicas=2"}, "'replicas' not allowed"},
		{[]string{"--set", "image.pullPolicy=Sometimes"}, "/image/pullPolicy"},
		{[]string{"--set", "image.repository="}, "/image/repository"},
		{[]string{"--set", "image.digest=latest"}, "/image/digest"},
		{[]string{"--set", "operator.resyncPeriod=10 minutes"}, "/operator/resyncPeriod"},
		{[]string{"--set", "operator.maxConcurrentReconciles=0"}, "/operator/maxConcurrentReconciles"},
		{[]string{"--set", "operator.watchNamespaces=team-a"}, "/operator/watchNamespaces"},
		{[]string{"--set", "operator.watchNamespaces={Team_A}"}, "/operator/watchNamespaces/0"},
		{[]string{"--set", "operator.watchNamespaces={a,a}"}, "/operator/watchNamespaces"},
		{[]string{"--set", "operator.logLevel=verbose"}, "/operator/logLevel"},
		{[]string{"--set", "operator.logFormat=xml"}, "/operator/logFormat"},
		{[]string{"--set", "operator.extraArgs={resync-period=1m}"}, "/operator/extraArgs/0"},
		{[]string{"--set", "operator.namespaces={a}"}, "'namespaces' not allowed"},
		{[]string{"--set", "crds.install=yes"}, "/crds/install"},
		{[]string{"--set", "crds.enabled=1"}, "/crds/enabled"},
		{[]string{"--set", "crds.install=true", "--set", "crds.enabled=false"}, "crds.install=true and crds.enabled=false contradict each other"},
		{[]string{"--set", "crds.install=false", "--set", "crds.enabled=true"}, "crds.install=false and crds.enabled=true contradict each other"},
		{[]string{"--set", "commonLabels.team=1"}, "/commonLabels/team"},
		{[]string{"--set", "commonLabels=team"}, "/commonLabels"},
		{[]string{"--set", "revisionHistoryLimit=-1"}, "/revisionHistoryLimit"},
		{[]string{"--set", "revisionHistoryLimit=ten"}, "/revisionHistoryLimit"},
		{[]string{"--set", "deploymentAnnotations.a=true"}, "/deploymentAnnotations/a"},
		{[]string{"--set", "podDisruptionBudget.enabled=yes"}, "/podDisruptionBudget/enabled"},
		{[]string{"--set", "podDisruptionBudget.minAvailable=half"}, "/podDisruptionBudget/minAvailable"},
		{[]string{"--set", "podDisruptionBudget.maxUnavailable=-1"}, "/podDisruptionBudget/maxUnavailable"},
		{[]string{"--set", "podDisruptionBudget.maxUnavail=1"}, "'maxUnavail' not allowed"},
		{[]string{"--set", "podDisruptionBudget.enabled=true", "--set", "replicaCount=3", "--set", "podDisruptionBudget.minAvailable=1", "--set", "podDisruptionBudget.maxUnavailable=1"}, "set minAvailable or maxUnavailable, not both"},
		{[]string{"--set", "podDisruptionBudget.enabled=true", "--set", "podDisruptionBudget.minAvailable=1"}, "podDisruptionBudget.minAvailable 1 with replicaCount 1 would block every eviction"},
		{[]string{"--set", "livenessProbe.periodSeconds=0"}, "/livenessProbe/periodSeconds"},
		{[]string{"--set", "livenessProbe.timeoutSeconds=1s"}, "/livenessProbe/timeoutSeconds"},
		{[]string{"--set", "readinessProbe.failureThreshold=many"}, "/readinessProbe/failureThreshold"},
		{[]string{"--set", "readinessProbe.initialDelaySeconds=-5"}, "/readinessProbe/initialDelaySeconds"},
		{[]string{"--set", "readinessProbe.successThreshold=2"}, "'successThreshold' not allowed"},
		{[]string{"--set", "metrics.serviceMonitor.namespace=Monitoring"}, "/metrics/serviceMonitor/namespace"},
		{[]string{"--set", "metrics.serviceMonitor.honorLabels=yes"}, "/metrics/serviceMonitor/honorLabels"},
		{[]string{"--set", "metrics.serviceMonitor.relabelings.action=drop"}, "/metrics/serviceMonitor/relabelings"},
		{[]string{"--set", "metrics.serviceMonitor.metricRelabelings={drop}"}, "/metrics/serviceMonitor/metricRelabelings/0"},
		{[]string{"--set", "metrics.serviceMonitor.authorization.credentials.name=Bad_Name"}, "/metrics/serviceMonitor/authorization/credentials/name"},
		{[]string{"--set", "metrics.serviceMonitor.bearerTokenFile=/token"}, "'bearerTokenFile' not allowed"},
		{[]string{"--set", "metrics.secure=true", "--set", "metrics.serviceMonitor.enabled=true"}, "needs metrics.serviceMonitor.authorization.credentials.name"},
		{[]string{"--set", "metrics.certSecret=metrics-tls"}, "metrics.certSecret needs metrics.secure"},
		{[]string{"--set", "metrics.certManager.enabled=true", "--set", "metrics.certManager.issuerRef.name=ca"}, "metrics.certManager.enabled needs metrics.secure"},
		{[]string{"--set", "metrics.secure=true", "--set", "metrics.certManager.enabled=true"}, "metrics.certManager.enabled needs metrics.certManager.issuerRef.name"},
		{[]string{"--set", "metrics.secure=true", "--set", "metrics.certSecret=metrics-tls", "--set", "metrics.serviceMonitor.enabled=true",
			"--set", "metrics.serviceMonitor.authorization.credentials.name=t", "--set", "metrics.serviceMonitor.namespace=monitoring"}, "needs metrics.serviceMonitor.caSecret.name"},
		{[]string{"--set", "metrics.certSecret=Metrics_TLS"}, "/metrics/certSecret"},
		{[]string{"--set", "metrics.certManager.enabled=yes"}, "/metrics/certManager/enabled"},
		{[]string{"--set", "metrics.certManager.issuerRef.kind="}, "/metrics/certManager/issuerRef/kind"},
		{[]string{"--set", "metrics.certManager.issuerRef.namespace=x"}, "'namespace' not allowed"},
		{[]string{"--set", "metrics.certManager.duration=90d"}, "/metrics/certManager/duration"},
		{[]string{"--set", "metrics.serviceMonitor.caSecret.key=ca crt"}, "/metrics/serviceMonitor/caSecret/key"},
		{[]string{"--set", "metrics.enabled=false", "--set", "metrics.prometheusRule.enabled=true"}, "metrics.prometheusRule.enabled needs metrics.enabled: with metrics off the operator exports none of the metrics its alerts use"},
		{[]string{"--set", "metrics.prometheusRule.enabled=yes"}, "/metrics/prometheusRule/enabled"},
		{[]string{"--set", "metrics.prometheusRule.namespace=Monitoring"}, "/metrics/prometheusRule/namespace"},
		{[]string{"--set", "metrics.prometheusRule.labels.release=true"}, "/metrics/prometheusRule/labels/release"},
		{[]string{"--set", "metrics.prometheusRule.stalled.for=15"}, "/metrics/prometheusRule/stalled/for"},
		{[]string{"--set", "metrics.prometheusRule.notReady.for=half an hour"}, "/metrics/prometheusRule/notReady/for"},
		{[]string{"--set", "metrics.prometheusRule.notReady.severity="}, "/metrics/prometheusRule/notReady/severity"},
		{[]string{"--set", "metrics.prometheusRule.ossErrorRatio.threshold=10%"}, "/metrics/prometheusRule/ossErrorRatio/threshold"},
		{[]string{"--set", "metrics.prometheusRule.ossErrorRatio.threshold=5"}, "/metrics/prometheusRule/ossErrorRatio/threshold"},
		{[]string{"--set", "metrics.prometheusRule.ossErrorRatio.window=5"}, "/metrics/prometheusRule/ossErrorRatio/window"},
		{[]string{"--set", "metrics.prometheusRule.driftCorrected.threshold=1.5"}, "/metrics/prometheusRule/driftCorrected/threshold"},
		{[]string{"--set", "metrics.prometheusRule.driftCorrected.enabled=on"}, "/metrics/prometheusRule/driftCorrected/enabled"},
		{[]string{"--set", "metrics.prometheusRule.stalled.forr=1m"}, "'forr' not allowed"},
		{[]string{"--set", "metrics.prometheusRule.rules={}"}, "'rules' not allowed"},
		{[]string{"--set", "metrics.prometheusRule.additionalRules.alert=X"}, "/metrics/prometheusRule/additionalRules"},
		{[]string{"--set", "metrics.prometheusRule.additionalRules[0].alert=X"}, "/metrics/prometheusRule/additionalRules/0"},
		{[]string{"--set", "metrics.port=0"}, "/metrics/port"},
		{[]string{"--set", "metrics.service.type=Ingress"}, "/metrics/service/type"},
		{[]string{"--set", "metrics.serviceMonitor.interval=often"}, "/metrics/serviceMonitor/interval"},
		{[]string{"--set", "resources.limits.memory=lots"}, "/resources/limits/memory"},
		{[]string{"--set", "resources.limit.memory=1Gi"}, "'limit' not allowed"},
		{[]string{"--set", "nodeSelector.disk=true"}, "/nodeSelector/disk"},
		{[]string{"--set", "tolerations.key=x"}, "/tolerations"},
		{[]string{"--set", "serviceAccount.annotations.a=1"}, "/serviceAccount/annotations/a"},
		{[]string{"--set", "replicaCount=3", "--set", "leaderElection.enabled=false"}, "replicaCount above 1 needs leaderElection.enabled"},
		{[]string{"--set", "metrics.enabled=false", "--set", "metrics.serviceMonitor.enabled=true"}, "metrics.serviceMonitor.enabled needs metrics.enabled: with metrics off there is no metrics Service to scrape"},
		{[]string{"--set", "serviceAccount.create=false"}, "serviceAccount.name is required"},
		{[]string{"--kube-version", "1.28.0"}, "kubeVersion"},
	} {
		t.Run(strings.Join(tc.args, " "), func(t *testing.T) {
			args := append([]string{"template", "r", chart}, tc.args...)
			_, err := command(t, "helm", args...)
			if err == nil {
				t.Fatal("accepted")
			}
			if !strings.Contains(err.Error(), tc.want) {
				t.Errorf("the error does not mention %q:\n%v", tc.want, err)
			}
		})
	}
}

// TestHelmVariants renders the switches that remove objects, and checks that what is left is consistent
// and accepted by the API server.
func TestHelmVariants(t *testing.T) {
	for _, tc := range []struct {
		name    string
		args    []string
		absent  []string // kinds that must not be rendered
		check   func(t *testing.T, objs []*unstructured.Unstructured)
		manager []string // args the manager must have
	}{
		{
			name:    "metrics, RBAC, leader election and CRDs off",
			args:    []string{"--set", "metrics.enabled=false", "--set", "rbac.create=false", "--set", "leaderElection.enabled=false", "--set", "crds.install=false"},
			absent:  []string{"Service", "ClusterRole", "ClusterRoleBinding", "Role", "RoleBinding", "CustomResourceDefinition"},
			manager: []string{"--metrics-bind-address=0", "--leader-elect=false"},
		},
		{
			name:    "secure metrics, with a ServiceMonitor",
			args:    []string{"--set", "metrics.secure=true", "--set", "metrics.serviceMonitor.enabled=true", "--set", "metrics.serviceMonitor.authorization.credentials.name=prometheus-token"},
			manager: []string{"--metrics-secure"},
			check: func(t *testing.T, objs []*unstructured.Unstructured) {
				checkGrants(t, grantsOf(t, objs, "variants", "variant-oss-operator"), grants{
					"cluster":  sorted(append(rulesFile(t, "config/rbac/role.yaml"), rulesFile(t, "config/components/secure-metrics/metrics_auth_role.yaml")...)),
					"variants": rulesFile(t, "config/rbac/leader_election_role.yaml"),
				})
				eps, _, _ := unstructured.NestedSlice(one(t, objs, "ServiceMonitor").Object, "spec", "endpoints")
				if len(eps) != 1 {
					t.Fatalf("ServiceMonitor endpoints %v", eps)
				}
				ep := eps[0].(map[string]any)
				if ep["scheme"] != "https" {
					t.Errorf("the ServiceMonitor scrapes secure metrics without HTTPS: %v", ep)
				}
				// The authorization field, with the token from a Secret, not the deprecated bearerTokenFile
				// (which Prometheus Operator refuses when arbitraryFSAccessThroughSMs is denied).
				want := map[string]any{"type": "Bearer", "credentials": map[string]any{"name": "prometheus-token", "key": "token"}}
				if !reflect.DeepEqual(ep["authorization"], want) {
					t.Errorf("ServiceMonitor authorization %v, want %v", ep["authorization"], want)
				}
				if _, ok := ep["bearerTokenFile"]; ok {
					t.Errorf("the ServiceMonitor uses the deprecated bearerTokenFile: %v", ep)
				}
			},
		},
		{
			name: "secure metrics with a cert-manager Certificate",
			args: []string{"--set", "metrics.secure=true", "--set", "metrics.certManager.enabled=true", "--set", "metrics.certManager.issuerRef.name=metrics-ca",
				"--set", "metrics.certManager.issuerRef.kind=ClusterIssuer", "--set", "metrics.certManager.duration=720h", "--set", "metrics.certManager.renewBefore=240h",
				"--set", "metrics.serviceMonitor.enabled=true", "--set", "metrics.serviceMonitor.authorization.credentials.name=prometheus-token"},
			manager: []string{"--metrics-secure", "--metrics-cert-dir=/etc/oss-operator/metrics-cert"},
			check: func(t *testing.T, objs []*unstructured.Unstructured) {
				c := one(t, objs, "Certificate")
				spec, _, _ := unstructured.NestedMap(c.Object, "spec")
				want := map[string]any{
					"secretName": "variant-oss-operator-metrics-tls",
					"dnsNames":   []any{"variant-oss-operator-metrics.variants.svc", "variant-oss-operator-metrics.variants.svc.cluster.local"},
					"issuerRef":  map[string]any{"name": "metrics-ca", "kind": "ClusterIssuer", "group": "cert-manager.io"},
					"duration":   "720h", "renewBefore": "240h",
					"privateKey": map[string]any{"rotationPolicy": "Always"},
				}
				if !reflect.DeepEqual(spec, want) {
					t.Errorf("Certificate spec %v, want %v", spec, want)
				}
				checkMetricsCertWiring(t, objs, "variant-oss-operator-metrics-tls", "variant-oss-operator-metrics-tls", "variant-oss-operator-metrics.variants.svc")
			},
		},
		{
			name: "secure metrics with a certificate Secret, and a ServiceMonitor in another namespace",
			args: []string{"--set", "metrics.secure=true", "--set", "metrics.certSecret=metrics-tls",
				"--set", "metrics.serviceMonitor.enabled=true", "--set", "metrics.serviceMonitor.authorization.credentials.name=prometheus-token",
				"--set", "metrics.serviceMonitor.namespace=monitoring", "--set", "metrics.serviceMonitor.caSecret.name=oss-operator-metrics-ca"},
			absent:  []string{"Certificate"},
			manager: []string{"--metrics-secure", "--metrics-cert-dir=/etc/oss-operator/metrics-cert"},
			check: func(t *testing.T, objs []*unstructured.Unstructured) {
				checkMetricsCertWiring(t, objs, "metrics-tls", "oss-operator-metrics-ca", "variant-oss-operator-metrics.variants.svc")
			},
		},
		{
			name:    "a PodDisruptionBudget with neither minAvailable nor maxUnavailable",
			args:    []string{"--set", "podDisruptionBudget.enabled=true"},
			manager: []string{"--leader-elect=true"},
			check: func(t *testing.T, objs []*unstructured.Unstructured) {
				pdb := &policyv1.PodDisruptionBudget{}
				into(t, one(t, objs, "PodDisruptionBudget"), pdb)
				// One replica: a budget of maxUnavailable 1 never blocks a node drain.
				if pdb.Spec.MaxUnavailable == nil || pdb.Spec.MaxUnavailable.IntValue() != 1 || pdb.Spec.MinAvailable != nil {
					t.Errorf("PodDisruptionBudget minAvailable %v maxUnavailable %v, want maxUnavailable 1", pdb.Spec.MinAvailable, pdb.Spec.MaxUnavailable)
				}
			},
		},
		{
			name:    "a PodDisruptionBudget with a percentage",
			args:    []string{"--set", "replicaCount=3", "--set", "podDisruptionBudget.enabled=true", "--set-string", "podDisruptionBudget.maxUnavailable=50%"},
			manager: []string{"--leader-elect=true"},
			check: func(t *testing.T, objs []*unstructured.Unstructured) {
				pdb := &policyv1.PodDisruptionBudget{}
				into(t, one(t, objs, "PodDisruptionBudget"), pdb)
				if pdb.Spec.MaxUnavailable == nil || pdb.Spec.MaxUnavailable.String() != "50%" {
					t.Errorf("PodDisruptionBudget maxUnavailable %v, want 50%%", pdb.Spec.MaxUnavailable)
				}
			},
		},
		{
			name:    "an existing service account",
			args:    []string{"--set", "serviceAccount.create=false", "--set", "serviceAccount.name=platform-sa"},
			absent:  []string{"ServiceAccount"},
			manager: []string{"--leader-elect=true"},
			check: func(t *testing.T, objs []*unstructured.Unstructured) {
				checkGrants(t, grantsOf(t, objs, "variants", "platform-sa"), grants{
					"cluster":  rulesFile(t, "config/rbac/role.yaml"),
					"variants": rulesFile(t, "config/rbac/leader_election_role.yaml"),
				})
			},
		},
	} {
		t.Run(tc.name, func(t *testing.T) {
			objs := helmTemplate(t, chart, "variant", "variants", tc.args...)
			for _, kind := range tc.absent {
				if n := len(find(objs, kind)); n > 0 {
					t.Errorf("%d %s rendered", n, kind)
				}
			}
			dep := &appsv1.Deployment{}
			into(t, one(t, objs, "Deployment"), dep)
			for _, a := range tc.manager {
				if !slices.Contains(dep.Spec.Template.Spec.Containers[0].Args, a) {
					t.Errorf("args %q lack %s", dep.Spec.Template.Spec.Containers[0].Args, a)
				}
			}
			if tc.check != nil {
				tc.check(t, objs)
			}
			dryRun(t, objs)
		})
	}
}

// checkMetricsCertWiring: the manager serves the certificate of Secret secret, mounted where
// --metrics-cert-dir says, and the ServiceMonitor checks it with ca.crt of Secret caSecret for serverName,
// instead of skipping the check.
func checkMetricsCertWiring(t *testing.T, objs []*unstructured.Unstructured, secret, caSecret, serverName string) {
	t.Helper()
	dep := &appsv1.Deployment{}
	into(t, one(t, objs, "Deployment"), dep)
	pod := dep.Spec.Template.Spec
	mounted := ""
	for _, m := range pod.Containers[0].VolumeMounts {
		for _, v := range pod.Volumes {
			if m.Name == v.Name && m.MountPath == "/etc/oss-operator/metrics-cert" && m.ReadOnly && v.Secret != nil {
				mounted = v.Secret.SecretName
			}
		}
	}
	if mounted != secret {
		t.Errorf("Secret %q is mounted at --metrics-cert-dir, want %q: mounts %+v, volumes %+v", mounted, secret, pod.Containers[0].VolumeMounts, pod.Volumes)
	}
	eps, _, _ := unstructured.NestedSlice(one(t, objs, "ServiceMonitor").Object, "spec", "endpoints")
	if len(eps) != 1 {
		t.Fatalf("ServiceMonitor endpoints %v", eps)
	}
	ep := eps[0].(map[string]any)
	want := map[string]any{"serverName": serverName, "ca": map[string]any{"secret": map[string]any{"name": caSecret, "key": "ca.crt"}}}
	if ep["scheme"] != "https" || !reflect.DeepEqual(ep["tlsConfig"], want) {
		t.Errorf("ServiceMonitor scheme %v tlsConfig %v, want https and %v", ep["scheme"], ep["tlsConfig"], want)
	}
}
