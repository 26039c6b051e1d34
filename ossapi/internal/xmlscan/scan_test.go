package xmlscan

import (
	"bytes"
	"encoding/xml"
	"errors"
	"io"
	"math/rand/v2"
	"strings"
	"testing"
	"testing/iotest"
)

var wide = Limits{Elements: 1 << 20, Children: 1 << 20, TokenBytes: 64 << 10}

// scanTrace is what a Scanner reads of doc up to the end of its root element: "<name" for a start
// (with its xmlns when it has one), ">name" for an end, and the text between, adjacent texts joined.
func scanTrace(doc []byte, lim Limits, r io.Reader) ([]string, error) {
	if r == nil {
		r = bytes.NewReader(doc)
	}
	s := New(r, lim)
	var trace []string
	text := false
	for {
		tok, err := s.Next()
		if err != nil {
			return trace, err
		}
		switch tok {
		case EOF:
			return trace, nil
		case Start:
			trace = append(trace, "<"+string(s.Name())+" "+s.XMLNS())
		case End:
			trace = append(trace, ">"+string(s.Name()))
		case Text:
			if text {
				trace[len(trace)-1] += string(s.Text())
				continue
			}
			trace = append(trace, "="+string(s.Text()))
		}
		text = tok == Text
	}
}

// xmlTrace is what encoding/xml reads of doc, as scanTrace writes it, up to the end of its root
// element; ok is false when it refuses the document before.
func xmlTrace(doc []byte) (trace []string, ok bool) {
	d := xml.NewDecoder(bytes.NewReader(doc))
	depth, text := 0, false
	for {
		tok, err := d.RawToken()
		if err != nil {
			return trace, err == io.EOF && depth == 0
		}
		t := false
		switch tok := tok.(type) {
		case xml.StartElement:
			xmlns := ""
			for _, a := range tok.Attr {
				if a.Name.Space == "" && a.Name.Local == "xmlns" {
					xmlns = a.Value
				}
			}
			trace = append(trace, "<"+tok.Name.Local+" "+xmlns)
			depth++
		case xml.EndElement:
			trace = append(trace, ">"+tok.Name.Local)
			if depth--; depth == 0 {
				// encoding/xml's strict checks (names that match, namespaces) happen in Token,
				// which RawToken skips: run the document through Token as well.
				return trace, tokenOK(doc)
			}
		case xml.CharData:
			if text {
				trace[len(trace)-1] += string(tok)
			} else {
				trace = append(trace, "="+string(tok))
			}
			t = true
		case xml.Comment, xml.ProcInst, xml.Directive:
			t = text // they do not end a text for a field
		}
		text = t
	}
}

// tokenOK says whether encoding/xml's checked decoder reads doc to the end of its root element.
func tokenOK(doc []byte) bool {
	d := xml.NewDecoder(bytes.NewReader(doc))
	depth := 0
	for {
		tok, err := d.Token()
		if err != nil {
			return false
		}
		switch tok.(type) {
		case xml.StartElement:
			depth++
		case xml.EndElement:
			if depth--; depth == 0 {
				return true
			}
		}
	}
}

// What a Scanner reads, encoding/xml reads the same: any document it accepts, encoding/xml accepts,
// with the same elements and the same text between them.
func FuzzScanner(f *testing.F) {
	for _, seed := range seeds {
		f.Add([]byte(seed))
	}
	f.Fuzz(func(t *testing.T, doc []byte) {
		got, err := scanTrace(doc, wide, nil)
		if err != nil || len(got) == 0 {
			return
		}
		want, ok := xmlTrace(doc)
		if !ok {
			t.Fatalf("the scanner read %q as %q; encoding/xml refuses it", doc, got)
		}
		if strings.Join(got, "\x00") != strings.Join(want, "\x00") {
			t.Fatalf("read %q\nscanner:      %q\nencoding/xml: %q", doc, got, want)
		}
		// Read a byte at a time, the scanner reads the same.
		again, err := scanTrace(doc, wide, iotest.OneByteReader(bytes.NewReader(doc)))
		if err != nil || strings.Join(again, "\x00") != strings.Join(got, "\x00") {
			t.Fatalf("read %q a byte at a time: %q, %v; at once: %q", doc, again, err, got)
		}
	})
}

var seeds = []string{
	`<?xml version="1.0" encoding="UTF-8"?>
<ListVersionsResult xmlns="http://doc.oss-cn-hangzhou.aliyuncs.com"><Name>b</Name><IsTruncated>true</IsTruncated><NextKeyMarker>a%2Fb</NextKeyMarker><Version><Key>a&amp;b</Key><Size>3</Size><Owner><ID>1</ID></Owner></Version></ListVersionsResult>`,
	"<a>x&lt;y&gt;z&apos;&quot;&#65;&#x42;&#x1F600;</a>",
	"<a>line\r\nend\rcr</a>",
	"<a><![CDATA[<not markup> & ]]]></a>",
	"<a>before<!-- comment -->after<?pi data?>end</a>",
	`<a x="1" y='2' z="a&amp;b" xmlns:p="u"><b/><c></c ></a>`,
	"  <!-- c --> <a/>trailing garbage <<<",
	"<a>]]></a>",
	"<a>&bogus;</a>",
	"<a>\x01</a>",
	"<a>&#1;</a>",
	"<a>&#xD800;</a>",
	"<a><b></a></b>",
	"<a attr=unquoted/>",
	"<p:a/>",
	"<!DOCTYPE a><a/>",
	"<?xml version=\"1.1\"?><a/>",
	"<?xml encoding=\"latin1\"?><a/>",
	"\xef\xbb\xbf<a/>",
	"<a>é\xff</a>",
	"<a\n  b = \"1\"\t/>",
	"<a><b>1</b><b>2<c>3</c>4</b></a>",
}

// A well-formed document written by encoding/xml is read as encoding/xml reads it.
func TestScannerReadsWhatMarshalWrites(t *testing.T) {
	type item struct {
		Key   string `xml:"Key"`
		Attr  string `xml:"attr,attr"`
		Empty string `xml:"Empty"`
		Inner *item  `xml:"Inner,omitempty"`
	}
	type doc struct {
		XMLName xml.Name `xml:"Doc"`
		NS      string   `xml:"xmlns,attr"`
		Items   []item   `xml:"Item"`
		Note    string   `xml:",comment"`
	}
	rnd := rand.New(rand.NewPCG(3, 4))
	const chars = "az09 /-_.~<>&'\"\t\r\né€😀]]>"
	runes := []rune(chars)
	text := func() string {
		var b []rune
		for range rnd.IntN(20) {
			b = append(b, runes[rnd.IntN(len(runes))])
		}
		return string(b)
	}
	for i := range 300 {
		d := doc{NS: "urn:" + text()}
		for range rnd.IntN(6) {
			it := item{Key: text(), Attr: text()}
			if rnd.IntN(3) == 0 {
				it.Inner = &item{Key: text()}
			}
			d.Items = append(d.Items, it)
		}
		if rnd.IntN(2) == 0 {
			d.Note = strings.ReplaceAll(text(), "-", "")
		}
		out, err := xml.MarshalIndent(d, "", strings.Repeat(" ", rnd.IntN(3)))
		if err != nil {
			t.Fatal(err)
		}
		out = append([]byte(xml.Header), out...)
		got, err := scanTrace(out, wide, nil)
		if err != nil {
			t.Fatalf("document %d %q: %v", i, out, err)
		}
		want, ok := xmlTrace(out)
		if !ok || strings.Join(got, "\x00") != strings.Join(want, "\x00") {
			t.Fatalf("document %d %q\nscanner:      %q\nencoding/xml: %q", i, out, got, want)
		}
	}
}

// What OSS never sends, and encoding/xml reads only in ways the client does not need, is refused
// with a syntax error; so is what encoding/xml refuses.
func TestScannerRefuses(t *testing.T) {
	for _, doc := range []string{
		"<!DOCTYPE a><a/>", "<p:a/>", "<é/>", "<1a/>", "<a x=1/>", "<a x/>", `<a x="<"/>`, `<a x="1"y="2"/>`,
		"<a><b></a>", "<a></b>", "<a>", "<a>text", "<a><!-- open", "<a><![CDATA[open", "<a b='1", "<a>]]></a>",
		"<a>&bogus;</a>", "<a>&amp</a>", "<a>&#1;</a>", "<a>&#x110000;</a>", "<a>&#xg;</a>", "<a>\x01</a>",
		"<a>\xff</a>", "<a>\uFFFE</a>", "<?xml version=\"1.1\"?><a/>", "<?xml encoding='latin1'?><a/>", "<??><a/>",
		"<a/ >", "</a>", "<>",
	} {
		_, err := scanTrace([]byte(doc), wide, nil)
		if !IsSyntax(err) {
			t.Errorf("%q: %v, want a syntax error", doc, err)
		}
	}
}

// A document over its limits is stopped with a LimitError that says which.
func TestScannerLimits(t *testing.T) {
	for _, tc := range []struct {
		doc  string
		lim  Limits
		over string
	}{
		{"<a><b/><b/><b/></a>", Limits{Elements: 3, Children: 10, TokenBytes: 100}, "more than 3 elements"},
		{"<a><b/><b/><b/></a>", Limits{Elements: 10, Children: 2, TokenBytes: 100}, "an element with more than 2 children"},
		{"<a>" + strings.Repeat("x", 2<<10) + "</a>", Limits{Elements: 10, Children: 10, TokenBytes: 1 << 10}, "a tag or text of more than 1 KiB"},
		{"<a " + strings.Repeat("x='1' ", 400) + "/>", Limits{Elements: 10, Children: 10, TokenBytes: 1 << 10}, "a tag or text of more than 1 KiB"},
	} {
		_, err := scanTrace([]byte(tc.doc), tc.lim, nil)
		var limit *LimitError
		if !errors.As(err, &limit) || limit.Over != tc.over {
			t.Errorf("%.40q: %v, want %q", tc.doc, err, tc.over)
		}
	}
	// Within them, the same documents are read.
	if _, err := scanTrace([]byte("<a><b/><b/><b/></a>"), Limits{Elements: 4, Children: 3, TokenBytes: 100}, nil); err != nil {
		t.Errorf("at its limits: %v", err)
	}
}

// With ControlReferences, references to control characters are read as those characters (what
// OSS's SDK writes for keys that hold them); the characters themselves are still refused.
func TestScannerControlReferences(t *testing.T) {
	s := New(strings.NewReader("<Key>a&#x1;b&#27;c&#x0;&#9;</Key>"), wide)
	s.ControlReferences = true
	if _, _, err := s.Root(); err != nil {
		t.Fatal(err)
	}
	var key string
	if err := s.ReadString(&key); err != nil || key != "a\x01b\x1bc\x00\t" {
		t.Errorf("read %q, %v", key, err)
	}
	s = New(strings.NewReader("<Key>a\x01b</Key>"), wide)
	s.ControlReferences = true
	_, _, _ = s.Root()
	if err := s.ReadString(&key); !IsSyntax(err) {
		t.Errorf("a raw control character: %v, want a syntax error", err)
	}
}

// Fields and the value readers give what encoding/xml gives a struct: the text directly in an
// element, its children skipped; empty numbers and booleans are zero; a bad one is an error.
func TestScannerFields(t *testing.T) {
	doc := `<R><S>a<!--x-->b<skip>no</skip>c</S><N> 42 </N><B>
true </B><E/><Z></Z><Unknown><S>no</S></Unknown><N2>x</N2></R>`
	s := New(strings.NewReader(doc), wide)
	if name, _, err := s.Root(); err != nil || name != "R" {
		t.Fatalf("root %q, %v", name, err)
	}
	var str string
	var n, e int64 = 0, 7
	var b, z = false, true
	var badErr error
	err := s.Fields(func(name string) (bool, error) {
		switch name {
		case "S":
			return true, s.ReadString(&str)
		case "N":
			return true, s.ReadInt(&n, 64)
		case "B":
			return true, s.ReadBool(&b)
		case "E":
			return true, s.ReadInt(&e, 64)
		case "Z":
			return true, s.ReadBool(&z)
		case "N2":
			var x int64
			badErr = s.ReadInt(&x, 64)
			return true, nil
		}
		return false, nil
	})
	if err != nil || str != "abc" || n != 42 || !b || e != 0 || z || badErr == nil {
		t.Errorf("read %q %d %t %d %t, bad number %v, err %v", str, n, b, e, z, badErr, err)
	}
}
