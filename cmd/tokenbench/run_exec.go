package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net/http"
	"os"
	"path/filepath"
	"runtime"
	"sort"
	"strings"
	"sync"
	"time"

	openai "github.com/sashabaranov/go-openai"

	"github.com/tokenbench/tokenbench/bench"
	"github.com/tokenbench/tokenbench/bench/scrape"
	"github.com/tokenbench/tokenbench/report"
	"github.com/tokenbench/tokenbench/sim"
	"github.com/tokenbench/tokenbench/workloads"
)

// runEnv is what every sub-run of one `tokenbench run` shares: the target
// (and the built-in engine when there was no URL), the client, the output.
type runEnv struct {
	f       *Factory
	target  bench.Target
	builtin bool
	engine  any
	client  *bench.Client
	cal     *bench.Calibration
	// adaptations explain changes AdaptTarget made to the target.
	adaptations []string
	// virtual is the built-in engine's configuration under --clock
	// virtual (run_virtual.go); nil on the real clock.
	virtual *sim.Config
	// simEngine is the in-process engine on the real clock, for its
	// lateness (run_virtual.go: builtinLateness).
	simEngine *sim.Engine
	// doer routes over several endpoints and routing describes it
	// (run_route.go); nil with one endpoint.
	doer    bench.Doer
	routing *bench.RoutingInfo
	say     func(format string, a ...any)
}

// runRun executes `tokenbench run`: one run, a sweep or a goodput search.
func runRun(ctx context.Context, f *Factory, o *RunOptions) error {
	env := &runEnv{f: f, say: func(format string, a ...any) {
		if !o.Quiet {
			fmt.Fprintln(f.Err, f.redact(fmt.Sprintf(format, a...)))
		}
	}}
	stop, err := env.prepare(ctx, o)
	if err != nil {
		return err
	}
	defer stop()
	dir := o.Out
	if dir == "" {
		dir = filepath.Join("results", time.Now().UTC().Format("20060102T150405Z")+o.Shard.dirSuffix())
	}
	switch {
	case o.Sweep != "":
		return env.sweep(ctx, o, dir)
	case o.Search:
		return env.search(ctx, o, dir)
	}
	sum, outcome, runErr := env.runOne(ctx, o, dir)
	if sum == nil {
		return runErr
	}
	if !o.Quiet {
		if err := printSummary(f.Out, o.Output, sum); err != nil {
			return err
		}
	}
	return gateAfterRun(ctx, f, o.Gate, dir, o.Quiet, o.Output == "json", env.finish(sum, outcome, runErr, dir))
}

// prepare starts the built-in engine when there is no URL, finds the model
// and builds the client.
func (e *runEnv) prepare(ctx context.Context, o *RunOptions) (stop func(), err error) {
	var builtinURLs []string
	builtinGPUs := 0
	headers, _ := parseHeaders(o.Headers)
	extra, _ := o.extraBody()
	e.target = bench.Target{BaseURL: o.URL, Model: o.Model, API: o.API, APIKey: o.APIKey,
		Headers: headers, Timeout: o.Timeout, Extra: extra, Logprobs: o.Logprobs}
	stop = func() {}
	if o.Clock == bench.ClockVirtual {
		return stop, e.prepareVirtual(o)
	}
	if e.target.BaseURL == "" {
		cfg := o.simConfig()
		d, err := cfg.Resolve()
		if err != nil {
			return stop, usageError{fmt.Errorf("built-in engine: %w", err)}
		}
		urls, stopSims, err := e.startReplicas(cfg, o.Route.Replicas)
		if err != nil {
			return stop, err
		}
		stop = stopSims
		e.target.BaseURL, e.engine, e.builtin = urls[0], d.Config, true
		e.say("tokenbench: no --url or $OPENAI_BASE_URL: started the built-in simulated engine (%s) at %s", d.String(), strings.Join(urls, ", "))
		if len(urls) > 1 {
			builtinURLs, builtinGPUs = urls, d.Config.TP
		}
		if note := sim.SpeedupNote(d.Config); note != "" {
			e.say("tokenbench: %s", note)
		}
	}
	if e.target.Model == "" {
		m, err := discoverModel(ctx, e.target)
		if err != nil {
			return stop, err
		}
		e.target.Model = m
	}
	if !e.builtin && !o.NoPreflight {
		if err := e.preflight(ctx); err != nil {
			return stop, err
		}
	}
	if !e.builtin && o.Synthetic.ForceLength {
		// One short request finds the length-forcing fields the server
		// refuses (OpenAI's API, strict servers), before they fail a run.
		e.target, e.adaptations = bench.AdaptTarget(ctx, e.target, bench.WithHTTPClient(&http.Client{Transport: sideTransport}))
		for _, n := range e.adaptations {
			e.say("tokenbench: %s", n)
		}
	}
	e.client, err = bench.NewClient(e.target, bench.WithBufferBudget(bench.NewBufferBudget(o.maxBuffer)))
	if err != nil {
		return stop, err
	}
	switch {
	case len(builtinURLs) > 1:
		err = e.prepareRouting(ctx, o, builtinURLs, builtinGPUs)
	case len(o.Route.URLs) > 1:
		err = e.prepareRouting(ctx, o, o.Route.URLs, 0)
	}
	return stop, err
}

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
	if err := writeSummary(dir, sum); err != nil {
		return nil, outcome, errors.Join(runErr, err)
	}
	e.warnValidity(sum, dir)
	return sum, outcome, runErr
}

// finish reports failures and maps the outcome to the command's error.
func (e *runEnv) finish(sum *report.Summary, outcome bench.Outcome, runErr error, dir string) error {
	if sum.Requests.Failed > 0 {
		e.say("tokenbench: %d of %d requests failed: %s (details in %s)", sum.Requests.Failed, sum.Requests.Total, errorCounts(sum.Requests.Errors), filepath.Join(dir, bench.RecordsFile))
		for class, ex := range sum.ErrorExamples() {
			if len(ex) > 0 {
				e.say("tokenbench:   %s, e.g. request %s: %s", class, ex[0].RequestID, ex[0].Message)
			}
		}
	}
	e.warnLate()
	if runErr != nil {
		return runErr
	}
	if sum.Requests.Total > 0 && sum.Requests.OK == 0 && !outcome.Interrupted {
		// Nothing was measured: say so in the exit status too (scripts, CI).
		return fmt.Errorf("every request failed (%s); results in %s", errorCounts(sum.Requests.Errors), dir)
	}
	if sum.Requests.Failed*2 > sum.Requests.Total && !outcome.Interrupted {
		// The numbers describe a failing server, not a serving one (it
		// died mid-run, or refused most of the load): a script must see it.
		return fmt.Errorf("%d of %d requests failed, more than half (%s); results in %s", sum.Requests.Failed, sum.Requests.Total, errorCounts(sum.Requests.Errors), dir)
	}
	if outcome.Interrupted {
		e.say("tokenbench: interrupted; %d requests recorded in %s", sum.Requests.Total+sum.Requests.WarmupExcluded, dir)
		return errInterrupted
	}
	return nil
}

// errorCounts renders failures by class, most frequent first.
func errorCounts(m map[string]int) string {
	classes := make([]string, 0, len(m))
	for k := range m {
		classes = append(classes, k)
	}
	sort.Slice(classes, func(i, j int) bool {
		if m[classes[i]] != m[classes[j]] {
			return m[classes[i]] > m[classes[j]]
		}
		return classes[i] < classes[j]
	})
	parts := make([]string, len(classes))
	for i, k := range classes {
		parts[i] = fmt.Sprintf("%s %d", k, m[k])
	}
	return strings.Join(parts, ", ")
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

// discoverModel returns the first model id the endpoint lists.
func discoverModel(ctx context.Context, t bench.Target) (string, error) {
	cfg := openai.DefaultConfig(t.APIKey)
	cfg.BaseURL = t.BaseURL
	cfg.HTTPClient = headerDoer{&http.Client{Transport: sideTransport}, t}
	ctx, cancel := context.WithTimeout(ctx, 30*time.Second)
	defer cancel()
	list, err := openai.NewClientWithConfig(cfg).ListModels(ctx)
	if err != nil {
		err = fmt.Errorf("no --model given and GET %s/models failed: %w", bench.RedactURL(t.BaseURL), err)
		if hint := modelsHint(t, err); hint != "" {
			return "", usageError{fmt.Errorf("%w\n  hint: %s", err, hint)}
		}
		return "", err
	}
	if len(list.Models) == 0 {
		return "", fmt.Errorf("no --model given and %s/models lists none", bench.RedactURL(t.BaseURL))
	}
	return list.Models[0].ID, nil
}

// createResultsDir makes dir and opens its records file; it refuses a
// directory that already holds a run, so results are never overwritten.
func createResultsDir(dir string) (*os.File, error) {
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return nil, err
	}
	if _, err := os.Stat(filepath.Join(dir, bench.RunFile)); err == nil {
		return nil, usageError{fmt.Errorf("%s already holds a run; choose another --out", dir)}
	}
	if _, err := bench.RemoveStaleTemp(dir); err != nil {
		return nil, err
	}
	return os.OpenFile(filepath.Join(dir, bench.RecordsFile), os.O_CREATE|os.O_EXCL|os.O_WRONLY|os.O_APPEND, 0o644)
}

func writeSummary(dir string, sum *report.Summary) error {
	var b bytesBuffer
	if err := sum.WriteJSON(&b); err != nil {
		return err
	}
	return bench.WriteFileAtomic(filepath.Join(dir, "summary.json"), b.Bytes())
}

func printSummary(w io.Writer, format string, sum *report.Summary) error {
	if format == "json" {
		return sum.WriteJSON(w)
	}
	return sum.WriteTable(w)
}

// multiSink hands each record to every sink. The first sink is the record
// of truth (requests.jsonl): a record it refuses goes to no other sink, so
// the summary counts exactly what is on disk. Otherwise the first error wins.
type multiSink []bench.Sink

func (m multiSink) Write(r bench.Record) error {
	if len(m) == 0 {
		return nil
	}
	if err := m[0].Write(r); err != nil {
		return err
	}
	var first error
	for _, s := range m[1:] {
		if err := s.Write(r); err != nil && first == nil {
			first = err
		}
	}
	return first
}

// startProgress redraws the live line on w twice a second until stopped.
func startProgress(w io.Writer, live *report.Live) (stop func()) {
	if live == nil {
		return func() {}
	}
	done := make(chan struct{})
	var wg sync.WaitGroup
	wg.Add(1)
	go func() {
		defer wg.Done()
		t := time.NewTicker(500 * time.Millisecond)
		defer t.Stop()
		for {
			select {
			case now := <-t.C:
				fmt.Fprintf(w, "\r\033[K%s", live.Line(now))
			case <-done:
				fmt.Fprintf(w, "\r\033[K")
				return
			}
		}
	}()
	return func() { close(done); wg.Wait() }
}

// warnValidity prints a warning line per reason the run is not valid.
func (e *runEnv) warnValidity(sum *report.Summary, dir string) {
	if sum.Validity == nil || sum.Validity.Valid {
		return
	}
	e.say("tokenbench: WARNING: these numbers may be shaped by the client, not the server (validity.valid false in %s):", filepath.Join(dir, "summary.json"))
	for _, r := range sum.Validity.Reasons {
		e.say("tokenbench:   %s: %s", r.Check, r.Message)
	}
}
