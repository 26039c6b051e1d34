package main

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"net"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"slices"
	"strings"
	"testing"
	"time"

	corev1 "k8s.io/api/core/v1"
	"k8s.io/apimachinery/pkg/api/meta"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/runtime"
	"k8s.io/apimachinery/pkg/types"
	clientgoscheme "k8s.io/client-go/kubernetes/scheme"
	"k8s.io/client-go/tools/clientcmd"
	"sigs.k8s.io/controller-runtime/pkg/client"
	logf "sigs.k8s.io/controller-runtime/pkg/log"
	"sigs.k8s.io/controller-runtime/pkg/log/zap"
	"sigs.k8s.io/yaml"

	ossv1 "github.com/ossoperator/oss-operator/api/v1alpha1"
	"github.com/ossoperator/oss-operator/ossapi"
)

// TestDev runs `make dev --exit-when-ready` in-process: the samples become Ready, the kubeconfig
// works for a client and for the kubectl commands the banner prints, and nothing is left behind.
func TestDev(t *testing.T) {
	assets := os.Getenv("KUBEBUILDER_ASSETS")
	if assets == "" {
		t.Fatal("KUBEBUILDER_ASSETS is not set: run `make test`, which sets it (or " +
			"KUBEBUILDER_ASSETS=$(hack/envtest.sh | tail -1) go test ./hack/dev/)")
	}
	logf.SetLogger(zap.New(zap.UseDevMode(true), zap.WriteTo(os.Stderr)))
	ctx, cancel := context.WithTimeout(context.Background(), 3*time.Minute) // generous: a loaded machine starts the control plane slowly
	defer cancel()

	kubeconfig := filepath.Join(t.TempDir(), "dev", "kubeconfig")
	var out bytes.Buffer
	checked, metricsURL := false, ""
	err := run(ctx, options{
		assets: assets, root: filepath.Join("..", ".."), kubeconfig: kubeconfig, ossListen: "127.0.0.1:0", metricsListen: "127.0.0.1:0",
		resync: time.Minute, exitWhenReady: true, timeout: 90 * time.Second, out: &out,
		onReady: func(ctx context.Context, e devEnv) error {
			checked, metricsURL = true, e.metricsURL
			return checkRunning(ctx, t, e)
		},
	})
	if err != nil {
		t.Fatalf("run: %v\noutput:\n%s", err, &out)
	}
	if !checked {
		t.Fatal("run returned without calling onReady")
	}

	banner := out.String()
	ossURL := regexp.MustCompile(`OSS emulator   (http://127\.0\.0\.1:\d+)`).FindStringSubmatch(banner)
	if ossURL == nil {
		t.Fatalf("the banner names no OSS emulator:\n%s", banner)
	}
	for _, want := range []string{
		"OSS emulator   http://127.0.0.1:",
		"access key ID LTAI-dev-access-key, secret dev-secret-key",
		"kubeconfig     " + kubeconfig,
		"metrics        " + metricsURL + "  (docs/metrics.md)",
		filepath.Join(assets, "kubectl") + " --kubeconfig " + kubeconfig + " get oss -A",
		"wait --for=condition=Ready bucket --all -n default",
		"go run ./hack/oss-emulator ls --endpoint " + ossURL[1] + " ",
		"go run ./hack/oss-emulator ls --endpoint " + ossURL[1] + " example-bucket ",
		"go run ./hack/oss-emulator settings --endpoint " + ossURL[1] + " example-bucket ",
		"go run ./hack/oss-emulator get --endpoint " + ossURL[1] + " BUCKET/KEY ",
		"Ready: AccessKey default/oss-credentials, AccessKey default/gallery-app, AccessKey default/oss-rrsa, Bucket default/example-bucket",
	} {
		if !strings.Contains(banner, want) {
			t.Errorf("the output lacks %q:\n%s", want, banner)
		}
	}
	if _, err := os.Stat(filepath.Dir(kubeconfig)); !errors.Is(err, fs.ErrNotExist) {
		t.Errorf("the kubeconfig directory is left behind after exit (stat: %v)", err)
	}
}

// checkRunning checks, while everything runs, what a user would look at from another shell.
func checkRunning(ctx context.Context, t *testing.T, e devEnv) error {
	var errs []error
	fail := func(format string, args ...any) { errs = append(errs, fmt.Errorf(format, args...)) }

	// The commands of the banner, with the real kubectl.
	for _, args := range [][]string{
		{"get", "buckets", "-A"},
		{"get", "oss", "-A"},
		{"wait", "--for=condition=Ready", "bucket", "--all", "-n", "default", "--timeout=10s"},
	} {
		cmd := exec.CommandContext(ctx, e.kubectl, append([]string{"--kubeconfig", e.kubeconfig}, args...)...)
		b, err := cmd.CombinedOutput()
		if err != nil || !strings.Contains(string(b), "example-bucket") {
			fail("kubectl %s: %v\n%s", strings.Join(args, " "), err, b)
		}
	}

	// A client built from the kubeconfig file.
	cfg, err := clientcmd.BuildConfigFromFlags("", e.kubeconfig)
	if err != nil {
		return fmt.Errorf("loading the kubeconfig: %w", err)
	}
	scheme := runtime.NewScheme()
	if err := clientgoscheme.AddToScheme(scheme); err != nil {
		return err
	}
	if err := ossv1.AddToScheme(scheme); err != nil {
		return err
	}
	c, err := client.New(cfg, client.Options{Scheme: scheme})
	if err != nil {
		return fmt.Errorf("a client from the kubeconfig: %w", err)
	}
	buckets := &ossv1.BucketList{}
	if err := c.List(ctx, buckets); err != nil {
		return fmt.Errorf("listing Buckets with the kubeconfig: %w", err)
	}
	i := slices.IndexFunc(buckets.Items, func(b ossv1.Bucket) bool { return b.Namespace == "default" && b.Name == "example-bucket" })
	switch {
	case i < 0:
		fail("Bucket default/example-bucket is not listed: %d Buckets", len(buckets.Items))
	case !meta.IsStatusConditionTrue(buckets.Items[i].Status.Conditions, ossv1.ConditionReady):
		fail("Bucket default/example-bucket is not Ready: %+v", buckets.Items[i].Status.Conditions)
	default:
		// Where the bucket is: the emulator, path-style, not Alibaba Cloud's hosts.
		if st := buckets.Items[i].Status; st.URL != e.ossURL+"/example-bucket" || st.ExtranetEndpoint != e.ossURL || st.IntranetEndpoint != e.ossURL {
			fail("Bucket default/example-bucket: url %q, endpoints %q and %q; want %s/example-bucket and %s", st.URL, st.ExtranetEndpoint, st.IntranetEndpoint, e.ossURL, e.ossURL)
		}
	}
	ak := &ossv1.AccessKey{}
	if err := c.Get(ctx, types.NamespacedName{Namespace: "default", Name: "oss-credentials"}, ak); err != nil {
		fail("reading the AccessKey: %v", err)
	} else if ak.Status.AccountID != devAccountID || !meta.IsStatusConditionTrue(ak.Status.Conditions, ossv1.ConditionReady) {
		fail("AccessKey: account %q, conditions %+v; want account %s, Ready", ak.Status.AccountID, ak.Status.Conditions, devAccountID)
	}

	// The sample issued AccessKey: its Secret holds a key of its own that works on example-bucket, as an
	// application would use it (envFrom), and the account's key is not in it.
	secret := &corev1.Secret{}
	if err := c.Get(ctx, types.NamespacedName{Namespace: "default", Name: "gallery-app-oss"}, secret); err != nil {
		fail("reading the issued Secret gallery-app-oss: %v", err)
	} else if id := string(secret.Data["OSS_ACCESS_KEY_ID"]); id == "" || id == devAccessKeyID {
		fail("the issued Secret holds key %q; want a key of its own", id)
	} else {
		app, err := ossapi.New(ossapi.Config{Region: string(secret.Data["OSS_REGION"]), Endpoint: string(secret.Data["OSS_ENDPOINT"]),
			Credentials: ossapi.StaticCredentials{AccessKeyID: id, AccessKeySecret: string(secret.Data["OSS_ACCESS_KEY_SECRET"])}})
		if err != nil {
			fail("a client from the issued Secret: %v", err)
		} else if _, err := app.ListObjectsV2(ctx, &ossapi.ListObjectsV2Request{Bucket: string(secret.Data["OSS_BUCKET"])}); err != nil {
			fail("the issued key lists %s: %v", secret.Data["OSS_BUCKET"], err)
		} else if _, err := app.ListBuckets(ctx, &ossapi.ListBucketsRequest{}); !ossapi.IsCode(err, ossapi.CodeAccessDenied) {
			fail("the issued key lists the account's buckets (%v); want AccessDenied", err)
		}
	}

	// The RRSA sample: temporary credentials for the dev role, from a token of the control plane's
	// own service-account issuer.
	rrsa := &ossv1.AccessKey{}
	if err := c.Get(ctx, types.NamespacedName{Namespace: "default", Name: "oss-rrsa"}, rrsa); err != nil {
		fail("reading the AccessKey oss-rrsa: %v", err)
	} else if rrsa.Status.Session == nil || rrsa.Status.Session.Expiration == nil || !strings.HasPrefix(rrsa.Status.AccessKeyID, "STS.") {
		fail("AccessKey oss-rrsa has no session: %+v", rrsa.Status)
	}

	// The metrics the banner points at: the sample Bucket's gauge, and the OSS calls.
	if body, err := scrape(ctx, e.metricsURL); err != nil {
		fail("scraping %s: %v", e.metricsURL, err)
	} else {
		for _, want := range []string{
			`ossoperator_resource_condition{kind="Bucket",name="example-bucket",namespace="default",status="True",type="Ready"} 1`,
			`ossoperator_resource_condition{kind="Bucket",name="example-bucket",namespace="default",status="False",type="Ready"} 0`,
			`ossoperator_resource_condition{kind="Bucket",name="example-bucket",namespace="default",status="True",type="Stalled"} 0`,
			`ossoperator_resource_condition{kind="AccessKey",name="oss-credentials",namespace="default",status="True",type="Ready"} 1`,
			`ossoperator_oss_requests_total{code="OK",operation="GetBucketInfo"}`,
		} {
			if !strings.Contains(body, want) {
				fail("%s lacks %s", e.metricsURL, want)
			}
		}
	}

	// The bucket exists in the emulated account.
	if names := e.emulator.BucketNames(); !slices.Contains(names, "example-bucket") {
		fail("the emulator has buckets %v, not example-bucket", names)
	}

	// The samples are applied as kubectl applies them: a person's later `kubectl apply` of an edited
	// sample removes what the edit removed, client-side or server-side, and re-applying the issued
	// AccessKey's sample keeps the emulator endpoint make dev gave it.
	if err := checkEditedSamples(ctx, c, e); err != nil {
		fail("%v", err)
	}

	// Every sample is valid against the CRDs, the Secret and AccessKey that make dev skips included:
	// the API server validates a dry-run create in a namespace of its own.
	ns := &corev1.Namespace{ObjectMeta: metav1.ObjectMeta{Name: "samples-dry-run"}}
	if err := c.Create(ctx, ns); err != nil {
		return err
	}
	samples, err := readSamples(filepath.Join("..", "..", "config", "samples"))
	if err != nil {
		return err
	}
	for _, s := range samples {
		s.obj.SetNamespace(ns.Name)
		if err := c.Create(ctx, s.obj, client.DryRunAll); err != nil {
			fail("sample %s from %s is invalid: %v", resourceOf(s.obj), s.file, err)
		}
	}

	// A resource that cannot become Ready is reported with its condition's reason and message.
	broken := &ossv1.Bucket{ObjectMeta: metav1.ObjectMeta{Namespace: "default", Name: "broken-bucket"},
		Spec: ossv1.BucketSpec{AccessKeyRef: ossv1.AccessKeyReference{Name: "missing"}}}
	if err := c.Create(ctx, broken); err != nil {
		return err
	}
	r := resource{ossv1.GroupVersion.WithKind("Bucket"), client.ObjectKeyFromObject(broken)}
	notReady, err := waitReady(ctx, c, []resource{r}, 3*time.Second, nil)
	if err != nil || len(notReady) != 1 || !strings.HasPrefix(notReady[0], "Bucket default/broken-bucket: Ready=False, reason "+ossv1.ReasonAccessKeyNotFound+": ") {
		fail("waitReady for a Bucket without its AccessKey: %q, %v; want it reported with reason %s", notReady, err, ossv1.ReasonAccessKeyNotFound)
	}
	return errors.Join(errs...)
}

// checkEditedSamples applies edited samples with kubectl, as a person trying the operator would.
func checkEditedSamples(ctx context.Context, c client.Client, e devEnv) error {
	samples := filepath.Join("..", "..", "config", "samples")
	kubectlApply := func(file, edited string, flags ...string) error {
		path := filepath.Join(filepath.Dir(e.kubeconfig), filepath.Base(file))
		if err := os.WriteFile(path, []byte(edited), 0o600); err != nil {
			return err
		}
		defer os.Remove(path)
		args := append([]string{"--kubeconfig", e.kubeconfig, "apply", "-n", "default", "-f", path}, flags...)
		if b, err := exec.CommandContext(ctx, e.kubectl, args...).CombinedOutput(); err != nil {
			return fmt.Errorf("kubectl %s: %v\n%s", strings.Join(args, " "), err, b)
		}
		return nil
	}
	edit := func(file string, remove ...string) (string, error) {
		b, err := os.ReadFile(filepath.Join(samples, file))
		if err != nil {
			return "", err
		}
		s := string(b)
		for _, r := range remove {
			if !strings.Contains(s, r) {
				return "", fmt.Errorf("%s no longer holds %q: update this test", file, r)
			}
			s = strings.Replace(s, r, "", 1)
		}
		return s, nil
	}
	// eventually polls check until it returns nil, for up to 30 seconds.
	eventually := func(check func() error) error {
		ctx, cancel := context.WithTimeout(ctx, 30*time.Second)
		defer cancel()
		for {
			err := check()
			if err == nil {
				return nil
			}
			select {
			case <-ctx.Done():
				return err
			case <-time.After(200 * time.Millisecond):
			}
		}
	}

	// kubectl apply (client-side): the website without its error page.
	website, err := edit("oss_v1alpha1_bucket_website.yaml", "    errorDocument:\n      key: error.html\n      httpStatus: 404\n")
	if err != nil {
		return err
	}
	if err := kubectlApply("oss_v1alpha1_bucket_website.yaml", website); err != nil {
		return err
	}
	if err := eventually(func() error {
		b := &ossv1.Bucket{}
		if err := c.Get(ctx, types.NamespacedName{Namespace: "default", Name: "example-website"}, b); err != nil {
			return err
		}
		if w := b.Spec.Website; w == nil || w.IndexDocument == nil || w.ErrorDocument != nil {
			return fmt.Errorf("after kubectl apply of the sample without errorDocument, spec.website is %+v; want the index page only", w)
		}
		if got, _ := e.emulator.Bucket("example-website"); got.Website == nil || got.Website.IndexDocument == nil || got.Website.ErrorDocument != nil {
			return fmt.Errorf("after kubectl apply of the sample without errorDocument, the emulator's website is %+v; want the index page only", got.Website)
		}
		return nil
	}); err != nil {
		return err
	}

	// kubectl apply --server-side: as for any object `kubectl apply` created, the sample as it is first
	// (kubectl then hands kubectl-client-side-apply's fields to its server-side manager), then the
	// versioned bucket's rule without abortMultipartUpload.
	unchanged, err := edit("oss_v1alpha1_bucket_versioned.yaml")
	if err != nil {
		return err
	}
	versioned, err := edit("oss_v1alpha1_bucket_versioned.yaml", "      abortMultipartUpload:\n        days: 7\n")
	if err != nil {
		return err
	}
	if err := kubectlApply("oss_v1alpha1_bucket_versioned.yaml", unchanged, "--server-side"); err != nil {
		return fmt.Errorf("the sample as it is: %w", err)
	}
	if err := kubectlApply("oss_v1alpha1_bucket_versioned.yaml", versioned, "--server-side"); err != nil {
		return err
	}
	if err := eventually(func() error {
		b := &ossv1.Bucket{}
		if err := c.Get(ctx, types.NamespacedName{Namespace: "default", Name: "example-versioned"}, b); err != nil {
			return err
		}
		if l := b.Spec.Lifecycle; l == nil || len(l.Rules) != 1 || l.Rules[0].NoncurrentVersionExpiration == nil || l.Rules[0].AbortMultipartUpload != nil {
			return fmt.Errorf("after kubectl apply --server-side of the sample without abortMultipartUpload, spec.lifecycle is %+v", l)
		}
		if got, _ := e.emulator.Bucket("example-versioned"); got.Lifecycle == nil || len(got.Lifecycle.Rules) != 1 || got.Lifecycle.Rules[0].AbortMultipartUpload != nil {
			return fmt.Errorf("after kubectl apply --server-side of the sample without abortMultipartUpload, the emulator's lifecycle is %+v", got.Lifecycle)
		}
		return nil
	}); err != nil {
		return err
	}

	// The issued AccessKey's sample, applied again as it is, client-side then server-side: its
	// emulator endpoint stays.
	issued, err := edit("oss_v1alpha1_accesskey_issued.yaml")
	if err != nil {
		return err
	}
	for _, flags := range [][]string{nil, {"--server-side"}} {
		if err := kubectlApply("oss_v1alpha1_accesskey_issued.yaml", issued, flags...); err != nil {
			return err
		}
		ak := &ossv1.AccessKey{}
		if err := c.Get(ctx, types.NamespacedName{Namespace: "default", Name: "gallery-app"}, ak); err != nil {
			return err
		}
		if ak.Spec.Endpoint != e.ossURL {
			return fmt.Errorf("after kubectl apply %v of the issued AccessKey's sample, its endpoint is %q; want make dev's %s", flags, ak.Spec.Endpoint, e.ossURL)
		}
	}
	return nil
}

// TestListenFallsBackToAFreePort: a second `make dev` still gets an emulator.
func TestListenFallsBackToAFreePort(t *testing.T) {
	taken, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer taken.Close()
	l, note, err := listen(taken.Addr().String(), "the OSS emulator")
	if err != nil {
		t.Fatalf("listen(%s): %v", taken.Addr(), err)
	}
	defer l.Close()
	if l.Addr().String() == taken.Addr().String() || !strings.Contains(note, l.Addr().String()) {
		t.Errorf("listen(%s) = %s, note %q; want another port, named in the note", taken.Addr(), l.Addr(), note)
	}
}

// TestKustomizationListsEverySample keeps `kubectl apply -k config/samples` and make dev in step.
func TestKustomizationListsEverySample(t *testing.T) {
	dir := filepath.Join("..", "..", "config", "samples")
	b, err := os.ReadFile(filepath.Join(dir, "kustomization.yaml"))
	if err != nil {
		t.Fatal(err)
	}
	var k struct {
		Resources []string `json:"resources"`
	}
	if err := yaml.Unmarshal(b, &k); err != nil {
		t.Fatal(err)
	}
	files, err := filepath.Glob(filepath.Join(dir, "*.yaml"))
	if err != nil {
		t.Fatal(err)
	}
	var want []string
	for _, f := range files {
		if base := filepath.Base(f); base != "kustomization.yaml" {
			want = append(want, base)
		}
	}
	got := slices.Sorted(slices.Values(k.Resources))
	if !slices.Equal(got, want) {
		t.Errorf("kustomization.yaml lists %v; the samples are %v", got, want)
	}
}

// TestLockRefusesASecondDev: a second make dev in the same checkout stops before starting anything,
// instead of overwriting the first one's kubeconfig.
func TestLockRefusesASecondDev(t *testing.T) {
	dir := filepath.Join(t.TempDir(), "dev")
	release, err := lock(dir)
	if err != nil {
		t.Fatalf("first lock: %v", err)
	}
	if _, err := lock(dir); err == nil || !strings.Contains(err.Error(), "another make dev is running") {
		t.Errorf("second lock: %v; want it refused", err)
	}
	release()
	if _, err := os.Stat(dir); !errors.Is(err, fs.ErrNotExist) {
		t.Errorf("the directory is left behind after release (stat: %v)", err)
	}
	release, err = lock(dir)
	if err != nil {
		t.Fatalf("lock after release: %v", err)
	}
	release()
}

// scrape gets a metrics page, as Prometheus does.
func scrape(ctx context.Context, url string) (string, error) {
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, url, nil)
	if err != nil {
		return "", err
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		return "", err
	}
	defer resp.Body.Close()
	b, err := io.ReadAll(resp.Body)
	if err != nil {
		return "", err
	}
	if resp.StatusCode != http.StatusOK {
		return "", fmt.Errorf("%s: %s", resp.Status, b)
	}
	return string(b), nil
}
