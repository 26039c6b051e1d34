// Package packaging tests what users install and what their GitOps tools read: the kustomize tree in
// config/, the Helm chart in charts/oss-operator, the Dockerfile, the status contract (kstatus and the
// Argo CD health check in docs/gitops.md), and the Flux, Argo CD and application examples of examples/.
// Rendered manifests go to a real API server (envtest) in a server-side dry run; the pinned helm and
// kustomize come from bin/ (`make helm kustomize`, which `make test` runs first).
package packaging

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"sort"
	"strings"
	"testing"
	"time"

	corev1 "k8s.io/api/core/v1"
	apiextensionsv1 "k8s.io/apiextensions-apiserver/pkg/apis/apiextensions/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	"k8s.io/apimachinery/pkg/api/meta"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"
	"k8s.io/apimachinery/pkg/runtime"
	utilyaml "k8s.io/apimachinery/pkg/util/yaml"
	clientgoscheme "k8s.io/client-go/kubernetes/scheme"
	"k8s.io/client-go/rest"
	"sigs.k8s.io/controller-runtime/pkg/client"
	"sigs.k8s.io/controller-runtime/pkg/envtest"

	ossv1 "github.com/ossoperator/oss-operator/api/v1alpha1"
)

// kubeVersion is the envtest API server's version (hack/envtest.sh). Without a cluster, bin/helm assumes
// the same minor version (`make helm` stamps it), and checks the chart's kubeVersion against it.
const kubeVersion = "1.37.2"

var (
	root    string // the repository
	testEnv *envtest.Environment
	restCfg *rest.Config
	k8s     client.Client
	ctx     = context.Background()
)

func TestMain(m *testing.M) { os.Exit(run(m)) }

func run(m *testing.M) int {
	var err error
	if root, err = filepath.Abs(filepath.Join("..", "..")); err != nil {
		fmt.Fprintln(os.Stderr, err)
		return 1
	}
	if os.Getenv("KUBEBUILDER_ASSETS") == "" {
		fmt.Fprintln(os.Stderr, "KUBEBUILDER_ASSETS is not set: run the tests with `make test`, which builds the envtest control plane (make envtest)")
		return 1
	}
	testEnv = &envtest.Environment{
		// The operator's CRDs, and stubs of the Prometheus Operator's ServiceMonitor and PrometheusRule
		// CRDs and of cert-manager's Certificate CRD, with the fields the chart and config/ use.
		CRDDirectoryPaths:     []string{filepath.Join(root, "config", "crd", "bases"), "testdata/crds"},
		ErrorIfCRDPathMissing: true,
	}
	if restCfg, err = testEnv.Start(); err != nil {
		fmt.Fprintln(os.Stderr, "starting envtest:", err)
		return 1
	}
	defer func() {
		if err := testEnv.Stop(); err != nil {
			fmt.Fprintln(os.Stderr, "stopping envtest:", err)
		}
	}()
	scheme := runtime.NewScheme()
	if err := clientgoscheme.AddToScheme(scheme); err != nil {
		panic(err)
	}
	if err := ossv1.AddToScheme(scheme); err != nil {
		panic(err)
	}
	if err := apiextensionsv1.AddToScheme(scheme); err != nil {
		panic(err)
	}
	if k8s, err = client.New(restCfg, client.Options{Scheme: scheme}); err != nil {
		fmt.Fprintln(os.Stderr, err)
		return 1
	}
	defer func() {
		if managerBin != "" {
			_ = os.RemoveAll(filepath.Dir(managerBin))
		}
	}()
	return m.Run()
}

// tool returns the path of a pinned tool in bin/.
func tool(t *testing.T, name string) string {
	t.Helper()
	p := filepath.Join(root, "bin", name)
	if _, err := os.Stat(p); err != nil {
		t.Fatalf("%s is missing: run `make helm kustomize` (make test does this before the tests)", p)
	}
	return p
}

// command runs a tool from the repository root and returns its standard output.
func command(t *testing.T, name string, args ...string) ([]byte, error) {
	t.Helper()
	cmd := exec.Command(tool(t, name), args...)
	cmd.Dir = root
	var stdout, stderr bytes.Buffer
	cmd.Stdout, cmd.Stderr = &stdout, &stderr
	// No user configuration or cache of the machine's helm leaks into the test.
	home := t.TempDir()
	cmd.Env = append(os.Environ(), "HELM_CONFIG_HOME="+home, "HELM_CACHE_HOME="+home, "HELM_DATA_HOME="+home)
	if err := cmd.Run(); err != nil {
		return stdout.Bytes(), fmt.Errorf("%s %s: %w\n%s", name, strings.Join(args, " "), err, stderr.String())
	}
	return stdout.Bytes(), nil
}

func mustCommand(t *testing.T, name string, args ...string) []byte {
	t.Helper()
	out, err := command(t, name, args...)
	if err != nil {
		t.Fatal(err)
	}
	return out
}

// helmTemplate renders the chart (or another chart dir) as release name in namespace.
func helmTemplate(t *testing.T, chart, name, namespace string, args ...string) []*unstructured.Unstructured {
	t.Helper()
	args = append([]string{"template", name, chart, "--namespace", namespace}, args...)
	return decode(t, mustCommand(t, "helm", args...))
}

func kustomizeBuild(t *testing.T, dir string) []*unstructured.Unstructured {
	t.Helper()
	return decode(t, mustCommand(t, "kustomize", "build", dir))
}

// decode splits a multi-document YAML stream into objects, skipping empty documents.
func decode(t *testing.T, data []byte) []*unstructured.Unstructured {
	t.Helper()
	var objs []*unstructured.Unstructured
	d := utilyaml.NewYAMLOrJSONDecoder(bytes.NewReader(data), 4096)
	for {
		u := &unstructured.Unstructured{}
		if err := d.Decode(&u.Object); err != nil {
			if errors.Is(err, io.EOF) {
				break
			}
			t.Fatalf("decoding rendered manifests: %v", err)
		}
		if len(u.Object) == 0 {
			continue
		}
		objs = append(objs, u)
	}
	if len(objs) == 0 {
		t.Fatal("nothing rendered")
	}
	return objs
}

func readFile(t *testing.T, rel string) []byte {
	t.Helper()
	b, err := os.ReadFile(filepath.Join(root, rel))
	if err != nil {
		t.Fatal(err)
	}
	return b
}

// namespaced reports whether the API server serves the object's kind in namespaces.
func namespaced(t *testing.T, u *unstructured.Unstructured) bool {
	t.Helper()
	gvk := u.GroupVersionKind()
	m, err := k8s.RESTMapper().RESTMapping(gvk.GroupKind(), gvk.Version)
	if err != nil {
		t.Fatalf("%s %s: the API server does not know the kind: %v", gvk, u.GetName(), err)
	}
	return m.Scope.Name() == meta.RESTScopeNameNamespace
}

// dryRun applies every object with server-side apply in dry-run mode, after creating (for real) the
// namespaces they go to. Server-side apply rejects fields the schema does not declare, and the API
// server runs its validation and admission, without persisting anything.
//
// Every namespaced object must name its namespace: GitOps tools and `kubectl apply -f` do not add one.
func dryRun(t *testing.T, objs []*unstructured.Unstructured) {
	t.Helper()
	for _, u := range objs {
		if u.GetKind() == "Namespace" {
			ensureNamespace(t, u.GetName())
			continue
		}
		if namespaced(t, u) {
			if u.GetNamespace() == "" {
				t.Errorf("%s %s: namespaced but has no metadata.namespace", u.GetKind(), u.GetName())
				continue
			}
			ensureNamespace(t, u.GetNamespace())
		} else if u.GetNamespace() != "" {
			t.Errorf("%s %s: cluster-scoped but has metadata.namespace %q", u.GetKind(), u.GetName(), u.GetNamespace())
		}
		err := k8s.Apply(ctx, client.ApplyConfigurationFromUnstructured(u.DeepCopy()),
			client.DryRunAll, client.ForceOwnership, client.FieldOwner("packaging-test"))
		if err != nil {
			t.Errorf("server-side dry run of %s %s/%s: %v", u.GetKind(), u.GetNamespace(), u.GetName(), err)
		}
	}
}

func ensureNamespace(t *testing.T, name string) {
	t.Helper()
	err := k8s.Create(ctx, &corev1.Namespace{ObjectMeta: metav1.ObjectMeta{Name: name}})
	if err != nil && !apierrors.IsAlreadyExists(err) {
		t.Fatalf("creating namespace %s: %v", name, err)
	}
}

// apply creates or updates every object for real (server-side apply).
func apply(t *testing.T, objs []*unstructured.Unstructured) {
	t.Helper()
	for _, u := range objs {
		if u.GetKind() != "Namespace" && u.GetNamespace() != "" {
			ensureNamespace(t, u.GetNamespace())
		}
		if err := k8s.Apply(ctx, client.ApplyConfigurationFromUnstructured(u.DeepCopy()),
			client.ForceOwnership, client.FieldOwner("packaging-test")); err != nil {
			t.Fatalf("applying %s %s/%s: %v", u.GetKind(), u.GetNamespace(), u.GetName(), err)
		}
	}
}

// find returns the objects of a kind, sorted by namespace and name.
func find(objs []*unstructured.Unstructured, kind string) []*unstructured.Unstructured {
	var out []*unstructured.Unstructured
	for _, u := range objs {
		if u.GetKind() == kind {
			out = append(out, u)
		}
	}
	sort.Slice(out, func(i, j int) bool {
		return out[i].GetNamespace()+"/"+out[i].GetName() < out[j].GetNamespace()+"/"+out[j].GetName()
	})
	return out
}

func one(t *testing.T, objs []*unstructured.Unstructured, kind string) *unstructured.Unstructured {
	t.Helper()
	found := find(objs, kind)
	if len(found) != 1 {
		t.Fatalf("want exactly one %s, found %d", kind, len(found))
	}
	return found[0]
}

// into converts an unstructured object to a typed one.
func into(t *testing.T, u *unstructured.Unstructured, obj any) {
	t.Helper()
	if err := runtime.DefaultUnstructuredConverter.FromUnstructured(u.Object, obj); err != nil {
		t.Fatalf("%s %s: %v", u.GetKind(), u.GetName(), err)
	}
}

// newNamespace creates a namespace for one test.
func newNamespace(t *testing.T, prefix string) string {
	t.Helper()
	name := fmt.Sprintf("%s-%d", prefix, time.Now().UnixNano()%1_000_000_000)
	ensureNamespace(t, name)
	return name
}
