package ossapi

import (
	"context"
	"encoding/xml"
	"net/http"
	"strings"
)

// Tagging is a bucket's tag set (at most 20 tags).
type Tagging struct {
	XMLName xml.Name `xml:"Tagging"`
	Tags    []Tag    `xml:"TagSet>Tag"`
}

// Map returns the tags as a map.
func (t *Tagging) Map() map[string]string {
	m := make(map[string]string, len(t.Tags))
	for _, tag := range t.Tags {
		m[tag.Key] = tag.Value
	}
	return m
}

// PutBucketTags replaces every tag of the bucket.
func (c *Client) PutBucketTags(ctx context.Context, bucket string, tags *Tagging) error {
	r := bucketRequest(OpPutBucketTags, http.MethodPut, bucket, "tagging")
	r.setXMLBody(tags)
	_, err := c.do(ctx, r)
	return err
}

// GetBucketTags returns nil for an untagged bucket (OSS answers 200 with an empty tag set).
func (c *Client) GetBucketTags(ctx context.Context, bucket string) (*Tagging, error) {
	out := &Tagging{}
	if err := c.doXML(ctx, bucketRequest(OpGetBucketTags, http.MethodGet, bucket, "tagging"), out); err != nil {
		return nil, err
	}
	if len(out.Tags) == 0 {
		return nil, nil
	}
	return out, nil
}

// DeleteBucketTags removes the named tags, or every tag when no key is given.
func (c *Client) DeleteBucketTags(ctx context.Context, bucket string, keys ...string) error {
	r := bucketRequest(OpDeleteBucketTags, http.MethodDelete, bucket, "tagging")
	if len(keys) > 0 {
		r.query.Set("tagging", strings.Join(keys, ","))
	}
	_, err := c.do(ctx, r)
	return err
}
