package main

import (
	"context"
	"encoding/json"
	"os"
	"regexp"
	"strings"
	"testing"

	"github.com/ossoperator/oss-operator/ossapi"
	"github.com/ossoperator/oss-operator/ossapi/osstest"
)

// The inspection commands against an emulator holding what make dev's operator would leave: buckets,
// objects, settings. Only the endpoint is given: the keys and region are make dev's by default.
func TestInspect(t *testing.T) {
	srv := osstest.NewServer(osstest.WithAccount(osstest.Account{ID: "1000000000000001",
		Keys: []osstest.Key{{AccessKeyID: devAccessKeyID, AccessKeySecret: devAccessKeySecret}}}), osstest.WithRegion(devRegion),
		osstest.WithBlockPublicAccessByDefault(false))
	defer srv.Close()
	ctx := context.Background()
	c, err := ossapi.New(ossapi.Config{Region: devRegion, Endpoint: srv.URL,
		Credentials: ossapi.StaticCredentials{AccessKeyID: devAccessKeyID, AccessKeySecret: devAccessKeySecret}})
	if err != nil {
		t.Fatal(err)
	}
	for _, b := range []string{"example-bucket", "other-bucket"} {
		if err := c.PutBucket(ctx, &ossapi.PutBucketRequest{Bucket: b}); err != nil {
			t.Fatal(err)
		}
	}
	for key, body := range map[string]string{"photos/a.jpg": "AAAA", "photos/b.jpg": "BB", "index.html": "<h1>hello</h1>\n", "odd key+é.txt": "odd"} {
		if _, err := c.PutObject(ctx, &ossapi.PutObjectRequest{Bucket: "example-bucket", Key: key, Body: []byte(body)}); err != nil {
			t.Fatal(err)
		}
	}
	if err := c.PutBucketTags(ctx, "example-bucket", &ossapi.Tagging{Tags: []ossapi.Tag{{Key: "team", Value: "web"}}}); err != nil {
		t.Fatal(err)
	}
	if err := c.PutBucketAcl(ctx, "example-bucket", ossapi.ACLPublicRead); err != nil {
		t.Fatal(err)
	}

	cmd := func(args ...string) (string, string, error) {
		var stdout, stderr strings.Builder
		err := run(ctx, args, &stdout, &stderr)
		return stdout.String(), stderr.String(), err
	}
	out, _, err := cmd("ls", "--endpoint", srv.URL)
	if err != nil || !regexp.MustCompile(`(?m)^BUCKET +REGION +STORAGE CLASS +CREATED\nexample-bucket +cn-hangzhou +Standard +\S+Z\nother-bucket +cn-hangzhou`).MatchString(out) {
		t.Errorf("ls = %q, %v", out, err)
	}
	// Flags may follow the argument.
	out, _, err = cmd("ls", "example-bucket/photos/", "--endpoint", srv.URL)
	if err != nil || !regexp.MustCompile(`^LAST MODIFIED +SIZE +KEY\n\S+Z +4 +photos/a.jpg\n\S+Z +2 +photos/b.jpg\n$`).MatchString(out) {
		t.Errorf("ls example-bucket/photos/ = %q, %v", out, err)
	}
	out, _, err = cmd("ls", "--endpoint", srv.URL, "example-bucket")
	if err != nil || strings.Count(out, "\n") != 5 || !strings.Contains(out, "odd key+é.txt\n") {
		t.Errorf("ls example-bucket = %q, %v", out, err)
	}
	for key, want := range map[string]string{"index.html": "<h1>hello</h1>\n", "odd key+é.txt": "odd"} {
		if out, _, err := cmd("get", "--endpoint", srv.URL, "example-bucket/"+key); err != nil || out != want {
			t.Errorf("get %s = %q, %v", key, out, err)
		}
	}
	if _, _, err := cmd("get", "--endpoint", srv.URL, "example-bucket/missing"); err == nil || !strings.Contains(err.Error(), "404") || !strings.Contains(err.Error(), "NoSuchKey") {
		t.Errorf("get of a missing key: %v", err)
	}
	if _, _, err := cmd("get", "--endpoint", srv.URL, "--access-key-secret", "wrong", "example-bucket/index.html"); err == nil || !strings.Contains(err.Error(), "SignatureDoesNotMatch") {
		t.Errorf("get with the wrong secret: %v", err)
	}

	out, _, err = cmd("settings", "--endpoint", srv.URL, "example-bucket")
	var s struct {
		Info struct{ Name, Location string }
		ACL  string            `json:"acl"`
		Tags map[string]string `json:"tags"`
	}
	if err != nil || json.Unmarshal([]byte(out), &s) != nil || s.Info.Name != "example-bucket" || s.Info.Location != "oss-cn-hangzhou" ||
		s.ACL != "public-read" || s.Tags["team"] != "web" || strings.Contains(out, `"cors"`) || strings.Contains(out, "XMLName") {
		t.Errorf("settings = %s, %v", out, err)
	}
	if _, _, err := cmd("ls", "--endpoint", srv.URL, "no-such-bucket"); err == nil || !strings.Contains(err.Error(), "NoSuchBucket") {
		t.Errorf("ls of a missing bucket: %v", err)
	}

	for _, args := range [][]string{{"get", "example-bucket"}, {"get"}, {"settings"}, {"settings", "example-bucket/key"}, {"ls", "a", "b"}} {
		if _, _, err := cmd(args...); err == nil {
			t.Errorf("%q: no error", args)
		}
	}
}

// The defaults are make dev's emulator and account.
func TestInspectDefaultsAreMakeDevs(t *testing.T) {
	src, err := os.ReadFile("../dev/main.go")
	if err != nil {
		t.Fatal(err)
	}
	for _, want := range []string{
		`devAccessKeyID\s+= "` + regexp.QuoteMeta(devAccessKeyID) + `"`,
		`devAccessKeySecret\s+= "` + regexp.QuoteMeta(devAccessKeySecret) + `"`,
		`devRegion\s+= "` + regexp.QuoteMeta(devRegion) + `"`,
		`"oss-listen", "` + regexp.QuoteMeta(strings.TrimPrefix(devEndpoint, "http://")) + `"`,
	} {
		if !regexp.MustCompile(want).Match(src) {
			t.Errorf("hack/dev/main.go lacks %s", want)
		}
	}
}
