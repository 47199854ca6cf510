package workloads

import (
	"fmt"
	"io"
	"strings"
	"text/tabwriter"
	"time"
)

// WriteText renders the inspection for a terminal.
func (ins *Inspection) WriteText(w io.Writer) error {
	tw := tabwriter.NewWriter(w, 0, 0, 2, ' ', 0)
	row := func(label, format string, args ...any) {
		fmt.Fprintf(tw, "%s\t%s\n", label, fmt.Sprintf(format, args...))
	}
	name := ins.Kind
	if ins.Path != "" {
		name += ":" + ins.Path
	}
	row("workload", "%s", name)
	if f := ins.File; f != nil {
		row("file", "%d records, %d requests per pass", f.Records, f.Requests)
		if len(f.Skipped) > 0 {
			row("skipped", "%s", skipSummary(f.Skipped))
		}
		for _, n := range f.Notes {
			row("note", "%s", n)
		}
	}
	row("requests", "%s", ins.requestsText())
	if ins.Timed > 1 {
		row("span", "%v, mean rate %.3g req/s", ins.Span.Round(time.Millisecond), ins.MeanRatePerS)
	}
	fmt.Fprintf(tw, "tokens\tmin\tp50\tp90\tp99\tmax\tmean\n")
	lengthRow(tw, "  input", ins.Input)
	lengthRow(tw, "  output", ins.Output)
	var lengths []string
	if ins.InputEstimated > 0 {
		lengths = append(lengths, fmt.Sprintf("%d input lengths estimated from text", ins.InputEstimated))
	}
	if ins.OutputUnset > 0 {
		lengths = append(lengths, fmt.Sprintf("%d outputs left to the server", ins.OutputUnset))
	}
	if ins.Forced > 0 {
		lengths = append(lengths, fmt.Sprintf("%d forced to max_tokens", ins.Forced))
	}
	if len(lengths) > 0 {
		row("lengths", "%s", strings.Join(lengths, "; "))
	}
	if ins.WithTools > 0 {
		row("tools", "%d of %d requests offer tools", ins.WithTools, ins.Requests)
	}
	if p := ins.Prefix; p != nil {
		row("prefix reuse", "%.1f%% intended (%d of %d prompt tokens)", 100*p.Ratio, p.ReusableTokens, p.PromptTokens)
	}
	return tw.Flush()
}

func (ins *Inspection) requestsText() string {
	var b strings.Builder
	fmt.Fprintf(&b, "%d", ins.Requests)
	switch {
	case ins.Timed == ins.Requests && ins.Requests > 0:
		b.WriteString(", timed (replayed on the trace's clock)")
	case ins.Timed > 0:
		fmt.Fprintf(&b, ", %d timed", ins.Timed)
	default:
		b.WriteString(", untimed (paced by the run's arrival process)")
	}
	if f := ins.File; f != nil && f.Cycles {
		b.WriteString(", file order, cycling")
		if ins.Requests > f.Requests {
			fmt.Fprintf(&b, " after %d", f.Requests)
		}
	}
	if ins.Limited {
		b.WriteString("; limit reached, the source has more")
	}
	return b.String()
}

func lengthRow(w io.Writer, label string, s LengthStats) {
	if s.Count == 0 {
		fmt.Fprintf(w, "%s\t-\t-\t-\t-\t-\t-\n", label)
		return
	}
	fmt.Fprintf(w, "%s\t%d\t%.0f\t%.0f\t%.0f\t%d\t%.1f\n", label, s.Min, s.P50, s.P90, s.P99, s.Max, s.Mean)
}
