package controllers_test

import (
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"slices"
	"strings"
	"time"

	. "github.com/onsi/ginkgo/v2"
	. "github.com/onsi/gomega"
	corev1 "k8s.io/api/core/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/client-go/tools/clientcmd"
	clientcmdapi "k8s.io/client-go/tools/clientcmd/api"
	"sigs.k8s.io/controller-runtime/pkg/client"

	ossv1 "github.com/ossoperator/oss-operator/api/v1alpha1"
	"github.com/ossoperator/oss-operator/ossapi/osstest"
)

// What a person sees with the kubectl the suite's control plane was built with: the CRDs' printer
// columns, admission messages and kubectl explain, read from kubectl's own output; and what kubectl
// apply, apply --server-side and patch do to a Bucket's settings, and through the operator to OSS.
var _ = Describe("Seen with kubectl", func() {
	var kubeconfig string
	BeforeEach(func() {
		kc := clientcmdapi.NewConfig()
		kc.Clusters["envtest"] = &clientcmdapi.Cluster{Server: restCfg.Host, CertificateAuthorityData: restCfg.CAData}
		kc.AuthInfos["admin"] = &clientcmdapi.AuthInfo{ClientCertificateData: restCfg.CertData, ClientKeyData: restCfg.KeyData, Token: restCfg.BearerToken}
		kc.Contexts["envtest"] = &clientcmdapi.Context{Cluster: "envtest", AuthInfo: "admin"}
		kc.CurrentContext = "envtest"
		kubeconfig = filepath.Join(GinkgoT().TempDir(), "kubeconfig")
		Expect(clientcmd.WriteToFile(*kc, kubeconfig)).To(Succeed())
	})
	kubectl := func(stdin string, args ...string) (string, error) {
		GinkgoHelper()
		cmd := exec.Command(filepath.Join(os.Getenv("KUBEBUILDER_ASSETS"), "kubectl"), append([]string{"--kubeconfig", kubeconfig}, args...)...)
		cmd.Stdin = strings.NewReader(stdin)
		out, err := cmd.CombinedOutput()
		return string(out), err
	}
	// table runs `kubectl get` and returns its rows by NAME, each a map from header to cell.
	table := func(g Gomega, args ...string) (headers []string, rows map[string]map[string]string) {
		out, err := kubectl("", append([]string{"get"}, args...)...)
		g.Expect(err).NotTo(HaveOccurred(), out)
		headers, rows = parseTable(out)
		return headers, rows
	}

	It("shows what -o wide adds for a Ready Bucket and AccessKeys, and a refused Bucket's field and what it allows", func() {
		ns := newNamespace()
		readyAccessKey(ns)

		// An AccessKey with temporary credentials: a ServiceAccount's token exchanged for a role.
		provider := clusterIssuer(unique("kubectl"))
		role := emu.AddRole(accountA, osstest.Role{
			Name:        unique("kubectl-oss"),
			TrustedOIDC: &osstest.RoleOIDCTrust{Provider: provider[strings.LastIndex(provider, "/")+1:], Subjects: []string{"system:serviceaccount:" + ns + ":oss-buckets"}},
			Policies:    []string{bucketsPolicy("none-")},
		})
		Expect(k8s.Create(ctx, &corev1.ServiceAccount{ObjectMeta: metav1.ObjectMeta{Namespace: ns, Name: "oss-buckets"}})).To(Succeed())
		session := createAccessKey(ns, "session", "", func(ak *ossv1.AccessKey) {
			ak.Spec.SecretRef = ossv1.SecretReference{}
			ak.Spec.OIDC = &ossv1.OIDCSpec{RoleArn: role, ProviderArn: provider, ServiceAccountName: "oss-buckets"}
		})
		expectCondition(session, ossv1.ConditionReady, metav1.ConditionTrue, ossv1.ReasonReady)

		b := createBucket(ns, unique("wide"), func(b *ossv1.Bucket) { b.Spec.StorageClass = "IA"; b.Spec.Versioning = "Enabled" })
		expectCondition(b, ossv1.ConditionReady, metav1.ConditionTrue, ossv1.ReasonReady)

		By("kubectl get buckets keeps its columns; -o wide adds storage class, versioning, URL and the Ready message")
		headers, _ := table(Default, "buckets", "-n", ns)
		Expect(headers).To(Equal([]string{"NAME", "BUCKET", "REGION", "READY", "REASON", "AGE"}))
		Eventually(func(g Gomega) {
			headers, rows := table(g, "buckets", "-n", ns, "-o", "wide")
			g.Expect(headers).To(Equal([]string{"NAME", "BUCKET", "REGION", "READY", "REASON", "AGE", "STORAGE CLASS", "VERSIONING", "URL", "MESSAGE"}))
			g.Expect(k8s.Get(ctx, client.ObjectKeyFromObject(b), b)).To(Succeed())
			ready := conditionOf(b, ossv1.ConditionReady)
			g.Expect(b.Status.URL).NotTo(BeEmpty())
			g.Expect(ready.Message).NotTo(BeEmpty())
			g.Expect(rows).To(HaveKeyWithValue(b.Name, And(
				HaveKeyWithValue("BUCKET", b.Name), HaveKeyWithValue("READY", "True"), HaveKeyWithValue("REASON", "Ready"),
				HaveKeyWithValue("STORAGE CLASS", "IA"), HaveKeyWithValue("VERSIONING", "Enabled"),
				HaveKeyWithValue("URL", b.Status.URL), HaveKeyWithValue("MESSAGE", ready.Message))))
		}).Should(Succeed())

		By("kubectl get accesskeys -o wide adds the key ID, the session's expiry and the Ready message")
		headers, _ = table(Default, "accesskeys", "-n", ns)
		Expect(headers).To(Equal([]string{"NAME", "REGION", "ACCOUNT", "READY", "REASON", "AGE"}))
		Eventually(func(g Gomega) {
			headers, rows := table(g, "accesskeys", "-n", ns, "-o", "wide")
			g.Expect(headers).To(Equal([]string{"NAME", "REGION", "ACCOUNT", "READY", "REASON", "AGE", "KEY ID", "EXPIRES", "MESSAGE"}))
			creds := &ossv1.AccessKey{}
			g.Expect(k8s.Get(ctx, client.ObjectKey{Namespace: ns, Name: "creds"}, creds)).To(Succeed())
			g.Expect(rows).To(HaveKeyWithValue("creds", And(
				HaveKeyWithValue("ACCOUNT", accountA), HaveKeyWithValue("READY", "True"),
				HaveKeyWithValue("KEY ID", keyA1), HaveKeyWithValue("EXPIRES", ""), // a key that does not expire: blank
				HaveKeyWithValue("MESSAGE", conditionOf(creds, ossv1.ConditionReady).Message))))
			g.Expect(k8s.Get(ctx, client.ObjectKeyFromObject(session), session)).To(Succeed())
			g.Expect(session.Status.Session).NotTo(BeNil())
			g.Expect(session.Status.AccessKeyID).To(HavePrefix("STS."))
			g.Expect(rows).To(HaveKeyWithValue("session", And(
				HaveKeyWithValue("ACCOUNT", accountA), HaveKeyWithValue("READY", "True"),
				HaveKeyWithValue("KEY ID", session.Status.AccessKeyID),
				HaveKeyWithValue("EXPIRES", session.Status.Session.Expiration.UTC().Format(time.RFC3339)),
				HaveKeyWithValue("MESSAGE", conditionOf(session, ossv1.ConditionReady).Message))))
		}).Should(Succeed())

		By("kubectl apply of an invalid Bucket names the field and says what is allowed")
		out, err := kubectl(`apiVersion: oss.ossoperator.io/v1alpha1
kind: Bucket
metadata:
  name: refused
  namespace: `+ns+`
spec:
  accessKeyRef: {name: creds}
  encryption: {algorithm: AES256, kmsKeyId: my-key}
`, "apply", "-f", "-")
		Expect(err).To(HaveOccurred(), out)
		Expect(out).To(ContainSubstring(`The Bucket "refused" is invalid: spec.encryption.kmsKeyId: Forbidden: spec.encryption.kmsKeyId is only allowed with algorithm KMS`))
		Expect(apierrors.IsNotFound(k8s.Get(ctx, client.ObjectKey{Namespace: ns, Name: "refused"}, &ossv1.Bucket{}))).To(BeTrue())

		By("kubectl apply of a Bucket missing a field and with a name too long: one line each, every rule checked")
		out, err = kubectl(`apiVersion: oss.ossoperator.io/v1alpha1
kind: Bucket
metadata:
  name: incomplete
  namespace: `+ns+`
spec:
  name: `+strings.Repeat("b", 64)+`
  lifecycle:
    rules:
    - {id: old, transitions: [{days: 30}]}
`, "apply", "-f", "-")
		Expect(err).To(HaveOccurred(), out)
		Expect(out).To(ContainSubstring(`The Bucket "incomplete" is invalid:`))
		Expect(out).To(ContainSubstring("* spec.accessKeyRef: Required value: spec.accessKeyRef is required: the AccessKey whose credentials manage the bucket, as {name: <AccessKey>}"))
		Expect(out).To(ContainSubstring(`* spec.name: Invalid value: "` + strings.Repeat("b", 64) + `": must be at most 63 characters`))
		Expect(out).To(ContainSubstring("* spec.lifecycle.rules[0].transitions[0].storageClass: Required value: storageClass is required: IA, Archive, ColdArchive or DeepColdArchive"))
		Expect(strings.Count(out, "\n* ")).To(Equal(3), out)
		Expect(out).NotTo(ContainSubstring("some validation rules were not checked"))
	})
	It("explains the API to kubectl explain: every field described, paragraphs wrapped once, no implementation notes", func() {
		explain := func(field string) (description []string, fields map[string][]string) {
			GinkgoHelper()
			out, err := kubectl("", "explain", field)
			Expect(err).NotTo(HaveOccurred(), out)
			description, fields = parseExplain(out)
			Expect(description).NotTo(BeEmpty(), "kubectl explain %s has no description:\n%s", field, out)
			return description, fields
		}
		// wrappedOnce fails when a line of a description ends before kubectl's width although the next
		// word would have fit: a line break of the doc comment, which kubectl keeps after wrapping the
		// line itself.
		wrappedOnce := func(what string, lines []string) {
			GinkgoHelper()
			for i := 0; i+1 < len(lines); i++ {
				next := strings.Fields(lines[i+1])
				if strings.TrimSpace(lines[i]) == "" || len(next) == 0 || strings.HasPrefix(strings.TrimSpace(lines[i+1]), "- ") {
					continue // a paragraph's or a list item's end
				}
				Expect(len(lines[i])+1+len(next[0])).To(BeNumerically(">", explainWidth),
					"%s: a line break kubectl did not make, after %q (before %q)", what, lines[i], lines[i+1])
			}
		}
		for _, field := range []string{"buckets", "buckets.spec", "buckets.status", "accesskeys", "accesskeys.spec", "accesskeys.status",
			"buckets.spec.lifecycle.rules[]", "buckets.status.settings", "accesskeys.spec.issue", "accesskeys.status.issued"} {
			description, fields := explain(strings.TrimSuffix(field, "[]"))
			wrappedOnce(field, description)
			for name, lines := range fields {
				Expect(strings.Join(lines, "")).NotTo(BeEmpty(), "kubectl explain %s: field %s has no description", field, name)
				wrappedOnce(field+"."+name, lines)
			}
		}

		By("the status says what the user sees, not how the operator works")
		for _, field := range []string{"buckets.status", "accesskeys.status"} {
			description, fields := explain(field)
			text := strings.Join(description, " ")
			for _, lines := range fields {
				text += " " + strings.Join(lines, " ")
			}
			for _, implementation := range []string{"restart", "GitOps", "recorded before", "swapped"} {
				Expect(text).NotTo(ContainSubstring(implementation), "kubectl explain %s", field)
			}
		}
		_, fields := explain("buckets.status")
		Expect(strings.Join(fields["createdBucket"], " ")).To(ContainSubstring("Empty when the Bucket took over a bucket that already existed"))

		By("a list's own description and its items' description are paragraphs of their own")
		for field, items := range map[string]string{
			"buckets.spec.lifecycle.rules": "LifecycleRule is one lifecycle rule.",
			"buckets.status.conditions":    "Condition contains details",
			"accesskeys.spec.issue.grants": "Grant gives the issued key access",
			"buckets.spec.cors.rules":      "CORSRule allows cross-origin requests.",
			"buckets.status.settings":      "SettingStatus says whether OSS holds",
		} {
			description, _ := explain(field)
			i := slices.IndexFunc(description, func(l string) bool { return strings.Contains(l, items) })
			Expect(i).To(BeNumerically(">", 0), "kubectl explain %s: no %q after the list's description:\n%s", field, items, strings.Join(description, "\n"))
			Expect(strings.TrimSpace(description[i-1])).To(BeEmpty(), "kubectl explain %s: the items' description is glued to the list's:\n%s", field, strings.Join(description, "\n"))
		}
	})

	It("removes a tag, and every tag, the ways the README says: kubectl apply, kubectl apply --server-side and kubectl patch", func() {
		ns := newNamespace()
		readyAccessKey(ns)
		manifest := func(name, settings string) string {
			return "apiVersion: oss.ossoperator.io/v1alpha1\nkind: Bucket\nmetadata:\n  name: " + name + "\n  namespace: " + ns +
				"\nspec:\n  accessKeyRef: {name: creds}\n" + settings
		}
		apply := func(name, settings string, flags ...string) {
			GinkgoHelper()
			out, err := kubectl(manifest(name, settings), append([]string{"apply", "-f", "-"}, flags...)...)
			Expect(err).NotTo(HaveOccurred(), out)
		}
		patch := func(name, typ, p string) string {
			GinkgoHelper()
			out, err := kubectl("", "patch", "bucket", name, "-n", ns, "--type", typ, "-p", p)
			Expect(err).NotTo(HaveOccurred(), out)
			return out
		}
		// settled waits until the operator has acted on the Bucket's latest spec, and returns the spec.
		settled := func(name string) ossv1.BucketSpec {
			GinkgoHelper()
			b := &ossv1.Bucket{}
			Eventually(func(g Gomega) {
				g.Expect(k8s.Get(ctx, client.ObjectKey{Namespace: ns, Name: name}, b)).To(Succeed())
				g.Expect(b.Status.ObservedGeneration).To(Equal(b.Generation))
				g.Expect(conditionOf(b, ossv1.ConditionReady)).To(HaveField("Status", metav1.ConditionTrue))
			}).Should(Succeed())
			return b.Spec
		}
		// ossTags are the bucket's tags in OSS, without the operator's ownership tag.
		ossTags := func(name string) map[string]string {
			got, ok := bucketState(name)
			Expect(ok).To(BeTrue(), "bucket %s is not in OSS", name)
			tags := map[string]string{}
			for k, v := range got.Tags {
				if k != ossv1.OwnershipTagKey {
					tags[k] = v
				}
			}
			return tags
		}

		By("kubectl apply: deleting one key from the manifest removes that tag")
		csa := unique("csa")
		apply(csa, "  tags: {team: data, env: dev}\n  encryption: {algorithm: AES256}\n")
		settled(csa)
		Expect(ossTags(csa)).To(Equal(map[string]string{"team": "data", "env": "dev"}))
		apply(csa, "  tags: {team: data}\n  encryption: {algorithm: AES256}\n")
		settled(csa)
		Expect(ossTags(csa)).To(Equal(map[string]string{"team": "data"}))

		By("kubectl apply: deleting the whole tags block leaves the tags in OSS, unmanaged")
		apply(csa, "  encryption: {algorithm: AES256}\n")
		Expect(settled(csa).Tags).To(BeNil())
		Expect(ossTags(csa)).To(Equal(map[string]string{"team": "data"}))

		By("kubectl apply: tags: {} and encryption: {} remove every tag and the encryption")
		apply(csa, "  tags: {}\n  encryption: {}\n")
		spec := settled(csa)
		Expect(spec.Tags).To(BeEmpty())
		Expect(spec.Tags).NotTo(BeNil(), "tags: {} must stay in the spec")
		Expect(spec.Encryption).To(Equal(&ossv1.Encryption{}))
		Eventually(func() map[string]string { return ossTags(csa) }).Should(BeEmpty())
		Eventually(func() any { got, _ := bucketState(csa); return got.Encryption }).Should(BeNil())

		By("kubectl apply --server-side: deleting a key removes that tag; tags: {} removes every tag")
		ssa := unique("ssa")
		settings := "  encryption: {algorithm: AES256}\n  lifecycle:\n    rules:\n    - {id: tmp, prefix: tmp/, expiration: {days: 1}}\n"
		apply(ssa, "  tags: {team: data, env: dev}\n"+settings, "--server-side")
		settled(ssa)
		Expect(ossTags(ssa)).To(Equal(map[string]string{"team": "data", "env": "dev"}))
		apply(ssa, "  tags: {team: data}\n"+settings, "--server-side")
		settled(ssa)
		Expect(ossTags(ssa)).To(Equal(map[string]string{"team": "data"}))
		apply(ssa, "  tags: {}\n  encryption: {}\n  lifecycle: {rules: []}\n", "--server-side")
		spec = settled(ssa)
		Expect(spec.Tags).To(Equal(map[string]string{}))
		Expect(spec.Encryption).To(Equal(&ossv1.Encryption{}))
		Expect(spec.Lifecycle).To(Equal(&ossv1.Lifecycle{Rules: []ossv1.LifecycleRule{}}))
		got, _ := bucketState(ssa)
		Expect(got.Encryption).To(BeNil())
		Expect(got.Lifecycle).To(BeNil())
		Expect(ossTags(ssa)).To(BeEmpty())

		By("kubectl patch: a merge patch of {} changes nothing; a key set to null removes that tag; a JSON patch replaces the tags with {}")
		merged := unique("merge")
		apply(merged, "  tags: {team: data, env: dev, tier: gold}\n")
		settled(merged)
		Expect(patch(merged, "merge", `{"spec":{"tags":{}}}`)).To(ContainSubstring("(no change)"))
		patch(merged, "merge", `{"spec":{"tags":{"env":null}}}`)
		settled(merged)
		Expect(ossTags(merged)).To(Equal(map[string]string{"team": "data", "tier": "gold"}))
		patch(merged, "json", `[{"op":"replace","path":"/spec/tags","value":{}}]`)
		Expect(settled(merged).Tags).To(Equal(map[string]string{}))
		Expect(ossTags(merged)).To(BeEmpty())
	})
})

// explainWidth is the width kubectl explain wraps descriptions at, their indentation included.
const explainWidth = 80

// parseExplain reads kubectl explain's output: the description's lines, and each field's description
// lines by name, as printed (indented).
func parseExplain(out string) (description []string, fields map[string][]string) {
	fields = map[string][]string{}
	section, field := "", ""
	for _, line := range strings.Split(out, "\n") {
		switch {
		case line == "DESCRIPTION:" || line == "FIELDS:":
			section = line
			continue
		case section == "DESCRIPTION:":
			description = append(description, line)
		case section == "FIELDS:" && strings.HasPrefix(line, "  ") && !strings.HasPrefix(line, "    ") && strings.TrimSpace(line) != "":
			field = strings.Fields(line)[0]
			fields[field] = nil
		case section == "FIELDS:" && field != "":
			fields[field] = append(fields[field], line)
		}
	}
	trim := func(lines []string) []string {
		for len(lines) > 0 && strings.TrimSpace(lines[len(lines)-1]) == "" {
			lines = lines[:len(lines)-1]
		}
		return lines
	}
	for name, lines := range fields {
		fields[name] = trim(lines)
	}
	return trim(description), fields
}

// parseTable reads kubectl's table output: each cell runs from its header's first column to the
// next header's, so that cells with spaces (messages) stay whole.
func parseTable(out string) (headers []string, rows map[string]map[string]string) {
	GinkgoHelper()
	lines := strings.Split(strings.TrimRight(out, "\n"), "\n")
	Expect(lines).NotTo(BeEmpty())
	// Headers are upper case words separated by single spaces; columns by two or more.
	var starts []int
	for _, m := range regexp.MustCompile(`\S+( \S+)*`).FindAllStringIndex(lines[0], -1) {
		starts = append(starts, m[0])
		headers = append(headers, lines[0][m[0]:m[1]])
	}
	rows = map[string]map[string]string{}
	for _, line := range lines[1:] {
		row := map[string]string{}
		for i, s := range starts {
			end := len(line)
			if i+1 < len(starts) && starts[i+1] < end {
				end = starts[i+1]
			}
			if s < end {
				row[headers[i]] = strings.TrimSpace(line[s:end])
			}
		}
		rows[row["NAME"]] = row
	}
	return headers, rows
}
