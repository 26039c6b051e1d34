package osstest

import (
	"net/http"
	"sort"
)

// The RAM API, over the RPC transport of rpc_serve.go (whose comment lists the gateway's errors).

// RAMVersion is the API version of RAM that the emulator serves.
const RAMVersion = "2015-05-01"

const ramHostID = "ram.aliyuncs.com"

// ramService is RAM over the RPC transport: an account's own keys may call every action, a RAM user's
// key or a role session's credentials what their policies allow.
var ramService = &rpcService{name: "RAM", version: RAMVersion, hostID: ramHostID, actions: ramActions,
	authorize: (*Emulator).authorizeRAM}

var ramActions = map[string]rpcAction{
	"CreateUser":              {run: (*Emulator).ramCreateUser, resources: userResource},
	"GetUser":                 {run: (*Emulator).ramGetUser, resources: userResource},
	"UpdateUser":              {run: (*Emulator).ramUpdateUser, resources: userResource},
	"DeleteUser":              {run: (*Emulator).ramDeleteUser, resources: userResource},
	"ListUsers":               {run: (*Emulator).ramListUsers, resources: allUsersResource},
	"CreateAccessKey":         {run: (*Emulator).ramCreateAccessKey, resources: userResource},
	"ListAccessKeys":          {run: (*Emulator).ramListAccessKeys, resources: userResource},
	"UpdateAccessKey":         {run: (*Emulator).ramUpdateAccessKey, resources: userResource},
	"DeleteAccessKey":         {run: (*Emulator).ramDeleteAccessKey, resources: userResource},
	"CreatePolicy":            {run: (*Emulator).ramCreatePolicy, resources: policyResource},
	"GetPolicy":               {run: (*Emulator).ramGetPolicy, resources: policyResource},
	"DeletePolicy":            {run: (*Emulator).ramDeletePolicy, resources: policyResource},
	"CreatePolicyVersion":     {run: (*Emulator).ramCreatePolicyVersion, resources: policyResource},
	"GetPolicyVersion":        {run: (*Emulator).ramGetPolicyVersion, resources: policyResource},
	"ListPolicyVersions":      {run: (*Emulator).ramListPolicyVersions, resources: policyResource},
	"SetDefaultPolicyVersion": {run: (*Emulator).ramSetDefaultPolicyVersion, resources: policyResource},
	"DeletePolicyVersion":     {run: (*Emulator).ramDeletePolicyVersion, resources: policyResource},
	"AttachPolicyToUser":      {run: (*Emulator).ramAttachPolicyToUser, resources: userAndPolicyResources},
	"DetachPolicyFromUser":    {run: (*Emulator).ramDetachPolicyFromUser, resources: userAndPolicyResources},
	"ListPoliciesForUser":     {run: (*Emulator).ramListPoliciesForUser, resources: userResource},
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

func userResource(c *rpcCall) [][]string {
	return [][]string{ramARN(c.accountID, "user/"+c.params.Get("UserName"))}
}

func allUsersResource(c *rpcCall) [][]string { return [][]string{ramARN(c.accountID, "user/*")} }

// policyResource is a custom policy of the account, or a system policy (account "system").
func policyResource(c *rpcCall) [][]string {
	owner := c.accountID
	if c.params.Get("PolicyType") == policySystem {
		owner = "system"
	}
	return [][]string{ramARN(owner, "policy/"+c.params.Get("PolicyName"))}
}

func userAndPolicyResources(c *rpcCall) [][]string {
	return append(userResource(c), policyResource(c)...)
}

// RAM serves the RAM API of the emulator's accounts (Version 2015-05-01) over the RPC transport, at
// any path. An account's own keys may call every action; a RAM user's key, or a role session's
// credentials, only the actions their policies allow. NewServer serves it on Server.RAMURL.
func (e *Emulator) RAM() http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) { e.serveRPC(ramService, w, r) })
}

// authorizeRAM lets an account's own key do everything, and a RAM user or a role session what its
// policies allow: ram:<Action> on every resource the action touches, else 403 NoPermission.
func (e *Emulator) authorizeRAM(c *rpcCall, act rpcAction) *apiError {
	if c.who.root() {
		return nil
	}
	for _, names := range act.resources(c) {
		if v := e.decide(c.who, policyRequest{action: "ram:" + c.action, resources: names}); v.d != decisionAllow {
			return ramError(http.StatusForbidden, "NoPermission",
				"You are not authorized to do this action. Resource: %s Action: ram:%s", names[0], c.action)
		}
	}
	return nil
}
