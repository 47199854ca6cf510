package report

import (
	"bytes"
	"encoding/csv"
	"encoding/json"
	"fmt"
	"io"
	"slices"
)

// Output formats of Render.
const (
	FormatTable    = "table"
	FormatJSON     = "json"
	FormatCSV      = "csv"
	FormatMarkdown = "markdown"
	FormatHTML     = "html"
)

// Formats lists the formats Render accepts.
var Formats = []string{FormatTable, FormatJSON, FormatCSV, FormatMarkdown, FormatHTML}

// Render writes set in format: one run as its summary, several runs side
// by side (Compare), sweeps as one row per run with the Pareto front
// marked; html is the whole page of WriteHTML.
func Render(w io.Writer, set *Set, format string, o PlotOptions) error {
	if !slices.Contains(Formats, format) {
		return fmt.Errorf("report: unknown format %q (want one of %v)", format, Formats)
	}
	o = o.withDefaults()
	if format == FormatHTML {
		return WriteHTML(w, set, HTMLOptions{Plot: o})
	}
	var b bytes.Buffer
	if format == FormatJSON && len(set.Sweeps) > 0 {
		return writeSetJSON(w, set, o.GPUs)
	}
	if err := renderRuns(&b, set.Runs, format); err != nil {
		return err
	}
	for i, sw := range set.Sweeps {
		if b.Len() > 0 && format != FormatCSV && format != FormatJSON {
			b.WriteString("\n")
		}
		if err := writeSweep(&b, sw, format, o.GPUs, i == 0); err != nil {
			return err
		}
	}
	if _, err := w.Write(b.Bytes()); err != nil {
		return fmt.Errorf("report: write %s: %w", format, err)
	}
	return nil
}

func renderRuns(w io.Writer, runs []*Run, format string) error {
	switch len(runs) {
	case 0:
		return nil
	case 1:
		s := runs[0].Summary
		switch format {
		case FormatJSON:
			return s.WriteJSON(w)
		case FormatCSV:
			return s.WriteCSV(w)
		case FormatMarkdown:
			return s.WriteMarkdown(w)
		}
		return s.WriteReport(w)
	}
	labels := make([]string, len(runs))
	sums := make([]*Summary, len(runs))
	for i, r := range runs {
		labels[i], sums[i] = r.Label, r.Summary
	}
	c := Compare(labels, sums)
	switch format {
	case FormatJSON:
		return c.WriteJSON(w)
	case FormatCSV:
		return c.WriteCSV(w)
	case FormatMarkdown:
		return c.WriteMarkdown(w)
	}
	return c.WriteTable(w)
}

// writeSweep writes one sweep: a titled table, or for CSV rows with the
// sweep's name (header only before the first).
func writeSweep(b *bytes.Buffer, sw *Sweep, format string, gpus int, first bool) error {
	t, _ := sweepTable(sw, gpus, nil)
	var rows [][]string
	for _, r := range t.Rows {
		var line []string
		for _, c := range r {
			line = append(line, c.Text)
		}
		rows = append(rows, line)
	}
	switch format {
	case FormatCSV:
		cw := csv.NewWriter(b)
		if first {
			_ = cw.Write(append([]string{"sweep"}, t.Header...))
		}
		for _, r := range rows {
			_ = cw.Write(append([]string{sw.Label}, r...))
		}
		cw.Flush()
		return cw.Error()
	case FormatMarkdown:
		fmt.Fprintf(b, "Sweep %s (%d GPU):\n\n", mdEscape(sw.Label), gpus)
		mdTable(b, t.Header, rows)
	default:
		fmt.Fprintf(b, "Sweep %s (%d GPU)\n", sw.Label, gpus)
		if err := asciiTable(b, t.Header, rows); err != nil {
			return fmt.Errorf("report: render sweep: %w", err)
		}
	}
	return nil
}

// writeSetJSON writes runs and sweeps as one JSON document, so that the
// output stays one value a JSON reader can take.
func writeSetJSON(w io.Writer, set *Set, gpus int) error {
	type sweepJSON struct {
		Sweep  string       `json:"sweep"`
		Points []SweepPoint `json:"points"`
		Pareto []int        `json:"pareto_front"`
	}
	out := struct {
		GPUs   int         `json:"gpus"`
		Runs   []runJSON   `json:"runs"`
		Sweeps []sweepJSON `json:"sweeps"`
	}{GPUs: gpus, Runs: []runJSON{}}
	for _, r := range set.Runs {
		out.Runs = append(out.Runs, runJSON{Label: r.Label, Summary: r.Summary})
	}
	for _, sw := range set.Sweeps {
		pts := sw.Chart()
		out.Sweeps = append(out.Sweeps, sweepJSON{sw.Label, pts, ParetoFront(pts)})
	}
	enc, err := json.MarshalIndent(out, "", "  ")
	if err != nil {
		return fmt.Errorf("report: encode report: %w", err)
	}
	if _, err := w.Write(append(enc, '\n')); err != nil {
		return fmt.Errorf("report: write json: %w", err)
	}
	return nil
}
