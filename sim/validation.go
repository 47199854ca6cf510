package sim

import (
	"encoding/json"
	"fmt"
	"io"
	"math"
	"strings"
	"text/tabwriter"
)

// Published figures of other simulators on the same kind of data (mean
// absolute percentage error over TTFT, ITL and E2E mean/p90/p99), as the
// sim-to-real data set's README gives them.
var PublishedMAPE = []PublishedFigure{
	{Name: "analytical roofline simulator", Low: 400, High: 400},
	{Name: "trained step-time model", Low: 14, High: 20},
}

// PublishedFigure is a simulator's published MAPE, as a range.
type PublishedFigure struct {
	Name string  `json:"name"`
	Low  float64 `json:"mape_low"`
	High float64 `json:"mape_high"`
}

// Validation is the engine's predictions of a set of experiments beside
// their measurements, and the errors by metric family and model class.
type Validation struct {
	Experiments []ValidatedExperiment `json:"experiments"`
	// MAPE is keyed by class ("all", "dense", "moe") then family ("all",
	// "ttft", "itl", "e2e"); a class without experiments is left out.
	MAPE map[string]map[string]float64 `json:"mape"`
	// Published are the other simulators' figures on the same kind of data.
	Published []PublishedFigure `json:"published"`
	// StageSeconds is the cap on each load stage's duration (0: whole
	// stages, as measured).
	StageSeconds float64 `json:"stage_seconds,omitempty"`
	// EngineProfile names the timing replayed with (a shipped profile or a
	// file), when the caller says.
	EngineProfile string `json:"engine_profile,omitempty"`
	// ShowStages makes WriteText add a table per load stage.
	ShowStages bool `json:"-"`
}

// ValidatedExperiment is one experiment's prediction beside its
// measurement, in milliseconds, with the absolute percentage error of each
// metric.
type ValidatedExperiment struct {
	ID        string             `json:"id"`
	Model     string             `json:"model"`
	MoE       bool               `json:"moe"`
	Hardware  string             `json:"hardware"`
	TP        int                `json:"tp"`
	Requests  int                `json:"requests"`
	Refused   int                `json:"refused"`
	Predicted Measured           `json:"predicted"`
	Measured  Measured           `json:"measured"`
	APE       map[string]float64 `json:"ape_pct"`
	// Stages are the predictions per load stage (experiments built from a
	// workload spec), with the stage's measured figures when the data set
	// gives them.
	Stages []ValidatedStage `json:"stages,omitempty"`
}

// ValidatedStage is one load stage's prediction beside its measurement.
type ValidatedStage struct {
	Stage     int                `json:"stage"`
	Rate      float64            `json:"rate"`
	Requests  int                `json:"requests"`
	Predicted Measured           `json:"predicted"`
	Measured  *Measured          `json:"measured,omitempty"`
	APE       map[string]float64 `json:"ape_pct,omitempty"`
}

// CapStages returns exps with each load stage at most seconds long (a
// quicker, shorter replay; 0 leaves them whole).
func CapStages(exps []Experiment, seconds float64) []Experiment {
	if seconds <= 0 {
		return exps
	}
	out := make([]Experiment, len(exps))
	for i, e := range exps {
		e.Spec.Stages = append([]Stage(nil), e.Spec.Stages...)
		for k := range e.Spec.Stages {
			e.Spec.Stages[k].DurationS = math.Min(e.Spec.Stages[k].DurationS, seconds)
		}
		out[i] = e
	}
	return out
}

// Validate predicts every experiment (stages capped at stageSeconds when
// positive) on the virtual clock and compares with what was measured.
func Validate(exps []Experiment, base Config, o RequestOptions, stageSeconds float64) (Validation, error) {
	preds, err := PredictAll(CapStages(exps, stageSeconds), base, o)
	if err != nil {
		return Validation{}, err
	}
	v := NewValidation(preds)
	v.StageSeconds = stageSeconds
	return v, nil
}

// NewValidation summarizes predictions.
func NewValidation(preds []Prediction) Validation {
	v := Validation{Published: PublishedMAPE, MAPE: map[string]map[string]float64{}}
	var dense, moe []Prediction
	for _, p := range preds {
		e := p.Experiment
		ve := ValidatedExperiment{ID: e.ID, Model: e.Model, MoE: e.IsMoE(), Hardware: e.Hardware, TP: e.TP,
			Requests: p.Requests, Refused: p.Refused, Predicted: p.Predicted, Measured: p.Measured, APE: map[string]float64{}}
		for i, a := range p.APE() {
			ve.APE[Metrics[i].Name] = a
		}
		for _, sp := range p.Stages {
			vs := ValidatedStage{Stage: sp.Stage, Rate: sp.Rate, Requests: sp.Requests, Predicted: sp.Predicted, Measured: sp.Measured}
			if sp.Measured != nil {
				vs.APE = map[string]float64{}
				for i, a := range ape(sp.Predicted, *sp.Measured) {
					vs.APE[Metrics[i].Name] = a
				}
			}
			ve.Stages = append(ve.Stages, vs)
		}
		v.Experiments = append(v.Experiments, ve)
		if ve.MoE {
			moe = append(moe, p)
		} else {
			dense = append(dense, p)
		}
	}
	for _, c := range []struct {
		name  string
		preds []Prediction
	}{{"all", preds}, {"dense", dense}, {"moe", moe}} {
		if len(c.preds) == 0 {
			continue
		}
		v.MAPE[c.name] = map[string]float64{"all": MAPE(c.preds), "ttft": MAPE(c.preds, "ttft"),
			"itl": MAPE(c.preds, "itl"), "e2e": MAPE(c.preds, "e2e")}
	}
	return v
}

// WriteText writes v as tables: predicted and measured per experiment and
// metric, then MAPE by class and family beside the published figures.
func (v Validation) WriteText(w io.Writer) error {
	tw := tabwriter.NewWriter(w, 0, 0, 2, ' ', 0)
	fmt.Fprintln(tw, "experiment\tmodel\tgpu\ttp\tmetric\tpredicted ms\tmeasured ms\terror %")
	for _, e := range v.Experiments {
		pv, mv := e.Predicted.Values(), e.Measured.Values()
		for i, m := range Metrics {
			id, model, gpu, tp := "", "", "", ""
			if i == 0 {
				id, model, gpu, tp = e.ID, shortModel(e.Model), e.Hardware, fmt.Sprint(e.TP)
			}
			fmt.Fprintf(tw, "%s\t%s\t%s\t%s\t%s\t%12.1f\t%11.1f\t%+7.1f\n", id, model, gpu, tp, m.Name, pv[i], mv[i], signedPct(pv[i], mv[i]))
		}
	}
	if err := tw.Flush(); err != nil {
		return err
	}
	fmt.Fprintln(w)
	if v.ShowStages {
		if err := v.writeStages(w); err != nil {
			return err
		}
		fmt.Fprintln(w)
	}
	if err := v.writeMAPE(w); err != nil {
		return err
	}
	var pub []string
	for _, p := range v.Published {
		if p.Low == p.High {
			pub = append(pub, fmt.Sprintf("%s about %.0f%%", p.Name, p.Low))
		} else {
			pub = append(pub, fmt.Sprintf("%s %.0f-%.0f%%", p.Name, p.Low, p.High))
		}
	}
	fmt.Fprintf(w, "published on the same kind of data (MAPE over TTFT, ITL, E2E mean/p90/p99): %s\n", strings.Join(pub, "; "))
	if v.EngineProfile != "" {
		fmt.Fprintf(w, "engine profile: %s\n", v.EngineProfile)
	}
	if v.StageSeconds > 0 {
		fmt.Fprintf(w, "note: load stages capped at %g s: predictions are of shorter runs than those measured\n", v.StageSeconds)
	}
	_, err := fmt.Fprintln(w, "errors: (predicted - measured) / measured; MAPE: mean of their absolute values (docs/ENGINE.md)")
	return err
}

func signedPct(p, m float64) float64 { return 100 * (p - m) / m }

func shortModel(m string) string {
	if i := strings.LastIndex(m, "/"); i >= 0 {
		return m[i+1:]
	}
	return m
}

// WriteJSON writes v as indented JSON.
func (v Validation) WriteJSON(w io.Writer) error {
	enc := json.NewEncoder(w)
	enc.SetIndent("", "  ")
	return enc.Encode(v)
}

// writeMAPE writes the MAPE table: one row per model class.
func (v Validation) writeMAPE(w io.Writer) error {
	tw := tabwriter.NewWriter(w, 0, 0, 2, ' ', 0)
	fmt.Fprintln(tw, "MAPE %\texperiments\t  all\t ttft\t  itl\t  e2e")
	for _, c := range []string{"all", "dense", "moe"} {
		m, ok := v.MAPE[c]
		if !ok {
			continue
		}
		n := 0
		for _, e := range v.Experiments {
			if c == "all" || (c == "moe") == e.MoE {
				n++
			}
		}
		fmt.Fprintf(tw, "%s\t%11d\t%5.1f\t%5.1f\t%5.1f\t%5.1f\n", c, n, m["all"], m["ttft"], m["itl"], m["e2e"])
	}
	return tw.Flush()
}

// writeStages writes predicted / measured per load stage: TTFT mean and
// p99, ITL, E2E mean and p99 (ms; "-" where the data set has no figures
// for the stage).
func (v Validation) writeStages(w io.Writer) error {
	fmt.Fprintln(w, "per load stage, predicted / measured:")
	tw := tabwriter.NewWriter(w, 0, 0, 2, ' ', 0)
	fmt.Fprintln(tw, "experiment\tstage\treq/s\tTTFT mean ms\tTTFT p99 ms\tITL ms\tE2E mean ms\tE2E p99 ms")
	pair := func(p, m float64, ok bool, f string) string {
		if !ok {
			return fmt.Sprintf(f+" / -", p)
		}
		return fmt.Sprintf(f+" / "+f, p, m)
	}
	for _, e := range v.Experiments {
		for k, s := range e.Stages {
			id := ""
			if k == 0 {
				id = e.ID
			}
			var m Measured
			if s.Measured != nil {
				m = *s.Measured
			}
			ok, p := s.Measured != nil, s.Predicted
			fmt.Fprintf(tw, "%s\t%d\t%g\t%s\t%s\t%s\t%s\t%s\n", id, s.Stage, s.Rate,
				pair(p.TTFTMean, m.TTFTMean, ok, "%.1f"), pair(p.TTFTP99, m.TTFTP99, ok, "%.1f"), pair(p.ITLMean, m.ITLMean, ok, "%.1f"),
				pair(p.E2EMean, m.E2EMean, ok, "%.0f"), pair(p.E2EP99, m.E2EP99, ok, "%.0f"))
		}
	}
	return tw.Flush()
}
