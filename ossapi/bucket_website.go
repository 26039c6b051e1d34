package ossapi

import (
	"context"
	"encoding/xml"
	"net/http"
)

// WebsiteConfiguration is a bucket's static website hosting.
type WebsiteConfiguration struct {
	XMLName       xml.Name       `xml:"WebsiteConfiguration"`
	IndexDocument *IndexDocument `xml:"IndexDocument,omitempty"`
	ErrorDocument *ErrorDocument `xml:"ErrorDocument,omitempty"`
	RoutingRules  []RoutingRule  `xml:"RoutingRules>RoutingRule,omitempty"`
}

// IndexDocument is the default page of a directory.
type IndexDocument struct {
	Suffix        string `xml:"Suffix"`
	SupportSubDir *bool  `xml:"SupportSubDir,omitempty"`
	Type          *int   `xml:"Type,omitempty"`
}

// ErrorDocument is the page served for a missing object.
type ErrorDocument struct {
	Key        string `xml:"Key"`
	HttpStatus *int   `xml:"HttpStatus,omitempty"`
}

// RoutingRule redirects or mirrors matching requests.
type RoutingRule struct {
	RuleNumber int                  `xml:"RuleNumber"`
	Condition  RoutingRuleCondition `xml:"Condition"`
	Redirect   RoutingRuleRedirect  `xml:"Redirect"`
}

// RoutingRuleCondition selects requests.
type RoutingRuleCondition struct {
	KeyPrefixEquals             string `xml:"KeyPrefixEquals,omitempty"`
	KeySuffixEquals             string `xml:"KeySuffixEquals,omitempty"`
	HttpErrorCodeReturnedEquals *int   `xml:"HttpErrorCodeReturnedEquals,omitempty"`
}

// RoutingRuleRedirect says where a selected request goes.
type RoutingRuleRedirect struct {
	RedirectType         string `xml:"RedirectType,omitempty"`
	Protocol             string `xml:"Protocol,omitempty"`
	HostName             string `xml:"HostName,omitempty"`
	ReplaceKeyWith       string `xml:"ReplaceKeyWith,omitempty"`
	ReplaceKeyPrefixWith string `xml:"ReplaceKeyPrefixWith,omitempty"`
	HttpRedirectCode     *int   `xml:"HttpRedirectCode,omitempty"`
	PassQueryString      *bool  `xml:"PassQueryString,omitempty"`
	MirrorURL            string `xml:"MirrorURL,omitempty"`
}

// PutBucketWebsite replaces the website configuration.
func (c *Client) PutBucketWebsite(ctx context.Context, bucket string, cfg *WebsiteConfiguration) error {
	r := bucketRequest(OpPutBucketWebsite, http.MethodPut, bucket, "website")
	r.setXMLBody(cfg)
	_, err := c.do(ctx, r)
	return err
}

// GetBucketWebsite returns nil when website hosting is off (404 NoSuchWebsiteConfiguration).
func (c *Client) GetBucketWebsite(ctx context.Context, bucket string) (*WebsiteConfiguration, error) {
	out := &WebsiteConfiguration{}
	found, err := c.getSetting(ctx, bucketRequest(OpGetBucketWebsite, http.MethodGet, bucket, "website"), out, CodeNoSuchWebsiteConfiguration)
	if !found {
		return nil, err
	}
	return out, nil
}

// DeleteBucketWebsite turns website hosting off.
func (c *Client) DeleteBucketWebsite(ctx context.Context, bucket string) error {
	_, err := c.do(ctx, bucketRequest(OpDeleteBucketWebsite, http.MethodDelete, bucket, "website"))
	return err
}

// MarshalXML leaves RoutingRules out when there are none, as the SDK does: encoding/xml would write
// an empty <RoutingRules></RoutingRules> for the "a>b" path even with omitempty.
func (w *WebsiteConfiguration) MarshalXML(e *xml.Encoder, start xml.StartElement) error {
	type routingRules struct {
		Rules []RoutingRule `xml:"RoutingRule"`
	}
	wire := struct {
		IndexDocument *IndexDocument `xml:"IndexDocument,omitempty"`
		ErrorDocument *ErrorDocument `xml:"ErrorDocument,omitempty"`
		RoutingRules  *routingRules  `xml:"RoutingRules,omitempty"`
	}{IndexDocument: w.IndexDocument, ErrorDocument: w.ErrorDocument}
	if len(w.RoutingRules) > 0 {
		wire.RoutingRules = &routingRules{Rules: w.RoutingRules}
	}
	start.Name = xml.Name{Local: "WebsiteConfiguration"}
	return e.EncodeElement(wire, start)
}
