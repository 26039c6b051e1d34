package ossapi

import (
	"context"
	"encoding/xml"
	"net/http"
)

// PublicAccessBlockConfiguration is a bucket's Block Public Access switch. New buckets have it on:
// public ACLs and public policies are refused with 403 AccessDenied until it is switched off.
type PublicAccessBlockConfiguration struct {
	XMLName           xml.Name `xml:"PublicAccessBlockConfiguration"`
	BlockPublicAccess bool     `xml:"BlockPublicAccess"`
}

// PutBucketPublicAccessBlock sets Block Public Access.
func (c *Client) PutBucketPublicAccessBlock(ctx context.Context, bucket string, cfg *PublicAccessBlockConfiguration) error {
	r := bucketRequest(OpPutBucketPublicAccessBlock, http.MethodPut, bucket, "publicAccessBlock")
	r.setXMLBody(cfg)
	_, err := c.do(ctx, r)
	return err
}

// GetBucketPublicAccessBlock reads Block Public Access.
func (c *Client) GetBucketPublicAccessBlock(ctx context.Context, bucket string) (*PublicAccessBlockConfiguration, error) {
	out := &PublicAccessBlockConfiguration{}
	if err := c.doXML(ctx, bucketRequest(OpGetBucketPublicAccessBlock, http.MethodGet, bucket, "publicAccessBlock"), out); err != nil {
		return nil, err
	}
	return out, nil
}

// DeleteBucketPublicAccessBlock removes the bucket's own setting (the account's applies again).
func (c *Client) DeleteBucketPublicAccessBlock(ctx context.Context, bucket string) error {
	_, err := c.do(ctx, bucketRequest(OpDeleteBucketPublicAccessBlock, http.MethodDelete, bucket, "publicAccessBlock"))
	return err
}
