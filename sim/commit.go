package sim

import (
	"maps"
	"slices"

	"github.com/tokenbench/tokenbench/bench/route"
)

// counters are the scheduler's cumulative counts, exposed under vLLM's
// metric names.
type counters struct {
	promptTokens, generationTokens uint64
	preemptions                    uint64
	prefixQueries, prefixHits      uint64 // tokens
	specDrafts, specDraftTokens    uint64
	specAccepted                   uint64
	acceptedPerPos                 []uint64
	finished                       map[string]uint64 // by finish reason
}

// commit applies a planned step at its end: prefill progress, and for each
// sequence that decoded or completed its prefill its new tokens: one, or
// under speculative decoding one plus the drafts accepted (as many as the
// output still takes). Finished sequences leave the batch; cancelled ones
// are skipped.
func (s *scheduler) commit(st *step) {
	end := st.start + st.duration
	k, p := s.cfg.Spec.Tokens, s.cfg.Spec.Acceptance
	finished := false
	for _, w := range st.work {
		seq := w.seq
		if seq.gone {
			continue
		}
		n := 1
		if w.decode {
			a := 0
			if k > 0 {
				a = seq.draw(k, p)
				seq.drafts++
				seq.draftTokens += k
				seq.accepted += a
				s.specDrafts++
				s.specDraftTokens += uint64(k)
				s.specAccepted += uint64(a)
				for i := range a {
					s.acceptedPerPos[i]++
				}
			}
			seq.computed += 1 + a // the input token and the accepted drafts
			n = min(1+a, seq.output-seq.generated)
		} else {
			seq.computed += w.n
			if seq.computed < seq.known() {
				s.register(seq)
				continue // a chunk of a longer prefill
			}
		}
		if seq.generated == 0 {
			s.promptTokens += uint64(seq.prompt)
			seq.firstToken = end
			s.lat.ttft.Observe(max(end-seq.arrival, 0).Seconds())
		} else {
			s.lat.itl.Observe((end - seq.lastToken).Seconds())
		}
		seq.generated += n
		seq.lastToken = end
		s.generationTokens += uint64(n)
		s.register(seq)
		em := emit{id: seq.id, n: seq.generated}
		if seq.generated >= seq.output {
			em.done, em.result = true, seq.result()
			s.lat.e2e.Observe(max(end-seq.arrival, 0).Seconds())
			s.finish(seq, seq.reason)
			finished = true
		}
		st.emits = append(st.emits, em)
	}
	if finished {
		s.running = slices.DeleteFunc(s.running, func(seq *sequence) bool { return seq.gone })
	}
}

// stats is a snapshot of the scheduler's gauges and counters.
type stats struct {
	running, waiting int
	kvUsage          float64 // share of KV blocks held by sequences
	counters
}

// gauges is what a router reads of the scheduler: the gauges of stats
// without copying its counters.
func (s *scheduler) gauges() route.Gauges {
	return route.Gauges{Running: len(s.running), Waiting: len(s.waiting), KVUsage: s.kv.usage()}
}

func (s *scheduler) stats() stats {
	c := s.counters
	c.finished = maps.Clone(c.finished)
	c.acceptedPerPos = slices.Clone(c.acceptedPerPos)
	return stats{running: len(s.running), waiting: len(s.waiting), kvUsage: s.kv.usage(), counters: c}
}
