package ossapi

import (
	"bytes"
	"encoding/xml"
	"errors"
	"fmt"
	"math/rand/v2"
	"net/http"
	"net/url"
	"reflect"
	"strings"
	"testing"
	"time"
)

// decodeBoth reads doc as an answer to ListObjectVersions of bucket "bkt" with the client's decoder of
// versions and with encoding/xml (decodeXML, as every other answer is read).
func decodeBoth(doc []byte) (fast *ListObjectVersionsResult, fastErr error, slow *ListObjectVersionsResult, slowErr error) {
	r := &request{op: OpListObjectVersions, bucket: "bkt"}
	p := &versionsPage{result: &ListObjectVersionsResult{}, r: r}
	fastErr = p.decode(bytes.NewReader(doc))
	slow = &ListObjectVersionsResult{}
	slowErr = decodeXML(r, bytes.NewReader(doc), slow)
	return p.result, fastErr, slow, slowErr
}

// problemOf is what an answer's refusal says of it ("is not XML"), or the error's type.
func problemOf(err error) string {
	var r *refusal
	if errors.As(err, &r) {
		return r.problem
	}
	return fmt.Sprintf("%T", err)
}

// A page of versions is read as encoding/xml reads it into a ListObjectVersionsResult: pages as OSS
// and the emulator write them, and with what a hostile or odd answer holds (comments, CDATA,
// references, repeated and unknown elements, text between fields, elements in fields).
func TestVersionsDecoderReadsWhatEncodingXMLReads(t *testing.T) {
	rnd := rand.New(rand.NewPCG(5, 6))
	const chars = "az09/-_.~ <>&'\"\té€😀%"
	runes := []rune(chars)
	text := func() string {
		var b []rune
		for range rnd.IntN(16) {
			b = append(b, runes[rnd.IntN(len(runes))])
		}
		return string(b)
	}
	key := func() string { return url.QueryEscape(text()) }
	var docs [][]byte
	for range 200 {
		l := ListObjectVersionsResult{Name: "bkt", Prefix: key(), KeyMarker: key(), VersionIDMarker: text(), MaxKeys: rnd.IntN(1001),
			Delimiter: key(), IsTruncated: rnd.IntN(2) == 0, EncodingType: "url"}
		if l.IsTruncated {
			l.NextKeyMarker, l.NextVersionIDMarker = key(), text()
		}
		for range rnd.IntN(6) {
			v := ObjectVersion{Key: key(), VersionID: text(), IsLatest: rnd.IntN(2) == 0,
				LastModified: time.UnixMilli(rnd.Int64N(1 << 42)).UTC(), ETag: text(), Type: text(), Size: rnd.Int64N(1 << 40),
				StorageClass: StorageClass(text())}
			if rnd.IntN(2) == 0 {
				v.Owner = &Owner{ID: text(), DisplayName: text()}
			}
			l.Versions = append(l.Versions, v)
		}
		for range rnd.IntN(3) {
			l.DeleteMarkers = append(l.DeleteMarkers, DeleteMarker{Key: key(), VersionID: text(), LastModified: time.UnixMilli(rnd.Int64N(1 << 42)).UTC(),
				Owner: &Owner{ID: text()}})
		}
		for range rnd.IntN(3) {
			l.CommonPrefixes = append(l.CommonPrefixes, CommonPrefix{Prefix: key()})
		}
		doc, err := xml.MarshalIndent(l, "", strings.Repeat(" ", rnd.IntN(2)))
		if err != nil {
			t.Fatal(err)
		}
		docs = append(docs, append([]byte(xml.Header), doc...))
	}
	for _, odd := range oddVersionPages {
		docs = append(docs, []byte(odd))
	}
	for i, doc := range docs {
		fast, fastErr, slow, slowErr := decodeBoth(doc)
		if (fastErr == nil) != (slowErr == nil) || fastErr != nil && problemOf(fastErr) != problemOf(slowErr) {
			t.Errorf("document %d %q:\nscanner:      %v\nencoding/xml: %v", i, doc, fastErr, slowErr)
			continue
		}
		if fastErr == nil && !reflect.DeepEqual(fast, slow) {
			t.Errorf("document %d %q:\nscanner:      %+v\nencoding/xml: %+v", i, doc, fast, slow)
		}
	}
}

var oddVersionPages = []string{
	`<ListVersionsResult xmlns="http://doc.oss-cn-hangzhou.aliyuncs.com"><Name>bkt</Name><!-- c --><Version><Key>a<!--x-->b<![CDATA[<c>]]>&amp;&#x64;</Key><IsLatest> true
</IsLatest><Size> 12 </Size><Owner><ID>1</ID><ID>2</ID></Owner><Owner><DisplayName>d</DisplayName></Owner><Unknown><Key>no</Key></Unknown></Version>text<Name>bkt</Name></ListVersionsResult>`,
	`<ListVersionsResult><Name>bkt</Name><Version><Key>k<b>skipped</b>ey</Key><IsLatest/><Size></Size></Version><DeleteMarker/><CommonPrefixes><Prefix>p</Prefix><Prefix>q</Prefix></CommonPrefixes></ListVersionsResult>`,
	`<ListVersionsResult><Name>bkt</Name><Version><IsLatest>yes</IsLatest></Version></ListVersionsResult>`,
	`<ListVersionsResult><Name>bkt</Name><Version><Size>1x</Size></Version></ListVersionsResult>`,
	`<ListVersionsResult><Name>bkt</Name><Version><LastModified>yesterday</LastModified></Version></ListVersionsResult>`,
	`<ListVersionsResult><Name>bkt</Name><Version><LastModified/></Version></ListVersionsResult>`,
	`<ListVersionsResult><Name>bkt</Name><MaxKeys>99999999999999999999</MaxKeys></ListVersionsResult>`,
	`<ListVersionsResult><Name>other</Name></ListVersionsResult>`,
	`<ListVersionsResult><Name>bkt</Name><EncodingType>url</EncodingType><Version><Key>%zz</Key></Version></ListVersionsResult>`,
	`<ListBucketResult><Name>bkt</Name></ListBucketResult>`,
	`<ListVersionsResult><Name>bkt</Name><Version><Key>open</Version></ListVersionsResult>`,
	`<ListVersionsResult><Name>bkt</Name>`,
	``,
	`   `,
	`not xml`,
	`<html><body>proxy error</body></html>`,
}

// Whatever the decoder of versions reads, encoding/xml reads the same, and what it refuses for a
// value encoding/xml refuses too.
func FuzzVersionsDecoder(f *testing.F) {
	for _, doc := range oddVersionPages {
		f.Add([]byte(doc))
	}
	f.Add([]byte(`<?xml version="1.0" encoding="UTF-8"?><ListVersionsResult><Name>bkt</Name><IsTruncated>true</IsTruncated><NextKeyMarker>a%2Fb</NextKeyMarker><EncodingType>url</EncodingType><Version><Key>a%2Fb</Key><VersionId>v1</VersionId><IsLatest>true</IsLatest><LastModified>2026-12-01T00:00:00.000Z</LastModified><ETag>"x"</ETag><Size>3</Size><StorageClass>Standard</StorageClass><Owner><ID>1</ID><DisplayName>1</DisplayName></Owner></Version></ListVersionsResult>`))
	f.Fuzz(func(t *testing.T, doc []byte) {
		fast, fastErr, slow, slowErr := decodeBoth(doc)
		switch {
		case fastErr == nil && slowErr != nil:
			t.Fatalf("%q: the decoder read %+v; encoding/xml refuses it: %v", doc, fast, slowErr)
		case fastErr == nil && !reflect.DeepEqual(fast, slow):
			t.Fatalf("%q:\ndecoder:      %+v\nencoding/xml: %+v", doc, fast, slow)
		case fastErr != nil && problemOf(fastErr) != problemNotXML && problemOf(fastErr) != problemOf(slowErr):
			t.Fatalf("%q: the decoder refuses it: %v; encoding/xml: %v", doc, fastErr, slowErr)
		}
	})
}

// A page of versions over the document limits is not read: too many entries, a key too long.
func TestVersionsPageLimits(t *testing.T) {
	version := `<Version><Key>k</Key></Version>`
	for _, tc := range []struct{ name, body, over string }{
		{"1101 versions", `<ListVersionsResult><Name>bkt</Name>` + strings.Repeat(version, 1101) + `</ListVersionsResult>`, "has an element with more than 1100 children"},
		{"a key of 80 KiB", `<ListVersionsResult><Name>bkt</Name><Version><Key>` + strings.Repeat("k", 80<<10) + `</Key></Version></ListVersionsResult>`, "has a tag or text of more than 64 KiB"},
	} {
		_, err := answering(t, tc.body).ListObjectVersions(ctx(), &ListObjectVersionsRequest{Bucket: "bkt"})
		var tl *ResponseTooLargeError
		if !errors.As(err, &tl) || Retryable(err) || !strings.Contains(err.Error(), "the 200 answer "+tc.over) {
			t.Errorf("%s: %T %v, want a *ResponseTooLargeError saying it %s", tc.name, err, err, tc.over)
		}
	}
	if page, err := answering(t, `<ListVersionsResult><Name>bkt</Name>`+strings.Repeat(version, 1000)+`</ListVersionsResult>`).
		ListObjectVersions(ctx(), &ListObjectVersionsRequest{Bucket: "bkt"}); err != nil || len(page.Versions) != 1000 {
		t.Errorf("1000 versions: %v", err)
	}
}

// OnNextMarker is told where the next page starts, its key decoded, while the page is still being
// read: the server here holds the rest of the page back until it was told. It is told once per
// call, retries included, and not for a last page or a page of another bucket.
func TestOnNextMarkerComesBeforeTheEntries(t *testing.T) {
	head := `<?xml version="1.0" encoding="UTF-8"?><ListVersionsResult><Name>bkt</Name><Prefix></Prefix><KeyMarker></KeyMarker>` +
		`<VersionIdMarker></VersionIdMarker><NextKeyMarker>dir%2Fa%20b%C3%BC</NextKeyMarker><NextVersionIdMarker>v%2F2</NextVersionIdMarker>` +
		`<MaxKeys>2</MaxKeys><Delimiter></Delimiter><EncodingType>url</EncodingType><IsTruncated>true</IsTruncated>`
	entries := `<Version><Key>dir%2Fa</Key><VersionId>v1</VersionId></Version><Version><Key>dir%2Fa%20b%C3%BC</Key><VersionId>v/2</VersionId></Version></ListVersionsResult>`

	toldCh := make(chan struct{})
	_, srv := newRecorder(t, func(n int, w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "application/xml")
		_, _ = w.Write([]byte(head))
		w.(http.Flusher).Flush()
		select {
		case <-toldCh:
		case <-time.After(5 * time.Second):
			t.Error("not told before the entries were sent")
		}
		_, _ = w.Write([]byte(entries))
	})
	c, _ := testClient(t, srv, nil)
	var told [][2]string
	page, err := c.ListObjectVersions(ctx(), &ListObjectVersionsRequest{Bucket: "bkt", MaxKeys: 2,
		OnNextMarker: func(key, version string) {
			told = append(told, [2]string{key, version})
			close(toldCh)
		}})
	if err != nil {
		t.Fatal(err)
	}
	if len(told) != 1 || told[0] != [2]string{"dir/a bü", "v%2F2"} {
		t.Errorf("told %q, want once: the key decoded, the version ID as OSS sent it", told)
	}
	if page.NextKeyMarker != "dir/a bü" || len(page.Versions) != 2 {
		t.Errorf("page %+v", page)
	}

	// The first attempt breaks off after the first entry began: the call is retried, and told once.
	_, srv = newRecorder(t, func(n int, w http.ResponseWriter, r *http.Request) {
		if n == 0 {
			cutShort(w, head+entries, len(head)+len("<Version><Key>dir"))
			return
		}
		_, _ = w.Write([]byte(head + entries))
	})
	c, _ = testClient(t, srv, nil)
	calls := 0
	page, err = c.ListObjectVersions(ctx(), &ListObjectVersionsRequest{Bucket: "bkt", MaxKeys: 2,
		OnNextMarker: func(string, string) { calls++ }})
	if err != nil || calls != 1 || len(page.Versions) != 2 {
		t.Errorf("retried: told %d times, page %+v, %v; want told once and the whole page", calls, page, err)
	}

	for name, body := range map[string]string{
		"the last page": `<ListVersionsResult><Name>bkt</Name><IsTruncated>false</IsTruncated><Version><Key>a</Key></Version></ListVersionsResult>`,
		"markers after the entries": `<ListVersionsResult><Name>bkt</Name><Version><Key>a</Key></Version>` +
			`<IsTruncated>true</IsTruncated><NextKeyMarker>a</NextKeyMarker></ListVersionsResult>`,
		"another bucket's page": `<ListVersionsResult><Name>other</Name><IsTruncated>true</IsTruncated><NextKeyMarker>a</NextKeyMarker>` +
			`<Version><Key>a</Key></Version></ListVersionsResult>`,
	} {
		calls := 0
		page, err := answering(t, body).ListObjectVersions(ctx(), &ListObjectVersionsRequest{Bucket: "bkt",
			OnNextMarker: func(string, string) { calls++ }})
		if calls != 0 {
			t.Errorf("%s: told %d times", name, calls)
		}
		if name == "markers after the entries" && (err != nil || !page.IsTruncated || page.NextKeyMarker != "a") {
			t.Errorf("%s: %+v, %v: the result's markers are still there", name, page, err)
		}
	}
}
