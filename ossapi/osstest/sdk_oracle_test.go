package osstest_test

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"io"
	"net/http"
	"reflect"
	"sort"
	"strings"
	"testing"
	"time"

	"github.com/aliyun/alibabacloud-oss-go-sdk-v2/oss"
	"github.com/aliyun/alibabacloud-oss-go-sdk-v2/oss/credentials"

	"github.com/ossoperator/oss-operator/ossapi"
	"github.com/ossoperator/oss-operator/ossapi/osstest"
)

// The official SDK (alibabacloud-oss-go-sdk-v2) is the oracle for the emulator: what the SDK sends must
// verify and route, what the emulator answers must parse into the values that were put, and errors must
// reach the SDK as the *oss.ServiceError OSS would produce. Every operation the emulator implements for
// ossapi is driven with V4 and V1 signatures, with a long-term key and with an STS token.

var (
	oracleKey   = osstest.Key{AccessKeyID: "LTAIoracle", AccessKeySecret: "oracle-secret"}
	oracleSTS   = osstest.Key{AccessKeyID: "STS.oracle", AccessKeySecret: "oracle-sts-secret", SecurityToken: "oracle-sts-token"}
	oracleOwner = osstest.Account{ID: "2000000000000001", DisplayName: "oracle", Keys: []osstest.Key{oracleKey, oracleSTS}}
	oracleOther = osstest.Account{ID: "2000000000000002", DisplayName: "other",
		Keys: []osstest.Key{{AccessKeyID: "LTAIother", AccessKeySecret: "other-secret"}}}
)

// oracleClient is an SDK client for the emulator at endpoint, signing with k.
func oracleClient(endpoint string, k osstest.Key, v1 bool, mod ...func(*oss.Config)) *oss.Client {
	cfg := oss.LoadDefaultConfig().
		WithCredentialsProvider(credentials.NewStaticCredentialsProvider(k.AccessKeyID, k.AccessKeySecret, k.SecurityToken)).
		WithRegion("cn-hangzhou").
		WithEndpoint(endpoint).
		WithUsePathStyle(true).
		WithRetryMaxAttempts(1)
	if v1 {
		cfg = cfg.WithSignatureVersion(oss.SignatureVersionV1)
	}
	for _, m := range mod {
		m(cfg)
	}
	return oss.NewClient(cfg)
}

// oracleWantError asserts that err is the service error OSS would answer.
func oracleWantError(t *testing.T, err error, status int, code string) *oss.ServiceError {
	t.Helper()
	var se *oss.ServiceError
	if !errors.As(err, &se) {
		t.Fatalf("got %T %v, want a *oss.ServiceError %d %s", err, err, status, code)
	}
	if se.StatusCode != status || se.Code != code {
		t.Fatalf("got %d %s (%s), want %d %s", se.StatusCode, se.Code, se.Message, status, code)
	}
	if se.RequestID == "" || se.Message == "" {
		t.Errorf("%s: RequestId %q, Message %q: both should be set", code, se.RequestID, se.Message)
	}
	return se
}

func oracleNoError(t *testing.T, err error) {
	t.Helper()
	if err != nil {
		t.Fatalf("unexpected error: %v", err)
	}
}

// oracleSame compares what was put with what was got, printing both as JSON when they differ.
func oracleSame(t *testing.T, what string, got, want any) {
	t.Helper()
	if !reflect.DeepEqual(got, want) {
		g, _ := json.Marshal(got)
		w, _ := json.Marshal(want)
		t.Errorf("%s:\n got %s\nwant %s", what, g, w)
	}
}

type oracleStep struct {
	name string
	run  func(t *testing.T)
}

func TestSDKOracle(t *testing.T) {
	for _, sig := range []struct {
		name string
		v1   bool
	}{{"V4", false}, {"V1", true}} {
		for _, sts := range []bool{false, true} {
			name := sig.name
			key := oracleKey
			if sts {
				name += "/STS"
				key = oracleSTS
			}
			t.Run(name, func(t *testing.T) {
				t.Parallel()
				srv := osstest.NewServer(osstest.WithAccount(oracleOwner), osstest.WithAccount(oracleOther),
					osstest.WithRegion("cn-hangzhou"), osstest.WithBlockPublicAccessByDefault(true))
				t.Cleanup(srv.Close)
				o := &oracle{srv: srv, c: oracleClient(srv.URL, key, sig.v1), key: key, v1: sig.v1}
				for _, step := range o.steps() {
					if o.v1 && step.name == "V4 additional headers" {
						continue // V1 has no additional headers to sign
					}
					t.Run(step.name, step.run)
				}
				// Every operation ossapi implements went through the emulator.
				for _, op := range ossapi.Operations {
					if srv.Calls(op) == 0 {
						t.Errorf("the SDK never called %s", op)
					}
				}
			})
		}
	}
}

type oracle struct {
	srv *osstest.Server
	c   *oss.Client
	key osstest.Key
	v1  bool
}

const (
	oracleBucket  = "oracle-bucket"
	oracleLogs    = "oracle-logs"
	oracleTaken   = "oracle-taken"
	oracleMissing = "oracle-missing"
	oracleObject  = "dir/a b+c~\u00fc%41.txt"
	oracleUpload  = "big object/\u6f22.bin"
)

func (o *oracle) steps() []oracleStep {
	ctx := context.Background()
	bucket := oss.Ptr(oracleBucket)
	var objectVersion string
	return []oracleStep{
		{"ListBuckets empty", func(t *testing.T) {
			res, err := o.c.ListBuckets(ctx, &oss.ListBucketsRequest{})
			oracleNoError(t, err)
			if len(res.Buckets) != 0 || res.Owner == nil || oss.ToString(res.Owner.ID) != oracleOwner.ID {
				t.Errorf("got %d buckets, owner %+v", len(res.Buckets), res.Owner)
			}
		}},
		{"GetBucketInfo NoSuchBucket", func(t *testing.T) {
			_, err := o.c.GetBucketInfo(ctx, &oss.GetBucketInfoRequest{Bucket: oss.Ptr(oracleMissing)})
			se := oracleWantError(t, err, http.StatusNotFound, ossapi.CodeNoSuchBucket)
			if se.EC != "0015-00000101" {
				t.Errorf("EC = %q, want 0015-00000101", se.EC)
			}
		}},
		{"PutBucket", func(t *testing.T) {
			_, err := o.c.PutBucket(ctx, &oss.PutBucketRequest{Bucket: bucket, Acl: oss.BucketACLPrivate,
				ResourceGroupId: oss.Ptr("rg-oracle1"),
				CreateBucketConfiguration: &oss.CreateBucketConfiguration{
					StorageClass: oss.StorageClassIA, DataRedundancyType: oss.DataRedundancyZRS}})
			oracleNoError(t, err)
			_, err = o.c.PutBucket(ctx, &oss.PutBucketRequest{Bucket: oss.Ptr(oracleLogs)})
			oracleNoError(t, err)
		}},
		{"PutBucket again is idempotent", func(t *testing.T) {
			_, err := o.c.PutBucket(ctx, &oss.PutBucketRequest{Bucket: bucket, Acl: oss.BucketACLPrivate,
				CreateBucketConfiguration: &oss.CreateBucketConfiguration{
					StorageClass: oss.StorageClassIA, DataRedundancyType: oss.DataRedundancyZRS}})
			oracleNoError(t, err)
		}},
		{"PutBucket BucketAlreadyExists", func(t *testing.T) {
			if err := o.srv.CreateBucket(oracleOther.ID, oracleTaken, ""); err != nil {
				t.Fatal(err)
			}
			_, err := o.c.PutBucket(ctx, &oss.PutBucketRequest{Bucket: oss.Ptr(oracleTaken)})
			oracleWantError(t, err, http.StatusConflict, ossapi.CodeBucketAlreadyExists)
		}},
		{"ListBuckets", func(t *testing.T) {
			res, err := o.c.ListBuckets(ctx, &oss.ListBucketsRequest{Prefix: oss.Ptr("oracle-b"), MaxKeys: 10})
			oracleNoError(t, err)
			if len(res.Buckets) != 1 {
				t.Fatalf("got %d buckets with prefix oracle-b, want 1", len(res.Buckets))
			}
			b := res.Buckets[0]
			if oss.ToString(b.Name) != oracleBucket || oss.ToString(b.Location) != "oss-cn-hangzhou" ||
				oss.ToString(b.Region) != "cn-hangzhou" || oss.ToString(b.StorageClass) != "IA" ||
				oss.ToString(b.ResourceGroupId) != "rg-oracle1" || b.CreationDate == nil || b.CreationDate.IsZero() {
				t.Errorf("bucket %s", mustJSON(b))
			}
			if oss.ToString(res.Prefix) != "oracle-b" || res.MaxKeys != 10 {
				t.Errorf("Prefix %q MaxKeys %d", oss.ToString(res.Prefix), res.MaxKeys)
			}
			all, err := o.c.ListBuckets(ctx, &oss.ListBucketsRequest{})
			oracleNoError(t, err)
			if len(all.Buckets) != 2 {
				t.Errorf("got %d buckets, want 2 (not the other account's)", len(all.Buckets))
			}
		}},
		{"GetBucketInfo", func(t *testing.T) {
			res, err := o.c.GetBucketInfo(ctx, &oss.GetBucketInfoRequest{Bucket: bucket})
			oracleNoError(t, err)
			i := res.BucketInfo
			if oss.ToString(i.Name) != oracleBucket || oss.ToString(i.Location) != "oss-cn-hangzhou" ||
				oss.ToString(i.StorageClass) != "IA" || oss.ToString(i.DataRedundancyType) != "ZRS" ||
				oss.ToString(i.ACL) != "private" || i.Owner == nil || oss.ToString(i.Owner.ID) != oracleOwner.ID ||
				oss.ToString(i.ResourceGroupId) != "rg-oracle1" || i.BlockPublicAccess == nil || !*i.BlockPublicAccess ||
				i.CreationDate == nil || oss.ToString(i.ExtranetEndpoint) == "" {
				t.Errorf("bucket info %s", mustJSON(i))
			}
		}},
		{"GetBucketLocation", func(t *testing.T) {
			res, err := o.c.GetBucketLocation(ctx, &oss.GetBucketLocationRequest{Bucket: bucket})
			oracleNoError(t, err)
			if oss.ToString(res.LocationConstraint) != "oss-cn-hangzhou" {
				t.Errorf("location %q", oss.ToString(res.LocationConstraint))
			}
		}},
		{"GetBucketStat", func(t *testing.T) {
			res, err := o.c.GetBucketStat(ctx, &oss.GetBucketStatRequest{Bucket: bucket})
			oracleNoError(t, err)
			if res.ObjectCount != 0 || res.MultipartUploadCount != 0 || res.Storage != 0 {
				t.Errorf("stat %s", mustJSON(res))
			}
		}},
		{"Acl and PublicAccessBlock", func(t *testing.T) {
			_, err := o.c.PutBucketAcl(ctx, &oss.PutBucketAclRequest{Bucket: bucket, Acl: oss.BucketACLPublicRead})
			oracleWantError(t, err, http.StatusForbidden, ossapi.CodeAccessDenied)

			pab, err := o.c.GetBucketPublicAccessBlock(ctx, &oss.GetBucketPublicAccessBlockRequest{Bucket: bucket})
			oracleNoError(t, err)
			if pab.PublicAccessBlockConfiguration == nil || !oss.ToBool(pab.PublicAccessBlockConfiguration.BlockPublicAccess) {
				t.Errorf("new bucket: public access block %s, want on", mustJSON(pab.PublicAccessBlockConfiguration))
			}
			_, err = o.c.PutBucketPublicAccessBlock(ctx, &oss.PutBucketPublicAccessBlockRequest{Bucket: bucket,
				PublicAccessBlockConfiguration: &oss.PublicAccessBlockConfiguration{BlockPublicAccess: oss.Ptr(false)}})
			oracleNoError(t, err)
			pab, err = o.c.GetBucketPublicAccessBlock(ctx, &oss.GetBucketPublicAccessBlockRequest{Bucket: bucket})
			oracleNoError(t, err)
			if pab.PublicAccessBlockConfiguration == nil || oss.ToBool(pab.PublicAccessBlockConfiguration.BlockPublicAccess) {
				t.Errorf("public access block %s, want off", mustJSON(pab.PublicAccessBlockConfiguration))
			}

			_, err = o.c.PutBucketAcl(ctx, &oss.PutBucketAclRequest{Bucket: bucket, Acl: oss.BucketACLPublicRead})
			oracleNoError(t, err)
			acl, err := o.c.GetBucketAcl(ctx, &oss.GetBucketAclRequest{Bucket: bucket})
			oracleNoError(t, err)
			if oss.ToString(acl.ACL) != "public-read" || acl.Owner == nil || oss.ToString(acl.Owner.ID) != oracleOwner.ID ||
				oss.ToString(acl.Owner.DisplayName) != oracleOwner.DisplayName {
				t.Errorf("acl %s owner %s", oss.ToString(acl.ACL), mustJSON(acl.Owner))
			}
			_, err = o.c.PutBucketAcl(ctx, &oss.PutBucketAclRequest{Bucket: bucket, Acl: oss.BucketACLPrivate})
			oracleNoError(t, err)
			_, err = o.c.DeleteBucketPublicAccessBlock(ctx, &oss.DeleteBucketPublicAccessBlockRequest{Bucket: bucket})
			oracleNoError(t, err)
			acl, err = o.c.GetBucketAcl(ctx, &oss.GetBucketAclRequest{Bucket: bucket})
			oracleNoError(t, err)
			if oss.ToString(acl.ACL) != "private" {
				t.Errorf("acl %s, want private", oss.ToString(acl.ACL))
			}
		}},
		{"Versioning", func(t *testing.T) {
			res, err := o.c.GetBucketVersioning(ctx, &oss.GetBucketVersioningRequest{Bucket: bucket})
			oracleNoError(t, err)
			if res.VersionStatus != nil {
				t.Errorf("never-versioned bucket: status %q, want none", *res.VersionStatus)
			}
			_, err = o.c.PutBucketVersioning(ctx, &oss.PutBucketVersioningRequest{Bucket: bucket,
				VersioningConfiguration: &oss.VersioningConfiguration{Status: oss.VersionEnabled}})
			oracleNoError(t, err)
			res, err = o.c.GetBucketVersioning(ctx, &oss.GetBucketVersioningRequest{Bucket: bucket})
			oracleNoError(t, err)
			if oss.ToString(res.VersionStatus) != "Enabled" {
				t.Errorf("status %q, want Enabled", oss.ToString(res.VersionStatus))
			}
		}},
		{"Encryption", func(t *testing.T) {
			_, err := o.c.GetBucketEncryption(ctx, &oss.GetBucketEncryptionRequest{Bucket: bucket})
			oracleWantError(t, err, http.StatusNotFound, ossapi.CodeNoSuchServerSideEncryptionRule)
			want := &oss.ServerSideEncryptionRule{ApplyServerSideEncryptionByDefault: &oss.ApplyServerSideEncryptionByDefault{
				SSEAlgorithm: oss.Ptr("KMS"), KMSMasterKeyID: oss.Ptr("9468da86-3509-4f8d-a61e-6eab1eac"), KMSDataEncryption: oss.Ptr("SM4")}}
			_, err = o.c.PutBucketEncryption(ctx, &oss.PutBucketEncryptionRequest{Bucket: bucket, ServerSideEncryptionRule: want})
			oracleNoError(t, err)
			got, err := o.c.GetBucketEncryption(ctx, &oss.GetBucketEncryptionRequest{Bucket: bucket})
			oracleNoError(t, err)
			oracleSame(t, "encryption", got.ServerSideEncryptionRule, want)
			_, err = o.c.PutBucketEncryption(ctx, &oss.PutBucketEncryptionRequest{Bucket: bucket,
				ServerSideEncryptionRule: &oss.ServerSideEncryptionRule{ApplyServerSideEncryptionByDefault: &oss.ApplyServerSideEncryptionByDefault{
					SSEAlgorithm: oss.Ptr("DES")}}})
			oracleWantError(t, err, http.StatusBadRequest, ossapi.CodeInvalidEncryptionAlgorithm)
			_, err = o.c.DeleteBucketEncryption(ctx, &oss.DeleteBucketEncryptionRequest{Bucket: bucket})
			oracleNoError(t, err)
			_, err = o.c.GetBucketEncryption(ctx, &oss.GetBucketEncryptionRequest{Bucket: bucket})
			oracleWantError(t, err, http.StatusNotFound, ossapi.CodeNoSuchServerSideEncryptionRule)
		}},
		{"Lifecycle", func(t *testing.T) {
			_, err := o.c.GetBucketLifecycle(ctx, &oss.GetBucketLifecycleRequest{Bucket: bucket})
			oracleWantError(t, err, http.StatusNotFound, ossapi.CodeNoSuchLifecycle)
			want := &oss.LifecycleConfiguration{Rules: []oss.LifecycleRule{
				{ID: oss.Ptr("logs"), Prefix: oss.Ptr("logs/"), Status: oss.Ptr("Enabled"),
					Expiration:           &oss.LifecycleRuleExpiration{Days: oss.Ptr(int32(30))},
					Transitions:          []oss.LifecycleRuleTransition{{Days: oss.Ptr(int32(10)), StorageClass: oss.StorageClassIA}},
					AbortMultipartUpload: &oss.LifecycleRuleAbortMultipartUpload{Days: oss.Ptr(int32(7))},
					Tags:                 []oss.Tag{{Key: oss.Ptr("team"), Value: oss.Ptr("a b")}}},
				{ID: oss.Ptr("old"), Prefix: oss.Ptr("tmp/"), Status: oss.Ptr("Disabled"),
					Expiration:                  &oss.LifecycleRuleExpiration{CreatedBeforeDate: oss.Ptr("2023-01-01T00:00:00.000Z")},
					NoncurrentVersionExpiration: &oss.NoncurrentVersionExpiration{NoncurrentDays: oss.Ptr(int32(5))}},
			}}
			_, err = o.c.PutBucketLifecycle(ctx, &oss.PutBucketLifecycleRequest{Bucket: bucket, LifecycleConfiguration: want})
			oracleNoError(t, err)
			got, err := o.c.GetBucketLifecycle(ctx, &oss.GetBucketLifecycleRequest{Bucket: bucket})
			oracleNoError(t, err)
			oracleSame(t, "lifecycle", got.LifecycleConfiguration, want)
			_, err = o.c.DeleteBucketLifecycle(ctx, &oss.DeleteBucketLifecycleRequest{Bucket: bucket})
			oracleNoError(t, err)
			_, err = o.c.GetBucketLifecycle(ctx, &oss.GetBucketLifecycleRequest{Bucket: bucket})
			oracleWantError(t, err, http.StatusNotFound, ossapi.CodeNoSuchLifecycle)
		}},
		{"Cors", func(t *testing.T) {
			_, err := o.c.GetBucketCors(ctx, &oss.GetBucketCorsRequest{Bucket: bucket})
			oracleWantError(t, err, http.StatusNotFound, ossapi.CodeNoSuchCORSConfiguration)
			want := &oss.CORSConfiguration{CORSRules: []oss.CORSRule{{
				AllowedOrigins: []string{"https://example.com", "*"}, AllowedMethods: []string{"GET", "PUT"},
				AllowedHeaders: []string{"Authorization"}, ExposeHeaders: []string{"x-oss-request-id"}, MaxAgeSeconds: oss.Ptr(int64(100))}},
				ResponseVary: oss.Ptr(false)}
			_, err = o.c.PutBucketCors(ctx, &oss.PutBucketCorsRequest{Bucket: bucket, CORSConfiguration: want})
			oracleNoError(t, err)
			got, err := o.c.GetBucketCors(ctx, &oss.GetBucketCorsRequest{Bucket: bucket})
			oracleNoError(t, err)
			oracleSame(t, "cors", got.CORSConfiguration, want)
			_, err = o.c.DeleteBucketCors(ctx, &oss.DeleteBucketCorsRequest{Bucket: bucket})
			oracleNoError(t, err)
			_, err = o.c.GetBucketCors(ctx, &oss.GetBucketCorsRequest{Bucket: bucket})
			oracleWantError(t, err, http.StatusNotFound, ossapi.CodeNoSuchCORSConfiguration)
		}},
		{"Tags", func(t *testing.T) {
			got, err := o.c.GetBucketTags(ctx, &oss.GetBucketTagsRequest{Bucket: bucket})
			oracleNoError(t, err)
			if n := len(sdkTags(got.Tagging)); n != 0 {
				t.Errorf("untagged bucket has %d tags", n)
			}
			want := []oss.Tag{{Key: oss.Ptr("k1"), Value: oss.Ptr("v 1")}, {Key: oss.Ptr("k2"), Value: oss.Ptr("")}, {Key: oss.Ptr("k3"), Value: oss.Ptr("\u00fc+/")}}
			_, err = o.c.PutBucketTags(ctx, &oss.PutBucketTagsRequest{Bucket: bucket, Tagging: &oss.Tagging{TagSet: &oss.TagSet{Tags: want}}})
			oracleNoError(t, err)
			got, err = o.c.GetBucketTags(ctx, &oss.GetBucketTagsRequest{Bucket: bucket})
			oracleNoError(t, err)
			oracleSame(t, "tags", sdkTags(got.Tagging), want)
			_, err = o.c.DeleteBucketTags(ctx, &oss.DeleteBucketTagsRequest{Bucket: bucket, Tagging: oss.Ptr("k1,k3")})
			oracleNoError(t, err)
			got, err = o.c.GetBucketTags(ctx, &oss.GetBucketTagsRequest{Bucket: bucket})
			oracleNoError(t, err)
			oracleSame(t, "tags after deleting k1,k3", sdkTags(got.Tagging), want[1:2])
			_, err = o.c.DeleteBucketTags(ctx, &oss.DeleteBucketTagsRequest{Bucket: bucket})
			oracleNoError(t, err)
			got, err = o.c.GetBucketTags(ctx, &oss.GetBucketTagsRequest{Bucket: bucket})
			oracleNoError(t, err)
			if n := len(sdkTags(got.Tagging)); n != 0 {
				t.Errorf("after DeleteBucketTags: %d tags", n)
			}
		}},
		{"Policy", func(t *testing.T) {
			_, err := o.c.GetBucketPolicy(ctx, &oss.GetBucketPolicyRequest{Bucket: bucket})
			oracleWantError(t, err, http.StatusNotFound, ossapi.CodeNoSuchBucketPolicy)
			policy := `{"Version":"1","Statement":[{"Effect":"Allow","Action":["oss:GetObject"],"Principal":["` +
				oracleOther.ID + `"],"Resource":["acs:oss:*:*:` + oracleBucket + `/*"]}]}`
			_, err = o.c.PutBucketPolicy(ctx, &oss.PutBucketPolicyRequest{Bucket: bucket, Body: strings.NewReader(policy)})
			oracleNoError(t, err)
			got, err := o.c.GetBucketPolicy(ctx, &oss.GetBucketPolicyRequest{Bucket: bucket})
			oracleNoError(t, err)
			if !sameJSON(got.Body, policy) {
				t.Errorf("policy:\n got %s\nwant %s", got.Body, policy)
			}
			// A public policy is refused while Block Public Access is on.
			_, err = o.c.PutBucketPublicAccessBlock(ctx, &oss.PutBucketPublicAccessBlockRequest{Bucket: bucket,
				PublicAccessBlockConfiguration: &oss.PublicAccessBlockConfiguration{BlockPublicAccess: oss.Ptr(true)}})
			oracleNoError(t, err)
			public := `{"Version":"1","Statement":[{"Effect":"Allow","Action":["oss:GetObject"],"Principal":["*"],"Resource":["acs:oss:*:*:` + oracleBucket + `/*"]}]}`
			_, err = o.c.PutBucketPolicy(ctx, &oss.PutBucketPolicyRequest{Bucket: bucket, Body: strings.NewReader(public)})
			oracleWantError(t, err, http.StatusForbidden, ossapi.CodeAccessDenied)
			_, err = o.c.DeleteBucketPublicAccessBlock(ctx, &oss.DeleteBucketPublicAccessBlockRequest{Bucket: bucket})
			oracleNoError(t, err)
			_, err = o.c.DeleteBucketPolicy(ctx, &oss.DeleteBucketPolicyRequest{Bucket: bucket})
			oracleNoError(t, err)
			_, err = o.c.GetBucketPolicy(ctx, &oss.GetBucketPolicyRequest{Bucket: bucket})
			oracleWantError(t, err, http.StatusNotFound, ossapi.CodeNoSuchBucketPolicy)
		}},
		{"Logging", func(t *testing.T) {
			got, err := o.c.GetBucketLogging(ctx, &oss.GetBucketLoggingRequest{Bucket: bucket})
			oracleNoError(t, err)
			if got.BucketLoggingStatus == nil || got.BucketLoggingStatus.LoggingEnabled != nil {
				t.Errorf("logging off: %s", mustJSON(got.BucketLoggingStatus))
			}
			want := &oss.BucketLoggingStatus{LoggingEnabled: &oss.LoggingEnabled{TargetBucket: oss.Ptr(oracleLogs), TargetPrefix: oss.Ptr("access/")}}
			_, err = o.c.PutBucketLogging(ctx, &oss.PutBucketLoggingRequest{Bucket: bucket, BucketLoggingStatus: want})
			oracleNoError(t, err)
			got, err = o.c.GetBucketLogging(ctx, &oss.GetBucketLoggingRequest{Bucket: bucket})
			oracleNoError(t, err)
			oracleSame(t, "logging", got.BucketLoggingStatus, want)
			_, err = o.c.PutBucketLogging(ctx, &oss.PutBucketLoggingRequest{Bucket: bucket,
				BucketLoggingStatus: &oss.BucketLoggingStatus{LoggingEnabled: &oss.LoggingEnabled{TargetBucket: oss.Ptr(oracleTaken)}}})
			oracleWantError(t, err, http.StatusForbidden, ossapi.CodeInvalidTargetBucketForLogging)
			_, err = o.c.DeleteBucketLogging(ctx, &oss.DeleteBucketLoggingRequest{Bucket: bucket})
			oracleNoError(t, err)
			got, err = o.c.GetBucketLogging(ctx, &oss.GetBucketLoggingRequest{Bucket: bucket})
			oracleNoError(t, err)
			if got.BucketLoggingStatus == nil || got.BucketLoggingStatus.LoggingEnabled != nil {
				t.Errorf("after delete: %s", mustJSON(got.BucketLoggingStatus))
			}
		}},
		{"Website", func(t *testing.T) {
			_, err := o.c.GetBucketWebsite(ctx, &oss.GetBucketWebsiteRequest{Bucket: bucket})
			oracleWantError(t, err, http.StatusNotFound, ossapi.CodeNoSuchWebsiteConfiguration)
			want := &oss.WebsiteConfiguration{
				IndexDocument: &oss.IndexDocument{Suffix: oss.Ptr("index.html"), SupportSubDir: oss.Ptr(true), Type: oss.Ptr(int64(0))},
				ErrorDocument: &oss.ErrorDocument{Key: oss.Ptr("error.html"), HttpStatus: oss.Ptr(int64(404))}}
			_, err = o.c.PutBucketWebsite(ctx, &oss.PutBucketWebsiteRequest{Bucket: bucket, WebsiteConfiguration: want})
			oracleNoError(t, err)
			got, err := o.c.GetBucketWebsite(ctx, &oss.GetBucketWebsiteRequest{Bucket: bucket})
			oracleNoError(t, err)
			oracleSame(t, "website", got.WebsiteConfiguration, want)
			_, err = o.c.DeleteBucketWebsite(ctx, &oss.DeleteBucketWebsiteRequest{Bucket: bucket})
			oracleNoError(t, err)
			_, err = o.c.GetBucketWebsite(ctx, &oss.GetBucketWebsiteRequest{Bucket: bucket})
			oracleWantError(t, err, http.StatusNotFound, ossapi.CodeNoSuchWebsiteConfiguration)
		}},
		{"Referer", func(t *testing.T) {
			got, err := o.c.GetBucketReferer(ctx, &oss.GetBucketRefererRequest{Bucket: bucket})
			oracleNoError(t, err)
			if got.RefererConfiguration == nil || !oss.ToBool(got.RefererConfiguration.AllowEmptyReferer) {
				t.Errorf("default referer configuration %s, want AllowEmptyReferer true", mustJSON(got.RefererConfiguration))
			}
			want := &oss.RefererConfiguration{AllowEmptyReferer: oss.Ptr(false), AllowTruncateQueryString: oss.Ptr(true), TruncatePath: oss.Ptr(true),
				RefererList:      &oss.RefererList{Referers: []string{"http://www.aliyun.com", "https://*.example.com"}},
				RefererBlacklist: &oss.RefererBlacklist{Referers: []string{"http://www.refuse.com"}}}
			_, err = o.c.PutBucketReferer(ctx, &oss.PutBucketRefererRequest{Bucket: bucket, RefererConfiguration: want})
			oracleNoError(t, err)
			got, err = o.c.GetBucketReferer(ctx, &oss.GetBucketRefererRequest{Bucket: bucket})
			oracleNoError(t, err)
			oracleSame(t, "referer", got.RefererConfiguration, want)
		}},
		{"ResourceGroup", func(t *testing.T) {
			got, err := o.c.GetBucketResourceGroup(ctx, &oss.GetBucketResourceGroupRequest{Bucket: bucket})
			oracleNoError(t, err)
			if got.BucketResourceGroupConfiguration == nil || oss.ToString(got.BucketResourceGroupConfiguration.ResourceGroupId) != "rg-oracle1" {
				t.Errorf("resource group %s, want rg-oracle1 (PutBucket's)", mustJSON(got.BucketResourceGroupConfiguration))
			}
			_, err = o.c.PutBucketResourceGroup(ctx, &oss.PutBucketResourceGroupRequest{Bucket: bucket,
				BucketResourceGroupConfiguration: &oss.BucketResourceGroupConfiguration{ResourceGroupId: oss.Ptr("rg-aek27tc123")}})
			oracleNoError(t, err)
			got, err = o.c.GetBucketResourceGroup(ctx, &oss.GetBucketResourceGroupRequest{Bucket: bucket})
			oracleNoError(t, err)
			if oss.ToString(got.BucketResourceGroupConfiguration.ResourceGroupId) != "rg-aek27tc123" {
				t.Errorf("resource group %s", mustJSON(got.BucketResourceGroupConfiguration))
			}
		}},
		{"PutObject and listings", func(t *testing.T) {
			res, err := o.c.PutObject(ctx, &oss.PutObjectRequest{Bucket: bucket, Key: oss.Ptr(oracleObject),
				ContentType: oss.Ptr("text/plain"), Body: strings.NewReader("hello")})
			oracleNoError(t, err)
			if oss.ToString(res.ETag) != `"5D41402ABC4B2A76B9719D911017C592"` || oss.ToString(res.VersionId) == "" {
				t.Errorf("ETag %s VersionId %q", oss.ToString(res.ETag), oss.ToString(res.VersionId))
			}
			objectVersion = oss.ToString(res.VersionId)

			v2, err := o.c.ListObjectsV2(ctx, &oss.ListObjectsV2Request{Bucket: bucket, Prefix: oss.Ptr("dir/a b"), FetchOwner: true})
			oracleNoError(t, err)
			if len(v2.Contents) != 1 || oss.ToString(v2.Contents[0].Key) != oracleObject || v2.Contents[0].Size != 5 ||
				oss.ToString(v2.Contents[0].ETag) != oss.ToString(res.ETag) || v2.Contents[0].Owner == nil ||
				oss.ToString(v2.Prefix) != "dir/a b" || v2.KeyCount != 1 {
				t.Errorf("ListObjectsV2 %s", mustJSON(v2))
			}
			v2, err = o.c.ListObjectsV2(ctx, &oss.ListObjectsV2Request{Bucket: bucket, Delimiter: oss.Ptr("/")})
			oracleNoError(t, err)
			if len(v2.Contents) != 0 || len(v2.CommonPrefixes) != 1 || oss.ToString(v2.CommonPrefixes[0].Prefix) != "dir/" {
				t.Errorf("ListObjectsV2 with delimiter %s", mustJSON(v2))
			}

			_, err = o.c.DeleteObject(ctx, &oss.DeleteObjectRequest{Bucket: bucket, Key: oss.Ptr(oracleObject)})
			oracleNoError(t, err)
			vs, err := o.c.ListObjectVersions(ctx, &oss.ListObjectVersionsRequest{Bucket: bucket, Prefix: oss.Ptr("dir/")})
			oracleNoError(t, err)
			if len(vs.ObjectVersions) != 1 || len(vs.ObjectDeleteMarkers) != 1 ||
				oss.ToString(vs.ObjectVersions[0].Key) != oracleObject || oss.ToString(vs.ObjectVersions[0].VersionId) != objectVersion ||
				vs.ObjectVersions[0].IsLatest || !vs.ObjectDeleteMarkers[0].IsLatest || oss.ToString(vs.ObjectDeleteMarkers[0].Key) != oracleObject {
				t.Errorf("ListObjectVersions %s", mustJSON(vs))
			}
		}},
		{"DeleteObject reports the delete marker", func(t *testing.T) {
			res, err := o.c.DeleteObject(ctx, &oss.DeleteObjectRequest{Bucket: bucket, Key: oss.Ptr("never-written")})
			oracleNoError(t, err)
			if !res.DeleteMarker || oss.ToString(res.VersionId) == "" {
				t.Errorf("DeleteObject on a versioned bucket: marker %v version %q", res.DeleteMarker, oss.ToString(res.VersionId))
			}
		}},
		{"Multipart upload keeps the bucket", func(t *testing.T) {
			init, err := o.c.InitiateMultipartUpload(ctx, &oss.InitiateMultipartUploadRequest{Bucket: bucket, Key: oss.Ptr(oracleUpload)})
			oracleNoError(t, err)
			if oss.ToString(init.Key) != oracleUpload || oss.ToString(init.UploadId) == "" || oss.ToString(init.Bucket) != oracleBucket {
				t.Errorf("InitiateMultipartUpload %s", mustJSON(init))
			}
			ups, err := o.c.ListMultipartUploads(ctx, &oss.ListMultipartUploadsRequest{Bucket: bucket})
			oracleNoError(t, err)
			if len(ups.Uploads) != 1 || oss.ToString(ups.Uploads[0].Key) != oracleUpload || oss.ToString(ups.Uploads[0].UploadId) != oss.ToString(init.UploadId) {
				t.Errorf("ListMultipartUploads %s", mustJSON(ups))
			}
			_, err = o.c.AbortMultipartUpload(ctx, &oss.AbortMultipartUploadRequest{Bucket: bucket, Key: oss.Ptr(oracleUpload), UploadId: oss.Ptr("no-such-upload")})
			oracleWantError(t, err, http.StatusNotFound, ossapi.CodeNoSuchUpload)

			o.emptyVersions(t, bucket)
			_, err = o.c.DeleteBucket(ctx, &oss.DeleteBucketRequest{Bucket: bucket})
			oracleWantError(t, err, http.StatusConflict, ossapi.CodeBucketNotEmpty)

			_, err = o.c.AbortMultipartUpload(ctx, &oss.AbortMultipartUploadRequest{Bucket: bucket, Key: oss.Ptr(oracleUpload), UploadId: init.UploadId})
			oracleNoError(t, err)
			ups, err = o.c.ListMultipartUploads(ctx, &oss.ListMultipartUploadsRequest{Bucket: bucket})
			oracleNoError(t, err)
			if len(ups.Uploads) != 0 {
				t.Errorf("after abort: %s", mustJSON(ups))
			}
		}},
		{"Presigned PutObject and GetObject", func(t *testing.T) {
			put, err := o.c.Presign(ctx, &oss.PutObjectRequest{Bucket: bucket, Key: oss.Ptr("presigned/a b+\u00fc.txt")}, oss.PresignExpires(10*time.Minute))
			oracleNoError(t, err)
			status, body := oracleHTTP(t, put.Method, put.URL, put.SignedHeaders, "presigned body")
			if status != http.StatusOK {
				t.Fatalf("presigned PUT: %d %s", status, body)
			}
			get, err := o.c.Presign(ctx, &oss.GetObjectRequest{Bucket: bucket, Key: oss.Ptr("presigned/a b+\u00fc.txt")}, oss.PresignExpires(10*time.Minute))
			oracleNoError(t, err)
			status, body = oracleHTTP(t, get.Method, get.URL, get.SignedHeaders, "")
			if status != http.StatusOK || body != "presigned body" {
				t.Errorf("presigned GET: %d %q", status, body)
			}
			bad := strings.Replace(get.URL, "presigned/", "presigned/x", 1)
			if status, body = oracleHTTP(t, get.Method, bad, get.SignedHeaders, ""); status != http.StatusForbidden || !strings.Contains(body, ossapi.CodeSignatureDoesNotMatch) {
				t.Errorf("tampered presigned GET: %d %s", status, body)
			}
		}},
		{"DeleteMultipleObjects", func(t *testing.T) {
			for _, k := range []string{"x/1", "x/2 two", "x/\u00fc&<3>"} {
				_, err := o.c.PutObject(ctx, &oss.PutObjectRequest{Bucket: bucket, Key: oss.Ptr(k), Body: strings.NewReader(k)})
				oracleNoError(t, err)
			}
			res, err := o.c.DeleteMultipleObjects(ctx, &oss.DeleteMultipleObjectsRequest{Bucket: bucket,
				Objects: []oss.DeleteObject{{Key: oss.Ptr("x/1")}, {Key: oss.Ptr("x/2 two")}, {Key: oss.Ptr("x/\u00fc&<3>")}}})
			oracleNoError(t, err)
			var keys []string
			for _, d := range res.DeletedObjects {
				keys = append(keys, oss.ToString(d.Key))
				if !d.DeleteMarker || oss.ToString(d.DeleteMarkerVersionId) == "" {
					t.Errorf("versioned bucket: deleted %s", mustJSON(d))
				}
			}
			sort.Strings(keys)
			oracleSame(t, "deleted keys", keys, []string{"x/1", "x/2 two", "x/\u00fc&<3>"})
			o.emptyVersions(t, bucket)
			v2, err := o.c.ListObjectsV2(ctx, &oss.ListObjectsV2Request{Bucket: bucket})
			oracleNoError(t, err)
			if len(v2.Contents) != 0 {
				t.Errorf("bucket not empty: %s", mustJSON(v2.Contents))
			}
		}},
		{"Pagination", func(t *testing.T) {
			// Keys whose continuation tokens and markers need URL encoding ("~~~" is base64 "fn5+").
			pages := oss.Ptr(oracleBucket + "-pages")
			_, err := o.c.PutBucket(ctx, &oss.PutBucketRequest{Bucket: pages})
			oracleNoError(t, err)
			keys := []string{"a b", "a+b", "c/d", "~~~a", "~~~b", "ü"}
			var uploads []oss.AbortMultipartUploadRequest
			for _, k := range keys {
				_, err := o.c.PutObject(ctx, &oss.PutObjectRequest{Bucket: pages, Key: oss.Ptr(k), Body: strings.NewReader(k)})
				oracleNoError(t, err)
				up, err := o.c.InitiateMultipartUpload(ctx, &oss.InitiateMultipartUploadRequest{Bucket: pages, Key: oss.Ptr(k)})
				oracleNoError(t, err)
				uploads = append(uploads, oss.AbortMultipartUploadRequest{Bucket: pages, Key: up.Key, UploadId: up.UploadId})
			}

			var listed []string
			var token *string
			for page := 0; page <= len(keys); page++ {
				res, err := o.c.ListObjectsV2(ctx, &oss.ListObjectsV2Request{Bucket: pages, MaxKeys: 2, ContinuationToken: token})
				oracleNoError(t, err)
				for _, c := range res.Contents {
					listed = append(listed, oss.ToString(c.Key))
				}
				if !res.IsTruncated {
					break
				}
				token = res.NextContinuationToken
			}
			oracleSame(t, "ListObjectsV2 pages", listed, keys)

			listed = nil
			var keyMarker, versionMarker *string
			for page := 0; page <= len(keys); page++ {
				res, err := o.c.ListObjectVersions(ctx, &oss.ListObjectVersionsRequest{Bucket: pages, MaxKeys: 2, KeyMarker: keyMarker, VersionIdMarker: versionMarker})
				oracleNoError(t, err)
				for _, v := range res.ObjectVersions {
					listed = append(listed, oss.ToString(v.Key))
				}
				if !res.IsTruncated {
					break
				}
				keyMarker, versionMarker = res.NextKeyMarker, res.NextVersionIdMarker
			}
			oracleSame(t, "ListObjectVersions pages", listed, keys)

			listed = nil
			var uploadMarker *string
			keyMarker = nil
			for page := 0; page <= len(keys); page++ {
				res, err := o.c.ListMultipartUploads(ctx, &oss.ListMultipartUploadsRequest{Bucket: pages, MaxUploads: 2, KeyMarker: keyMarker, UploadIdMarker: uploadMarker})
				oracleNoError(t, err)
				for _, u := range res.Uploads {
					listed = append(listed, oss.ToString(u.Key))
				}
				if !res.IsTruncated {
					break
				}
				keyMarker, uploadMarker = res.NextKeyMarker, res.NextUploadIdMarker
			}
			oracleSame(t, "ListMultipartUploads pages", listed, keys)

			listed = nil
			var marker *string
			for page := 0; page < 5; page++ {
				res, err := o.c.ListBuckets(ctx, &oss.ListBucketsRequest{MaxKeys: 1, Marker: marker})
				oracleNoError(t, err)
				for _, b := range res.Buckets {
					listed = append(listed, oss.ToString(b.Name))
				}
				if !res.IsTruncated {
					break
				}
				marker = res.NextMarker
			}
			oracleSame(t, "ListBuckets pages", listed, []string{oracleBucket, oracleBucket + "-pages", oracleLogs})

			for i := range uploads {
				_, err := o.c.AbortMultipartUpload(ctx, &uploads[i])
				oracleNoError(t, err)
			}
			var objs []oss.DeleteObject
			for _, k := range keys {
				objs = append(objs, oss.DeleteObject{Key: oss.Ptr(k)})
			}
			_, err = o.c.DeleteMultipleObjects(ctx, &oss.DeleteMultipleObjectsRequest{Bucket: pages, Objects: objs, Quiet: true})
			oracleNoError(t, err)
			_, err = o.c.DeleteBucket(ctx, &oss.DeleteBucketRequest{Bucket: pages})
			oracleNoError(t, err)
		}},
		{"V4 additional headers", func(t *testing.T) {
			var auth string
			c := oracleClient(o.srv.URL, o.key, false, func(cfg *oss.Config) {
				cfg.WithAdditionalHeaders([]string{"User-Agent", "x-oss-meta-ignored", "Absent"})
				cfg.WithHttpClient(&http.Client{Transport: roundTripFunc(func(r *http.Request) (*http.Response, error) {
					auth = r.Header.Get("Authorization")
					return http.DefaultTransport.RoundTrip(r)
				})})
			})
			_, err := c.GetBucketStat(ctx, &oss.GetBucketStatRequest{Bucket: bucket})
			oracleNoError(t, err)
			if !strings.Contains(auth, ",AdditionalHeaders=user-agent,") {
				t.Errorf("the SDK did not sign User-Agent: %s", auth)
			}
		}},
		{"SignatureDoesNotMatch with a wrong secret", func(t *testing.T) {
			k := o.key
			k.AccessKeySecret = "wrong-secret"
			_, err := oracleClient(o.srv.URL, k, o.v1).GetBucketInfo(ctx, &oss.GetBucketInfoRequest{Bucket: bucket})
			oracleWantError(t, err, http.StatusForbidden, ossapi.CodeSignatureDoesNotMatch)
		}},
		{"InvalidAccessKeyId for an unknown key", func(t *testing.T) {
			k := o.key
			k.AccessKeyID = "LTAIunknown"
			_, err := oracleClient(o.srv.URL, k, o.v1).ListBuckets(ctx, &oss.ListBucketsRequest{})
			oracleWantError(t, err, http.StatusForbidden, ossapi.CodeInvalidAccessKeyID)
		}},
		{"InvalidSecurityToken", func(t *testing.T) {
			k := o.key
			if k.SecurityToken == "" {
				k.SecurityToken = "unexpected-token"
			} else {
				k.SecurityToken = "wrong-token"
			}
			_, err := oracleClient(o.srv.URL, k, o.v1).GetBucketAcl(ctx, &oss.GetBucketAclRequest{Bucket: bucket})
			oracleWantError(t, err, http.StatusForbidden, ossapi.CodeInvalidSecurityToken)
		}},
		{"AccessDenied on another account's bucket", func(t *testing.T) {
			_, err := o.c.GetBucketInfo(ctx, &oss.GetBucketInfoRequest{Bucket: oss.Ptr(oracleTaken)})
			oracleWantError(t, err, http.StatusForbidden, ossapi.CodeAccessDenied)
		}},
		{"DeleteBucket", func(t *testing.T) {
			for _, b := range []string{oracleBucket, oracleLogs} {
				_, err := o.c.DeleteBucket(ctx, &oss.DeleteBucketRequest{Bucket: oss.Ptr(b)})
				oracleNoError(t, err)
			}
			_, err := o.c.GetBucketInfo(ctx, &oss.GetBucketInfoRequest{Bucket: bucket})
			oracleWantError(t, err, http.StatusNotFound, ossapi.CodeNoSuchBucket)
			_, err = o.c.DeleteBucket(ctx, &oss.DeleteBucketRequest{Bucket: bucket})
			oracleWantError(t, err, http.StatusNotFound, ossapi.CodeNoSuchBucket)
			if snap := o.srv.Snapshot(oracleOwner.ID); len(snap.Buckets) != 0 {
				t.Errorf("account still has %d buckets", len(snap.Buckets))
			}
		}},
	}
}

// emptyVersions deletes every object version and delete marker, as an operator must before DeleteBucket.
func (o *oracle) emptyVersions(t *testing.T, bucket *string) {
	t.Helper()
	ctx := context.Background()
	vs, err := o.c.ListObjectVersions(ctx, &oss.ListObjectVersionsRequest{Bucket: bucket, MaxKeys: 1000})
	oracleNoError(t, err)
	var objs []oss.DeleteObject
	for _, v := range vs.ObjectVersions {
		objs = append(objs, oss.DeleteObject{Key: v.Key, VersionId: v.VersionId})
	}
	for _, m := range vs.ObjectDeleteMarkers {
		objs = append(objs, oss.DeleteObject{Key: m.Key, VersionId: m.VersionId})
	}
	if len(objs) == 0 || vs.IsTruncated {
		t.Fatalf("expected a few versions to delete, got %d (truncated %v)", len(objs), vs.IsTruncated)
	}
	res, err := o.c.DeleteMultipleObjects(ctx, &oss.DeleteMultipleObjectsRequest{Bucket: bucket, Objects: objs, Quiet: true})
	oracleNoError(t, err)
	if len(res.DeletedObjects) != 0 {
		t.Errorf("quiet DeleteMultipleObjects listed %d deletions", len(res.DeletedObjects))
	}
	vs, err = o.c.ListObjectVersions(ctx, &oss.ListObjectVersionsRequest{Bucket: bucket})
	oracleNoError(t, err)
	if len(vs.ObjectVersions)+len(vs.ObjectDeleteMarkers) != 0 {
		t.Errorf("versions left: %s", mustJSON(vs))
	}
}

// oracleHTTP sends a request to a presigned URL with the headers the SDK signed.
func oracleHTTP(t *testing.T, method, url string, header map[string]string, body string) (int, string) {
	t.Helper()
	req, err := http.NewRequest(method, url, bytes.NewReader([]byte(body)))
	if err != nil {
		t.Fatal(err)
	}
	for k, v := range header {
		req.Header.Set(k, v)
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	return resp.StatusCode, string(b)
}

type roundTripFunc func(*http.Request) (*http.Response, error)

func (f roundTripFunc) RoundTrip(r *http.Request) (*http.Response, error) { return f(r) }

func sdkTags(t *oss.Tagging) []oss.Tag {
	if t == nil || t.TagSet == nil {
		return nil
	}
	return t.TagSet.Tags
}

func sameJSON(a, b string) bool {
	var x, y any
	return json.Unmarshal([]byte(a), &x) == nil && json.Unmarshal([]byte(b), &y) == nil && reflect.DeepEqual(x, y)
}

func mustJSON(v any) string {
	b, err := json.Marshal(v)
	if err != nil {
		return err.Error()
	}
	return string(b)
}
