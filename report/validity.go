package report

import (
	"fmt"

	"github.com/tokenbench/tokenbench/bench"
)

// Validity is summary.json's verdict on the run itself: Valid is false when
// a check found that the client, the host or a scaled engine, not the
// server, may have shaped the numbers. Reasons lists every check that
// failed, each with its measured figure and threshold (docs/METRICS.md).
type Validity struct {
	Valid   bool     `json:"valid"`
	Reasons []Reason `json:"reasons"`
}

// Reason is one failed check.
type Reason struct {
	// Check names the check (ValidityChecks).
	Check string `json:"check"`
	// Value is the measured figure, Threshold the bound it crossed, both
	// in Unit.
	Value     float64 `json:"value"`
	Threshold float64 `json:"threshold"`
	Unit      string  `json:"unit"`
	Message   string  `json:"message"`
}

// Thresholds of the validity checks (docs/METRICS.md defines each).
const (
	// MaxScheduleLagP99MS bounds the 99th percentile of t_start - t_sched.
	MaxScheduleLagP99MS = 10.0
	// MinAchievedRateRatio bounds the achieved start rate against the
	// rate of the schedule itself (open loop).
	MinAchievedRateRatio = 0.9
	// MinPaceRequests is the fewest measured requests the rate check needs.
	MinPaceRequests = 10
	// MaxCPUUtilization bounds the process's CPU use over its cores, over
	// the whole window.
	MaxCPUUtilization = 0.9
	// MaxCPUBusyShare bounds the share of the run's seconds in which the
	// process used bench.CPUBusyUtilization of its cores or more.
	MaxCPUBusyShare = 0.1
	// MaxSchedLatencyP99MS bounds the Go scheduler's latency p99.
	MaxSchedLatencyP99MS = 5.0
	// MaxFDUse bounds the descriptors open against the limit.
	MaxFDUse = 0.9
	// MaxEngineLateP99MS bounds the built-in engine's lateness.
	MaxEngineLateP99MS = 10.0
)

// ValidityInput is what the checks read: the summary's own figures, the
// load of run.json and the Health the run recorded (nil when it did not).
type ValidityInput struct {
	Summary *Summary
	Load    bench.LoadInfo
	Health  *bench.Health
	// Clock is run.json's clock: on the virtual clock every time is
	// simulated, so the host's CPU, scheduler and descriptors shape none.
	Clock string
}

// ValidityCheck is one check: nil when it passes or cannot tell.
type ValidityCheck struct {
	Name  string
	Check func(ValidityInput) *Reason
}

// ValidityChecks run in this order; add one here to extend the verdict.
var ValidityChecks = []ValidityCheck{
	{"health_recorded", checkHealthRecorded},
	{"schedule_lag", checkScheduleLag},
	{"achieved_rate", checkAchievedRate},
	{"cpu_saturated", checkCPU},
	{"scheduler_latency", checkSchedLatency},
	{"fd_exhaustion", checkFDs},
	{"engine_time_scaled", checkTimeScale},
	{"engine_late", checkEngineLate},
	{"held_back", checkHeldBack},
}

// SetValidity runs every check over the run's metadata (its load, health
// and clock) and sets s.Validity, and s.Clock when the times are simulated.
func (s *Summary) SetValidity(info bench.RunInfo) {
	s.Clock = ""
	if info.Clock == bench.ClockVirtual {
		s.Clock = bench.ClockVirtual // said beside the figures, which are simulated
	}
	s.Validity = EvaluateValidity(ValidityInput{Summary: s, Load: info.Load, Health: info.Health, Clock: info.Clock})
}

// simulated reports a run on the virtual clock, where the host's health
// cannot shape the figures.
func (in ValidityInput) simulated() bool { return in.Clock == bench.ClockVirtual }

// EvaluateValidity runs ValidityChecks over in.
func EvaluateValidity(in ValidityInput) *Validity {
	v := &Validity{Valid: true, Reasons: []Reason{}}
	for _, c := range ValidityChecks {
		if r := c.Check(in); r != nil {
			r.Check = c.Name
			v.Reasons = append(v.Reasons, *r)
			v.Valid = false
		}
	}
	return v
}

func checkHealthRecorded(in ValidityInput) *Reason {
	if in.Health != nil {
		return nil
	}
	return &Reason{Unit: "", Message: "run.json holds no health record (the run did not finish, or an older tokenbench wrote it): CPU, scheduler and descriptor use are unknown"}
}

func checkScheduleLag(in ValidityInput) *Reason {
	// Closed loop: t_sched is when a slot freed, the lag is the client's
	// set-up of the next request (the first wave builds its connections),
	// and the load is what the loop makes it; CPU and scheduler checks
	// watch the client there. Open loop: a late start changes the load.
	d := in.Summary.ScheduleLagMS
	if in.Load.Mode != "open" || d == nil || d.P99 <= MaxScheduleLagP99MS {
		return nil
	}
	msg := "requests started late: the client fell behind its schedule"
	if in.Load.Concurrency > 0 {
		msg += fmt.Sprintf(", or --concurrency %d held them back", in.Load.Concurrency)
	}
	return &Reason{Value: d.P99, Threshold: MaxScheduleLagP99MS, Unit: "ms",
		Message: fmt.Sprintf("schedule lag p99 %.1f ms, above %.0f ms: %s", d.P99, MaxScheduleLagP99MS, msg)}
}

// paceSpan tracks the first and last intended and actual starts.
type paceSpan struct {
	n                                          int
	minSched, maxSched, minStartMS, maxStartMS float64
}

func (p *paceSpan) add(sched, start float64) {
	if p.n == 0 {
		p.minSched, p.maxSched, p.minStartMS, p.maxStartMS = sched, sched, start, start
	}
	p.minSched, p.maxSched = min(p.minSched, sched), max(p.maxSched, sched)
	p.minStartMS, p.maxStartMS = min(p.minStartMS, start), max(p.maxStartMS, start)
	p.n++
}

// ratio is the achieved start rate over the schedule's own rate: (n-1) /
// start span against (n-1) / intended span.
func (p *paceSpan) ratio() (float64, bool) {
	sched, start := p.maxSched-p.minSched, p.maxStartMS-p.minStartMS
	if p.n < MinPaceRequests || sched <= 0 || start <= 0 {
		return 0, false
	}
	return sched / start, true
}

func checkAchievedRate(in ValidityInput) *Reason {
	if in.Load.Mode != "open" || in.Summary.pace == nil {
		return nil
	}
	r, ok := in.Summary.pace.ratio()
	if !ok || r >= MinAchievedRateRatio {
		return nil
	}
	n := float64(in.Summary.pace.n - 1)
	achieved := n / (in.Summary.pace.maxStartMS - in.Summary.pace.minStartMS) * 1000
	scheduled := n / (in.Summary.pace.maxSched - in.Summary.pace.minSched) * 1000
	return &Reason{Value: r, Threshold: MinAchievedRateRatio, Unit: "ratio",
		Message: fmt.Sprintf("requests started at %.3g req/s while the schedule asked %.3g req/s (%.0f%%, below %.0f%%): the load sent was lighter than intended", achieved, scheduled, 100*r, 100*MinAchievedRateRatio)}
}

func checkCPU(in ValidityInput) *Reason {
	h := in.Health
	if h == nil || in.simulated() {
		return nil
	}
	if h.CPUUtilization != nil && *h.CPUUtilization >= MaxCPUUtilization {
		return &Reason{Value: *h.CPUUtilization, Threshold: MaxCPUUtilization, Unit: "fraction of cores",
			Message: fmt.Sprintf("tokenbench used %.0f%% of its %d cores over the run (%.1f CPU-s in %.1f s): timestamps may have waited for a CPU", 100**h.CPUUtilization, h.Cores, deref(h.CPUSeconds), h.WindowS)}
	}
	if h.CPUMeasuredSeconds > 0 {
		share := float64(h.CPUBusySeconds) / float64(h.CPUMeasuredSeconds)
		if share >= MaxCPUBusyShare {
			return &Reason{Value: share, Threshold: MaxCPUBusyShare, Unit: "fraction of seconds",
				Message: fmt.Sprintf("tokenbench used %.0f%% or more of its %d cores in %d of %d seconds: timestamps may have waited for a CPU", 100*bench.CPUBusyUtilization, h.Cores, h.CPUBusySeconds, h.CPUMeasuredSeconds)}
		}
	}
	return nil
}

func checkSchedLatency(in ValidityInput) *Reason {
	h := in.Health
	if h == nil || in.simulated() || h.SchedLatencyP99MS == nil || *h.SchedLatencyP99MS <= MaxSchedLatencyP99MS {
		return nil
	}
	return &Reason{Value: *h.SchedLatencyP99MS, Threshold: MaxSchedLatencyP99MS, Unit: "ms",
		Message: fmt.Sprintf("Go scheduler latency p99 %.1f ms, above %.0f ms: goroutines that read the streams waited to run (a loaded host)", *h.SchedLatencyP99MS, MaxSchedLatencyP99MS)}
}

func checkFDs(in ValidityInput) *Reason {
	h := in.Health
	if h == nil {
		return nil
	}
	if h.ResourceErrors > 0 {
		return &Reason{Value: float64(h.ResourceErrors), Threshold: 0, Unit: "requests",
			Message: fmt.Sprintf("%d requests failed for lack of file descriptors or local ports (too many open files, cannot assign requested address): the client's limit, not the server", h.ResourceErrors)}
	}
	if h.FDLimit > 0 && h.FDMax > 0 {
		use := float64(h.FDMax) / float64(h.FDLimit)
		if use >= MaxFDUse {
			return &Reason{Value: use, Threshold: MaxFDUse, Unit: "fraction of the limit",
				Message: fmt.Sprintf("%d file descriptors open of a limit of %d: the client was near its limit", h.FDMax, h.FDLimit)}
		}
	}
	return nil
}

func checkTimeScale(in ValidityInput) *Reason {
	h := in.Health
	if h == nil || h.EngineTimeScale == 0 || h.EngineTimeScale == 1 {
		return nil
	}
	return &Reason{Value: h.EngineTimeScale, Threshold: 1, Unit: "x",
		Message: fmt.Sprintf("the built-in engine ran at time scale %g: its latencies are not the modelled GPU's", h.EngineTimeScale)}
}

func checkEngineLate(in ValidityInput) *Reason {
	h := in.Health
	if h == nil || h.EngineLateP99MS == nil || *h.EngineLateP99MS <= MaxEngineLateP99MS {
		return nil
	}
	return &Reason{Value: *h.EngineLateP99MS, Threshold: MaxEngineLateP99MS, Unit: "ms",
		Message: fmt.Sprintf("the built-in engine fell %.1f ms (p99) behind its own clock: the host starved it", *h.EngineLateP99MS)}
}

// checkHeldBack fails a run whose load was not the workload's: a
// --concurrency cap that made scheduled requests wait past their start (the
// arrival pattern changed), or a run cut short by an interrupt or an error.
// A stop the user asked for (--requests, --duration) measured what was
// asked: held_back reports it, and the run stays valid.
func checkHeldBack(in ValidityInput) *Reason {
	h := in.Summary.HeldBack
	switch {
	case h == nil:
		return nil
	case h.Delayed > 0:
		return &Reason{Value: float64(h.Delayed), Threshold: 0, Unit: "requests",
			Message: fmt.Sprintf("%d requests waited for a --concurrency slot past their intended start: the arrivals sent were not the workload's", h.Delayed)}
	case h.Requests > 0 && (h.By == bench.StopInterrupt || h.By == bench.StopError):
		return &Reason{Value: float64(h.Requests), Threshold: 0, Unit: "requests",
			Message: "the run ended early: " + HeldBackText(h)}
	}
	return nil
}
