// Package controlplane completes an envtest control plane with Kubernetes' own kube-controller-manager,
// running only the namespace controller and the garbage collector, so that tests see what a real cluster
// does: a deleted Namespace is emptied and goes away, and objects whose owner is deleted are collected,
// in the background or in the foreground. Without it, envtest's API server leaves deleted Namespaces
// Terminating forever and never deletes dependents.
//
// Deleting a Namespace takes at least 5 s: the namespace controller waits that long, a fixed grace period,
// before it empties one. Dependents are collected within a fraction of a second.
//
// It is for tests only: the controller manager runs with an admin identity, no leader election and no
// serving port. The binary is built beside kube-apiserver by hack/envtest.sh (`make envtest`).
package controlplane

import (
	"context"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"sync"
	"syscall"
	"time"

	corev1 "k8s.io/api/core/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/util/wait"
	"sigs.k8s.io/controller-runtime/pkg/client"
	"sigs.k8s.io/controller-runtime/pkg/envtest"
)

const (
	binary = "kube-controller-manager"
	// readyTimeout bounds the start-up, which takes about 5 s: mostly the namespace controller's grace
	// period (see waitReady).
	readyTimeout = 60 * time.Second
	// stopTimeout is how long Stop waits after SIGTERM before it kills the process; the controller
	// manager itself gives its controllers 10 s (--controller-shutdown-timeout) to finish.
	stopTimeout = 15 * time.Second
	// logLimit is how much of the controller manager's output is kept for error messages: the end of it.
	logLimit = 64 << 10
)

// ControllerManager is a running kube-controller-manager attached to an envtest API server.
type ControllerManager struct {
	cmd    *exec.Cmd
	dir    string        // temporary files: the kubeconfig
	exited chan struct{} // closed when the process has exited; err is then set
	err    error
	log    *tailBuffer
	once   sync.Once
}

// StartControllerManager starts kube-controller-manager against env's API server, with the namespace
// controller and the garbage collector, and returns once both have demonstrably done their work on probe
// objects (see waitReady), within 60 s. Call it after env.Start, and Stop before env.Stop.
//
// The binary comes from the same place as envtest's kube-apiserver: $KUBEBUILDER_ASSETS, else
// env.BinaryAssetsDirectory, unless $TEST_ASSET_KUBE_CONTROLLER_MANAGER names it.
func StartControllerManager(env *envtest.Environment) (*ControllerManager, error) {
	if env.Config == nil || env.ControlPlane.APIServer == nil {
		return nil, errors.New("kube-controller-manager: start the envtest Environment (with its own control plane) first")
	}
	path, err := binaryPath(env)
	if err != nil {
		return nil, err
	}
	dir, err := os.MkdirTemp("", "kube-controller-manager-")
	if err != nil {
		return nil, err
	}
	kubeconfig, err := writeKubeconfig(env, dir)
	if err != nil {
		_ = os.RemoveAll(dir)
		return nil, err
	}

	m := &ControllerManager{dir: dir, exited: make(chan struct{}), log: &tailBuffer{limit: logLimit}}
	m.cmd = exec.Command(path,
		"--kubeconfig="+kubeconfig,
		// Canonical names (the aliases are "namespace" and "garbagecollector"). The service-account
		// token controller, which ignores this list, stays off because no
		// --service-account-private-key-file is given: neither controller needs one, as every controller
		// uses the kubeconfig's admin identity (--use-service-account-credentials is false).
		"--controllers=namespace-controller,garbage-collector-controller",
		"--leader-elect=false",
		// No HTTPS server: nothing to bind, no self-signed certificate to write, and no delegated
		// authentication calls to the API server.
		"--secure-port=0",
		// The default client rate limit (20 requests per second) makes the garbage collector take 14 s
		// for 300 dependents of one owner; with this, under a second.
		"--kube-api-qps=1000", "--kube-api-burst=2000",
	)
	m.cmd.Stdout, m.cmd.Stderr = m.log, m.log
	if err := m.cmd.Start(); err != nil {
		_ = os.RemoveAll(dir)
		return nil, fmt.Errorf("starting %s: %w", path, err)
	}
	go func() {
		m.err = m.cmd.Wait()
		close(m.exited)
	}()

	if err := m.waitReady(env); err != nil {
		if stopErr := m.Stop(); stopErr != nil { // it exited on its own: that is the cause
			return nil, fmt.Errorf("kube-controller-manager did not become ready: %w", stopErr)
		}
		return nil, fmt.Errorf("kube-controller-manager did not become ready: %w%s", err, m.output())
	}
	return m, nil
}

// Stop stops the controller manager (SIGTERM, then SIGKILL after 15 s) and removes its temporary files.
// It reports an error if the process had already exited on its own, with the end of its output.
func (m *ControllerManager) Stop() error {
	var err error
	m.once.Do(func() {
		defer os.RemoveAll(m.dir)
		select {
		case <-m.exited:
			err = fmt.Errorf("kube-controller-manager exited: %v%s", m.err, m.output())
			return
		default:
		}
		_ = m.cmd.Process.Signal(syscall.SIGTERM)
		select {
		case <-m.exited:
		case <-time.After(stopTimeout):
			_ = m.cmd.Process.Kill()
			<-m.exited
		}
	})
	return err
}

// binaryPath resolves kube-controller-manager the way envtest resolves kube-apiserver, so that both come
// from the same build.
func binaryPath(env *envtest.Environment) (string, error) {
	path := os.Getenv("TEST_ASSET_KUBE_CONTROLLER_MANAGER")
	if path == "" {
		dir := os.Getenv("KUBEBUILDER_ASSETS")
		if dir == "" {
			dir = env.BinaryAssetsDirectory
		}
		if dir == "" {
			return "", errors.New("kube-controller-manager: neither KUBEBUILDER_ASSETS nor the Environment's BinaryAssetsDirectory is set; " +
				"run the tests with `make test`, or set KUBEBUILDER_ASSETS=$(hack/envtest.sh | tail -n1)")
		}
		path = filepath.Join(dir, binary)
	}
	if info, err := os.Stat(path); err != nil || info.IsDir() || info.Mode()&0o111 == 0 {
		return "", fmt.Errorf("kube-controller-manager: no executable %s; build it with `make envtest` (hack/envtest.sh)", path)
	}
	return path, nil
}

// writeKubeconfig provisions an admin user (system:masters) on the API server for the controller manager
// and writes its kubeconfig into dir.
func writeKubeconfig(env *envtest.Environment, dir string) (string, error) {
	user, err := env.AddUser(envtest.User{Name: "system:kube-controller-manager", Groups: []string{"system:masters"}}, nil)
	if err != nil {
		return "", fmt.Errorf("kube-controller-manager: provisioning its user: %w", err)
	}
	data, err := user.KubeConfig()
	if err != nil {
		return "", fmt.Errorf("kube-controller-manager: writing its kubeconfig: %w", err)
	}
	path := filepath.Join(dir, "kubeconfig")
	return path, os.WriteFile(path, data, 0o600)
}

// waitReady proves that both controllers work, with probe objects that nothing else would delete: the
// Namespace would stay Terminating without the namespace controller, and the dependent would stay without
// the garbage collector.
//
//  1. Create a probe Namespace holding a ConfigMap, and delete it. The namespace controller waits a fixed
//     5 s after it sees a deletion before it empties a Namespace, so this starts first to overlap with 2.
//  2. Create two ConfigMaps in "default", the second owned by the first, delete the owner, and wait until
//     the dependent is gone. The garbage collector does this once its informers have synced, which is the
//     bulk of its start-up; without this step a test's first dependent would wait for it.
//  3. Wait until the probe Namespace is gone.
//
// Nothing of the probe remains afterwards.
func (m *ControllerManager) waitReady(env *envtest.Environment) error {
	ctx, cancel := context.WithTimeout(context.Background(), readyTimeout)
	defer cancel()
	go func() { // fail fast if the process exits
		select {
		case <-m.exited:
			cancel()
		case <-ctx.Done():
		}
	}()
	c, err := client.New(env.Config, client.Options{})
	if err != nil {
		return err
	}

	ns := &corev1.Namespace{ObjectMeta: metav1.ObjectMeta{GenerateName: "kube-controller-manager-probe-"}}
	if err := c.Create(ctx, ns); err != nil {
		return fmt.Errorf("creating the probe Namespace: %w", err)
	}
	content := &corev1.ConfigMap{ObjectMeta: metav1.ObjectMeta{Namespace: ns.Name, Name: "content"}}
	if err := c.Create(ctx, content); err != nil {
		return fmt.Errorf("creating a ConfigMap in the probe Namespace: %w", err)
	}
	if err := c.Delete(ctx, ns); err != nil {
		return fmt.Errorf("deleting the probe Namespace: %w", err)
	}

	owner := &corev1.ConfigMap{ObjectMeta: metav1.ObjectMeta{
		Namespace: metav1.NamespaceDefault, GenerateName: "kube-controller-manager-probe-owner-"}}
	if err := c.Create(ctx, owner); err != nil {
		return fmt.Errorf("creating the probe owner: %w", err)
	}
	dependent := &corev1.ConfigMap{ObjectMeta: metav1.ObjectMeta{
		Namespace: metav1.NamespaceDefault, GenerateName: "kube-controller-manager-probe-dependent-",
		OwnerReferences: []metav1.OwnerReference{{APIVersion: "v1", Kind: "ConfigMap", Name: owner.Name, UID: owner.UID}}}}
	if err := c.Create(ctx, dependent); err != nil {
		return fmt.Errorf("creating the probe dependent: %w", err)
	}
	if err := c.Delete(ctx, owner); err != nil {
		return fmt.Errorf("deleting the probe owner: %w", err)
	}
	if err := waitGone(ctx, c, dependent); err != nil {
		return fmt.Errorf("garbage collector: the probe dependent %s/%s was not deleted with its owner: %w", dependent.Namespace, dependent.Name, err)
	}

	if err := waitGone(ctx, c, ns); err != nil {
		return fmt.Errorf("namespace controller: the probe Namespace %s was not deleted: %w", ns.Name, err)
	}
	return nil
}

// waitGone polls until obj is not found.
func waitGone(ctx context.Context, c client.Client, obj client.Object) error {
	return wait.PollUntilContextCancel(ctx, 100*time.Millisecond, true, func(ctx context.Context) (bool, error) {
		return apierrors.IsNotFound(c.Get(ctx, client.ObjectKeyFromObject(obj), obj)), nil
	})
}

// output formats the end of the controller manager's output for an error message.
func (m *ControllerManager) output() string {
	return "\n--- kube-controller-manager output (end) ---\n" + m.log.String()
}

// tailBuffer keeps the last limit bytes written to it.
type tailBuffer struct {
	mu    sync.Mutex
	limit int
	buf   []byte
}

func (b *tailBuffer) Write(p []byte) (int, error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	b.buf = append(b.buf, p...)
	if over := len(b.buf) - b.limit; over > 0 {
		b.buf = append(b.buf[:0], b.buf[over:]...)
	}
	return len(p), nil
}

func (b *tailBuffer) String() string {
	b.mu.Lock()
	defer b.mu.Unlock()
	return string(b.buf)
}
