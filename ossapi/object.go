package ossapi

import (
	"bytes"
	"context"
	"encoding/xml"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"strconv"
	"time"
	"unicode/utf8"
)

// ObjectSummary is an object as the list operations report it.
type ObjectSummary struct {
	Key          string       `xml:"Key"`
	LastModified time.Time    `xml:"LastModified"`
	ETag         string       `xml:"ETag"`
	Type         string       `xml:"Type"`
	Size         int64        `xml:"Size"`
	StorageClass StorageClass `xml:"StorageClass"`
	Owner        *Owner       `xml:"Owner,omitempty"`
}

// ListObjectsV2Request lists a page of a bucket's current objects.
type ListObjectsV2Request struct {
	Bucket            string
	Prefix            string
	Delimiter         string
	StartAfter        string
	ContinuationToken string
	MaxKeys           int // 1-1000; 0 means OSS's default of 100
	FetchOwner        bool
}

// ListObjectsV2Result is one page of objects. Keys and prefixes are decoded.
type ListObjectsV2Result struct {
	XMLName               xml.Name        `xml:"ListBucketResult"`
	Name                  string          `xml:"Name"`
	Prefix                string          `xml:"Prefix"`
	StartAfter            string          `xml:"StartAfter"`
	ContinuationToken     string          `xml:"ContinuationToken"`
	NextContinuationToken string          `xml:"NextContinuationToken"`
	MaxKeys               int             `xml:"MaxKeys"`
	KeyCount              int             `xml:"KeyCount"`
	Delimiter             string          `xml:"Delimiter"`
	IsTruncated           bool            `xml:"IsTruncated"`
	EncodingType          string          `xml:"EncodingType"`
	Contents              []ObjectSummary `xml:"Contents"`
	CommonPrefixes        []CommonPrefix  `xml:"CommonPrefixes"`
}

// CommonPrefix is a "directory" rolled up by a delimiter.
type CommonPrefix struct {
	Prefix string `xml:"Prefix"`
}

// ListObjectsV2 lists a page of current objects. It asks for URL-encoded keys, so any key survives XML,
// and decodes them.
func (c *Client) ListObjectsV2(ctx context.Context, req *ListObjectsV2Request) (*ListObjectsV2Result, error) {
	q := url.Values{"list-type": {"2"}, "encoding-type": {"url"}}
	setIf(q, "prefix", req.Prefix)
	setIf(q, "delimiter", req.Delimiter)
	setIf(q, "start-after", req.StartAfter)
	setIf(q, "continuation-token", req.ContinuationToken)
	if req.MaxKeys > 0 {
		q.Set("max-keys", strconv.Itoa(req.MaxKeys))
	}
	if req.FetchOwner {
		q.Set("fetch-owner", "true")
	}
	out := &ListObjectsV2Result{}
	if err := c.doXML(ctx, &request{op: OpListObjectsV2, method: http.MethodGet, bucket: req.Bucket, query: q}, out); err != nil {
		return nil, err
	}
	return out, nil
}

// accept checks that the listing is of the bucket asked for, and decodes its keys.
func (l *ListObjectsV2Result) accept(r *request) error {
	if err := namesBucket(r, l.Name); err != nil {
		return err
	}
	fields := append([]*string{&l.Prefix, &l.StartAfter, &l.Delimiter, &l.ContinuationToken, &l.NextContinuationToken},
		prefixFields(l.CommonPrefixes)...)
	for i := range l.Contents {
		fields = append(fields, &l.Contents[i].Key)
	}
	return urlDecode(l.EncodingType, fields)
}

// PutObjectRequest uploads a small object in one request.
type PutObjectRequest struct {
	Bucket      string
	Key         string
	Body        []byte
	ContentType string // default application/octet-stream
}

// PutObjectResult is what OSS returns for an upload.
type PutObjectResult struct {
	ETag      string
	VersionID string // set on a versioned bucket
}

// PutObject uploads an object.
func (c *Client) PutObject(ctx context.Context, req *PutObjectRequest) (*PutObjectResult, error) {
	r := &request{op: OpPutObject, method: http.MethodPut, bucket: req.Bucket, key: req.Key}
	ct := req.ContentType
	if ct == "" {
		ct = "application/octet-stream"
	}
	r.setBody(req.Body, ct)
	resp, err := c.do(ctx, r)
	if err != nil {
		return nil, err
	}
	return &PutObjectResult{ETag: resp.header.Get("ETag"), VersionID: resp.header.Get(HeaderVersionID)}, nil
}

// DeleteObjectResult is what OSS returns for a delete.
type DeleteObjectResult struct {
	DeleteMarker bool   // a delete marker was created (versioned bucket, no version given)
	VersionID    string // the version deleted, or the delete marker created
}

// DeleteObject deletes an object, or one version of it when versionID is set. Deleting a missing key
// succeeds.
func (c *Client) DeleteObject(ctx context.Context, bucket, key, versionID string) (*DeleteObjectResult, error) {
	r := &request{op: OpDeleteObject, method: http.MethodDelete, bucket: bucket, key: key, query: url.Values{}}
	setIf(r.query, "versionId", versionID)
	resp, err := c.do(ctx, r)
	if err != nil {
		return nil, err
	}
	return &DeleteObjectResult{
		DeleteMarker: resp.header.Get(HeaderDeleteMarker) == "true",
		VersionID:    resp.header.Get(HeaderVersionID),
	}, nil
}

// ObjectIdentifier names an object, or one version of it, to delete.
type ObjectIdentifier struct {
	Key       string `xml:"Key"`
	VersionID string `xml:"VersionId,omitempty"`
}

// DeleteMultipleObjectsRequest deletes up to 1000 objects in one request.
type DeleteMultipleObjectsRequest struct {
	Bucket  string
	Objects []ObjectIdentifier
	Quiet   bool // report only failures
}

// deleteBody is the DeleteMultipleObjects body, written as OSS's SDK writes it: a key's control
// characters, which XML 1.0 cannot hold (encoding/xml writes U+FFFD instead, naming another key),
// are written as references (&#x1;), which OSS reads. It is written by hand (a page of 1000 keys in a
// fraction of xml.Marshal's time).
func deleteBody(quiet bool, objects []ObjectIdentifier) []byte {
	b := bytes.NewBuffer(make([]byte, 0, 64+len(objects)*80))
	b.WriteString("<Delete><Quiet>")
	b.WriteString(strconv.FormatBool(quiet))
	b.WriteString("</Quiet>")
	for _, o := range objects {
		b.WriteString("<Object><Key>")
		escapeKey(b, o.Key)
		b.WriteString("</Key>")
		if o.VersionID != "" {
			b.WriteString("<VersionId>")
			escapeKey(b, o.VersionID)
			b.WriteString("</VersionId>")
		}
		b.WriteString("</Object>")
	}
	b.WriteString("</Delete>")
	return b.Bytes()
}

// escapeKey writes s as XML text: what markup needs escaped, line ends and tabs as references (so
// that they survive), other control characters as references XML 1.1 allows and OSS reads, and
// what is not UTF-8 or not a character as U+FFFD.
func escapeKey(b *bytes.Buffer, s string) {
	last := 0
	for i := 0; i < len(s); {
		r, width := rune(s[i]), 1
		if r >= utf8.RuneSelf {
			r, width = utf8.DecodeRuneInString(s[i:])
		} else if r >= 0x20 && r != '"' && r != '\'' && r != '&' && r != '<' && r != '>' {
			i++
			continue
		}
		var esc string
		switch {
		case r == '"':
			esc = "&#34;"
		case r == '\'':
			esc = "&#39;"
		case r == '&':
			esc = "&amp;"
		case r == '<':
			esc = "&lt;"
		case r == '>':
			esc = "&gt;"
		case r < 0x20:
			esc = fmt.Sprintf("&#x%X;", r)
		case r == utf8.RuneError && width == 1, r == 0xFFFE, r == 0xFFFF:
			esc = "\uFFFD"
		}
		if esc != "" {
			b.WriteString(s[last:i])
			b.WriteString(esc)
			last = i + width
		}
		i += width
	}
	b.WriteString(s[last:])
}

// DeletedObject is one object that DeleteMultipleObjects deleted.
type DeletedObject struct {
	Key                   string `xml:"Key"`
	VersionID             string `xml:"VersionId"`
	DeleteMarker          bool   `xml:"DeleteMarker"`
	DeleteMarkerVersionID string `xml:"DeleteMarkerVersionId"`
}

// DeleteMultipleObjectsResult lists what was deleted (nothing in quiet mode). Keys are decoded.
type DeleteMultipleObjectsResult struct {
	XMLName      xml.Name        `xml:"DeleteResult"`
	EncodingType string          `xml:"EncodingType"`
	Deleted      []DeletedObject `xml:"Deleted"`
}

// DeleteMultipleObjects deletes up to 1000 objects. The body carries Content-MD5, which OSS requires.
func (c *Client) DeleteMultipleObjects(ctx context.Context, req *DeleteMultipleObjectsRequest) (*DeleteMultipleObjectsResult, error) {
	r := &request{op: OpDeleteMultipleObjects, method: http.MethodPost, bucket: req.Bucket, query: url.Values{"delete": {""}, "encoding-type": {"url"}}}
	r.setBody(deleteBody(req.Quiet, req.Objects), "application/xml")
	out := &DeleteMultipleObjectsResult{}
	r.decode = func(body io.Reader) error {
		err := decodeXML(r, body, out)
		if errors.Is(err, errNoDocument) {
			return nil // quiet mode, and nothing failed
		}
		return err
	}
	if _, err := c.do(ctx, r); err != nil {
		return nil, err
	}
	return out, nil
}

// accept decodes the keys of what was deleted.
func (d *DeleteMultipleObjectsResult) accept(*request) error {
	var fields []*string
	for i := range d.Deleted {
		fields = append(fields, &d.Deleted[i].Key)
	}
	return urlDecode(d.EncodingType, fields)
}

// urlDecode decodes, in place, the fields OSS URL-encodes when a list was asked for with
// encoding-type=url (so that any key survives XML), if the answer says it did.
func urlDecode(encodingType string, fields []*string) error {
	if encodingType != "url" {
		return nil
	}
	for _, p := range fields {
		v, err := url.QueryUnescape(*p)
		if err != nil {
			return refuse(problemBadKey, err)
		}
		*p = v
	}
	return nil
}

func prefixFields(ps []CommonPrefix) []*string {
	out := make([]*string, len(ps))
	for i := range ps {
		out[i] = &ps[i].Prefix
	}
	return out
}
