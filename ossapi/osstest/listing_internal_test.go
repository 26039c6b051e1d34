package osstest

import (
	"bufio"
	"bytes"
	"encoding/xml"
	"math/rand/v2"
	"testing"

	"github.com/ossoperator/oss-operator/ossapi"
)

// The emulator writes its listing of versions by hand, for speed: byte for byte what xml.Marshal
// writes of the same page, escapes and left-out fields included.
func TestListVersionsXMLIsWhatMarshalWrites(t *testing.T) {
	rnd := rand.New(rand.NewPCG(1, 2))
	text := func() string {
		// Keys and markers with what XML must escape, and what it cannot hold (written as U+FFFD).
		const chars = "abz09/-_.~ <>&'\"\t\r\n\x01é€😀"
		runes := []rune(chars)
		b := []rune{}
		for range rnd.IntN(12) {
			b = append(b, runes[rnd.IntN(len(runes))])
		}
		return string(b)
	}
	for i := range 500 {
		l := &listVersionsXML{Name: text(), Prefix: text(), KeyMarker: text(), VersionIDMarker: text(),
			MaxKeys: rnd.IntN(1001), Delimiter: text(), IsTruncated: rnd.IntN(2) == 0}
		if rnd.IntN(2) == 0 {
			l.NextKeyMarker, l.NextVersionIDMarker, l.EncodingType = text(), text(), "url"
		}
		for range rnd.IntN(5) {
			e := versionEntry{Key: text(), VersionID: text(), IsLatest: rnd.IntN(2) == 0, LastModified: text(),
				Owner: ossapi.Owner{ID: text(), DisplayName: text()}, deleteMarker: rnd.IntN(3) == 0}
			if !e.deleteMarker {
				size := rnd.Int64N(1 << 40)
				e.ETag, e.Type, e.Size, e.StorageClass = text(), text(), &size, ossapi.StorageClass(text())
			}
			l.Entries = append(l.Entries, e)
		}
		for range rnd.IntN(3) {
			l.CommonPrefixes = append(l.CommonPrefixes, prefixXML{Prefix: text()})
		}
		want, err := xml.Marshal(l)
		if err != nil {
			t.Fatal(err)
		}
		var got bytes.Buffer
		w := bufio.NewWriter(&got)
		l.writeXML(w)
		if err := w.Flush(); err != nil {
			t.Fatal(err)
		}
		if !bytes.Equal(got.Bytes(), want) {
			t.Fatalf("page %d:\nwritten:   %s\nmarshaled: %s", i, got.Bytes(), want)
		}
	}
}
