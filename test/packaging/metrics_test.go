package packaging

import (
	"crypto/tls"
	"fmt"
	"io"
	"net"
	"net/http"
	"slices"
	"strings"
	"testing"
	"time"

	authnv1 "k8s.io/api/authentication/v1"
	corev1 "k8s.io/api/core/v1"
	rbacv1 "k8s.io/api/rbac/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"
	"k8s.io/client-go/kubernetes"
	"k8s.io/utils/ptr"
)

// With secure metrics, the manager serves /metrics over HTTPS to callers whose token may get it, with
// nothing but the RBAC the install renders for it.

// TestSecureMetricsWithChart: the chart with metrics.secure, watching one namespace.
func TestSecureMetricsWithChart(t *testing.T) {
	apps := newNamespace(t, "smapps")
	objs := helmTemplate(t, chart, "sm", newNamespace(t, "smops"), "--set", "metrics.secure=true",
		"--set", "operator.watchNamespaces={"+apps+"}", "--set", "crds.install=false")
	exerciseSecureMetrics(t, objs, apps, "")
}

// TestSecureMetricsWithKustomize: config/default with the secure-metrics component, in an overlay.
func TestSecureMetricsWithKustomize(t *testing.T) {
	apps := newNamespace(t, "skapps")
	exerciseSecureMetrics(t, kustomizeBuild(t, "test/packaging/testdata/secure-metrics"), apps, "--watch-namespaces="+apps)
}

func exerciseSecureMetrics(t *testing.T, objs []*unstructured.Unstructured, apps, extraArg string) {
	var identity []*unstructured.Unstructured
	var reader string
	for _, u := range objs {
		if slices.Contains([]string{"Namespace", "ServiceAccount", "ClusterRole", "ClusterRoleBinding", "Role", "RoleBinding"}, u.GetKind()) {
			identity = append(identity, u)
		}
		if u.GetKind() == "ClusterRole" && strings.HasSuffix(u.GetName(), "-metrics-reader") {
			reader = u.GetName()
		}
	}
	if reader == "" {
		t.Fatal("the install has no metrics-reader ClusterRole to bind Prometheus to")
	}
	sa := one(t, objs, "ServiceAccount")
	if got, want := grantsOf(t, objs, sa.GetNamespace(), sa.GetName())["cluster"], rulesFile(t, "config/components/secure-metrics/metrics_auth_role.yaml"); !isSubset(want, got) {
		t.Errorf("cluster-wide permissions %q lack %q", got, want)
	}
	apply(t, identity)
	dep := checkManager(t, objs, "")
	installed := dep.Spec.Template.Spec.Containers[0].Args
	if !slices.Contains(installed, "--metrics-secure") {
		t.Fatalf("the manager runs without --metrics-secure: %q", installed)
	}
	addr := freeAddr(t)
	args := managerArgs(installed, addr, sa.GetNamespace())
	if extraArg != "" {
		args = append(args, extraArg)
	}
	logs := runManager(t, impersonate(sa.GetNamespace(), sa.GetName()), args)

	// Two callers with tokens of their own: one bound to the metrics-reader role, one not.
	cs := kubernetes.NewForConfigOrDie(restCfg)
	token := func(name string) string {
		t.Helper()
		create(t, &corev1.ServiceAccount{ObjectMeta: metav1.ObjectMeta{Namespace: apps, Name: name}})
		tr, err := cs.CoreV1().ServiceAccounts(apps).CreateToken(ctx, name,
			&authnv1.TokenRequest{Spec: authnv1.TokenRequestSpec{ExpirationSeconds: ptr.To[int64](600)}}, metav1.CreateOptions{})
		if err != nil {
			t.Fatal(err)
		}
		return tr.Status.Token
	}
	scraper, stranger := token("scraper"), token("stranger")
	create(t, &rbacv1.ClusterRoleBinding{ObjectMeta: metav1.ObjectMeta{Name: apps + "-scraper"},
		RoleRef:  rbacv1.RoleRef{APIGroup: "rbac.authorization.k8s.io", Kind: "ClusterRole", Name: reader},
		Subjects: []rbacv1.Subject{{Kind: "ServiceAccount", Namespace: apps, Name: "scraper"}}})
	t.Cleanup(func() {
		_ = k8s.Delete(ctx, &rbacv1.ClusterRoleBinding{ObjectMeta: metav1.ObjectMeta{Name: apps + "-scraper"}})
	})

	httpc := &http.Client{Timeout: 10 * time.Second, Transport: &http.Transport{
		TLSClientConfig: &tls.Config{InsecureSkipVerify: true}}} // the manager's certificate is self-signed
	get := func(bearer string) (int, string, error) {
		req, err := http.NewRequestWithContext(ctx, http.MethodGet, "https://"+addr+"/metrics", nil)
		if err != nil {
			return 0, "", err
		}
		if bearer != "" {
			req.Header.Set("Authorization", "Bearer "+bearer)
		}
		resp, err := httpc.Do(req)
		if err != nil {
			return 0, "", err
		}
		defer func() { _ = resp.Body.Close() }()
		body, err := io.ReadAll(resp.Body)
		return resp.StatusCode, string(body), err
	}
	for _, c := range []struct {
		who, token string
		status     int
	}{
		{"no token", "", http.StatusUnauthorized},
		{"a token the API server does not know", "not-a-token", http.StatusUnauthorized},
		{"a service account not allowed to get /metrics", stranger, http.StatusForbidden},
		{"a service account bound to " + reader, scraper, http.StatusOK},
	} {
		eventually(t, logs, "/metrics to answer "+c.who+" with "+fmt.Sprint(c.status), func() (bool, string) {
			status, body, err := get(c.token)
			if err != nil {
				return false, err.Error()
			}
			if status != c.status {
				return false, fmt.Sprintf("HTTP %d: %.200s", status, body)
			}
			if status == http.StatusOK && !strings.Contains(body, "controller_runtime_reconcile_total") {
				return false, fmt.Sprintf("no controller metrics in %.200s", body)
			}
			return true, ""
		})
	}
	if refused(logs) {
		t.Error("the manager was refused something (missing RBAC)")
	}
	for _, secret := range []string{scraper, stranger} {
		if strings.Contains(logs.String(), secret) {
			t.Error("a caller's token is in the manager's logs")
		}
	}
}

// freeAddr is a free loopback address.
func freeAddr(t *testing.T) string {
	t.Helper()
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer func() { _ = l.Close() }()
	return l.Addr().String()
}

func isSubset(sub, of []string) bool {
	for _, s := range sub {
		if !slices.Contains(of, s) {
			return false
		}
	}
	return true
}
