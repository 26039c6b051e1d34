package controllers_test

import (
	"os"
	"path/filepath"
	"strings"
	"time"

	. "github.com/onsi/ginkgo/v2"
	. "github.com/onsi/gomega"
	apiextensionsv1 "k8s.io/apiextensions-apiserver/pkg/apis/apiextensions/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/utils/ptr"
	"sigs.k8s.io/controller-runtime/pkg/client"
	"sigs.k8s.io/yaml"

	ossv1 "github.com/ossoperator/oss-operator/api/v1alpha1"
)

// Admission is enforced by the CRD schema (OpenAPI and CEL rules) in the real API server.
var _ = Describe("Admission", func() {
	var ns string
	BeforeEach(func() { ns = newNamespace() })

	DescribeTable("rejects an invalid Bucket with a message naming the field",
		func(name string, mutate func(*ossv1.Bucket), field string) {
			expectRefusal(k8s.Create(ctx, newBucket(ns, name, mutate)), field)
		},
		Entry("metadata.name that is no bucket name, without spec.name", "has.dots", nil,
			"spec.name: Required value: metadata.name is not a valid OSS bucket name (3-63 characters of a-z, 0-9 and -"),
		Entry("spec.name with upper case", "ok-name", func(b *ossv1.Bucket) { b.Spec.Name = "Upper-Case" },
			`spec.name: Invalid value: "Upper-Case": must be an OSS bucket name: lowercase letters, digits and '-', starting and ending with a letter or digit`),
		Entry("spec.name too short", "ok-name", func(b *ossv1.Bucket) { b.Spec.Name = "ab" }, `spec.name: Invalid value: "ab": spec.name in body should be at least 3 chars long`),
		Entry("spec.name too long", "ok-name", func(b *ossv1.Bucket) { b.Spec.Name = strings.Repeat("a", 64) }, "spec.name: Too long: may not be more than 63 bytes"),
		Entry("spec.name ending in a hyphen", "ok-name", func(b *ossv1.Bucket) { b.Spec.Name = "bucket-" },
			`spec.name: Invalid value: "bucket-": must be an OSS bucket name`),
		Entry("spec.name with an underscore", "ok-name", func(b *ossv1.Bucket) { b.Spec.Name = "my_bucket" },
			`spec.name: Invalid value: "my_bucket": must be an OSS bucket name`),
		Entry("unknown storage class", "ok-name", func(b *ossv1.Bucket) { b.Spec.StorageClass = "Glacier" },
			`spec.storageClass: Invalid value: "Glacier": must be Standard, IA, Archive, ColdArchive or DeepColdArchive`),
		Entry("unknown redundancy", "ok-name", func(b *ossv1.Bucket) { b.Spec.RedundancyType = "GRS" }, `spec.redundancyType: Invalid value: "GRS": must be LRS or ZRS`),
		Entry("unknown ACL", "ok-name", func(b *ossv1.Bucket) { b.Spec.ACL = "authenticated-read" },
			`spec.acl: Invalid value: "authenticated-read": must be private, public-read or public-read-write`),
		Entry("unknown deletion policy", "ok-name", func(b *ossv1.Bucket) { b.Spec.DeletionPolicy = "Orphan" },
			`spec.deletionPolicy: Invalid value: "Orphan": must be Retain or Delete`),
		Entry("unknown management policy", "ok-name", func(b *ossv1.Bucket) { b.Spec.ManagementPolicy = "ObserveOnly" },
			`spec.managementPolicy: Invalid value: "ObserveOnly": must be Manage or Observe`),
		Entry("region with the oss- prefix", "ok-name", func(b *ossv1.Bucket) { b.Spec.Region = "oss-cn-hangzhou" },
			`spec.region: Invalid value: "oss-cn-hangzhou": must be the region ID without the oss- prefix, for example cn-hangzhou`),
		Entry("region that is no region ID", "ok-name", func(b *ossv1.Bucket) { b.Spec.Region = "Hangzhou" },
			`spec.region: Invalid value: "Hangzhou": must be a region ID: two or more lowercase letters, then parts of lowercase letters and digits each after a '-', for example cn-hangzhou`),
		Entry("unknown versioning", "ok-name", func(b *ossv1.Bucket) { b.Spec.Versioning = "On" }, `spec.versioning: Invalid value: "On": must be Enabled or Suspended`),
		Entry("unknown encryption algorithm", "ok-name", func(b *ossv1.Bucket) { b.Spec.Encryption = &ossv1.Encryption{Algorithm: "AES"} },
			`spec.encryption.algorithm: Invalid value: "AES": must be AES256, KMS or SM4`),
		Entry("unknown KMS data encryption", "ok-name", func(b *ossv1.Bucket) {
			b.Spec.Encryption = &ossv1.Encryption{Algorithm: "KMS", KMSDataEncryption: "AES256"}
		}, `spec.encryption.kmsDataEncryption: Invalid value: "AES256": must be SM4`),
		Entry("a resource group that is no resource group ID", "ok-name", func(b *ossv1.Bucket) { b.Spec.ResourceGroupID = "group-1" },
			`spec.resourceGroupId: Invalid value: "group-1": must be a resource group ID: rg- followed by letters and digits`),
		Entry("a log bucket that is no bucket name", "ok-name", func(b *ossv1.Bucket) { b.Spec.Logging = &ossv1.Logging{TargetBucket: "Logs"} },
			`spec.logging.targetBucket: Invalid value: "Logs": must be an OSS bucket name`),
		Entry("unknown lifecycle rule status", "ok-name", func(b *ossv1.Bucket) {
			b.Spec.Lifecycle = &ossv1.Lifecycle{Rules: []ossv1.LifecycleRule{{ID: "r", Status: "On", Expiration: &ossv1.LifecycleExpiration{Days: ptr.To[int32](1)}}}}
		}, `spec.lifecycle.rules[0].status: Invalid value: "On": must be Enabled or Disabled`),
		Entry("a lifecycle prefix with a line break", "ok-name", func(b *ossv1.Bucket) {
			b.Spec.Lifecycle = &ossv1.Lifecycle{Rules: []ossv1.LifecycleRule{{ID: "r", Prefix: "a\nb", Expiration: &ossv1.LifecycleExpiration{Days: ptr.To[int32](1)}}}}
		}, `spec.lifecycle.rules[0].prefix: Invalid value: "a\nb": prefix must not contain control characters`),
		Entry("an excluded prefix with a tab", "ok-name", func(b *ossv1.Bucket) {
			b.Spec.Lifecycle = &ossv1.Lifecycle{Rules: []ossv1.LifecycleRule{{ID: "r", Expiration: &ossv1.LifecycleExpiration{Days: ptr.To[int32](1)},
				Filter: &ossv1.LifecycleFilter{Not: []ossv1.LifecycleNot{{Prefix: "a\tb"}}}}}}
		}, `spec.lifecycle.rules[0].filter.not[0].prefix: Invalid value: "a\tb": prefix must not contain control characters`),
		Entry("an expiration date that is no YYYY-MM-DD", "ok-name", func(b *ossv1.Bucket) {
			b.Spec.Lifecycle = &ossv1.Lifecycle{Rules: []ossv1.LifecycleRule{{ID: "r", Expiration: &ossv1.LifecycleExpiration{CreatedBeforeDate: "2025/01/31"}}}}
		}, `spec.lifecycle.rules[0].expiration.createdBeforeDate: Invalid value: "2025/01/31": must be a date written YYYY-MM-DD, for example 2025-01-31`),
		Entry("an abort date that is no YYYY-MM-DD", "ok-name", func(b *ossv1.Bucket) {
			b.Spec.Lifecycle = &ossv1.Lifecycle{Rules: []ossv1.LifecycleRule{{ID: "r", AbortMultipartUpload: &ossv1.LifecycleAbortMultipartUpload{CreatedBeforeDate: "31.01.2025"}}}}
		}, `spec.lifecycle.rules[0].abortMultipartUpload.createdBeforeDate: Invalid value: "31.01.2025": must be a date written YYYY-MM-DD`),
		Entry("an expiration date that does not exist", "ok-name", func(b *ossv1.Bucket) {
			b.Spec.Lifecycle = &ossv1.Lifecycle{Rules: []ossv1.LifecycleRule{{ID: "r", Expiration: &ossv1.LifecycleExpiration{CreatedBeforeDate: "2025-02-30"}}}}
		}, `spec.lifecycle.rules[0].expiration.createdBeforeDate: Invalid value: "2025-02-30": must be a date written YYYY-MM-DD`),
		Entry("a transition to Standard", "ok-name", func(b *ossv1.Bucket) {
			b.Spec.Lifecycle = &ossv1.Lifecycle{Rules: []ossv1.LifecycleRule{{ID: "r", Transitions: []ossv1.LifecycleTransition{{Days: 30, StorageClass: "Standard"}}}}}
		}, `spec.lifecycle.rules[0].transitions[0].storageClass: Invalid value: "Standard": must be IA, Archive, ColdArchive or DeepColdArchive`),
		Entry("a noncurrent version transition to Standard", "ok-name", func(b *ossv1.Bucket) {
			b.Spec.Lifecycle = &ossv1.Lifecycle{Rules: []ossv1.LifecycleRule{{ID: "r",
				NoncurrentVersionTransitions: []ossv1.NoncurrentVersionTransition{{NoncurrentDays: 30, StorageClass: "Standard"}}}}}
		}, `spec.lifecycle.rules[0].noncurrentVersionTransitions[0].storageClass: Invalid value: "Standard": must be IA, Archive, ColdArchive or DeepColdArchive`),
		Entry("an error document status other than 200 and 404", "ok-name", func(b *ossv1.Bucket) {
			b.Spec.Website = &ossv1.Website{ErrorDocument: &ossv1.ErrorDocument{Key: "error.html", HTTPStatus: ptr.To[int32](302)}}
		}, `spec.website.errorDocument.httpStatus: Invalid value: 302: must be 404 or 200`),
		Entry("an AccessKey namespace that is no namespace name", "ok-name", func(b *ossv1.Bucket) { b.Spec.AccessKeyRef.Namespace = "Other_NS" },
			"spec.accessKeyRef.namespace: Invalid value: \"Other_NS\": must be the name of a namespace"),
		Entry("no AccessKey", "ok-name", func(b *ossv1.Bucket) { b.Spec.AccessKeyRef.Name = "" }, "spec.accessKeyRef.name"),
		Entry("a public ACL while Block Public Access is not declared off", "ok-name", func(b *ossv1.Bucket) { b.Spec.ACL = "public-read" },
			"spec.acl: Invalid value: a public spec.acl needs Block Public Access off, which OSS turns on for new buckets: add spec.publicAccessBlock: false"),
		Entry("a public ACL with Block Public Access on", "ok-name", func(b *ossv1.Bucket) { b.Spec.ACL = "public-read-write"; b.Spec.PublicAccessBlock = ptr.To(true) },
			"spec.publicAccessBlock: false"),
		Entry("an AccessKey name that is a path", "ok-name", func(b *ossv1.Bucket) { b.Spec.AccessKeyRef.Name = "../ns/x" },
			"spec.accessKeyRef.name: Invalid value: \"../ns/x\": must be the name of an AccessKey"),
		// Strings OSS receives in XML: a control character would come back changed, a drift forever.

		Entry("a lifecycle rule id with a line break", "ok-name", func(b *ossv1.Bucket) {
			b.Spec.Lifecycle = &ossv1.Lifecycle{Rules: []ossv1.LifecycleRule{{ID: "a\nb", Expiration: &ossv1.LifecycleExpiration{Days: ptr.To[int32](1)}}}}
		}, "spec.lifecycle.rules[0].id: Invalid value: \"a\\nb\": id must not contain control characters"),

		Entry("a CORS origin with a control character", "ok-name", func(b *ossv1.Bucket) {
			b.Spec.CORS = &ossv1.CORS{Rules: []ossv1.CORSRule{{AllowedOrigins: []string{"https://a\x01.example"}, AllowedMethods: []string{"GET"}}}}
		}, "allowedOrigins must not contain control characters"),
		Entry("a referer with a line break", "ok-name", func(b *ossv1.Bucket) { b.Spec.Referer = &ossv1.Referer{AllowList: []string{"https://a\n.example"}} },
			"allowList must not contain control characters"),
		Entry("a website index with a control character", "ok-name", func(b *ossv1.Bucket) {
			b.Spec.Website = &ossv1.Website{IndexDocument: &ossv1.IndexDocument{Suffix: "index\x7f.html"}}
		}, "suffix must not contain control characters"),
		Entry("a log prefix with a tab", "ok-name", func(b *ossv1.Bucket) { b.Spec.Logging = &ossv1.Logging{TargetBucket: "logs", TargetPrefix: "a\tb"} },
			"targetPrefix must not contain control characters"),
	)

	DescribeTable("rejects changes to immutable fields with a message naming the field",
		func(initial, change func(*ossv1.Bucket), field string) {
			b := newBucket(ns, unique("immutable"), func(b *ossv1.Bucket) { b.Spec.AccessKeyRef.Name = "none" }, initial)
			Expect(k8s.Create(ctx, b)).To(Succeed())
			// The operator adds its finalizer meanwhile: retry conflicts until the API server answers.
			var err error
			Eventually(func() bool {
				Expect(k8s.Get(ctx, client.ObjectKeyFromObject(b), b)).To(Succeed())
				change(b)
				err = k8s.Update(ctx, b)
				return apierrors.IsConflict(err)
			}).Should(BeFalse())
			Expect(err).To(HaveOccurred())
			Expect(err.Error()).To(ContainSubstring(field))
		},
		Entry("spec.name", func(b *ossv1.Bucket) { b.Spec.Name = unique("first") }, func(b *ossv1.Bucket) { b.Spec.Name = "second-name" },
			"spec.name: Forbidden: spec.name cannot be added, changed or removed"),
		Entry("spec.name set later", func(*ossv1.Bucket) {}, func(b *ossv1.Bucket) { b.Spec.Name = "second-name" }, "spec.name: Forbidden"),
		Entry("spec.region", func(b *ossv1.Bucket) { b.Spec.Region = "cn-hangzhou" }, func(b *ossv1.Bucket) { b.Spec.Region = "cn-beijing" },
			"spec.region: Forbidden: spec.region cannot be changed once set, because a bucket cannot move to another region: remove the field, or set it to the bucket's region (status.region)"),
		Entry("spec.storageClass", func(b *ossv1.Bucket) { b.Spec.StorageClass = "Standard" }, func(b *ossv1.Bucket) { b.Spec.StorageClass = "IA" },
			"spec.storageClass: Forbidden: spec.storageClass cannot be changed once set"),
		Entry("spec.redundancyType", func(b *ossv1.Bucket) { b.Spec.RedundancyType = "LRS" }, func(b *ossv1.Bucket) { b.Spec.RedundancyType = "ZRS" },
			"spec.redundancyType: Forbidden: spec.redundancyType cannot be changed once set"),
		Entry("spec.versioning removed", func(b *ossv1.Bucket) { b.Spec.Versioning = "Enabled" }, func(b *ossv1.Bucket) { b.Spec.Versioning = "" },
			"spec.versioning: Forbidden: spec.versioning cannot be removed once set"),
	)

	// A user can always return to a spec that works: a field that cannot change can be removed.
	DescribeTable("admits removing a field that cannot be changed",
		func(initial, change func(*ossv1.Bucket)) {
			b := newBucket(ns, unique("removable"), func(b *ossv1.Bucket) { b.Spec.AccessKeyRef.Name = "none" }, initial)
			Expect(k8s.Create(ctx, b)).To(Succeed())
			update(b, change)
		},
		Entry("spec.region", func(b *ossv1.Bucket) { b.Spec.Region = "cn-hangzhou" }, func(b *ossv1.Bucket) { b.Spec.Region = "" }),
		Entry("spec.storageClass", func(b *ossv1.Bucket) { b.Spec.StorageClass = "IA" }, func(b *ossv1.Bucket) { b.Spec.StorageClass = "" }),
		Entry("spec.redundancyType", func(b *ossv1.Bucket) { b.Spec.RedundancyType = "ZRS" }, func(b *ossv1.Bucket) { b.Spec.RedundancyType = "" }),
	)

	It("accepts valid Buckets and defaults the deletion policy to Retain and the management policy to Manage", func() {
		b := newBucket(ns, "valid-one", func(b *ossv1.Bucket) { b.Spec.AccessKeyRef.Name = "none" })
		Expect(k8s.Create(ctx, b)).To(Succeed())
		Expect(b.Spec.DeletionPolicy).To(Equal(ossv1.DeletionRetain))
		Expect(b.Spec.ManagementPolicy).To(Equal(ossv1.ManagementManage))
		full := newBucket(ns, "any.name", func(b *ossv1.Bucket) {
			b.Spec.AccessKeyRef.Name = "none"
			b.Spec.Name = unique("full")
			b.Spec.Region, b.Spec.StorageClass, b.Spec.RedundancyType, b.Spec.ACL = "cn-beijing", "DeepColdArchive", "ZRS", "public-read-write"
			b.Spec.PublicAccessBlock = ptr.To(false)
			b.Spec.DeletionPolicy, b.Spec.Adopt = ossv1.DeletionDelete, true
		})
		Expect(k8s.Create(ctx, full)).To(Succeed())
		// A mutable field can change; a region can be set where there was none.
		update(b, func(b *ossv1.Bucket) { b.Spec.ACL = "private"; b.Spec.Region = "cn-shanghai" })
	})

	DescribeTable("rejects an invalid AccessKey with a message naming the field",
		func(mutate func(*ossv1.AccessKey), field string) {
			ak := &ossv1.AccessKey{ObjectMeta: metav1.ObjectMeta{Namespace: ns, Name: unique("ak")},
				Spec: ossv1.AccessKeySpec{SecretRef: ossv1.SecretReference{Name: "s"}, Region: "cn-hangzhou"}}
			mutate(ak)
			expectRefusal(k8s.Create(ctx, ak), field)
		},
		Entry("Secret in another namespace", func(a *ossv1.AccessKey) { a.Spec.SecretRef.Namespace = "kube-system" },
			"spec.secretRef.namespace: Forbidden: secretRef.namespace is not allowed: the Secret must be in the AccessKey's namespace"),
		Entry("a Secret name that is a path", func(a *ossv1.AccessKey) { a.Spec.SecretRef.Name = "../kube-system/x" }, "spec.secretRef.name: Invalid value: \"../kube-system/x\": must be the name of a Secret"),
		Entry("no region", func(a *ossv1.AccessKey) { a.Spec.Region = "" }, `spec.region: Invalid value: "": must be a region ID`),
		Entry("region with the oss- prefix", func(a *ossv1.AccessKey) { a.Spec.Region = "oss-cn-hangzhou" },
			`spec.region: Invalid value: "oss-cn-hangzhou": must be the region ID without the oss- prefix, for example cn-hangzhou`),
		Entry("region that is no region ID", func(a *ossv1.AccessKey) { a.Spec.Region = "cn_hangzhou" }, `spec.region: Invalid value: "cn_hangzhou": must be a region ID`),
		Entry("unknown signature version", func(a *ossv1.AccessKey) { a.Spec.SignatureVersion = "v2" }, `spec.signatureVersion: Invalid value: "v2": must be v4 or v1`),
		Entry("endpoint with a path", func(a *ossv1.AccessKey) { a.Spec.Endpoint = "https://oss.example.com/bucket" },
			`spec.endpoint: Invalid value: "https://oss.example.com/bucket": must be scheme://host[:port]: an optional http:// or https://, a host of letters, digits, '.' and '-', an optional port of up to 5 digits, and no path`),
		Entry("internal with an endpoint", func(a *ossv1.AccessKey) { a.Spec.Endpoint = "https://oss.example.com"; a.Spec.Internal = true },
			"spec.internal: Forbidden: spec.internal cannot be combined with spec.endpoint"),
	)
})

// notChecked is the line the API server adds when an OpenAPI check that blocks the CEL rules failed
// (enum, maxLength, maxItems, maxProperties, required, type): the CRDs avoid the first, and the others
// guard the CEL rules' cost, so they keep it.
const notChecked = "some validation rules were not checked"

// expectRefusal checks that err is a refusal naming message (path and words), and that the API server did
// not skip the CEL rules unless an OpenAPI check that blocks them (maxLength, required, ...) failed: the
// message is then the OpenAPI one, "<path>: Too long: ...", "<path>: Required value" or "<path>: Too many: ...".
// ("Required value: <words>" is a CEL rule's reason, which blocks nothing.)
func expectRefusal(err error, message string) {
	GinkgoHelper()
	Expect(err).To(HaveOccurred())
	Expect(err.Error()).To(ContainSubstring(message))
	if strings.Contains(message, ": Too long: ") || strings.HasSuffix(message, ": Required value") || strings.Contains(message, ": Too many: ") {
		Expect(err.Error()).To(ContainSubstring(notChecked), "an OpenAPI check that blocks the CEL rules failed")
	} else {
		Expect(err.Error()).NotTo(ContainSubstring(notChecked))
	}
}

// Every field is documented for `kubectl explain`: the CRDs carry a description on every property.
var _ = Describe("CRDs", func() {
	It("document every field, and check spec values with messages in words", func() {
		for _, file := range []string{"oss.ossoperator.io_buckets.yaml", "oss.ossoperator.io_accesskeys.yaml"} {
			raw, err := os.ReadFile(filepath.Join("..", "config", "crd", "bases", file))
			Expect(err).NotTo(HaveOccurred())
			crd := &apiextensionsv1.CustomResourceDefinition{}
			Expect(yaml.Unmarshal(raw, crd)).To(Succeed())
			Expect(crd.Spec.Names.ShortNames).To(HaveLen(1))
			Expect(crd.Spec.Names.Categories).To(ContainElement("oss"))
			Expect(crd.Spec.Scope).To(Equal(apiextensionsv1.NamespaceScoped))
			var undocumented, unworded []string
			var walk func(path string, p apiextensionsv1.JSONSchemaProps)
			walk = func(path string, p apiextensionsv1.JSONSchemaProps) {
				// In the spec, allowed values and shapes are CEL rules with a message in words: an enum
				// would also print "some validation rules were not checked", a pattern or a format a
				// bare regular expression or type name.
				if strings.HasPrefix(path, ".spec") && (len(p.Enum) > 0 || p.Pattern != "" || (p.Type == "string" && p.Format != "")) {
					unworded = append(unworded, path)
				}
				for name, child := range p.Properties {
					if child.Description == "" && path != "" {
						undocumented = append(undocumented, path+"."+name)
					}
					walk(path+"."+name, child)
				}
				if p.Items != nil && p.Items.Schema != nil {
					walk(path+"[]", *p.Items.Schema)
				}
			}
			schema := crd.Spec.Versions[0].Schema.OpenAPIV3Schema
			walk("", apiextensionsv1.JSONSchemaProps{Properties: map[string]apiextensionsv1.JSONSchemaProps{
				"spec": schema.Properties["spec"], "status": schema.Properties["status"]}})
			Expect(undocumented).To(BeEmpty(), "%s: fields without a description", file)
			Expect(unworded).To(BeEmpty(), "%s: spec fields with an enum, pattern or format instead of a CEL rule with a message", file)
			Expect(crd.Spec.Versions[0].AdditionalPrinterColumns).NotTo(BeEmpty())
		}
	})
})

// An issued AccessKey's grants, prefixes and rotation are checked at admission, with the field named.
var _ = Describe("Admission of issued AccessKeys", func() {
	var ns string
	BeforeEach(func() { ns = newNamespace() })

	issued := func(mutate func(*ossv1.IssueSpec)) *ossv1.AccessKey {
		ak := &ossv1.AccessKey{
			ObjectMeta: metav1.ObjectMeta{Namespace: ns, Name: "app"},
			Spec: ossv1.AccessKeySpec{SecretRef: ossv1.SecretReference{Name: "app-oss"}, Region: "cn-hangzhou", Issue: &ossv1.IssueSpec{
				IssuerRef: ossv1.AccessKeyReference{Name: "admin"},
				Grants:    []ossv1.Grant{{BucketRef: ossv1.LocalBucketReference{Name: "b"}, Access: ossv1.AccessReadWrite}},
			}},
		}
		mutate(ak.Spec.Issue)
		return ak
	}
	grants := func(n int, prefix string) []ossv1.Grant {
		var gs []ossv1.Grant
		for i := 0; i < n; i++ {
			gs = append(gs, ossv1.Grant{BucketRef: ossv1.LocalBucketReference{Name: "b"}, Access: ossv1.AccessReadOnly, Prefix: prefix})
		}
		return gs
	}

	DescribeTable("refuses", func(mutate func(*ossv1.IssueSpec), message string) {
		expectRefusal(k8s.Create(ctx, issued(mutate)), message)
	},
		Entry("grants whose policy could exceed RAM's limit", func(s *ossv1.IssueSpec) { s.Grants = grants(4, strings.Repeat("p", 30)) },
			"spec.issue.grants: Invalid value: these grants could make a RAM policy longer than RAM's limit of 2,048 characters"),
		Entry("an unknown access level", func(s *ossv1.IssueSpec) { s.Grants[0].Access = "Write" },
			`spec.issue.grants[0].access: Invalid value: "Write": must be ReadOnly, ReadWrite or Admin`),
		Entry("a prefix with a wildcard", func(s *ossv1.IssueSpec) { s.Grants[0].Prefix = "up*" },
			"spec.issue.grants[0].prefix: Invalid value: \"up*\": must be printable ASCII without '*', '?'"),
		Entry("a prefix with a leading slash", func(s *ossv1.IssueSpec) { s.Grants[0].Prefix = "/up" }, "must not start with '/'"),
		Entry("an overlap as long as the period", func(s *ossv1.IssueSpec) {
			s.Rotation = &ossv1.Rotation{Period: metav1.Duration{Duration: time.Hour}, Overlap: &metav1.Duration{Duration: time.Hour}}
		}, "spec.issue.rotation.overlap: Invalid value: overlap must be shorter than period"),
		Entry("a period under an hour", func(s *ossv1.IssueSpec) { s.Rotation = &ossv1.Rotation{Period: metav1.Duration{Duration: time.Minute}} },
			"spec.issue.rotation.period: Invalid value: \"1m0s\": must be at least 1h"),
		Entry("no grants", func(s *ossv1.IssueSpec) { s.Grants = nil }, "spec.issue.grants: Required value"),
	)

	It("admits the most grants that fit", func() {
		Expect(k8s.Create(ctx, issued(func(s *ossv1.IssueSpec) { s.Grants = grants(9, "") }))).To(Succeed())
		ak := issued(func(s *ossv1.IssueSpec) { s.Grants = grants(4, strings.Repeat("p", 8)) })
		ak.Name = "app2"
		Expect(k8s.Create(ctx, ak)).To(Succeed(), "4 grants with 8-character prefixes count 1,444 of 1,448")
	})
})

var _ = Describe("Changing an issued AccessKey", func() {
	// refused applies mutate to the latest version (the operator adds its finalizer meanwhile) and
	// returns the API server's refusal.
	refused := func(ak *ossv1.AccessKey, mutate func(*ossv1.AccessKey)) func() string {
		return func() string {
			Expect(k8s.Get(ctx, client.ObjectKeyFromObject(ak), ak)).To(Succeed())
			mutate(ak)
			if err := k8s.Update(ctx, ak); err != nil {
				return err.Error()
			}
			return "updated"
		}
	}

	It("refuses adding or removing spec.issue, and another issuer", func() {
		ns := newNamespace()
		reading := createAccessKey(ns, "reading", "reading")
		Eventually(refused(reading, func(ak *ossv1.AccessKey) {
			ak.Spec.Issue = &ossv1.IssueSpec{IssuerRef: ossv1.AccessKeyReference{Name: "admin"},
				Grants: []ossv1.Grant{{BucketRef: ossv1.LocalBucketReference{Name: "b"}, Access: ossv1.AccessReadOnly}}}
		})).Should(ContainSubstring("spec.issue: Forbidden: spec.issue cannot be added or removed"))

		issued := createAccessKey(ns, "issued", "issued-oss", func(ak *ossv1.AccessKey) {
			ak.Spec.Issue = &ossv1.IssueSpec{IssuerRef: ossv1.AccessKeyReference{Name: "admin"},
				Grants: []ossv1.Grant{{BucketRef: ossv1.LocalBucketReference{Name: "b"}, Access: ossv1.AccessReadOnly}}}
		})
		Eventually(refused(issued, func(ak *ossv1.AccessKey) { ak.Spec.Issue.IssuerRef.Name = "other-admin" })).
			Should(ContainSubstring("spec.issue.issuerRef: Forbidden: spec.issue.issuerRef cannot change"))
		Eventually(refused(issued, func(ak *ossv1.AccessKey) { ak.Spec.Issue = nil })).
			Should(ContainSubstring("spec.issue: Forbidden: spec.issue cannot be added or removed"))
	})
})
