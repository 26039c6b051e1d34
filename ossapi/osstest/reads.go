package osstest

import (
	"fmt"
	"net/http"
	"strconv"
	"strings"
	"time"
)

// How GetObject and HeadObject read an object: conditions on its ETag and time, a byte range, and the
// response-* parameters that override headers of the answer.

const (
	codePreconditionFailed = "PreconditionFailed"
	codeNotModified        = "NotModified"
	codeInvalidRange       = "InvalidRange"
	headerRangeBehavior    = "x-oss-range-behavior"
)

// checkConditions applies If-Match, If-Unmodified-Since (412 PreconditionFailed), If-None-Match and
// If-Modified-Since (304 Not Modified) as HTTP orders them: a date is only looked at without the ETag
// header of its pair, and an unparsable date is ignored, as OSS documents.
func checkConditions(h http.Header, v *objectVersion) *apiError {
	failed := func(header string) *apiError {
		return newError(http.StatusPreconditionFailed, codePreconditionFailed, "", "At least one of the pre-conditions you specified did not hold.").
			with("Condition", header)
	}
	notModified := func() *apiError {
		e := newError(http.StatusNotModified, codeNotModified, "", "Not Modified")
		e.header = http.Header{}
		e.header.Set("ETag", v.etag)
		e.header.Set("Last-Modified", v.modified.Format(http.TimeFormat))
		return e
	}
	modified := v.modified.Truncate(time.Second) // HTTP dates have seconds
	if m := h.Get("If-Match"); m != "" {
		if !etagListed(m, v.etag) {
			return failed("If-Match")
		}
	} else if t, err := http.ParseTime(h.Get("If-Unmodified-Since")); err == nil && modified.After(t) {
		return failed("If-Unmodified-Since")
	}
	if m := h.Get("If-None-Match"); m != "" {
		if etagListed(m, v.etag) {
			return notModified()
		}
	} else if t, err := http.ParseTime(h.Get("If-Modified-Since")); err == nil && !modified.After(t) {
		return notModified()
	}
	return nil
}

// etagListed reports whether an If-Match or If-None-Match value names the ETag ("*" names any).
func etagListed(list, etag string) bool {
	for _, e := range strings.Split(list, ",") {
		if e = strings.TrimSpace(e); e == "*" || sameETag(etag, e) {
			return true
		}
	}
	return false
}

// byteRange reads a Range header against an object of size bytes. OSS serves one range; a range it
// cannot serve makes it answer the whole object (ok false), unless x-oss-range-behavior: standard asks
// for the HTTP rules: an end past the object is cut to it, a start past it is 416 InvalidRange.
func byteRange(h http.Header, size int) (start, end int, ok bool, _ *apiError) {
	spec, found := strings.CutPrefix(h.Get("Range"), "bytes=")
	if !found || strings.Contains(spec, ",") {
		return 0, 0, false, nil
	}
	standard := strings.EqualFold(h.Get(headerRangeBehavior), "standard")
	first, last, _ := strings.Cut(strings.TrimSpace(spec), "-")
	a, errA := strconv.Atoi(first)
	b, errB := strconv.Atoi(last)
	switch {
	case first == "" && errB == nil && b > 0: // the last b bytes
		if b > size {
			b = size
		}
		start, end = size-b, size-1
	case errA == nil && a >= 0 && last == "":
		start, end = a, size-1
	case errA == nil && errB == nil && a >= 0 && a <= b:
		start, end = a, b
	default:
		return 0, 0, false, nil
	}
	if start >= size {
		if standard {
			e := newError(http.StatusRequestedRangeNotSatisfiable, codeInvalidRange, "", "The requested range is not satisfiable.")
			e.header = http.Header{}
			e.header.Set("Content-Range", fmt.Sprintf("bytes */%d", size))
			return 0, 0, false, e
		}
		return 0, 0, false, nil
	}
	if end >= size {
		if !standard {
			return 0, 0, false, nil
		}
		end = size - 1
	}
	return start, end, true, nil
}

// responseOverrides are the query parameters of GetObject that set a header of its answer.
var responseOverrides = map[string]string{
	"response-content-type":        "Content-Type",
	"response-content-language":    "Content-Language",
	"response-expires":             "Expires",
	"response-cache-control":       "Cache-Control",
	"response-content-disposition": "Content-Disposition",
	"response-content-encoding":    "Content-Encoding",
}

// readObject answers GetObject or HeadObject for a version: the conditions first, then the headers,
// then (GET only) the response-* overrides and the range.
func readObject(c *call, v *objectVersion, versioned bool) (*response, *apiError) {
	if err := checkConditions(c.header, v); err != nil {
		return nil, err
	}
	r := newResponse(http.StatusOK)
	writeObjectHeaders(r.header, v, versioned)
	r.header.Set("Accept-Ranges", "bytes")
	if c.method != http.MethodGet {
		return r, nil
	}
	for param, header := range responseOverrides {
		if val := c.query.Get(param); val != "" {
			r.header.Set(header, val)
		}
	}
	r.body = v.data
	start, end, ok, err := byteRange(c.header, len(v.data))
	if err != nil {
		return nil, err
	}
	if ok {
		r.status = http.StatusPartialContent
		r.body = v.data[start : end+1]
		r.header.Set("Content-Range", fmt.Sprintf("bytes %d-%d/%d", start, end, len(v.data)))
		r.header.Set("Content-Length", strconv.Itoa(len(r.body)))
	}
	return r, nil
}
