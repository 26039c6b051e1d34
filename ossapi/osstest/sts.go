package osstest

import (
	"crypto/rand"
	"encoding/base64"
	"fmt"
	"net/http"
	"regexp"
	"strconv"
	"strings"
	"time"
	"unicode/utf8"
)

// The STS actions: parameters, who may assume which role, and the credentials of a role session.
//
// Codes, statuses and messages are STS's where its documentation gives them (API reference "AssumeRole",
// "AssumeRoleWithOIDC", "Error codes"; OSS's "STS common errors and troubleshooting"):
//
//	400 InvalidParameter.RoleSessionName  "The parameter RoleSessionName is wrongly formed."
//	400 InvalidParameter.DurationSeconds  "The Min/Max value of DurationSeconds is 15min/1hr." (the role's maximum)
//	400 InvalidParameter.PolicyGrammar    "The parameter Policy has not passed grammar check."
//	400 InvalidParameter.PolicySize
//	400 InvalidParameter.RoleArn
//	403 NoPermission                      "Roles may not be assumed by root accounts." (an account's own key)
//	403 NoPermission                      "No permission perform sts:AssumeRole on this Role. Maybe you are not
//	                                       authorized to perform sts:AssumeRole or the specified role does not trust you"
//	404 EntityNotExist.Role               "The role not exists: <arn>."
//	401 AuthenticationFail.NoPermission   "No such OIDC Provider registered." / "There is no permission" (the
//	                                       role does not trust the provider, the subject or the audience)
//	401 AuthenticationFail.OIDCToken.*    (oidc.go)
//
// Not confirmed: the messages of PolicySize and RoleArn, the statuses of 400 InvalidParameter.RoleArn and
// 404 EntityNotExist.Role (from the STS section of this project's reference), and what STS answers for
// a malformed OIDCProviderArn (the emulator: "No such OIDC Provider registered.") or a missing RoleArn,
// RoleSessionName or OIDCProviderArn (the emulator: the gateway's 400 Missing<Param>). RoleSessionName
// is 2-64 characters as the current API reference says (older pages: 2-32); a session Policy 1-2048
// characters.

const (
	maxSessionPolicyLength = 2048
	stsKeyIDLength         = 25
	stsSecretLength        = 44
	stsTokenBytes          = 300
	// expiredSessionsKept is how long the emulator keeps a session's credentials after they expire (they
	// answer SecurityTokenExpired meanwhile); later ones are forgotten when a new session is issued.
	expiredSessionsKept = 24 * time.Hour
)

var roleSessionNameRE = regexp.MustCompile(`^[A-Za-z0-9.@_-]{2,64}$`)

// sessionRequest is what AssumeRole and AssumeRoleWithOIDC share: the role, the session's name,
// duration and policy.
type sessionRequest struct {
	roleAccount, roleName string // lower-case name
	sessionName           string
	duration              time.Duration // 0 when DurationSeconds is absent
	policy                *policyDocument
}

func errSTSParam(name, format string, args ...any) *apiError {
	return ramError(http.StatusBadRequest, "InvalidParameter."+name, format, args...)
}

// sessionParams reads RoleArn, RoleSessionName, DurationSeconds and Policy.
func sessionParams(c *rpcCall) (sessionRequest, *apiError) {
	var s sessionRequest
	arn, err := c.required("RoleArn")
	if err != nil {
		return s, err
	}
	var ok bool
	if s.roleAccount, s.roleName, ok = parseRoleARN(arn); !ok {
		return s, errSTSParam("RoleArn", "The parameter RoleArn is wrongly formed: acs:ram::<account>:role/<name>.")
	}
	if s.sessionName, err = c.required("RoleSessionName"); err != nil {
		return s, err
	}
	if !roleSessionNameRE.MatchString(s.sessionName) {
		return s, errSTSParam("RoleSessionName", "The parameter RoleSessionName is wrongly formed.")
	}
	if v := c.params.Get("DurationSeconds"); v != "" {
		n, perr := strconv.ParseInt(v, 10, 64)
		if perr != nil || n < int64(minSessionDuration/time.Second) || n > int64(maxMaxSessionDuration/time.Second) {
			return s, errDuration(maxMaxSessionDuration)
		}
		s.duration = time.Duration(n) * time.Second
	}
	if p := c.params.Get("Policy"); p != "" {
		if utf8.RuneCountInString(p) > maxSessionPolicyLength {
			return s, errSTSParam("PolicySize", "The parameter Policy is longer than %d characters.", maxSessionPolicyLength)
		}
		parsed, perr := parsePolicy(p)
		if perr != nil {
			return s, errSTSParam("PolicyGrammar", "The parameter Policy has not passed grammar check. %v", perr)
		}
		s.policy = parsed
	}
	return s, nil
}

func errDuration(max time.Duration) *apiError {
	words := fmt.Sprintf("%dmin", int(max/time.Minute))
	if max%time.Hour == 0 {
		words = fmt.Sprintf("%dhr", int(max/time.Hour))
	}
	return errSTSParam("DurationSeconds", "The Min/Max value of DurationSeconds is 15min/%s.", words)
}

// sessionDuration is the requested duration checked against the role's maximum, or the default.
func sessionDuration(s sessionRequest, role *ramRole) (time.Duration, *apiError) {
	d := s.duration
	if d == 0 {
		d = defaultSessionDuration
	}
	if d > role.maxSession {
		return 0, errDuration(role.maxSession)
	}
	return d, nil
}

func errNoRole(accountID, name string) *apiError {
	return ramError(http.StatusNotFound, "EntityNotExist.Role", "The role not exists: %s.", RoleARN(accountID, name))
}

func errNoAssumeRole() *apiError {
	return ramError(http.StatusForbidden, "NoPermission", "No permission perform sts:AssumeRole on this Role. "+
		"Maybe you are not authorized to perform sts:AssumeRole or the specified role does not trust you")
}

// stsAssumeRole issues a session of a role to a RAM user or a role session that the role trusts and whose
// own policies allow sts:AssumeRole on the role.
func (e *Emulator) stsAssumeRole(c *rpcCall) (rpcResult, *apiError) {
	s, err := sessionParams(c)
	if err != nil {
		return nil, err
	}
	if c.who.root() {
		return nil, ramError(http.StatusForbidden, "NoPermission", "Roles may not be assumed by root accounts.")
	}
	e.mu.Lock()
	defer e.mu.Unlock()
	role := e.roleOf(s.roleAccount, s.roleName)
	names := ramARN(s.roleAccount, "role/"+s.roleName)
	if role != nil && role.name != s.roleName {
		names = append(names, ramARN(s.roleAccount, "role/"+role.name)...)
	}
	if e.decideLocked(c.who, policyRequest{action: "sts:AssumeRole", resources: names}).d != decisionAllow {
		return nil, errNoAssumeRole()
	}
	if role == nil {
		return nil, errNoRole(s.roleAccount, s.roleName)
	}
	if !role.trustsCaller(c.who) {
		return nil, errNoAssumeRole()
	}
	d, err := sessionDuration(s, role)
	if err != nil {
		return nil, err
	}
	return e.issueSession(c, s, role, d).result(), nil
}

// stsAssumeRoleWithOIDC issues a session of a role for a token of an OIDC provider that the role trusts.
func (e *Emulator) stsAssumeRoleWithOIDC(c *rpcCall) (rpcResult, *apiError) {
	providerARN, err := c.required("OIDCProviderArn")
	if err != nil {
		return nil, err
	}
	s, err := sessionParams(c)
	if err != nil {
		return nil, err
	}
	noProvider := ramError(http.StatusUnauthorized, "AuthenticationFail.NoPermission", "No such OIDC Provider registered.")
	providerAccount, providerName, ok := parseOIDCProviderARN(providerARN)
	if !ok {
		return nil, noProvider
	}
	e.mu.Lock()
	var provider *oidcProvider
	if st := e.ram[providerAccount]; st != nil {
		provider = st.providers[providerName]
	}
	e.mu.Unlock()
	if provider == nil {
		return nil, noProvider
	}
	// The keys may have to be fetched: not under e.mu.
	claims, err := provider.verify(c.ctx, c.params.Get("OIDCToken"), c.now)
	if err != nil {
		return nil, err
	}

	e.mu.Lock()
	defer e.mu.Unlock()
	role := e.roleOf(s.roleAccount, s.roleName)
	if role == nil {
		return nil, errNoRole(s.roleAccount, s.roleName)
	}
	if providerAccount != s.roleAccount || !role.trustsOIDC(providerName, claims) {
		return nil, ramError(http.StatusUnauthorized, "AuthenticationFail.NoPermission", "There is no permission")
	}
	d, err := sessionDuration(s, role)
	if err != nil {
		return nil, err
	}
	res := e.issueSession(c, s, role, d).result()
	info := map[string]any{"Subject": claims.Subject, "Issuer": claims.Issuer,
		"ClientIds": strings.Join(claims.Audience, ","), "ExpirationTime": ramDate(claims.Expiry)}
	if !claims.IssuedAt.IsZero() {
		info["IssuanceTime"] = ramDate(claims.IssuedAt)
	}
	res["OIDCTokenInfo"] = info
	return res, nil
}

// issued is a new session with its credentials.
type issued struct {
	key     Key
	session *roleSession
}

func (i issued) result() rpcResult {
	s := i.session
	return rpcResult{
		"Credentials": map[string]any{"AccessKeyId": i.key.AccessKeyID, "AccessKeySecret": i.key.AccessKeySecret,
			"SecurityToken": i.key.SecurityToken, "Expiration": ramDate(i.key.Expiration)},
		"AssumedRoleUser": map[string]any{"Arn": assumedRoleARN(s), "AssumedRoleId": s.roleID + ":" + s.name},
	}
}

// assumedRoleARN names a role session: acs:ram::<account>:assumed-role/<role>/<session>.
func assumedRoleARN(s *roleSession) string {
	return "acs:ram::" + s.accountID + ":assumed-role/" + s.roleName + "/" + s.name
}

// issueSession makes the credentials of a new session of a role: an AccessKey ID "STS." and 25
// characters, a secret, a security token, valid for d from the request's time. Callers hold e.mu.
func (e *Emulator) issueSession(c *rpcCall, s sessionRequest, role *ramRole, d time.Duration) issued {
	now := c.now.UTC().Truncate(time.Second)
	for id, kb := range e.keys {
		if kb.session != nil && now.Sub(kb.session.expiration) > expiredSessionsKept {
			delete(e.keys, id)
		}
	}
	if e.sessionLifetime > 0 {
		d = e.sessionLifetime
	}
	sess := &roleSession{accountID: s.roleAccount, roleName: strings.ToLower(role.name), roleID: role.id,
		name: s.sessionName, policy: s.policy, expiration: now.Add(d)}
	tok := make([]byte, stsTokenBytes)
	_, _ = rand.Read(tok)
	k := Key{AccessKeySecret: ramRandomAlnum(stsSecretLength), SecurityToken: "CAIS" + base64.StdEncoding.EncodeToString(tok),
		Expiration: sess.expiration}
	for k.AccessKeyID == "" || e.keys[k.AccessKeyID].accountID != "" {
		k.AccessKeyID = "STS." + ramRandomAlnum(stsKeyIDLength)
	}
	e.keys[k.AccessKeyID] = keyBinding{accountID: s.roleAccount, key: k, session: sess}
	return issued{key: k, session: sess}
}

// stsGetCallerIdentity tells who signed: the account itself, a RAM user or a role session.
func (e *Emulator) stsGetCallerIdentity(c *rpcCall) (rpcResult, *apiError) {
	who := c.who
	res := rpcResult{"AccountId": who.accountID}
	switch {
	case who.session != nil:
		res["IdentityType"] = "AssumedRoleUser"
		res["Arn"] = assumedRoleARN(who.session)
		res["RoleId"] = who.session.roleID
		res["PrincipalId"] = who.session.roleID + ":" + who.session.name
	case who.ramUser != "":
		e.mu.Lock()
		var userID string
		if st := e.ram[who.accountID]; st != nil && st.users[who.ramUser] != nil {
			userID = st.users[who.ramUser].id
		}
		e.mu.Unlock()
		res["IdentityType"] = "RAMUser"
		res["Arn"] = "acs:ram::" + who.accountID + ":user/" + who.ramUser
		res["UserId"] = userID
		res["PrincipalId"] = userID
	default:
		res["IdentityType"] = "Account"
		res["Arn"] = "acs:ram::" + who.accountID + ":root"
		res["PrincipalId"] = who.accountID
	}
	return res, nil
}

// SetSessionLifetime makes STS answer every new session with credentials valid for d, whatever
// duration was asked: tests see renewals in seconds rather than the 15 minutes STS allows at the least.
// Real STS never does this. Zero restores the requested durations.
func (e *Emulator) SetSessionLifetime(d time.Duration) {
	e.mu.Lock()
	defer e.mu.Unlock()
	e.sessionLifetime = d
}
