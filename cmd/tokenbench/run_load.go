package main

// run_load.go: the load of `tokenbench run` (closed, open or timed) built
// from its flags, and the line that describes it.

import (
	"fmt"
	"time"

	"github.com/tokenbench/tokenbench/bench"
	"github.com/tokenbench/tokenbench/sim"
	"github.com/tokenbench/tokenbench/workloads"
)

// load turns the options into a bench.Load for a workload of the given
// plan (nil: an endless workload). A timed workload (a trace, timestamped
// JSONL, timed sessions) runs on its own clock: no cap on requests in
// flight unless --concurrency is given, and all of it (its window) unless
// --requests or --duration is given.
func (o *RunOptions) load(plan *workloads.Plan) (bench.Load, bench.LoadInfo, error) {
	l := bench.Load{Concurrency: o.Concurrency, Requests: o.Requests, Duration: o.Duration, Warmup: o.Warmup, Grace: o.Grace, RampUp: o.RampUp}
	timed := plan != nil && plan.Timed
	if l.Requests == 0 && l.Duration == 0 && !timed {
		l.Duration = DefaultDuration
	}
	info := bench.LoadInfo{Mode: "closed", Concurrency: l.Concurrency, Requests: l.Requests,
		DurationS: l.Duration.Seconds(), Warmup: l.Warmup, GraceS: l.Grace.Seconds(), Seed: o.Seed}
	if timed {
		if o.Rate > 0 {
			return l, info, usageError{fmt.Errorf("--workload %s is timed: it runs on its own clock (--time-scale speeds it up); --rate paces workloads without timestamps", o.Workload)}
		}
		l.Trace = true
		if !o.capSet {
			l.Concurrency = 0
		}
		info.Mode, info.Concurrency = "trace", l.Concurrency
		info.Trace = &bench.TraceInfo{TimeScale: plan.TimeScale, WindowStartS: plan.WindowStart.Seconds(),
			WindowDurationS: plan.WindowDuration.Seconds(), Requests: plan.Items, SpanS: plan.Span.Seconds()}
		return l, info, nil
	}
	if o.Rate > 0 {
		a, err := workloads.NewArrival(o.Arrival, o.Rate, o.Burstiness, o.Seed)
		if err != nil {
			return l, info, usageError{err}
		}
		l.Arrival = workloads.Ramp(a, o.RampUp)
		if !o.capSet {
			l.Concurrency = 0
		}
		info.Mode, info.Concurrency, info.Arrival, info.RatePerS = "open", l.Concurrency, o.Arrival, o.Rate
		if o.Arrival == workloads.ArrivalGamma {
			info.Burstiness = o.Burstiness
		}
	}
	return l, info, nil
}

// simConfig is the built-in engine's configuration for this run.
func (o *RunOptions) simConfig() sim.Config {
	c := o.Sim
	c.Seed = o.Seed
	if o.APIKey != "" {
		c.APIKeys = []string{o.APIKey}
	}
	return c
}

func describeLoad(l bench.Load, tr *bench.TraceInfo) string {
	s := ""
	if tr != nil {
		s = fmt.Sprintf("on its own clock: %d requests over %s", tr.Requests, time.Duration(tr.SpanS*float64(time.Second)).Round(time.Millisecond))
		if tr.TimeScale != 1 {
			s += fmt.Sprintf(" (time scale %g)", tr.TimeScale)
		}
		if tr.WindowStartS > 0 || tr.WindowDurationS > 0 {
			s += fmt.Sprintf(", window from %s", time.Duration(tr.WindowStartS*float64(time.Second)))
			if tr.WindowDurationS > 0 {
				s += fmt.Sprintf(" for %s of trace time", time.Duration(tr.WindowDurationS*float64(time.Second)))
			}
		}
		if l.Concurrency > 0 {
			s += fmt.Sprintf(", at most %d in flight", l.Concurrency)
		} else {
			s += ", no cap on requests in flight"
		}
	} else if l.Arrival != nil {
		s = l.Arrival.String()
		if l.Concurrency > 0 {
			s += fmt.Sprintf(", at most %d in flight", l.Concurrency)
		}
	} else {
		s = fmt.Sprintf("loop, %d in flight", l.Concurrency)
		if l.RampUp > 0 {
			s += fmt.Sprintf(" (ramped up over %s)", l.RampUp)
		}
	}
	switch {
	case tr != nil && l.Requests > 0:
		s += fmt.Sprintf(", stopping after %d", l.Requests)
	case l.Requests > 0:
		s += fmt.Sprintf(", %d requests", l.Requests)
	}
	switch {
	case tr != nil && l.Duration > 0:
		s += fmt.Sprintf(", stopping at %s", l.Duration)
	case l.Duration > 0:
		s += fmt.Sprintf(", for %s", l.Duration)
	}
	if l.Warmup > 0 {
		s += fmt.Sprintf(" after %d warm-up", l.Warmup)
	}
	return s
}
