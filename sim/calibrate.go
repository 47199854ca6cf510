package sim

import (
	"fmt"
	"io"
	"sort"
	"strings"
)

// CalibrateOptions bound a calibration.
type CalibrateOptions struct {
	Fit FitOptions
	// Holdout names experiments left out of the fit and predicted after it,
	// each by experiment id, model repository id or model name.
	Holdout []string
	// CheckStageSeconds caps the load stages of the replays that judge the
	// fitted profile (0: whole stages, as measured).
	CheckStageSeconds float64
}

// Calibration is a fitted Timing and how well it predicts the experiments it
// was fitted on and those held out.
type Calibration struct {
	Timing  Timing
	Fit     FitResult
	Fitted  Validation
	HeldOut *Validation // nil when nothing was held out
}

// Split divides exps into those a calibration fits and those it holds
// out: an experiment is held out when one of names is its id, its model's
// repository id or its model's name (case-insensitive). A name that matches
// nothing is an error.
func Split(exps []Experiment, names []string) (fit, held []Experiment, err error) {
	used := make([]bool, len(names))
	for _, e := range exps {
		out := false
		for i, n := range names {
			if strings.EqualFold(n, e.ID) || strings.EqualFold(n, e.Model) || strings.EqualFold(n, e.ModelFamily()) {
				out, used[i] = true, true
			}
		}
		if out {
			held = append(held, e)
		} else {
			fit = append(fit, e)
		}
	}
	for i, u := range used {
		if !u {
			return nil, nil, fmt.Errorf("sim: calibrate: --holdout %q names no experiment (give an id, a model repository id or a model name)", names[i])
		}
	}
	if len(fit) == 0 {
		return nil, nil, fmt.Errorf("sim: calibrate: every experiment is held out: nothing to fit")
	}
	return fit, held, nil
}

// Calibrate fits the timing parameters on exps less the held-out ones
// (Fit), then replays both sets with the fitted parameters.
func Calibrate(exps []Experiment, base Config, o CalibrateOptions) (Calibration, error) {
	fit, held, err := Split(exps, o.Holdout)
	if err != nil {
		return Calibration{}, err
	}
	r, err := Fit(fit, base, o.Fit)
	if err != nil {
		return Calibration{}, err
	}
	c := Calibration{Timing: r.Timing, Fit: r}
	cfg := base
	cfg.Timing = r.Timing
	if c.Fitted, err = Validate(fit, cfg, o.Fit.Requests, o.CheckStageSeconds); err != nil {
		return c, err
	}
	if len(held) > 0 {
		v, err := Validate(held, cfg, o.Fit.Requests, o.CheckStageSeconds)
		if err != nil {
			return c, err
		}
		c.HeldOut = &v
	}
	return c, nil
}

// LeaveOneModelOut fits the timing parameters once per model, on the
// experiments of the other models, and predicts the held-out model's
// experiments with that fit: the predictions of every experiment made
// without its own model's data. log, when set, hears of each model's fit.
func LeaveOneModelOut(exps []Experiment, base Config, o CalibrateOptions, log func(model string, r FitResult)) (Validation, error) {
	var models []string
	seen := map[string]bool{}
	for _, e := range exps {
		if m := e.ModelFamily(); !seen[m] {
			seen[m] = true
			models = append(models, m)
		}
	}
	sort.Strings(models)
	if len(models) < 2 {
		return Validation{}, fmt.Errorf("sim: leave-one-model-out: %d model(s): want 2 or more", len(models))
	}
	var all []Prediction
	for _, m := range models {
		fit, held, err := Split(exps, []string{m})
		if err != nil {
			return Validation{}, err
		}
		r, err := Fit(fit, base, o.Fit)
		if err != nil {
			return Validation{}, fmt.Errorf("sim: leave %s out: %w", m, err)
		}
		if log != nil {
			log(m, r)
		}
		cfg := base
		cfg.Timing = r.Timing
		preds, err := PredictAll(CapStages(held, o.CheckStageSeconds), cfg, o.Fit.Requests)
		if err != nil {
			return Validation{}, err
		}
		all = append(all, preds...)
	}
	v := NewValidation(all)
	v.StageSeconds = o.CheckStageSeconds
	return v, nil
}

// WriteText writes the fitted parameters and the errors on the fitted and
// held-out experiments.
func (c Calibration) WriteText(w io.Writer) error {
	fmt.Fprintf(w, "fitted on %d experiments (%d replays of the set, objective %.1f%% MAPE with the fit's stage cap):\n",
		len(c.Fitted.Experiments), c.Fit.Evaluations, c.Fit.MAPE)
	if _, err := w.Write(FormatEngineProfile(c.Timing)); err != nil {
		return err
	}
	fmt.Fprintln(w)
	write := func(title string, v Validation) error {
		fmt.Fprintln(w, title)
		return v.writeMAPE(w)
	}
	if err := write("error on the experiments fitted:", c.Fitted); err != nil {
		return err
	}
	if c.HeldOut != nil {
		fmt.Fprintln(w)
		if err := write("error on the experiments held out (--holdout):", *c.HeldOut); err != nil {
			return err
		}
	}
	if c.Fitted.StageSeconds > 0 {
		fmt.Fprintf(w, "note: load stages capped at %g s in these checks\n", c.Fitted.StageSeconds)
	}
	return nil
}
