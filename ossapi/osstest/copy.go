package osstest

import (
	"encoding/xml"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"time"

	"github.com/ossoperator/oss-operator/ossapi"
)

// OpCopyObject is a PUT of an object with the x-oss-copy-source header.
const OpCopyObject = "CopyObject"

const (
	headerCopySource          = "x-oss-copy-source"
	headerCopySourceVersionID = "x-oss-copy-source-version-id"
	headerMetadataDirective   = "x-oss-metadata-directive"
	directiveCopy             = "COPY"
	directiveReplace          = "REPLACE"
	ecCopyCrossRegion         = "0016-00000306"
	ecCopyDeleteMarker        = "0016-00000307"
)

type copyResultXML struct {
	XMLName      xml.Name `xml:"CopyObjectResult"`
	ETag         string   `xml:"ETag"`
	LastModified string   `xml:"LastModified"`
}

// parseCopySource reads x-oss-copy-source, "/<bucket>/<URL-encoded key>[?versionId=<id>]", as the SDKs
// write it.
func parseCopySource(v string) (bucket, key, versionID string, _ *apiError) {
	bad := func(why string) (string, string, string, *apiError) {
		return "", "", "", errInvalidArgument(headerCopySource, v, "x-oss-copy-source must be /<bucket>/<key>[?versionId=<id>]: %s.", why)
	}
	path, query, hasQuery := strings.Cut(strings.TrimPrefix(v, "/"), "?")
	bucket, rawKey, _ := strings.Cut(path, "/")
	key, err := url.PathUnescape(rawKey)
	if err != nil {
		return bad("the key is not URL-encoded")
	}
	if bucket == "" || key == "" {
		return bad("it names no bucket or no key")
	}
	if hasQuery {
		q, err := url.ParseQuery(query)
		if err != nil || len(q) != 1 || q.Get("versionId") == "" {
			return bad("the only parameter is a versionId")
		}
		versionID = q.Get("versionId")
	}
	return bucket, key, versionID, nil
}

// copyObject copies a version of an object within or across the caller's buckets in one region.
//
// With x-oss-metadata-directive COPY (the default) the copy keeps the source's Content-Type, standard
// headers and x-oss-meta-*; with REPLACE it takes the request's. The data, ETag and CRC-64 are the
// source's. The storage class is the request's or else the destination bucket's.
//
// Copying the current version of an object onto itself in an unversioned bucket is how OSS changes an
// object's metadata: it is allowed and, whatever the directive, takes the request's metadata (unlike S3,
// which refuses a self-copy without REPLACE). In a versioned bucket it makes a new version as any copy does.
func (e *Emulator) copyObject(c *call) (*response, *apiError) {
	if !validKey(c.key) {
		return nil, errInvalidKey(c.key)
	}
	srcBucket, srcKey, srcVersion, err := parseCopySource(c.header.Get(headerCopySource))
	if err != nil {
		return nil, err
	}
	if !validKey(srcKey) {
		return nil, errInvalidKey(srcKey)
	}
	directive := strings.ToUpper(c.header.Get(headerMetadataDirective))
	switch directive {
	case "", directiveCopy, directiveReplace:
	default:
		return nil, errInvalidArgument(headerMetadataDirective, c.header.Get(headerMetadataDirective),
			"x-oss-metadata-directive must be COPY or REPLACE.")
	}
	attrs, err := attrsFrom(c.header)
	if err != nil {
		return nil, err
	}
	e.mu.Lock()
	defer e.mu.Unlock()
	dst, err := e.bucketFor(c)
	if err != nil {
		return nil, err
	}
	src := e.buckets[srcBucket]
	switch {
	case src == nil:
		return nil, errNoSuchBucket(srcBucket)
	case src.owner != c.accountID:
		return nil, errNotOwner(srcBucket)
	case src.region != dst.region:
		return nil, newError(http.StatusBadRequest, ossapi.CodeInvalidArgument, ecCopyCrossRegion,
			"The source bucket %s is in %s, not in %s: objects are copied within a region.", srcBucket, src.region, dst.region).
			with("ArgumentName", headerCopySource).with("ArgumentValue", c.header.Get(headerCopySource))
	}
	from, err := sourceVersion(src, srcKey, srcVersion)
	if err != nil {
		return nil, err
	}
	if err := attrs.checkPublic(dst); err != nil {
		return nil, err
	}
	self := src == dst && srcKey == c.key && from == dst.latest(c.key)
	if strings.EqualFold(c.header.Get(headerForbidOverwrite), "true") && dst.versioning == "" && !self {
		if cur := dst.latest(c.key); cur != nil && !cur.deleteMarker {
			return nil, errFileAlreadyExists()
		}
	}
	v := &objectVersion{key: c.key, data: from.data, etag: from.etag, crc64: from.crc64, contentMD5: from.contentMD5,
		objectType: from.objectType, modified: c.now.UTC().Truncate(time.Millisecond)}
	if directive == directiveReplace || (self && dst.versioning == "") {
		attrs.apply(v, dst)
	} else {
		v.contentType, v.meta, v.storageClass = from.contentType, from.meta.Clone(), attrs.storageClass
		if v.storageClass == "" {
			v.storageClass = dst.storageClass
		}
	}
	e.putVersion(dst, v)

	r, err := xmlOK(&copyResultXML{ETag: v.etag, LastModified: v.modified.Format(isoMillis)})
	if err != nil {
		return nil, err
	}
	r.header.Set("ETag", v.etag)
	r.header.Set(headerCRC64, strconv.FormatUint(v.crc64, 10))
	if dst.versioning != "" {
		r.header.Set(ossapi.HeaderVersionID, v.versionID)
	}
	if src.versioning != "" {
		r.header.Set(headerCopySourceVersionID, from.versionID)
	}
	return r, nil
}

// sourceVersion finds the version a copy reads: the current one, or the one named. A missing object,
// or a delete marker, is 404 NoSuchKey; a missing version is 404 NoSuchVersion, as for GetObject.
func sourceVersion(b *bucket, key, versionID string) (*objectVersion, *apiError) {
	noSuchKey := func() *apiError {
		return newError(http.StatusNotFound, ossapi.CodeNoSuchKey, ecNoSuchKey, "The specified key does not exist.").with("Key", key)
	}
	if versionID == "" {
		v := b.latest(key)
		if v == nil || v.deleteMarker {
			return nil, noSuchKey()
		}
		return v, nil
	}
	for _, v := range b.objects[key] {
		if v.versionID != versionID {
			continue
		}
		if v.deleteMarker {
			e := noSuchKey()
			e.ec = ecCopyDeleteMarker
			return nil, e
		}
		return v, nil
	}
	return nil, newError(http.StatusNotFound, "NoSuchVersion", "", "The specified version does not exist.").
		with("Key", key).with("VersionId", versionID)
}
