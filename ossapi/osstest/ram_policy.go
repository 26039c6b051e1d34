package osstest

import (
	"bytes"
	"encoding/json"
	"fmt"
	"sort"
	"strconv"
	"strings"
)

// RAM policy documents: parsed and checked when a policy version is created, evaluated when a RAM user
// calls OSS or RAM.
//
// Grammar (RAM "Policy structure and syntax"): {"Version":"1","Statement":[{"Effect":"Allow"|"Deny",
// "Action":..., "Resource":..., "Condition":{...}}]}. Action and Resource are a string or a list of them;
// Resource is required in an identity policy, Principal is not decisionAllow. Anything else is answered
// MalformedPolicyDocument, including what the emulator does not implement (said in the message):
// NotAction, NotResource, and condition operators other than the String* family.
//
// Evaluation: RAM users are denied unless a statement allows; an explicit Deny wins over any Allow.
// Actions match case-insensitively, resources case-sensitively; both take the wildcards * (any run of
// characters, "/" and ":" included) and ? (one character). Conditions of a statement are ANDed. A
// condition on a key the request does not carry (an unknown key, or oss:Prefix on a GetObject) makes its
// statement not match: an Allow then grants nothing and a Deny denies nothing.

type policyDocument struct {
	statements []policyStatement
}

type policyStatement struct {
	deny       bool
	actions    []string // lower case
	resources  []string
	conditions []policyCondition
}

type policyCondition struct {
	operator string // as written, e.g. StringLike
	key      string // lower case
	values   []string
}

// conditionOperators are the operators RAM documents; only the String ones are evaluated here.
var conditionOperators = map[string]bool{
	"StringEquals": true, "StringNotEquals": true, "StringEqualsIgnoreCase": true,
	"StringNotEqualsIgnoreCase": true, "StringLike": true, "StringNotLike": true,
	"NumericEquals": false, "NumericNotEquals": false, "NumericLessThan": false,
	"NumericLessThanEquals": false, "NumericGreaterThan": false, "NumericGreaterThanEquals": false,
	"DateEquals": false, "DateNotEquals": false, "DateLessThan": false, "DateLessThanEquals": false,
	"DateGreaterThan": false, "DateGreaterThanEquals": false, "Bool": false, "IpAddress": false,
	"NotIpAddress": false,
}

// errPolicy is how a malformed document is refused: MalformedPolicyDocument, the message saying what is
// wrong (RAM's own message is "{The error details}").
type errPolicy string

func (e errPolicy) Error() string { return string(e) }

func errMalformedPolicy(format string, args ...any) error {
	return errPolicy(fmt.Sprintf(format, args...))
}

// parsePolicy parses and checks a RAM policy document.
func parsePolicy(doc string) (*policyDocument, error) {
	var top map[string]json.RawMessage
	if err := strictUnmarshal([]byte(doc), &top); err != nil {
		return nil, errMalformedPolicy("The policy document is not a JSON object: %v.", err)
	}
	for k := range top {
		if k != "Version" && k != "Statement" {
			return nil, errMalformedPolicy("Unknown element %q at the top of the policy: only Version and Statement are decisionAllow.", k)
		}
	}
	var version string
	if err := json.Unmarshal(top["Version"], &version); err != nil || version != "1" {
		return nil, errMalformedPolicy(`The policy needs "Version": "1".`)
	}
	var raw []map[string]json.RawMessage
	if err := json.Unmarshal(top["Statement"], &raw); err != nil || len(raw) == 0 {
		return nil, errMalformedPolicy("The policy needs a Statement: a non-empty list of statements.")
	}
	p := &policyDocument{}
	for i, st := range raw {
		s, err := parseStatement(st)
		if err != nil {
			return nil, errMalformedPolicy("Statement %d: %v", i+1, err)
		}
		p.statements = append(p.statements, s)
	}
	return p, nil
}

func parseStatement(st map[string]json.RawMessage) (policyStatement, error) {
	var s policyStatement
	for k := range st {
		switch k {
		case "Effect", "Action", "Resource", "Condition":
		case "NotAction", "NotResource":
			return s, fmt.Errorf("%s is not supported by the emulator; use Action and Resource", k)
		case "Principal", "NotPrincipal":
			return s, fmt.Errorf("%s is not decisionAllow in a RAM policy (only in resource policies)", k)
		default:
			return s, fmt.Errorf("unknown element %q", k)
		}
	}
	var effect string
	if err := json.Unmarshal(st["Effect"], &effect); err != nil || (effect != "Allow" && effect != "Deny") {
		return s, fmt.Errorf(`Effect must be "Allow" or "Deny"`)
	}
	s.deny = effect == "Deny"
	actions, err := stringOrList(st["Action"], "Action")
	if err != nil {
		return s, err
	}
	for _, a := range actions {
		svc, name, ok := strings.Cut(a, ":")
		if a != "*" && (!ok || svc == "" || name == "" || strings.ContainsAny(svc, "?") || strings.Contains(name, ":")) {
			return s, fmt.Errorf("invalid Action %q: expected service:action, e.g. oss:GetObject, or *", a)
		}
		s.actions = append(s.actions, strings.ToLower(a))
	}
	if s.resources, err = stringOrList(st["Resource"], "Resource"); err != nil {
		return s, err
	}
	for _, r := range s.resources {
		if r != "*" && (!strings.HasPrefix(r, "acs:") || strings.Count(r, ":") < 4) {
			return s, fmt.Errorf("invalid Resource %q: expected acs:<service>:<region>:<account>:<resource> or *", r)
		}
	}
	if c, ok := st["Condition"]; ok {
		if s.conditions, err = parseConditions(c); err != nil {
			return s, err
		}
	}
	return s, nil
}

// stringOrList reads an element that is a string or a non-empty list of non-empty strings.
func stringOrList(raw json.RawMessage, name string) ([]string, error) {
	if raw == nil {
		return nil, fmt.Errorf("%s is required", name)
	}
	var one string
	if err := json.Unmarshal(raw, &one); err == nil {
		if one == "" {
			return nil, fmt.Errorf("%s must not be empty", name)
		}
		return []string{one}, nil
	}
	var list []string
	if err := json.Unmarshal(raw, &list); err != nil || len(list) == 0 {
		return nil, fmt.Errorf("%s must be a string or a non-empty list of strings", name)
	}
	for _, v := range list {
		if v == "" {
			return nil, fmt.Errorf("%s must not contain an empty string", name)
		}
	}
	return list, nil
}

func parseConditions(raw json.RawMessage) ([]policyCondition, error) {
	var ops map[string]map[string]json.RawMessage
	if err := json.Unmarshal(raw, &ops); err != nil || len(ops) == 0 {
		return nil, fmt.Errorf(`Condition must be {"<operator>": {"<key>": <value or list>}}`)
	}
	var out []policyCondition
	for op, keys := range ops {
		evaluated, known := conditionOperators[op]
		switch {
		case !known:
			return nil, fmt.Errorf("unknown condition operator %q", op)
		case !evaluated:
			return nil, fmt.Errorf("the condition operator %s is not supported by the emulator (only the String operators are)", op)
		case len(keys) == 0:
			return nil, fmt.Errorf("condition %s names no key", op)
		}
		for key, v := range keys {
			values, err := conditionValues(v)
			if err != nil {
				return nil, fmt.Errorf("condition %s %s: %v", op, key, err)
			}
			out = append(out, policyCondition{operator: op, key: strings.ToLower(key), values: values})
		}
	}
	// Map order is random; a stable order keeps evaluation (and any message about it) reproducible.
	sort.Slice(out, func(i, j int) bool {
		if out[i].operator != out[j].operator {
			return out[i].operator < out[j].operator
		}
		return out[i].key < out[j].key
	})
	return out, nil
}

// conditionValues reads a condition value: a scalar or a non-empty list of scalars, as strings.
func conditionValues(raw json.RawMessage) ([]string, error) {
	var list []json.RawMessage
	if err := json.Unmarshal(raw, &list); err != nil {
		list = []json.RawMessage{raw}
	}
	if len(list) == 0 {
		return nil, fmt.Errorf("no value")
	}
	out := make([]string, 0, len(list))
	for _, v := range list {
		var s string
		if err := json.Unmarshal(v, &s); err == nil {
			out = append(out, s)
			continue
		}
		var n json.Number
		if err := json.Unmarshal(v, &n); err == nil {
			out = append(out, n.String())
			continue
		}
		var b bool
		if err := json.Unmarshal(v, &b); err == nil {
			out = append(out, strconv.FormatBool(b))
			continue
		}
		return nil, fmt.Errorf("a value must be a string, a number or a boolean")
	}
	return out, nil
}

// strictUnmarshal decodes one JSON value and refuses anything after it.
func strictUnmarshal(b []byte, v any) error {
	d := json.NewDecoder(bytes.NewReader(b))
	if err := d.Decode(v); err != nil {
		return err
	}
	if d.More() {
		return fmt.Errorf("data after the JSON object")
	}
	return nil
}

// decision is what the policies say about one action on one resource.
type decision int

const (
	decisionImplicitDeny decision = iota // no statement allows
	decisionAllow
	decisionExplicitDeny
)

// request is what a statement is matched against: the action, the resource under each of its
// equivalent names, and the condition keys the request carries (lower-case names).
type policyRequest struct {
	action    string
	resources []string
	context   map[string]string
}

// evaluate decides a request against every statement of the documents: an explicit Deny wins, otherwise
// any Allow allows.
func evaluate(docs []*policyDocument, r policyRequest) decision {
	d := decisionImplicitDeny
	action := strings.ToLower(r.action)
	for _, doc := range docs {
		for _, s := range doc.statements {
			if !s.matches(action, r) {
				continue
			}
			if s.deny {
				return decisionExplicitDeny
			}
			d = decisionAllow
		}
	}
	return d
}

func (s policyStatement) matches(action string, r policyRequest) bool {
	if !anyGlob(s.actions, action) {
		return false
	}
	matched := false
	for _, res := range r.resources {
		if anyGlob(s.resources, res) {
			matched = true
			break
		}
	}
	if !matched {
		return false
	}
	for _, c := range s.conditions {
		v, ok := r.context[c.key]
		if !ok || !c.holds(v) {
			return false
		}
	}
	return true
}

func (c policyCondition) holds(v string) bool {
	some := func(f func(want string) bool) bool {
		for _, w := range c.values {
			if f(w) {
				return true
			}
		}
		return false
	}
	switch c.operator {
	case "StringEquals":
		return some(func(w string) bool { return v == w })
	case "StringNotEquals":
		return !some(func(w string) bool { return v == w })
	case "StringEqualsIgnoreCase":
		return some(func(w string) bool { return strings.EqualFold(v, w) })
	case "StringNotEqualsIgnoreCase":
		return !some(func(w string) bool { return strings.EqualFold(v, w) })
	case "StringLike":
		return some(func(w string) bool { return policyGlob(w, v) })
	case "StringNotLike":
		return !some(func(w string) bool { return policyGlob(w, v) })
	}
	return false
}

func anyGlob(patterns []string, s string) bool {
	for _, p := range patterns {
		if policyGlob(p, s) {
			return true
		}
	}
	return false
}

// glob matches s against pattern, where * is any run of characters and ? exactly one.
func policyGlob(pattern, s string) bool {
	p, str := []rune(pattern), []rune(s)
	pi, si := 0, 0
	star, mark := -1, 0
	for si < len(str) {
		switch {
		case pi < len(p) && (p[pi] == '?' || p[pi] == str[si]):
			pi++
			si++
		case pi < len(p) && p[pi] == '*':
			star, mark = pi, si
			pi++
		case star >= 0:
			pi = star + 1
			mark++
			si = mark
		default:
			return false
		}
	}
	for pi < len(p) && p[pi] == '*' {
		pi++
	}
	return pi == len(p)
}
