package ossapi

import (
	"bytes"
	"encoding/xml"
	"math/rand/v2"
	"strings"
	"testing"

	"github.com/ossoperator/oss-operator/ossapi/internal/xmlscan"
)

// The body of DeleteMultipleObjects names every key as it is: read back as OSS reads it (control
// characters as references), each key and version ID is the one given; without control characters it
// is plain XML 1.0, as encoding/xml reads it.
func TestDeleteBodyKeepsEveryKey(t *testing.T) {
	rnd := rand.New(rand.NewPCG(7, 8))
	runes := []rune("az09/-_.~ <>&'\"\t\r\n\x01\x1b\x00é€😀]]>")
	key := func() string {
		var b []rune
		for range 1 + rnd.IntN(20) {
			b = append(b, runes[rnd.IntN(len(runes))])
		}
		return string(b)
	}
	for range 200 {
		var objects []ObjectIdentifier
		for range 1 + rnd.IntN(5) {
			o := ObjectIdentifier{Key: key()}
			if rnd.IntN(2) == 0 {
				o.VersionID = key()
			}
			objects = append(objects, o)
		}
		body := deleteBody(true, objects)

		s := xmlscan.New(bytes.NewReader(body), xmlscan.Limits{Elements: 1 << 20, Children: 1 << 20, TokenBytes: 1 << 20})
		s.ControlReferences = true
		if name, _, err := s.Root(); err != nil || name != "Delete" {
			t.Fatalf("%q: root %q, %v", body, name, err)
		}
		var got []ObjectIdentifier
		quiet := false
		err := s.Fields(func(name string) (bool, error) {
			switch name {
			case "Quiet":
				return true, s.ReadBool(&quiet)
			case "Object":
				got = append(got, ObjectIdentifier{})
				o := &got[len(got)-1]
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
		if err != nil || !quiet || len(got) != len(objects) {
			t.Fatalf("%q: read %q, quiet %t, %v", body, got, quiet, err)
		}
		for i := range got {
			if got[i] != objects[i] {
				t.Fatalf("%q: object %d read as %q, want %q", body, i, got[i], objects[i])
			}
		}

		if onlyXML10(objects) {
			var plain struct {
				Objects []ObjectIdentifier `xml:"Object"`
			}
			if err := xml.Unmarshal(body, &plain); err != nil || len(plain.Objects) != len(objects) {
				t.Fatalf("%q: encoding/xml: %v", body, err)
			}
			for i := range plain.Objects {
				if plain.Objects[i] != objects[i] {
					t.Fatalf("%q: encoding/xml reads object %d as %q, want %q", body, i, plain.Objects[i], objects[i])
				}
			}
		}
	}
}

// onlyXML10 says whether no key or version ID holds a control character other than a tab or a line end.
func onlyXML10(objects []ObjectIdentifier) bool {
	for _, o := range objects {
		if strings.ContainsFunc(o.Key+o.VersionID, func(r rune) bool { return r < 0x20 && r != '\t' && r != '\n' && r != '\r' }) {
			return false
		}
	}
	return true
}
