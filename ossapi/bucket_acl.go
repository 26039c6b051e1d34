package ossapi

import (
	"context"
	"encoding/xml"
	"net/http"
)

// AccessControlPolicy is a bucket's owner and ACL.
type AccessControlPolicy struct {
	XMLName xml.Name `xml:"AccessControlPolicy"`
	Owner   Owner    `xml:"Owner"`
	ACL     ACL      `xml:"AccessControlList>Grant"`
}

// PutBucketAcl replaces the bucket's ACL.
func (c *Client) PutBucketAcl(ctx context.Context, bucket string, acl ACL) error {
	r := bucketRequest(OpPutBucketAcl, http.MethodPut, bucket, "acl")
	r.header.Set(HeaderACL, string(acl))
	_, err := c.do(ctx, r)
	return err
}

// GetBucketAcl reads the bucket's ACL.
func (c *Client) GetBucketAcl(ctx context.Context, bucket string) (*AccessControlPolicy, error) {
	out := &AccessControlPolicy{}
	if err := c.doXML(ctx, bucketRequest(OpGetBucketAcl, http.MethodGet, bucket, "acl"), out); err != nil {
		return nil, err
	}
	return out, nil
}
