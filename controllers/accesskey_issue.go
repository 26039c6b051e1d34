package controllers

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"reflect"
	"strings"
	"time"

	corev1 "k8s.io/api/core/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/types"

	ossv1 "github.com/ossoperator/oss-operator/api/v1alpha1"
	"github.com/ossoperator/oss-operator/ossapi"
	"github.com/ossoperator/oss-operator/ossapi/ram"
)

// An issued AccessKey (spec.issue): the operator creates, with the issuer's credentials, one RAM user,
// one custom policy holding exactly the grants, and the user's AccessKey, and writes the pair into the
// Secret it owns. Each reconcile reads what it must (the user's keys, the policy), decides the keys
// (planKeys) and acts; the outcome goes to report like any other.

// ramAPI is what the issuing needs of RAM (ossapi/ram's Client).
type ramAPI interface {
	CreateUser(ctx context.Context, in ram.CreateUserInput) (*ram.User, error)
	GetUser(ctx context.Context, userName string) (*ram.User, error)
	DeleteUser(ctx context.Context, userName string) error
	CreateAccessKey(ctx context.Context, userName string) (*ram.AccessKey, error)
	ListAccessKeys(ctx context.Context, userName string) ([]ram.AccessKey, error)
	UpdateAccessKey(ctx context.Context, userName, accessKeyID, status string) error
	DeleteAccessKey(ctx context.Context, userName, accessKeyID string) error
	CreatePolicy(ctx context.Context, name, document, description string) (*ram.Policy, error)
	GetPolicy(ctx context.Context, name, policyType string) (*ram.Policy, *ram.PolicyVersion, error)
	CreatePolicyVersion(ctx context.Context, name, document string, setAsDefault bool, rotateStrategy string) (*ram.PolicyVersion, error)
	ListPolicyVersions(ctx context.Context, name, policyType string) ([]ram.PolicyVersion, error)
	DeletePolicyVersion(ctx context.Context, name, versionID string) error
	DeletePolicy(ctx context.Context, name string) error
	AttachPolicyToUser(ctx context.Context, policyType, policyName, userName string) error
	DetachPolicyFromUser(ctx context.Context, policyType, policyName, userName string) error
}

const (
	policyTypeCustom = "Custom"
	// rotateOldestVersion lets RAM drop the oldest non-default version when a policy has five.
	rotateOldestVersion = "DeleteOldestNonDefaultVersionWhenLimitExceeded"
	keyActive           = "Active"
	keyInactive         = "Inactive"
)

// issuedNames are the RAM names of an issued AccessKey: deterministic, readable, at most 64 characters
// (a user name's limit; a policy name allows 128 of [A-Za-z0-9-]), unique by a hash of the cluster and
// the AccessKey's UID; and the marker, in the user's Comments and the policy's Description, by which
// the operator recognises what it created, and never touches anything else.
type issuedNames struct {
	user, policy, marker string
}

func namesFor(clusterID string, ak *ossv1.AccessKey) issuedNames {
	sum := sha256.Sum256([]byte(clusterDigest(clusterID) + "/" + string(ak.UID)))
	hash := hex.EncodeToString(sum[:])[:10]
	clip := func(s string, n int) string {
		s = strings.ReplaceAll(s, ".", "-")
		if len(s) > n {
			s = s[:n]
		}
		return strings.Trim(s, "-")
	}
	base := "ossop-" + clip(ak.Namespace, 20) + "-" + clip(ak.Name, 26) + "-" + hash
	return issuedNames{user: base, policy: base, marker: "oss-operator " + clusterDigest(clusterID) + "/" + string(ak.UID)}
}

// issueRun is one reconcile of an issued AccessKey.
type issueRun struct {
	r      *AccessKeyReconciler
	ak     *ossv1.AccessKey
	names  issuedNames
	ram    ramAPI
	issuer *ossv1.AccessKey
	grants []bucketGrant
	// region and endpoint of the first grant's bucket, where a new key is verified; bucket is the one
	// granted bucket for the Secret ("" with several).
	region, endpoint, bucket, verifyPrefix string
	now                                    time.Time
	events                                 []actionEvent
}

// reconcileIssued brings an issued AccessKey's RAM user, policy, keys and Secret to the spec.
func (r *AccessKeyReconciler) reconcileIssued(ctx context.Context, ak *ossv1.AccessKey) (outcome, *Conn) {
	run := &issueRun{r: r, ak: ak, names: namesFor(r.ClusterID, ak), now: r.now()}
	if out, ok := run.resolve(ctx); !ok {
		return out, nil
	}
	secret, out, ok := run.secret(ctx)
	if !ok {
		return out, nil
	}
	st := ak.Status.Issued
	if st == nil {
		st = &ossv1.IssuedStatus{}
		ak.Status.Issued = st
	}
	// 1. The user, 2. its policy, attached.
	created, out, ok := run.ensureUser(ctx, st)
	if !ok {
		return out, nil
	}
	policyCreated, out, ok := run.ensurePolicy(ctx, st)
	if !ok {
		return out, nil
	}
	if created || policyCreated {
		if err := run.attach(ctx); err != nil {
			return run.ramFailed("attaching the policy to the user", err), nil
		}
	}
	// 3. Its keys.
	var keys []ram.AccessKey
	if !created {
		var err error
		if keys, err = run.ram.ListAccessKeys(ctx, run.names.user); err != nil {
			return run.ramFailed("listing the user's keys", err), nil
		}
	}
	facts := run.keyFacts(keys, secret)
	plan := planKeys(facts)
	conn, out, ok := run.applyKeys(ctx, facts, plan, keys, secret)
	if !ok {
		return out, nil
	}
	st.UserName, st.PolicyName = run.names.user, run.names.policy
	ak.Status.AccessKeyID = shownKeyID(conn.AccessKeyID)
	ak.Status.AccountID = run.issuer.Status.AccountID
	ak.Status.Endpoint = conn.Endpoint()
	ready := readyOutcome(fmt.Sprintf("Key %s of RAM user %s verified on bucket %s; grants: %s", conn.AccessKeyID, run.names.user,
		run.grants[0].bucket, describeGrants(run.grants)))
	ready.events = run.events
	ready.at = plan.wake
	if plan.issue != "" {
		ready.at = earliest(ready.at, run.nextRotation(run.now))
	}
	return ready, conn
}

func (r *AccessKeyReconciler) now() time.Time {
	if r.Now != nil {
		return r.Now()
	}
	return time.Now()
}

// resolve finds the issuer, its RAM client, and the granted buckets.
func (run *issueRun) resolve(ctx context.Context) (outcome, bool) {
	ak := run.ak
	ref := ak.Spec.Issue.IssuerRef
	key := types.NamespacedName{Namespace: ref.Namespace, Name: ref.Name}
	if key.Namespace == "" {
		key.Namespace = ak.Namespace
	}
	issuer := &ossv1.AccessKey{}
	if err := run.r.Get(ctx, key, issuer); err != nil {
		if apierrors.IsNotFound(err) {
			return waiting(ossv1.ReasonIssuerNotReady, fmt.Sprintf("Issuer AccessKey %s named by spec.issue.issuerRef does not exist", key), untilChange), false
		}
		return retrying(ossv1.ReasonReconciling, "Reading the issuer AccessKey failed, will retry: "+err.Error(), err), false
	}
	if issuer.Namespace != ak.Namespace {
		nsLabels, err := namespaceLabels(ctx, run.r.Client, ak.Namespace)
		if err != nil {
			return retrying(ossv1.ReasonReconciling, "Reading the namespace failed, will retry: "+err.Error(), err), false
		}
		if !grants(issuer, ak.Namespace, nsLabels) {
			out := stalledOn(ossv1.ReasonIssuerNotReady, fmt.Sprintf("Issuer AccessKey %s does not grant namespace %s (its spec.allowedNamespaces): nothing was sent to RAM", key, ak.Namespace))
			out.wait = untilChange
			return out, false
		}
	}
	if issuer.Spec.Issue != nil {
		out := stalledOn(ossv1.ReasonIssuerNotUsable, fmt.Sprintf("Issuer AccessKey %s is itself issued: its key may use buckets, not RAM; name an AccessKey that reads its credentials from a Secret", key))
		out.wait = untilChange
		return out, false
	}
	if !isReady(issuer.Status.Conditions) {
		return waiting(ossv1.ReasonIssuerNotReady, fmt.Sprintf("Issuer AccessKey %s is not Ready yet", key), untilChange), false
	}
	run.issuer = issuer
	creds, err := run.r.Clients.Credentials(ctx, issuer)
	if err != nil {
		return retrying(ossv1.ReasonIssuerNotReady, "The issuer's credentials cannot be read, will retry: "+err.Error(), err), false
	}
	if run.ram, err = run.r.Clients.RAM(creds); err != nil {
		out := stalledOn(ossv1.ReasonRAMRejected, "The RAM client cannot be made: "+err.Error())
		return out, false
	}

	// The grants: Buckets of this namespace that manage their bucket.
	run.grants = run.grants[:0]
	for i, g := range ak.Spec.Issue.Grants {
		b := &ossv1.Bucket{}
		err := run.r.Get(ctx, types.NamespacedName{Namespace: ak.Namespace, Name: g.BucketRef.Name}, b)
		switch {
		case apierrors.IsNotFound(err):
			return waiting(ossv1.ReasonGrantNotReady, fmt.Sprintf("Bucket %s named by spec.issue.grants[%d].bucketRef does not exist in namespace %s", g.BucketRef.Name, i, ak.Namespace), untilChange), false
		case err != nil:
			return retrying(ossv1.ReasonReconciling, "Reading a granted Bucket failed, will retry: "+err.Error(), err), false
		case !hasManaged(&b.Status, b.Status.BucketName) || !b.DeletionTimestamp.IsZero():
			return waiting(ossv1.ReasonGrantNotReady, fmt.Sprintf("Bucket %s named by spec.issue.grants[%d].bucketRef does not manage its OSS bucket yet; its bucket is granted once it does", g.BucketRef.Name, i), untilChange), false
		}
		run.grants = append(run.grants, bucketGrant{bucket: b.Status.BucketName, access: g.Access, prefix: g.Prefix})
		if i == 0 {
			run.region = b.Status.Region
			run.verifyPrefix = g.Prefix
		}
	}
	if len(run.grants) == 1 {
		run.bucket = run.grants[0].bucket
	}
	if run.region == "" {
		run.region = ak.Spec.Region
	}
	if len(run.grants) > 1 {
		// Several buckets, perhaps in several regions: the Secret names the AccessKey's region.
		run.region = ak.Spec.Region
		run.verifyPrefix = ak.Spec.Issue.Grants[0].Prefix
	}
	if doc := policyFor(run.grants); len(doc) > ramPolicyLimit {
		// Admission bounds the worst case; this is the check of the real document.
		out := stalledOn(ossv1.ReasonRAMRejected, fmt.Sprintf("The grants make a RAM policy of %d characters, over RAM's limit of %d: split them over several AccessKeys", len(doc), ramPolicyLimit))
		out.wait = untilChange
		return out, false
	}
	return outcome{}, true
}

// secret reads the Secret named by spec.secretRef, and refuses one this AccessKey does not own.
func (run *issueRun) secret(ctx context.Context) (*corev1.Secret, outcome, bool) {
	s := &corev1.Secret{}
	err := run.r.Clients.Reader.Get(ctx, types.NamespacedName{Namespace: run.ak.Namespace, Name: run.ak.Spec.SecretRef.Name}, s)
	switch {
	case apierrors.IsNotFound(err):
		return nil, outcome{}, true
	case err != nil:
		return nil, retrying(ossv1.ReasonReconciling, "Reading the Secret failed, will retry: "+err.Error(), err), false
	case !ownsSecret(run.ak, s):
		out := stalledOn(ossv1.ReasonSecretNotOwned, fmt.Sprintf("Secret %q named by spec.secretRef exists and was not created by this AccessKey: the operator never overwrites it; name another Secret, or delete this one", s.Name))
		out.wait = untilChange
		return nil, out, false
	}
	return s, outcome{}, true
}

// ensureUser creates the RAM user once; a user of that name that another created is never touched.
func (run *issueRun) ensureUser(ctx context.Context, st *ossv1.IssuedStatus) (created bool, out outcome, ok bool) {
	if st.UserName == run.names.user {
		return false, outcome{}, true // created by this AccessKey before: its keys are listed next
	}
	_, err := run.ram.CreateUser(ctx, ram.CreateUserInput{UserName: run.names.user, DisplayName: clipString(run.ak.Namespace+"/"+run.ak.Name, 128), Comments: run.names.marker})
	if err == nil {
		st.UserName = run.names.user
		return true, outcome{}, true
	}
	if !ossapi.IsCode(err, ram.CodeEntityAlreadyExistsUser) {
		return false, run.ramFailed("creating the RAM user", err), false
	}
	u, err := run.ram.GetUser(ctx, run.names.user)
	if err != nil {
		return false, run.ramFailed("reading the RAM user", err), false
	}
	if u.Comments != run.names.marker {
		return false, run.notOwned("RAM user", run.names.user), false
	}
	st.UserName = run.names.user
	return false, outcome{}, true
}

// ensurePolicy creates the policy, or gives it a new default version when the grants changed.
func (run *issueRun) ensurePolicy(ctx context.Context, st *ossv1.IssuedStatus) (created bool, out outcome, ok bool) {
	doc := policyFor(run.grants)
	buckets := make([]string, 0, len(run.grants))
	for _, g := range run.grants {
		buckets = appendNew(buckets, g.bucket)
	}
	if st.PolicyName != run.names.policy {
		_, err := run.ram.CreatePolicy(ctx, run.names.policy, doc, run.names.marker)
		if err == nil {
			st.PolicyName, st.GrantedBuckets = run.names.policy, buckets
			return true, outcome{}, true
		}
		if !ossapi.IsCode(err, ram.CodeEntityAlreadyExistsPolicy) {
			return false, run.ramFailed("creating the RAM policy", err), false
		}
	}
	p, v, err := run.ram.GetPolicy(ctx, run.names.policy, policyTypeCustom)
	if ossapi.IsCode(err, ram.CodeEntityNotExistPolicy) {
		// Deleted behind the operator's back: made again.
		if _, err := run.ram.CreatePolicy(ctx, run.names.policy, doc, run.names.marker); err != nil {
			return false, run.ramFailed("creating the RAM policy", err), false
		}
		st.PolicyName, st.GrantedBuckets = run.names.policy, buckets
		return true, outcome{}, true
	}
	if err != nil {
		return false, run.ramFailed("reading the RAM policy", err), false
	}
	if p.Description != run.names.marker {
		return false, run.notOwned("RAM policy", run.names.policy), false
	}
	st.PolicyName = run.names.policy
	if v != nil && sameJSON(v.PolicyDocument, doc) {
		st.GrantedBuckets = buckets
		return false, outcome{}, true
	}
	if _, err := run.ram.CreatePolicyVersion(ctx, run.names.policy, doc, true, rotateOldestVersion); err != nil {
		return false, run.ramFailed("updating the RAM policy", err), false
	}
	st.GrantedBuckets = buckets
	run.events = append(run.events, actionEvent{reason: ossv1.EventPolicyUpdated, action: "UpdatePolicy",
		message: fmt.Sprintf("RAM policy %s now grants %s", run.names.policy, describeGrants(run.grants))})
	return false, outcome{}, true
}

func (run *issueRun) attach(ctx context.Context) error {
	err := run.ram.AttachPolicyToUser(ctx, policyTypeCustom, run.names.policy, run.names.user)
	if ossapi.IsCode(err, ram.CodeEntityAlreadyExistsUserPolicy) {
		return nil
	}
	return err
}

// keyFacts gathers what planKeys decides from.
func (run *issueRun) keyFacts(keys []ram.AccessKey, secret *corev1.Secret) keyFacts {
	st := run.ak.Status.Issued
	sf := readSecretFacts(secret)
	f := keyFacts{now: run.now, retiringKeyID: sf.retiringKeyID, retiresAt: sf.retiresAt}
	for _, k := range keys {
		f.keys = append(f.keys, ramKey{id: k.AccessKeyID, active: k.Status != keyInactive, created: k.CreateDate})
	}
	switch {
	case sf.intact:
		f.secretKeyID = sf.keyID
	case sf.exists:
		f.lostKeyID = sf.keyID // edited: the pair it held is out of control
	case st.CurrentKey != nil:
		f.lostKeyID = st.CurrentKey.AccessKeyID // deleted
	}
	if !sf.exists && st.RetiringKey != nil {
		f.retiringKeyID = st.RetiringKey.AccessKeyID
		if st.RetiringKey.RetiresAt != nil {
			f.retiresAt = st.RetiringKey.RetiresAt.Time
		}
	}
	if r := run.ak.Spec.Issue.Rotation; r != nil {
		f.period = r.Period.Duration
		if r.Overlap != nil {
			f.overlap = r.Overlap.Duration
		}
	}
	if v := run.ak.Annotations[ossv1.AnnotationRotate]; v != "" && v != st.LastHandledRotate && v != sf.rotatedFor && f.secretKeyID != "" {
		f.rotateAsked = true
	}
	if sf.rotatedFor != "" && st.LastHandledRotate != sf.rotatedFor {
		st.LastHandledRotate = sf.rotatedFor
	}
	return f
}

func (run *issueRun) nextRotation(from time.Time) time.Time {
	if r := run.ak.Spec.Issue.Rotation; r != nil {
		return from.Add(r.Period.Duration)
	}
	return time.Time{}
}

// applyKeys carries out the key plan: deactivations, deletions, then the new key (created, verified,
// written to the Secret, and only then the key it replaces let go); or, with no new key, verifies the
// current one. It returns a client signing with the current key.
func (run *issueRun) applyKeys(ctx context.Context, f keyFacts, plan keyPlan, keys []ram.AccessKey, secret *corev1.Secret) (*Conn, outcome, bool) {
	st := run.ak.Status.Issued
	for _, id := range plan.deactivate {
		if err := run.ram.UpdateAccessKey(ctx, run.names.user, id, keyInactive); err != nil && !ossapi.IsCode(err, ram.CodeEntityNotExistUserAccessKey) {
			return nil, run.ramFailed("deactivating a retired key", err), false
		}
		run.events = append(run.events, actionEvent{reason: ossv1.EventKeyDeactivated, action: "DeactivateKey",
			message: fmt.Sprintf("Key %s deactivated: its overlap ended", id)})
	}
	for _, d := range plan.delete {
		if err := run.deleteKey(ctx, d.id, d.why); err != nil {
			return nil, run.ramFailed("deleting a key", err), false
		}
	}
	if plan.keepRetiring == "" && secret != nil && secret.Annotations[secretRetiringAnnotation] != "" && plan.issue == "" {
		// The retiring key is gone: the Secret no longer names it.
		upd := issuedSecretMeta(secret)
		if err := run.r.writeOwn(ctx, upd, false); err != nil {
			return nil, retrying(ossv1.ReasonReconciling, "Updating the Secret failed, will retry: "+err.Error(), err), false
		}
		secret = upd
	}
	st.RetiringKey = nil
	if plan.keepRetiring != "" {
		st.RetiringKey = &ossv1.IssuedKey{AccessKeyID: plan.keepRetiring, RetiresAt: timePtr(f.retiresAt)}
	}

	if plan.issue == "" {
		creds := credentialsOfSecret(secret)
		conn, out, ok := run.verify(ctx, creds, false)
		if !ok {
			return nil, out, false
		}
		for _, k := range keys {
			if k.AccessKeyID == plan.current {
				st.CurrentKey = &ossv1.IssuedKey{AccessKeyID: k.AccessKeyID, Created: timePtr(k.CreateDate)}
			}
		}
		if next := run.nextRotationOf(st); !next.IsZero() {
			st.NextRotation = timePtr(next)
		} else {
			st.NextRotation = nil
		}
		return conn, outcome{}, true
	}

	// A new key: created, verified (RAM's grants reach OSS within seconds), written, then the old one
	// let go.
	k, err := run.ram.CreateAccessKey(ctx, run.names.user)
	if err != nil {
		return nil, run.ramFailed("creating a key", err), false
	}
	creds := ossapi.Credentials{AccessKeyID: k.AccessKeyID, AccessKeySecret: k.AccessKeySecret}
	conn, out, ok := run.verify(ctx, creds, true)
	if !ok {
		// Nobody holds it: deleted now rather than found as an orphan later.
		if err := run.ram.DeleteAccessKey(ctx, run.names.user, k.AccessKeyID); err != nil && !ossapi.IsCode(err, ram.CodeEntityNotExistUserAccessKey) {
			out.message += "; deleting the unverified key failed too, it is deleted at the next attempt"
		}
		return nil, out, false
	}
	retiring, retiresAt := "", time.Time{}
	if plan.retire != "" && plan.retiresAt.After(run.now) {
		retiring, retiresAt = plan.retire, plan.retiresAt
	}
	data := appSecretData{keyID: k.AccessKeyID, secret: k.AccessKeySecret, region: run.region, endpoint: run.endpoint, bucket: run.bucket}
	if err := run.writeSecret(ctx, secret, data, retiring, retiresAt); err != nil {
		return nil, retrying(ossv1.ReasonReconciling, "Writing the Secret failed, will retry (the new key is deleted as unheld): "+err.Error(), err), false
	}
	if plan.retire != "" && retiring == "" {
		if err := run.deleteKey(ctx, plan.retire, "replaced, with no overlap"); err != nil {
			return nil, run.ramFailed("deleting the replaced key", err), false
		}
	}
	created := k.CreateDate
	if created.IsZero() {
		created = run.now
	}
	st.CurrentKey = &ossv1.IssuedKey{AccessKeyID: k.AccessKeyID, Created: timePtr(created)}
	if retiring != "" {
		st.RetiringKey = &ossv1.IssuedKey{AccessKeyID: retiring, RetiresAt: timePtr(retiresAt)}
	}
	st.NextRotation = nil
	if r := run.ak.Spec.Issue.Rotation; r != nil {
		st.NextRotation = timePtr(created.Add(r.Period.Duration))
	}
	if v := run.ak.Annotations[ossv1.AnnotationRotate]; v != "" {
		st.LastHandledRotate = v
	}
	run.events = append(run.events, issueEvent(plan, k.AccessKeyID, run.names.user, retiring, retiresAt))
	return conn, outcome{}, true
}

func (run *issueRun) nextRotationOf(st *ossv1.IssuedStatus) time.Time {
	r := run.ak.Spec.Issue.Rotation
	if r == nil || st.CurrentKey == nil || st.CurrentKey.Created == nil {
		return time.Time{}
	}
	return st.CurrentKey.Created.Add(r.Period.Duration)
}

func issueEvent(plan keyPlan, id, user, retiring string, retiresAt time.Time) actionEvent {
	then := ""
	if retiring != "" {
		then = fmt.Sprintf("; key %s keeps working until %s", retiring, retiresAt.UTC().Format(time.RFC3339))
	} else if plan.retire != "" {
		then = fmt.Sprintf("; key %s was deleted", plan.retire)
	}
	switch plan.issue {
	case issueRecovery:
		return actionEvent{reason: ossv1.EventRecovered, action: "IssueKey", warning: true,
			message: fmt.Sprintf("The Secret was deleted or edited, or its key is gone: key %s of RAM user %s is in the Secret now%s", id, user, then)}
	case issueRotation, issueRequested:
		why := "the rotation period elapsed"
		if plan.issue == issueRequested {
			why = "the ossoperator.io/rotate annotation asked"
		}
		return actionEvent{reason: ossv1.EventRotated, action: "RotateKey",
			message: fmt.Sprintf("Key %s of RAM user %s is in the Secret (%s)%s", id, user, why, then)}
	}
	return actionEvent{reason: ossv1.EventIssued, action: "IssueKey",
		message: fmt.Sprintf("Key %s of RAM user %s issued and written to the Secret", id, user)}
}

func (run *issueRun) deleteKey(ctx context.Context, id, why string) error {
	err := run.ram.DeleteAccessKey(ctx, run.names.user, id)
	if err != nil && !ossapi.IsCode(err, ram.CodeEntityNotExistUserAccessKey) {
		return err
	}
	run.events = append(run.events, actionEvent{reason: ossv1.EventKeyDeleted, action: "DeleteKey",
		message: fmt.Sprintf("Key %s deleted: %s", id, why)})
	return nil
}

// verify makes one signed OSS call with the key on the first granted bucket: a listing of at most one
// object under the grant's prefix, which every access level allows. A new key may take a moment to
// reach OSS after RAM made it: it is tried a few times over about ten seconds.
func (run *issueRun) verify(ctx context.Context, creds ossapi.Credentials, fresh bool) (*Conn, outcome, bool) {
	conn, err := run.r.Clients.connect(run.ak, run.region, creds)
	if err != nil {
		var cerr *CredentialsError
		if errors.As(err, &cerr) {
			out := stalledOn(cerr.Reason, cerr.Message)
			out.wait = untilChange
			return nil, out, false
		}
		return nil, stalledOn(ossv1.ReasonKeyNotVerified, err.Error()), false
	}
	run.endpoint = conn.Endpoint()
	attempts := 1
	if fresh {
		attempts = 5
	}
	var callErr error
	for i := 0; i < attempts; i++ {
		if i > 0 {
			if err := sleepCtx(ctx, time.Duration(1<<i)*250*time.Millisecond); err != nil {
				break
			}
		}
		_, callErr = conn.ListObjectsV2(ctx, &ossapi.ListObjectsV2Request{Bucket: run.grants[0].bucket, Prefix: run.verifyPrefix, MaxKeys: 1})
		if callErr == nil {
			return conn, outcome{}, true
		}
		if !ossapi.IsCode(callErr, ossapi.CodeAccessDenied) && !ossapi.IsCode(callErr, ossapi.CodeInvalidAccessKeyID) {
			break
		}
	}
	msg := fmt.Sprintf("OSS refused the issued key %s on bucket %s: %s", creds.AccessKeyID, run.grants[0].bucket, describe(callErr))
	if retryable(callErr) {
		return nil, retrying(ossv1.ReasonOSSUnavailable, msg+", will retry", callErr), false
	}
	if !fresh && ossapi.IsCode(callErr, ossapi.CodeAccessDenied) {
		// The policy may have been detached behind the operator's back: attached again, looked at soon.
		if err := run.attach(ctx); err != nil {
			return nil, run.ramFailed("attaching the policy to the user", err), false
		}
	}
	out := stalledOn(ossv1.ReasonKeyNotVerified, msg)
	out.wait = backoff
	out.err = fmt.Errorf("verifying issued key of AccessKey %s/%s: %w", run.ak.Namespace, run.ak.Name, callErr)
	return nil, out, false
}

func (run *issueRun) writeSecret(ctx context.Context, existing *corev1.Secret, d appSecretData, retiring string, retiresAt time.Time) error {
	return run.r.writeOwn(ctx, issuedSecret(run.ak, existing, d, retiring, retiresAt), existing == nil)
}

// issuedSecretMeta is the Secret without its retiring key's annotations.
func issuedSecretMeta(s *corev1.Secret) *corev1.Secret {
	u := s.DeepCopy()
	delete(u.Annotations, secretRetiringAnnotation)
	delete(u.Annotations, secretRetiresAtAnnotation)
	return u
}

func credentialsOfSecret(s *corev1.Secret) ossapi.Credentials {
	if s == nil {
		return ossapi.Credentials{}
	}
	return ossapi.Credentials{AccessKeyID: string(s.Data["accessKeyId"]), AccessKeySecret: string(s.Data["accessKeySecret"])}
}

func describeGrants(gs []bucketGrant) string {
	parts := make([]string, 0, len(gs))
	for _, g := range gs {
		s := g.bucket + " " + string(g.access)
		if g.prefix != "" {
			s += " under " + g.prefix
		}
		parts = append(parts, s)
	}
	return strings.Join(parts, ", ")
}

func sameJSON(a, b string) bool {
	var x, y any
	if json.Unmarshal([]byte(a), &x) != nil || json.Unmarshal([]byte(b), &y) != nil {
		return a == b
	}
	return reflect.DeepEqual(x, y)
}

func clipString(s string, n int) string {
	if len(s) > n {
		return s[:n]
	}
	return s
}

func timePtr(t time.Time) *metav1.Time {
	if t.IsZero() {
		return nil
	}
	mt := metav1.NewTime(t.UTC().Truncate(time.Second))
	return &mt
}

func sleepCtx(ctx context.Context, d time.Duration) error {
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-ctx.Done():
		return ctx.Err()
	case <-t.C:
		return nil
	}
}
