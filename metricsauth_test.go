package main

import (
	"context"
	"net/http"
	"testing"
	"time"

	authnv1 "k8s.io/api/authentication/v1"
	authzv1 "k8s.io/api/authorization/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
)

// The end-to-end behaviour (401, 403, 200 against a real API server, with the RBAC the installs render)
// is tested in test/packaging. These tests pin what a scraper cannot see from outside: how long a
// decision is reused, and which Authorization headers count as a bearer token.

// reviews answers TokenReviews and SubjectAccessReviews from two tables, counting the calls.
type reviews struct {
	users   map[string]string // token -> user
	allowed map[string]bool   // user -> may get /metrics
	calls   int
}

func (r *reviews) tokens() *tokenReviews  { return &tokenReviews{r} }
func (r *reviews) access() *accessReviews { return &accessReviews{r} }

type tokenReviews struct{ r *reviews }

func (t *tokenReviews) Create(_ context.Context, tr *authnv1.TokenReview, _ metav1.CreateOptions) (*authnv1.TokenReview, error) {
	t.r.calls++
	user, ok := t.r.users[tr.Spec.Token]
	tr.Status = authnv1.TokenReviewStatus{Authenticated: ok, User: authnv1.UserInfo{Username: user}}
	return tr, nil
}

type accessReviews struct{ r *reviews }

func (a *accessReviews) Create(_ context.Context, sar *authzv1.SubjectAccessReview, _ metav1.CreateOptions) (*authzv1.SubjectAccessReview, error) {
	a.r.calls++
	n := sar.Spec.NonResourceAttributes
	sar.Status.Allowed = a.r.allowed[sar.Spec.User] && n != nil && n.Path == "/metrics" && n.Verb == "get"
	return sar, nil
}

func TestMetricsDecisionsAreReusedForAWhile(t *testing.T) {
	r := &reviews{users: map[string]string{"tok-a": "prometheus", "tok-b": "someone"}, allowed: map[string]bool{"prometheus": true}}
	now := time.Unix(1_800_000_000, 0)
	a := &metricsAuthorizer{tokens: r.tokens(), access: r.access(), now: func() time.Time { return now }}
	check := func(token string, want metricsAuth, wantCalls int) {
		t.Helper()
		r.calls = 0
		got, err := a.authorize(context.Background(), token, "/metrics", "get")
		if err != nil || got != want {
			t.Fatalf("authorize(%s) = %v, %v; want %v", token, got, err, want)
		}
		if r.calls != wantCalls {
			t.Errorf("authorize(%s) made %d API calls, want %d", token, r.calls, wantCalls)
		}
	}
	check("tok-a", allowed, 2)
	check("tok-a", allowed, 0) // reused
	check("tok-b", forbidden, 2)
	check("tok-b", forbidden, 0)
	check("nobody", unauthenticated, 1)

	now = now.Add(deniedFor + time.Second)
	check("tok-b", forbidden, 2) // a denial is asked again soon: a new RoleBinding takes effect
	check("tok-a", allowed, 0)
	now = now.Add(allowedFor)
	check("tok-a", allowed, 2) // and an allowance within a minute: a removed one too

	// Another URL is another question.
	r.calls = 0
	if got, _ := a.authorize(context.Background(), "tok-a", "/debug", "get"); got != forbidden || r.calls != 2 {
		t.Errorf("tok-a on /debug: %v after %d calls", got, r.calls)
	}
}

func TestBearerToken(t *testing.T) {
	for header, want := range map[string]string{
		"Bearer abc.def": "abc.def",
		"bearer abc":     "abc",
		"Bearer  abc ":   "abc",
		"Bearer ":        "",
		"Basic dXNlcg==": "",
		"abc":            "",
		"":               "",
	} {
		r, _ := http.NewRequest(http.MethodGet, "/metrics", nil)
		if header != "" {
			r.Header.Set("Authorization", header)
		}
		got, ok := bearerToken(r)
		if got != want || ok != (want != "") {
			t.Errorf("Authorization %q: %q, %v; want %q", header, got, ok, want)
		}
	}
}
