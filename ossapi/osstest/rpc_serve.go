package osstest

import (
	"bytes"
	"context"
	"crypto/hmac"
	"crypto/rand"
	"encoding/hex"
	"encoding/json"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"time"

	"github.com/ossoperator/oss-operator/ossapi/signer"
)

// The RPC transport of Alibaba Cloud's RPC-style APIs, RAM and STS (RAM API reference, "Request
// structure", "Signature mechanism", "Responses"): GET with the parameters in the query or POST with them
// form-encoded (the official SDK sends them in the query of a POST), every request signed with the RPC
// signature of package signer except those of anonymous actions (STS AssumeRoleWithOIDC), answers in
// JSON with the service's HostId in errors.
//
// Gateway errors are the codes of Alibaba Cloud's API gateway, with its statuses: 400
// SignatureDoesNotMatch ("server string to sign is:" tells what the server signed, as the gateway does,
// and the official SDK reads it), 404 InvalidAccessKeyId.NotFound, 400 InvalidAccessKeyId.Inactive,
// 400 InvalidTimeStamp.Expired, 400 SignatureNonceUsed, 400 InvalidSecurityToken.*, 400 Missing<Param>,
// 404 InvalidAction.NotFound for an unknown Action and 400 InvalidVersion for another Version. These
// statuses are as the gateway's published error tables and SDK tests show them (not 403): clients
// should branch on Code. Not confirmed: the code for an unsupported HTTP method (UnsupportedHTTPMethod)
// and for a SignatureType other than the SDK's empty one.

const (
	maxRPCBody       = 1 << 20
	nonceWindow      = 15 * time.Minute
	headerACSRequest = "x-acs-request-id"
)

// rpcService is one RPC-style API: its Version, the HostId of its errors, its actions, and how a signed
// caller is authorized (nil: any caller may call any action).
type rpcService struct {
	name      string // for logs
	version   string
	hostID    string
	actions   map[string]rpcAction
	authorize func(e *Emulator, c *rpcCall, act rpcAction) *apiError
}

// rpcAction is an action of a service.
type rpcAction struct {
	run func(e *Emulator, c *rpcCall) (rpcResult, *apiError)
	// resources are the RAM resources the action touches, each a list of equivalent names: a RAM user
	// or a role session calling a RAM action needs ram:<Action> allowed on every one of them.
	resources func(c *rpcCall) [][]string
	// anonymous, when set, makes the action callable without a signature (STS AssumeRoleWithOIDC
	// authenticates by its token): a request with neither AccessKeyId nor Signature is accepted, one
	// with either is verified like any other. It names the account the request addresses, for the
	// counters and faults.
	anonymous func(params url.Values) (accountID string)
}

// rpcResult is a successful answer without its RequestId.
type rpcResult map[string]any

// rpcCall is one RPC request, authenticated unless anonymous.
type rpcCall struct {
	ctx       context.Context
	action    string
	accountID string    // the caller's account (the addressed one when anonymous)
	who       principal // who signed; zero but for accountID when anonymous
	params    url.Values
	now       time.Time
}

func newRPCRequestID() string {
	var b [16]byte
	_, _ = rand.Read(b[:])
	h := strings.ToUpper(hex.EncodeToString(b[:]))
	return h[0:8] + "-" + h[8:12] + "-" + h[12:16] + "-" + h[16:20] + "-" + h[20:32]
}

// serveRPC answers one request to a service: it checks the action and version, authenticates the
// caller, counts the request, authorizes it, applies any injected fault and runs the action.
func (e *Emulator) serveRPC(svc *rpcService, w http.ResponseWriter, r *http.Request) {
	now := e.now()
	id := newRPCRequestID()
	w.Header().Set(headerACSRequest, id)
	w.Header().Set("Date", now.UTC().Format(http.TimeFormat))
	fail := func(err *apiError) (int, string) { return writeRPCError(w, id, svc.hostID, err) }

	params, perr := rpcParams(w, r)
	action := params.Get(signer.RPCParamAction)
	act, known := svc.actions[action]
	var who principal
	counted := false
	status, code := func() (int, string) {
		if perr != nil {
			return fail(perr)
		}
		if err := checkRPCRequest(r.Method, params, svc.version, known); err != nil {
			return fail(err)
		}
		var err *apiError
		if act.anonymous != nil && !params.Has(signer.RPCParamAccessKeyID) && !params.Has(signer.RPCParamSignature) {
			who = principal{accountID: act.anonymous(params), scheme: "anonymous"}
		} else {
			who, err = e.authenticateRPC(r.Method, params, now)
		}
		e.count(action, who.accountID)
		counted = true
		if err != nil {
			return fail(err)
		}
		c := &rpcCall{ctx: r.Context(), action: action, accountID: who.accountID, who: who, params: params, now: now}
		if svc.authorize != nil {
			if err := svc.authorize(e, c, act); err != nil {
				return fail(err)
			}
		}
		held, status, code, done := e.applyFaults(w, r, action, who.accountID, fail)
		if done {
			return status, code
		}
		w = held
		res, err := act.run(e, c)
		if err != nil {
			return fail(err)
		}
		if res == nil {
			res = rpcResult{}
		}
		res["RequestId"] = id
		writeRPCJSON(w, svc.hostID, http.StatusOK, res)
		return http.StatusOK, codeOK
	}()
	if counted {
		e.countOn(action, "", code == codeOK)
	}
	e.log.Info(svc.name+" request", "action", action, "method", r.Method, "status", status, "code", code,
		"account", who.accountID, "user", who.ramUser, "roleSession", who.sessionName(), "accessKeyId", who.accessKeyID,
		"requestId", id)
}

// rpcParams reads the parameters of the query and of a form-encoded body.
func rpcParams(w http.ResponseWriter, r *http.Request) (url.Values, *apiError) {
	r.Body = http.MaxBytesReader(w, r.Body, maxRPCBody)
	if err := r.ParseForm(); err != nil {
		return url.Values{}, ramError(http.StatusBadRequest, "InvalidParameter", "The request could not be parsed: %v.", err)
	}
	return r.Form, nil
}

// checkRPCRequest checks the method, Version and Action before anything is authenticated.
func checkRPCRequest(method string, params url.Values, version string, known bool) *apiError {
	if method != http.MethodGet && method != http.MethodPost {
		return ramError(http.StatusMethodNotAllowed, "UnsupportedHTTPMethod", "This http method is not supported.")
	}
	for _, p := range []string{signer.RPCParamAction, signer.RPCParamVersion} {
		if params.Get(p) == "" {
			return errMissing(p)
		}
	}
	if params.Get(signer.RPCParamVersion) != version {
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
	p.bind(kb)
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

type rpcErrorJSON struct {
	RequestID string `json:"RequestId"`
	HostID    string `json:"HostId"`
	Code      string `json:"Code"`
	Message   string `json:"Message"`
}

func writeRPCError(w http.ResponseWriter, id, hostID string, err *apiError) (int, string) {
	writeRPCJSON(w, hostID, err.status, rpcErrorJSON{RequestID: id, HostID: hostID, Code: err.code, Message: err.message})
	return err.status, err.code
}

func writeRPCJSON(w http.ResponseWriter, hostID string, status int, v any) {
	var b bytes.Buffer
	enc := json.NewEncoder(&b)
	enc.SetEscapeHTML(false)
	if err := enc.Encode(v); err != nil {
		status = http.StatusInternalServerError
		b.Reset()
		_ = json.NewEncoder(&b).Encode(rpcErrorJSON{HostID: hostID, Code: "InternalError", Message: "An internal error occurred."})
	}
	w.Header().Set("Content-Type", "application/json;charset=utf-8")
	w.Header().Set("Content-Length", strconv.Itoa(b.Len()))
	w.WriteHeader(status)
	_, _ = w.Write(b.Bytes())
}
