package ossapi

import (
	"context"
	"encoding/xml"
	"net/http"
)

// LifecycleConfiguration is a bucket's lifecycle rules. OSS's shape is not S3's: Prefix and Tag are
// direct children of Rule, and Filter holds only exclusions (Not) and object size bounds.
type LifecycleConfiguration struct {
	XMLName xml.Name        `xml:"LifecycleConfiguration"`
	Rules   []LifecycleRule `xml:"Rule"`
}

// LifecycleRule is one rule.
type LifecycleRule struct {
	ID                           string                         `xml:"ID,omitempty"`
	Prefix                       string                         `xml:"Prefix"`
	Tags                         []Tag                          `xml:"Tag,omitempty"`
	Status                       string                         `xml:"Status"` // Enabled or Disabled
	Filter                       *LifecycleFilter               `xml:"Filter,omitempty"`
	Expiration                   *LifecycleExpiration           `xml:"Expiration,omitempty"`
	Transitions                  []LifecycleTransition          `xml:"Transition,omitempty"`
	AbortMultipartUpload         *LifecycleAbortMultipartUpload `xml:"AbortMultipartUpload,omitempty"`
	NoncurrentVersionExpiration  *NoncurrentVersionExpiration   `xml:"NoncurrentVersionExpiration,omitempty"`
	NoncurrentVersionTransitions []NoncurrentVersionTransition  `xml:"NoncurrentVersionTransition,omitempty"`
	AtimeBase                    *int64                         `xml:"AtimeBase,omitempty"`
}

// LifecycleFilter excludes objects from a rule.
type LifecycleFilter struct {
	Not                   []LifecycleNot `xml:"Not,omitempty"`
	ObjectSizeGreaterThan *int64         `xml:"ObjectSizeGreaterThan,omitempty"`
	ObjectSizeLessThan    *int64         `xml:"ObjectSizeLessThan,omitempty"`
}

// LifecycleNot is an exclusion by prefix and, optionally, tag.
type LifecycleNot struct {
	Prefix string `xml:"Prefix"`
	Tag    *Tag   `xml:"Tag,omitempty"`
}

// LifecycleExpiration holds exactly one of Days, CreatedBeforeDate (midnight UTC, ISO 8601 such as
// 2023-01-01T00:00:00.000Z) and ExpiredObjectDeleteMarker.
type LifecycleExpiration struct {
	Days                      *int   `xml:"Days,omitempty"`
	CreatedBeforeDate         string `xml:"CreatedBeforeDate,omitempty"`
	ExpiredObjectDeleteMarker *bool  `xml:"ExpiredObjectDeleteMarker,omitempty"`
}

// LifecycleTransition moves objects to another storage class.
type LifecycleTransition struct {
	Days                 *int         `xml:"Days,omitempty"`
	CreatedBeforeDate    string       `xml:"CreatedBeforeDate,omitempty"`
	StorageClass         StorageClass `xml:"StorageClass"`
	IsAccessTime         *bool        `xml:"IsAccessTime,omitempty"`
	ReturnToStdWhenVisit *bool        `xml:"ReturnToStdWhenVisit,omitempty"`
	AllowSmallFile       *bool        `xml:"AllowSmallFile,omitempty"`
}

// LifecycleAbortMultipartUpload removes unfinished multipart uploads.
type LifecycleAbortMultipartUpload struct {
	Days              *int   `xml:"Days,omitempty"`
	CreatedBeforeDate string `xml:"CreatedBeforeDate,omitempty"`
}

// NoncurrentVersionExpiration deletes old versions.
type NoncurrentVersionExpiration struct {
	NoncurrentDays int `xml:"NoncurrentDays"`
}

// NoncurrentVersionTransition moves old versions to another storage class.
type NoncurrentVersionTransition struct {
	NoncurrentDays       int          `xml:"NoncurrentDays"`
	StorageClass         StorageClass `xml:"StorageClass"`
	IsAccessTime         *bool        `xml:"IsAccessTime,omitempty"`
	ReturnToStdWhenVisit *bool        `xml:"ReturnToStdWhenVisit,omitempty"`
	AllowSmallFile       *bool        `xml:"AllowSmallFile,omitempty"`
}

// PutBucketLifecycle replaces the whole lifecycle configuration. To remove every rule use
// DeleteBucketLifecycle: OSS refuses a configuration without rules.
func (c *Client) PutBucketLifecycle(ctx context.Context, bucket string, cfg *LifecycleConfiguration) error {
	r := bucketRequest(OpPutBucketLifecycle, http.MethodPut, bucket, "lifecycle")
	r.setXMLBody(cfg)
	_, err := c.do(ctx, r)
	return err
}

// GetBucketLifecycle returns nil when the bucket has no lifecycle rules (404 NoSuchLifecycle).
func (c *Client) GetBucketLifecycle(ctx context.Context, bucket string) (*LifecycleConfiguration, error) {
	out := &LifecycleConfiguration{}
	found, err := c.getSetting(ctx, bucketRequest(OpGetBucketLifecycle, http.MethodGet, bucket, "lifecycle"), out, CodeNoSuchLifecycle)
	if !found || len(out.Rules) == 0 {
		return nil, err
	}
	return out, nil
}

// DeleteBucketLifecycle removes every lifecycle rule.
func (c *Client) DeleteBucketLifecycle(ctx context.Context, bucket string) error {
	_, err := c.do(ctx, bucketRequest(OpDeleteBucketLifecycle, http.MethodDelete, bucket, "lifecycle"))
	return err
}
