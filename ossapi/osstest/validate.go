package osstest

import (
	"bytes"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"encoding/xml"
	"fmt"
	"net/http"
	"sort"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/ossoperator/oss-operator/ossapi"
)

// Limits OSS documents for bucket settings.
const (
	maxLifecycleRules = 1000
	maxLifecycleID    = 255
	maxCORSRules      = 10
	maxTags           = 20
	maxTagKey         = 64
	maxTagValue       = 128
	maxRoutingRules   = 20
)

// transitionRank orders the storage classes objects move through: later classes need more days.
var transitionRank = map[ossapi.StorageClass]int{
	ossapi.StorageIA: 1, ossapi.StorageArchive: 2, ossapi.StorageColdArchive: 3, ossapi.StorageDeepColdArchive: 4,
}

// validateLifecycle checks a lifecycle configuration as OSS does and fills in missing rule IDs.
// Noncurrent-version actions are accepted whatever the bucket's versioning, as OSS accepts them.
func validateLifecycle(cfg *ossapi.LifecycleConfiguration) *apiError {
	if len(cfg.Rules) == 0 {
		return errMalformedXML("A lifecycle configuration needs at least one Rule; use DeleteBucketLifecycle to remove every rule.")
	}
	if len(cfg.Rules) > maxLifecycleRules {
		return errInvalidArgument("Rule", "", "A lifecycle configuration holds at most %d rules, not %d.", maxLifecycleRules, len(cfg.Rules))
	}
	ids := map[string]bool{}
	for i := range cfg.Rules {
		r := &cfg.Rules[i]
		if r.ID == "" {
			continue
		}
		if len(r.ID) > maxLifecycleID {
			return errInvalidArgument("ID", r.ID, "Rule ID is longer than %d bytes.", maxLifecycleID)
		}
		if ids[r.ID] {
			return errInvalidArgument("ID", r.ID, "Rule ID %q is used by more than one rule.", r.ID)
		}
		ids[r.ID] = true
	}
	for i := range cfg.Rules {
		r := &cfg.Rules[i]
		if err := validateRule(r); err != nil {
			return err
		}
		if r.ID == "" {
			r.ID = ruleID(r, ids)
			ids[r.ID] = true
		}
	}
	return nil
}

// ruleID derives an ID for a rule sent without one, from its content, so the emulator stays
// deterministic (OSS generates a random one).
func ruleID(r *ossapi.LifecycleRule, taken map[string]bool) string {
	b, _ := xml.Marshal(r)
	for n := 0; ; n++ {
		sum := sha256.Sum256(append(b, byte(n)))
		id := hex.EncodeToString(sum[:16])
		if !taken[id] {
			return id
		}
	}
}

func validateRule(r *ossapi.LifecycleRule) *apiError {
	where := func(format string, args ...any) string {
		name := r.ID
		if name == "" {
			name = "(no ID) with prefix " + fmt.Sprintf("%q", r.Prefix)
		}
		return "Rule " + name + ": " + fmt.Sprintf(format, args...)
	}
	switch r.Status {
	case "Enabled", "Disabled":
	case "":
		return errMalformedXML("%s", where("Status is required."))
	default:
		return errInvalidArgument("Status", r.Status, "%s", where("Status must be Enabled or Disabled."))
	}
	if r.Expiration == nil && len(r.Transitions) == 0 && r.AbortMultipartUpload == nil &&
		r.NoncurrentVersionExpiration == nil && len(r.NoncurrentVersionTransitions) == 0 {
		return errInvalidArgument("Rule", "", "%s", where("A rule needs at least one action: Expiration, Transition, AbortMultipartUpload, NoncurrentVersionExpiration or NoncurrentVersionTransition."))
	}
	for _, t := range r.Tags {
		if t.Key == "" {
			return errInvalidArgument("Tag", "", "%s", where("A tag needs a Key."))
		}
	}
	if f := r.Filter; f != nil {
		if f.ObjectSizeGreaterThan != nil && *f.ObjectSizeGreaterThan < 0 || f.ObjectSizeLessThan != nil && *f.ObjectSizeLessThan <= 0 {
			return errInvalidArgument("Filter", "", "%s", where("Object size bounds must be positive."))
		}
		if f.ObjectSizeGreaterThan != nil && f.ObjectSizeLessThan != nil && *f.ObjectSizeGreaterThan >= *f.ObjectSizeLessThan {
			e := errInvalidArgument("Filter", "", "%s", where("ObjectSizeGreaterThan (%d) must be less than ObjectSizeLessThan (%d).",
				*f.ObjectSizeGreaterThan, *f.ObjectSizeLessThan))
			e.ec = ecLifecycleSizeRange
			return e
		}
		for _, n := range f.Not {
			if n.Tag != nil && n.Tag.Key == "" {
				return errInvalidArgument("Not", "", "%s", where("A Not tag needs a Key."))
			}
		}
	}
	var expirationDays int
	if x := r.Expiration; x != nil {
		set := 0
		if x.Days != nil {
			set++
			if *x.Days <= 0 {
				return errInvalidArgument("Days", fmt.Sprint(*x.Days), "%s", where("Expiration Days must be positive."))
			}
			expirationDays = *x.Days
		}
		if x.CreatedBeforeDate != "" {
			set++
			if err := checkMidnight(x.CreatedBeforeDate, where); err != nil {
				return err
			}
		}
		if x.ExpiredObjectDeleteMarker != nil && *x.ExpiredObjectDeleteMarker {
			set++
		}
		if set != 1 {
			return errInvalidArgument("Expiration", "", "%s", where("Expiration needs exactly one of Days, CreatedBeforeDate and ExpiredObjectDeleteMarker=true."))
		}
	}
	byRank := map[int]int{}
	for _, t := range r.Transitions {
		rank, ok := transitionRank[t.StorageClass]
		if !ok {
			return errInvalidArgument("StorageClass", string(t.StorageClass), "%s", where("Transition StorageClass must be IA, Archive, ColdArchive or DeepColdArchive."))
		}
		if (t.Days != nil) == (t.CreatedBeforeDate != "") {
			return errInvalidArgument("Transition", "", "%s", where("Transition needs exactly one of Days and CreatedBeforeDate."))
		}
		if t.CreatedBeforeDate != "" {
			if err := checkMidnight(t.CreatedBeforeDate, where); err != nil {
				return err
			}
			continue
		}
		if *t.Days <= 0 {
			return errInvalidArgument("Days", fmt.Sprint(*t.Days), "%s", where("Transition Days must be positive."))
		}
		if _, dup := byRank[rank]; dup {
			return errInvalidArgument("Transition", "", "%s", where("More than one transition to %s.", t.StorageClass))
		}
		byRank[rank] = *t.Days
		if expirationDays > 0 && expirationDays <= *t.Days {
			return errInvalidArgument("Days", fmt.Sprint(expirationDays), "%s", where("Expiration Days (%d) must be greater than Transition Days (%d).", expirationDays, *t.Days))
		}
	}
	if err := checkTransitionOrder(byRank, where); err != nil {
		return err
	}
	if a := r.AbortMultipartUpload; a != nil {
		if (a.Days != nil) == (a.CreatedBeforeDate != "") {
			return errInvalidArgument("AbortMultipartUpload", "", "%s", where("AbortMultipartUpload needs exactly one of Days and CreatedBeforeDate."))
		}
		if a.Days != nil && *a.Days <= 0 {
			return errInvalidArgument("Days", fmt.Sprint(*a.Days), "%s", where("AbortMultipartUpload Days must be positive."))
		}
		if a.CreatedBeforeDate != "" {
			if err := checkMidnight(a.CreatedBeforeDate, where); err != nil {
				return err
			}
		}
	}
	var noncurrentExpiration int
	if n := r.NoncurrentVersionExpiration; n != nil {
		if n.NoncurrentDays <= 0 {
			return errInvalidArgument("NoncurrentDays", fmt.Sprint(n.NoncurrentDays), "%s", where("NoncurrentVersionExpiration NoncurrentDays must be positive."))
		}
		noncurrentExpiration = n.NoncurrentDays
	}
	byRank = map[int]int{}
	for _, t := range r.NoncurrentVersionTransitions {
		rank, ok := transitionRank[t.StorageClass]
		if !ok {
			return errInvalidArgument("StorageClass", string(t.StorageClass), "%s", where("NoncurrentVersionTransition StorageClass must be IA, Archive, ColdArchive or DeepColdArchive."))
		}
		if t.NoncurrentDays <= 0 {
			return errInvalidArgument("NoncurrentDays", fmt.Sprint(t.NoncurrentDays), "%s", where("NoncurrentVersionTransition NoncurrentDays must be positive."))
		}
		if _, dup := byRank[rank]; dup {
			return errInvalidArgument("NoncurrentVersionTransition", "", "%s", where("More than one noncurrent transition to %s.", t.StorageClass))
		}
		byRank[rank] = t.NoncurrentDays
		if noncurrentExpiration > 0 && noncurrentExpiration <= t.NoncurrentDays {
			return errInvalidArgument("NoncurrentDays", fmt.Sprint(noncurrentExpiration), "%s",
				where("NoncurrentVersionExpiration (%d days) must be later than NoncurrentVersionTransition (%d days).", noncurrentExpiration, t.NoncurrentDays))
		}
	}
	return checkTransitionOrder(byRank, where)
}

// checkTransitionOrder requires colder classes to be reached after warmer ones (Archive after IA).
func checkTransitionOrder(byRank map[int]int, where func(string, ...any) string) *apiError {
	ranks := make([]int, 0, len(byRank))
	for r := range byRank {
		ranks = append(ranks, r)
	}
	sort.Ints(ranks)
	for i := 1; i < len(ranks); i++ {
		if byRank[ranks[i]] <= byRank[ranks[i-1]] {
			return errInvalidArgument("Transition", "", "%s", where("A transition to a colder storage class must come later (more days) than one to a warmer class."))
		}
	}
	return nil
}

// checkMidnight requires an ISO 8601 date at midnight UTC, such as 2023-01-01T00:00:00.000Z.
func checkMidnight(s string, where func(string, ...any) string) *apiError {
	t, err := time.Parse(time.RFC3339Nano, s)
	if err != nil || !strings.HasSuffix(s, "Z") || !t.Equal(t.Truncate(24*time.Hour)) {
		return errInvalidArgument("CreatedBeforeDate", s, "%s", where("CreatedBeforeDate must be midnight UTC in ISO 8601, such as 2023-01-01T00:00:00.000Z."))
	}
	return nil
}

var corsMethods = map[string]bool{"GET": true, "PUT": true, "POST": true, "DELETE": true, "HEAD": true}

func validateCORS(cfg *ossapi.CORSConfiguration) *apiError {
	if len(cfg.Rules) == 0 {
		return errMalformedXML("A CORS configuration needs at least one CORSRule; use DeleteBucketCors to remove every rule.")
	}
	if len(cfg.Rules) > maxCORSRules {
		return errInvalidArgument("CORSRule", "", "A CORS configuration holds at most %d rules, not %d.", maxCORSRules, len(cfg.Rules))
	}
	for i, r := range cfg.Rules {
		if len(r.AllowedOrigins) == 0 || len(r.AllowedMethods) == 0 {
			return errMalformedXML("CORSRule %d needs at least one AllowedOrigin and one AllowedMethod.", i+1)
		}
		for _, o := range r.AllowedOrigins {
			if strings.Count(o, "*") > 1 {
				return errInvalidArgument("AllowedOrigin", o, "CORSRule %d: an AllowedOrigin may contain at most one *.", i+1)
			}
		}
		for _, m := range r.AllowedMethods {
			if !corsMethods[m] {
				return errInvalidArgument("AllowedMethod", m, "CORSRule %d: AllowedMethod must be GET, PUT, POST, DELETE or HEAD.", i+1)
			}
		}
		for _, h := range r.AllowedHeaders {
			if strings.Count(h, "*") > 1 {
				return errInvalidArgument("AllowedHeader", h, "CORSRule %d: an AllowedHeader may contain at most one *.", i+1)
			}
		}
		for _, h := range r.ExposeHeaders {
			if strings.Contains(h, "*") {
				return errInvalidArgument("ExposeHeader", h, "CORSRule %d: an ExposeHeader may not contain *.", i+1)
			}
		}
		if r.MaxAgeSeconds != nil && *r.MaxAgeSeconds < 0 {
			return errInvalidArgument("MaxAgeSeconds", fmt.Sprint(*r.MaxAgeSeconds), "CORSRule %d: MaxAgeSeconds must not be negative.", i+1)
		}
	}
	return nil
}

func validateTags(tags []ossapi.Tag) *apiError {
	if len(tags) > maxTags {
		return errInvalidArgument("Tagging", "", "A bucket has at most %d tags, not %d.", maxTags, len(tags))
	}
	seen := map[string]bool{}
	for _, t := range tags {
		k := t.Key
		lk := strings.ToLower(k)
		switch {
		case k == "" || len(k) > maxTagKey:
			return errInvalidArgument("Key", k, "A tag key must be 1 to %d bytes long.", maxTagKey)
		case !utf8.ValidString(k) || !utf8.ValidString(t.Value):
			return errInvalidArgument("Key", k, "Tag keys and values must be UTF-8.")
		case strings.HasPrefix(lk, "http://") || strings.HasPrefix(lk, "https://") || strings.HasPrefix(lk, "aliyun"):
			return errInvalidArgument("Key", k, "A tag key may not start with http://, https:// or Aliyun.")
		case len(t.Value) > maxTagValue:
			return errInvalidArgument("Value", t.Value, "A tag value must be at most %d bytes long.", maxTagValue)
		case seen[k]:
			return errInvalidArgument("Key", k, "Tag key %q appears more than once.", k)
		}
		seen[k] = true
	}
	return nil
}

// validatePolicy checks a bucket policy document and reports whether it is public: an Allow statement
// whose principal is anyone ("*", or []) and whose condition does not pin the caller to a VPC, an
// AccessKey or a source IP.
func validatePolicy(body []byte) (public bool, _ *apiError) {
	bad := func(format string, args ...any) *apiError {
		return newError(http.StatusBadRequest, codeInvalidPolicyDocument, ecPolicyInvalid, "The policy is invalid: "+format, args...)
	}
	if len(bytes.TrimSpace(body)) == 0 {
		return false, bad("the document is empty.")
	}
	var doc map[string]json.RawMessage
	if err := json.Unmarshal(body, &doc); err != nil {
		return false, bad("it is not a JSON object: %v.", err)
	}
	var version string
	if err := json.Unmarshal(doc["Version"], &version); err != nil {
		return false, bad("Version must be the string \"1\".")
	}
	if version != "1" {
		return false, newError(http.StatusBadRequest, codeInvalidPolicyDocument, ecPolicyVersion, "The policy Version must be \"1\", not %q.", version)
	}
	var statements []map[string]json.RawMessage
	if err := json.Unmarshal(doc["Statement"], &statements); err != nil || len(statements) == 0 {
		return false, bad("Statement must be a non-empty array of objects.")
	}
	for i, s := range statements {
		var effect string
		if err := json.Unmarshal(s["Effect"], &effect); err != nil || (effect != "Allow" && effect != "Deny") {
			return false, bad("statement %d: Effect must be Allow or Deny.", i+1)
		}
		if _, err := stringList(s["Action"]); err != nil {
			return false, bad("statement %d: Action %v.", i+1, err)
		}
		if _, err := stringList(s["Resource"]); err != nil {
			return false, bad("statement %d: Resource %v.", i+1, err)
		}
		raw, ok := s["Principal"]
		if !ok {
			return false, bad("statement %d: a bucket policy statement needs a Principal.", i+1)
		}
		principals, err := stringListAllowEmpty(raw)
		if err != nil {
			return false, bad("statement %d: Principal %v.", i+1, err)
		}
		anyone := len(principals) == 0
		for _, p := range principals {
			anyone = anyone || p == "*"
		}
		if effect == "Allow" && anyone && !restrictsCaller(s["Condition"]) {
			public = true
		}
	}
	return public, nil
}

func stringList(raw json.RawMessage) ([]string, error) {
	l, err := stringListAllowEmpty(raw)
	if err == nil && len(l) == 0 {
		err = fmt.Errorf("must not be empty")
	}
	return l, err
}

func stringListAllowEmpty(raw json.RawMessage) ([]string, error) {
	if len(raw) == 0 {
		return nil, fmt.Errorf("is required")
	}
	var one string
	if json.Unmarshal(raw, &one) == nil {
		return []string{one}, nil
	}
	var many []string
	if err := json.Unmarshal(raw, &many); err != nil {
		return nil, fmt.Errorf("must be a string or an array of strings")
	}
	return many, nil
}

// restrictsCaller reports whether a policy condition limits a statement to known callers.
func restrictsCaller(raw json.RawMessage) bool {
	var cond map[string]map[string]json.RawMessage
	if len(raw) == 0 || json.Unmarshal(raw, &cond) != nil {
		return false
	}
	for _, keys := range cond {
		for k := range keys {
			switch strings.ToLower(k) {
			case "acs:sourcevpc", "acs:sourcevpcid", "acs:accessid", "acs:sourceip":
				return true
			}
		}
	}
	return false
}

func validateWebsite(cfg *ossapi.WebsiteConfiguration) *apiError {
	if (cfg.IndexDocument == nil || cfg.IndexDocument.Suffix == "") && (cfg.ErrorDocument == nil || cfg.ErrorDocument.Key == "") {
		return errInvalidArgument("IndexDocument", "", "A website configuration needs an IndexDocument with a Suffix or an ErrorDocument with a Key.")
	}
	if d := cfg.IndexDocument; d != nil {
		if d.Suffix == "" || strings.HasPrefix(d.Suffix, "/") {
			return errInvalidArgument("Suffix", d.Suffix, "The IndexDocument Suffix must be set and must not start with /.")
		}
		if d.Type != nil && (*d.Type < 0 || *d.Type > 2) {
			return errInvalidArgument("Type", fmt.Sprint(*d.Type), "The IndexDocument Type must be 0, 1 or 2.")
		}
	}
	if d := cfg.ErrorDocument; d != nil {
		if d.Key == "" {
			return errInvalidArgument("Key", "", "The ErrorDocument needs a Key.")
		}
		if d.HttpStatus != nil && *d.HttpStatus != http.StatusOK && *d.HttpStatus != http.StatusNotFound {
			return errInvalidArgument("HttpStatus", fmt.Sprint(*d.HttpStatus), "The ErrorDocument HttpStatus must be 200 or 404.")
		}
	}
	if len(cfg.RoutingRules) > maxRoutingRules {
		return errInvalidArgument("RoutingRule", "", "A website configuration holds at most %d routing rules.", maxRoutingRules)
	}
	numbers := map[int]bool{}
	for _, r := range cfg.RoutingRules {
		if r.RuleNumber <= 0 || numbers[r.RuleNumber] {
			return errInvalidArgument("RuleNumber", fmt.Sprint(r.RuleNumber), "RuleNumber must be positive and unique.")
		}
		numbers[r.RuleNumber] = true
		switch rd := r.Redirect; rd.RedirectType {
		case "", "External", "Internal", "AliCDN":
		case "Mirror":
			if rd.MirrorURL == "" {
				return errInvalidArgument("MirrorURL", "", "Routing rule %d: a Mirror redirect needs a MirrorURL.", r.RuleNumber)
			}
		default:
			return errInvalidArgument("RedirectType", rd.RedirectType, "Routing rule %d: RedirectType must be Mirror, External, Internal or AliCDN.", r.RuleNumber)
		}
		if c := r.Redirect.HttpRedirectCode; c != nil && *c != 301 && *c != 302 && *c != 307 {
			return errInvalidArgument("HttpRedirectCode", fmt.Sprint(*c), "Routing rule %d: HttpRedirectCode must be 301, 302 or 307.", r.RuleNumber)
		}
	}
	return nil
}

func validateReferers(list []string) *apiError {
	for _, r := range list {
		if len(r) > 1024 {
			return errInvalidArgument("Referer", r, "A referer is at most 1024 bytes long.")
		}
	}
	return nil
}
