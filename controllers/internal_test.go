package controllers

import (
	"maps"
	"strings"
	"testing"
	"time"

	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/types"

	ossv1 "github.com/ossoperator/oss-operator/api/v1alpha1"
)

// The ownership tag names the Bucket by UIDs, fits OSS's limit, and says nothing of the cluster ID or
// of names to whoever reads it in OSS.
func TestOwnerTagNamesUIDsAndDisclosesNothing(t *testing.T) {
	const cluster = "0c7e0b6a-5d0e-4f5e-9a59-3b2a1c4d5e6f"
	ns, uid := types.UID("11111111-2222-4333-8444-555555555555"), types.UID("66666666-7777-4888-8999-aaaaaaaaaaaa")
	tag := ownerTag(cluster, ns, uid)
	if len(tag) > maxTagValue {
		t.Errorf("%q is longer than %d bytes", tag, maxTagValue)
	}
	if strings.Contains(tag, cluster) || strings.Contains(tag, cluster[:8]) {
		t.Errorf("%q discloses the cluster ID", tag)
	}
	if gotNS, gotUID, ok := parseOwnerTag(cluster, tag); !ok || gotNS != ns || gotUID != uid {
		t.Errorf("parse(%q) = %q %q %v", tag, gotNS, gotUID, ok)
	}
	if _, _, ok := parseOwnerTag("another-cluster", tag); ok {
		t.Errorf("another cluster's operator takes %q for one of its own", tag)
	}
	if ownerTag(cluster, ns, "66666666-7777-4888-8999-aaaaaaaaaaab") == tag || ownerTag(cluster, "11111111-2222-4333-8444-555555555556", uid) == tag {
		t.Error("two resources share an ownership tag")
	}
	for _, legacy := range []string{cluster + "/team-a/logs", "c1/team-a/logs/x", ""} {
		if _, _, ok := parseOwnerTag(cluster, legacy); ok {
			t.Errorf("%q taken for a tag naming UIDs", legacy)
		}
	}
}

// Tags of earlier versions are still recognised, long names included (a prefix and a digest).
func TestLegacyOwnerTagIsRecognisedAsEarlierVersionsWroteIt(t *testing.T) {
	short := &ossv1.Bucket{ObjectMeta: metav1.ObjectMeta{Namespace: "team-a", Name: "logs"}}
	if got := legacyOwnerTag("c1", short); got != "c1/team-a/logs" {
		t.Errorf("short value = %q", got)
	}
	long1 := &ossv1.Bucket{ObjectMeta: metav1.ObjectMeta{Namespace: strings.Repeat("n", 63), Name: strings.Repeat("x", 200) + "1"}}
	long2 := &ossv1.Bucket{ObjectMeta: metav1.ObjectMeta{Namespace: strings.Repeat("n", 63), Name: strings.Repeat("x", 200) + "2"}}
	v1, v2 := legacyOwnerTag("0c7e0b6a-5d0e-4f5e-9a59-3b2a1c4d5e6f", long1), legacyOwnerTag("0c7e0b6a-5d0e-4f5e-9a59-3b2a1c4d5e6f", long2)
	if len(v1) > maxTagValue || len(v2) > maxTagValue || v1 == v2 {
		t.Errorf("legacy values %q and %q: over %d bytes, or equal", v1, v2, maxTagValue)
	}
	if rel, ok := relateOwn("0c7e0b6a-5d0e-4f5e-9a59-3b2a1c4d5e6f", long1, v1); !ok || rel != taggedThisName {
		t.Errorf("a long legacy tag of this Bucket is related as %d, %v", rel, ok)
	}
}

// A migration rewrites the ownership tag alone: the other tags found stay, and the tags setting then
// says (and corrects, with its Event) what else differs from the spec.
func TestMigrationRewritesOnlyTheOwnershipTag(t *testing.T) {
	b := bucket(managed, func(b *ossv1.Bucket) { b.Spec.Tags = map[string]string{"team": "data"} })
	obs := existing(map[string]string{ossv1.OwnershipTagKey: testLegacyOwner, "team": "by-hand"})
	obs.settings = map[string]settingValue{tagsSetting.name: {got: obs.tags}}
	plan := decideBucket(b, b.Status.DeepCopy(), obs, "cn-hangzhou")
	if plan.verdict != nil || plan.claimEvent != nil {
		t.Fatalf("verdict %v, event %v; want a silent rewrite", plan.verdict, plan.claimEvent)
	}
	want := map[string]string{ossv1.OwnershipTagKey: testOwner, "team": "by-hand"}
	if !maps.Equal(plan.claim, want) {
		t.Errorf("rewritten tags %v, want %v", plan.claim, want)
	}
	var tags *settingPlan
	for i := range plan.settings {
		if plan.settings[i].name == tagsSetting.name {
			tags = &plan.settings[i]
		}
	}
	if tags == nil || !tags.write {
		t.Errorf("the tags setting does not correct team=by-hand: %+v", tags)
	}
}

func TestPollingGrowsWithTheWaitFromItsFloorTo5m(t *testing.T) {
	tests := []struct {
		waited, floor, want time.Duration
	}{
		{0, blockedFloor, 30 * time.Second},
		{20 * time.Second, blockedFloor, 30 * time.Second},
		{2 * time.Minute, blockedFloor, 2 * time.Minute},
		{time.Hour, blockedFloor, 5 * time.Minute},
		{0, pollFloor, 10 * time.Second},
		{time.Hour, pollFloor, 5 * time.Minute},
	}
	for _, tc := range tests {
		if got := pollDelay(tc.waited, tc.floor); got != tc.want {
			t.Errorf("waited %v (floor %v): retry after %v, want %v", tc.waited, tc.floor, got, tc.want)
		}
	}
}

func TestJitterStaysWithinTenPercent(t *testing.T) {
	for i := 0; i < 1000; i++ {
		if d := jitter(10 * time.Minute); d < 9*time.Minute || d > 11*time.Minute {
			t.Fatalf("jitter(10m) = %v", d)
		}
	}
}

func TestHTTPEndpointsNeedTheFlag(t *testing.T) {
	local, err := NewEndpointPolicy([]string{"127.0.0.1"})
	if err != nil {
		t.Fatal(err)
	}
	ak := &ossv1.AccessKey{Spec: ossv1.AccessKeySpec{Region: "cn-hangzhou", Endpoint: "http://127.0.0.1:9000"}}
	_, err = (&OSSClients{AllowedEndpoints: local}).config(ak, "cn-hangzhou")
	cerr, ok := err.(*CredentialsError)
	if !ok || cerr.Reason != ossv1.ReasonInsecureEndpoint || !strings.Contains(cerr.Message, "--allow-insecure-endpoints") {
		t.Fatalf("http endpoint without the flag: %v", err)
	}
	if _, err := (&OSSClients{AllowedEndpoints: local, AllowInsecureEndpoints: true}).config(ak, "cn-hangzhou"); err != nil {
		t.Fatalf("http endpoint with the flag: %v", err)
	}
	ak.Spec.Endpoint = "oss-cn-hangzhou.aliyuncs.com"
	cfg, err := (&OSSClients{}).config(ak, "cn-hangzhou")
	if err != nil || cfg.Endpoint != "https://oss-cn-hangzhou.aliyuncs.com" {
		t.Fatalf("endpoint without scheme: %q, %v", cfg.Endpoint, err)
	}
}

// The flag for insecure endpoints never opens a host the operator does not allow; nor does a region.
func TestEndpointsOutsideThePolicyAreRefusedBeforeAnyRequest(t *testing.T) {
	for _, tc := range []struct {
		endpoint, region string
		internal         bool
	}{
		{endpoint: "http://100.100.100.200", region: "cn-hangzhou"},
		{endpoint: "https://kubernetes.default.svc:443", region: "cn-hangzhou"},
		{endpoint: "oss-cn-hangzhou.aliyuncs.com.evil.example", region: "cn-hangzhou"},
		{endpoint: "http://127.0.0.1:9000", region: "cn-hangzhou"},
	} {
		ak := &ossv1.AccessKey{Spec: ossv1.AccessKeySpec{Region: tc.region, Endpoint: tc.endpoint, Internal: tc.internal}}
		_, err := (&OSSClients{AllowInsecureEndpoints: true}).config(ak, tc.region)
		cerr, ok := err.(*CredentialsError)
		if !ok || cerr.Reason != ossv1.ReasonEndpointNotAllowed || !strings.Contains(cerr.Message, "nothing was sent") {
			t.Errorf("endpoint %q: %v, want EndpointNotAllowed", tc.endpoint, err)
		}
	}
	narrow, _ := NewEndpointPolicy([]string{"oss-cn-hangzhou.aliyuncs.com"})
	ak := &ossv1.AccessKey{Spec: ossv1.AccessKeySpec{Region: "cn-beijing"}}
	if _, err := (&OSSClients{AllowedEndpoints: narrow}).config(ak, "cn-beijing"); err == nil {
		t.Error("a region whose endpoint is not allowed was accepted")
	}
	ak.Spec.Internal = true
	if _, err := (&OSSClients{}).config(ak, "cn-beijing"); err != nil {
		t.Errorf("the internal endpoint of a region, by default: %v", err)
	}
}
