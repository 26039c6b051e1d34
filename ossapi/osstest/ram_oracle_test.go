package osstest_test

import (
	"errors"
	"net/http"
	"net/url"
	"sync"
	"testing"

	sdkerrors "github.com/aliyun/alibaba-cloud-sdk-go/sdk/errors"
	"github.com/aliyun/alibaba-cloud-sdk-go/sdk/requests"
	"github.com/aliyun/alibaba-cloud-sdk-go/services/ram"

	"github.com/ossoperator/oss-operator/ossapi/osstest"
)

// The official RAM client (alibaba-cloud-sdk-go services/ram) is the oracle for the emulated RAM: it
// signs as Alibaba Cloud's own tools do, and must decode every answer into the values that were sent.

// sdkInit serializes the creation of SDK clients: the SDK fills a package-level endpoint map lazily,
// without a lock.
var sdkInit sync.Mutex

// ramOracle is an SDK client for the emulator's RAM, signing with k.
func ramOracle(t *testing.T, srv *osstest.Server, k osstest.Key) (*ram.Client, func(requests.AcsRequest)) {
	t.Helper()
	sdkInit.Lock()
	defer sdkInit.Unlock()
	var c *ram.Client
	var err error
	if k.SecurityToken != "" {
		c, err = ram.NewClientWithStsToken("cn-hangzhou", k.AccessKeyID, k.AccessKeySecret, k.SecurityToken)
	} else {
		c, err = ram.NewClientWithAccessKey("cn-hangzhou", k.AccessKeyID, k.AccessKeySecret)
	}
	if err != nil {
		t.Fatal(err)
	}
	u, err := url.Parse(srv.RAMURL)
	must(t, err)
	return c, func(r requests.AcsRequest) {
		r.SetDomain(u.Host)
		r.SetScheme("http")
	}
}

// sdkError asserts that err is the SDK's server error with the status and code.
func sdkError(t *testing.T, err error, status int, code string) *sdkerrors.ServerError {
	t.Helper()
	var se *sdkerrors.ServerError
	if !errors.As(err, &se) {
		t.Fatalf("got %T %v, want a server error %d %s", err, err, status, code)
	}
	if se.HttpStatus() != status || se.ErrorCode() != code || se.RequestId() == "" || se.HostId() != "ram.aliyuncs.com" {
		t.Fatalf("got %d %s (request %q, host %q): %s; want %d %s", se.HttpStatus(), se.ErrorCode(), se.RequestId(),
			se.HostId(), se.Message(), status, code)
	}
	return se
}

func TestRAMSDKOracle(t *testing.T) {
	for _, k := range []osstest.Key{aliceKey, aliceSTS} {
		t.Run(k.AccessKeyID, func(t *testing.T) {
			t.Parallel()
			srv := newServer(t)
			c, at := ramOracle(t, srv, k)

			cu := ram.CreateCreateUserRequest()
			cu.UserName, cu.DisplayName, cu.Comments = "app-1", "App 1", "made by the SDK"
			at(cu)
			cur, err := c.CreateUser(cu)
			must(t, err)
			if cur.User.UserName != "app-1" || cur.User.DisplayName != "App 1" || cur.User.Comments != "made by the SDK" ||
				cur.User.UserId == "" || cur.User.CreateDate == "" || cur.RequestId == "" {
				t.Fatalf("CreateUser: %+v", cur)
			}
			_, err = c.CreateUser(cu)
			sdkError(t, err, http.StatusConflict, "EntityAlreadyExists.User")

			gu := ram.CreateGetUserRequest()
			gu.UserName = "app-1"
			at(gu)
			gur, err := c.GetUser(gu)
			must(t, err)
			if gur.User.UserId != cur.User.UserId {
				t.Errorf("GetUser: %+v", gur.User)
			}
			uu := ram.CreateUpdateUserRequest()
			uu.UserName, uu.NewComments = "app-1", "updated"
			at(uu)
			uur, err := c.UpdateUser(uu)
			must(t, err)
			if uur.User.Comments != "updated" {
				t.Errorf("UpdateUser: %+v", uur.User)
			}
			lu := ram.CreateListUsersRequest()
			lu.MaxItems = requests.NewInteger(10)
			at(lu)
			lur, err := c.ListUsers(lu)
			must(t, err)
			if len(lur.Users.User) != 1 || lur.Users.User[0].UserName != "app-1" || lur.IsTruncated {
				t.Errorf("ListUsers: %+v", lur)
			}

			// Policies and versions.
			cp := ram.CreateCreatePolicyRequest()
			cp.PolicyName, cp.PolicyDocument, cp.Description = "app-1-b1", appPolicy, "app 1 on b1"
			at(cp)
			cpr, err := c.CreatePolicy(cp)
			must(t, err)
			if cpr.Policy.PolicyName != "app-1-b1" || cpr.Policy.PolicyType != "Custom" || cpr.Policy.DefaultVersion != "v1" {
				t.Fatalf("CreatePolicy: %+v", cpr.Policy)
			}
			cv := ram.CreateCreatePolicyVersionRequest()
			cv.PolicyName, cv.PolicyDocument, cv.SetAsDefault = "app-1-b1", appPolicy, requests.NewBoolean(true)
			at(cv)
			cvr, err := c.CreatePolicyVersion(cv)
			must(t, err)
			if cvr.PolicyVersion.VersionId != "v2" || !cvr.PolicyVersion.IsDefaultVersion {
				t.Fatalf("CreatePolicyVersion: %+v", cvr.PolicyVersion)
			}
			gp := ram.CreateGetPolicyRequest()
			gp.PolicyName, gp.PolicyType = "app-1-b1", "Custom"
			at(gp)
			gpr, err := c.GetPolicy(gp)
			must(t, err)
			if gpr.Policy.DefaultVersion != "v2" || gpr.DefaultPolicyVersion.VersionId != "v2" ||
				gpr.DefaultPolicyVersion.PolicyDocument != appPolicy || !gpr.DefaultPolicyVersion.IsDefaultVersion ||
				gpr.Policy.Description != "app 1 on b1" {
				t.Fatalf("GetPolicy: %+v", gpr)
			}
			lv := ram.CreateListPolicyVersionsRequest()
			lv.PolicyName, lv.PolicyType = "app-1-b1", "Custom"
			at(lv)
			lvr, err := c.ListPolicyVersions(lv)
			must(t, err)
			if len(lvr.PolicyVersions.PolicyVersion) != 2 || lvr.PolicyVersions.PolicyVersion[0].IsDefaultVersion ||
				!lvr.PolicyVersions.PolicyVersion[1].IsDefaultVersion {
				t.Fatalf("ListPolicyVersions: %+v", lvr.PolicyVersions)
			}
			gv := ram.CreateGetPolicyVersionRequest()
			gv.PolicyName, gv.PolicyType, gv.VersionId = "app-1-b1", "Custom", "v1"
			at(gv)
			gvr, err := c.GetPolicyVersion(gv)
			must(t, err)
			if gvr.PolicyVersion.PolicyDocument != appPolicy || gvr.PolicyVersion.IsDefaultVersion {
				t.Fatalf("GetPolicyVersion: %+v", gvr.PolicyVersion)
			}
			sd := ram.CreateSetDefaultPolicyVersionRequest()
			sd.PolicyName, sd.VersionId = "app-1-b1", "v1"
			at(sd)
			_, err = c.SetDefaultPolicyVersion(sd)
			must(t, err)
			dv := ram.CreateDeletePolicyVersionRequest()
			dv.PolicyName, dv.VersionId = "app-1-b1", "v1"
			at(dv)
			_, err = c.DeletePolicyVersion(dv)
			sdkError(t, err, http.StatusConflict, "DeleteConflict.Policy.Version.Default")
			dv.VersionId = "v2"
			_, err = c.DeletePolicyVersion(dv)
			must(t, err)

			ap := ram.CreateAttachPolicyToUserRequest()
			ap.PolicyType, ap.PolicyName, ap.UserName = "Custom", "app-1-b1", "app-1"
			at(ap)
			_, err = c.AttachPolicyToUser(ap)
			must(t, err)
			_, err = c.AttachPolicyToUser(ap)
			sdkError(t, err, http.StatusConflict, "EntityAlreadyExists.User.Policy")
			lp := ram.CreateListPoliciesForUserRequest()
			lp.UserName = "app-1"
			at(lp)
			lpr, err := c.ListPoliciesForUser(lp)
			must(t, err)
			if len(lpr.Policies.Policy) != 1 || lpr.Policies.Policy[0].PolicyName != "app-1-b1" ||
				lpr.Policies.Policy[0].DefaultVersion != "v1" || lpr.Policies.Policy[0].AttachDate == "" {
				t.Fatalf("ListPoliciesForUser: %+v", lpr.Policies)
			}

			// AccessKeys: two, then the limit; rotation.
			var issued []ram.AccessKey
			for range 2 {
				ck := ram.CreateCreateAccessKeyRequest()
				ck.UserName = "app-1"
				at(ck)
				ckr, err := c.CreateAccessKey(ck)
				must(t, err)
				if ckr.AccessKey.AccessKeyId == "" || len(ckr.AccessKey.AccessKeySecret) != 30 || ckr.AccessKey.Status != "Active" {
					t.Fatalf("CreateAccessKey: status %s, id %q", ckr.AccessKey.Status, ckr.AccessKey.AccessKeyId)
				}
				issued = append(issued, ckr.AccessKey)
			}
			ck := ram.CreateCreateAccessKeyRequest()
			ck.UserName = "app-1"
			at(ck)
			_, err = c.CreateAccessKey(ck)
			sdkError(t, err, http.StatusConflict, "LimitExceeded.User.AccessKey")

			// The issued key signs for the SDK too: the user may not call RAM.
			userClient, userAt := ramOracle(t, srv, osstest.Key{AccessKeyID: issued[0].AccessKeyId, AccessKeySecret: issued[0].AccessKeySecret})
			lu2 := ram.CreateListUsersRequest()
			userAt(lu2)
			_, err = userClient.ListUsers(lu2)
			sdkError(t, err, http.StatusForbidden, "NoPermission")

			uk := ram.CreateUpdateAccessKeyRequest()
			uk.UserName, uk.UserAccessKeyId, uk.Status = "app-1", issued[0].AccessKeyId, "Inactive"
			at(uk)
			_, err = c.UpdateAccessKey(uk)
			must(t, err)
			lk := ram.CreateListAccessKeysRequest()
			lk.UserName = "app-1"
			at(lk)
			lkr, err := c.ListAccessKeys(lk)
			must(t, err)
			if got := lkr.AccessKeys.AccessKey; len(got) != 2 || got[0].AccessKeyId != issued[0].AccessKeyId || got[0].Status != "Inactive" ||
				got[1].Status != "Active" || got[0].AccessKeySecret != "" || got[0].CreateDate == "" {
				t.Fatalf("ListAccessKeys: %+v", got)
			}
			_, err = userClient.ListUsers(lu2)
			sdkError(t, err, http.StatusBadRequest, "InvalidAccessKeyId.Inactive")

			du := ram.CreateDeleteUserRequest()
			du.UserName = "app-1"
			at(du)
			_, err = c.DeleteUser(du)
			sdkError(t, err, http.StatusConflict, "DeleteConflict.User.AccessKey")
			for _, k := range issued {
				dk := ram.CreateDeleteAccessKeyRequest()
				dk.UserName, dk.UserAccessKeyId = "app-1", k.AccessKeyId
				at(dk)
				_, err = c.DeleteAccessKey(dk)
				must(t, err)
			}
			_, err = c.DeleteUser(du)
			sdkError(t, err, http.StatusConflict, "DeleteConflict.User.Policy")
			dp := ram.CreateDetachPolicyFromUserRequest()
			dp.PolicyType, dp.PolicyName, dp.UserName = "Custom", "app-1-b1", "app-1"
			at(dp)
			_, err = c.DetachPolicyFromUser(dp)
			must(t, err)
			_, err = c.DeleteUser(du)
			must(t, err)
			dpol := ram.CreateDeletePolicyRequest()
			dpol.PolicyName = "app-1-b1"
			at(dpol)
			_, err = c.DeletePolicy(dpol)
			must(t, err)
			_, err = c.GetUser(gu)
			sdkError(t, err, http.StatusNotFound, "EntityNotExist.User")
			if len(srv.RAMUsers(alice.ID)) != 0 || len(srv.RAMPolicies(alice.ID)) != 0 {
				t.Errorf("left: users %v, policies %v", srv.RAMUsers(alice.ID), srv.RAMPolicies(alice.ID))
			}
			// Every action the emulator serves went through the SDK.
			for _, a := range osstest.RAMActions() {
				if srv.Succeeded(a) == 0 {
					t.Errorf("the SDK never called %s successfully", a)
				}
			}
		})
	}
}

// The SDK's errors for a wrong secret and an unknown key decode, Code and all.
func TestRAMSDKOracleErrors(t *testing.T) {
	t.Parallel()
	srv := newServer(t)
	c, at := ramOracle(t, srv, osstest.Key{AccessKeyID: aliceKey.AccessKeyID, AccessKeySecret: "wrong"})
	r := ram.CreateListUsersRequest()
	at(r)
	_, err := c.ListUsers(r)
	sdkError(t, err, http.StatusBadRequest, "SignatureDoesNotMatch")
	c, at = ramOracle(t, srv, osstest.Key{AccessKeyID: "LTAInobody", AccessKeySecret: "x"})
	r = ram.CreateListUsersRequest()
	at(r)
	_, err = c.ListUsers(r)
	sdkError(t, err, http.StatusNotFound, "InvalidAccessKeyId.NotFound")
}
