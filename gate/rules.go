package gate

import (
	"fmt"
	"math"
	"strings"

	"github.com/expr-lang/expr"
	"github.com/expr-lang/expr/ast"
	"github.com/expr-lang/expr/parser"
	"github.com/expr-lang/expr/vm"
)

// UnknownPathError is a rule naming a path that neither summary.json nor
// cost.json can have.
type UnknownPathError struct {
	File, Rule, Path string
	Suggest          []string
}

func (e *UnknownPathError) Error() string {
	s := fmt.Sprintf("gate: %s: rule %q: unknown metric path %q", e.File, e.Rule, e.Path)
	if len(e.Suggest) > 0 {
		s += " (did you mean " + strings.Join(e.Suggest, ", ") + "?)"
	}
	return s
}

// rule is one compiled rule.
type rule struct {
	text        string
	program     *vm.Program
	left, right *vm.Program // the sides of a comparison, for the table
	op          string
	paths       []string
	// lenient rules default absent values themselves (?? or ?.).
	lenient bool
}

var comparisons = map[string]bool{"<": true, "<=": true, ">": true, ">=": true, "==": true, "!=": true}

// compileRule parses a rule and checks every path it names against v.
func compileRule(file, text string, v *View) (*rule, error) {
	tree, err := parser.Parse(text)
	if err != nil {
		return nil, fmt.Errorf("gate: %s: rule %q: %v", file, text, err)
	}
	r := &rule{text: text}
	pc := &pathCollector{inner: map[ast.Node]bool{}}
	ast.Walk(&tree.Node, pc)
	r.lenient = pc.lenient
	seen := map[string]bool{}
	for _, p := range pc.resolve() {
		if seen[p] {
			continue
		}
		seen[p] = true
		if !v.KnownPath(p) {
			return nil, &UnknownPathError{File: file, Rule: text, Path: p, Suggest: v.Suggest(p)}
		}
		r.paths = append(r.paths, p)
	}
	if r.program, err = expr.Compile(text, expr.AsBool()); err != nil {
		return nil, fmt.Errorf("gate: %s: rule %q: %v", file, text, err)
	}
	if b, ok := tree.Node.(*ast.BinaryNode); ok && comparisons[b.Operator] {
		r.op = b.Operator
		r.left, _ = expr.Compile(b.Left.String())
		r.right, _ = expr.Compile(b.Right.String())
	}
	return r, nil
}

// pathCollector gathers the maximal member chains (a.b.c) of a rule.
type pathCollector struct {
	inner   map[ast.Node]bool
	nodes   []ast.Node
	lenient bool
}

func (c *pathCollector) Visit(n *ast.Node) {
	switch node := (*n).(type) {
	case *ast.MemberNode:
		c.inner[node.Node] = true
		if node.Optional {
			c.lenient = true
		}
	case *ast.ChainNode:
		c.inner[node.Node] = true
		c.lenient = true
	case *ast.CallNode:
		c.inner[node.Callee] = true
	case *ast.BinaryNode:
		if node.Operator == "??" {
			c.lenient = true
		}
	}
	switch (*n).(type) {
	case *ast.MemberNode, *ast.IdentifierNode, *ast.ChainNode:
		c.nodes = append(c.nodes, *n)
	}
}

// resolve returns the chains that are not part of a longer one.
func (c *pathCollector) resolve() []string {
	var out []string
	for _, m := range c.nodes {
		if c.inner[m] {
			continue
		}
		if p, ok := chain(m); ok {
			out = append(out, p)
		}
	}
	return out
}

// chain renders a.b.c (or a["b"].c) as a dotted path.
func chain(n ast.Node) (string, bool) {
	switch node := n.(type) {
	case *ast.IdentifierNode:
		return node.Value, true
	case *ast.ChainNode:
		return chain(node.Node)
	case *ast.MemberNode:
		prop, ok := node.Property.(*ast.StringNode)
		if !ok {
			return "", false
		}
		base, ok := chain(node.Node)
		if !ok {
			return "", false
		}
		return base + "." + prop.Value, true
	}
	return "", false
}

// judge evaluates the rule on v.
func (r *rule) judge(v *View, floor int) Check {
	c := Check{Kind: "rule", Name: r.text, Bound: r.text}
	for _, p := range r.paths {
		if _, ok := v.Lookup(p); !ok && !r.lenient && !v.zeroIfAbsent(p) {
			c.Status, c.Message = NotJudged, fmt.Sprintf("%s is absent from this run (%s)", p, absentWhy(p))
			return c
		}
		if n, need, stat, ok := v.sampleCount(p, floor); ok && n < need {
			c.Status, c.Message = NotJudged, fmt.Sprintf("too few samples for %s: %d, %s needs at least %d", p, n, stat, need)
			return c
		}
	}
	if r.left != nil {
		if lv, err := expr.Run(r.left, v.Doc); err == nil {
			if f, ok := toFloat(lv); ok {
				c.Value = &f
			}
		}
		c.Bound = r.op + " " + strings.TrimSpace(r.right.Source().String())
	}
	out, err := expr.Run(r.program, v.Doc)
	if err != nil {
		c.Status, c.Message = NotJudged, fmt.Sprintf("cannot evaluate: %v", firstLine(err.Error()))
		return c
	}
	if out.(bool) {
		c.Status, c.Message = Pass, "holds"
	} else {
		c.Status, c.Message = Fail, "does not hold"
		if c.Value != nil {
			c.Message = fmt.Sprintf("%s is %s, want %s", lhs(r), fmtNum(*c.Value), c.Bound)
		}
	}
	return c
}

func lhs(r *rule) string { return strings.TrimSpace(r.left.Source().String()) }

// zeroIfAbsent fills a missing key of a map of counts whose map is present
// (requests.errors.http_5xx when nothing failed that way) with 0.
func (v *View) zeroIfAbsent(path string) bool {
	i := strings.LastIndex(path, ".")
	if i < 0 {
		return false
	}
	parent, ok := v.Lookup(path[:i])
	m, isMap := parent.(map[string]any)
	if !ok || !isMap || !schema().wildcardLeaf(path[:i]) {
		return false
	}
	m[path[i+1:]] = 0.0
	return true
}

// sampleCount returns the sample count behind a distribution statistic
// (ttft_ms.p99 -> ttft_ms.count) and the fewest it needs.
func (v *View) sampleCount(path string, floor int) (n, need int, stat string, ok bool) {
	i := strings.LastIndex(path, ".")
	if i < 0 {
		return 0, 0, "", false
	}
	stat = path[i+1:]
	switch {
	case stat == "mean" || stat == "std":
	case strings.HasPrefix(stat, "p"):
		if _, isQ := quantileOf(stat); !isQ {
			return 0, 0, "", false
		}
	default:
		return 0, 0, "", false
	}
	cv, has := v.Lookup(path[:i] + ".count")
	f, isNum := toFloat(cv)
	if !has || !isNum {
		return 0, 0, "", false
	}
	return int(f), MinSamples(stat, floor), stat, true
}

func absentWhy(p string) string {
	switch strings.Split(p, ".")[0] {
	case CostPrefix:
		return "no cost.json: run tokenbench cost DIR --save first"
	case "goodput":
		return "the run had no --slo"
	case "engine":
		return "the engine did not report it"
	}
	return "no sample of it was measured"
}

func toFloat(v any) (float64, bool) {
	switch x := v.(type) {
	case float64:
		return x, !math.IsNaN(x)
	case int:
		return float64(x), true
	}
	return 0, false
}

func firstLine(s string) string {
	s, _, _ = strings.Cut(s, "\n")
	return s
}

func fmtNum(f float64) string {
	switch a := math.Abs(f); {
	case a == 0:
		return "0"
	case a >= 1000:
		return fmt.Sprintf("%.0f", f)
	case a >= 1:
		return fmt.Sprintf("%.4g", f)
	default:
		return fmt.Sprintf("%.3g", f)
	}
}
