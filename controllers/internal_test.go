package controllers

import (
	"strings"
	"testing"
	"time"

	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"

	ossv1 "github.com/ossoperator/oss-operator/api/v1alpha1"
)

func TestOwnerTagValueFitsOSSLimitsAndStaysUnique(t *testing.T) {
	short := &ossv1.Bucket{ObjectMeta: metav1.ObjectMeta{Namespace: "team-a", Name: "logs"}}
	if got := ownerTagValue("c1", short); got != "c1/team-a/logs" {
		t.Errorf("short value = %q", got)
	}
	long1 := &ossv1.Bucket{ObjectMeta: metav1.ObjectMeta{Namespace: strings.Repeat("n", 63), Name: strings.Repeat("x", 200) + "1"}}
	long2 := &ossv1.Bucket{ObjectMeta: metav1.ObjectMeta{Namespace: strings.Repeat("n", 63), Name: strings.Repeat("x", 200) + "2"}}
	v1, v2 := ownerTagValue("0c7e0b6a-5d0e-4f5e-9a59-3b2a1c4d5e6f", long1), ownerTagValue("0c7e0b6a-5d0e-4f5e-9a59-3b2a1c4d5e6f", long2)
	if len(v1) > maxTagValue || len(v2) > maxTagValue {
		t.Errorf("values longer than %d bytes: %d, %d", maxTagValue, len(v1), len(v2))
	}
	if v1 == v2 {
		t.Errorf("two resources share the owner value %q", v1)
	}
	if v1 != ownerTagValue("0c7e0b6a-5d0e-4f5e-9a59-3b2a1c4d5e6f", long1) {
		t.Errorf("the value is not stable")
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
