package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"runtime"
	"sync"
	"time"

	openai "github.com/sashabaranov/go-openai"

	"github.com/tokenbench/tokenbench/bench"
	"github.com/tokenbench/tokenbench/report"
	"github.com/tokenbench/tokenbench/sim"
)

// runRun executes `tokenbench run`.
func runRun(ctx context.Context, f *Factory, o *RunOptions) error {
	say := func(format string, a ...any) {
		if !o.Quiet {
			fmt.Fprintf(f.Err, format+"\n", a...)
		}
	}
	load, loadInfo, err := o.load()
	if err != nil {
		return err
	}
	load.Abort = abortChan(ctx)
	headers, _ := parseHeaders(o.Headers)
	extra, _ := o.extraBody()
	target := bench.Target{BaseURL: o.URL, Model: o.Model, API: o.API, APIKey: o.APIKey,
		Headers: headers, Timeout: o.Timeout, Extra: extra}

	var engine any
	builtin := target.BaseURL == ""
	if builtin {
		cfg := o.simConfig()
		url, stop, err := sim.Start(context.Background(), "127.0.0.1:0", cfg)
		if err != nil {
			return fmt.Errorf("start the built-in engine: %w", err)
		}
		defer stop()
		target.BaseURL, engine = url, cfg
		say("tokenbench: no --url or $OPENAI_BASE_URL: started the built-in simulated engine (%s) at %s", cfg.Model, url)
	}
	if target.Model == "" {
		m, err := discoverModel(ctx, target)
		if err != nil {
			return err
		}
		target.Model = m
	}
	client, err := bench.NewClient(target)
	if err != nil {
		return err
	}
	src, err := o.Synthetic.NewSource()
	if err != nil {
		return usageError{err}
	}

	dir := o.Out
	if dir == "" {
		dir = filepath.Join("results", time.Now().UTC().Format("20060102T150405Z"))
	}
	recFile, err := createResultsDir(dir)
	if err != nil {
		return err
	}
	defer recFile.Close()
	host, _ := os.Hostname()
	info := bench.RunInfo{Tool: "tokenbench", Version: Version(), GoVersion: runtime.Version(), Host: host,
		StartTime: time.Now().UTC(), Target: bench.PublicTarget(target, builtin), Load: loadInfo,
		Workload: map[string]any{"kind": "synthetic", "synthetic": o.Synthetic}, Engine: engine}
	if err := bench.WriteRunInfo(dir, info); err != nil {
		return err
	}
	say("tokenbench: %s %s against %s (model %s), results in %s", loadInfo.Mode, describeLoad(load), target.BaseURL, target.Model, dir)

	agg := report.NewAggregator()
	sinks := multiSink{bench.NewJSONLWriter(recFile), agg}
	var live *report.Live
	if f.ErrIsTTY && !o.Quiet {
		live = report.NewLive(time.Now())
		sinks = append(sinks, live)
	}
	stopProgress := startProgress(f.Err, live)
	outcome, runErr := bench.Run(ctx, load, src, client, sinks)
	stopProgress()

	sum := agg.Close()
	if err := writeSummary(dir, sum); err != nil {
		return errors.Join(runErr, err)
	}
	if !o.Quiet {
		if err := printSummary(f.Out, o.Output, sum); err != nil {
			return err
		}
	}
	if sum.Requests.Failed > 0 {
		say("tokenbench: %d of %d requests failed: %v (details in %s)", sum.Requests.Failed, sum.Requests.Total, sum.Requests.Errors, filepath.Join(dir, bench.RecordsFile))
	}
	if runErr != nil {
		return runErr
	}
	if outcome.Interrupted {
		say("tokenbench: interrupted; %d requests recorded in %s", sum.Requests.Total+sum.Requests.WarmupExcluded, dir)
		return errInterrupted
	}
	return nil
}

func describeLoad(l bench.Load) string {
	s := ""
	if l.Arrival != nil {
		s = l.Arrival.String()
		if l.Concurrency > 0 {
			s += fmt.Sprintf(", at most %d in flight", l.Concurrency)
		}
	} else {
		s = fmt.Sprintf("loop, %d in flight", l.Concurrency)
	}
	if l.Requests > 0 {
		s += fmt.Sprintf(", %d requests", l.Requests)
	}
	if l.Duration > 0 {
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
	cfg.HTTPClient = headerDoer{bench.NewHTTPClient(), t}
	ctx, cancel := context.WithTimeout(ctx, 30*time.Second)
	defer cancel()
	list, err := openai.NewClientWithConfig(cfg).ListModels(ctx)
	if err != nil {
		return "", fmt.Errorf("no --model given and GET %s/models failed: %w", t.BaseURL, err)
	}
	if len(list.Models) == 0 {
		return "", fmt.Errorf("no --model given and %s/models lists none", t.BaseURL)
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

// multiSink hands each record to every sink; the first error wins.
type multiSink []bench.Sink

func (m multiSink) Write(r bench.Record) error {
	var first error
	for _, s := range m {
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
