package report

import (
	"math"
)

// Direction says which way a metric improves.
type Direction int

// Directions of metrics. Latencies and error rates improve downwards,
// throughputs and output speed upwards; counts and spreads are neutral.
const (
	Neutral Direction = iota
	LowerIsBetter
	HigherIsBetter
)

// String is the direction as JSON and CSV write it.
func (d Direction) String() string {
	switch d {
	case LowerIsBetter:
		return "lower_is_better"
	case HigherIsBetter:
		return "higher_is_better"
	}
	return "neutral"
}

// Verdicts of a delta against the baseline run.
const (
	Better = "better"
	Worse  = "worse"
	Same   = "same"
)

// StatRow is one statistic of one metric of a Summary: the long form that
// CSV, JSON comparisons and the key-metric tables are built from.
type StatRow struct {
	// Metric is the Summary JSON name ("ttft_ms", "throughput.output_tokens_per_s").
	Metric string
	// Stat is the statistic ("p50", "mean") or "value" for a scalar.
	Stat  string
	Label string
	Unit  string
	Dir   Direction
	// Value is valid only when Available.
	Value     float64
	Available bool
	decimals  int
}

// distMetric describes one Distribution field of Summary.
type distMetric struct {
	name, label, unit string
	dir               Direction
	decimals          int
	get               func(*Summary) *Distribution
}

var distMetrics = []distMetric{
	{"ttft_ms", "TTFT", "ms", LowerIsBetter, 2, func(s *Summary) *Distribution { return s.TTFTMS }},
	{"ttft_sched_ms", "TTFT from schedule", "ms", LowerIsBetter, 2, func(s *Summary) *Distribution { return s.TTFTSchedMS }},
	{"tpot_ms", "TPOT", "ms", LowerIsBetter, 2, func(s *Summary) *Distribution { return s.TPOTMS }},
	{"itl_ms", "ITL", "ms", LowerIsBetter, 2, func(s *Summary) *Distribution { return s.ITLMS }},
	{"e2e_ms", "E2E", "ms", LowerIsBetter, 2, func(s *Summary) *Distribution { return s.E2EMS }},
	{"schedule_lag_ms", "Schedule lag", "ms", LowerIsBetter, 3, func(s *Summary) *Distribution { return s.ScheduleLagMS }},
	{"output_speed_tokens_per_s", "Output speed", "tok/s", HigherIsBetter, 1, func(s *Summary) *Distribution { return s.OutputSpeed }},
}

// distStats lists the statistics of a Distribution in output order.
var distStats = []struct {
	name string
	get  func(*Distribution) float64
}{
	{"count", func(d *Distribution) float64 { return float64(d.Count) }},
	{"mean", func(d *Distribution) float64 { return d.Mean }},
	{"std", func(d *Distribution) float64 { return d.Std }},
	{"min", func(d *Distribution) float64 { return d.Min }},
	{"p50", func(d *Distribution) float64 { return d.P50 }},
	{"p90", func(d *Distribution) float64 { return d.P90 }},
	{"p95", func(d *Distribution) float64 { return d.P95 }},
	{"p99", func(d *Distribution) float64 { return d.P99 }},
	{"p999", func(d *Distribution) float64 { return d.P999 }},
	{"max", func(d *Distribution) float64 { return d.Max }},
}

// StatRows returns every statistic of s in a fixed order: counts, window,
// tokens, throughputs, concurrency, then each distribution's statistics.
// A statistic that s has no samples for, or that its import source cannot
// give (Provenance.Unavailable), is not Available.
func (s *Summary) StatRows() []StatRow {
	var rows []StatRow
	scalar := func(metric, label, unit string, dir Direction, decimals int, v float64) {
		rows = append(rows, StatRow{Metric: metric, Stat: "value", Label: label, Unit: unit, Dir: dir,
			Value: v, Available: !s.Source.Lacks(metric, ""), decimals: decimals})
	}
	r := s.Requests
	scalar("requests.total", "Requests", "requests", Neutral, 0, float64(r.Total))
	scalar("requests.ok", "Requests ok", "requests", Neutral, 0, float64(r.OK))
	scalar("requests.failed", "Requests failed", "requests", LowerIsBetter, 0, float64(r.Failed))
	errRate := 0.0
	if r.Total > 0 {
		errRate = 100 * float64(r.Failed) / float64(r.Total)
	}
	scalar("requests.error_rate_pct", "Error rate", "%", LowerIsBetter, 2, errRate)
	for _, c := range s.errorClasses() {
		scalar("requests.errors."+c, "Errors "+c, "requests", LowerIsBetter, 0, float64(r.Errors[c]))
	}
	scalar("window_s", "Window", "s", Neutral, 2, s.WindowS)
	scalar("tokens.input", "Input tokens", "tokens", Neutral, 0, float64(s.Tokens.Input))
	scalar("tokens.output", "Output tokens", "tokens", Neutral, 0, float64(s.Tokens.Output))
	if s.Tokens.Cached != nil {
		scalar("tokens.cached", "Cached tokens", "tokens", Neutral, 0, float64(*s.Tokens.Cached))
	}
	t := s.Throughput
	scalar("throughput.requests_per_s", "Request throughput", "req/s", HigherIsBetter, 2, t.RequestsPerS)
	scalar("throughput.input_tokens_per_s", "Input throughput", "tok/s", HigherIsBetter, 1, t.InputTokensPerS)
	scalar("throughput.output_tokens_per_s", "Output throughput", "tok/s", HigherIsBetter, 1, t.OutputTokensPerS)
	scalar("throughput.total_tokens_per_s", "Total throughput", "tok/s", HigherIsBetter, 1, t.TotalTokensPerS)
	scalar("concurrency_achieved", "Concurrency achieved", "requests", Neutral, 2, s.ConcurrencyAchieved)
	if g := s.Goodput; g != nil {
		scalar("goodput.requests_per_s", "Goodput", "req/s", HigherIsBetter, 2, g.RequestsPerS)
		scalar("goodput.output_tokens_per_s", "Goodput tokens", "tok/s", HigherIsBetter, 1, g.OutputTokensPerS)
		scalar("goodput.slo_attainment_pct", "SLO attainment", "%", HigherIsBetter, 2, 100*g.Attainment)
	}
	if rt := s.Routing; rt != nil {
		if s.Engine != nil && s.Engine.PrefixReuse != nil && s.Engine.PrefixReuse.ObtainedUsage != nil {
			scalar("routing.prefix_reuse_pct", "Prefix reuse", "%", HigherIsBetter, 2, 100**s.Engine.PrefixReuse.ObtainedUsage)
		}
		scalar("routing.requests_max_over_mean", "Busiest endpoint, requests / mean", "ratio", LowerIsBetter, 2, rt.RequestsMaxOverMean)
		scalar("routing.tokens_max_over_mean", "Busiest endpoint, tokens / mean", "ratio", LowerIsBetter, 2, rt.TokensMaxOverMean)
		if d := rt.Disagg; d != nil && d.KVTransferMS != nil {
			scalar("routing.disagg.kv_transfer_ms_p50", "KV transfer p50", "ms", LowerIsBetter, 3, d.KVTransferMS.P50)
		}
	}
	for _, m := range distMetrics {
		d := m.get(s)
		for _, st := range distStats {
			row := StatRow{Metric: m.name, Stat: st.name, Label: m.label + " " + st.name, Unit: m.unit,
				Dir: m.dir, decimals: m.decimals}
			if st.name == "count" {
				row.Unit, row.decimals = "samples", 0
			}
			if st.name == "count" || st.name == "std" {
				row.Dir = Neutral
			}
			if d != nil && !s.Source.Lacks(m.name, st.name) {
				row.Value, row.Available = finite(st.get(d)), true
			}
			rows = append(rows, row)
		}
	}
	return rows
}

// keyRows names the statistics that side-by-side tables show.
var keyRows = []struct{ metric, stat string }{
	{"requests.total", "value"}, {"requests.error_rate_pct", "value"},
	{"throughput.requests_per_s", "value"}, {"throughput.output_tokens_per_s", "value"},
	{"throughput.total_tokens_per_s", "value"}, {"concurrency_achieved", "value"},
	{"goodput.requests_per_s", "value"}, {"goodput.slo_attainment_pct", "value"},
	{"routing.prefix_reuse_pct", "value"}, {"routing.requests_max_over_mean", "value"},
	{"routing.tokens_max_over_mean", "value"}, {"routing.disagg.kv_transfer_ms_p50", "value"},
	{"ttft_ms", "p50"}, {"ttft_ms", "p99"}, {"tpot_ms", "p50"}, {"tpot_ms", "p99"},
	{"itl_ms", "p50"}, {"itl_ms", "p99"}, {"e2e_ms", "p50"}, {"e2e_ms", "p99"},
	{"output_speed_tokens_per_s", "p50"},
}

// Cell is one run's value of a statistic, with its delta against the
// first run of the comparison.
type Cell struct {
	Value     float64
	Available bool
	// Delta is Value minus the baseline's; DeltaPct is Delta as a percent
	// of the baseline, NaN when the baseline is 0. Both are meaningful
	// only when HasDelta.
	Delta, DeltaPct float64
	HasDelta        bool
	// Verdict is Better, Worse, Same, or "" for a neutral metric or a
	// missing value.
	Verdict string
}

// ComparisonRow is one statistic across the runs compared.
type ComparisonRow struct {
	StatRow
	Cells []Cell
}

// Comparison puts runs side by side; the first is the baseline.
type Comparison struct {
	Labels    []string
	Summaries []*Summary
	Rows      []ComparisonRow
}

// Compare builds the comparison of sums, labelled by labels; the first is
// the baseline every delta is taken against.
func Compare(labels []string, sums []*Summary) *Comparison {
	c := &Comparison{Labels: labels, Summaries: sums}
	if len(sums) == 0 {
		return c
	}
	// Error classes differ between runs; rows are matched by metric and
	// statistic, and a row one run lacks is unavailable there.
	type key struct{ metric, stat string }
	var order []key
	byRun := make([]map[key]StatRow, len(sums))
	seen := map[key]StatRow{}
	for i, s := range sums {
		byRun[i] = map[key]StatRow{}
		for _, r := range s.StatRows() {
			k := key{r.Metric, r.Stat}
			byRun[i][k] = r
			if _, ok := seen[k]; !ok {
				seen[k] = r
				order = append(order, k)
			}
		}
	}
	for _, k := range order {
		row := ComparisonRow{StatRow: seen[k]}
		row.Value, row.Available = 0, false
		base, baseOK := byRun[0][k]
		for i := range sums {
			r, ok := byRun[i][k]
			cell := Cell{Value: r.Value, Available: ok && r.Available}
			if i > 0 && cell.Available && baseOK && base.Available {
				cell.HasDelta = true
				cell.Delta = cell.Value - base.Value
				cell.DeltaPct = math.NaN()
				if base.Value != 0 {
					cell.DeltaPct = 100 * cell.Delta / math.Abs(base.Value)
				}
				cell.Verdict = verdict(row.Dir, cell.Delta)
			}
			row.Cells = append(row.Cells, cell)
		}
		c.Rows = append(c.Rows, row)
	}
	return c
}

// verdict judges a delta by the metric's direction.
func verdict(d Direction, delta float64) string {
	switch {
	case d == Neutral:
		return ""
	case delta == 0:
		return Same
	case (delta < 0) == (d == LowerIsBetter):
		return Better
	}
	return Worse
}

// keyComparisonRows returns the rows of keyRows, in that order.
func (c *Comparison) keyComparisonRows() []ComparisonRow {
	var out []ComparisonRow
	for _, k := range keyRows {
		for _, r := range c.Rows {
			if r.Metric == k.metric && r.Stat == k.stat {
				out = append(out, r)
			}
		}
	}
	return out
}
