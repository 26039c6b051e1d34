package ossapi

import (
	"context"
	"encoding/xml"
	"net/http"
)

// BucketLoggingStatus is a bucket's access logging; LoggingEnabled is nil when logging is off.
type BucketLoggingStatus struct {
	XMLName        xml.Name        `xml:"BucketLoggingStatus"`
	LoggingEnabled *LoggingEnabled `xml:"LoggingEnabled,omitempty"`
}

// LoggingEnabled names where access logs are written. The target bucket must be in the same region
// and owned by the same account.
type LoggingEnabled struct {
	TargetBucket string `xml:"TargetBucket"`
	TargetPrefix string `xml:"TargetPrefix,omitempty"`
	LoggingRole  string `xml:"LoggingRole,omitempty"`
}

// PutBucketLogging turns access logging on.
func (c *Client) PutBucketLogging(ctx context.Context, bucket string, cfg *BucketLoggingStatus) error {
	r := bucketRequest(OpPutBucketLogging, http.MethodPut, bucket, "logging")
	r.setXMLBody(cfg)
	_, err := c.do(ctx, r)
	return err
}

// GetBucketLogging returns nil when logging is off (OSS answers 200 with an empty BucketLoggingStatus).
func (c *Client) GetBucketLogging(ctx context.Context, bucket string) (*BucketLoggingStatus, error) {
	out := &BucketLoggingStatus{}
	if err := c.doXML(ctx, bucketRequest(OpGetBucketLogging, http.MethodGet, bucket, "logging"), out); err != nil {
		return nil, err
	}
	if out.LoggingEnabled == nil || out.LoggingEnabled.TargetBucket == "" {
		return nil, nil
	}
	return out, nil
}

// DeleteBucketLogging turns access logging off.
func (c *Client) DeleteBucketLogging(ctx context.Context, bucket string) error {
	_, err := c.do(ctx, bucketRequest(OpDeleteBucketLogging, http.MethodDelete, bucket, "logging"))
	return err
}
