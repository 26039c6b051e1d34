package main

// The commands that look at what a running emulator (or any OSS endpoint) holds, signed with make dev's
// account by the project's own client:
//
//	go run ./hack/oss-emulator ls                    # the buckets
//	go run ./hack/oss-emulator ls BUCKET[/PREFIX]    # the objects, all of them under PREFIX
//	go run ./hack/oss-emulator get BUCKET/KEY        # an object's content, to stdout
//	go run ./hack/oss-emulator settings BUCKET       # GetBucketInfo and every setting, as JSON
//
// Flags (--endpoint, --access-key-id, --access-key-secret, --security-token, --region) default to
// make dev's: http://127.0.0.1:9000, LTAI-dev-access-key, dev-secret-key, cn-hangzhou.

import (
	"context"
	"encoding/json"
	"encoding/xml"
	"errors"
	"flag"
	"fmt"
	"io"
	"net/http"
	"strings"
	"text/tabwriter"
	"time"

	"github.com/ossoperator/oss-operator/ossapi"
	"github.com/ossoperator/oss-operator/ossapi/signer"
)

// make dev's emulator and account (hack/dev).
const (
	devEndpoint        = "http://127.0.0.1:9000"
	devAccessKeyID     = "LTAI-dev-access-key"
	devAccessKeySecret = "dev-secret-key"
	devRegion          = "cn-hangzhou"
)

// inspectCommands are the commands run hands to inspect.
var inspectCommands = map[string]string{
	"ls":       "[BUCKET[/PREFIX]]",
	"get":      "BUCKET/KEY",
	"settings": "BUCKET",
}

// inspect runs one of inspectCommands against an OSS endpoint.
func inspect(ctx context.Context, cmd string, args []string, stdout, stderr io.Writer) error {
	fs := flag.NewFlagSet("oss-emulator "+cmd, flag.ContinueOnError)
	fs.SetOutput(stderr)
	fs.Usage = func() {
		fmt.Fprintf(stderr, "usage: oss-emulator %s [flags] %s\n", cmd, inspectCommands[cmd])
		fs.PrintDefaults()
	}
	endpoint := fs.String("endpoint", devEndpoint, "OSS endpoint, scheme://host[:port] (make dev's emulator by default)")
	keyID := fs.String("access-key-id", devAccessKeyID, "AccessKey ID to sign with (make dev's by default)")
	secret := fs.String("access-key-secret", devAccessKeySecret, "AccessKey secret to sign with (make dev's by default)")
	token := fs.String("security-token", "", "STS security token, for an STS key")
	region := fs.String("region", devRegion, "region of the endpoint, e.g. cn-hangzhou")
	// Flags may come before or after the argument.
	var pos []string
	for {
		if err := fs.Parse(args); err != nil {
			return err
		}
		if fs.NArg() == 0 {
			break
		}
		pos, args = append(pos, fs.Arg(0)), fs.Args()[1:]
	}
	min, max := 1, 1
	if cmd == "ls" {
		min = 0
	}
	if len(pos) < min || len(pos) > max {
		fs.Usage()
		return fmt.Errorf("%s takes %s", cmd, inspectCommands[cmd])
	}
	creds := ossapi.StaticCredentials{AccessKeyID: *keyID, AccessKeySecret: *secret, SecurityToken: *token}
	c, err := ossapi.New(ossapi.Config{Region: *region, Endpoint: *endpoint, Credentials: creds,
		Retry: ossapi.RetryPolicy{MaxAttempts: 1}, Timeout: 30 * time.Second})
	if err != nil {
		return err
	}
	arg := ""
	if len(pos) > 0 {
		arg = pos[0]
	}
	bucket, key, hasKey := strings.Cut(arg, "/")
	switch {
	case cmd == "ls" && arg == "":
		return listBuckets(ctx, c, stdout)
	case cmd == "ls":
		return listObjects(ctx, c, bucket, key, stdout)
	case cmd == "get" && (!hasKey || key == "" || bucket == ""):
		return fmt.Errorf("get takes BUCKET/KEY, not %q", arg)
	case cmd == "get":
		return getObject(ctx, c, signer.Credentials(creds), bucket, key, stdout)
	case hasKey || bucket == "":
		return fmt.Errorf("settings takes BUCKET, not %q", arg)
	default:
		return bucketSettings(ctx, c, bucket, stdout)
	}
}

func listBuckets(ctx context.Context, c *ossapi.Client, stdout io.Writer) error {
	buckets, err := c.ListAllBuckets(ctx, "")
	if err != nil {
		return err
	}
	w := tabwriter.NewWriter(stdout, 0, 4, 2, ' ', 0)
	fmt.Fprintln(w, "BUCKET\tREGION\tSTORAGE CLASS\tCREATED")
	for _, b := range buckets {
		fmt.Fprintf(w, "%s\t%s\t%s\t%s\n", b.Name, b.Region, b.StorageClass, b.CreationDate.UTC().Format(time.RFC3339))
	}
	return w.Flush()
}

// listObjects lists every object under prefix, however many pages.
func listObjects(ctx context.Context, c *ossapi.Client, bucket, prefix string, stdout io.Writer) error {
	w := tabwriter.NewWriter(stdout, 0, 4, 2, ' ', 0)
	fmt.Fprintln(w, "LAST MODIFIED\tSIZE\tKEY")
	req := &ossapi.ListObjectsV2Request{Bucket: bucket, Prefix: prefix, MaxKeys: 1000}
	for {
		page, err := c.ListObjectsV2(ctx, req)
		if err != nil {
			return err
		}
		for _, o := range page.Contents {
			fmt.Fprintf(w, "%s\t%d\t%s\n", o.LastModified.UTC().Format(time.RFC3339), o.Size, o.Key)
		}
		if !page.IsTruncated || page.NextContinuationToken == "" {
			break
		}
		req.ContinuationToken = page.NextContinuationToken
	}
	return w.Flush()
}

// getObject copies the object to stdout. The client has no GetObject (the operator never reads
// objects): the request is addressed by the client and signed V4 by its signer.
func getObject(ctx context.Context, c *ossapi.Client, creds signer.Credentials, bucket, key string, stdout io.Writer) error {
	if !ossapi.ValidBucketName(bucket) {
		return fmt.Errorf("%q is not a bucket name", bucket)
	}
	sreq := &signer.Request{Method: http.MethodGet, Bucket: bucket, Key: key, Query: nil, Header: http.Header{}}
	signer.SignV4(sreq, creds, signer.Scope{Region: c.Region()}, time.Now(), nil)
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, c.URL(bucket, key, nil).String(), nil)
	if err != nil {
		return err
	}
	req.Header = sreq.Header
	resp, err := ossapi.NewHTTPClient().Do(req)
	if err != nil {
		return err
	}
	defer resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		var e struct{ Code, Message string }
		body, _ := io.ReadAll(io.LimitReader(resp.Body, 64<<10))
		if xmlErr := xml.Unmarshal(body, &e); xmlErr != nil || e.Code == "" {
			return fmt.Errorf("GET %s/%s: %s", bucket, key, resp.Status)
		}
		return fmt.Errorf("GET %s/%s: %s %s: %s", bucket, key, resp.Status, e.Code, e.Message)
	}
	_, err = io.Copy(stdout, resp.Body)
	return err
}

// settings is what bucketSettings prints: what OSS says of the bucket, and each setting that is set.
type settings struct {
	Info              *ossapi.BucketInfo                     `json:"info"`
	ACL               ossapi.ACL                             `json:"acl,omitempty"`
	Tags              map[string]string                      `json:"tags,omitempty"`
	Versioning        *ossapi.VersioningConfiguration        `json:"versioning,omitempty"`
	CORS              *ossapi.CORSConfiguration              `json:"cors,omitempty"`
	Lifecycle         *ossapi.LifecycleConfiguration         `json:"lifecycle,omitempty"`
	Encryption        *ossapi.ServerSideEncryptionRule       `json:"encryption,omitempty"`
	Logging           *ossapi.BucketLoggingStatus            `json:"logging,omitempty"`
	Policy            json.RawMessage                        `json:"policy,omitempty"`
	PublicAccessBlock *ossapi.PublicAccessBlockConfiguration `json:"publicAccessBlock,omitempty"`
	Referer           *ossapi.RefererConfiguration           `json:"referer,omitempty"`
	Website           *ossapi.WebsiteConfiguration           `json:"website,omitempty"`
}

// bucketSettings prints GetBucketInfo's answer and every setting the client reads, as JSON. A setting
// that cannot be read is left out of the JSON and its error returned, after the rest is printed.
func bucketSettings(ctx context.Context, c *ossapi.Client, bucket string, stdout io.Writer) error {
	var s settings
	var err error
	if s.Info, err = c.GetBucketInfo(ctx, bucket); err != nil {
		return err
	}
	var errs []error
	keep := func(err error) {
		if err != nil {
			errs = append(errs, err)
		}
	}
	acl, err := c.GetBucketAcl(ctx, bucket)
	keep(err)
	if acl != nil {
		s.ACL = acl.ACL
	}
	tags, err := c.GetBucketTags(ctx, bucket)
	keep(err)
	if tags != nil {
		s.Tags = tags.Map()
	}
	s.Versioning, err = c.GetBucketVersioning(ctx, bucket)
	keep(err)
	s.CORS, err = c.GetBucketCors(ctx, bucket)
	keep(err)
	s.Lifecycle, err = c.GetBucketLifecycle(ctx, bucket)
	keep(err)
	s.Encryption, err = c.GetBucketEncryption(ctx, bucket)
	keep(err)
	s.Logging, err = c.GetBucketLogging(ctx, bucket)
	keep(err)
	policy, err := c.GetBucketPolicy(ctx, bucket)
	keep(err)
	if policy != "" {
		s.Policy = json.RawMessage(policy)
	}
	s.PublicAccessBlock, err = c.GetBucketPublicAccessBlock(ctx, bucket)
	keep(err)
	s.Referer, err = c.GetBucketReferer(ctx, bucket)
	keep(err)
	s.Website, err = c.GetBucketWebsite(ctx, bucket)
	keep(err)
	// The XML types carry their element names (XMLName), noise in JSON: they are left out.
	raw, err := json.Marshal(s)
	if err != nil {
		return err
	}
	var v any
	if err := json.Unmarshal(raw, &v); err != nil {
		return err
	}
	enc := json.NewEncoder(stdout)
	enc.SetIndent("", "  ")
	if err := enc.Encode(withoutXMLNames(v)); err != nil {
		return err
	}
	return errors.Join(errs...)
}

func withoutXMLNames(v any) any {
	switch v := v.(type) {
	case map[string]any:
		delete(v, "XMLName")
		for k, e := range v {
			v[k] = withoutXMLNames(e)
		}
	case []any:
		for i, e := range v {
			v[i] = withoutXMLNames(e)
		}
	}
	return v
}
