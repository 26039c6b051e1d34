// Command dev is `make dev`: it runs oss-operator on this machine, with nothing to install and no
// cloud account. It starts a Kubernetes control plane (envtest's etcd and kube-apiserver) with the
// CRDs, the OSS emulator with a dev account, creates the dev credentials and applies the Buckets of
// config/samples, then runs the operator in the foreground until Ctrl-C.
//
// It writes a kubeconfig for the control plane to bin/dev/kubeconfig, so kubectl from another shell
// sees what the operator does. Everything it starts is stopped on exit and the kubeconfig is removed.
package main

import (
	"bufio"
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io"
	"net"
	"net/http"
	"os"
	"os/signal"
	"path/filepath"
	"slices"
	"sort"
	"strings"
	"syscall"
	"time"

	"github.com/prometheus/client_golang/prometheus/promhttp"
	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"
	"k8s.io/apimachinery/pkg/runtime"
	"k8s.io/apimachinery/pkg/runtime/schema"
	"k8s.io/apimachinery/pkg/types"
	utilyaml "k8s.io/apimachinery/pkg/util/yaml"
	"k8s.io/client-go/kubernetes"
	clientgoscheme "k8s.io/client-go/kubernetes/scheme"
	"k8s.io/client-go/rest"
	"k8s.io/utils/ptr"
	"sigs.k8s.io/controller-runtime/pkg/cache"
	"sigs.k8s.io/controller-runtime/pkg/client"
	"sigs.k8s.io/controller-runtime/pkg/controller/controllerutil"
	"sigs.k8s.io/controller-runtime/pkg/envtest"
	logf "sigs.k8s.io/controller-runtime/pkg/log"
	"sigs.k8s.io/controller-runtime/pkg/log/zap"
	"sigs.k8s.io/controller-runtime/pkg/manager"
	ctrlmetrics "sigs.k8s.io/controller-runtime/pkg/metrics"
	metricsserver "sigs.k8s.io/controller-runtime/pkg/metrics/server"
	"sigs.k8s.io/yaml"

	ossv1 "github.com/ossoperator/oss-operator/api/v1alpha1"
	"github.com/ossoperator/oss-operator/controllers"
	"github.com/ossoperator/oss-operator/ossapi"
	"github.com/ossoperator/oss-operator/ossapi/osstest"
)

// The dev account and credentials. They are public on purpose: they only open the local emulator.
const (
	devAccountID       = "1000000000000001"
	devAccessKeyID     = "LTAI-dev-access-key"
	devAccessKeySecret = "dev-secret-key"
	devRegion          = "cn-hangzhou"
	devNamespace       = "default"
	// devCredentials names both the Secret and the AccessKey, as in config/samples.
	devCredentials = "oss-credentials"
	// devHandMadeBucket is made in the emulator before the samples are applied: the observe sample
	// (config/samples/oss_v1alpha1_bucket_observed.yaml) finds it as if it had been made by hand.
	devHandMadeBucket = "example-hand-made"
	// lastAppliedAnnotation and kubectlFieldManager are what `kubectl apply` (client-side) records on an
	// object it creates: the manifest it applied, and its field manager. A later `kubectl apply -f` of an
	// edited sample then removes what the edit removed, and `kubectl apply --server-side` takes the
	// fields over from kubectl-client-side-apply as it does for any object kubectl applied.
	lastAppliedAnnotation = "kubectl.kubernetes.io/last-applied-configuration"
	kubectlFieldManager   = "kubectl-client-side-apply"
	// devFieldManager owns what make dev changes in a sample: the AccessKeys' emulator endpoint.
	devFieldManager = "oss-operator-dev"
)

var (
	accessKeyGVK = ossv1.GroupVersion.WithKind("AccessKey")
	secretGVK    = corev1.SchemeGroupVersion.WithKind("Secret")
)

// options configures run. The flags set them in main; the test sets them directly.
type options struct {
	assets        string        // directory with etcd, kube-apiserver and kubectl (KUBEBUILDER_ASSETS)
	root          string        // repository root: config/crd/bases and config/samples are read from it
	kubeconfig    string        // where to write the kubeconfig of the control plane
	ossListen     string        // emulator address; a free port on the same host if it is in use
	metricsListen string        // the operator's metrics address; a free port on the same host if it is in use
	resync        time.Duration // the operator's --resync-period
	exitWhenReady bool          // return once every sample is Ready, instead of running until ctx ends
	timeout       time.Duration // how long the samples may take to become Ready
	out           io.Writer     // the banner and the readiness report

	// onReady, if set, is called once everything is Ready, while it all still runs.
	onReady func(context.Context, devEnv) error
}

// devEnv is what run started, as onReady sees it.
type devEnv struct {
	kubeconfig string
	kubectl    string
	emulator   *osstest.Emulator
	ossURL     string // the emulator's OSS endpoint
	metricsURL string // the operator's /metrics
}

func main() {
	fs := flag.NewFlagSet("dev", flag.ExitOnError)
	o := options{root: ".", kubeconfig: filepath.Join("bin", "dev", "kubeconfig"), out: os.Stdout}
	fs.StringVar(&o.ossListen, "oss-listen", "127.0.0.1:9000", "Address of the OSS emulator; when it is in use, a free port on the same host.")
	fs.StringVar(&o.metricsListen, "metrics-listen", "127.0.0.1:8080", "Address of the operator's Prometheus metrics (/metrics); when it is in use, a free port on the same host.")
	fs.DurationVar(&o.resync, "resync-period", time.Minute, "The operator's --resync-period: how often each resource is observed in OSS.")
	fs.BoolVar(&o.exitWhenReady, "exit-when-ready", false, "Exit 0 as soon as the AccessKey and every sample Bucket are Ready (1 after --timeout).")
	fs.DurationVar(&o.timeout, "timeout", 2*time.Minute, "How long the AccessKey and the samples may take to become Ready.")
	zopts := zap.Options{Development: true}
	zopts.BindFlags(fs)
	_ = fs.Parse(os.Args[1:])
	logf.SetLogger(zap.New(zap.UseFlagOptions(&zopts)))

	o.assets = os.Getenv("KUBEBUILDER_ASSETS")
	if o.assets == "" {
		fmt.Fprintln(os.Stderr, "dev: KUBEBUILDER_ASSETS is not set: run `make dev`, which sets it (see `make envtest`)")
		os.Exit(1)
	}

	// The first SIGINT or SIGTERM stops everything in order. Later ones are only acknowledged: dying
	// here would leave etcd and kube-apiserver running, since they are in their own process group.
	ctx, cancel := context.WithCancel(context.Background())
	sigs := make(chan os.Signal, 1)
	signal.Notify(sigs, os.Interrupt, syscall.SIGTERM)
	go func() {
		<-sigs
		fmt.Fprintln(os.Stderr, "\nstopping the operator, the OSS emulator and the control plane...")
		cancel()
		for range sigs {
			fmt.Fprintln(os.Stderr, "still stopping; etcd and kube-apiserver would be left running if this exited now")
		}
	}()

	if err := run(ctx, o); err != nil {
		fmt.Fprintf(os.Stderr, "dev: %v\n", err)
		os.Exit(1)
	}
}

// run starts the control plane, the emulator and the operator, and stops them all when ctx ends, or
// once everything is Ready with exitWhenReady. It returns nil when stopped by ctx.
func run(ctx context.Context, o options) (err error) {
	log := logf.Log.WithName("dev")
	scheme := runtime.NewScheme()
	if err := clientgoscheme.AddToScheme(scheme); err != nil {
		return err
	}
	if err := ossv1.AddToScheme(scheme); err != nil {
		return err
	}
	kubeconfig, err := filepath.Abs(o.kubeconfig)
	if err != nil {
		return err
	}
	assets, err := filepath.Abs(o.assets)
	if err != nil {
		return err
	}
	unlock, err := lock(filepath.Dir(kubeconfig))
	if err != nil {
		return err
	}
	defer unlock()

	// 1. The control plane. Never an existing cluster, whatever USE_EXISTING_CLUSTER says: the samples
	// are applied to it.
	log.Info("starting the control plane (etcd, kube-apiserver)", "assets", assets)
	env := &envtest.Environment{
		BinaryAssetsDirectory: assets,
		CRDDirectoryPaths:     []string{filepath.Join(o.root, "config", "crd", "bases")},
		ErrorIfCRDPathMissing: true,
		UseExistingCluster:    ptr.To(false),
		// envtest's 20s makes a busy machine restart kube-apiserver from scratch, which is slower still.
		ControlPlaneStartTimeout: time.Minute,
	}
	cfg, err := env.Start()
	if err != nil {
		return fmt.Errorf("starting the control plane: %w", err)
	}
	defer func() {
		if serr := env.Stop(); serr != nil {
			err = errors.Join(err, fmt.Errorf("stopping the control plane: %w", serr))
		}
	}()
	if ctx.Err() != nil {
		return nil // Ctrl-C while it started
	}

	// 2. The OSS emulator.
	emu := osstest.New(
		osstest.WithAccount(osstest.Account{ID: devAccountID, DisplayName: "dev",
			Keys: []osstest.Key{{AccessKeyID: devAccessKeyID, AccessKeySecret: devAccessKeySecret}}}),
		osstest.WithRegion(devRegion),
		osstest.WithLogger(logf.Log.WithName("oss-emulator")),
	)
	// A bucket made by hand, for the sample that observes one (oss_v1alpha1_bucket_observed.yaml).
	if err := emu.CreateBucket(devAccountID, devHandMadeBucket, devRegion); err != nil {
		return fmt.Errorf("the hand-made bucket of the observe sample: %w", err)
	}
	l, note, err := listen(o.ossListen, "the OSS emulator")
	if err != nil {
		return err
	}
	if note != "" {
		log.Info(note)
	}
	ossURL := "http://" + l.Addr().String()
	srv := &http.Server{Handler: emu, ReadHeaderTimeout: 10 * time.Second}
	go func() { _ = srv.Serve(l) }()
	defer srv.Close()
	// Its RAM API, for the issued AccessKeys: a port of its own, as RAM has an endpoint of its own.
	ramL, err := net.Listen("tcp", net.JoinHostPort(hostOf(l.Addr().String()), "0"))
	if err != nil {
		return fmt.Errorf("the emulator's RAM API: %w", err)
	}
	ramURL := "http://" + ramL.Addr().String()
	ramSrv := &http.Server{Handler: emu.RAM(), ReadHeaderTimeout: 10 * time.Second}
	go func() { _ = ramSrv.Serve(ramL) }()
	defer ramSrv.Close()
	// And its STS, trusting this control plane's service-account issuer for the RRSA sample.
	stsL, err := net.Listen("tcp", net.JoinHostPort(hostOf(l.Addr().String()), "0"))
	if err != nil {
		return fmt.Errorf("the emulator's STS API: %w", err)
	}
	stsURL := "http://" + stsL.Addr().String()
	stsSrv := &http.Server{Handler: emu.STS(), ReadHeaderTimeout: 10 * time.Second}
	go func() { _ = stsSrv.Serve(stsL) }()
	defer stsSrv.Close()
	if err := trustClusterIssuer(ctx, cfg, emu); err != nil {
		return ignoreIfInterrupted(ctx, err)
	}

	// 3. The kubeconfig for kubectl in another shell.
	if err := writeKubeconfig(env, kubeconfig); err != nil {
		return err
	}
	defer os.Remove(kubeconfig)

	// 4. The dev credentials, and the samples.
	c, err := client.New(cfg, client.Options{Scheme: scheme})
	if err != nil {
		return err
	}
	if err := createCredentials(ctx, c, ossURL); err != nil {
		return ignoreIfInterrupted(ctx, err)
	}
	waited := []resource{{accessKeyGVK, types.NamespacedName{Namespace: devNamespace, Name: devCredentials}}}
	samples, err := readSamples(filepath.Join(o.root, "config", "samples"))
	if err != nil {
		return err
	}
	for _, s := range samples {
		r := resourceOf(s.obj)
		if s.obj.GroupVersionKind() == secretGVK || s.obj.GroupVersionKind() == accessKeyGVK && !issues(s.obj) {
			log.Info("skipping a sample: make dev creates its own, for the emulator", "sample", r.String(), "file", s.file)
			continue
		}
		obj, err := appliedAsKubectl(s.obj)
		if err != nil {
			return fmt.Errorf("%s from %s: %w", r, s.file, err)
		}
		if err := c.Create(ctx, obj, client.FieldOwner(kubectlFieldManager)); err != nil {
			return ignoreIfInterrupted(ctx, fmt.Errorf("applying %s from %s: %w", r, s.file, err))
		}
		if obj.GroupVersionKind() == accessKeyGVK {
			// An issued AccessKey's key is verified where its Buckets are: the emulator. Set apart from
			// the applied manifest, by a field manager of its own (the operator is not running yet), so
			// that `kubectl apply` of the sample, client-side or server-side, leaves it.
			endpoint, err := json.Marshal(map[string]any{"spec": map[string]any{"endpoint": ossURL}})
			if err != nil {
				return err
			}
			if err := c.Patch(ctx, obj, client.RawPatch(types.MergePatchType, endpoint), client.FieldOwner(devFieldManager)); err != nil {
				return ignoreIfInterrupted(ctx, fmt.Errorf("pointing %s at the emulator: %w", r, err))
			}
		}
		log.Info("applied a sample", "sample", r.String(), "file", s.file)
		if gvk := s.obj.GroupVersionKind(); gvk == accessKeyGVK || gvk.Kind == "Bucket" {
			waited = append(waited, r) // what reports Ready; a ServiceAccount has nothing to wait for
		}
	}

	// 5. The operator, in the foreground, and its metrics.
	mgr, err := newManager(cfg, scheme, o.resync, l.Addr().String(), ramURL, stsURL)
	if err != nil {
		return err
	}
	metricsL, note, err := listen(o.metricsListen, "the operator's metrics")
	if err != nil {
		return err
	}
	if note != "" {
		log.Info(note)
	}
	metricsURL := "http://" + metricsL.Addr().String() + "/metrics"
	metricsSrv := &http.Server{Handler: metricsHandler(), ReadHeaderTimeout: 10 * time.Second}
	go func() { _ = metricsSrv.Serve(metricsL) }()
	defer metricsSrv.Close()
	printBanner(o.out, ossURL, ramURL, stsURL, metricsURL, kubeconfig, filepath.Join(assets, "kubectl"), o.resync)
	mgrCtx, stopMgr := context.WithCancel(ctx)
	mgrDone := make(chan struct{})
	var mgrErr error
	go func() {
		defer close(mgrDone)
		mgrErr = mgr.Start(mgrCtx)
	}()
	defer func() {
		stopMgr()
		<-mgrDone
		if mgrErr != nil {
			err = errors.Join(err, fmt.Errorf("the operator: %w", mgrErr))
		}
	}()

	// 6. Report when everything is Ready; stop on Ctrl-C, or at once with exitWhenReady.
	notReady, err := waitReady(ctx, c, waited, o.timeout, mgrDone)
	switch {
	case ctx.Err() != nil:
		return nil
	case err != nil:
		return err
	case len(notReady) > 0 && o.exitWhenReady:
		return fmt.Errorf("not Ready after %s:\n  %s", o.timeout, strings.Join(notReady, "\n  "))
	case len(notReady) > 0:
		log.Info(fmt.Sprintf("not Ready after %s; the operator keeps trying:\n  %s", o.timeout, strings.Join(notReady, "\n  ")))
	default:
		names := make([]string, len(waited))
		for i, r := range waited {
			names[i] = r.String()
		}
		fmt.Fprintf(o.out, "\nReady: %s\n", strings.Join(names, ", "))
		if o.onReady != nil {
			if err := o.onReady(ctx, devEnv{kubeconfig: kubeconfig, kubectl: filepath.Join(assets, "kubectl"), emulator: emu, ossURL: ossURL, metricsURL: metricsURL}); err != nil {
				return err
			}
		}
		if o.exitWhenReady {
			return nil
		}
		fmt.Fprintln(o.out, "Ctrl-C stops the operator, the OSS emulator and the control plane.")
	}
	select {
	case <-ctx.Done():
		return nil
	case <-mgrDone:
		return errOperatorStopped // with the operator's error, joined by the deferred stop
	}
}

var errOperatorStopped = errors.New("the operator stopped")

// ignoreIfInterrupted drops the error of a step that ctx cut short: Ctrl-C is not a failure.
func ignoreIfInterrupted(ctx context.Context, err error) error {
	if ctx.Err() != nil {
		return nil
	}
	return err
}

// newManager builds the operator as main.go does, with dev settings: the emulator's address allowed as
// an endpoint, over http://, a fixed cluster ID, no leader election, and no probe port to clash with
// anything else on the machine. Its metrics are registered as main.go registers them, and served by run
// on a loopback port of its own (metricsHandler), not by the manager.
func newManager(cfg *rest.Config, scheme *runtime.Scheme, resync time.Duration, emulator, ramURL, stsURL string) (manager.Manager, error) {
	endpoints, err := controllers.NewEndpointPolicy([]string{emulator})
	if err != nil {
		return nil, err
	}
	mgr, err := manager.New(cfg, manager.Options{
		Scheme:  scheme,
		Cache:   cache.Options{DefaultTransform: controllers.StripUnreadMetadata},
		Metrics: metricsserver.Options{BindAddress: "0"},
		// As in main.go: Secrets are read from the API server, never cached.
		Client: client.Options{Cache: &client.CacheOptions{DisableFor: []client.Object{&corev1.Secret{}}}},
	})
	if err != nil {
		return nil, fmt.Errorf("creating the manager: %w", err)
	}
	metrics := ossapi.NewMetrics()
	if err := metrics.Register(ctrlmetrics.Registry); err != nil {
		return nil, fmt.Errorf("registering OSS metrics: %w", err)
	}
	resourceMetrics := controllers.NewResourceMetrics()
	if err := resourceMetrics.Register(ctrlmetrics.Registry); err != nil {
		return nil, fmt.Errorf("registering resource metrics: %w", err)
	}
	if err := controllers.Setup(mgr, controllers.Options{
		ClusterID: "dev", ResyncPeriod: resync, MaxConcurrentReconciles: 4,
		AllowedEndpoints: endpoints, AllowInsecureEndpoints: true, ClaimsNamespace: "default", RAMEndpoint: ramURL,
		STSEndpoint: stsURL, Metrics: metrics, ResourceMetrics: resourceMetrics,
	}); err != nil {
		return nil, err
	}
	return mgr, nil
}

// issues reports whether a sample AccessKey issues its key (spec.issue) or assumes a role with a
// service-account token (spec.oidc): make dev applies those, against the emulator, and skips the ones
// that read a Secret (it makes its own).
func issues(u *unstructured.Unstructured) bool {
	_, issued, _ := unstructured.NestedMap(u.Object, "spec", "issue")
	_, oidc, _ := unstructured.NestedMap(u.Object, "spec", "oidc")
	return issued || oidc
}

// The RRSA sample's provider and role in the dev account (config/samples/oss_v1alpha1_accesskey_oidc.yaml).
const (
	devOIDCProvider = "dev-cluster"
	devRRSARole     = "oss-rrsa-dev"
	devRRSASubject  = "system:serviceaccount:" + devNamespace + ":oss-rrsa"
)

// trustClusterIssuer registers the control plane's service-account issuer as an OIDC provider of the dev
// account (its issuer URL and keys read from the API server, as RAM reads a cluster's), and a role that
// trusts the sample's ServiceAccount with every OSS permission.
func trustClusterIssuer(ctx context.Context, cfg *rest.Config, emu *osstest.Emulator) error {
	cs, err := kubernetes.NewForConfig(cfg)
	if err != nil {
		return err
	}
	raw, err := cs.RESTClient().Get().AbsPath("/.well-known/openid-configuration").DoRaw(ctx)
	if err != nil {
		return fmt.Errorf("reading the control plane's OIDC discovery: %w", err)
	}
	var discovery struct {
		Issuer string `json:"issuer"`
	}
	if err := json.Unmarshal(raw, &discovery); err != nil || discovery.Issuer == "" {
		return fmt.Errorf("the control plane's OIDC discovery names no issuer: %v", err)
	}
	emu.AddOIDCProvider(devAccountID, osstest.OIDCProvider{Name: devOIDCProvider, IssuerURL: discovery.Issuer, ClientIDs: []string{"sts.aliyuncs.com"},
		JWKS: func(ctx context.Context) ([]byte, error) {
			return cs.RESTClient().Get().AbsPath("/openid/v1/jwks").DoRaw(ctx)
		}})
	emu.AddRole(devAccountID, osstest.Role{Name: devRRSARole,
		TrustedOIDC: &osstest.RoleOIDCTrust{Provider: devOIDCProvider, Subjects: []string{devRRSASubject}},
		Policies:    []string{`{"Version":"1","Statement":[{"Effect":"Allow","Action":["oss:*"],"Resource":["*"]}]}`}})
	return nil
}

func hostOf(addr string) string {
	h, _, err := net.SplitHostPort(addr)
	if err != nil {
		return addr
	}
	return h
}

// metricsHandler serves the registry the operator's metrics are registered with, as the manager's
// metrics server does.
func metricsHandler() http.Handler {
	mux := http.NewServeMux()
	mux.Handle("/metrics", promhttp.HandlerFor(ctrlmetrics.Registry, promhttp.HandlerOpts{ErrorHandling: promhttp.HTTPErrorOnError}))
	return mux
}

// listen listens on addr or, when that is in use, on a free port of the same host. note says so; what
// names the listener in errors and the note.
func listen(addr, what string) (l net.Listener, note string, err error) {
	l, err = net.Listen("tcp", addr)
	if err == nil || !errors.Is(err, syscall.EADDRINUSE) {
		if err != nil {
			return nil, "", fmt.Errorf("%s: %w", what, err)
		}
		return l, "", nil
	}
	host, _, serr := net.SplitHostPort(addr)
	if serr != nil {
		return nil, "", fmt.Errorf("%s: %w", what, err)
	}
	l, ferr := net.Listen("tcp", net.JoinHostPort(host, "0"))
	if ferr != nil {
		return nil, "", fmt.Errorf("%s: %w; and no free port on %s: %w", what, err, host, ferr)
	}
	return l, fmt.Sprintf("%s is in use; %s listens on %s instead", addr, what, l.Addr()), nil
}

// lock makes dir (bin/dev) this process's own until release: a second `make dev` in the same
// checkout would overwrite the kubeconfig of the first, then remove it. The kernel drops the lock if
// the process dies. release removes the lock file, and dir if nothing else is in it.
func lock(dir string) (release func(), err error) {
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return nil, err
	}
	path := filepath.Join(dir, "lock")
	f, err := os.OpenFile(path, os.O_CREATE|os.O_RDWR, 0o644)
	if err != nil {
		return nil, err
	}
	if err := syscall.Flock(int(f.Fd()), syscall.LOCK_EX|syscall.LOCK_NB); err != nil {
		f.Close()
		if errors.Is(err, syscall.EWOULDBLOCK) {
			return nil, fmt.Errorf("another make dev is running in this checkout (it holds %s): use that one, or stop it first", path)
		}
		return nil, fmt.Errorf("locking %s: %w", path, err)
	}
	return func() {
		_ = os.Remove(path)
		_ = f.Close()
		_ = os.Remove(dir) // fails, harmlessly, unless empty
	}, nil
}

// writeKubeconfig writes a kubeconfig for a new member of system:masters.
func writeKubeconfig(env *envtest.Environment, path string) error {
	user, err := env.AddUser(envtest.User{Name: "dev-admin", Groups: []string{"system:masters"}}, nil)
	if err != nil {
		return fmt.Errorf("creating the kubeconfig user: %w", err)
	}
	b, err := user.KubeConfig()
	if err != nil {
		return fmt.Errorf("creating the kubeconfig: %w", err)
	}
	// It holds a client key.
	if err := os.WriteFile(path, b, 0o600); err != nil {
		return fmt.Errorf("writing the kubeconfig: %w", err)
	}
	return nil
}

// createCredentials creates (or updates) the dev Secret and the AccessKey pointing at the emulator.
func createCredentials(ctx context.Context, c client.Client, ossURL string) error {
	secret := &corev1.Secret{ObjectMeta: metav1.ObjectMeta{Namespace: devNamespace, Name: devCredentials}}
	if _, err := controllerutil.CreateOrUpdate(ctx, c, secret, func() error {
		secret.Type = corev1.SecretTypeOpaque
		secret.Data = map[string][]byte{"accessKeyId": []byte(devAccessKeyID), "accessKeySecret": []byte(devAccessKeySecret)}
		return nil
	}); err != nil {
		return fmt.Errorf("creating Secret %s/%s: %w", devNamespace, devCredentials, err)
	}
	ak := &ossv1.AccessKey{ObjectMeta: metav1.ObjectMeta{Namespace: devNamespace, Name: devCredentials}}
	if _, err := controllerutil.CreateOrUpdate(ctx, c, ak, func() error {
		ak.Spec.SecretRef = ossv1.SecretReference{Name: devCredentials}
		ak.Spec.Region = devRegion
		ak.Spec.Endpoint = ossURL
		return nil
	}); err != nil {
		return fmt.Errorf("creating AccessKey %s/%s: %w", devNamespace, devCredentials, err)
	}
	return nil
}

// appliedAsKubectl returns the object `kubectl apply -f` creates from manifest: the manifest with
// kubectl's last-applied-configuration annotation holding it as JSON. Created with kubectl's field
// manager, it is the object a person would have after `kubectl apply -f config/samples/`, so that
// their later `kubectl apply` of an edited sample computes its patch from it and removes what they
// removed. (Server-side apply by make dev would leave a later client-side apply nothing to compare
// with: it would add and change fields, never remove them.) The control plane is always a new one, so
// a create is all `kubectl apply` would do.
func appliedAsKubectl(manifest *unstructured.Unstructured) (*unstructured.Unstructured, error) {
	obj := manifest.DeepCopy()
	annotations := obj.GetAnnotations()
	delete(annotations, lastAppliedAnnotation)
	obj.SetAnnotations(annotations)
	applied, err := obj.MarshalJSON()
	if err != nil {
		return nil, err
	}
	if annotations == nil {
		annotations = map[string]string{}
	}
	annotations[lastAppliedAnnotation] = string(applied)
	obj.SetAnnotations(annotations)
	return obj, nil
}

// sample is one object of a file in config/samples.
type sample struct {
	file string
	obj  *unstructured.Unstructured
}

// readSamples reads every object of every YAML file in dir but kustomization.yaml, in file order.
// Objects without a namespace go to the default namespace.
func readSamples(dir string) ([]sample, error) {
	files, err := filepath.Glob(filepath.Join(dir, "*.yaml"))
	if err != nil {
		return nil, err
	}
	sort.Strings(files)
	var out []sample
	for _, file := range files {
		if filepath.Base(file) == "kustomization.yaml" {
			continue
		}
		objs, err := readObjects(file)
		if err != nil {
			return nil, err
		}
		for _, obj := range objs {
			if obj.GetNamespace() == "" {
				obj.SetNamespace(devNamespace)
			}
			out = append(out, sample{file: file, obj: obj})
		}
	}
	if len(out) == 0 {
		return nil, fmt.Errorf("no samples in %s", dir)
	}
	return out, nil
}

// readObjects decodes every document of a multi-document YAML file.
func readObjects(file string) ([]*unstructured.Unstructured, error) {
	f, err := os.Open(file)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	r := utilyaml.NewYAMLReader(bufio.NewReader(f))
	var objs []*unstructured.Unstructured
	for {
		doc, err := r.Read()
		if errors.Is(err, io.EOF) {
			return objs, nil
		}
		if err != nil {
			return nil, fmt.Errorf("reading %s: %w", file, err)
		}
		js, err := yaml.YAMLToJSON(doc)
		if err != nil {
			return nil, fmt.Errorf("%s: %w", file, err)
		}
		if s := string(bytes.TrimSpace(js)); s == "null" || s == "" {
			continue // an empty document, or only comments
		}
		obj := &unstructured.Unstructured{}
		if err := obj.UnmarshalJSON(js); err != nil {
			return nil, fmt.Errorf("%s: %w", file, err)
		}
		objs = append(objs, obj)
	}
}

// resource names an object to wait for.
type resource struct {
	gvk schema.GroupVersionKind
	key types.NamespacedName
}

func resourceOf(obj *unstructured.Unstructured) resource {
	return resource{obj.GroupVersionKind(), types.NamespacedName{Namespace: obj.GetNamespace(), Name: obj.GetName()}}
}

func (r resource) String() string { return r.gvk.Kind + " " + r.key.String() }

// waitReady polls until every resource is Ready, timeout passes, ctx ends or the operator stops.
// notReady describes the resources that are not Ready, with the reason and message of their Ready
// condition.
func waitReady(ctx context.Context, c client.Client, rs []resource, timeout time.Duration, mgrDone <-chan struct{}) (notReady []string, err error) {
	deadline := time.NewTimer(timeout)
	defer deadline.Stop()
	tick := time.NewTicker(250 * time.Millisecond)
	defer tick.Stop()
	for {
		notReady = notReady[:0]
		for _, r := range rs {
			why, err := readiness(ctx, c, r)
			if err != nil && ctx.Err() == nil {
				return nil, err
			}
			if why != "" {
				notReady = append(notReady, r.String()+": "+why)
			}
		}
		if len(notReady) == 0 {
			return nil, nil
		}
		select {
		case <-ctx.Done():
			return notReady, nil
		case <-deadline.C:
			return notReady, nil
		case <-mgrDone:
			return nil, errOperatorStopped
		case <-tick.C:
		}
	}
}

// readiness is "" when the resource is Ready at its current generation, else why not.
func readiness(ctx context.Context, c client.Client, r resource) (string, error) {
	u := &unstructured.Unstructured{}
	u.SetGroupVersionKind(r.gvk)
	if err := c.Get(ctx, r.key, u); err != nil {
		return "", fmt.Errorf("reading %s: %w", r, err)
	}
	var st struct {
		ObservedGeneration int64              `json:"observedGeneration"`
		Conditions         []metav1.Condition `json:"conditions"`
	}
	if m, ok := u.Object["status"].(map[string]any); ok {
		if err := runtime.DefaultUnstructuredConverter.FromUnstructured(m, &st); err != nil {
			return "", fmt.Errorf("reading the status of %s: %w", r, err)
		}
	}
	i := slices.IndexFunc(st.Conditions, func(c metav1.Condition) bool { return c.Type == ossv1.ConditionReady })
	switch {
	case i < 0:
		return "no Ready condition yet", nil
	case st.Conditions[i].Status != metav1.ConditionTrue:
		c := st.Conditions[i]
		return fmt.Sprintf("Ready=%s, reason %s: %s", c.Status, c.Reason, c.Message), nil
	case st.ObservedGeneration != u.GetGeneration():
		return fmt.Sprintf("status describes generation %d, not %d yet", st.ObservedGeneration, u.GetGeneration()), nil
	}
	return "", nil
}

func printBanner(w io.Writer, ossURL, ramURL, stsURL, metricsURL, kubeconfig, kubectl string, resync time.Duration) {
	k := kubectl + " --kubeconfig " + kubeconfig
	fmt.Fprintf(w, `
oss-operator dev: the operator runs below, on a local control plane, against the OSS emulator.

  OSS emulator   %s  (region %s, account %s); its RAM API at %s, STS at %s
  credentials    access key ID %s, secret %s  (Secret and AccessKey %s/%s)
  kubeconfig     %s
  operator       cluster ID dev, resync every %s, http:// endpoints allowed
  metrics        %s  (docs/metrics.md)

From another shell:
  %s get oss -A
  %s wait --for=condition=Ready bucket --all -n %s
  %s get secret gallery-app-oss -n %s -o yaml   # the key issued for an application

What the emulator holds, signed with the key above (from this checkout):
  %[18]s ls --endpoint %[1]s                      # the buckets
  %[18]s ls --endpoint %[1]s example-bucket       # its objects (BUCKET/PREFIX: some)
  %[18]s settings --endpoint %[1]s example-bucket # its settings, as OSS has them (JSON)
  %[18]s get --endpoint %[1]s BUCKET/KEY          # an object's content

Ctrl-C stops the operator, the OSS emulator and the control plane.

`, ossURL, devRegion, devAccountID, ramURL, stsURL, devAccessKeyID, devAccessKeySecret, devNamespace, devCredentials,
		kubeconfig, resync, metricsURL, k, k, devNamespace, k, devNamespace, "go run ./hack/oss-emulator")
}
