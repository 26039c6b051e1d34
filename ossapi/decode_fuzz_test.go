package ossapi

import (
	"bytes"
	"context"
	"encoding/base64"
	"errors"
	"io"
	"net/http"
	"sort"
	"strconv"
	"strings"
	"testing"
)

// fixedAnswer is a transport that answers every request with the same status, headers and body.
type fixedAnswer struct {
	status int
	header http.Header
	body   []byte
}

func (a fixedAnswer) RoundTrip(r *http.Request) (*http.Response, error) {
	return &http.Response{StatusCode: a.status, Header: a.header.Clone(), Body: io.NopCloser(bytes.NewReader(a.body)),
		ContentLength: int64(len(a.body)), Request: r}, nil
}

// everyCall calls each client operation once; the answer decides what it gets back.
var everyCall = map[string]func(context.Context, *Client) error{
	OpListBuckets: func(ctx context.Context, c *Client) error {
		_, err := c.ListBuckets(ctx, &ListBucketsRequest{})
		return err
	},
	OpPutBucket:         func(ctx context.Context, c *Client) error { return c.PutBucket(ctx, &PutBucketRequest{Bucket: "bkt"}) },
	OpGetBucketInfo:     func(ctx context.Context, c *Client) error { _, err := c.GetBucketInfo(ctx, "bkt"); return err },
	OpGetBucketLocation: func(ctx context.Context, c *Client) error { _, err := c.GetBucketLocation(ctx, "bkt"); return err },
	OpGetBucketStat:     func(ctx context.Context, c *Client) error { _, err := c.GetBucketStat(ctx, "bkt"); return err },
	OpDeleteBucket:      func(ctx context.Context, c *Client) error { return c.DeleteBucket(ctx, "bkt") },
	OpPutBucketAcl:      func(ctx context.Context, c *Client) error { return c.PutBucketAcl(ctx, "bkt", ACLPrivate) },
	OpGetBucketAcl:      func(ctx context.Context, c *Client) error { _, err := c.GetBucketAcl(ctx, "bkt"); return err },
	OpPutBucketVersioning: func(ctx context.Context, c *Client) error {
		return c.PutBucketVersioning(ctx, "bkt", &VersioningConfiguration{Status: "Enabled"})
	},
	OpGetBucketVersioning: func(ctx context.Context, c *Client) error { _, err := c.GetBucketVersioning(ctx, "bkt"); return err },
	OpPutBucketEncryption: func(ctx context.Context, c *Client) error {
		return c.PutBucketEncryption(ctx, "bkt", &ServerSideEncryptionRule{})
	},
	OpGetBucketEncryption:    func(ctx context.Context, c *Client) error { _, err := c.GetBucketEncryption(ctx, "bkt"); return err },
	OpDeleteBucketEncryption: func(ctx context.Context, c *Client) error { return c.DeleteBucketEncryption(ctx, "bkt") },
	OpPutBucketLifecycle: func(ctx context.Context, c *Client) error {
		return c.PutBucketLifecycle(ctx, "bkt", &LifecycleConfiguration{})
	},
	OpGetBucketLifecycle:    func(ctx context.Context, c *Client) error { _, err := c.GetBucketLifecycle(ctx, "bkt"); return err },
	OpDeleteBucketLifecycle: func(ctx context.Context, c *Client) error { return c.DeleteBucketLifecycle(ctx, "bkt") },
	OpPutBucketCors:         func(ctx context.Context, c *Client) error { return c.PutBucketCors(ctx, "bkt", &CORSConfiguration{}) },
	OpGetBucketCors:         func(ctx context.Context, c *Client) error { _, err := c.GetBucketCors(ctx, "bkt"); return err },
	OpDeleteBucketCors:      func(ctx context.Context, c *Client) error { return c.DeleteBucketCors(ctx, "bkt") },
	OpPutBucketTags:         func(ctx context.Context, c *Client) error { return c.PutBucketTags(ctx, "bkt", &Tagging{}) },
	OpGetBucketTags:         func(ctx context.Context, c *Client) error { _, err := c.GetBucketTags(ctx, "bkt"); return err },
	OpDeleteBucketTags:      func(ctx context.Context, c *Client) error { return c.DeleteBucketTags(ctx, "bkt", "k1", "k2") },
	OpPutBucketPolicy:       func(ctx context.Context, c *Client) error { return c.PutBucketPolicy(ctx, "bkt", `{"Version":"1"}`) },
	OpGetBucketPolicy:       func(ctx context.Context, c *Client) error { _, err := c.GetBucketPolicy(ctx, "bkt"); return err },
	OpDeleteBucketPolicy:    func(ctx context.Context, c *Client) error { return c.DeleteBucketPolicy(ctx, "bkt") },
	OpPutBucketLogging: func(ctx context.Context, c *Client) error {
		return c.PutBucketLogging(ctx, "bkt", &BucketLoggingStatus{})
	},
	OpGetBucketLogging:    func(ctx context.Context, c *Client) error { _, err := c.GetBucketLogging(ctx, "bkt"); return err },
	OpDeleteBucketLogging: func(ctx context.Context, c *Client) error { return c.DeleteBucketLogging(ctx, "bkt") },
	OpPutBucketWebsite: func(ctx context.Context, c *Client) error {
		return c.PutBucketWebsite(ctx, "bkt", &WebsiteConfiguration{})
	},
	OpGetBucketWebsite:    func(ctx context.Context, c *Client) error { _, err := c.GetBucketWebsite(ctx, "bkt"); return err },
	OpDeleteBucketWebsite: func(ctx context.Context, c *Client) error { return c.DeleteBucketWebsite(ctx, "bkt") },
	OpPutBucketPublicAccessBlock: func(ctx context.Context, c *Client) error {
		return c.PutBucketPublicAccessBlock(ctx, "bkt", &PublicAccessBlockConfiguration{})
	},
	OpGetBucketPublicAccessBlock: func(ctx context.Context, c *Client) error {
		_, err := c.GetBucketPublicAccessBlock(ctx, "bkt")
		return err
	},
	OpDeleteBucketPublicAccessBlock: func(ctx context.Context, c *Client) error { return c.DeleteBucketPublicAccessBlock(ctx, "bkt") },
	OpPutBucketReferer: func(ctx context.Context, c *Client) error {
		return c.PutBucketReferer(ctx, "bkt", &RefererConfiguration{})
	},
	OpGetBucketReferer:       func(ctx context.Context, c *Client) error { _, err := c.GetBucketReferer(ctx, "bkt"); return err },
	OpPutBucketResourceGroup: func(ctx context.Context, c *Client) error { return c.PutBucketResourceGroup(ctx, "bkt", "rg-1") },
	OpGetBucketResourceGroup: func(ctx context.Context, c *Client) error {
		_, err := c.GetBucketResourceGroup(ctx, "bkt")
		return err
	},
	OpListObjectsV2: func(ctx context.Context, c *Client) error {
		_, err := c.ListObjectsV2(ctx, &ListObjectsV2Request{Bucket: "bkt"})
		return err
	},
	OpListObjectVersions: func(ctx context.Context, c *Client) error {
		_, err := c.ListObjectVersions(ctx, &ListObjectVersionsRequest{Bucket: "bkt"})
		return err
	},
	OpListMultipartUploads: func(ctx context.Context, c *Client) error {
		_, err := c.ListMultipartUploads(ctx, &ListMultipartUploadsRequest{Bucket: "bkt"})
		return err
	},
	OpInitiateMultipartUpload: func(ctx context.Context, c *Client) error {
		_, err := c.InitiateMultipartUpload(ctx, "bkt", "k")
		return err
	},
	OpAbortMultipartUpload: func(ctx context.Context, c *Client) error { return c.AbortMultipartUpload(ctx, "bkt", "k", "u") },
	OpPutObject: func(ctx context.Context, c *Client) error {
		_, err := c.PutObject(ctx, &PutObjectRequest{Bucket: "bkt", Key: "k"})
		return err
	},
	OpDeleteObject: func(ctx context.Context, c *Client) error { _, err := c.DeleteObject(ctx, "bkt", "k", ""); return err },
	OpDeleteMultipleObjects: func(ctx context.Context, c *Client) error {
		_, err := c.DeleteMultipleObjects(ctx, &DeleteMultipleObjectsRequest{Bucket: "bkt", Objects: []ObjectIdentifier{{Key: "k"}}})
		return err
	},
}

func TestPrettyPrintedErrorCode(t *testing.T) {
	e := newError(OpGetBucketLifecycle, "bkt", 404, http.Header{}, []byte("<Error>\n  <Code>\n    NoSuchLifecycle\n  </Code>\n  <EC> 0015-00000101 </EC>\n</Error>"))
	if !IsCode(e, CodeNoSuchLifecycle) || e.EC != "0015-00000101" {
		t.Errorf("got %+v", *e)
	}
}

func TestEveryOperationIsFuzzed(t *testing.T) {
	for _, op := range Operations {
		if everyCall[op] == nil {
			t.Errorf("FuzzDecodeResponses does not call %s", op)
		}
	}
}

// fuzzedOps is everyCall's operations in a fixed order, for the fuzzer to pick from.
var fuzzedOps = func() []string {
	ops := make([]string, 0, len(everyCall))
	for op := range everyCall {
		ops = append(ops, op)
	}
	sort.Strings(ops)
	return ops
}()

func opIndex(op string) uint8 { return uint8(sort.SearchStrings(fuzzedOps, op)) }

// FuzzDecodeResponses answers an operation with arbitrary bytes, as a 2xx body, an error body, or base64
// in x-oss-err (how HEAD carries errors). Decoding must never panic; a 2xx answer yields a result, a
// *DecodeError or (over the operation's limits) a *ResponseTooLargeError; an error answer yields an
// *Error with a usable Code and the status. No message quotes the body.
func FuzzDecodeResponses(f *testing.F) {
	for _, seed := range decodeSeeds {
		f.Add(opIndex(seed.op), 200, []byte(seed.body), false)
		f.Add(opIndex(seed.op), 404, []byte(seed.body), false)
	}
	f.Add(opIndex(OpDeleteBucket), 204, []byte(nil), false)
	f.Add(opIndex(OpGetBucketInfo), 403, []byte(nil), true)
	f.Add(opIndex(OpGetBucketInfo), 404, []byte(decodeSeeds[0].body), true)
	f.Add(opIndex(OpListBuckets), 503, []byte("<html><body>Service Unavailable</body></html>"), false)
	f.Add(opIndex(OpGetBucketLifecycle), 302, []byte("<Error><Code>  </Code></Error>"), false)
	f.Add(opIndex(OpGetBucketLifecycle), 404, []byte("<Error>\n  <Code>\n    NoSuchLifecycle\n  </Code>\n</Error>"), false)

	f.Fuzz(func(t *testing.T, opi uint8, status int, body []byte, inHeader bool) {
		op := fuzzedOps[int(opi)%len(fuzzedOps)]
		if status < 200 || status > 599 {
			status = 200 + (status%400+400)%400
		}
		header := http.Header{HeaderRequestID: {"REQ"}}
		if inHeader {
			header.Set(HeaderErr, base64.StdEncoding.EncodeToString(body))
			body = nil
		}

		if status >= 300 {
			checkError(t, newError(op, "bkt", status, header, body), status)
		}

		c, err := New(Config{
			Region: "cn-hangzhou", Endpoint: "http://127.0.0.1:1", Credentials: StaticCredentials{AccessKeyID: "ak", AccessKeySecret: "sk"},
			HTTPClient: &http.Client{Transport: fixedAnswer{status, header, body},
				CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }},
			Retry: RetryPolicy{MaxAttempts: 1},
		})
		if err != nil {
			t.Fatal(err)
		}
		err = everyCall[op](context.Background(), c)
		switch {
		case err == nil:
			// a 2xx that decoded, or a "not configured" code reported as absent
		case status < 300:
			var de *DecodeError
			var tl *ResponseTooLargeError
			if !errors.As(err, &de) && !errors.As(err, &tl) {
				t.Fatalf("%s: a %d answer gave %T %v, want a *DecodeError or a *ResponseTooLargeError", op, status, err, err)
			}
			if msg := strings.ToLower(err.Error()); !strings.HasPrefix(msg, strings.ToLower("oss: "+op+": the "+strconv.Itoa(status)+" answer ")) || len(msg) > 256 {
				t.Fatalf("%s: message %q is not the client's own", op, err.Error())
			}
		default:
			e, ok := AsError(err)
			if !ok {
				t.Fatalf("%s: a %d answer gave %T %v, want an *Error", op, status, err, err)
			}
			checkError(t, e, status)
		}
	})
}

func checkError(t *testing.T, e *Error, status int) {
	t.Helper()
	if strings.TrimSpace(e.Code) == "" {
		t.Fatalf("%s: error with an empty code: %+v", e.Operation, *e)
	}
	for _, v := range []struct {
		s   string
		max int
	}{{e.Code, maxCode}, {e.RequestID, maxRequestID}, {e.EC, maxEC}, {e.HostID, maxHostID}} {
		if v.s != "" && token(v.s, v.max) != v.s {
			t.Fatalf("%s: a code or ID that is not bounded printable ASCII: %+v", e.Operation, *e)
		}
	}
	if e.Message != boundText(e.Message, maxErrorMessage+len("...")) {
		t.Fatalf("%s: a message with control characters: %q", e.Operation, e.Message)
	}
	if e.StatusCode != status {
		t.Fatalf("%s: status %d, want %d", e.Operation, e.StatusCode, status)
	}
	if len(e.Message) > maxErrorMessage+len("...") {
		t.Fatalf("%s: message of %d bytes", e.Operation, len(e.Message))
	}
	_ = e.Error()
}

// decodeSeeds are realistic answers (from the reference and the SDK's mock tests) for the fuzzer to
// mutate. Answers that name their bucket name everyCall's "bkt", so that they are accepted.
var decodeSeeds = []struct{ op, body string }{
	{OpGetBucketInfo, `<?xml version="1.0" encoding="UTF-8"?><Error><Code>NoSuchBucket</Code><Message>The specified bucket does not exist.</Message><RequestId>5C3D9175B6FC201293AD****</RequestId><HostId>test.oss-cn-hangzhou.aliyuncs.com</HostId><BucketName>test</BucketName><EC>0015-00000101</EC></Error>`},
	{OpGetBucketInfo, `<Error><Code>SignatureDoesNotMatch</Code><Message>The request signature we calculated does not match the signature you provided.</Message><StringToSign>GET&#xA;&#xA;</StringToSign><EC>0002-00000040</EC></Error>`},
	{OpListBuckets, `<ListAllMyBucketsResult><Prefix/><Marker/><MaxKeys>100</MaxKeys><IsTruncated>true</IsTruncated><NextMarker>b</NextMarker><Owner><ID>51264</ID><DisplayName>51264</DisplayName></Owner><Buckets><Bucket><CreationDate>2014-02-17T18:12:43.000Z</CreationDate><ExtranetEndpoint>oss-cn-shanghai.aliyuncs.com</ExtranetEndpoint><IntranetEndpoint>oss-cn-shanghai-internal.aliyuncs.com</IntranetEndpoint><Location>oss-cn-shanghai</Location><Name>app-base-oss</Name><Region>cn-shanghai</Region><StorageClass>Standard</StorageClass><ResourceGroupId>rg-1</ResourceGroupId></Bucket></Buckets></ListAllMyBucketsResult>`},
	{OpGetBucketInfo, `<BucketInfo><Bucket><AccessMonitor>Enabled</AccessMonitor><CreationDate>2013-07-31T10:56:21.000Z</CreationDate><ExtranetEndpoint>oss-cn-hangzhou.aliyuncs.com</ExtranetEndpoint><IntranetEndpoint>oss-cn-hangzhou-internal.aliyuncs.com</IntranetEndpoint><Location>oss-cn-hangzhou</Location><StorageClass>Standard</StorageClass><DataRedundancyType>LRS</DataRedundancyType><TransferAcceleration>Disabled</TransferAcceleration><CrossRegionReplication>Disabled</CrossRegionReplication><Name>bkt</Name><ResourceGroupId>rg-aek27tc</ResourceGroupId><Owner><DisplayName>username</DisplayName><ID>27183473914</ID></Owner><AccessControlList><Grant>private</Grant></AccessControlList><ServerSideEncryptionRule><SSEAlgorithm>KMS</SSEAlgorithm><KMSMasterKeyID></KMSMasterKeyID><KMSDataEncryption>SM4</KMSDataEncryption></ServerSideEncryptionRule><BucketPolicy><LogBucket>examplebucket</LogBucket><LogPrefix>log/</LogPrefix></BucketPolicy><Versioning>Enabled</Versioning><BlockPublicAccess>true</BlockPublicAccess></Bucket></BucketInfo>`},
	{OpGetBucketLocation, `<LocationConstraint>oss-cn-hangzhou</LocationConstraint>`},
	{OpGetBucketStat, `<BucketStat><Storage>1600</Storage><ObjectCount>230</ObjectCount><MultipartUploadCount>40</MultipartUploadCount><LiveChannelCount>4</LiveChannelCount><LastModifiedTime>1643341269</LastModifiedTime><StandardStorage>430</StandardStorage><DeleteMarkerCount>6276</DeleteMarkerCount></BucketStat>`},
	{OpGetBucketAcl, `<AccessControlPolicy><Owner><ID>0022012</ID><DisplayName>0022012</DisplayName></Owner><AccessControlList><Grant>public-read</Grant></AccessControlList></AccessControlPolicy>`},
	{OpGetBucketVersioning, `<VersioningConfiguration><Status>Enabled</Status></VersioningConfiguration>`},
	{OpGetBucketEncryption, `<ServerSideEncryptionRule><ApplyServerSideEncryptionByDefault><SSEAlgorithm>KMS</SSEAlgorithm><KMSMasterKeyID>9468da86-3509-4f8d-a61e-6eab1eac</KMSMasterKeyID><KMSDataEncryption>SM4</KMSDataEncryption></ApplyServerSideEncryptionByDefault></ServerSideEncryptionRule>`},
	{OpGetBucketLifecycle, `<LifecycleConfiguration><Rule><ID>rule1</ID><Prefix>logs/</Prefix><Status>Enabled</Status><Tag><Key>xx</Key><Value>1</Value></Tag><Filter><Not><Prefix>logs/keep</Prefix></Not><ObjectSizeGreaterThan>500</ObjectSizeGreaterThan></Filter><Expiration><Days>30</Days></Expiration><Transition><Days>10</Days><StorageClass>IA</StorageClass></Transition><AbortMultipartUpload><CreatedBeforeDate>2015-11-11T00:00:00.000Z</CreatedBeforeDate></AbortMultipartUpload><NoncurrentVersionExpiration><NoncurrentDays>5</NoncurrentDays></NoncurrentVersionExpiration></Rule></LifecycleConfiguration>`},
	{OpGetBucketCors, `<CORSConfiguration><CORSRule><AllowedOrigin>*</AllowedOrigin><AllowedMethod>PUT</AllowedMethod><AllowedMethod>GET</AllowedMethod><AllowedHeader>Authorization</AllowedHeader><ExposeHeader>x-oss-test</ExposeHeader><MaxAgeSeconds>100</MaxAgeSeconds></CORSRule><ResponseVary>false</ResponseVary></CORSConfiguration>`},
	{OpGetBucketTags, `<Tagging><TagSet><Tag><Key>testa</Key><Value>value1-test</Value></Tag><Tag><Key>testb</Key><Value>value2-test</Value></Tag></TagSet></Tagging>`},
	{OpGetBucketLogging, `<BucketLoggingStatus><LoggingEnabled><TargetBucket>bucket-log</TargetBucket><TargetPrefix>prefix-access_log</TargetPrefix></LoggingEnabled></BucketLoggingStatus>`},
	{OpGetBucketWebsite, `<WebsiteConfiguration><IndexDocument><Suffix>index.html</Suffix><SupportSubDir>true</SupportSubDir><Type>0</Type></IndexDocument><ErrorDocument><Key>error.html</Key><HttpStatus>404</HttpStatus></ErrorDocument><RoutingRules><RoutingRule><RuleNumber>1</RuleNumber><Condition><KeyPrefixEquals>abc/</KeyPrefixEquals><HttpErrorCodeReturnedEquals>404</HttpErrorCodeReturnedEquals></Condition><Redirect><RedirectType>Mirror</RedirectType><MirrorURL>http://example.com/</MirrorURL></Redirect></RoutingRule></RoutingRules></WebsiteConfiguration>`},
	{OpGetBucketPublicAccessBlock, `<PublicAccessBlockConfiguration><BlockPublicAccess>true</BlockPublicAccess></PublicAccessBlockConfiguration>`},
	{OpGetBucketReferer, `<RefererConfiguration><AllowEmptyReferer>false</AllowEmptyReferer><AllowTruncateQueryString>true</AllowTruncateQueryString><TruncatePath>true</TruncatePath><RefererList><Referer>http://www.aliyun.com</Referer><Referer>https://*.aliyun.com</Referer></RefererList><RefererBlacklist><Referer>http://www.refuse.com</Referer></RefererBlacklist></RefererConfiguration>`},
	{OpGetBucketResourceGroup, `<BucketResourceGroupConfiguration><ResourceGroupId>rg-aekz****</ResourceGroupId></BucketResourceGroupConfiguration>`},
	{OpListObjectsV2, `<ListBucketResult><Name>bkt</Name><Prefix>a%20b</Prefix><StartAfter>b</StartAfter><MaxKeys>3</MaxKeys><Delimiter>%2F</Delimiter><IsTruncated>true</IsTruncated><EncodingType>url</EncodingType><NextContinuationToken>CgJiYw--</NextContinuationToken><KeyCount>1</KeyCount><Contents><Key>a%20b%2Bc</Key><LastModified>2020-05-18T05:45:54.000Z</LastModified><ETag>"35A27C2B9EAEEB6F48FD7FB5861D824A"</ETag><Size>1</Size><StorageClass>Standard</StorageClass><Owner><ID>1</ID><DisplayName>1</DisplayName></Owner></Contents><CommonPrefixes><Prefix>a%2F</Prefix></CommonPrefixes></ListBucketResult>`},
	{OpListObjectVersions, `<ListVersionsResult><Name>bkt</Name><Prefix></Prefix><KeyMarker>%ZZ</KeyMarker><EncodingType>url</EncodingType><IsTruncated>false</IsTruncated><Version><Key>example</Key><VersionId>CAEQ</VersionId><IsLatest>true</IsLatest><LastModified>2019-04-09T07:27:28.000Z</LastModified><Size>93731</Size></Version><DeleteMarker><Key>a%20b</Key><VersionId>CAEQ2</VersionId><IsLatest>false</IsLatest><LastModified>2019-04-09T07:27:28.000Z</LastModified></DeleteMarker></ListVersionsResult>`},
	{OpListMultipartUploads, `<ListMultipartUploadsResult><Bucket>bkt</Bucket><EncodingType>url</EncodingType><Upload><Key>multipart%2Edata</Key><UploadId>0004B999EF518A1FE585B0C9360DC4C8</UploadId><Initiated>2012-02-23T04:18:23.000Z</Initiated></Upload></ListMultipartUploadsResult>`},
	{OpInitiateMultipartUpload, `<InitiateMultipartUploadResult><Bucket>bkt</Bucket><Key>multipart.data</Key><UploadId>0004B9894A22E5B1888A1E29F823</UploadId></InitiateMultipartUploadResult>`},
	{OpDeleteMultipleObjects, `<DeleteResult><EncodingType>url</EncodingType><Deleted><Key>multipart%2Edata</Key><VersionId>CAEQ</VersionId><DeleteMarker>true</DeleteMarker><DeleteMarkerVersionId>CAEQ2</DeleteMarkerVersionId></Deleted></DeleteResult>`},
	{OpGetBucketPolicy, `{"Version":"1","Statement":[{"Effect":"Allow","Action":["oss:GetObject"],"Principal":["*"],"Resource":["acs:oss:*:*:bkt/*"]}]}`},
	{OpPutObject, ``},
}
