package ram

import (
	"context"
	"errors"
	"fmt"
	"net/url"
	"time"

	"github.com/ossoperator/oss-operator/ossapi"
)

// CreateAccessKey creates an AccessKey for a RAM user and returns it with its secret, which RAM never
// returns again: store it before anything else. A user has at most 2 AccessKeys
// (LimitExceeded.User.AccessKey).
//
// userName is required: RAM would take a call without it as one for the caller's own identity.
func (c *Client) CreateAccessKey(ctx context.Context, userName string) (*AccessKey, error) {
	if err := require(ActionCreateAccessKey, "userName", userName); err != nil {
		return nil, err
	}
	var out accessKeyAnswer
	if err := c.call(ctx, ActionCreateAccessKey, url.Values{"UserName": {userName}}, &out); err != nil {
		return nil, err
	}
	k := out.AccessKey
	return &AccessKey{AccessKeyID: k.AccessKeyID, AccessKeySecret: k.AccessKeySecret, Status: k.Status,
		CreateDate: time.Time(k.CreateDate)}, nil
}

// ListAccessKeys lists a RAM user's AccessKeys, without their secrets.
func (c *Client) ListAccessKeys(ctx context.Context, userName string) ([]AccessKey, error) {
	if err := require(ActionListAccessKeys, "userName", userName); err != nil {
		return nil, err
	}
	var out accessKeysAnswer
	if err := c.call(ctx, ActionListAccessKeys, url.Values{"UserName": {userName}}, &out); err != nil {
		return nil, err
	}
	keys := make([]AccessKey, 0, len(out.AccessKeys.AccessKey))
	for _, k := range out.AccessKeys.AccessKey {
		keys = append(keys, AccessKey{AccessKeyID: k.AccessKeyID, Status: k.Status, CreateDate: time.Time(k.CreateDate)})
	}
	return keys, nil
}

// UpdateAccessKey sets the status of a RAM user's AccessKey: StatusActive or StatusInactive.
func (c *Client) UpdateAccessKey(ctx context.Context, userName, accessKeyID, status string) error {
	if err := require(ActionUpdateAccessKey, "userName", userName, "accessKeyID", accessKeyID); err != nil {
		return err
	}
	if err := oneOf(ActionUpdateAccessKey, "status", status, StatusActive, StatusInactive); err != nil {
		return err
	}
	params := url.Values{"UserName": {userName}, "UserAccessKeyId": {accessKeyID}, "Status": {status}}
	return c.call(ctx, ActionUpdateAccessKey, params, nil)
}

// DeleteAccessKey deletes a RAM user's AccessKey; one that does not exist is
// EntityNotExist.User.AccessKey.
func (c *Client) DeleteAccessKey(ctx context.Context, userName, accessKeyID string) error {
	if err := require(ActionDeleteAccessKey, "userName", userName, "accessKeyID", accessKeyID); err != nil {
		return err
	}
	params := url.Values{"UserName": {userName}, "UserAccessKeyId": {accessKeyID}}
	return c.call(ctx, ActionDeleteAccessKey, params, nil)
}

// accessKeyAnswer is CreateAccessKey's answer: a key with its secret. Its refusals never quote the
// answer.
type accessKeyAnswer struct {
	AccessKey *accessKeyJSON `json:"AccessKey"`
}

func (a *accessKeyAnswer) CheckAnswer(ossapi.RPCRequest) error {
	switch {
	case a.AccessKey == nil:
		return errors.New("there is no AccessKey")
	case a.AccessKey.AccessKeyID == "":
		return errors.New("the AccessKey has no AccessKeyId")
	case a.AccessKey.AccessKeySecret == "":
		return errors.New("the AccessKey has no AccessKeySecret")
	}
	return nil
}

// accessKeysAnswer is ListAccessKeys' answer: {"AccessKeys": {"AccessKey": [...]}}.
type accessKeysAnswer struct {
	AccessKeys *struct {
		AccessKey []accessKeyJSON `json:"AccessKey"`
	} `json:"AccessKeys"`
}

func (a *accessKeysAnswer) CheckAnswer(ossapi.RPCRequest) error {
	if a.AccessKeys == nil {
		return errors.New("there is no AccessKeys list")
	}
	for i, k := range a.AccessKeys.AccessKey {
		if k.AccessKeyID == "" {
			return fmt.Errorf("AccessKey %d has no AccessKeyId", i)
		}
	}
	return nil
}
