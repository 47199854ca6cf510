package gate

import (
	"fmt"
	"strings"
)

// Status is the verdict of one check or of the whole gate.
type Status string

// Statuses. A gate passes when every check passes (skipped ones aside),
// fails when any check fails, and otherwise cannot judge when any check
// could not be judged. A run that cannot be judged at all (invalid, no
// successful request) is NotJudged whatever its checks would say.
const (
	Pass      Status = "pass"
	Fail      Status = "fail"
	NotJudged Status = "not_judged"
	Skipped   Status = "skipped"
)

// Check is the verdict of one rule or one baseline metric.
type Check struct {
	// Kind is "rule" or "baseline".
	Kind string `json:"kind"`
	// Name is the rule as written, or the baseline metric path.
	Name string `json:"name"`
	// Value is the run's value: the left side of a comparison rule, the
	// current statistic of a baseline metric; nil when there is none.
	Value *float64 `json:"value"`
	// Bound is what the value was held to: "< 800", "+10%".
	Bound   string `json:"bound"`
	Status  Status `json:"status"`
	Message string `json:"message"`
	// Baseline holds the comparison's figures for Kind "baseline".
	Baseline *Comparison `json:"baseline,omitempty"`
}

// Comparison is what a baseline check measured.
type Comparison struct {
	// Source names the baseline run (a directory, or a history run).
	Source string  `json:"source"`
	Value  float64 `json:"value"`
	// ChangePct is current / baseline - 1, in percent: the effect size.
	ChangePct float64 `json:"change_pct"`
	// CILowPct and CIHighPct bound ChangePct at Confidence (bootstrap
	// percentile interval).
	CILowPct   float64 `json:"ci_low_pct"`
	CIHighPct  float64 `json:"ci_high_pct"`
	Confidence float64 `json:"confidence"`
	// Significant is true when the interval excludes 0: the run differs
	// from its baseline at this confidence (whether or not beyond the
	// tolerance).
	Significant bool `json:"significant"`
	Samples     int  `json:"samples"`
	// BaselineSamples is the sample count of the baseline run.
	BaselineSamples int `json:"baseline_samples"`
	Resamples       int `json:"resamples"`
}

// Verdict is the outcome of a gate over one run.
type Verdict struct {
	Dir      string `json:"dir"`
	GateFile string `json:"gate_file"`
	// Baseline names the baseline given (--baseline), if any.
	Baseline string `json:"baseline,omitempty"`
	Status   Status `json:"status"`
	// Reasons say why the run cannot be judged at all: its validity check
	// marked it invalid, or no request succeeded.
	Reasons []string `json:"reasons,omitempty"`
	Checks  []Check  `json:"checks"`
}

// Counts returns how many checks have each status.
func (v *Verdict) Counts() map[Status]int {
	m := map[Status]int{}
	for _, c := range v.Checks {
		m[c.Status]++
	}
	return m
}

// settle sets the gate's status from its checks and reasons.
func (v *Verdict) settle() {
	n := v.Counts()
	switch {
	case len(v.Reasons) > 0:
		v.Status = NotJudged
	case n[Fail] > 0:
		v.Status = Fail
	case n[NotJudged] > 0:
		v.Status = NotJudged
	default:
		v.Status = Pass
	}
}

// Summary is one line saying what the gate decided and why.
func (v *Verdict) Summary() string {
	n := v.Counts()
	counts := fmt.Sprintf("%d passed, %d failed, %d not judged", n[Pass], n[Fail], n[NotJudged])
	if n[Skipped] > 0 {
		counts += fmt.Sprintf(", %d skipped", n[Skipped])
	}
	switch v.Status {
	case Fail:
		return "gate FAILED: " + counts
	case NotJudged:
		if len(v.Reasons) > 0 {
			return "gate cannot judge this run: " + strings.Join(v.Reasons, "; ")
		}
		return "gate cannot judge: " + counts
	default:
		return "gate passed: " + counts
	}
}

// Failures returns the messages of failed checks, or of those not judged.
func (v *Verdict) Failures() []string {
	var out []string
	for _, c := range v.Checks {
		if c.Status == Fail || (v.Status == NotJudged && c.Status == NotJudged && len(v.Reasons) == 0) {
			out = append(out, c.Name+": "+c.Message)
		}
	}
	return out
}
