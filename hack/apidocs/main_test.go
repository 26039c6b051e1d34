package main

import (
	"bytes"
	"os"
	"path/filepath"
	"strings"
	"testing"

	apiextensionsv1 "k8s.io/apiextensions-apiserver/pkg/apis/apiextensions/v1"
	"sigs.k8s.io/yaml"
)

const (
	apiDir  = "../../api/v1alpha1"
	docFile = "../../docs/api.md"
	crdDir  = "../../config/crd/bases"
)

// TestDocsUpToDate fails when docs/api.md is not what the current types generate.
func TestDocsUpToDate(t *testing.T) {
	want, err := Generate(apiDir)
	if err != nil {
		t.Fatal(err)
	}
	got, err := os.ReadFile(docFile)
	if err != nil {
		t.Fatalf("%v: run `make docs`", err)
	}
	if !bytes.Equal(got, want) {
		t.Fatalf("docs/api.md is stale: run `make docs` (or `go run ./hack/apidocs -o docs/api.md ./api/v1alpha1`)")
	}
}

// TestEveryCRDFieldDocumented checks the generator against controller-gen's view of the same types:
// every property of every CRD's spec and status has a row in the reference, and every kind a section.
func TestEveryCRDFieldDocumented(t *testing.T) {
	doc, err := Generate(apiDir)
	if err != nil {
		t.Fatal(err)
	}
	text := string(doc)
	paths, err := filepath.Glob(filepath.Join(crdDir, "*.yaml"))
	if err != nil || len(paths) == 0 {
		t.Fatalf("no CRDs in %s: %v", crdDir, err)
	}
	for _, p := range paths {
		raw, err := os.ReadFile(p)
		if err != nil {
			t.Fatal(err)
		}
		var crd apiextensionsv1.CustomResourceDefinition
		if err := yaml.Unmarshal(raw, &crd); err != nil {
			t.Fatalf("%s: %v", p, err)
		}
		if !strings.Contains(text, "\n## "+crd.Spec.Names.Kind+"\n") {
			t.Errorf("kind %s has no section", crd.Spec.Names.Kind)
		}
		for _, v := range crd.Spec.Versions {
			root := v.Schema.OpenAPIV3Schema
			for _, top := range []string{"spec", "status"} {
				s, ok := root.Properties[top]
				if !ok {
					continue
				}
				walk(top, s, func(path, name string) {
					if !strings.Contains(text, "| `"+name+"` |") {
						t.Errorf("%s: %s (%s) has no row in the reference", crd.Spec.Names.Kind, path, name)
					}
				})
			}
		}
	}
}

// walk visits the properties under s, but not those of metav1.Condition, which links to its upstream
// reference.
// externalTypes are fields of Kubernetes' own types (metav1.Condition, metav1.LabelSelector): their row
// links to the type's documentation, which lists its fields.
var externalTypes = map[string]bool{"status.conditions": true, "spec.allowedNamespaces": true}

func walk(path string, s apiextensionsv1.JSONSchemaProps, visit func(path, name string)) {
	for name, p := range s.Properties {
		visit(path+"."+name, name)
		if externalTypes[path+"."+name] {
			continue
		}
		walk(path+"."+name, p, visit)
	}
	if s.Items != nil && s.Items.Schema != nil {
		walk(path+"[]", *s.Items.Schema, visit)
	}
}

func TestConstraints(t *testing.T) {
	for _, tc := range []struct {
		markers []string
		want    string
	}{
		{[]string{"kubebuilder:validation:Enum=v4;v1", "kubebuilder:default=v4"}, "Default: `v4`. One of `v4`, `v1`."},
		{[]string{"kubebuilder:validation:Pattern=`^[a-z]+$`", "kubebuilder:validation:MaxLength=63"}, "Pattern: `^[a-z]+$`. Maximum length: 63."},
		{[]string{`kubebuilder:validation:XValidation:rule="self.a == \"x\"",message="a must be \"x\" <always>"`}, `Validation rules: a must be "x" &lt;always&gt;.`},
		{[]string{`kubebuilder:validation:XValidation:rule="has(self.a)"`}, "Validation rules: `has(self.a)`."},
		{[]string{"optional", "listType=map", "listMapKey=type"}, "List keyed by `type`."},
	} {
		if got := strings.Join(constraints(tc.markers), " "); got != tc.want {
			t.Errorf("constraints(%q) = %q, want %q", tc.markers, got, tc.want)
		}
	}
}

func TestPrintColumns(t *testing.T) {
	for _, tc := range []struct {
		markers []string
		want    string
	}{
		{nil, ""},
		{[]string{"kubebuilder:printcolumn:name=\"Region\",type=string,JSONPath=`.spec.region`", "kubebuilder:printcolumn:name=\"Age\",type=date,JSONPath=`.metadata.creationTimestamp`,priority=0"},
			"`kubectl get` columns: Region, Age."},
		{[]string{"kubebuilder:printcolumn:name=\"Region\",type=string,JSONPath=`.spec.region`",
			"kubebuilder:printcolumn:name=\"Key ID\",type=string,JSONPath=`.status.accessKeyId`,priority=1",
			"kubebuilder:printcolumn:name=\"Message\",type=string,JSONPath=`.status.conditions[?(@.type==\"Ready\")].message`,priority=1"},
			"`kubectl get` columns: Region. `kubectl get -o wide` adds: Key ID, Message."},
	} {
		if got := printColumns(tc.markers); got != tc.want {
			t.Errorf("printColumns(%q) = %q, want %q", tc.markers, got, tc.want)
		}
	}
}

func TestEscape(t *testing.T) {
	for in, want := range map[string]string{
		"https://oss-<region>.aliyuncs.com": "https://oss-&lt;region&gt;.aliyuncs.com",
		"with * and ? wildcards":            `with \* and ? wildcards`,
		"`rules: [*]` keeps <this>":         "`rules: [*]` keeps &lt;this&gt;",
	} {
		if got := escape(in); got != want {
			t.Errorf("escape(%q) = %q, want %q", in, got, want)
		}
	}
}
