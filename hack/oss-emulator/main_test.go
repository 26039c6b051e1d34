package main

import (
	"bufio"
	"context"
	"crypto"
	"crypto/rand"
	"crypto/rsa"
	"crypto/sha256"
	"encoding/base64"
	"encoding/json"
	"fmt"
	"io"
	"math/big"
	"net/http"
	"net/url"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/ossoperator/oss-operator/ossapi"
	"github.com/ossoperator/oss-operator/ossapi/signer"
)

func TestRun(t *testing.T) {
	key, err := rsa.GenerateKey(rand.Reader, 2048)
	if err != nil {
		t.Fatal(err)
	}
	stsConfig := writeSTSConfig(t, key)
	ctx, cancel := context.WithCancel(context.Background())
	out, w := io.Pipe()
	var stderr strings.Builder
	done := make(chan error, 1)
	go func() {
		done <- run(ctx, []string{"--listen", "127.0.0.1:0", "--ram-listen", "127.0.0.1:0", "--sts-listen", "127.0.0.1:0",
			"--sts-config", stsConfig, "--access-key-id", "dev-id", "--access-key-secret", "dev-secret", "--account-id", "42",
			"--region", "cn-shanghai", "-v"}, w, &stderr)
		w.Close()
	}()
	line, err := bufio.NewReader(out).ReadString('\n')
	if err != nil {
		t.Fatalf("reading the first line: %v", err)
	}
	go func() { _, _ = io.Copy(io.Discard, out) }()
	m := regexp.MustCompile(`listening on (http://\S+) \(region cn-shanghai, account 42, AccessKey ID dev-id\), RAM on (http://\S+), STS on (http://\S+)\n`).FindStringSubmatch(line)
	if m == nil || strings.Contains(line, "dev-secret") {
		t.Fatalf("first line %q", line)
	}
	c, err := ossapi.New(ossapi.Config{Region: "cn-shanghai", Endpoint: m[1],
		Credentials: ossapi.StaticCredentials{AccessKeyID: "dev-id", AccessKeySecret: "dev-secret"}})
	if err != nil {
		t.Fatal(err)
	}
	if err := c.PutBucket(ctx, &ossapi.PutBucketRequest{Bucket: "from-the-command"}); err != nil {
		t.Fatal(err)
	}
	info, err := c.GetBucketInfo(ctx, "from-the-command")
	if err != nil || info.Owner.ID != "42" || info.Region() != "cn-shanghai" {
		t.Fatalf("GetBucketInfo = %+v, %v", info, err)
	}

	// RAM: a user with a key that may read the bucket, and nothing else.
	dev := signer.Credentials{AccessKeyID: "dev-id", AccessKeySecret: "dev-secret"}
	callRAM(t, m[2], dev, "CreateUser", "UserName", "app")
	callRAM(t, m[2], dev, "CreatePolicy", "PolicyName", "read", "PolicyDocument",
		`{"Version":"1","Statement":[{"Effect":"Allow","Action":"oss:GetBucketInfo","Resource":"acs:oss:*:*:from-the-command"}]}`)
	callRAM(t, m[2], dev, "AttachPolicyToUser", "PolicyType", "Custom", "PolicyName", "read", "UserName", "app")
	var created struct {
		AccessKey struct{ AccessKeyId, AccessKeySecret string }
	}
	if err := json.Unmarshal(callRAM(t, m[2], dev, "CreateAccessKey", "UserName", "app"), &created); err != nil {
		t.Fatal(err)
	}
	app, err := ossapi.New(ossapi.Config{Region: "cn-shanghai", Endpoint: m[1], Credentials: ossapi.StaticCredentials{
		AccessKeyID: created.AccessKey.AccessKeyId, AccessKeySecret: created.AccessKey.AccessKeySecret}})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := app.GetBucketInfo(ctx, "from-the-command"); err != nil {
		t.Errorf("GetBucketInfo with the RAM user's key: %v", err)
	}
	if err := app.DeleteBucket(ctx, "from-the-command"); err == nil {
		t.Error("the RAM user's key deleted the bucket")
	}

	// STS: a token of the configured provider for the configured role, exchanged without a signature.
	token := signToken(t, key, map[string]any{"iss": "https://kubernetes.default.svc", "sub": "system:serviceaccount:apps:gallery",
		"aud": "sts.aliyuncs.com", "iat": time.Now().Unix(), "exp": time.Now().Add(time.Hour).Unix()})
	q := url.Values{"Action": {"AssumeRoleWithOIDC"}, "Version": {"2015-04-01"}, "Format": {"JSON"}}
	form := url.Values{"RoleArn": {"acs:ram::42:role/gallery"}, "OIDCProviderArn": {"acs:ram::42:oidc-provider/kind"},
		"OIDCToken": {token}, "RoleSessionName": {"pod"}}
	resp, err := http.Post(m[3]+"/?"+q.Encode(), "application/x-www-form-urlencoded", strings.NewReader(form.Encode()))
	if err != nil {
		t.Fatal(err)
	}
	b, err := io.ReadAll(resp.Body)
	resp.Body.Close()
	var assumed struct {
		Credentials struct{ AccessKeyId, AccessKeySecret, SecurityToken string }
	}
	if err != nil || resp.StatusCode != http.StatusOK || json.Unmarshal(b, &assumed) != nil {
		t.Fatalf("AssumeRoleWithOIDC: %d %s %v", resp.StatusCode, b, err)
	}
	sc := assumed.Credentials
	pod, err := ossapi.New(ossapi.Config{Region: "cn-shanghai", Endpoint: m[1], Credentials: ossapi.StaticCredentials{
		AccessKeyID: sc.AccessKeyId, AccessKeySecret: sc.AccessKeySecret, SecurityToken: sc.SecurityToken}})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := pod.GetBucketInfo(ctx, "from-the-command"); err != nil {
		t.Errorf("GetBucketInfo with the role session's credentials: %v", err)
	}
	if _, err := pod.ListBuckets(ctx, &ossapi.ListBucketsRequest{}); err == nil {
		t.Error("the role session listed buckets")
	}
	var identity struct{ Arn string }
	if err := json.Unmarshal(callRPC(t, m[3], "2015-04-01", signer.Credentials{AccessKeyID: sc.AccessKeyId,
		AccessKeySecret: sc.AccessKeySecret, SecurityToken: sc.SecurityToken}, "GetCallerIdentity"), &identity); err != nil ||
		identity.Arn != "acs:ram::42:assumed-role/gallery/pod" {
		t.Errorf("GetCallerIdentity: %+v %v", identity, err)
	}
	cancel()
	select {
	case err := <-done:
		if err != nil {
			t.Fatalf("run returned %v on interrupt", err)
		}
	case <-time.After(10 * time.Second):
		t.Fatal("run did not return after the context was canceled")
	}
	if logs := stderr.String(); !strings.Contains(logs, `"operation"="PutBucket"`) || !strings.Contains(logs, `"action"="CreateAccessKey"`) ||
		!strings.Contains(logs, `"action"="AssumeRoleWithOIDC"`) || strings.Contains(logs, token) ||
		strings.Contains(logs, sc.AccessKeySecret) || strings.Contains(logs, sc.SecurityToken) ||
		strings.Contains(logs, "dev-secret") || strings.Contains(logs, created.AccessKey.AccessKeySecret) || strings.Contains(logs, "Signature") {
		t.Errorf("request log:\n%s", logs)
	}
}

// callRAM sends a signed RAM request and returns the answer, failing the test unless it is 200.
func callRAM(t *testing.T, endpoint string, creds signer.Credentials, action string, kv ...string) []byte {
	t.Helper()
	return callRPC(t, endpoint, "2015-05-01", creds, action, kv...)
}

// callRPC sends a signed request to an RPC API and returns the answer, failing the test unless it is 200.
func callRPC(t *testing.T, endpoint, version string, creds signer.Credentials, action string, kv ...string) []byte {
	t.Helper()
	p := url.Values{"Action": {action}, "Version": {version}, "Format": {"JSON"}}
	for i := 0; i+1 < len(kv); i += 2 {
		p.Set(kv[i], kv[i+1])
	}
	signer.SignRPC(http.MethodGet, p, creds, fmt.Sprintf("%s-%d", action, time.Now().UnixNano()), time.Now())
	resp, err := http.Get(endpoint + "/?" + p.Encode())
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	b, err := io.ReadAll(resp.Body)
	if err != nil || resp.StatusCode != http.StatusOK {
		t.Fatalf("%s: %d %s %v", action, resp.StatusCode, b, err)
	}
	return b
}

func TestRunRequiresKeys(t *testing.T) {
	var stderr strings.Builder
	err := run(context.Background(), []string{"--listen", "127.0.0.1:0"}, io.Discard, &stderr)
	if err == nil || !strings.Contains(err.Error(), "--access-key-id") {
		t.Fatalf("got %v", err)
	}
}

// writeSTSConfig writes an --sts-config file: provider "kind", whose JWKS is key's, and role "gallery",
// which its tokens for apps/gallery may assume and which may read bucket from-the-command.
func writeSTSConfig(t *testing.T, key *rsa.PrivateKey) string {
	t.Helper()
	dir := t.TempDir()
	b64 := base64.RawURLEncoding.EncodeToString
	jwks := fmt.Sprintf(`{"keys":[{"kty":"RSA","kid":"k1","use":"sig","n":%q,"e":%q}]}`,
		b64(key.N.Bytes()), b64(big.NewInt(int64(key.E)).Bytes()))
	config := `{
  "oidcProviders": [{"name": "kind", "issuerURL": "https://kubernetes.default.svc", "clientIDs": ["sts.aliyuncs.com"],
                     "jwksFile": "jwks.json"}],
  "roles": [{"name": "gallery", "maxSessionDurationSeconds": 7200,
             "trustedOIDC": {"provider": "kind", "subjects": ["system:serviceaccount:apps:*"]},
             "policies": [{"Version": "1", "Statement": [{"Effect": "Allow", "Action": "oss:GetBucketInfo",
                           "Resource": "acs:oss:*:*:from-the-command"}]}]}]
}`
	for name, content := range map[string]string{"jwks.json": jwks, "sts.json": config} {
		if err := os.WriteFile(filepath.Join(dir, name), []byte(content), 0o600); err != nil {
			t.Fatal(err)
		}
	}
	return filepath.Join(dir, "sts.json")
}

// signToken signs claims with key as an RS256 JWT of kid k1.
func signToken(t *testing.T, key *rsa.PrivateKey, claims map[string]any) string {
	t.Helper()
	b64 := base64.RawURLEncoding.EncodeToString
	p, err := json.Marshal(claims)
	if err != nil {
		t.Fatal(err)
	}
	input := b64([]byte(`{"alg":"RS256","kid":"k1"}`)) + "." + b64(p)
	sum := sha256.Sum256([]byte(input))
	sig, err := rsa.SignPKCS1v15(rand.Reader, key, crypto.SHA256, sum[:])
	if err != nil {
		t.Fatal(err)
	}
	return input + "." + b64(sig)
}

func TestRunRefusesABadSTSConfig(t *testing.T) {
	dir := t.TempDir()
	for name, content := range map[string]string{
		"unknown field": `{"roles": [{"name": "r", "maxSession": 1}]}`,
		"bad role name": `{"roles": [{"name": "no spaces"}]}`,
		"no JWKS":       `{"oidcProviders": [{"name": "p", "issuerURL": "https://i", "clientIDs": ["a"]}]}`,
		"bad policy":    `{"roles": [{"name": "r", "policies": [{"Version": "2"}]}]}`,
	} {
		path := filepath.Join(dir, strings.ReplaceAll(name, " ", "-")+".json")
		if err := os.WriteFile(path, []byte(content), 0o600); err != nil {
			t.Fatal(err)
		}
		err := run(context.Background(), []string{"--listen", "127.0.0.1:0", "--ram-listen", "", "--sts-listen", "",
			"--access-key-id", "a", "--access-key-secret", "b", "--sts-config", path}, io.Discard, io.Discard)
		if err == nil || !strings.Contains(err.Error(), path) {
			t.Errorf("%s: got %v, want an error naming the file", name, err)
		}
	}
}
