package osstest

import (
	"bytes"
	"crypto/hmac"
	"crypto/rand"
	"encoding/hex"
	"encoding/json"
	"net/http"
	"net/url"
	"sort"
	"strconv"
	"strings"
	"time"

	"github.com/ossoperator/oss-operator/ossapi/signer"
)

// The RAM API over its RPC transport (RAM API reference, "Request structure", "Signature mechanism",
// "Responses"): GET with the parameters in the query or POST with them form-encoded (the official SDK
// sends them in the query of a POST), every request signed with the RPC signature of package signer,
// answers in JSON.
//
// Gateway errors are the codes of Alibaba Cloud's API gateway, with its statuses: 400
// SignatureDoesNotMatch ("server string to sign is:" tells what the server signed, as the gateway does,
// and the official SDK reads it), 404 InvalidAccessKeyId.NotFound, 400 InvalidAccessKeyId.Inactive,
// 400 InvalidTimeStamp.Expired, 400 SignatureNonceUsed, 400 InvalidSecurityToken.*, 400 Missing<Param>,
// 404 InvalidAction.NotFound for an unknown Action and 400 InvalidVersion for another Version. These
// statuses are as the gateway's published error tables and SDK tests show them (not 403): clients
// should branch on Code. Not confirmed: the code for an unsupported HTTP method (UnsupportedHTTPMethod)
// and for a SignatureType other than the SDK's empty one.

// RAMVersion is the API version of RAM that the emulator serves.
const RAMVersion = "2015-05-01"

const (
	ramHostID        = "ram.aliyuncs.com"
	maxRAMBody       = 1 << 20
	nonceWindow      = 15 * time.Minute
	headerACSRequest = "x-acs-request-id"
)

// ramResult is a successful answer without its RequestId.
type ramResult map[string]any

// ramCall is one authenticated RAM request.
type ramCall struct {
	action    string
	accountID string
	params    url.Values
	now       time.Time
}

type ramAction struct {
	run func(e *Emulator, c *ramCall) (ramResult, *apiError)
	// resources are the RAM resources the action touches, each a list of equivalent names: a RAM user
	// calling the action needs ram:<Action> decisionAllow on every one of them.
	resources func(c *ramCall) [][]string
}

var ramActions = map[string]ramAction{
	"CreateUser":              {(*Emulator).ramCreateUser, userResource},
	"GetUser":                 {(*Emulator).ramGetUser, userResource},
	"UpdateUser":              {(*Emulator).ramUpdateUser, userResource},
	"DeleteUser":              {(*Emulator).ramDeleteUser, userResource},
	"ListUsers":               {(*Emulator).ramListUsers, allUsersResource},
	"CreateAccessKey":         {(*Emulator).ramCreateAccessKey, userResource},
	"ListAccessKeys":          {(*Emulator).ramListAccessKeys, userResource},
	"UpdateAccessKey":         {(*Emulator).ramUpdateAccessKey, userResource},
	"DeleteAccessKey":         {(*Emulator).ramDeleteAccessKey, userResource},
	"CreatePolicy":            {(*Emulator).ramCreatePolicy, policyResource},
	"GetPolicy":               {(*Emulator).ramGetPolicy, policyResource},
	"DeletePolicy":            {(*Emulator).ramDeletePolicy, policyResource},
	"CreatePolicyVersion":     {(*Emulator).ramCreatePolicyVersion, policyResource},
	"GetPolicyVersion":        {(*Emulator).ramGetPolicyVersion, policyResource},
	"ListPolicyVersions":      {(*Emulator).ramListPolicyVersions, policyResource},
	"SetDefaultPolicyVersion": {(*Emulator).ramSetDefaultPolicyVersion, policyResource},
	"DeletePolicyVersion":     {(*Emulator).ramDeletePolicyVersion, policyResource},
	"AttachPolicyToUser":      {(*Emulator).ramAttachPolicyToUser, userAndPolicyResources},
	"DetachPolicyFromUser":    {(*Emulator).ramDetachPolicyFromUser, userAndPolicyResources},
	"ListPoliciesForUser":     {(*Emulator).ramListPoliciesForUser, userResource},
}

// RAMActions lists the RAM actions the emulator serves, sorted. Calls, CallsBy and Fault.Operation
// take these names, as they take OSS operation names.
func RAMActions() []string {
	out := make([]string, 0, len(ramActions))
	for a := range ramActions {
		out = append(out, a)
	}
	sort.Strings(out)
	return out
}

// ramARN names a RAM resource the ways a policy may: RAM's resources are global, written with region
// "*" (acs:ram:*:<account>:user/<name>, as the RAM authorization reference does) or empty
// (acs:ram::<account>:..., as in role ARNs).
func ramARN(accountID, relative string) []string {
	return []string{"acs:ram:*:" + accountID + ":" + relative, "acs:ram::" + accountID + ":" + relative}
}

func userResource(c *ramCall) [][]string {
	return [][]string{ramARN(c.accountID, "user/"+c.params.Get("UserName"))}
}

func allUsersResource(c *ramCall) [][]string { return [][]string{ramARN(c.accountID, "user/*")} }

// policyResource is a custom policy of the account, or a system policy (account "system").
func policyResource(c *ramCall) [][]string {
	owner := c.accountID
	if c.params.Get("PolicyType") == policySystem {
		owner = "system"
	}
	return [][]string{ramARN(owner, "policy/"+c.params.Get("PolicyName"))}
}

func userAndPolicyResources(c *ramCall) [][]string {
	return append(userResource(c), policyResource(c)...)
}

// RAM serves the RAM API of the emulator's accounts (Version 2015-05-01) over the RPC transport, at
// any path. An account's own keys may call every action; a RAM user's key only the actions its attached
// policies allow. NewServer serves it on Server.RAMURL.
func (e *Emulator) RAM() http.Handler { return http.HandlerFunc(e.serveRAM) }

func newRAMRequestID() string {
	var b [16]byte
	_, _ = rand.Read(b[:])
	h := strings.ToUpper(hex.EncodeToString(b[:]))
	return h[0:8] + "-" + h[8:12] + "-" + h[12:16] + "-" + h[16:20] + "-" + h[20:32]
}

func (e *Emulator) serveRAM(w http.ResponseWriter, r *http.Request) {
	now := e.now()
	id := newRAMRequestID()
	w.Header().Set(headerACSRequest, id)
	w.Header().Set("Date", now.UTC().Format(http.TimeFormat))

	params, perr := rpcParams(w, r)
	action := params.Get(signer.RPCParamAction)
	act, known := ramActions[action]
	var who principal
	counted := false
	status, code := func() (int, string) {
		if perr != nil {
			return writeRAMError(w, id, perr)
		}
		if err := checkRPCRequest(r.Method, params, known); err != nil {
			return writeRAMError(w, id, err)
		}
		var err *apiError
		who, err = e.authenticateRPC(r.Method, params, now)
		e.count(action, who.accountID)
		counted = true
		if err != nil {
			return writeRAMError(w, id, err)
		}
		c := &ramCall{action: action, accountID: who.accountID, params: params, now: now}
		if err := e.authorizeRAM(c, who, act); err != nil {
			return writeRAMError(w, id, err)
		}
		if status, code, done := e.applyFaults(w, r, action, who.accountID, func(f *apiError) (int, string) {
			return writeRAMError(w, id, f)
		}); done {
			return status, code
		}
		res, err := act.run(e, c)
		if err != nil {
			return writeRAMError(w, id, err)
		}
		if res == nil {
			res = ramResult{}
		}
		res["RequestId"] = id
		writeRAMJSON(w, http.StatusOK, res)
		return http.StatusOK, codeOK
	}()
	if counted {
		e.countOn(action, "", code == codeOK)
	}
	e.log.Info("RAM request", "action", action, "method", r.Method, "status", status, "code", code,
		"account", who.accountID, "user", who.ramUser, "accessKeyId", who.accessKeyID, "requestId", id)
}

// rpcParams reads the parameters of the query and of a form-encoded body.
func rpcParams(w http.ResponseWriter, r *http.Request) (url.Values, *apiError) {
	r.Body = http.MaxBytesReader(w, r.Body, maxRAMBody)
	if err := r.ParseForm(); err != nil {
		return url.Values{}, ramError(http.StatusBadRequest, "InvalidParameter", "The request could not be parsed: %v.", err)
	}
	return r.Form, nil
}

// checkRPCRequest checks the method, Version and Action before anything is authenticated.
func checkRPCRequest(method string, params url.Values, known bool) *apiError {
	if method != http.MethodGet && method != http.MethodPost {
		return ramError(http.StatusMethodNotAllowed, "UnsupportedHTTPMethod", "This http method is not supported.")
	}
	for _, p := range []string{signer.RPCParamAction, signer.RPCParamVersion} {
		if params.Get(p) == "" {
			return errMissing(p)
		}
	}
	if params.Get(signer.RPCParamVersion) != RAMVersion {
		return ramError(http.StatusBadRequest, "InvalidVersion", "Specified parameter Version is not valid.")
	}
	if !known {
		return ramError(http.StatusNotFound, "InvalidAction.NotFound", "Specified api is not found, please check your url and method.")
	}
	return nil
}

// authenticateRPC verifies the RPC signature and the freshness of the request, and returns who signed
// it. The principal's account is set as soon as the key is known.
func (e *Emulator) authenticateRPC(method string, params url.Values, now time.Time) (principal, *apiError) {
	for _, p := range []string{signer.RPCParamAccessKeyID, signer.RPCParamSignature, signer.RPCParamSignatureMethod,
		signer.RPCParamSignatureNonce, signer.RPCParamSignatureVersion, signer.RPCParamTimestamp} {
		if params.Get(p) == "" {
			return principal{}, errMissing(p)
		}
	}
	if m := params.Get(signer.RPCParamSignatureMethod); m != signer.RPCSignatureMethod {
		return principal{}, ramError(http.StatusBadRequest, "InvalidSignatureMethod", "Specified signature method is not supported.")
	}
	if v := params.Get(signer.RPCParamSignatureVersion); v != signer.RPCSignatureVersion {
		return principal{}, ramError(http.StatusBadRequest, "InvalidParameter", "The specified parameter \"SignatureVersion\" is not valid.")
	}
	if t := params.Get("SignatureType"); t != "" {
		return principal{}, ramError(http.StatusBadRequest, "InvalidParameter", "The specified parameter \"SignatureType\" is not valid.")
	}
	ts, err := time.Parse(signer.RPCTimestampFormat, params.Get(signer.RPCParamTimestamp))
	if err != nil {
		return principal{}, ramError(http.StatusBadRequest, "InvalidTimeStamp.Format", "Specified time stamp or date value is not well formatted.")
	}
	if d := now.Sub(ts); d > maxSkew || d < -maxSkew {
		return principal{}, ramError(http.StatusBadRequest, "InvalidTimeStamp.Expired", "Specified time stamp or date value is expired.")
	}
	akid := params.Get(signer.RPCParamAccessKeyID)
	p := principal{accessKeyID: akid, scheme: "rpc"}
	e.mu.Lock()
	kb, ok := e.keys[akid]
	inactive := ok && kb.ramKey != nil && kb.ramKey.status != RAMKeyActive
	e.mu.Unlock()
	if !ok {
		return p, ramError(http.StatusNotFound, "InvalidAccessKeyId.NotFound", "Specified access key is not found.")
	}
	p.accountID, p.ramUser = kb.accountID, kb.ramUser
	k := kb.key
	expired := !k.Expiration.IsZero() && !now.Before(k.Expiration)
	if inactive || (expired && k.SecurityToken == "") {
		return p, ramError(http.StatusBadRequest, "InvalidAccessKeyId.Inactive", "Specified access key is disabled.")
	}
	token := params.Get(signer.RPCParamSecurityToken)
	switch {
	case k.SecurityToken != "" && token == "":
		return p, errMissing(signer.RPCParamSecurityToken)
	case token != "" && !hmac.Equal([]byte(token), []byte(k.SecurityToken)):
		return p, ramError(http.StatusBadRequest, "InvalidSecurityToken.MismatchWithAccessKey", "Specified SecurityToken mismatch with the AccessKey.")
	case expired:
		return p, ramError(http.StatusBadRequest, "InvalidSecurityToken.Expired", "Specified SecurityToken is expired.")
	}
	sts := signer.RPCStringToSign(method, params)
	if !hmac.Equal([]byte(signer.RPCSignature(k.AccessKeySecret, sts)), []byte(params.Get(signer.RPCParamSignature))) {
		return p, ramError(http.StatusBadRequest, "SignatureDoesNotMatch",
			"Specified signature is not matched with our calculation. server string to sign is:%s", sts)
	}
	if !e.useNonce(akid, params.Get(signer.RPCParamSignatureNonce), now) {
		return p, ramError(http.StatusBadRequest, "SignatureNonceUsed", "Specified signature nonce was used already.")
	}
	return p, nil
}

// useNonce records a nonce of a key and reports whether it is new: a nonce may be used once within 15
// minutes. Only signed requests use one up.
func (e *Emulator) useNonce(akid, nonce string, now time.Time) bool {
	e.nonceMu.Lock()
	defer e.nonceMu.Unlock()
	if now.Sub(e.noncesPruned) > time.Minute || now.Before(e.noncesPruned) {
		for k, t := range e.nonces {
			if now.Sub(t) >= nonceWindow {
				delete(e.nonces, k)
			}
		}
		e.noncesPruned = now
	}
	k := akid + "\x00" + nonce
	if t, ok := e.nonces[k]; ok && now.Sub(t) < nonceWindow {
		return false
	}
	e.nonces[k] = now
	return true
}

// authorizeRAM lets an account's own key do everything and a RAM user what its policies allow:
// ram:<Action> on every resource the action touches, else 403 NoPermission.
func (e *Emulator) authorizeRAM(c *ramCall, who principal, act ramAction) *apiError {
	if who.ramUser == "" {
		return nil
	}
	e.mu.Lock()
	docs := e.ramUserPolicies(who.accountID, who.ramUser)
	e.mu.Unlock()
	for _, names := range act.resources(c) {
		if evaluate(docs, policyRequest{action: "ram:" + c.action, resources: names}) != decisionAllow {
			return ramError(http.StatusForbidden, "NoPermission",
				"You are not authorized to do this action. Resource: %s Action: ram:%s", names[0], c.action)
		}
	}
	return nil
}

type ramErrorJSON struct {
	RequestID string `json:"RequestId"`
	HostID    string `json:"HostId"`
	Code      string `json:"Code"`
	Message   string `json:"Message"`
}

func writeRAMError(w http.ResponseWriter, id string, err *apiError) (int, string) {
	writeRAMJSON(w, err.status, ramErrorJSON{RequestID: id, HostID: ramHostID, Code: err.code, Message: err.message})
	return err.status, err.code
}

func writeRAMJSON(w http.ResponseWriter, status int, v any) {
	var b bytes.Buffer
	enc := json.NewEncoder(&b)
	enc.SetEscapeHTML(false)
	if err := enc.Encode(v); err != nil {
		status = http.StatusInternalServerError
		b.Reset()
		_ = json.NewEncoder(&b).Encode(ramErrorJSON{HostID: ramHostID, Code: "InternalError", Message: "An internal error occurred."})
	}
	w.Header().Set("Content-Type", "application/json;charset=utf-8")
	w.Header().Set("Content-Length", strconv.Itoa(b.Len()))
	w.WriteHeader(status)
	_, _ = w.Write(b.Bytes())
}
