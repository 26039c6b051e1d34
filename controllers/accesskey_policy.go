package controllers

import (
	"bytes"
	"encoding/json"
	"slices"

	ossv1 "github.com/ossoperator/oss-operator/api/v1alpha1"
)

// The RAM policy of an issued AccessKey: exactly its grants, in as few characters as RAM's document
// limit asks for. RAM counted 2,048 characters in older documentation (6,144 today); the document is
// designed for the smaller, and spec.issue's admission rule refuses grants whose worst case could
// exceed it (policyBudget, below, is that rule in Go; TestPolicyFitsTheAdmissionBound holds them
// together).

// ramPolicyLimit is the document limit the policy is designed for.
const ramPolicyLimit = 2048

// Worst-case sizes the admission rule on spec.issue counts with, for a 63-character bucket name: a
// grant without a prefix, one with a prefix (plus twice the prefix's length), and the budget they
// share. The document's fixed part and the statements' skeletons come out of the limit first.
const (
	grantCost         = 160
	prefixedGrantCost = 345
	grantBudget       = 1448
)

// policyBudget is the admission rule: the grants' worst case fits the budget.
func policyBudget(grants []ossv1.Grant) int {
	n := 0
	for _, g := range grants {
		if g.Prefix != "" {
			n += prefixedGrantCost + 2*len(g.Prefix)
		} else {
			n += grantCost
		}
	}
	return n
}

// Actions of each access level (docs/api.md lists them): on the objects, on the bucket for listing
// (under the prefix when a grant has one), and on the bucket for reading its settings.
var (
	objectActions = map[ossv1.GrantAccess][]string{
		ossv1.AccessReadOnly:  {"oss:GetObject"},
		ossv1.AccessReadWrite: {"oss:GetObject", "oss:PutObject", "oss:DeleteObject", "oss:AbortMultipartUpload", "oss:ListParts"},
		ossv1.AccessAdmin:     {"oss:*"},
	}
	listActions = map[ossv1.GrantAccess][]string{
		ossv1.AccessReadOnly:  {"oss:ListObjects"},
		ossv1.AccessReadWrite: {"oss:ListObjects", "oss:ListMultipartUploads"},
		ossv1.AccessAdmin:     {"oss:List*"},
	}
	bucketReadActions = map[ossv1.GrantAccess][]string{
		ossv1.AccessAdmin: {"oss:GetBucket*"},
	}
	accessLevels = []ossv1.GrantAccess{ossv1.AccessReadOnly, ossv1.AccessReadWrite, ossv1.AccessAdmin}
)

// bucketGrant is a grant resolved to its OSS bucket.
type bucketGrant struct {
	bucket string
	access ossv1.GrantAccess
	prefix string
}

type policyDocument struct {
	Version   string            `json:"Version"`
	Statement []policyStatement `json:"Statement"`
}

type policyStatement struct {
	Effect    string                         `json:"Effect"`
	Action    []string                       `json:"Action"`
	Resource  []string                       `json:"Resource"`
	Condition map[string]map[string][]string `json:"Condition,omitempty"`
}

func ossResource(s string) string { return "acs:oss:*:*:" + s }

// policyFor is the RAM policy document of the grants: per access level, one statement for the objects
// of every grant and one for its buckets without a prefix; a grant with a prefix lists its bucket in a
// statement of its own, under the condition that the listing asks for that prefix. The same grants
// give the same document, byte for byte, so an unchanged policy is never rewritten.
func policyFor(grants []bucketGrant) string {
	doc := policyDocument{Version: "1"}
	add := func(actions, resources []string, cond map[string]map[string][]string) {
		if len(actions) > 0 && len(resources) > 0 {
			doc.Statement = append(doc.Statement, policyStatement{Effect: "Allow", Action: actions, Resource: resources, Condition: cond})
		}
	}
	for _, level := range accessLevels {
		var objects, buckets, readBuckets []string
		type listing struct{ bucket, prefix string }
		var listings []listing
		for _, g := range grants {
			if g.access != level {
				continue
			}
			if g.prefix == "" {
				objects = appendNew(objects, ossResource(g.bucket+"/*"))
				buckets = appendNew(buckets, ossResource(g.bucket))
				continue
			}
			objects = appendNew(objects, ossResource(g.bucket+"/"+g.prefix+"*"))
			if len(bucketReadActions[level]) > 0 {
				readBuckets = appendNew(readBuckets, ossResource(g.bucket))
			}
			if !slices.Contains(listings, listing{g.bucket, g.prefix}) {
				listings = append(listings, listing{g.bucket, g.prefix})
			}
		}
		add(objectActions[level], objects, nil)
		add(append(slices.Clone(listActions[level]), bucketReadActions[level]...), buckets, nil)
		add(bucketReadActions[level], readBuckets, nil)
		for _, l := range listings {
			add(listActions[level], []string{ossResource(l.bucket)},
				map[string]map[string][]string{"StringLike": {"oss:Prefix": {l.prefix + "*"}}})
		}
	}
	var b bytes.Buffer
	enc := json.NewEncoder(&b)
	enc.SetEscapeHTML(false)
	if err := enc.Encode(doc); err != nil {
		panic("encoding a policy document: " + err.Error()) // strings and slices only: cannot fail
	}
	return string(bytes.TrimRight(b.Bytes(), "\n"))
}

func appendNew(list []string, s string) []string {
	if slices.Contains(list, s) {
		return list
	}
	return append(list, s)
}
