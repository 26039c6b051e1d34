package osstest

import "testing"

func TestPolicyEvaluation(t *testing.T) {
	doc := func(s string) *policyDocument {
		t.Helper()
		p, err := parsePolicy(s)
		if err != nil {
			t.Fatalf("%s: %v", s, err)
		}
		return p
	}
	uploads := doc(`{"Version":"1","Statement":[
		{"Effect":"Allow","Action":["OSS:getobject","oss:Put*"],"Resource":["acs:oss:*:*:b1/uploads/*"]},
		{"Effect":"Allow","Action":"oss:ListObjects","Resource":"acs:oss:*:*:b1","Condition":{"StringLike":{"oss:Prefix":["uploads/*"]},"StringNotLike":{"oss:Delimiter":"?*"}}},
		{"Effect":"Deny","Action":"oss:PutObject","Resource":"acs:oss:*:*:b1/uploads/locked/*"},
		{"Effect":"Allow","Action":"oss:GetBucketInfo","Resource":"acs:oss:cn-beijing:123:b?"}]}`)
	listing := func(prefix, delimiter string) map[string]string {
		return map[string]string{"oss:prefix": prefix, "oss:delimiter": delimiter}
	}
	for _, tc := range []struct {
		action, resource string
		context          map[string]string
		want             decision
	}{
		{"oss:GetObject", "acs:oss:cn-hangzhou:123:b1/uploads/a", nil, decisionAllow},
		{"oss:GETOBJECT", "acs:oss:cn-hangzhou:123:b1/uploads/a/b/c", nil, decisionAllow},
		{"oss:GetObject", "acs:oss:cn-hangzhou:123:b1/Uploads/a", nil, decisionImplicitDeny}, // resources are case-sensitive
		{"oss:GetObject", "acs:oss:cn-hangzhou:123:b1/other", nil, decisionImplicitDeny},
		{"oss:DeleteObject", "acs:oss:cn-hangzhou:123:b1/uploads/a", nil, decisionImplicitDeny},
		{"oss:PutObjectTagging", "acs:oss:cn-hangzhou:123:b1/uploads/a", nil, decisionAllow},
		{"oss:PutObject", "acs:oss:cn-hangzhou:123:b1/uploads/locked/a", nil, decisionExplicitDeny},
		{"oss:ListObjects", "acs:oss:cn-hangzhou:123:b1", listing("uploads/", ""), decisionAllow},
		{"oss:ListObjects", "acs:oss:cn-hangzhou:123:b1", listing("uploads/", "/"), decisionImplicitDeny},
		{"oss:ListObjects", "acs:oss:cn-hangzhou:123:b1", listing("", ""), decisionImplicitDeny},
		{"oss:ListObjects", "acs:oss:cn-hangzhou:123:b1", nil, decisionImplicitDeny}, // the key is absent
		{"oss:GetBucketInfo", "acs:oss:cn-beijing:123:b2", nil, decisionAllow},
		{"oss:GetBucketInfo", "acs:oss:cn-beijing:123:b22", nil, decisionImplicitDeny},
		{"oss:GetBucketInfo", "acs:oss:cn-hangzhou:123:b2", nil, decisionImplicitDeny},
	} {
		got := evaluate([]*policyDocument{uploads}, policyRequest{action: tc.action, resources: []string{tc.resource}, context: tc.context})
		if got != tc.want {
			t.Errorf("%s on %s %v: got %d, want %d", tc.action, tc.resource, tc.context, got, tc.want)
		}
	}
	if evaluate(nil, policyRequest{action: "oss:GetObject", resources: []string{"acs:oss:r:1:b/k"}}) != decisionImplicitDeny {
		t.Error("no policy allowed")
	}
	admin := doc(`{"Statement":[{"Action":"*","Effect":"Allow","Resource":"*"}],"Version":"1"}`)
	if evaluate([]*policyDocument{admin, uploads}, policyRequest{action: "oss:PutObject", resources: []string{"acs:oss:r:1:b1/uploads/locked/x"}}) != decisionExplicitDeny {
		t.Error("a Deny did not win over AdministratorAccess")
	}
}

func TestPolicyGlob(t *testing.T) {
	for _, tc := range []struct {
		pattern, s string
		want       bool
	}{
		{"*", "", true}, {"*", "anything/at:all", true}, {"a*c", "abbbc", true}, {"a*c", "abbbd", false},
		{"a?c", "abc", true}, {"a?c", "ac", false}, {"*/x", "a/b/x", true}, {"a**b", "ab", true},
		{"acs:oss:*:*:b1/*", "acs:oss:cn-hangzhou:1:b1/", true}, {"acs:oss:*:*:b1/*", "acs:oss:cn-hangzhou:1:b1", false},
		{"漢?", "漢字", true},
	} {
		if got := policyGlob(tc.pattern, tc.s); got != tc.want {
			t.Errorf("policyGlob(%q, %q) = %v", tc.pattern, tc.s, got)
		}
	}
}
