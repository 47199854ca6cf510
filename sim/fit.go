package sim

import (
	"fmt"
	"math"
	"runtime"
	"slices"
	"strings"
	"sync"
	"time"

	"gonum.org/v1/gonum/optimize"
)

// FitParam is one timing parameter calibration may move: how to read it
// from and write it to a Timing, and its range (shares in (0, 1] map through
// a logistic function, durations through an exponential, so the optimiser
// searches an unbounded space).
type FitParam struct {
	Name string
	get  func(Timing) float64
	set  func(*Timing, float64)
	// share is true for a share in (0, 1]; false for a non-negative figure
	// (seconds, or steps), searched on a logarithmic scale.
	share bool
}

func shareParam(name string, p func(*Timing) *float64) FitParam {
	return FitParam{Name: name, share: true,
		get: func(t Timing) float64 { return *p(&t) },
		set: func(t *Timing, v float64) { *p(t) = v }}
}

func durationParam(name string, p func(*Timing) *time.Duration) FitParam {
	return FitParam{Name: name,
		get: func(t Timing) float64 { return p(&t).Seconds() },
		set: func(t *Timing, v float64) { *p(t) = time.Duration(v * float64(time.Second)) }}
}

func countParam(name string, p func(*Timing) *float64) FitParam {
	return FitParam{Name: name,
		get: func(t Timing) float64 { return *p(&t) },
		set: func(t *Timing, v float64) { *p(t) = v }}
}

// FitParams are the parameters `sim calibrate` fits: the roofline's
// efficiencies and the overheads it does not see. Their names are those of
// an engine profile's keys.
var FitParams = []FitParam{
	shareParam("mfu", func(t *Timing) *float64 { return &t.MFU }),
	shareParam("mbu", func(t *Timing) *float64 { return &t.MBU }),
	shareParam("overlap", func(t *Timing) *float64 { return &t.Overlap }),
	shareParam("attention_mbu", func(t *Timing) *float64 { return &t.AttentionMBU }),
	shareParam("moe_efficiency", func(t *Timing) *float64 { return &t.MoEEfficiency }),
	durationParam("step_base", func(t *Timing) *time.Duration { return &t.StepBase }),
	durationParam("decode_per_seq", func(t *Timing) *time.Duration { return &t.DecodePerSeq }),
	durationParam("allreduce_latency", func(t *Timing) *time.Duration { return &t.AllReduceLatency }),
	durationParam("frontend_overhead", func(t *Timing) *time.Duration { return &t.FrontendOverhead }),
	countParam("output_lag", func(t *Timing) *float64 { return &t.OutputLag }),
}

// LookupFitParams returns the parameters of FitParams with the given names
// (all of them when names is empty).
func LookupFitParams(names []string) ([]FitParam, error) {
	if len(names) == 0 {
		return FitParams, nil
	}
	var out []FitParam
	for _, n := range names {
		i := slices.IndexFunc(FitParams, func(p FitParam) bool { return p.Name == n })
		if i < 0 {
			var known []string
			for _, p := range FitParams {
				known = append(known, p.Name)
			}
			return nil, fmt.Errorf("sim: fit: no parameter %q (have %s)", n, strings.Join(known, ", "))
		}
		out = append(out, FitParams[i])
	}
	return out, nil
}

// encode maps a parameter's value to the optimiser's unbounded space.
func (p FitParam) encode(v float64) float64 {
	if p.share {
		v = math.Min(math.Max(v, 1e-4), 1-1e-4)
		return math.Log(v / (1 - v))
	}
	return math.Log(math.Max(v, 1e-7)) // 0.1 µs floor
}

func (p FitParam) decode(x float64) float64 {
	if p.share {
		return 1 / (1 + math.Exp(-x))
	}
	return math.Exp(x)
}

// FitOptions bounds a calibration.
type FitOptions struct {
	// MaxEvaluations bounds the replays of the whole set (default 200).
	MaxEvaluations int
	// StageSeconds caps each load stage's duration while fitting (0: whole
	// stages), which makes each evaluation cheaper; predictions reported
	// afterwards replay whole stages.
	StageSeconds float64
	// Requests says how the experiments' requests are built.
	Requests RequestOptions
	// Params names the parameters fitted (default: all of FitParams); the
	// others keep base's values.
	Params []string
	// Log, when set, hears of each improvement.
	Log func(evals int, mape float64, t Timing)
}

// FitResult is a calibrated Timing and how well it fits.
type FitResult struct {
	Timing      Timing
	MAPE        float64 // on the experiments fitted, under FitOptions
	Evaluations int
}

// Fit finds the Timing that minimises the mean absolute percentage error of
// the predictions of exps (TTFT, ITL and E2E figures of each), starting
// from base's, by Nelder-Mead over the parameters of FitParams. Each
// experiment's APE is capped at 200% in the objective, so that one
// experiment the model cannot follow does not drown the rest.
func Fit(exps []Experiment, base Config, o FitOptions) (FitResult, error) {
	if len(exps) == 0 {
		return FitResult{}, fmt.Errorf("sim: fit: no experiments")
	}
	if o.MaxEvaluations <= 0 {
		o.MaxEvaluations = 200
	}
	work := CapStages(exps, o.StageSeconds)
	start := base.withDefaults().Timing
	// Parameters at zero (off) start where the search can move them: a
	// logarithmic parameter at its floor would need many steps to matter.
	if start.AllReduceLatency == 0 {
		start.AllReduceLatency = 10 * time.Microsecond
	}
	if start.FrontendOverhead == 0 {
		start.FrontendOverhead = time.Millisecond
	}
	if start.MoEEfficiency >= 0.999 {
		start.MoEEfficiency = 0.7
	}
	if start.OutputLag == 0 {
		start.OutputLag = 0.5
	}
	params, err := LookupFitParams(o.Params)
	if err != nil {
		return FitResult{}, err
	}
	x0 := make([]float64, len(params))
	for i, p := range params {
		x0[i] = p.encode(p.get(start))
	}
	fitted := base.withDefaults().Timing
	timing := func(x []float64) Timing {
		t := fitted
		for i, p := range params {
			p.set(&t, p.decode(x[i]))
		}
		return t
	}
	best := math.Inf(1)
	evals := 0
	var firstErr error
	objective := func(x []float64) float64 {
		cfg := base
		cfg.Timing = timing(x)
		preds, err := PredictAll(work, cfg, o.Requests)
		evals++
		if err != nil {
			if firstErr == nil {
				firstErr = err
			}
			return 1e9
		}
		score := cappedMAPE(preds, 200)
		if score < best {
			best = score
			if o.Log != nil {
				o.Log(evals, score, cfg.Timing)
			}
		}
		return score
	}
	res, err := optimize.Minimize(optimize.Problem{Func: objective}, x0,
		&optimize.Settings{FuncEvaluations: o.MaxEvaluations, Converger: &optimize.FunctionConverge{Absolute: 1e-3, Iterations: 60}},
		&optimize.NelderMead{SimplexSize: 0.5})
	if res == nil {
		return FitResult{}, fmt.Errorf("sim: fit: %w", err)
	}
	if math.IsInf(best, 1) && firstErr != nil {
		return FitResult{}, firstErr
	}
	return FitResult{Timing: timing(res.X), MAPE: res.F, Evaluations: evals}, nil
}

// PredictAll predicts every experiment, in parallel on the machine's cores,
// in the order given.
func PredictAll(exps []Experiment, base Config, o RequestOptions) ([]Prediction, error) {
	preds := make([]Prediction, len(exps))
	errs := make([]error, len(exps))
	var wg sync.WaitGroup
	sem := make(chan struct{}, runtime.GOMAXPROCS(0))
	for i := range exps {
		wg.Add(1)
		sem <- struct{}{}
		go func() {
			defer wg.Done()
			defer func() { <-sem }()
			preds[i], errs[i] = Predict(exps[i], base, o)
		}()
	}
	wg.Wait()
	for _, err := range errs {
		if err != nil {
			return preds, err
		}
	}
	return preds, nil
}

func cappedMAPE(preds []Prediction, limit float64) float64 {
	sum, n := 0.0, 0
	for _, p := range preds {
		for _, ape := range p.APE() {
			if math.IsNaN(ape) {
				ape = limit
			}
			sum += math.Min(ape, limit)
			n++
		}
	}
	return sum / float64(n)
}
