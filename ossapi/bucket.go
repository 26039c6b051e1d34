package ossapi

import (
	"context"
	"encoding/xml"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"time"
)

// PutBucketRequest creates a bucket in the client's region. Empty fields take OSS's defaults (private,
// Standard, LRS, the account's default resource group). On a bucket the caller already owns, OSS
// accepts the call and updates its ACL; a different storage class or redundancy type is refused with
// 409 BucketAlreadyExists, as is a name owned by another account.
type PutBucketRequest struct {
	Bucket          string
	ACL             ACL
	StorageClass    StorageClass
	RedundancyType  RedundancyType
	ResourceGroupID string
}

// CreateBucketConfiguration is the PutBucket body.
type CreateBucketConfiguration struct {
	XMLName            xml.Name       `xml:"CreateBucketConfiguration"`
	StorageClass       StorageClass   `xml:"StorageClass,omitempty"`
	DataRedundancyType RedundancyType `xml:"DataRedundancyType,omitempty"`
}

// PutBucket creates a bucket.
func (c *Client) PutBucket(ctx context.Context, req *PutBucketRequest) error {
	r := &request{op: OpPutBucket, method: http.MethodPut, bucket: req.Bucket, header: http.Header{}}
	if req.ACL != "" {
		r.header.Set(HeaderACL, string(req.ACL))
	}
	if req.ResourceGroupID != "" {
		r.header.Set(HeaderResourceGroupID, req.ResourceGroupID)
	}
	if req.StorageClass != "" || req.RedundancyType != "" {
		r.setXMLBody(&CreateBucketConfiguration{StorageClass: req.StorageClass, DataRedundancyType: req.RedundancyType})
	}
	_, err := c.do(ctx, r)
	return err
}

// DeleteBucket deletes an empty bucket. A bucket holding objects, old versions, delete markers or
// unfinished multipart uploads is refused with 409 BucketNotEmpty.
func (c *Client) DeleteBucket(ctx context.Context, bucket string) error {
	_, err := c.do(ctx, &request{op: OpDeleteBucket, method: http.MethodDelete, bucket: bucket})
	return err
}

// ListBucketsRequest pages through the account's buckets (of every region).
type ListBucketsRequest struct {
	Prefix          string
	Marker          string
	MaxKeys         int // 1-1000; 0 means OSS's default of 100
	ResourceGroupID string
}

// ListBucketsResult is one page of buckets.
type ListBucketsResult struct {
	XMLName     xml.Name        `xml:"ListAllMyBucketsResult"`
	Prefix      string          `xml:"Prefix"`
	Marker      string          `xml:"Marker"`
	MaxKeys     int             `xml:"MaxKeys"`
	IsTruncated bool            `xml:"IsTruncated"`
	NextMarker  string          `xml:"NextMarker"`
	Owner       Owner           `xml:"Owner"`
	Buckets     []BucketSummary `xml:"Buckets>Bucket"`
}

// BucketSummary is a bucket as ListBuckets reports it.
type BucketSummary struct {
	Name             string       `xml:"Name"`
	CreationDate     time.Time    `xml:"CreationDate"`
	Location         string       `xml:"Location"` // oss-cn-hangzhou
	Region           string       `xml:"Region"`   // cn-hangzhou
	ExtranetEndpoint string       `xml:"ExtranetEndpoint"`
	IntranetEndpoint string       `xml:"IntranetEndpoint"`
	StorageClass     StorageClass `xml:"StorageClass"`
	ResourceGroupID  string       `xml:"ResourceGroupId"`
}

// accept requires the owner: it is what a caller verifying credentials learns from the answer.
func (l *ListBucketsResult) accept(*request) error {
	if strings.TrimSpace(l.Owner.ID) == "" {
		return refuse(problemNoOwner, nil)
	}
	return nil
}

// ListBuckets returns one page of the account's buckets.
func (c *Client) ListBuckets(ctx context.Context, req *ListBucketsRequest) (*ListBucketsResult, error) {
	q := url.Values{}
	setIf(q, "prefix", req.Prefix)
	setIf(q, "marker", req.Marker)
	if req.MaxKeys > 0 {
		q.Set("max-keys", strconv.Itoa(req.MaxKeys))
	}
	r := &request{op: OpListBuckets, method: http.MethodGet, query: q, header: http.Header{}}
	if req.ResourceGroupID != "" {
		r.header.Set(HeaderResourceGroupID, req.ResourceGroupID)
	}
	out := &ListBucketsResult{}
	if err := c.doXML(ctx, r, out); err != nil {
		return nil, err
	}
	return out, nil
}

// ListAllBuckets follows the markers of ListBuckets to the last page.
func (c *Client) ListAllBuckets(ctx context.Context, prefix string) ([]BucketSummary, error) {
	var all []BucketSummary
	req := &ListBucketsRequest{Prefix: prefix, MaxKeys: 1000}
	for {
		page, err := c.ListBuckets(ctx, req)
		if err != nil {
			return nil, err
		}
		all = append(all, page.Buckets...)
		if !page.IsTruncated || page.NextMarker == "" {
			return all, nil
		}
		req.Marker = page.NextMarker
	}
}

// BucketInfo is what GetBucketInfo reports about a bucket.
type BucketInfo struct {
	Name                   string                  `xml:"Name"`
	Location               string                  `xml:"Location"` // oss-cn-hangzhou
	CreationDate           time.Time               `xml:"CreationDate"`
	ExtranetEndpoint       string                  `xml:"ExtranetEndpoint"`
	IntranetEndpoint       string                  `xml:"IntranetEndpoint"`
	StorageClass           StorageClass            `xml:"StorageClass"`
	DataRedundancyType     RedundancyType          `xml:"DataRedundancyType"`
	ResourceGroupID        string                  `xml:"ResourceGroupId"`
	Owner                  Owner                   `xml:"Owner"`
	ACL                    ACL                     `xml:"AccessControlList>Grant"`
	Versioning             string                  `xml:"Versioning"` // "", Enabled or Suspended
	AccessMonitor          string                  `xml:"AccessMonitor"`
	TransferAcceleration   string                  `xml:"TransferAcceleration"`
	CrossRegionReplication string                  `xml:"CrossRegionReplication"`
	BlockPublicAccess      *bool                   `xml:"BlockPublicAccess"`
	Comment                string                  `xml:"Comment"`
	ServerSideEncryption   BucketInfoEncryption    `xml:"ServerSideEncryptionRule"`
	Logging                BucketInfoLoggingStatus `xml:"BucketPolicy"`
}

// Region is the region ID without the "oss-" prefix (cn-hangzhou), as V4 signing and endpoints use it.
func (b *BucketInfo) Region() string { return strings.TrimPrefix(b.Location, "oss-") }

// BucketInfoEncryption is the default encryption as GetBucketInfo reports it ("None" when off).
type BucketInfoEncryption struct {
	SSEAlgorithm      string `xml:"SSEAlgorithm"`
	KMSMasterKeyID    string `xml:"KMSMasterKeyID"`
	KMSDataEncryption string `xml:"KMSDataEncryption"`
}

// BucketInfoLoggingStatus is the access logging target as GetBucketInfo reports it (its XML element is
// confusingly named BucketPolicy).
type BucketInfoLoggingStatus struct {
	LogBucket string `xml:"LogBucket"`
	LogPrefix string `xml:"LogPrefix"`
}

type bucketInfoResult struct {
	XMLName xml.Name   `xml:"BucketInfo"`
	Bucket  BucketInfo `xml:"Bucket"`
}

// accept refuses a BucketInfo about no bucket or another one: taken as an answer, it would say that a
// bucket exists when OSS said nothing of the kind.
func (b *bucketInfoResult) accept(r *request) error { return namesBucket(r, b.Bucket.Name) }

// GetBucketInfo reads a bucket's metadata. A missing bucket is 404 NoSuchBucket; another account's is
// 403 AccessDenied.
func (c *Client) GetBucketInfo(ctx context.Context, bucket string) (*BucketInfo, error) {
	out := &bucketInfoResult{}
	if err := c.doXML(ctx, bucketRequest(OpGetBucketInfo, http.MethodGet, bucket, "bucketInfo"), out); err != nil {
		return nil, err
	}
	return &out.Bucket, nil
}

type locationConstraint struct {
	XMLName  xml.Name `xml:"LocationConstraint"`
	Location string   `xml:",chardata"`
}

// accept refuses an empty location: every bucket is in a region, and OSS always names it.
func (l *locationConstraint) accept(*request) error {
	if l.Location = strings.TrimSpace(l.Location); l.Location == "" {
		return refuse(problemNoLocation, nil)
	}
	return nil
}

// GetBucketLocation returns the bucket's location with the "oss-" prefix (oss-cn-hangzhou).
func (c *Client) GetBucketLocation(ctx context.Context, bucket string) (string, error) {
	out := &locationConstraint{}
	if err := c.doXML(ctx, bucketRequest(OpGetBucketLocation, http.MethodGet, bucket, "location"), out); err != nil {
		return "", err
	}
	return out.Location, nil
}

// BucketStat is a bucket's storage statistics. OSS computes them asynchronously: they lag behind and
// are no proof that a bucket is empty (use ListObjectVersions and ListMultipartUploads).
type BucketStat struct {
	XMLName              xml.Name `xml:"BucketStat"`
	Storage              int64    `xml:"Storage"`
	ObjectCount          int64    `xml:"ObjectCount"`
	MultipartUploadCount int64    `xml:"MultipartUploadCount"`
	MultipartPartCount   int64    `xml:"MultipartPartCount"`
	LiveChannelCount     int64    `xml:"LiveChannelCount"`
	DeleteMarkerCount    int64    `xml:"DeleteMarkerCount"`
	LastModifiedTime     int64    `xml:"LastModifiedTime"`
	StandardStorage      int64    `xml:"StandardStorage"`
	StandardObjectCount  int64    `xml:"StandardObjectCount"`
}

// GetBucketStat reads a bucket's storage statistics.
func (c *Client) GetBucketStat(ctx context.Context, bucket string) (*BucketStat, error) {
	out := &BucketStat{}
	if err := c.doXML(ctx, bucketRequest(OpGetBucketStat, http.MethodGet, bucket, "stat"), out); err != nil {
		return nil, err
	}
	return out, nil
}

func setIf(q url.Values, k, v string) {
	if v != "" {
		q.Set(k, v)
	}
}
