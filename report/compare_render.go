package report

import (
	"bytes"
	"encoding/csv"
	"fmt"
	"io"
	"strconv"
	"strings"

	"github.com/olekukonko/tablewriter"
	"github.com/olekukonko/tablewriter/renderer"
	"github.com/olekukonko/tablewriter/tw"

	"github.com/tokenbench/tokenbench/bench"
)

// The renderers of this file serve one run and several alike: a single
// run is a comparison of one, without deltas. All write plain ASCII
// except labels and error text taken from the input.

// notAvailable is shown for a statistic a run has no value for.
const notAvailable = "n/a"

// tableStats are the distribution columns of the human tables.
var tableStats = []string{"count", "mean", "p50", "p90", "p95", "p99", "max"}

func (r StatRow) format(v float64) string {
	return strconv.FormatFloat(v, 'f', r.decimals, 64)
}

func (r StatRow) text() string {
	if !r.Available {
		return notAvailable
	}
	return r.format(r.Value)
}

// WriteCSV writes every statistic of s, one row per metric and statistic:
// metric,statistic,unit,value. An unavailable value is an empty field.
func (s *Summary) WriteCSV(w io.Writer) error {
	cw := csv.NewWriter(w)
	_ = cw.Write([]string{"metric", "statistic", "unit", "value"})
	for _, r := range s.StatRows() {
		v := ""
		if r.Available {
			v = strconv.FormatFloat(r.Value, 'g', -1, 64)
		}
		_ = cw.Write([]string{r.Metric, r.Stat, r.Unit, v})
	}
	cw.Flush()
	if err := cw.Error(); err != nil {
		return fmt.Errorf("report: write csv: %w", err)
	}
	return nil
}

// headerPairs is the run-level header of the human renderers.
func (s *Summary) headerPairs() [][2]string {
	r := s.Requests
	req := fmt.Sprintf("%d total, %d ok, %d failed", r.Total, r.OK, r.Failed)
	if len(r.Errors) > 0 {
		var classes []string
		for _, k := range s.errorClasses() {
			classes = append(classes, fmt.Sprintf("%s %d", k, r.Errors[k]))
		}
		req += " (" + strings.Join(classes, ", ") + ")"
	}
	t := s.Throughput
	out := [][2]string{{"Requests", req}}
	if r.WarmupExcluded > 0 {
		out = append(out, [2]string{"Warm-up", fmt.Sprintf("%d excluded", r.WarmupExcluded)})
	}
	if s.Clock == bench.ClockVirtual {
		out = append(out, [2]string{"Clock", "virtual: every time is simulated by the built-in engine's model, not measured"})
	}
	out = append(out, [][2]string{
		{"Window", fmt.Sprintf("%.2f s", s.WindowS)},
		{"Throughput", fmt.Sprintf("%.2f req/s, input %.1f tok/s, output %.1f tok/s, total %.1f tok/s",
			t.RequestsPerS, t.InputTokensPerS, t.OutputTokensPerS, t.TotalTokensPerS)},
	}...)
	if s.Source.Lacks("concurrency_achieved", "") {
		out = append(out, [2]string{"Concurrency", notAvailable})
	} else {
		out = append(out, [2]string{"Concurrency", fmt.Sprintf("%.2f achieved (sum E2E / window)", s.ConcurrencyAchieved)})
	}
	tok := fmt.Sprintf("input %d, output %d", s.Tokens.Input, s.Tokens.Output)
	if s.Tokens.Cached != nil {
		tok += fmt.Sprintf(", cached %d", *s.Tokens.Cached)
	}
	return append(out, [2]string{"Tokens", tok})
}

// latencyCells returns, per distribution s has, its label and the
// tableStats cells.
func (s *Summary) latencyCells() [][]string {
	rows := s.StatRows()
	var out [][]string
	for _, m := range distMetrics {
		if m.get(s) == nil {
			continue
		}
		line := []string{m.label + " (" + m.unit + ")"}
		for _, st := range tableStats {
			for _, r := range rows {
				if r.Metric == m.name && r.Stat == st {
					line = append(line, r.text())
				}
			}
		}
		out = append(out, line)
	}
	return out
}

// sourceLines says where an imported summary came from and what it lacks.
func (s *Summary) sourceLines() []string {
	p := s.Source
	if p == nil {
		return nil
	}
	lines := []string{fmt.Sprintf("Source: %s (%s)", p.Format, p.Path)}
	if len(p.Unavailable) > 0 {
		lines = append(lines, "Unavailable from this format: "+strings.Join(p.Unavailable, ", "))
	}
	for _, n := range p.Notes {
		lines = append(lines, "Note: "+n)
	}
	return lines
}

// WriteReport writes the terminal summary: WriteTable for a run of ours,
// and for an imported one a table that shows what the source lacks as n/a,
// followed by its provenance.
func (s *Summary) WriteReport(w io.Writer) error {
	if s.Source == nil {
		return s.WriteTable(w)
	}
	var b bytes.Buffer
	for _, p := range s.headerPairs() {
		fmt.Fprintf(&b, "%-13s %s\n", p[0], p[1])
	}
	b.WriteByte('\n')
	header := append([]string{"Metric"}, tableStats...)
	if err := asciiTable(&b, header, s.latencyCells()); err != nil {
		return fmt.Errorf("report: render table: %w", err)
	}
	b.WriteByte('\n')
	for _, l := range s.sourceLines() {
		b.WriteString(l + "\n")
	}
	if _, err := w.Write(b.Bytes()); err != nil {
		return fmt.Errorf("report: write table: %w", err)
	}
	return nil
}

// WriteASCIITable renders a table the way every terminal table of
// tokenbench looks: ASCII borders, no colour, headers as given, the first
// column left-aligned and the others right-aligned.
func WriteASCIITable(w io.Writer, header []string, rows [][]string) error {
	return asciiTable(w, header, rows)
}

func asciiTable(b io.Writer, header []string, rows [][]string) error {
	align := tw.Alignment{tw.AlignLeft}
	for range header[1:] {
		align = append(align, tw.AlignRight)
	}
	table := tablewriter.NewTable(b,
		tablewriter.WithRenderer(renderer.NewBlueprint(tw.Rendition{Symbols: tw.NewSymbols(tw.StyleASCII)})),
		tablewriter.WithHeaderAutoFormat(tw.Off),
		tablewriter.WithRowAutoFormat(tw.Off),
		tablewriter.WithAlignment(align),
	)
	table.Header(toAny(header)...)
	for _, r := range rows {
		if err := table.Append(r); err != nil {
			return err
		}
	}
	return table.Render()
}

func toAny(s []string) []any {
	out := make([]any, len(s))
	for i, v := range s {
		out[i] = v
	}
	return out
}

// WriteMarkdown writes s as GitHub-flavoured Markdown: a header table, a
// latency table, and the provenance of an import.
func (s *Summary) WriteMarkdown(w io.Writer) error {
	var b bytes.Buffer
	b.WriteString("| | |\n|---|---|\n")
	for _, p := range s.headerPairs() {
		fmt.Fprintf(&b, "| %s | %s |\n", p[0], mdEscape(p[1]))
	}
	if cells := s.latencyCells(); len(cells) > 0 {
		b.WriteString("\n")
		mdTable(&b, append([]string{"Metric"}, tableStats...), cells)
	} else {
		b.WriteString("\nNo latency samples.\n")
	}
	if lines := s.sourceLines(); len(lines) > 0 {
		b.WriteString("\n")
		for _, l := range lines {
			b.WriteString("- " + mdEscape(l) + "\n")
		}
	}
	if _, err := w.Write(b.Bytes()); err != nil {
		return fmt.Errorf("report: write markdown: %w", err)
	}
	return nil
}

func mdTable(b *bytes.Buffer, header []string, rows [][]string) {
	b.WriteString("| " + strings.Join(header, " | ") + " |\n|---")
	for range header[1:] {
		b.WriteString("|--:")
	}
	b.WriteString("|\n")
	for _, r := range rows {
		esc := make([]string, len(r))
		for i, c := range r {
			esc[i] = mdEscape(c)
		}
		b.WriteString("| " + strings.Join(esc, " | ") + " |\n")
	}
}

func mdEscape(s string) string {
	return strings.NewReplacer("|", `\|`, "\n", " ").Replace(s)
}
