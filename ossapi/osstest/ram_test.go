package osstest_test

import (
	"fmt"
	"net/http"
	"net/url"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/go-logr/logr/funcr"

	"github.com/ossoperator/oss-operator/ossapi/osstest"
)

const appPolicy = `{"Version":"1","Statement":[{"Effect":"Allow","Action":["oss:GetObject","oss:PutObject"],"Resource":["acs:oss:*:*:b1/*"]}]}`

// The RPC transport: what a client that signs wrongly, replays or is late sees.
func TestRAMTransportErrors(t *testing.T) {
	t.Parallel()
	srv := newServer(t)
	admin := newRPC(t, srv, aliceKey)
	admin.call("CreateUser", "UserName", "probe").ok(t)

	stale := admin
	stale.now = func() time.Time { return time.Now().Add(-16 * time.Minute) }
	unknown := newRPC(t, srv, osstest.Key{AccessKeyID: "LTAIunknown", AccessKeySecret: "x"})
	wrongSecret := newRPC(t, srv, osstest.Key{AccessKeyID: aliceKey.AccessKeyID, AccessKeySecret: "wrong"})
	stsNoToken := newRPC(t, srv, osstest.Key{AccessKeyID: aliceSTS.AccessKeyID, AccessKeySecret: aliceSTS.AccessKeySecret})
	stsWrongToken := newRPC(t, srv, osstest.Key{AccessKeyID: aliceSTS.AccessKeyID, AccessKeySecret: aliceSTS.AccessKeySecret, SecurityToken: "other"})

	for _, tc := range []struct {
		name   string
		do     func() answer
		status int
		code   string
	}{
		{"wrong signature", func() answer { return wrongSecret.call("GetUser", "UserName", "probe") },
			400, "SignatureDoesNotMatch"},
		{"parameter changed after signing", func() answer {
			return admin.send("GetUser", url.Values{"UserName": {"probe"}}, "tampered", func(p url.Values) { p.Set("UserName", "other") })
		}, 400, "SignatureDoesNotMatch"},
		{"stale timestamp", func() answer { return stale.call("GetUser", "UserName", "probe") }, 400, "InvalidTimeStamp.Expired"},
		{"unknown key", func() answer { return unknown.call("GetUser", "UserName", "probe") }, 404, "InvalidAccessKeyId.NotFound"},
		{"STS key without its token", func() answer { return stsNoToken.call("GetUser", "UserName", "probe") }, 400, "MissingSecurityToken"},
		{"STS key with another token", func() answer { return stsWrongToken.call("GetUser", "UserName", "probe") },
			400, "InvalidSecurityToken.MismatchWithAccessKey"},
		{"unknown action", func() answer { return admin.call("CreateRole", "RoleName", "r") }, 404, "InvalidAction.NotFound"},
		{"other version", func() answer {
			return admin.send("GetUser", url.Values{"UserName": {"probe"}, "Version": {"2019-08-15"}}, "v", nil)
		}, 400, "InvalidVersion"},
		{"missing parameter", func() answer { return admin.call("GetUser") }, 400, "MissingUserName"},
		{"unsigned", func() answer {
			return admin.raw(http.MethodGet, url.Values{"Action": {"GetUser"}, "Version": {"2015-05-01"}, "UserName": {"probe"}})
		}, 400, "MissingAccessKeyId"},
	} {
		t.Run(tc.name, func(t *testing.T) { tc.do().fails(t, tc.status, tc.code) })
	}

	t.Run("the server string to sign, as the gateway reports it", func(t *testing.T) {
		a := wrongSecret.call("GetUser", "UserName", "probe")
		if !strings.HasPrefix(a.str("Message"), "Specified signature is not matched with our calculation. server string to sign is:GET&%2F&AccessKeyId%3D") {
			t.Errorf("message %q", a.str("Message"))
		}
	})
	t.Run("a nonce is used once", func(t *testing.T) {
		admin.send("GetUser", url.Values{"UserName": {"probe"}}, "once", nil).ok(t)
		admin.send("GetUser", url.Values{"UserName": {"probe"}}, "once", nil).fails(t, 400, "SignatureNonceUsed")
		// A request refused for its signature does not use its nonce up.
		wrongSecret.send("GetUser", url.Values{"UserName": {"probe"}}, "twice", nil).fails(t, 400, "SignatureDoesNotMatch")
		admin.send("GetUser", url.Values{"UserName": {"probe"}}, "twice", nil).ok(t)
	})
	t.Run("POST with a form body and STS keys work", func(t *testing.T) {
		post := newRPC(t, srv, aliceSTS)
		post.method = http.MethodPost
		if a := post.call("GetUser", "UserName", "probe").ok(t); a.str("User", "UserName") != "probe" {
			t.Errorf("GetUser: %s", a.raw)
		}
	})
}

// A nonce is remembered for 15 minutes of the server clock, and the timestamp is checked against it.
func TestRAMNonceWindow(t *testing.T) {
	t.Parallel()
	var mu sync.Mutex
	clock := time.Date(2026, 5, 1, 12, 0, 0, 0, time.UTC)
	now := func() time.Time { mu.Lock(); defer mu.Unlock(); return clock }
	srv := newServer(t, osstest.WithClock(now))
	admin := newRPC(t, srv, aliceKey)
	admin.now = now
	admin.send("ListUsers", url.Values{}, "n1", nil).ok(t)
	mu.Lock()
	clock = clock.Add(14 * time.Minute)
	mu.Unlock()
	admin.send("ListUsers", url.Values{}, "n1", nil).fails(t, 400, "SignatureNonceUsed")
	mu.Lock()
	clock = clock.Add(2 * time.Minute)
	mu.Unlock()
	admin.send("ListUsers", url.Values{}, "n1", nil).ok(t)
}

func TestRAMUsers(t *testing.T) {
	t.Parallel()
	srv := newServer(t)
	admin := newRPC(t, srv, aliceKey)

	a := admin.call("CreateUser", "UserName", "app-1", "DisplayName", "App one", "Comments", "issued by the operator").ok(t)
	if a.str("User", "UserName") != "app-1" || a.str("User", "DisplayName") != "App one" ||
		a.str("User", "Comments") != "issued by the operator" || len(a.str("User", "UserId")) != 16 ||
		!strings.HasSuffix(a.str("User", "CreateDate"), "Z") {
		t.Errorf("CreateUser: %s", a.raw)
	}
	for _, tc := range []struct {
		params      []string
		status      int
		code        string
		whatIsWrong string
	}{
		{[]string{"UserName", "app-1"}, 409, "EntityAlreadyExists.User", "a user that exists"},
		{[]string{"UserName", "app one"}, 400, "InvalidParameter.UserName.InvalidChars", "a space"},
		{[]string{"UserName", "app@x"}, 400, "InvalidParameter.UserName.InvalidChars", "an @"},
		{[]string{"UserName", strings.Repeat("a", 65)}, 400, "InvalidParameter.UserName.Length", "65 characters"},
		{[]string{"UserName", "app-2", "Comments", strings.Repeat("c", 129)}, 400, "InvalidParameter.Comments.Length", "long comments"},
		{[]string{"UserName", "app-2", "DisplayName", strings.Repeat("d", 129)}, 400, "InvalidParameter.DisplayName.Length", "long display name"},
		{[]string{"DisplayName", "x"}, 400, "MissingUserName", "no name"},
	} {
		t.Run(tc.whatIsWrong, func(t *testing.T) { admin.call("CreateUser", tc.params...).fails(t, tc.status, tc.code) })
	}
	admin.call("CreateUser", "UserName", strings.Repeat("a", 64)).ok(t)
	admin.call("CreateUser", "UserName", "A.b_c-9").ok(t)

	if a := admin.call("GetUser", "UserName", "app-1").ok(t); a.str("User", "UserId") == "" || a.str("User", "UpdateDate") == "" {
		t.Errorf("GetUser: %s", a.raw)
	}
	admin.call("GetUser", "UserName", "nobody").fails(t, 404, "EntityNotExist.User")
	newRPC(t, srv, bobKey).call("GetUser", "UserName", "app-1").fails(t, 404, "EntityNotExist.User") // another account's

	a = admin.call("UpdateUser", "UserName", "A.b_c-9", "NewUserName", "app-3", "NewComments", "renamed").ok(t)
	if a.str("User", "UserName") != "app-3" || a.str("User", "Comments") != "renamed" {
		t.Errorf("UpdateUser: %s", a.raw)
	}
	admin.call("UpdateUser", "UserName", "app-3", "NewUserName", "app-1").fails(t, 409, "EntityAlreadyExists.User")

	// ListUsers pages by name.
	page := admin.call("ListUsers", "MaxItems", "2").ok(t)
	if names := userNames(page); names != strings.Repeat("a", 64)+" app-1" || page.body["IsTruncated"] != true ||
		page.str("Marker") == "" {
		t.Fatalf("first page: %s", page.raw)
	}
	page = admin.call("ListUsers", "MaxItems", "2", "Marker", page.str("Marker")).ok(t)
	if names := userNames(page); names != "app-3" || page.body["IsTruncated"] != false {
		t.Fatalf("second page: %s", page.raw)
	}
	if got := strings.Join(srv.RAMUsers(alice.ID), " "); got != strings.Repeat("a", 64)+" app-1 app-3" {
		t.Errorf("RAMUsers = %s", got)
	}

	// A user with a key or a policy cannot be deleted.
	k := admin.call("CreateAccessKey", "UserName", "app-1").ok(t).str("AccessKey", "AccessKeyId")
	admin.call("DeleteUser", "UserName", "app-1").fails(t, 409, "DeleteConflict.User.AccessKey")
	admin.call("DeleteAccessKey", "UserName", "app-1", "UserAccessKeyId", k).ok(t)
	admin.call("AttachPolicyToUser", "PolicyType", "System", "PolicyName", "AliyunOSSReadOnlyAccess", "UserName", "app-1").ok(t)
	admin.call("DeleteUser", "UserName", "app-1").fails(t, 409, "DeleteConflict.User.Policy")
	admin.call("DetachPolicyFromUser", "PolicyType", "System", "PolicyName", "AliyunOSSReadOnlyAccess", "UserName", "app-1").ok(t)
	admin.call("DeleteUser", "UserName", "app-1").ok(t)
	admin.call("DeleteUser", "UserName", "app-1").fails(t, 404, "EntityNotExist.User")
}

func userNames(a answer) string {
	var out []string
	for _, u := range a.list("Users", "User") {
		out = append(out, fmt.Sprint(u["UserName"]))
	}
	return strings.Join(out, " ")
}

func TestRAMAccessKeys(t *testing.T) {
	t.Parallel()
	srv := newServer(t)
	admin := newRPC(t, srv, aliceKey)
	admin.call("CreateUser", "UserName", "app").ok(t)

	var ids []string
	for range 2 {
		a := admin.call("CreateAccessKey", "UserName", "app").ok(t)
		id, secret := a.str("AccessKey", "AccessKeyId"), a.str("AccessKey", "AccessKeySecret")
		if len(id) != 24 || !strings.HasPrefix(id, "LTAI") || len(secret) != 30 || a.str("AccessKey", "Status") != "Active" ||
			a.str("AccessKey", "CreateDate") == "" {
			t.Fatalf("CreateAccessKey: %s", a.raw)
		}
		ids = append(ids, id)
	}
	admin.call("CreateAccessKey", "UserName", "app").fails(t, 409, "LimitExceeded.User.AccessKey")
	admin.call("CreateAccessKey", "UserName", "nobody").fails(t, 404, "EntityNotExist.User")

	a := admin.call("ListAccessKeys", "UserName", "app").ok(t)
	keys := a.list("AccessKeys", "AccessKey")
	if len(keys) != 2 || keys[0]["AccessKeyId"] != ids[0] || keys[1]["AccessKeyId"] != ids[1] || keys[0]["Status"] != "Active" {
		t.Fatalf("ListAccessKeys: %s", a.raw)
	}
	if strings.Contains(a.raw, "AccessKeySecret") {
		t.Errorf("ListAccessKeys shows a secret: %s", a.raw)
	}

	admin.call("UpdateAccessKey", "UserName", "app", "UserAccessKeyId", ids[0], "Status", "Inactive").ok(t)
	admin.call("UpdateAccessKey", "UserName", "app", "UserAccessKeyId", ids[0], "Status", "Disabled").fails(t, 400, "InvalidParameter.Status")
	admin.call("UpdateAccessKey", "UserName", "app", "UserAccessKeyId", "LTAInone", "Status", "Active").fails(t, 404, "EntityNotExist.User.AccessKey")
	if got := srv.RAMAccessKeys(alice.ID, "app"); len(got) != 2 || got[0].Status != "Inactive" || got[1].Status != "Active" || got[0].Created.IsZero() {
		t.Errorf("RAMAccessKeys = %+v", got)
	}

	admin.call("DeleteAccessKey", "UserName", "app", "UserAccessKeyId", ids[0]).ok(t)
	admin.call("DeleteAccessKey", "UserName", "app", "UserAccessKeyId", ids[0]).fails(t, 404, "EntityNotExist.User.AccessKey")
	// Rotation: a second key again once one is deleted.
	admin.call("CreateAccessKey", "UserName", "app").ok(t)
	if got := srv.RAMAccessKeys(alice.ID, "app"); len(got) != 2 || got[0].ID != ids[1] {
		t.Errorf("after rotation: %+v", got)
	}
}

func TestRAMPolicies(t *testing.T) {
	t.Parallel()
	srv := newServer(t)
	admin := newRPC(t, srv, aliceKey)

	a := admin.call("CreatePolicy", "PolicyName", "app-b1", "PolicyDocument", appPolicy, "Description", "app on b1").ok(t)
	if a.str("Policy", "PolicyName") != "app-b1" || a.str("Policy", "PolicyType") != "Custom" ||
		a.str("Policy", "DefaultVersion") != "v1" || a.str("Policy", "Description") != "app on b1" || a.str("Policy", "CreateDate") == "" {
		t.Fatalf("CreatePolicy: %s", a.raw)
	}
	admin.call("CreatePolicy", "PolicyName", "app-b1", "PolicyDocument", appPolicy).fails(t, 409, "EntityAlreadyExists.Policy")
	admin.call("CreatePolicy", "PolicyName", "app_b1", "PolicyDocument", appPolicy).fails(t, 400, "InvalidParameter.PolicyName.InvalidChars")
	admin.call("CreatePolicy", "PolicyName", strings.Repeat("p", 129), "PolicyDocument", appPolicy).fails(t, 400, "InvalidParameter.PolicyName.Length")
	admin.call("CreatePolicy", "PolicyName", "p", "PolicyDocument", appPolicy, "Description", strings.Repeat("d", 1025)).
		fails(t, 400, "InvalidParameter.Description.Length")

	a = admin.call("GetPolicy", "PolicyName", "app-b1", "PolicyType", "Custom").ok(t)
	if a.str("Policy", "DefaultVersion") != "v1" || a.str("DefaultPolicyVersion", "VersionId") != "v1" ||
		a.str("DefaultPolicyVersion", "PolicyDocument") != appPolicy || a.body["DefaultPolicyVersion"].(map[string]any)["IsDefaultVersion"] != true {
		t.Fatalf("GetPolicy: %s", a.raw)
	}
	admin.call("GetPolicy", "PolicyName", "app-b1").fails(t, 400, "MissingPolicyType")
	admin.call("GetPolicy", "PolicyName", "app-b1", "PolicyType", "Managed").fails(t, 400, "InvalidParameter.PolicyType")
	admin.call("GetPolicy", "PolicyName", "nope", "PolicyType", "Custom").fails(t, 404, "EntityNotExist.Policy")
	a = admin.call("GetPolicy", "PolicyName", "AliyunOSSFullAccess", "PolicyType", "System").ok(t)
	if !strings.Contains(a.str("DefaultPolicyVersion", "PolicyDocument"), `"oss:*"`) || a.str("Policy", "PolicyType") != "System" {
		t.Errorf("GetPolicy of a system policy: %s", a.raw)
	}

	// Versions: five at most; SetAsDefault; the oldest non-default one rotated out on request.
	for i := 2; i <= 5; i++ {
		a := admin.call("CreatePolicyVersion", "PolicyName", "app-b1", "PolicyDocument", appPolicy, "SetAsDefault", fmt.Sprint(i == 3)).ok(t)
		if a.str("PolicyVersion", "VersionId") != fmt.Sprintf("v%d", i) {
			t.Fatalf("CreatePolicyVersion: %s", a.raw)
		}
	}
	admin.call("CreatePolicyVersion", "PolicyName", "app-b1", "PolicyDocument", appPolicy).fails(t, 409, "LimitExceeded.Policy.Version")
	a = admin.call("CreatePolicyVersion", "PolicyName", "app-b1", "PolicyDocument", appPolicy, "SetAsDefault", "true",
		"RotateStrategy", "DeleteOldestNonDefaultVersionWhenLimitExceeded").ok(t)
	if a.str("PolicyVersion", "VersionId") != "v6" || a.body["PolicyVersion"].(map[string]any)["IsDefaultVersion"] != true {
		t.Fatalf("rotated CreatePolicyVersion: %s", a.raw)
	}
	if got := versionIDs(admin.call("ListPolicyVersions", "PolicyName", "app-b1", "PolicyType", "Custom").ok(t)); got != "v2 v3 v4 v5 v6*" {
		t.Fatalf("versions after rotation: %s", got)
	}
	admin.call("GetPolicyVersion", "PolicyName", "app-b1", "PolicyType", "Custom", "VersionId", "v1").fails(t, 404, "EntityNotExist.Policy.Version")
	admin.call("GetPolicyVersion", "PolicyName", "app-b1", "PolicyType", "Custom", "VersionId", "1").fails(t, 400, "InvalidParameter.VersionId.Format")
	if a := admin.call("GetPolicyVersion", "PolicyName", "app-b1", "PolicyType", "Custom", "VersionId", "v3").ok(t); a.str("PolicyVersion", "PolicyDocument") != appPolicy {
		t.Errorf("GetPolicyVersion: %s", a.raw)
	}
	admin.call("SetDefaultPolicyVersion", "PolicyName", "app-b1", "VersionId", "v2").ok(t)
	admin.call("SetDefaultPolicyVersion", "PolicyName", "app-b1", "VersionId", "v9").fails(t, 404, "EntityNotExist.Policy.Version")
	admin.call("DeletePolicyVersion", "PolicyName", "app-b1", "VersionId", "v2").fails(t, 409, "DeleteConflict.Policy.Version.Default")

	// Deleting: not while attached, not while other versions remain.
	admin.call("CreateUser", "UserName", "app").ok(t)
	admin.call("AttachPolicyToUser", "PolicyType", "Custom", "PolicyName", "app-b1", "UserName", "app").ok(t)
	admin.call("AttachPolicyToUser", "PolicyType", "Custom", "PolicyName", "app-b1", "UserName", "app").fails(t, 409, "EntityAlreadyExists.User.Policy")
	admin.call("AttachPolicyToUser", "PolicyType", "Custom", "PolicyName", "nope", "UserName", "app").fails(t, 404, "EntityNotExist.Policy")
	admin.call("AttachPolicyToUser", "PolicyType", "System", "PolicyName", "NoSuchSystemPolicy", "UserName", "app").fails(t, 404, "EntityNotExist.Policy")
	admin.call("AttachPolicyToUser", "PolicyType", "System", "PolicyName", "AliyunOSSReadOnlyAccess", "UserName", "app").ok(t)
	a = admin.call("ListPoliciesForUser", "UserName", "app").ok(t)
	if ps := a.list("Policies", "Policy"); len(ps) != 2 || ps[0]["PolicyName"] != "app-b1" || ps[0]["PolicyType"] != "Custom" ||
		ps[0]["DefaultVersion"] != "v2" || ps[0]["AttachDate"] == "" || ps[1]["PolicyType"] != "System" {
		t.Fatalf("ListPoliciesForUser: %s", a.raw)
	}
	if a := admin.call("GetPolicy", "PolicyName", "app-b1", "PolicyType", "Custom").ok(t); a.body["Policy"].(map[string]any)["AttachmentCount"] != float64(1) {
		t.Errorf("AttachmentCount: %s", a.raw)
	}
	admin.call("DeletePolicy", "PolicyName", "app-b1").fails(t, 409, "DeleteConflict.Policy.User")
	admin.call("DetachPolicyFromUser", "PolicyType", "Custom", "PolicyName", "app-b1", "UserName", "app").ok(t)
	admin.call("DetachPolicyFromUser", "PolicyType", "Custom", "PolicyName", "app-b1", "UserName", "app").fails(t, 404, "EntityNotExist.User.Policy")
	admin.call("DeletePolicy", "PolicyName", "app-b1").fails(t, 409, "DeleteConflict.Policy.Version")
	for _, v := range []string{"v3", "v4", "v5", "v6"} {
		admin.call("DeletePolicyVersion", "PolicyName", "app-b1", "VersionId", v).ok(t)
	}
	if got := srv.RAMPolicies(alice.ID); len(got) != 1 || got[0] != "app-b1" {
		t.Errorf("RAMPolicies = %v", got)
	}
	admin.call("DeletePolicy", "PolicyName", "app-b1").ok(t)
	admin.call("DeletePolicy", "PolicyName", "app-b1").fails(t, 404, "EntityNotExist.Policy")
	if got := srv.RAMAttachedPolicies(alice.ID, "app"); len(got) != 1 || got[0] != (osstest.RAMAttachment{PolicyType: "System", PolicyName: "AliyunOSSReadOnlyAccess"}) {
		t.Errorf("RAMAttachedPolicies = %+v", got)
	}
}

// A user may have five custom policies attached at most.
func TestRAMAttachLimit(t *testing.T) {
	t.Parallel()
	srv := newServer(t)
	admin := newRPC(t, srv, aliceKey)
	admin.call("CreateUser", "UserName", "app").ok(t)
	for i := range 6 {
		name := fmt.Sprintf("p%d", i)
		admin.call("CreatePolicy", "PolicyName", name, "PolicyDocument", appPolicy).ok(t)
		a := admin.call("AttachPolicyToUser", "PolicyType", "Custom", "PolicyName", name, "UserName", "app")
		if i < 5 {
			a.ok(t)
		} else {
			a.fails(t, 409, "LimitExceeded.User.Policy")
		}
	}
}

func versionIDs(a answer) string {
	var out []string
	for _, v := range a.list("PolicyVersions", "PolicyVersion") {
		id := fmt.Sprint(v["VersionId"])
		if v["IsDefaultVersion"] == true {
			id += "*"
		}
		out = append(out, id)
	}
	return strings.Join(out, " ")
}

// Policy documents: RAM's grammar, and the size limit (2048 by default, WithPolicyDocumentLimit).
func TestRAMPolicyDocuments(t *testing.T) {
	t.Parallel()
	srv := newServer(t)
	admin := newRPC(t, srv, aliceKey)
	for _, tc := range []struct {
		name, doc string
	}{
		{"not JSON", `{"Version":"1",`},
		{"trailing data", appPolicy + `{}`},
		{"no version", `{"Statement":[{"Effect":"Allow","Action":"oss:*","Resource":"*"}]}`},
		{"version 2", `{"Version":"2","Statement":[{"Effect":"Allow","Action":"oss:*","Resource":"*"}]}`},
		{"unknown top element", `{"Version":"1","Id":"x","Statement":[{"Effect":"Allow","Action":"oss:*","Resource":"*"}]}`},
		{"empty statement", `{"Version":"1","Statement":[]}`},
		{"effect", `{"Version":"1","Statement":[{"Effect":"allow","Action":"oss:*","Resource":"*"}]}`},
		{"no action", `{"Version":"1","Statement":[{"Effect":"Allow","Resource":"*"}]}`},
		{"action without service", `{"Version":"1","Statement":[{"Effect":"Allow","Action":"GetObject","Resource":"*"}]}`},
		{"no resource", `{"Version":"1","Statement":[{"Effect":"Allow","Action":"oss:*"}]}`},
		{"bad resource", `{"Version":"1","Statement":[{"Effect":"Allow","Action":"oss:*","Resource":"b1/*"}]}`},
		{"principal", `{"Version":"1","Statement":[{"Effect":"Allow","Action":"oss:*","Resource":"*","Principal":["*"]}]}`},
		{"NotAction", `{"Version":"1","Statement":[{"Effect":"Allow","NotAction":"oss:*","Resource":"*"}]}`},
		{"unknown condition operator", `{"Version":"1","Statement":[{"Effect":"Allow","Action":"oss:*","Resource":"*","Condition":{"StringSortOf":{"oss:Prefix":"a"}}}]}`},
		{"unsupported condition operator", `{"Version":"1","Statement":[{"Effect":"Allow","Action":"oss:*","Resource":"*","Condition":{"IpAddress":{"acs:SourceIp":"10.0.0.0/8"}}}]}`},
	} {
		t.Run(tc.name, func(t *testing.T) {
			a := admin.call("CreatePolicy", "PolicyName", "p", "PolicyDocument", tc.doc).fails(t, 400, "MalformedPolicyDocument")
			if strings.Contains(a.str("Message"), "%!") {
				t.Errorf("message %q", a.str("Message"))
			}
		})
	}

	padded := func(n int) string { // a valid document of exactly n bytes
		base := `{"Version":"1","Statement":[{"Effect":"Allow","Action":"oss:GetObject","Resource":"acs:oss:*:*:b1/"}]}`
		return strings.Replace(base, `b1/"`, "b1/"+strings.Repeat("x", n-len(base))+`"`, 1)
	}
	admin.call("CreatePolicy", "PolicyName", "max", "PolicyDocument", padded(2048)).ok(t)
	admin.call("CreatePolicy", "PolicyName", "over", "PolicyDocument", padded(2049)).fails(t, 400, "InvalidParameter.PolicyDocument.Length")
	admin.call("CreatePolicyVersion", "PolicyName", "max", "PolicyDocument", padded(2049)).fails(t, 400, "InvalidParameter.PolicyDocument.Length")

	big := newServer(t, osstest.WithPolicyDocumentLimit(6144))
	bigAdmin := newRPC(t, big, aliceKey)
	bigAdmin.method = http.MethodPost
	bigAdmin.call("CreatePolicy", "PolicyName", "max", "PolicyDocument", padded(6144)).ok(t)
	bigAdmin.call("CreatePolicy", "PolicyName", "over", "PolicyDocument", padded(6145)).fails(t, 400, "InvalidParameter.PolicyDocument.Length")
	if doc, ok := big.RAMPolicyDocument(alice.ID, "max"); !ok || len(doc) != 6144 {
		t.Errorf("RAMPolicyDocument: %d bytes, %v", len(doc), ok)
	}
}

// Who may call RAM: the account's keys everything, a RAM user what its policies allow.
func TestRAMAuthorization(t *testing.T) {
	t.Parallel()
	srv := newServer(t)
	admin := newRPC(t, srv, aliceKey)
	noRights := newRPC(t, srv, ramUserWithKey(t, admin, "no-rights", nil))
	noRights.call("ListUsers").fails(t, 403, "NoPermission")
	noRights.call("CreateUser", "UserName", "x").fails(t, 403, "NoPermission")

	full := newRPC(t, srv, ramUserWithKey(t, admin, "ram-admin", map[string]string{"System:AliyunRAMFullAccess": ""}))
	full.call("CreateUser", "UserName", "made-by-a-user").ok(t)
	full.call("ListUsers").ok(t)

	// Scoped: may manage users app-* and their keys, and read policies.
	issuer := newRPC(t, srv, ramUserWithKey(t, admin, "issuer", map[string]string{"issuer": `{"Version":"1","Statement":[
		{"Effect":"Allow","Action":["ram:CreateUser","ram:GetUser","ram:CreateAccessKey","ram:AttachPolicyToUser"],"Resource":"acs:ram:*:*:user/app-*"},
		{"Effect":"Allow","Action":["ram:AttachPolicyToUser","ram:Get*"],"Resource":"acs:ram::` + alice.ID + `:policy/*"},
		{"Effect":"Deny","Action":"ram:CreateAccessKey","Resource":"acs:ram:*:*:user/app-locked"}]}`}))
	issuer.call("CreateUser", "UserName", "app-1").ok(t)
	issuer.call("CreateUser", "UserName", "web-1").fails(t, 403, "NoPermission")
	issuer.call("CreateAccessKey", "UserName", "app-1").ok(t)
	issuer.call("CreateUser", "UserName", "app-locked").ok(t)
	a := issuer.call("CreateAccessKey", "UserName", "app-locked").fails(t, 403, "NoPermission")
	if !strings.Contains(a.str("Message"), "ram:CreateAccessKey") {
		t.Errorf("message %q", a.str("Message"))
	}
	issuer.call("GetPolicy", "PolicyName", "issuer", "PolicyType", "Custom").ok(t)
	issuer.call("DeletePolicy", "PolicyName", "issuer").fails(t, 403, "NoPermission")
	// AttachPolicyToUser needs the user and the policy.
	issuer.call("AttachPolicyToUser", "PolicyType", "Custom", "PolicyName", "issuer", "UserName", "app-1").ok(t)
	issuer.call("AttachPolicyToUser", "PolicyType", "System", "PolicyName", "AliyunOSSFullAccess", "UserName", "app-1").fails(t, 403, "NoPermission")

	// An inactive key cannot call RAM; an active one again can.
	keys := srv.RAMAccessKeys(alice.ID, "ram-admin")
	admin.call("UpdateAccessKey", "UserName", "ram-admin", "UserAccessKeyId", keys[0].ID, "Status", "Inactive").ok(t)
	full.call("ListUsers").fails(t, 400, "InvalidAccessKeyId.Inactive")
	admin.call("UpdateAccessKey", "UserName", "ram-admin", "UserAccessKeyId", keys[0].ID, "Status", "Active").ok(t)
	full.call("ListUsers").ok(t)
	admin.call("DeleteAccessKey", "UserName", "ram-admin", "UserAccessKeyId", keys[0].ID).ok(t)
	full.call("ListUsers").fails(t, 404, "InvalidAccessKeyId.NotFound")
}

// RAM calls are counted per action and can be faulted like OSS operations.
func TestRAMCountersAndFaults(t *testing.T) {
	t.Parallel()
	srv := newServer(t)
	admin := newRPC(t, srv, aliceKey)
	admin.call("CreateUser", "UserName", "app").ok(t)
	id := admin.call("CreateAccessKey", "UserName", "app").ok(t).str("AccessKey", "AccessKeyId")

	remove := srv.InjectFault(osstest.Fault{Operation: "DeleteAccessKey", Status: http.StatusServiceUnavailable, Count: 1})
	defer remove()
	admin.call("DeleteAccessKey", "UserName", "app", "UserAccessKeyId", id).fails(t, 503, "ServiceUnavailable")
	if got := srv.RAMAccessKeys(alice.ID, "app"); len(got) != 1 {
		t.Fatalf("a faulted DeleteAccessKey deleted the key: %+v", got)
	}
	admin.call("DeleteAccessKey", "UserName", "app", "UserAccessKeyId", id).ok(t)
	newRPC(t, srv, bobKey).call("GetUser", "UserName", "app").fails(t, 404, "EntityNotExist.User")

	if srv.Calls("DeleteAccessKey") != 2 || srv.Succeeded("DeleteAccessKey") != 1 || srv.CallsBy(alice.ID, "CreateUser") != 1 ||
		srv.CallsBy(bob.ID, "GetUser") != 1 || srv.Calls("CreateAccessKey") != 1 {
		t.Errorf("counters: %v", srv.CallCounts())
	}
	if len(osstest.RAMActions()) != 20 {
		t.Errorf("RAMActions = %v", osstest.RAMActions())
	}
}

func TestRAMLogNeverShowsSecrets(t *testing.T) {
	t.Parallel()
	var mu sync.Mutex
	var logs strings.Builder
	log := funcr.New(func(prefix, args string) {
		mu.Lock()
		defer mu.Unlock()
		fmt.Fprintln(&logs, prefix, args)
	}, funcr.Options{})
	srv := newServer(t, osstest.WithLogger(log))
	admin := newRPC(t, srv, aliceKey)
	k := ramUserWithKey(t, admin, "app", map[string]string{"System:AliyunRAMReadOnlyAccess": ""})
	newRPC(t, srv, k).call("ListUsers").ok(t)
	newRPC(t, srv, k).call("CreateUser", "UserName", "x").fails(t, 403, "NoPermission")
	newRPC(t, srv, aliceSTS).call("ListUsers").ok(t)
	newRPC(t, srv, osstest.Key{AccessKeyID: aliceKey.AccessKeyID, AccessKeySecret: "wrong-secret"}).call("ListUsers").fails(t, 400, "SignatureDoesNotMatch")
	mu.Lock()
	defer mu.Unlock()
	out := logs.String()
	for _, want := range []string{`"action"="ListUsers"`, `"user"="app"`, `"code"="NoPermission"`, `"code"="SignatureDoesNotMatch"`, `"requestId"=`} {
		if !strings.Contains(out, want) {
			t.Errorf("the log lacks %s:\n%s", want, out)
		}
	}
	for _, secret := range []string{aliceKey.AccessKeySecret, aliceSTS.AccessKeySecret, aliceSTS.SecurityToken, k.AccessKeySecret,
		"wrong-secret", "Signature=", "string to sign"} {
		if strings.Contains(out, secret) {
			t.Errorf("the log contains %q:\n%s", secret, out)
		}
	}
}
