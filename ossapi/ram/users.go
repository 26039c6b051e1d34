package ram

import (
	"context"
	"errors"
	"fmt"
	"net/url"
	"strings"

	"github.com/ossoperator/oss-operator/ossapi"
)

// CreateUserInput describes a new RAM user.
type CreateUserInput struct {
	// UserName is 1-64 characters of letters, digits, ".", "_" and "-". Required.
	UserName string
	// DisplayName is 1-128 characters; optional.
	DisplayName string
	// Comments are at most 128 characters; optional.
	Comments string
}

// CreateUser creates a RAM user. A user of that name already there is EntityAlreadyExists.User.
func (c *Client) CreateUser(ctx context.Context, in CreateUserInput) (*User, error) {
	if err := require(ActionCreateUser, "UserName", in.UserName); err != nil {
		return nil, err
	}
	params := url.Values{"UserName": {in.UserName}}
	setIf(params, "DisplayName", in.DisplayName)
	setIf(params, "Comments", in.Comments)
	var out userAnswer
	if err := c.call(ctx, ActionCreateUser, params, &out); err != nil {
		return nil, err
	}
	return out.User.user(), nil
}

// GetUser reads a RAM user; one that does not exist is EntityNotExist.User.
func (c *Client) GetUser(ctx context.Context, userName string) (*User, error) {
	if err := require(ActionGetUser, "userName", userName); err != nil {
		return nil, err
	}
	var out userAnswer
	if err := c.call(ctx, ActionGetUser, url.Values{"UserName": {userName}}, &out); err != nil {
		return nil, err
	}
	return out.User.user(), nil
}

// DeleteUser deletes a RAM user. RAM refuses while the user has AccessKeys
// (DeleteConflict.User.AccessKey) or policies attached (DeleteConflict.User.Policy).
func (c *Client) DeleteUser(ctx context.Context, userName string) error {
	if err := require(ActionDeleteUser, "userName", userName); err != nil {
		return err
	}
	return c.call(ctx, ActionDeleteUser, url.Values{"UserName": {userName}}, nil)
}

// userAnswer is the answer of CreateUser and GetUser: the user asked about.
type userAnswer struct {
	User *userJSON `json:"User"`
}

func (a *userAnswer) CheckAnswer(req ossapi.RPCRequest) error {
	switch asked := req.Params.Get("UserName"); {
	case a.User == nil:
		return errors.New("there is no User")
	case !strings.EqualFold(a.User.UserName, asked):
		return fmt.Errorf("the answer is about user %q, not %q", a.User.UserName, asked)
	case a.User.UserID == "":
		return errors.New("the user has no UserId")
	}
	return nil
}

// setIf sets an optional parameter that has a value.
func setIf(params url.Values, name, value string) {
	if value != "" {
		params.Set(name, value)
	}
}
