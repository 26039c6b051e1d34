package osstest

import (
	"encoding/xml"
	"net/http"
	"regexp"
	"strings"

	"github.com/ossoperator/oss-operator/ossapi"
)

// Handlers of the bucket sub-resources: each Put validates and replaces, each Get answers the setting
// or OSS's "not configured" answer for it, each Delete answers 204 whether or not it was set.

// decodeXML decodes a request body whose root element is fixed by v's XMLName.
func decodeXML(body []byte, v any) *apiError {
	if len(body) == 0 {
		return errMalformedXML("The request body is empty.")
	}
	if err := xml.Unmarshal(body, v); err != nil {
		return errMalformedXML("%v", err)
	}
	return nil
}

// withBucket runs fn on the caller's bucket under the lock.
func (e *Emulator) withBucket(c *call, fn func(b *bucket) (*response, *apiError)) (*response, *apiError) {
	e.mu.Lock()
	defer e.mu.Unlock()
	b, err := e.bucketFor(c)
	if err != nil {
		return nil, err
	}
	return fn(b)
}

func errNotConfigured(code, msg, bucket string) *apiError {
	return newError(http.StatusNotFound, code, "", "%s", msg).with("BucketName", bucket)
}

// Versioning.

func (e *Emulator) putBucketVersioning(c *call) (*response, *apiError) {
	var cfg ossapi.VersioningConfiguration
	if err := decodeXML(c.body, &cfg); err != nil {
		return nil, err
	}
	if cfg.Status != ossapi.VersioningEnabled && cfg.Status != ossapi.VersioningSuspended {
		return nil, errInvalidArgument("Status", cfg.Status, "The versioning status must be Enabled or Suspended.")
	}
	return e.withBucket(c, func(b *bucket) (*response, *apiError) {
		b.versioning = cfg.Status
		return ok()
	})
}

func (e *Emulator) getBucketVersioning(c *call) (*response, *apiError) {
	return e.withBucket(c, func(b *bucket) (*response, *apiError) {
		return xmlOK(&ossapi.VersioningConfiguration{Status: b.versioning})
	})
}

// Encryption.

func (e *Emulator) putBucketEncryption(c *call) (*response, *apiError) {
	var cfg ossapi.ServerSideEncryptionRule
	if err := decodeXML(c.body, &cfg); err != nil {
		return nil, err
	}
	d := cfg.ApplyServerSideEncryptionByDefault
	switch d.SSEAlgorithm {
	case ossapi.SSEAES256, ossapi.SSESM4:
		if d.KMSMasterKeyID != "" {
			return nil, errInvalidArgument("KMSMasterKeyID", d.KMSMasterKeyID, "KMSMasterKeyID is only allowed with SSEAlgorithm KMS.")
		}
		if d.KMSDataEncryption != "" {
			return nil, errInvalidArgument("KMSDataEncryption", d.KMSDataEncryption, "KMSDataEncryption is only allowed with SSEAlgorithm KMS.")
		}
	case ossapi.SSEKMS:
		if d.KMSDataEncryption != "" && d.KMSDataEncryption != ossapi.SSESM4 {
			return nil, errInvalidArgument("KMSDataEncryption", d.KMSDataEncryption, "KMSDataEncryption must be SM4.")
		}
	default:
		return nil, newError(http.StatusBadRequest, ossapi.CodeInvalidEncryptionAlgorithm, "",
			"The Encryption request you specified is not valid. Supported value: AES256/KMS/SM4.").
			with("ArgumentName", "SSEAlgorithm").with("ArgumentValue", d.SSEAlgorithm)
	}
	return e.withBucket(c, func(b *bucket) (*response, *apiError) {
		b.encryption = &d
		return ok()
	})
}

func (e *Emulator) getBucketEncryption(c *call) (*response, *apiError) {
	return e.withBucket(c, func(b *bucket) (*response, *apiError) {
		if b.encryption == nil {
			return nil, errNotConfigured(ossapi.CodeNoSuchServerSideEncryptionRule, "The server side encryption configuration was not found.", b.name)
		}
		return xmlOK(&ossapi.ServerSideEncryptionRule{ApplyServerSideEncryptionByDefault: *b.encryption})
	})
}

func (e *Emulator) deleteBucketEncryption(c *call) (*response, *apiError) {
	return e.withBucket(c, func(b *bucket) (*response, *apiError) {
		b.encryption = nil
		return noContent()
	})
}

// Lifecycle.

func (e *Emulator) putBucketLifecycle(c *call) (*response, *apiError) {
	var cfg ossapi.LifecycleConfiguration
	if err := decodeXML(c.body, &cfg); err != nil {
		return nil, err
	}
	if err := validateLifecycle(&cfg); err != nil {
		return nil, err
	}
	return e.withBucket(c, func(b *bucket) (*response, *apiError) {
		b.lifecycle = &cfg
		return ok()
	})
}

func (e *Emulator) getBucketLifecycle(c *call) (*response, *apiError) {
	return e.withBucket(c, func(b *bucket) (*response, *apiError) {
		if b.lifecycle == nil {
			return nil, errNotConfigured(ossapi.CodeNoSuchLifecycle, "No Row found in Lifecycle Table.", b.name)
		}
		return xmlOK(b.lifecycle)
	})
}

func (e *Emulator) deleteBucketLifecycle(c *call) (*response, *apiError) {
	return e.withBucket(c, func(b *bucket) (*response, *apiError) {
		b.lifecycle = nil
		return noContent()
	})
}

// CORS.

func (e *Emulator) putBucketCORS(c *call) (*response, *apiError) {
	var cfg ossapi.CORSConfiguration
	if err := decodeXML(c.body, &cfg); err != nil {
		return nil, err
	}
	if err := validateCORS(&cfg); err != nil {
		return nil, err
	}
	return e.withBucket(c, func(b *bucket) (*response, *apiError) {
		b.cors = &cfg
		return ok()
	})
}

func (e *Emulator) getBucketCORS(c *call) (*response, *apiError) {
	return e.withBucket(c, func(b *bucket) (*response, *apiError) {
		if b.cors == nil {
			return nil, errNotConfigured(ossapi.CodeNoSuchCORSConfiguration, "The CORS Configuration does not exist.", b.name)
		}
		return xmlOK(b.cors)
	})
}

func (e *Emulator) deleteBucketCORS(c *call) (*response, *apiError) {
	return e.withBucket(c, func(b *bucket) (*response, *apiError) {
		b.cors = nil
		return noContent()
	})
}

// Tags.

type taggingXML struct {
	XMLName xml.Name `xml:"Tagging"`
	TagSet  struct {
		Tags []ossapi.Tag `xml:"Tag"`
	} `xml:"TagSet"`
}

func (e *Emulator) putBucketTags(c *call) (*response, *apiError) {
	var cfg ossapi.Tagging
	if err := decodeXML(c.body, &cfg); err != nil {
		return nil, err
	}
	if err := validateTags(cfg.Tags); err != nil {
		return nil, err
	}
	return e.withBucket(c, func(b *bucket) (*response, *apiError) {
		b.tags = cfg.Tags
		return ok()
	})
}

// getBucketTags answers 200 with an empty TagSet for an untagged bucket: OSS has no NoSuchTagSet.
func (e *Emulator) getBucketTags(c *call) (*response, *apiError) {
	return e.withBucket(c, func(b *bucket) (*response, *apiError) {
		var out taggingXML
		out.TagSet.Tags = b.tags
		return xmlOK(&out)
	})
}

// deleteBucketTags removes the keys listed in ?tagging=k1,k2, or every tag.
func (e *Emulator) deleteBucketTags(c *call) (*response, *apiError) {
	keys := c.query.Get("tagging")
	return e.withBucket(c, func(b *bucket) (*response, *apiError) {
		if keys == "" {
			b.tags = nil
			return noContent()
		}
		drop := map[string]bool{}
		for _, k := range strings.Split(keys, ",") {
			drop[k] = true
		}
		var kept []ossapi.Tag
		for _, t := range b.tags {
			if !drop[t.Key] {
				kept = append(kept, t)
			}
		}
		b.tags = kept
		return noContent()
	})
}

// Policy.

func (e *Emulator) putBucketPolicy(c *call) (*response, *apiError) {
	public, err := validatePolicy(c.body)
	if err != nil {
		return nil, err
	}
	return e.withBucket(c, func(b *bucket) (*response, *apiError) {
		if public && b.blockPublicAccess {
			return nil, errPublicBlocked("bucket policy")
		}
		b.policy = string(c.body)
		return ok()
	})
}

func (e *Emulator) getBucketPolicy(c *call) (*response, *apiError) {
	return e.withBucket(c, func(b *bucket) (*response, *apiError) {
		if b.policy == "" {
			return nil, errNotConfigured(ossapi.CodeNoSuchBucketPolicy, "The bucket policy does not exist.", b.name)
		}
		r := newResponse(http.StatusOK)
		r.header.Set("Content-Type", "application/json")
		r.body = []byte(b.policy)
		return r, nil
	})
}

func (e *Emulator) deleteBucketPolicy(c *call) (*response, *apiError) {
	return e.withBucket(c, func(b *bucket) (*response, *apiError) {
		b.policy = ""
		return noContent()
	})
}

func (e *Emulator) getBucketPolicyStatus(c *call) (*response, *apiError) {
	return e.withBucket(c, func(b *bucket) (*response, *apiError) {
		public := false
		if b.policy != "" {
			public, _ = validatePolicy([]byte(b.policy))
		}
		return xmlOK(&struct {
			XMLName  xml.Name `xml:"PolicyStatus"`
			IsPublic bool     `xml:"IsPublic"`
		}{IsPublic: public})
	})
}

// Logging.

func (e *Emulator) putBucketLogging(c *call) (*response, *apiError) {
	var cfg ossapi.BucketLoggingStatus
	if err := decodeXML(c.body, &cfg); err != nil {
		return nil, err
	}
	return e.withBucket(c, func(b *bucket) (*response, *apiError) {
		le := cfg.LoggingEnabled
		if le == nil || le.TargetBucket == "" {
			b.logging = nil
			return ok()
		}
		target := e.buckets[le.TargetBucket]
		switch {
		case target == nil:
			return nil, newError(http.StatusBadRequest, ossapi.CodeInvalidTargetBucketForLogging, "",
				"The target bucket for logging does not exist.").with("TargetBucket", le.TargetBucket)
		case target.owner != b.owner:
			return nil, newError(http.StatusForbidden, ossapi.CodeInvalidTargetBucketForLogging, "",
				"You do not own the target bucket for logging.").with("TargetBucket", le.TargetBucket)
		case target.region != b.region:
			return nil, newError(http.StatusBadRequest, ossapi.CodeInvalidTargetBucketForLogging, "",
				"The target bucket for logging must be in the same region as the source bucket (%s, not %s).", b.region, target.region).
				with("TargetBucket", le.TargetBucket)
		}
		b.logging = le
		return ok()
	})
}

// getBucketLogging answers an empty BucketLoggingStatus while logging is off.
func (e *Emulator) getBucketLogging(c *call) (*response, *apiError) {
	return e.withBucket(c, func(b *bucket) (*response, *apiError) {
		return xmlOK(&ossapi.BucketLoggingStatus{LoggingEnabled: b.logging})
	})
}

func (e *Emulator) deleteBucketLogging(c *call) (*response, *apiError) {
	return e.withBucket(c, func(b *bucket) (*response, *apiError) {
		b.logging = nil
		return noContent()
	})
}

// Website.

func (e *Emulator) putBucketWebsite(c *call) (*response, *apiError) {
	var cfg ossapi.WebsiteConfiguration
	if err := decodeXML(c.body, &cfg); err != nil {
		return nil, err
	}
	if err := validateWebsite(&cfg); err != nil {
		return nil, err
	}
	return e.withBucket(c, func(b *bucket) (*response, *apiError) {
		b.website = &cfg
		return ok()
	})
}

func (e *Emulator) getBucketWebsite(c *call) (*response, *apiError) {
	return e.withBucket(c, func(b *bucket) (*response, *apiError) {
		if b.website == nil {
			return nil, errNotConfigured(ossapi.CodeNoSuchWebsiteConfiguration, "The specified bucket does not have a website configuration.", b.name)
		}
		out := websiteOutXML{IndexDocument: b.website.IndexDocument, ErrorDocument: b.website.ErrorDocument}
		if len(b.website.RoutingRules) > 0 {
			out.RoutingRules = &routingRulesXML{Rules: b.website.RoutingRules}
		}
		return xmlOK(&out)
	})
}

// websiteOutXML leaves RoutingRules out when there are none, as OSS does (ossapi's type would write an
// empty element).
type websiteOutXML struct {
	XMLName       xml.Name              `xml:"WebsiteConfiguration"`
	IndexDocument *ossapi.IndexDocument `xml:"IndexDocument,omitempty"`
	ErrorDocument *ossapi.ErrorDocument `xml:"ErrorDocument,omitempty"`
	RoutingRules  *routingRulesXML      `xml:"RoutingRules,omitempty"`
}

type routingRulesXML struct {
	Rules []ossapi.RoutingRule `xml:"RoutingRule"`
}

func (e *Emulator) deleteBucketWebsite(c *call) (*response, *apiError) {
	return e.withBucket(c, func(b *bucket) (*response, *apiError) {
		b.website = nil
		return noContent()
	})
}

// Block Public Access.

type publicAccessBlockXML struct {
	XMLName           xml.Name `xml:"PublicAccessBlockConfiguration"`
	BlockPublicAccess *bool    `xml:"BlockPublicAccess"`
}

func (e *Emulator) putBucketPublicAccessBlock(c *call) (*response, *apiError) {
	var cfg publicAccessBlockXML
	if err := decodeXML(c.body, &cfg); err != nil {
		return nil, err
	}
	if cfg.BlockPublicAccess == nil {
		return nil, errMalformedXML("BlockPublicAccess is required.")
	}
	return e.withBucket(c, func(b *bucket) (*response, *apiError) {
		b.blockPublicAccess = *cfg.BlockPublicAccess
		return ok()
	})
}

func (e *Emulator) getBucketPublicAccessBlock(c *call) (*response, *apiError) {
	return e.withBucket(c, func(b *bucket) (*response, *apiError) {
		return xmlOK(&ossapi.PublicAccessBlockConfiguration{BlockPublicAccess: b.blockPublicAccess})
	})
}

// deleteBucketPublicAccessBlock removes the bucket's own setting. What applies then on OSS is the
// account's setting, which the emulator does not model: it applies the default for new buckets
// (WithBlockPublicAccessByDefault), the stricter reading. Code that needs public access switches Block
// Public Access off explicitly, which works on both.
func (e *Emulator) deleteBucketPublicAccessBlock(c *call) (*response, *apiError) {
	return e.withBucket(c, func(b *bucket) (*response, *apiError) {
		b.blockPublicAccess = e.blockPublicAccess
		return noContent()
	})
}

// Referer.

type refererInXML struct {
	XMLName                  xml.Name                 `xml:"RefererConfiguration"`
	AllowEmptyReferer        *bool                    `xml:"AllowEmptyReferer"`
	AllowTruncateQueryString *bool                    `xml:"AllowTruncateQueryString"`
	TruncatePath             *bool                    `xml:"TruncatePath"`
	RefererList              []string                 `xml:"RefererList>Referer"`
	RefererBlacklist         *ossapi.RefererBlacklist `xml:"RefererBlacklist"`
}

type refererOutXML struct {
	XMLName                  xml.Name `xml:"RefererConfiguration"`
	AllowEmptyReferer        bool     `xml:"AllowEmptyReferer"`
	AllowTruncateQueryString *bool    `xml:"AllowTruncateQueryString,omitempty"`
	TruncatePath             *bool    `xml:"TruncatePath,omitempty"`
	RefererList              struct {
		Referers []string `xml:"Referer"`
	} `xml:"RefererList"`
	RefererBlacklist *ossapi.RefererBlacklist `xml:"RefererBlacklist,omitempty"`
}

func (e *Emulator) putBucketReferer(c *call) (*response, *apiError) {
	var in refererInXML
	if err := decodeXML(c.body, &in); err != nil {
		return nil, err
	}
	if in.AllowEmptyReferer == nil {
		return nil, errMalformedXML("AllowEmptyReferer is required.")
	}
	cfg := &ossapi.RefererConfiguration{
		AllowEmptyReferer:        *in.AllowEmptyReferer,
		AllowTruncateQueryString: in.AllowTruncateQueryString,
		TruncatePath:             in.TruncatePath,
		RefererList:              nonEmpty(in.RefererList),
	}
	if in.RefererBlacklist != nil {
		if l := nonEmpty(in.RefererBlacklist.Referers); len(l) > 0 {
			cfg.RefererBlacklist = &ossapi.RefererBlacklist{Referers: l}
		}
	}
	if cfg.TruncatePath != nil && *cfg.TruncatePath && cfg.AllowTruncateQueryString != nil && !*cfg.AllowTruncateQueryString {
		return nil, errInvalidArgument("TruncatePath", "true", "TruncatePath requires AllowTruncateQueryString to be true.")
	}
	if err := validateReferers(cfg.RefererList); err != nil {
		return nil, err
	}
	if cfg.RefererBlacklist != nil {
		if err := validateReferers(cfg.RefererBlacklist.Referers); err != nil {
			return nil, err
		}
	}
	return e.withBucket(c, func(b *bucket) (*response, *apiError) {
		b.referer = cfg
		return ok()
	})
}

// getBucketReferer answers OSS's default while none was put: empty referers allowed, no list.
func (e *Emulator) getBucketReferer(c *call) (*response, *apiError) {
	return e.withBucket(c, func(b *bucket) (*response, *apiError) {
		t, f := true, false
		out := refererOutXML{AllowEmptyReferer: true, AllowTruncateQueryString: &t, TruncatePath: &f}
		if r := b.referer; r != nil {
			out.AllowEmptyReferer, out.AllowTruncateQueryString, out.TruncatePath = r.AllowEmptyReferer, r.AllowTruncateQueryString, r.TruncatePath
			out.RefererList.Referers, out.RefererBlacklist = r.RefererList, r.RefererBlacklist
		}
		return xmlOK(&out)
	})
}

func nonEmpty(in []string) []string {
	var out []string
	for _, s := range in {
		if s = strings.TrimSpace(s); s != "" {
			out = append(out, s)
		}
	}
	return out
}

// Resource group.

var resourceGroupIDRE = regexp.MustCompile(`^rg-[a-z0-9]{3,}$`)

func validResourceGroupID(id string) bool { return resourceGroupIDRE.MatchString(id) }

func errResourceGroup(id string) *apiError {
	return newError(http.StatusBadRequest, codeResourceGroupIDPreCheckError, ecResourceGroup, "The resource group id precheck error").
		with("ResourceGroupId", id)
}

func (e *Emulator) putBucketResourceGroup(c *call) (*response, *apiError) {
	var cfg ossapi.BucketResourceGroupConfiguration
	if err := decodeXML(c.body, &cfg); err != nil {
		return nil, err
	}
	if !validResourceGroupID(cfg.ResourceGroupID) {
		return nil, errResourceGroup(cfg.ResourceGroupID)
	}
	return e.withBucket(c, func(b *bucket) (*response, *apiError) {
		b.resourceGroupID = cfg.ResourceGroupID
		return ok()
	})
}

func (e *Emulator) getBucketResourceGroup(c *call) (*response, *apiError) {
	return e.withBucket(c, func(b *bucket) (*response, *apiError) {
		return xmlOK(&ossapi.BucketResourceGroupConfiguration{ResourceGroupID: b.resourceGroupID})
	})
}
