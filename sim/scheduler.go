package sim

import (
	"fmt"
	"maps"
	"slices"
	"time"
)

// seqID names a sequence inside one scheduler.
type seqID uint64

// sequence is one request's state in the scheduler.
type sequence struct {
	id        seqID
	prompt    int // prompt tokens, as reported in usage
	toPrefill int // at least 1: an empty prompt still runs a step
	output    int // tokens to generate
	reason    string
	prefilled int
	generated int
	gone      bool // finished or cancelled
}

// kvNeed is the KV cache a sequence reserves on admission: its whole final
// length, so a running sequence never has to be preempted.
func (s *sequence) kvNeed() int { return s.toPrefill + s.output }

// emit says that a sequence produced its n-th token (counting from 1) at the
// end of a step; done marks its last one.
type emit struct {
	id   seqID
	n    int
	done bool
}

// work is what one sequence does in a step: a prefill chunk, or a decode
// when chunk is 0.
type work struct {
	seq   *sequence
	chunk int
}

// step is one forward step: planned (its work and cost), then committed (what
// it produced).
type step struct {
	prefillTokens int
	decodeSeqs    int
	contextTokens int
	duration      time.Duration
	work          []work
	emits         []emit // filled by commit
}

// scheduler is a pure model of a continuous-batching engine: it knows no
// clock and no goroutine. Each step is planned when it starts and committed
// when it ends; sequences may be added or cancelled in between. It is not
// safe for concurrent use.
type scheduler struct {
	cfg     Config
	nextID  seqID
	waiting []*sequence // FIFO
	running []*sequence // in admission order
	kvUsed  int         // reserved by running sequences

	promptTokens     uint64
	generationTokens uint64
	finished         map[string]uint64 // by finish reason
}

func newScheduler(cfg Config) *scheduler {
	return &scheduler{cfg: cfg, finished: map[string]uint64{}}
}

// add queues a sequence with prompt tokens that will generate output tokens
// and finish for reason, and returns its id.
func (s *scheduler) add(prompt, output int, reason string) (seqID, error) {
	if prompt < 0 || output < 1 {
		return 0, fmt.Errorf("sim: sequence needs a prompt of 0 or more tokens and 1 or more output tokens, got %d and %d", prompt, output)
	}
	seq := &sequence{prompt: prompt, toPrefill: max(prompt, 1), output: output, reason: reason}
	if seq.kvNeed() > s.cfg.KVCapacityTokens {
		return 0, fmt.Errorf("sim: sequence of %d tokens exceeds the KV cache of %d tokens", seq.kvNeed(), s.cfg.KVCapacityTokens)
	}
	s.nextID++
	seq.id = s.nextID
	s.waiting = append(s.waiting, seq)
	return seq.id, nil
}

// cancel removes a sequence, waiting or running, frees its KV cache and
// counts it as aborted. It reports whether the sequence was still there.
func (s *scheduler) cancel(id seqID) bool {
	for i, seq := range s.waiting {
		if seq.id == id {
			s.waiting = slices.Delete(s.waiting, i, i+1)
			s.finished[reasonAbort]++
			return true
		}
	}
	for i, seq := range s.running {
		if seq.id == id {
			s.running = slices.Delete(s.running, i, i+1)
			s.kvUsed -= seq.kvNeed()
			seq.gone = true // its work in the current step is dropped
			s.finished[reasonAbort]++
			return true
		}
	}
	return false
}

// idle reports whether there is nothing to schedule.
func (s *scheduler) idle() bool { return len(s.running) == 0 && len(s.waiting) == 0 }

// step plans one step and commits it at once, for callers in virtual time.
func (s *scheduler) step() (step, bool) {
	st, ok := s.plan()
	if ok {
		s.commit(&st)
	}
	return st, ok
}

// plan plans the next step as vLLM's scheduler does: running decodes first,
// then unfinished prefills, then waiting sequences in arrival order while the
// batch, the token budget and the KV cache allow. A prompt larger than what
// is left of the budget is prefilled in chunks over several steps. Admitted
// sequences run from the start of the step. It returns false when there is
// nothing to do.
func (s *scheduler) plan() (step, bool) {
	var st step
	budget := s.cfg.TokenBudget
	for _, seq := range s.running {
		if seq.prefilled == seq.toPrefill {
			st.decodeSeqs++
			st.contextTokens += seq.toPrefill + seq.generated
			st.work = append(st.work, work{seq: seq})
			budget--
		}
	}
	prefill := func(seq *sequence) {
		n := min(seq.toPrefill-seq.prefilled, budget)
		budget -= n
		st.prefillTokens += n
		st.contextTokens += seq.prefilled + n
		st.work = append(st.work, work{seq: seq, chunk: n})
	}
	for _, seq := range s.running {
		if seq.prefilled < seq.toPrefill && budget > 0 {
			prefill(seq)
		}
	}
	for len(s.waiting) > 0 && budget > 0 && len(s.running) < s.cfg.MaxBatch {
		seq := s.waiting[0]
		if s.kvUsed+seq.kvNeed() > s.cfg.KVCapacityTokens {
			break // strict FIFO: the head blocks those behind it
		}
		s.waiting = s.waiting[1:]
		s.running = append(s.running, seq)
		s.kvUsed += seq.kvNeed()
		prefill(seq)
	}
	if len(st.work) == 0 {
		return st, false
	}
	st.duration = s.cfg.Timing.StepDuration(st.prefillTokens, st.decodeSeqs, st.contextTokens)
	return st, true
}

// commit applies a planned step at its end: prefill progress and one token
// for each sequence that decoded or completed its prefill (its first token).
// Finished sequences leave the batch; cancelled ones are skipped.
func (s *scheduler) commit(st *step) {
	finished := false
	for _, w := range st.work {
		seq := w.seq
		if seq.gone {
			continue
		}
		if w.chunk > 0 {
			seq.prefilled += w.chunk
			if seq.prefilled < seq.toPrefill {
				continue
			}
			s.promptTokens += uint64(seq.prompt)
		}
		seq.generated++
		s.generationTokens++
		done := seq.generated == seq.output
		st.emits = append(st.emits, emit{id: seq.id, n: seq.generated, done: done})
		if done {
			seq.gone = true
			s.kvUsed -= seq.kvNeed()
			s.finished[seq.reason]++
			finished = true
		}
	}
	if finished {
		s.running = slices.DeleteFunc(s.running, func(seq *sequence) bool { return seq.gone })
	}
}

// stats is a snapshot of the scheduler's gauges and counters.
type stats struct {
	running, waiting int
	kvUsage          float64 // fraction of the KV cache holding tokens
	promptTokens     uint64
	generationTokens uint64
	finished         map[string]uint64
}

func (s *scheduler) stats() stats {
	held := 0
	for _, seq := range s.running {
		held += seq.prefilled + seq.generated
	}
	return stats{
		running:          len(s.running),
		waiting:          len(s.waiting),
		kvUsage:          float64(held) / float64(s.cfg.KVCapacityTokens),
		promptTokens:     s.promptTokens,
		generationTokens: s.generationTokens,
		finished:         maps.Clone(s.finished),
	}
}
