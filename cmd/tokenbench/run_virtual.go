package main

// run_virtual.go: `tokenbench run --clock virtual`, the workload against
// the built-in engine as a discrete-event simulation (package sim).

import (
	"context"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"time"

	"github.com/tokenbench/tokenbench/bench"
	"github.com/tokenbench/tokenbench/bench/route"
	"github.com/tokenbench/tokenbench/bench/scrape"
	"github.com/tokenbench/tokenbench/sim"
	"github.com/tokenbench/tokenbench/workloads"
)

// prepareVirtual resolves the built-in engine for a virtual run; each
// (sub-)run gets its own clock and a fresh engine.
func (e *runEnv) prepareVirtual(o *RunOptions) error {
	cfg := o.simConfig()
	d, err := cfg.Resolve()
	if err != nil {
		return usageError{fmt.Errorf("built-in engine: %w", err)}
	}
	if d.Config.Faults != (sim.Faults{}) {
		return usageError{sim.ErrVirtualFaults}
	}
	e.virtual, e.engine, e.builtin = &cfg, d.Config, true
	if e.target.Model == "" {
		e.target.Model = d.ServedModel
	}
	e.say("tokenbench: --clock virtual: the built-in simulated engine (%s) on a simulated clock", d.String())
	if dg := o.Route.disagg; dg.Prefill > 0 {
		var names []string
		for i := range dg.Prefill {
			names = append(names, sim.PrefillName(i))
		}
		for i := range dg.Decode {
			names = append(names, sim.DecodeName(i))
		}
		e.routing = &bench.RoutingInfo{Policy: string(o.Route.policy), Endpoints: names, GPUs: (dg.Prefill + dg.Decode) * d.Config.TP,
			Disagg: &bench.DisaggInfo{Prefill: dg.Prefill, Decode: dg.Decode, TP: d.Config.TP}}
		e.say("tokenbench: disaggregated: %d prefill and %d decode engines of %d GPUs, the prefill pool behind the %s router", dg.Prefill, dg.Decode, d.Config.TP, o.Route.policy)
	} else if n := o.Route.Replicas; n > 1 {
		names := make([]string, n)
		for i := range names {
			names[i] = sim.ReplicaName(i)
		}
		e.routing = &bench.RoutingInfo{Policy: string(o.Route.policy), Endpoints: names, Replicas: n, GPUs: n * d.Config.TP}
		e.say("tokenbench: %d replicas behind the %s router", n, o.Route.policy)
	}
	return nil
}

// runVirtual runs the workload on a virtual clock and returns the outcome
// and the engine's metrics, sampled at virtual times into
// dir/metrics.jsonl unless --no-metrics.
func (e *runEnv) runVirtual(ctx context.Context, o *RunOptions, load bench.Load, src workloads.Source, sink bench.Sink, dir string) (bench.Outcome, *scrape.EngineSummary, error) {
	clock := sim.NewVirtualClock()
	var (
		target    sim.VirtualTarget
		newScrape func(w *os.File) *sim.VirtualScraper
	)
	var disagg *sim.VirtualDisagg
	switch {
	case e.routing != nil && e.routing.Disagg != nil:
		d, err := sim.NewVirtualDisagg(*e.virtual, o.Route.disagg, o.Route.policy, route.Options{Seed: o.Seed}, clock, e.target)
		if err != nil {
			return bench.Outcome{}, nil, err
		}
		e.routing.Disagg.Link, e.routing.Disagg.LinkGBs = d.Link, d.LinkGBs
		e.say("tokenbench: KV moves over %s at %.0f GB/s per transfer; no engine section (the pools' figures are in the summary's routing)", d.Link, d.LinkGBs)
		target, disagg = d, d
	case e.routing != nil:
		c, err := sim.NewVirtualCluster(*e.virtual, e.routing.Replicas, o.Route.policy, route.Options{Seed: o.Seed}, clock, e.target)
		if err != nil {
			return bench.Outcome{}, nil, err
		}
		target = c
		newScrape = func(w *os.File) *sim.VirtualScraper { return sim.NewVirtualClusterScraper(c, o.MetricsInterval, w) }
	default:
		eng, err := sim.NewVirtualEngine(*e.virtual, clock)
		if err != nil {
			return bench.Outcome{}, nil, err
		}
		target = sim.VirtualClient{Engine: eng, Target: e.target}
		newScrape = func(w *os.File) *sim.VirtualScraper { return sim.NewVirtualScraper(eng, o.MetricsInterval, w) }
	}
	var scraper *sim.VirtualScraper
	if !o.NoMetrics && newScrape != nil {
		f, err := os.OpenFile(filepath.Join(dir, scrape.MetricsFile), os.O_CREATE|os.O_EXCL|os.O_WRONLY|os.O_APPEND, 0o644)
		if err != nil {
			return bench.Outcome{}, nil, err
		}
		defer f.Close()
		scraper = newScrape(f)
		if err := scraper.Start(); err != nil {
			return bench.Outcome{}, nil, err
		}
	}
	outcome, runErr := sim.RunVirtual(ctx, clock, load, src, target, sink)
	if disagg != nil {
		p, d := disagg.Busy()
		e.routing.Disagg.PrefillBusyS, e.routing.Disagg.DecodeBusyS, e.routing.Disagg.ElapsedS = p.Seconds(), d.Seconds(), clock.Now().Seconds()
	}
	if scraper == nil {
		return outcome, nil, runErr
	}
	runErr = errors.Join(runErr, scraper.Stop())
	es := scrape.Summarize(scraper.Samples())
	return outcome, &es, runErr
}

// builtinLateness is the in-process engine's lateness on the real clock so
// far (false without one: another server, or the virtual clock), for the
// run's validity.
func (e *runEnv) builtinLateness() (sim.Lateness, bool) {
	if e.simEngine == nil {
		return sim.Lateness{}, false
	}
	return e.simEngine.Lateness(), true
}

// lateShare is the share of the in-process engine's steps late beyond
// sim.LatenessBound above which its timings are not the model's.
const lateShare = 0.01

// warnLate says when the in-process engine did not keep its schedule.
func (e *runEnv) warnLate() {
	l, ok := e.builtinLateness()
	if !ok || l.Steps == 0 || float64(l.Late) <= lateShare*float64(l.Steps) {
		return
	}
	e.say("tokenbench: the built-in engine fell behind its schedule: %d of %d steps later than %v (p99 %v, max %v); the host did not keep up, so timings are not the model's (try --clock virtual)",
		l.Late, l.Steps, l.Bound, l.P99.Round(time.Microsecond), l.Max.Round(time.Microsecond))
}
