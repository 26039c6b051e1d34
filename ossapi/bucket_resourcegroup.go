package ossapi

import (
	"context"
	"encoding/xml"
	"net/http"
)

// BucketResourceGroupConfiguration names the resource group a bucket belongs to.
type BucketResourceGroupConfiguration struct {
	XMLName         xml.Name `xml:"BucketResourceGroupConfiguration"`
	ResourceGroupID string   `xml:"ResourceGroupId"`
}

// PutBucketResourceGroup moves the bucket to a resource group.
func (c *Client) PutBucketResourceGroup(ctx context.Context, bucket, resourceGroupID string) error {
	r := bucketRequest(OpPutBucketResourceGroup, http.MethodPut, bucket, "resourceGroup")
	r.setXMLBody(&BucketResourceGroupConfiguration{ResourceGroupID: resourceGroupID})
	_, err := c.do(ctx, r)
	return err
}

// GetBucketResourceGroup returns the bucket's resource group ID.
func (c *Client) GetBucketResourceGroup(ctx context.Context, bucket string) (string, error) {
	out := &BucketResourceGroupConfiguration{}
	if err := c.doXML(ctx, bucketRequest(OpGetBucketResourceGroup, http.MethodGet, bucket, "resourceGroup"), out); err != nil {
		return "", err
	}
	return out.ResourceGroupID, nil
}
