package packaging

import (
	"bytes"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/onsi/gomega"
	coordinationv1 "k8s.io/api/coordination/v1"
	corev1 "k8s.io/api/core/v1"
	eventsv1 "k8s.io/api/events/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	"k8s.io/apimachinery/pkg/api/meta"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"
	"k8s.io/client-go/rest"
	"k8s.io/client-go/tools/clientcmd"
	clientcmdapi "k8s.io/client-go/tools/clientcmd/api"
	"sigs.k8s.io/cli-utils/pkg/kstatus/status"
	"sigs.k8s.io/controller-runtime/pkg/client"

	ossv1 "github.com/ossoperator/oss-operator/api/v1alpha1"
	"github.com/ossoperator/oss-operator/ossapi/osstest"
)

// The manager binary, run against the API server as its service account with nothing but the RBAC an
// install renders: it must be enough to make a Bucket Ready, to report what GitOps tools must see (a
// Stalled AccessKey as failed, one waiting for its Secret as in progress until the Secret comes), and to
// delete a Bucket and its AccessKey in any order; and, in a namespaced install, the manager must leave
// other namespaces alone.

const (
	testKeyID, testSecret = "LTAI-packaging", "secret-of-packaging-3f2e"
)

// TestManagerWithKustomizeRBAC: the cluster-wide install of config/default.
func TestManagerWithKustomizeRBAC(t *testing.T) {
	objs := kustomizeBuild(t, "config/default")
	apps := newNamespace(t, "kapps")
	exerciseManager(t, objs, apps, "")
}

// TestManagerWithChartRBAC: the chart's namespaced install, with the default cluster ID (read from the
// kube-system namespace through the one cluster-wide permission).
func TestManagerWithChartRBAC(t *testing.T) {
	apps, other := newNamespace(t, "happs"), newNamespace(t, "hother")
	objs := helmTemplate(t, chart, "oss", newNamespace(t, "hops"), "--set", "operator.watchNamespaces={"+apps+"}", "--set", "crds.install=false")
	exerciseManager(t, objs, apps, other)
}

// exerciseManager applies the install's service account and RBAC for real, runs the manager as that
// service account with the install's flags, and checks what a user would see in namespace apps; a
// Bucket in unwatched (if set) must be left alone.
func exerciseManager(t *testing.T, objs []*unstructured.Unstructured, apps, unwatched string) {
	sa := applyIdentity(t, objs)
	saCfg := impersonate(sa.GetNamespace(), sa.GetName())
	dep := checkManager(t, objs, "")

	emu := osstest.NewServer(osstest.WithAccount(osstest.Account{ID: "1000000000000042", DisplayName: "packaging",
		Keys: []osstest.Key{{AccessKeyID: testKeyID, AccessKeySecret: testSecret}}}))
	t.Cleanup(emu.Close)
	logs := runManager(t, saCfg, managerArgs(dep.Spec.Template.Spec.Containers[0].Args, "0", sa.GetNamespace()))

	// A Secret, an AccessKey and a Bucket, as in the README's quickstart.
	bucket := fmt.Sprintf("packaging-%d", time.Now().UnixNano()%1_000_000_000)
	create(t, &corev1.Secret{ObjectMeta: metav1.ObjectMeta{Namespace: apps, Name: "creds"},
		StringData: map[string]string{"accessKeyId": testKeyID, "accessKeySecret": testSecret}})
	create(t, &ossv1.AccessKey{ObjectMeta: metav1.ObjectMeta{Namespace: apps, Name: "creds"},
		Spec: ossv1.AccessKeySpec{SecretRef: ossv1.SecretReference{Name: "creds"}, Region: "cn-hangzhou", Endpoint: emu.URL}})
	create(t, &ossv1.Bucket{ObjectMeta: metav1.ObjectMeta{Namespace: apps, Name: bucket},
		Spec: ossv1.BucketSpec{AccessKeyRef: ossv1.AccessKeyReference{Name: "creds"}}})
	// An AccessKey whose Secret lacks the secret: Stalled, which GitOps tools must see as failed.
	create(t, &corev1.Secret{ObjectMeta: metav1.ObjectMeta{Namespace: apps, Name: "partial"},
		StringData: map[string]string{"accessKeyId": testKeyID}})
	create(t, &ossv1.AccessKey{ObjectMeta: metav1.ObjectMeta{Namespace: apps, Name: "no-key"},
		Spec: ossv1.AccessKeySpec{SecretRef: ossv1.SecretReference{Name: "partial"}, Region: "cn-hangzhou", Endpoint: emu.URL}})
	// An AccessKey whose Secret does not exist yet: Reconciling, waiting for the Secret (created below).
	create(t, &ossv1.AccessKey{ObjectMeta: metav1.ObjectMeta{Namespace: apps, Name: "no-secret"},
		Spec: ossv1.AccessKeySpec{SecretRef: ossv1.SecretReference{Name: "later"}, Region: "cn-hangzhou", Endpoint: emu.URL}})
	var ignored *ossv1.Bucket
	if unwatched != "" {
		ignored = &ossv1.Bucket{ObjectMeta: metav1.ObjectMeta{Namespace: unwatched, Name: bucket + "-x"},
			Spec: ossv1.BucketSpec{AccessKeyRef: ossv1.AccessKeyReference{Name: "creds"}}}
		create(t, ignored)
	}

	waitFor := func(kind, name string, want status.Status, cond, reason string) {
		t.Helper()
		what := fmt.Sprintf("%s %s/%s to be %s", kind, apps, name, want)
		if cond != "" {
			what += fmt.Sprintf(" with %s reason %s", cond, reason)
		}
		eventually(t, logs, what, func() (bool, string) {
			u := &unstructured.Unstructured{}
			u.SetGroupVersionKind(ossv1.GroupVersion.WithKind(kind))
			if err := k8s.Get(ctx, client.ObjectKey{Namespace: apps, Name: name}, u); err != nil {
				return false, err.Error()
			}
			// kstatus also calls an object without any status Current: require the operator's own word.
			conds, found, _ := unstructured.NestedSlice(u.Object, "status", "conditions")
			if !found {
				return false, "no conditions yet"
			}
			res, err := status.Compute(u)
			if err != nil {
				return false, err.Error()
			}
			if res.Status != want {
				return false, fmt.Sprintf("%s: %s", res.Status, res.Message)
			}
			if cond == "" {
				return true, ""
			}
			for _, c := range conds {
				if c, ok := c.(map[string]any); ok && c["type"] == cond && c["status"] == string(metav1.ConditionTrue) && c["reason"] == reason {
					return true, ""
				}
			}
			return false, fmt.Sprintf("%s, conditions %v", res.Status, conds)
		})
	}
	waitFor("AccessKey", "creds", status.CurrentStatus, "", "")
	waitFor("Bucket", bucket, status.CurrentStatus, "", "")
	waitFor("AccessKey", "no-key", status.FailedStatus, ossv1.ConditionStalled, ossv1.ReasonSecretKeyMissing)
	waitFor("AccessKey", "no-secret", status.InProgressStatus, ossv1.ConditionReconciling, ossv1.ReasonSecretNotFound)
	// The Secret appears: its watch, with the install's RBAC, brings the AccessKey to Ready.
	create(t, &corev1.Secret{ObjectMeta: metav1.ObjectMeta{Namespace: apps, Name: "later"},
		StringData: map[string]string{"accessKeyId": testKeyID, "accessKeySecret": testSecret}})
	waitFor("AccessKey", "no-secret", status.CurrentStatus, ossv1.ConditionReady, ossv1.ReasonReady)
	eventually(t, logs, "Events about the Bucket", func() (bool, string) {
		var list eventsv1.EventList
		if err := k8s.List(ctx, &list, client.InNamespace(apps)); err != nil {
			return false, err.Error()
		}
		for _, e := range list.Items {
			if e.Regarding.Kind == "Bucket" && e.Regarding.Name == bucket {
				return true, ""
			}
		}
		return false, fmt.Sprintf("%d events, none about the Bucket", len(list.Items))
	})

	// Deletion in any order, as a prune or a namespace deletion makes it: the AccessKey the Bucket names
	// stays, still Ready, with DeletionBlocked reason InUse, until the Bucket (deletionPolicy Retain) has
	// let its bucket go; then both go.
	creds := &ossv1.AccessKey{ObjectMeta: metav1.ObjectMeta{Namespace: apps, Name: "creds"}}
	if err := k8s.Delete(ctx, creds); err != nil {
		t.Fatal(err)
	}
	eventually(t, logs, "AccessKey creds to stay while the Bucket needs it", func() (bool, string) {
		ak := &ossv1.AccessKey{}
		if err := k8s.Get(ctx, client.ObjectKeyFromObject(creds), ak); err != nil {
			return false, err.Error()
		}
		blocked := meta.FindStatusCondition(ak.Status.Conditions, ossv1.ConditionDeletionBlocked)
		held := blocked != nil && blocked.Status == metav1.ConditionTrue && blocked.Reason == ossv1.ReasonInUse
		return held && meta.IsStatusConditionTrue(ak.Status.Conditions, ossv1.ConditionReady), fmt.Sprintf("conditions %+v", ak.Status.Conditions)
	})
	if err := k8s.Delete(ctx, &ossv1.Bucket{ObjectMeta: metav1.ObjectMeta{Namespace: apps, Name: bucket}}); err != nil {
		t.Fatal(err)
	}
	for _, obj := range []client.Object{
		&ossv1.Bucket{ObjectMeta: metav1.ObjectMeta{Namespace: apps, Name: bucket}}, creds,
	} {
		eventually(t, logs, fmt.Sprintf("%T %s to be gone", obj, obj.GetName()), func() (bool, string) {
			err := k8s.Get(ctx, client.ObjectKeyFromObject(obj), obj)
			if apierrors.IsNotFound(err) {
				return true, ""
			}
			return false, fmt.Sprintf("still there (%v), finalizers %v", err, obj.GetFinalizers())
		})
	}
	if ignored != nil {
		if err := k8s.Get(ctx, client.ObjectKeyFromObject(ignored), ignored); err != nil {
			t.Fatal(err)
		}
		if len(ignored.Status.Conditions) > 0 || len(ignored.Finalizers) > 0 {
			t.Errorf("the Bucket in unwatched namespace %s was reconciled: %+v", unwatched, ignored.Status)
		}
	}
	if refused(logs) {
		t.Error("the manager was refused something (missing RBAC)")
	}

	// Leader election runs only in a cluster (the manager finds its namespace from the pod), so the
	// Lease permissions are checked directly: in the manager's namespace, and nowhere else.
	saClient, err := client.New(saCfg, client.Options{Scheme: k8s.Scheme()})
	if err != nil {
		t.Fatal(err)
	}
	lease := &coordinationv1.Lease{ObjectMeta: metav1.ObjectMeta{Namespace: sa.GetNamespace(), Name: "oss-operator.ossoperator.io"}}
	if err := saClient.Create(ctx, lease); err != nil && !apierrors.IsAlreadyExists(err) {
		t.Errorf("the service account cannot create its leader election Lease: %v", err)
	}
	if err := saClient.Update(ctx, lease); err != nil {
		t.Errorf("the service account cannot renew its leader election Lease: %v", err)
	}
	if err := saClient.Create(ctx, &corev1.Event{ObjectMeta: metav1.ObjectMeta{Namespace: sa.GetNamespace(), GenerateName: "lease-"},
		InvolvedObject: corev1.ObjectReference{Kind: "Lease", Namespace: sa.GetNamespace(), Name: lease.Name}, Reason: "LeaderElection", Type: "Normal"}); err != nil {
		t.Errorf("the service account cannot record leader election Events: %v", err)
	}
	other := &coordinationv1.Lease{ObjectMeta: metav1.ObjectMeta{Namespace: apps, Name: "not-mine"}}
	if err := saClient.Create(ctx, other); !apierrors.IsForbidden(err) {
		t.Errorf("creating a Lease in %s: %v, want forbidden", apps, err)
	}
	if err := saClient.Delete(ctx, &corev1.Secret{ObjectMeta: metav1.ObjectMeta{Namespace: apps, Name: "creds"}}); !apierrors.IsForbidden(err) {
		t.Errorf("deleting a Secret: %v, want forbidden", err)
	}
}

// managerArgs are the install's flags, but for what only works in a pod: no leader election, and the
// claims' namespace given (the manager finds its namespace from the pod's service account mount:
// namespace, the install's), probes on a free local port, metrics on metricsAddr ("0": none), and the
// emulator as the one allowed endpoint.
func managerArgs(installed []string, metricsAddr, namespace string) []string {
	args := []string{"--allowed-endpoints=127.0.0.1", "--allow-insecure-endpoints", // the emulator, over plain HTTP
		"--claims-namespace=" + namespace}
	for _, a := range installed {
		switch name, _, _ := strings.Cut(a, "="); name {
		case "--leader-elect":
			args = append(args, "--leader-elect=false")
		case "--metrics-bind-address":
			args = append(args, "--metrics-bind-address="+metricsAddr)
		case "--health-probe-bind-address":
			args = append(args, "--health-probe-bind-address=127.0.0.1:0")
		case "--allowed-endpoints":
			// The emulator's, above.
		default:
			args = append(args, a)
		}
	}
	return args
}

// impersonate is the API server's admin configuration acting as a service account.
func impersonate(namespace, name string) *rest.Config {
	cfg := rest.CopyConfig(restCfg)
	cfg.Impersonate = rest.ImpersonationConfig{
		UserName: "system:serviceaccount:" + namespace + ":" + name,
		Groups:   []string{"system:serviceaccounts", "system:serviceaccounts:" + namespace, "system:authenticated"},
	}
	return cfg
}

var (
	buildOnce  sync.Once
	managerBin string
	buildErr   error
)

// manager builds the manager binary, once for every test that runs it, as `make build` does.
func manager(t *testing.T) string {
	t.Helper()
	buildOnce.Do(func() {
		dir, err := os.MkdirTemp("", "oss-operator-manager-")
		if err != nil {
			buildErr = err
			return
		}
		managerBin = filepath.Join(dir, "manager")
		buildErr = goBuild(managerBin)
	})
	if buildErr != nil {
		t.Fatal(buildErr)
	}
	return managerBin
}

// goBuild builds the manager from the repository into out, with extra build flags.
func goBuild(out string, flags ...string) error {
	cmd := exec.Command("go", append(append([]string{"build"}, flags...), "-o", out, ".")...)
	cmd.Dir = root
	if b, err := cmd.CombinedOutput(); err != nil {
		return fmt.Errorf("go build %s: %w\n%s", strings.Join(flags, " "), err, b)
	}
	return nil
}

// runManager builds the manager (once) and runs it with cfg's identity until the test ends.
func runManager(t *testing.T, cfg *rest.Config, args []string) *syncBuffer {
	t.Helper()
	_, logs := startManager(t, cfg, args)
	return logs
}

// startManager is runManager that also returns the manager's process ID, for what only the process
// shows (its memory, in /proc).
func startManager(t *testing.T, cfg *rest.Config, args []string) (int, *syncBuffer) {
	t.Helper()
	bin := manager(t)

	kc := clientcmdapi.NewConfig()
	kc.Clusters["envtest"] = &clientcmdapi.Cluster{Server: cfg.Host, CertificateAuthorityData: cfg.CAData}
	kc.AuthInfos["manager"] = &clientcmdapi.AuthInfo{
		ClientCertificateData: cfg.CertData, ClientKeyData: cfg.KeyData, Token: cfg.BearerToken,
		Impersonate: cfg.Impersonate.UserName, ImpersonateGroups: cfg.Impersonate.Groups,
	}
	kc.Contexts["manager"] = &clientcmdapi.Context{Cluster: "envtest", AuthInfo: "manager"}
	kc.CurrentContext = "manager"
	kubeconfig := filepath.Join(t.TempDir(), "kubeconfig")
	if err := clientcmd.WriteToFile(*kc, kubeconfig); err != nil {
		t.Fatal(err)
	}

	logs := &syncBuffer{}
	cmd := exec.Command(bin, append([]string{"--kubeconfig=" + kubeconfig}, args...)...)
	cmd.Stdout, cmd.Stderr = logs, logs
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	exited := make(chan error, 1)
	go func() { exited <- cmd.Wait() }()
	t.Cleanup(func() {
		_ = cmd.Process.Signal(syscall.SIGTERM)
		select {
		case <-exited:
		case <-time.After(15 * time.Second):
			_ = cmd.Process.Kill()
			<-exited
		}
		if t.Failed() {
			t.Logf("manager %q logs:\n%s", args, logs.String())
		}
	})
	return cmd.Process.Pid, logs
}

// eventually polls cond until it holds, failing after 45 s with its last explanation, or at once when
// the manager logs that the API server refused it something.
func eventually(t *testing.T, logs *syncBuffer, what string, cond func() (bool, string)) {
	t.Helper()
	gomega.NewWithT(t).Eventually(func() error {
		if refused(logs) {
			return gomega.StopTrying(fmt.Sprintf("waiting for %s: the manager was refused something (missing RBAC)", what))
		}
		if ok, why := cond(); !ok {
			return fmt.Errorf("waiting for %s: %s", what, why)
		}
		return nil
	}).WithTimeout(45 * time.Second).WithPolling(100 * time.Millisecond).Should(gomega.Succeed())
}

func refused(logs *syncBuffer) bool {
	return strings.Contains(strings.ToLower(logs.String()), "forbidden")
}

func create(t *testing.T, obj client.Object) {
	t.Helper()
	if err := k8s.Create(ctx, obj); err != nil {
		t.Fatalf("creating %T %s: %v", obj, obj.GetName(), err)
	}
}

// syncBuffer is a bytes.Buffer safe for the manager's output and the test reading it.
type syncBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (s *syncBuffer) Write(p []byte) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.Write(p)
}

func (s *syncBuffer) String() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.String()
}

// applyIdentity applies the install's namespace, service account and RBAC, and returns the service
// account the manager runs as.
func applyIdentity(t *testing.T, objs []*unstructured.Unstructured) *unstructured.Unstructured {
	t.Helper()
	var identity []*unstructured.Unstructured
	for _, u := range objs {
		if slices.Contains([]string{"Namespace", "ServiceAccount", "ClusterRole", "ClusterRoleBinding", "Role", "RoleBinding"}, u.GetKind()) {
			identity = append(identity, u)
		}
	}
	apply(t, identity)
	return one(t, objs, "ServiceAccount")
}
