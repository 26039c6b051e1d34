package packaging

import (
	"bytes"
	"maps"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"slices"
	"strings"
	"testing"

	appsv1 "k8s.io/api/apps/v1"
	apiextensionsv1 "k8s.io/apiextensions-apiserver/pkg/apis/apiextensions/v1"
	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"
	"k8s.io/client-go/tools/clientcmd"
	clientcmdapi "k8s.io/client-go/tools/clientcmd/api"
	"sigs.k8s.io/controller-runtime/pkg/client"
)

// The README's install commands, run for real against the API server.

// adminKubeconfig writes a kubeconfig for the API server's admin user.
func adminKubeconfig(t *testing.T) string {
	t.Helper()
	kc := clientcmdapi.NewConfig()
	kc.Clusters["envtest"] = &clientcmdapi.Cluster{Server: restCfg.Host, CertificateAuthorityData: restCfg.CAData}
	kc.AuthInfos["admin"] = &clientcmdapi.AuthInfo{ClientCertificateData: restCfg.CertData, ClientKeyData: restCfg.KeyData, Token: restCfg.BearerToken}
	kc.Contexts["envtest"] = &clientcmdapi.Context{Cluster: "envtest", AuthInfo: "admin"}
	kc.CurrentContext = "envtest"
	p := filepath.Join(t.TempDir(), "kubeconfig")
	if err := clientcmd.WriteToFile(*kc, p); err != nil {
		t.Fatal(err)
	}
	return p
}

// TestKubectlApplyKustomize runs `kubectl apply -k config/default` with kubectl's own kustomize, in a
// server-side dry run (the namespace exists, as it would after a first apply).
func TestKubectlApplyKustomize(t *testing.T) {
	ensureNamespace(t, systemNamespace)
	kubectl := filepath.Join(os.Getenv("KUBEBUILDER_ASSETS"), "kubectl")
	cmd := exec.Command(kubectl, "--kubeconfig", adminKubeconfig(t), "apply", "-k", "config/default", "--server-side", "--dry-run=server")
	cmd.Dir = root
	out, err := cmd.CombinedOutput()
	if err != nil {
		t.Fatalf("kubectl apply -k config/default: %v\n%s", err, out)
	}
	if !bytes.Contains(out, []byte("deployment.apps/oss-operator serverside-applied (server dry run)")) {
		t.Errorf("kubectl apply -k did not apply the Deployment:\n%s", out)
	}
}

// TestHelmInstallUpgradeUninstall installs the chart for real, upgrades it with a changed CRD, and
// uninstalls it: the chart owns and upgrades its CRDs, and leaves them (and every Bucket) behind.
func TestHelmInstallUpgradeUninstall(t *testing.T) {
	kubeconfig := adminKubeconfig(t)
	helm := func(args ...string) {
		t.Helper()
		mustCommand(t, "helm", append(args, "--kubeconfig", kubeconfig)...)
	}
	const release, ns = "lifecycle", "oss-operator-lifecycle"

	// The CRDs exist already, as envtest installed them from config/crd/bases: take them over, as the
	// chart's README tells users who installed them with kubectl first.
	for name := range baseCRDs(t) {
		crd := &apiextensionsv1.CustomResourceDefinition{}
		if err := k8s.Get(ctx, client.ObjectKey{Name: name}, crd); err != nil {
			t.Fatal(err)
		}
		patch := client.MergeFrom(crd.DeepCopy())
		crd.Labels = merge(crd.Labels, map[string]string{"app.kubernetes.io/managed-by": "Helm"})
		crd.Annotations = merge(crd.Annotations, map[string]string{"meta.helm.sh/release-name": release, "meta.helm.sh/release-namespace": ns})
		if err := k8s.Patch(ctx, crd, patch); err != nil {
			t.Fatal(err)
		}
	}

	// The chart as released: helm checks its kubeVersion against the API server's version.
	current := filepath.Join(root, chart)
	helm("install", release, current, "--namespace", ns, "--create-namespace")
	bucketCRD := &apiextensionsv1.CustomResourceDefinition{}
	if err := k8s.Get(ctx, client.ObjectKey{Name: "buckets.oss.ossoperator.io"}, bucketCRD); err != nil {
		t.Fatal(err)
	}
	if bucketCRD.Annotations["helm.sh/resource-policy"] != "keep" || bucketCRD.Labels["app.kubernetes.io/instance"] != release {
		t.Errorf("after helm install the Bucket CRD is not the chart's: labels %v, annotations %v", bucketCRD.Labels, bucketCRD.Annotations)
	}

	// A new version of the chart whose Bucket CRD has changed.
	changed := chartCopy(t)
	crdFile := filepath.Join(changed, "files", "crds", "oss.ossoperator.io_buckets.yaml")
	b, err := os.ReadFile(crdFile)
	if err != nil {
		t.Fatal(err)
	}
	const from, to = "description: spec declares the bucket.", "description: spec declares the bucket (upgraded)."
	if !bytes.Contains(b, []byte(from)) {
		t.Fatalf("%s has no %q to change", crdFile, from)
	}
	if err := os.WriteFile(crdFile, bytes.Replace(b, []byte(from), []byte(to), 1), 0o644); err != nil {
		t.Fatal(err)
	}
	helm("upgrade", release, changed, "--namespace", ns)
	if err := k8s.Get(ctx, client.ObjectKey{Name: bucketCRD.Name}, bucketCRD); err != nil {
		t.Fatal(err)
	}
	if got := bucketCRD.Spec.Versions[0].Schema.OpenAPIV3Schema.Properties["spec"].Description; !strings.Contains(got, "(upgraded)") {
		t.Errorf("helm upgrade did not upgrade the Bucket CRD: spec description %q", got)
	}

	// Back to this chart, then uninstall: the CRDs stay, as they were.
	helm("upgrade", release, current, "--namespace", ns)
	helm("uninstall", release, "--namespace", ns)
	if err := k8s.Get(ctx, client.ObjectKey{Name: bucketCRD.Name}, bucketCRD); err != nil {
		t.Fatalf("the Bucket CRD is gone after helm uninstall: %v", err)
	}
	if got := bucketCRD.Spec.Versions[0].Schema.OpenAPIV3Schema.Properties["spec"].Description; strings.Contains(got, "(upgraded)") {
		t.Errorf("the second upgrade did not restore the Bucket CRD: %q", got)
	}
	if err := k8s.Get(ctx, client.ObjectKey{Namespace: ns, Name: "lifecycle-oss-operator"}, &appsv1.Deployment{}); err == nil {
		t.Error("the Deployment survived helm uninstall")
	}
}

// chartCopy copies the chart into a temporary directory.
func chartCopy(t *testing.T) string {
	t.Helper()
	dir := filepath.Join(t.TempDir(), "oss-operator")
	if err := os.CopyFS(dir, os.DirFS(filepath.Join(root, chart))); err != nil {
		t.Fatal(err)
	}
	return dir
}

func merge(a, b map[string]string) map[string]string {
	out := maps.Clone(a)
	if out == nil {
		out = map[string]string{}
	}
	maps.Copy(out, b)
	return out
}

// TestReadmeQuickstart applies the README's quickstart resources in a server-side dry run, and checks that
// its `kubectl wait` names them.
func TestReadmeQuickstart(t *testing.T) {
	readme := readFile(t, "README.md")
	i := bytes.Index(readme, []byte("<!-- quickstart.yaml:"))
	if i < 0 {
		t.Fatal("README.md: the marked quickstart.yaml block is missing")
	}
	block := regexp.MustCompile("(?s)```yaml\n(.*?)```").FindSubmatch(readme[i:])
	if block == nil {
		t.Fatal("README.md: no yaml block after the quickstart marker")
	}
	objs := decode(t, block[1])
	ns := newNamespace(t, "quickstart")
	for _, u := range objs {
		u.SetNamespace(ns)
	}
	dryRun(t, objs)

	wait := regexp.MustCompile(`kubectl wait --for=condition=Ready ((?:\S+/\S+ )+)`).FindSubmatch(readme)
	if wait == nil {
		t.Fatal("README.md: no kubectl wait --for=condition=Ready")
	}
	for _, ref := range strings.Fields(string(wait[1])) {
		kind, name, _ := strings.Cut(ref, "/")
		if !slices.ContainsFunc(objs, func(u *unstructured.Unstructured) bool {
			return strings.EqualFold(u.GetKind(), kind) && u.GetName() == name
		}) {
			t.Errorf("README.md waits for %s, which the quickstart does not create", ref)
		}
	}
}
