package sim

import "slices"

// blocksFor is the number of blocks that hold tokens tokens.
func (s *scheduler) blocksFor(tokens int) int {
	return (tokens + s.cfg.BlockSize - 1) / s.cfg.BlockSize
}

// reserve grows the blocks of a running sequence to hold upTo tokens,
// preempting the newest running sequences while no block is free. It
// returns false when seq itself had to be preempted.
func (s *scheduler) reserve(st *step, seq *sequence, upTo int, budget *int) bool {
	need := s.blocksFor(upTo) - len(seq.blocks)
	for need > s.kv.numFree() {
		victim := s.running[len(s.running)-1]
		s.preempt(st, victim, budget)
		if victim == seq {
			return false
		}
	}
	for range need {
		seq.blocks = append(seq.blocks, s.kv.allocate())
	}
	s.keep(seq, need)
	return true
}

// keep marks n blocks of seq's promise as allocated (NoEvict).
func (s *scheduler) keep(seq *sequence, n int) {
	n = min(n, seq.promised)
	seq.promised -= n
	s.promised -= n
}

// preempt sends the last running sequence back to the head of the queue
// with its KV cache freed (vLLM's recompute preemption): on readmission it
// prefills its prompt and what it has generated so far, less what the
// prefix cache still holds. Its work already planned in st is dropped.
func (s *scheduler) preempt(st *step, victim *sequence, budget *int) {
	s.running = s.running[:len(s.running)-1]
	if i := slices.IndexFunc(st.work, func(w work) bool { return w.seq == victim }); i >= 0 {
		*budget += st.work[i].n
		st.work = slices.Delete(st.work, i, i+1)
	}
	s.free(victim)
	s.waiting = slices.Insert(s.waiting, 0, victim)
	s.preemptions++
	st.preemptions++
}

// admit moves the head of the queue into the batch when the KV cache can
// hold its first chunk: full blocks already cached are reused (at least one
// token is always computed, as vLLM does) and the rest is allocated.
func (s *scheduler) admit(st *step, seq *sequence, budget *int) bool {
	bs := s.cfg.BlockSize
	known := seq.known()
	var hits []blockID
	reclaimed := 0 // hits sitting in the free queue
	if s.kv.caching {
		for i := 0; (i+1)*bs <= known-1; i++ {
			b, ok := s.kv.lookup(seq.blockHash(i, bs))
			if !ok {
				break
			}
			hits = append(hits, b)
			if s.kv.ref[b] == 0 {
				reclaimed++
			}
		}
	}
	computed := len(hits) * bs
	hitTokens := computed
	if seq.transferred && seq.cached < 0 {
		// The KV of the prompt came from the prefill engine: only its
		// last token is computed here, which samples the first token.
		computed = max(computed, known-1)
	}
	n := min(known-computed, *budget)
	need := s.blocksFor(computed+n) - len(hits)
	promise := 0
	if s.cfg.NoEvict {
		// Room for the whole sequence, beside what running ones were promised.
		promise = s.blocksFor(seq.promptLen()+seq.output) - len(hits) - need
	}
	if need+promise > s.kv.numFree()-reclaimed-s.promised {
		return false
	}
	seq.promised = promise
	s.promised += promise
	for _, b := range hits {
		s.kv.touch(b)
	}
	seq.blocks = hits
	for range need {
		seq.blocks = append(seq.blocks, s.kv.allocate())
	}
	seq.computed, seq.hashed = computed, len(hits)
	s.prefixQueries += uint64(known)
	s.prefixHits += uint64(hitTokens)
	if seq.cached < 0 { // first admission
		seq.cached = min(hitTokens, seq.prompt)
		// A real-time step that catches up may start, on the schedule,
		// before a sequence that joins it arrived.
		seq.promptStart = max(st.start, seq.arrival)
		s.lat.queue.Observe((seq.promptStart - seq.arrival).Seconds())
	}
	*budget -= n
	st.work = append(st.work, work{seq: seq, n: n, ctx: computed})
	return true
}

// register caches the sequence's full blocks of computed tokens.
func (s *scheduler) register(seq *sequence) {
	if !s.kv.caching {
		return
	}
	bs := s.cfg.BlockSize
	limit := min(seq.computed, seq.known()) / bs
	for ; seq.hashed < min(limit, len(seq.blocks)); seq.hashed++ {
		s.kv.register(seq.blocks[seq.hashed], seq.blockHash(seq.hashed, bs))
	}
}

// load is the roofline's view of a planned step; it also fills the step's
// summary counts.
func (s *scheduler) load(st *step) stepLoad {
	l := stepLoad{seqs: len(st.work), specTokens: s.cfg.Spec.Tokens}
	for _, w := range st.work {
		n, ctx := float64(w.n), float64(w.ctx)
		l.tokens += w.n
		l.attnPairs += n*ctx + n*(n+1)/2
		l.kvTokens += w.ctx + w.n
		if w.decode {
			l.decoders++
			l.decodeKV += w.ctx + 1
		} else {
			l.prefill += w.n
		}
	}
	st.prefillTokens, st.decodeSeqs, st.contextTokens = l.prefill, l.decoders, l.kvTokens
	return l
}
