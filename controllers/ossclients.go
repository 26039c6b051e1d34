package controllers

import (
	"context"
	"fmt"
	"net/http"
	"net/url"
	"strings"
	"sync"
	"time"

	corev1 "k8s.io/api/core/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/types"
	"sigs.k8s.io/controller-runtime/pkg/client"

	ossv1 "github.com/ossoperator/oss-operator/api/v1alpha1"
	"github.com/ossoperator/oss-operator/ossapi"
	"github.com/ossoperator/oss-operator/ossapi/ram"
	"github.com/ossoperator/oss-operator/ossapi/sts"
)

// Secret keys an AccessKey's Secret may use: the operator's own names, or the official SDK's
// environment variable names so that one Secret serves the operator and applications (envFrom).
var (
	secretKeysID     = []string{"accessKeyId", "OSS_ACCESS_KEY_ID"}
	secretKeysSecret = []string{"accessKeySecret", "OSS_ACCESS_KEY_SECRET"}
	secretKeysToken  = []string{"securityToken", "OSS_SESSION_TOKEN"}
)

// CredentialsError is an AccessKey whose credentials cannot be used before any call to OSS: its
// Secret is missing or incomplete, or its endpoint is refused. Reason is a condition reason.
type CredentialsError struct {
	Reason  string
	Message string
}

func (e *CredentialsError) Error() string { return e.Message }

// Conn is a client for one AccessKey and region, with the key ID it signs with.
type Conn struct {
	*ossapi.Client
	AccessKeyID string
	creds       ossapi.Credentials
}

// OSSClients builds ossapi clients from AccessKeys and their Secrets, and reuses a client for as long
// as the AccessKey's spec and the Secret's content are unchanged.
type OSSClients struct {
	// Reader reads Secrets. The manager's API reader keeps Secrets out of the cache: the operator
	// never holds every Secret of the cluster in memory.
	Reader client.Reader
	// Metadata, if set, reads Secrets' metadata from the manager's metadata-only cache, so a client
	// whose Secret has not changed is reused without reading the Secret again.
	Metadata client.Reader
	// AllowedEndpoints are the hosts an AccessKey may name; the zero value allows Alibaba Cloud's OSS
	// endpoints only.
	AllowedEndpoints EndpointPolicy
	// AllowInsecureEndpoints permits http:// endpoints (the emulator), among the allowed ones.
	AllowInsecureEndpoints bool
	// Metrics records every OSS call; shared by all clients.
	Metrics *ossapi.Metrics
	// Configure, if set, adjusts each client's configuration (tests shorten retries).
	Configure func(*ossapi.Config)
	// RAMEndpoint is where issued AccessKeys call RAM ("" for Alibaba Cloud's).
	RAMEndpoint string
	// ConfigureRAM, if set, adjusts each RAM client's configuration.
	ConfigureRAM func(*ram.Config)
	// STSEndpoint is where oidc and assumeRole AccessKeys call STS ("" for Alibaba Cloud's).
	STSEndpoint string
	// ConfigureSTS, if set, adjusts each STS client's configuration.
	ConfigureSTS func(*sts.Config)
	// Now is the clock sessions expire by; default time.Now.
	Now func() time.Time
	// Gates keep an AccessKey whose endpoint does not answer from holding the workers; nil keeps none.
	Gates *accessKeyGates
	// AccountQPS bounds the OSS calls of each Alibaba Cloud account, all its AccessKeys together, per
	// second, adapting to throttled answers (ossapi.RateLimiter); 0 bounds nothing. AccountBurst is
	// how many may go at once.
	AccountQPS   float64
	AccountBurst int

	mu sync.Mutex
	// accounts are the AccessKeys' account IDs, as their verification found them; limiters the rate
	// limit of each account (or, until it is known, of each AccessKey).
	accounts map[types.UID]string
	limiters map[string]*ossapi.RateLimiter
	cache    map[clientKey]*Conn
	// verified are the last credentials of each AccessKey that OSS accepted, so that a deletion can
	// finish when the Secret is deleted at the same time (a namespace, a GitOps prune). Only ever used
	// for deletions, and dropped with the AccessKey.
	verified map[types.UID]ossapi.Credentials
	// verifiedConns are the clients made from them, by AccessKey and region: one per deletion of a
	// namespace's Buckets, not one per reconcile.
	verifiedConns map[verifiedKey]*Conn
	// ramClients are the RAM clients of the issuers' credentials, reused across reconciles.
	ramClients map[ossapi.Credentials]ramAPI
	// httpOnce makes http, the HTTP client every OSS and RAM client shares: a client per credentials
	// (an issued key's verification among them) reuses the connections of the others.
	httpOnce sync.Once
	http     *http.Client
	// sessions are the temporary credentials of oidc and assumeRole AccessKeys.
	sessions sessions
}

func (o *OSSClients) httpClient() *http.Client {
	o.httpOnce.Do(func() { o.http = ossapi.NewHTTPClient() })
	return o.http
}

type verifiedKey struct {
	accessKey types.UID
	region    string
}

type clientKey struct {
	accessKey     types.UID
	generation    int64
	secretVersion string
	region        string
}

// Client returns a client for the AccessKey, in region (the AccessKey's when empty).
func (o *OSSClients) Client(ctx context.Context, ak *ossv1.AccessKey, region string) (*Conn, error) {
	if region == "" {
		region = ak.Spec.Region
	}
	o.noteAccount(ak)
	if usesSession(ak) {
		return o.sessionClient(ak, region)
	}
	secretName := types.NamespacedName{Namespace: ak.Namespace, Name: ak.Spec.SecretRef.Name}
	if o.Metadata != nil {
		meta := &metav1.PartialObjectMetadata{}
		meta.SetGroupVersionKind(corev1.SchemeGroupVersion.WithKind("Secret"))
		if err := o.Metadata.Get(ctx, secretName, meta); err == nil {
			if c := o.cached(clientKey{accessKey: ak.UID, generation: ak.Generation, secretVersion: meta.ResourceVersion, region: region}); c != nil {
				return c, nil
			}
		}
	}
	secret := &corev1.Secret{}
	if err := o.Reader.Get(ctx, secretName, secret); err != nil {
		if apierrors.IsNotFound(err) {
			return nil, &CredentialsError{Reason: ossv1.ReasonSecretNotFound,
				Message: fmt.Sprintf("Secret %q named by spec.secretRef.name does not exist in namespace %q", ak.Spec.SecretRef.Name, ak.Namespace)}
		}
		return nil, fmt.Errorf("reading Secret %q: %w", ak.Spec.SecretRef.Name, err)
	}
	key := clientKey{accessKey: ak.UID, generation: ak.Generation, secretVersion: secret.ResourceVersion, region: region}
	if c := o.cached(key); c != nil {
		return c, nil
	}

	creds, err := credentialsFromSecret(secret)
	if err != nil {
		return nil, err
	}
	c, err := o.connect(ak, region, creds)
	if err != nil {
		return nil, err
	}
	o.keep(key, c)
	return c, nil
}

// keep caches c as the client of key: only the newest client of an AccessKey and region is kept.
func (o *OSSClients) keep(key clientKey, c *Conn) {
	o.mu.Lock()
	defer o.mu.Unlock()
	if o.cache == nil {
		o.cache = map[clientKey]*Conn{}
	}
	for k := range o.cache {
		if k.accessKey == key.accessKey && k.region == key.region {
			delete(o.cache, k)
		}
	}
	o.cache[key] = c
}

// connect builds a client for the AccessKey's endpoint with creds.
func (o *OSSClients) connect(ak *ossv1.AccessKey, region string, creds ossapi.Credentials) (*Conn, error) {
	cfg, err := o.config(ak, region)
	if err != nil {
		return nil, err
	}
	cfg.Credentials = ossapi.StaticCredentials(creds)
	client, err := ossapi.New(cfg)
	if err != nil {
		return nil, &CredentialsError{Reason: ossv1.ReasonInsecureEndpoint, Message: err.Error()}
	}
	return &Conn{Client: client, AccessKeyID: creds.AccessKeyID, creds: creds}, nil
}

// sessionClient is a client of an oidc or assumeRole AccessKey: it signs each request with the
// session's current credentials, so a renewal needs no new client.
func (o *OSSClients) sessionClient(ak *ossv1.AccessKey, region string) (*Conn, error) {
	cur := o.sessions.get(ak.UID)
	if cur == nil {
		return nil, &CredentialsError{Reason: ossv1.ReasonSessionExpired,
			Message: "the AccessKey has no temporary credentials yet: it obtains them from STS first"}
	}
	key := clientKey{accessKey: ak.UID, generation: ak.Generation, secretVersion: "session", region: region}
	if c := o.cached(key); c != nil {
		return c, nil
	}
	cfg, err := o.config(ak, region)
	if err != nil {
		return nil, err
	}
	cfg.Credentials = sessionCredentials{store: &o.sessions, uid: ak.UID, now: o.now}
	client, err := ossapi.New(cfg)
	if err != nil {
		return nil, &CredentialsError{Reason: ossv1.ReasonInsecureEndpoint, Message: err.Error()}
	}
	c := &Conn{Client: client, AccessKeyID: cur.creds.AccessKeyID}
	o.keep(key, c)
	return c, nil
}

func (o *OSSClients) now() time.Time {
	if o.Now != nil {
		return o.Now()
	}
	return time.Now()
}

// Credentials are the AccessKey's current credentials: its Secret's, or its session's.
func (o *OSSClients) Credentials(ctx context.Context, ak *ossv1.AccessKey) (ossapi.Credentials, error) {
	if usesSession(ak) {
		return sessionCredentials{store: &o.sessions, uid: ak.UID, now: o.now}.Credentials(ctx)
	}
	c, err := o.Client(ctx, ak, "")
	if err != nil {
		return ossapi.Credentials{}, err
	}
	return c.creds, nil
}

// STS returns an STS client signing with creds, or an unsigned one (AssumeRoleWithOIDC) for nil.
func (o *OSSClients) STS(creds *ossapi.Credentials) (stsAPI, error) {
	cfg := sts.Config{Endpoint: o.STSEndpoint, RPCTransport: ossapi.RPCTransport{Metrics: o.Metrics, HTTPClient: o.httpClient()}}
	if creds != nil {
		cfg.Credentials = ossapi.StaticCredentials(*creds)
	}
	if strings.HasPrefix(cfg.Endpoint, "http://") && !o.AllowInsecureEndpoints {
		return nil, fmt.Errorf("the STS endpoint %q uses plain http; the operator needs --allow-insecure-endpoints for it (a local emulator)", cfg.Endpoint)
	}
	if o.ConfigureSTS != nil {
		o.ConfigureSTS(&cfg)
	}
	return sts.New(cfg)
}

// RAM returns a RAM client signing with creds (an issuer's).
func (o *OSSClients) RAM(creds ossapi.Credentials) (ramAPI, error) {
	cfg := ram.Config{Endpoint: o.RAMEndpoint, Credentials: ossapi.StaticCredentials(creds),
		RPCTransport: ossapi.RPCTransport{Metrics: o.Metrics, HTTPClient: o.httpClient()}}
	if strings.HasPrefix(cfg.Endpoint, "http://") && !o.AllowInsecureEndpoints {
		return nil, fmt.Errorf("the RAM endpoint %q uses plain http; the operator needs --allow-insecure-endpoints for it (a local emulator)", cfg.Endpoint)
	}
	if o.ConfigureRAM != nil {
		o.ConfigureRAM(&cfg)
	}
	o.mu.Lock()
	defer o.mu.Unlock()
	if c, ok := o.ramClients[creds]; ok {
		return c, nil
	}
	c, err := ram.New(cfg)
	if err != nil {
		return nil, err
	}
	if o.ramClients == nil || len(o.ramClients) >= maxRAMClients {
		o.ramClients = map[ossapi.Credentials]ramAPI{} // issuers are few; a rotated one's client goes
	}
	o.ramClients[creds] = c
	return c, nil
}

// maxRAMClients bounds the RAM clients kept, one per issuer's credentials.
const maxRAMClients = 64

// Verified records that OSS accepted the credentials of c for the AccessKey.
func (o *OSSClients) Verified(ak *ossv1.AccessKey, c *Conn) {
	o.mu.Lock()
	defer o.mu.Unlock()
	if o.verified == nil {
		o.verified = map[types.UID]ossapi.Credentials{}
	}
	if o.verified[ak.UID] != c.creds {
		o.forgetVerifiedConns(ak.UID)
	}
	o.verified[ak.UID] = c.creds
}

// LastVerified is a client with the AccessKey's last verified credentials, for a deletion whose
// Secret is gone; false when there are none (never verified, or the operator restarted since).
func (o *OSSClients) LastVerified(ak *ossv1.AccessKey, region string) (*Conn, bool) {
	if region == "" {
		region = ak.Spec.Region
	}
	o.mu.Lock()
	defer o.mu.Unlock()
	creds, ok := o.verified[ak.UID]
	if !ok {
		return nil, false
	}
	key := verifiedKey{accessKey: ak.UID, region: region}
	if c := o.verifiedConns[key]; c != nil {
		return c, true
	}
	c, err := o.connect(ak, region, creds)
	if err != nil {
		return nil, false
	}
	if o.verifiedConns == nil {
		o.verifiedConns = map[verifiedKey]*Conn{}
	}
	o.verifiedConns[key] = c
	return c, true
}

func (o *OSSClients) forgetVerifiedConns(uid types.UID) {
	for k := range o.verifiedConns {
		if k.accessKey == uid {
			delete(o.verifiedConns, k)
		}
	}
}

func (o *OSSClients) cached(key clientKey) *Conn {
	o.mu.Lock()
	defer o.mu.Unlock()
	return o.cache[key]
}

// Forget drops the clients, the verified credentials and the session of a deleted AccessKey.
func (o *OSSClients) Forget(uid types.UID) {
	o.sessions.forget(uid)
	o.mu.Lock()
	defer o.mu.Unlock()
	delete(o.verified, uid)
	o.forgetVerifiedConns(uid)
	for k := range o.cache {
		if k.accessKey == uid {
			delete(o.cache, k)
		}
	}
}

func (o *OSSClients) config(ak *ossv1.AccessKey, region string) (ossapi.Config, error) {
	cfg := ossapi.Config{
		HTTPClient:       o.httpClient(),
		Region:           region,
		Internal:         ak.Spec.Internal,
		SignatureVersion: ossapi.SignatureVersion(ak.Spec.SignatureVersion),
		Metrics:          o.Metrics,
	}
	// The endpoint is checked before anything is sent to it: its host must be one the operator allows.
	host := "oss-" + region + ".aliyuncs.com"
	if ak.Spec.Internal {
		host = "oss-" + region + "-internal.aliyuncs.com"
	}
	ep := ak.Spec.Endpoint
	var u *url.URL
	if ep != "" {
		if !strings.Contains(ep, "://") {
			ep = "https://" + ep
		}
		var err error
		if u, err = url.Parse(ep); err != nil || u.Host == "" {
			return cfg, &CredentialsError{Reason: ossv1.ReasonEndpointNotAllowed, Message: fmt.Sprintf("spec.endpoint %q is not scheme://host[:port]", ak.Spec.Endpoint)}
		}
		host = u.Host
	}
	if !o.AllowedEndpoints.Allows(host) {
		what := fmt.Sprintf("the endpoint of region %q", region)
		if ep != "" {
			what = fmt.Sprintf("spec.endpoint %q", ak.Spec.Endpoint)
		}
		return cfg, &CredentialsError{Reason: ossv1.ReasonEndpointNotAllowed, Message: fmt.Sprintf(
			"%s is not among the endpoints this operator may use (its --allowed-endpoints): use an OSS endpoint of Alibaba Cloud, or ask the cluster administrator to allow it; nothing was sent to it", what)}
	}
	if u != nil {
		if u.Scheme == "http" && !o.AllowInsecureEndpoints {
			return cfg, &CredentialsError{Reason: ossv1.ReasonInsecureEndpoint,
				Message: fmt.Sprintf("spec.endpoint %q uses plain http, which would send requests unencrypted; use https, or run the operator with --allow-insecure-endpoints (for a local emulator)", ak.Spec.Endpoint)}
		}
		cfg.Endpoint = ep
	}
	cfg.Pacer = o.pacer(ak, cfg)
	if o.Configure != nil {
		o.Configure(&cfg)
	}
	return cfg, nil
}

// pacer paces the AccessKey's clients: its account's rate limit, its endpoint's gate.
func (o *OSSClients) pacer(ak *ossv1.AccessKey, cfg ossapi.Config) ossapi.Pacer {
	if o.Gates == nil && o.AccountQPS <= 0 {
		return nil
	}
	endpoint := cfg.Endpoint
	if endpoint == "" {
		endpoint = "https://oss-" + cfg.Region + ".aliyuncs.com"
		if cfg.Internal {
			endpoint = "https://oss-" + cfg.Region + "-internal.aliyuncs.com"
		}
	}
	uid := ak.UID
	return &connPacer{gates: o.Gates, key: types.NamespacedName{Namespace: ak.Namespace, Name: ak.Name}, endpoint: endpoint,
		limiter: func() *ossapi.RateLimiter { return o.limiter(uid) }}
}

// noteAccount remembers the AccessKey's account, whose rate limit its clients share.
func (o *OSSClients) noteAccount(ak *ossv1.AccessKey) {
	if ak.Status.AccountID == "" || o.AccountQPS <= 0 {
		return
	}
	o.mu.Lock()
	defer o.mu.Unlock()
	if o.accounts == nil {
		o.accounts = map[types.UID]string{}
	}
	o.accounts[ak.UID] = ak.Status.AccountID
}

// limiter is the rate limit of the AccessKey's account, or of the AccessKey alone while its account is
// not known.
func (o *OSSClients) limiter(uid types.UID) *ossapi.RateLimiter {
	if o.AccountQPS <= 0 {
		return nil
	}
	o.mu.Lock()
	defer o.mu.Unlock()
	key := "accessKey/" + string(uid)
	if account, ok := o.accounts[uid]; ok {
		key = "account/" + account
	}
	l := o.limiters[key]
	if l == nil {
		if o.limiters == nil {
			o.limiters = map[string]*ossapi.RateLimiter{}
		}
		l = ossapi.NewRateLimiter(o.AccountQPS, o.AccountBurst)
		o.limiters[key] = l
	}
	return l
}

// credentialsFromSecret reads the credentials under either set of key names.
func credentialsFromSecret(s *corev1.Secret) (ossapi.Credentials, error) {
	get := func(keys []string) string {
		for _, k := range keys {
			if v := strings.TrimSpace(string(s.Data[k])); v != "" {
				return v
			}
		}
		return ""
	}
	c := ossapi.Credentials{AccessKeyID: get(secretKeysID), AccessKeySecret: get(secretKeysSecret), SecurityToken: get(secretKeysToken)}
	var missing []string
	if c.AccessKeyID == "" {
		missing = append(missing, "accessKeyId (or OSS_ACCESS_KEY_ID)")
	}
	if c.AccessKeySecret == "" {
		missing = append(missing, "accessKeySecret (or OSS_ACCESS_KEY_SECRET)")
	}
	if len(missing) > 0 {
		return c, &CredentialsError{Reason: ossv1.ReasonSecretKeyMissing,
			Message: fmt.Sprintf("Secret %q has no %s", s.Name, strings.Join(missing, " and no "))}
	}
	// What goes into a request header must be printable: a value OSS could never accept is reported
	// as such instead of failing in the HTTP stack as if the endpoint were down.
	if !printable(c.AccessKeyID) || len(c.AccessKeyID) > 256 {
		return c, &CredentialsError{Reason: ossv1.ReasonInvalidAccessKeyID,
			Message: fmt.Sprintf("Secret %q: the AccessKey ID is not a valid ID (printable ASCII without spaces, at most 256 characters)", s.Name)}
	}
	if c.SecurityToken != "" && !printable(c.SecurityToken) {
		return c, &CredentialsError{Reason: ossv1.ReasonInvalidSecurityToken,
			Message: fmt.Sprintf("Secret %q: the security token is not valid (printable ASCII without spaces)", s.Name)}
	}
	return c, nil
}

func printable(s string) bool {
	for i := 0; i < len(s); i++ {
		if s[i] <= ' ' || s[i] > '~' {
			return false
		}
	}
	return true
}
