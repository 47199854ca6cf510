package report

// summary_file.go: summary.json is a Summary, read and written here and
// nowhere else: WriteJSON encodes it, WriteSummaryFile puts it in a results
// directory (run, summarize, merge), ReadSummary and ParseSummary read it
// back for every consumer (cost, cost project, the HTML report, merge).

import (
	"bytes"
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"

	"github.com/tokenbench/tokenbench/bench"
	"github.com/tokenbench/tokenbench/internal/jsonline"
	"github.com/tokenbench/tokenbench/pricing"
)

// WriteSummaryFile writes s as DIR/summary.json atomically (a synced
// temporary file renamed over it), so a reader never sees half a summary
// and a failed write leaves the previous one.
func WriteSummaryFile(dir string, s *Summary) error {
	var b bytes.Buffer
	if err := s.WriteJSON(&b); err != nil {
		return err
	}
	if err := bench.WriteFileAtomic(filepath.Join(dir, SummaryFile), b.Bytes()); err != nil {
		return fmt.Errorf("report: %w", err)
	}
	return nil
}

// ReadSummary reads a summary.json written by Summary.WriteJSON. Errors
// name the file and, for bad JSON, the line; a missing file's error wraps
// fs.ErrNotExist.
func ReadSummary(path string) (*Summary, error) {
	b, err := os.ReadFile(path)
	if err != nil {
		return nil, err
	}
	return ParseSummary(path, b)
}

// ParseSummary decodes the content of a summary.json; name labels errors.
// A JSON value that is not a run's summary (no requests and no throughput,
// such as sweep.json) is refused, and so is a count or rate below 0 or
// more successful and failed requests than requests.
func ParseSummary(name string, b []byte) (*Summary, error) {
	var keys map[string]json.RawMessage
	if err := json.Unmarshal(b, &keys); err != nil {
		return nil, fmt.Errorf("%s: %w", name, jsonline.Error(b, err))
	}
	if keys["requests"] == nil && keys["throughput"] == nil {
		return nil, fmt.Errorf("%s: no requests or throughput field: not a tokenbench summary of one run", name)
	}
	var s Summary
	if err := json.Unmarshal(b, &s); err != nil {
		return nil, fmt.Errorf("%s: %w", name, jsonline.Error(b, err))
	}
	if s.Requests.Errors == nil {
		s.Requests.Errors = map[string]int{}
	}
	r, t := s.Requests, s.Throughput
	for _, f := range []struct {
		field string
		v     float64
	}{
		{"requests.total", float64(r.Total)}, {"requests.ok", float64(r.OK)}, {"requests.failed", float64(r.Failed)},
		{"tokens.input", float64(s.Tokens.Input)}, {"tokens.output", float64(s.Tokens.Output)},
		{"window_s", s.WindowS}, {"concurrency_achieved", s.ConcurrencyAchieved},
		{"throughput.requests_per_s", t.RequestsPerS}, {"throughput.input_tokens_per_s", t.InputTokensPerS},
		{"throughput.output_tokens_per_s", t.OutputTokensPerS}, {"throughput.total_tokens_per_s", t.TotalTokensPerS},
	} {
		if f.v < 0 {
			return nil, fmt.Errorf("%s: %s is negative (%v)", name, f.field, f.v)
		}
	}
	for _, d := range []struct {
		field string
		d     *Distribution
	}{{"ttft_ms", s.TTFTMS}, {"ttft_sched_ms", s.TTFTSchedMS}, {"tpot_ms", s.TPOTMS}, {"itl_ms", s.ITLMS}, {"e2e_ms", s.E2EMS}} {
		if d.d == nil {
			continue
		}
		for _, st := range distStats {
			if v := st.get(d.d); v < 0 {
				return nil, fmt.Errorf("%s: %s.%s is negative (%v)", name, d.field, st.name, v)
			}
		}
	}
	if r.OK+r.Failed > r.Total && r.Total > 0 {
		return nil, fmt.Errorf("%s: requests.ok %d + failed %d exceed requests.total %d", name, r.OK, r.Failed, r.Total)
	}
	if g := s.Goodput; g != nil {
		if !(g.Attainment >= 0 && g.Attainment <= 1) {
			return nil, fmt.Errorf("%s: goodput.slo_attainment %v is not in [0, 1]", name, g.Attainment)
		}
		if g.RequestsPerS < 0 || g.OutputTokensPerS < 0 {
			return nil, fmt.Errorf("%s: goodput.output_tokens_per_s or requests_per_s is negative", name)
		}
		for _, b := range []*float64{g.SLO.TTFTMS, g.SLO.TPOTMS, g.SLO.ITLMS, g.SLO.E2EMS} {
			if b != nil && !(*b > 0) {
				return nil, fmt.Errorf("%s: goodput.slo has a bound of %v ms; want > 0", name, *b)
			}
		}
	}
	return &s, nil
}

// PricingThroughput is what pricing.NewCost prices: the run's throughputs
// and, with SLOs, the good output tokens per second.
func (s *Summary) PricingThroughput() pricing.Throughput {
	tp := pricing.Throughput{
		OutputTokensPerS: s.Throughput.OutputTokensPerS,
		InputTokensPerS:  s.Throughput.InputTokensPerS,
		TotalTokensPerS:  s.Throughput.TotalTokensPerS,
	}
	if s.Goodput != nil {
		tp.GoodOutputTokensPerS = s.Goodput.OutputTokensPerS
	}
	return tp
}

// ReadSweepRun is pricing's RunReader: a sweep point's summary.json read
// through ParseSummary and reduced to what pricing plans and prices from.
func ReadSweepRun(name string, b []byte) (pricing.SweepRun, error) {
	s, err := ParseSummary(name, b)
	if err != nil {
		return pricing.SweepRun{}, err
	}
	return s.SweepRun(), nil
}

// SweepRun reduces s to pricing's view of one sweep point (its label and
// directory left for the sweep's reader to set).
func (s *Summary) SweepRun() pricing.SweepRun {
	r := pricing.SweepRun{
		Requests: s.Requests.Total, OK: s.Requests.OK, Failed: s.Requests.Failed,
		RequestsPerS: s.Throughput.RequestsPerS, InputTokensPerS: s.Throughput.InputTokensPerS,
		OutputTokensPerS: s.Throughput.OutputTokensPerS, TotalTokensPerS: s.Throughput.TotalTokensPerS,
		TTFTMS: percentilesOf(s.TTFTMS), TPOTMS: percentilesOf(s.TPOTMS), E2EMS: percentilesOf(s.E2EMS),
	}
	if s.Requests.OK > 0 {
		r.InputTokensPerRequest = float64(s.Tokens.Input) / float64(s.Requests.OK)
		r.OutputTokensPerRequest = float64(s.Tokens.Output) / float64(s.Requests.OK)
	}
	if g := s.Goodput; g != nil {
		r.Goodput = &pricing.Goodput{SLOAttainment: g.Attainment, RequestsPerS: g.RequestsPerS,
			SLO: pricing.SLO{TTFTMS: g.SLO.TTFTMS, TPOTMS: g.SLO.TPOTMS, ITLMS: g.SLO.ITLMS, E2EMS: g.SLO.E2EMS}}
	}
	return r
}

func percentilesOf(d *Distribution) *pricing.Percentiles {
	if d == nil {
		return nil
	}
	return &pricing.Percentiles{P50: d.P50, P90: d.P90, P95: d.P95, P99: d.P99, P999: d.P999}
}
