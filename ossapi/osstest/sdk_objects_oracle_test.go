package osstest_test

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"hash/crc64"
	"net/http"
	"os"
	"path/filepath"
	"sort"
	"strconv"
	"strings"
	"testing"

	"github.com/aliyun/alibabacloud-oss-go-sdk-v2/oss"

	"github.com/ossoperator/oss-operator/ossapi"
	"github.com/ossoperator/oss-operator/ossapi/osstest"
)

// The official SDK drives the object operations an application uses besides the ones ossapi needs:
// metadata on HeadObject, multipart uploads (by hand and with the SDK's Uploader), ListParts, CopyObject
// (by hand and with the Copier), and DeleteMultipleObjects on versions. Every download goes through
// GetObjectToFile, which checks the object's CRC-64 against x-oss-hash-crc64ecma; the SDK also checks the
// CRC-64 of every PutObject, UploadPart and Uploader answer by default.

const (
	objSrc       = "objects-src"
	objDst       = "objects-dst"
	objVersioned = "objects-versioned"
	partSize     = 100 << 10 // OSS's minimum size of every part but the last
)

var crcTableECMA = crc64.MakeTable(crc64.ECMA)

// chunk is n bytes that differ from every other chunk with another seed.
func chunk(seed byte, n int) []byte {
	b := make([]byte, n)
	for i := range b {
		b[i] = seed + byte(i%251)
	}
	return b
}

func TestSDKObjectsOracle(t *testing.T) {
	for _, sig := range []struct {
		name string
		v1   bool
		key  osstest.Key
	}{{"V4", false, oracleKey}, {"V4/STS", false, oracleSTS}, {"V1", true, oracleKey}} {
		t.Run(sig.name, func(t *testing.T) {
			t.Parallel()
			srv := osstest.NewServer(osstest.WithAccount(oracleOwner), osstest.WithAccount(oracleOther))
			t.Cleanup(srv.Close)
			o := &objectsOracle{srv: srv, c: oracleClient(srv.URL, sig.key, sig.v1)}
			for _, step := range o.steps() {
				t.Run(step.name, step.run)
			}
			for _, op := range []string{osstest.OpUploadPart, osstest.OpCompleteMultipartUpload, osstest.OpListParts, osstest.OpCopyObject} {
				if srv.Succeeded(op) == 0 {
					t.Errorf("no %s succeeded", op)
				}
			}
		})
	}
}

type objectsOracle struct {
	srv *osstest.Server
	c   *oss.Client
}

// readBack downloads an object with GetObjectToFile, which fails unless its CRC-64 is the one OSS
// announced.
func (o *objectsOracle) readBack(t *testing.T, bucket, key string) []byte {
	t.Helper()
	path := filepath.Join(t.TempDir(), "object")
	_, err := o.c.GetObjectToFile(context.Background(), &oss.GetObjectRequest{Bucket: oss.Ptr(bucket), Key: oss.Ptr(key)}, path)
	oracleNoError(t, err)
	data, err := os.ReadFile(path)
	oracleNoError(t, err)
	return data
}

func (o *objectsOracle) put(t *testing.T, bucket, key string, data []byte) *oss.PutObjectResult {
	t.Helper()
	res, err := o.c.PutObject(context.Background(), &oss.PutObjectRequest{Bucket: oss.Ptr(bucket), Key: oss.Ptr(key), Body: bytes.NewReader(data)})
	oracleNoError(t, err)
	return res
}

func crcString(data []byte) string { return strconv.FormatUint(crc64.Checksum(data, crcTableECMA), 10) }

func (o *objectsOracle) steps() []oracleStep {
	ctx := context.Background()
	src, dst, versioned := oss.Ptr(objSrc), oss.Ptr(objDst), oss.Ptr(objVersioned)
	const metaKey = "meta/\u00fc b+c.txt"
	part1, part2, part3 := chunk(1, partSize), chunk(2, partSize+1), chunk(3, 7)
	whole := bytes.Join([][]byte{part1, part2, part3}, nil)
	return []oracleStep{
		{"buckets", func(t *testing.T) {
			for _, b := range []*string{src, dst, versioned} {
				_, err := o.c.PutBucket(ctx, &oss.PutBucketRequest{Bucket: b})
				oracleNoError(t, err)
			}
			_, err := o.c.PutBucketVersioning(ctx, &oss.PutBucketVersioningRequest{Bucket: versioned,
				VersioningConfiguration: &oss.VersioningConfiguration{Status: oss.VersionEnabled}})
			oracleNoError(t, err)
		}},
		{"HeadObject returns the metadata PutObject stored", func(t *testing.T) {
			data := []byte("metadata body")
			put, err := o.c.PutObject(ctx, &oss.PutObjectRequest{Bucket: src, Key: oss.Ptr(metaKey), Body: bytes.NewReader(data),
				ContentType: oss.Ptr("text/x-test"), CacheControl: oss.Ptr("no-cache"), ContentDisposition: oss.Ptr(`attachment; filename="a.txt"`),
				Expires: oss.Ptr("Wed, 21 Oct 2037 07:28:00 GMT"), Metadata: map[string]string{"Author": "alice", "note": "a b"},
				StorageClass: oss.StorageClassIA})
			oracleNoError(t, err)
			head, err := o.c.HeadObject(ctx, &oss.HeadObjectRequest{Bucket: src, Key: oss.Ptr(metaKey)})
			oracleNoError(t, err)
			if head.ContentLength != int64(len(data)) || oss.ToString(head.ContentType) != "text/x-test" ||
				oss.ToString(head.ETag) != oss.ToString(put.ETag) || oss.ToString(head.ContentMD5) != oss.ToString(put.ContentMD5) ||
				oss.ToString(head.HashCRC64) != crcString(data) || oss.ToString(head.ObjectType) != "Normal" ||
				oss.ToString(head.StorageClass) != "IA" || oss.ToString(head.CacheControl) != "no-cache" ||
				oss.ToString(head.ContentDisposition) != `attachment; filename="a.txt"` ||
				oss.ToString(head.Expires) != "Wed, 21 Oct 2037 07:28:00 GMT" || head.LastModified == nil || head.VersionId != nil {
				t.Errorf("HeadObject %s", mustJSON(head))
			}
			oracleSame(t, "metadata", head.Metadata, map[string]string{"author": "alice", "note": "a b"})
			if got := o.readBack(t, objSrc, metaKey); !bytes.Equal(got, data) {
				t.Errorf("read back %q", got)
			}
			_, err = o.c.HeadObject(ctx, &oss.HeadObjectRequest{Bucket: src, Key: oss.Ptr("no/such/key")})
			oracleWantError(t, err, http.StatusNotFound, ossapi.CodeNoSuchKey)
		}},
		{"multipart upload", func(t *testing.T) {
			const key = "multi/\u6f22 part.bin"
			init, err := o.c.InitiateMultipartUpload(ctx, &oss.InitiateMultipartUploadRequest{Bucket: src, Key: oss.Ptr(key),
				ContentType: oss.Ptr("application/x-parts"), Metadata: map[string]string{"origin": "parts"}})
			oracleNoError(t, err)
			upload := func(n int32, data []byte) *oss.UploadPartResult {
				t.Helper()
				res, err := o.c.UploadPart(ctx, &oss.UploadPartRequest{Bucket: src, Key: oss.Ptr(key), UploadId: init.UploadId,
					PartNumber: n, Body: bytes.NewReader(data)})
				oracleNoError(t, err)
				if oss.ToString(res.HashCRC64) != crcString(data) || oss.ToString(res.ContentMD5) == "" {
					t.Errorf("UploadPart %d: %s", n, mustJSON(res))
				}
				return res
			}
			upload(2, chunk(9, partSize)) // replaced below
			r3 := upload(3, part3)
			r1 := upload(1, part1)
			r2 := upload(2, part2)

			// ListParts, two parts a page.
			var listed []oss.Part
			var marker int32
			for page := 0; page < 3; page++ {
				res, err := o.c.ListParts(ctx, &oss.ListPartsRequest{Bucket: src, Key: oss.Ptr(key), UploadId: init.UploadId,
					MaxParts: 2, PartNumberMarker: marker})
				oracleNoError(t, err)
				if oss.ToString(res.Key) != key || oss.ToString(res.UploadId) != oss.ToString(init.UploadId) || res.MaxParts != 2 {
					t.Errorf("ListParts page %d: %s", page, mustJSON(res))
				}
				listed = append(listed, res.Parts...)
				if !res.IsTruncated {
					break
				}
				marker = res.NextPartNumberMarker
			}
			if len(listed) != 3 {
				t.Fatalf("ListParts listed %s", mustJSON(listed))
			}
			for i, want := range []struct {
				etag *string
				data []byte
			}{{r1.ETag, part1}, {r2.ETag, part2}, {r3.ETag, part3}} {
				p := listed[i]
				if p.PartNumber != int32(i+1) || oss.ToString(p.ETag) != oss.ToString(want.etag) || p.Size != int64(len(want.data)) ||
					oss.ToString(p.HashCRC64) != crcString(want.data) || p.LastModified == nil {
					t.Errorf("part %d: %s", i+1, mustJSON(p))
				}
			}

			res, err := o.c.CompleteMultipartUpload(ctx, &oss.CompleteMultipartUploadRequest{Bucket: src, Key: oss.Ptr(key),
				UploadId: init.UploadId, CompleteMultipartUpload: &oss.CompleteMultipartUpload{Parts: []oss.UploadPart{
					{PartNumber: 3, ETag: r3.ETag}, {PartNumber: 1, ETag: r1.ETag}, {PartNumber: 2, ETag: r2.ETag}}}})
			oracleNoError(t, err)
			if oss.ToString(res.Key) != key || oss.ToString(res.Bucket) != objSrc || !strings.HasSuffix(oss.ToString(res.ETag), `-3"`) ||
				oss.ToString(res.Location) == "" || oss.ToString(res.HashCRC64) != crcString(whole) || res.VersionId != nil {
				t.Errorf("CompleteMultipartUpload %s", mustJSON(res))
			}
			if got := o.readBack(t, objSrc, key); !bytes.Equal(got, whole) {
				t.Errorf("the object is %d bytes, not the %d of its parts", len(got), len(whole))
			}
			head, err := o.c.HeadObject(ctx, &oss.HeadObjectRequest{Bucket: src, Key: oss.Ptr(key)})
			oracleNoError(t, err)
			if oss.ToString(head.ObjectType) != "Multipart" || oss.ToString(head.ContentType) != "application/x-parts" ||
				head.Metadata["origin"] != "parts" || oss.ToString(head.ETag) != oss.ToString(res.ETag) || head.ContentMD5 != nil {
				t.Errorf("HeadObject of the completed upload %s", mustJSON(head))
			}
			ups, err := o.c.ListMultipartUploads(ctx, &oss.ListMultipartUploadsRequest{Bucket: src})
			oracleNoError(t, err)
			if len(ups.Uploads) != 0 {
				t.Errorf("the completed upload is still listed: %s", mustJSON(ups.Uploads))
			}
			_, err = o.c.ListParts(ctx, &oss.ListPartsRequest{Bucket: src, Key: oss.Ptr(key), UploadId: init.UploadId})
			oracleWantError(t, err, http.StatusNotFound, ossapi.CodeNoSuchUpload)
		}},
		{"x-oss-complete-all", func(t *testing.T) {
			const key = "multi/all"
			init, err := o.c.InitiateMultipartUpload(ctx, &oss.InitiateMultipartUploadRequest{Bucket: src, Key: oss.Ptr(key)})
			oracleNoError(t, err)
			for n, data := range [][]byte{part1, part3} {
				_, err := o.c.UploadPart(ctx, &oss.UploadPartRequest{Bucket: src, Key: oss.Ptr(key), UploadId: init.UploadId,
					PartNumber: int32(n + 1), Body: bytes.NewReader(data)})
				oracleNoError(t, err)
			}
			res, err := o.c.CompleteMultipartUpload(ctx, &oss.CompleteMultipartUploadRequest{Bucket: src, Key: oss.Ptr(key),
				UploadId: init.UploadId, CompleteAll: oss.Ptr("yes")})
			oracleNoError(t, err)
			if !strings.HasSuffix(oss.ToString(res.ETag), `-2"`) {
				t.Errorf("CompleteMultipartUpload %s", mustJSON(res))
			}
			if got := o.readBack(t, objSrc, key); !bytes.Equal(got, append(append([]byte(nil), part1...), part3...)) {
				t.Errorf("the object is %d bytes", len(got))
			}
		}},
		{"ranges, conditions and the Downloader", func(t *testing.T) {
			const key = "multi/\u6f22 part.bin"
			get := func(req *oss.GetObjectRequest) (*oss.GetObjectResult, []byte, error) {
				t.Helper()
				req.Bucket, req.Key = src, oss.Ptr(key)
				res, err := o.c.GetObject(ctx, req)
				if err != nil {
					return nil, nil, err
				}
				defer res.Body.Close()
				var buf bytes.Buffer
				_, err = buf.ReadFrom(res.Body)
				oracleNoError(t, err)
				return res, buf.Bytes(), nil
			}
			res, body, err := get(&oss.GetObjectRequest{Range: oss.Ptr("bytes=10-19")})
			oracleNoError(t, err)
			if res.StatusCode != http.StatusPartialContent || !bytes.Equal(body, whole[10:20]) ||
				oss.ToString(res.ContentRange) != fmt.Sprintf("bytes 10-19/%d", len(whole)) || res.ContentLength != 10 {
				t.Errorf("range 10-19: %d %s %d bytes", res.StatusCode, oss.ToString(res.ContentRange), len(body))
			}
			res, body, err = get(&oss.GetObjectRequest{Range: oss.Ptr("bytes=-5")})
			oracleNoError(t, err)
			if !bytes.Equal(body, whole[len(whole)-5:]) {
				t.Errorf("the last 5 bytes: %q", body)
			}
			// OSS answers the whole object for a range it cannot serve, unless asked to follow HTTP.
			res, body, err = get(&oss.GetObjectRequest{Range: oss.Ptr(fmt.Sprintf("bytes=10-%d", len(whole)+100))})
			oracleNoError(t, err)
			if res.StatusCode != http.StatusOK || len(body) != len(whole) {
				t.Errorf("a range past the end: %d, %d bytes", res.StatusCode, len(body))
			}
			res, body, err = get(&oss.GetObjectRequest{Range: oss.Ptr(fmt.Sprintf("bytes=10-%d", len(whole)+100)), RangeBehavior: oss.Ptr("standard")})
			oracleNoError(t, err)
			if res.StatusCode != http.StatusPartialContent || !bytes.Equal(body, whole[10:]) {
				t.Errorf("a standard range past the end: %d, %d bytes", res.StatusCode, len(body))
			}
			_, _, err = get(&oss.GetObjectRequest{Range: oss.Ptr(fmt.Sprintf("bytes=%d-", len(whole))), RangeBehavior: oss.Ptr("standard")})
			oracleWantError(t, err, http.StatusRequestedRangeNotSatisfiable, "InvalidRange")

			head, err := o.c.HeadObject(ctx, &oss.HeadObjectRequest{Bucket: src, Key: oss.Ptr(key)})
			oracleNoError(t, err)
			_, _, err = get(&oss.GetObjectRequest{IfMatch: oss.Ptr(`"0123"`)})
			oracleWantError(t, err, http.StatusPreconditionFailed, "PreconditionFailed")
			_, _, err = get(&oss.GetObjectRequest{IfNoneMatch: head.ETag})
			var se *oss.ServiceError
			if !errors.As(err, &se) || se.StatusCode != http.StatusNotModified {
				t.Errorf("If-None-Match of the object's ETag: %v", err)
			}
			_, err = o.c.HeadObject(ctx, &oss.HeadObjectRequest{Bucket: src, Key: oss.Ptr(key), IfModifiedSince: oss.Ptr(head.LastModified.Format(http.TimeFormat))})
			if !errors.As(err, &se) || se.StatusCode != http.StatusNotModified {
				t.Errorf("HeadObject If-Modified-Since its time: %v", err)
			}
			res, _, err = get(&oss.GetObjectRequest{IfMatch: head.ETag, ResponseContentDisposition: oss.Ptr("attachment"), ResponseContentType: oss.Ptr("text/x-override")})
			oracleNoError(t, err)
			if oss.ToString(res.ContentType) != "text/x-override" || res.Headers.Get("Content-Disposition") != "attachment" {
				t.Errorf("response-* overrides: %v", res.Headers)
			}

			// The Downloader reads ranges in parallel and checks the CRC-64 they combine to.
			path := filepath.Join(t.TempDir(), "download")
			_, err = o.c.NewDownloader(func(d *oss.DownloaderOptions) { d.PartSize, d.ParallelNum = 64<<10, 3 }).
				DownloadFile(ctx, &oss.GetObjectRequest{Bucket: src, Key: oss.Ptr(key)}, path)
			oracleNoError(t, err)
			if got, err := os.ReadFile(path); err != nil || !bytes.Equal(got, whole) {
				t.Errorf("the Downloader got %d bytes (%v), want %d", len(got), err, len(whole))
			}
		}},
		{"multipart errors", func(t *testing.T) {
			const key = "multi/errors"
			_, err := o.c.UploadPart(ctx, &oss.UploadPartRequest{Bucket: src, Key: oss.Ptr(key), UploadId: oss.Ptr("0123456789ABCDEF"),
				PartNumber: 1, Body: strings.NewReader("x")})
			oracleWantError(t, err, http.StatusNotFound, ossapi.CodeNoSuchUpload)

			init, err := o.c.InitiateMultipartUpload(ctx, &oss.InitiateMultipartUploadRequest{Bucket: src, Key: oss.Ptr(key)})
			oracleNoError(t, err)
			_, err = o.c.UploadPart(ctx, &oss.UploadPartRequest{Bucket: src, Key: oss.Ptr(key), UploadId: init.UploadId,
				PartNumber: 10001, Body: strings.NewReader("x")})
			oracleWantError(t, err, http.StatusBadRequest, ossapi.CodeInvalidArgument)
			// The upload ID of one key is no upload of another.
			_, err = o.c.UploadPart(ctx, &oss.UploadPartRequest{Bucket: src, Key: oss.Ptr(key + "-other"), UploadId: init.UploadId,
				PartNumber: 1, Body: strings.NewReader("x")})
			oracleWantError(t, err, http.StatusNotFound, ossapi.CodeNoSuchUpload)

			small, err := o.c.UploadPart(ctx, &oss.UploadPartRequest{Bucket: src, Key: oss.Ptr(key), UploadId: init.UploadId,
				PartNumber: 1, Body: strings.NewReader("too small to be first")})
			oracleNoError(t, err)
			last, err := o.c.UploadPart(ctx, &oss.UploadPartRequest{Bucket: src, Key: oss.Ptr(key), UploadId: init.UploadId,
				PartNumber: 2, Body: strings.NewReader("last")})
			oracleNoError(t, err)
			complete := func(parts ...oss.UploadPart) error {
				_, err := o.c.CompleteMultipartUpload(ctx, &oss.CompleteMultipartUploadRequest{Bucket: src, Key: oss.Ptr(key),
					UploadId: init.UploadId, CompleteMultipartUpload: &oss.CompleteMultipartUpload{Parts: parts}})
				return err
			}
			oracleWantError(t, complete(oss.UploadPart{PartNumber: 1, ETag: small.ETag}, oss.UploadPart{PartNumber: 2, ETag: last.ETag}),
				http.StatusBadRequest, "EntityTooSmall")
			oracleWantError(t, complete(oss.UploadPart{PartNumber: 1, ETag: last.ETag}), http.StatusBadRequest, "InvalidPart")
			oracleWantError(t, complete(oss.UploadPart{PartNumber: 3, ETag: last.ETag}), http.StatusBadRequest, "InvalidPart")
			// A failed completion leaves the upload as it was: one part alone is the last part.
			oracleNoError(t, complete(oss.UploadPart{PartNumber: 2, ETag: last.ETag}))
			if got := o.readBack(t, objSrc, key); string(got) != "last" {
				t.Errorf("object %q", got)
			}
			oracleWantError(t, complete(oss.UploadPart{PartNumber: 2, ETag: last.ETag}), http.StatusNotFound, ossapi.CodeNoSuchUpload)

			// Abort frees the parts; the upload is gone for every operation.
			init, err = o.c.InitiateMultipartUpload(ctx, &oss.InitiateMultipartUploadRequest{Bucket: src, Key: oss.Ptr(key)})
			oracleNoError(t, err)
			_, err = o.c.UploadPart(ctx, &oss.UploadPartRequest{Bucket: src, Key: oss.Ptr(key), UploadId: init.UploadId,
				PartNumber: 1, Body: strings.NewReader("x")})
			oracleNoError(t, err)
			_, err = o.c.AbortMultipartUpload(ctx, &oss.AbortMultipartUploadRequest{Bucket: src, Key: oss.Ptr(key), UploadId: init.UploadId})
			oracleNoError(t, err)
			_, err = o.c.ListParts(ctx, &oss.ListPartsRequest{Bucket: src, Key: oss.Ptr(key), UploadId: init.UploadId})
			oracleWantError(t, err, http.StatusNotFound, ossapi.CodeNoSuchUpload)
			if b, _ := o.srv.Bucket(objSrc); len(b.MultipartUploads) != 0 {
				t.Errorf("uploads left: %+v", b.MultipartUploads)
			}
		}},
		{"Uploader", func(t *testing.T) {
			data := chunk(7, 3*partSize+5)
			before := o.srv.Succeeded(osstest.OpUploadPart)
			u := o.c.NewUploader(func(uo *oss.UploaderOptions) { uo.PartSize, uo.ParallelNum = partSize, 2 })
			// The Uploader checks the CRC-64 of every part and of the completed object.
			res, err := u.UploadFrom(ctx, &oss.PutObjectRequest{Bucket: versioned, Key: oss.Ptr("uploader/big.bin")}, bytes.NewReader(data))
			oracleNoError(t, err)
			if n := o.srv.Succeeded(osstest.OpUploadPart) - before; n != 4 {
				t.Errorf("the Uploader uploaded %d parts, want 4", n)
			}
			if !strings.HasSuffix(oss.ToString(res.ETag), `-4"`) || oss.ToString(res.VersionId) == "" || oss.ToString(res.HashCRC64) != crcString(data) {
				t.Errorf("Uploader %s", mustJSON(res))
			}
			if got := o.readBack(t, objVersioned, "uploader/big.bin"); !bytes.Equal(got, data) {
				t.Errorf("the uploaded object is %d bytes, want %d", len(got), len(data))
			}
		}},
		{"CopyObject in a bucket", func(t *testing.T) {
			head, err := o.c.HeadObject(ctx, &oss.HeadObjectRequest{Bucket: src, Key: oss.Ptr(metaKey)})
			oracleNoError(t, err)
			res, err := o.c.CopyObject(ctx, &oss.CopyObjectRequest{Bucket: src, Key: oss.Ptr("copies/" + metaKey), SourceKey: oss.Ptr(metaKey)})
			oracleNoError(t, err)
			if oss.ToString(res.ETag) != oss.ToString(head.ETag) || oss.ToString(res.HashCRC64) != oss.ToString(head.HashCRC64) ||
				res.LastModified == nil || res.VersionId != nil || res.SourceVersionId != nil {
				t.Errorf("CopyObject %s", mustJSON(res))
			}
			cp, err := o.c.HeadObject(ctx, &oss.HeadObjectRequest{Bucket: src, Key: oss.Ptr("copies/" + metaKey)})
			oracleNoError(t, err)
			oracleSame(t, "copied metadata", cp.Metadata, head.Metadata)
			if oss.ToString(cp.ContentType) != oss.ToString(head.ContentType) || oss.ToString(cp.CacheControl) != "no-cache" {
				t.Errorf("copy %s", mustJSON(cp))
			}

			// REPLACE takes the request's metadata instead.
			_, err = o.c.CopyObject(ctx, &oss.CopyObjectRequest{Bucket: src, Key: oss.Ptr("copies/replaced"), SourceKey: oss.Ptr(metaKey),
				MetadataDirective: oss.Ptr("REPLACE"), ContentType: oss.Ptr("text/replaced"), Metadata: map[string]string{"new": "1"}})
			oracleNoError(t, err)
			cp, err = o.c.HeadObject(ctx, &oss.HeadObjectRequest{Bucket: src, Key: oss.Ptr("copies/replaced")})
			oracleNoError(t, err)
			oracleSame(t, "replaced metadata", cp.Metadata, map[string]string{"new": "1"})
			if oss.ToString(cp.ContentType) != "text/replaced" || cp.CacheControl != nil {
				t.Errorf("copy with REPLACE %s", mustJSON(cp))
			}
			if got := o.readBack(t, objSrc, "copies/replaced"); string(got) != "metadata body" {
				t.Errorf("copy %q", got)
			}
		}},
		{"CopyObject onto itself changes the metadata", func(t *testing.T) {
			// OSS's way to change an object's metadata: in an unversioned bucket the request's
			// metadata is taken whatever the directive.
			_, err := o.c.CopyObject(ctx, &oss.CopyObjectRequest{Bucket: src, Key: oss.Ptr("copies/replaced"), SourceKey: oss.Ptr("copies/replaced"),
				ContentType: oss.Ptr("text/self"), Metadata: map[string]string{"self": "yes"}})
			oracleNoError(t, err)
			head, err := o.c.HeadObject(ctx, &oss.HeadObjectRequest{Bucket: src, Key: oss.Ptr("copies/replaced")})
			oracleNoError(t, err)
			if oss.ToString(head.ContentType) != "text/self" || head.Metadata["self"] != "yes" || head.Metadata["new"] != "" {
				t.Errorf("after a self-copy %s", mustJSON(head))
			}
			if got := o.readBack(t, objSrc, "copies/replaced"); string(got) != "metadata body" {
				t.Errorf("self-copy changed the data: %q", got)
			}
		}},
		{"CopyObject across buckets and versions", func(t *testing.T) {
			res, err := o.c.CopyObject(ctx, &oss.CopyObjectRequest{Bucket: dst, Key: oss.Ptr("from-src"), SourceBucket: src, SourceKey: oss.Ptr(metaKey)})
			oracleNoError(t, err)
			if res.VersionId != nil {
				t.Errorf("copy to an unversioned bucket: %s", mustJSON(res))
			}
			if got := o.readBack(t, objDst, "from-src"); string(got) != "metadata body" {
				t.Errorf("copy %q", got)
			}

			// Onto a versioned bucket: a new version, and the source version is reported.
			v1 := o.put(t, objVersioned, "doc", []byte("one"))
			o.put(t, objVersioned, "doc", []byte("two"))
			res, err = o.c.CopyObject(ctx, &oss.CopyObjectRequest{Bucket: versioned, Key: oss.Ptr("from-src"), SourceBucket: src, SourceKey: oss.Ptr(metaKey)})
			oracleNoError(t, err)
			if oss.ToString(res.VersionId) == "" || res.SourceVersionId != nil {
				t.Errorf("copy onto a versioned bucket: %s", mustJSON(res))
			}
			// Copying an old version onto its key restores it as the current version.
			res, err = o.c.CopyObject(ctx, &oss.CopyObjectRequest{Bucket: versioned, Key: oss.Ptr("doc"), SourceKey: oss.Ptr("doc"), SourceVersionId: v1.VersionId})
			oracleNoError(t, err)
			if oss.ToString(res.SourceVersionId) != oss.ToString(v1.VersionId) || oss.ToString(res.VersionId) == "" ||
				oss.ToString(res.VersionId) == oss.ToString(v1.VersionId) {
				t.Errorf("restoring copy %s", mustJSON(res))
			}
			if got := o.readBack(t, objVersioned, "doc"); string(got) != "one" {
				t.Errorf("after restoring: %q", got)
			}
			vs, err := o.c.ListObjectVersions(ctx, &oss.ListObjectVersionsRequest{Bucket: versioned, Prefix: oss.Ptr("doc")})
			oracleNoError(t, err)
			if len(vs.ObjectVersions) != 3 {
				t.Errorf("versions %s", mustJSON(vs.ObjectVersions))
			}
		}},
		{"Copier", func(t *testing.T) {
			res, err := o.c.NewCopier().Copy(ctx, &oss.CopyObjectRequest{Bucket: dst, Key: oss.Ptr("copier/multi"), SourceBucket: src,
				SourceKey: oss.Ptr("multi/\u6f22 part.bin")})
			oracleNoError(t, err)
			if oss.ToString(res.HashCRC64) != crcString(whole) {
				t.Errorf("Copier %s", mustJSON(res))
			}
			if got := o.readBack(t, objDst, "copier/multi"); !bytes.Equal(got, whole) {
				t.Errorf("the copy is %d bytes", len(got))
			}
		}},
		{"CopyObject errors", func(t *testing.T) {
			_, err := o.c.CopyObject(ctx, &oss.CopyObjectRequest{Bucket: dst, Key: oss.Ptr("x"), SourceBucket: src, SourceKey: oss.Ptr("no/such/key")})
			se := oracleWantError(t, err, http.StatusNotFound, ossapi.CodeNoSuchKey)
			if se.Message != "The specified key does not exist." {
				t.Errorf("message %q", se.Message)
			}
			_, err = o.c.CopyObject(ctx, &oss.CopyObjectRequest{Bucket: dst, Key: oss.Ptr("x"), SourceBucket: oss.Ptr(oracleMissing), SourceKey: oss.Ptr(metaKey)})
			oracleWantError(t, err, http.StatusNotFound, ossapi.CodeNoSuchBucket)
			_, err = o.c.CopyObject(ctx, &oss.CopyObjectRequest{Bucket: oss.Ptr(oracleMissing), Key: oss.Ptr("x"), SourceBucket: src, SourceKey: oss.Ptr(metaKey)})
			oracleWantError(t, err, http.StatusNotFound, ossapi.CodeNoSuchBucket)
			del, err := o.c.DeleteObject(ctx, &oss.DeleteObjectRequest{Bucket: versioned, Key: oss.Ptr("doc")})
			oracleNoError(t, err)
			_, err = o.c.CopyObject(ctx, &oss.CopyObjectRequest{Bucket: dst, Key: oss.Ptr("x"), SourceBucket: versioned, SourceKey: oss.Ptr("doc")})
			oracleWantError(t, err, http.StatusNotFound, ossapi.CodeNoSuchKey)
			_, err = o.c.CopyObject(ctx, &oss.CopyObjectRequest{Bucket: dst, Key: oss.Ptr("x"), SourceBucket: versioned, SourceKey: oss.Ptr("doc"),
				SourceVersionId: del.VersionId})
			oracleWantError(t, err, http.StatusNotFound, ossapi.CodeNoSuchKey)
			_, err = o.c.CopyObject(ctx, &oss.CopyObjectRequest{Bucket: dst, Key: oss.Ptr("x"), SourceKey: oss.Ptr(metaKey),
				MetadataDirective: oss.Ptr("MERGE")})
			oracleWantError(t, err, http.StatusBadRequest, ossapi.CodeInvalidArgument)
		}},
		{"DeleteMultipleObjects with versions", func(t *testing.T) {
			a1 := o.put(t, objVersioned, "del/a", []byte("a1"))
			o.put(t, objVersioned, "del/a", []byte("a2"))
			o.put(t, objVersioned, "del/b", []byte("b"))

			// Verbose, without versions: a delete marker per key.
			res, err := o.c.DeleteMultipleObjects(ctx, &oss.DeleteMultipleObjectsRequest{Bucket: versioned,
				Delete: &oss.Delete{Objects: []oss.ObjectIdentifier{{Key: oss.Ptr("del/a")}, {Key: oss.Ptr("del/b")}, {Key: oss.Ptr("del/none")}}}})
			oracleNoError(t, err)
			markers := map[string]string{}
			for _, d := range res.DeletedObjects {
				if !d.DeleteMarker || oss.ToString(d.DeleteMarkerVersionId) == "" || d.VersionId != nil {
					t.Errorf("deleted %s", mustJSON(d))
				}
				markers[oss.ToString(d.Key)] = oss.ToString(d.DeleteMarkerVersionId)
			}
			if len(markers) != 3 {
				t.Errorf("deleted %s", mustJSON(res.DeletedObjects))
			}

			// Verbose, with versions: an old version goes for good, a delete marker is removed.
			res, err = o.c.DeleteMultipleObjects(ctx, &oss.DeleteMultipleObjectsRequest{Bucket: versioned,
				Delete: &oss.Delete{Objects: []oss.ObjectIdentifier{
					{Key: oss.Ptr("del/a"), VersionId: a1.VersionId}, {Key: oss.Ptr("del/b"), VersionId: oss.Ptr(markers["del/b"])}}}})
			oracleNoError(t, err)
			sort.Slice(res.DeletedObjects, func(i, j int) bool {
				return oss.ToString(res.DeletedObjects[i].Key) < oss.ToString(res.DeletedObjects[j].Key)
			})
			if len(res.DeletedObjects) != 2 {
				t.Fatalf("deleted %s", mustJSON(res.DeletedObjects))
			}
			if d := res.DeletedObjects[0]; oss.ToString(d.VersionId) != oss.ToString(a1.VersionId) || d.DeleteMarker {
				t.Errorf("deleting a version: %s", mustJSON(d))
			}
			if d := res.DeletedObjects[1]; oss.ToString(d.VersionId) != markers["del/b"] || !d.DeleteMarker ||
				oss.ToString(d.DeleteMarkerVersionId) != markers["del/b"] {
				t.Errorf("deleting a delete marker: %s", mustJSON(d))
			}
			if got := o.readBack(t, objVersioned, "del/b"); string(got) != "b" {
				t.Errorf("del/b after its marker was deleted: %q", got)
			}

			// Quiet lists nothing that succeeded.
			vs, err := o.c.ListObjectVersions(ctx, &oss.ListObjectVersionsRequest{Bucket: versioned, Prefix: oss.Ptr("del/")})
			oracleNoError(t, err)
			var all []oss.ObjectIdentifier
			for _, v := range vs.ObjectVersions {
				all = append(all, oss.ObjectIdentifier{Key: v.Key, VersionId: v.VersionId})
			}
			for _, m := range vs.ObjectDeleteMarkers {
				all = append(all, oss.ObjectIdentifier{Key: m.Key, VersionId: m.VersionId})
			}
			res, err = o.c.DeleteMultipleObjects(ctx, &oss.DeleteMultipleObjectsRequest{Bucket: versioned,
				Delete: &oss.Delete{Quiet: true, Objects: all}})
			oracleNoError(t, err)
			if len(res.DeletedObjects) != 0 {
				t.Errorf("quiet: %s", mustJSON(res.DeletedObjects))
			}
			vs, err = o.c.ListObjectVersions(ctx, &oss.ListObjectVersionsRequest{Bucket: versioned, Prefix: oss.Ptr("del/")})
			oracleNoError(t, err)
			if len(vs.ObjectVersions)+len(vs.ObjectDeleteMarkers) != 0 {
				t.Errorf("left: %s", mustJSON(vs))
			}

			// Unversioned: the key, nothing more.
			o.put(t, objDst, "del/c", []byte("c"))
			res, err = o.c.DeleteMultipleObjects(ctx, &oss.DeleteMultipleObjectsRequest{Bucket: dst,
				Delete: &oss.Delete{Objects: []oss.ObjectIdentifier{{Key: oss.Ptr("del/c")}}}})
			oracleNoError(t, err)
			if len(res.DeletedObjects) != 1 || oss.ToString(res.DeletedObjects[0].Key) != "del/c" || res.DeletedObjects[0].DeleteMarker ||
				res.DeletedObjects[0].VersionId != nil {
				t.Errorf("unversioned: %s", mustJSON(res.DeletedObjects))
			}
			_, err = o.c.HeadObject(ctx, &oss.HeadObjectRequest{Bucket: dst, Key: oss.Ptr("del/c")})
			oracleWantError(t, err, http.StatusNotFound, ossapi.CodeNoSuchKey)

			// Keys with control characters: the SDK writes them as references XML 1.0 forbids
			// (&#x01;), and OSS deletes those keys.
			ctl := []string{"del/ctl\x01", "del/esc\x1b[0m", "del/tab\tnl\ncr\r"}
			var ids []oss.ObjectIdentifier
			for _, k := range ctl {
				o.put(t, objDst, k, []byte("c"))
				ids = append(ids, oss.ObjectIdentifier{Key: oss.Ptr(k)})
			}
			res, err = o.c.DeleteMultipleObjects(ctx, &oss.DeleteMultipleObjectsRequest{Bucket: dst, Delete: &oss.Delete{Objects: ids}})
			oracleNoError(t, err)
			if len(res.DeletedObjects) != len(ctl) {
				t.Errorf("keys with control characters: deleted %s", mustJSON(res.DeletedObjects))
			}
			for _, k := range ctl {
				_, err = o.c.HeadObject(ctx, &oss.HeadObjectRequest{Bucket: dst, Key: oss.Ptr(k)})
				oracleWantError(t, err, http.StatusNotFound, ossapi.CodeNoSuchKey)
			}
		}},
		{"a retention policy refuses deletes with FileImmutable, and DeleteMultipleObjects deletes nothing", func(t *testing.T) {
			worm := oss.Ptr("objects-worm")
			_, err := o.c.PutBucket(ctx, &oss.PutBucketRequest{Bucket: worm})
			oracleNoError(t, err)
			o.put(t, "objects-worm", "kept/a", []byte("a"))
			o.put(t, "objects-worm", "kept/b", []byte("b"))
			oracleNoError(t, o.srv.LockRetention("objects-worm", 1))
			_, err = o.c.DeleteObject(ctx, &oss.DeleteObjectRequest{Bucket: worm, Key: oss.Ptr("kept/a")})
			oracleWantError(t, err, http.StatusConflict, ossapi.CodeFileImmutable)
			for _, quiet := range []bool{false, true} {
				_, err = o.c.DeleteMultipleObjects(ctx, &oss.DeleteMultipleObjectsRequest{Bucket: worm,
					Delete: &oss.Delete{Quiet: quiet, Objects: []oss.ObjectIdentifier{{Key: oss.Ptr("kept/a")}, {Key: oss.Ptr("kept/b")}}}})
				oracleWantError(t, err, http.StatusConflict, ossapi.CodeFileImmutable)
			}
			_, err = o.c.DeleteBucket(ctx, &oss.DeleteBucketRequest{Bucket: worm})
			oracleWantError(t, err, http.StatusConflict, ossapi.CodeBucketNotEmpty)
			for _, key := range []string{"kept/a", "kept/b"} {
				if got := o.readBack(t, "objects-worm", key); len(got) != 1 {
					t.Errorf("%s after the refused deletes: %q", key, got)
				}
			}
		}},
	}
}
