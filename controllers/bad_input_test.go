package controllers_test

import (
	"time"

	. "github.com/onsi/ginkgo/v2"
	. "github.com/onsi/gomega"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"

	ossv1 "github.com/ossoperator/oss-operator/api/v1alpha1"
	"github.com/ossoperator/oss-operator/ossapi"
	"github.com/ossoperator/oss-operator/ossapi/osstest"
)

// Careless or hostile input at run time ends in a clear condition, never a panic or a hot loop.
var _ = Describe("Bad input at run time", func() {
	var ns string
	BeforeEach(func() { ns = newNamespace() })

	DescribeTable("a Secret with garbage credentials makes the AccessKey Stalled",
		func(data map[string]string, reason string) {
			createSecret(ns, "garbage", data)
			ak := createAccessKey(ns, "garbage", "garbage")
			expectCondition(ak, ossv1.ConditionStalled, metav1.ConditionTrue, reason)
		},
		Entry("binary key ID", map[string]string{"accessKeyId": "\x00\x01\xff", "accessKeySecret": "x"}, ossv1.ReasonInvalidAccessKeyID),
		Entry("whitespace only", map[string]string{"accessKeyId": "   ", "accessKeySecret": "\n\t"}, ossv1.ReasonSecretKeyMissing),
		Entry("a huge binary secret", map[string]string{"accessKeyId": keyA1, "accessKeySecret": string(make([]byte, 64<<10))}, ossv1.ReasonSignatureDoesNotMatch),
		Entry("a token with a newline", map[string]string{"accessKeyId": stsKey, "accessKeySecret": stsSecret, "securityToken": "tok\nen"}, ossv1.ReasonInvalidSecurityToken),
		Entry("unrelated keys", map[string]string{"username": "u", "password": "p"}, ossv1.ReasonSecretKeyMissing),
		Entry("an unknown key with newlines", map[string]string{"accessKeyId": "LTAI\nInjected: header", "accessKeySecret": "s"}, ossv1.ReasonInvalidAccessKeyID),
	)

	DescribeTable("a broken OSS answer ends in a clear condition with bounded retries",
		func(fault osstest.Fault, condition, reason string) {
			acct = newAccountAccessKey(ns)
			remove := emu.InjectFault(fault)
			defer remove()
			name := unique("broken")
			b := createBucket(ns, name)
			expectCondition(b, condition, metav1.ConditionTrue, reason)
			// Measure the retry rate over three seconds: backoff, not a hot loop.
			start := acct.calls()[ossapi.OpGetBucketInfo]
			Consistently(func() int { return acct.calls()[ossapi.OpGetBucketInfo] - start }).
				WithTimeout(3 * time.Second).WithPolling(100 * time.Millisecond).Should(BeNumerically("<=", 30))
		},
		Entry("an HTML error page from a proxy", osstest.Fault{Operation: ossapi.OpGetBucketInfo, Status: 502, Body: "<html><body>502 Bad Gateway</body></html>"},
			ossv1.ConditionReconciling, ossv1.ReasonOSSUnavailable),
		Entry("malformed XML in a 200", osstest.Fault{Operation: ossapi.OpGetBucketInfo, Status: 200, Body: "<BucketInfo><Bucket><Name>x</Nam"},
			ossv1.ConditionReconciling, ossv1.ReasonOSSUnavailable),
		Entry("a truncated error body", osstest.Fault{Operation: ossapi.OpGetBucketInfo, Status: 500, Body: "<Error><Code>Interna"},
			ossv1.ConditionReconciling, ossv1.ReasonOSSUnavailable),
		Entry("an unknown error code", osstest.Fault{Operation: ossapi.OpGetBucketInfo, Status: 400, Code: "SomethingNewInOSS", Message: "new"},
			ossv1.ConditionStalled, ossv1.ReasonOSSRejected),
		Entry("connection resets", osstest.Fault{Operation: ossapi.OpGetBucketInfo, Reset: true},
			ossv1.ConditionReconciling, ossv1.ReasonOSSUnavailable),
	)
})
