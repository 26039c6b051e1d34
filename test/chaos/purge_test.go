package chaos

import (
	"os"
	"testing"
	"time"

	apierrors "k8s.io/apimachinery/pkg/api/errors"
	"k8s.io/apimachinery/pkg/api/meta"
	logf "sigs.k8s.io/controller-runtime/pkg/log"
	"sigs.k8s.io/controller-runtime/pkg/log/zap"

	ossv1 "github.com/ossoperator/oss-operator/api/v1alpha1"
	"github.com/ossoperator/oss-operator/ossapi"
	"github.com/ossoperator/oss-operator/ossapi/osstest"
)

// TestPurgeSurvivesRestarts deletes a Bucket with deletionPolicy Purge whose bucket holds 30,000
// objects and 5,000 old versions, and restarts the operator three times while it is being emptied.
// Nothing of a purge lives in the operator's memory: each start goes on where OSS is, and the bucket
// and the resource end gone.
func TestPurgeSurvivesRestarts(t *testing.T) {
	if os.Getenv("KUBEBUILDER_ASSETS") == "" {
		t.Fatal("KUBEBUILDER_ASSETS is not set: KUBEBUILDER_ASSETS=$(hack/envtest.sh | tail -1) go test ./test/chaos/")
	}
	logf.SetLogger(zap.New(zap.UseDevMode(true), zap.WriteTo(logOutput(t))))
	h := newHarness(t, profile{name: "purge", buckets: 1, phase: time.Minute})
	h.purgeBudget = 300 * time.Millisecond
	h.createCredentials()
	h.startOperator()

	w := &wanted{ns: namespaces[0], name: "purge-restarts", policy: ossv1.DeletionPurge, versioning: "Enabled"}
	h.apply(w)
	b := &ossv1.Bucket{}
	h.eventually("the Bucket is Ready", func() bool {
		if err := h.k8s.Get(h.ctx, w.key(), b); err != nil {
			return false
		}
		return meta.IsStatusConditionTrue(b.Status.Conditions, ossv1.ConditionReady)
	}, func() string { return conditions(b) })
	must(t, h.emu.FillBucket(w.name, osstest.Fill{Objects: 30_000, OldVersions: 5_000}))
	// 35 listings of 100 ms each: a purge of some 4 s, long enough to be interrupted.
	h.emu.InjectFault(osstest.Fault{Operation: ossapi.OpListObjectVersions, Delay: 100 * time.Millisecond})
	h.delete(w)

	listings := int64(0)
	for i := range 3 {
		h.eventually("the purge makes progress", func() bool {
			if err := h.k8s.Get(h.ctx, w.key(), b); err != nil {
				return false
			}
			return b.Status.Purge != nil && b.Status.Purge.Listings > listings
		}, func() string { return conditions(b) })
		listings = b.Status.Purge.Listings
		h.restart("while purging")
		t.Logf("restart %d: %d listings done, %d objects and %d old versions deleted as far as the status says", i+1, listings, b.Status.Purge.Objects, b.Status.Purge.Versions)
	}
	h.eventually("the Bucket is gone", func() bool {
		return apierrors.IsNotFound(h.k8s.Get(h.ctx, w.key(), b))
	}, func() string { return conditions(b) })
	if _, ok := h.emu.Bucket(w.name); ok {
		t.Errorf("bucket %s is still in OSS", w.name)
	}
	if n := h.emu.SucceededOn(w.name, ossapi.OpDeleteMultipleObjects); n < 35 {
		t.Errorf("%d DeleteMultipleObjects succeeded, want at least 35 for 35,000 versions", n)
	}
}

// eventually waits for cond, for up to the profile's phase; state says where things stand.
func (h *harness) eventually(what string, cond func() bool, state func() string) {
	h.t.Helper()
	deadline := time.Now().Add(h.p.phase)
	for !cond() {
		if time.Now().After(deadline) {
			h.t.Fatalf("%s: not within %s: %s", what, h.p.phase, state())
		}
		time.Sleep(20 * time.Millisecond)
	}
}
