package gate

import (
	"fmt"
	"sort"
	"strings"
)

// BaselineRun is one run a baseline can be drawn from.
type BaselineRun struct {
	// Label names the run in verdicts (a directory, a history run id).
	Label   string
	Samples Samples
}

// Baseline is what --baseline gives: one run (a directory) or the recent
// runs of the same scenario (history); per metric, the run whose
// statistic is the median of theirs is the one compared with.
type Baseline struct {
	// Name is --baseline as given.
	Name string
	Runs []BaselineRun
}

// Input is what a gate judges.
type Input struct {
	View *View
	// Samples of the run; needed only by baseline checks.
	Samples  Samples
	Baseline *Baseline
}

// Judge runs every rule and baseline check of f on in. Errors are problems
// of the gate file (an unknown path names itself) or missing input, not
// verdicts.
func Judge(f *File, in Input) (*Verdict, error) {
	v := &Verdict{Dir: in.View.Dir, GateFile: f.Path}
	rules := make([]*rule, 0, len(f.Rules))
	for _, text := range f.Rules {
		r, err := compileRule(f.Path, text, in.View)
		if err != nil {
			return nil, err
		}
		rules = append(rules, r)
	}
	tols, err := f.Tolerances()
	if err != nil {
		return nil, err
	}
	if len(tols) > 0 && in.Baseline == nil {
		return nil, fmt.Errorf("gate: %s has baseline tolerances: give --baseline DIR or --baseline history:FILE", f.Path)
	}
	if in.Baseline != nil {
		v.Baseline = in.Baseline.Name
	}
	v.Reasons = runReasons(in.View)
	for _, r := range rules {
		c := r.judge(in.View, f.MinSamples)
		if len(v.Reasons) > 0 {
			c.Status, c.Message = NotJudged, "the run cannot be judged"
		}
		v.Checks = append(v.Checks, c)
	}
	for _, t := range tols {
		c := compare(f, t, in)
		if len(v.Reasons) > 0 && c.Status != Skipped {
			c.Status, c.Message = NotJudged, "the run cannot be judged"
		}
		v.Checks = append(v.Checks, c)
	}
	v.settle()
	return v, nil
}

// runReasons says why a run cannot be judged at all: its own validity
// check said invalid, or no request succeeded.
func runReasons(v *View) []string {
	var out []string
	if val, ok := v.Lookup("validity.valid"); ok {
		if b, isBool := val.(bool); isBool && !b {
			reasons, _ := v.Lookup("validity.reasons")
			list, _ := reasons.([]any)
			var why []string
			for _, r := range list {
				m, _ := r.(map[string]any)
				msg, _ := m["message"].(string)
				if msg == "" {
					msg, _ = m["check"].(string)
				}
				if msg != "" {
					why = append(why, msg)
				}
			}
			s := "the run's validity check marked it invalid"
			if len(why) > 0 {
				s += ": " + strings.Join(why, "; ")
			}
			out = append(out, s)
		}
	}
	ok, _ := v.Lookup("requests.ok")
	if n, isNum := toFloat(ok); isNum && n == 0 {
		total, _ := v.Lookup("requests.total")
		t, _ := toFloat(total)
		out = append(out, fmt.Sprintf("no successful request (%d measured)", int(t)))
	}
	return out
}

// compare judges one baseline tolerance. A metric fails when its change
// is beyond the tolerance with confidence: the whole interval of the
// change at f.Confidence lies beyond the tolerance. A change whose point
// estimate is beyond it but whose interval reaches back within it may be
// noise, and passes (the message says so).
func compare(f *File, t Tolerance, in Input) Check {
	sign := "+"
	if !t.Up {
		sign = "-"
	}
	c := Check{Kind: "baseline", Name: t.Metric, Bound: sign + fmtNum(t.Frac*100) + "%"}
	metric, stat, _ := SampleMetric(t.Metric)
	need := MinSamples(stat, f.MinSamples)
	if len(in.Baseline.Runs) == 0 {
		c.Status, c.Message = Skipped, "no baseline run yet: "+in.Baseline.Name+" holds no earlier run of this scenario"
		return c
	}
	cur := in.Samples[metric]
	if len(cur) > 0 {
		val := statistic(cur, stat)
		c.Value = &val
	}
	if len(cur) < need {
		c.Status, c.Message = NotJudged, fmt.Sprintf("too few samples in this run: %d, %s needs at least %d", len(cur), stat, need)
		return c
	}
	base, ok := medianRun(in.Baseline.Runs, metric, stat, need)
	if !ok {
		c.Status, c.Message = NotJudged, fmt.Sprintf("too few samples in the baseline: %s needs at least %d", stat, need)
		return c
	}
	bs := base.Samples[metric]
	bv := statistic(bs, stat)
	if bv == 0 {
		c.Status, c.Message = NotJudged, "the baseline's value is 0: a relative change is undefined"
		return c
	}
	iv := bootstrapRatio(cur, bs, stat, f.Confidence, f.Resamples, f.Seed)
	cmp := &Comparison{Source: base.Label, Value: bv, ChangePct: 100 * iv.Change, CILowPct: 100 * iv.Low,
		CIHighPct: 100 * iv.High, Confidence: f.Confidence, Significant: iv.Low > 0 || iv.High < 0,
		Samples: len(cur), BaselineSamples: len(bs), Resamples: iv.Resample}
	c.Baseline = cmp
	beyond := (t.Up && iv.Change > t.Frac) || (!t.Up && iv.Change < -t.Frac)
	regress := (t.Up && iv.Low > t.Frac) || (!t.Up && iv.High < -t.Frac)
	figures := fmt.Sprintf("%s -> %s (%+.1f%%, %.0f%% CI %+.1f%% .. %+.1f%%, %d vs %d samples)",
		fmtNum(bv), fmtNum(*c.Value), cmp.ChangePct, 100*f.Confidence, cmp.CILowPct, cmp.CIHighPct, len(cur), len(bs))
	switch {
	case beyond && regress:
		c.Status, c.Message = Fail, "regression beyond "+c.Bound+": "+figures
	case beyond:
		c.Status, c.Message = Pass, "beyond "+c.Bound+" but the interval reaches within it (may be noise): "+figures
	default:
		c.Status, c.Message = Pass, "within "+c.Bound+": "+figures
	}
	return c
}

// medianRun returns the run whose statistic is the (lower) median over the
// runs with enough samples.
func medianRun(runs []BaselineRun, metric, stat string, need int) (BaselineRun, bool) {
	type scored struct {
		r BaselineRun
		v float64
	}
	var ok []scored
	for _, r := range runs {
		if s := r.Samples[metric]; len(s) >= need {
			ok = append(ok, scored{r, statistic(s, stat)})
		}
	}
	if len(ok) == 0 {
		return BaselineRun{}, false
	}
	sort.SliceStable(ok, func(i, j int) bool { return ok[i].v < ok[j].v })
	return ok[(len(ok)-1)/2].r, true
}
