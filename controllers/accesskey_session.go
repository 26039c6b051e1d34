package controllers

import (
	"context"
	"errors"
	"fmt"
	"os"
	"regexp"
	"strings"
	"sync"
	"time"

	authenticationv1 "k8s.io/api/authentication/v1"
	corev1 "k8s.io/api/core/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/types"

	ossv1 "github.com/ossoperator/oss-operator/api/v1alpha1"
	"github.com/ossoperator/oss-operator/ossapi"
	"github.com/ossoperator/oss-operator/ossapi/sts"
)

// Temporary credentials (spec.oidc, spec.assumeRole): the AccessKey's reconcile obtains them from STS
// and renews them at two thirds of their life, in the background of the AccessKey; Buckets sign with
// whatever credentials are current (a CredentialsProvider that reads the session), so a renewal never
// fails a Bucket's reconcile. Sessions live in memory only: after a restart each AccessKey obtains a new
// one before its Buckets go on.

// PodIdentity is the operator's own RRSA identity, as ACK's pod identity webhook injects it.
type PodIdentity struct {
	RoleArn, ProviderArn, TokenFile string
}

// PodIdentityFromEnv reads ALIBABA_CLOUD_ROLE_ARN, ALIBABA_CLOUD_OIDC_PROVIDER_ARN and
// ALIBABA_CLOUD_OIDC_TOKEN_FILE: all three, or none.
func PodIdentityFromEnv() (*PodIdentity, error) {
	p := PodIdentity{RoleArn: os.Getenv("ALIBABA_CLOUD_ROLE_ARN"), ProviderArn: os.Getenv("ALIBABA_CLOUD_OIDC_PROVIDER_ARN"), TokenFile: os.Getenv("ALIBABA_CLOUD_OIDC_TOKEN_FILE")}
	switch n := btoi(p.RoleArn != "") + btoi(p.ProviderArn != "") + btoi(p.TokenFile != ""); n {
	case 0:
		return nil, nil
	case 3:
		return &p, nil
	}
	return nil, errors.New("ALIBABA_CLOUD_ROLE_ARN, ALIBABA_CLOUD_OIDC_PROVIDER_ARN and ALIBABA_CLOUD_OIDC_TOKEN_FILE go together: set all three (ACK's pod identity webhook does) or none")
}

func btoi(b bool) int {
	if b {
		return 1
	}
	return 0
}

// stsAPI is what sessions need of STS (ossapi/sts's Client).
type stsAPI interface {
	AssumeRole(ctx context.Context, in sts.AssumeRoleInput) (*sts.Session, error)
	AssumeRoleWithOIDC(ctx context.Context, in sts.AssumeRoleWithOIDCInput) (*sts.Session, error)
}

// session is an AccessKey's current temporary credentials.
type session struct {
	creds          ossapi.Credentials
	expiration     time.Time
	renewAt        time.Time
	roleArn        string
	assumedRoleArn string
	// spec is the generation they were obtained for: a changed spec obtains new ones.
	generation int64
}

// sessions are the current sessions, by AccessKey.
type sessions struct {
	mu sync.Mutex
	m  map[types.UID]*session
}

func (s *sessions) get(uid types.UID) *session {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.m[uid]
}

func (s *sessions) set(uid types.UID, v *session) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.m == nil {
		s.m = map[types.UID]*session{}
	}
	s.m[uid] = v
}

func (s *sessions) forget(uid types.UID) {
	s.mu.Lock()
	defer s.mu.Unlock()
	delete(s.m, uid)
}

// sessionCredentials is the CredentialsProvider of a session AccessKey's clients: the current
// credentials at each request, or an error once they expired without renewal.
type sessionCredentials struct {
	store *sessions
	uid   types.UID
	now   func() time.Time
}

func (p sessionCredentials) Credentials(context.Context) (ossapi.Credentials, error) {
	s := p.store.get(p.uid)
	if s == nil || !p.now().Before(s.expiration) {
		return ossapi.Credentials{}, errSessionExpired
	}
	return s.creds, nil
}

var errSessionExpired = errors.New("the AccessKey's temporary credentials expired and were not renewed")

// usesSession reports whether the AccessKey's credentials are temporary ones from STS.
func usesSession(ak *ossv1.AccessKey) bool { return ak.Spec.OIDC != nil || ak.Spec.AssumeRole != nil }

// renewFraction is the part of a session's life after which it is renewed.
const renewFraction = 2.0 / 3

// defaultSessionDuration is a session's length when the spec names none.
const defaultSessionDuration = time.Hour

// reconcileSession obtains or renews the AccessKey's temporary credentials when due.
func (r *AccessKeyReconciler) reconcileSession(ctx context.Context, ak *ossv1.AccessKey) outcome {
	now := r.now()
	cur := r.Clients.sessions.get(ak.UID)
	// The refresh annotation renews the credentials at once (after a change of the role's trust or
	// permissions in RAM, say).
	refreshAsked := ak.Annotations[ossv1.AnnotationRefresh] != "" && ak.Annotations[ossv1.AnnotationRefresh] != ak.Status.LastHandledRefresh
	if cur != nil && cur.generation == ak.Generation && now.Before(cur.renewAt) && !refreshAsked {
		out := readyOutcome(sessionMessage(cur))
		out.at = cur.renewAt
		return out
	}
	next, out, ok := r.obtainSession(ctx, ak, now)
	if !ok {
		if cur != nil && cur.generation == ak.Generation && now.Before(cur.expiration) {
			// The credentials in use go on until they expire; the renewal is tried again soon.
			keep := readyOutcome(fmt.Sprintf("%s; renewing them failed, will retry: %s", sessionMessage(cur), out.message))
			keep.at = earliest(now.Add(15*time.Second), cur.expiration)
			keep.events = []actionEvent{{reason: out.reason, action: "RenewSession", warning: true, message: "Renewing the temporary credentials failed: " + out.message}}
			return keep
		}
		r.Clients.sessions.forget(ak.UID)
		ak.Status.Session = nil
		return out
	}
	r.Clients.sessions.set(ak.UID, next)
	ak.Status.Session = &ossv1.SessionStatus{RoleArn: next.roleArn, AssumedRoleArn: next.assumedRoleArn,
		Expiration: timePtr(next.expiration), RenewAt: timePtr(next.renewAt)}
	ak.Status.AccessKeyID = shownKeyID(next.creds.AccessKeyID)
	ak.Status.AccountID = accountOfArn(next.roleArn)
	ak.Status.Endpoint = ""
	if conn, err := r.Clients.Client(ctx, ak, ""); err == nil {
		ak.Status.Endpoint = conn.Endpoint()
	}
	ready := readyOutcome(sessionMessage(next))
	ready.at = next.renewAt
	ev := actionEvent{reason: ossv1.EventSessionStarted, action: "AssumeRole",
		message: fmt.Sprintf("Temporary credentials for %s until %s", next.assumedRoleArn, next.expiration.UTC().Format(time.RFC3339))}
	if cur != nil {
		ev.reason, ev.message = ossv1.EventSessionRenewed, "Renewed: "+ev.message
	}
	ready.events = append(ready.events, ev)
	return ready
}

func sessionMessage(s *session) string {
	return fmt.Sprintf("Temporary credentials for %s, valid until %s, renewed at %s", s.assumedRoleArn,
		s.expiration.UTC().Format(time.RFC3339), s.renewAt.UTC().Format(time.RFC3339))
}

var accountInArn = regexp.MustCompile(`^acs:ram::([0-9]+):`)

func accountOfArn(arn string) string {
	if m := accountInArn.FindStringSubmatch(arn); m != nil {
		return m[1]
	}
	return ""
}

// obtainSession asks STS for credentials: with a service-account token, or with the source's.
func (r *AccessKeyReconciler) obtainSession(ctx context.Context, ak *ossv1.AccessKey, now time.Time) (*session, outcome, bool) {
	var (
		roleArn string
		dur     = defaultSessionDuration
		got     *sts.Session
		err     error
	)
	name := sessionName(ak)
	switch {
	case ak.Spec.OIDC != nil:
		o := ak.Spec.OIDC
		if o.SessionDuration != nil {
			dur = o.SessionDuration.Duration
		}
		providerArn, token := o.ProviderArn, ""
		roleArn = o.RoleArn
		if o.OperatorIdentity {
			if ak.Namespace != r.OperatorNamespace || r.PodIdentity == nil {
				why := fmt.Sprintf("only AccessKeys in the operator's namespace %s may use its pod identity", r.OperatorNamespace)
				if r.PodIdentity == nil {
					why = "the operator runs without a pod identity (ALIBABA_CLOUD_ROLE_ARN, ALIBABA_CLOUD_OIDC_PROVIDER_ARN, ALIBABA_CLOUD_OIDC_TOKEN_FILE)"
				}
				out := stalledOn(ossv1.ReasonOperatorIdentityNotAllowed, "spec.oidc.operatorIdentity: "+why)
				out.wait = untilChange
				return nil, out, false
			}
			if roleArn == "" {
				roleArn = r.PodIdentity.RoleArn
			}
			if providerArn == "" {
				providerArn = r.PodIdentity.ProviderArn
			}
			b, rerr := os.ReadFile(r.PodIdentity.TokenFile)
			if rerr != nil {
				return nil, retrying(ossv1.ReasonTokenRequestFailed, "Reading the operator's token file failed, will retry: "+rerr.Error(), rerr), false
			}
			token = strings.TrimSpace(string(b))
		} else {
			var out outcome
			var ok bool
			if token, out, ok = r.serviceAccountToken(ctx, ak); !ok {
				return nil, out, false
			}
		}
		api, cerr := r.Clients.STS(nil)
		if cerr != nil {
			return nil, stalledOn(ossv1.ReasonSTSRejected, "The STS client cannot be made: "+cerr.Error()), false
		}
		got, err = api.AssumeRoleWithOIDC(ctx, sts.AssumeRoleWithOIDCInput{OIDCProviderArn: providerArn, RoleArn: roleArn, OIDCToken: token,
			RoleSessionName: name, DurationSeconds: int(dur / time.Second)})
	default:
		a := ak.Spec.AssumeRole
		if a.SessionDuration != nil {
			dur = a.SessionDuration.Duration
		}
		roleArn = a.RoleArn
		creds, out, ok := r.sourceCredentials(ctx, ak)
		if !ok {
			return nil, out, false
		}
		api, cerr := r.Clients.STS(&creds)
		if cerr != nil {
			return nil, stalledOn(ossv1.ReasonSTSRejected, "The STS client cannot be made: "+cerr.Error()), false
		}
		got, err = api.AssumeRole(ctx, sts.AssumeRoleInput{RoleArn: roleArn, RoleSessionName: name, DurationSeconds: int(dur / time.Second), Policy: a.Policy})
	}
	if err != nil {
		return nil, stsFailed(err), false
	}
	c := got.Credentials
	life := c.Expiration.Sub(now)
	s := &session{creds: c.OSS(), expiration: c.Expiration, renewAt: now.Add(time.Duration(float64(life) * renewFraction)),
		roleArn: roleArn, assumedRoleArn: got.AssumedRoleUser.Arn, generation: ak.Generation}
	return s, outcome{}, true
}

// serviceAccountToken requests a short-lived token of the named ServiceAccount for STS.
func (r *AccessKeyReconciler) serviceAccountToken(ctx context.Context, ak *ossv1.AccessKey) (string, outcome, bool) {
	aud := ak.Spec.OIDC.Audience
	if aud == "" {
		aud = defaultOIDCAudience
	}
	expiry := int64(600) // the shortest the API server grants: the token is used at once
	tr := &authenticationv1.TokenRequest{Spec: authenticationv1.TokenRequestSpec{Audiences: []string{aud}, ExpirationSeconds: &expiry}}
	sa := &corev1.ServiceAccount{ObjectMeta: metav1.ObjectMeta{Namespace: ak.Namespace, Name: ak.Spec.OIDC.ServiceAccountName}}
	if err := r.SubResource("token").Create(ctx, sa, tr); err != nil {
		if apierrors.IsNotFound(err) {
			return "", waiting(ossv1.ReasonServiceAccountNotFound, fmt.Sprintf("ServiceAccount %q named by spec.oidc.serviceAccountName does not exist in namespace %s", ak.Spec.OIDC.ServiceAccountName, ak.Namespace), poll), false
		}
		if apierrors.IsForbidden(err) || apierrors.IsBadRequest(err) || apierrors.IsInvalid(err) {
			out := stalledOn(ossv1.ReasonTokenRequestFailed, "The API server refused a token for the ServiceAccount: "+clipString(err.Error(), 300))
			out.wait = poll
			return "", out, false
		}
		return "", retrying(ossv1.ReasonTokenRequestFailed, "Requesting a token for the ServiceAccount failed, will retry: "+clipString(err.Error(), 300), err), false
	}
	return tr.Status.Token, outcome{}, true
}

// defaultOIDCAudience is the audience ACK's RRSA tokens carry.
const defaultOIDCAudience = "sts.aliyuncs.com"

// sourceCredentials are the current credentials of an assumeRole AccessKey's source.
func (r *AccessKeyReconciler) sourceCredentials(ctx context.Context, ak *ossv1.AccessKey) (ossapi.Credentials, outcome, bool) {
	key, _ := sourceOf(ak)
	src := &ossv1.AccessKey{}
	if err := r.Get(ctx, key, src); err != nil {
		if apierrors.IsNotFound(err) {
			return ossapi.Credentials{}, waiting(ossv1.ReasonSourceNotReady, fmt.Sprintf("AccessKey %s named by spec.assumeRole.sourceRef does not exist", key), untilChange), false
		}
		return ossapi.Credentials{}, retrying(ossv1.ReasonReconciling, "Reading the source AccessKey failed, will retry: "+err.Error(), err), false
	}
	if src.Namespace != ak.Namespace {
		nsLabels, err := namespaceLabels(ctx, r.Client, ak.Namespace)
		if err != nil {
			return ossapi.Credentials{}, retrying(ossv1.ReasonReconciling, "Reading the namespace failed, will retry: "+err.Error(), err), false
		}
		if !grants(src, ak.Namespace, nsLabels) {
			out := stalledOn(ossv1.ReasonSourceNotReady, fmt.Sprintf("AccessKey %s does not grant namespace %s (its spec.allowedNamespaces): nothing was sent to STS", key, ak.Namespace))
			out.wait = untilChange
			return ossapi.Credentials{}, out, false
		}
	}
	if !isReady(src.Status.Conditions) {
		return ossapi.Credentials{}, waiting(ossv1.ReasonSourceNotReady, fmt.Sprintf("AccessKey %s named by spec.assumeRole.sourceRef is not Ready yet", key), untilChange), false
	}
	creds, err := r.Clients.Credentials(ctx, src)
	if err != nil {
		return ossapi.Credentials{}, retrying(ossv1.ReasonSourceNotReady, "The source's credentials cannot be read, will retry: "+err.Error(), err), false
	}
	return creds, outcome{}, true
}

var sessionNameChars = regexp.MustCompile(`[^A-Za-z0-9.@_-]`)

// sessionName names the session after the AccessKey, as STS allows (2-64 of [A-Za-z0-9.@_-]), so that
// ActionTrail shows which AccessKey acted.
func sessionName(ak *ossv1.AccessKey) string {
	return clipString(sessionNameChars.ReplaceAllString("oss-operator."+ak.Namespace+"."+ak.Name, "-"), 64)
}
