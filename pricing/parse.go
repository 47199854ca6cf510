package pricing

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"reflect"
	"regexp"
	"strings"

	"go.yaml.in/yaml/v3"
)

// maxErrors caps the validation errors reported at once: enough to fix a
// file in one pass, few enough to read.
const maxErrors = 10

// Parse decodes a catalog from YAML and validates it; name labels errors
// (usually the file path). Decoding is strict: an unknown field, a string
// where a number belongs, or a second YAML document is an error naming the
// line, so a typo in a prices file never silently drops a price.
func Parse(name string, data []byte) (*Catalog, error) {
	// A first pass into a node tree keeps line numbers for the checks that
	// come after decoding (a negative price, a duplicate entry).
	var doc yaml.Node
	dec := yaml.NewDecoder(bytes.NewReader(data))
	if err := dec.Decode(&doc); err != nil {
		if errors.Is(err, io.EOF) {
			return nil, fmt.Errorf("pricing: %s: empty file, want a mapping with a gpus: list", name)
		}
		if n := tabIndentLine(data); n > 0 {
			// yaml.v3 reports a tab at the line of the enclosing block.
			return nil, fmt.Errorf("pricing: %s line %d: tab in indentation; YAML indents with spaces", name, n)
		}
		return nil, yamlError(name, err)
	}
	var extra yaml.Node
	switch err := dec.Decode(&extra); {
	case err == nil:
		return nil, fmt.Errorf("pricing: %s line %d: a second YAML document; a catalog is one document", name, extra.Line)
	case !errors.Is(err, io.EOF):
		return nil, yamlError(name, err)
	}

	var c Catalog
	strict := yaml.NewDecoder(bytes.NewReader(data))
	strict.KnownFields(true)
	if err := strict.Decode(&c); err != nil {
		return nil, yamlError(name, err)
	}
	if err := c.validate(name, &doc); err != nil {
		return nil, err
	}
	return &c, nil
}

var (
	yamlLineRE     = regexp.MustCompile(`^(?:yaml: )?line (\d+): (.*)$`)
	unknownFieldRE = regexp.MustCompile(`^field (\S+) not found in type pricing\.(\w+)$`)
)

// yamlError rewrites the YAML library's errors as "pricing: FILE line N: ...",
// one per problem, and names the known fields when a field is unknown.
func yamlError(name string, err error) error {
	var msgs []string
	var te *yaml.TypeError
	if errors.As(err, &te) {
		msgs = te.Errors
	} else {
		msgs = []string{err.Error()}
	}
	errs := make([]error, 0, len(msgs))
	for _, m := range msgs {
		m = oneLine(strings.TrimSpace(m))
		sub := yamlLineRE.FindStringSubmatch(m)
		if sub == nil {
			errs = append(errs, fmt.Errorf("pricing: %s: %s", name, strings.TrimPrefix(m, "yaml: ")))
			continue
		}
		detail := sub[2]
		if f := unknownFieldRE.FindStringSubmatch(detail); f != nil {
			detail = fmt.Sprintf("unknown field %q in %s; known fields: %s", f[1], typeLabel(f[2]), knownFields(f[2]))
		}
		errs = append(errs, fmt.Errorf("pricing: %s line %s: %s", name, sub[1], detail))
	}
	return errors.Join(errs...)
}

// oneLine escapes line breaks that a quoted value brought into a message,
// so each error stays on one line.
func oneLine(s string) string {
	return strings.NewReplacer("\r", `\r`, "\n", `\n`).Replace(s)
}

// tabIndentLine returns the first line (from 1) whose indentation holds a
// tab, or 0.
func tabIndentLine(data []byte) int {
	for i, ln := range bytes.Split(data, []byte("\n")) {
		indent := ln[:len(ln)-len(bytes.TrimLeft(ln, " \t"))]
		if bytes.IndexByte(indent, '\t') >= 0 {
			return i + 1
		}
	}
	return 0
}

// typeLabel names a schema type the way a user of the file sees it.
func typeLabel(typ string) string {
	switch typ {
	case "Catalog":
		return "the catalog (top level)"
	case "GPU":
		return "a GPU entry"
	case "Price":
		return "a price entry"
	}
	return typ
}

// knownFields lists the YAML keys of a schema type, from its struct tags.
func knownFields(typ string) string {
	var t reflect.Type
	switch typ {
	case "Catalog":
		t = reflect.TypeFor[Catalog]()
	case "GPU":
		t = reflect.TypeFor[GPU]()
	case "Price":
		t = reflect.TypeFor[Price]()
	default:
		return "?"
	}
	var keys []string
	for i := range t.NumField() {
		k, _, _ := strings.Cut(t.Field(i).Tag.Get("yaml"), ",")
		if k != "" && k != "-" {
			keys = append(keys, k)
		}
	}
	return strings.Join(keys, ", ")
}

// deref follows YAML aliases (*anchor) to the node they name.
func deref(n *yaml.Node) *yaml.Node {
	for n != nil && n.Kind == yaml.AliasNode {
		n = n.Alias
	}
	return n
}

// mapValue returns the value node of key in mapping node m, or nil.
func mapValue(m *yaml.Node, key string) *yaml.Node {
	m = deref(m)
	if m == nil || m.Kind != yaml.MappingNode {
		return nil
	}
	for i := 0; i+1 < len(m.Content); i += 2 {
		if m.Content[i].Value == key {
			return m.Content[i+1]
		}
	}
	return nil
}

// seqItem returns item i of sequence node s, or nil.
func seqItem(s *yaml.Node, i int) *yaml.Node {
	s = deref(s)
	if s == nil || s.Kind != yaml.SequenceNode || i >= len(s.Content) {
		return nil
	}
	return deref(s.Content[i])
}

// line returns the line of n, or of fallback when n is nil.
func line(n, fallback *yaml.Node) int {
	if n != nil {
		return n.Line
	}
	if fallback != nil {
		return fallback.Line
	}
	return 0
}
