package main

import (
	"bufio"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/ossoperator/oss-operator/ossapi"
	"github.com/ossoperator/oss-operator/ossapi/signer"
)

func TestRun(t *testing.T) {
	ctx, cancel := context.WithCancel(context.Background())
	out, w := io.Pipe()
	var stderr strings.Builder
	done := make(chan error, 1)
	go func() {
		done <- run(ctx, []string{"--listen", "127.0.0.1:0", "--ram-listen", "127.0.0.1:0", "--access-key-id", "dev-id",
			"--access-key-secret", "dev-secret", "--account-id", "42", "--region", "cn-shanghai", "-v"}, w, &stderr)
		w.Close()
	}()
	line, err := bufio.NewReader(out).ReadString('\n')
	if err != nil {
		t.Fatalf("reading the first line: %v", err)
	}
	go func() { _, _ = io.Copy(io.Discard, out) }()
	m := regexp.MustCompile(`listening on (http://\S+) \(region cn-shanghai, account 42, AccessKey ID dev-id\), RAM on (http://\S+)\n`).FindStringSubmatch(line)
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
		strings.Contains(logs, "dev-secret") || strings.Contains(logs, created.AccessKey.AccessKeySecret) || strings.Contains(logs, "Signature") {
		t.Errorf("request log:\n%s", logs)
	}
}

// callRAM sends a signed RAM request and returns the answer, failing the test unless it is 200.
func callRAM(t *testing.T, endpoint string, creds signer.Credentials, action string, kv ...string) []byte {
	t.Helper()
	p := url.Values{"Action": {action}, "Version": {"2015-05-01"}, "Format": {"JSON"}}
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
