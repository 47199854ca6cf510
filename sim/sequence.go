package sim

import (
	"math/rand/v2"
	"time"
)

// seqID names a sequence inside one scheduler.
type seqID uint64

// seqRequest is what the scheduler needs to know of a request.
type seqRequest struct {
	prompt int      // prompt tokens, as reported in usage
	tokens []uint64 // hash of each prompt token (prefix-cache keys); nil: unique to the sequence
	output int      // tokens to generate
	reason string   // finish reason once they are
	key    uint64   // the answer's key: output words and acceptance draws
	out    []uint64 // hash of each output token when not the key's words (a tool call); nil otherwise
	// transferred: the prompt's KV cache arrives computed from a prefill
	// engine (disaggregated serving): at first admission every prompt
	// token but the last counts as computed, without prefill work.
	transferred bool
}

// sequence is one request's state in the scheduler. Its tokens are the
// prompt (at least one token: an empty prompt still runs a step) followed by
// what it has generated; computed counts those whose KV cache exists. A
// decoding sequence has all but its last generated token computed.
type sequence struct {
	seqRequest
	id        seqID
	computed  int
	generated int
	blocks    []blockID // KV blocks held, in token order
	hashes    []uint64  // chain hash of each full block of tokens, filled on demand
	hashed    int       // leading blocks registered in the prefix cache
	cached    int       // prompt tokens hit in the prefix cache at first admission; -1 before
	promised  int       // blocks still promised to it (NoEvict)
	gone      bool      // finished or cancelled

	// Speculative decoding: the seeded acceptance draws and what they gave.
	draws                         *rand.Rand
	drafts, draftTokens, accepted int

	// Engine-clock times, for histograms and llama.cpp-style timings.
	arrival, promptStart, firstToken, lastToken time.Duration
}

// promptLen is the prompt as the engine runs it: an empty one is one token.
func (s *sequence) promptLen() int { return max(s.prompt, 1) }

// known is the tokens there are so far: prompt and generated.
func (s *sequence) known() int { return s.promptLen() + s.generated }

// pending is the tokens known whose KV cache is not yet computed: 1 for a
// decoding sequence, the prompt (and after a preemption the output so far)
// for a prefilling one.
func (s *sequence) pending() int { return s.known() - s.computed }

// decoding reports whether the next step of s is a decode.
func (s *sequence) decoding() bool { return s.generated > 0 && s.pending() == 1 }

// tokenAt is the hash of the token at position p: a prompt token, a
// sequence-unique stand-in when the prompt's tokens are unknown, or the
// answer's word or tool-call token (so a later turn that sends the answer
// back hits the cache).
func (s *sequence) tokenAt(p int) uint64 {
	switch {
	case p < len(s.tokens):
		return s.tokens[p]
	case p < s.promptLen():
		return splitmix64(uint64(s.id)<<32 ^ uint64(p) ^ 0xa54ff53a5f1d36f1)
	case p-s.promptLen() < len(s.out):
		return s.out[p-s.promptLen()]
	}
	return wordHashes[wordIndex(s.key, p-s.promptLen())]
}

// blockHash is the chain hash of the i-th full block of tokens.
func (s *sequence) blockHash(i, blockSize int) uint64 {
	for len(s.hashes) <= i {
		j := len(s.hashes)
		parent := uint64(0)
		if j > 0 {
			parent = s.hashes[j-1]
		}
		toks := make([]uint64, blockSize)
		for t := range toks {
			toks[t] = s.tokenAt(j*blockSize + t)
		}
		s.hashes = append(s.hashes, chainHash(parent, toks))
	}
	return s.hashes[i]
}

// draw verifies k draft tokens, each accepted with probability p when all
// before it were, and returns how many were accepted.
func (s *sequence) draw(k int, p float64) int {
	if s.draws == nil {
		s.draws = rand.New(rand.NewPCG(s.key, 0x3c6ef372fe94f82b))
	}
	a := 0
	for a < k && s.draws.Float64() < p {
		a++
	}
	return a
}

// seqResult is what a finished sequence reports beside its tokens: the
// figures of usage and of llama.cpp's timings.
type seqResult struct {
	cached                                   int
	promptStart, firstToken, lastToken       time.Duration
	drafts, draftTokens, accepted, generated int
}

func (s *sequence) result() *seqResult {
	return &seqResult{
		cached: max(s.cached, 0), promptStart: s.promptStart, firstToken: s.firstToken, lastToken: s.lastToken,
		drafts: s.drafts, draftTokens: s.draftTokens, accepted: s.accepted, generated: s.generated,
	}
}
