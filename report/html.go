package report

import (
	"bytes"
	"encoding/base64"
	"encoding/json"
	"fmt"
	"html/template"
	"io"
	"maps"
	"slices"
	"strconv"
	"strings"

	"github.com/tokenbench/tokenbench/bench"
)

// HTMLOptions configures WriteHTML.
type HTMLOptions struct {
	// Title heads the page; empty means one built from the run labels.
	Title string
	// Plot sizes the embedded charts and gives the GPU count.
	Plot PlotOptions
	// NoPlots leaves the charts out (tests of the page structure).
	NoPlots bool
	// Extra figures follow the set's own, e.g. a metric over the runs of
	// a history database (HistoryFigure).
	Extra []Figure
}

// WriteHTML writes one self-contained HTML page for set: run metadata,
// summary (side by side when several runs), charts as embedded PNG, the
// engine and cost sections when their files exist, and errors. It needs
// no network and no JavaScript.
func WriteHTML(w io.Writer, set *Set, o HTMLOptions) error {
	page, err := buildPage(set, o)
	if err != nil {
		return err
	}
	var b bytes.Buffer
	if err := htmlTemplate.Execute(&b, page); err != nil {
		return fmt.Errorf("report: render html: %w", err)
	}
	if _, err := w.Write(b.Bytes()); err != nil {
		return fmt.Errorf("report: write html: %w", err)
	}
	return nil
}

type htmlPage struct {
	Title      string
	Runs       []htmlRun
	Comparison *htmlTable
	Sweeps     []htmlSweep
	Figures    []htmlFigure
	GPUs       int
}

type htmlRun struct {
	// ID is the run's anchor; its sections' anchors start with it.
	ID       string
	Label    string
	Meta     []kv
	Source   *Provenance
	Header   []kv
	Latency  htmlTable
	Sections []htmlSection // goodput, validity, prompt length
	// EngineSections are the engine's figures as tables; Engine the rest
	// of engine.json (another writer's keys) as rows.
	EngineSections []htmlSection
	Engine         []kv
	// CostSection is cost.json as tables; Cost its rows when cost.json is
	// not tokenbench's.
	CostSection *htmlSection
	Cost        []kv
	Errors      []htmlErrors
	Warnings    []string
	// Hint says how to get what this page leaves out (a sweep point's
	// charts).
	Hint string
}

type kv struct{ Key, Value string }

type htmlTable struct {
	Header []string
	Rows   [][]htmlCell
	// Text marks the columns after the first that hold words, aligned
	// left; the others hold numbers, aligned right.
	Text map[int]bool
}

type htmlCell struct {
	Text, Class string
	// Href makes the cell a link (a sweep point's section).
	Href string
}

type htmlErrors struct {
	Class    string
	Count    int
	Examples []ErrorExample
}

type htmlSweep struct {
	ID    string
	Label string
	Table htmlTable
	Notes []string
	// Points are the sweep's runs, each with its own section the table
	// links to.
	Points []htmlRun
}

type htmlFigure struct {
	Name, Caption string
	Src           template.URL
}

func buildPage(set *Set, o HTMLOptions) (*htmlPage, error) {
	o.Plot = o.Plot.withDefaults()
	page := &htmlPage{Title: o.Title, GPUs: o.Plot.GPUs}
	ids := anchors{}
	var labels []string
	var sums []*Summary
	for _, r := range set.Runs {
		page.Runs = append(page.Runs, newHTMLRun(r, ids.id("run", r.Label)))
		labels = append(labels, r.Label)
		sums = append(sums, r.Summary)
	}
	for _, sw := range set.Sweeps {
		labels = append(labels, sw.Label)
		page.Sweeps = append(page.Sweeps, newHTMLSweep(sw, o.Plot.GPUs, ids))
	}
	if page.Title == "" {
		page.Title = "tokenbench report: " + strings.Join(labels, ", ")
	}
	if len(set.Runs) > 1 {
		t := comparisonTable(Compare(labels[:len(set.Runs)], sums))
		page.Comparison = &t
	}
	if o.NoPlots {
		return page, nil
	}
	for _, f := range append(Figures(set, o.Plot), o.Extra...) {
		var b bytes.Buffer
		if err := f.WritePNG(&b, o.Plot); err != nil {
			return nil, err
		}
		page.Figures = append(page.Figures, htmlFigure{Name: f.Name, Caption: f.Caption,
			Src: template.URL("data:image/png;base64," + base64.StdEncoding.EncodeToString(b.Bytes()))})
	}
	return page, nil
}

func newHTMLRun(r *Run, id string) htmlRun {
	s := r.Summary
	h := htmlRun{ID: id, Label: r.Label, Meta: runMeta(r), Source: s.Source, Warnings: r.Warnings}
	for _, p := range s.headerPairs() {
		h.Header = append(h.Header, kv{p[0], p[1]})
	}
	h.Latency.Header = append([]string{"Metric"}, tableStats...)
	for _, line := range s.latencyCells() {
		var row []htmlCell
		for _, c := range line {
			row = append(row, htmlCell{Text: c})
		}
		h.Latency.Rows = append(h.Latency.Rows, row)
	}
	h.Sections = summarySections(s, id)
	h.EngineSections, h.Engine = engineSections(r, id)
	if r.Cost != nil {
		if sec, ok := costSection(r.Cost, id); ok {
			h.CostSection = &sec
		} else {
			h.Cost = flatten(r.Cost)
		}
	}
	examples := s.ErrorExamples()
	for _, c := range s.errorClasses() {
		h.Errors = append(h.Errors, htmlErrors{Class: c, Count: s.Requests.Errors[c], Examples: examples[c]})
	}
	return h
}

// runMeta lists what run.json says about the run, or what an imported
// file says. run.json holds no secret by design; URLs are redacted anyway.
func runMeta(r *Run) []kv {
	var out []kv
	add := func(k, v string) {
		if v != "" {
			out = append(out, kv{k, v})
		}
	}
	add("path", r.Path)
	if i := r.Info; i != nil {
		add("name", i.Name)
		add("tool", strings.TrimSpace(i.Tool+" "+i.Version))
		add("go", i.GoVersion)
		add("host", i.Host)
		if !i.StartTime.IsZero() {
			add("start time", i.StartTime.UTC().Format("2006-01-02 15:04:05 UTC"))
		}
		add("target url", bench.RedactURL(i.Target.URL))
		add("model", i.Target.Model)
		add("api", i.Target.API)
		add("built-in engine", strconv.FormatBool(i.Target.Builtin))
		add("timeout", strconv.FormatFloat(i.Target.TimeoutS, 'g', -1, 64)+" s")
		add("extra headers", strings.Join(i.Target.HeaderNames, ", "))
		add("api key set", strconv.FormatBool(i.Target.APIKeySet))
		if len(i.Target.Extra) > 0 {
			add("extra body", compactJSON(i.Target.Extra))
		}
		add("load", loadText(i.Load))
		for _, p := range flatten(i.Workload) {
			add("workload "+p.Key, p.Value)
		}
	}
	if m := r.Source.Meta; len(m) > 0 {
		for _, k := range slices.Sorted(maps.Keys(m)) {
			add(k, m[k])
		}
	}
	return out
}

func loadText(l bench.LoadInfo) string {
	parts := []string{l.Mode}
	if l.Concurrency > 0 {
		parts = append(parts, fmt.Sprintf("concurrency %d", l.Concurrency))
	}
	if l.Arrival != "" {
		parts = append(parts, "arrival "+l.Arrival)
	}
	if l.RatePerS > 0 {
		parts = append(parts, fmt.Sprintf("rate %g/s", l.RatePerS))
	}
	if l.Burstiness > 0 {
		parts = append(parts, fmt.Sprintf("burstiness %g", l.Burstiness))
	}
	if tr := l.Trace; tr != nil {
		parts = append(parts, fmt.Sprintf("%d requests in the window, time scale %g", tr.Requests, tr.TimeScale))
	}
	if l.Requests > 0 {
		parts = append(parts, fmt.Sprintf("%d requests", l.Requests))
	}
	if l.DurationS > 0 {
		parts = append(parts, fmt.Sprintf("%g s", l.DurationS))
	}
	parts = append(parts, fmt.Sprintf("warm-up %d", l.Warmup), fmt.Sprintf("seed %d", l.Seed))
	return strings.Join(parts, ", ")
}

func compactJSON(v any) string {
	b, err := json.Marshal(v)
	if err != nil {
		return fmt.Sprint(v)
	}
	return string(b)
}

func comparisonTable(c *Comparison) htmlTable {
	header, rows := c.keyCells()
	t := htmlTable{Header: header}
	keys := c.keyComparisonRows()
	for i, line := range rows {
		var row []htmlCell
		for j, text := range line {
			cell := htmlCell{Text: text}
			// Delta columns are 3, 5, 7...: the verdict colours them.
			if j >= 3 && j%2 == 1 {
				cell.Class = keys[i].Cells[(j-1)/2].Verdict
			}
			row = append(row, cell)
		}
		t.Rows = append(t.Rows, row)
	}
	return t
}

// maxFlatRows caps a generic JSON section: it is a summary, not a dump.
const maxFlatRows = 200

// flatten turns nested JSON values into sorted dotted-path rows, leaving
// out keys that name secrets.
func flatten(v any) []kv {
	var out []kv
	var walk func(prefix string, v any)
	walk = func(prefix string, v any) {
		if len(out) >= maxFlatRows {
			return
		}
		switch t := v.(type) {
		case map[string]any:
			for _, k := range slices.Sorted(maps.Keys(t)) {
				if secretKey(k) {
					continue
				}
				walk(join(prefix, k), t[k])
			}
		case []any:
			if scalars(t) {
				out = append(out, kv{prefix, compactJSON(t)})
				return
			}
			for i, e := range t {
				walk(fmt.Sprintf("%s[%d]", prefix, i), e)
			}
		case nil:
		case bool:
			out = append(out, kv{prefix, strconv.FormatBool(t)})
		case string:
			out = append(out, kv{prefix, t})
		case float64:
			out = append(out, kv{prefix, strconv.FormatFloat(t, 'g', -1, 64)})
		default:
			// Typed values (run.json's engine, a workload spec): go
			// through JSON to walk them like decoded ones.
			b, err := json.Marshal(t)
			var g any
			if err != nil || json.Unmarshal(b, &g) != nil {
				out = append(out, kv{prefix, fmt.Sprint(t)})
				return
			}
			if _, isBool := g.(bool); isBool {
				out = append(out, kv{prefix, fmt.Sprint(g)})
				return
			}
			walk(prefix, g)
		}
	}
	walk("", v)
	return out
}

func join(prefix, k string) string {
	if prefix == "" {
		return k
	}
	return prefix + "." + k
}

func scalars(a []any) bool {
	for _, e := range a {
		switch e.(type) {
		case map[string]any, []any:
			return false
		}
	}
	return true
}

// secretKey reports whether a JSON key names a credential. "tokens" is a
// count, not a secret, so only whole names are matched for token.
func secretKey(k string) bool {
	k = strings.ToLower(k)
	for _, s := range []string{"secret", "password", "passwd", "api_key", "apikey", "authorization", "credential"} {
		if strings.Contains(k, s) {
			return true
		}
	}
	return k == "token" || k == "access_token" || k == "bearer" || k == "headers"
}
