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
	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"
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
		Entry("spec.name too long", "ok-name", func(b *ossv1.Bucket) { b.Spec.Name = strings.Repeat("a", 64) },
			`spec.name: Invalid value: "`+strings.Repeat("a", 64)+`": must be at most 63 characters`),
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
// (enum, maxLength, maxItems, maxProperties, required, type). The CRDs avoid enum; they say "required"
// with CEL rules (has(self.x), reason FieldValueRequired), except where Kubernetes needs the OpenAPI
// list: the key of a keyed list (a lifecycle rule's id) and the root's spec; and they bound the length
// of a string that is not inside a list with a CEL rule (size(self) <= n). maxItems, maxProperties and
// the maxLength of strings inside lists bound the CEL rules' cost (a list's rules cost as much as the
// list can hold), so they keep it.
const notChecked = "some validation rules were not checked"

// expectRefusal checks that err is a refusal naming message (path and words), and that the API server did
// not skip the CEL rules unless an OpenAPI check that blocks them (maxLength, ...) failed: the message is
// then the OpenAPI one, "<path>: Too long: ...", "<path>: Required value" or "<path>: Too many: ...".
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

// A field left out of a manifest is refused with one message at its path, saying what it takes, and the
// API server still checks every other rule: no "some validation rules were not checked".
var _ = Describe("Admission of a manifest missing a field", func() {
	var ns string
	BeforeEach(func() { ns = newNamespace() })

	DescribeTable("refuses it with one message",
		func(kind, spec, message string) {
			specMap := map[string]any{}
			Expect(yaml.Unmarshal([]byte(spec), &specMap)).To(Succeed())
			obj := &unstructured.Unstructured{Object: map[string]any{"spec": specMap}}
			obj.SetGroupVersionKind(ossv1.GroupVersion.WithKind(kind))
			obj.SetNamespace(ns)
			obj.SetName(unique("missing"))
			err := k8s.Create(ctx, obj)
			Expect(err).To(HaveOccurred())
			Expect(err.Error()).To(ContainSubstring(message))
			Expect(err.Error()).NotTo(ContainSubstring(notChecked))
			Expect(apierrors.ReasonForError(err)).To(Equal(metav1.StatusReasonInvalid))
			Expect(err.(apierrors.APIStatus).Status().Details.Causes).To(HaveLen(1), "one missing field, one message")
		},
		Entry("a Bucket without accessKeyRef", "Bucket", `{}`,
			"spec.accessKeyRef: Required value: spec.accessKeyRef is required: the AccessKey whose credentials manage the bucket, as {name: <AccessKey>}"),
		Entry("an accessKeyRef without name", "Bucket", `{accessKeyRef: {}}`,
			"spec.accessKeyRef.name: Required value: name is required: the name of an AccessKey"),
		Entry("lifecycle without rules", "Bucket", `{accessKeyRef: {name: k}, lifecycle: {}}`,
			"spec.lifecycle.rules: Required value: spec.lifecycle.rules is required: the lifecycle rules, or [] to remove every rule"),
		Entry("a transition without storageClass", "Bucket", `{accessKeyRef: {name: k}, lifecycle: {rules: [{id: r, transitions: [{days: 30}]}]}}`,
			"spec.lifecycle.rules[0].transitions[0].storageClass: Required value: storageClass is required: IA, Archive, ColdArchive or DeepColdArchive"),
		Entry("a transition without days", "Bucket", `{accessKeyRef: {name: k}, lifecycle: {rules: [{id: r, transitions: [{storageClass: IA}]}]}}`,
			"spec.lifecycle.rules[0].transitions[0].days: Required value: days is required"),
		Entry("noncurrentVersionExpiration without noncurrentDays", "Bucket", `{accessKeyRef: {name: k}, lifecycle: {rules: [{id: r, noncurrentVersionExpiration: {}}]}}`,
			"spec.lifecycle.rules[0].noncurrentVersionExpiration.noncurrentDays: Required value: noncurrentDays is required"),
		Entry("an exclusion without prefix", "Bucket", `{accessKeyRef: {name: k}, lifecycle: {rules: [{id: r, expiration: {days: 1}, filter: {not: [{}]}}]}}`,
			"spec.lifecycle.rules[0].filter.not[0].prefix: Required value: prefix is required"),
		Entry("an exclusion's tag without key", "Bucket", `{accessKeyRef: {name: k}, lifecycle: {rules: [{id: r, expiration: {days: 1}, filter: {not: [{prefix: a/, tag: {value: v}}]}}]}}`,
			"spec.lifecycle.rules[0].filter.not[0].tag.key: Required value: key is required"),
		Entry("cors without rules", "Bucket", `{accessKeyRef: {name: k}, cors: {}}`,
			"spec.cors.rules: Required value: spec.cors.rules is required: the CORS rules, or [] to remove them"),
		Entry("a CORS rule without allowedMethods", "Bucket", `{accessKeyRef: {name: k}, cors: {rules: [{allowedOrigins: ["*"]}]}}`,
			"spec.cors.rules[0].allowedMethods: Required value: allowedMethods is required: one or more of GET, PUT, POST, DELETE and HEAD"),
		Entry("a CORS rule without allowedOrigins", "Bucket", `{accessKeyRef: {name: k}, cors: {rules: [{allowedMethods: [GET]}]}}`,
			"spec.cors.rules[0].allowedOrigins: Required value: allowedOrigins is required"),
		Entry("an index document without suffix", "Bucket", `{accessKeyRef: {name: k}, website: {indexDocument: {}}}`,
			"spec.website.indexDocument.suffix: Required value: suffix is required: the index page's name, for example index.html"),
		Entry("an error document without key", "Bucket", `{accessKeyRef: {name: k}, website: {indexDocument: {suffix: index.html}, errorDocument: {}}}`,
			"spec.website.errorDocument.key: Required value: key is required: the error page's object key"),
		Entry("an AccessKey without region", "AccessKey", `{secretRef: {name: s}}`,
			"spec.region: Required value: spec.region is required: the OSS region ID, for example cn-hangzhou"),
		Entry("a secretRef without name", "AccessKey", `{secretRef: {}, region: cn-hangzhou}`,
			"spec.secretRef.name: Required value: name is required: the name of a Secret of the AccessKey's namespace"),
		Entry("issue without issuerRef", "AccessKey", `{secretRef: {name: s}, region: cn-hangzhou, issue: {grants: [{bucketRef: {name: b}, access: ReadOnly}]}}`,
			"spec.issue.issuerRef: Required value: spec.issue.issuerRef is required"),
		Entry("issue without grants", "AccessKey", `{secretRef: {name: s}, region: cn-hangzhou, issue: {issuerRef: {name: a}}}`,
			"spec.issue.grants: Required value: spec.issue.grants is required"),
		Entry("a grant without access", "AccessKey", `{secretRef: {name: s}, region: cn-hangzhou, issue: {issuerRef: {name: a}, grants: [{bucketRef: {name: b}}]}}`,
			"spec.issue.grants[0].access: Required value: access is required: ReadOnly, ReadWrite or Admin"),
		Entry("a grant without bucketRef", "AccessKey", `{secretRef: {name: s}, region: cn-hangzhou, issue: {issuerRef: {name: a}, grants: [{access: ReadOnly}]}}`,
			"spec.issue.grants[0].bucketRef: Required value: bucketRef is required"),
		Entry("a bucketRef without name", "AccessKey", `{secretRef: {name: s}, region: cn-hangzhou, issue: {issuerRef: {name: a}, grants: [{bucketRef: {}, access: ReadOnly}]}}`,
			"spec.issue.grants[0].bucketRef.name: Required value: name is required: the name of a Bucket of this namespace"),
		Entry("a rotation without period", "AccessKey", `{secretRef: {name: s}, region: cn-hangzhou, issue: {issuerRef: {name: a}, grants: [{bucketRef: {name: b}, access: ReadOnly}], rotation: {overlap: 1h}}}`,
			"spec.issue.rotation.period: Required value: period is required"),
		Entry("assumeRole without roleArn", "AccessKey", `{region: cn-hangzhou, assumeRole: {sourceRef: {name: a}}}`,
			"spec.assumeRole.roleArn: Required value: spec.assumeRole.roleArn is required"),
		Entry("assumeRole without sourceRef", "AccessKey", `{region: cn-hangzhou, assumeRole: {roleArn: "acs:ram::1:role/r"}}`,
			"spec.assumeRole.sourceRef: Required value: spec.assumeRole.sourceRef is required"),
	)
})

// A string over its length is refused with one message, without "some validation rules were not
// checked": the other mistakes of the same object are reported with it. The long ones are not quoted back.
var _ = Describe("Admission of a string over its length", func() {
	It("says the limit at the field's path, checks the other rules, and does not quote a long value back", func() {
		ns := newNamespace()
		long := strings.Repeat("p", 1025)
		err := k8s.Create(ctx, newBucket(ns, "too-long", func(b *ossv1.Bucket) {
			b.Spec.Website = &ossv1.Website{IndexDocument: &ossv1.IndexDocument{Suffix: long}}
			b.Spec.Region = "Hangzhou"
		}))
		Expect(err).To(HaveOccurred())
		Expect(err.Error()).To(ContainSubstring("spec.website.indexDocument.suffix: Invalid value: suffix must be at most 1024 characters"))
		Expect(err.Error()).To(ContainSubstring(`spec.region: Invalid value: "Hangzhou": must be a region ID`), "the other rules are checked too")
		Expect(err.Error()).NotTo(ContainSubstring(long))
		Expect(err.Error()).NotTo(ContainSubstring(notChecked))

		err = k8s.Create(ctx, &ossv1.AccessKey{ObjectMeta: metav1.ObjectMeta{Namespace: ns, Name: "too-long"}, Spec: ossv1.AccessKeySpec{
			SecretRef: ossv1.SecretReference{Name: "s"}, Region: "cn-" + strings.Repeat("a", 61), Internal: true, Endpoint: "https://oss.example.com"}})
		Expect(err).To(HaveOccurred())
		Expect(err.Error()).To(ContainSubstring("spec.region: Invalid value: \"cn-" + strings.Repeat("a", 61) + "\": must be at most 63 characters"))
		Expect(err.Error()).To(ContainSubstring("spec.internal: Forbidden: spec.internal cannot be combined with spec.endpoint"), "the other rules are checked too")
		Expect(err.Error()).NotTo(ContainSubstring(notChecked))
	})
})

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

// A Bucket's object and map settings are atomic for server-side apply, so that `kubectl apply
// --server-side` of `tags: {}` or `encryption: {}` is stored as written (granular ownership would leave
// null, which the schema refuses), and nothing inside them has a default, which would make a server-side
// apply of an unchanged manifest by another field manager conflict on the whole setting.
var _ = Describe("The Bucket CRD's settings", func() {
	It("are atomic for server-side apply, without defaults inside", func() {
		raw, err := os.ReadFile(filepath.Join("..", "config", "crd", "bases", "oss.ossoperator.io_buckets.yaml"))
		Expect(err).NotTo(HaveOccurred())
		crd := &apiextensionsv1.CustomResourceDefinition{}
		Expect(yaml.Unmarshal(raw, crd)).To(Succeed())
		var defaulted func(path string, p apiextensionsv1.JSONSchemaProps) []string
		defaulted = func(path string, p apiextensionsv1.JSONSchemaProps) (found []string) {
			if p.Default != nil {
				found = append(found, path)
			}
			for name, child := range p.Properties {
				found = append(found, defaulted(path+"."+name, child)...)
			}
			if p.Items != nil && p.Items.Schema != nil {
				found = append(found, defaulted(path+"[]", *p.Items.Schema)...)
			}
			return found
		}
		for name, p := range crd.Spec.Versions[0].Schema.OpenAPIV3Schema.Properties["spec"].Properties {
			if p.Type != "object" || name == "accessKeyRef" {
				continue
			}
			Expect(p.XMapType).To(HaveValue(Equal("atomic")), "spec.%s: x-kubernetes-map-type", name)
			Expect(defaulted("spec."+name, p)).To(BeEmpty(), "defaults inside an atomic setting")
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
		Entry("no grants", func(s *ossv1.IssueSpec) { s.Grants = nil },
			"spec.issue.grants: Required value: spec.issue.grants is required: at least one grant, as {bucketRef: {name: <Bucket>}, access: ReadOnly, ReadWrite or Admin}"),
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
