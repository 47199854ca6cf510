package main

// run_side.go: what a run does beside sending requests: the built-in
// engine's description in run.json, prompt calibration against the
// server's tokenizer, and engine metric scraping.

import (
	"context"
	"net/http"
	"os"
	"path/filepath"
	"time"

	"github.com/tokenbench/tokenbench/bench"
	"github.com/tokenbench/tokenbench/bench/scrape"
	"github.com/tokenbench/tokenbench/workloads"
)

func (e *runEnv) publicTarget() bench.TargetInfo {
	ti := bench.PublicTarget(e.target, e.builtin)
	ti.Adaptations = e.adaptations
	return ti
}

// generatedKinds are the workloads whose prompt text tokenbench makes up
// to a target length; calibration resizes only those, never a dataset's
// real prompts.
var generatedKinds = map[string]bool{"synthetic": true, "mooncake": true, "azure": true, "burstgpt": true}

// calibration measures, once per run command, how the server counts
// prompts (POST /tokenize), for --calibrate auto|fit on generated prompts.
func (e *runEnv) calibration(ctx context.Context, o *RunOptions) *bench.Calibration {
	if o.Calibrate == "off" || !generatedKinds[o.Spec.Kind] {
		return nil
	}
	if e.cal != nil {
		return e.cal
	}
	tok, err := workloads.NewTokenizer(o.Spec.Tokenizer)
	if err != nil {
		return nil // Open has already refused a bad tokenizer
	}
	cal, err := bench.Calibrate(ctx, e.target, tok, nil, bench.WithHTTPClient(&http.Client{Transport: headerTransport{e.target}}))
	if err != nil {
		cal.Available, cal.Reason = false, err.Error()
	}
	if cal.Available {
		e.say("tokenbench: calibrated prompts against %s: the server adds %d tokens, %.3f server tokens per local token", cal.Endpoint, cal.OverheadTokens, cal.Ratio)
	} else {
		e.say("tokenbench: prompts not calibrated (%s); the summary reports target against actual prompt tokens", cal.Reason)
	}
	e.cal = &cal
	return e.cal
}

func (e *runEnv) calibrated(ctx context.Context, o *RunOptions, cal bench.Calibration, src workloads.Source) workloads.Source {
	if o.Calibrate == "fit" {
		return cal.FitSource(ctx, src)
	}
	return cal.Source(src)
}

// find returns the first Source in a chain of wrappers (each offering
// Unwrap) that implements T.
func find[T any](src workloads.Source) (T, bool) {
	for src != nil {
		if t, ok := src.(T); ok {
			return t, true
		}
		u, ok := src.(interface{ Unwrap() workloads.Source })
		if !ok {
			break
		}
		src = u.Unwrap()
	}
	var zero T
	return zero, false
}

// startScraper starts scraping the engine's metrics into dir/metrics.jsonl,
// unless --no-metrics. A target without /metrics only leaves failed scrapes
// in the file: it never fails the run.
func (e *runEnv) startScraper(ctx context.Context, o *RunOptions, dir string, epoch time.Time) (*scrape.Scraper, func(), error) {
	if o.NoMetrics {
		return nil, nil, nil
	}
	url := o.MetricsURL
	if url == "" {
		url = scrape.DefaultURL(e.target.BaseURL)
	}
	f, err := os.OpenFile(filepath.Join(dir, scrape.MetricsFile), os.O_CREATE|os.O_EXCL|os.O_WRONLY|os.O_APPEND, 0o644)
	if err != nil {
		return nil, nil, err
	}
	s := scrape.New(url, o.MetricsInterval, f, scrape.WithEpoch(epoch), scrape.WithHTTPClient(&http.Client{Transport: headerTransport{e.target}}))
	if err := s.Start(ctx); err != nil {
		f.Close()
		return nil, nil, err
	}
	return s, func() { f.Close() }, nil
}
