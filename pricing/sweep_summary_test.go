package pricing

import (
	"encoding/json"
	"fmt"

	"github.com/tokenbench/tokenbench/internal/jsonline"
)

// runSummary is the part of a run's summary.json that pricing's tests give
// ReadSweep. In tokenbench, report.ReadSweepRun reads summaries (through
// report.Summary, the one type of summary.json); pricing cannot import
// report, so its tests decode the fields a sweep uses here.
type runSummary struct {
	Requests *struct {
		Total  int `json:"total"`
		OK     int `json:"ok"`
		Failed int `json:"failed"`
	} `json:"requests"`
	Tokens struct {
		Input  float64 `json:"input"`
		Output float64 `json:"output"`
	} `json:"tokens"`
	Throughput *struct {
		RequestsPerS     float64 `json:"requests_per_s"`
		InputTokensPerS  float64 `json:"input_tokens_per_s"`
		OutputTokensPerS float64 `json:"output_tokens_per_s"`
		TotalTokensPerS  float64 `json:"total_tokens_per_s"`
	} `json:"throughput"`
	TTFTMS  *Percentiles `json:"ttft_ms"`
	TPOTMS  *Percentiles `json:"tpot_ms"`
	E2EMS   *Percentiles `json:"e2e_ms"`
	Goodput *Goodput     `json:"goodput"`
}

// parseRunSummary is the RunReader of pricing's tests.
func parseRunSummary(name string, b []byte) (SweepRun, error) {
	var s runSummary
	if err := json.Unmarshal(b, &s); err != nil {
		return SweepRun{}, fmt.Errorf("%s: %w", name, jsonline.Error(b, err))
	}
	if s.Throughput == nil || s.Requests == nil {
		return SweepRun{}, fmt.Errorf("%s: no throughput or requests field: not a tokenbench summary", name)
	}
	r := SweepRun{
		Requests: s.Requests.Total, OK: s.Requests.OK, Failed: s.Requests.Failed,
		RequestsPerS:     s.Throughput.RequestsPerS,
		InputTokensPerS:  s.Throughput.InputTokensPerS,
		OutputTokensPerS: s.Throughput.OutputTokensPerS,
		TotalTokensPerS:  s.Throughput.TotalTokensPerS,
		TTFTMS:           s.TTFTMS, TPOTMS: s.TPOTMS, E2EMS: s.E2EMS,
		Goodput: s.Goodput,
	}
	checks := []fieldValue{
		{"requests.total", float64(r.Requests)}, {"requests.ok", float64(r.OK)}, {"requests.failed", float64(r.Failed)},
		{"tokens.input", s.Tokens.Input}, {"tokens.output", s.Tokens.Output},
		{"throughput.requests_per_s", r.RequestsPerS},
		{"throughput.input_tokens_per_s", r.InputTokensPerS},
		{"throughput.output_tokens_per_s", r.OutputTokensPerS},
		{"throughput.total_tokens_per_s", r.TotalTokensPerS},
	}
	for _, d := range []struct {
		field string
		p     *Percentiles
	}{{"ttft_ms", r.TTFTMS}, {"tpot_ms", r.TPOTMS}, {"e2e_ms", r.E2EMS}} {
		if p := d.p; p != nil {
			checks = append(checks, fieldValue{d.field + ".p50", p.P50}, fieldValue{d.field + ".p90", p.P90},
				fieldValue{d.field + ".p95", p.P95}, fieldValue{d.field + ".p99", p.P99}, fieldValue{d.field + ".p999", p.P999})
		}
	}
	if g := r.Goodput; g != nil {
		if g.SLOAttainment > 1 {
			return SweepRun{}, fmt.Errorf("%s: goodput.slo_attainment %v is above 1", name, g.SLOAttainment)
		}
		checks = append(checks, fieldValue{"goodput.slo_attainment", g.SLOAttainment}, fieldValue{"goodput.requests_per_s", g.RequestsPerS})
		for _, b := range []*float64{g.SLO.TTFTMS, g.SLO.TPOTMS, g.SLO.ITLMS, g.SLO.E2EMS} {
			if b != nil && !(*b > 0) {
				return SweepRun{}, fmt.Errorf("%s: goodput.slo has a bound of %v ms; want > 0", name, *b)
			}
		}
	}
	for _, c := range checks {
		if c.v < 0 {
			return SweepRun{}, fmt.Errorf("%s: %s is negative (%v)", name, c.field, c.v)
		}
	}
	if r.OK > r.Requests || r.OK+r.Failed > r.Requests {
		return SweepRun{}, fmt.Errorf("%s: requests.ok %d + failed %d exceed requests.total %d", name, r.OK, r.Failed, r.Requests)
	}
	if r.OK > 0 {
		r.InputTokensPerRequest = s.Tokens.Input / float64(r.OK)
		r.OutputTokensPerRequest = s.Tokens.Output / float64(r.OK)
	}
	return r, nil
}

// fieldValue is a summary field and its value, for the sign checks.
type fieldValue struct {
	field string
	v     float64
}
