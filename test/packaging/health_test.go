package packaging

import (
	"bytes"
	"context"
	"fmt"
	"regexp"
	"strings"
	"testing"
	"time"

	corev1 "k8s.io/api/core/v1"
	"k8s.io/apimachinery/pkg/api/meta"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"
	"sigs.k8s.io/cli-utils/pkg/kstatus/status"
	"sigs.k8s.io/controller-runtime/pkg/client"
	"sigs.k8s.io/yaml"

	lua "github.com/yuin/gopher-lua"

	ossv1 "github.com/ossoperator/oss-operator/api/v1alpha1"
)

// What GitOps tools conclude from a Bucket's or AccessKey's status: kstatus (Flux, kubectl wait, cli-utils)
// and the Argo CD health check of docs/gitops.md. The statuses are written through the status
// subresource of real objects, with conditions shaped as setConditions in controllers/report.go writes
// them.

// kindUnderTest creates a valid object of one kind and exposes its status.
type kindUnderTest struct {
	kind       string
	create     func(ns, name string) client.Object
	status     func(client.Object) (*int64, *[]metav1.Condition)
	changeSpec func(client.Object)
	// waitReason and waitMessage: what the kind waits for that comes by itself.
	waitReason, waitMessage string
	// blockedReason and blockedMessage: why a deletion of the kind cannot finish yet.
	blockedReason, blockedMessage string
	// blockedDeletionKeepsReady: a blocked deletion leaves Ready as it was (an AccessKey), instead of
	// Ready=False with reason DeletionBlocked (a Bucket).
	blockedDeletionKeepsReady bool
}

var kinds = []kindUnderTest{
	{
		kind: "Bucket",
		create: func(ns, name string) client.Object {
			return &ossv1.Bucket{ObjectMeta: metav1.ObjectMeta{Namespace: ns, Name: name},
				Spec: ossv1.BucketSpec{AccessKeyRef: ossv1.AccessKeyReference{Name: "creds"}}}
		},
		status: func(o client.Object) (*int64, *[]metav1.Condition) {
			b := o.(*ossv1.Bucket)
			return &b.Status.ObservedGeneration, &b.Status.Conditions
		},
		// A public ACL would need publicAccessBlock: false at admission.
		changeSpec:    func(o client.Object) { o.(*ossv1.Bucket).Spec.ACL = "private" },
		waitReason:    ossv1.ReasonAccessKeyNotReady,
		waitMessage:   `AccessKey "creds" is not Ready`,
		blockedReason: ossv1.ReasonBucketNotEmpty,
		blockedMessage: "Bucket b is not empty: 3 objects are left. The operator never deletes data: empty it, " +
			"or set spec.deletionPolicy: Retain to keep it and let the resource go",
	},
	{
		kind: "AccessKey",
		create: func(ns, name string) client.Object {
			return &ossv1.AccessKey{ObjectMeta: metav1.ObjectMeta{Namespace: ns, Name: name},
				Spec: ossv1.AccessKeySpec{SecretRef: ossv1.SecretReference{Name: "creds"}, Region: "cn-hangzhou"}}
		},
		status: func(o client.Object) (*int64, *[]metav1.Condition) {
			ak := o.(*ossv1.AccessKey)
			return &ak.Status.ObservedGeneration, &ak.Status.Conditions
		},
		changeSpec:    func(o client.Object) { o.(*ossv1.AccessKey).Spec.Region = "cn-beijing" },
		waitReason:    ossv1.ReasonSecretNotFound,
		waitMessage:   `Secret "creds" named by spec.secretRef.name does not exist`,
		blockedReason: ossv1.ReasonInUse,
		blockedMessage: "Buckets b still need these credentials to delete or let go of their OSS buckets; the AccessKey " +
			"goes once they are gone (delete them, or point them at another AccessKey)",
		blockedDeletionKeepsReady: true,
	},
}

// The condition sets of setConditions in controllers/report.go, one function per state.

func ready(conds *[]metav1.Condition, gen int64) {
	set(conds, gen, ossv1.ConditionReady, metav1.ConditionTrue, ossv1.ReasonReady, "Ready")
	meta.RemoveStatusCondition(conds, ossv1.ConditionReconciling)
	meta.RemoveStatusCondition(conds, ossv1.ConditionStalled)
	meta.RemoveStatusCondition(conds, ossv1.ConditionDeletionBlocked)
}

// reconciling is the state progressing.
func reconciling(conds *[]metav1.Condition, gen int64, reason, msg string) {
	set(conds, gen, ossv1.ConditionReady, metav1.ConditionFalse, reason, msg)
	set(conds, gen, ossv1.ConditionReconciling, metav1.ConditionTrue, reason, msg)
	meta.RemoveStatusCondition(conds, ossv1.ConditionStalled)
	meta.RemoveStatusCondition(conds, ossv1.ConditionDeletionBlocked)
}

func stalled(conds *[]metav1.Condition, gen int64, reason, msg string) {
	set(conds, gen, ossv1.ConditionReady, metav1.ConditionFalse, reason, msg)
	set(conds, gen, ossv1.ConditionStalled, metav1.ConditionTrue, reason, msg)
	meta.RemoveStatusCondition(conds, ossv1.ConditionReconciling)
	meta.RemoveStatusCondition(conds, ossv1.ConditionDeletionBlocked)
}

// paused: Ready says whether OSS holds the spec (inSync); neither Reconciling nor Stalled.
func paused(conds *[]metav1.Condition, gen int64, inSync bool, msg string) {
	s := metav1.ConditionFalse
	if inSync {
		s = metav1.ConditionTrue
	}
	set(conds, gen, ossv1.ConditionReady, s, ossv1.ReasonPaused, msg)
	meta.RemoveStatusCondition(conds, ossv1.ConditionReconciling)
	meta.RemoveStatusCondition(conds, ossv1.ConditionStalled)
	meta.RemoveStatusCondition(conds, ossv1.ConditionDeletionBlocked)
}

// deletionBlocked: DeletionBlocked=True with the reason; a Bucket is also Ready=False with reason
// DeletionBlocked, neither Reconciling nor Stalled, while an AccessKey keeps its conditions as they were.
func deletionBlocked(conds *[]metav1.Condition, gen int64, reason, msg string, keepsReady bool) {
	set(conds, gen, ossv1.ConditionDeletionBlocked, metav1.ConditionTrue, reason, msg)
	if !keepsReady {
		set(conds, gen, ossv1.ConditionReady, metav1.ConditionFalse, ossv1.ReasonDeletionBlocked, msg)
		meta.RemoveStatusCondition(conds, ossv1.ConditionReconciling)
		meta.RemoveStatusCondition(conds, ossv1.ConditionStalled)
	}
}

func set(conds *[]metav1.Condition, gen int64, typ string, s metav1.ConditionStatus, reason, msg string) {
	meta.SetStatusCondition(conds, metav1.Condition{Type: typ, Status: s, Reason: reason, Message: msg, ObservedGeneration: gen})
}

// The paused messages of controllers/bucket_decide.go.
const (
	pausedNotCreated = "Paused: bucket b does not exist; it is created when the ossoperator.io/paused annotation is removed"
	pausedWaiting    = "Paused: no writes to OSS until the ossoperator.io/paused annotation is removed; meanwhile " +
		`AccessKeyNotFound: AccessKey "creds" does not exist`
	pausedInSync = "Bucket b is as declared; paused: no writes to OSS until the ossoperator.io/paused annotation is removed"
)

// holdAndDelete deletes obj behind a finalizer of the test's, which the test's cleanup removes, and
// reads it back (the deletion raises its generation).
func holdAndDelete(t *testing.T, obj client.Object) {
	t.Helper()
	obj.SetFinalizers(append(obj.GetFinalizers(), "test.ossoperator.io/hold"))
	if err := k8s.Update(ctx, obj); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		if err := k8s.Get(ctx, client.ObjectKeyFromObject(obj), obj); err == nil {
			obj.SetFinalizers(nil)
			_ = k8s.Update(ctx, obj)
		}
	})
	if err := k8s.Delete(ctx, obj); err != nil {
		t.Fatal(err)
	}
	if err := k8s.Get(ctx, client.ObjectKeyFromObject(obj), obj); err != nil {
		t.Fatal(err)
	}
	if obj.GetDeletionTimestamp().IsZero() {
		t.Fatal("no deletionTimestamp after the deletion")
	}
}

func TestGitOpsHealth(t *testing.T) {
	argo := argoHealthScripts(t)
	ns := newNamespace(t, "health")

	for _, tc := range []struct {
		name string
		// only, when set, is the one kind that has the state.
		only string
		// write brings the object, created with generation 1, into the state under test.
		write   func(t *testing.T, k kindUnderTest, obj client.Object)
		kstatus status.Status
		argo    string // "" when Argo CD decides by itself (deletion)
		// argoMessage, when set, is part of the Argo CD health message.
		argoMessage string
	}{
		{
			// Before the operator writes anything, the CRD's default status says observedGeneration 0:
			// kstatus waits for the operator, as the Argo CD check does.
			name:    "just created, no status yet",
			write:   func(*testing.T, kindUnderTest, client.Object) {},
			kstatus: status.InProgressStatus, argo: "Progressing",
		},
		{
			name: "reconciling",
			write: func(t *testing.T, k kindUnderTest, obj client.Object) {
				writeStatus(t, k, obj, func(c *[]metav1.Condition, gen int64) {
					reconciling(c, gen, ossv1.ReasonCreating, "Creating bucket b in cn-hangzhou")
				})
			},
			kstatus: status.InProgressStatus, argo: "Progressing",
		},
		{
			// A Bucket waits for its AccessKey, an AccessKey for its Secret.
			name: "waiting for a dependency",
			write: func(t *testing.T, k kindUnderTest, obj client.Object) {
				writeStatus(t, k, obj, func(c *[]metav1.Condition, gen int64) {
					reconciling(c, gen, k.waitReason, k.waitMessage)
				})
			},
			kstatus: status.InProgressStatus, argo: "Progressing",
		},
		{
			// Paused is its own state, neither Reconciling nor Stalled. kstatus then falls back on the
			// Ready condition: with writes held back (Ready=False) it is InProgress, so Flux waits on it.
			name: "paused",
			only: "Bucket",
			write: func(t *testing.T, k kindUnderTest, obj client.Object) {
				writeStatus(t, k, obj, func(c *[]metav1.Condition, gen int64) { paused(c, gen, false, pausedNotCreated) })
			},
			kstatus: status.InProgressStatus, argo: "Suspended", argoMessage: pausedNotCreated,
		},
		{
			// Paused while waiting for something: still Paused, and the message says what it waits for.
			name: "waiting for a dependency, then paused",
			only: "Bucket",
			write: func(t *testing.T, k kindUnderTest, obj client.Object) {
				writeStatus(t, k, obj, func(c *[]metav1.Condition, gen int64) {
					reconciling(c, gen, ossv1.ReasonAccessKeyNotFound, `AccessKey "creds" does not exist`)
				})
				writeStatus(t, k, obj, func(c *[]metav1.Condition, gen int64) { paused(c, gen, false, pausedWaiting) })
			},
			kstatus: status.InProgressStatus, argo: "Suspended", argoMessage: pausedWaiting,
		},
		{
			// OSS already holds the spec: Ready=True, so kstatus calls it Current.
			name: "paused and in sync",
			only: "Bucket",
			write: func(t *testing.T, k kindUnderTest, obj client.Object) {
				writeStatus(t, k, obj, func(c *[]metav1.Condition, gen int64) { ready(c, gen) })
				writeStatus(t, k, obj, func(c *[]metav1.Condition, gen int64) { paused(c, gen, true, pausedInSync) })
			},
			kstatus: status.CurrentStatus, argo: "Suspended", argoMessage: pausedInSync,
		},
		{
			name: "ready",
			write: func(t *testing.T, k kindUnderTest, obj client.Object) {
				writeStatus(t, k, obj, func(c *[]metav1.Condition, gen int64) { ready(c, gen) })
			},
			kstatus: status.CurrentStatus, argo: "Healthy",
		},
		{
			name: "ready, then a spec change not yet observed",
			write: func(t *testing.T, k kindUnderTest, obj client.Object) {
				writeStatus(t, k, obj, func(c *[]metav1.Condition, gen int64) { ready(c, gen) })
				k.changeSpec(obj)
				if err := k8s.Update(ctx, obj); err != nil {
					t.Fatal(err)
				}
				if obj.GetGeneration() != 2 {
					t.Fatalf("generation %d after a spec change, want 2", obj.GetGeneration())
				}
			},
			kstatus: status.InProgressStatus, argo: "Progressing",
		},
		{
			name: "stalled",
			write: func(t *testing.T, k kindUnderTest, obj client.Object) {
				writeStatus(t, k, obj, func(c *[]metav1.Condition, gen int64) {
					stalled(c, gen, ossv1.ReasonAdoptionRequired, "a bucket with this name already exists and no resource manages it")
				})
			},
			kstatus: status.FailedStatus, argo: "Degraded", argoMessage: ossv1.ReasonAdoptionRequired,
		},
		{
			name: "stalled, then ready again",
			write: func(t *testing.T, k kindUnderTest, obj client.Object) {
				writeStatus(t, k, obj, func(c *[]metav1.Condition, gen int64) {
					stalled(c, gen, ossv1.ReasonSecretKeyMissing, `Secret "creds" has no accessKeySecret (or OSS_ACCESS_KEY_SECRET)`)
				})
				writeStatus(t, k, obj, func(c *[]metav1.Condition, gen int64) { ready(c, gen) })
			},
			kstatus: status.CurrentStatus, argo: "Healthy",
		},
		{
			name: "being deleted, held by the finalizer",
			write: func(t *testing.T, k kindUnderTest, obj client.Object) {
				writeStatus(t, k, obj, func(c *[]metav1.Condition, gen int64) { ready(c, gen) })
				holdAndDelete(t, obj)
			},
			kstatus: status.TerminatingStatus,
		},
		{
			// A deletion that cannot finish (a Bucket not empty, an AccessKey that Buckets still name),
			// reported at the generation the deletion made.
			name: "being deleted, deletion blocked",
			write: func(t *testing.T, k kindUnderTest, obj client.Object) {
				writeStatus(t, k, obj, func(c *[]metav1.Condition, gen int64) { ready(c, gen) })
				holdAndDelete(t, obj)
				writeStatus(t, k, obj, func(c *[]metav1.Condition, gen int64) {
					deletionBlocked(c, gen, k.blockedReason, k.blockedMessage, k.blockedDeletionKeepsReady)
				})
			},
			kstatus: status.TerminatingStatus,
		},
	} {
		for i, k := range kinds {
			if tc.only != "" && tc.only != k.kind {
				continue
			}
			t.Run(k.kind+"/"+tc.name, func(t *testing.T) {
				obj := k.create(ns, fmt.Sprintf("%s-%d", sanitize(tc.name), i))
				if err := k8s.Create(ctx, obj); err != nil {
					t.Fatal(err)
				}
				tc.write(t, k, obj)
				u := getUnstructured(t, k.kind, obj)

				res, err := status.Compute(u)
				if err != nil {
					t.Fatal(err)
				}
				if res.Status != tc.kstatus {
					t.Errorf("kstatus %s (%s), want %s", res.Status, res.Message, tc.kstatus)
				}
				if tc.argo == "" {
					return
				}
				script, ok := argo[k.kind]
				if !ok {
					t.Fatalf("docs/gitops.md has no Argo CD health check for %s", k.kind)
				}
				got, msg := runArgoHealth(t, script, u)
				if got != tc.argo {
					t.Errorf("Argo CD health %s (%s), want %s", got, msg, tc.argo)
				}
				if msg == "" {
					t.Error("Argo CD health without a message")
				}
				if !strings.Contains(msg, tc.argoMessage) {
					t.Errorf("Argo CD health message %q, want it to contain %q", msg, tc.argoMessage)
				}
			})
		}
	}
}

// writeStatus sets the status as the operator does after observing the current generation.
func writeStatus(t *testing.T, k kindUnderTest, obj client.Object, conds func(*[]metav1.Condition, int64)) {
	t.Helper()
	observed, c := k.status(obj)
	*observed = obj.GetGeneration()
	conds(c, obj.GetGeneration())
	if err := k8s.Status().Update(ctx, obj); err != nil {
		t.Fatalf("writing status: %v", err)
	}
}

func getUnstructured(t *testing.T, kind string, obj client.Object) *unstructured.Unstructured {
	t.Helper()
	u := &unstructured.Unstructured{}
	u.SetGroupVersionKind(ossv1.GroupVersion.WithKind(kind))
	if err := k8s.Get(ctx, client.ObjectKeyFromObject(obj), u); err != nil {
		t.Fatal(err)
	}
	return u
}

var nonName = regexp.MustCompile(`[^a-z0-9]+`)

func sanitize(s string) string { return nonName.ReplaceAllString(s, "-") }

// argoHealthScripts reads the argocd-cm ConfigMap of docs/gitops.md and returns its health checks by kind.
func argoHealthScripts(t *testing.T) map[string]string {
	t.Helper()
	doc := readFile(t, "docs/gitops.md")
	marker := []byte("<!-- The test in test/packaging runs the script of this block")
	i := bytes.Index(doc, marker)
	if i < 0 {
		t.Fatal("docs/gitops.md: the marked argocd-cm block is missing")
	}
	block := regexp.MustCompile("(?s)```yaml\n(.*?)```").FindSubmatch(doc[i:])
	if block == nil {
		t.Fatal("docs/gitops.md: no yaml block after the marker")
	}
	var cm corev1.ConfigMap
	if err := yaml.UnmarshalStrict(block[1], &cm); err != nil {
		t.Fatalf("docs/gitops.md: the argocd-cm block: %v", err)
	}
	scripts := map[string]string{}
	for _, k := range kinds {
		key := "resource.customizations.health." + ossv1.GroupVersion.Group + "_" + k.kind
		if s, ok := cm.Data[key]; ok {
			scripts[k.kind] = s
		}
	}
	return scripts
}

// runArgoHealth runs a health check the way Argo CD does: the object as the global obj, the libraries
// Argo CD opens, and the returned table's status and message.
func runArgoHealth(t *testing.T, script string, u *unstructured.Unstructured) (string, string) {
	t.Helper()
	L := lua.NewState(lua.Options{SkipOpenLibs: true})
	defer L.Close()
	for _, lib := range []struct {
		name string
		open lua.LGFunction
	}{{lua.BaseLibName, lua.OpenBase}, {lua.TabLibName, lua.OpenTable}, {lua.StringLibName, lua.OpenString}, {lua.MathLibName, lua.OpenMath}} {
		L.Push(L.NewFunction(lib.open))
		L.Push(lua.LString(lib.name))
		L.Call(1, 0)
	}
	L.SetGlobal("obj", toLua(L, u.Object))
	c, cancel := context.WithTimeout(ctx, 5*time.Second)
	defer cancel()
	L.SetContext(c)
	if err := L.DoString(script); err != nil {
		t.Fatalf("the health check fails: %v", err)
	}
	ret, ok := L.Get(-1).(*lua.LTable)
	if !ok {
		t.Fatalf("the health check returns %s, not a table", L.Get(-1).Type())
	}
	return ret.RawGetString("status").String(), lua.LVAsString(ret.RawGetString("message"))
}

func toLua(L *lua.LState, v any) lua.LValue {
	switch v := v.(type) {
	case nil:
		return lua.LNil
	case string:
		return lua.LString(v)
	case bool:
		return lua.LBool(v)
	case int64:
		return lua.LNumber(v)
	case float64:
		return lua.LNumber(v)
	case map[string]any:
		tbl := L.NewTable()
		for k, e := range v {
			tbl.RawSetString(k, toLua(L, e))
		}
		return tbl
	case []any:
		tbl := L.NewTable()
		for i, e := range v {
			tbl.RawSetInt(i+1, toLua(L, e))
		}
		return tbl
	}
	panic(fmt.Sprintf("unexpected %T in an object", v))
}
