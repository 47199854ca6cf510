package pricing

import "fmt"

// SweepFile is the index a tokenbench sweep (or goodput search) writes at the
// top of its results directory; each point's directory holds an ordinary run.
const SweepFile = "sweep.json"

// SummaryFile is the summary a run writes in its results directory.
const SummaryFile = "summary.json"

// Sweep is a set of runs of one endpoint under increasing load, as
// ReadSweep finds them: the points of InferenceX's throughput-per-GPU
// against interactivity chart, and the candidates of a capacity plan.
type Sweep struct {
	// Dir labels the sweep (the directory as the user named it).
	Dir string `json:"dir"`
	// Kind is "sweep" or "search" (from sweep.json), or "directory" for a
	// directory of run directories without an index.
	Kind string `json:"kind"`
	// Param is the swept parameter (concurrency, rate); empty for a
	// directory.
	Param string `json:"param,omitempty"`
	// Runs are the sub-runs in the order of sweep.json, or of their
	// directory names (digits compared as numbers).
	Runs []SweepRun `json:"runs"`
	// Skipped are sub-runs that measured nothing a chart or plan can use
	// (every request failed, no TPOT), with the reason.
	Skipped []Skipped `json:"skipped,omitempty"`
}

// SweepRun is one sub-run of a sweep: the figures of its summary.json that
// cost and planning read.
type SweepRun struct {
	// Label names the point: "concurrency=32" from sweep.json, else the
	// directory name.
	Label string `json:"label"`
	// Dir is the sub-run's directory, relative to the sweep's.
	Dir string `json:"dir"`

	Requests int `json:"requests"`
	OK       int `json:"ok"`
	Failed   int `json:"failed"`

	// Throughput of the whole endpoint over the measurement window.
	RequestsPerS     float64 `json:"requests_per_s"`
	InputTokensPerS  float64 `json:"input_tokens_per_s"`
	OutputTokensPerS float64 `json:"output_tokens_per_s"`
	TotalTokensPerS  float64 `json:"total_tokens_per_s"`

	// Mean tokens per successful request: summary tokens / ok; 0 when
	// nothing succeeded.
	InputTokensPerRequest  float64 `json:"input_tokens_per_request"`
	OutputTokensPerRequest float64 `json:"output_tokens_per_request"`

	// Latency percentiles of successful requests; nil when not measured.
	TTFTMS *Percentiles `json:"ttft_ms,omitempty"`
	TPOTMS *Percentiles `json:"tpot_ms,omitempty"`
	E2EMS  *Percentiles `json:"e2e_ms,omitempty"`

	// Goodput is present when the run was given SLOs (run --slo).
	Goodput *Goodput `json:"goodput,omitempty"`
}

// Percentiles are the percentiles of one latency distribution, in ms, as
// summary.json gives them.
type Percentiles struct {
	P50  float64 `json:"p50"`
	P90  float64 `json:"p90"`
	P95  float64 `json:"p95"`
	P99  float64 `json:"p99"`
	P999 float64 `json:"p999"`
}

// Goodput is the part of a summary's goodput that planning reads: the SLO
// the run counted against and the share of requests that met it.
type Goodput struct {
	SLO           SLO     `json:"slo"`
	SLOAttainment float64 `json:"slo_attainment"`
	RequestsPerS  float64 `json:"requests_per_s"`
}

// Skipped is a sub-run left out, and why.
type Skipped struct {
	Dir    string `json:"dir"`
	Reason string `json:"reason"`
}

// SLO holds per-request latency bounds in ms, with summary.json's field
// names; a nil bound is not checked.
type SLO struct {
	TTFTMS *float64 `json:"ttft_ms,omitempty"`
	TPOTMS *float64 `json:"tpot_ms,omitempty"`
	ITLMS  *float64 `json:"itl_ms,omitempty"`
	E2EMS  *float64 `json:"e2e_ms,omitempty"`
}

// Empty reports whether s bounds nothing.
func (s SLO) Empty() bool {
	return s.TTFTMS == nil && s.TPOTMS == nil && s.ITLMS == nil && s.E2EMS == nil
}

// Equal reports whether s and o set the same bounds to the same values.
func (s SLO) Equal(o SLO) bool {
	eq := func(a, b *float64) bool { return (a == nil) == (b == nil) && (a == nil || *a == *b) }
	return eq(s.TTFTMS, o.TTFTMS) && eq(s.TPOTMS, o.TPOTMS) && eq(s.ITLMS, o.ITLMS) && eq(s.E2EMS, o.E2EMS)
}

// String renders s as `run --slo` takes it: "ttft=500ms,tpot=50ms".
func (s SLO) String() string {
	out := ""
	for _, b := range []struct {
		name string
		v    *float64
	}{{"ttft", s.TTFTMS}, {"tpot", s.TPOTMS}, {"itl", s.ITLMS}, {"e2e", s.E2EMS}} {
		if b.v == nil {
			continue
		}
		if out != "" {
			out += ","
		}
		out += fmt.Sprintf("%s=%gms", b.name, *b.v)
	}
	return out
}

// SweepSLO returns the SLO every run of s counted goodput against, and
// whether there is one: false when a run has no goodput or the runs
// disagree.
func (s *Sweep) SweepSLO() (SLO, bool) {
	if len(s.Runs) == 0 {
		return SLO{}, false
	}
	for _, r := range s.Runs {
		if r.Goodput == nil || r.Goodput.SLO.Empty() || !r.Goodput.SLO.Equal(s.Runs[0].Goodput.SLO) {
			return SLO{}, false
		}
	}
	return s.Runs[0].Goodput.SLO, true
}

// Describe says what the sweep is: "sweep over concurrency, 6 points".
func (s *Sweep) Describe() string {
	return describeSweep(s.Kind, s.Param, len(s.Runs), len(s.Skipped))
}

func describeSweep(kind, param string, points, skipped int) string {
	what := kind
	switch {
	case kind == "directory":
		what = "directory of runs"
	case param != "":
		what += " over " + param
	}
	n := fmt.Sprintf("%d points", points)
	if points == 1 {
		n = "1 point"
	}
	if skipped > 0 {
		n += fmt.Sprintf(", %d skipped", skipped)
	}
	return what + ", " + n
}

// Points returns the sweep on InferenceX's axes for an endpoint of gpus
// GPUs: interactivity = 1000 / TPOT p50 ms (output tokens/s one user sees),
// throughput per GPU = output tokens/s / gpus. Runs with no TPOT or no
// output are not points and are left out (ReadSweep lists them in Skipped).
func (s *Sweep) Points(gpus int) []Point {
	var ps []Point
	if gpus < 1 {
		return nil
	}
	for _, r := range s.Runs {
		if unusable(r) != "" {
			continue
		}
		ps = append(ps, Point{
			Interactivity:    1000 / r.TPOTMS.P50,
			ThroughputPerGPU: r.OutputTokensPerS / float64(gpus),
			Label:            r.Label,
		})
	}
	return ps
}
