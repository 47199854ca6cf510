package sim

import (
	"container/heap"
	"errors"
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
	// Timeout, when positive, is the client's total timeout: a request
	// not finished that long after it arrived is abandoned (the engine
	// aborts it at its next step, freeing its batch slot and KV cache) and
	// fails with ErrReplayTimeout.
	Timeout time.Duration
	// Stage numbers the load stage the request belongs to, in the order
	// the stages run (0 for a replay without stages). With
	// ReplayOptions.DrainStages a stage starts only once every request of
	// the stages before it has ended: its requests arrive shifted so that
	// its first one comes ReplayOptions.StageGap after that.
	Stage int
}

// ReplayOptions are what a load generator does beside sending requests at
// their times.
type ReplayOptions struct {
	// DrainStages starts each load stage (ReplayRequest.Stage) once the
	// earlier stages' requests have all ended, as inference-perf does
	// (it waits for a stage's requests to finish, then 1 s between stages
	// and 1 s before the first request of the next).
	DrainStages bool
	// StageGap is the time from the end of a stage's last request to the
	// first request of the next, with DrainStages.
	StageGap time.Duration
}

// InferencePerfStageGap is inference-perf's time from a stage's end to the
// next stage's first request: its stage interval (1 s by default) and the
// second each stage gives its workers to fill their queues.
const InferencePerfStageGap = 2 * time.Second

// ErrReplayTimeout is the error of a replayed request its client abandoned
// (ReplayRequest.Timeout).
var ErrReplayTimeout = errors.New("sim: the client's timeout passed before the last token")

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
	return ReplayWith(d, reqs, ReplayOptions{})
}

// ReplayWith is Replay with the load generator's behaviour o: with
// o.DrainStages, each request's Arrival is its At shifted with its stage.
func ReplayWith(d Deployment, reqs []ReplayRequest, o ReplayOptions) ([]ReplayResult, error) {
	order := make([]int, len(reqs))
	for i := range order {
		order[i] = i
	}
	if o.DrainStages {
		sort.SliceStable(order, func(a, b int) bool {
			ra, rb := reqs[order[a]], reqs[order[b]]
			return ra.Stage < rb.Stage || ra.Stage == rb.Stage && ra.At < rb.At
		})
	} else {
		sort.SliceStable(order, func(a, b int) bool { return reqs[order[a]].At < reqs[order[b]].At })
	}
	over := d.Config.Timing.FrontendOverhead
	lag := d.Config.Timing.OutputLag
	s := newScheduler(d)
	out := make([]ReplayResult, len(reqs))
	index := make(map[seqID]int, 1024)
	var now, prevStart time.Duration
	ran := false // the last iteration ran a step that ended at now
	next := 0
	ids := make([]seqID, len(reqs))
	var deadlines deadlineHeap
	// Stages: the one whose requests are arriving, how far its arrivals
	// are shifted, how many admitted requests have not ended, and when the
	// last one that did ended (as its client saw it).
	stage := 0
	if len(order) > 0 {
		stage = reqs[order[0]].Stage
	}
	var shift, lastEnd time.Duration
	live := 0
	const never = time.Duration(1<<63 - 1)
	// arrival is when the next request reaches the server: never while
	// its stage waits for the earlier ones to drain.
	arrival := func() time.Duration {
		r := reqs[order[next]]
		if o.DrainStages && r.Stage != stage {
			if live > 0 {
				return never
			}
			stage, shift = r.Stage, max(lastEnd+o.StageGap-r.At, 0)
		}
		return r.At + shift
	}
	ended := func(at time.Duration) {
		live--
		lastEnd = max(lastEnd, at)
	}
	for {
		// Clients that gave up are gone before the step starts.
		for len(deadlines) > 0 && deadlines[0].at <= now {
			dl := heap.Pop(&deadlines).(deadline)
			if _, active := index[ids[dl.i]]; active {
				s.cancel(ids[dl.i])
				delete(index, ids[dl.i])
				out[dl.i].Err = ErrReplayTimeout
				ended(dl.at)
			}
		}
		cutoff := now
		if ran && d.Config.Timing.AsyncScheduling {
			cutoff = prevStart // the step starting now was planned when the last one started
		}
		for ; next < len(order); next++ {
			at := arrival()
			if at == never || at+over > cutoff {
				break
			}
			i := order[next]
			r := reqs[i]
			out[i].Arrival = at
			if r.Keys != nil && len(r.Keys) != r.Prompt {
				return nil, fmt.Errorf("sim: replay request %d: %d keys for a prompt of %d tokens", i, len(r.Keys), r.Prompt)
			}
			id, err := s.add(seqRequest{prompt: r.Prompt, tokens: r.Keys, output: r.Output, reason: reasonLength,
				key: replayRequestKey(i)}, at+over)
			if err != nil {
				out[i].Err = err
				continue
			}
			index[id] = i
			ids[i] = id
			live++
			if r.Timeout > 0 {
				heap.Push(&deadlines, deadline{at: at + r.Timeout, i: i})
			}
		}
		st, ok := s.step(now)
		if !ok {
			if next == len(order) {
				return out, nil
			}
			if live > 0 {
				// Nothing the scheduler can run, yet requests are admitted:
				// let their stage end here rather than wait forever.
				live, lastEnd = 0, max(lastEnd, now)
			}
			if at := arrival(); !ran || at+over > now {
				now = max(now, at+over)
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
				ended(at)
				if t := reqs[i].Timeout; t > 0 && at-o.Arrival > t {
					o.Err = ErrReplayTimeout // its last token came after the client left
				}
			}
		}
	}
}

// deadline is when the client of request i gives up.
type deadline struct {
	at time.Duration
	i  int
}

// deadlineHeap orders deadlines, earliest first (ties by request index,
// so the replay stays deterministic).
type deadlineHeap []deadline

func (h deadlineHeap) Len() int { return len(h) }
func (h deadlineHeap) Less(a, b int) bool {
	return h[a].at < h[b].at || h[a].at == h[b].at && h[a].i < h[b].i
}
func (h deadlineHeap) Swap(a, b int) { h[a], h[b] = h[b], h[a] }
func (h *deadlineHeap) Push(x any)   { *h = append(*h, x.(deadline)) }
func (h *deadlineHeap) Pop() any {
	old := *h
	x := old[len(old)-1]
	*h = old[:len(old)-1]
	return x
}

// replayRequestKey is the key of replay request i: it seeds the tokens the
// engine generates for it (their prefix-cache keys included).
func replayRequestKey(i int) uint64 { return splitmix64(uint64(i) + 1) }
