package main

import (
	"context"
	"fmt"
	"net/http"
	"path/filepath"
	"strings"
	"time"

	openai "github.com/sashabaranov/go-openai"

	"github.com/tokenbench/tokenbench/bench"
	"github.com/tokenbench/tokenbench/sim"
)

// runEnv is what every sub-run of one `tokenbench run` shares: the target
// (and the built-in engine when there was no URL), the client, the output.
type runEnv struct {
	f       *Factory
	target  bench.Target
	builtin bool
	engine  any
	client  *bench.Client
	// budget is the run's one --max-buffer budget, shared by every client
	// (the router's endpoints too): the flag bounds all streams together.
	budget *bench.BufferBudget
	cal    *bench.Calibration
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
		if err := e.preflight(ctx, o.Route.URLs); err != nil {
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
	e.budget = bench.NewBufferBudget(o.maxBuffer)
	e.client, err = bench.NewClient(e.target, bench.WithBufferBudget(e.budget))
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
