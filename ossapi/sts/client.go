// Package sts is the operator's client of Alibaba Cloud STS (Security Token Service, API version
// 2015-04-01): temporary credentials for a RAM role, assumed with the caller's own credentials
// (AssumeRole) or with an OIDC token such as the service-account token that ACK's RRSA projects into a
// pod (AssumeRoleWithOIDC), and the caller's identity (GetCallerIdentity).
//
// It is a typed layer on ossapi.RPCClient, as package ram is, so it shares the OSS client's machinery:
// each attempt signed anew (AssumeRoleWithOIDC is not signed at all: the token authenticates it),
// retries by ossapi.Retryable with backoff and jitter, per-action bounds on what is read, the same
// metrics (the operation label is the Action) and the same errors: a refusal is an *ossapi.Error whose
// Service is STS, whose Operation is the Action and whose Code is STS's (the Code constants), so
// ossapi.IsCode, ossapi.Retryable and Brief work on it as on OSS errors.
//
// Secrets stay where they belong. The AccessKeySecret and SecurityToken that STS returns are in the
// Credentials returned and nowhere else: not in errors (a *ossapi.DecodeError never quotes the
// answer), logs, or the String, GoString, Format, MarshalLog or MarshalJSON of Credentials and Session.
// The OIDC token sent is a secret parameter of its request: it travels in the POST body, never the
// URL, and is cut out of any error message that quotes it. The caller's credentials are never sent
// but as a signature, and their security token is cut out likewise.
package sts

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/ossoperator/oss-operator/ossapi"
)

// DefaultEndpoint is STS's central endpoint. Regional endpoints (https://sts.<region>.aliyuncs.com,
// and sts-vpc.<region>.aliyuncs.com inside a VPC) answer the same API.
const DefaultEndpoint = "https://sts.aliyuncs.com"

// APIVersion is the version of the STS API the client calls.
const APIVersion = "2015-04-01"

// Service names STS in errors (ossapi.Error.Service) and logs.
const Service = "STS"

// Config configures a Client.
type Config struct {
	// Endpoint is scheme://host[:port]; default DefaultEndpoint. http:// is for emulators.
	Endpoint string
	// Credentials sign AssumeRole and GetCallerIdentity: a RAM user's AccessKey, or STS credentials
	// (a role assuming another). Nil is allowed for a client that only calls AssumeRoleWithOIDC,
	// which is not signed; the others then fail with ErrNoCredentials.
	Credentials ossapi.CredentialsProvider
	// Transport: the HTTP client, retries, timeout, metrics, user agent and clocks, as for any RPC
	// client.
	ossapi.RPCTransport
}

// Client calls STS. It is safe for concurrent use.
type Client struct {
	rpc    *ossapi.RPCClient
	signed bool // the client has credentials to sign with
}

// New checks the configuration and returns a client.
func New(cfg Config) (*Client, error) {
	endpoint := cfg.Endpoint
	if endpoint == "" {
		endpoint = DefaultEndpoint
	}
	rpc, err := ossapi.NewRPCClient(ossapi.RPCConfig{
		Service: Service, Endpoint: endpoint, Version: APIVersion, Actions: answerLimits, Codes: Codes,
		Credentials: cfg.Credentials, RPCTransport: cfg.RPCTransport,
	})
	if err != nil {
		return nil, fmt.Errorf("sts: %w", err)
	}
	return &Client{rpc: rpc, signed: cfg.Credentials != nil}, nil
}

// Endpoint is where the client sends, as scheme://host[:port].
func (c *Client) Endpoint() string { return c.rpc.Endpoint() }

// ClockOffset is the correction applied to the local clock when signing, learnt from the server.
func (c *Client) ClockOffset() time.Duration { return c.rpc.ClockOffset() }

// String describes the client without its credentials.
func (c *Client) String() string { return "sts.Client{endpoint: " + c.rpc.Endpoint() + "}" }

// ErrInvalidArgument is the error of a call the client refused to send: an argument is missing or not
// one of the values STS takes. STS was not asked, so it is not Retryable.
var ErrInvalidArgument = errors.New("invalid argument")

// ErrNoCredentials is the error of a signed call (AssumeRole, GetCallerIdentity) by a client
// configured without credentials. Nothing was sent; it is not Retryable.
var ErrNoCredentials = errors.New("the client has no credentials to sign with (Config.Credentials)")

// call calls action and decodes the answer into out.
func (c *Client) call(ctx context.Context, req ossapi.RPCRequest, out any) error {
	if !req.Unsigned && !c.signed {
		return fmt.Errorf("sts: %s: %w", req.Action, ErrNoCredentials)
	}
	return c.rpc.Call(ctx, req, out)
}
