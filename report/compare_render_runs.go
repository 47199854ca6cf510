package report

import (
	"bytes"
	"encoding/csv"
	"encoding/json"
	"fmt"
	"io"
	"math"
	"strconv"
)

// deltaText is a cell's delta as tables show it: "+12.5% better".
func (c Cell) deltaText(r StatRow) string {
	if !c.HasDelta {
		return ""
	}
	var d string
	if math.IsNaN(c.DeltaPct) {
		d = r.format(c.Delta)
		if c.Delta >= 0 {
			d = "+" + d
		}
	} else {
		d = fmt.Sprintf("%+.1f%%", c.DeltaPct)
	}
	if c.Verdict != "" {
		d += " " + c.Verdict
	}
	return d
}

// keyCells lays out the key metrics: label, then per run its value and,
// after the first, its delta.
func (c *Comparison) keyCells() (header []string, rows [][]string) {
	header = []string{"Metric"}
	for i, l := range c.Labels {
		header = append(header, l)
		if i > 0 {
			header = append(header, "vs "+c.Labels[0])
		}
	}
	for _, r := range c.keyComparisonRows() {
		line := []string{r.Label}
		if r.Unit != "requests" {
			line[0] += " (" + r.Unit + ")"
		}
		for i, cell := range r.Cells {
			v := notAvailable
			if cell.Available {
				v = r.format(cell.Value)
			}
			line = append(line, v)
			if i > 0 {
				line = append(line, cell.deltaText(r.StatRow))
			}
		}
		rows = append(rows, line)
	}
	return header, rows
}

// WriteTable writes the key metrics side by side for the terminal, with
// each run's delta against the first and whether it is better or worse.
func (c *Comparison) WriteTable(w io.Writer) error {
	var b bytes.Buffer
	header, rows := c.keyCells()
	if err := asciiTable(&b, header, rows); err != nil {
		return fmt.Errorf("report: render comparison: %w", err)
	}
	c.writeSources(&b, "")
	if _, err := w.Write(b.Bytes()); err != nil {
		return fmt.Errorf("report: write comparison: %w", err)
	}
	return nil
}

// writeSources lists, after a comparison, the provenance of imported runs.
func (c *Comparison) writeSources(b *bytes.Buffer, bullet string) {
	for i, s := range c.Summaries {
		for _, l := range s.sourceLines() {
			line := c.Labels[i] + ": " + l
			if bullet != "" {
				line = bullet + mdEscape(line)
			}
			b.WriteString(line + "\n")
		}
	}
}

// WriteMarkdown writes the key metrics side by side as a Markdown table.
func (c *Comparison) WriteMarkdown(w io.Writer) error {
	var b bytes.Buffer
	header, rows := c.keyCells()
	mdTable(&b, header, rows)
	var src bytes.Buffer
	c.writeSources(&src, "- ")
	if src.Len() > 0 {
		b.WriteString("\n")
		b.Write(src.Bytes())
	}
	if _, err := w.Write(b.Bytes()); err != nil {
		return fmt.Errorf("report: write markdown: %w", err)
	}
	return nil
}

// WriteCSV writes every statistic of every run, one row per metric,
// statistic and run: metric,statistic,unit,direction,run,value,delta,
// delta_pct,verdict. Unavailable values and deltas are empty fields.
func (c *Comparison) WriteCSV(w io.Writer) error {
	cw := csv.NewWriter(w)
	_ = cw.Write([]string{"metric", "statistic", "unit", "direction", "run", "value", "delta", "delta_pct", "verdict"})
	g := func(v float64) string { return strconv.FormatFloat(v, 'g', -1, 64) }
	for _, r := range c.Rows {
		for i, cell := range r.Cells {
			rec := []string{r.Metric, r.Stat, r.Unit, r.Dir.String(), c.Labels[i], "", "", "", cell.Verdict}
			if cell.Available {
				rec[5] = g(cell.Value)
			}
			if cell.HasDelta {
				rec[6] = g(cell.Delta)
				if !math.IsNaN(cell.DeltaPct) {
					rec[7] = g(cell.DeltaPct)
				}
			}
			_ = cw.Write(rec)
		}
	}
	cw.Flush()
	if err := cw.Error(); err != nil {
		return fmt.Errorf("report: write csv: %w", err)
	}
	return nil
}

// comparisonJSON is the JSON form of a Comparison.
type comparisonJSON struct {
	Runs    []runJSON    `json:"runs"`
	Metrics []metricJSON `json:"metrics"`
}

type runJSON struct {
	Label   string   `json:"label"`
	Summary *Summary `json:"summary"`
}

type metricJSON struct {
	Metric    string     `json:"metric"`
	Statistic string     `json:"statistic"`
	Unit      string     `json:"unit"`
	Direction string     `json:"direction"`
	Values    []cellJSON `json:"values"`
}

type cellJSON struct {
	Run      string   `json:"run"`
	Value    *float64 `json:"value"`
	Delta    *float64 `json:"delta,omitempty"`
	DeltaPct *float64 `json:"delta_pct,omitempty"`
	Verdict  string   `json:"verdict,omitempty"`
}

// WriteJSON writes each run's summary and every statistic with its deltas
// against the first run; an unavailable value is null.
func (c *Comparison) WriteJSON(w io.Writer) error {
	out := comparisonJSON{Runs: []runJSON{}, Metrics: []metricJSON{}}
	for i, s := range c.Summaries {
		out.Runs = append(out.Runs, runJSON{Label: c.Labels[i], Summary: s})
	}
	fp := func(v float64) *float64 { return &v }
	for _, r := range c.Rows {
		m := metricJSON{Metric: r.Metric, Statistic: r.Stat, Unit: r.Unit, Direction: r.Dir.String()}
		for i, cell := range r.Cells {
			cj := cellJSON{Run: c.Labels[i], Verdict: cell.Verdict}
			if cell.Available {
				cj.Value = fp(cell.Value)
			}
			if cell.HasDelta {
				cj.Delta = fp(cell.Delta)
				if !math.IsNaN(cell.DeltaPct) {
					cj.DeltaPct = fp(cell.DeltaPct)
				}
			}
			m.Values = append(m.Values, cj)
		}
		out.Metrics = append(out.Metrics, m)
	}
	b, err := json.MarshalIndent(out, "", "  ")
	if err != nil {
		return fmt.Errorf("report: encode comparison: %w", err)
	}
	if _, err := w.Write(append(b, '\n')); err != nil {
		return fmt.Errorf("report: write comparison: %w", err)
	}
	return nil
}
