package ossapi

import (
	"context"
	"encoding/xml"
	"net/http"
	"net/url"
	"strconv"
	"time"
)

// InitiateMultipartUploadResult names a new multipart upload.
type InitiateMultipartUploadResult struct {
	XMLName  xml.Name `xml:"InitiateMultipartUploadResult"`
	Bucket   string   `xml:"Bucket"`
	Key      string   `xml:"Key"`
	UploadID string   `xml:"UploadId"`
}

// InitiateMultipartUpload starts a multipart upload. Until it is completed or aborted, the bucket is not
// empty and cannot be deleted.
func (c *Client) InitiateMultipartUpload(ctx context.Context, bucket, key string) (*InitiateMultipartUploadResult, error) {
	r := &request{op: OpInitiateMultipartUpload, method: http.MethodPost, bucket: bucket, key: key, query: url.Values{"uploads": {""}}}
	out := &InitiateMultipartUploadResult{}
	if err := c.doXML(ctx, r, out); err != nil {
		return nil, err
	}
	return out, nil
}

// accept checks that the upload has an ID, in the bucket asked for.
func (u *InitiateMultipartUploadResult) accept(r *request) error {
	if u.UploadID == "" {
		return refuse(problemNoUploadID, nil)
	}
	return namesBucket(r, u.Bucket)
}

// AbortMultipartUpload discards a multipart upload and its parts.
func (c *Client) AbortMultipartUpload(ctx context.Context, bucket, key, uploadID string) error {
	r := &request{op: OpAbortMultipartUpload, method: http.MethodDelete, bucket: bucket, key: key, query: url.Values{"uploadId": {uploadID}}}
	_, err := c.do(ctx, r)
	return err
}

// ListMultipartUploadsRequest lists a page of unfinished multipart uploads.
type ListMultipartUploadsRequest struct {
	Bucket         string
	Prefix         string
	Delimiter      string
	KeyMarker      string
	UploadIDMarker string
	MaxUploads     int
}

// MultipartUpload is one unfinished upload.
type MultipartUpload struct {
	Key       string    `xml:"Key"`
	UploadID  string    `xml:"UploadId"`
	Initiated time.Time `xml:"Initiated"`
}

// ListMultipartUploadsResult is one page of unfinished uploads. Keys are decoded.
type ListMultipartUploadsResult struct {
	XMLName            xml.Name          `xml:"ListMultipartUploadsResult"`
	Bucket             string            `xml:"Bucket"`
	Prefix             string            `xml:"Prefix"`
	KeyMarker          string            `xml:"KeyMarker"`
	UploadIDMarker     string            `xml:"UploadIdMarker"`
	NextKeyMarker      string            `xml:"NextKeyMarker"`
	NextUploadIDMarker string            `xml:"NextUploadIdMarker"`
	Delimiter          string            `xml:"Delimiter"`
	MaxUploads         int               `xml:"MaxUploads"`
	IsTruncated        bool              `xml:"IsTruncated"`
	EncodingType       string            `xml:"EncodingType"`
	Uploads            []MultipartUpload `xml:"Upload"`
	CommonPrefixes     []CommonPrefix    `xml:"CommonPrefixes"`
}

// ListMultipartUploads lists a page of unfinished multipart uploads.
func (c *Client) ListMultipartUploads(ctx context.Context, req *ListMultipartUploadsRequest) (*ListMultipartUploadsResult, error) {
	q := url.Values{"uploads": {""}, "encoding-type": {"url"}}
	setIf(q, "prefix", req.Prefix)
	setIf(q, "delimiter", req.Delimiter)
	setIf(q, "key-marker", req.KeyMarker)
	setIf(q, "upload-id-marker", req.UploadIDMarker)
	if req.MaxUploads > 0 {
		q.Set("max-uploads", strconv.Itoa(req.MaxUploads))
	}
	out := &ListMultipartUploadsResult{}
	if err := c.doXML(ctx, &request{op: OpListMultipartUploads, method: http.MethodGet, bucket: req.Bucket, query: q}, out); err != nil {
		return nil, err
	}
	return out, nil
}

// accept checks that the listing is of the bucket asked for, and decodes its keys.
func (l *ListMultipartUploadsResult) accept(r *request) error {
	if err := namesBucket(r, l.Bucket); err != nil {
		return err
	}
	fields := append([]*string{&l.Prefix, &l.KeyMarker, &l.NextKeyMarker, &l.Delimiter}, prefixFields(l.CommonPrefixes)...)
	for i := range l.Uploads {
		fields = append(fields, &l.Uploads[i].Key)
	}
	return urlDecode(l.EncodingType, fields)
}
