// Command crddocs rewrites the descriptions of CRDs that controller-gen wrote, for `kubectl explain`,
// which is where most people read them. `make manifests` runs it on config/crd/bases after controller-gen.
//
//   - controller-gen keeps the line breaks of the doc comments, and kubectl explain wraps each line of a
//     description again at its own width: a comment's lines come out cut in two, a long line and a
//     short one. The lines of each paragraph are joined into one; paragraphs (a blank comment line) and
//     list items (lines starting with "- ") keep their breaks.
//   - kubectl explain prints a list's description followed directly by its items' description (the
//     items' type's doc comment): "rules, at most 1000.\nLifecycleRule is one lifecycle rule." reads as
//     one paragraph. The items' description becomes a paragraph of the list's own.
//
// The output is written as controller-gen writes it ("---", then sigs.k8s.io/yaml of the object with
// exact numbers), so a file it has already rewritten is left byte for byte the same.
//
// Usage: go run ./hack/crddocs FILE...
package main

import (
	"bytes"
	"encoding/json"
	"fmt"
	"os"
	"sort"
	"strings"

	"sigs.k8s.io/yaml"
)

func main() {
	if len(os.Args) < 2 {
		fmt.Fprintln(os.Stderr, "usage: crddocs FILE...")
		os.Exit(2)
	}
	for _, file := range os.Args[1:] {
		if err := rewrite(file); err != nil {
			fmt.Fprintf(os.Stderr, "crddocs: %s: %v\n", file, err)
			os.Exit(1)
		}
	}
}

func rewrite(file string) error {
	in, err := os.ReadFile(file)
	if err != nil {
		return err
	}
	out, err := rewriteCRD(in)
	if err != nil {
		return err
	}
	if bytes.Equal(in, out) {
		return nil
	}
	return os.WriteFile(file, out, 0o644)
}

// rewriteCRD rewrites the descriptions of one CRD document as controller-gen writes it.
func rewriteCRD(in []byte) ([]byte, error) {
	body, ok := bytes.CutPrefix(in, []byte("---\n"))
	if !ok {
		return nil, fmt.Errorf("not a file controller-gen wrote: it does not start with ---")
	}
	j, err := yaml.YAMLToJSON(body)
	if err != nil {
		return nil, err
	}
	var crd map[string]any
	d := json.NewDecoder(bytes.NewReader(j))
	d.UseNumber() // as controller-gen decodes: integers stay exact
	if err := d.Decode(&crd); err != nil {
		return nil, err
	}
	spec, _ := crd["spec"].(map[string]any)
	versions, _ := spec["versions"].([]any)
	for _, v := range versions {
		version, _ := v.(map[string]any)
		schema, _ := version["schema"].(map[string]any)
		if root, ok := schema["openAPIV3Schema"].(map[string]any); ok {
			visit(root)
		}
	}
	out, err := yaml.Marshal(crd)
	if err != nil {
		return nil, err
	}
	return append([]byte("---\n"), out...), nil
}

// visit rewrites the descriptions of a schema and of every schema inside it.
func visit(s map[string]any) {
	if items, ok := s["items"].(map[string]any); ok {
		if itemDesc, _ := items["description"].(string); itemDesc != "" {
			if desc, _ := s["description"].(string); desc != "" {
				s["description"] = desc + "\n\n" + itemDesc
			} else {
				s["description"] = itemDesc
			}
			delete(items, "description")
		}
		visit(items)
	}
	if desc, ok := s["description"].(string); ok {
		s["description"] = unwrap(desc)
	}
	for _, key := range []string{"properties", "patternProperties"} {
		props, _ := s[key].(map[string]any)
		names := make([]string, 0, len(props))
		for name := range props {
			names = append(names, name)
		}
		sort.Strings(names)
		for _, name := range names {
			if p, ok := props[name].(map[string]any); ok {
				visit(p)
			}
		}
	}
	if ap, ok := s["additionalProperties"].(map[string]any); ok {
		visit(ap)
	}
}

// unwrap joins the lines of each paragraph of a description. Paragraphs stay apart by a blank line,
// and a line starting with "- " (a list item) stays on a line of its own.
func unwrap(desc string) string {
	paragraphs := strings.Split(strings.TrimSpace(desc), "\n\n")
	for i, p := range paragraphs {
		lines := strings.Split(p, "\n")
		var b strings.Builder
		for j, line := range lines {
			line = strings.TrimSpace(line)
			switch {
			case j == 0:
			case strings.HasPrefix(line, "- "):
				b.WriteString("\n")
			default:
				b.WriteString(" ")
			}
			b.WriteString(line)
		}
		paragraphs[i] = b.String()
	}
	return strings.Join(paragraphs, "\n\n")
}
