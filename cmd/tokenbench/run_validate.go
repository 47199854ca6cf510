package main

// run_validate.go: the checks of `tokenbench run` flags that need more
// than a range, all run before anything is started or created.

import (
	"fmt"
	"math"
	"net/url"
	"strings"
	"time"

	"github.com/tokenbench/tokenbench/bench"
)

// Bounds of --rate: below MinRate a gap between arrivals overflows the
// nanosecond clock within a few thousand requests; above MaxRate the gaps
// round to zero and the schedule means nothing.
const (
	MinRate = 1e-6
	MaxRate = 1e6
)

// validateNumbers refuses values that are NaN, infinite, or so large or
// small that a schedule built from them overflows.
func (o *RunOptions) validateNumbers() error {
	if o.Rate != 0 && !(o.Rate >= MinRate && o.Rate <= MaxRate) {
		return fmt.Errorf("--rate must be 0 (closed loop) or between %g and %g requests/s, got %v", MinRate, MaxRate, o.Rate)
	}
	if o.Rate > 0 && (!(o.Burstiness > 0) || math.IsInf(o.Burstiness, 0)) {
		return fmt.Errorf("--burstiness must be a positive number, got %v", o.Burstiness)
	}
	if !(o.Spec.TimeScale > 0) || math.IsInf(o.Spec.TimeScale, 0) {
		return fmt.Errorf("--time-scale must be a positive number, got %v", o.Spec.TimeScale)
	}
	if !(o.Sim.TimeScale > 0) || math.IsInf(o.Sim.TimeScale, 0) {
		return fmt.Errorf("--sim-time-scale must be a positive number, got %v", o.Sim.TimeScale)
	}
	for _, d := range []struct {
		name string
		v    time.Duration
	}{{"--ramp-up", o.RampUp}, {"--grace", o.Grace}, {"--trace-start", o.Spec.TraceStart}, {"--trace-duration", o.Spec.TraceDuration}} {
		if d.v < 0 {
			return fmt.Errorf("%s must not be negative, got %s", d.name, d.v)
		}
	}
	if o.Spec.MaxTokens < 0 || o.SearchSteps < 0 {
		return fmt.Errorf("--max-tokens and --search-steps must not be negative")
	}
	return nil
}

// validateURL checks the URL given to flag: http or https, with a host. Errors show
// the URL without its userinfo.
func validateURL(flag, raw string) error {
	u, err := url.Parse(raw)
	if err != nil {
		return fmt.Errorf("%s %q: %v (want http://host:port/...)", flag, redactURL(raw), redactErr(err, raw))
	}
	if u.Scheme != "http" && u.Scheme != "https" {
		return fmt.Errorf("%s %s: want an http:// or https:// URL", flag, redactURL(raw))
	}
	if u.Host == "" {
		return fmt.Errorf("%s %s: no host", flag, redactURL(raw))
	}
	return nil
}

func redactURL(raw string) string { return bench.RedactURL(raw) }

// redactErr returns err's text with raw replaced by its redacted form.
func redactErr(err error, raw string) string {
	return strings.ReplaceAll(err.Error(), raw, redactURL(raw))
}

// registerSecrets tells f what it must never print: the API key, every
// header value, the URL's userinfo.
func (o *RunOptions) registerSecrets(f *Factory) {
	f.addSecret(o.APIKey)
	for _, h := range o.Headers {
		if _, v, ok := strings.Cut(h, ":"); ok {
			f.addSecret(strings.TrimSpace(v))
		}
	}
	f.addURLSecrets(o.URL)
	f.addURLSecrets(o.MetricsURL)
}

// fdReserve is the descriptors a run needs beside its connections: the
// results files, the engine scraper, the runtime, the terminal.
const fdReserve = 64

// checkFDLimit refuses a concurrency the file-descriptor limit cannot
// hold: every stream holds a socket, twice over when the built-in engine
// serves it from this process. limit 0 means unknown.
func (o *RunOptions) checkFDLimit(limit uint64) error {
	if limit == 0 {
		return nil
	}
	conc := o.Concurrency
	if o.Sweep != "" {
		if key, vals, err := parseSweep(o.Sweep); err == nil && key == "concurrency" {
			for _, v := range vals {
				conc = max(conc, int(v))
			}
		}
	}
	if o.Rate > 0 && !o.capSet {
		return nil // an uncapped open loop: the validity check watches fd use
	}
	per := uint64(1)
	if o.URL == "" {
		per = 2
	}
	need := uint64(conc)*per + fdReserve
	if need > limit {
		return fmt.Errorf("--concurrency %d needs about %d file descriptors, and this process may open %d (ulimit -n; the hard limit is the ceiling): lower --concurrency or raise the limit", conc, need, limit)
	}
	return nil
}
