package report

import (
	"encoding/json"
	"fmt"
	"math"

	"github.com/tokenbench/tokenbench/bench"
)

// SpecFigures is speculative-decoding acceptance measured from one source
// (METRICS.md): acceptance rate = accepted / drafted tokens, acceptance
// length = tokens per verification step = 1 + accepted / steps. A figure
// the source cannot give is absent.
type SpecFigures struct {
	Source           string   `json:"source"`
	Estimator        string   `json:"estimator"`
	Requests         int      `json:"requests"`
	AcceptanceRate   *float64 `json:"acceptance_rate,omitempty"`
	AcceptanceLength *float64 `json:"acceptance_length,omitempty"`
	DraftTokens      *float64 `json:"draft_tokens,omitempty"`
	AcceptedTokens   *float64 `json:"accepted_tokens,omitempty"`
	Steps            float64  `json:"steps"`
}

// specCounts accumulates one source over requests.
type specCounts struct {
	requests                 int
	drafted, accepted, steps float64
	hasDrafted               bool
	estimators               map[string]int
}

// responseSpec reads the per-response fields engines add: llama.cpp's
// timings (draft_n, draft_n_accepted, predicted_n) and SGLang's meta_info
// (spec_verify_ct, completion_tokens). The first token comes from prefill,
// not from a verification step, so steps = predicted_n - 1 - accepted.
func responseSpec(r *bench.Record) (drafted, accepted, steps float64, hasDrafted bool, estimator string, ok bool) {
	if raw, found := r.Engine["timings"]; found {
		var t struct {
			DraftN        *float64 `json:"draft_n"`
			DraftAccepted *float64 `json:"draft_n_accepted"`
			PredictedN    *float64 `json:"predicted_n"`
		}
		if mayHoldKey(raw, "draft_n") && json.Unmarshal(raw, &t) == nil && t.DraftN != nil && t.DraftAccepted != nil && t.PredictedN != nil && *t.DraftN > 0 {
			steps = *t.PredictedN - 1 - *t.DraftAccepted
			if steps >= 1 && *t.DraftAccepted <= *t.DraftN {
				return *t.DraftN, *t.DraftAccepted, steps, true, "llama.cpp timings: draft_n_accepted / draft_n; steps = predicted_n - 1 - accepted", true
			}
		}
	}
	if raw, found := r.Engine["meta_info"]; found {
		var m struct {
			VerifyCT         *float64 `json:"spec_verify_ct"`
			CompletionTokens *float64 `json:"completion_tokens"`
		}
		if json.Unmarshal(raw, &m) == nil && m.VerifyCT != nil && *m.VerifyCT >= 1 && m.CompletionTokens != nil && *m.CompletionTokens >= *m.VerifyCT {
			// SGLang's own accept length is completion_tokens / spec_verify_ct.
			return 0, *m.CompletionTokens - *m.VerifyCT, *m.VerifyCT, false, "SGLang meta_info: completion_tokens / spec_verify_ct", true
		}
	}
	return 0, 0, 0, false, "", false
}

// eventSpec estimates tokens per verification step from the stream itself,
// only from token counts, which timing cannot fake: exact counts per event
// (logprobs), else the server's (believed) usage over events when events
// carry several tokens. The first event (prefill) is left out. ok is false
// for requests with fewer than two events, and for one-token events: bursts
// of those in time (a buffering gateway, decode stalled behind another
// request's prefill, a loaded host) are no evidence of drafts.
func eventSpec(r *bench.Record) (tokens, steps float64, estimator string, ok bool) {
	n := len(r.EventsMS)
	if n < 2 || r.OutputTokens < 2 {
		return 0, 0, "", false
	}
	switch {
	case len(r.EventTokens) == n && n >= 3:
		// The last step is often cut short by max_tokens (its drafts were
		// proposed in full, only some tokens kept): leave it out too.
		for _, k := range r.EventTokens[1 : n-1] {
			tokens += float64(k)
		}
		return tokens, float64(n - 2), "tokens per event (logprobs), first and last events left out", true
	case len(r.EventTokens) == n:
		for _, k := range r.EventTokens[1:] {
			tokens += float64(k)
		}
		return tokens, float64(n - 1), "tokens per event (logprobs)", true
	case r.OutputTokens > n && r.TokensSource != bench.TokensFromEstimate:
		return float64(r.OutputTokens - 1), float64(n - 1), "usage tokens per event", true
	}
	return 0, 0, "", false
}

func (c *specCounts) note(est string) {
	if c.estimators == nil {
		c.estimators = map[string]int{}
	}
	c.estimators[est]++
}

func (c *specCounts) estimator() string {
	best, n := "", -1
	for e, k := range c.estimators {
		if k > n || (k == n && e < best) {
			best, n = e, k
		}
	}
	if len(c.estimators) > 1 {
		best = fmt.Sprintf("%s (and %d other estimators)", best, len(c.estimators)-1)
	}
	return best
}

func (c *specCounts) figures(source string) *SpecFigures {
	if c.requests == 0 || c.steps <= 0 {
		return nil
	}
	f := &SpecFigures{Source: source, Estimator: c.estimator(), Requests: c.requests, Steps: c.steps}
	al := 1 + c.accepted/c.steps
	f.AcceptanceLength = &al
	acc := c.accepted
	f.AcceptedTokens = &acc
	if c.hasDrafted && c.drafted > 0 {
		rate := c.accepted / c.drafted
		d := c.drafted
		f.AcceptanceRate, f.DraftTokens = &rate, &d
	}
	return f
}

// disagreement lists pairs of sources whose acceptance lengths differ by
// more than 10%.
func disagreement(figs ...*SpecFigures) []string {
	var out []string
	for i := 0; i < len(figs); i++ {
		for j := i + 1; j < len(figs); j++ {
			a, b := figs[i], figs[j]
			if a == nil || b == nil || a.AcceptanceLength == nil || b.AcceptanceLength == nil {
				continue
			}
			x, y := *a.AcceptanceLength, *b.AcceptanceLength
			if math.Abs(x-y) > 0.1*math.Max(x, y) {
				out = append(out, fmt.Sprintf("acceptance length from %s (%.3f) and from %s (%.3f) differ by more than 10%%", a.Source, x, b.Source, y))
			}
		}
	}
	return out
}
