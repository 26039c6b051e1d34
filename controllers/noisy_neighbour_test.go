package controllers_test

import (
	"net/http"
	"net/http/httptest"
	"net/http/httputil"
	"net/url"
	"sync/atomic"
	"time"

	. "github.com/onsi/ginkgo/v2"
	. "github.com/onsi/gomega"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"sigs.k8s.io/controller-runtime/pkg/client"

	ossv1 "github.com/ossoperator/oss-operator/api/v1alpha1"
)

// blackHole forwards to the emulator until it goes silent: then it answers nothing, holding every
// request until its client gives up, or until it is revived (the request is then forwarded).
type blackHole struct {
	*httptest.Server
	silent   atomic.Bool
	revived  chan struct{}
	requests atomic.Int64 // received while silent
}

func newBlackHole() *blackHole {
	GinkgoHelper()
	target, err := url.Parse(emu.URL)
	Expect(err).NotTo(HaveOccurred())
	proxy := httputil.NewSingleHostReverseProxy(target)
	h := &blackHole{revived: make(chan struct{})}
	h.Server = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if h.silent.Load() {
			h.requests.Add(1)
			select {
			case <-r.Context().Done():
				return
			case <-h.revived:
			}
		}
		proxy.ServeHTTP(w, r)
	}))
	DeferCleanup(h.Close)
	return h
}

func (h *blackHole) revive() {
	h.silent.Store(false)
	close(h.revived)
}

var _ = Describe("An endpoint that stops answering", func() {
	It("holds none of the workers other AccessKeys' Buckets need, and its Buckets resume when it answers", func() {
		By("an AccessKey verified through an endpoint that then goes silent, with eight Buckets")
		quiet := newNamespace()
		hole := newBlackHole()
		createSecret(quiet, "creds", map[string]string{"accessKeyId": keyA1, "accessKeySecret": secretA1})
		ak := createAccessKey(quiet, "creds", "creds", func(ak *ossv1.AccessKey) { ak.Spec.Endpoint = hole.URL })
		expectCondition(ak, ossv1.ConditionReady, metav1.ConditionTrue, ossv1.ReasonReady)
		hole.silent.Store(true)
		var stuck []*ossv1.Bucket
		for range 8 {
			stuck = append(stuck, createBucket(quiet, unique("silent")))
		}
		for _, b := range stuck {
			expectCondition(b, ossv1.ConditionReady, metav1.ConditionFalse, ossv1.ReasonEndpointUnreachable)
		}
		Expect(conditionOf(stuck[7], ossv1.ConditionReady).Message).To(ContainSubstring("carries on as soon as it does"))

		By("a Bucket of another AccessKey is Ready as fast as ever")
		other := newNamespace()
		readyAccessKey(other)
		sent := hole.requests.Load()
		start := time.Now()
		healthy := createBucket(other, unique("healthy"))
		Eventually(func() bool { return isReadyAt(healthy) }).WithTimeout(3*time.Second).Should(BeTrue(),
			"a healthy Bucket waited for the silent endpoint's timeouts")
		GinkgoWriter.Printf("healthy Bucket Ready in %v beside 8 Buckets on a silent endpoint\n", time.Since(start))
		// Meanwhile the silent endpoint got the operator's probes at most, not the Buckets' calls.
		Expect(hole.requests.Load() - sent).To(BeNumerically("<=", 2))

		By("once it answers, its Buckets are Ready without anything changed")
		hole.revive()
		for _, b := range stuck {
			Eventually(func() bool { return isReadyAt(b) }).WithTimeout(30 * time.Second).Should(BeTrue())
		}
	})
})

// isReadyAt says whether the Bucket is Ready at its generation.
func isReadyAt(b *ossv1.Bucket) bool {
	got := &ossv1.Bucket{}
	if err := k8s.Get(ctx, client.ObjectKeyFromObject(b), got); err != nil {
		return false
	}
	c := conditionOf(got, ossv1.ConditionReady)
	return c != nil && c.Status == metav1.ConditionTrue && got.Status.ObservedGeneration == got.Generation
}
