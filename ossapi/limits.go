package ossapi

import (
	"encoding/xml"
	"errors"
	"fmt"
	"io"
)

// How much of an answer the client reads. An endpoint may be a tenant's choice (among those the
// operator allows) or something between the operator and OSS, so every body is
// bounded by what OSS can send for the operation, not by what the server sends: a body over its limit
// is not read (a 2xx is a *ResponseTooLargeError, an error answer an *Error named after its status).
// Each limit is OSS's documented maximum for the document with a margin; the figures come from the
// reference (oss-api.md) and the emulator's limits (package osstest).
//
// A document is bounded in bytes, in elements and in the size of each token. encoding/xml allocates
// some hundreds of bytes for each element it decodes, so a body of tiny elements (100 MB of
// "<Rule><ID>x</ID></Rule>") would cost many times its size in garbage before reaching its byte limit,
// and it grows a buffer by doubling for one long text; no OSS document has more elements than its
// entries allow (1000 rules of a lifecycle, 1000 entries of a listing page), an element with more
// children, or a text longer than a few KiB. Within these bounds, the most a hostile answer can cost is
// about what OSS's largest answer costs to decode.
//
// Sizes that recur below: an object key is at most 1023 bytes, 3069 once URL-encoded (the listings
// ask for encoding-type=url); element names and the other fields of a listed object (ETag, dates,
// size, storage class, owner, version IDs of about 64 bytes) come to well under 1 KiB, in about 15
// elements.
const (
	// maxErrorBody bounds an error answer. OSS's error document is a few short fields (Code,
	// Message, RequestId, HostId, EC, BucketName); the largest, SignatureDoesNotMatch, adds the
	// string to sign and its bytes in hex, and for V4 the canonical request: about 3 times a
	// 1023-byte key plus the headers, 10 to 20 KiB at worst.
	maxErrorBody = 64 << 10

	// maxSmallDocument bounds the answers that are one short document: ACL, versioning, location,
	// statistics, encryption, logging, Block Public Access, resource group, a new multipart upload
	// (a key, even with every byte XML-escaped, is about 6 KiB), bucket info (some 25 short fields).
	// It also covers the documents OSS bounds more tightly: a CORS configuration (request body at
	// most 16 KB), a bucket policy (at most 16 KiB of JSON, as the emulator enforces) and tags (20
	// tags of a 64-byte key and a 128-byte value: under 5 KiB, 24 KiB if every byte is escaped).
	// Four times the largest of them.
	maxSmallDocument = 64 << 10

	// maxWebsiteBody: at most 20 routing rules; a rule's condition and redirect hold a few key-sized
	// fields (prefix, suffix, replacement key or prefix: 1023 bytes each), a host name and a mirror
	// URL, some 8 KiB at most, three times that if escaped: 20 * 24 KiB = 480 KiB.
	maxWebsiteBody = 512 << 10

	// maxRefererBody: the reference documents no bound on the referer lists; the emulator takes a
	// configuration of up to 1 MiB (its bound for any setting), referers of up to 1024 bytes each. A
	// configuration it stores must read back.
	maxRefererBody = 1 << 20

	// maxLifecycleBody: at most 1000 rules. A rule at its limits has an ID of 255 bytes, a prefix and
	// an excluded prefix (Not) of 1023 bytes each, ten tags (an object carries at most ten; 128-byte
	// key, 256-byte value) and one excluded, a transition and a noncurrent-version transition per
	// storage class (4 each), the expiration, abort and noncurrent-expiration actions and a size
	// filter: 9 KiB with its element names (TestLargestAnswersAreRead builds it). 12 KiB a rule
	// leaves a third for escaping and what OSS adds: 1000 * 12 KiB, under 12 MiB.
	maxLifecycleBody = 1000 * (12 << 10)

	// maxListingBody: a page of ListObjectsV2, ListObjectVersions or ListMultipartUploads holds at
	// most 1000 entries (max-keys, max-uploads), and DeleteMultipleObjects names at most 1000 objects.
	// An entry is a URL-encoded key (3069 bytes) and under 1 KiB of other fields: 5 KiB an entry,
	// plus 64 KiB for the page's own fields (prefix, markers, continuation tokens: key-sized each).
	maxListingBody = 1000*(5<<10) + 64<<10

	// maxBucketListingBody: a page of ListBuckets holds at most 1000 buckets, each a name of at most
	// 63 bytes, two endpoints, location, region, dates, storage class and resource group: under 1
	// KiB. 2 KiB a bucket, plus 64 KiB for the page's own fields.
	maxBucketListingBody = 1000*(2<<10) + 64<<10

	// maxUnreadBody bounds what is drained of a 2xx answer that has no document (a PUT, a DELETE),
	// so the connection can be reused. OSS sends none; more is left unread, and the call stands.
	maxUnreadBody = 64 << 10

	// maxEntries is the most entries OSS puts in one document: rules of a lifecycle, objects,
	// versions or uploads of a listing page, buckets of a ListBuckets page, objects of a
	// DeleteMultipleObjects answer. maxChildren adds the document's own fields, with a margin.
	maxEntries  = 1000
	maxChildren = maxEntries + 100

	// maxToken bounds one token of a document: a tag, a text, a comment. The longest value OSS
	// sends is an object key, 3069 bytes URL-encoded or about 6 KiB XML-escaped.
	maxToken = 64 << 10
)

// limit bounds an answer: bytes of its body and, for a document, its elements in all and the children
// of any one element.
type limit struct {
	bytes    int64
	elements int
	children int
}

// The limits of the kinds of answer.
var (
	// noDocument: a PUT or DELETE answer, drained up to its bound.
	noDocument = limit{bytes: maxUnreadBody}
	// smallDocument: bucket info has about 30 elements, 20 tags 62, a CORS configuration of 16 KB no
	// more than about 600 (an AllowedOrigin is 30 bytes at least).
	smallDocument = limit{bytes: maxSmallDocument, elements: 2000, children: maxChildren}
	// websiteDocument: 20 routing rules of at most some 40 elements.
	websiteDocument = limit{bytes: maxWebsiteBody, elements: 2000, children: maxChildren}
	// refererDocument: no count is documented; a <Referer> element is at least 20 bytes.
	refererDocument = limit{bytes: maxRefererBody, elements: maxRefererBody / 16, children: maxRefererBody / 16}
	// lifecycleDocument: a rule at its limits has about 100 elements (ten tags of three, four
	// transitions and four noncurrent transitions of six, the filter, the actions).
	lifecycleDocument = limit{bytes: maxLifecycleBody, elements: maxEntries*100 + 100, children: maxChildren}
	// listingDocument: an entry has at most about 15 elements (a version: key, version ID, latest,
	// date, ETag, type, size, storage class, owner of three, restore information).
	listingDocument       = limit{bytes: maxListingBody, elements: maxEntries*20 + 100, children: maxChildren}
	bucketListingDocument = limit{bytes: maxBucketListingBody, elements: maxEntries*20 + 100, children: maxChildren}
)

// answerLimits is the limit of each operation's 2xx answer. Every operation is listed (a test checks
// it), so adding one means deciding its limit.
var answerLimits = map[string]limit{
	OpListBuckets:                   bucketListingDocument,
	OpPutBucket:                     noDocument,
	OpGetBucketInfo:                 smallDocument,
	OpGetBucketLocation:             smallDocument,
	OpGetBucketStat:                 smallDocument,
	OpDeleteBucket:                  noDocument,
	OpPutBucketAcl:                  noDocument,
	OpGetBucketAcl:                  smallDocument,
	OpPutBucketVersioning:           noDocument,
	OpGetBucketVersioning:           smallDocument,
	OpPutBucketEncryption:           noDocument,
	OpGetBucketEncryption:           smallDocument,
	OpDeleteBucketEncryption:        noDocument,
	OpPutBucketLifecycle:            noDocument,
	OpGetBucketLifecycle:            lifecycleDocument,
	OpDeleteBucketLifecycle:         noDocument,
	OpPutBucketCors:                 noDocument,
	OpGetBucketCors:                 smallDocument,
	OpDeleteBucketCors:              noDocument,
	OpPutBucketTags:                 noDocument,
	OpGetBucketTags:                 smallDocument,
	OpDeleteBucketTags:              noDocument,
	OpPutBucketPolicy:               noDocument,
	OpGetBucketPolicy:               smallDocument,
	OpDeleteBucketPolicy:            noDocument,
	OpPutBucketLogging:              noDocument,
	OpGetBucketLogging:              smallDocument,
	OpDeleteBucketLogging:           noDocument,
	OpPutBucketWebsite:              noDocument,
	OpGetBucketWebsite:              websiteDocument,
	OpDeleteBucketWebsite:           noDocument,
	OpPutBucketPublicAccessBlock:    noDocument,
	OpGetBucketPublicAccessBlock:    smallDocument,
	OpDeleteBucketPublicAccessBlock: noDocument,
	OpPutBucketReferer:              noDocument,
	OpGetBucketReferer:              refererDocument,
	OpPutBucketResourceGroup:        noDocument,
	OpGetBucketResourceGroup:        smallDocument,
	OpListObjectsV2:                 listingDocument,
	OpListObjectVersions:            listingDocument,
	OpListMultipartUploads:          listingDocument,
	OpInitiateMultipartUpload:       smallDocument,
	OpAbortMultipartUpload:          noDocument,
	OpPutObject:                     noDocument,
	OpDeleteObject:                  noDocument,
	OpDeleteMultipleObjects:         listingDocument,
}

// answerLimit is the limit of op's 2xx answer; an operation missing from answerLimits gets the
// smallest.
func answerLimit(op string) limit {
	if l, ok := answerLimits[op]; ok {
		return l
	}
	return smallDocument
}

// overDocumentLimit is what a document decoder returns once the document goes over its limit of
// elements or of a token's size.
type overDocumentLimit struct{ over string }

func (e *overDocumentLimit) Error() string { return "the document has " + e.over }

// elementCounter hands a document's tokens to a decoder (as its xml.TokenReader) and stops, with an
// *overDocumentLimit, one that goes over its limit of elements in all or of children of one element,
// or that has a token longer than maxToken. The decoder on top checks that elements nest and
// translates name spaces.
type elementCounter struct {
	d        *xml.Decoder
	in       *tokenBytes
	lim      limit
	n        int
	children []int // of each open element
}

// tokenBytes counts the bytes read since the last token, and stops at maxToken of them, give or take
// what the decoder's buffer reads ahead (4 KiB).
type tokenBytes struct {
	r io.Reader
	n int
}

func (t *tokenBytes) Read(p []byte) (int, error) {
	n, err := t.r.Read(p)
	if t.n += n; t.n > maxToken+len(p) {
		return n, &overDocumentLimit{over: "a tag or text of more than " + byteSize(maxToken)}
	}
	return n, err
}

func newDocumentDecoder(r io.Reader, lim limit) *xml.Decoder {
	in := &tokenBytes{r: r}
	return xml.NewTokenDecoder(&elementCounter{d: xml.NewDecoder(in), in: in, lim: lim})
}

func (c *elementCounter) Token() (xml.Token, error) {
	tok, err := c.d.RawToken()
	c.in.n = 0
	switch tok.(type) {
	case xml.StartElement:
		if c.n++; c.n > c.lim.elements {
			return nil, &overDocumentLimit{over: fmt.Sprintf("more than %d elements", c.lim.elements)}
		}
		if k := len(c.children); k > 0 {
			if c.children[k-1]++; c.children[k-1] > c.lim.children {
				return nil, &overDocumentLimit{over: fmt.Sprintf("an element with more than %d children", c.lim.children)}
			}
		}
		c.children = append(c.children, 0)
	case xml.EndElement:
		if k := len(c.children); k > 0 {
			c.children = c.children[:k-1]
		}
	}
	return tok, err
}

// errOverLimit is what a limitedBody returns once the body turns out longer than its limit.
var errOverLimit = errors.New("the body is over its size limit")

// limitedBody reads a response body up to limit bytes and reports one byte more as errOverLimit, so
// that what is read of an answer is bounded by its operation's limit, not by what the server sends. It
// remembers a failure of the connection, so that a body cut short is not taken for a bad document.
type limitedBody struct {
	r    io.Reader
	left int64 // bytes that may still be read
	over bool
	err  error // a read error other than io.EOF
}

func newLimitedBody(r io.Reader, limit int64) *limitedBody { return &limitedBody{r: r, left: limit} }

func (b *limitedBody) Read(p []byte) (int, error) {
	if b.over {
		return 0, errOverLimit
	}
	if b.err != nil {
		return 0, b.err
	}
	if int64(len(p)) > b.left+1 {
		p = p[:b.left+1]
	}
	n, err := b.r.Read(p)
	if int64(n) > b.left {
		n, b.left, b.over = int(b.left), 0, true
		return n, errOverLimit
	}
	b.left -= int64(n)
	if err != nil && err != io.EOF {
		b.err = err
	}
	return n, err
}

// readAtMost reads a whole body of at most limit bytes. over is true, with no bytes, when there is more.
func readAtMost(r io.Reader, limit int64) (body []byte, over bool, err error) {
	lb := newLimitedBody(r, limit)
	body, err = io.ReadAll(lb)
	if lb.over {
		return nil, true, nil
	}
	return body, false, err
}

// ResponseTooLargeError is a 2xx answer larger than OSS sends for its operation: a lifecycle
// configuration of 100 MB, a listing page of a gigabyte, or of a million entries; or larger than an
// RPC API (Service) sends for its Action (RPCConfig.Actions). The client stops reading at the
// operation's limit, so the body is neither kept nor quoted.
//
// It is not Retryable: an endpoint that answers so is not OSS, or not answering as OSS does, and the
// same question gets the same answer. A caller reports it as a refusal that needs a person (check the
// endpoint), not as a transient fault to retry in a loop.
type ResponseTooLargeError struct {
	// Service is the API asked: "" for OSS, or an RPC API's name (see Error).
	Service    string
	Op         string
	StatusCode int
	// Limit is the operation's limit in bytes.
	Limit int64
	// Over, when set, is the limit of its document the answer went over before reaching Limit, such
	// as "more than 100100 elements" or "a tag or text of more than 64 KiB".
	Over string
}

func (e *ResponseTooLargeError) Error() string {
	size := "is larger than " + byteSize(e.Limit)
	if e.Over != "" {
		size = "has " + e.Over
	}
	name := serviceName(e.Service)
	return fmt.Sprintf("%s%s: the %d answer %s, more than %s sends for this operation; it was not read (is the endpoint %s?)",
		servicePrefix(e.Service), e.Op, e.StatusCode, size, name, name)
}

// byteSize writes n in the largest binary unit that divides it.
func byteSize(n int64) string {
	switch {
	case n >= 1<<20 && n%(1<<20) == 0:
		return fmt.Sprintf("%d MiB", n>>20)
	case n >= 1<<10 && n%(1<<10) == 0:
		return fmt.Sprintf("%d KiB", n>>10)
	}
	return fmt.Sprintf("%d bytes", n)
}
