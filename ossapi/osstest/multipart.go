package osstest

import (
	"bytes"
	"crypto/md5"
	"encoding/base64"
	"encoding/hex"
	"encoding/xml"
	"fmt"
	"net/http"
	"sort"
	"strconv"
	"strings"
	"time"

	"github.com/ossoperator/oss-operator/ossapi"
	"github.com/ossoperator/oss-operator/ossapi/signer"
)

// Multipart upload operations the emulator serves besides ossapi's (InitiateMultipartUpload,
// AbortMultipartUpload, ListMultipartUploads): the ones an application's SDK uses to upload large objects.
const (
	OpUploadPart              = "UploadPart"
	OpCompleteMultipartUpload = "CompleteMultipartUpload"
	OpListParts               = "ListParts"
)

// OSS's limits on parts (UploadPart, CompleteMultipartUpload, ListParts).
const (
	maxPartNumber        = 10000
	minPartSize          = 100 << 10 // every part but the last, checked by CompleteMultipartUpload
	defaultListParts     = 1000
	maxListParts         = 1000
	headerCompleteAll    = "x-oss-complete-all"
	ecInvalidPartOrder   = "0042-00000209"
	ecEntityTooSmall     = "0042-00000213"
	ecInvalidPartNumber  = "0017-00000220"
	codeInvalidPart      = "InvalidPart"
	codeInvalidPartOrder = "InvalidPartOrder"
	codeEntityTooSmall   = "EntityTooSmall"
)

func errNoSuchUpload(id string) *apiError {
	return newError(http.StatusNotFound, ossapi.CodeNoSuchUpload, ecNoSuchUpload,
		"The specified upload does not exist. The upload ID may be invalid, or the upload may have been aborted or completed.").
		with("UploadId", id)
}

// findUpload returns the unfinished upload of the key with the ID, or 404 NoSuchUpload: an upload ID of
// another key does not exist for this one. Callers hold e.mu.
func (b *bucket) findUpload(key, id string) (int, *upload, *apiError) {
	for i, u := range b.uploads {
		if u.uploadID == id && u.key == key {
			return i, u, nil
		}
	}
	return -1, nil, errNoSuchUpload(id)
}

// partNumbers lists the numbers of the uploaded parts in order.
func (u *upload) partNumbers() []int {
	ns := make([]int, 0, len(u.parts))
	for n := range u.parts {
		ns = append(ns, n)
	}
	sort.Ints(ns)
	return ns
}

// removeUpload forgets an aborted or completed upload, and with it its parts.
func (b *bucket) removeUpload(i int) {
	b.uploads = append(b.uploads[:i:i], b.uploads[i+1:]...)
}

// partNumber reads the partNumber query parameter: an integer from 1 to 10000, else 400 InvalidArgument
// with OSS's message.
func partNumber(c *call) (int, *apiError) {
	v := c.query.Get("partNumber")
	n, err := strconv.Atoi(v)
	if err != nil || n < 1 || n > maxPartNumber {
		e := errInvalidArgument("PartNumber", v, "Part number must be an integer between 1 and %d, inclusive.", maxPartNumber)
		e.ec = ecInvalidPartNumber
		return 0, e
	}
	return n, nil
}

// uploadPart stores a part, replacing one uploaded before with the same number. Its size is only checked
// when the upload is completed, when it is known which part is the last.
func (e *Emulator) uploadPart(c *call) (*response, *apiError) {
	if c.header.Get(headerCopySource) != "" {
		return nil, errMethodNotAllowed("The emulator does not implement UploadPartCopy (x-oss-copy-source).")
	}
	n, err := partNumber(c)
	if err != nil {
		return nil, err
	}
	id := c.query.Get("uploadId")
	sum := md5.Sum(c.body)
	p := &part{number: n, data: c.body, etag: quotedMD5(c.body), crc64: crcOf(c.body),
		modified: c.now.UTC().Truncate(time.Millisecond)}
	e.mu.Lock()
	defer e.mu.Unlock()
	b, err := e.bucketFor(c)
	if err != nil {
		return nil, err
	}
	_, u, err := b.findUpload(c.key, id)
	if err != nil {
		return nil, err
	}
	u.parts[n] = p
	r := newResponse(http.StatusOK)
	r.header.Set("ETag", p.etag)
	r.header.Set("Content-MD5", base64.StdEncoding.EncodeToString(sum[:]))
	r.header.Set(headerCRC64, strconv.FormatUint(p.crc64, 10))
	return r, nil
}

// CompleteMultipartUpload.

type completeInXML struct {
	XMLName xml.Name `xml:"CompleteMultipartUpload"`
	Parts   []struct {
		PartNumber int    `xml:"PartNumber"`
		ETag       string `xml:"ETag"`
	} `xml:"Part"`
}

type completeXML struct {
	XMLName      xml.Name `xml:"CompleteMultipartUploadResult"`
	EncodingType string   `xml:"EncodingType,omitempty"`
	Location     string   `xml:"Location"`
	Bucket       string   `xml:"Bucket"`
	Key          string   `xml:"Key"`
	ETag         string   `xml:"ETag"`
}

func errInvalidPart(format string, args ...any) *apiError {
	return newError(http.StatusBadRequest, codeInvalidPart, "",
		"One or more of the specified parts could not be found or the specified entity tag might not have matched the part's entity tag. "+format, args...)
}

// completeMultipartUpload joins the listed parts into the object, as a new version when versioning is
// Enabled, and forgets the upload and every part (listed or not). With x-oss-complete-all: yes and no body,
// every uploaded part is joined in order of part number.
func (e *Emulator) completeMultipartUpload(c *call) (*response, *apiError) {
	enc, encType, err := encoder(c)
	if err != nil {
		return nil, err
	}
	all := strings.EqualFold(c.header.Get(headerCompleteAll), "yes")
	var listed []int
	var etags []string
	if all {
		if len(c.body) > 0 {
			return nil, errInvalidArgument(headerCompleteAll, c.header.Get(headerCompleteAll),
				"A CompleteMultipartUpload request with x-oss-complete-all: yes must have no body.")
		}
	} else {
		var in completeInXML
		if err := decodeXML(c.body, &in); err != nil {
			return nil, err
		}
		if len(in.Parts) == 0 {
			return nil, errMalformedXML("A CompleteMultipartUpload lists at least one Part.")
		}
		for i, p := range in.Parts {
			if p.PartNumber < 1 || p.PartNumber > maxPartNumber {
				return nil, errInvalidPart("Part number %d is not between 1 and %d.", p.PartNumber, maxPartNumber)
			}
			if i > 0 && p.PartNumber <= in.Parts[i-1].PartNumber {
				return nil, newError(http.StatusBadRequest, codeInvalidPartOrder, ecInvalidPartOrder,
					"The list of parts was not in ascending order. The parts list must be specified in order by part number.")
			}
			listed = append(listed, p.PartNumber)
			etags = append(etags, p.ETag)
		}
	}
	e.mu.Lock()
	defer e.mu.Unlock()
	b, err := e.bucketFor(c)
	if err != nil {
		return nil, err
	}
	i, u, err := b.findUpload(c.key, c.query.Get("uploadId"))
	if err != nil {
		return nil, err
	}
	if all {
		listed = u.partNumbers()
		if len(listed) == 0 {
			return nil, errInvalidPart("The upload has no part.")
		}
		for _, n := range listed {
			etags = append(etags, u.parts[n].etag)
		}
	}
	parts := make([]*part, len(listed))
	for j, n := range listed {
		p := u.parts[n]
		if p == nil || !sameETag(p.etag, etags[j]) {
			return nil, errInvalidPart("Part %d with ETag %s was not uploaded.", n, etags[j]).
				with("PartNumber", strconv.Itoa(n)).with("ETag", etags[j])
		}
		if j < len(listed)-1 && len(p.data) < minPartSize {
			return nil, newError(http.StatusBadRequest, codeEntityTooSmall, ecEntityTooSmall,
				"Your proposed upload is smaller than the minimum allowed size: every part but the last is at least %d bytes.", minPartSize).
				with("PartNumber", strconv.Itoa(n)).with("ProposedSize", strconv.Itoa(len(p.data))).
				with("MinSizeAllowed", strconv.Itoa(minPartSize))
		}
		parts[j] = p
	}
	if strings.EqualFold(c.header.Get(headerForbidOverwrite), "true") && b.versioning == "" {
		if cur := b.latest(c.key); cur != nil && !cur.deleteMarker {
			return nil, errFileAlreadyExists()
		}
	}
	v := &objectVersion{key: c.key, data: joinParts(parts), etag: multipartETag(parts), objectType: objectTypeMultipart,
		modified: c.now.UTC().Truncate(time.Millisecond)}
	v.crc64 = crcOf(v.data)
	u.attrs.apply(v, b)
	e.putVersion(b, v)
	b.removeUpload(i)

	r, aerr := xmlOK(&completeXML{EncodingType: encType, Bucket: b.name, Key: enc(c.key), ETag: v.etag,
		Location: fmt.Sprintf("http://%s.%s/%s", b.name, extranet(b.region), signer.Escape(c.key, true))})
	if aerr != nil {
		return nil, aerr
	}
	r.header.Set("ETag", v.etag)
	r.header.Set(headerCRC64, strconv.FormatUint(v.crc64, 10))
	if b.versioning != "" {
		r.header.Set(ossapi.HeaderVersionID, v.versionID)
	}
	return r, nil
}

// sameETag compares the ETag a client lists with a part's, with or without the quotes.
func sameETag(stored, listed string) bool {
	return strings.EqualFold(strings.Trim(stored, `"`), strings.Trim(strings.TrimSpace(listed), `"`))
}

func joinParts(parts []*part) []byte {
	n := 0
	for _, p := range parts {
		n += len(p.data)
	}
	out := make([]byte, 0, n)
	for _, p := range parts {
		out = append(out, p.data...)
	}
	return out
}

// multipartETag is the ETag of a completed upload: not the MD5 of the data (OSS documents it as an opaque
// value) but, as S3 computes it, the MD5 of the parts' MD5s with the number of parts, "<hex>-<n>".
func multipartETag(parts []*part) string {
	var all bytes.Buffer
	for _, p := range parts {
		sum, _ := hex.DecodeString(strings.Trim(p.etag, `"`))
		all.Write(sum)
	}
	sum := md5.Sum(all.Bytes())
	return fmt.Sprintf(`"%s-%d"`, strings.ToUpper(hex.EncodeToString(sum[:])), len(parts))
}

// ListParts.

type partXML struct {
	PartNumber    int    `xml:"PartNumber"`
	LastModified  string `xml:"LastModified"`
	ETag          string `xml:"ETag"`
	HashCrc64ecma uint64 `xml:"HashCrc64ecma"`
	Size          int    `xml:"Size"`
}

type listPartsXML struct {
	XMLName              xml.Name            `xml:"ListPartsResult"`
	EncodingType         string              `xml:"EncodingType,omitempty"`
	Bucket               string              `xml:"Bucket"`
	Key                  string              `xml:"Key"`
	UploadID             string              `xml:"UploadId"`
	StorageClass         ossapi.StorageClass `xml:"StorageClass"`
	PartNumberMarker     int                 `xml:"PartNumberMarker"`
	NextPartNumberMarker int                 `xml:"NextPartNumberMarker"`
	MaxParts             int                 `xml:"MaxParts"`
	IsTruncated          bool                `xml:"IsTruncated"`
	Parts                []partXML           `xml:"Part"`
}

// listParts lists the parts of an upload by part number, after part-number-marker, max-parts at a time.
func (e *Emulator) listParts(c *call) (*response, *apiError) {
	maxParts, err := intParam(c.query, "max-parts", defaultListParts, 1, maxListParts)
	if err != nil {
		return nil, err
	}
	marker, err := intParam(c.query, "part-number-marker", 0, 0, maxPartNumber)
	if err != nil {
		return nil, err
	}
	enc, encType, err := encoder(c)
	if err != nil {
		return nil, err
	}
	e.mu.Lock()
	defer e.mu.Unlock()
	b, err := e.bucketFor(c)
	if err != nil {
		return nil, err
	}
	_, u, err := b.findUpload(c.key, c.query.Get("uploadId"))
	if err != nil {
		return nil, err
	}
	numbers := u.partNumbers()
	numbers = numbers[sort.SearchInts(numbers, marker+1):]
	out := &listPartsXML{EncodingType: encType, Bucket: b.name, Key: enc(u.key), UploadID: u.uploadID,
		StorageClass: u.attrs.storageClass, PartNumberMarker: marker, MaxParts: maxParts}
	if out.StorageClass == "" {
		out.StorageClass = b.storageClass
	}
	if len(numbers) > maxParts {
		numbers, out.IsTruncated = numbers[:maxParts], true
	}
	for _, n := range numbers {
		p := u.parts[n]
		out.Parts = append(out.Parts, partXML{PartNumber: n, LastModified: p.modified.Format(isoMillis), ETag: p.etag,
			HashCrc64ecma: p.crc64, Size: len(p.data)})
		out.NextPartNumberMarker = n
	}
	return xmlOK(out)
}
