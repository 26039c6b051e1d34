package signer_test

import (
	"net/url"
	"testing"
	"time"

	"github.com/ossoperator/oss-operator/ossapi/signer"
)

// The official vector of the RPC signature (RAM API reference, "Signature mechanism").
func TestRPCSignatureOfficialVector(t *testing.T) {
	params := url.Values{
		"UserName":         {"test"},
		"SignatureVersion": {"1.0"},
		"Format":           {"JSON"},
		"Timestamp":        {"2015-08-18T03:15:45Z"},
		"AccessKeyId":      {"testid"},
		"SignatureMethod":  {"HMAC-SHA1"},
		"Version":          {"2015-05-01"},
		"Action":           {"CreateUser"},
		"SignatureNonce":   {"6a6e0ca6-4557-11e5-86a2-b8e8563dc8d2"},
	}
	const wantSTS = "GET&%2F&AccessKeyId%3Dtestid%26Action%3DCreateUser%26Format%3DJSON%26SignatureMethod%3DHMAC-SHA1%26SignatureNonce%3D6a6e0ca6-4557-11e5-86a2-b8e8563dc8d2%26SignatureVersion%3D1.0%26Timestamp%3D2015-08-18T03%253A15%253A45Z%26UserName%3Dtest%26Version%3D2015-05-01"
	if got := signer.RPCStringToSign("GET", params); got != wantSTS {
		t.Fatalf("string to sign:\n got %s\nwant %s", got, wantSTS)
	}
	if got := signer.RPCSignature("testsecret", wantSTS); got != "kRA2cnpJVacIhDMzXnoNZG9tDCI=" {
		t.Fatalf("signature = %s, want kRA2cnpJVacIhDMzXnoNZG9tDCI=", got)
	}

	// SignRPC adds the same common parameters and reaches the same signature.
	p := url.Values{"UserName": {"test"}, "Format": {"JSON"}, "Version": {"2015-05-01"}, "Action": {"CreateUser"}}
	signer.SignRPC("GET", p, signer.Credentials{AccessKeyID: "testid", AccessKeySecret: "testsecret"},
		"6a6e0ca6-4557-11e5-86a2-b8e8563dc8d2", time.Date(2015, 8, 18, 3, 15, 45, 0, time.UTC))
	if got := p.Get("Signature"); got != "kRA2cnpJVacIhDMzXnoNZG9tDCI=" {
		t.Fatalf("SignRPC signature = %s", got)
	}
	if p.Has("SecurityToken") {
		t.Fatal("long-term credentials sent a SecurityToken")
	}
}

// Values are encoded as RFC 3986 asks, not as url.QueryEscape does: a space is %20, "*" %2A, "~" kept.
func TestRPCCanonicalQueryEncoding(t *testing.T) {
	got := signer.RPCCanonicalQuery(url.Values{"b": {"a b*c~d"}, "a": {"{\"x\":1}"}, "Signature": {"dropped"}})
	want := "a=%7B%22x%22%3A1%7D&b=a%20b%2Ac~d"
	if got != want {
		t.Fatalf("got %s, want %s", got, want)
	}
}
