package main

// run_validate.go: the checks of `tokenbench run` flags, all run before
// anything is started or created.

import (
	"encoding/json"
	"fmt"
	"math"
	"net/http"
	"net/url"
	"os"
	"path/filepath"
	"strings"
	"time"

	"github.com/tokenbench/tokenbench/bench"
	"github.com/tokenbench/tokenbench/report"
	"github.com/tokenbench/tokenbench/workloads"
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
		return fmt.Errorf("%s %q: %v (want http://host:port/...)", flag, bench.RedactURL(raw), redactErr(err, raw))
	}
	if u.Scheme != "http" && u.Scheme != "https" {
		return fmt.Errorf("%s %s: want an http:// or https:// URL", flag, bench.RedactURL(raw))
	}
	if u.Host == "" {
		return fmt.Errorf("%s %s: no host", flag, bench.RedactURL(raw))
	}
	return nil
}

// redactErr returns err's text with raw replaced by its redacted form.
func redactErr(err error, raw string) string {
	return strings.ReplaceAll(err.Error(), raw, bench.RedactURL(raw))
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

func (o *RunOptions) validate() error {
	if o.API != bench.APIChat && o.API != bench.APICompletions {
		return fmt.Errorf("--api must be chat or completions, got %q", o.API)
	}
	if err := checkOutput(o.Output); err != nil {
		return err
	}
	if o.Calibrate != "auto" && o.Calibrate != "fit" && o.Calibrate != "off" {
		return fmt.Errorf("--calibrate must be auto, fit or off, got %q", o.Calibrate)
	}
	if o.Clock != bench.ClockReal && o.Clock != bench.ClockVirtual {
		return fmt.Errorf("--clock must be real or virtual, got %q", o.Clock)
	}
	if o.Clock == bench.ClockVirtual && (o.URL != "" || o.MetricsURL != "") {
		return fmt.Errorf("--clock virtual runs the built-in engine in simulated time: it takes no --url or --metrics-url")
	}
	if err := o.Route.check(o.Clock == bench.ClockVirtual); err != nil {
		return err
	}
	for _, u := range o.Route.URLs[min(1, len(o.Route.URLs)):] {
		if err := validateURL("--url", u); err != nil {
			return err
		}
	}
	if o.MetricsInterval <= 0 {
		return fmt.Errorf("--metrics-interval must be positive")
	}
	if o.Concurrency < 0 || o.Requests < 0 || o.Warmup < 0 || o.Duration < 0 || o.Rate < 0 || o.Timeout < 0 {
		return fmt.Errorf("--concurrency, --requests, --warmup, --duration, --rate and --timeout must not be negative")
	}
	if o.Rate == 0 && o.Concurrency == 0 {
		return fmt.Errorf("--concurrency must be at least 1 for a closed loop (or give --rate)")
	}
	if err := o.Gate.check(o.Sweep != "" || o.Search); err != nil {
		return err
	}
	if err := o.validateNumbers(); err != nil {
		return err
	}
	if _, err := parseHeaders(o.Headers); err != nil {
		return err
	}
	for _, u := range []struct{ flag, v string }{{"--url", o.URL}, {"--metrics-url", o.MetricsURL}} {
		if u.v == "" {
			continue
		}
		if err := validateURL(u.flag, u.v); err != nil {
			return err
		}
	}
	if o.Out != "" {
		if _, err := os.Stat(filepath.Join(o.Out, bench.RunFile)); err == nil {
			return fmt.Errorf("%s already holds a run; choose another --out", o.Out)
		}
	}
	mb, err := bench.ParseByteSize(o.MaxBuffer)
	if err != nil {
		return fmt.Errorf("--max-buffer: %w", err)
	}
	o.maxBuffer = mb
	slo, err := report.ParseSLO(o.SLO)
	if err != nil {
		return err
	}
	o.slo = slo
	if o.Search && slo.Empty() {
		return fmt.Errorf("--search-max-goodput needs --slo")
	}
	if o.Search && o.Sweep != "" {
		return fmt.Errorf("--search-max-goodput and --sweep are two ways of running many sub-runs: choose one")
	}
	if !(o.Target > 0 && o.Target <= 1) {
		return fmt.Errorf("--goodput-target must be in (0, 1], got %v", o.Target)
	}
	if o.Sweep != "" {
		if _, _, err := parseSweep(o.Sweep); err != nil {
			return err
		}
	}
	o.Spec.Kind, o.Spec.Path = workloads.ParseKind(o.Workload)
	o.Spec.Seed = o.Seed
	if _, err := o.extraBody(); err != nil {
		return err
	}
	o.Synthetic.Seed = o.Seed
	o.Spec.Synthetic = o.Synthetic
	known := false
	for _, k := range workloads.Kinds() {
		known = known || k == o.Spec.Kind
	}
	if !known {
		return fmt.Errorf("--workload %q: unknown kind (known: %s)", o.Workload, strings.Join(workloads.Kinds(), ", "))
	}
	if o.Spec.Kind == "synthetic" {
		return o.Synthetic.Validate()
	}
	return nil
}

// parseHeaders parses --header values. Errors name the header, never its
// value (it may be a credential).
func parseHeaders(hs []string) (http.Header, error) {
	h := http.Header{}
	for i, s := range hs {
		k, v, ok := strings.Cut(s, ":")
		crlf := strings.ContainsAny(v, "\r\n\x00")
		k, v = strings.TrimSpace(k), strings.TrimSpace(v)
		if !ok || k == "" {
			return nil, fmt.Errorf("--header number %d: want 'Name: value'", i+1)
		}
		if !validHeaderName(k) {
			return nil, fmt.Errorf("--header %q: the name may hold only letters, digits and !#$%%&'*+-.^_`|~", k)
		}
		if crlf {
			return nil, fmt.Errorf("--header %q: the value holds a CR, LF or NUL", k)
		}
		h.Add(k, v)
	}
	return h, nil
}

// validHeaderName reports whether k is an RFC 9110 token.
func validHeaderName(k string) bool {
	for _, c := range []byte(k) {
		switch {
		case c >= 'a' && c <= 'z', c >= 'A' && c <= 'Z', c >= '0' && c <= '9':
		case strings.IndexByte("!#$%&'*+-.^_`|~", c) >= 0:
		default:
			return false
		}
	}
	return k != ""
}

func (o *RunOptions) extraBody() (map[string]any, error) {
	if o.ExtraBody == "" {
		return nil, nil
	}
	var m map[string]any
	if err := json.Unmarshal([]byte(o.ExtraBody), &m); err != nil {
		return nil, fmt.Errorf("--extra-body: want a JSON object: %v", err)
	}
	return m, nil
}
