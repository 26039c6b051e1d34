package ossapi

import (
	"context"
	"encoding/json"
	"io"
	"net/http"
)

// PutBucketPolicy replaces the bucket policy, a JSON document.
func (c *Client) PutBucketPolicy(ctx context.Context, bucket, policy string) error {
	r := bucketRequest(OpPutBucketPolicy, http.MethodPut, bucket, "policy")
	r.setBody([]byte(policy), "application/json")
	_, err := c.do(ctx, r)
	return err
}

// GetBucketPolicy returns the policy document, or "" when the bucket has none (404 NoSuchBucketPolicy).
func (c *Client) GetBucketPolicy(ctx context.Context, bucket string) (string, error) {
	r := bucketRequest(OpGetBucketPolicy, http.MethodGet, bucket, "policy")
	var policy []byte
	r.decode = func(body io.Reader) error {
		// The body stops at the operation's limit (a policy is at most 16 KiB): it can be held whole.
		b, err := io.ReadAll(body)
		if err != nil {
			return err
		}
		if !json.Valid(b) {
			return refuse(problemNotJSON, nil)
		}
		policy = b
		return nil
	}
	_, err := c.do(ctx, r)
	if IsCode(err, CodeNoSuchBucketPolicy) {
		return "", nil
	}
	if err != nil {
		return "", err
	}
	return string(policy), nil
}

// DeleteBucketPolicy removes the bucket policy.
func (c *Client) DeleteBucketPolicy(ctx context.Context, bucket string) error {
	_, err := c.do(ctx, bucketRequest(OpDeleteBucketPolicy, http.MethodDelete, bucket, "policy"))
	return err
}
