package controllers

import (
	"errors"
	"strings"
	"testing"

	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"

	ossv1 "github.com/ossoperator/oss-operator/api/v1alpha1"
	"github.com/ossoperator/oss-operator/ossapi"
)

func TestDecideAccessKey(t *testing.T) {
	conn := func() *Conn {
		c, err := ossapi.New(ossapi.Config{Region: "cn-hangzhou", Endpoint: "http://127.0.0.1:1", Credentials: ossapi.StaticCredentials{AccessKeyID: "LTAI-x", AccessKeySecret: "s"}})
		if err != nil {
			t.Fatal(err)
		}
		return &Conn{Client: c, AccessKeyID: "LTAI-x"}
	}
	page := &ossapi.ListBucketsResult{Owner: ossapi.Owner{ID: "1001"}}
	swapped := func() *Conn { c := conn(); c.AccessKeyID = "q7Hs8dK2mZpL4vXn9TbR3wYc6uFe1a"; return c }
	readyBefore := []metav1.Condition{{Type: ossv1.ConditionReady, Status: metav1.ConditionTrue, Reason: ossv1.ReasonReady}}
	tests := []struct {
		name       string
		obs        accessKeyObservation
		prev       []metav1.Condition
		state      state
		reason     string
		wait       wait
		account    string
		verified   bool
		messageHas string
	}{
		{name: "no Secret yet: waited for, as a missing AccessKey is", obs: accessKeyObservation{clientErr: &CredentialsError{Reason: ossv1.ReasonSecretNotFound, Message: "no Secret"}},
			state: progressing, reason: ossv1.ReasonSecretNotFound, wait: untilChange},
		{name: "a key missing from the Secret needs a person", obs: accessKeyObservation{clientErr: &CredentialsError{Reason: ossv1.ReasonSecretKeyMissing, Message: "no accessKeySecret"}},
			state: stalled, reason: ossv1.ReasonSecretKeyMissing, wait: untilChange},
		{name: "an http endpoint without the flag", obs: accessKeyObservation{clientErr: &CredentialsError{Reason: ossv1.ReasonInsecureEndpoint, Message: "http"}},
			state: stalled, reason: ossv1.ReasonInsecureEndpoint, wait: untilChange},
		{name: "the Secret unreadable: backoff", obs: accessKeyObservation{clientErr: errors.New("apiserver down")},
			state: progressing, reason: ossv1.ReasonReconciling, wait: backoff},
		{name: "verified: Ready, with an Event the first time", obs: accessKeyObservation{conn: conn(), page: page},
			state: ready, reason: ossv1.ReasonReady, wait: untilResync, account: "1001", verified: true, messageHas: "1001"},
		{name: "verified again: no new Event", obs: accessKeyObservation{conn: conn(), page: page}, prev: readyBefore,
			state: ready, reason: ossv1.ReasonReady, wait: untilResync, account: "1001"},
		{name: "unknown key", obs: accessKeyObservation{conn: conn(), callErr: ossErr(403, ossapi.CodeInvalidAccessKeyID)},
			state: stalled, reason: ossv1.ReasonInvalidAccessKeyID, wait: untilResync},
		{name: "wrong secret", obs: accessKeyObservation{conn: conn(), callErr: ossErr(403, ossapi.CodeSignatureDoesNotMatch)},
			state: stalled, reason: ossv1.ReasonSignatureDoesNotMatch, wait: untilResync},
		{name: "a token that does not match", obs: accessKeyObservation{conn: conn(), callErr: ossErr(403, ossapi.CodeAccessKeyIDAndSecurityTokenNotMatch)},
			state: stalled, reason: ossv1.ReasonInvalidSecurityToken, wait: untilResync},
		{name: "an expired token", obs: accessKeyObservation{conn: conn(), callErr: ossErr(403, ossapi.CodeSecurityTokenExpired)},
			state: stalled, reason: ossv1.ReasonInvalidSecurityToken, wait: untilResync},
		{name: "not allowed to list", obs: accessKeyObservation{conn: conn(), callErr: errDenied},
			state: stalled, reason: ossv1.ReasonAccessDenied, wait: untilResync},
		{name: "nothing answers", obs: accessKeyObservation{conn: conn(), callErr: &ossapi.TransportError{Op: "ListBuckets", Err: errors.New("connection refused")}},
			state: progressing, reason: ossv1.ReasonEndpointUnreachable, wait: backoff},
		{name: "throttled", obs: accessKeyObservation{conn: conn(), callErr: errThrottled},
			state: progressing, reason: ossv1.ReasonEndpointUnreachable, wait: backoff},
		{name: "an answer larger than OSS ever sends: the endpoint answers, it is no transient failure", obs: accessKeyObservation{conn: conn(), callErr: &ossapi.ResponseTooLargeError{Op: "ListBuckets", StatusCode: 200, Limit: 1 << 20}},
			state: stalled, reason: ossv1.ReasonOSSRejected, wait: untilResync, messageHas: "ListBuckets"},
		{name: "keys swapped in the Secret: the secret is never shown, the swap is suspected", obs: accessKeyObservation{conn: swapped(), callErr: ossErr(403, ossapi.CodeInvalidAccessKeyID)},
			state: stalled, reason: ossv1.ReasonInvalidAccessKeyID, wait: untilResync, messageHas: "swapped"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			ak := &ossv1.AccessKey{ObjectMeta: metav1.ObjectMeta{Namespace: "ns", Name: "creds"}}
			ak.Status.AccountID = "stale"
			out := decideAccessKey(ak, &ossv1.AccessKeyStatus{Conditions: tc.prev}, tc.obs)
			expectOutcome(t, out, tc.state, tc.reason, tc.wait, tc.messageHas)
			if tc.state != progressing && ak.Status.AccountID != tc.account {
				t.Errorf("accountId %q, want %q", ak.Status.AccountID, tc.account)
			}
			if tc.obs.conn != nil && ak.Status.AccessKeyID != shownKeyID(tc.obs.conn.AccessKeyID) || strings.Contains(ak.Status.AccessKeyID, "q7Hs8") {
				t.Errorf("status.accessKeyId %q", ak.Status.AccessKeyID)
			}
			if got := len(out.events) == 1 && out.events[0].reason == ossv1.EventVerified; got != tc.verified {
				t.Errorf("Verified event %v, want %v", got, tc.verified)
			}
		})
	}
}

func TestGrants(t *testing.T) {
	ak := &ossv1.AccessKey{ObjectMeta: metav1.ObjectMeta{Namespace: "platform", Name: "oss-admin"}}
	if !grants(ak, "platform", nil) {
		t.Error("an AccessKey does not grant its own namespace")
	}
	if grants(ak, "team-a", map[string]string{"tenant": "true"}) {
		t.Error("an AccessKey without allowedNamespaces grants another namespace")
	}
	ak.Spec.AllowedNamespaces = &metav1.LabelSelector{MatchLabels: map[string]string{"tenant": "true"}}
	if !grants(ak, "team-a", map[string]string{"tenant": "true"}) || grants(ak, "other", map[string]string{"tenant": "false"}) {
		t.Error("matchLabels")
	}
	ak.Spec.AllowedNamespaces = &metav1.LabelSelector{}
	if !grants(ak, "anything", nil) {
		t.Error("{} does not select every namespace")
	}
	ak.Spec.AllowedNamespaces = &metav1.LabelSelector{MatchExpressions: []metav1.LabelSelectorRequirement{{Key: "k", Operator: "Bogus"}}}
	if grants(ak, "team-a", map[string]string{"k": "v"}) {
		t.Error("an invalid selector grants")
	}
}

func TestAnAccessKeyGoesOnlyWhenNoBucketNeedsIt(t *testing.T) {
	expectOutcome(t, decideAccessKeyDeletion(nil, nil), released, "", untilResync)
	out := decideAccessKeyDeletion([]string{"b-7", "b-2", "b-5", "b-1", "b-4", "b-3", "b-6"}, nil)
	expectOutcome(t, out, deletionBlocked, ossv1.ReasonInUse, poll, "b-1, b-2, b-3, b-4, b-5 and 2 more", "another AccessKey")
	if strings.Contains(out.message, "b-6") {
		t.Errorf("the message names more than %d Buckets: %s", maxUsersListed, out.message)
	}
	out = decideAccessKeyDeletion(nil, errors.New("cache not synced"))
	expectOutcome(t, out, deletionBlocked, ossv1.ReasonInUse, backoff)
	if out.err == nil {
		t.Error("a backoff without its error")
	}
}
