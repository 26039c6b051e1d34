package main

import (
	"os"
	"path/filepath"
	"testing"

	"sigs.k8s.io/yaml"
)

func TestUnwrap(t *testing.T) {
	for in, want := range map[string]string{
		"one line.": "one line.",
		"a comment's first line,\nand its second.":          "a comment's first line, and its second.",
		"first paragraph,\nwrapped.\n\nsecond\nparagraph.":  "first paragraph, wrapped.\n\nsecond paragraph.",
		"values:\n- Retain keeps it,\n- Delete deletes it.": "values:\n- Retain keeps it,\n- Delete deletes it.",
	} {
		if got := unwrap(in); got != want {
			t.Errorf("unwrap(%q) = %q, want %q", in, got, want)
		}
	}
}

// A list's items' description becomes a paragraph of the list's description, and the file's other
// content is written as controller-gen writes it: a second run changes nothing.
func TestRewriteCRD(t *testing.T) {
	in := []byte(`---
apiVersion: apiextensions.k8s.io/v1
kind: CustomResourceDefinition
metadata:
  name: things.example.com
spec:
  versions:
  - name: v1
    schema:
      openAPIV3Schema:
        properties:
          spec:
            properties:
              rules:
                description: |-
                  rules, at most
                  1000.
                items:
                  description: Rule is one rule.
                  properties:
                    days:
                      format: int64
                      maximum: 9007199254740993
                      type: integer
                  type: object
                type: array
            type: object
        type: object
`)
	out, err := rewriteCRD(in)
	if err != nil {
		t.Fatal(err)
	}
	var crd struct {
		Spec struct {
			Versions []struct {
				Schema struct {
					OpenAPIV3Schema struct {
						Properties map[string]struct {
							Properties map[string]struct {
								Description string
								Items       struct {
									Description string
									Properties  map[string]struct{ Maximum int64 }
								}
							}
						}
					} `json:"openAPIV3Schema"`
				}
			}
		}
	}
	if err := yaml.Unmarshal(out, &crd); err != nil {
		t.Fatal(err)
	}
	rules := crd.Spec.Versions[0].Schema.OpenAPIV3Schema.Properties["spec"].Properties["rules"]
	if want := "rules, at most 1000.\n\nRule is one rule."; rules.Description != want {
		t.Errorf("rules: description %q, want %q", rules.Description, want)
	}
	if rules.Items.Description != "" {
		t.Errorf("the items keep their description %q", rules.Items.Description)
	}
	if got := rules.Items.Properties["days"].Maximum; got != 9007199254740993 {
		t.Errorf("maximum %d: an integer beyond float64's precision changed", got)
	}
	again, err := rewriteCRD(out)
	if err != nil {
		t.Fatal(err)
	}
	if string(again) != string(out) {
		t.Errorf("a second run changed the file:\n%s\nthen:\n%s", out, again)
	}
}

// The CRDs in config/crd/bases are as crddocs leaves them (`make manifests` runs it).
func TestCRDsAreRewritten(t *testing.T) {
	files, err := filepath.Glob(filepath.Join("..", "..", "config", "crd", "bases", "*.yaml"))
	if err != nil || len(files) == 0 {
		t.Fatalf("no CRDs: %v", err)
	}
	for _, f := range files {
		in, err := os.ReadFile(f)
		if err != nil {
			t.Fatal(err)
		}
		out, err := rewriteCRD(in)
		if err != nil {
			t.Fatalf("%s: %v", f, err)
		}
		if string(out) != string(in) {
			t.Errorf("%s: not rewritten for kubectl explain: run make manifests", f)
		}
	}
}
