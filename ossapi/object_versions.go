package ossapi

import (
	"context"
	"encoding/xml"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"strconv"
	"time"

	"github.com/ossoperator/oss-operator/ossapi/internal/xmlscan"
)

// ListObjectVersionsRequest lists a page of every version and delete marker.
type ListObjectVersionsRequest struct {
	Bucket          string
	Prefix          string
	Delimiter       string
	KeyMarker       string
	VersionIDMarker string
	MaxKeys         int

	// OnNextMarker, if set, is told where the next page starts as soon as the answer says so, with
	// the key decoded: OSS sends the markers before the entries, so the next page can be asked for
	// while this one is still being read (a page of 1000 entries takes longer to read than to ask
	// for). It is called at most once per call, only for a truncated page of the bucket asked
	// about, and not at all when the markers come after the entries: the caller then takes them from
	// the result. The call may still fail after it, and the result's markers are the ones to trust.
	OnNextMarker func(keyMarker, versionIDMarker string)
}

// ObjectVersion is one version of an object.
type ObjectVersion struct {
	Key          string       `xml:"Key"`
	VersionID    string       `xml:"VersionId"`
	IsLatest     bool         `xml:"IsLatest"`
	LastModified time.Time    `xml:"LastModified"`
	ETag         string       `xml:"ETag"`
	Type         string       `xml:"Type"`
	Size         int64        `xml:"Size"`
	StorageClass StorageClass `xml:"StorageClass"`
	Owner        *Owner       `xml:"Owner,omitempty"`
}

// DeleteMarker is a delete marker of a versioned object.
type DeleteMarker struct {
	Key          string    `xml:"Key"`
	VersionID    string    `xml:"VersionId"`
	IsLatest     bool      `xml:"IsLatest"`
	LastModified time.Time `xml:"LastModified"`
	Owner        *Owner    `xml:"Owner,omitempty"`
}

// ListObjectVersionsResult is one page of versions and delete markers. Keys are decoded.
type ListObjectVersionsResult struct {
	XMLName             xml.Name        `xml:"ListVersionsResult"`
	Name                string          `xml:"Name"`
	Prefix              string          `xml:"Prefix"`
	KeyMarker           string          `xml:"KeyMarker"`
	VersionIDMarker     string          `xml:"VersionIdMarker"`
	NextKeyMarker       string          `xml:"NextKeyMarker"`
	NextVersionIDMarker string          `xml:"NextVersionIdMarker"`
	MaxKeys             int             `xml:"MaxKeys"`
	Delimiter           string          `xml:"Delimiter"`
	IsTruncated         bool            `xml:"IsTruncated"`
	EncodingType        string          `xml:"EncodingType"`
	Versions            []ObjectVersion `xml:"Version"`
	DeleteMarkers       []DeleteMarker  `xml:"DeleteMarker"`
	CommonPrefixes      []CommonPrefix  `xml:"CommonPrefixes"`
}

// ListObjectVersions lists a page of versions and delete markers.
func (c *Client) ListObjectVersions(ctx context.Context, req *ListObjectVersionsRequest) (*ListObjectVersionsResult, error) {
	q := url.Values{"versions": {""}, "encoding-type": {"url"}}
	setIf(q, "prefix", req.Prefix)
	setIf(q, "delimiter", req.Delimiter)
	setIf(q, "key-marker", req.KeyMarker)
	setIf(q, "version-id-marker", req.VersionIDMarker)
	if req.MaxKeys > 0 {
		q.Set("max-keys", strconv.Itoa(req.MaxKeys))
	}
	r := &request{op: OpListObjectVersions, method: http.MethodGet, bucket: req.Bucket, query: q}
	page := &versionsPage{result: &ListObjectVersionsResult{}, r: r, onNext: req.OnNextMarker}
	r.decode = page.decode
	if _, err := c.do(ctx, r); err != nil {
		return nil, err
	}
	return page.result, nil
}

// accept checks that the listing is of the bucket asked for, and decodes its keys.
func (l *ListObjectVersionsResult) accept(r *request) error {
	if err := namesBucket(r, l.Name); err != nil {
		return err
	}
	fields := append([]*string{&l.Prefix, &l.KeyMarker, &l.NextKeyMarker, &l.Delimiter}, prefixFields(l.CommonPrefixes)...)
	for i := range l.Versions {
		fields = append(fields, &l.Versions[i].Key)
	}
	for i := range l.DeleteMarkers {
		fields = append(fields, &l.DeleteMarkers[i].Key)
	}
	return urlDecode(l.EncodingType, fields)
}

// versionsPage reads a ListVersionsResult as it arrives, with an xmlscan.Scanner, to tell onNext where
// the next page starts before reading the entries, and to read 1000 of them in a millisecond or two.
// It makes of a document what decodeXML makes of it into a ListObjectVersionsResult, and refuses it
// as decodeXML would (FuzzVersionsDecoder compares them).
type versionsPage struct {
	result *ListObjectVersionsResult
	r      *request
	onNext func(keyMarker, versionIDMarker string)
	// told: onNext was called, in this attempt or an earlier one of the same call.
	told bool
	// head: the fields read of those that say where the next page starts.
	head int
}

// decode reads one attempt's answer, after clearing what an earlier attempt left.
func (p *versionsPage) decode(body io.Reader) error {
	l := p.result
	*l = ListObjectVersionsResult{}
	p.head = 0
	s := newScanner(body, answerLimit(p.r.op))
	name, err := scanRoot(s)
	if err != nil {
		return err
	}
	if name != "ListVersionsResult" {
		return refuse(problemWrongDocument, fmt.Errorf("the root element is <%s>, not <ListVersionsResult>", name))
	}
	l.XMLName = xml.Name{Space: s.XMLNS(), Local: name}
	if err := p.readPage(s); err != nil {
		return documentError(err)
	}
	return l.accept(p.r)
}

func (p *versionsPage) readPage(s *xmlscan.Scanner) error {
	l := p.result
	for {
		tok, err := s.Next()
		switch {
		case err != nil:
			return err
		case tok == xmlscan.End:
			return nil
		case tok != xmlscan.Start:
			continue
		}
		var maxKeys int64
		switch string(s.Name()) {
		case "Version":
			p.tell()
			l.Versions = append(l.Versions, ObjectVersion{})
			err = readVersion(s, &l.Versions[len(l.Versions)-1])
		case "DeleteMarker":
			p.tell()
			l.DeleteMarkers = append(l.DeleteMarkers, DeleteMarker{})
			err = readDeleteMarker(s, &l.DeleteMarkers[len(l.DeleteMarkers)-1])
		case "CommonPrefixes":
			p.tell()
			l.CommonPrefixes = append(l.CommonPrefixes, CommonPrefix{})
			err = s.Fields(func(name string) (bool, error) {
				if name == "Prefix" {
					return true, s.ReadString(&l.CommonPrefixes[len(l.CommonPrefixes)-1].Prefix)
				}
				return false, nil
			})
		case "Name":
			err = s.ReadString(&l.Name)
		case "Prefix":
			err = s.ReadString(&l.Prefix)
		case "KeyMarker":
			err = s.ReadString(&l.KeyMarker)
		case "VersionIdMarker":
			err = s.ReadString(&l.VersionIDMarker)
		case "NextKeyMarker":
			err = s.ReadString(&l.NextKeyMarker)
			p.readHead(nextKeyMarker)
		case "NextVersionIdMarker":
			err = s.ReadString(&l.NextVersionIDMarker)
			p.readHead(nextVersionIDMarker)
		case "MaxKeys":
			err = s.ReadInt(&maxKeys, strconv.IntSize)
			l.MaxKeys = int(maxKeys)
		case "Delimiter":
			err = s.ReadString(&l.Delimiter)
		case "IsTruncated":
			err = s.ReadBool(&l.IsTruncated)
			p.readHead(isTruncated)
		case "EncodingType":
			err = s.ReadString(&l.EncodingType)
			p.readHead(encodingType)
		default:
			err = s.Skip()
		}
		if err != nil {
			return err
		}
	}
}

func readVersion(s *xmlscan.Scanner, v *ObjectVersion) error {
	return s.Fields(func(name string) (bool, error) {
		switch name {
		case "Key":
			return true, s.ReadString(&v.Key)
		case "VersionId":
			return true, s.ReadString(&v.VersionID)
		case "IsLatest":
			return true, s.ReadBool(&v.IsLatest)
		case "LastModified":
			return true, s.ReadText(&v.LastModified)
		case "ETag":
			return true, s.ReadString(&v.ETag)
		case "Type":
			return true, s.ReadString(&v.Type)
		case "Size":
			return true, s.ReadInt(&v.Size, 64)
		case "StorageClass":
			return true, s.ReadString((*string)(&v.StorageClass))
		case "Owner":
			if v.Owner == nil {
				v.Owner = &Owner{}
			}
			return true, readOwner(s, v.Owner)
		}
		return false, nil
	})
}

func readDeleteMarker(s *xmlscan.Scanner, m *DeleteMarker) error {
	return s.Fields(func(name string) (bool, error) {
		switch name {
		case "Key":
			return true, s.ReadString(&m.Key)
		case "VersionId":
			return true, s.ReadString(&m.VersionID)
		case "IsLatest":
			return true, s.ReadBool(&m.IsLatest)
		case "LastModified":
			return true, s.ReadText(&m.LastModified)
		case "Owner":
			if m.Owner == nil {
				m.Owner = &Owner{}
			}
			return true, readOwner(s, m.Owner)
		}
		return false, nil
	})
}

func readOwner(s *xmlscan.Scanner, o *Owner) error {
	return s.Fields(func(name string) (bool, error) {
		switch name {
		case "ID":
			return true, s.ReadString(&o.ID)
		case "DisplayName":
			return true, s.ReadString(&o.DisplayName)
		}
		return false, nil
	})
}

// The fields that say where the next page starts; once all are read (OSS sends them before the
// entries), or at the first entry, onNext can be told.
const (
	nextKeyMarker = 1 << iota
	nextVersionIDMarker
	isTruncated
	encodingType
	wholeHead = nextKeyMarker | nextVersionIDMarker | isTruncated | encodingType
)

func (p *versionsPage) readHead(field int) {
	if p.head |= field; p.head == wholeHead {
		p.tell()
	}
}

// tell calls onNext, once, when the page read so far is of the bucket asked about, is truncated and
// says where the next page starts.
func (p *versionsPage) tell() {
	l := p.result
	if p.onNext == nil || p.told || !l.IsTruncated || l.NextKeyMarker == "" || namesBucket(p.r, l.Name) != nil {
		return
	}
	key := l.NextKeyMarker
	if err := urlDecode(l.EncodingType, []*string{&key}); err != nil {
		return // accept refuses the page
	}
	p.told = true
	p.onNext(key, l.NextVersionIDMarker)
}
