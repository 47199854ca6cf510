package report

import "github.com/tokenbench/tokenbench/bench"

// Goodput is what METRICS.md calls goodput and SLO attainment: the
// successful requests that met every SLO given, per second of the window
// (and their output tokens per second), and their share of all measured
// requests, failed ones included.
type Goodput struct {
	SLO              SLO     `json:"slo"`
	Met              int     `json:"met"`
	Attainment       float64 `json:"slo_attainment"`
	RequestsPerS     float64 `json:"requests_per_s"`
	OutputTokensPerS float64 `json:"output_tokens_per_s"`
}

// SetSLO makes the Aggregator count goodput against slo. Call it before
// the first Add; an empty SLO turns goodput off.
func (a *Aggregator) SetSLO(slo SLO) {
	a.mu.Lock()
	defer a.mu.Unlock()
	a.goodput = goodputCounter{slo: slo, on: !slo.Empty()}
}

type goodputCounter struct {
	slo       SLO
	on        bool
	met       int
	metOutput int
	overflow  int
}

// add counts r when it meets the SLO. A record with a value left out
// (clean false: finite.go) does not: what it measured is not known.
func (g *goodputCounter) add(r *bench.Record, clean bool) {
	if g.on && clean && g.slo.Meets(r) {
		g.met++
		// Output tokens of a clean record are kept counts; the sum stops
		// short of MaxFigure (the rate is then an underestimate, and the
		// count says so).
		if !addCount(&g.metOutput, r.OutputTokens) {
			g.overflow++
		}
	}
}

func (g *goodputCounter) close(total int, windowS float64, lo LeftOut) *Goodput {
	if !g.on {
		return nil
	}
	if g.overflow > 0 {
		lo["goodput.output_tokens_per_s"] += g.overflow
	}
	out := &Goodput{SLO: g.slo, Met: g.met,
		RequestsPerS:     keptRate(float64(g.met), windowS, lo, "goodput.requests_per_s"),
		OutputTokensPerS: keptRate(float64(g.metOutput), windowS, lo, "goodput.output_tokens_per_s")}
	if total > 0 {
		out.Attainment = float64(g.met) / float64(total)
	}
	return out
}
