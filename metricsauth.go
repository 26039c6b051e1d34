package main

import (
	"context"
	"crypto/sha256"
	"net/http"
	"strings"
	"sync"
	"time"

	"github.com/go-logr/logr"
	authnv1 "k8s.io/api/authentication/v1"
	authzv1 "k8s.io/api/authorization/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/client-go/kubernetes"
	"k8s.io/client-go/rest"
	metricsserver "sigs.k8s.io/controller-runtime/pkg/metrics/server"
)

// With --metrics-secure the metrics endpoint answers only callers whose bearer token the API server
// accepts (TokenReview) and whose identity may get the URL (SubjectAccessReview on a non-resource
// URL, as kube-rbac-proxy and the kubelet do): a Prometheus whose service account is bound to the
// metrics-reader ClusterRole of the install. It uses client-go's typed clients rather than
// controller-runtime's metrics/filters, which would pull k8s.io/apiserver into the binary (about 16 MiB
// more RSS for everyone, for an endpoint most installs leave plain).

const (
	// allowedFor and deniedFor are how long a decision about a token is reused: Prometheus scrapes the
	// same URL with the same token every 30 s or so.
	allowedFor = time.Minute
	deniedFor  = 10 * time.Second
	// maxDecisions bounds the cache; past it, it starts again empty.
	maxDecisions = 1024
)

// metricsAuth is the decision a request gets.
type metricsAuth int

const (
	unauthenticated metricsAuth = iota // 401
	forbidden                          // 403
	allowed
)

// metricsAuthorizer asks the API server who a token is and what it may do, and remembers the answer
// for a while, keyed by a hash of the token (never the token itself).
type metricsAuthorizer struct {
	tokens interface {
		Create(context.Context, *authnv1.TokenReview, metav1.CreateOptions) (*authnv1.TokenReview, error)
	}
	access interface {
		Create(context.Context, *authzv1.SubjectAccessReview, metav1.CreateOptions) (*authzv1.SubjectAccessReview, error)
	}
	now func() time.Time

	mu        sync.Mutex
	decisions map[[sha256.Size]byte]decision
}

type decision struct {
	auth    metricsAuth
	expires time.Time
}

// authenticatedMetrics is a metricsserver.Options.FilterProvider.
func authenticatedMetrics(cfg *rest.Config, httpClient *http.Client) (metricsserver.Filter, error) {
	cs, err := kubernetes.NewForConfigAndClient(cfg, httpClient)
	if err != nil {
		return nil, err
	}
	a := &metricsAuthorizer{tokens: cs.AuthenticationV1().TokenReviews(), access: cs.AuthorizationV1().SubjectAccessReviews(), now: time.Now}
	return a.filter, nil
}

func (a *metricsAuthorizer) filter(log logr.Logger, next http.Handler) (http.Handler, error) {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		token, ok := bearerToken(r)
		if !ok {
			http.Error(w, "Unauthorized: a bearer token is required", http.StatusUnauthorized)
			return
		}
		// The verb of a non-resource URL, as the API server names it for its own endpoints.
		verb := strings.ToLower(r.Method)
		auth, err := a.authorize(r.Context(), token, r.URL.Path, verb)
		switch {
		case err != nil:
			// The error comes from the API server's answer; the token is not part of it.
			log.Error(err, "Checking a metrics request with the API server", "path", r.URL.Path)
			http.Error(w, "Internal Server Error: could not check the token", http.StatusInternalServerError)
		case auth == unauthenticated:
			http.Error(w, "Unauthorized", http.StatusUnauthorized)
		case auth == forbidden:
			http.Error(w, "Forbidden: "+verb+" "+r.URL.Path+" is not allowed", http.StatusForbidden)
		default:
			next.ServeHTTP(w, r)
		}
	}), nil
}

// authorize decides whether token may verb path, from the cache or the API server.
func (a *metricsAuthorizer) authorize(ctx context.Context, token, path, verb string) (metricsAuth, error) {
	key := sha256.Sum256([]byte(verb + " " + path + " " + token))
	now := a.now()
	a.mu.Lock()
	if d, ok := a.decisions[key]; ok && now.Before(d.expires) {
		a.mu.Unlock()
		return d.auth, nil
	}
	a.mu.Unlock()

	auth, err := a.ask(ctx, token, path, verb)
	if err != nil {
		return 0, err
	}
	ttl := deniedFor
	if auth == allowed {
		ttl = allowedFor
	}
	a.mu.Lock()
	if a.decisions == nil || len(a.decisions) >= maxDecisions {
		a.decisions = map[[sha256.Size]byte]decision{}
	}
	a.decisions[key] = decision{auth: auth, expires: now.Add(ttl)}
	a.mu.Unlock()
	return auth, nil
}

func (a *metricsAuthorizer) ask(ctx context.Context, token, path, verb string) (metricsAuth, error) {
	tr, err := a.tokens.Create(ctx, &authnv1.TokenReview{Spec: authnv1.TokenReviewSpec{Token: token}}, metav1.CreateOptions{})
	if err != nil {
		return 0, err
	}
	if !tr.Status.Authenticated {
		return unauthenticated, nil
	}
	u := tr.Status.User
	extra := map[string]authzv1.ExtraValue{}
	for k, v := range u.Extra {
		extra[k] = authzv1.ExtraValue(v)
	}
	sar, err := a.access.Create(ctx, &authzv1.SubjectAccessReview{Spec: authzv1.SubjectAccessReviewSpec{
		User: u.Username, UID: u.UID, Groups: u.Groups, Extra: extra,
		NonResourceAttributes: &authzv1.NonResourceAttributes{Path: path, Verb: verb},
	}}, metav1.CreateOptions{})
	if err != nil {
		return 0, err
	}
	if !sar.Status.Allowed {
		return forbidden, nil
	}
	return allowed, nil
}

// bearerToken is the token of an "Authorization: Bearer <token>" header.
func bearerToken(r *http.Request) (string, bool) {
	scheme, token, ok := strings.Cut(r.Header.Get("Authorization"), " ")
	token = strings.TrimSpace(token)
	if !ok || !strings.EqualFold(scheme, "bearer") || token == "" {
		return "", false
	}
	return token, true
}
