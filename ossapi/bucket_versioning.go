package ossapi

import (
	"context"
	"encoding/xml"
	"net/http"
)

// Versioning states. A bucket starts with versioning never enabled (no status) and cannot return there.
const (
	VersioningEnabled   = "Enabled"
	VersioningSuspended = "Suspended"
)

// VersioningConfiguration is a bucket's versioning state.
type VersioningConfiguration struct {
	XMLName xml.Name `xml:"VersioningConfiguration"`
	Status  string   `xml:"Status,omitempty"`
}

// PutBucketVersioning sets versioning to Enabled or Suspended.
func (c *Client) PutBucketVersioning(ctx context.Context, bucket string, cfg *VersioningConfiguration) error {
	r := bucketRequest(OpPutBucketVersioning, http.MethodPut, bucket, "versioning")
	r.setXMLBody(cfg)
	_, err := c.do(ctx, r)
	return err
}

// GetBucketVersioning returns nil for a bucket whose versioning was never set (OSS answers 200 with no
// Status).
func (c *Client) GetBucketVersioning(ctx context.Context, bucket string) (*VersioningConfiguration, error) {
	out := &VersioningConfiguration{}
	if err := c.doXML(ctx, bucketRequest(OpGetBucketVersioning, http.MethodGet, bucket, "versioning"), out); err != nil {
		return nil, err
	}
	if out.Status == "" {
		return nil, nil
	}
	return out, nil
}
