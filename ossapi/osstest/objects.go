package osstest

import (
	"bufio"
	"bytes"
	"crypto/md5"
	"encoding/base64"
	"encoding/xml"
	"hash/crc64"
	"net/http"
	"sort"
	"strconv"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/ossoperator/oss-operator/ossapi"
	"github.com/ossoperator/oss-operator/ossapi/internal/xmlscan"
	"github.com/ossoperator/oss-operator/ossapi/signer"
)

const maxKeyLength = 1023

var crcTable = crc64.MakeTable(crc64.ECMA)

// Object answers carry these headers.
const (
	headerCRC64           = "x-oss-hash-crc64ecma"
	headerObjectACL       = "x-oss-object-acl"
	headerStorageClass    = "x-oss-storage-class"
	headerForbidOverwrite = "x-oss-forbid-overwrite"
	headerObjectType      = "x-oss-object-type"
	queryEncodingType     = "encoding-type"
	encodingTypeURL       = "url"
	defaultContentType    = "application/octet-stream"
	objectTypeNormal      = "Normal"
	defaultListMaxKeys    = 100
	maxListKeys           = 1000
	defaultListUploads    = 1000
)

func validKey(key string) bool {
	return key != "" && len(key) <= maxKeyLength && utf8.ValidString(key) &&
		!strings.HasPrefix(key, "/") && !strings.HasPrefix(key, `\`)
}

func errInvalidKey(key string) *apiError {
	return newError(http.StatusBadRequest, codeInvalidObjectName, "",
		"The specified object is not valid: keys are 1 to %d bytes of UTF-8 and do not start with / or \\.", maxKeyLength).
		with("ObjectName", key)
}

// encoder returns how keys and prefixes are written in a list answer: URL-encoded when the request asked
// for encoding-type=url (the answer's EncodingType then says so), verbatim otherwise.
func encoder(c *call) (func(string) string, string, *apiError) {
	switch v := c.query.Get(queryEncodingType); v {
	case "":
		return func(s string) string { return s }, "", nil
	case encodingTypeURL:
		return func(s string) string { return signer.Escape(s, false) }, encodingTypeURL, nil
	default:
		return nil, "", errInvalidArgument(queryEncodingType, v, "encoding-type must be url.")
	}
}

func errFileAlreadyExists() *apiError {
	return newError(http.StatusConflict, codeFileAlreadyExists, "", "The object you specified already exists and can not be overwritten.")
}

// PutObject, GetObject, HeadObject, DeleteObject.

func (e *Emulator) putObject(c *call) (*response, *apiError) {
	if !validKey(c.key) {
		return nil, errInvalidKey(c.key)
	}
	attrs, err := attrsFrom(c.header)
	if err != nil {
		return nil, err
	}
	sum := md5.Sum(c.body)
	v := &objectVersion{
		key: c.key, data: c.body, etag: quotedMD5(c.body), crc64: crcOf(c.body),
		contentMD5: base64.StdEncoding.EncodeToString(sum[:]), objectType: objectTypeNormal,
		modified: c.now.UTC().Truncate(time.Millisecond),
	}
	e.mu.Lock()
	defer e.mu.Unlock()
	b, err := e.bucketFor(c)
	if err != nil {
		return nil, err
	}
	if err := attrs.checkPublic(b); err != nil {
		return nil, err
	}
	attrs.apply(v, b)
	// x-oss-forbid-overwrite only applies in an unversioned bucket, where an overwrite loses data.
	if strings.EqualFold(c.header.Get(headerForbidOverwrite), "true") && b.versioning == "" {
		if cur := b.latest(c.key); cur != nil && !cur.deleteMarker {
			return nil, errFileAlreadyExists()
		}
	}
	// A retention policy forbids overwriting what it protects (a new version of a versioned bucket
	// overwrites nothing). CopyObject and CompleteMultipartUpload do not check it.
	if b.immutable(c.key, "", c.now) {
		return nil, errFileImmutable()
	}
	e.putVersion(b, v)
	r := newResponse(http.StatusOK)
	r.header.Set("ETag", v.etag)
	r.header.Set("Content-MD5", v.contentMD5)
	r.header.Set(headerCRC64, strconv.FormatUint(v.crc64, 10))
	if b.versioning != "" {
		r.header.Set(ossapi.HeaderVersionID, v.versionID)
	}
	return r, nil
}

// getObject serves GetObject and HeadObject (see readObject).
func (e *Emulator) getObject(c *call) (*response, *apiError) {
	versionID := c.query.Get("versionId")
	e.mu.Lock()
	defer e.mu.Unlock()
	b, err := e.bucketFor(c)
	if err != nil {
		return nil, err
	}
	var v *objectVersion
	if versionID == "" {
		v = b.latest(c.key)
	} else {
		for _, x := range b.objects[c.key] {
			if x.versionID == versionID {
				v = x
			}
		}
		if v == nil {
			return nil, newError(http.StatusNotFound, "NoSuchVersion", "", "The specified version does not exist.").
				with("Key", c.key).with("VersionId", versionID)
		}
	}
	if v == nil || v.deleteMarker {
		status, code, msg, ec := http.StatusNotFound, ossapi.CodeNoSuchKey, "The specified key does not exist.", ecNoSuchKey
		if v != nil && versionID != "" {
			status, code, msg, ec = http.StatusMethodNotAllowed, ossapi.CodeMethodNotAllowed, "The specified method is not allowed against a delete marker.", ""
		}
		e := newError(status, code, ec, "%s", msg).with("Key", c.key)
		if v != nil {
			e.header = http.Header{}
			e.header.Set(ossapi.HeaderDeleteMarker, "true")
			e.header.Set(ossapi.HeaderVersionID, v.versionID)
		}
		return nil, e
	}
	return readObject(c, v, b.versioning != "")
}

// deleteObject deletes a key (204 even when it does not exist) or one version of it.
func (e *Emulator) deleteObject(c *call) (*response, *apiError) {
	versionID := c.query.Get("versionId")
	e.mu.Lock()
	defer e.mu.Unlock()
	b, err := e.bucketFor(c)
	if err != nil {
		return nil, err
	}
	if b.immutable(c.key, versionID, c.now) {
		return nil, errFileImmutable()
	}
	res := e.removeObject(b, c.key, versionID, c.now)
	r := newResponse(http.StatusNoContent)
	if res.deleteMarker {
		r.header.Set(ossapi.HeaderDeleteMarker, "true")
	}
	if res.versionID != "" && (versionID != "" || b.versioning != "") {
		r.header.Set(ossapi.HeaderVersionID, res.versionID)
	}
	return r, nil
}

// errFileImmutable is OSS's answer to deleting or overwriting an object a retention policy protects.
func errFileImmutable() *apiError {
	return newError(http.StatusConflict, ossapi.CodeFileImmutable, ecFileImmutable, "The object you specified is immutable.")
}

// immutable says whether the retention policy forbids deleting key (versionID: one version of it) at
// now: a version named, or the current one an unversioned (or suspended) bucket would drop. On a
// versioning-enabled bucket a delete without a version only adds a delete marker, which is allowed.
func (b *bucket) immutable(key, versionID string, now time.Time) bool {
	if b.worm == nil {
		return false
	}
	for i, v := range b.objects[key] {
		switch {
		case versionID != "" && v.versionID == versionID,
			versionID == "" && b.versioning == "" && i == 0,
			versionID == "" && b.versioning == ossapi.VersioningSuspended && v.versionID == nullVersion:
			return b.protected(v, now)
		}
	}
	return false
}

// DeleteMultipleObjects.

type deleteInXML struct {
	XMLName xml.Name          `xml:"Delete"`
	Quiet   bool              `xml:"Quiet"`
	Objects []deleteObjectXML `xml:"Object"`
}

type deleteObjectXML struct {
	Key       string `xml:"Key"`
	VersionID string `xml:"VersionId"`
}

// parseDelete reads a DeleteMultipleObjects body as encoding/xml would read it into a deleteInXML,
// but for references to control characters (&#x1;), which XML 1.0 forbids and encoding/xml refuses:
// OSS takes them, and its SDK writes a key's control characters so.
func parseDelete(body []byte) (*deleteInXML, *apiError) {
	if len(body) == 0 {
		return nil, errMalformedXML("The request body is empty.")
	}
	s := xmlscan.New(bytes.NewReader(body), xmlscan.Limits{Elements: maxDeleteBody, Children: maxDeleteBody, TokenBytes: maxDeleteBody})
	s.ControlReferences = true
	name, _, err := s.Root()
	switch {
	case err != nil:
		return nil, errMalformedXML("%v", err)
	case name != "Delete":
		return nil, errMalformedXML("expected element type <Delete> but have <%s>", name)
	}
	in := &deleteInXML{XMLName: xml.Name{Space: s.XMLNS(), Local: name}}
	err = s.Fields(func(name string) (bool, error) {
		switch name {
		case "Quiet":
			return true, s.ReadBool(&in.Quiet)
		case "Object":
			in.Objects = append(in.Objects, deleteObjectXML{})
			o := &in.Objects[len(in.Objects)-1]
			return true, s.Fields(func(name string) (bool, error) {
				switch name {
				case "Key":
					return true, s.ReadString(&o.Key)
				case "VersionId":
					return true, s.ReadString(&o.VersionID)
				}
				return false, nil
			})
		}
		return false, nil
	})
	if err != nil {
		return nil, errMalformedXML("%v", err)
	}
	return in, nil
}

type deletedXML struct {
	Key                   string `xml:"Key"`
	VersionID             string `xml:"VersionId,omitempty"`
	DeleteMarker          bool   `xml:"DeleteMarker,omitempty"`
	DeleteMarkerVersionID string `xml:"DeleteMarkerVersionId,omitempty"`
}

type deleteResultXML struct {
	XMLName      xml.Name     `xml:"DeleteResult"`
	EncodingType string       `xml:"EncodingType,omitempty"`
	Deleted      []deletedXML `xml:"Deleted"`
}

// deleteMultipleObjects deletes up to 1000 keys or versions. Content-MD5 is required.
func (e *Emulator) deleteMultipleObjects(c *call) (*response, *apiError) {
	if c.header.Get("Content-MD5") == "" {
		return nil, newError(http.StatusBadRequest, ossapi.CodeInvalidDigest, "",
			"Missing required header for this request: Content-MD5.")
	}
	enc, encType, err := encoder(c)
	if err != nil {
		return nil, err
	}
	in, err := parseDelete(c.body)
	if err != nil {
		return nil, err
	}
	if len(in.Objects) == 0 || len(in.Objects) > maxListKeys {
		return nil, errMalformedXML("A Delete request names 1 to %d objects, not %d.", maxListKeys, len(in.Objects))
	}
	for _, o := range in.Objects {
		if o.Key == "" {
			return nil, errMalformedXML("An Object needs a Key.")
		}
	}
	e.mu.Lock()
	defer e.mu.Unlock()
	b, aerr := e.bucketFor(c)
	if aerr != nil {
		return nil, aerr
	}
	// OSS's DeleteResult has no element for a key it could not delete: under a retention policy the
	// whole request is refused, and nothing is deleted.
	for _, o := range in.Objects {
		if b.immutable(o.Key, o.VersionID, c.now) {
			return nil, errFileImmutable()
		}
	}
	out := &deleteResultXML{EncodingType: encType}
	for _, o := range in.Objects {
		res := e.removeObject(b, o.Key, o.VersionID, c.now)
		d := deletedXML{Key: enc(o.Key), VersionID: o.VersionID, DeleteMarker: res.deleteMarker}
		if res.deleteMarker {
			d.DeleteMarkerVersionID = res.versionID
		}
		if !in.Quiet {
			out.Deleted = append(out.Deleted, d)
		}
	}
	return xmlOK(out)
}

// removeObject is deleteKey with the time truncated like every stored time.
func (e *Emulator) removeObject(b *bucket, key, versionID string, now time.Time) deleteResult {
	return e.deleteKey(b, key, versionID, now.UTC().Truncate(time.Millisecond))
}

// ListObjects and ListObjectsV2.

type objectXML struct {
	Key          string              `xml:"Key"`
	LastModified string              `xml:"LastModified"`
	ETag         string              `xml:"ETag"`
	Type         string              `xml:"Type"`
	Size         int64               `xml:"Size"`
	StorageClass ossapi.StorageClass `xml:"StorageClass"`
	Owner        *ossapi.Owner       `xml:"Owner,omitempty"`
}

type prefixXML struct {
	Prefix string `xml:"Prefix"`
}

type listObjectsXML struct {
	XMLName        xml.Name    `xml:"ListBucketResult"`
	Name           string      `xml:"Name"`
	Prefix         string      `xml:"Prefix"`
	Marker         string      `xml:"Marker"`
	MaxKeys        int         `xml:"MaxKeys"`
	Delimiter      string      `xml:"Delimiter"`
	IsTruncated    bool        `xml:"IsTruncated"`
	NextMarker     string      `xml:"NextMarker,omitempty"`
	EncodingType   string      `xml:"EncodingType,omitempty"`
	Contents       []objectXML `xml:"Contents"`
	CommonPrefixes []prefixXML `xml:"CommonPrefixes"`
}

type listObjectsV2XML struct {
	XMLName               xml.Name    `xml:"ListBucketResult"`
	Name                  string      `xml:"Name"`
	Prefix                string      `xml:"Prefix"`
	StartAfter            string      `xml:"StartAfter,omitempty"`
	ContinuationToken     string      `xml:"ContinuationToken,omitempty"`
	MaxKeys               int         `xml:"MaxKeys"`
	Delimiter             string      `xml:"Delimiter"`
	IsTruncated           bool        `xml:"IsTruncated"`
	NextContinuationToken string      `xml:"NextContinuationToken,omitempty"`
	KeyCount              int         `xml:"KeyCount"`
	EncodingType          string      `xml:"EncodingType,omitempty"`
	Contents              []objectXML `xml:"Contents"`
	CommonPrefixes        []prefixXML `xml:"CommonPrefixes"`
}

// rollUp returns the common prefix key falls under with a delimiter, or "".
func rollUp(key, prefix, delimiter string) string {
	if delimiter == "" {
		return ""
	}
	if i := strings.Index(key[len(prefix):], delimiter); i >= 0 {
		return key[:len(prefix)+i+len(delimiter)]
	}
	return ""
}

// listObjects serves ListObjects (marker) and ListObjectsV2 (list-type=2: start-after and an opaque
// continuation token). Only current versions that are not delete markers are listed.
func (e *Emulator) listObjects(c *call) (*response, *apiError) {
	q := c.query
	v2 := c.op == ossapi.OpListObjectsV2
	prefix, delimiter := q.Get("prefix"), q.Get("delimiter")
	maxKeys, err := intParam(q, "max-keys", defaultListMaxKeys, 1, maxListKeys)
	if err != nil {
		return nil, err
	}
	enc, encType, err := encoder(c)
	if err != nil {
		return nil, err
	}
	after := q.Get("marker")
	if v2 {
		after = q.Get("start-after")
		if tok := q.Get("continuation-token"); tok != "" {
			k, derr := base64.StdEncoding.DecodeString(tok)
			if derr != nil {
				return nil, errInvalidArgument("continuation-token", tok, "The continuation token is not valid.")
			}
			if string(k) > after {
				after = string(k)
			}
		}
	}
	e.mu.Lock()
	defer e.mu.Unlock()
	b, aerr := e.bucketFor(c)
	if aerr != nil {
		return nil, aerr
	}
	var contents []objectXML
	var prefixes []prefixXML
	var last string
	truncated := false
	for _, k := range b.keysFrom(max(prefix, after)) {
		cur := b.latest(k)
		if cur == nil {
			continue // removed since sortedKeys was made
		}
		if !strings.HasPrefix(k, prefix) || k <= after || cur.deleteMarker {
			continue
		}
		if cp := rollUp(k, prefix, delimiter); cp != "" {
			if cp <= after || (len(prefixes) > 0 && prefixes[len(prefixes)-1].Prefix == enc(cp)) {
				continue
			}
			if len(contents)+len(prefixes) == maxKeys {
				truncated = true
				break
			}
			prefixes = append(prefixes, prefixXML{Prefix: enc(cp)})
			last = cp
			continue
		}
		if len(contents)+len(prefixes) == maxKeys {
			truncated = true
			break
		}
		o := objectXML{Key: enc(k), LastModified: cur.modified.Format(isoMillis), ETag: cur.etag, Type: cur.objectType,
			Size: int64(len(cur.data)), StorageClass: cur.storageClass}
		if !v2 || q.Get("fetch-owner") == "true" {
			owner := e.owner(b.owner)
			o.Owner = &owner
		}
		contents = append(contents, o)
		last = k
	}
	if !v2 {
		out := &listObjectsXML{Name: b.name, Prefix: enc(prefix), Marker: enc(q.Get("marker")), MaxKeys: maxKeys,
			Delimiter: enc(delimiter), IsTruncated: truncated, EncodingType: encType, Contents: contents, CommonPrefixes: prefixes}
		if truncated {
			out.NextMarker = enc(last)
		}
		return xmlListing(out)
	}
	out := &listObjectsV2XML{Name: b.name, Prefix: enc(prefix), StartAfter: enc(q.Get("start-after")),
		ContinuationToken: enc(q.Get("continuation-token")), MaxKeys: maxKeys, Delimiter: enc(delimiter),
		IsTruncated: truncated, KeyCount: len(contents) + len(prefixes), EncodingType: encType,
		Contents: contents, CommonPrefixes: prefixes}
	if truncated {
		out.NextContinuationToken = enc(base64.StdEncoding.EncodeToString([]byte(last)))
	}
	return xmlListing(out)
}

// ListObjectVersions.

// versionEntry is a Version or a DeleteMarker element; OSS lists both in one sequence, by key and then
// newest first.
type versionEntry struct {
	Key          string              `xml:"Key"`
	VersionID    string              `xml:"VersionId"`
	IsLatest     bool                `xml:"IsLatest"`
	LastModified string              `xml:"LastModified"`
	ETag         string              `xml:"ETag,omitempty"`
	Type         string              `xml:"Type,omitempty"`
	Size         *int64              `xml:"Size,omitempty"`
	StorageClass ossapi.StorageClass `xml:"StorageClass,omitempty"`
	Owner        ossapi.Owner        `xml:"Owner"`
	deleteMarker bool
}

func (v versionEntry) MarshalXML(enc *xml.Encoder, start xml.StartElement) error {
	start.Name.Local = "Version"
	if v.deleteMarker {
		start.Name.Local = "DeleteMarker"
	}
	type plain versionEntry
	return enc.EncodeElement(plain(v), start)
}

type listVersionsXML struct {
	XMLName             xml.Name       `xml:"ListVersionsResult"`
	Name                string         `xml:"Name"`
	Prefix              string         `xml:"Prefix"`
	KeyMarker           string         `xml:"KeyMarker"`
	VersionIDMarker     string         `xml:"VersionIdMarker"`
	NextKeyMarker       string         `xml:"NextKeyMarker,omitempty"`
	NextVersionIDMarker string         `xml:"NextVersionIdMarker,omitempty"`
	MaxKeys             int            `xml:"MaxKeys"`
	Delimiter           string         `xml:"Delimiter"`
	EncodingType        string         `xml:"EncodingType,omitempty"`
	IsTruncated         bool           `xml:"IsTruncated"`
	Entries             []versionEntry `xml:"Version"`
	CommonPrefixes      []prefixXML    `xml:"CommonPrefixes"`
}

// writeXML writes l as xml.Marshal does, without its reflection: a page of 1000 entries is written in
// well under a millisecond instead of some 4 (TestListVersionsXMLIsWhatMarshalWrites holds it to
// that), so the emulator's own work adds little to an OSS call's time.
func (l *listVersionsXML) writeXML(w *bufio.Writer) {
	elem := func(name, value string) {
		w.WriteByte('<')
		w.WriteString(name)
		w.WriteByte('>')
		if escapes(value) {
			_ = xml.EscapeText(w, []byte(value))
		} else {
			w.WriteString(value)
		}
		w.WriteString("</")
		w.WriteString(name)
		w.WriteByte('>')
	}
	w.WriteString("<ListVersionsResult>")
	elem("Name", l.Name)
	elem("Prefix", l.Prefix)
	elem("KeyMarker", l.KeyMarker)
	elem("VersionIdMarker", l.VersionIDMarker)
	if l.NextKeyMarker != "" {
		elem("NextKeyMarker", l.NextKeyMarker)
	}
	if l.NextVersionIDMarker != "" {
		elem("NextVersionIdMarker", l.NextVersionIDMarker)
	}
	elem("MaxKeys", strconv.Itoa(l.MaxKeys))
	elem("Delimiter", l.Delimiter)
	if l.EncodingType != "" {
		elem("EncodingType", l.EncodingType)
	}
	elem("IsTruncated", strconv.FormatBool(l.IsTruncated))
	// What comes before the entries leaves at once, as from a server that sends as it writes.
	_ = w.Flush()
	for _, v := range l.Entries {
		name := "Version"
		if v.deleteMarker {
			name = "DeleteMarker"
		}
		w.WriteString("<" + name + ">")
		elem("Key", v.Key)
		elem("VersionId", v.VersionID)
		elem("IsLatest", strconv.FormatBool(v.IsLatest))
		elem("LastModified", v.LastModified)
		if v.ETag != "" {
			elem("ETag", v.ETag)
		}
		if v.Type != "" {
			elem("Type", v.Type)
		}
		if v.Size != nil {
			elem("Size", strconv.FormatInt(*v.Size, 10))
		}
		if v.StorageClass != "" {
			elem("StorageClass", string(v.StorageClass))
		}
		w.WriteString("<Owner>")
		elem("ID", v.Owner.ID)
		elem("DisplayName", v.Owner.DisplayName)
		w.WriteString("</Owner></" + name + ">")
	}
	for _, p := range l.CommonPrefixes {
		w.WriteString("<CommonPrefixes>")
		elem("Prefix", p.Prefix)
		w.WriteString("</CommonPrefixes>")
	}
	w.WriteString("</ListVersionsResult>")
}

// escapes says whether xml.EscapeText changes s; plain ASCII is told at once.
func escapes(s string) bool {
	for i := 0; i < len(s); i++ {
		switch c := s[i]; {
		case c >= utf8.RuneSelf:
			return strings.ContainsFunc(s[i:], needsEscape)
		case c < 0x20 || c == '"' || c == '\'' || c == '&' || c == '<' || c == '>':
			return true
		}
	}
	return false
}

// needsEscape says whether xml.EscapeText changes r: what XML escapes, and what it cannot hold.
func needsEscape(r rune) bool {
	switch r {
	case '"', '\'', '&', '<', '>', '\t', '\n', '\r':
		return true
	}
	return r < 0x20 || r == utf8.RuneError || r > 0xFFFD && r < 0x10000
}

func (e *Emulator) listObjectVersions(c *call) (*response, *apiError) {
	q := c.query
	prefix, delimiter := q.Get("prefix"), q.Get("delimiter")
	keyMarker, versionMarker := q.Get("key-marker"), q.Get("version-id-marker")
	maxKeys, err := intParam(q, "max-keys", defaultListMaxKeys, 1, maxListKeys)
	if err != nil {
		return nil, err
	}
	enc, encType, err := encoder(c)
	if err != nil {
		return nil, err
	}
	if versionMarker != "" && keyMarker == "" {
		return nil, errInvalidArgument("version-id-marker", versionMarker, "A version-id-marker needs a key-marker.")
	}
	e.mu.Lock()
	defer e.mu.Unlock()
	b, aerr := e.bucketFor(c)
	if aerr != nil {
		return nil, aerr
	}
	owner := e.owner(b.owner)
	out := &listVersionsXML{Name: b.name, Prefix: enc(prefix), KeyMarker: enc(keyMarker), VersionIDMarker: versionMarker,
		MaxKeys: maxKeys, Delimiter: enc(delimiter), EncodingType: encType, Entries: make([]versionEntry, 0, min(maxKeys, 1000))}
	n := 0
	var lastKey, lastVersion string
keys:
	for _, k := range b.keysFrom(max(prefix, keyMarker)) {
		if len(b.objects[k]) == 0 {
			continue // removed since sortedKeys was made
		}
		if !strings.HasPrefix(k, prefix) || k < keyMarker || (k == keyMarker && versionMarker == "") {
			continue
		}
		if cp := rollUp(k, prefix, delimiter); cp != "" {
			if cp <= keyMarker || (len(out.CommonPrefixes) > 0 && out.CommonPrefixes[len(out.CommonPrefixes)-1].Prefix == enc(cp)) {
				continue
			}
			if n == maxKeys {
				out.IsTruncated = true
				break
			}
			out.CommonPrefixes = append(out.CommonPrefixes, prefixXML{Prefix: enc(cp)})
			lastKey, lastVersion = cp, ""
			n++
			continue
		}
		vs := b.objects[k]
		start := 0
		if k == keyMarker {
			start = len(vs)
			for i, v := range vs {
				if v.versionID == versionMarker {
					start = i + 1
				}
			}
		}
		for i := start; i < len(vs); i++ {
			if n == maxKeys {
				out.IsTruncated = true
				break keys
			}
			v := vs[i]
			entry := versionEntry{Key: enc(k), VersionID: v.versionID, IsLatest: i == 0,
				LastModified: v.lastModified(), Owner: owner, deleteMarker: v.deleteMarker}
			if !v.deleteMarker {
				size := int64(len(v.data))
				entry.ETag, entry.Type, entry.Size, entry.StorageClass = v.etag, v.objectType, &size, v.storageClass
			}
			out.Entries = append(out.Entries, entry)
			lastKey, lastVersion = k, v.versionID
			n++
		}
	}
	if out.IsTruncated {
		out.NextKeyMarker, out.NextVersionIDMarker = enc(lastKey), lastVersion
	}
	return xmlListing(out)
}

// Multipart uploads.

type initiateXML struct {
	XMLName      xml.Name `xml:"InitiateMultipartUploadResult"`
	Bucket       string   `xml:"Bucket"`
	Key          string   `xml:"Key"`
	UploadID     string   `xml:"UploadId"`
	EncodingType string   `xml:"EncodingType,omitempty"`
}

func (e *Emulator) initiateMultipartUpload(c *call) (*response, *apiError) {
	if !validKey(c.key) {
		return nil, errInvalidKey(c.key)
	}
	enc, encType, err := encoder(c)
	if err != nil {
		return nil, err
	}
	attrs, err := attrsFrom(c.header)
	if err != nil {
		return nil, err
	}
	e.mu.Lock()
	defer e.mu.Unlock()
	b, aerr := e.bucketFor(c)
	if aerr != nil {
		return nil, aerr
	}
	if err := attrs.checkPublic(b); err != nil {
		return nil, err
	}
	u := &upload{key: c.key, uploadID: e.newUploadID(), initiated: c.now.UTC().Truncate(time.Millisecond),
		attrs: attrs, parts: map[int]*part{}}
	b.uploads = append(b.uploads, u)
	return xmlOK(&initiateXML{Bucket: b.name, Key: enc(u.key), UploadID: u.uploadID, EncodingType: encType})
}

func (e *Emulator) abortMultipartUpload(c *call) (*response, *apiError) {
	id := c.query.Get("uploadId")
	e.mu.Lock()
	defer e.mu.Unlock()
	b, err := e.bucketFor(c)
	if err != nil {
		return nil, err
	}
	i, _, err := b.findUpload(c.key, id)
	if err != nil {
		return nil, err
	}
	b.removeUpload(i)
	return noContent()
}

type uploadXML struct {
	Key       string `xml:"Key"`
	UploadID  string `xml:"UploadId"`
	Initiated string `xml:"Initiated"`
}

type listUploadsXML struct {
	XMLName            xml.Name    `xml:"ListMultipartUploadsResult"`
	Bucket             string      `xml:"Bucket"`
	KeyMarker          string      `xml:"KeyMarker"`
	UploadIDMarker     string      `xml:"UploadIdMarker"`
	NextKeyMarker      string      `xml:"NextKeyMarker"`
	NextUploadIDMarker string      `xml:"NextUploadIdMarker"`
	Delimiter          string      `xml:"Delimiter"`
	Prefix             string      `xml:"Prefix"`
	MaxUploads         int         `xml:"MaxUploads"`
	IsTruncated        bool        `xml:"IsTruncated"`
	EncodingType       string      `xml:"EncodingType,omitempty"`
	Uploads            []uploadXML `xml:"Upload"`
	CommonPrefixes     []prefixXML `xml:"CommonPrefixes"`
}

// listMultipartUploads lists unfinished uploads by key, then by the order they were started.
func (e *Emulator) listMultipartUploads(c *call) (*response, *apiError) {
	q := c.query
	prefix, delimiter := q.Get("prefix"), q.Get("delimiter")
	keyMarker, idMarker := q.Get("key-marker"), q.Get("upload-id-marker")
	maxUploads, err := intParam(q, "max-uploads", defaultListUploads, 1, maxListKeys)
	if err != nil {
		return nil, err
	}
	enc, encType, err := encoder(c)
	if err != nil {
		return nil, err
	}
	e.mu.Lock()
	defer e.mu.Unlock()
	b, aerr := e.bucketFor(c)
	if aerr != nil {
		return nil, aerr
	}
	uploads := append([]*upload(nil), b.uploads...)
	sort.SliceStable(uploads, func(i, j int) bool { return uploads[i].key < uploads[j].key })
	out := &listUploadsXML{Bucket: b.name, KeyMarker: enc(keyMarker), UploadIDMarker: idMarker, Delimiter: enc(delimiter),
		Prefix: enc(prefix), MaxUploads: maxUploads, EncodingType: encType}
	n := 0
	var lastKey, lastID string
	for _, u := range uploads {
		if !strings.HasPrefix(u.key, prefix) || u.key < keyMarker ||
			(u.key == keyMarker && (idMarker == "" || u.uploadID <= idMarker)) {
			continue
		}
		cp := rollUp(u.key, prefix, delimiter)
		if cp != "" && (cp <= keyMarker || (len(out.CommonPrefixes) > 0 && out.CommonPrefixes[len(out.CommonPrefixes)-1].Prefix == enc(cp))) {
			continue
		}
		if n == maxUploads {
			out.IsTruncated = true
			break
		}
		n++
		if cp != "" {
			out.CommonPrefixes = append(out.CommonPrefixes, prefixXML{Prefix: enc(cp)})
			lastKey, lastID = cp, ""
			continue
		}
		out.Uploads = append(out.Uploads, uploadXML{Key: enc(u.key), UploadID: u.uploadID, Initiated: u.initiated.Format(isoMillis)})
		lastKey, lastID = u.key, u.uploadID
	}
	if out.IsTruncated {
		out.NextKeyMarker, out.NextUploadIDMarker = enc(lastKey), lastID
	}
	return xmlListing(out)
}
