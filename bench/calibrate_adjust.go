package bench

import (
	"context"
	"fmt"
	"math"
	"strings"
	"time"

	"github.com/tokenbench/tokenbench/workloads"
)

// Adjust resizes the prompt of req so that the server should count
// req.InputTokens prompt tokens in the request as sent: the prompt is cut
// or extended (see workloads.ResizeText) to the target less the measured
// overhead, scaled by the ratio. It is exact when the local tokenizer is the
// server's and the template overhead does not vary, and approximate
// otherwise (use Fit). Only requests with a target and a plain Prompt (no
// Messages) are resized; ok is false for the others, returned unchanged, and
// for every request when the calibration is not available.
func (c Calibration) Adjust(req workloads.Request) (adjusted workloads.Request, ok bool) {
	if !c.Available || req.InputTokens <= 0 || len(req.Messages) > 0 || req.Prompt == "" {
		return req, false
	}
	req.Prompt, _ = workloads.ResizeText(c.tok, req.Prompt, c.localBudget(req.InputTokens))
	return req, true
}

// fitTries bounds the /tokenize round trips of one Fit.
const fitTries = 8

// Fit resizes the prompt of req like Adjust, then asks the server to count
// the request and corrects the size until the count is the target (at most
// fitTries round trips, keeping the closest). It returns the request and
// the server's count of it. Requests Adjust leaves alone are returned as
// they are, with their count.
func (c Calibration) Fit(ctx context.Context, req workloads.Request) (workloads.Request, int, error) {
	if !c.Available || c.tc == nil {
		return req, 0, fmt.Errorf("bench: fit: calibration not available")
	}
	target := req.InputTokens
	if _, ok := c.Adjust(req); !ok {
		got, err := c.tc.countRequest(ctx, req)
		return req, got, err
	}
	orig := req.Prompt
	n := c.localBudget(target)
	best, bestGot := req, -1
	below, belowGot := req, -1 // the longest candidate still short of the target
	try := func(prompt string) (int, error) {
		cand := req
		cand.Prompt = prompt
		got, err := c.tc.countRequest(ctx, cand)
		if err != nil {
			return 0, fmt.Errorf("bench: fit: %w", err)
		}
		if bestGot < 0 || absInt(got-target) < absInt(bestGot-target) {
			best, bestGot = cand, got
		}
		if got < target && got > belowGot {
			below, belowGot = cand, got
		}
		return got, nil
	}
	tried := map[int]bool{}
	for i := 0; i < fitTries && !tried[n] && bestGot != target; i++ {
		tried[n] = true
		resized, _ := workloads.ResizeText(c.tok, orig, n)
		got, err := try(resized)
		if err != nil {
			return req, 0, err
		}
		step := float64(target-got) / math.Max(c.Ratio, 1e-3)
		if math.Abs(step) < 1 {
			step = math.Copysign(1, step)
		}
		n = max(1, n+int(math.Round(step)))
	}
	// One local token can be several of the server's, leaving gaps no size
	// lands in: top the closest short prompt up with short words, one
	// server token each in every tokenizer we know of.
	for i := 0; i < 3 && bestGot != target && belowGot >= 0 && target-belowGot <= 32; i++ {
		if _, err := try(below.Prompt + fillerWords(target-belowGot)); err != nil {
			return req, 0, err
		}
	}
	return best, bestGot, nil
}

// fillerWords returns n short common words, each with its space.
func fillerWords(n int) string {
	words := [...]string{" of", " the", " and", " to", " in", " a"}
	var sb strings.Builder
	for i := 0; i < n; i++ {
		sb.WriteString(words[i%len(words)])
	}
	return sb.String()
}

// Source returns src with every item's request resized by Adjust, the
// follow-up turns of sessions included. Unavailable calibrations return src
// itself.
func (c Calibration) Source(src workloads.Source) workloads.Source {
	if !c.Available {
		return src
	}
	return &calibratedSource{src: src, adjust: func(r workloads.Request) workloads.Request {
		r, _ = c.Adjust(r)
		return r
	}}
}

// FitSource is Source with Fit: exact, at the price of /tokenize round
// trips inside Next (closed-loop runs absorb them; in open-loop runs they
// show as schedule lag). A failed round trip leaves the request as Adjust
// made it.
func (c Calibration) FitSource(ctx context.Context, src workloads.Source) workloads.Source {
	if !c.Available {
		return src
	}
	return &calibratedSource{src: src, adjust: func(r workloads.Request) workloads.Request {
		if fit, _, err := c.Fit(ctx, r); err == nil {
			return fit
		}
		r, _ = c.Adjust(r)
		return r
	}}
}

type calibratedSource struct {
	src    workloads.Source
	adjust func(workloads.Request) workloads.Request
}

func (s *calibratedSource) Next() (workloads.Item, error) {
	it, err := s.src.Next()
	if err != nil {
		return it, err
	}
	return s.item(it), nil
}

func (s *calibratedSource) item(it workloads.Item) workloads.Item {
	it.Request = s.adjust(it.Request)
	if then := it.Then; then != nil {
		it.Then = func(r workloads.Reply) (workloads.Item, time.Duration, bool) {
			next, d, more := then(r)
			return s.item(next), d, more
		}
	}
	return it
}

// Unwrap returns the source being adjusted (for FileReporter and the like).
func (s *calibratedSource) Unwrap() workloads.Source { return s.src }
