package controllers_test

import (
	"context"
	"encoding/json"
	"fmt"
	"net"
	"os"
	"path/filepath"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	. "github.com/onsi/ginkgo/v2"
	. "github.com/onsi/gomega"
	"github.com/prometheus/common/expfmt"
	corev1 "k8s.io/api/core/v1"
	eventsv1 "k8s.io/api/events/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/runtime"
	clientgoscheme "k8s.io/client-go/kubernetes/scheme"
	"k8s.io/client-go/rest"
	ctrl "sigs.k8s.io/controller-runtime"
	"sigs.k8s.io/controller-runtime/pkg/cache"
	"sigs.k8s.io/controller-runtime/pkg/client"
	"sigs.k8s.io/controller-runtime/pkg/envtest"
	logf "sigs.k8s.io/controller-runtime/pkg/log"
	"sigs.k8s.io/controller-runtime/pkg/log/zap"
	ctrlmetrics "sigs.k8s.io/controller-runtime/pkg/metrics"
	metricsserver "sigs.k8s.io/controller-runtime/pkg/metrics/server"

	ossv1 "github.com/ossoperator/oss-operator/api/v1alpha1"
	"github.com/ossoperator/oss-operator/controllers"
	"github.com/ossoperator/oss-operator/ossapi"
	"github.com/ossoperator/oss-operator/ossapi/osstest"
	"github.com/ossoperator/oss-operator/ossapi/ram"
	"github.com/ossoperator/oss-operator/ossapi/sts"
	"github.com/ossoperator/oss-operator/test/controlplane"
)

// The suite runs the controllers against a real kube-apiserver and etcd (envtest), with Kubernetes' own
// namespace controller and garbage collector (kube-controller-manager), and the OSS emulator, and
// asserts on what a user sees: status, conditions, Events, logs, and the emulated account.

const (
	clusterID = "test-cluster"
	accountA  = "1000000000000001"
	accountB  = "2000000000000002"
	// Keys of account A; the second one is for rotation tests.
	keyA1, secretA1             = "LTAI-a1", "secret-of-a1-1b2c3d"
	keyA2, secretA2             = "LTAI-a2", "secret-of-a2-4e5f6a"
	keyB, secretB               = "LTAI-b", "secret-of-b-7a8b9c"
	stsKey, stsSecret, stsToken = "STS.a3", "secret-of-sts-0d0e", "sts-token-value-9f8e"
)

var (
	ctx       context.Context
	cancel    context.CancelFunc
	testEnv   *envtest.Environment
	restCfg   *rest.Config
	kcm       *controlplane.ControllerManager
	k8s       client.Client
	emu       *osstest.Server
	ossA      *ossapi.Client // account A, for seeding and checking OSS state out of band
	ossB      *ossapi.Client // account B
	seq       atomic.Int64
	logBuffer = &syncBuffer{}
)

// The operator's pod identity in the suite: a role and a provider the keyless test registers, and the
// file it writes the token to.
const (
	operatorRole     = "oss-operator"
	operatorProvider = "cluster-self"
)

var operatorTokenFile = filepath.Join(os.TempDir(), fmt.Sprintf("oss-operator-token-%d", os.Getpid()))

func TestControllers(t *testing.T) {
	RegisterFailHandler(Fail)
	RunSpecs(t, "Controllers")
}

var _ = BeforeSuite(func() {
	Expect(os.Getenv("KUBEBUILDER_ASSETS")).NotTo(BeEmpty(), "KUBEBUILDER_ASSETS is not set: run the tests with `make test`, which builds the envtest control plane (make envtest)")
	// Logs at the highest verbosity, as JSON lines, go to a buffer the security test searches for
	// secrets and the log tests read.
	logf.SetLogger(zap.New(zap.WriteTo(logBuffer), zap.JSONEncoder(), zap.Level(zapLevel(-10))))
	ctx, cancel = context.WithCancel(context.Background())
	// A loaded CI machine answers slower than a developer's: waits are generous, polls frequent.
	SetDefaultEventuallyTimeout(20 * time.Second)
	SetDefaultEventuallyPollingInterval(50 * time.Millisecond)

	testEnv = &envtest.Environment{
		CRDDirectoryPaths:     []string{filepath.Join("..", "config", "crd", "bases")},
		ErrorIfCRDPathMissing: true,
	}
	cfg, err := testEnv.Start()
	Expect(err).NotTo(HaveOccurred())
	restCfg = cfg
	kcm, err = controlplane.StartControllerManager(testEnv)
	Expect(err).NotTo(HaveOccurred())

	scheme := runtime.NewScheme()
	Expect(clientgoscheme.AddToScheme(scheme)).To(Succeed())
	Expect(ossv1.AddToScheme(scheme)).To(Succeed())
	k8s, err = client.New(cfg, client.Options{Scheme: scheme})
	Expect(err).NotTo(HaveOccurred())

	emu = osstest.NewServer(
		osstest.WithAccount(osstest.Account{ID: accountA, DisplayName: "a", Keys: []osstest.Key{
			{AccessKeyID: keyA1, AccessKeySecret: secretA1}, {AccessKeyID: keyA2, AccessKeySecret: secretA2},
			{AccessKeyID: stsKey, AccessKeySecret: stsSecret, SecurityToken: stsToken},
		}}),
		osstest.WithAccount(osstest.Account{ID: accountB, DisplayName: "b", Keys: []osstest.Key{{AccessKeyID: keyB, AccessKeySecret: secretB}}}),
	)
	ossA = newOSSClient(keyA1, secretA1)
	ossB = newOSSClient(keyB, secretB)

	mgr, err := ctrl.NewManager(cfg, ctrl.Options{
		Scheme:  scheme,
		Cache:   cache.Options{DefaultTransform: controllers.StripUnreadMetadata},
		Metrics: metricsserver.Options{BindAddress: "0"},
		Client:  client.Options{Cache: &client.CacheOptions{DisableFor: []client.Object{&corev1.Secret{}}}},
	})
	Expect(err).NotTo(HaveOccurred())
	metrics := ossapi.NewMetrics()
	Expect(metrics.Register(ctrlmetrics.Registry)).To(Succeed())
	resourceMetrics := controllers.NewResourceMetrics()
	Expect(resourceMetrics.Register(ctrlmetrics.Registry)).To(Succeed())
	Expect(controllers.Setup(mgr, controllers.Options{
		ClusterID: clusterID, ResyncPeriod: time.Hour, MaxConcurrentReconciles: 4,
		AllowedEndpoints: emulatorOnly(), AllowInsecureEndpoints: true, Metrics: metrics, ClaimsNamespace: "default",
		ResourceMetrics: resourceMetrics,
		// A purge reports every second, so that its progress is seen within a test.
		PurgeBudget: time.Second,
		ConfigureOSS: func(c *ossapi.Config) {
			c.Retry = ossapi.RetryPolicy{MaxAttempts: 2, BaseDelay: 5 * time.Millisecond, MaxDelay: 20 * time.Millisecond}
			c.Timeout = 5 * time.Second
		},
		RAMEndpoint: emu.RAMURL,
		// The operator's own pod identity, as ACK's webhook would give it: the test writes the token.
		PodIdentity: &controllers.PodIdentity{RoleArn: osstest.RoleARN(accountA, operatorRole),
			ProviderArn: osstest.OIDCProviderARN(accountA, operatorProvider), TokenFile: operatorTokenFile},
		STSEndpoint: emu.STSURL,
		ConfigureSTS: func(c *sts.Config) {
			c.Retry = ossapi.RetryPolicy{MaxAttempts: 2, BaseDelay: 5 * time.Millisecond, MaxDelay: 20 * time.Millisecond}
			c.Timeout = 5 * time.Second
		},
		ConfigureRAM: func(c *ram.Config) {
			c.Retry = ossapi.RetryPolicy{MaxAttempts: 2, BaseDelay: 5 * time.Millisecond, MaxDelay: 20 * time.Millisecond}
			c.Timeout = 5 * time.Second
		},
	})).To(Succeed())
	go func() {
		defer GinkgoRecover()
		Expect(mgr.Start(ctx)).To(Succeed())
	}()
})

var _ = AfterSuite(func() {
	if k8s != nil {
		expectNoSecretsAnywhere()
	}
	if cancel != nil {
		cancel()
	}
	if emu != nil {
		emu.Close()
	}
	if kcm != nil {
		Expect(kcm.Stop()).To(Succeed())
	}
	if testEnv != nil {
		Expect(testEnv.Stop()).To(Succeed())
	}
})

// emulatorOnly allows the emulator's host, 127.0.0.1 (any port: a test also points an AccessKey at a
// closed port there), and nothing else, as an AccessKey endpoint.
func emulatorOnly() controllers.EndpointPolicy {
	GinkgoHelper()
	host, _, err := net.SplitHostPort(strings.TrimPrefix(emu.URL, "http://"))
	Expect(err).NotTo(HaveOccurred())
	p, err := controllers.NewEndpointPolicy([]string{host})
	Expect(err).NotTo(HaveOccurred())
	return p
}

func newOSSClient(id, secret string) *ossapi.Client {
	c, err := ossapi.New(ossapi.Config{Region: "cn-hangzhou", Endpoint: emu.URL,
		Credentials: ossapi.StaticCredentials{AccessKeyID: id, AccessKeySecret: secret}})
	Expect(err).NotTo(HaveOccurred())
	return c
}

// unique returns a name no other test uses: bucket names are global in OSS.
func unique(prefix string) string { return fmt.Sprintf("%s-%d", prefix, seq.Add(1)) }

// newNamespace creates a namespace for one test.
func newNamespace() string {
	ns := &corev1.Namespace{ObjectMeta: metav1.ObjectMeta{Name: unique("ns")}}
	Expect(k8s.Create(ctx, ns)).To(Succeed())
	return ns.Name
}

func createSecret(ns, name string, data map[string]string) *corev1.Secret {
	s := &corev1.Secret{ObjectMeta: metav1.ObjectMeta{Namespace: ns, Name: name}, StringData: data}
	Expect(k8s.Create(ctx, s)).To(Succeed())
	return s
}

func createAccessKey(ns, name, secretName string, mutate ...func(*ossv1.AccessKey)) *ossv1.AccessKey {
	ak := &ossv1.AccessKey{
		ObjectMeta: metav1.ObjectMeta{Namespace: ns, Name: name},
		Spec:       ossv1.AccessKeySpec{SecretRef: ossv1.SecretReference{Name: secretName}, Region: "cn-hangzhou", Endpoint: emu.URL},
	}
	for _, m := range mutate {
		m(ak)
	}
	Expect(k8s.Create(ctx, ak)).To(Succeed())
	return ak
}

// readyAccessKey creates a Secret with account A's first key and an AccessKey, and waits for Ready.
func readyAccessKey(ns string) *ossv1.AccessKey {
	createSecret(ns, "creds", map[string]string{"accessKeyId": keyA1, "accessKeySecret": secretA1})
	ak := createAccessKey(ns, "creds", "creds")
	expectCondition(ak, ossv1.ConditionReady, metav1.ConditionTrue, ossv1.ReasonReady)
	return ak
}

// acct is the current spec's account (specs run one at a time).
var acct account

// account is an emulated account of its own for one test, so that call counts are that test's alone.
type account struct {
	id          string
	oss         *ossapi.Client
	key, secret string
}

// newAccountAccessKey creates an account, a Secret with its key and an AccessKey "creds" in ns, and
// waits for the AccessKey to be Ready.
func newAccountAccessKey(ns string) account {
	GinkgoHelper()
	id, key, secret := unique("acct"), unique("LTAI-t"), unique("secret-of-t")
	emu.AddAccount(osstest.Account{ID: id, DisplayName: id, Keys: []osstest.Key{{AccessKeyID: key, AccessKeySecret: secret}}})
	createSecret(ns, "creds", map[string]string{"accessKeyId": key, "accessKeySecret": secret})
	ak := createAccessKey(ns, "creds", "creds")
	expectCondition(ak, ossv1.ConditionReady, metav1.ConditionTrue, ossv1.ReasonReady)
	return account{id: id, oss: newOSSClient(key, secret), key: key, secret: secret}
}

// accessKeyIn creates a Secret with the account's key and an AccessKey "creds" in ns, and waits for it.
func (a account) accessKeyIn(ns string) {
	GinkgoHelper()
	createSecret(ns, "creds", map[string]string{"accessKeyId": a.key, "accessKeySecret": a.secret})
	ak := createAccessKey(ns, "creds", "creds")
	expectCondition(ak, ossv1.ConditionReady, metav1.ConditionTrue, ossv1.ReasonReady)
}

// calls are the account's calls by operation since the last ResetCounters, without zeros.
func (a account) calls() map[string]int {
	out := map[string]int{}
	for _, op := range append(append([]string{}, ossapi.Operations...), osstest.OpListObjects, osstest.OpGetObject, osstest.OpHeadObject) {
		if n := emu.CallsBy(a.id, op); n > 0 {
			out[op] = n
		}
	}
	return out
}

// writes are the account's calls that change OSS.
func (a account) writes() map[string]int {
	out := map[string]int{}
	for op, n := range a.calls() {
		if strings.HasPrefix(op, "Put") || strings.HasPrefix(op, "Delete") || strings.HasPrefix(op, "Initiate") || strings.HasPrefix(op, "Abort") {
			out[op] = n
		}
	}
	return out
}

func newBucket(ns, name string, mutate ...func(*ossv1.Bucket)) *ossv1.Bucket {
	b := &ossv1.Bucket{
		ObjectMeta: metav1.ObjectMeta{Namespace: ns, Name: name},
		Spec:       ossv1.BucketSpec{AccessKeyRef: ossv1.AccessKeyReference{Name: "creds"}},
	}
	for _, m := range mutate {
		if m != nil {
			m(b)
		}
	}
	return b
}

func createBucket(ns, name string, mutate ...func(*ossv1.Bucket)) *ossv1.Bucket {
	b := newBucket(ns, name, mutate...)
	Expect(k8s.Create(ctx, b)).To(Succeed())
	return b
}

func conditionsOf(obj client.Object) []metav1.Condition {
	switch o := obj.(type) {
	case *ossv1.Bucket:
		return o.Status.Conditions
	case *ossv1.AccessKey:
		return o.Status.Conditions
	}
	panic(fmt.Sprintf("no conditions on %T", obj))
}

// expectCondition waits until obj has the condition with that status and reason, and refreshes obj.
func expectCondition(obj client.Object, typ string, status metav1.ConditionStatus, reason string) {
	GinkgoHelper()
	Eventually(func(g Gomega) {
		g.Expect(k8s.Get(ctx, client.ObjectKeyFromObject(obj), obj)).To(Succeed())
		var c *metav1.Condition
		for i := range conditionsOf(obj) {
			if conditionsOf(obj)[i].Type == typ {
				c = &conditionsOf(obj)[i]
			}
		}
		g.Expect(c).NotTo(BeNil(), "condition %s is missing; conditions: %+v", typ, conditionsOf(obj))
		g.Expect(c.Status).To(Equal(status), "condition %s: %+v", typ, c)
		g.Expect(c.Reason).To(Equal(reason), "condition %s: %+v", typ, c)
	}).WithTimeout(20*time.Second).WithPolling(50*time.Millisecond).Should(Succeed(),
		"%T %s never got %s=%s reason %s", obj, obj.GetName(), typ, status, reason)
}

// eventsFor lists the Events about an object.
func eventsFor(obj client.Object) []eventsv1.Event {
	list := &eventsv1.EventList{}
	Expect(k8s.List(ctx, list, client.InNamespace(obj.GetNamespace()))).To(Succeed())
	var out []eventsv1.Event
	for _, e := range list.Items {
		if e.Regarding.Name == obj.GetName() && e.Regarding.Kind == obj.GetObjectKind().GroupVersionKind().Kind ||
			e.Regarding.Name == obj.GetName() && e.Regarding.UID == obj.GetUID() {
			out = append(out, e)
		}
	}
	return out
}

// expectEvent waits for an Event with the reason about obj.
func expectEvent(obj client.Object, reason string) {
	GinkgoHelper()
	Eventually(func() []string {
		var reasons []string
		for _, e := range eventsFor(obj) {
			reasons = append(reasons, e.Reason)
		}
		return reasons
	}).WithTimeout(20*time.Second).WithPolling(100*time.Millisecond).Should(ContainElement(reason), "Event %s about %s", reason, obj.GetName())
}

// expectEventNote waits for an Event with the reason about obj whose note contains text.
func expectEventNote(obj client.Object, reason, text string) {
	GinkgoHelper()
	Eventually(func() []string {
		var notes []string
		for _, e := range eventsFor(obj) {
			if e.Reason == reason {
				notes = append(notes, e.Note)
			}
		}
		return notes
	}).WithTimeout(20*time.Second).WithPolling(100*time.Millisecond).Should(ContainElement(ContainSubstring(text)), "Event %s about %s saying %q", reason, obj.GetName(), text)
}

// conditionOf is obj's condition of that type, or nil.
func conditionOf(obj client.Object, typ string) *metav1.Condition {
	for i, c := range conditionsOf(obj) {
		if c.Type == typ {
			return &conditionsOf(obj)[i]
		}
	}
	return nil
}

// resync changes an annotation the operator does not interpret: it reconciles obj once, exactly as
// its resync timer does, without anything to acknowledge.
func resync(obj client.Object) {
	GinkgoHelper()
	setAnnotation(obj, "test.ossoperator.io/resync", fmt.Sprint(time.Now().UnixNano()))
}

// refresh bumps the refresh annotation, asking for an immediate re-observe.
func refresh(obj client.Object) {
	GinkgoHelper()
	setAnnotation(obj, ossv1.AnnotationRefresh, fmt.Sprint(time.Now().UnixNano()))
}

func setAnnotation(obj client.Object, key, value string) {
	GinkgoHelper()
	Eventually(func() error {
		if err := k8s.Get(ctx, client.ObjectKeyFromObject(obj), obj); err != nil {
			return err
		}
		a := obj.GetAnnotations()
		if a == nil {
			a = map[string]string{}
		}
		a[key] = value
		obj.SetAnnotations(a)
		return k8s.Update(ctx, obj)
	}).Should(Succeed())
}

// update applies mutate to the latest version of obj, retrying on conflicts.
func update[T client.Object](obj T, mutate func(T)) {
	GinkgoHelper()
	Eventually(func() error {
		if err := k8s.Get(ctx, client.ObjectKeyFromObject(obj), obj); err != nil {
			return err
		}
		mutate(obj)
		return k8s.Update(ctx, obj)
	}).Should(Succeed())
}

func expectGone(obj client.Object) {
	GinkgoHelper()
	Eventually(func() bool {
		err := k8s.Get(ctx, client.ObjectKeyFromObject(obj), obj)
		return client.IgnoreNotFound(err) == nil && err != nil
	}).WithTimeout(20*time.Second).WithPolling(50*time.Millisecond).Should(BeTrue(), "%s was not deleted", obj.GetName())
}

// expectNoSecretsAnywhere searches everything the operator wrote during the suite (its logs at the
// highest verbosity, every Event, every status) for any secret or token the tests used.
func expectNoSecretsAnywhere() {
	secrets := []string{secretA1, secretA2, secretB, stsSecret, stsToken, "wrong-secret-value", "revoked-secret", "whatever-secret"}
	issuedSecrets.Lock()
	secrets = append(secrets, issuedSecrets.values...)
	issuedSecrets.Unlock()
	var places []string
	places = append(places, logBuffer.String())
	events := &eventsv1.EventList{}
	Expect(k8s.List(ctx, events)).To(Succeed())
	for _, e := range events.Items {
		places = append(places, e.Note+" "+e.Reason)
	}
	keys := &ossv1.AccessKeyList{}
	Expect(k8s.List(ctx, keys)).To(Succeed())
	buckets := &ossv1.BucketList{}
	Expect(k8s.List(ctx, buckets)).To(Succeed())
	raw, err := json.Marshal([]any{keys, buckets})
	Expect(err).NotTo(HaveOccurred())
	places = append(places, string(raw))
	families, err := ctrlmetrics.Registry.Gather()
	Expect(err).NotTo(HaveOccurred())
	var exposition strings.Builder
	for _, f := range families {
		_, err := expfmt.MetricFamilyToText(&exposition, f)
		Expect(err).NotTo(HaveOccurred())
	}
	Expect(exposition.String()).To(ContainSubstring("ossoperator_oss_requests_total"), "the OSS metrics are exposed")
	places = append(places, exposition.String())
	if suite, _ := GinkgoConfiguration(); len(suite.FocusStrings) == 0 && len(suite.SkipStrings) == 0 {
		// The full suite went through every path: the search had material.
		Expect(len(logBuffer.String())).To(BeNumerically(">", 1000), "the operator logged at the highest verbosity")
		Expect(len(events.Items)).To(BeNumerically(">", 10))
	}
	for _, p := range places {
		for _, secret := range secrets {
			Expect(p).NotTo(ContainSubstring(secret), "a secret leaked")
		}
	}
}
