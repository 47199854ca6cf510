package main

// run_one.go: one measured run, from the workload to summary.json.

import (
	"context"
	"errors"
	"os"
	"runtime"
	"time"

	"github.com/tokenbench/tokenbench/bench"
	"github.com/tokenbench/tokenbench/bench/scrape"
	"github.com/tokenbench/tokenbench/report"
	"github.com/tokenbench/tokenbench/workloads"
)

// runOne runs o into dir and returns its summary (nil when nothing ran).
func (e *runEnv) runOne(ctx context.Context, o *RunOptions, dir string) (*report.Summary, bench.Outcome, error) {
	// The workload is read and validated whole before anything is sent or
	// written: bad input is a usage error naming file and line.
	src, err := workloads.Open(o.Spec)
	if err != nil {
		return nil, bench.Outcome{}, usageError{err}
	}
	var plan *workloads.Plan
	if p, ok := workloads.PlanOf(src); ok {
		plan = &p
	}
	load, loadInfo, err := o.load(plan)
	if err != nil {
		return nil, bench.Outcome{}, err
	}
	load, loadInfo = o.Shard.apply(load, loadInfo)
	if !o.NoPrewarm {
		load.Prewarm = bench.AutoPrewarm(load)
	}
	load.Abort = abortChan(ctx)
	src = o.Shard.source(src)
	if load.Warmup > 0 {
		// A second copy, so warm-up does not eat a trace's first requests.
		if load.WarmupSource, err = workloads.Open(o.Spec); err != nil {
			return nil, bench.Outcome{}, usageError{err}
		}
		load.WarmupSource = o.Shard.warmupSource(load.WarmupSource)
	}
	workload := map[string]any{"spec": o.Spec}
	if cal := e.calibration(ctx, o); cal != nil {
		workload["calibration"] = cal
		src = e.calibrated(ctx, o, *cal, src)
		if load.WarmupSource != nil {
			load.WarmupSource = e.calibrated(ctx, o, *cal, load.WarmupSource)
		}
	}
	recFile, err := createResultsDir(dir)
	if err != nil {
		return nil, bench.Outcome{}, err
	}
	defer recFile.Close()
	if fr, ok := find[workloads.FileReporter](src); ok {
		workload["file"] = fr.FileReport()
	}
	host, _ := os.Hostname()
	load.Epoch = o.Shard.epoch(time.Now())
	info := bench.RunInfo{Tool: "tokenbench", Version: Version(), GoVersion: runtime.Version(), Host: host,
		StartTime: load.Epoch.UTC(), Name: o.Name, Target: e.publicTarget(), Load: loadInfo,
		Workload: workload, Engine: e.engine, SLO: o.slo.String(), Shard: o.Shard.info(load.Epoch), Clock: bench.ClockReal}
	if e.virtual != nil {
		info.Clock = bench.ClockVirtual
	}
	info.Routing = e.routing
	if err := bench.WriteRunInfo(dir, info); err != nil {
		return nil, bench.Outcome{}, err
	}
	against := bench.RedactURL(e.target.BaseURL)
	if e.virtual != nil {
		against = "the built-in engine on a virtual clock"
	}
	e.say("tokenbench: %s %s, workload %s, against %s (model %s), results in %s", loadInfo.Mode, describeLoad(load, loadInfo.Trace), o.Workload, against, e.target.Model, dir)

	var (
		scraper      *scrape.Scraper
		closeScraper func()
	)
	if e.virtual == nil && e.routing != nil && !o.NoMetrics && o.MetricsURL == "" {
		e.say("tokenbench: several endpoints: no engine section (each endpoint's figures are in the per-endpoint breakdown); give --metrics-url to scrape one")
	}
	if e.virtual == nil && (e.routing == nil || o.MetricsURL != "") {
		if scraper, closeScraper, err = e.startScraper(ctx, o, dir, load.Epoch); err != nil {
			return nil, bench.Outcome{}, err
		}
	}
	agg := report.NewAggregator()
	agg.SetSLO(o.slo)
	recWriter := bench.NewJSONLWriter(recFile)
	monitor := bench.StartHealth(e.f.Health, e.f.FDLimit)
	sinks := multiSink{recWriter, agg, monitor}
	var live *report.Live
	if e.f.ErrIsTTY && !o.Quiet {
		live = report.NewLive(time.Now())
		sinks = append(sinks, live)
	}
	stopProgress := startProgress(e.f.Err, live)
	var (
		outcome bench.Outcome
		runErr  error
		virtual *scrape.EngineSummary
	)
	if e.virtual != nil {
		outcome, virtual, runErr = e.runVirtual(ctx, o, load, src, sinks, dir)
	} else {
		// A shard warms up and waits for --start-at first (run_shard.go).
		outcome, runErr = bench.Outcome{Epoch: load.Epoch}, o.Shard.begin(ctx, e.runDoer(), &load, sinks, e.say, func(si *bench.ShardInfo) error {
			info.Shard = si
			return bench.WriteRunInfo(dir, info)
		})
	}
	if runErr == nil && e.virtual == nil {
		outcome, runErr = bench.Run(ctx, load, src, e.runDoer(), sinks)
	}
	stopProgress()
	health := monitor.Stop()
	health.Prewarm = outcome.Prewarm
	if e.builtin {
		health.EngineTimeScale = o.Sim.TimeScale
	}
	if l, ok := e.builtinLateness(); ok && l.Steps > 0 {
		p99 := bench.Ms(l.P99)
		health.EngineLateP99MS = &p99
	}
	info.Health = &health
	if err := bench.WriteRunInfo(dir, info); err != nil {
		runErr = errors.Join(runErr, err)
	}
	if lost := recWriter.Lost(); lost > 0 {
		e.say("tokenbench: %d requests finished after the records file failed and are not recorded; the summary counts the %d on disk", lost, recWriter.Written())
	}

	sum := agg.Close()
	if virtual != nil && virtual.Name != "" {
		sum.SetEngineMetrics(*virtual)
	}
	if scraper != nil {
		scrapeErr := scraper.Stop()
		closeScraper()
		es := scrape.Summarize(scraper.Samples())
		switch {
		case es.Name != "":
			sum.SetEngineMetrics(es)
		case !o.NoMetrics && o.MetricsURL != "":
			e.say("tokenbench: no engine metrics could be read from %s (see %s)", o.MetricsURL, scrape.MetricsFile)
		}
		if scrapeErr != nil {
			runErr = errors.Join(runErr, scrapeErr)
		}
	}
	wi := bench.WorkloadInfo{Requests: outcome.Issued, HeldBack: outcome.HeldBackInfo()}
	if sum.SetHeldBack(wi.HeldBack); sum.HeldBack != nil {
		e.say("tokenbench: warning: %s", report.HeldBackText(sum.HeldBack))
	}
	if fr, ok := find[workloads.FileReporter](src); ok {
		wi.File = fr.FileReport()
	}
	if pr, ok := find[workloads.PrefixReporter](src); ok {
		if st := pr.IntendedPrefixReuse(); st.PromptTokens > 0 {
			wi.IntendedPrefixReuse = &st.Ratio
			sum.SetIntendedPrefixReuse(st.Ratio)
		}
	}
	if err := bench.WriteWorkloadInfo(dir, wi); err != nil {
		runErr = errors.Join(runErr, err)
	}
	sum.SetValidity(info)
	sum.SetRouting(info.Routing)
	if err := report.WriteSummaryFile(dir, sum); err != nil {
		return nil, outcome, errors.Join(runErr, err)
	}
	e.warnValidity(sum, dir)
	return sum, outcome, runErr
}
