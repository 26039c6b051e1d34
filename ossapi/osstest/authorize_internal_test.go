package osstest

import (
	"net/http"
	"net/url"
	"strings"
	"testing"

	"github.com/ossoperator/oss-operator/ossapi"
)

// Which RAM action on which resource each operation needs, including the operations another branch adds
// (UploadPart, CompleteMultipartUpload, ListParts, CopyObject), by name, so they are authorized as soon
// as they are routed.
func TestOSSGrants(t *testing.T) {
	e := New(WithAccount(Account{ID: "111"}), WithAccount(Account{ID: "222"}))
	for _, b := range []struct{ owner, name, region string }{{"111", "app-b1", ""}, {"111", "app-sh", "cn-shanghai"}, {"222", "foreign", ""}} {
		if err := e.CreateBucket(b.owner, b.name, b.region); err != nil {
			t.Fatal(err)
		}
	}
	const b1 = "acs:oss:cn-hangzhou:111:app-b1"
	for _, tc := range []struct {
		op, bucket, key string
		query           url.Values
		header          http.Header
		body            string
		want            string // action resource, ...; "" for none
		wantErr         string
	}{
		{op: ossapi.OpListBuckets, want: "oss:ListBuckets acs:oss:*:111:*"},
		{op: ossapi.OpPutBucket, bucket: "new-bucket", want: "oss:PutBucket acs:oss:cn-hangzhou:111:new-bucket"},
		{op: ossapi.OpGetBucketInfo, bucket: "missing", want: ""},
		{op: ossapi.OpGetBucketInfo, bucket: "foreign", wantErr: "AccessDenied"},
		{op: ossapi.OpGetBucketInfo, bucket: "app-sh", want: "oss:GetBucketInfo acs:oss:cn-shanghai:111:app-sh"},
		{op: ossapi.OpDeleteBucket, bucket: "app-b1", want: "oss:DeleteBucket " + b1},
		{op: ossapi.OpPutBucketAcl, bucket: "app-b1", want: "oss:PutBucketAcl " + b1},
		{op: ossapi.OpPutBucketTags, bucket: "app-b1", want: "oss:PutBucketTagging " + b1},
		{op: ossapi.OpGetBucketTags, bucket: "app-b1", want: "oss:GetBucketTagging " + b1},
		{op: ossapi.OpDeleteBucketTags, bucket: "app-b1", want: "oss:DeleteBucketTagging " + b1},
		{op: OpGetBucketPolicyStatus, bucket: "app-b1", want: "oss:GetBucketPolicyStatus " + b1},
		{op: OpListObjects, bucket: "app-b1", query: url.Values{"prefix": {"a/"}}, want: "oss:ListObjects " + b1 + " oss:delimiter= oss:prefix=a/"},
		{op: ossapi.OpListObjectsV2, bucket: "app-b1", query: url.Values{"delimiter": {"/"}}, want: "oss:ListObjects " + b1 + " oss:delimiter=/ oss:prefix="},
		{op: ossapi.OpListObjectVersions, bucket: "app-b1", want: "oss:ListObjectVersions " + b1},
		{op: ossapi.OpListMultipartUploads, bucket: "app-b1", want: "oss:ListMultipartUploads " + b1},
		{op: OpGetObject, bucket: "app-b1", key: "k", want: "oss:GetObject " + b1 + "/k"},
		{op: OpHeadObject, bucket: "app-b1", key: "k", want: "oss:GetObject " + b1 + "/k"},
		{op: OpGetObject, bucket: "app-b1", key: "k", query: url.Values{"versionId": {"v"}},
			want: "oss:GetObject " + b1 + "/k, oss:GetObjectVersion " + b1 + "/k"},
		{op: ossapi.OpPutObject, bucket: "app-b1", key: "k", want: "oss:PutObject " + b1 + "/k"},
		{op: ossapi.OpPutObject, bucket: "app-b1", key: "k", header: http.Header{"X-Oss-Tagging": {"a=b"}},
			want: "oss:PutObject " + b1 + "/k, oss:PutObjectTagging " + b1 + "/k"},
		{op: ossapi.OpDeleteObject, bucket: "app-b1", key: "k", query: url.Values{"versionId": {"v"}},
			want: "oss:DeleteObject " + b1 + "/k, oss:DeleteObjectVersion " + b1 + "/k"},
		{op: ossapi.OpInitiateMultipartUpload, bucket: "app-b1", key: "k", want: "oss:PutObject " + b1 + "/k"},
		{op: "UploadPart", bucket: "app-b1", key: "k", want: "oss:PutObject " + b1 + "/k"},
		{op: "CompleteMultipartUpload", bucket: "app-b1", key: "k", want: "oss:PutObject " + b1 + "/k"},
		{op: ossapi.OpAbortMultipartUpload, bucket: "app-b1", key: "k", want: "oss:AbortMultipartUpload " + b1 + "/k"},
		{op: "ListParts", bucket: "app-b1", key: "k", want: "oss:ListParts " + b1 + "/k"},
		{op: "CopyObject", bucket: "app-b1", key: "dst", header: http.Header{"X-Oss-Copy-Source": {"/app-sh/dir/a%20b"}},
			want: "oss:GetObject acs:oss:cn-shanghai:111:app-sh/dir/a b, oss:PutObject " + b1 + "/dst"},
		{op: "CopyObject", bucket: "app-b1", key: "dst", header: http.Header{"X-Oss-Copy-Source": {"/app-b1/src?versionId=v1"}},
			want: "oss:GetObject " + b1 + "/src, oss:GetObjectVersion " + b1 + "/src, oss:PutObject " + b1 + "/dst"},
		{op: ossapi.OpPutObject, bucket: "app-b1", key: "dst", header: http.Header{"X-Oss-Copy-Source": {"/app-b1/src"}},
			want: "oss:GetObject " + b1 + "/src, oss:PutObject " + b1 + "/dst"},
		{op: "CopyObject", bucket: "app-b1", key: "dst", header: http.Header{"X-Oss-Copy-Source": {"/foreign/src"}}, wantErr: "AccessDenied"},
		{op: ossapi.OpDeleteMultipleObjects, bucket: "app-b1",
			body: `<Delete><Object><Key>a</Key></Object><Object><Key>b</Key><VersionId>v</VersionId></Object></Delete>`,
			want: "oss:DeleteObject " + b1 + "/a, oss:DeleteObject " + b1 + "/b, oss:DeleteObjectVersion " + b1 + "/b"},
	} {
		t.Run(tc.op+" "+tc.bucket+" "+tc.key, func(t *testing.T) {
			if tc.query == nil {
				tc.query = url.Values{}
			}
			if tc.header == nil {
				tc.header = http.Header{}
			}
			c := &call{op: tc.op, accountID: "111", bucket: tc.bucket, key: tc.key, query: tc.query, header: tc.header, body: []byte(tc.body)}
			e.mu.Lock()
			gs, err := e.ossGrants(c, "111")
			e.mu.Unlock()
			if tc.wantErr != "" {
				if err == nil || err.code != tc.wantErr {
					t.Fatalf("got %v, want %s", err, tc.wantErr)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			var got []string
			for _, g := range gs {
				s := g.action + " " + g.resource
				for _, k := range []string{condOSSDelimiter, condOSSPrefix} {
					if v, ok := g.context[k]; ok {
						s += " " + k + "=" + v
					}
				}
				got = append(got, s)
			}
			if strings.Join(got, ", ") != tc.want {
				t.Errorf("got  %s\nwant %s", strings.Join(got, ", "), tc.want)
			}
		})
	}
}
