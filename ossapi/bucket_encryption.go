package ossapi

import (
	"context"
	"encoding/xml"
	"net/http"
)

// Server-side encryption algorithms.
const (
	SSEAES256 = "AES256"
	SSEKMS    = "KMS"
	SSESM4    = "SM4"
)

// ServerSideEncryptionRule is a bucket's default encryption.
type ServerSideEncryptionRule struct {
	XMLName                            xml.Name                      `xml:"ServerSideEncryptionRule"`
	ApplyServerSideEncryptionByDefault ServerSideEncryptionByDefault `xml:"ApplyServerSideEncryptionByDefault"`
}

// ServerSideEncryptionByDefault names the algorithm; KMSMasterKeyID and KMSDataEncryption apply to KMS only.
type ServerSideEncryptionByDefault struct {
	SSEAlgorithm      string `xml:"SSEAlgorithm"`
	KMSMasterKeyID    string `xml:"KMSMasterKeyID,omitempty"`
	KMSDataEncryption string `xml:"KMSDataEncryption,omitempty"`
}

// PutBucketEncryption replaces the bucket's default encryption.
func (c *Client) PutBucketEncryption(ctx context.Context, bucket string, cfg *ServerSideEncryptionRule) error {
	r := bucketRequest(OpPutBucketEncryption, http.MethodPut, bucket, "encryption")
	r.setXMLBody(cfg)
	_, err := c.do(ctx, r)
	return err
}

// GetBucketEncryption returns nil when no default encryption is configured (404
// NoSuchServerSideEncryptionRule).
func (c *Client) GetBucketEncryption(ctx context.Context, bucket string) (*ServerSideEncryptionRule, error) {
	out := &ServerSideEncryptionRule{}
	found, err := c.getSetting(ctx, bucketRequest(OpGetBucketEncryption, http.MethodGet, bucket, "encryption"), out, CodeNoSuchServerSideEncryptionRule)
	if !found {
		return nil, err
	}
	return out, nil
}

// DeleteBucketEncryption removes the default encryption.
func (c *Client) DeleteBucketEncryption(ctx context.Context, bucket string) error {
	_, err := c.do(ctx, bucketRequest(OpDeleteBucketEncryption, http.MethodDelete, bucket, "encryption"))
	return err
}
