package ossapi

import (
	"context"
	"encoding/json"
	"errors"
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
	r.decode = func(body []byte) error {
		if !json.Valid(body) {
			return errors.New("the policy is not a JSON document")
		}
		return nil
	}
	resp, err := c.do(ctx, r)
	if IsCode(err, CodeNoSuchBucketPolicy) {
		return "", nil
	}
	if err != nil {
		return "", err
	}
	return string(resp.body), nil
}

// DeleteBucketPolicy removes the bucket policy.
func (c *Client) DeleteBucketPolicy(ctx context.Context, bucket string) error {
	_, err := c.do(ctx, bucketRequest(OpDeleteBucketPolicy, http.MethodDelete, bucket, "policy"))
	return err
}
