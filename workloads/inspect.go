package workloads

import (
	"errors"
	"fmt"
	"math"
	"slices"
	"time"
)

// DefaultInspectLimit is how many requests Inspect reads from a source that
// never ends (synthetic) when no limit is given.
const DefaultInspectLimit = 1000

// Inspection is what a workload holds, read without sending anything:
// `tokenbench workloads inspect KIND:FILE`.
type Inspection struct {
	Kind string `json:"kind"`
	Path string `json:"path,omitempty"`
	// Requests is the number of requests read.
	Requests int `json:"requests"`
	// Limited is true when Inspect stopped at its limit and the source had
	// more to give (a cycling dataset always has: its File says it cycles).
	Limited bool `json:"limited"`
	// Timed counts the requests that carry their own start offset (traces).
	Timed int `json:"timed"`
	// Span is the time from the first to the last timed request, as
	// replayed (after the time scale).
	Span time.Duration `json:"span_ns"`
	// MeanRatePerS is (Timed-1)/Span: the rate a Poisson process would need
	// to produce the same span, in requests/s.
	MeanRatePerS float64 `json:"mean_rate_per_s"`
	// Input is the prompt length distribution in tokens; InputEstimated
	// counts the prompts whose length is an ApproxTokens estimate (real
	// text) rather than the length the workload built.
	Input          LengthStats `json:"input_tokens"`
	InputEstimated int         `json:"input_estimated"`
	// Output is the distribution of the requested output lengths
	// (max_tokens), over the requests that set one; OutputUnset counts the
	// others, whose length is left to the server. Forced counts requests
	// that ask for exactly their max_tokens.
	Output      LengthStats `json:"output_tokens"`
	OutputUnset int         `json:"output_unset"`
	Forced      int         `json:"forced_length"`
	// WithTools counts requests that offer tools.
	WithTools int `json:"with_tools"`
	// Prefix is the intended prefix reuse, for sources that know it.
	Prefix *PrefixStats `json:"intended_prefix_reuse,omitempty"`
	// File is what a file-backed source made of its file.
	File *FileReport `json:"file,omitempty"`
}

// LengthStats summarises token lengths. Percentiles interpolate linearly
// between ranks, as numpy.percentile and tokenbench's reports do.
type LengthStats struct {
	Count int     `json:"count"`
	Min   int     `json:"min"`
	P50   float64 `json:"p50"`
	P90   float64 `json:"p90"`
	P99   float64 `json:"p99"`
	Max   int     `json:"max"`
	Mean  float64 `json:"mean"`
}

// lener is implemented by sources that replay a fixed list of items in a
// cycle; Len is the list's length, one pass.
type lener interface{ Len() int }

// Inspect opens the workload spec describes and reads up to limit requests
// from it (limit 0: one pass over a dataset, a whole trace, or
// every session of a session file, or DefaultInspectLimit requests of an
// endless source). Nothing is sent, so
// sources of multi-turn sessions show each session's first turn only: later
// turns are built from replies.
func Inspect(spec Spec, limit int) (*Inspection, error) {
	if limit < 0 {
		return nil, fmt.Errorf("workloads: inspect limit must be >= 0, got %d", limit)
	}
	src, err := Open(spec)
	if err != nil {
		return nil, err
	}
	if limit == 0 {
		_, finite := PlanOf(src)
		switch s := src.(type) {
		case lener:
			limit = s.Len()
		case FileReporter:
			limit = math.MaxInt // a trace ends
		default:
			if finite {
				limit = math.MaxInt // sessions end too
			} else {
				limit = DefaultInspectLimit
			}
		}
	}
	ins := &Inspection{Kind: spec.Kind, Path: spec.Path}
	var in, out []int
	var first, last time.Duration
	for ins.Requests < limit {
		it, err := src.Next()
		if errors.Is(err, ErrExhausted) {
			break
		}
		if err != nil {
			return nil, err
		}
		ins.Requests++
		r := it.Request
		in = append(in, requestTokens(r))
		if r.InputTokens == 0 {
			ins.InputEstimated++
		}
		if r.MaxTokens > 0 {
			out = append(out, r.MaxTokens)
		} else {
			ins.OutputUnset++
		}
		if r.ForceLength {
			ins.Forced++
		}
		if len(r.Tools) > 0 {
			ins.WithTools++
		}
		if it.Timed {
			if ins.Timed == 0 {
				first = it.Offset
			}
			last = it.Offset
			ins.Timed++
		}
	}
	ins.Input, ins.Output = lengthStats(in), lengthStats(out)
	if ins.Timed > 1 && last > first {
		ins.Span = last - first
		ins.MeanRatePerS = float64(ins.Timed-1) / ins.Span.Seconds()
	}
	if p, ok := src.(PrefixReporter); ok {
		st := p.IntendedPrefixReuse()
		ins.Prefix = &st
	}
	if f, ok := src.(FileReporter); ok {
		rep := f.FileReport()
		ins.File = &rep
	}
	// Probe for more only after taking the reuse stats, which count the
	// items handed out.
	if _, isCycle := src.(lener); !isCycle && ins.Requests == limit {
		_, err := src.Next()
		ins.Limited = err == nil
	}
	return ins, nil
}

func lengthStats(xs []int) LengthStats {
	if len(xs) == 0 {
		return LengthStats{}
	}
	slices.Sort(xs)
	sum := 0.0
	for _, x := range xs {
		sum += float64(x)
	}
	return LengthStats{
		Count: len(xs),
		Min:   xs[0],
		P50:   percentileInts(xs, 50),
		P90:   percentileInts(xs, 90),
		P99:   percentileInts(xs, 99),
		Max:   xs[len(xs)-1],
		Mean:  sum / float64(len(xs)),
	}
}

// percentileInts is numpy.percentile's default ("linear") over sorted,
// non-empty xs: rank p/100*(n-1), interpolated. The report package uses the
// same definition; workloads is a leaf and cannot import it, and
// montanaflynn/stats and gonum use other definitions.
func percentileInts(xs []int, p float64) float64 {
	rank := p / 100 * float64(len(xs)-1)
	lo := int(math.Floor(rank))
	if lo+1 >= len(xs) {
		return float64(xs[len(xs)-1])
	}
	return float64(xs[lo]) + (rank-float64(lo))*float64(xs[lo+1]-xs[lo])
}
