package osstest

import (
	"fmt"
	"regexp"
	"sort"
	"strings"
	"time"
)

// RAM roles of an account: who may assume them (the trust policy, reduced to what STS checks) and what
// their sessions may do (RAM policy documents, evaluated as for RAM users). Tests set them up with
// AddRole; STS (sts.go) issues sessions of them. Everything lives under Emulator.mu, in the account's
// ramState.
//
// Role names are case-insensitive in RAM and its ARNs spell them in lower case
// (acs:ram::<account>:role/<lower-case name>, as Alibaba Cloud's examples show); the emulator does the
// same and accepts an ARN in any case.

// Session durations of a role: MaxSessionDuration is 3600 s unless set, from 3600 s to 43200 s (RAM
// CreateRole: "Valid values: 3600 to 43200"); DurationSeconds of AssumeRole and AssumeRoleWithOIDC is
// 900 s up to it, 3600 s when absent.
const (
	DefaultMaxSessionDuration = time.Hour
	minMaxSessionDuration     = time.Hour
	maxMaxSessionDuration     = 12 * time.Hour
	minSessionDuration        = 15 * time.Minute
	defaultSessionDuration    = time.Hour
)

// Role is a RAM role, as AddRole takes it.
type Role struct {
	// Name is 1-64 letters, digits, periods and hyphens (RAM CreateRole); case-insensitive.
	Name string
	// MaxSessionDuration bounds DurationSeconds: whole seconds from 1 to 12 hours (as RAM allows), 1 hour
	// when 0.
	MaxSessionDuration time.Duration
	// TrustedOIDC, if set, lets AssumeRoleWithOIDC assume the role with a token of that provider.
	TrustedOIDC *RoleOIDCTrust
	// TrustedPrincipals may call AssumeRole on the role: an account ID ("<id>" or "acs:ram::<id>:root")
	// trusts every RAM user and role session of that account whose own policies allow sts:AssumeRole on
	// the role; "acs:ram::<id>:user/<name>" one RAM user and "acs:ram::<id>:role/<name>" the sessions
	// of one role, with the same condition. The account's own keys can never assume a role (STS answers
	// NoPermission, "Roles may not be assumed by root accounts.").
	TrustedPrincipals []string
	// Policies are RAM policy documents: what the role's sessions may do, on OSS, RAM and STS.
	Policies []string
}

// RoleOIDCTrust is a trust policy statement for an OIDC provider of the role's account, as RAM writes it:
// Principal {"Federated": [<provider ARN>]}, Action sts:AssumeRole, and conditions on oidc:iss (the
// provider's issuer), oidc:sub and oidc:aud.
type RoleOIDCTrust struct {
	// Provider is the name of an OIDC provider of the role's account (AddOIDCProvider).
	Provider string
	// Subjects are the allowed "sub" claims, matched as StringLike: * matches any run of characters, ?
	// one. At least one is required, e.g. system:serviceaccount:<namespace>:<name>.
	Subjects []string
	// Audiences, if set, is a condition on oidc:aud: the token's audience must contain one of them (on
	// top of the provider's client IDs).
	Audiences []string
}

type ramRole struct {
	id, name   string // name as given; looked up in lower case
	maxSession time.Duration
	oidc       *RoleOIDCTrust
	principals []trustedPrincipal
	parsed     []*policyDocument
}

// trustedPrincipal is one entry of TrustedPrincipals: an account (kind ""), a RAM user or a role.
type trustedPrincipal struct {
	accountID, kind, name string
}

// roleSession is a session of a role, which STS credentials stand for.
type roleSession struct {
	accountID  string // the role's account
	roleName   string // lower case, as in its ARN
	roleID     string // the role it was issued for, so that a replaced role's sessions lose its rights
	name       string // RoleSessionName
	policy     *policyDocument
	expiration time.Time
}

var (
	roleNameRE     = regexp.MustCompile(`^[A-Za-z0-9.-]{1,64}$`)
	accountIDRE    = regexp.MustCompile(`^[0-9]+$`)
	principalARNRE = regexp.MustCompile(`^acs:ram::([0-9]+):(root|user/[A-Za-z0-9._-]{1,64}|role/[A-Za-z0-9.-]{1,64})$`)
	roleARNRE      = regexp.MustCompile(`^(?i:acs:ram::)([0-9]+):(?i:role)/([A-Za-z0-9.-]{1,64})$`)
)

// RoleARN is the ARN of a role: acs:ram::<account>:role/<lower-case name>.
func RoleARN(accountID, name string) string {
	return "acs:ram::" + accountID + ":role/" + strings.ToLower(name)
}

// parseRoleARN splits a role ARN into its account and lower-case role name.
func parseRoleARN(arn string) (accountID, name string, ok bool) {
	m := roleARNRE.FindStringSubmatch(arn)
	if m == nil {
		return "", "", false
	}
	return m[1], strings.ToLower(m[2]), true
}

// AddRole adds a role to an account, or replaces the role of that name (keeping its sessions, which get
// the new trust and policies), and returns its ARN. It panics on an unknown account or an invalid role:
// a bad name, duration, principal or policy document.
func (e *Emulator) AddRole(accountID string, r Role) (arn string) {
	if !roleNameRE.MatchString(r.Name) {
		panic(fmt.Sprintf("osstest: invalid role name %q: 1-64 letters, digits, periods and hyphens", r.Name))
	}
	max := r.MaxSessionDuration
	if max == 0 {
		max = DefaultMaxSessionDuration
	}
	if max < minMaxSessionDuration || max > maxMaxSessionDuration || max%time.Second != 0 {
		panic(fmt.Sprintf("osstest: role %s: MaxSessionDuration %v is not whole seconds from 1h to 12h", r.Name, max))
	}
	role := &ramRole{name: r.Name, maxSession: max}
	if t := r.TrustedOIDC; t != nil {
		if t.Provider == "" || len(t.Subjects) == 0 {
			panic(fmt.Sprintf("osstest: role %s: TrustedOIDC needs a Provider and at least one Subject", r.Name))
		}
		role.oidc = &RoleOIDCTrust{Provider: t.Provider, Subjects: append([]string(nil), t.Subjects...),
			Audiences: append([]string(nil), t.Audiences...)}
	}
	for _, p := range r.TrustedPrincipals {
		tp, err := parseTrustedPrincipal(p)
		if err != nil {
			panic(fmt.Sprintf("osstest: role %s: %v", r.Name, err))
		}
		role.principals = append(role.principals, tp)
	}
	parsed, err := parsePolicies(r.Policies)
	if err != nil {
		panic(fmt.Sprintf("osstest: role %s: %v", r.Name, err))
	}
	role.parsed = parsed

	e.mu.Lock()
	defer e.mu.Unlock()
	if e.accounts[accountID] == nil {
		panic(fmt.Sprintf("osstest: no account %q", accountID))
	}
	s := e.ramState(accountID)
	key := strings.ToLower(r.Name)
	if old := s.roles[key]; old != nil {
		role.id = old.id
	} else {
		e.ramSeq++
		role.id = fmt.Sprintf("3%015d", 300000000000000+e.ramSeq)
	}
	s.roles[key] = role
	return RoleARN(accountID, r.Name)
}

// SetRolePolicies replaces the policy documents of a role; its sessions get the new rights at once, as
// on RAM.
func (e *Emulator) SetRolePolicies(accountID, role string, docs ...string) error {
	parsed, err := parsePolicies(docs)
	if err != nil {
		return err
	}
	e.mu.Lock()
	defer e.mu.Unlock()
	r := e.ramState(accountID).roles[strings.ToLower(role)]
	if r == nil {
		return fmt.Errorf("osstest: account %q has no role %q", accountID, role)
	}
	r.parsed = parsed
	return nil
}

// Roles lists the names of the account's roles, sorted.
func (e *Emulator) Roles(accountID string) []string {
	e.mu.Lock()
	defer e.mu.Unlock()
	var out []string
	if s := e.ram[accountID]; s != nil {
		for _, r := range s.roles {
			out = append(out, r.name)
		}
	}
	sort.Strings(out)
	return out
}

// RoleSessions counts the sessions of the account's roles whose credentials have not expired.
func (e *Emulator) RoleSessions(accountID string) int {
	now := e.now()
	e.mu.Lock()
	defer e.mu.Unlock()
	n := 0
	for _, kb := range e.keys {
		if kb.session != nil && kb.accountID == accountID && now.Before(kb.session.expiration) {
			n++
		}
	}
	return n
}

func parsePolicies(docs []string) ([]*policyDocument, error) {
	var out []*policyDocument
	for i, d := range docs {
		p, err := parsePolicy(d)
		if err != nil {
			return nil, fmt.Errorf("policy %d: %v", i+1, err)
		}
		out = append(out, p)
	}
	return out, nil
}

func parseTrustedPrincipal(p string) (trustedPrincipal, error) {
	if accountIDRE.MatchString(p) {
		return trustedPrincipal{accountID: p}, nil
	}
	m := principalARNRE.FindStringSubmatch(p)
	if m == nil {
		return trustedPrincipal{}, fmt.Errorf("trusted principal %q is not an account ID, acs:ram::<id>:root, acs:ram::<id>:user/<name> or acs:ram::<id>:role/<name>", p)
	}
	kind, name, _ := strings.Cut(m[2], "/")
	switch kind {
	case "root":
		return trustedPrincipal{accountID: m[1]}, nil
	case "role":
		name = strings.ToLower(name)
	}
	return trustedPrincipal{accountID: m[1], kind: kind, name: name}, nil
}

// roleOf finds a role by its account and lower-case name. Callers hold e.mu.
func (e *Emulator) roleOf(accountID, name string) *ramRole {
	if s := e.ram[accountID]; s != nil {
		return s.roles[name]
	}
	return nil
}

// trustsCaller reports whether the role's trust policy names the signer of an AssumeRole: a RAM user or
// a role session (the account itself never assumes a role).
func (r *ramRole) trustsCaller(who principal) bool {
	for _, p := range r.principals {
		if p.accountID != who.accountID {
			continue
		}
		switch {
		case p.kind == "":
			return true
		case p.kind == "user" && who.ramUser == p.name:
			return true
		case p.kind == "role" && who.session != nil && who.session.roleName == p.name:
			return true
		}
	}
	return false
}

// trustsOIDC reports whether the role trusts a verified token of a provider of its account: the provider
// by name, the token's subject, and its audience when the trust has an audience condition.
func (r *ramRole) trustsOIDC(provider string, claims *jwtClaims) bool {
	t := r.oidc
	if t == nil || t.Provider != provider {
		return false
	}
	if !anyGlob(t.Subjects, claims.Subject) {
		return false
	}
	if len(t.Audiences) == 0 {
		return true
	}
	for _, a := range claims.Audience {
		for _, want := range t.Audiences {
			if a == want {
				return true
			}
		}
	}
	return false
}
