package ossapi

import (
	"context"
	"encoding/xml"
	"net/http"
)

// RefererConfiguration is a bucket's hotlink protection. OSS always has one: the default allows empty
// referers and lists none. There is no delete: put the default to clear it.
type RefererConfiguration struct {
	XMLName                  xml.Name          `xml:"RefererConfiguration"`
	AllowEmptyReferer        bool              `xml:"AllowEmptyReferer"`
	AllowTruncateQueryString *bool             `xml:"AllowTruncateQueryString,omitempty"`
	TruncatePath             *bool             `xml:"TruncatePath,omitempty"`
	RefererList              []string          `xml:"RefererList>Referer"`
	RefererBlacklist         *RefererBlacklist `xml:"RefererBlacklist,omitempty"`
}

// RefererBlacklist lists referers that are always refused.
type RefererBlacklist struct {
	Referers []string `xml:"Referer"`
}

// PutBucketReferer replaces the hotlink protection.
func (c *Client) PutBucketReferer(ctx context.Context, bucket string, cfg *RefererConfiguration) error {
	r := bucketRequest(OpPutBucketReferer, http.MethodPut, bucket, "referer")
	r.setXMLBody(cfg)
	_, err := c.do(ctx, r)
	return err
}

// GetBucketReferer reads the hotlink protection.
func (c *Client) GetBucketReferer(ctx context.Context, bucket string) (*RefererConfiguration, error) {
	out := &RefererConfiguration{}
	if err := c.doXML(ctx, bucketRequest(OpGetBucketReferer, http.MethodGet, bucket, "referer"), out); err != nil {
		return nil, err
	}
	return out, nil
}
