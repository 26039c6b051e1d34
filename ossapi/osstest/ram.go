package osstest

import (
	"crypto/rand"
	"fmt"
	"math/big"
	"net/http"
	"regexp"
	"sort"
	"strconv"
	"strings"
	"time"
	"unicode/utf8"
)

// The RAM side of an account: users, their AccessKeys, custom policies with versions, and which policies
// are attached to which user. Limits and error codes are RAM's (API reference "Error messages"; the
// messages below are RAM's own). Everything lives under Emulator.mu.

// RAM limits.
const (
	ramMaxAccessKeysPerUser   = 2
	ramMaxPolicyVersions      = 5
	ramMaxCustomPerUser       = 5  // custom policies attached to one user
	ramMaxSystemPerUser       = 20 // system policies attached to one user
	ramMaxUsers               = 1000
	defaultPolicyDocumentSize = 2048
)

// Access key states.
const (
	RAMKeyActive   = "Active"
	RAMKeyInactive = "Inactive"
)

// Policy types.
const (
	policyCustom = "Custom"
	policySystem = "System"
)

// RAMRotateOldest is CreatePolicyVersion's RotateStrategy that deletes the oldest non-default version
// when the policy already has five.
const RAMRotateOldest = "DeleteOldestNonDefaultVersionWhenLimitExceeded"

type ramState struct {
	users     map[string]*ramUser      // by name
	policies  map[string]*ramPolicy    // custom policies, by name
	roles     map[string]*ramRole      // by lower-case name
	providers map[string]*oidcProvider // OIDC providers, by name
}

type ramUser struct {
	id, name, displayName, comments, mobilePhone, email string
	created, updated                                    time.Time
	keys                                                []*ramAccessKey // in creation order
	attached                                            []ramAttachment // in attachment order
}

type ramAttachment struct {
	policyType, policyName string
	attached               time.Time
}

type ramAccessKey struct {
	id, secret, status string
	created            time.Time
}

type ramPolicy struct {
	name, description string
	created, updated  time.Time
	versions          []*ramPolicyVersion // in creation order
	defaultVersion    string
	nextVersion       int
}

type ramPolicyVersion struct {
	id, document string
	created      time.Time
	parsed       *policyDocument
}

// systemPolicy is a policy Alibaba Cloud maintains, with the document it grants.
type systemPolicy struct {
	description, document string
	parsed                *policyDocument
}

// systemPolicies are the few system policies the emulator knows, with their real meaning.
var systemPolicies = func() map[string]*systemPolicy {
	m := map[string]*systemPolicy{
		"AdministratorAccess": {description: "管理所有阿里云资源的权限",
			document: `{"Statement":[{"Action":"*","Effect":"Allow","Resource":"*"}],"Version":"1"}`},
		"AliyunOSSFullAccess": {description: "管理对象存储服务(OSS)权限",
			document: `{"Statement":[{"Action":"oss:*","Effect":"Allow","Resource":"*"}],"Version":"1"}`},
		"AliyunOSSReadOnlyAccess": {description: "只读访问对象存储服务(OSS)的权限",
			document: `{"Statement":[{"Action":["oss:Get*","oss:List*"],"Effect":"Allow","Resource":"*"}],"Version":"1"}`},
		"AliyunRAMFullAccess": {description: "管理访问控制(RAM)的权限，即管理用户以及授权的权限",
			document: `{"Statement":[{"Action":"ram:*","Effect":"Allow","Resource":"*"}],"Version":"1"}`},
		"AliyunSTSAssumeRoleAccess": {description: "调用STS服务AssumeRole接口的权限",
			document: `{"Statement":[{"Action":"sts:AssumeRole","Effect":"Allow","Resource":"*"}],"Version":"1"}`},
		"AliyunRAMReadOnlyAccess": {description: "只读访问访问控制(RAM)的权限，即查看用户、组以及授权信息的权限",
			document: `{"Statement":[{"Action":["ram:Get*","ram:List*"],"Effect":"Allow","Resource":"*"}],"Version":"1"}`},
	}
	for name, p := range m {
		parsed, err := parsePolicy(p.document)
		if err != nil {
			panic(fmt.Sprintf("osstest: system policy %s: %v", name, err))
		}
		p.parsed = parsed
	}
	return m
}()

var (
	userNameRE   = regexp.MustCompile(`^[A-Za-z0-9._-]+$`)
	policyNameRE = regexp.MustCompile(`^[A-Za-z0-9-]+$`)
	versionIDRE  = regexp.MustCompile(`^v[1-9][0-9]*$`)
	phoneRE      = regexp.MustCompile(`^[0-9]{1,4}-[0-9]{4,16}$`)
)

// ramState returns the RAM state of an account, creating it. Callers hold e.mu.
func (e *Emulator) ramState(accountID string) *ramState {
	s := e.ram[accountID]
	if s == nil {
		s = &ramState{users: map[string]*ramUser{}, policies: map[string]*ramPolicy{}, roles: map[string]*ramRole{},
			providers: map[string]*oidcProvider{}}
		e.ram[accountID] = s
	}
	return s
}

// RAM errors, with RAM's codes, statuses and messages.

func ramError(status int, code, format string, args ...any) *apiError {
	return newError(status, code, "", format, args...)
}

func errMissing(name string) *apiError {
	return ramError(http.StatusBadRequest, "Missing"+name, "%s is mandatory for this action.", name)
}

func errRAMLength(name string) *apiError {
	return ramError(http.StatusBadRequest, "InvalidParameter."+name+".Length",
		"The parameter - %q beyond the length limit.", name)
}

func errRAMChars(name string) *apiError {
	return ramError(http.StatusBadRequest, "InvalidParameter."+name+".InvalidChars",
		"The parameter - %q contains invalid chars.", name)
}

func errNoUser() *apiError {
	return ramError(http.StatusNotFound, "EntityNotExist.User", "The user does not exist.")
}

func errNoPolicy() *apiError {
	return ramError(http.StatusNotFound, "EntityNotExist.Policy", "The policy does not exist.")
}

func errNoPolicyVersion() *apiError {
	return ramError(http.StatusNotFound, "EntityNotExist.Policy.Version", "The policy version does not exist.")
}

func errNoAccessKey() *apiError {
	return ramError(http.StatusNotFound, "EntityNotExist.User.AccessKey", "The user access key does not exist.")
}

// Parameter checks.

func (c *rpcCall) required(name string) (string, *apiError) {
	v := c.params.Get(name)
	if v == "" {
		return "", errMissing(name)
	}
	return v, nil
}

func (c *rpcCall) userName(param string) (string, *apiError) {
	name, err := c.required(param)
	if err != nil {
		return "", err
	}
	if len(name) > 64 {
		return "", errRAMLength(param)
	}
	if !userNameRE.MatchString(name) {
		return "", errRAMChars(param)
	}
	return name, nil
}

func (c *rpcCall) policyName() (string, *apiError) {
	name, err := c.required("PolicyName")
	if err != nil {
		return "", err
	}
	if len(name) > 128 {
		return "", errRAMLength("PolicyName")
	}
	if !policyNameRE.MatchString(name) {
		return "", errRAMChars("PolicyName")
	}
	return name, nil
}

// policyType reads PolicyType, required or defaulting to Custom.
func (c *rpcCall) policyType(required bool) (string, *apiError) {
	t := c.params.Get("PolicyType")
	switch {
	case t == "" && required:
		return "", errMissing("PolicyType")
	case t == "":
		return policyCustom, nil
	case t != policyCustom && t != policySystem:
		return "", ramError(http.StatusBadRequest, "InvalidParameter.PolicyType", "The parameter - \"PolicyType\" is incorrect.")
	}
	return t, nil
}

func (c *rpcCall) versionID() (string, *apiError) {
	v, err := c.required("VersionId")
	if err != nil {
		return "", err
	}
	if !versionIDRE.MatchString(v) {
		return "", ramError(http.StatusBadRequest, "InvalidParameter.VersionId.Format",
			"The format of the parameter - \"VersionId\" is incorrect.")
	}
	return v, nil
}

// optionalLength checks an optional parameter's length in characters.
func (c *rpcCall) optionalLength(name string, limit int) (string, *apiError) {
	v := c.params.Get(name)
	if utf8.RuneCountInString(v) > limit {
		return "", errRAMLength(name)
	}
	return v, nil
}

// policyDocument checks a document against the size limit and RAM's grammar. The limit counts bytes,
// never fewer than RAM's characters.
func (e *Emulator) ramPolicyDocumentParam(c *rpcCall) (string, *policyDocument, *apiError) {
	doc, err := c.required("PolicyDocument")
	if err != nil {
		return "", nil, err
	}
	if len(doc) > e.policyDocumentLimit {
		return "", nil, ramError(http.StatusBadRequest, "InvalidParameter.PolicyDocument.Length",
			"The parameter - \"PolicyDocument\" beyond the length limit (%d characters).", e.policyDocumentLimit)
	}
	parsed, perr := parsePolicy(doc)
	if perr != nil {
		return "", nil, ramError(http.StatusBadRequest, "MalformedPolicyDocument", "%s", perr.Error())
	}
	return doc, parsed, nil
}

func ramDate(t time.Time) string { return t.UTC().Format(time.RFC3339) }

// newUserID looks like a RAM user ID: 16 digits.
func (e *Emulator) newRAMUserID() string {
	e.ramSeq++
	return fmt.Sprintf("2%015d", 400000000000000+e.ramSeq)
}

const ramAlnum = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789"

func ramRandomAlnum(n int) string {
	b := make([]byte, n)
	max := big.NewInt(int64(len(ramAlnum)))
	for i := range b {
		x, err := rand.Int(rand.Reader, max)
		if err != nil {
			panic(err)
		}
		b[i] = ramAlnum[x.Int64()]
	}
	return string(b)
}

// Users.

type ramUserJSON struct {
	UserID      string `json:"UserId"`
	UserName    string `json:"UserName"`
	DisplayName string `json:"DisplayName"`
	MobilePhone string `json:"MobilePhone,omitempty"`
	Email       string `json:"Email,omitempty"`
	Comments    string `json:"Comments,omitempty"`
	CreateDate  string `json:"CreateDate"`
	UpdateDate  string `json:"UpdateDate,omitempty"`
}

func (u *ramUser) json(withUpdate bool) ramUserJSON {
	j := ramUserJSON{UserID: u.id, UserName: u.name, DisplayName: u.displayName, MobilePhone: u.mobilePhone,
		Email: u.email, Comments: u.comments, CreateDate: ramDate(u.created)}
	if withUpdate {
		j.UpdateDate = ramDate(u.updated)
	}
	return j
}

// userFields reads DisplayName, Comments, MobilePhone and Email (prefixed "New" for UpdateUser).
func ramUserFields(c *rpcCall, prefix string) (display, comments, phone, email string, err *apiError) {
	if display, err = c.optionalLength(prefix+"DisplayName", 128); err != nil {
		return
	}
	if comments, err = c.optionalLength(prefix+"Comments", 128); err != nil {
		return
	}
	phone, email = c.params.Get(prefix+"MobilePhone"), c.params.Get(prefix+"Email")
	if phone != "" && !phoneRE.MatchString(phone) {
		return "", "", "", "", ramError(http.StatusBadRequest, "InvalidParameter."+prefix+"MobilePhone.Format",
			"The format of the parameter - %q is incorrect.", prefix+"MobilePhone")
	}
	if email != "" && !strings.Contains(email, "@") {
		return "", "", "", "", ramError(http.StatusBadRequest, "InvalidParameter."+prefix+"Email.Format",
			"The format of the parameter - %q is incorrect.", prefix+"Email")
	}
	return
}

func (e *Emulator) ramCreateUser(c *rpcCall) (rpcResult, *apiError) {
	name, err := c.userName("UserName")
	if err != nil {
		return nil, err
	}
	display, comments, phone, email, err := ramUserFields(c, "")
	if err != nil {
		return nil, err
	}
	e.mu.Lock()
	defer e.mu.Unlock()
	s := e.ramState(c.accountID)
	if s.users[name] != nil {
		return nil, ramError(http.StatusConflict, "EntityAlreadyExists.User", "The user does already EXIST.")
	}
	if len(s.users) >= ramMaxUsers {
		return nil, ramError(http.StatusConflict, "LimitExceeded.User", "The count of users beyond the current limits.")
	}
	now := c.now.UTC().Truncate(time.Second)
	u := &ramUser{id: e.newRAMUserID(), name: name, displayName: display, comments: comments, mobilePhone: phone,
		email: email, created: now, updated: now}
	s.users[name] = u
	return rpcResult{"User": u.json(false)}, nil
}

// user finds a user by the UserName parameter.
func (e *Emulator) ramUserParam(c *rpcCall) (*ramUser, *apiError) {
	name, err := c.userName("UserName")
	if err != nil {
		return nil, err
	}
	u := e.ramState(c.accountID).users[name]
	if u == nil {
		return nil, errNoUser()
	}
	return u, nil
}

func (e *Emulator) ramGetUser(c *rpcCall) (rpcResult, *apiError) {
	e.mu.Lock()
	defer e.mu.Unlock()
	u, err := e.ramUserParam(c)
	if err != nil {
		return nil, err
	}
	return rpcResult{"User": u.json(true)}, nil
}

func (e *Emulator) ramUpdateUser(c *rpcCall) (rpcResult, *apiError) {
	display, comments, phone, email, err := ramUserFields(c, "New")
	if err != nil {
		return nil, err
	}
	newName := c.params.Get("NewUserName")
	if newName != "" {
		if newName, err = c.userName("NewUserName"); err != nil {
			return nil, err
		}
	}
	e.mu.Lock()
	defer e.mu.Unlock()
	u, err := e.ramUserParam(c)
	if err != nil {
		return nil, err
	}
	s := e.ramState(c.accountID)
	if newName != "" && newName != u.name {
		if s.users[newName] != nil {
			return nil, ramError(http.StatusConflict, "EntityAlreadyExists.User", "The user does already EXIST.")
		}
		delete(s.users, u.name)
		u.name = newName
		s.users[newName] = u
		for _, k := range u.keys {
			kb := e.keys[k.id]
			kb.ramUser = newName
			e.keys[k.id] = kb
		}
	}
	set := func(dst *string, param, v string) {
		if c.params.Has(param) {
			*dst = v
		}
	}
	set(&u.displayName, "NewDisplayName", display)
	set(&u.comments, "NewComments", comments)
	set(&u.mobilePhone, "NewMobilePhone", phone)
	set(&u.email, "NewEmail", email)
	u.updated = c.now.UTC().Truncate(time.Second)
	return rpcResult{"User": u.json(true)}, nil
}

func (e *Emulator) ramDeleteUser(c *rpcCall) (rpcResult, *apiError) {
	e.mu.Lock()
	defer e.mu.Unlock()
	u, err := e.ramUserParam(c)
	if err != nil {
		return nil, err
	}
	if len(u.keys) > 0 {
		return nil, ramError(http.StatusConflict, "DeleteConflict.User.AccessKey",
			"The user CAN NOT has any access key while deleting the user.")
	}
	if len(u.attached) > 0 {
		return nil, ramError(http.StatusConflict, "DeleteConflict.User.Policy",
			"The user CAN NOT has any attached policy while deleting the user.")
	}
	delete(e.ramState(c.accountID).users, u.name)
	return rpcResult{}, nil
}

func (e *Emulator) ramListUsers(c *rpcCall) (rpcResult, *apiError) {
	maxItems := 100
	if v := c.params.Get("MaxItems"); v != "" {
		n, err := strconv.Atoi(v)
		if err != nil || n < 1 || n > 1000 {
			return nil, ramError(http.StatusBadRequest, "InvalidParameter.MaxItems",
				"The parameter - \"MaxItems\" MUST be in the range of 1 and 1000.")
		}
		maxItems = n
	}
	marker := c.params.Get("Marker")
	e.mu.Lock()
	defer e.mu.Unlock()
	s := e.ramState(c.accountID)
	names := make([]string, 0, len(s.users))
	for n := range s.users {
		if n > marker {
			names = append(names, n)
		}
	}
	sort.Strings(names)
	out := rpcResult{"IsTruncated": false}
	if len(names) > maxItems {
		names = names[:maxItems]
		out["IsTruncated"], out["Marker"] = true, names[len(names)-1]
	}
	users := make([]ramUserJSON, 0, len(names))
	for _, n := range names {
		users = append(users, s.users[n].json(true))
	}
	out["Users"] = map[string]any{"User": users}
	return out, nil
}

// AccessKeys.

type accessKeyJSON struct {
	AccessKeyID     string `json:"AccessKeyId"`
	AccessKeySecret string `json:"AccessKeySecret,omitempty"`
	Status          string `json:"Status"`
	CreateDate      string `json:"CreateDate"`
}

func (e *Emulator) ramCreateAccessKey(c *rpcCall) (rpcResult, *apiError) {
	e.mu.Lock()
	defer e.mu.Unlock()
	u, err := e.ramUserParam(c)
	if err != nil {
		return nil, err
	}
	if len(u.keys) >= ramMaxAccessKeysPerUser {
		return nil, ramError(http.StatusConflict, "LimitExceeded.User.AccessKey",
			"The access key count of the user access keys beyond the current limits.")
	}
	k := &ramAccessKey{status: RAMKeyActive, created: c.now.UTC().Truncate(time.Second), secret: ramRandomAlnum(30)}
	for k.id == "" || e.keys[k.id].accountID != "" {
		k.id = "LTAI" + ramRandomAlnum(20)
	}
	u.keys = append(u.keys, k)
	e.keys[k.id] = keyBinding{accountID: c.accountID, ramUser: u.name, ramKey: k,
		key: Key{AccessKeyID: k.id, AccessKeySecret: k.secret}}
	// The only answer that carries the secret.
	return rpcResult{"AccessKey": accessKeyJSON{AccessKeyID: k.id, AccessKeySecret: k.secret, Status: k.status,
		CreateDate: ramDate(k.created)}}, nil
}

func (e *Emulator) ramListAccessKeys(c *rpcCall) (rpcResult, *apiError) {
	e.mu.Lock()
	defer e.mu.Unlock()
	u, err := e.ramUserParam(c)
	if err != nil {
		return nil, err
	}
	keys := make([]accessKeyJSON, 0, len(u.keys))
	for _, k := range u.keys {
		keys = append(keys, accessKeyJSON{AccessKeyID: k.id, Status: k.status, CreateDate: ramDate(k.created)})
	}
	return rpcResult{"AccessKeys": map[string]any{"AccessKey": keys}}, nil
}

// userKey finds the UserAccessKeyId of the UserName.
func (e *Emulator) ramUserKey(c *rpcCall) (*ramUser, int, *apiError) {
	id, err := c.required("UserAccessKeyId")
	if err != nil {
		return nil, 0, err
	}
	u, err := e.ramUserParam(c)
	if err != nil {
		return nil, 0, err
	}
	for i, k := range u.keys {
		if k.id == id {
			return u, i, nil
		}
	}
	return nil, 0, errNoAccessKey()
}

func (e *Emulator) ramUpdateAccessKey(c *rpcCall) (rpcResult, *apiError) {
	status, err := c.required("Status")
	if err != nil {
		return nil, err
	}
	if status != RAMKeyActive && status != RAMKeyInactive {
		// Code not confirmed in RAM's error list; RAM documents Status as Active or Inactive.
		return nil, ramError(http.StatusBadRequest, "InvalidParameter.Status",
			"The parameter - \"Status\" is incorrect: Active or Inactive.")
	}
	e.mu.Lock()
	defer e.mu.Unlock()
	u, i, err := e.ramUserKey(c)
	if err != nil {
		return nil, err
	}
	u.keys[i].status = status
	return rpcResult{}, nil
}

func (e *Emulator) ramDeleteAccessKey(c *rpcCall) (rpcResult, *apiError) {
	e.mu.Lock()
	defer e.mu.Unlock()
	u, i, err := e.ramUserKey(c)
	if err != nil {
		return nil, err
	}
	delete(e.keys, u.keys[i].id)
	u.keys = append(u.keys[:i:i], u.keys[i+1:]...)
	return rpcResult{}, nil
}

// Policies.

type policyJSON struct {
	PolicyName      string `json:"PolicyName"`
	PolicyType      string `json:"PolicyType"`
	Description     string `json:"Description"`
	DefaultVersion  string `json:"DefaultVersion"`
	PolicyDocument  string `json:"PolicyDocument,omitempty"`
	CreateDate      string `json:"CreateDate,omitempty"`
	UpdateDate      string `json:"UpdateDate,omitempty"`
	AttachDate      string `json:"AttachDate,omitempty"`
	AttachmentCount *int   `json:"AttachmentCount,omitempty"`
}

type policyVersionJSON struct {
	VersionID        string `json:"VersionId"`
	IsDefaultVersion bool   `json:"IsDefaultVersion"`
	PolicyDocument   string `json:"PolicyDocument"`
	CreateDate       string `json:"CreateDate"`
}

func (p *ramPolicy) version(id string) (int, *ramPolicyVersion) {
	for i, v := range p.versions {
		if v.id == id {
			return i, v
		}
	}
	return -1, nil
}

func (p *ramPolicy) defaultDoc() *ramPolicyVersion {
	_, v := p.version(p.defaultVersion)
	return v
}

func (p *ramPolicy) versionJSON(v *ramPolicyVersion) policyVersionJSON {
	return policyVersionJSON{VersionID: v.id, IsDefaultVersion: v.id == p.defaultVersion, PolicyDocument: v.document,
		CreateDate: ramDate(v.created)}
}

func (p *ramPolicy) addVersion(doc string, parsed *policyDocument, now time.Time) *ramPolicyVersion {
	p.nextVersion++
	v := &ramPolicyVersion{id: "v" + strconv.Itoa(p.nextVersion), document: doc, parsed: parsed, created: now}
	p.versions = append(p.versions, v)
	p.updated = now
	return v
}

// attachments counts the users a policy is attached to.
func (s *ramState) attachments(policyType, name string) int {
	n := 0
	for _, u := range s.users {
		for _, a := range u.attached {
			if a.policyType == policyType && a.policyName == name {
				n++
			}
		}
	}
	return n
}

func (e *Emulator) ramCreatePolicy(c *rpcCall) (rpcResult, *apiError) {
	name, err := c.policyName()
	if err != nil {
		return nil, err
	}
	desc, err := c.optionalLength("Description", 1024)
	if err != nil {
		return nil, err
	}
	doc, parsed, err := e.ramPolicyDocumentParam(c)
	if err != nil {
		return nil, err
	}
	e.mu.Lock()
	defer e.mu.Unlock()
	s := e.ramState(c.accountID)
	if s.policies[name] != nil {
		return nil, ramError(http.StatusConflict, "EntityAlreadyExists.Policy", "The policy does already EXIST.")
	}
	now := c.now.UTC().Truncate(time.Second)
	p := &ramPolicy{name: name, description: desc, created: now}
	p.defaultVersion = p.addVersion(doc, parsed, now).id
	s.policies[name] = p
	return rpcResult{"Policy": policyJSON{PolicyName: name, PolicyType: policyCustom, Description: desc,
		DefaultVersion: p.defaultVersion, CreateDate: ramDate(now)}}, nil
}

// customPolicy finds a custom policy by the PolicyName parameter.
func (e *Emulator) ramCustomPolicy(c *rpcCall) (*ramPolicy, *apiError) {
	name, err := c.policyName()
	if err != nil {
		return nil, err
	}
	p := e.ramState(c.accountID).policies[name]
	if p == nil {
		return nil, errNoPolicy()
	}
	return p, nil
}

// anyPolicy finds a policy of the type PolicyType names (Custom when absent unless required) as a policy
// with one version, for the read actions that take a PolicyType.
func (e *Emulator) ramAnyPolicy(c *rpcCall, typeRequired bool) (*ramPolicy, string, *apiError) {
	t, err := c.policyType(typeRequired)
	if err != nil {
		return nil, "", err
	}
	if t == policyCustom {
		p, err := e.ramCustomPolicy(c)
		return p, t, err
	}
	name, err := c.required("PolicyName")
	if err != nil {
		return nil, "", err
	}
	sp := systemPolicies[name]
	if sp == nil {
		return nil, "", errNoPolicy()
	}
	epoch := time.Date(2015, 4, 28, 16, 0, 0, 0, time.UTC)
	return &ramPolicy{name: name, description: sp.description, created: epoch, updated: epoch, defaultVersion: "v1",
		versions: []*ramPolicyVersion{{id: "v1", document: sp.document, created: epoch, parsed: sp.parsed}}}, t, nil
}

func (e *Emulator) ramGetPolicy(c *rpcCall) (rpcResult, *apiError) {
	e.mu.Lock()
	defer e.mu.Unlock()
	p, t, err := e.ramAnyPolicy(c, true)
	if err != nil {
		return nil, err
	}
	n := e.ramState(c.accountID).attachments(t, p.name)
	def := p.defaultDoc()
	return rpcResult{
		"Policy": policyJSON{PolicyName: p.name, PolicyType: t, Description: p.description, DefaultVersion: p.defaultVersion,
			PolicyDocument: def.document, CreateDate: ramDate(p.created), UpdateDate: ramDate(p.updated), AttachmentCount: &n},
		"DefaultPolicyVersion": p.versionJSON(def),
	}, nil
}

func (e *Emulator) ramDeletePolicy(c *rpcCall) (rpcResult, *apiError) {
	e.mu.Lock()
	defer e.mu.Unlock()
	p, err := e.ramCustomPolicy(c)
	if err != nil {
		return nil, err
	}
	s := e.ramState(c.accountID)
	if s.attachments(policyCustom, p.name) > 0 {
		return nil, ramError(http.StatusConflict, "DeleteConflict.Policy.User",
			"The policy CAN NOT been attached to any user while deleting the policy.")
	}
	if len(p.versions) > 1 {
		return nil, ramError(http.StatusConflict, "DeleteConflict.Policy.Version",
			"The policy CAN NOT has any version except the default version.")
	}
	delete(s.policies, p.name)
	return rpcResult{}, nil
}

func (e *Emulator) ramCreatePolicyVersion(c *rpcCall) (rpcResult, *apiError) {
	doc, parsed, err := e.ramPolicyDocumentParam(c)
	if err != nil {
		return nil, err
	}
	setDefault := false
	if v := c.params.Get("SetAsDefault"); v != "" {
		b, perr := strconv.ParseBool(v)
		if perr != nil {
			// Code not confirmed in RAM's error list.
			return nil, ramError(http.StatusBadRequest, "InvalidParameter.SetAsDefault",
				"The parameter - \"SetAsDefault\" is incorrect: true or false.")
		}
		setDefault = b
	}
	rotate := c.params.Get("RotateStrategy")
	if rotate != "" && rotate != "None" && rotate != RAMRotateOldest {
		// Code not confirmed in RAM's error list.
		return nil, ramError(http.StatusBadRequest, "InvalidParameter.RotateStrategy",
			"The parameter - \"RotateStrategy\" is incorrect: None or %s.", RAMRotateOldest)
	}
	e.mu.Lock()
	defer e.mu.Unlock()
	p, err := e.ramCustomPolicy(c)
	if err != nil {
		return nil, err
	}
	if len(p.versions) >= ramMaxPolicyVersions {
		if rotate != RAMRotateOldest {
			return nil, ramError(http.StatusConflict, "LimitExceeded.Policy.Version",
				"The count of policy version beyond the current limits.")
		}
		for i, v := range p.versions {
			if v.id != p.defaultVersion {
				p.versions = append(p.versions[:i:i], p.versions[i+1:]...)
				break
			}
		}
	}
	v := p.addVersion(doc, parsed, c.now.UTC().Truncate(time.Second))
	if setDefault {
		p.defaultVersion = v.id
	}
	return rpcResult{"PolicyVersion": p.versionJSON(v)}, nil
}

func (e *Emulator) ramGetPolicyVersion(c *rpcCall) (rpcResult, *apiError) {
	id, err := c.versionID()
	if err != nil {
		return nil, err
	}
	e.mu.Lock()
	defer e.mu.Unlock()
	p, _, err := e.ramAnyPolicy(c, true)
	if err != nil {
		return nil, err
	}
	_, v := p.version(id)
	if v == nil {
		return nil, errNoPolicyVersion()
	}
	return rpcResult{"PolicyVersion": p.versionJSON(v)}, nil
}

func (e *Emulator) ramListPolicyVersions(c *rpcCall) (rpcResult, *apiError) {
	e.mu.Lock()
	defer e.mu.Unlock()
	p, _, err := e.ramAnyPolicy(c, true)
	if err != nil {
		return nil, err
	}
	out := make([]policyVersionJSON, 0, len(p.versions))
	for _, v := range p.versions {
		out = append(out, p.versionJSON(v))
	}
	return rpcResult{"PolicyVersions": map[string]any{"PolicyVersion": out}}, nil
}

func (e *Emulator) ramSetDefaultPolicyVersion(c *rpcCall) (rpcResult, *apiError) {
	id, err := c.versionID()
	if err != nil {
		return nil, err
	}
	e.mu.Lock()
	defer e.mu.Unlock()
	p, err := e.ramCustomPolicy(c)
	if err != nil {
		return nil, err
	}
	if _, v := p.version(id); v == nil {
		return nil, errNoPolicyVersion()
	}
	p.defaultVersion = id
	p.updated = c.now.UTC().Truncate(time.Second)
	return rpcResult{}, nil
}

func (e *Emulator) ramDeletePolicyVersion(c *rpcCall) (rpcResult, *apiError) {
	id, err := c.versionID()
	if err != nil {
		return nil, err
	}
	e.mu.Lock()
	defer e.mu.Unlock()
	p, err := e.ramCustomPolicy(c)
	if err != nil {
		return nil, err
	}
	i, v := p.version(id)
	if v == nil {
		return nil, errNoPolicyVersion()
	}
	if id == p.defaultVersion {
		return nil, ramError(http.StatusConflict, "DeleteConflict.Policy.Version.Default",
			"The default policy version CAN NOT been deleted directly.")
	}
	p.versions = append(p.versions[:i:i], p.versions[i+1:]...)
	return rpcResult{}, nil
}

// Attachments.

// attachment reads PolicyType, PolicyName and UserName and finds the user and whether the policy exists.
func (e *Emulator) ramAttachmentParams(c *rpcCall) (*ramUser, string, string, *apiError) {
	t, err := c.policyType(true)
	if err != nil {
		return nil, "", "", err
	}
	name, err := c.policyName()
	if err != nil {
		return nil, "", "", err
	}
	u, err := e.ramUserParam(c)
	if err != nil {
		return nil, "", "", err
	}
	if (t == policyCustom && e.ramState(c.accountID).policies[name] == nil) || (t == policySystem && systemPolicies[name] == nil) {
		return nil, "", "", errNoPolicy()
	}
	return u, t, name, nil
}

func (e *Emulator) ramAttachPolicyToUser(c *rpcCall) (rpcResult, *apiError) {
	e.mu.Lock()
	defer e.mu.Unlock()
	u, t, name, err := e.ramAttachmentParams(c)
	if err != nil {
		return nil, err
	}
	n := 0
	for _, a := range u.attached {
		if a.policyType == t && a.policyName == name {
			return nil, ramError(http.StatusConflict, "EntityAlreadyExists.User.Policy",
				"The user has already been attached this policy.")
		}
		if a.policyType == t {
			n++
		}
	}
	if (t == policyCustom && n >= ramMaxCustomPerUser) || (t == policySystem && n >= ramMaxSystemPerUser) {
		return nil, ramError(http.StatusConflict, "LimitExceeded.User.Policy",
			"The policy count of the user attached policies beyond the current limits.")
	}
	u.attached = append(u.attached, ramAttachment{policyType: t, policyName: name, attached: c.now.UTC().Truncate(time.Second)})
	return rpcResult{}, nil
}

func (e *Emulator) ramDetachPolicyFromUser(c *rpcCall) (rpcResult, *apiError) {
	e.mu.Lock()
	defer e.mu.Unlock()
	u, t, name, err := e.ramAttachmentParams(c)
	if err != nil {
		return nil, err
	}
	for i, a := range u.attached {
		if a.policyType == t && a.policyName == name {
			u.attached = append(u.attached[:i:i], u.attached[i+1:]...)
			return rpcResult{}, nil
		}
	}
	return nil, ramError(http.StatusNotFound, "EntityNotExist.User.Policy", "The indicate policy of the user does not exist.")
}

func (e *Emulator) ramListPoliciesForUser(c *rpcCall) (rpcResult, *apiError) {
	e.mu.Lock()
	defer e.mu.Unlock()
	u, err := e.ramUserParam(c)
	if err != nil {
		return nil, err
	}
	s := e.ramState(c.accountID)
	out := make([]policyJSON, 0, len(u.attached))
	for _, a := range u.attached {
		j := policyJSON{PolicyName: a.policyName, PolicyType: a.policyType, AttachDate: ramDate(a.attached)}
		if a.policyType == policySystem {
			j.Description, j.DefaultVersion = systemPolicies[a.policyName].description, "v1"
		} else if p := s.policies[a.policyName]; p != nil {
			j.Description, j.DefaultVersion = p.description, p.defaultVersion
		}
		out = append(out, j)
	}
	return rpcResult{"Policies": map[string]any{"Policy": out}}, nil
}

// userPolicies returns the documents in force for a RAM user: the default version of each custom policy
// and each system policy attached to it. Callers hold e.mu.
func (e *Emulator) ramUserPolicies(accountID, userName string) []*policyDocument {
	s := e.ram[accountID]
	if s == nil || s.users[userName] == nil {
		return nil
	}
	var docs []*policyDocument
	for _, a := range s.users[userName].attached {
		if a.policyType == policySystem {
			docs = append(docs, systemPolicies[a.policyName].parsed)
		} else if p := s.policies[a.policyName]; p != nil {
			docs = append(docs, p.defaultDoc().parsed)
		}
	}
	return docs
}

// Inspection for tests.

// RAMKey is an AccessKey of a RAM user as tests see it: never the secret.
type RAMKey struct {
	ID      string
	Status  string // Active or Inactive
	Created time.Time
}

// RAMAttachment is a policy attached to a RAM user.
type RAMAttachment struct {
	PolicyType string // Custom or System
	PolicyName string
}

// RAMUsers lists the names of the account's RAM users, sorted.
func (e *Emulator) RAMUsers(accountID string) []string {
	e.mu.Lock()
	defer e.mu.Unlock()
	var out []string
	if s := e.ram[accountID]; s != nil {
		for n := range s.users {
			out = append(out, n)
		}
	}
	sort.Strings(out)
	return out
}

// RAMPolicies lists the names of the account's custom policies, sorted.
func (e *Emulator) RAMPolicies(accountID string) []string {
	e.mu.Lock()
	defer e.mu.Unlock()
	var out []string
	if s := e.ram[accountID]; s != nil {
		for n := range s.policies {
			out = append(out, n)
		}
	}
	sort.Strings(out)
	return out
}

// RAMPolicyDocument is the default version's document of a custom policy, and whether it exists.
func (e *Emulator) RAMPolicyDocument(accountID, policy string) (string, bool) {
	e.mu.Lock()
	defer e.mu.Unlock()
	if s := e.ram[accountID]; s != nil && s.policies[policy] != nil {
		return s.policies[policy].defaultDoc().document, true
	}
	return "", false
}

// RAMAccessKeys lists a RAM user's AccessKeys in creation order, without secrets.
func (e *Emulator) RAMAccessKeys(accountID, user string) []RAMKey {
	e.mu.Lock()
	defer e.mu.Unlock()
	var out []RAMKey
	if s := e.ram[accountID]; s != nil && s.users[user] != nil {
		for _, k := range s.users[user].keys {
			out = append(out, RAMKey{ID: k.id, Status: k.status, Created: k.created})
		}
	}
	return out
}

// RAMAttachedPolicies lists the policies attached to a RAM user, in attachment order.
func (e *Emulator) RAMAttachedPolicies(accountID, user string) []RAMAttachment {
	e.mu.Lock()
	defer e.mu.Unlock()
	var out []RAMAttachment
	if s := e.ram[accountID]; s != nil && s.users[user] != nil {
		for _, a := range s.users[user].attached {
			out = append(out, RAMAttachment{PolicyType: a.policyType, PolicyName: a.policyName})
		}
	}
	return out
}
