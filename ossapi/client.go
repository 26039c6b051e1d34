package ossapi

import (
	"context"
	"errors"
	"fmt"
	"net"
	"net/http"
	"net/url"
	"regexp"
	"strings"
	"time"

	"github.com/ossoperator/oss-operator/ossapi/signer"
)

// Credentials are an AccessKey pair and, for STS, a security token. They print redacted.
type Credentials = signer.Credentials

// CredentialsProvider supplies the credentials for each request, so keys can rotate under a running
// client.
type CredentialsProvider interface {
	Credentials(ctx context.Context) (Credentials, error)
}

// StaticCredentials is a CredentialsProvider that always returns the same credentials.
type StaticCredentials Credentials

// Credentials returns the credentials.
func (s StaticCredentials) Credentials(context.Context) (Credentials, error) {
	return Credentials(s), nil
}

// String never prints the secret.
func (s StaticCredentials) String() string { return Credentials(s).String() }

// SignatureVersion selects the request signature.
type SignatureVersion string

// Signature versions.
const (
	SignatureV4 SignatureVersion = "v4"
	SignatureV1 SignatureVersion = "v1"
)

// Config configures a Client.
type Config struct {
	// Region is the region ID without "oss-", e.g. cn-hangzhou. Required: V4 signs it, and the default
	// endpoint is derived from it.
	Region string
	// Endpoint overrides the endpoint, as scheme://host[:port] ("https://" when no scheme is given).
	// An *.aliyuncs.com endpoint is addressed virtual-hosted like the default; any other (the
	// emulator's http://127.0.0.1:PORT) path-style.
	Endpoint string
	// Internal selects the VPC endpoint oss-<region>-internal.aliyuncs.com.
	Internal bool
	// SignatureVersion is v4 (default) or v1.
	SignatureVersion SignatureVersion
	// Credentials signs every request. Required.
	Credentials CredentialsProvider
	// HTTPClient sends the requests; default: a client with connect, TLS and idle timeouts that does
	// not follow redirects and reads at most 256 KiB of response headers. Bodies are bounded per
	// operation whatever the client.
	HTTPClient *http.Client
	// Retry bounds retries; zero fields take DefaultRetryPolicy's.
	Retry RetryPolicy
	// Timeout bounds each attempt; default 30s.
	Timeout time.Duration
	// Metrics records calls; nil records nothing.
	Metrics *Metrics
	// UserAgent is sent with every request.
	UserAgent string
	// Now is the clock; default time.Now. Tests move it to provoke clock skew.
	Now func() time.Time
	// Sleep waits between attempts; default waits on a timer or the context. Tests record the delays.
	Sleep func(ctx context.Context, d time.Duration) error
	// Rand returns a uniform int64 in [0, n) for the backoff jitter; default math/rand/v2.
	Rand func(n int64) int64
	// Pacer, if set, paces every attempt (an account's rate limit, an endpoint's health).
	Pacer Pacer
}

// Client calls OSS. It is safe for concurrent use.
type Client struct {
	executor
	cfg       Config
	scheme    string
	host      string // endpoint host[:port]
	pathStyle bool
}

// DefaultUserAgent identifies the operator to OSS.
const DefaultUserAgent = "oss-operator"

// New checks the configuration and returns a client.
func New(cfg Config) (*Client, error) {
	if cfg.Region == "" {
		return nil, errors.New("ossapi: Config.Region is required (for example cn-hangzhou)")
	}
	if strings.HasPrefix(cfg.Region, "oss-") {
		return nil, fmt.Errorf("ossapi: Config.Region %q must be the region ID without the oss- prefix (%s)", cfg.Region, strings.TrimPrefix(cfg.Region, "oss-"))
	}
	if cfg.Credentials == nil {
		return nil, errors.New("ossapi: Config.Credentials is required")
	}
	switch cfg.SignatureVersion {
	case "":
		cfg.SignatureVersion = SignatureV4
	case SignatureV4, SignatureV1:
	default:
		return nil, fmt.Errorf("ossapi: Config.SignatureVersion %q is not v4 or v1", cfg.SignatureVersion)
	}
	c := &Client{cfg: cfg}
	if err := c.resolveEndpoint(); err != nil {
		return nil, err
	}
	c.init(settings{
		credentials: cfg.Credentials, httpClient: cfg.HTTPClient, retry: cfg.Retry, timeout: cfg.Timeout,
		metrics: cfg.Metrics, userAgent: cfg.UserAgent, now: cfg.Now, sleep: cfg.Sleep, rand: cfg.Rand,
		ops: Operations, pacer: cfg.Pacer,
	})
	return c, nil
}

func (c *Client) resolveEndpoint() error {
	ep := c.cfg.Endpoint
	if ep == "" {
		host := "oss-" + c.cfg.Region + ".aliyuncs.com"
		if c.cfg.Internal {
			host = "oss-" + c.cfg.Region + "-internal.aliyuncs.com"
		}
		c.scheme, c.host = "https", host
		return nil
	}
	u, ok := parseEndpoint(ep)
	if !ok {
		return fmt.Errorf("ossapi: Config.Endpoint %q is not scheme://host[:port]", c.cfg.Endpoint)
	}
	c.scheme, c.host = u.Scheme, u.Host
	c.pathStyle = !strings.HasSuffix(strings.ToLower(u.Hostname()), ".aliyuncs.com")
	return nil
}

// parseEndpoint reads an endpoint, scheme://host[:port] with http or https ("https://" when no scheme
// is given), and nothing else: no path, query or user.
func parseEndpoint(ep string) (*url.URL, bool) {
	if !strings.Contains(ep, "://") {
		ep = "https://" + ep
	}
	u, err := url.Parse(ep)
	if err != nil || u.Host == "" || (u.Scheme != "http" && u.Scheme != "https") || (u.Path != "" && u.Path != "/") || u.RawQuery != "" || u.User != nil {
		return nil, false
	}
	return u, true
}

// Region is the client's region ID.
func (c *Client) Region() string { return c.cfg.Region }

// Endpoint is the endpoint the client sends to, as scheme://host[:port].
func (c *Client) Endpoint() string { return c.scheme + "://" + c.host }

// PathStyle reports whether buckets are addressed in the path rather than the host name.
func (c *Client) PathStyle() bool { return c.pathStyle }

// String describes the client without its credentials.
func (c *Client) String() string {
	return fmt.Sprintf("ossapi.Client{endpoint: %s, region: %s, signature: %s}", c.Endpoint(), c.cfg.Region, c.cfg.SignatureVersion)
}

var bucketNameRE = regexp.MustCompile(`^[a-z0-9][a-z0-9-]{1,61}[a-z0-9]$`)

// ValidBucketName reports whether name follows OSS's naming rules: 3-63 characters of a-z, 0-9 and
// "-", starting and ending with a letter or digit.
func ValidBucketName(name string) bool { return bucketNameRE.MatchString(name) }

// ErrInvalidBucketName is the error of a call the client refused to send because its bucket name
// breaks ValidBucketName's rules (a virtual-hosted name becomes part of the host name). OSS was not
// asked, so it is not Retryable: the name has to change.
var ErrInvalidBucketName = errors.New("invalid bucket name")

// URL returns where a request for bucket and key goes: virtual-hosted https://<bucket>.<endpoint>/<key>,
// or path-style <endpoint>/<bucket>/<key> for a custom endpoint.
func (c *Client) URL(bucket, key string, query url.Values) *url.URL {
	u := &url.URL{Scheme: c.scheme, Host: c.host, Path: "/", RawQuery: signer.EncodeQuery(query)}
	switch {
	case bucket == "":
	case c.pathStyle:
		u.Path = "/" + bucket + "/" + key
	default:
		u.Host = bucket + "." + c.host
		u.Path = "/" + key
	}
	u.RawPath = signer.Escape(u.Path, true)
	return u
}

// NewHTTPClient is the HTTP client a Client uses when its Config names none: connect, TLS and idle
// timeouts, no redirects followed, at most 256 KiB of response headers. Share one among many Clients (an
// operator's, one per credentials) so that they share its connections.
func NewHTTPClient() *http.Client { return defaultHTTPClient() }

func defaultHTTPClient() *http.Client {
	dialer := &net.Dialer{Timeout: 5 * time.Second, KeepAlive: 30 * time.Second}
	return &http.Client{
		Transport: &http.Transport{
			Proxy:               http.ProxyFromEnvironment,
			DialContext:         dialer.DialContext,
			TLSHandshakeTimeout: 5 * time.Second,
			// OSS answers a bucket or RAM call within milliseconds; an endpoint that has not begun to
			// answer in 10 s is not going to (the official SDK's read timeout is 10 s too). The attempt as
			// a whole is bounded by Config.Timeout.
			ResponseHeaderTimeout: 10 * time.Second,
			ExpectContinueTimeout: time.Second,
			IdleConnTimeout:       50 * time.Second,
			MaxIdleConns:          100,
			MaxIdleConnsPerHost:   100,
			ForceAttemptHTTP2:     true,
			// Headers are bounded like bodies (limits.go): OSS sends a few KiB at most (a HEAD error's
			// base64 x-oss-err is under 100 KiB); Go's default would read 10 MB of them.
			MaxResponseHeaderBytes: 256 << 10,
		},
		CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse },
	}
}

func sleepContext(ctx context.Context, d time.Duration) error {
	if d <= 0 {
		return ctx.Err()
	}
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-ctx.Done():
		return ctx.Err()
	case <-t.C:
		return nil
	}
}
