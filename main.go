// Command manager runs oss-operator: the Bucket and AccessKey controllers.
package main

import (
	"context"
	"crypto/tls"
	"errors"
	"flag"
	"fmt"
	"os"
	"path/filepath"
	goruntime "runtime"
	"runtime/debug"
	"strings"
	"time"

	corev1 "k8s.io/api/core/v1"
	"k8s.io/apimachinery/pkg/runtime"
	"k8s.io/apimachinery/pkg/types"
	clientgoscheme "k8s.io/client-go/kubernetes/scheme"
	"k8s.io/client-go/rest"
	ctrl "sigs.k8s.io/controller-runtime"
	"sigs.k8s.io/controller-runtime/pkg/cache"
	"sigs.k8s.io/controller-runtime/pkg/client"
	"sigs.k8s.io/controller-runtime/pkg/healthz"
	"sigs.k8s.io/controller-runtime/pkg/log/zap"
	ctrlmetrics "sigs.k8s.io/controller-runtime/pkg/metrics"
	metricsserver "sigs.k8s.io/controller-runtime/pkg/metrics/server"

	ossv1 "github.com/ossoperator/oss-operator/api/v1alpha1"
	"github.com/ossoperator/oss-operator/controllers"
	"github.com/ossoperator/oss-operator/ossapi"
)

// The default --cluster-id reads the kube-system namespace's UID.
// +kubebuilder:rbac:groups="",resources=namespaces,verbs=get,resourceNames=kube-system

// Leader election needs Leases (and core Events about them) only in the operator's own namespace, so
// those permissions are a namespaced Role, config/rbac/leader_election_role.yaml, not markers here:
// markers generate the ClusterRole.

func main() {
	var (
		metricsAddr, probeAddr, clusterID, watchNamespaces string
		pprofAddr                                          string
		allowedEndpoints, ramEndpoint, stsEndpoint         string
		metricsCertDir, metricsCertName, metricsKeyName    string
		leaderElectionNamespace, claimsNamespace           string
		leaderElect, allowInsecure, secureMetrics          bool
		printVersion, prioritize                           bool
		resync                                             time.Duration
		concurrency, accountBurst                          int
		accountQPS                                         float64
	)
	flag.StringVar(&metricsAddr, "metrics-bind-address", ":8080", "Address the metrics endpoint binds to; \"0\" disables it.")
	flag.BoolVar(&secureMetrics, "metrics-secure", false, "Serve metrics over HTTPS (the certificate of --metrics-cert-dir, or else a self-signed one) to callers whose bearer token may get the /metrics URL (checked with TokenReview and SubjectAccessReview, which the manager must be allowed to create).")
	flag.StringVar(&metricsCertDir, "metrics-cert-dir", "", "Directory of the certificate and key the HTTPS metrics endpoint serves, such as a mounted kubernetes.io/tls Secret made by cert-manager; a renewed certificate is picked up without a restart. Needs --metrics-secure. Default: a self-signed certificate made at start.")
	flag.StringVar(&metricsCertName, "metrics-cert-name", "tls.crt", "File name, in --metrics-cert-dir, of the PEM certificate (chain).")
	flag.StringVar(&metricsKeyName, "metrics-key-name", "tls.key", "File name, in --metrics-cert-dir, of the PEM private key.")
	flag.StringVar(&probeAddr, "health-probe-bind-address", ":8081", "Address the liveness (/healthz) and readiness (/readyz) probes bind to.")
	flag.StringVar(&pprofAddr, "pprof-bind-address", "0", "Address Go's profiler (/debug/pprof/) binds to, for a person measuring the operator; \"0\" (the default) disables it. It needs no token: bind it to 127.0.0.1.")
	flag.BoolVar(&leaderElect, "leader-elect", false, "Elect a leader, so that only one of several replicas reconciles.")
	flag.StringVar(&leaderElectionNamespace, "leader-election-namespace", "", "Namespace of the leader election Lease. Default: the operator's own namespace (required when running outside a cluster).")
	flag.StringVar(&claimsNamespace, "claims-namespace", "", "Namespace of the Leases that make a Bucket's claim on an OSS bucket name exclusive. Default: the operator's own namespace (required when running outside a cluster).")
	flag.DurationVar(&resync, "resync-period", 10*time.Minute, "How often each resource is observed in OSS when nothing changed in the cluster.")
	flag.IntVar(&concurrency, "max-concurrent-reconciles", 4, "Reconciles run at once per controller.")
	flag.StringVar(&clusterID, "cluster-id", "", "Identifies this cluster, as a digest, in the ownership tag of managed buckets: keep it stable and unique to the cluster. Default: the UID of the kube-system namespace.")
	flag.StringVar(&allowedEndpoints, "allowed-endpoints", strings.Join(controllers.DefaultAllowedEndpoints, ","),
		"Comma-separated host patterns an AccessKey's spec.endpoint may name (\"*\" within one DNS label, an optional :port). Default: Alibaba Cloud's OSS endpoints of every region.")
	flag.BoolVar(&allowInsecure, "allow-insecure-endpoints", false, "Allow http:// AccessKey endpoints among the allowed ones (a local OSS emulator). Never in production.")
	flag.StringVar(&ramEndpoint, "ram-endpoint", "https://ram.aliyuncs.com", "The RAM API endpoint that issued AccessKeys (spec.issue) call. An http:// endpoint (the local emulator) needs --allow-insecure-endpoints.")
	flag.StringVar(&stsEndpoint, "sts-endpoint", "https://sts.aliyuncs.com", "The STS endpoint that oidc and assumeRole AccessKeys call, for example https://sts-vpc.cn-hangzhou.aliyuncs.com inside a VPC. An http:// endpoint (the local emulator) needs --allow-insecure-endpoints.")
	flag.Float64Var(&accountQPS, "oss-qps-per-account", 1000, "OSS calls per second each Alibaba Cloud account may receive from the operator, all its AccessKeys together; halved on throttled answers, then grown back each second by a twentieth of the rate throttled. 0: no limit. The default is a tenth of the 10,000 a second OSS allows an account in a region, which its applications share, and above the ~600 a second the default 4 workers make at OSS's usual latency (a resync reads a Bucket's settings at once).")
	flag.IntVar(&accountBurst, "oss-burst-per-account", 100, "OSS calls each account may receive at once, above --oss-qps-per-account, after a quiet moment.")
	flag.BoolVar(&prioritize, "prioritize-changes", true, "Reconcile changes made by people (spec, annotations, creations, deletions, credentials) before periodic resyncs, and spread the first resync of in-sync resources after a start over the resync period. false: one first-in-first-out queue, every resource at once after a start.")
	flag.StringVar(&watchNamespaces, "watch-namespaces", "", "Comma-separated namespaces to watch. Default: all.")
	flag.BoolVar(&printVersion, "version", false, "Print the version and exit.")
	opts := zap.Options{Development: false}
	opts.BindFlags(flag.CommandLine)
	flag.Parse()
	build := currentBuild()
	if printVersion {
		fmt.Println(build)
		return
	}
	ctrl.SetLogger(zap.New(zap.UseFlagOptions(&opts)))
	collectGarbageSooner()
	log := ctrl.Log.WithName("setup")

	if err := run(runOptions{
		metricsAddr: metricsAddr, secureMetrics: secureMetrics, probeAddr: probeAddr, leaderElect: leaderElect,
		metricsCertDir: metricsCertDir, metricsCertName: metricsCertName, metricsKeyName: metricsKeyName,
		leaderElectionNamespace: leaderElectionNamespace, claimsNamespace: claimsNamespace,
		resync: resync, concurrency: concurrency, clusterID: clusterID, allowInsecure: allowInsecure,
		namespaces: splitList(watchNamespaces), allowedEndpoints: splitList(allowedEndpoints), build: build,
		ramEndpoint: ramEndpoint, stsEndpoint: stsEndpoint,
		accountQPS: accountQPS, accountBurst: accountBurst, noPriorities: !prioritize, pprofAddr: pprofAddr,
	}); err != nil {
		log.Error(err, "manager stopped")
		os.Exit(1)
	}
}

type runOptions struct {
	metricsAddr, probeAddr, clusterID string
	// metricsCertDir, when set, holds the metrics endpoint's certificate (metricsCertName) and key
	// (metricsKeyName).
	metricsCertDir, metricsCertName string
	metricsKeyName                  string
	leaderElectionNamespace         string
	claimsNamespace                 string
	secureMetrics, leaderElect      bool
	allowInsecure                   bool
	resync                          time.Duration
	concurrency                     int
	namespaces                      []string
	allowedEndpoints                []string
	ramEndpoint, stsEndpoint        string
	build                           buildInfo
	pprofAddr                       string
	accountQPS                      float64
	accountBurst                    int
	noPriorities                    bool
}

func run(o runOptions) error {
	log := ctrl.Log.WithName("setup")
	if o.resync <= 0 {
		return errors.New("--resync-period must be positive")
	}
	if o.concurrency < 1 {
		return errors.New("--max-concurrent-reconciles must be at least 1")
	}
	if o.accountQPS < 0 || o.accountBurst < 1 && o.accountQPS > 0 {
		return errors.New("--oss-qps-per-account must be 0 (no limit) or positive, with --oss-burst-per-account at least 1")
	}
	endpoints, err := controllers.NewEndpointPolicy(o.allowedEndpoints)
	if err != nil {
		return fmt.Errorf("--allowed-endpoints: %w", err)
	}
	metricsOpts, err := metricsOptions(o)
	if err != nil {
		return err
	}
	if o.claimsNamespace == "" {
		if o.claimsNamespace, err = ownNamespace(); err != nil {
			return fmt.Errorf("--claims-namespace: %w", err)
		}
	}
	scheme := runtime.NewScheme()
	if err := clientgoscheme.AddToScheme(scheme); err != nil {
		return err
	}
	if err := ossv1.AddToScheme(scheme); err != nil {
		return err
	}
	cfg, err := ctrl.GetConfig()
	if err != nil {
		return fmt.Errorf("loading kubeconfig: %w", err)
	}
	if o.clusterID == "" {
		if o.clusterID, err = defaultClusterID(cfg, scheme); err != nil {
			return fmt.Errorf("deriving --cluster-id from the kube-system namespace (set --cluster-id to skip): %w", err)
		}
	}
	cacheOpts := cache.Options{DefaultTransform: controllers.StripUnreadMetadata}
	if len(o.namespaces) > 0 {
		cacheOpts.DefaultNamespaces = map[string]cache.Config{}
		for _, ns := range o.namespaces {
			cacheOpts.DefaultNamespaces[ns] = cache.Config{}
		}
	}
	mgr, err := ctrl.NewManager(cfg, ctrl.Options{
		Scheme:                  scheme,
		Cache:                   cacheOpts,
		Metrics:                 metricsOpts,
		HealthProbeBindAddress:  o.probeAddr,
		PprofBindAddress:        o.pprofAddr,
		LeaderElection:          o.leaderElect,
		LeaderElectionID:        "oss-operator.ossoperator.io",
		LeaderElectionNamespace: o.leaderElectionNamespace,
		Client:                  client.Options{Cache: &client.CacheOptions{DisableFor: []client.Object{&corev1.Secret{}}}},
	})
	if err != nil {
		return fmt.Errorf("creating the manager: %w", err)
	}
	metrics := ossapi.NewMetrics()
	if err := metrics.Register(ctrlmetrics.Registry); err != nil {
		return fmt.Errorf("registering OSS metrics: %w", err)
	}
	resourceMetrics := controllers.NewResourceMetrics()
	if err := resourceMetrics.Register(ctrlmetrics.Registry); err != nil {
		return fmt.Errorf("registering resource metrics: %w", err)
	}
	// The operator's own RRSA identity, when ACK's pod identity webhook gave it one: usable by the
	// AccessKeys of its own namespace (spec.oidc.operatorIdentity).
	podIdentity, err := controllers.PodIdentityFromEnv()
	if err != nil {
		return err
	}
	if err := controllers.Setup(mgr, controllers.Options{
		ClusterID: o.clusterID, ResyncPeriod: o.resync, MaxConcurrentReconciles: o.concurrency,
		AllowedEndpoints: endpoints, AllowInsecureEndpoints: o.allowInsecure, Metrics: metrics, ClaimsNamespace: o.claimsNamespace,
		RAMEndpoint: o.ramEndpoint, STSEndpoint: o.stsEndpoint, PodIdentity: podIdentity, ResourceMetrics: resourceMetrics,
		AccountQPS: o.accountQPS, AccountBurst: o.accountBurst, DisablePriorities: o.noPriorities,
	}); err != nil {
		return err
	}
	if err := mgr.AddHealthzCheck("healthz", healthz.Ping); err != nil {
		return err
	}
	if err := mgr.AddReadyzCheck("readyz", healthz.Ping); err != nil {
		return err
	}
	log.Info("starting manager", "version", o.build.Version, "commit", o.build.Commit, "goVersion", o.build.GoVersion,
		"clusterID", o.clusterID, "resyncPeriod", o.resync.String(), "maxConcurrentReconciles", o.concurrency,
		"allowedEndpoints", endpoints.String(), "allowInsecureEndpoints", o.allowInsecure, "ramEndpoint", o.ramEndpoint, "stsEndpoint", o.stsEndpoint, "podIdentity", podIdentity != nil, "namespaces", o.namespaces)
	return mgr.Start(ctrl.SetupSignalHandler())
}

// metricsOptions serves metrics over plain HTTP, or over HTTPS to authenticated and authorized callers
// only: a Prometheus with a service account allowed to get the /metrics URL. Over HTTPS the certificate
// is the one in o.metricsCertDir, which controller-runtime's certwatcher reloads when the files change (a
// Secret volume is updated in place when cert-manager renews the certificate), or else a self-signed one.
func metricsOptions(o runOptions) (metricsserver.Options, error) {
	opts := metricsserver.Options{BindAddress: o.metricsAddr, SecureServing: o.secureMetrics}
	if o.secureMetrics {
		opts.FilterProvider = authenticatedMetrics
	}
	if o.metricsCertDir == "" {
		return opts, nil
	}
	if !o.secureMetrics {
		return opts, errors.New("--metrics-cert-dir needs --metrics-secure: plain HTTP metrics serve no certificate")
	}
	// controller-runtime falls back to a self-signed certificate when the files are missing: a client
	// that checks the certificate would then fail on every scrape. Refuse to start instead.
	certFile, keyFile := filepath.Join(o.metricsCertDir, o.metricsCertName), filepath.Join(o.metricsCertDir, o.metricsKeyName)
	pair, err := tls.LoadX509KeyPair(certFile, keyFile)
	if err != nil {
		return opts, fmt.Errorf("--metrics-cert-dir: loading the metrics certificate %s and key %s: %w", certFile, keyFile, err)
	}
	opts.CertDir, opts.CertName, opts.KeyName = o.metricsCertDir, o.metricsCertName, o.metricsKeyName
	if leaf := pair.Leaf; leaf != nil {
		ctrl.Log.WithName("setup").Info("serving metrics with the certificate of --metrics-cert-dir", "certificate", certFile,
			"dnsNames", leaf.DNSNames, "notAfter", leaf.NotAfter.UTC().Format(time.RFC3339))
	}
	return opts, nil
}

// ownNamespace is the namespace the operator runs in, from its service account's mount.
func ownNamespace() (string, error) {
	const file = "/var/run/secrets/kubernetes.io/serviceaccount/namespace"
	ns, err := os.ReadFile(file)
	if err != nil || strings.TrimSpace(string(ns)) == "" {
		return "", fmt.Errorf("not running in a pod (no %s): set the flag", file)
	}
	return strings.TrimSpace(string(ns)), nil
}

// defaultClusterID is the UID of the kube-system namespace: stable for the life of the cluster and
// different from every other cluster's.
func defaultClusterID(cfg *rest.Config, scheme *runtime.Scheme) (string, error) {
	c, err := client.New(cfg, client.Options{Scheme: scheme})
	if err != nil {
		return "", err
	}
	ns := &corev1.Namespace{}
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	if err := c.Get(ctx, types.NamespacedName{Name: "kube-system"}, ns); err != nil {
		return "", err
	}
	return string(ns.UID), nil
}

func splitList(s string) []string {
	var out []string
	for _, p := range strings.Split(s, ",") {
		if p = strings.TrimSpace(p); p != "" {
			out = append(out, p)
		}
	}
	return out
}

// version and commit are stamped at build time, as the Dockerfile does:
//
//	go build -ldflags "-X main.version=0.1.0 -X main.commit=$(git rev-parse HEAD)" .
//
// Left empty, they come from what Go records in every binary: the module's version, and the commit of
// the git checkout it was built in (go build's default, -buildvcs=auto), so a plain `go build` or
// `make build` still says which code it runs.
var version, commit string

// buildInfo identifies the running binary: --version prints it, and the start-up log records it.
type buildInfo struct {
	Version, Commit, GoVersion string
}

// String is the line --version prints: oss-operator v0.1.0 (commit abc1234, go1.26.8).
func (b buildInfo) String() string {
	return fmt.Sprintf("oss-operator %s (commit %s, %s)", b.Version, b.Commit, b.GoVersion)
}

func currentBuild() buildInfo {
	info, _ := debug.ReadBuildInfo()
	return describeBuild(version, commit, info)
}

// describeBuild prefers the stamped version and commit, and falls back to info (nil when the binary
// has none): the main module's version, and vcs.revision with "-dirty" when vcs.modified.
func describeBuild(stampedVersion, stampedCommit string, info *debug.BuildInfo) buildInfo {
	b := buildInfo{Version: stampedVersion, Commit: shortCommit(stampedCommit), GoVersion: goruntime.Version()}
	if info != nil {
		if b.Version == "" && info.Main.Version != "(devel)" {
			b.Version = info.Main.Version
		}
		if b.Commit == "" {
			var revision string
			var modified bool
			for _, s := range info.Settings {
				switch s.Key {
				case "vcs.revision":
					revision = s.Value
				case "vcs.modified":
					modified = s.Value == "true"
				}
			}
			if b.Commit = shortCommit(revision); b.Commit != "" && modified {
				b.Commit += "-dirty"
			}
		}
	}
	switch {
	case b.Version == "":
		b.Version = "devel"
	case b.Version[0] >= '0' && b.Version[0] <= '9':
		// The chart's appVersion, 0.1.0, is the release v0.1.0.
		b.Version = "v" + b.Version
	}
	if b.Commit == "" {
		b.Commit = "unknown"
	}
	return b
}

// shortCommit abbreviates a full git commit hash as git does, to 7 hex digits.
func shortCommit(c string) string {
	if len(c) > 7 && strings.Trim(c, "0123456789abcdef") == "" {
		return c[:7]
	}
	return c
}

// collectGarbageSooner has the Go runtime collect when the heap has grown by half since the last
// collection, not doubled (GOGC=100): most of the operator's heap is its cache, which lives long, so
// the default let as much garbage pile up beside it as the cache itself. At 10,000 Buckets that is about a
// third of the process's memory, for a little more CPU while many resources change at once (make bench,
// docs/performance.md). GOGC set in the environment wins.
func collectGarbageSooner() {
	if os.Getenv("GOGC") == "" {
		debug.SetGCPercent(50)
	}
}
