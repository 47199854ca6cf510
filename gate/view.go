package gate

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"reflect"
	"sort"
	"strings"

	"github.com/tokenbench/tokenbench/pricing"
	"github.com/tokenbench/tokenbench/report"

	"github.com/tokenbench/tokenbench/internal/jsonline"
)

// CostPrefix is the top-level name under which cost.json is addressed.
const CostPrefix = "cost"

// View is a results directory as rules see it: summary.json decoded as a
// generic map, with cost.json under "cost" when present.
type View struct {
	Dir string
	Doc map[string]any
}

// ReadView reads DIR/summary.json (report.ReadSummary, so a summary the
// report would refuse is refused here too) and, when present, DIR/cost.json.
// Rules address the summary's own JSON encoding.
func ReadView(dir string) (*View, error) {
	doc, err := readSummaryMap(filepath.Join(dir, report.SummaryFile))
	if errors.Is(err, fs.ErrNotExist) {
		if _, serr := os.Stat(dir); serr == nil {
			return nil, fmt.Errorf("gate: %s has no %s (a run that did not finish? tokenbench summarize %s rebuilds it)", dir, report.SummaryFile, dir)
		}
	}
	if err != nil {
		return nil, err
	}
	cost, err := readJSONMap(filepath.Join(dir, report.CostFile))
	switch {
	case err == nil:
		doc[CostPrefix] = cost
	case !errors.Is(err, fs.ErrNotExist):
		return nil, err
	}
	return &View{Dir: dir, Doc: doc}, nil
}

// readSummaryMap reads a summary.json through report.ReadSummary and
// returns its JSON encoding as a generic map.
func readSummaryMap(path string) (map[string]any, error) {
	s, err := report.ReadSummary(path)
	if err != nil {
		return nil, fmt.Errorf("gate: %w", err)
	}
	var b bytes.Buffer
	if err := s.WriteJSON(&b); err != nil {
		return nil, fmt.Errorf("gate: %w", err)
	}
	var m map[string]any
	if err := json.Unmarshal(b.Bytes(), &m); err != nil {
		return nil, fmt.Errorf("gate: %s: %v", path, err)
	}
	return m, nil
}

func readJSONMap(path string) (map[string]any, error) {
	b, err := os.ReadFile(path)
	if err != nil {
		return nil, fmt.Errorf("gate: %w", err)
	}
	var m map[string]any
	if err := json.Unmarshal(b, &m); err != nil {
		return nil, fmt.Errorf("gate: %s: %w", path, jsonline.Error(b, err))
	}
	if m == nil {
		return nil, fmt.Errorf("gate: %s: not a JSON object", path)
	}
	return m, nil
}

// Lookup returns the value at a dotted path; ok is false when absent.
func (v *View) Lookup(path string) (any, bool) {
	var cur any = v.Doc
	for _, k := range strings.Split(path, ".") {
		m, isMap := cur.(map[string]any)
		if !isMap {
			return nil, false
		}
		if cur, isMap = m[k]; !isMap {
			return nil, false
		}
	}
	return cur, cur != nil
}

// KnownPath says whether path names a field summary.json or cost.json can
// have (whether or not this run has it), or one present in this document.
func (v *View) KnownPath(path string) bool {
	if _, ok := v.Lookup(path); ok {
		return true
	}
	return schema().known(path)
}

// Suggest returns up to three known paths close to path.
func (v *View) Suggest(path string) []string {
	cands := append(schema().paths(), flatten("", v.Doc)...)
	type scored struct {
		p string
		d int
	}
	seen := map[string]bool{}
	var best []scored
	last := path[strings.LastIndex(path, ".")+1:]
	for _, c := range cands {
		if seen[c] {
			continue
		}
		seen[c] = true
		d := levenshtein(path, c)
		if dl := levenshtein(last, c[strings.LastIndex(c, ".")+1:]) + 2; strings.HasPrefix(path, c[:strings.LastIndex(c, ".")+1]) && dl < d {
			d = dl
		}
		if d <= len(path)/2+1 {
			best = append(best, scored{c, d})
		}
	}
	sort.SliceStable(best, func(i, j int) bool {
		if best[i].d != best[j].d {
			return best[i].d < best[j].d
		}
		return best[i].p < best[j].p
	})
	var out []string
	for i := 0; i < len(best) && i < 3; i++ {
		out = append(out, best[i].p)
	}
	return out
}

func flatten(prefix string, v any) []string {
	m, ok := v.(map[string]any)
	if !ok {
		return []string{prefix}
	}
	var out []string
	if prefix != "" {
		out = append(out, prefix)
	}
	for k, sub := range m {
		p := k
		if prefix != "" {
			p = prefix + "." + k
		}
		out = append(out, flatten(p, sub)...)
	}
	sort.Strings(out)
	return out
}

// pathSchema is the tree of JSON names of summary.json and cost.json; a
// "*" child stands for any key (maps such as requests.errors).
type pathSchema map[string]pathSchema

var schemaCache pathSchema

func schema() pathSchema {
	if schemaCache == nil {
		s := pathSchema{}
		addType(s, reflect.TypeOf(report.Summary{}), 0)
		cost := pathSchema{}
		addType(cost, reflect.TypeOf(pricing.Cost{}), 0)
		s[CostPrefix] = cost
		// validity: written by the run's own checks (docs/METRICS.md).
		s["validity"] = pathSchema{"valid": {}, "reasons": {}}
		schemaCache = s
	}
	return schemaCache
}

func addType(s pathSchema, t reflect.Type, depth int) {
	for t.Kind() == reflect.Pointer {
		t = t.Elem()
	}
	if depth > 8 {
		return
	}
	switch t.Kind() {
	case reflect.Struct:
		for i := 0; i < t.NumField(); i++ {
			f := t.Field(i)
			if !f.IsExported() {
				continue
			}
			name, _, _ := strings.Cut(f.Tag.Get("json"), ",")
			if name == "-" {
				continue
			}
			if name == "" {
				if f.Anonymous {
					addType(s, f.Type, depth+1)
					continue
				}
				name = f.Name
			}
			child := pathSchema{}
			addType(child, f.Type, depth+1)
			s[name] = child
		}
	case reflect.Map:
		child := pathSchema{}
		addType(child, t.Elem(), depth+1)
		s["*"] = child
	}
}

func (s pathSchema) known(path string) bool {
	cur := s
	for _, k := range strings.Split(path, ".") {
		next, ok := cur[k]
		if !ok {
			if next, ok = cur["*"]; !ok {
				return false
			}
		}
		cur = next
	}
	return true
}

func (s pathSchema) paths() []string {
	var out []string
	var walk func(prefix string, s pathSchema)
	walk = func(prefix string, s pathSchema) {
		for k, sub := range s {
			if k == "*" {
				continue
			}
			p := k
			if prefix != "" {
				p = prefix + "." + k
			}
			out = append(out, p)
			walk(p, sub)
		}
	}
	walk("", s)
	sort.Strings(out)
	return out
}

func levenshtein(a, b string) int {
	prev := make([]int, len(b)+1)
	cur := make([]int, len(b)+1)
	for j := range prev {
		prev[j] = j
	}
	for i := 1; i <= len(a); i++ {
		cur[0] = i
		for j := 1; j <= len(b); j++ {
			cost := 1
			if a[i-1] == b[j-1] {
				cost = 0
			}
			cur[j] = min(prev[j]+1, cur[j-1]+1, prev[j-1]+cost)
		}
		prev, cur = cur, prev
	}
	return prev[len(b)]
}

// wildcardLeaf says whether path is a map of plain values (counts).
func (s pathSchema) wildcardLeaf(path string) bool {
	cur := s
	for _, k := range strings.Split(path, ".") {
		next, ok := cur[k]
		if !ok {
			return false
		}
		cur = next
	}
	w, ok := cur["*"]
	return ok && len(w) == 0
}
