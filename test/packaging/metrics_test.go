package packaging

import (
	"crypto/tls"
	"crypto/x509"
	"fmt"
	"io"
	"net"
	"net/http"
	"slices"
	"strings"
	"testing"
	"time"

	appsv1 "k8s.io/api/apps/v1"
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
	exerciseSecureMetrics(t, objs, apps, "", false)
}

// TestSecureMetricsWithKustomize: config/default with the secure-metrics component, in an overlay.
func TestSecureMetricsWithKustomize(t *testing.T) {
	apps := newNamespace(t, "skapps")
	exerciseSecureMetrics(t, kustomizeBuild(t, "test/packaging/testdata/secure-metrics"), apps, "--watch-namespaces="+apps, false)
}

// TestSecureMetricsCertificateWithChart: the chart with metrics.secure and a cert-manager Certificate,
// and a ServiceMonitor: the manager serves the certificate of the Secret (here written by the test, as
// cert-manager would), which a client checks as the ServiceMonitor tells Prometheus to.
func TestSecureMetricsCertificateWithChart(t *testing.T) {
	apps := newNamespace(t, "scapps")
	objs := helmTemplate(t, chart, "sc", newNamespace(t, "scops"), "--set", "metrics.secure=true",
		"--set", "metrics.certManager.enabled=true", "--set", "metrics.certManager.issuerRef.name=metrics-ca",
		"--set", "metrics.serviceMonitor.enabled=true", "--set", "metrics.serviceMonitor.authorization.credentials.name=prometheus-token",
		"--set", "operator.watchNamespaces={"+apps+"}", "--set", "crds.install=false")
	exerciseSecureMetrics(t, objs, apps, "", true)
}

// TestSecureMetricsCertificateWithKustomize: config/default and config/prometheus with the
// secure-metrics and metrics-cert components, in an overlay.
func TestSecureMetricsCertificateWithKustomize(t *testing.T) {
	apps := newNamespace(t, "ckapps")
	exerciseSecureMetrics(t, kustomizeBuild(t, "test/packaging/testdata/secure-metrics-cert"), apps, "--watch-namespaces="+apps, true)
}

// exerciseSecureMetrics runs the manager with the install's flags and RBAC, and scrapes it with tokens
// allowed and not allowed to get /metrics. With withCert, the install mounts a certificate Secret and
// has a ServiceMonitor: the test issues a certificate for the ServiceMonitor's serverName from a CA of
// its own, gives it to the manager in place of the Secret, scrapes trusting that CA only, and renews the
// certificate as the kubelet updates a Secret volume; otherwise the certificate is self-signed.
func exerciseSecureMetrics(t *testing.T, objs []*unstructured.Unstructured, apps, extraArg string, withCert bool) {
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
	tlsConfig := &tls.Config{InsecureSkipVerify: true} // the manager's certificate is self-signed
	var certs *certFiles
	if withCert {
		certs, tlsConfig = metricsCertificate(t, objs, dep)
		// The Secret's mount, here a directory of the test's.
		for i, a := range args {
			if strings.HasPrefix(a, "--metrics-cert-dir=") {
				args[i] = "--metrics-cert-dir=" + certs.dir
			}
		}
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

	// A new connection for every request, so that each shows the certificate served at the time.
	httpc := &http.Client{Timeout: 10 * time.Second, Transport: &http.Transport{TLSClientConfig: tlsConfig, DisableKeepAlives: true}}
	var served *x509.Certificate // by the last answer
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
		served = resp.TLS.PeerCertificates[0]
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
	if certs != nil {
		if !served.Equal(certs.cert) {
			t.Fatalf("the manager serves %s (serial %s), not the certificate of --metrics-cert-dir", served.Subject, served.SerialNumber)
		}
		// cert-manager renews the certificate; the kubelet updates the Secret's volume; the manager
		// serves the new one without a restart.
		renewed := certs.renew(t)
		eventually(t, logs, "the renewed certificate to be served", func() (bool, string) {
			status, body, err := get(scraper)
			if err != nil {
				return false, err.Error()
			}
			if status != http.StatusOK {
				return false, fmt.Sprintf("HTTP %d: %.200s", status, body)
			}
			if !served.Equal(renewed) {
				return false, fmt.Sprintf("serial %s served, want %s", served.SerialNumber, renewed.SerialNumber)
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

// metricsCertificate checks how the install serves metrics with a certificate Secret: the manager is
// given --metrics-cert-dir, the directory of a volume of the Secret; the ServiceMonitor checks the
// certificate with the Secret's ca.crt for a serverName; and a cert-manager Certificate, if rendered,
// fills that Secret for that name. It issues a certificate for serverName, as cert-manager would, and
// returns the files, and the TLS configuration of a client that trusts the CA only and checks the name.
func metricsCertificate(t *testing.T, objs []*unstructured.Unstructured, dep *appsv1.Deployment) (*certFiles, *tls.Config) {
	t.Helper()
	pod := dep.Spec.Template.Spec
	var dir string
	for _, a := range pod.Containers[0].Args {
		if v, ok := strings.CutPrefix(a, "--metrics-cert-dir="); ok {
			dir = v
		}
	}
	var secret string
	for _, m := range pod.Containers[0].VolumeMounts {
		if m.MountPath != dir {
			continue
		}
		for _, v := range pod.Volumes {
			if v.Name == m.Name && v.Secret != nil {
				secret = v.Secret.SecretName
			}
		}
	}
	if dir == "" || secret == "" {
		t.Fatalf("the manager is not given a Secret's certificate: args %q, mounts %+v, volumes %+v", pod.Containers[0].Args, pod.Containers[0].VolumeMounts, pod.Volumes)
	}

	sm := one(t, objs, "ServiceMonitor")
	eps, _, _ := unstructured.NestedSlice(sm.Object, "spec", "endpoints")
	if len(eps) != 1 {
		t.Fatalf("ServiceMonitor endpoints %v", eps)
	}
	ep := eps[0].(map[string]any)
	serverName, _, _ := unstructured.NestedString(ep, "tlsConfig", "serverName")
	caSecret, _, _ := unstructured.NestedString(ep, "tlsConfig", "ca", "secret", "name")
	caKey, _, _ := unstructured.NestedString(ep, "tlsConfig", "ca", "secret", "key")
	if skip, _, _ := unstructured.NestedBool(ep, "tlsConfig", "insecureSkipVerify"); skip || ep["scheme"] != "https" {
		t.Errorf("the ServiceMonitor does not check the certificate: %v", ep)
	}
	if caSecret != secret || caKey != "ca.crt" {
		t.Errorf("the ServiceMonitor checks the certificate with key %q of Secret %q, want ca.crt of %q, the manager's", caKey, caSecret, secret)
	}
	svc := one(t, objs, "Service")
	if want := svc.GetName() + "." + svc.GetNamespace() + ".svc"; serverName != want {
		t.Errorf("the ServiceMonitor checks the certificate for %q, want the metrics Service's name %q", serverName, want)
	}
	if certs := find(objs, "Certificate"); len(certs) > 0 {
		c := one(t, objs, "Certificate")
		name, _, _ := unstructured.NestedString(c.Object, "spec", "secretName")
		dnsNames, _, _ := unstructured.NestedStringSlice(c.Object, "spec", "dnsNames")
		if name != secret || !slices.Contains(dnsNames, serverName) || c.GetNamespace() != dep.Namespace {
			t.Errorf("the Certificate %s/%s fills Secret %q for %q, want %s/%s for %q", c.GetNamespace(), c.GetName(), name, dnsNames, dep.Namespace, secret, serverName)
		}
	}

	certs := newCertFiles(t, serverName)
	pool := x509.NewCertPool()
	pool.AddCert(certs.ca)
	return certs, &tls.Config{RootCAs: pool, ServerName: serverName, MinVersion: tls.VersionTLS12}
}
