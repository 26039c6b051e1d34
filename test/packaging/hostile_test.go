package packaging

import (
	"bufio"
	"fmt"
	"io"
	"maps"
	"net/http"
	"net/http/httptest"
	"os"
	"slices"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	appsv1 "k8s.io/api/apps/v1"
	corev1 "k8s.io/api/core/v1"
	eventsv1 "k8s.io/api/events/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	"k8s.io/apimachinery/pkg/api/meta"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/runtime"
	"sigs.k8s.io/controller-runtime/pkg/client"

	ossv1 "github.com/ossoperator/oss-operator/api/v1alpha1"
)

// The security review's finding: responses were read whole, up to 32 MB, and eight Buckets on an
// endpoint answering 31 MB bodies drove the manager to 677 MB, where the install limits it to 256 MiB.
// The acceptance: a 100 MB answer leaves the manager's RSS under 150 MiB and the Bucket with a clear
// condition. Memory is only seen in a real process, so the manager binary runs here, as the install's
// service account, against an endpoint that answers every bucket call with 100 MB.

const (
	// hostileSize is the size of every hostile body, made as it is sent: the test never holds one.
	hostileSize = 100 << 20
	// hostileMarker is in every hostile body, and must be in nothing the operator writes.
	hostileMarker = "HOSTILE-MARKER-"
	// maxManagerRSS is the bound on the manager's resident memory.
	maxManagerRSS = 150 << 20
	// hostileKeyID is the access key whose verification (ListBuckets) gets a hostile answer too.
	hostileKeyID = "LTAI-packaging-hostile"
)

// The hostile bodies: element after tiny element (what costs encoding/xml the most per byte), or one
// endless text (what grows its buffer by doubling).
var (
	manyElements = hostileBody{head: "<BucketInfo><Bucket><Name>" + hostileMarker, repeat: "<Rule><ID>" + hostileMarker + "</ID></Rule>"}
	endlessText  = hostileBody{head: "<BucketInfo><Bucket><Name>", repeat: hostileMarker}
	listingText  = hostileBody{head: "<ListAllMyBucketsResult><Buckets><Bucket><Name>", repeat: hostileMarker}
	errorElems   = hostileBody{head: "<Error><Code>" + hostileMarker + "</Code><Message>", repeat: "<Rule><ID>" + hostileMarker + "</ID></Rule>"}
	errorText    = hostileBody{head: "<Error><Code>" + hostileMarker + "</Code><Message>", repeat: hostileMarker}
)

// hostileBody is head, then repeat until the body is hostileSize bytes.
type hostileBody struct{ head, repeat string }

func (b hostileBody) reader() io.Reader {
	return io.LimitReader(io.MultiReader(strings.NewReader(b.head), &repeater{s: b.repeat}), hostileSize)
}

// repeater reads s over and over.
type repeater struct {
	s   string
	off int
}

func (r *repeater) Read(p []byte) (int, error) {
	n := 0
	for n < len(p) {
		c := copy(p[n:], r.s[r.off:])
		n += c
		r.off = (r.off + c) % len(r.s)
	}
	return n, nil
}

// hostileAnswer is how the endpoint answers one bucket's calls.
type hostileAnswer struct {
	status int
	body   hostileBody
	// declared: the answer has a Content-Length (100 MB); otherwise it is chunked, and only reading
	// it shows how long it is.
	declared bool
}

// hostileServer answers ListBuckets as OSS does (a valid, empty listing), except to hostileKeyID, and
// every other call with its bucket's hostileAnswer. It counts what it serves.
type hostileServer struct {
	*httptest.Server
	answers map[string]hostileAnswer // by bucket name

	mu         sync.Mutex
	calls      map[string]int // by bucket name; "" for ListBuckets with hostileKeyID
	maxWritten int64          // the most bytes of a hostile body that got written
	whole      int            // hostile bodies written to their end
}

func newHostileServer(t *testing.T, answers map[string]hostileAnswer) *hostileServer {
	s := &hostileServer{answers: answers, calls: map[string]int{}}
	s.Server = httptest.NewServer(http.HandlerFunc(s.serve))
	t.Cleanup(s.Close)
	return s
}

func (s *hostileServer) serve(w http.ResponseWriter, r *http.Request) {
	bucket, _, _ := strings.Cut(strings.TrimPrefix(r.URL.Path, "/"), "/") // path style: an IP endpoint
	answer, ok := s.answers[bucket]
	switch {
	case bucket == "" && !strings.Contains(r.Header.Get("Authorization"), hostileKeyID):
		w.Header().Set("Content-Type", "application/xml")
		_, _ = io.WriteString(w, `<ListAllMyBucketsResult><Owner><ID>1</ID><DisplayName>1</DisplayName></Owner><Buckets/></ListAllMyBucketsResult>`)
		return
	case bucket == "":
		answer = hostileAnswer{status: http.StatusOK, body: listingText}
	case !ok:
		http.NotFound(w, r)
		return
	}
	s.mu.Lock()
	s.calls[bucket]++
	s.mu.Unlock()

	w.Header().Set("Content-Type", "application/xml")
	if answer.declared {
		w.Header().Set("Content-Length", strconv.Itoa(hostileSize))
	}
	w.WriteHeader(answer.status)
	// Written until the manager hangs up: then a write fails, and the copy stops.
	n, _ := io.Copy(w, answer.body.reader())

	s.mu.Lock()
	defer s.mu.Unlock()
	s.maxWritten = max(s.maxWritten, n)
	if n == hostileSize {
		s.whole++
	}
}

// served is the hostile answers for each bucket, and for the hostile key's verification ("").
func (s *hostileServer) served() map[string]int {
	s.mu.Lock()
	defer s.mu.Unlock()
	return maps.Clone(s.calls)
}

// written is the most bytes of one hostile body that were sent, and how many were sent whole.
func (s *hostileServer) written() (most int64, whole int) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.maxWritten, s.whole
}

// TestManagerMemoryUnderHostileAnswers: eight Buckets (as in the finding) on an endpoint whose every
// bucket call gets 100 MB, as 2xx answers and as error answers, chunked or with their length declared;
// and an AccessKey whose verification gets 100 MB. Each ends with a bounded condition that says the
// answer was not read and quotes none of it, the answers are retried and resynced (every Bucket gets at
// least three), and the manager's peak resident memory stays under 150 MiB.
func TestManagerMemoryUnderHostileAnswers(t *testing.T) {
	if _, err := os.Stat("/proc/self/status"); err != nil {
		t.Skip("the manager's memory is read from /proc/<pid>/status")
	}
	start := time.Now()
	objs := kustomizeBuild(t, "config/default")
	sa := applyIdentity(t, objs)
	dep := &appsv1.Deployment{}
	into(t, one(t, objs, "Deployment"), dep)
	apps := newNamespace(t, "hostile")

	// What each Bucket is answered, and the condition it must end with. A 2xx over its limit is not
	// retried (Stalled); a 5xx is, by the client and then with backoff (Reconciling); a 404 that is not
	// an OSS error document is a refusal (Stalled). Stalled Buckets are observed again at each resync,
	// which the test shortens so that they too get several answers.
	type expect struct {
		cond, reason string
		says         string // what the message must say of the answer, besides that it was not read
	}
	tooLarge := expect{ossv1.ConditionStalled, ossv1.ReasonOSSRejected, "more than OSS sends for this operation"}
	errorRefused := expect{ossv1.ConditionStalled, ossv1.ReasonOSSRejected, "more than an OSS error document"}
	errorRetried := expect{ossv1.ConditionReconciling, ossv1.ReasonOSSUnavailable, "more than an OSS error document"}
	buckets := []struct {
		name   string
		answer hostileAnswer
		want   expect
	}{
		{"ok-elements", hostileAnswer{status: http.StatusOK, body: manyElements}, tooLarge},
		{"ok-text", hostileAnswer{status: http.StatusOK, body: endlessText}, tooLarge},
		{"ok-declared", hostileAnswer{status: http.StatusOK, body: manyElements, declared: true}, tooLarge},
		{"unavailable-elements", hostileAnswer{status: http.StatusServiceUnavailable, body: errorElems}, errorRetried},
		{"unavailable-text", hostileAnswer{status: http.StatusServiceUnavailable, body: errorText}, errorRetried},
		{"internal-declared", hostileAnswer{status: http.StatusInternalServerError, body: errorElems, declared: true}, errorRetried},
		{"notfound-elements", hostileAnswer{status: http.StatusNotFound, body: errorElems}, errorRefused},
		{"notfound-text", hostileAnswer{status: http.StatusNotFound, body: errorText}, errorRefused},
	}
	answers := map[string]hostileAnswer{}
	for _, b := range buckets {
		answers[b.name] = b.answer
	}
	srv := newHostileServer(t, answers)

	args := append(managerArgs(dep.Spec.Template.Spec.Containers[0].Args, "0", sa.GetNamespace()),
		"--watch-namespaces="+apps, "--resync-period=2s",
		"--zap-log-level=2") // every OSS call and its failure's detail is logged, and checked below
	// Registered before the manager starts, this runs once it has stopped: what the test made goes, so
	// that no later manager reconciles it against a closed server, or another on the same port.
	t.Cleanup(func() { deleteAll(t, apps) })
	pid, logs := startManager(t, impersonate(sa.GetNamespace(), sa.GetName()), args)

	// The AccessKey the Buckets use: its verification gets a valid answer, so the Buckets call OSS.
	create(t, &corev1.Secret{ObjectMeta: metav1.ObjectMeta{Namespace: apps, Name: "creds"},
		StringData: map[string]string{"accessKeyId": testKeyID, "accessKeySecret": testSecret}})
	create(t, &ossv1.AccessKey{ObjectMeta: metav1.ObjectMeta{Namespace: apps, Name: "creds"},
		Spec: ossv1.AccessKeySpec{SecretRef: ossv1.SecretReference{Name: "creds"}, Region: "cn-hangzhou", Endpoint: srv.URL}})
	eventually(t, logs, "AccessKey creds to be Ready", func() (bool, string) {
		ak := &ossv1.AccessKey{}
		if err := k8s.Get(ctx, client.ObjectKey{Namespace: apps, Name: "creds"}, ak); err != nil {
			return false, err.Error()
		}
		return meta.IsStatusConditionTrue(ak.Status.Conditions, ossv1.ConditionReady), fmt.Sprintf("conditions %+v", ak.Status.Conditions)
	})
	before := procStatus(t, pid)

	// An AccessKey whose verification gets 100 MB, and the eight Buckets.
	create(t, &corev1.Secret{ObjectMeta: metav1.ObjectMeta{Namespace: apps, Name: "hostile"},
		StringData: map[string]string{"accessKeyId": hostileKeyID, "accessKeySecret": testSecret}})
	create(t, &ossv1.AccessKey{ObjectMeta: metav1.ObjectMeta{Namespace: apps, Name: "hostile"},
		Spec: ossv1.AccessKeySpec{SecretRef: ossv1.SecretReference{Name: "hostile"}, Region: "cn-hangzhou", Endpoint: srv.URL}})
	for _, b := range buckets {
		create(t, &ossv1.Bucket{ObjectMeta: metav1.ObjectMeta{Namespace: apps, Name: b.name},
			Spec: ossv1.BucketSpec{AccessKeyRef: ossv1.AccessKeyReference{Name: "creds"}}})
	}

	// The memory, once every Bucket and the hostile verification got several answers: retries of the
	// 5xx, resyncs of the others. It is checked first, so that a regression shows its figures.
	eventually(t, logs, "every Bucket to get at least 3 hostile answers", func() (bool, string) {
		served := srv.served()
		for _, b := range append([]string{""}, slices.Sorted(maps.Keys(answers))...) {
			if served[b] < 3 {
				return false, fmt.Sprintf("%d answers for %q; all: %v", served[b], b, served)
			}
		}
		return true, ""
	})
	after := procStatus(t, pid)
	served, total := srv.served(), 0
	for _, n := range served {
		total += n
	}
	most, whole := srv.written()
	t.Logf("manager memory: VmHWM %s before the hostile answers; VmHWM %s and VmRSS %s after %d of them %v; at most %d MiB of one body was sent before the manager hung up",
		mib(before["VmHWM"]), mib(after["VmHWM"]), mib(after["VmRSS"]), total, served, most>>20)
	if after["VmHWM"] >= maxManagerRSS {
		t.Errorf("the manager's peak resident memory is %s, want under %s", mib(after["VmHWM"]), mib(maxManagerRSS))
	}
	if after["VmRSS"] >= maxManagerRSS {
		t.Errorf("the manager's resident memory is %s, want under %s", mib(after["VmRSS"]), mib(maxManagerRSS))
	}
	if whole > 0 {
		t.Errorf("%d hostile bodies of %d MiB were read to their end", whole, hostileSize>>20)
	}

	// The conditions: bounded, saying the answer was not read, quoting none of it.
	checkMessage := func(msg, says string) string {
		switch {
		case len(msg) > 1000:
			return fmt.Sprintf("a message of %d bytes", len(msg))
		case strings.Contains(msg, hostileMarker):
			return fmt.Sprintf("the message quotes the answer: %.300q", msg)
		case !strings.Contains(msg, "not read") || !strings.Contains(msg, says):
			return fmt.Sprintf("the message %q does not say that the answer, %s, was not read", msg, says)
		}
		return ""
	}
	for _, b := range buckets {
		eventually(t, logs, fmt.Sprintf("Bucket %s (HTTP %d) to be %s with reason %s", b.name, b.answer.status, b.want.cond, b.want.reason), func() (bool, string) {
			bkt := &ossv1.Bucket{}
			if err := k8s.Get(ctx, client.ObjectKey{Namespace: apps, Name: b.name}, bkt); err != nil {
				return false, err.Error()
			}
			c := meta.FindStatusCondition(bkt.Status.Conditions, b.want.cond)
			if c == nil || c.Status != metav1.ConditionTrue || c.Reason != b.want.reason {
				return false, fmt.Sprintf("conditions %+v", bkt.Status.Conditions)
			}
			if problem := checkMessage(c.Message, b.want.says); problem != "" {
				return false, problem
			}
			return true, ""
		})
	}
	hostile := &ossv1.AccessKey{}
	eventually(t, logs, "AccessKey hostile to be Stalled", func() (bool, string) {
		if err := k8s.Get(ctx, client.ObjectKey{Namespace: apps, Name: "hostile"}, hostile); err != nil {
			return false, err.Error()
		}
		c := meta.FindStatusCondition(hostile.Status.Conditions, ossv1.ConditionStalled)
		if c == nil || c.Status != metav1.ConditionTrue || c.Reason != ossv1.ReasonOSSRejected {
			return false, fmt.Sprintf("conditions %+v", hostile.Status.Conditions)
		}
		if problem := checkMessage(c.Message, "more than OSS sends for this operation"); problem != "" {
			return false, problem
		}
		return true, ""
	})
	if c := meta.FindStatusCondition(hostile.Status.Conditions, ossv1.ConditionStalled); c != nil {
		t.Logf("AccessKey hostile: Stalled, reason %s: %s", c.Reason, c.Message)
	}

	// Nothing of the answers reached an Event or the log.
	var events eventsv1.EventList
	if err := k8s.List(ctx, &events, client.InNamespace(apps)); err != nil {
		t.Fatal(err)
	}
	for _, e := range events.Items {
		if strings.Contains(e.Note, hostileMarker) || len(e.Note) > 1024 {
			t.Errorf("Event %s about %s %s: a note of %d bytes quoting the answer: %.300q", e.Reason, e.Regarding.Kind, e.Regarding.Name, len(e.Note), e.Note)
		}
	}
	if strings.Contains(logs.String(), hostileMarker) {
		i := strings.Index(logs.String(), hostileMarker)
		t.Errorf("the manager's log quotes a hostile answer: %.300q", logs.String()[max(0, i-200):])
	}
	if refused(logs) {
		t.Error("the manager was refused something (missing RBAC)")
	}
	t.Logf("%d Events checked, %d KiB of log; %v in all", len(events.Items), len(logs.String())>>10, time.Since(start).Round(time.Second))
}

// procStatus reads the memory figures (in bytes) of a process's /proc/<pid>/status.
func procStatus(t *testing.T, pid int) map[string]int64 {
	t.Helper()
	f, err := os.Open(fmt.Sprintf("/proc/%d/status", pid))
	if err != nil {
		t.Fatalf("the manager (pid %d) is gone: %v", pid, err)
	}
	defer func() { _ = f.Close() }()
	figures := map[string]int64{}
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		name, value, ok := strings.Cut(sc.Text(), ":")
		fields := strings.Fields(value)
		if !ok || !strings.HasPrefix(name, "Vm") || len(fields) != 2 || fields[1] != "kB" {
			continue
		}
		kb, err := strconv.ParseInt(fields[0], 10, 64)
		if err != nil {
			t.Fatalf("/proc/%d/status: %s: %v", pid, sc.Text(), err)
		}
		figures[name] = kb << 10
	}
	if err := sc.Err(); err != nil {
		t.Fatal(err)
	}
	if _, ok := figures["VmHWM"]; !ok {
		t.Fatalf("/proc/%d/status has no VmHWM: has the manager exited?", pid)
	}
	return figures
}

// deleteAll deletes the Buckets and AccessKeys of a namespace, with their finalizers.
func deleteAll(t *testing.T, namespace string) {
	t.Helper()
	for _, list := range []client.ObjectList{&ossv1.BucketList{}, &ossv1.AccessKeyList{}} {
		if err := k8s.List(ctx, list, client.InNamespace(namespace)); err != nil {
			t.Errorf("cleaning up: %v", err)
			continue
		}
		_ = meta.EachListItem(list, func(o runtime.Object) error {
			obj := o.(client.Object)
			if len(obj.GetFinalizers()) > 0 {
				patch := client.MergeFrom(obj.DeepCopyObject().(client.Object))
				obj.SetFinalizers(nil)
				if err := k8s.Patch(ctx, obj, patch); err != nil && !apierrors.IsNotFound(err) {
					t.Errorf("cleaning up %s: %v", obj.GetName(), err)
				}
			}
			if err := k8s.Delete(ctx, obj); err != nil && !apierrors.IsNotFound(err) {
				t.Errorf("cleaning up %s: %v", obj.GetName(), err)
			}
			return nil
		})
	}
}

func mib(n int64) string { return fmt.Sprintf("%.1f MiB", float64(n)/(1<<20)) }
