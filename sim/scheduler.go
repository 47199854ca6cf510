package sim

import (
	"fmt"
	"slices"
	"time"
)

// emit says that a sequence has n tokens (counting from 1) at the end of a
// step; a step may add several under speculative decoding. done marks its
// last step, which carries the sequence's result.
type emit struct {
	id     seqID
	n      int
	done   bool
	result *seqResult
}

// work is what one sequence does in a step: n tokens from position ctx on,
// a prefill chunk or a decode (its last token and the drafts to verify).
type work struct {
	seq    *sequence
	n, ctx int
	decode bool
}

// step is one forward step: planned (its work and cost), then committed (what
// it produced).
type step struct {
	start         time.Duration // on the engine's clock
	prefillTokens int
	decodeSeqs    int
	contextTokens int // KV tokens read or written by attention
	preemptions   int
	duration      time.Duration
	work          []work
	emits         []emit // filled by commit
}

// scheduler is a pure model of a continuous-batching engine: it knows no
// clock and no goroutine. Each step is planned when it starts and committed
// when it ends, at times the caller gives; sequences may be added or
// cancelled in between. It is not safe for concurrent use.
type scheduler struct {
	cfg      Config
	dep      Deployment
	kv       *blockPool
	nextID   seqID
	waiting  []*sequence // FIFO; preempted sequences go back to the head
	running  []*sequence // in admission order: the last is preempted first
	promised int         // blocks promised to running sequences, not yet allocated (NoEvict)
	counters
	lat *latencies
}

func newScheduler(d Deployment) *scheduler {
	c := d.Config
	return &scheduler{
		cfg: c, dep: d,
		kv:       newBlockPool(c.KVCapacityTokens/c.BlockSize, !c.NoPrefixCache),
		counters: counters{finished: map[string]uint64{}, acceptedPerPos: make([]uint64, c.Spec.Tokens)},
		lat:      newLatencies(d.ServedModel),
	}
}

// add queues a sequence that arrived at time at and returns its id.
func (s *scheduler) add(r seqRequest, at time.Duration) (seqID, error) {
	if err := s.check(r); err != nil {
		return 0, err
	}
	return s.push(r, at), nil
}

// check reports why the scheduler could never run r, before it is queued
// (the real-time engine checks a request when it arrives and queues it
// after the frontend's delay).
func (s *scheduler) check(r seqRequest) error {
	if r.prompt < 0 || r.output < 1 {
		return fmt.Errorf("sim: sequence needs a prompt of 0 or more tokens and 1 or more output tokens, got %d and %d", r.prompt, r.output)
	}
	if n := max(r.prompt, 1) + r.output; n > s.cfg.KVCapacityTokens {
		return fmt.Errorf("sim: sequence of %d tokens exceeds the KV cache of %d tokens", n, s.cfg.KVCapacityTokens)
	}
	return nil
}

// push queues a sequence that check accepted and returns its id.
func (s *scheduler) push(r seqRequest, at time.Duration) seqID {
	s.nextID++
	seq := &sequence{seqRequest: r, id: s.nextID, cached: -1, arrival: at}
	s.waiting = append(s.waiting, seq)
	return seq.id
}

// cancel removes a sequence, waiting or running, frees its KV cache and
// counts it as aborted. It reports whether the sequence was still there.
func (s *scheduler) cancel(id seqID) bool {
	for i, seq := range s.waiting {
		if seq.id == id {
			s.waiting = slices.Delete(s.waiting, i, i+1)
			s.finish(seq, reasonAbort)
			return true
		}
	}
	for i, seq := range s.running {
		if seq.id == id {
			s.running = slices.Delete(s.running, i, i+1)
			s.finish(seq, reasonAbort) // its work in the current step is dropped
			return true
		}
	}
	return false
}

// finish frees a sequence's blocks, last first so that its prefix stays
// cached longest, and counts it.
func (s *scheduler) finish(seq *sequence, reason string) {
	s.free(seq)
	seq.gone = true
	s.finished[reason]++
}

func (s *scheduler) free(seq *sequence) {
	s.promised -= seq.promised
	seq.promised = 0
	for _, b := range slices.Backward(seq.blocks) {
		s.kv.release(b)
	}
	seq.blocks, seq.computed, seq.hashed = nil, 0, 0
}

// idle reports whether there is nothing to schedule.
func (s *scheduler) idle() bool { return len(s.running) == 0 && len(s.waiting) == 0 }

// step plans one step at time at and commits it at once, for callers in
// virtual time.
func (s *scheduler) step(at time.Duration) (step, bool) {
	st, ok := s.plan(at)
	if ok {
		s.commit(&st)
	}
	return st, ok
}

// plan plans the step starting at time at, as vLLM's V1 scheduler does:
// running sequences first, decodes (each with its draft tokens) then
// unfinished prefills, then waiting sequences in arrival order while the
// batch, the token budget and the KV cache allow. KV blocks are allocated as
// tokens are scheduled; when none is free, the newest running sequence is
// preempted (its blocks freed, back to the head of the queue, to be
// recomputed), and no new sequence is admitted in that step. A prompt larger
// than what is left of the budget is prefilled in chunks over several steps.
// It returns false when there is nothing to do.
func (s *scheduler) plan(at time.Duration) (step, bool) {
	st := step{start: at, work: make([]work, 0, len(s.running)+1)}
	budget := s.cfg.TokenBudget
	k := s.cfg.Spec.Tokens
	for _, decodes := range []bool{true, false} {
		for i := 0; i < len(s.running); i++ {
			seq := s.running[i]
			if seq.decoding() != decodes {
				continue
			}
			n := 1 + k
			if !decodes {
				n = min(seq.pending(), budget)
			}
			if n == 0 || n > budget {
				continue
			}
			// Draft slots past the sequence's last token are never needed.
			upTo := min(seq.computed+n, seq.promptLen()+seq.output)
			if !s.reserve(&st, seq, upTo, &budget) {
				break // seq, the last one, preempted itself
			}
			budget -= n
			st.work = append(st.work, work{seq: seq, n: n, ctx: seq.computed, decode: decodes})
		}
	}
	for st.preemptions == 0 && len(s.waiting) > 0 && budget > 0 && len(s.running) < s.cfg.MaxBatch {
		seq := s.waiting[0]
		if !s.admit(&st, seq, &budget) {
			break // strict FIFO: the head blocks those behind it
		}
		s.waiting = s.waiting[1:]
		s.running = append(s.running, seq)
	}
	if len(st.work) == 0 {
		return st, false
	}
	st.duration = s.dep.stepDuration(s.load(&st))
	return st, true
}
