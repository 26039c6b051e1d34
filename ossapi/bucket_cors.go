package ossapi

import (
	"context"
	"encoding/xml"
	"net/http"
)

// CORSConfiguration is a bucket's cross-origin rules (at most 10).
type CORSConfiguration struct {
	XMLName      xml.Name   `xml:"CORSConfiguration"`
	Rules        []CORSRule `xml:"CORSRule"`
	ResponseVary *bool      `xml:"ResponseVary,omitempty"`
}

// CORSRule is one cross-origin rule.
type CORSRule struct {
	AllowedOrigins []string `xml:"AllowedOrigin"`
	AllowedMethods []string `xml:"AllowedMethod"`
	AllowedHeaders []string `xml:"AllowedHeader,omitempty"`
	ExposeHeaders  []string `xml:"ExposeHeader,omitempty"`
	MaxAgeSeconds  *int64   `xml:"MaxAgeSeconds,omitempty"`
}

// PutBucketCors replaces every CORS rule.
func (c *Client) PutBucketCors(ctx context.Context, bucket string, cfg *CORSConfiguration) error {
	r := bucketRequest(OpPutBucketCors, http.MethodPut, bucket, "cors")
	r.setXMLBody(cfg)
	_, err := c.do(ctx, r)
	return err
}

// GetBucketCors returns nil when the bucket has no CORS rules (404 NoSuchCORSConfiguration).
func (c *Client) GetBucketCors(ctx context.Context, bucket string) (*CORSConfiguration, error) {
	out := &CORSConfiguration{}
	found, err := c.getSetting(ctx, bucketRequest(OpGetBucketCors, http.MethodGet, bucket, "cors"), out, CodeNoSuchCORSConfiguration)
	if !found || len(out.Rules) == 0 {
		return nil, err
	}
	return out, nil
}

// DeleteBucketCors removes every CORS rule.
func (c *Client) DeleteBucketCors(ctx context.Context, bucket string) error {
	_, err := c.do(ctx, bucketRequest(OpDeleteBucketCors, http.MethodDelete, bucket, "cors"))
	return err
}
