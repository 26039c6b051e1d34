package osstest

import (
	"fmt"
	"math/rand/v2"
	"net"
	"net/http"
	"sort"
	"strings"
	"sync"
	"time"

	"github.com/go-logr/logr"

	"github.com/ossoperator/oss-operator/ossapi"
)

// Key is an AccessKey pair of an account. A non-empty SecurityToken makes it an STS key: every request
// signed with it must carry the token (header x-oss-security-token, or the security-token query
// parameter of a V1 presigned URL, x-oss-security-token of a V4 one). A zero Expiration never expires.
type Key struct {
	AccessKeyID     string
	AccessKeySecret string
	SecurityToken   string
	Expiration      time.Time
}

// Account is an Alibaba Cloud account: its ID (the bucket owner ID), display name and keys.
type Account struct {
	ID          string
	DisplayName string
	Keys        []Key
}

// DefaultRegion is the region of an emulator created without WithRegion.
const DefaultRegion = "cn-hangzhou"

// DefaultResourceGroupID is the resource group of buckets created without one.
const DefaultResourceGroupID = "rg-acfmdefault"

// Operation names the emulator serves besides ossapi's.
const (
	OpListObjects           = "ListObjects"
	OpGetObject             = "GetObject"
	OpHeadObject            = "HeadObject"
	OpGetBucketPolicyStatus = "GetBucketPolicyStatus"
)

type config struct {
	accounts          []Account
	region            string
	bucketLimit       int
	blockPublicAccess bool
	now               func() time.Time
	log               logr.Logger
	endpointHosts     []string
	policyDocLimit    int
}

// Option configures an Emulator.
type Option func(*config)

// WithAccount adds an account with its keys. Repeat it for several accounts: they share one global bucket
// namespace, as on OSS.
func WithAccount(a Account) Option { return func(c *config) { c.accounts = append(c.accounts, a) } }

// WithRegion sets the region of the endpoint (default cn-hangzhou): V4 signatures must be scoped to it and
// buckets created through the emulator are in it.
func WithRegion(region string) Option {
	return func(c *config) { c.region = strings.TrimPrefix(region, "oss-") }
}

// WithBucketLimit sets how many buckets an account may have in a region (default 100); PutBucket past
// it is 400 TooManyBuckets.
func WithBucketLimit(n int) Option { return func(c *config) { c.bucketLimit = n } }

// WithBlockPublicAccessByDefault sets whether new buckets have Block Public Access on (default true, as
// OSS does for buckets created since October 2025): a public ACL or a public bucket policy is then 403
// AccessDenied until PutBucketPublicAccessBlock switches it off.
func WithBlockPublicAccessByDefault(on bool) Option {
	return func(c *config) { c.blockPublicAccess = on }
}

// WithClock sets the server clock, which signatures are checked against (clock skew, presigned URL
// expiry, STS expiry) and which stamps the Date header and creation times.
func WithClock(now func() time.Time) Option { return func(c *config) { c.now = now } }

// WithLogger logs one line per request: operation, bucket, status, code, account, RAM user, role session,
// request ID for OSS; action, status, code, account, RAM user, role session, request ID for RAM and
// STS. It never logs the Authorization header, signatures, strings to sign, secrets, security tokens or
// OIDC tokens.
func WithLogger(l logr.Logger) Option { return func(c *config) { c.log = l } }

// WithEndpointHost names a host (host or host:port) under which Host "<bucket>.<host>" is addressed
// virtual-hosted, for example the DNS name of an emulator running in a cluster. Loopback and IP
// addresses, localhost and oss-<region>.aliyuncs.com are always recognized.
func WithEndpointHost(host string) Option {
	return func(c *config) { c.endpointHosts = append(c.endpointHosts, strings.ToLower(host)) }
}

// WithPolicyDocumentLimit sets the longest RAM policy document CreatePolicy and CreatePolicyVersion
// accept, in characters (default 2048, the limit of RAM's older documentation; its current
// documentation says 6144). A longer one is 400 InvalidParameter.PolicyDocument.Length.
func WithPolicyDocumentLimit(n int) Option { return func(c *config) { c.policyDocLimit = n } }

// Emulator is an in-memory OSS service. It is an http.Handler; use NewServer to serve it on a port.
type Emulator struct {
	region            string
	bucketLimit       int
	blockPublicAccess bool
	now               func() time.Time
	log               logr.Logger
	endpointHosts     []string

	mu sync.Mutex
	// sessionLifetime, when set, is the life of every new STS session (SetSessionLifetime).
	sessionLifetime time.Duration
	accounts        map[string]*account   // by account ID
	keys            map[string]keyBinding // by AccessKey ID
	buckets         map[string]*bucket    // global namespace
	seq             uint64                // version and upload IDs
	ram             map[string]*ramState  // by account ID
	ramSeq          uint64                // RAM user IDs

	policyDocumentLimit int

	nonceMu      sync.Mutex
	nonces       map[string]time.Time // RPC signature nonces by key, when first used
	noncesPruned time.Time

	throttle throttles

	faultMu sync.Mutex
	faults  []*faultEntry
	rnd     *rand.Rand

	countMu sync.Mutex
	// tokenCalls counts the OSS requests signed with a role session's credentials.
	tokenCalls   int
	counts       map[string]map[string]int      // operation -> account ID -> calls
	bucketCounts map[bucketOp]*bucketCallCounts // by operation and bucket
}

// bucketOp is an operation on one bucket ("" for operations on none, such as ListBuckets).
type bucketOp struct{ op, bucket string }

type bucketCallCounts struct{ calls, succeeded int }

type account struct {
	id, displayName string
}

// keyBinding is what an AccessKey ID stands for: a key of an account itself, a key RAM issued to one
// of the account's users (ramUser set, its state in ramKey), or the STS credentials of a session of
// one of the account's roles (session set).
type keyBinding struct {
	accountID string
	key       Key
	ramUser   string
	ramKey    *ramAccessKey
	session   *roleSession
}

// New returns an emulator. It has no listener: serve it with NewServer, an http.Server, or call
// ServeHTTP directly.
func New(opts ...Option) *Emulator {
	c := config{region: DefaultRegion, bucketLimit: 100, blockPublicAccess: true, now: time.Now, log: logr.Discard(),
		policyDocLimit: defaultPolicyDocumentSize}
	for _, o := range opts {
		o(&c)
	}
	e := &Emulator{
		region:              c.region,
		bucketLimit:         c.bucketLimit,
		blockPublicAccess:   c.blockPublicAccess,
		now:                 c.now,
		log:                 c.log,
		endpointHosts:       c.endpointHosts,
		accounts:            map[string]*account{},
		keys:                map[string]keyBinding{},
		buckets:             map[string]*bucket{},
		ram:                 map[string]*ramState{},
		policyDocumentLimit: c.policyDocLimit,
		nonces:              map[string]time.Time{},
		rnd:                 rand.New(rand.NewPCG(1, 2)),
		counts:              map[string]map[string]int{},
		bucketCounts:        map[bucketOp]*bucketCallCounts{},
	}
	for _, a := range c.accounts {
		e.AddAccount(a)
	}
	return e
}

// Region is the emulator's region ID (cn-hangzhou).
func (e *Emulator) Region() string { return e.region }

// AddAccount adds an account, or adds keys to an existing one. It panics on an empty account ID or on
// an AccessKey ID that belongs to another account.
func (e *Emulator) AddAccount(a Account) {
	if a.ID == "" {
		panic("osstest: Account.ID is required")
	}
	e.mu.Lock()
	defer e.mu.Unlock()
	acc := e.accounts[a.ID]
	if acc == nil {
		acc = &account{id: a.ID}
		e.accounts[a.ID] = acc
	}
	if a.DisplayName != "" {
		acc.displayName = a.DisplayName
	}
	if acc.displayName == "" {
		acc.displayName = a.ID
	}
	for _, k := range a.Keys {
		if k.AccessKeyID == "" || k.AccessKeySecret == "" {
			panic(fmt.Sprintf("osstest: account %s: a key needs an AccessKeyID and an AccessKeySecret", a.ID))
		}
		if prev, ok := e.keys[k.AccessKeyID]; ok && prev.accountID != a.ID {
			panic(fmt.Sprintf("osstest: AccessKey ID %s already belongs to account %s", k.AccessKeyID, prev.accountID))
		}
		e.keys[k.AccessKeyID] = keyBinding{accountID: a.ID, key: k}
	}
}

// CreateBucket creates a bucket for an account in any region, with OSS's defaults, as if the account had
// created it through that region's endpoint. Tests use it to seed foreign or cross-region buckets.
func (e *Emulator) CreateBucket(accountID, name, region string) error {
	if !ossapi.ValidBucketName(name) {
		return fmt.Errorf("osstest: invalid bucket name %q", name)
	}
	e.mu.Lock()
	defer e.mu.Unlock()
	if e.accounts[accountID] == nil {
		return fmt.Errorf("osstest: no account %q", accountID)
	}
	if _, ok := e.buckets[name]; ok {
		return fmt.Errorf("osstest: bucket %q exists", name)
	}
	if region == "" {
		region = e.region
	}
	e.buckets[name] = e.newBucket(name, strings.TrimPrefix(region, "oss-"), accountID)
	return nil
}

// BucketNames lists every bucket of every account, sorted.
func (e *Emulator) BucketNames() []string {
	e.mu.Lock()
	defer e.mu.Unlock()
	names := make([]string, 0, len(e.buckets))
	for n := range e.buckets {
		names = append(names, n)
	}
	sort.Strings(names)
	return names
}

// Server is an Emulator listening on three loopback ports, like httptest.Server: one for OSS, one for
// RAM, one for STS.
type Server struct {
	// URL is the path-style OSS endpoint, http://127.0.0.1:PORT.
	URL string
	// RAMURL is the RAM endpoint, http://127.0.0.1:PORT (the emulator's RAM handler).
	RAMURL string
	// STSURL is the STS endpoint, http://127.0.0.1:PORT (the emulator's STS handler).
	STSURL string
	*Emulator

	servers []*http.Server
	done    chan struct{}
}

// NewServer starts an emulator on 127.0.0.1, OSS, RAM and STS each at a free port. Close it when done.
func NewServer(opts ...Option) *Server {
	s := &Server{Emulator: New(opts...), done: make(chan struct{})}
	var listeners []net.Listener
	for _, h := range []http.Handler{s.Emulator, s.Emulator.RAM(), s.Emulator.STS()} {
		l, err := net.Listen("tcp", "127.0.0.1:0")
		if err != nil {
			for _, l := range listeners {
				_ = l.Close()
			}
			panic(fmt.Sprintf("osstest: listening on 127.0.0.1: %v", err))
		}
		listeners = append(listeners, l)
		s.servers = append(s.servers, &http.Server{Handler: h, ReadHeaderTimeout: 10 * time.Second})
	}
	s.URL, s.RAMURL, s.STSURL = "http://"+listeners[0].Addr().String(), "http://"+listeners[1].Addr().String(),
		"http://"+listeners[2].Addr().String()
	var wg sync.WaitGroup
	for i, srv := range s.servers {
		wg.Add(1)
		go func() {
			defer wg.Done()
			_ = srv.Serve(listeners[i])
		}()
	}
	go func() {
		wg.Wait()
		close(s.done)
	}()
	return s
}

// Close stops the listeners and closes every connection.
func (s *Server) Close() {
	for _, srv := range s.servers {
		_ = srv.Close()
	}
	<-s.done
}
