package packaging

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"os"
	"path"
	"path/filepath"
	"sort"
	"strings"
	"testing"

	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"
	utilyaml "k8s.io/apimachinery/pkg/util/yaml"
	"sigs.k8s.io/cli-utils/pkg/kstatus/status"
	"sigs.k8s.io/controller-runtime/pkg/client"
	"sigs.k8s.io/yaml"

	ossv1 "github.com/ossoperator/oss-operator/api/v1alpha1"
)

// The examples of examples/ (Flux, Argo CD, an application using an issued key) stay true: every file
// parses, what an API server knows it accepts (the operator's kinds against the CRDs), what the Flux and
// Argo CD objects point at (paths, charts, chart values, objects to health-check) exists, and the Argo CD
// health check of examples/argocd is docs/gitops.md's and judges the example's own Bucket and AccessKeys
// as Argo CD would. Flux's and Argo CD's CRDs are not installed here: their objects are checked by these
// references, not by a schema.

// gitOpsGroups are the API groups of the examples that the test API server does not serve.
var gitOpsGroups = map[string]bool{
	"source.toolkit.fluxcd.io":    true,
	"kustomize.toolkit.fluxcd.io": true,
	"helm.toolkit.fluxcd.io":      true,
	"argoproj.io":                 true,
}

// exampleObject is an object of examples/ and the file it is in, relative to the repository.
type exampleObject struct {
	file string
	*unstructured.Unstructured
}

// exampleObjects reads every YAML file under dir (relative to the repository).
func exampleObjects(t *testing.T, dir string) []exampleObject {
	t.Helper()
	var out []exampleObject
	err := filepath.WalkDir(filepath.Join(root, dir), func(p string, d os.DirEntry, err error) error {
		if err != nil || d.IsDir() {
			return err
		}
		if ext := filepath.Ext(p); ext != ".yaml" && ext != ".yml" {
			return nil
		}
		rel, err := filepath.Rel(root, p)
		if err != nil {
			return err
		}
		rel = filepath.ToSlash(rel)
		dec := utilyaml.NewYAMLOrJSONDecoder(bytes.NewReader(readFile(t, rel)), 4096)
		for {
			u := &unstructured.Unstructured{}
			if err := dec.Decode(&u.Object); err != nil {
				if errors.Is(err, io.EOF) {
					return nil
				}
				t.Fatalf("%s: %v", rel, err)
			}
			if len(u.Object) > 0 {
				out = append(out, exampleObject{file: rel, Unstructured: u})
			}
		}
	})
	if err != nil {
		t.Fatal(err)
	}
	return out
}

func TestExamplesAreValid(t *testing.T) {
	objs := exampleObjects(t, "examples")
	if len(objs) == 0 {
		t.Fatal("examples/ holds no YAML")
	}
	var known []*unstructured.Unstructured
	for _, o := range objs {
		if o.GetAPIVersion() == "" || o.GetKind() == "" || o.GetName() == "" {
			t.Errorf("%s: an object without apiVersion, kind or metadata.name", o.file)
			continue
		}
		if gitOpsGroups[o.GroupVersionKind().Group] {
			continue
		}
		known = append(known, o.Unstructured)
	}
	// Namespaces first, as the tools apply them.
	sort.SliceStable(known, func(i, j int) bool { return known[i].GetKind() == "Namespace" && known[j].GetKind() != "Namespace" })
	// Server-side apply in dry-run mode: the schema (unknown fields included), CEL rules and admission.
	dryRun(t, known)

	var buckets, accessKeys int
	for _, u := range known {
		switch u.GroupVersionKind() {
		case ossv1.GroupVersion.WithKind("Bucket"):
			buckets++
		case ossv1.GroupVersion.WithKind("AccessKey"):
			accessKeys++
		}
	}
	if buckets == 0 || accessKeys == 0 {
		t.Errorf("examples/ has %d Buckets and %d AccessKeys, want some of each", buckets, accessKeys)
	}
}

// TestExamplesApp: the application takes the Secret of an AccessKey issued for it, in its namespace, and
// that AccessKey grants a Bucket of the example.
func TestExamplesApp(t *testing.T) {
	objs := exampleObjects(t, "examples/app")
	issued := map[string]*ossv1.AccessKey{} // by namespace/secret name
	buckets := map[string]bool{}            // by namespace/name
	for _, o := range objs {
		switch o.GetKind() {
		case "AccessKey":
			var ak ossv1.AccessKey
			into(t, o.Unstructured, &ak)
			if ak.Spec.Issue != nil {
				issued[ak.Namespace+"/"+ak.Spec.SecretRef.Name] = &ak
			}
		case "Bucket":
			buckets[o.GetNamespace()+"/"+o.GetName()] = true
		}
	}
	deployments := find(unstructuredOf(objs), "Deployment")
	if len(deployments) == 0 {
		t.Fatal("examples/app has no Deployment")
	}
	for _, u := range deployments {
		var envFrom int
		for _, c := range containersOf(t, u) {
			for _, ef := range c.envFromSecrets {
				envFrom++
				ak, ok := issued[u.GetNamespace()+"/"+ef]
				if !ok {
					t.Errorf("Deployment %s: envFrom Secret %q is no issued AccessKey's spec.secretRef of its namespace", u.GetName(), ef)
					continue
				}
				for _, g := range ak.Spec.Issue.Grants {
					if !buckets[ak.Namespace+"/"+g.BucketRef.Name] {
						t.Errorf("AccessKey %s grants Bucket %q, which the example does not define", ak.Name, g.BucketRef.Name)
					}
				}
			}
		}
		if envFrom == 0 {
			t.Errorf("Deployment %s: no container takes a Secret with envFrom", u.GetName())
		}
	}
}

type container struct{ envFromSecrets []string }

func containersOf(t *testing.T, u *unstructured.Unstructured) []container {
	t.Helper()
	cs, _, err := unstructured.NestedSlice(u.Object, "spec", "template", "spec", "containers")
	if err != nil {
		t.Fatal(err)
	}
	var out []container
	for _, c := range cs {
		var ct container
		efs, _, _ := unstructured.NestedSlice(c.(map[string]any), "envFrom")
		for _, ef := range efs {
			if name, ok, _ := unstructured.NestedString(ef.(map[string]any), "secretRef", "name"); ok {
				ct.envFromSecrets = append(ct.envFromSecrets, name)
			}
		}
		out = append(out, ct)
	}
	return out
}

func unstructuredOf(objs []exampleObject) []*unstructured.Unstructured {
	out := make([]*unstructured.Unstructured, len(objs))
	for i, o := range objs {
		out[i] = o.Unstructured
	}
	return out
}

// repoDir checks that a path a GitOps object names in this repository is a directory holding YAML, and
// returns its objects.
func repoDir(t *testing.T, who, p string) []exampleObject {
	t.Helper()
	p = path.Clean(strings.TrimPrefix(p, "./"))
	fi, err := os.Stat(filepath.Join(root, filepath.FromSlash(p)))
	if err != nil || !fi.IsDir() {
		t.Errorf("%s: path %q is not a directory of the repository", who, p)
		return nil
	}
	if p == "charts/oss-operator" {
		return nil
	}
	objs := exampleObjects(t, p)
	if len(objs) == 0 {
		t.Errorf("%s: path %q holds no YAML", who, p)
	}
	return objs
}

// chartURL is the repository the chart says it comes from, which the examples read it from.
func chartURL(t *testing.T) string {
	t.Helper()
	var chart struct {
		Home string `json:"home"`
	}
	if err := yaml.Unmarshal(readFile(t, "charts/oss-operator/Chart.yaml"), &chart); err != nil {
		t.Fatal(err)
	}
	return chart.Home
}

func TestExamplesFlux(t *testing.T) {
	objs := exampleObjects(t, "examples/flux")
	sources := map[string]bool{}
	for _, o := range objs {
		if o.GetKind() == "GitRepository" {
			sources[o.GetNamespace()+"/"+o.GetName()] = true
			if url, _, _ := unstructured.NestedString(o.Object, "spec", "url"); strings.TrimSuffix(url, ".git") != chartURL(t) {
				t.Errorf("GitRepository %s: url %q, want the chart's home %q", o.GetName(), url, chartURL(t))
			}
		}
	}
	sourceOK := func(who string, o exampleObject, fields ...string) {
		t.Helper()
		ref, _, _ := unstructured.NestedStringMap(o.Object, fields...)
		ns := ref["namespace"]
		if ns == "" {
			ns = o.GetNamespace()
		}
		if ref["kind"] != "GitRepository" || !sources[ns+"/"+ref["name"]] {
			t.Errorf("%s: sourceRef %v is no GitRepository of the example", who, ref)
		}
	}

	kustomizations := map[string]bool{}
	for _, o := range objs {
		if o.GetKind() == "Kustomization" && o.GroupVersionKind().Group == "kustomize.toolkit.fluxcd.io" {
			kustomizations[o.GetName()] = true
		}
	}
	var healthChecked, helmReleasesApplied int
	applied := map[string]bool{} // files some Kustomization applies
	for _, o := range objs {
		if o.GetKind() != "Kustomization" {
			continue
		}
		who := "Kustomization " + o.GetName()
		sourceOK(who, o, "spec", "sourceRef")
		p, _, _ := unstructured.NestedString(o.Object, "spec", "path")
		inPath := repoDir(t, who, p)
		for _, a := range inPath {
			applied[a.file] = true
			if a.GetKind() == "HelmRelease" {
				helmReleasesApplied++
			}
		}
		deps, _, _ := unstructured.NestedSlice(o.Object, "spec", "dependsOn")
		for _, d := range deps {
			if name := d.(map[string]any)["name"]; !kustomizations[fmt.Sprint(name)] {
				t.Errorf("%s: dependsOn %v, which the example does not define", who, name)
			}
		}
		checks, _, _ := unstructured.NestedSlice(o.Object, "spec", "healthChecks")
		for _, c := range checks {
			hc := c.(map[string]any)
			found := false
			for _, a := range inPath {
				if a.GetAPIVersion() == hc["apiVersion"] && a.GetKind() == hc["kind"] && a.GetName() == hc["name"] && a.GetNamespace() == hc["namespace"] {
					found = true
				}
			}
			if !found {
				t.Errorf("%s: health check of %v, which %s does not hold", who, hc, p)
			}
			if hc["apiVersion"] == ossv1.GroupVersion.String() && hc["kind"] == "Bucket" {
				healthChecked++
			}
		}
	}
	if healthChecked == 0 {
		t.Error("no Flux Kustomization health-checks a Bucket")
	}
	if helmReleasesApplied == 0 {
		t.Error("no Flux Kustomization applies the HelmRelease")
	}

	releases := find(unstructuredOf(objs), "HelmRelease")
	if len(releases) == 0 {
		t.Fatal("examples/flux has no HelmRelease")
	}
	for _, o := range objs {
		if o.GetKind() != "HelmRelease" {
			continue
		}
		who := "HelmRelease " + o.GetName()
		if !applied[o.file] {
			t.Errorf("%s (%s): no Kustomization of the example applies it", who, o.file)
		}
		sourceOK(who, o, "spec", "chart", "spec", "sourceRef")
		if chart, _, _ := unstructured.NestedString(o.Object, "spec", "chart", "spec", "chart"); path.Clean(strings.TrimPrefix(chart, "./")) != "charts/oss-operator" {
			t.Errorf("%s: chart %q, want ./charts/oss-operator", who, chart)
		}
		values, _, _ := unstructured.NestedMap(o.Object, "spec", "values")
		checkChartValues(t, who, values)
	}
}

func TestExamplesArgoCD(t *testing.T) {
	objs := exampleObjects(t, "examples/argocd")
	var chartApps, bucketApps int
	for _, o := range objs {
		if o.GetKind() != "Application" {
			continue
		}
		who := "Application " + o.GetName()
		src, _, _ := unstructured.NestedMap(o.Object, "spec", "source")
		if url := fmt.Sprint(src["repoURL"]); strings.TrimSuffix(url, ".git") != chartURL(t) {
			t.Errorf("%s: repoURL %q, want the chart's home %q", who, url, chartURL(t))
		}
		p := fmt.Sprint(src["path"])
		if p == "charts/oss-operator" {
			chartApps++
			values, _, _ := unstructured.NestedMap(o.Object, "spec", "source", "helm", "valuesObject")
			checkChartValues(t, who, values)
		}
		destNS, _, _ := unstructured.NestedString(o.Object, "spec", "destination", "namespace")
		for _, a := range repoDir(t, who, p) {
			if a.GetAPIVersion() == ossv1.GroupVersion.String() && a.GetKind() == "Bucket" {
				bucketApps++
			}
			if ns := a.GetNamespace(); ns != "" && ns != destNS {
				t.Errorf("%s: %s %s is in namespace %s, not the destination %s", who, a.GetKind(), a.GetName(), ns, destNS)
			}
		}
	}
	if chartApps == 0 || bucketApps == 0 {
		t.Errorf("%d Applications install the chart and %d apply a Bucket, want one of each at least", chartApps, bucketApps)
	}
}

// checkChartValues fails for each value the chart's values.yaml does not have (values.schema.json refuses
// unknown keys), below maps that values.yaml leaves empty for the user to fill.
func checkChartValues(t *testing.T, who string, values map[string]any) {
	t.Helper()
	var defaults map[string]any
	if err := yaml.Unmarshal(readFile(t, "charts/oss-operator/values.yaml"), &defaults); err != nil {
		t.Fatal(err)
	}
	var walk func(prefix string, got, want map[string]any)
	walk = func(prefix string, got, want map[string]any) {
		for k, v := range got {
			w, ok := want[k]
			if !ok {
				t.Errorf("%s: chart value %s%s does not exist in charts/oss-operator/values.yaml", who, prefix, k)
				continue
			}
			gm, gIsMap := v.(map[string]any)
			wm, wIsMap := w.(map[string]any)
			if gIsMap != wIsMap && w != nil {
				t.Errorf("%s: chart value %s%s is %T, values.yaml has %T", who, prefix, k, v, w)
				continue
			}
			if gIsMap && len(wm) > 0 {
				walk(prefix+k+".", gm, wm)
			}
		}
	}
	walk("", values, defaults)
}

// TestExamplesArgoCDHealth runs the health check of examples/argocd/argocd-cm.yaml on the example's own
// Bucket and AccessKeys, created for real, in the states the operator reports, and checks that Flux
// (kstatus) reaches the same verdict.
func TestExamplesArgoCDHealth(t *testing.T) {
	var cm corev1.ConfigMap
	if err := yaml.UnmarshalStrict(readFile(t, "examples/argocd/argocd-cm.yaml"), &cm); err != nil {
		t.Fatalf("examples/argocd/argocd-cm.yaml: %v", err)
	}
	if cm.Name != "argocd-cm" {
		t.Errorf("examples/argocd/argocd-cm.yaml: ConfigMap %s, want argocd-cm", cm.Name)
	}
	docs := argoHealthScripts(t)
	ns := newNamespace(t, "examples-health")
	var tested int
	for _, o := range exampleObjects(t, "examples/app") {
		if o.GroupVersionKind().Group != ossv1.GroupVersion.Group {
			continue
		}
		k := kindNamed(t, o.GetKind())
		key := "resource.customizations.health." + ossv1.GroupVersion.Group + "_" + o.GetKind()
		script, ok := cm.Data[key]
		if !ok {
			t.Errorf("examples/argocd/argocd-cm.yaml has no %s", key)
			continue
		}
		if script != docs[o.GetKind()] {
			t.Errorf("examples/argocd/argocd-cm.yaml: %s differs from docs/gitops.md's", key)
		}
		tested++
		t.Run(o.GetKind()+"/"+o.GetName(), func(t *testing.T) {
			u := o.DeepCopy()
			u.SetNamespace(ns)
			obj := newObject(o.GetKind())
			into(t, u, obj)
			if err := k8s.Create(ctx, obj); err != nil {
				t.Fatal(err)
			}
			// Nothing is left for the manager that other tests of the package run to reconcile.
			t.Cleanup(func() { _ = k8s.Delete(ctx, obj) })
			check := func(state, wantArgo string, wantKstatus status.Status) {
				t.Helper()
				got := getUnstructured(t, o.GetKind(), obj)
				health, msg := runArgoHealth(t, script, got)
				if health != wantArgo {
					t.Errorf("%s: Argo CD health %s (%s), want %s", state, health, msg, wantArgo)
				}
				res, err := status.Compute(got)
				if err != nil {
					t.Fatal(err)
				}
				if res.Status != wantKstatus {
					t.Errorf("%s: kstatus %s (%s), want %s", state, res.Status, res.Message, wantKstatus)
				}
			}
			check("just created", "Progressing", status.InProgressStatus)
			writeStatus(t, k, obj, func(c *[]metav1.Condition, gen int64) {
				reconciling(c, gen, k.waitReason, k.waitMessage)
			})
			check("Reconciling", "Progressing", status.InProgressStatus)
			writeStatus(t, k, obj, func(c *[]metav1.Condition, gen int64) {
				stalled(c, gen, ossv1.ReasonAdoptionRequired, "a bucket with this name already exists and no resource manages it")
			})
			check("Stalled", "Degraded", status.FailedStatus)
			writeStatus(t, k, obj, func(c *[]metav1.Condition, gen int64) { ready(c, gen) })
			check("Ready", "Healthy", status.CurrentStatus)
			// A spec change the operator has not observed yet: Ready is of the previous generation.
			gen := obj.GetGeneration()
			changeSpecOf(obj)
			if err := k8s.Update(ctx, obj); err != nil {
				t.Fatal(err)
			}
			if obj.GetGeneration() != gen+1 {
				t.Fatalf("generation %d after a spec change, want %d", obj.GetGeneration(), gen+1)
			}
			check("Ready at an older generation", "Progressing", status.InProgressStatus)
		})
	}
	if tested == 0 {
		t.Fatal("examples/app has no Bucket or AccessKey to run the health check on")
	}
}

func kindNamed(t *testing.T, kind string) kindUnderTest {
	t.Helper()
	for _, k := range kinds {
		if k.kind == kind {
			return k
		}
	}
	t.Fatalf("no kindUnderTest for %s", kind)
	return kindUnderTest{}
}

func newObject(kind string) client.Object {
	if kind == "Bucket" {
		return &ossv1.Bucket{}
	}
	return &ossv1.AccessKey{}
}

// changeSpecOf changes a spec field that any example of the kind may change.
func changeSpecOf(obj client.Object) {
	switch o := obj.(type) {
	case *ossv1.Bucket:
		o.Spec.Tags = map[string]string{"example": "changed"}
	case *ossv1.AccessKey:
		o.Spec.Region = "cn-beijing"
	}
}
