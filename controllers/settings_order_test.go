package controllers

import (
	"context"
	"strings"
	"testing"
	"time"

	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/utils/ptr"

	ossv1 "github.com/ossoperator/oss-operator/api/v1alpha1"
	"github.com/ossoperator/oss-operator/ossapi"
	"github.com/ossoperator/oss-operator/ossapi/osstest"
)

// Settings are reconciled concurrently, but a public ACL and a public policy wait for Block Public
// Access to be switched off, however slowly OSS answers that write: on a new bucket (Block Public
// Access on by default) they would be refused otherwise.
func TestPublicSettingsWaitForBlockPublicAccess(t *testing.T) {
	const name = "settings-order"
	client, info := newEmulatedBucket(t, name, true, osstest.Fault{Operation: ossapi.OpPutBucketPublicAccessBlock, Delay: 300 * time.Millisecond})
	ctx := context.Background()

	b := &ossv1.Bucket{ObjectMeta: metav1.ObjectMeta{Namespace: "ns", Name: name}}
	b.Spec.PublicAccessBlock = ptr.To(false)
	b.Spec.ACL = "public-read"
	b.Spec.Policy = ptr.To(`{"Version":"1","Statement":[{"Effect":"Allow","Action":["oss:GetObject"],"Principal":["*"],"Resource":["acs:oss:*:*:` + name + `/*"]}]}`)
	b.Spec.Versioning = "Enabled"
	b.Spec.Tags = map[string]string{"team": "a"}
	owner := "c/ns/" + name
	plans := settleSettings(ctx, &Conn{Client: client}, b, &ossv1.BucketStatus{}, owner, &bucketView{info: info, fresh: true, tags: withOwner(b.Spec.Tags, owner)})
	out, statuses := concludeBucket(b, bucketPlan{settings: plans}, nil, info.Location, true)
	if out.state != ready {
		t.Fatalf("settings failed: %s", out.message)
	}
	var names []string
	for _, st := range statuses {
		if !st.InSync {
			t.Errorf("%s not in sync: %s", st.Name, st.Message)
		}
		names = append(names, st.Name)
	}
	// status.settings keeps one order whatever order OSS answered in.
	if got, want := strings.Join(names, ","), "publicAccessBlock,versioning,acl,policy,tags"; got != want {
		t.Errorf("status.settings order = %s, want %s", got, want)
	}
	acl, err := client.GetBucketAcl(ctx, name)
	if err != nil || acl.ACL != ossapi.ACLPublicRead {
		t.Errorf("ACL in OSS = %v, %v; want public-read", acl, err)
	}
	if _, err := client.GetBucketPolicy(ctx, name); err != nil {
		t.Errorf("policy in OSS: %v", err)
	}
}

// Block Public Access on by default is a rollout, region by region: a new bucket that GetBucketInfo
// reports without it gets it when the spec asks for it, rather than being assumed to have it.
func TestNewBucketWithoutBlockPublicAccessGetsIt(t *testing.T) {
	const name = "bpa-rollout"
	client, info := newEmulatedBucket(t, name, false)
	ctx := context.Background()
	b := &ossv1.Bucket{ObjectMeta: metav1.ObjectMeta{Namespace: "ns", Name: name}}
	b.Spec.PublicAccessBlock = ptr.To(true)
	plans := settleSettings(ctx, &Conn{Client: client}, b, &ossv1.BucketStatus{}, "c/ns/"+name, &bucketView{info: info, fresh: true})
	if out, _ := concludeBucket(b, bucketPlan{settings: plans}, nil, info.Location, true); out.state != ready {
		t.Fatalf("settings failed: %s", out.message)
	}
	cfg, err := client.GetBucketPublicAccessBlock(ctx, name)
	if err != nil || !cfg.BlockPublicAccess {
		t.Errorf("Block Public Access in OSS = %+v, %v; want on", cfg, err)
	}
}

// newEmulatedBucket creates a bucket in a new emulator, with Block Public Access on or off for new
// buckets and the faults given, and returns a client of its account and the bucket's GetBucketInfo.
func newEmulatedBucket(t *testing.T, name string, blockPublicAccess bool, faults ...osstest.Fault) (*ossapi.Client, *ossapi.BucketInfo) {
	t.Helper()
	srv := osstest.NewServer(osstest.WithBlockPublicAccessByDefault(blockPublicAccess),
		osstest.WithAccount(osstest.Account{ID: "1001", Keys: []osstest.Key{{AccessKeyID: "LTAIsettings", AccessKeySecret: "settings-secret"}}}))
	t.Cleanup(srv.Close)
	for _, f := range faults {
		srv.InjectFault(f)
	}
	client, err := ossapi.New(ossapi.Config{Region: osstest.DefaultRegion, Endpoint: srv.URL,
		Credentials: ossapi.StaticCredentials{AccessKeyID: "LTAIsettings", AccessKeySecret: "settings-secret"}})
	if err != nil {
		t.Fatal(err)
	}
	if err := client.PutBucket(context.Background(), &ossapi.PutBucketRequest{Bucket: name}); err != nil {
		t.Fatal(err)
	}
	info, err := client.GetBucketInfo(context.Background(), name)
	if err != nil {
		t.Fatal(err)
	}
	return client, info
}
