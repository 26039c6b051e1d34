// Package ram is the operator's client of Alibaba Cloud RAM (Resource Access Management, API version
// 2015-05-01): the users, AccessKeys and custom policies that scope a key to a bucket.
//
// It is a typed layer on ossapi.RPCClient, so it shares the OSS client's machinery: each attempt
// signed anew (the RPC signature, a fresh nonce, the clock corrected from the server's), retries by
// ossapi.Retryable with backoff and jitter, per-action bounds on what is read, the same metrics (the
// operation label is the Action) and the same errors: a refusal is an *ossapi.Error whose Operation
// is the Action and whose Code is RAM's (the Code constants below), so ossapi.IsCode, ossapi.Retryable
// and Brief work on it as on OSS errors.
//
// The Create calls are not idempotent. An attempt whose answer was lost (a *ossapi.TransportError) or
// garbled (a *ossapi.DecodeError) is retried, and so may have taken effect twice: a caller sees
// EntityAlreadyExists for a user or a policy, and may find an extra AccessKey or policy version, which
// it must look for anyway after a crash between the call and storing its result.
//
// The AccessKeySecret that CreateAccessKey returns is in the AccessKey it returns and nowhere else:
// not in errors (a *ossapi.DecodeError never quotes the answer), logs, or the AccessKey's String,
// GoString, Format, MarshalLog or MarshalJSON.
package ram

import (
	"context"
	"errors"
	"fmt"
	"net/url"
	"time"

	"github.com/ossoperator/oss-operator/ossapi"
)

// DefaultEndpoint is RAM's endpoint, the same for every region.
const DefaultEndpoint = "https://ram.aliyuncs.com"

// APIVersion is the version of the RAM API the client calls.
const APIVersion = "2015-05-01"

// Service names RAM in errors (ossapi.Error.Service) and logs.
const Service = "RAM"

// Config configures a Client.
type Config struct {
	// Endpoint is scheme://host[:port]; default DefaultEndpoint. http:// is for emulators.
	Endpoint string
	// Credentials sign every request. Required.
	Credentials ossapi.CredentialsProvider
	// Transport: the HTTP client, retries, timeout, metrics, user agent and clocks, as for any RPC
	// client.
	ossapi.RPCTransport
}

// Client calls RAM. It is safe for concurrent use.
type Client struct {
	rpc *ossapi.RPCClient
}

// New checks the configuration and returns a client.
func New(cfg Config) (*Client, error) {
	if cfg.Credentials == nil {
		return nil, errors.New("ram: Config.Credentials is required")
	}
	endpoint := cfg.Endpoint
	if endpoint == "" {
		endpoint = DefaultEndpoint
	}
	rpc, err := ossapi.NewRPCClient(ossapi.RPCConfig{
		Service: Service, Endpoint: endpoint, Version: APIVersion, Actions: answerLimits, Codes: Codes,
		Credentials: cfg.Credentials, RPCTransport: cfg.RPCTransport,
	})
	if err != nil {
		return nil, fmt.Errorf("ram: %w", err)
	}
	return &Client{rpc: rpc}, nil
}

// Endpoint is where the client sends, as scheme://host[:port].
func (c *Client) Endpoint() string { return c.rpc.Endpoint() }

// ClockOffset is the correction applied to the local clock when signing, learnt from the server.
func (c *Client) ClockOffset() time.Duration { return c.rpc.ClockOffset() }

// String describes the client without its credentials.
func (c *Client) String() string { return "ram.Client{endpoint: " + c.rpc.Endpoint() + "}" }

// ErrInvalidArgument is the error of a call the client refused to send: an argument is missing or not
// one of the values RAM takes. RAM was not asked, so it is not Retryable.
var ErrInvalidArgument = errors.New("invalid argument")

// call calls action with params and decodes the answer into out (nil: only checked).
func (c *Client) call(ctx context.Context, action string, params url.Values, out any) error {
	return c.rpc.Call(ctx, ossapi.RPCRequest{Action: action, Params: params}, out)
}

// require refuses a call with an empty argument.
func require(action string, args ...string) error {
	for i := 0; i+1 < len(args); i += 2 {
		if args[i+1] == "" {
			return fmt.Errorf("ram: %s: %w: %s is required", action, ErrInvalidArgument, args[i])
		}
	}
	return nil
}

// oneOf refuses a call with an argument that is not one of values.
func oneOf(action, name, value string, values ...string) error {
	for _, v := range values {
		if value == v {
			return nil
		}
	}
	return fmt.Errorf("ram: %s: %w: %s %q is not one of %q", action, ErrInvalidArgument, name, value, values)
}
