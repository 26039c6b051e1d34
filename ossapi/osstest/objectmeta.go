package osstest

import (
	"crypto/md5"
	"encoding/hex"
	"hash/crc64"
	"net/http"
	"strconv"
	"strings"

	"github.com/ossoperator/oss-operator/ossapi"
)

// What an object is stored with besides its data: the headers of the request that created it (PutObject,
// InitiateMultipartUpload, CopyObject with REPLACE), which GetObject and HeadObject answer again.

const (
	headerUserMetaPrefix = "X-Oss-Meta-"
	objectTypeMultipart  = "Multipart"
)

// storedHeaders are the standard HTTP headers OSS keeps with an object and returns on GET and HEAD; the
// SDK's Copier copies the same set (with Content-Type, which objects keep in their own field).
var storedHeaders = []string{"Cache-Control", "Content-Disposition", "Content-Encoding", "Content-Language", "Expires"}

// objectAttrs is what a request asks a new object to have.
type objectAttrs struct {
	contentType  string
	storageClass ossapi.StorageClass // "" for the bucket's
	acl          ossapi.ACL          // "" or default for the bucket's
	meta         http.Header         // storedHeaders and x-oss-meta-*, canonical names
}

// attrsFrom reads and checks the object attributes of a request: an unknown x-oss-object-acl or
// x-oss-storage-class is 400 InvalidArgument, as on PutObject.
func attrsFrom(h http.Header) (objectAttrs, *apiError) {
	a := objectAttrs{contentType: h.Get("Content-Type"), meta: http.Header{}}
	if a.contentType == "" {
		a.contentType = defaultContentType
	}
	if acl := h.Get(headerObjectACL); acl != "" && acl != "default" {
		if !validACL(ossapi.ACL(acl)) {
			return a, errInvalidArgument(headerObjectACL, acl, "no such object access control exists")
		}
		a.acl = ossapi.ACL(acl)
	}
	if sc := ossapi.StorageClass(h.Get(headerStorageClass)); sc != "" {
		if !validStorageClass(sc) {
			return a, errInvalidArgument(headerStorageClass, string(sc), "Invalid storage class %q.", sc)
		}
		a.storageClass = sc
	}
	for _, name := range storedHeaders {
		if v := h.Get(name); v != "" {
			a.meta.Set(name, v)
		}
	}
	for name, vs := range h {
		if strings.HasPrefix(http.CanonicalHeaderKey(name), headerUserMetaPrefix) && len(vs) > 0 {
			a.meta.Set(name, vs[0])
		}
	}
	return a, nil
}

// checkPublic refuses a public object ACL while the bucket blocks public access.
func (a objectAttrs) checkPublic(b *bucket) *apiError {
	if publicACL(a.acl) && b.blockPublicAccess {
		return errPublicBlocked("object acl")
	}
	return nil
}

// apply gives v the attributes, the bucket's storage class when the request named none.
func (a objectAttrs) apply(v *objectVersion, b *bucket) {
	v.contentType, v.storageClass, v.meta = a.contentType, a.storageClass, a.meta.Clone()
	if v.storageClass == "" {
		v.storageClass = b.storageClass
	}
}

// quotedMD5 is the ETag of data stored in one piece: its MD5 in upper-case hex, in quotes.
func quotedMD5(data []byte) string {
	sum := md5.Sum(data)
	return `"` + strings.ToUpper(hex.EncodeToString(sum[:])) + `"`
}

func crcOf(data []byte) uint64 { return crc64.Checksum(data, crcTable) }

// writeObjectHeaders sets the headers GetObject and HeadObject answer for a version.
func writeObjectHeaders(h http.Header, v *objectVersion, versioned bool) {
	for name, vs := range v.meta {
		h[name] = append([]string(nil), vs...)
	}
	h.Set("Content-Type", v.contentType)
	h.Set("Content-Length", strconv.Itoa(len(v.data)))
	h.Set("ETag", v.etag)
	h.Set("Last-Modified", v.modified.Format(http.TimeFormat))
	h.Set(headerCRC64, strconv.FormatUint(v.crc64, 10))
	h.Set(headerObjectType, v.objectType)
	h.Set(headerStorageClass, string(v.storageClass))
	if v.contentMD5 != "" {
		h.Set("Content-MD5", v.contentMD5)
	}
	if versioned {
		h.Set(ossapi.HeaderVersionID, v.versionID)
	}
}
