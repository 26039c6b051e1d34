package osstest

import (
	"net/http"
	"net/url"
	"sort"
)

// STS over the RPC transport of rpc_serve.go, Version 2015-04-01, errors with HostId sts.aliyuncs.com.
// AssumeRole and GetCallerIdentity are signed like RAM's actions, by a RAM user's key or by STS
// credentials (which chain); AssumeRoleWithOIDC is anonymous, as on Alibaba Cloud ("No authorization for
// this operation"): the official credential providers send it without AccessKeyId and Signature, and
// the token authenticates it. STS needs no RAM authorization of its own at the gateway: AssumeRole
// checks sts:AssumeRole itself, GetCallerIdentity needs none.

// STSVersion is the API version of STS that the emulator serves.
const STSVersion = "2015-04-01"

const stsHostID = "sts.aliyuncs.com"

var stsActions = map[string]rpcAction{
	"AssumeRole":         {run: (*Emulator).stsAssumeRole},
	"AssumeRoleWithOIDC": {run: (*Emulator).stsAssumeRoleWithOIDC, anonymous: roleARNAccount},
	"GetCallerIdentity":  {run: (*Emulator).stsGetCallerIdentity},
}

var stsService = &rpcService{name: "STS", version: STSVersion, hostID: stsHostID, actions: stsActions}

// STSActions lists the STS actions the emulator serves, sorted. Calls, CallsBy and Fault.Operation take
// these names, as they take OSS operation and RAM action names.
func STSActions() []string {
	out := make([]string, 0, len(stsActions))
	for a := range stsActions {
		out = append(out, a)
	}
	sort.Strings(out)
	return out
}

// STS serves the STS API of the emulator's accounts (Version 2015-04-01) over the RPC transport, at any
// path: AssumeRole, AssumeRoleWithOIDC and GetCallerIdentity. The credentials it issues sign OSS, RAM and
// STS requests with their security token until they expire, with the rights of the role's policies (and
// of the session policy). NewServer serves it on Server.STSURL.
func (e *Emulator) STS() http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) { e.serveRPC(stsService, w, r) })
}

// roleARNAccount is the account of an anonymous request's RoleArn, "" when it has none.
func roleARNAccount(params url.Values) string {
	account, _, _ := parseRoleARN(params.Get("RoleArn"))
	return account
}
