package controllers

import (
	"errors"
	"testing"

	ossv1 "github.com/ossoperator/oss-operator/api/v1alpha1"
	"github.com/ossoperator/oss-operator/ossapi"
	"github.com/ossoperator/oss-operator/ossapi/ram"
)

// How a refused or failed RAM call shows on an issued AccessKey: transient failures back off; refusals
// of the issuer's key, and of the request, wait (and are polled: RAM permissions change outside the
// cluster).
func TestRAMFailureOutcome(t *testing.T) {
	run := &issueRun{ak: &ossv1.AccessKey{Spec: ossv1.AccessKeySpec{Issue: &ossv1.IssueSpec{IssuerRef: ossv1.AccessKeyReference{Name: "admin"}}}}}
	ramErr := func(status int, code string) error {
		return &ossapi.Error{Service: ram.Service, Operation: "CreateUser", StatusCode: status, Code: code, Message: "m"}
	}
	cases := []struct {
		err    error
		state  state
		reason string
		wait   wait
	}{
		{ramErr(403, ram.CodeNoPermission), stalled, ossv1.ReasonRAMDenied, poll},
		{ramErr(404, "InvalidAccessKeyId.NotFound"), stalled, ossv1.ReasonRAMDenied, poll},
		{ramErr(403, "InvalidAccessKeyId.Inactive"), stalled, ossv1.ReasonRAMDenied, poll},
		{ramErr(400, "SignatureDoesNotMatch"), stalled, ossv1.ReasonRAMDenied, poll},
		{ramErr(409, ram.CodeLimitExceededUserAccessKey), stalled, ossv1.ReasonRAMRejected, poll},
		{ramErr(400, "InvalidParameter.PolicyDocument.Length"), stalled, ossv1.ReasonRAMRejected, poll},
		{ramErr(503, "ServiceUnavailable"), progressing, ossv1.ReasonRAMUnavailable, backoff},
		{ramErr(400, "Throttling.User"), progressing, ossv1.ReasonRAMUnavailable, backoff},
		{&ossapi.TransportError{Op: "CreateUser", Err: errors.New("connection refused")}, progressing, ossv1.ReasonRAMUnavailable, backoff},
	}
	for _, tc := range cases {
		out := run.ramFailed("creating the RAM user", tc.err)
		if out.state != tc.state || out.reason != tc.reason || out.wait != tc.wait {
			t.Errorf("%v: got %v %s wait %d, want %v %s wait %d", tc.err, out.state, out.reason, out.wait, tc.state, tc.reason, tc.wait)
		}
		if out.wait == backoff && out.err == nil {
			t.Errorf("%v: a backoff without its error", tc.err)
		}
	}
}

// RAM names are deterministic, within RAM's limits, unique per AccessKey, and carry the marker.
func TestIssuedNames(t *testing.T) {
	long := &ossv1.AccessKey{}
	long.Namespace = "a-very-long-namespace-name-that-goes-on-and-on"
	long.Name = "a.very.long.accesskey.name.that.goes.on.and.on.and.on"
	long.UID = "11111111-2222-3333-4444-555555555555"
	n := namesFor("cluster", long)
	if len(n.user) > 64 || len(n.policy) > 128 {
		t.Fatalf("names too long: %q (%d)", n.user, len(n.user))
	}
	for _, c := range n.policy {
		if !(c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9' || c == '-') {
			t.Fatalf("policy name %q has %q, which RAM refuses", n.policy, c)
		}
	}
	if again := namesFor("cluster", long); again != n {
		t.Fatal("names are not deterministic")
	}
	other := long.DeepCopy()
	other.UID = "99999999-2222-3333-4444-555555555555"
	if namesFor("cluster", other).user == n.user || namesFor("other-cluster", long).user == n.user {
		t.Fatal("two AccessKeys, or two clusters, share a RAM user name")
	}
	if len(n.marker) > 128 {
		t.Fatalf("marker %q is longer than RAM's Comments", n.marker)
	}
}
