package sim

import (
	"hash/fnv"
	"math"
	"math/rand/v2"
	"strings"

	"github.com/tokenbench/tokenbench/workloads"
)

// Finish reasons, as the OpenAI API and vLLM name them.
const (
	reasonStop   = "stop"
	reasonLength = "length"
	reasonAbort  = "abort" // metrics only: the client went away
)

// Natural output lengths (when the request does not force its length) are
// lognormal: a median of 200 tokens, a long tail of long answers.
const (
	naturalMedianTokens = 200
	naturalSigma        = 0.8
)

// answer is the deterministic plan of one response: how many tokens, why it
// stops and which words it says. It depends only on the engine's seed and the
// request body, so the same request always gets the same answer.
type answer struct {
	key    uint64
	tokens int
	reason string
	call   *toolCall // non-nil: the answer is this tool call, not text
	toks   []string  // non-nil: the text's tokens, when not seeded words (JSON)
	hashes []uint64  // prefix-cache keys of toks

	// A stop string ended the answer: its text is cut at byte cut, before
	// the string (stopString, reported as stop_reason).
	stopString string
	cut        int
}

// planAnswer decides the answer to body. maxTokens is the effective cap
// (at least 1), minTokens the vLLM min_tokens (0 when absent) and ignoreEOS
// the vLLM ignore_eos extension, which forces exactly maxTokens tokens.
func planAnswer(seed uint64, body []byte, maxTokens, minTokens int, ignoreEOS bool) answer {
	h := fnv.New64a()
	h.Write(body)
	return planAnswerHash(seed, h.Sum64(), maxTokens, minTokens, ignoreEOS)
}

// choiceSeed is the seed of the answer of choice c of a request (from 0):
// the engine's own for the first, so that a one-choice answer does not
// depend on the choice count, and independent ones for the others.
func choiceSeed(seed uint64, c int) uint64 {
	if c == 0 {
		return seed
	}
	return splitmix64(seed ^ uint64(c)*0xd1b54a32d192ed03)
}

// planAnswerHash is planAnswer for a body of hash bodyHash.
func planAnswerHash(seed, bodyHash uint64, maxTokens, minTokens int, ignoreEOS bool) answer {
	rng := rand.New(rand.NewPCG(seed, bodyHash))
	a := answer{key: rng.Uint64(), tokens: maxTokens, reason: reasonLength}
	if ignoreEOS {
		return a
	}
	natural := math.Exp(math.Log(naturalMedianTokens) + naturalSigma*rng.NormFloat64())
	n := max(int(math.Round(natural)), minTokens, 1)
	if n < maxTokens {
		a.tokens, a.reason = n, reasonStop
	}
	return a
}

// word returns the i-th output token (from 0): a word of workloads.Words with
// its leading space, so that each one counts as exactly one token.
// A tool call's tokens are those of its name and arguments instead.
func (a answer) word(i int) string {
	switch {
	case a.call != nil:
		return a.call.toks[i]
	case a.toks != nil:
		return a.toks[i]
	}
	return wordAt(a.key, i)
}

// engineReason is the finish reason the scheduler and /metrics count: a
// complete tool call stops like text, as it does in vLLM's engine.
func (a answer) engineReason() string {
	if a.reason == reasonToolCalls {
		return reasonStop
	}
	return a.reason
}

// outputHashes are the prefix-cache keys of a tool call's or a JSON
// answer's tokens, or nil for seeded words (which the scheduler keys from
// the answer's key).
func (a answer) outputHashes() []uint64 {
	if a.call != nil {
		return a.call.hashes
	}
	return a.hashes
}

// wordAt is the i-th output word of the answer with key key.
func wordAt(key uint64, i int) string { return " " + workloads.Words[wordIndex(key, i)] }

// wordIndex is the index in workloads.Words of the i-th output word.
func wordIndex(key uint64, i int) int {
	return int(splitmix64(key+uint64(i)*0x9e3779b97f4a7c15) % uint64(len(workloads.Words)))
}

// wordHashes are the prefix-cache keys of workloads.Words, so that keying an
// output token costs no allocation.
var wordHashes = func() []uint64 {
	h := make([]uint64, len(workloads.Words))
	for i, w := range workloads.Words {
		h[i] = tokenHash(w)
	}
	return h
}()

// logprob is the log probability the engine reports for the i-th output
// token: a deterministic value in (-3, 0].
func (a answer) logprob(i int) float64 {
	return -float64(splitmix64(a.key^uint64(i)<<20^0x510e527fade682d1)%3000) / 1000
}

// text returns the whole output.
func (a answer) text() string {
	var b strings.Builder
	for i := range a.tokens {
		b.WriteString(a.word(i))
	}
	return b.String()
}

// splitmix64 is a bijective 64-bit mixer (Steele, Lea and Flood, 2014).
func splitmix64(x uint64) uint64 {
	x += 0x9e3779b97f4a7c15
	x = (x ^ (x >> 30)) * 0xbf58476d1ce4e5b9
	x = (x ^ (x >> 27)) * 0x94d049bb133111eb
	return x ^ (x >> 31)
}
