package controllers

import (
	"encoding/json"
	"math/rand/v2"
	"strings"
	"testing"

	ossv1 "github.com/ossoperator/oss-operator/api/v1alpha1"
)

// Whatever grants admission lets through, with the longest bucket names OSS allows, the policy fits
// RAM's smallest documented limit; and the bound is not so loose that it wastes most of it.
func TestPolicyFitsTheAdmissionBound(t *testing.T) {
	rnd := rand.New(rand.NewPCG(7, 11))
	longest := 0
	for i := 0; i < 20000; i++ {
		n := 1 + rnd.IntN(9)
		var spec []ossv1.Grant
		var resolved []bucketGrant
		for j := 0; j < n; j++ {
			g := ossv1.Grant{Access: accessLevels[rnd.IntN(3)]}
			if rnd.IntN(2) == 0 {
				g.Prefix = strings.Repeat("p", 1+rnd.IntN(200))
			}
			spec = append(spec, g)
			name := strings.Repeat(string(rune('a'+j)), 63)
			resolved = append(resolved, bucketGrant{bucket: name, access: g.Access, prefix: g.Prefix})
		}
		if policyBudget(spec) > grantBudget {
			continue
		}
		doc := policyFor(resolved)
		if len(doc) > ramPolicyLimit {
			t.Fatalf("admitted grants %+v make a %d-character policy:\n%s", spec, len(doc), doc)
		}
		longest = max(longest, len(doc))
	}
	if longest < ramPolicyLimit*85/100 {
		t.Fatalf("the longest admitted policy is %d characters: the admission bound wastes more than 15%% of %d", longest, ramPolicyLimit)
	}
}

func TestPolicyHoldsExactlyTheGrants(t *testing.T) {
	doc := policyFor([]bucketGrant{
		{bucket: "gallery", access: ossv1.AccessReadWrite, prefix: "uploads/"},
		{bucket: "assets", access: ossv1.AccessReadOnly},
		{bucket: "assets", access: ossv1.AccessReadOnly}, // twice: once in the document
	})
	var got policyDocument
	if err := json.Unmarshal([]byte(doc), &got); err != nil {
		t.Fatalf("not JSON: %v\n%s", err, doc)
	}
	want := policyDocument{Version: "1", Statement: []policyStatement{
		{Effect: "Allow", Action: []string{"oss:GetObject"}, Resource: []string{"acs:oss:*:*:assets/*"}},
		{Effect: "Allow", Action: []string{"oss:ListObjects"}, Resource: []string{"acs:oss:*:*:assets"}},
		{Effect: "Allow", Action: []string{"oss:GetObject", "oss:PutObject", "oss:DeleteObject", "oss:AbortMultipartUpload", "oss:ListParts"},
			Resource: []string{"acs:oss:*:*:gallery/uploads/*"}},
		{Effect: "Allow", Action: []string{"oss:ListObjects", "oss:ListMultipartUploads"}, Resource: []string{"acs:oss:*:*:gallery"},
			Condition: map[string]map[string][]string{"StringLike": {"oss:Prefix": {"uploads/*"}}}},
	}}
	gotJSON, _ := json.Marshal(got)
	wantJSON, _ := json.Marshal(want)
	if string(gotJSON) != string(wantJSON) {
		t.Fatalf("policy:\n got %s\nwant %s", gotJSON, wantJSON)
	}
	if strings.Contains(doc, "Deny") || strings.Contains(doc, `"oss:*"`) || strings.Contains(doc, "acs:oss:*:*:*") {
		t.Fatalf("policy grants more than asked: %s", doc)
	}
	// The same grants in the same order give the same bytes: an unchanged policy is never rewritten.
	if again := policyFor([]bucketGrant{{"gallery", ossv1.AccessReadWrite, "uploads/"}, {"assets", ossv1.AccessReadOnly, ""}}); again != doc {
		t.Fatalf("policy not stable:\n%s\n%s", doc, again)
	}
}
