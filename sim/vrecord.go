package sim

import (
	"encoding/json"
	"errors"
	"fmt"
	"time"

	openai "github.com/sashabaranov/go-openai"

	"github.com/tokenbench/tokenbench/bench"
	"github.com/tokenbench/tokenbench/workloads"
)

// vreq is one request in a VirtualEngine, its Record built as bench.Client
// builds it from the stream the HTTP engine would send: one token-bearing
// event per step (a tool call's name delta and first argument fragment are
// two events of one step; no event while its name is generated), usage and
// timings with the last one, then [DONE].
type vreq struct {
	resp     *response
	rec      bench.Record
	start    time.Duration
	sent     int  // tokens handed out
	events   int  // token-bearing events
	inexact  bool // an event listed no logprobs
	logprobs bool
	ended    bool          // finished or timed out
	lastAt   time.Duration // when its latest step's tokens arrive (Timing.OutputLag)
	done     func(bench.Record, workloads.Reply)
}

// emit records the events of one step that ended at now.
func (q *vreq) emit(now time.Duration, em emit) {
	at := bench.Ms(now - q.start)
	events, lastTokens := 1, em.n-q.sent
	if c := q.resp.choices[0].ans.call; c != nil {
		events = len(c.deltas(q.sent, em.n))
		// Only the last delta of a step carries the step's logprobs.
		q.inexact = q.inexact || events > 1
	}
	for i := range events {
		if q.events == 0 {
			q.rec.TTFTMS = &at
		}
		q.events++
		q.rec.EventsMS = append(q.rec.EventsMS, at)
		if q.logprobs && !q.inexact && i == events-1 {
			q.rec.EventTokens = append(q.rec.EventTokens, lastTokens)
		}
	}
	if q.inexact {
		q.rec.EventTokens = nil
	}
	q.sent = em.n
	if em.done {
		q.finish(at, em.result)
	}
}

// finish closes a request whose last event arrived at (ms from its start).
func (q *vreq) finish(at float64, res *seqResult) {
	r, resp := &q.rec, q.resp
	r.ResponseID, r.Status, r.DoneMarker = resp.id, 200, true
	r.E2EMS = at
	c := resp.choices[0]
	c.res = res
	r.FinishReason = c.ans.reason
	r.TokensSource = bench.TokensFromUsage
	r.InputTokens, r.OutputTokens = c.prompt, c.ans.tokens
	cached := res.cached
	r.CachedTokens = &cached
	if t, err := json.Marshal(resp.timings()); err == nil {
		r.Engine = map[string]json.RawMessage{"timings": t}
	}
	if r.EventsMS == nil {
		r.EventsMS = []float64{}
	}
	if q.events == 0 {
		r.OK, r.ErrorClass, r.Error = false, bench.ErrBadEvent, "stream ended without any generated token"
		return
	}
	r.OK = true
	if r.OutputTokens >= 2 {
		tpot := (r.E2EMS - *r.TTFTMS) / float64(r.OutputTokens-1)
		r.TPOTMS = &tpot
	}
}

// fail closes a request the engine refused before any token, as
// bench.Client records the HTTP error it would have received.
func (q *vreq) fail(err error) {
	r := &q.rec
	r.OK, r.EventsMS, r.TokensSource = false, []float64{}, bench.TokensFromEstimate
	var ae *apiError
	var be *buildError
	switch {
	case errors.As(err, &be):
		r.ErrorClass, r.Error = bench.ErrBadEvent, be.Error()
	case errors.As(err, &ae):
		r.Status = ae.status
		r.ErrorClass = bench.ErrHTTP4xx
		if ae.status >= 500 {
			r.ErrorClass = bench.ErrHTTP5xx
		}
		r.Error = fmt.Sprintf("HTTP %d: %s", ae.status, ae.msg)
	default:
		r.ErrorClass, r.Error = bench.ErrHTTP5xx, err.Error()
	}
	if len(r.Error) > 500 {
		r.Error = r.Error[:500] + "..."
	}
}

// timeout fails a request whose client gave up at now.
func (q *vreq) timeout(now time.Duration) {
	q.ended = true
	r := &q.rec
	r.E2EMS, r.Status = bench.Ms(now-q.start), 200
	r.OK, r.ErrorClass, r.Error = false, bench.ErrTimeout, "context deadline exceeded (--timeout)"
	r.TokensSource = bench.TokensFromEstimate
	r.OutputTokens = q.events
	if r.EventsMS == nil {
		r.EventsMS = []float64{}
	}
}

// reply is what a client would have assembled from the stream, for the
// next turn of a session.
func (q *vreq) reply() workloads.Reply {
	if !q.rec.OK {
		return workloads.Reply{}
	}
	ans := q.resp.choices[0].ans
	if ans.call == nil {
		return workloads.Reply{OK: true, Content: ans.text()}
	}
	index := 0
	return workloads.Reply{OK: true, ToolCalls: []openai.ToolCall{{Index: &index, ID: ans.call.id, Type: openai.ToolTypeFunction,
		Function: openai.FunctionCall{Name: ans.call.name, Arguments: ans.call.args}}}}
}
