package sim

import (
	"fmt"
	"math"
	"slices"

	"github.com/tokenbench/tokenbench/bench"
)

// Metrics lists the seven figures of a Measured summary, in the order
// validation reports them, with the family each belongs to.
var Metrics = []struct{ Name, Family string }{
	{"ttft_mean", "ttft"}, {"ttft_p90", "ttft"}, {"ttft_p99", "ttft"},
	{"itl_mean", "itl"},
	{"e2e_mean", "e2e"}, {"e2e_p90", "e2e"}, {"e2e_p99", "e2e"},
}

// Values returns m's figures in the order of Metrics.
func (m Measured) Values() []float64 {
	return []float64{m.TTFTMean, m.TTFTP90, m.TTFTP99, m.ITLMean, m.E2EMean, m.E2EP90, m.E2EP99}
}

// Summarize computes a Measured summary, in milliseconds, of the requests
// that completed: TTFT and E2E mean, p90 and p99 (linear interpolation
// between order statistics), and ITL as the data set defines it,
// (E2E mean - TTFT mean) / (mean output - 1).
func Summarize(results []ReplayResult) (Measured, int) {
	var ttft, e2e []float64
	var out float64
	for _, r := range results {
		if r.Err != nil || r.Tokens == 0 {
			continue
		}
		ttft = append(ttft, bench.Ms(r.TTFT()))
		e2e = append(e2e, bench.Ms(r.E2E()))
		out += float64(r.Tokens)
	}
	if len(ttft) == 0 {
		return Measured{}, 0
	}
	return measuredOf(ttft, e2e, out), len(ttft)
}

// measuredOf summarizes the TTFTs and E2Es (ms, one each per completed
// request, sorted here in place) of requests that generated outputs tokens
// in all, as Summarize defines the figures. ttft must not be empty.
func measuredOf(ttft, e2e []float64, outputs float64) Measured {
	slices.Sort(ttft)
	slices.Sort(e2e)
	m := Measured{
		TTFTMean: mean(ttft), TTFTP90: quantile(ttft, 0.9), TTFTP99: quantile(ttft, 0.99),
		E2EMean: mean(e2e), E2EP90: quantile(e2e, 0.9), E2EP99: quantile(e2e, 0.99),
	}
	if meanOut := outputs / float64(len(ttft)); meanOut > 1 {
		m.ITLMean = (m.E2EMean - m.TTFTMean) / (meanOut - 1)
	}
	return m
}

func mean(xs []float64) float64 {
	s := 0.0
	for _, x := range xs {
		s += x
	}
	return s / float64(len(xs))
}

// quantile is the q-quantile of sorted xs, interpolating linearly between
// order statistics (numpy's default).
func quantile(sorted []float64, q float64) float64 {
	if len(sorted) == 1 {
		return sorted[0]
	}
	h := q * float64(len(sorted)-1)
	lo := int(math.Floor(h))
	if lo >= len(sorted)-1 {
		return sorted[len(sorted)-1]
	}
	return sorted[lo] + (h-float64(lo))*(sorted[lo+1]-sorted[lo])
}

// Prediction is the engine's prediction of one experiment beside what was
// measured, overall.
type Prediction struct {
	Experiment Experiment
	Predicted  Measured
	Measured   Measured
	// Requests is how many requests completed in the replay; Refused how
	// many the engine refused (longer than its KV cache) or the client
	// gave up on (RequestOptions.ClientTimeout).
	Requests, Refused int
	// Stages are the predictions of each load stage of an experiment built
	// from its workload spec, beside what was measured in the stage when
	// the data set gives it ("stage_0", ...).
	Stages []StagePrediction
}

// StagePrediction is one load stage's prediction.
type StagePrediction struct {
	// Stage is the stage's index, Rate its requests per second.
	Stage int
	Rate  float64
	// Requests is how many of its requests completed in the replay.
	Requests  int
	Predicted Measured
	// Measured is nil when the data set has no figures for the stage.
	Measured *Measured
}

// APE is the absolute percentage error of each figure, in the order of
// Metrics: |predicted - measured| / measured x 100.
func (p Prediction) APE() []float64 { return ape(p.Predicted, p.Measured) }

// ape is the absolute percentage error of each figure of predicted against
// measured, in the order of Metrics.
func ape(predicted, measured Measured) []float64 {
	pv, mv := predicted.Values(), measured.Values()
	out := make([]float64, len(pv))
	for i := range pv {
		out[i] = 100 * math.Abs(pv[i]-mv[i]) / mv[i]
	}
	return out
}

// Predict replays experiment e on the virtual clock with the deployment
// base describes (timing parameters; the rest comes from e), its requests
// built with o, and summarizes what its requests saw.
func Predict(e Experiment, base Config, o RequestOptions) (Prediction, error) {
	cfg, err := e.Config(base)
	if err != nil {
		return Prediction{}, err
	}
	d, err := cfg.Resolve()
	if err != nil {
		return Prediction{}, fmt.Errorf("sim: experiment %s: %w", e.ID, err)
	}
	reqs := e.Requests(o)
	res, err := ReplayWith(d, reqs, o.ReplayOptions())
	if err != nil {
		return Prediction{}, err
	}
	p := Prediction{Experiment: e, Measured: e.Actual["overall"]}
	p.Predicted, p.Requests = Summarize(res)
	p.Refused = len(res) - p.Requests
	if e.Replay == nil {
		p.Stages = stagePredictions(e, reqs, res)
	}
	if p.Requests == 0 {
		return p, fmt.Errorf("sim: experiment %s: no request completed in the replay", e.ID)
	}
	return p, nil
}

// MAPE is the mean of the absolute percentage errors of preds over the
// metrics whose family is in families (all when none is given).
func MAPE(preds []Prediction, families ...string) float64 {
	sum, n := 0.0, 0
	for _, p := range preds {
		for i, ape := range p.APE() {
			if len(families) > 0 && !slices.Contains(families, Metrics[i].Family) {
				continue
			}
			sum += ape
			n++
		}
	}
	if n == 0 {
		return math.NaN()
	}
	return sum / float64(n)
}

// stagePredictions summarizes the replay of a spec-built experiment stage
// by stage (reqs carry their stage), beside the data set's per-stage
// figures.
func stagePredictions(e Experiment, reqs []ReplayRequest, res []ReplayResult) []StagePrediction {
	byStage := make([][]ReplayResult, len(e.Spec.Stages))
	for i, r := range reqs {
		if r.Stage >= 0 && r.Stage < len(byStage) {
			byStage[r.Stage] = append(byStage[r.Stage], res[i])
		}
	}
	out := make([]StagePrediction, len(byStage))
	for k, rs := range byStage {
		sp := StagePrediction{Stage: k, Rate: e.Spec.Stages[k].Rate}
		sp.Predicted, sp.Requests = Summarize(rs)
		if m, ok := e.Actual[fmt.Sprintf("stage_%d", k)]; ok {
			sp.Measured = &m
		}
		out[k] = sp
	}
	return out
}
