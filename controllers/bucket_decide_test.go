package controllers

import (
	"errors"
	"maps"
	"slices"
	"strings"
	"testing"
	"time"

	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/types"
	"k8s.io/utils/ptr"

	ossv1 "github.com/ossoperator/oss-operator/api/v1alpha1"
	"github.com/ossoperator/oss-operator/ossapi"
)

// The Bucket controller's decisions, without an API server or OSS: every condition reason, Event and
// requeue it chooses, from a spec, the status before and what was observed.

const (
	testBucket = "team-logs"
	// testLegacyOwner is this Bucket's ownership tag as earlier versions wrote it.
	testLegacyOwner = "c1/team-a/team-logs"
)

// testUID is the Bucket's UID, testOwner its ownership tag.
const testUID = types.UID("b0c4e7e4-0000-4000-8000-00000000000b")

var testOwner = ownerTag("c1", "a1e0f7e4-0000-4000-8000-00000000000a", testUID)

func ossErr(status int, code string) error {
	return &ossapi.Error{Operation: "Op", Bucket: testBucket, StatusCode: status, Code: code, Message: "message of " + code}
}

var (
	errNoSuchBucket = ossErr(404, ossapi.CodeNoSuchBucket)
	errDenied       = ossErr(403, ossapi.CodeAccessDenied)
	errThrottled    = ossErr(503, "TotalQpsLimitExceeded")
	errUnknown400   = ossErr(400, "SomethingNewInOSS")
	errGarbled      = &ossapi.DecodeError{Op: "GetBucketInfo", StatusCode: 200, Err: errors.New("not the answer asked for")}
)

// bucket is a Bucket of generation 2 named testBucket, changed by mutate.
func bucket(mutate ...func(*ossv1.Bucket)) *ossv1.Bucket {
	b := &ossv1.Bucket{ObjectMeta: metav1.ObjectMeta{Namespace: "team-a", Name: testBucket, Generation: 2, UID: testUID}}
	b.Spec.AccessKeyRef.Name = "creds"
	b.Spec.DeletionPolicy = ossv1.DeletionRetain
	for _, m := range mutate {
		m(b)
	}
	return b
}

// managed is the status of a bucket this resource has had Ready at generation 2.
func managed(b *ossv1.Bucket) {
	t := metav1.NewTime(time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC))
	b.Status = ossv1.BucketStatus{ObservedGeneration: 2, BucketName: testBucket, CreationTime: &t}
}

func creating(b *ossv1.Bucket) { b.Status.CreatedBucket = testBucket }
func adopt(b *ossv1.Bucket)    { b.Spec.Adopt = true }
func pause(b *ossv1.Bucket) {
	b.Annotations = map[string]string{ossv1.AnnotationPaused: "true"}
}
func deleteIt(b *ossv1.Bucket) { b.Spec.DeletionPolicy = ossv1.DeletionDelete }

// now is the tests' clock.
var now = time.Date(2026, 11, 30, 12, 0, 0, 0, time.UTC)

// deletedAgo marks the Bucket as deleted d before now.
func deletedAgo(d time.Duration) func(*ossv1.Bucket) {
	return func(b *ossv1.Bucket) {
		t := metav1.NewTime(now.Add(-d))
		b.DeletionTimestamp = &t
	}
}

// existing is an observation of a bucket of this account in cn-hangzhou, tagged with tags. Its
// ownership tag is related to the Bucket as observe does without a lookup: any tag but this Bucket's
// (in either form) is a live resource's; gone and neighbour say otherwise.
func existing(tags map[string]string) *bucketObservation {
	b := bucket()
	rel, _ := relateOwn("c1", b, tags[ossv1.OwnershipTagKey])
	return &bucketObservation{
		creds: credentials{accessKey: "creds", conn: &Conn{}},
		info:  &ossapi.BucketInfo{Name: testBucket, Location: "oss-cn-hangzhou", StorageClass: ossapi.StorageStandard, DataRedundancyType: ossapi.RedundancyLRS},
		tags:  tags, settings: map[string]settingValue{},
		owner: ownership{tag: testOwner, relation: rel},
	}
}

func ours() map[string]string { return map[string]string{ossv1.OwnershipTagKey: testOwner} }

// legacyOurs is this Bucket's tag as earlier versions wrote it.
func legacyOurs() map[string]string { return map[string]string{ossv1.OwnershipTagKey: testLegacyOwner} }

// another is the tag of another resource.
func another() map[string]string {
	return map[string]string{ossv1.OwnershipTagKey: ownerTag("c1", "a1e0f7e4-0000-4000-8000-00000000000c", "b0c4e7e4-0000-4000-8000-00000000000d")}
}

// claimed records the claim on the bucket name made while observing.
func claimed(c *claim, o *bucketObservation) *bucketObservation { o.claim = c; return o }

// gone makes the observed tag one left behind by a resource that no longer manages the bucket.
func gone(o *bucketObservation) *bucketObservation { o.owner.relation = taggedGone; return o }

// neighbour makes the observed tag that of a Bucket of this namespace.
func neighbour(name string, o *bucketObservation) *bucketObservation {
	o.owner.neighbour = name
	return o
}

func TestDecideBucket(t *testing.T) {
	tests := []struct {
		name   string
		bucket *ossv1.Bucket
		obs    *bucketObservation
		// want: the verdict's state and reason, or "" with create/claim for a plan that writes.
		state          state
		reason         string
		wait           wait
		create, claim  bool
		claimEvent     string
		messageHas     []string
		identityInStat bool
	}{
		{name: "no AccessKey: waits for it, watched", bucket: bucket(), obs: &bucketObservation{creds: credentials{accessKey: "creds", missing: true}},
			state: progressing, reason: ossv1.ReasonAccessKeyNotFound, wait: untilChange, messageHas: []string{`"creds"`, "spec.accessKeyRef"}},
		{name: "an AccessKey of another namespace that does not grant this one: nothing is sent", bucket: bucket(), obs: &bucketObservation{creds: credentials{accessKey: "platform/oss-admin", notGranted: "team-a"}},
			state: stalled, reason: ossv1.ReasonAccessKeyNotGranted, wait: untilResync, messageHas: []string{`"platform/oss-admin" does not grant namespace "team-a"`, "spec.allowedNamespaces", "Nothing was sent"}},
		{name: "AccessKey not Ready: says why, watched", bucket: bucket(), obs: &bucketObservation{creds: credentials{accessKey: "creds", notReady: "SecretNotFound: no Secret"}},
			state: progressing, reason: ossv1.ReasonAccessKeyNotReady, wait: untilChange, messageHas: []string{"SecretNotFound: no Secret"}},
		{name: "AccessKey unreadable: backoff", bucket: bucket(), obs: &bucketObservation{creds: credentials{accessKey: "creds", err: errors.New("etcd timeout")}},
			state: progressing, reason: ossv1.ReasonReconciling, wait: backoff},
		{name: "AccessKey unusable: waits for it to change, and polls (an AccessKey being deleted is not verified again)", bucket: bucket(),
			obs:   &bucketObservation{creds: credentials{accessKey: "creds", unusable: &CredentialsError{Reason: ossv1.ReasonSecretNotFound, Message: "Secret gone"}}},
			state: progressing, reason: ossv1.ReasonAccessKeyNotReady, wait: poll, messageHas: []string{"Secret gone"}},
		{name: "AccessKey not Ready and its Secret unreadable: the failure counts, retried", bucket: bucket(),
			obs:   &bucketObservation{creds: credentials{accessKey: "creds", notReady: "SecretNotFound", unusable: errors.New("apiserver timeout")}},
			state: progressing, reason: ossv1.ReasonAccessKeyNotReady, wait: backoff},
		{name: "no such bucket: create", bucket: bucket(), obs: &bucketObservation{creds: credentials{conn: &Conn{}}, infoErr: errNoSuchBucket}, create: true},
		{name: "no such bucket, the claim held: create", bucket: bucket(), obs: claimed(&claim{held: true}, &bucketObservation{creds: credentials{conn: &Conn{}}, infoErr: errNoSuchBucket}), create: true},
		{name: "no such bucket, claimed by a Bucket of another namespace: not named, nothing sent", bucket: bucket(),
			obs:   claimed(&claim{}, &bucketObservation{creds: credentials{conn: &Conn{}}, infoErr: errNoSuchBucket}),
			state: stalled, reason: ossv1.ReasonBucketNameClaimed, messageHas: []string{"another Bucket of this cluster", "Nothing was sent to OSS"}},
		{name: "no such bucket, claimed by a Bucket of this namespace: named", bucket: bucket(),
			obs:   claimed(&claim{holder: "team-a/first"}, &bucketObservation{creds: credentials{conn: &Conn{}}, infoErr: errNoSuchBucket}),
			state: stalled, reason: ossv1.ReasonBucketNameClaimed, messageHas: []string{`Bucket "first" of this namespace`}},
		{name: "no such bucket, the claim failed: retried", bucket: bucket(), obs: func() *bucketObservation {
			o := &bucketObservation{creds: credentials{conn: &Conn{}}, infoErr: errNoSuchBucket}
			o.claimErr = errors.New("apiserver timeout")
			return o
		}(), state: progressing, reason: ossv1.ReasonReconciling, wait: backoff},
		{name: "created by another Bucket a moment ago, not tagged yet: claimed", bucket: bucket(), obs: claimed(&claim{}, existing(nil)),
			state: stalled, reason: ossv1.ReasonBucketNameClaimed},
		{name: "the same, with adopt", bucket: bucket(adopt), obs: claimed(&claim{}, existing(nil)), state: stalled, reason: ossv1.ReasonBucketNameClaimed},
		{name: "untagged, adopt, the claim held: taken over", bucket: bucket(adopt), obs: claimed(&claim{held: true}, existing(nil)), claim: true, claimEvent: ossv1.EventAdopted, identityInStat: true},
		{name: "the claim refused: nothing read counts (observe reads nothing then)", bucket: bucket(adopt), obs: claimed(&claim{}, existing(another())),
			state: stalled, reason: ossv1.ReasonBucketNameClaimed},
		{name: "no such bucket, paused: not created", bucket: bucket(pause), obs: &bucketObservation{creds: credentials{conn: &Conn{}}, infoErr: errNoSuchBucket},
			state: paused, reason: ossv1.ReasonPaused, messageHas: []string{"does not exist"}},
		{name: "another account's name", bucket: bucket(), obs: &bucketObservation{creds: credentials{conn: &Conn{}}, infoErr: errDenied},
			state: stalled, reason: ossv1.ReasonBucketNameUnavailable, wait: untilResync, messageHas: []string{"spec.name"}},
		{name: "throttled: backoff", bucket: bucket(), obs: &bucketObservation{creds: credentials{conn: &Conn{}}, infoErr: errThrottled},
			state: progressing, reason: ossv1.ReasonOSSUnavailable, wait: backoff},
		{name: "a garbled answer is retried, not a verdict", bucket: bucket(), obs: &bucketObservation{creds: credentials{conn: &Conn{}}, infoErr: errGarbled},
			state: progressing, reason: ossv1.ReasonOSSUnavailable, wait: backoff},
		{name: "an unknown 4xx needs a person", bucket: bucket(), obs: &bucketObservation{creds: credentials{conn: &Conn{}}, infoErr: errUnknown400},
			state: stalled, reason: ossv1.ReasonOSSRejected, messageHas: []string{"SomethingNewInOSS"}},
		{name: "tags unreadable: backoff", bucket: bucket(managed), obs: func() *bucketObservation { o := existing(nil); o.tagsErr = errThrottled; return o }(),
			state: progressing, reason: ossv1.ReasonOSSUnavailable, wait: backoff},
		{name: "another live resource's", bucket: bucket(adopt), obs: existing(another()),
			state: stalled, reason: ossv1.ReasonOwnedByAnother, messageHas: []string{"another resource, of another namespace or cluster"}},
		{name: "another live resource of this namespace: named", bucket: bucket(adopt), obs: neighbour("other-bucket", existing(another())),
			state: stalled, reason: ossv1.ReasonOwnedByAnother, messageHas: []string{`Bucket "other-bucket" of this namespace`}},
		{name: "a tag of another cluster or of earlier versions naming another resource: never parsed into a name", bucket: bucket(adopt),
			obs:   existing(map[string]string{ossv1.OwnershipTagKey: "c1/team-b/secret-project"}),
			state: stalled, reason: ossv1.ReasonOwnedByAnother, messageHas: []string{"another resource, of another namespace or cluster"}},
		{name: "a gone resource's, no adopt", bucket: bucket(), obs: gone(existing(another())),
			state: stalled, reason: ossv1.ReasonAdoptionRequired, messageHas: []string{"spec.adopt: true", "no longer manages it"}},
		{name: "a gone resource's, adopt", bucket: bucket(adopt), obs: gone(existing(another())), claim: true, claimEvent: ossv1.EventAdopted, identityInStat: true},
		{name: "untagged, no adopt", bucket: bucket(), obs: existing(nil), state: stalled, reason: ossv1.ReasonAdoptionRequired, messageHas: []string{"spec.adopt: true"}},
		{name: "untagged, adopt", bucket: bucket(adopt), obs: existing(nil), claim: true, claimEvent: ossv1.EventAdopted, identityInStat: true},
		{name: "untagged, created by this resource: tagged without an adoption", bucket: bucket(creating), obs: existing(nil), claim: true, identityInStat: true},
		{name: "its own tag (its UID), its status lost: still its own, nothing rewritten", bucket: bucket(), obs: existing(ours()), identityInStat: true},
		{name: "ours", bucket: bucket(managed), obs: existing(ours()), identityInStat: true},
		{name: "ours, tagged by an earlier version, paused: nothing rewritten, the tag found stands", bucket: bucket(managed, pause), obs: existing(legacyOurs()), identityInStat: true},
		{name: "ours, tagged by an earlier version: the tag is rewritten, no Event", bucket: bucket(managed), obs: existing(legacyOurs()), claim: true, identityInStat: true},
		{name: "tagged by an earlier version with this name, a new resource (re-created namespace): adoption required", bucket: bucket(), obs: existing(legacyOurs()),
			state: stalled, reason: ossv1.ReasonAdoptionRequired, messageHas: []string{"earlier resource of this name"}},
		{name: "tagged by an earlier version with this name, a new resource, adopt: evented", bucket: bucket(adopt), obs: existing(legacyOurs()), claim: true, claimEvent: ossv1.EventAdopted, identityInStat: true},
		{name: "making the ownership tag to write failed: retried", bucket: bucket(adopt), obs: func() *bucketObservation {
			o := existing(nil)
			o.ownerErr = errors.New("namespace unreadable")
			return o
		}(), state: progressing, reason: ossv1.ReasonReconciling, wait: backoff},
		{name: "ours, created, read back failed before: still ours", bucket: bucket(creating), obs: existing(ours()), identityInStat: true},
		{name: "created and recorded long ago, now untagged: someone else's, taken over only with adopt", bucket: bucket(managed, creating), obs: existing(nil),
			state: stalled, reason: ossv1.ReasonAdoptionRequired, messageHas: []string{"spec.adopt: true"}},
		{name: "storage class differs: the way out is named", bucket: bucket(managed, func(b *ossv1.Bucket) { b.Spec.StorageClass = "IA" }), obs: existing(ours()),
			state: stalled, reason: ossv1.ReasonImmutableFieldMismatch, messageHas: []string{"remove spec.storageClass or set it to Standard"}, identityInStat: true},
		{name: "redundancy differs", bucket: bucket(managed, func(b *ossv1.Bucket) { b.Spec.RedundancyType = "ZRS" }), obs: existing(ours()),
			state: stalled, reason: ossv1.ReasonImmutableFieldMismatch, messageHas: []string{"set it to LRS"}, identityInStat: true},
		{name: "region differs", bucket: bucket(managed), obs: func() *bucketObservation { o := existing(ours()); o.info.Location = "oss-cn-beijing"; return o }(),
			state: stalled, reason: ossv1.ReasonImmutableFieldMismatch, messageHas: []string{"cn-beijing", "set spec.region: cn-beijing"}, identityInStat: true},
		{name: "another resource's bucket's class is not shown", bucket: bucket(func(b *ossv1.Bucket) { b.Spec.StorageClass = "IA" }),
			obs: existing(another()), state: stalled, reason: ossv1.ReasonOwnedByAnother},
		{name: "adoption while paused waits", bucket: bucket(adopt, pause), obs: existing(nil), state: paused, reason: ossv1.ReasonPaused, messageHas: []string{"taken over"}, identityInStat: true},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			prev := tc.bucket.Status.DeepCopy()
			plan := decideBucket(tc.bucket, prev, tc.obs, "cn-hangzhou")
			if plan.identity != tc.identityInStat {
				t.Errorf("identity shown = %v, want %v", plan.identity, tc.identityInStat)
			}
			if tc.reason == "" {
				if plan.verdict != nil {
					t.Fatalf("verdict %s %s: %s; want a plan", plan.verdict.state, plan.verdict.reason, plan.verdict.message)
				}
				if plan.create != tc.create || (plan.claim != nil) != tc.claim {
					t.Errorf("create %v claim %v, want %v %v", plan.create, plan.claim != nil, tc.create, tc.claim)
				}
				got := ""
				if plan.claimEvent != nil {
					got = plan.claimEvent.reason
				}
				if got != tc.claimEvent {
					t.Errorf("claim event %q, want %q", got, tc.claimEvent)
				}
				if plan.claim != nil && plan.claim[ossv1.OwnershipTagKey] != testOwner {
					t.Errorf("claim tags %v lack the ownership tag", plan.claim)
				}
				return
			}
			if plan.verdict == nil {
				t.Fatalf("no verdict (create %v, claim %v); want %s %s", plan.create, plan.claim, tc.state, tc.reason)
			}
			expectOutcome(t, *plan.verdict, tc.state, tc.reason, tc.wait, tc.messageHas...)
		})
	}
}

func expectOutcome(t *testing.T, out outcome, st state, reason string, w wait, messageHas ...string) {
	t.Helper()
	if out.state != st || out.reason != reason {
		t.Errorf("outcome %s %s (%s), want %s %s", out.state, out.reason, out.message, st, reason)
	}
	if out.wait != w {
		t.Errorf("wait %d, want %d", out.wait, w)
	}
	if w == backoff && out.err == nil && out.state != progressing {
		t.Errorf("a backoff without the error behind it")
	}
	for _, s := range messageHas {
		if !strings.Contains(out.message, s) {
			t.Errorf("message %q lacks %q", out.message, s)
		}
	}
}

// Paused is a state of its own, whatever else is found: it says what it would otherwise say.
func TestPausedWhateverElse(t *testing.T) {
	out := whilePaused(bucket(pause), waiting(ossv1.ReasonAccessKeyNotFound, "Waiting for AccessKey", untilChange))
	expectOutcome(t, out, paused, ossv1.ReasonPaused, untilResync, "Paused", "AccessKeyNotFound: Waiting for AccessKey")
	if out.inSync {
		t.Error("a paused Bucket that waits is shown Ready")
	}
	out = whilePaused(bucket(pause), retrying(ossv1.ReasonOSSUnavailable, "503", errThrottled))
	expectOutcome(t, out, paused, ossv1.ReasonPaused, untilResync, "OSSUnavailable: 503")
	out = whilePaused(bucket(), stalledOn(ossv1.ReasonOwnedByAnother, "m"))
	expectOutcome(t, out, stalled, ossv1.ReasonOwnedByAnother, untilResync)
}

func TestAnInvalidSpecStallsBeforeAnything(t *testing.T) {
	for name, b := range map[string]*ossv1.Bucket{
		"a tag with a tab": bucket(func(b *ossv1.Bucket) { b.Spec.Tags = map[string]string{"team": "a\tb"} }),
		"a lifecycle tag with a line break": bucket(func(b *ossv1.Bucket) {
			b.Spec.Lifecycle = &ossv1.Lifecycle{Rules: []ossv1.LifecycleRule{{ID: "r", Tags: map[string]string{"k\n": "v"}}}}
		}),
	} {
		out, ok := decideSpec(b)
		if ok {
			t.Errorf("%s was let through", name)
			continue
		}
		expectOutcome(t, out, stalled, ossv1.ReasonInvalidSpec, untilResync, "control character", "Nothing was written")
	}
	b := bucket(func(b *ossv1.Bucket) { b.Spec.Policy = ptr.To("{not json") })
	out, ok := decideSpec(b)
	if ok {
		t.Fatal("a policy that is not JSON was let through")
	}
	expectOutcome(t, out, stalled, ossv1.ReasonInvalidSpec, untilResync, "spec.policy: not a JSON document", "Nothing was written")
	if _, ok := decideSpec(bucket(func(b *ossv1.Bucket) { b.Spec.Policy = ptr.To(`{"Version":"1","Statement":[]}`) })); !ok {
		t.Error("a JSON policy was refused")
	}
}

// A difference is drift only when OSS held this very generation of the spec; a new spec is an update.
func TestSettingsDriftOrUpdate(t *testing.T) {
	versioning := func(b *ossv1.Bucket) { b.Spec.Versioning = "Enabled" }
	values := map[string]settingValue{versioningSetting.name: {got: "Suspended"}}
	tests := []struct {
		name         string
		prev         ossv1.SettingStatus
		observedGen  int64
		paused       bool
		write, drift bool
		pending      bool
	}{
		{name: "in sync at this generation: drift", prev: ossv1.SettingStatus{InSync: true, SyncedGeneration: 2}, observedGen: 2, write: true, drift: true},
		{name: "a correction that failed at this generation: still drift", prev: ossv1.SettingStatus{InSync: false, SyncedGeneration: 2}, observedGen: 2, write: true, drift: true},
		{name: "never in sync at this generation: update", prev: ossv1.SettingStatus{InSync: false, SyncedGeneration: 1}, observedGen: 2, write: true},
		{name: "spec changed: update", prev: ossv1.SettingStatus{InSync: true, SyncedGeneration: 1}, observedGen: 1, write: true},
		{name: "newly managed: update", observedGen: 2, write: true},
		{name: "a status written before syncedGeneration existed: in sync at its observed generation", prev: ossv1.SettingStatus{InSync: true}, observedGen: 2, write: true, drift: true},
		{name: "paused: pending, not written, and drift once resumed", prev: ossv1.SettingStatus{InSync: true, SyncedGeneration: 2}, observedGen: 2, paused: true, pending: true, drift: true},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			b := bucket(managed, versioning)
			prev := &ossv1.BucketStatus{ObservedGeneration: tc.observedGen}
			if tc.prev != (ossv1.SettingStatus{}) {
				tc.prev.Name = "versioning"
				prev.Settings = []ossv1.SettingStatus{tc.prev}
			}
			plans := planSettings(b, prev, testOwner, values, tc.paused)
			if len(plans) != 1 {
				t.Fatalf("plans %+v", plans)
			}
			p := plans[0]
			if p.write != tc.write || p.drift != tc.drift || p.pending != tc.pending {
				t.Errorf("write %v drift %v pending %v, want %v %v %v", p.write, p.drift, p.pending, tc.write, tc.drift, tc.pending)
			}
			// What the status then says keeps the generation OSS last held the setting at.
			_, statuses := concludeBucket(b, bucketPlan{settings: plans}, nil, "oss-cn-hangzhou", false)
			want := int64(2)
			if p.pending {
				want = p.synced
			}
			if statuses[0].SyncedGeneration != want {
				t.Errorf("syncedGeneration %d, want %d", statuses[0].SyncedGeneration, want)
			}
		})
	}
	// In sync: nothing to do.
	b := bucket(managed, versioning)
	if p := planSettings(b, &b.Status, testOwner, map[string]settingValue{"versioning": {got: "Enabled"}}, false)[0]; p.write || p.pending {
		t.Errorf("a setting in sync is written: %+v", p)
	}
}

func TestConcludeBucket(t *testing.T) {
	plan := func(ps ...settingPlan) bucketPlan { return bucketPlan{settings: ps} }
	tests := []struct {
		name       string
		bucket     *ossv1.Bucket
		plan       bucketPlan
		claimErr   error
		fresh      bool
		state      state
		reason     string
		wait       wait
		messageHas []string
		events     []string
		inSync     map[string]bool
	}{
		{name: "all in sync: Ready", bucket: bucket(managed), plan: plan(settingPlan{name: "tags"}, settingPlan{name: "lifecycle"}),
			state: ready, reason: ossv1.ReasonReady, wait: untilResync, messageHas: []string{"ready in oss-cn-hangzhou"}, inSync: map[string]bool{"tags": true, "lifecycle": true}},
		{name: "a refused setting stalls, the others converge", bucket: bucket(managed),
			plan:  plan(settingPlan{name: "logging", write: true, writeErr: ossErr(400, ossapi.CodeInvalidTargetBucketForLogging)}, settingPlan{name: "cors", write: true}),
			state: stalled, reason: ossv1.ReasonOSSRejected, wait: untilResync, messageHas: []string{"spec.logging", ossapi.CodeInvalidTargetBucketForLogging},
			events: []string{ossv1.EventUpdated}, inSync: map[string]bool{"logging": false, "cors": true}},
		{name: "a public policy refused while Block Public Access is on names the fix", bucket: bucket(managed),
			plan:  plan(settingPlan{name: "policy", write: true, writeErr: errDenied}),
			state: stalled, reason: ossv1.ReasonOSSRejected, wait: untilResync, messageHas: []string{"spec.publicAccessBlock: false"}},
		{name: "the same refusal with Block Public Access off does not blame it", bucket: bucket(managed, func(b *ossv1.Bucket) { b.Spec.PublicAccessBlock = ptr.To(false) }),
			plan:  plan(settingPlan{name: "policy", write: true, writeErr: errDenied}),
			state: stalled, reason: ossv1.ReasonOSSRejected, wait: untilResync},
		{name: "a transient failure retries with backoff", bucket: bucket(managed), plan: plan(settingPlan{name: "cors", write: true, writeErr: errThrottled}),
			state: progressing, reason: ossv1.ReasonOSSUnavailable, wait: backoff, messageHas: []string{"spec.cors"}},
		{name: "a log target to come is waited for, not an OSS failure", bucket: bucket(managed),
			plan:  plan(settingPlan{name: "logging", write: true, writeErr: &logTargetMissing{bucket: "later-logs"}}),
			state: progressing, reason: ossv1.ReasonLogTargetNotFound, wait: poll, messageHas: []string{`"later-logs"`, "spec.logging.targetBucket"}},
		{name: "paused with changes pending: not Ready, no Reconciling", bucket: bucket(managed, pause), plan: plan(settingPlan{name: "tags", pending: true}),
			state: paused, reason: ossv1.ReasonPaused, wait: untilResync, messageHas: []string{"tags"}, inSync: map[string]bool{"tags": false}},
		{name: "paused and in sync", bucket: bucket(managed, pause), plan: plan(settingPlan{name: "tags"}),
			state: paused, reason: ossv1.ReasonPaused, wait: untilResync, messageHas: []string{"as declared"}},
		{name: "drift corrected, one Event per setting", bucket: bucket(managed),
			plan:  plan(settingPlan{name: "lifecycle", write: true, drift: true}, settingPlan{name: "cors", write: true, drift: true}),
			state: ready, reason: ossv1.ReasonReady, wait: untilResync, events: []string{ossv1.EventDriftCorrected, ossv1.EventDriftCorrected}},
		{name: "a changed spec applied is an update, not drift", bucket: bucket(managed),
			plan:  plan(settingPlan{name: "lifecycle", write: true}, settingPlan{name: "tags", write: true}),
			state: ready, reason: ossv1.ReasonReady, wait: untilResync, events: []string{ossv1.EventUpdated}, messageHas: nil},
		{name: "a new bucket's settings are neither", bucket: bucket(creating), fresh: true, plan: plan(settingPlan{name: "lifecycle", write: true}),
			state: ready, reason: ossv1.ReasonReady, wait: untilResync},
		{name: "adopted", bucket: bucket(adopt), plan: bucketPlan{claim: ours(), claimEvent: &actionEvent{reason: ossv1.EventAdopted}},
			state: ready, reason: ossv1.ReasonReady, wait: untilResync, events: []string{ossv1.EventAdopted}},
		{name: "the ownership tag write failed: nothing else was written", bucket: bucket(adopt), claimErr: errThrottled,
			plan:  bucketPlan{claim: ours(), claimEvent: &actionEvent{reason: ossv1.EventAdopted}, settings: []settingPlan{{name: "cors", write: true}}},
			state: progressing, reason: ossv1.ReasonOSSUnavailable, wait: backoff},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			if tc.bucket.Spec.Policy == nil {
				tc.bucket.Spec.CORS = &ossv1.CORS{}
			}
			out, statuses := concludeBucket(tc.bucket, tc.plan, tc.claimErr, "oss-cn-hangzhou", tc.fresh)
			expectOutcome(t, out, tc.state, tc.reason, tc.wait, tc.messageHas...)
			var events []string
			for _, e := range out.events {
				events = append(events, e.reason)
			}
			if strings.Join(events, ",") != strings.Join(tc.events, ",") {
				t.Errorf("events %v, want %v", events, tc.events)
			}
			for name, want := range tc.inSync {
				found := false
				for _, st := range statuses {
					if st.Name == name {
						found = true
						if st.InSync != want {
							t.Errorf("%s inSync %v, want %v (%s)", name, st.InSync, want, st.Message)
						}
					}
				}
				if !found {
					t.Errorf("no status for %s in %+v", name, statuses)
				}
			}
		})
	}
}

func TestAnUpdateNamesTheSettingsAndLogsEach(t *testing.T) {
	out, _ := concludeBucket(bucket(managed), bucketPlan{settings: []settingPlan{{name: "lifecycle", write: true}, {name: "tags", write: true}}}, nil, "oss-cn-hangzhou", false)
	if len(out.events) != 1 || out.events[0].message != "Applied spec.lifecycle, spec.tags to bucket "+testBucket {
		t.Fatalf("events %+v", out.events)
	}
	if got := strings.Join(out.events[0].lines, "|"); got != "Applied spec.lifecycle|Applied spec.tags" {
		t.Errorf("log lines %q", got)
	}
}

func TestDecideCreate(t *testing.T) {
	tests := []struct {
		name            string
		err, ownerErr   error
		created, forget bool
		state           state
		reason          string
		wait            wait
	}{
		{name: "created", created: true},
		{name: "created, its ownership tag not made (namespace unreadable): retried, still recorded as its creation", ownerErr: errors.New("namespace unreadable"),
			state: progressing, reason: ossv1.ReasonReconciling, wait: backoff},
		{name: "made by someone else meanwhile: look again, not ours", err: ossErr(409, ossapi.CodeBucketAlreadyExists), forget: true,
			state: progressing, reason: ossv1.ReasonCreating, wait: poll},
		{name: "another account's name", err: errDenied, forget: true, state: stalled, reason: ossv1.ReasonBucketNameUnavailable, wait: untilResync},
		{name: "too many buckets", err: ossErr(400, ossapi.CodeTooManyBuckets), forget: true, state: stalled, reason: ossv1.ReasonTooManyBuckets, wait: untilResync},
		{name: "throttled: it may have been created, so it stays recorded", err: errThrottled, state: progressing, reason: ossv1.ReasonOSSUnavailable, wait: backoff},
		{name: "refused", err: errUnknown400, forget: true, state: stalled, reason: ossv1.ReasonOSSRejected, wait: untilResync},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			out, created, forget := decideCreate(bucket(), tc.err, tc.ownerErr)
			if created != tc.created || forget != tc.forget {
				t.Errorf("created %v forget %v, want %v %v", created, forget, tc.created, tc.forget)
			}
			if !created {
				expectOutcome(t, out, tc.state, tc.reason, tc.wait)
			}
		})
	}
}

func TestConcludeNew(t *testing.T) {
	info := &ossapi.BucketInfo{Name: testBucket, Location: "oss-cn-hangzhou"}
	plans := []settingPlan{{name: "versioning", write: true}}
	tests := []struct {
		name           string
		tagErr, getErr error
		state          state
		reason         string
		wait           wait
		inSync         bool
	}{
		{name: "created and settled", state: ready, reason: ossv1.ReasonReady, wait: untilResync, inSync: true},
		{name: "the ownership tag failed: retried, the settings not claimed", tagErr: errThrottled, state: progressing, reason: ossv1.ReasonOSSUnavailable, wait: backoff},
		{name: "the read-back failed: retried", getErr: errThrottled, state: progressing, reason: ossv1.ReasonOSSUnavailable, wait: backoff},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			b := bucket(creating, func(b *ossv1.Bucket) { b.Spec.Versioning = "Enabled" })
			out, statuses := concludeNew(b, "cn-hangzhou", tc.tagErr, info, tc.getErr, plans)
			expectOutcome(t, out, tc.state, tc.reason, tc.wait)
			if len(out.events) == 0 || out.events[0].reason != ossv1.EventCreated || out.events[0].message != "Created bucket "+testBucket+" in cn-hangzhou" {
				t.Errorf("events %+v: the creation is always told first", out.events)
			}
			for _, e := range out.events {
				if e.reason == ossv1.EventUpdated || e.reason == ossv1.EventDriftCorrected {
					t.Errorf("a new bucket's settings reported as %s", e.reason)
				}
			}
			if len(statuses) != 1 || statuses[0].InSync != tc.inSync {
				t.Errorf("settings %+v, want in sync %v", statuses, tc.inSync)
			}
		})
	}
}

func TestDecideDeletion(t *testing.T) {
	full := func(o *bucketObservation) *bucketObservation {
		o.contents = bucketContents{objects: 2, oldVersions: 1, deleteMarkers: 1, uploads: 1}
		return o
	}
	noCreds := &bucketObservation{creds: credentials{accessKey: "creds", missing: true}}
	tests := []struct {
		name         string
		bucket       *ossv1.Bucket
		obs          *bucketObservation
		deleteBucket bool
		removeTag    bool
		state        state
		reason       string
		wait         wait
		messageHas   []string
		event        string
		warning      bool
	}{
		{name: "Delete, no credentials: the way out is named", bucket: bucket(managed, deleteIt), obs: noCreds,
			state: deletionBlocked, reason: ossv1.ReasonAccessKeyNotFound, wait: poll, messageHas: []string{"Restore AccessKey \"creds\"", "spec.deletionPolicy: Retain"}},
		{name: "Retain, the AccessKey unreadable for now: retried", bucket: bucket(managed, deletedAgo(time.Second)),
			obs:   &bucketObservation{creds: credentials{accessKey: "creds", err: errors.New("etcd timeout")}},
			state: deletionBlocked, reason: ossv1.ReasonReconciling, wait: backoff},
		{name: "Retain, the AccessKey unreadable for too long: let go, said so", bucket: bucket(managed, deletedAgo(time.Hour)),
			obs:   &bucketObservation{creds: credentials{accessKey: "creds", err: errors.New("etcd timeout")}},
			state: released, event: ossv1.EventReleased, warning: true},
		{name: "Delete, the grant revoked: waits, visibly, with the way out", bucket: bucket(managed, deleteIt), obs: &bucketObservation{creds: credentials{accessKey: "platform/oss-admin", notGranted: "team-a"}},
			state: deletionBlocked, reason: ossv1.ReasonAccessKeyNotGranted, wait: poll, messageHas: []string{`grant namespace "team-a" again`, "spec.deletionPolicy: Retain"}},
		{name: "Retain, no credentials: let go at once, the tag left and said so", bucket: bucket(managed), obs: noCreds,
			state: released, event: ossv1.EventReleased, warning: true},
		{name: "Retain, ours: the ownership tag is removed", bucket: bucket(managed), obs: existing(ours()), removeTag: true},
		{name: "Retain, not tagged as ours: let go", bucket: bucket(managed), obs: existing(nil), state: released, event: ossv1.EventReleased},
		{name: "Retain, gone: let go", bucket: bucket(managed), obs: func() *bucketObservation { o := existing(nil); o.tagsErr = errNoSuchBucket; return o }(),
			state: released, event: ossv1.EventReleased},
		{name: "Retain, tags unreadable for a while: retried", bucket: bucket(managed, deletedAgo(time.Minute)), obs: func() *bucketObservation { o := existing(nil); o.tagsErr = errThrottled; return o }(),
			state: deletionBlocked, reason: ossv1.ReasonOSSUnavailable, wait: backoff},
		{name: "Retain, tags unreadable for too long: let go, said so", bucket: bucket(managed, deletedAgo(3*time.Minute)), obs: func() *bucketObservation { o := existing(nil); o.tagsErr = errThrottled; return o }(),
			state: released, event: ossv1.EventReleased, warning: true},
		{name: "Retain, tags refused: let go at once, said so", bucket: bucket(managed, deletedAgo(0)), obs: func() *bucketObservation { o := existing(nil); o.tagsErr = errDenied; return o }(),
			state: released, event: ossv1.EventReleased, warning: true},
		{name: "Delete, gone", bucket: bucket(managed, deleteIt), obs: func() *bucketObservation { o := existing(nil); o.infoErr = errNoSuchBucket; return o }(),
			state: released, event: ossv1.EventReleased},
		{name: "Delete, denied reading its own bucket: never left behind for that", bucket: bucket(managed, deleteIt), obs: func() *bucketObservation { o := existing(ours()); o.infoErr = errDenied; return o }(),
			state: deletionBlocked, reason: ossv1.ReasonOSSRejected, wait: poll, messageHas: []string{"AccessDenied", "spec.deletionPolicy: Retain"}},
		{name: "Delete, another resource's: left", bucket: bucket(managed, deleteIt), obs: existing(another()),
			state: released, event: ossv1.EventReleased},
		{name: "Delete, ours, tagged by an earlier version: deleted", bucket: bucket(managed, deleteIt), obs: existing(legacyOurs()), deleteBucket: true},
		{name: "Delete, tagged by an earlier version with this name, never had by this resource: left", bucket: bucket(deleteIt), obs: existing(legacyOurs()),
			state: released, event: ossv1.EventReleased},
		{name: "Retain, ours, tagged by an earlier version: the tag is removed", bucket: bucket(managed), obs: existing(legacyOurs()), removeTag: true},
		{name: "Retain, tagged by an earlier version with this name, never had by this resource: the tag stays", bucket: bucket(), obs: existing(legacyOurs()),
			state: released, event: ossv1.EventReleased},
		{name: "Delete, created by an earlier version, tagged, not read back yet: deleted", bucket: bucket(creating, deleteIt), obs: existing(legacyOurs()), deleteBucket: true},
		{name: "Retain, created by an earlier version, tagged, not read back yet: the tag is removed", bucket: bucket(creating), obs: existing(legacyOurs()), removeTag: true},
		{name: "Delete, ours and empty: deleted", bucket: bucket(managed, deleteIt), obs: existing(ours()), deleteBucket: true},
		{name: "Delete, created but not tagged yet: still ours", bucket: bucket(creating, deleteIt), obs: existing(nil), deleteBucket: true},
		{name: "Delete, untagged and not created here: left", bucket: bucket(managed, deleteIt), obs: existing(nil), state: released, event: ossv1.EventReleased},
		{name: "Delete, created and recorded long ago, now untagged: someone else's, left", bucket: bucket(managed, creating, deleteIt), obs: existing(nil), state: released, event: ossv1.EventReleased},
		{name: "Delete, not empty: what is left and how to empty it", bucket: bucket(managed, deleteIt), obs: full(existing(ours())),
			state: deletionBlocked, reason: ossv1.ReasonBucketNotEmpty, wait: poll,
			messageHas: []string{"2 objects, 1 old version, 1 delete marker, 1 unfinished multipart upload", "--all-versions", "multipart uploads", "never deletes data", "Retain"}},
		{name: "Delete, listing throttled: backoff", bucket: bucket(managed, deleteIt), obs: func() *bucketObservation { o := existing(ours()); o.contentsErr = errThrottled; return o }(),
			state: deletionBlocked, reason: ossv1.ReasonOSSUnavailable, wait: backoff},
		{name: "Delete, info refused: slow retry", bucket: bucket(managed, deleteIt), obs: func() *bucketObservation { o := existing(ours()); o.infoErr = errUnknown400; return o }(),
			state: deletionBlocked, reason: ossv1.ReasonOSSRejected, wait: poll},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			if tc.bucket.DeletionTimestamp == nil {
				deletedAgo(0)(tc.bucket)
			}
			plan := decideDeletion(tc.bucket, tc.obs, now)
			if plan.deleteBucket != tc.deleteBucket || plan.removeTag != tc.removeTag {
				t.Fatalf("deleteBucket %v removeTag %v, want %v %v (verdict %s %s)", plan.deleteBucket, plan.removeTag, tc.deleteBucket, tc.removeTag, plan.verdict.state, plan.verdict.message)
			}
			if tc.deleteBucket || tc.removeTag {
				return
			}
			expectOutcome(t, plan.verdict, tc.state, tc.reason, tc.wait, tc.messageHas...)
			if tc.event != "" {
				if len(plan.verdict.events) != 1 || plan.verdict.events[0].reason != tc.event || plan.verdict.events[0].warning != tc.warning {
					t.Errorf("events %+v, want one %s (warning %v)", plan.verdict.events, tc.event, tc.warning)
				}
			}
		})
	}
}

func TestNothingToDeleteForABucketNeverHad(t *testing.T) {
	if !nothingToDelete(bucket(deleteIt)) {
		t.Error("a Bucket that never created nor adopted a bucket waits for OSS")
	}
	if nothingToDelete(bucket(creating)) || nothingToDelete(bucket(managed)) {
		t.Error("a Bucket with a bucket of its own is let go without looking")
	}
	expectOutcome(t, decidePausedDeletion(bucket(managed, pause)), deletionBlocked, ossv1.ReasonPaused, untilChange, "paused annotation")
}

func TestConcludeDeletion(t *testing.T) {
	del := deletionPlan{deleteBucket: true}
	tests := []struct {
		name       string
		plan       deletionPlan
		err        error
		deletedFor time.Duration
		state      state
		reason     string
		wait       wait
		event      string
	}{
		{name: "deleted", plan: del, state: released, event: ossv1.EventDeleted},
		{name: "already gone", plan: del, err: errNoSuchBucket, state: released, event: ossv1.EventDeleted},
		{name: "written to since listed", plan: del, err: ossErr(409, ossapi.CodeBucketNotEmpty), state: deletionBlocked, reason: ossv1.ReasonBucketNotEmpty, wait: poll},
		{name: "throttled", plan: del, err: errThrottled, state: deletionBlocked, reason: ossv1.ReasonOSSUnavailable, wait: backoff},
		{name: "not allowed", plan: del, err: errDenied, state: deletionBlocked, reason: ossv1.ReasonOSSRejected, wait: poll},
		{name: "tag removed", plan: deletionPlan{removeTag: true}, state: released, event: ossv1.EventReleased},
		{name: "tag removal throttled: retried", plan: deletionPlan{removeTag: true}, err: errThrottled, state: deletionBlocked, reason: ossv1.ReasonOSSUnavailable, wait: backoff},
		{name: "tag removal throttled for too long: let go, said so", plan: deletionPlan{removeTag: true}, err: errThrottled, deletedFor: 3 * time.Minute, state: released, event: ossv1.EventReleased},
		{name: "tag removal refused: let go, said so", plan: deletionPlan{removeTag: true}, err: errDenied, state: released, event: ossv1.EventReleased},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			out := concludeDeletion(bucket(managed, deleteIt, deletedAgo(tc.deletedFor)), tc.plan, tc.err, now)
			expectOutcome(t, out, tc.state, tc.reason, tc.wait)
			if tc.event != "" && (len(out.events) != 1 || out.events[0].reason != tc.event) {
				t.Errorf("events %+v, want %s", out.events, tc.event)
			}
		})
	}
}

// The status says where the bucket is reached through the endpoint the operator uses: Alibaba Cloud's
// as OSS reports them, or the AccessKey's custom path-style endpoint (make dev's emulator).
func TestRecordBucketNamesTheEndpointUsed(t *testing.T) {
	info := &ossapi.BucketInfo{Name: testBucket, Location: "oss-cn-hangzhou",
		ExtranetEndpoint: "oss-cn-hangzhou.aliyuncs.com", IntranetEndpoint: "oss-cn-hangzhou-internal.aliyuncs.com"}
	alibaba := [3]string{"oss-cn-hangzhou.aliyuncs.com", "oss-cn-hangzhou-internal.aliyuncs.com", "https://team-logs.oss-cn-hangzhou.aliyuncs.com"}
	for name, tc := range map[string]struct {
		cfg  ossapi.Config
		want [3]string // extranetEndpoint, intranetEndpoint, url
	}{
		"default endpoint":         {cfg: ossapi.Config{}, want: alibaba},
		"internal":                 {cfg: ossapi.Config{Internal: true}, want: alibaba},
		"custom aliyuncs endpoint": {cfg: ossapi.Config{Endpoint: "oss-accelerate.aliyuncs.com"}, want: alibaba},
		"emulator": {cfg: ossapi.Config{Endpoint: "http://127.0.0.1:9000"},
			want: [3]string{"http://127.0.0.1:9000", "http://127.0.0.1:9000", "http://127.0.0.1:9000/team-logs"}},
		"gateway": {cfg: ossapi.Config{Endpoint: "oss.example.internal:8443"},
			want: [3]string{"https://oss.example.internal:8443", "https://oss.example.internal:8443", "https://oss.example.internal:8443/team-logs"}},
	} {
		t.Run(name, func(t *testing.T) {
			tc.cfg.Region, tc.cfg.Credentials = "cn-hangzhou", ossapi.StaticCredentials{AccessKeyID: "id", AccessKeySecret: "secret"}
			c, err := ossapi.New(tc.cfg)
			if err != nil {
				t.Fatal(err)
			}
			var st ossv1.BucketStatus
			recordBucket(&st, info, c)
			if got := [3]string{st.ExtranetEndpoint, st.IntranetEndpoint, st.URL}; got != tc.want || st.Location != "oss-cn-hangzhou" || st.CreationTime == nil {
				t.Errorf("status = %+v, want endpoints and URL %q", st, tc.want)
			}
		})
	}
}

// observeMode makes the Bucket an Observe Bucket.
func observeMode(b *ossv1.Bucket) { b.Spec.ManagementPolicy = ossv1.ManagementObserve }

// readEverything is an Observe Bucket's reading of an existing bucket: every setting at a new
// bucket's default but those given, and tags.
func readEverything(tags map[string]string, values map[string]settingValue) *bucketObservation {
	obs := existing(tags)
	obs.owner.tag = ""
	obs.settings = map[string]settingValue{
		resourceGroupSetting.name: {got: "rg-default"}, publicAccessBlockSetting.name: {got: true}, versioningSetting.name: {got: ""},
		aclSetting.name: {got: ossapi.ACLPrivate}, encryptionSetting.name: {got: encryptionValue{}}, policySetting.name: {got: policyValue{}},
		tagsSetting.name: {got: tags}, lifecycleSetting.name: {got: (*ossapi.LifecycleConfiguration)(nil)},
		corsSetting.name: {got: (*ossapi.CORSConfiguration)(nil)}, loggingSetting.name: {got: loggingValue{}},
		refererSetting.name: {got: defaultReferer}, websiteSetting.name: {got: websiteValue{}},
	}
	maps.Copy(obs.settings, values)
	return obs
}

func TestDecideObserved(t *testing.T) {
	lastSeen := &ossv1.ObservedBucket{Differences: []string{"spec.acl"}}
	seenBefore := func(b *ossv1.Bucket) { b.Status.Observed = lastSeen }
	tests := []struct {
		name   string
		bucket *ossv1.Bucket
		obs    *bucketObservation
		state  state
		reason string
		wait   wait
		// observed: what status.observed becomes ("kept": the previous one; "none"; "new": read now).
		observed    string
		differences []string
		omitted     []string
		messageHas  []string
	}{
		{name: "no AccessKey: waits for it, and the last observation stays", bucket: bucket(observeMode, seenBefore), obs: &bucketObservation{creds: credentials{accessKey: "creds", missing: true}},
			state: progressing, reason: ossv1.ReasonAccessKeyNotFound, wait: untilChange, observed: "kept"},
		{name: "no bucket: reported and polled, never created, nothing observed", bucket: bucket(observeMode, seenBefore), obs: &bucketObservation{creds: credentials{conn: &Conn{}}, infoErr: errNoSuchBucket},
			state: progressing, reason: ossv1.ReasonBucketNotFound, wait: poll, observed: "none", messageHas: []string{"does not exist", "never creates it", "spec.managementPolicy: Manage"}},
		{name: "another account's bucket: stalled", bucket: bucket(observeMode), obs: &bucketObservation{creds: credentials{conn: &Conn{}}, infoErr: errDenied},
			state: stalled, reason: ossv1.ReasonBucketNameUnavailable, wait: untilResync, observed: "none"},
		{name: "OSS throttles the info: retried, the last observation stays", bucket: bucket(observeMode, seenBefore), obs: &bucketObservation{creds: credentials{conn: &Conn{}}, infoErr: errThrottled},
			state: progressing, reason: ossv1.ReasonOSSUnavailable, wait: backoff, observed: "kept"},
		{name: "the tags cannot be read: retried", bucket: bucket(observeMode, seenBefore), obs: func() *bucketObservation { o := readEverything(nil, nil); o.tagsErr = errThrottled; return o }(),
			state: progressing, reason: ossv1.ReasonOSSUnavailable, wait: backoff, observed: "kept"},
		{name: "a bucket in another region: stalled, as a managed one would be", bucket: bucket(observeMode), obs: func() *bucketObservation { o := readEverything(nil, nil); o.info.Location = "oss-cn-beijing"; return o }(),
			state: stalled, reason: ossv1.ReasonImmutableFieldMismatch, wait: untilResync, observed: "none", messageHas: []string{"is in cn-beijing, not cn-hangzhou", "spec.region"}},
		{name: "nothing declared: observed, nothing differs", bucket: bucket(observeMode), obs: readEverything(nil, nil),
			state: ready, reason: ossv1.ReasonObserved, wait: untilResync, observed: "new", messageHas: []string{"Observed bucket team-logs in cn-hangzhou", "every declared setting as declared", "Nothing is written"}},
		{name: "declared settings that differ are listed as spec fields", bucket: bucket(observeMode, func(b *ossv1.Bucket) {
			b.Spec.Versioning, b.Spec.ACL, b.Spec.StorageClass = "Enabled", "private", "IA"
			b.Spec.Tags = map[string]string{"team": "data"}
		}), obs: readEverything(map[string]string{"team": "web"}, map[string]settingValue{versioningSetting.name: {got: "Suspended"}}),
			state: ready, reason: ossv1.ReasonObserved, wait: untilResync, observed: "new",
			differences: []string{"spec.storageClass", "spec.versioning", "spec.tags"}, messageHas: []string{"spec.storageClass, spec.versioning, spec.tags"}},
		{name: "the ownership tag of another resource is no difference of the tags; the message says whose the bucket is", bucket: bucket(observeMode, func(b *ossv1.Bucket) { b.Spec.Tags = map[string]string{"team": "data"} }),
			obs:   neighbour("other", readEverything(map[string]string{"team": "data", ossv1.OwnershipTagKey: another()[ossv1.OwnershipTagKey]}, nil)),
			state: ready, reason: ossv1.ReasonObserved, wait: untilResync, observed: "new", messageHas: []string{`managed by Bucket "other"`, "cannot be adopted"}},
		{name: "a bucket of another namespace's resource: nothing of it is shown", bucket: bucket(observeMode, seenBefore), obs: readEverything(another(), nil),
			state: stalled, reason: ossv1.ReasonOwnedByAnother, wait: untilResync, observed: "none", messageHas: []string{"another namespace or cluster", "shows nothing of it"}},
		{name: "a setting OSS will not show: observed without it, and said", bucket: bucket(observeMode, func(b *ossv1.Bucket) { b.Spec.Policy = ptr.To("") }),
			obs:   readEverything(nil, map[string]settingValue{policySetting.name: {err: errDenied}}),
			state: ready, reason: ossv1.ReasonObserved, wait: untilResync, observed: "new", omitted: []string{"policy"}, messageHas: []string{"not shown", "policy"}},
		{name: "a setting OSS fails to answer for a moment: retried, what was read is shown", bucket: bucket(observeMode),
			obs:   readEverything(nil, map[string]settingValue{lifecycleSetting.name: {err: errThrottled}}),
			state: progressing, reason: ossv1.ReasonOSSUnavailable, wait: backoff, observed: "new", omitted: []string{"lifecycle"}, messageHas: []string{"spec.lifecycle"}},
		{name: "deletionPolicy Delete is said not to apply while observing", bucket: bucket(observeMode, deleteIt), obs: readEverything(nil, nil),
			state: ready, reason: ossv1.ReasonObserved, wait: untilResync, observed: "new", messageHas: []string{"deleting this resource leaves the bucket as it is: spec.deletionPolicy Delete applies once spec.managementPolicy is Manage"}},
		{name: "paused or not, an Observe Bucket observes", bucket: bucket(observeMode, pause), obs: readEverything(nil, nil),
			state: ready, reason: ossv1.ReasonObserved, wait: untilResync, observed: "new"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			prev := tt.bucket.Status.DeepCopy()
			plan := decideObserved(tt.bucket, prev, tt.obs, "cn-hangzhou")
			expectOutcome(t, plan.out, tt.state, tt.reason, tt.wait, tt.messageHas...)
			switch tt.observed {
			case "kept":
				if plan.observed != prev.Observed || plan.observed == nil {
					t.Errorf("status.observed %+v, want the previous one kept", plan.observed)
				}
			case "none":
				if plan.observed != nil {
					t.Errorf("status.observed %+v, want none", plan.observed)
				}
			case "new":
				if plan.observed == nil || plan.observed.Settings == nil || plan.observed == prev.Observed {
					t.Fatalf("status.observed %+v, want what was read now", plan.observed)
				}
				if !slices.Equal(plan.observed.Differences, tt.differences) {
					t.Errorf("differences %q, want %q", plan.observed.Differences, tt.differences)
				}
				var omitted []string
				for _, o := range plan.observed.Omitted {
					omitted = append(omitted, o.Name)
				}
				if !slices.Equal(omitted, tt.omitted) {
					t.Errorf("omitted %q, want %q", omitted, tt.omitted)
				}
				for _, st := range plan.settings {
					differs := slices.Contains(tt.differences, "spec."+st.Name) || slices.Contains(tt.omitted, st.Name)
					if st.InSync == differs {
						t.Errorf("status.settings %s inSync %v (%s)", st.Name, st.InSync, st.Message)
					}
				}
			}
		})
	}
}

func TestObservedTagsLeaveOutTheOwnershipTag(t *testing.T) {
	obs := readEverything(map[string]string{"team": "data", ossv1.OwnershipTagKey: testOwner}, nil)
	plan := decideObserved(bucket(observeMode), &ossv1.BucketStatus{}, obs, "cn-hangzhou")
	if got := plan.observed.Settings.Tags; !maps.Equal(got, map[string]string{"team": "data"}) {
		t.Errorf("status.observed.settings.tags %v, want the team tag alone", got)
	}
	if !strings.Contains(plan.out.message, "still carries this resource's ownership tag") {
		t.Errorf("message %q does not say the bucket still carries this resource's tag", plan.out.message)
	}
}

func TestAnObserveBucketsDeletionTouchesNothing(t *testing.T) {
	for _, policy := range []ossv1.DeletionPolicy{ossv1.DeletionRetain, ossv1.DeletionDelete} {
		b := bucket(observeMode, managed, deletedAgo(time.Second), func(b *ossv1.Bucket) { b.Spec.DeletionPolicy = policy })
		out := decideObservedDeletion(b)
		if out.state != released || len(out.events) != 1 || out.events[0].reason != ossv1.EventReleased || !strings.Contains(out.events[0].message, "untouched") {
			t.Errorf("deletionPolicy %s: %+v, want released with an Event saying the bucket is untouched", policy, out)
		}
	}
}

func TestObservingNeedsTheSettingFor(t *testing.T) {
	if observing(bucket()) || observing(bucket(func(b *ossv1.Bucket) { b.Spec.ManagementPolicy = ossv1.ManagementManage })) || !observing(bucket(observeMode)) {
		t.Error("only managementPolicy: Observe observes")
	}
}
