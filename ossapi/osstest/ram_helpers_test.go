package osstest_test

import (
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/ossoperator/oss-operator/ossapi/osstest"
	"github.com/ossoperator/oss-operator/ossapi/signer"
)

// rpc calls the emulator's RAM with requests signed by hand (signer.SignRPC), to see every status and
// field of the answers.
type rpc struct {
	t       *testing.T
	url     string
	key     osstest.Key
	method  string           // GET or POST (form body); GET when empty
	now     func() time.Time // signing time; time.Now when nil
	version string           // API version; RAM's when empty
	hostID  string           // HostId of error answers; RAM's when empty
}

func newRPC(t *testing.T, srv *osstest.Server, k osstest.Key) rpc {
	return rpc{t: t, url: srv.RAMURL, key: k}
}

// newSTS calls the emulator's STS, like newRPC its RAM.
func newSTS(t *testing.T, srv *osstest.Server, k osstest.Key) rpc {
	return rpc{t: t, url: srv.STSURL, key: k, version: osstest.STSVersion, hostID: "sts.aliyuncs.com"}
}

var nonceSeq atomic.Int64

// answer is a RAM answer: status and JSON body.
type answer struct {
	status int
	body   map[string]any
	raw    string
	hostID string // the HostId error answers must carry
}

func (a answer) code() string { s, _ := a.body["Code"].(string); return s }

// str reads a string at a path of object keys, "" when absent.
func (a answer) str(path ...string) string {
	var v any = a.body
	for _, p := range path {
		m, ok := v.(map[string]any)
		if !ok {
			return ""
		}
		v = m[p]
	}
	s, _ := v.(string)
	return s
}

// list reads the list at a path of object keys, e.g. "AccessKeys", "AccessKey".
func (a answer) list(path ...string) []map[string]any {
	var v any = a.body
	for _, p := range path {
		m, ok := v.(map[string]any)
		if !ok {
			return nil
		}
		v = m[p]
	}
	items, _ := v.([]any)
	var out []map[string]any
	for _, it := range items {
		m, _ := it.(map[string]any)
		out = append(out, m)
	}
	return out
}

// call sends Action with params given as name, value pairs.
func (c rpc) call(action string, kv ...string) answer {
	c.t.Helper()
	p := url.Values{}
	for i := 0; i+1 < len(kv); i += 2 {
		p.Set(kv[i], kv[i+1])
	}
	return c.send(action, p, fmt.Sprintf("nonce-%d-%d", time.Now().UnixNano(), nonceSeq.Add(1)), nil)
}

// send signs and sends; tamper, if set, changes the parameters after signing.
func (c rpc) send(action string, p url.Values, nonce string, tamper func(url.Values)) answer {
	c.t.Helper()
	p.Set("Action", action)
	if !p.Has("Version") {
		p.Set("Version", osstest.RAMVersion)
		if c.version != "" {
			p.Set("Version", c.version)
		}
	}
	p.Set("Format", "JSON")
	now := time.Now()
	if c.now != nil {
		now = c.now()
	}
	method := c.method
	if method == "" {
		method = http.MethodGet
	}
	signer.SignRPC(method, p, signer.Credentials{AccessKeyID: c.key.AccessKeyID, AccessKeySecret: c.key.AccessKeySecret,
		SecurityToken: c.key.SecurityToken}, nonce, now)
	if tamper != nil {
		tamper(p)
	}
	return c.raw(method, p)
}

// raw sends the parameters as they are.
func (c rpc) raw(method string, p url.Values) answer {
	c.t.Helper()
	var req *http.Request
	var err error
	if method == http.MethodPost {
		req, err = http.NewRequest(method, c.url+"/", strings.NewReader(p.Encode()))
		if err == nil {
			req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
		}
	} else {
		req, err = http.NewRequest(method, c.url+"/?"+p.Encode(), nil)
	}
	must(c.t, err)
	return c.do(req)
}

// do sends a request and reads the answer, checking its shape.
func (c rpc) do(req *http.Request) answer {
	c.t.Helper()
	resp, err := http.DefaultClient.Do(req)
	must(c.t, err)
	defer resp.Body.Close()
	b, err := io.ReadAll(resp.Body)
	must(c.t, err)
	a := answer{status: resp.StatusCode, raw: string(b), hostID: c.hostID}
	if a.hostID == "" {
		a.hostID = "ram.aliyuncs.com"
	}
	if err := json.Unmarshal(b, &a.body); err != nil {
		c.t.Fatalf("answer is not JSON: %s", b)
	}
	if ct := resp.Header.Get("Content-Type"); !strings.HasPrefix(ct, "application/json") {
		c.t.Errorf("Content-Type %q", ct)
	}
	if a.str("RequestId") == "" || resp.Header.Get("x-acs-request-id") != a.str("RequestId") {
		c.t.Errorf("RequestId %q, header %q", a.str("RequestId"), resp.Header.Get("x-acs-request-id"))
	}
	return a
}

// ok fails unless the answer is a success.
func (a answer) ok(t *testing.T) answer {
	t.Helper()
	if a.status != http.StatusOK {
		t.Fatalf("got %d %s", a.status, a.raw)
	}
	return a
}

// fails asserts an error answer: status, Code, and RAM's error shape.
func (a answer) fails(t *testing.T, status int, code string) answer {
	t.Helper()
	if a.status != status || a.code() != code {
		t.Fatalf("got %d %s, want %d %s", a.status, a.raw, status, code)
	}
	if a.str("HostId") != a.hostID || a.str("Message") == "" {
		t.Errorf("error shape: %s", a.raw)
	}
	return a
}

// ramUserWithKey creates a RAM user with the given policies attached (custom ones are created from
// their documents, system ones named "System:<name>") and returns its new key.
func ramUserWithKey(t *testing.T, admin rpc, user string, policies map[string]string) osstest.Key {
	t.Helper()
	admin.call("CreateUser", "UserName", user).ok(t)
	for name, doc := range policies {
		typ := "Custom"
		if n, ok := strings.CutPrefix(name, "System:"); ok {
			typ, name = "System", n
		} else {
			admin.call("CreatePolicy", "PolicyName", name, "PolicyDocument", doc).ok(t)
		}
		admin.call("AttachPolicyToUser", "PolicyType", typ, "PolicyName", name, "UserName", user).ok(t)
	}
	a := admin.call("CreateAccessKey", "UserName", user).ok(t)
	return osstest.Key{AccessKeyID: a.str("AccessKey", "AccessKeyId"), AccessKeySecret: a.str("AccessKey", "AccessKeySecret")}
}
