package main

import (
	"bufio"
	"context"
	"io"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/ossoperator/oss-operator/ossapi"
)

func TestRun(t *testing.T) {
	ctx, cancel := context.WithCancel(context.Background())
	out, w := io.Pipe()
	var stderr strings.Builder
	done := make(chan error, 1)
	go func() {
		done <- run(ctx, []string{"--listen", "127.0.0.1:0", "--access-key-id", "dev-id", "--access-key-secret", "dev-secret",
			"--account-id", "42", "--region", "cn-shanghai", "-v"}, w, &stderr)
		w.Close()
	}()
	line, err := bufio.NewReader(out).ReadString('\n')
	if err != nil {
		t.Fatalf("reading the first line: %v", err)
	}
	go func() { _, _ = io.Copy(io.Discard, out) }()
	m := regexp.MustCompile(`listening on (http://\S+) \(region cn-shanghai, account 42, AccessKey ID dev-id\)`).FindStringSubmatch(line)
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
	cancel()
	select {
	case err := <-done:
		if err != nil {
			t.Fatalf("run returned %v on interrupt", err)
		}
	case <-time.After(10 * time.Second):
		t.Fatal("run did not return after the context was canceled")
	}
	if logs := stderr.String(); !strings.Contains(logs, `"operation"="PutBucket"`) || strings.Contains(logs, "dev-secret") || strings.Contains(logs, "Signature") {
		t.Errorf("request log:\n%s", logs)
	}
}

func TestRunRequiresKeys(t *testing.T) {
	var stderr strings.Builder
	err := run(context.Background(), []string{"--listen", "127.0.0.1:0"}, io.Discard, &stderr)
	if err == nil || !strings.Contains(err.Error(), "--access-key-id") {
		t.Fatalf("got %v", err)
	}
}
