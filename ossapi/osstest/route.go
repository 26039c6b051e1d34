package osstest

import (
	"net"
	"net/http"
	"net/url"
	"strings"

	"github.com/ossoperator/oss-operator/ossapi"
	"github.com/ossoperator/oss-operator/ossapi/signer"
)

// address splits a request into bucket and (decoded) key. Host "<bucket>.<endpoint>" is virtual-hosted:
// the path is the key. Any other host is the endpoint itself and the path is /<bucket>/<key>, or "/"
// for service requests.
func (e *Emulator) address(r *http.Request) (bucket, key string) {
	if b := e.virtualHostBucket(r.Host); b != "" {
		return b, strings.TrimPrefix(r.URL.Path, "/")
	}
	p := strings.TrimPrefix(r.URL.Path, "/")
	bucket, key, _ = strings.Cut(p, "/")
	return bucket, key
}

// virtualHostBucket returns the bucket named by the first label of host, when the rest of host is an
// endpoint: an IP address, localhost, oss-<region>[-internal].aliyuncs.com, <region>.oss.aliyuncs.com or a
// WithEndpointHost name.
func (e *Emulator) virtualHostBucket(host string) string {
	host = strings.ToLower(host)
	name := host
	if h, _, err := net.SplitHostPort(host); err == nil {
		name = h
	}
	first, rest, ok := strings.Cut(name, ".")
	if !ok || first == "" || net.ParseIP(name) != nil {
		return ""
	}
	switch {
	case net.ParseIP(rest) != nil, rest == "localhost":
		return first
	case strings.HasPrefix(rest, "oss-") && strings.HasSuffix(rest, ".aliyuncs.com"),
		strings.HasSuffix(rest, ".oss.aliyuncs.com"): // <region>.oss.aliyuncs.com, the dual-stack endpoint
		return first
	}
	_, restWithPort, _ := strings.Cut(host, ".")
	for _, h := range e.endpointHosts {
		if h == rest || h == restWithPort {
			return first
		}
	}
	return ""
}

type level int

const (
	levelService level = iota
	levelBucket
	levelObject
)

type routeKey struct {
	level  level
	method string
	sub    string // the selecting sub-resource, "" for none, or headerCopySource
}

type handler func(e *Emulator, c *call) (*response, *apiError)

type route struct {
	op string
	fn handler
}

// selectors are the sub-resources that pick an operation, in the order they are looked for.
var selectors = []string{
	"uploadId", "uploads", "delete", "versions", "acl", "bucketInfo", "location", "stat", "versioning",
	"encryption", "lifecycle", "cors", "tagging", "policyStatus", "policy", "logging", "website",
	"publicAccessBlock", "referer", "resourceGroup",
}

var routes = map[routeKey]route{
	{levelService, http.MethodGet, ""}: {ossapi.OpListBuckets, (*Emulator).listBuckets},

	{levelBucket, http.MethodPut, ""}:                     {ossapi.OpPutBucket, (*Emulator).putBucket},
	{levelBucket, http.MethodDelete, ""}:                  {ossapi.OpDeleteBucket, (*Emulator).deleteBucket},
	{levelBucket, http.MethodGet, ""}:                     {ossapi.OpListObjectsV2, (*Emulator).listObjects}, // ListObjects without list-type=2
	{levelBucket, http.MethodGet, "bucketInfo"}:           {ossapi.OpGetBucketInfo, (*Emulator).getBucketInfo},
	{levelBucket, http.MethodGet, "location"}:             {ossapi.OpGetBucketLocation, (*Emulator).getBucketLocation},
	{levelBucket, http.MethodGet, "stat"}:                 {ossapi.OpGetBucketStat, (*Emulator).getBucketStat},
	{levelBucket, http.MethodPut, "acl"}:                  {ossapi.OpPutBucketAcl, (*Emulator).putBucketACL},
	{levelBucket, http.MethodGet, "acl"}:                  {ossapi.OpGetBucketAcl, (*Emulator).getBucketACL},
	{levelBucket, http.MethodPut, "versioning"}:           {ossapi.OpPutBucketVersioning, (*Emulator).putBucketVersioning},
	{levelBucket, http.MethodGet, "versioning"}:           {ossapi.OpGetBucketVersioning, (*Emulator).getBucketVersioning},
	{levelBucket, http.MethodPut, "encryption"}:           {ossapi.OpPutBucketEncryption, (*Emulator).putBucketEncryption},
	{levelBucket, http.MethodGet, "encryption"}:           {ossapi.OpGetBucketEncryption, (*Emulator).getBucketEncryption},
	{levelBucket, http.MethodDelete, "encryption"}:        {ossapi.OpDeleteBucketEncryption, (*Emulator).deleteBucketEncryption},
	{levelBucket, http.MethodPut, "lifecycle"}:            {ossapi.OpPutBucketLifecycle, (*Emulator).putBucketLifecycle},
	{levelBucket, http.MethodGet, "lifecycle"}:            {ossapi.OpGetBucketLifecycle, (*Emulator).getBucketLifecycle},
	{levelBucket, http.MethodDelete, "lifecycle"}:         {ossapi.OpDeleteBucketLifecycle, (*Emulator).deleteBucketLifecycle},
	{levelBucket, http.MethodPut, "cors"}:                 {ossapi.OpPutBucketCors, (*Emulator).putBucketCORS},
	{levelBucket, http.MethodGet, "cors"}:                 {ossapi.OpGetBucketCors, (*Emulator).getBucketCORS},
	{levelBucket, http.MethodDelete, "cors"}:              {ossapi.OpDeleteBucketCors, (*Emulator).deleteBucketCORS},
	{levelBucket, http.MethodPut, "tagging"}:              {ossapi.OpPutBucketTags, (*Emulator).putBucketTags},
	{levelBucket, http.MethodGet, "tagging"}:              {ossapi.OpGetBucketTags, (*Emulator).getBucketTags},
	{levelBucket, http.MethodDelete, "tagging"}:           {ossapi.OpDeleteBucketTags, (*Emulator).deleteBucketTags},
	{levelBucket, http.MethodPut, "policy"}:               {ossapi.OpPutBucketPolicy, (*Emulator).putBucketPolicy},
	{levelBucket, http.MethodGet, "policy"}:               {ossapi.OpGetBucketPolicy, (*Emulator).getBucketPolicy},
	{levelBucket, http.MethodDelete, "policy"}:            {ossapi.OpDeleteBucketPolicy, (*Emulator).deleteBucketPolicy},
	{levelBucket, http.MethodGet, "policyStatus"}:         {OpGetBucketPolicyStatus, (*Emulator).getBucketPolicyStatus},
	{levelBucket, http.MethodPut, "logging"}:              {ossapi.OpPutBucketLogging, (*Emulator).putBucketLogging},
	{levelBucket, http.MethodGet, "logging"}:              {ossapi.OpGetBucketLogging, (*Emulator).getBucketLogging},
	{levelBucket, http.MethodDelete, "logging"}:           {ossapi.OpDeleteBucketLogging, (*Emulator).deleteBucketLogging},
	{levelBucket, http.MethodPut, "website"}:              {ossapi.OpPutBucketWebsite, (*Emulator).putBucketWebsite},
	{levelBucket, http.MethodGet, "website"}:              {ossapi.OpGetBucketWebsite, (*Emulator).getBucketWebsite},
	{levelBucket, http.MethodDelete, "website"}:           {ossapi.OpDeleteBucketWebsite, (*Emulator).deleteBucketWebsite},
	{levelBucket, http.MethodPut, "publicAccessBlock"}:    {ossapi.OpPutBucketPublicAccessBlock, (*Emulator).putBucketPublicAccessBlock},
	{levelBucket, http.MethodGet, "publicAccessBlock"}:    {ossapi.OpGetBucketPublicAccessBlock, (*Emulator).getBucketPublicAccessBlock},
	{levelBucket, http.MethodDelete, "publicAccessBlock"}: {ossapi.OpDeleteBucketPublicAccessBlock, (*Emulator).deleteBucketPublicAccessBlock},
	{levelBucket, http.MethodPut, "referer"}:              {ossapi.OpPutBucketReferer, (*Emulator).putBucketReferer},
	{levelBucket, http.MethodGet, "referer"}:              {ossapi.OpGetBucketReferer, (*Emulator).getBucketReferer},
	{levelBucket, http.MethodPut, "resourceGroup"}:        {ossapi.OpPutBucketResourceGroup, (*Emulator).putBucketResourceGroup},
	{levelBucket, http.MethodGet, "resourceGroup"}:        {ossapi.OpGetBucketResourceGroup, (*Emulator).getBucketResourceGroup},
	{levelBucket, http.MethodGet, "versions"}:             {ossapi.OpListObjectVersions, (*Emulator).listObjectVersions},
	{levelBucket, http.MethodGet, "uploads"}:              {ossapi.OpListMultipartUploads, (*Emulator).listMultipartUploads},
	{levelBucket, http.MethodPost, "delete"}:              {ossapi.OpDeleteMultipleObjects, (*Emulator).deleteMultipleObjects},
	{levelObject, http.MethodPut, ""}:                     {ossapi.OpPutObject, (*Emulator).putObject},
	{levelObject, http.MethodGet, ""}:                     {OpGetObject, (*Emulator).getObject},
	{levelObject, http.MethodHead, ""}:                    {OpHeadObject, (*Emulator).getObject},
	{levelObject, http.MethodDelete, ""}:                  {ossapi.OpDeleteObject, (*Emulator).deleteObject},
	{levelObject, http.MethodPut, headerCopySource}:       {OpCopyObject, (*Emulator).copyObject},
	{levelObject, http.MethodPost, "uploads"}:             {ossapi.OpInitiateMultipartUpload, (*Emulator).initiateMultipartUpload},
	{levelObject, http.MethodPut, "uploadId"}:             {OpUploadPart, (*Emulator).uploadPart},
	{levelObject, http.MethodPost, "uploadId"}:            {OpCompleteMultipartUpload, (*Emulator).completeMultipartUpload},
	{levelObject, http.MethodGet, "uploadId"}:             {OpListParts, (*Emulator).listParts},
	{levelObject, http.MethodDelete, "uploadId"}:          {ossapi.OpAbortMultipartUpload, (*Emulator).abortMultipartUpload},
}

// resolve finds the operation of a request. It fails with 405 MethodNotAllowed for a method that the
// resource does not support and for sub-resources the emulator does not implement. A PUT of an object
// with the x-oss-copy-source header and no sub-resource is CopyObject, as the header is what tells it
// from PutObject.
func resolve(method, bucket, key string, q url.Values, header http.Header) (route, *apiError) {
	lv := levelService
	switch {
	case key != "":
		lv = levelObject
	case bucket != "":
		lv = levelBucket
	}
	sub := ""
	for _, s := range selectors {
		if _, ok := q[s]; ok {
			sub = s
			break
		}
	}
	if sub == "" {
		for k := range q {
			if signer.IsV1SubResource(k) && !passiveParam(k) {
				return route{}, errMethodNotAllowed("The emulator does not implement the %q sub-resource.", k)
			}
		}
	}
	if lv == levelObject && method == http.MethodPut && sub == "" && header.Get(headerCopySource) != "" {
		sub = headerCopySource
	}
	rt, ok := routes[routeKey{lv, method, sub}]
	if !ok {
		what := map[level]string{levelService: "the service", levelBucket: "a bucket", levelObject: "an object"}[lv]
		if sub != "" {
			return route{}, errMethodNotAllowed("%s ?%s on %s is not supported.", method, sub, what)
		}
		return route{}, errMethodNotAllowed("%s on %s is not supported.", method, what)
	}
	if lv == levelBucket && method == http.MethodGet && sub == "" && q.Get("list-type") != "2" {
		rt.op = OpListObjects
	}
	return rt, nil
}

// passiveParam reports whether a signed query parameter only qualifies a request (a version, a token,
// a response header override, presigned-URL authentication) rather than selecting an operation.
func passiveParam(k string) bool {
	switch k {
	case "versionId", "security-token", "continuation-token", "partNumber":
		return true
	}
	return strings.HasPrefix(k, "response-") || strings.HasPrefix(k, "x-oss-")
}
