package report

import (
	"bytes"
	"fmt"
	"io"
	"maps"
	"slices"
	"strconv"
	"strings"

	"github.com/tokenbench/tokenbench/bench"
)

// latencyRow names one distribution in the terminal table, with its unit.
type latencyRow struct {
	name     string
	d        *Distribution
	decimals int
}

// rows lists the distributions in table order; nil ones are skipped.
func (s *Summary) rows() []latencyRow {
	return []latencyRow{
		{"TTFT (ms)", s.TTFTMS, 2},
		{"TTFT from schedule (ms)", s.TTFTSchedMS, 2},
		{"TPOT (ms)", s.TPOTMS, 2},
		{"ITL (ms)", s.ITLMS, 2},
		{"E2E (ms)", s.E2EMS, 2},
		{"Schedule lag (ms)", s.ScheduleLagMS, 3}, // healthy is well under 1 ms
		{"Output speed (tok/s)", s.OutputSpeed, 1},
	}
}

// WriteTable writes a human summary for the terminal: a header block of
// counts and rates, then one latency row per distribution that has samples.
// The output is plain ASCII with no colour, so it is stable in golden files
// and in logs.
func (s *Summary) WriteTable(w io.Writer) error {
	var b bytes.Buffer
	s.writeHeader(&b)
	b.WriteByte('\n')
	if err := s.writeLatencies(&b); err != nil {
		return fmt.Errorf("report: render table: %w", err)
	}
	s.writeRouting(&b)
	if _, err := w.Write(b.Bytes()); err != nil {
		return fmt.Errorf("report: write table: %w", err)
	}
	return nil
}

func (s *Summary) writeHeader(b *bytes.Buffer) {
	r := s.Requests
	line := func(label, format string, args ...any) {
		fmt.Fprintf(b, "%-13s %s\n", label, fmt.Sprintf(format, args...))
	}
	req := fmt.Sprintf("%d total, %d ok, %d failed", r.Total, r.OK, r.Failed)
	if len(r.Errors) > 0 {
		classes := make([]string, 0, len(r.Errors))
		for _, k := range slices.Sorted(maps.Keys(r.Errors)) {
			classes = append(classes, fmt.Sprintf("%s %d", k, r.Errors[k]))
		}
		req += " (" + strings.Join(classes, ", ") + ")"
	}
	if r.Retried > 0 {
		req += fmt.Sprintf("; %d retried on a fresh connection (the first attempt never reached the server)", r.Retried)
	}
	line("Requests", "%s", req)
	if sh := s.Shards; sh != nil {
		note := fmt.Sprintf("%d of %d merged", sh.Merged, sh.Count)
		if len(sh.Missing) > 0 {
			note += "; missing " + shardList(sh.Missing, sh.Count) + ": this run is partial"
		}
		line("Shards", "%s", note)
	}
	if v := s.Validity; v != nil && !v.Valid {
		checks := make([]string, len(v.Reasons))
		for i, reason := range v.Reasons {
			checks[i] = reason.Check
		}
		line("Validity", "NOT VALID: %s (validity in summary.json)", strings.Join(checks, ", "))
	}
	if h := s.HeldBack; h != nil {
		line("", "WARNING: %s", HeldBackText(h))
	}
	if l := s.SkippedValues; len(l) > 0 {
		line("Left out", "WARNING: %d values of corrupt records: %s (skipped_values in summary.json)", l.Total(), l)
	}
	if r.WarmupExcluded > 0 {
		line("Warm-up", "%d excluded", r.WarmupExcluded)
	}
	if s.Clock == bench.ClockVirtual {
		line("Clock", "virtual: every time is simulated by the built-in engine's model, not measured")
	}
	line("Window", "%.2f s", s.WindowS)
	t := s.Throughput
	line("Throughput", "%.2f req/s, input %.1f tok/s, output %.1f tok/s, total %.1f tok/s",
		t.RequestsPerS, t.InputTokensPerS, t.OutputTokensPerS, t.TotalTokensPerS)
	line("Concurrency", "%.2f achieved (sum E2E / window)", s.ConcurrencyAchieved)
	tok := fmt.Sprintf("input %d, output %d", s.Tokens.Input, s.Tokens.Output)
	if s.Tokens.Cached != nil {
		tok += fmt.Sprintf(", cached %d", *s.Tokens.Cached)
	}
	if est, bad := s.Tokens.EstimatedRecords, s.Tokens.UsageSuspectRecords; est > 0 && bad == 0 {
		tok += fmt.Sprintf(" (estimated locally for %d of %d ok requests: no server usage)", est, s.Requests.OK)
	} else if est > 0 {
		tok += fmt.Sprintf(" (estimated locally for %d of %d ok requests: no server usage for %d, usage not believed for %d)",
			est, s.Requests.OK, est-bad, bad)
	}
	line("Tokens", "%s", tok)
	if p := s.PromptLength; p != nil && p.MaxAbsError > 1 {
		line("Prompt length", "server counted %.1f tokens on average for a target of %.1f (%.0f%% within +-1 token)",
			p.ActualMean, p.TargetMean, 100*p.WithinOneShare)
	}
	if g := s.Goodput; g != nil {
		line("Goodput", "%.1f%% of requests within %s: %.2f req/s, %.1f output tok/s",
			100*g.Attainment, g.SLO, g.RequestsPerS, g.OutputTokensPerS)
	}
	if ss := s.Sessions; ss != nil {
		line("Sessions", "%d, turns mean %.1f, duration p50 %.2f s, model %.0f%% of session time (the rest think and tool time)",
			ss.Count, ss.Turns.Mean, ss.DurationMS.P50/1000, 100*ss.ModelShare)
		for _, b := range ss.TTFTByContext {
			line("", "TTFT p50 %8.2f ms at %6d-%-6d prompt tokens (%d turns)", b.TTFTP50MS, b.MinTokens, b.MaxTokens, b.Requests)
		}
	}
	s.writeEngine(line)
}

func (s *Summary) writeLatencies(b *bytes.Buffer) error {
	var rows []latencyRow
	for _, r := range s.rows() {
		if r.d != nil {
			rows = append(rows, r)
		}
	}
	if len(rows) == 0 {
		b.WriteString("No latency samples.\n")
		return nil
	}
	var out [][]string
	for _, r := range rows {
		f := func(v float64) string { return strconv.FormatFloat(v, 'f', r.decimals, 64) }
		d := r.d
		out = append(out, []string{r.name, strconv.Itoa(d.Count), f(d.Mean), f(d.P50), f(d.P90), f(d.P95), f(d.P99), f(d.Max)})
	}
	return asciiTable(b, []string{"Metric", "count", "mean", "p50", "p90", "p95", "p99", "max"}, out)
}
