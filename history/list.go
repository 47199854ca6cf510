package history

import (
	"encoding/json"
	"fmt"
	"io"
	"strings"
	"text/tabwriter"
)

// List is runs as `tokenbench history` lists them (newest first, as Runs
// returns them) with one statistic each.
type List struct {
	// DB names the database in the table of an empty list.
	DB string
	// Metric is the summary.json path listed (ttft_ms.p50).
	Metric string
	Runs   []Run
}

// WriteTable writes one line per run: id, start time (UTC), name,
// scenario, tool version, git commit, gate status and the metric's value
// ("-" where a run has none).
func (l List) WriteTable(w io.Writer) error {
	tw := tabwriter.NewWriter(w, 0, 0, 2, ' ', 0)
	fmt.Fprintf(tw, "ID\tSTARTED (UTC)\tNAME\tSCENARIO\tVERSION\tGIT\tGATE\t%s\n", strings.ToUpper(l.Metric))
	for _, r := range l.Runs {
		val := "-"
		if v, ok := r.Stats[l.Metric]; ok {
			val = fmt.Sprintf("%.4g", v)
		}
		fmt.Fprintf(tw, "%d\t%s\t%s\t%s\t%s\t%s\t%s\t%s\n", r.ID, r.StartedAt.UTC().Format("2006-01-02 15:04:05"), r.Name, r.Scenario,
			r.ToolVersion, dash(ShortKey(r.GitCommit)), dash(r.GateStatus), val)
	}
	if err := tw.Flush(); err != nil {
		return fmt.Errorf("history: %w", err)
	}
	if len(l.Runs) == 0 {
		if _, err := fmt.Fprintf(w, "(no runs in %s)\n", l.DB); err != nil {
			return fmt.Errorf("history: %w", err)
		}
	}
	return nil
}

// WriteJSON writes the runs as an indented JSON array ([] when empty),
// every statistic of each included.
func (l List) WriteJSON(w io.Writer) error {
	runs := l.Runs
	if runs == nil {
		runs = []Run{}
	}
	b, err := json.MarshalIndent(runs, "", "  ")
	if err != nil {
		return fmt.Errorf("history: %w", err)
	}
	if _, err := fmt.Fprintf(w, "%s\n", b); err != nil {
		return fmt.Errorf("history: %w", err)
	}
	return nil
}

func dash(s string) string {
	if s == "" {
		return "-"
	}
	return s
}
