package sim

import (
	"fmt"
	"sort"
	"time"
)

// ReplayRequest is one request offered to the engine at a time of the
// virtual clock: what the scheduler needs, without a prompt's text.
type ReplayRequest struct {
	// At is the arrival, on the engine's clock.
	At time.Duration
	// Prompt is the prompt's length in tokens.
	Prompt int
	// Keys is the prefix-cache key of each prompt token (len Prompt): equal
	// keys at equal positions after equal prefixes share KV blocks. Nil: a
	// prompt no other request shares.
	Keys []uint64
	// Output is the number of tokens generated (ignore_eos).
	Output int
}

// ReplayResult is what one request saw on the virtual clock. First and Last
// are the ends of the steps that emitted its first and last tokens.
type ReplayResult struct {
	Arrival, First, Last time.Duration
	Tokens               int
	// Err says why the engine refused the request (too long for its KV cache).
	Err error
}

// TTFT is First - Arrival.
func (r ReplayResult) TTFT() time.Duration { return r.First - r.Arrival }

// E2E is Last - Arrival.
func (r ReplayResult) E2E() time.Duration { return r.Last - r.Arrival }

// Replay runs requests through the deployment's scheduler as a discrete-event
// simulation: the clock jumps to the next arrival when the engine is idle and
// advances by each step's duration otherwise; a request arriving during a
// step joins at the next one, as on the real engine. Each request reaches the
// scheduler Timing.FrontendOverhead after it arrives (the API server's
// parsing and tokenisation, which the HTTP engine adds too),
// and each token reaches the client Timing.OutputLag step durations after
// its step ends, never before the request's earlier tokens. With Timing.AsyncScheduling a request arriving while a
// step runs joins the step after the next.
// Results are in the order of reqs; the run is deterministic.
func Replay(d Deployment, reqs []ReplayRequest) ([]ReplayResult, error) {
	order := make([]int, len(reqs))
	for i := range order {
		order[i] = i
	}
	sort.SliceStable(order, func(a, b int) bool { return reqs[order[a]].At < reqs[order[b]].At })
	over := d.Config.Timing.FrontendOverhead
	lag := d.Config.Timing.OutputLag
	s := newScheduler(d)
	out := make([]ReplayResult, len(reqs))
	index := make(map[seqID]int, 1024)
	var now, prevStart time.Duration
	ran := false // the last iteration ran a step that ended at now
	next := 0
	for {
		cutoff := now
		if ran && d.Config.Timing.AsyncScheduling {
			cutoff = prevStart // the step starting now was planned when the last one started
		}
		for ; next < len(order) && reqs[order[next]].At+over <= cutoff; next++ {
			i := order[next]
			r := reqs[i]
			out[i].Arrival = r.At
			if r.Keys != nil && len(r.Keys) != r.Prompt {
				return nil, fmt.Errorf("sim: replay request %d: %d keys for a prompt of %d tokens", i, len(r.Keys), r.Prompt)
			}
			id, err := s.add(seqRequest{prompt: r.Prompt, tokens: r.Keys, output: r.Output, reason: reasonLength,
				key: splitmix64(uint64(i) + 1)}, r.At+over)
			if err != nil {
				out[i].Err = err
				continue
			}
			index[id] = i
		}
		st, ok := s.step(now)
		if !ok {
			if next == len(order) {
				return out, nil
			}
			if !ran || reqs[order[next]].At+over > now {
				now = max(now, reqs[order[next]].At+over)
			}
			ran = false
			continue
		}
		prevStart, ran = now, true
		now += st.duration
		lagged := now + time.Duration(lag*float64(st.duration))
		for _, e := range st.emits {
			i := index[e.id]
			o := &out[i]
			// A stream's tokens reach the client in order: a short step's
			// tokens wait behind a long step's still in output processing
			// (as VirtualEngine delivers them).
			at := lagged
			if o.Tokens == 0 {
				o.First = at
			} else {
				at = max(at, o.Last)
			}
			o.Last, o.Tokens = at, e.n
			if e.done {
				delete(index, e.id)
			}
		}
	}
}
