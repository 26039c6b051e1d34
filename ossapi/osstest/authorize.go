package osstest

import (
	"encoding/xml"
	"net/http"
	"net/url"
	"strings"

	"github.com/ossoperator/oss-operator/ossapi"
)

// OSS authorization of RAM users. An account's own keys have every right on the account's buckets, as
// before; a RAM user's key has none unless the policies attached to the user allow the operation's RAM
// action (OSS "Grant access to OSS by using RAM policies", "OSS Action classification") on its resource:
//
//	acs:oss:<region>:<account>:*               ListBuckets
//	acs:oss:<region>:<account>:<bucket>        bucket operations
//	acs:oss:<region>:<account>:<bucket>/<key>  object operations
//
// (ListBuckets is checked with region "*", as the brief of the RAM emulator asks; a policy's Resource
// "acs:oss:*:*:*" or "*" matches either way.) An explicit Deny wins. Bucket policies are not
// evaluated: a RAM user has no right on another account's bucket.
//
// Requests that reach no bucket of the caller are left to the operation: a missing bucket is still 404
// NoSuchBucket and another account's bucket 403 AccessDenied, as for the account itself.

// ossActionNames are the RAM actions whose name is not "oss:" + the operation's name. Operations the
// emulator serves on another branch are named by string here (UploadPart, CompleteMultipartUpload,
// ListParts, CopyObject).
var ossActionNames = map[string]string{
	OpListObjects:                    "oss:ListObjects",
	ossapi.OpListObjectsV2:           "oss:ListObjects",
	OpHeadObject:                     "oss:GetObject",
	ossapi.OpInitiateMultipartUpload: "oss:PutObject",
	"UploadPart":                     "oss:PutObject",
	"CompleteMultipartUpload":        "oss:PutObject",
	"CopyObject":                     "oss:PutObject", // and oss:GetObject on the source
	ossapi.OpDeleteMultipleObjects:   "oss:DeleteObject",
	ossapi.OpPutBucketTags:           "oss:PutBucketTagging",
	ossapi.OpGetBucketTags:           "oss:GetBucketTagging",
	ossapi.OpDeleteBucketTags:        "oss:DeleteBucketTagging",
}

// ossAction is the RAM action an operation needs.
func ossAction(op string) string {
	if a, ok := ossActionNames[op]; ok {
		return a
	}
	return "oss:" + op
}

// ramGrant is one permission a request needs: an action on a resource, with the condition keys the
// request carries.
type ramGrant struct {
	action   string
	resource string
	object   bool // an object resource (for the wording of the denial)
	context  map[string]string
}

// Condition keys the emulator sets (OSS "RAM policy" Condition keys; names are matched
// case-insensitively, so they are kept lower case).
const (
	condOSSPrefix    = "oss:prefix"
	condOSSDelimiter = "oss:delimiter"
)

// authorizeOSS checks the request of a RAM user or a role session against its policies. Callers do not
// hold e.mu.
func (e *Emulator) authorizeOSS(c *call, who principal) *apiError {
	if who.root() {
		return nil
	}
	e.mu.Lock()
	defer e.mu.Unlock()
	grants, err := e.ossGrants(c, who.accountID)
	if err != nil {
		return err
	}
	for _, g := range grants {
		if v := e.decideLocked(who, policyRequest{action: g.action, resources: []string{g.resource}, context: g.context}); v.d != decisionAllow {
			return errRAMDenied(c, g, who, v)
		}
	}
	return nil
}

// verdict is what a principal's policies decide about a request. bySession is set when the session
// policy given at AssumeRole or AssumeRoleWithOIDC, not the role's policies, is what refuses it.
type verdict struct {
	d         decision
	bySession bool
}

// decide evaluates a request as RAM does for the principal: the account itself may do everything; a
// RAM user what its attached policies allow; a role session what its role's policies allow and, when
// the session was given a policy, that policy allows too (the intersection: a Deny in either denies).
func (e *Emulator) decide(who principal, r policyRequest) verdict {
	e.mu.Lock()
	defer e.mu.Unlock()
	return e.decideLocked(who, r)
}

// decideLocked is decide for callers that hold e.mu.
func (e *Emulator) decideLocked(who principal, r policyRequest) verdict {
	switch {
	case who.session != nil:
		s := who.session
		role := e.ramState(s.accountID).roles[strings.ToLower(s.roleName)]
		var docs []*policyDocument
		if role != nil && role.id == s.roleID {
			docs = role.parsed
		}
		rd := evaluate(docs, r)
		sd := decisionAllow
		if s.policy != nil {
			sd = evaluate([]*policyDocument{s.policy}, r)
		}
		switch {
		case rd == decisionExplicitDeny:
			return verdict{d: rd}
		case sd == decisionExplicitDeny:
			return verdict{d: sd, bySession: true}
		case rd != decisionAllow:
			return verdict{d: rd}
		case sd != decisionAllow:
			return verdict{d: sd, bySession: true}
		}
		return verdict{d: decisionAllow}
	case who.ramUser != "":
		return verdict{d: evaluate(e.ramUserPolicies(who.accountID, who.ramUser), r)}
	}
	return verdict{d: decisionAllow}
}

// grants lists what a request needs. Callers hold e.mu.
func (e *Emulator) ossGrants(c *call, accountID string) ([]ramGrant, *apiError) {
	if c.bucket == "" {
		return []ramGrant{{action: ossAction(c.op), resource: "acs:oss:*:" + accountID + ":*"}}, nil
	}
	b := e.buckets[c.bucket]
	region := e.region
	switch {
	case b == nil && c.op != ossapi.OpPutBucket:
		return nil, nil // NoSuchBucket, answered by the operation
	case b != nil && b.owner != accountID:
		return nil, errNotOwner(c.bucket)
	case b != nil:
		region = b.region
	}
	bucketARN := "acs:oss:" + region + ":" + accountID + ":" + c.bucket
	objectGrant := func(action, key string) ramGrant {
		return ramGrant{action: action, resource: bucketARN + "/" + key, object: true}
	}
	op := c.op
	copySource := c.header.Get(headerOSSCopySource)
	if op == ossapi.OpPutObject && copySource != "" {
		op = "CopyObject" // a PUT with x-oss-copy-source is CopyObject, however it is routed
	}
	versioned := c.query.Get("versionId") != ""

	switch op {
	case OpListObjects, ossapi.OpListObjectsV2:
		return []ramGrant{{action: ossAction(op), resource: bucketARN, context: map[string]string{
			condOSSPrefix: c.query.Get("prefix"), condOSSDelimiter: c.query.Get("delimiter")}}}, nil
	case OpGetObject, OpHeadObject:
		gs := []ramGrant{objectGrant("oss:GetObject", c.key)}
		if versioned {
			gs = append(gs, objectGrant("oss:GetObjectVersion", c.key))
		}
		return gs, nil
	case ossapi.OpDeleteObject:
		gs := []ramGrant{objectGrant("oss:DeleteObject", c.key)}
		if versioned {
			gs = append(gs, objectGrant("oss:DeleteObjectVersion", c.key))
		}
		return gs, nil
	case ossapi.OpPutObject:
		gs := []ramGrant{objectGrant("oss:PutObject", c.key)}
		if c.header.Get("x-oss-tagging") != "" {
			gs = append(gs, objectGrant("oss:PutObjectTagging", c.key))
		}
		return gs, nil
	case ossapi.OpDeleteMultipleObjects:
		return deleteObjectsGrants(c.body, objectGrant), nil
	case "CopyObject":
		gs, err := e.copySourceGrants(copySource, accountID)
		if err != nil {
			return nil, err
		}
		return append(gs, objectGrant("oss:PutObject", c.key)), nil
	}
	if c.key != "" {
		return []ramGrant{objectGrant(ossAction(op), c.key)}, nil
	}
	return []ramGrant{{action: ossAction(op), resource: bucketARN}}, nil
}

const headerOSSCopySource = "x-oss-copy-source"

// copySourceGrants is oss:GetObject (and oss:GetObjectVersion for ?versionId=) on the source of a
// CopyObject, x-oss-copy-source: /<bucket>/<url-encoded key>. A source that cannot be read as such, or
// whose bucket does not exist, is left to the operation.
func (e *Emulator) copySourceGrants(source, accountID string) ([]ramGrant, *apiError) {
	path, rawQuery, _ := strings.Cut(source, "?")
	bucketName, rawKey, ok := strings.Cut(strings.TrimPrefix(path, "/"), "/")
	key, err := url.PathUnescape(rawKey)
	if !ok || err != nil || bucketName == "" || key == "" {
		return nil, nil
	}
	b := e.buckets[bucketName]
	if b == nil {
		return nil, nil
	}
	if b.owner != accountID {
		return nil, errNotOwner(bucketName)
	}
	arn := "acs:oss:" + b.region + ":" + accountID + ":" + bucketName + "/" + key
	gs := []ramGrant{{action: "oss:GetObject", resource: arn, object: true}}
	if q, _ := url.ParseQuery(rawQuery); q.Get("versionId") != "" {
		gs = append(gs, ramGrant{action: "oss:GetObjectVersion", resource: arn, object: true})
	}
	return gs, nil
}

// deleteGrants is oss:DeleteObject (and oss:DeleteObjectVersion for a VersionId) on every key of a
// DeleteMultipleObjects request. A key denied refuses the whole request with 403 AccessDenied (OSS
// documents a batch request "fails with an access denied error", EC 0003-00000204; its result has no
// per-key errors). A body that does not parse is left to the operation (MalformedXML).
func deleteObjectsGrants(body []byte, objectGrant func(action, key string) ramGrant) []ramGrant {
	var in deleteInXML
	if err := xml.Unmarshal(body, &in); err != nil {
		return nil
	}
	var gs []ramGrant
	for _, o := range in.Objects {
		gs = append(gs, objectGrant("oss:DeleteObject", o.Key))
		if o.VersionID != "" {
			gs = append(gs, objectGrant("oss:DeleteObjectVersion", o.Key))
		}
	}
	return gs
}

// EC codes of OSS for RAM denials: 0003-00000001 when no statement allows (the EC page's example is a
// RAM user without oss:PutObject/GetObject), 0003-00000201 when a RAM policy's Deny matches.
const (
	ecImplicitDeny = "0003-00000001"
	ecExplicitDeny = "0003-00000201"
)

// errRAMDenied is OSS's 403 AccessDenied for a RAM user or a role session. Messages: "You have no right
// to access this object because of bucket acl." is what OSS answers a RAM user without permission on an
// object (OSS "HTTP 403 status code" page); "You are forbidden to list buckets." for ListBuckets (same
// page); "Access denied by bucket policy." is the message OSS's EC 0003-00000201 page shows for a RAM
// policy's explicit Deny; "Access denied by authorizer's policy." is what OSS answers STS credentials
// whose session policy does not allow the request (OSS's "STS common errors" page). For bucket
// operations without permission the emulator says "You have no right to access this bucket." (not
// confirmed verbatim). The AccessDeniedDetail element names the action, as OSS's newer answers do; for a
// role session its AuthPrincipalType AssumedRoleUser and PolicyType SessionPolicy are not confirmed.
func errRAMDenied(c *call, g ramGrant, who principal, v verdict) *apiError {
	explicit := v.d == decisionExplicitDeny
	var e *apiError
	switch {
	case v.bySession:
		e = newError(http.StatusForbidden, ossapi.CodeAccessDenied, ecImplicitDeny, "Access denied by authorizer's policy.")
	case explicit:
		e = newError(http.StatusForbidden, ossapi.CodeAccessDenied, ecExplicitDeny, "Access denied by bucket policy.")
	case c.bucket == "":
		e = newError(http.StatusForbidden, ossapi.CodeAccessDenied, ecImplicitDeny, "You are forbidden to list buckets.")
	case g.object:
		e = newError(http.StatusForbidden, ossapi.CodeAccessDenied, ecImplicitDeny,
			"You have no right to access this object because of bucket acl.")
	default:
		e = newError(http.StatusForbidden, ossapi.CodeAccessDenied, ecImplicitDeny, "You have no right to access this bucket.")
	}
	if explicit {
		e.ec = ecExplicitDeny
	}
	kind := "ImplicitDeny"
	if explicit {
		kind = "ExplicitDeny"
	}
	principalType, policyType := "SubUser", "AccountLevelIdentityBasedPolicy"
	if who.session != nil {
		principalType = "AssumedRoleUser"
		if v.bySession {
			policyType = "SessionPolicy"
		}
	}
	e.detail = &accessDeniedDetail{PolicyType: policyType, AuthPrincipalType: principalType,
		NoPermissionType: kind, AuthAction: g.action}
	if c.bucket != "" {
		e.with("BucketName", c.bucket)
	}
	return e
}

// accessDeniedDetail is the AccessDeniedDetail element of OSS's newer denials.
type accessDeniedDetail struct {
	XMLName           xml.Name `xml:"AccessDeniedDetail"`
	PolicyType        string   `xml:"PolicyType"`
	AuthPrincipalType string   `xml:"AuthPrincipalType"`
	NoPermissionType  string   `xml:"NoPermissionType"`
	AuthAction        string   `xml:"AuthAction"`
}
