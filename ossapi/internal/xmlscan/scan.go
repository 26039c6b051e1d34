// Package xmlscan reads XML documents from a stream, a token at a time, for the documents the client
// and the emulator read in bulk: encoding/xml takes some 12 ms over a listing page of 1000 versions
// (300 KB), most of it making tokens; a Scanner takes one or two.
//
// A Scanner accepts a subset of what encoding/xml accepts in its strict mode — what OSS sends and
// what its SDK writes: UTF-8; elements with unprefixed ASCII names; attributes; text with the five
// named and the numeric character references; CDATA sections, comments and processing
// instructions — and reads what it accepts as encoding/xml reads it (line ends, character checks,
// where text stops, the text a field gets); FuzzScanner holds it to that. A document type
// declaration, a prefixed element name or a name that is not ASCII is refused. With
// ControlReferences, it also takes references to control characters (&#x1;), which XML 1.0 forbids
// and OSS's SDK writes for keys that hold them.
//
// It keeps a document within Limits: elements in all, children of one element, and the bytes of one
// token. It stops at the end of the root element, reading nothing after it.
package xmlscan

import (
	"bytes"
	"encoding"
	"errors"
	"fmt"
	"io"
	"strconv"
	"strings"
	"unicode"
	"unicode/utf8"
)

// Limits bound a document: its elements in all, the children of any one element, and the bytes of
// one token (a tag, a text, a comment).
type Limits struct {
	Elements, Children, TokenBytes int
}

// A Scanner reads one document.
type Scanner struct {
	// ControlReferences takes references to control characters (&#x1;) in text.
	ControlReferences bool

	r        io.Reader
	buf      []byte
	pos, end int   // buf[pos:end] is read and not yet scanned
	rerr     error // what the reader returned last, once it failed or ended

	lim      Limits
	elements int
	open     []openElement
	// selfClosed: the last start element was <name/>; its end is the next token.
	selfClosed bool
	ended      bool // the root element ended

	// Of the last token: the name of a start or end element, the xmlns attribute of a start
	// element, the decoded text of a text token (a CDATA section is one). They are valid until the
	// next call of next.
	name  []byte
	xmlns string
	text  []byte

	scratch []byte // text being decoded, when it differs from its bytes in the document
	field   []byte // the text of the element elementText reads
}

type openElement struct {
	name     []byte
	children int
}

type Token int

const (
	EOF Token = iota // the end of the document, after the root element or before any
	Start
	End
	Text
)

// SyntaxError is a document the scanner refuses.
type SyntaxError struct{ Msg string }

func (e *SyntaxError) Error() string { return "XML syntax error: " + e.Msg }

func syntaxErr(format string, a ...any) error {
	return &SyntaxError{Msg: fmt.Sprintf(format, a...)}
}

// LimitError is a document over its Limits; Over says which ("more than 2000 elements").
type LimitError struct{ Over string }

func (e *LimitError) Error() string { return "the document has " + e.Over }

// New reads a document from r within lim.
func New(r io.Reader, lim Limits) *Scanner {
	return &Scanner{r: r, buf: make([]byte, 32<<10), lim: lim}
}

// Name is the name of the last start or end element; Text the decoded text of the last text token (a
// CDATA section is one); XMLNS the xmlns attribute of the last start element. Name and Text are valid
// until the next call of Next.
func (s *Scanner) Name() []byte  { return s.name }
func (s *Scanner) Text() []byte  { return s.text }
func (s *Scanner) XMLNS() string { return s.xmlns }

// Next reads the next start, end or text token; comments, processing instructions and the white
// space around them are read past.
func (s *Scanner) Next() (Token, error) {
	if s.selfClosed {
		s.selfClosed = false
		return s.closeElement(), nil
	}
	if s.ended {
		return EOF, nil
	}
	for {
		ok, err := s.ensure(1)
		if err != nil {
			return 0, err
		}
		if !ok {
			if len(s.open) > 0 {
				return 0, io.ErrUnexpectedEOF
			}
			return EOF, nil
		}
		if s.buf[s.pos] != '<' {
			return s.scanText()
		}
		if ok, err := s.ensure(2); err != nil || !ok {
			return 0, eofIn(err, "a tag")
		}
		switch s.buf[s.pos+1] {
		case '/':
			return s.scanEnd()
		case '?':
			if err := s.scanProcInst(); err != nil {
				return 0, err
			}
		case '!':
			isText, err := s.scanBang()
			if err != nil {
				return 0, err
			}
			if isText {
				return Text, nil
			}
		default:
			return s.scanStart()
		}
	}
}

// Skip reads past the rest of the element whose start was the last token.
func (s *Scanner) Skip() error {
	for depth := 1; depth > 0; {
		tok, err := s.Next()
		switch {
		case err != nil:
			return err
		case tok == Start:
			depth++
		case tok == End:
			depth--
		case tok == EOF:
			return io.ErrUnexpectedEOF
		}
	}
	return nil
}

// ensure reads until n bytes are unscanned; false when the document ends before.
func (s *Scanner) ensure(n int) (bool, error) {
	for s.end-s.pos < n {
		if err := s.fill(); err != nil {
			if err == io.EOF {
				return false, nil
			}
			return false, err
		}
	}
	return true, nil
}

// find is the index from s.pos of the first sep at or after from, reading more as needed; -1 when
// the document ends first. A token of more than Limits.TokenBytes is refused.
func (s *Scanner) find(from int, sep string) (int, error) {
	for {
		var i int
		if len(sep) == 1 {
			i = bytes.IndexByte(s.buf[s.pos+from:s.end], sep[0])
		} else {
			i = bytes.Index(s.buf[s.pos+from:s.end], []byte(sep))
		}
		if i >= 0 && from+i <= s.lim.TokenBytes {
			return from + i, nil
		}
		if i >= 0 || s.end-s.pos > s.lim.TokenBytes {
			return 0, &LimitError{Over: "a tag or text of more than " + byteSize(s.lim.TokenBytes)}
		}
		from = max(from, s.end-s.pos-len(sep)+1)
		if err := s.fill(); err != nil {
			if err == io.EOF {
				return -1, nil
			}
			return 0, err
		}
	}
}

// fill reads more of the document, moving what is unscanned to the front of the buffer, or growing
// it when it is all unscanned. It returns io.EOF once the document ended.
func (s *Scanner) fill() error {
	if s.rerr != nil {
		return s.rerr
	}
	if s.end == len(s.buf) {
		if s.pos > 0 {
			s.end = copy(s.buf, s.buf[s.pos:s.end])
			s.pos = 0
		} else {
			s.buf = append(s.buf, make([]byte, len(s.buf))...)
		}
	}
	n, err := s.r.Read(s.buf[s.end:])
	s.end += n
	if err != nil {
		s.rerr = err
		if n > 0 {
			return nil
		}
		return err
	}
	return nil
}

func eofIn(err error, what string) error {
	if err != nil {
		return err
	}
	return fmt.Errorf("%w in %s", io.ErrUnexpectedEOF, what)
}

// scanText reads the text up to the next '<' or the end of the document.
func (s *Scanner) scanText() (Token, error) {
	i, err := s.find(0, "<")
	if err != nil {
		return 0, err
	}
	if i < 0 {
		i = s.end - s.pos
	}
	raw := s.buf[s.pos : s.pos+i]
	s.pos += i
	if s.text, err = s.decodeText(raw, 0, false); err != nil {
		return 0, err
	}
	return Text, nil
}

// scanBang reads a comment (past it), a CDATA section (as text, isText), or refuses a declaration.
func (s *Scanner) scanBang() (isText bool, err error) {
	switch {
	case s.hasPrefix("<!--"):
		// The first "--" ends the comment, and must be followed by '>'.
		i, err := s.find(4, "--")
		if err == nil && i >= 0 {
			var ok bool
			if ok, err = s.ensure(i + 3); ok && s.buf[s.pos+i+2] != '>' {
				return false, syntaxErr(`"--" in a comment`)
			} else if !ok {
				i = -1
			}
		}
		if err != nil || i < 0 {
			return false, eofIn(err, "a comment")
		}
		s.pos += i + 3
		return false, nil
	case s.hasPrefix("<![CDATA["):
		i, err := s.find(9, "]]>")
		if err != nil || i < 0 {
			return false, eofIn(err, "a CDATA section")
		}
		raw := s.buf[s.pos+9 : s.pos+i]
		s.pos += i + 3
		if len(s.open) == 0 {
			return false, syntaxErr("a CDATA section outside the root element")
		}
		s.text, err = s.decodeText(raw, 0, true)
		return err == nil, err
	}
	return false, syntaxErr("a declaration (<!...>) is not read")
}

// hasPrefix reads until len(p) bytes are unscanned, and says whether they start with p.
func (s *Scanner) hasPrefix(p string) bool {
	ok, _ := s.ensure(len(p))
	return ok && string(s.buf[s.pos:s.pos+len(p)]) == p
}

// scanProcInst reads past a processing instruction; the XML declaration's version must be 1.0 and
// its encoding UTF-8, as encoding/xml demands without a CharsetReader.
func (s *Scanner) scanProcInst() error {
	i, err := s.find(2, "?>")
	if err != nil || i < 0 {
		return eofIn(err, "a processing instruction")
	}
	inst := s.buf[s.pos+2 : s.pos+i]
	s.pos += i + 2
	target, rest := inst, []byte(nil)
	if j := bytes.IndexAny(inst, " \t\r\n"); j >= 0 {
		target, rest = inst[:j], inst[j:]
	}
	if !isASCIIName(target, false) {
		return syntaxErr("a processing instruction without a target name")
	}
	if string(target) != "xml" {
		return nil
	}
	params, ok := declParams(rest)
	if !ok {
		return syntaxErr("an XML declaration that is not version, encoding and standalone")
	}
	if v, ok := params["version"]; ok && v != "1.0" {
		return syntaxErr("XML version %q, not 1.0", v)
	}
	if e, ok := params["encoding"]; ok && !strings.EqualFold(e, "utf-8") {
		return syntaxErr("encoding %q, not UTF-8", e)
	}
	return nil
}

// declParams reads the parameters of an XML declaration: name="value" or name='value', apart.
func declParams(b []byte) (map[string]string, bool) {
	params := map[string]string{}
	for {
		b = bytes.TrimLeft(b, " \t\r\n")
		if len(b) == 0 {
			return params, true
		}
		eq := bytes.IndexByte(b, '=')
		if eq < 0 {
			return nil, false
		}
		name := string(bytes.TrimRight(b[:eq], " \t\r\n"))
		switch name {
		case "version", "encoding", "standalone":
		default:
			return nil, false
		}
		b = bytes.TrimLeft(b[eq+1:], " \t\r\n")
		if len(b) == 0 || (b[0] != '"' && b[0] != '\'') {
			return nil, false
		}
		end := bytes.IndexByte(b[1:], b[0])
		if end < 0 {
			return nil, false
		}
		value := string(b[1 : 1+end])
		if strings.ContainsAny(value, "=\"'") {
			return nil, false
		}
		if _, dup := params[name]; dup {
			return nil, false
		}
		params[name] = value
		b = b[end+2:]
		if len(b) > 0 && !bytes.ContainsAny(b[:1], " \t\r\n") {
			return nil, false
		}
	}
}

// scanStart reads a start tag: its name, its attributes (the xmlns one kept), and whether it
// closes itself.
func (s *Scanner) scanStart() (Token, error) {
	// The tag ends at the first '>' outside a quoted attribute value.
	i, quote := 1, byte(0)
	for {
		j, err := s.find(i, ">")
		if err != nil || j < 0 {
			return 0, eofIn(err, "a tag")
		}
		for k := i; k < j; k++ {
			switch c := s.buf[s.pos+k]; {
			case quote != 0 && c == quote:
				quote = 0
			case quote == 0 && (c == '"' || c == '\''):
				quote = c
			}
		}
		i = j + 1
		if quote == 0 {
			break
		}
	}
	tag := s.buf[s.pos+1 : s.pos+i-1]
	s.pos += i
	empty := false
	if len(tag) > 0 && tag[len(tag)-1] == '/' {
		empty, tag = true, tag[:len(tag)-1]
	}
	n := nameLen(tag)
	name := tag[:n]
	if !isASCIIName(name, false) {
		return 0, syntaxErr("an element name that is not an unprefixed ASCII name: %s", truncateName(tag))
	}
	xmlns, err := s.scanAttrs(tag[n:])
	if err != nil {
		return 0, err
	}
	if s.elements++; s.elements > s.lim.Elements {
		return 0, &LimitError{Over: fmt.Sprintf("more than %d elements", s.lim.Elements)}
	}
	if k := len(s.open); k > 0 {
		if s.open[k-1].children++; s.open[k-1].children > s.lim.Children {
			return 0, &LimitError{Over: fmt.Sprintf("an element with more than %d children", s.lim.Children)}
		}
	}
	// The name is kept apart from the buffer, which later reads overwrite.
	k := len(s.open)
	if k < cap(s.open) {
		s.open = s.open[:k+1]
		s.open[k].name = append(s.open[k].name[:0], name...)
		s.open[k].children = 0
	} else {
		s.open = append(s.open, openElement{name: append([]byte(nil), name...)})
	}
	s.name, s.xmlns, s.selfClosed = s.open[k].name, xmlns, empty
	return Start, nil
}

// scanAttrs checks the attributes of a start tag as encoding/xml does, and returns the xmlns one.
func (s *Scanner) scanAttrs(b []byte) (xmlns string, err error) {
	for {
		rest := bytes.TrimLeft(b, " \t\r\n")
		if len(rest) == 0 {
			return xmlns, nil
		}
		if len(rest) == len(b) {
			return "", syntaxErr("attributes not apart in a tag")
		}
		n := nameLen(rest)
		name := rest[:n]
		if !isASCIIName(name, true) {
			return "", syntaxErr("an attribute name that is not an ASCII name")
		}
		rest = bytes.TrimLeft(rest[n:], " \t\r\n")
		if len(rest) == 0 || rest[0] != '=' {
			return "", syntaxErr("an attribute without a value")
		}
		rest = bytes.TrimLeft(rest[1:], " \t\r\n")
		if len(rest) == 0 || (rest[0] != '"' && rest[0] != '\'') {
			return "", syntaxErr("an attribute value without quotes")
		}
		end := bytes.IndexByte(rest[1:], rest[0])
		if end < 0 {
			return "", syntaxErr("an attribute value without its closing quote")
		}
		value, err := s.decodeText(rest[1:1+end], rest[0], false)
		if err != nil {
			return "", err
		}
		if string(name) == "xmlns" {
			xmlns = string(value)
		}
		b = rest[end+2:]
	}
}

// scanEnd reads an end tag, which must close the innermost open element.
func (s *Scanner) scanEnd() (Token, error) {
	i, err := s.find(2, ">")
	if err != nil || i < 0 {
		return 0, eofIn(err, "an end tag")
	}
	tag := s.buf[s.pos+2 : s.pos+i]
	s.pos += i + 1
	name := tag[:nameLen(tag)]
	if len(bytes.TrimRight(tag[len(name):], " \t\r\n")) > 0 {
		return 0, syntaxErr("characters between </%s and >", truncateName(name))
	}
	k := len(s.open)
	if k == 0 || !bytes.Equal(s.open[k-1].name, name) {
		return 0, syntaxErr("an end tag </%s> that closes no open element", truncateName(name))
	}
	return s.closeElement(), nil
}

func (s *Scanner) closeElement() Token {
	k := len(s.open) - 1
	s.name = s.open[k].name
	s.open = s.open[:k]
	s.ended = k == 0
	return End
}

// nameLen is the length of the name at the start of b: up to white space, '=', '/' or the end.
func nameLen(b []byte) int {
	for i, c := range b {
		switch c {
		case ' ', '\t', '\r', '\n', '=', '/':
			return i
		}
	}
	return len(b)
}

// isASCIIName says whether b is an XML name of ASCII letters, digits and ._-, starting with a letter
// or '_'; attribute names may have one prefix ("xmlns:a").
func isASCIIName(b []byte, prefixed bool) bool {
	if prefixed {
		if i := bytes.IndexByte(b, ':'); i >= 0 {
			return isASCIIName(b[:i], false) && isASCIIName(b[i+1:], false)
		}
	}
	if len(b) == 0 {
		return false
	}
	for i, c := range b {
		switch {
		case 'a' <= c && c <= 'z', 'A' <= c && c <= 'Z', c == '_':
		case i > 0 && ('0' <= c && c <= '9' || c == '-' || c == '.'):
		default:
			return false
		}
	}
	return true
}

// truncateName is b for an error message: at most 64 bytes of it, quoted.
func truncateName(b []byte) string {
	if len(b) > 64 {
		b = b[:64]
	}
	return strconv.QuoteToASCII(string(b))
}

// decodeText is raw as encoding/xml reads it as text (quote 0), an attribute value (quote ' or ") or
// a CDATA section: references replaced, "\r\n" and "\r" made "\n", and every character checked.
// What it returns may be raw itself, or s.scratch.
func (s *Scanner) decodeText(raw []byte, quote byte, cdata bool) ([]byte, error) {
	plain := true
	for _, c := range raw {
		if c < 0x20 && c != '\t' && c != '\n' || c == '\r' || c == '&' || c == '<' || c >= utf8.RuneSelf || c == '>' {
			plain = false
			break
		}
	}
	if plain {
		return raw, nil
	}
	out := s.scratch[:0]
	var b0, b1 byte
	for i := 0; i < len(raw); i++ {
		c := raw[i]
		if quote == 0 && !cdata && b0 == ']' && b1 == ']' && c == '>' {
			return nil, syntaxErr("]]> in text, outside a CDATA section")
		}
		if c == '<' && quote != 0 {
			return nil, syntaxErr("an unescaped < in an attribute value")
		}
		if c == '&' && !cdata {
			r, n, err := reference(raw[i:])
			if err != nil {
				return nil, err
			}
			if !utf8.ValidRune(r) {
				r = utf8.RuneError // as string(rune(n)) makes it
			}
			if !inCharacterRange(r) && !(s.ControlReferences && r < 0x20) {
				return nil, syntaxErr("illegal character code %U", r)
			}
			out = utf8.AppendRune(out, r)
			i += n - 1
			b0, b1 = 0, 0
			continue
		}
		switch {
		case c == '\r':
			out = append(out, '\n')
		case b1 == '\r' && c == '\n':
		default:
			out = append(out, c)
		}
		b0, b1 = b1, c
	}
	s.scratch = out
	// The characters written as themselves; those referred to were checked above.
	for b := raw; len(b) > 0; {
		r, size := utf8.DecodeRune(b)
		if r == utf8.RuneError && size == 1 {
			return nil, syntaxErr("invalid UTF-8")
		}
		if !inCharacterRange(r) {
			return nil, syntaxErr("illegal character code %U", r)
		}
		b = b[size:]
	}
	return out, nil
}

// reference reads the character reference at the start of b ("&lt;", "&#60;", "&#x3c;"): the rune
// it stands for and its length.
func reference(b []byte) (rune, int, error) {
	end := bytes.IndexByte(b, ';')
	if end < 0 {
		return 0, 0, syntaxErr("a character reference without ';'")
	}
	ref := string(b[1:end])
	switch ref {
	case "lt":
		return '<', end + 1, nil
	case "gt":
		return '>', end + 1, nil
	case "amp":
		return '&', end + 1, nil
	case "apos":
		return '\'', end + 1, nil
	case "quot":
		return '"', end + 1, nil
	}
	if digits, ok := strings.CutPrefix(ref, "#"); ok {
		base := 10
		if hex, ok := strings.CutPrefix(digits, "x"); ok {
			base, digits = 16, hex
		}
		if digits != "" && strings.Trim(digits, "0123456789abcdefABCDEF") == "" {
			if n, err := strconv.ParseUint(digits, base, 32); err == nil && n <= unicode.MaxRune && (base == 16 || strings.Trim(digits, "0123456789") == "") {
				return rune(n), end + 1, nil
			}
		}
	}
	return 0, 0, syntaxErr("an invalid character reference &%s;", truncateName([]byte(ref)))
}

func inCharacterRange(r rune) bool {
	return r == 0x09 || r == 0x0A || r == 0x0D || r >= 0x20 && r <= 0xD7FF ||
		r >= 0xE000 && r <= 0xFFFD || r >= 0x10000 && r <= 0x10FFFF
}

// IsSyntax says whether err is a Scanner's refusal of the document, or the document's early end.
func IsSyntax(err error) bool {
	var syntax *SyntaxError
	return errors.As(err, &syntax) || errors.Is(err, io.ErrUnexpectedEOF)
}

// ElementText reads the rest of the element whose start was the last token, and returns its text as
// encoding/xml gives it to a field: the text directly in it, child elements skipped. It is valid
// until the next call.
func (s *Scanner) ElementText() ([]byte, error) {
	s.field = s.field[:0]
	for {
		tok, err := s.Next()
		switch {
		case err != nil:
			return nil, err
		case tok == Text:
			s.field = append(s.field, s.text...)
		case tok == Start:
			if err := s.Skip(); err != nil {
				return nil, err
			}
		case tok == End:
			return s.field, nil
		default:
			return nil, io.ErrUnexpectedEOF
		}
	}
}

// The values of fields, read as encoding/xml reads them into a string, a bool, an int or a
// time.Time (an encoding.TextUnmarshaler).

func (s *Scanner) ReadString(dst *string) error {
	b, err := s.ElementText()
	if err == nil {
		*dst = string(b)
	}
	return err
}

func (s *Scanner) ReadBool(dst *bool) error {
	b, err := s.ElementText()
	if err != nil || len(b) == 0 {
		*dst = false
		return err
	}
	*dst, err = strconv.ParseBool(strings.TrimSpace(string(b)))
	return err
}

func (s *Scanner) ReadInt(dst *int64, bits int) error {
	b, err := s.ElementText()
	if err != nil || len(b) == 0 {
		*dst = 0
		return err
	}
	*dst, err = strconv.ParseInt(strings.TrimSpace(string(b)), 10, bits)
	return err
}

func (s *Scanner) ReadText(dst encoding.TextUnmarshaler) error {
	b, err := s.ElementText()
	if err != nil {
		return err
	}
	return dst.UnmarshalText(b)
}

// Root reads up to the document's root element and returns its name; "" when the document ends
// first. text says whether text other than white space came before.
func (s *Scanner) Root() (name string, text bool, err error) {
	for {
		tok, err := s.Next()
		switch {
		case err != nil:
			return "", text, err
		case tok == EOF:
			return "", text, nil
		case tok == Start:
			return string(s.name), text, nil
		case tok == Text:
			text = text || len(bytes.TrimSpace(s.text)) > 0
		}
	}
}

// Fields reads the child elements of the element whose start was the last token: field reads the
// one named and says so, or says it is not a field (it is skipped); text directly in the element is
// ignored, as encoding/xml ignores it for a struct.
func (s *Scanner) Fields(field func(name string) (bool, error)) error {
	for {
		tok, err := s.Next()
		switch {
		case err != nil:
			return err
		case tok == End:
			return nil
		case tok != Start:
			continue
		}
		ok, err := field(string(s.name))
		if !ok {
			err = s.Skip()
		}
		if err != nil {
			return err
		}
	}
}

// byteSize is n bytes in words: "64 KiB".
func byteSize(n int) string {
	switch {
	case n >= 1<<20 && n%(1<<20) == 0:
		return fmt.Sprintf("%d MiB", n>>20)
	case n >= 1<<10 && n%(1<<10) == 0:
		return fmt.Sprintf("%d KiB", n>>10)
	}
	return fmt.Sprintf("%d bytes", n)
}
