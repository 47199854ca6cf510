package main

import (
	"context"
	"encoding/json"
	"fmt"
	"math"
	"path/filepath"
	"sort"
	"strconv"
	"strings"

	"github.com/tokenbench/tokenbench/bench"
	"github.com/tokenbench/tokenbench/report"
)

// SweepFile is the index a sweep or a goodput search writes at the top of
// its results directory; each entry's dir holds an ordinary run.
const SweepFile = "sweep.json"

// SweepPoint is one sub-run of a sweep or search, as the index lists it.
type SweepPoint struct {
	Param            string   `json:"param"`
	Value            float64  `json:"value"`
	Dir              string   `json:"dir"`
	OK               int      `json:"ok"`
	Failed           int      `json:"failed"`
	RequestsPerS     float64  `json:"requests_per_s"`
	OutputTokensPerS float64  `json:"output_tokens_per_s"`
	TTFTP50MS        *float64 `json:"ttft_p50_ms"`
	TTFTP99MS        *float64 `json:"ttft_p99_ms"`
	TPOTP50MS        *float64 `json:"tpot_p50_ms"`
	TPOTP99MS        *float64 `json:"tpot_p99_ms"`
	SLOAttainment    *float64 `json:"slo_attainment,omitempty"`
	GoodputPerS      *float64 `json:"goodput_requests_per_s,omitempty"`
}

// SweepIndex is sweep.json.
type SweepIndex struct {
	Kind   string       `json:"kind"` // "sweep" or "search"
	Param  string       `json:"param"`
	SLO    string       `json:"slo,omitempty"`
	Target float64      `json:"goodput_target,omitempty"`
	Points []SweepPoint `json:"points"`
	// MaxGoodputRate is the search's answer: the highest rate whose SLO
	// attainment met the target (absent when none did).
	MaxGoodputRate *float64 `json:"max_goodput_rate_per_s,omitempty"`
}

// parseSweep parses "concurrency=1,2,4" or "rate=0.5,1,2".
func parseSweep(s string) (param string, values []float64, err error) {
	param, list, ok := strings.Cut(s, "=")
	if !ok || (param != "concurrency" && param != "rate") {
		return "", nil, fmt.Errorf("--sweep %q: want concurrency=N,N,... or rate=R,R,...", s)
	}
	for _, v := range strings.Split(list, ",") {
		x, err := strconv.ParseFloat(strings.TrimSpace(v), 64)
		if err != nil || !(x > 0) || math.IsInf(x, 0) || (param == "concurrency" && (x != float64(int(x)) || x > 1e6)) ||
			(param == "rate" && (x < MinRate || x > MaxRate)) {
			return "", nil, fmt.Errorf("--sweep %s: %q is not a positive %s", param, v, map[string]string{"concurrency": "whole number", "rate": "number"}[param])
		}
		values = append(values, x)
	}
	return param, values, nil
}

// point runs one sub-run of o with param set to v, into dir/sub.
func (e *runEnv) point(ctx context.Context, o *RunOptions, dir, param string, v float64) (SweepPoint, bench.Outcome, error) {
	sub := *o
	switch param {
	case "concurrency":
		// A cap the sweep sets is given, as --concurrency would be: it
		// caps a trace replayed on its own clock too.
		sub.Concurrency, sub.Rate, sub.capSet = int(v), 0, true
	case "rate":
		sub.Rate = v
	}
	name := fmt.Sprintf("%s-%s", param, strconv.FormatFloat(v, 'f', -1, 64))
	if sub.Name == "" {
		sub.Name = name
	} else {
		sub.Name += " " + name
	}
	sum, outcome, err := e.runOne(ctx, &sub, filepath.Join(dir, name))
	p := SweepPoint{Param: param, Value: v, Dir: name}
	if sum == nil {
		return p, outcome, err
	}
	p.OK, p.Failed = sum.Requests.OK, sum.Requests.Failed
	p.RequestsPerS, p.OutputTokensPerS = sum.Throughput.RequestsPerS, sum.Throughput.OutputTokensPerS
	if d := sum.TTFTMS; d != nil {
		p.TTFTP50MS, p.TTFTP99MS = &d.P50, &d.P99
	}
	if d := sum.TPOTMS; d != nil {
		p.TPOTP50MS, p.TPOTP99MS = &d.P50, &d.P99
	}
	if g := sum.Goodput; g != nil {
		p.SLOAttainment, p.GoodputPerS = &g.Attainment, &g.RequestsPerS
	}
	return p, outcome, err
}

// sweep runs one sub-run per value of --sweep, then writes the index.
func (e *runEnv) sweep(ctx context.Context, o *RunOptions, dir string) error {
	param, values, _ := parseSweep(o.Sweep)
	idx := SweepIndex{Kind: "sweep", Param: param, SLO: o.slo.String()}
	for _, v := range values {
		p, outcome, err := e.point(ctx, o, dir, param, v)
		idx.Points = append(idx.Points, p)
		if werr := writeIndex(dir, idx); werr != nil {
			return werr
		}
		if err != nil {
			return err
		}
		if outcome.Interrupted {
			e.say("tokenbench: interrupted; the sweep's finished points are in %s", dir)
			printSweep(e, o, idx)
			return errInterrupted
		}
	}
	printSweep(e, o, idx)
	// As for one run: a point where more than half of the requests failed
	// measured the failures, not the server; the exit status says so.
	var bad []string
	for _, p := range idx.Points {
		if total := p.OK + p.Failed; total > 0 && 2*p.Failed > total {
			bad = append(bad, fmt.Sprintf("%s=%g (%d of %d failed)", p.Param, p.Value, p.Failed, total))
		}
	}
	if len(bad) > 0 {
		return fmt.Errorf("more than half of the requests failed at %s; results in %s", strings.Join(bad, ", "), dir)
	}
	return nil
}

// search finds the highest open-loop rate whose SLO attainment stays at the
// target, as DistServe defines goodput: double the rate until attainment
// drops below the target, then bisect between the last rate that met it
// and the first that did not.
func (e *runEnv) search(ctx context.Context, o *RunOptions, dir string) error {
	idx := SweepIndex{Kind: "search", Param: "rate", SLO: o.slo.String(), Target: o.Target}
	try := func(rate float64) (bool, error) {
		p, outcome, err := e.point(ctx, o, dir, "rate", rate)
		idx.Points = append(idx.Points, p)
		if werr := writeIndex(dir, idx); werr != nil {
			return false, werr
		}
		if err != nil {
			return false, err
		}
		if outcome.Interrupted {
			return false, errInterrupted
		}
		met := p.SLOAttainment != nil && *p.SLOAttainment >= o.Target
		e.say("tokenbench: search: rate %g req/s: SLO attainment %s (target %.0f%%)", rate, pct(p.SLOAttainment), 100*o.Target)
		return met, nil
	}
	lo, hi := 0.0, o.Rate
	if hi <= 0 {
		hi = 1
	}
	for k := 0; k < 12; k++ { // bracket: at most 2^12 times the start rate
		met, err := try(hi)
		if err != nil {
			return e.endSearch(o, dir, idx, lo, err)
		}
		if !met {
			break
		}
		lo, hi = hi, 2*hi
	}
	for k := 0; k < o.SearchSteps; k++ {
		mid := (lo + hi) / 2
		met, err := try(mid)
		if err != nil {
			return e.endSearch(o, dir, idx, lo, err)
		}
		if met {
			lo = mid
		} else {
			hi = mid
		}
	}
	return e.endSearch(o, dir, idx, lo, nil)
}

func (e *runEnv) endSearch(o *RunOptions, dir string, idx SweepIndex, best float64, err error) error {
	if best > 0 {
		idx.MaxGoodputRate = &best
	}
	if werr := writeIndex(dir, idx); werr != nil && err == nil {
		err = werr
	}
	printSweep(e, o, idx)
	if best > 0 {
		e.say("tokenbench: max goodput rate %g req/s keeps %.0f%% of requests within %s", best, 100*o.Target, idx.SLO)
	} else {
		e.say("tokenbench: no rate tried kept %.0f%% of requests within %s", 100*o.Target, idx.SLO)
	}
	return err
}

func pct(v *float64) string {
	if v == nil {
		return "-"
	}
	return fmt.Sprintf("%.1f%%", 100**v)
}

func writeIndex(dir string, idx SweepIndex) error {
	b, err := json.MarshalIndent(idx, "", "  ")
	if err != nil {
		return err
	}
	return bench.WriteFileAtomic(filepath.Join(dir, SweepFile), append(b, '\n'))
}

// printSweep prints one row per point, in order of the swept value.
func printSweep(e *runEnv, o *RunOptions, idx SweepIndex) {
	if o.Quiet {
		return
	}
	if o.Output == "json" {
		enc := json.NewEncoder(e.f.Out)
		enc.SetIndent("", "  ")
		enc.Encode(idx)
		return
	}
	pts := append([]SweepPoint(nil), idx.Points...)
	sort.SliceStable(pts, func(i, j int) bool { return pts[i].Value < pts[j].Value })
	header := []string{idx.Param, "ok", "failed", "req/s", "out tok/s", "TTFT p50 ms", "TTFT p99 ms", "TPOT p50 ms", "TPOT p99 ms"}
	if idx.SLO != "" {
		header = append(header, "SLO met", "goodput req/s")
	}
	f := func(v *float64) string {
		if v == nil {
			return "-"
		}
		return fmt.Sprintf("%.2f", *v)
	}
	var rows [][]string
	for _, p := range pts {
		row := []string{strconv.FormatFloat(p.Value, 'f', -1, 64), strconv.Itoa(p.OK), strconv.Itoa(p.Failed),
			fmt.Sprintf("%.2f", p.RequestsPerS), fmt.Sprintf("%.1f", p.OutputTokensPerS), f(p.TTFTP50MS), f(p.TTFTP99MS), f(p.TPOTP50MS), f(p.TPOTP99MS)}
		if idx.SLO != "" {
			row = append(row, pct(p.SLOAttainment), f(p.GoodputPerS))
		}
		rows = append(rows, row)
	}
	report.WriteASCIITable(e.f.Out, header, rows)
}
