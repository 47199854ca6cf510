package route

import (
	"slices"
	"unicode"
	"unicode/utf8"

	"github.com/tokenbench/tokenbench/workloads"
)

// prompt is a request's prompt as the router sees it: chained hashes of
// its full blocks of words (a block's hash depends on every block before
// it, as in an engine's prefix cache), and the tokens up to the end of
// each block, as workloads.ApproxTokens counts them.
type prompt struct {
	blocks []uint64
	tokens []int // tokens[i]: tokens in blocks 0..i
	total  int   // tokens of the whole prompt
}

// overlapTokens is the tokens in the first n blocks.
func (p *prompt) overlapTokens(n int) int {
	if n == 0 {
		return 0
	}
	return p.tokens[n-1]
}

// hashPrompt cuts req's prompt into blocks of words: each message's role
// then its texts, in order (tool definitions are left out: they come first
// in every request that offers them, and do not tell targets apart).
func hashPrompt(req workloads.Request, words int) prompt {
	h := &hasher{words: words, chain: 0x9e3779b97f4a7c15}
	if len(req.Messages) == 0 {
		h.text(req.Prompt)
	}
	for _, m := range req.Messages {
		h.word("\x00" + m.Role)
		h.text(m.Content)
		for _, part := range m.MultiContent {
			h.text(part.Text)
		}
		for _, c := range m.ToolCalls {
			h.word("\x00" + c.Function.Name)
			h.text(c.Function.Arguments)
		}
	}
	return prompt{blocks: h.blocks, tokens: h.cum, total: h.tokens}
}

type hasher struct {
	words  int
	chain  uint64 // hash of the blocks so far
	cur    uint64 // hash of the words of the block in progress
	n      int    // words in the block in progress
	tokens int
	blocks []uint64
	cum    []int
}

func (h *hasher) text(s string) {
	start := -1
	for i, r := range s {
		if unicode.IsSpace(r) {
			if start >= 0 {
				h.word(s[start:i])
				start = -1
			}
			continue
		}
		if start < 0 {
			start = i
		}
	}
	if start >= 0 {
		h.word(s[start:])
	}
}

func (h *hasher) word(w string) {
	if w[0] != 0 {
		h.tokens += 1 + (utf8.RuneCountInString(w)-1)/6 // workloads.ApproxTokens of one word
	}
	h.cur = mix(h.cur ^ fnv(w))
	h.n++
	if h.n == h.words {
		h.chain = mix(h.chain ^ h.cur)
		h.blocks = append(h.blocks, h.chain)
		h.cum = append(h.cum, h.tokens)
		h.cur, h.n = 0, 0
	}
}

func fnv(s string) uint64 {
	h := uint64(14695981039346656037)
	for i := 0; i < len(s); i++ {
		h ^= uint64(s[i])
		h *= 1099511628211
	}
	return h
}

// mix is splitmix64's finalizer.
func mix(x uint64) uint64 {
	x += 0x9e3779b97f4a7c15
	x = (x ^ (x >> 30)) * 0xbf58476d1ce4e5b9
	x = (x ^ (x >> 27)) * 0x94d049bb133111eb
	return x ^ (x >> 31)
}

// blockIndex is the blocks a router has sent to one target, each with the
// time (a counter) it was last sent; past max blocks the oldest half is
// forgotten, as an engine's cache evicts what was used least recently.
type blockIndex struct {
	seen map[uint64]uint64
	max  int
}

func newBlockIndex(max int) *blockIndex { return &blockIndex{seen: map[uint64]uint64{}, max: max} }

// match is the number of leading blocks of p the target holds.
func (b *blockIndex) match(p *prompt) int {
	for i, h := range p.blocks {
		if _, ok := b.seen[h]; !ok {
			return i
		}
	}
	return len(p.blocks)
}

// add remembers p's blocks as sent at tick.
func (b *blockIndex) add(p *prompt, tick uint64) {
	for _, h := range p.blocks {
		b.seen[h] = tick
	}
	if len(b.seen) <= b.max {
		return
	}
	// Ticks are not unique across blocks of one prompt, so the cut is by
	// tick with a total order on (tick, hash).
	type kv struct{ tick, h uint64 }
	all := make([]kv, 0, len(b.seen))
	for h, t := range b.seen {
		all = append(all, kv{t, h})
	}
	slices.SortFunc(all, func(x, y kv) int {
		if x.tick != y.tick {
			return cmpU(x.tick, y.tick)
		}
		return cmpU(x.h, y.h)
	})
	for _, e := range all[:len(all)-b.max/2] {
		delete(b.seen, e.h)
	}
}

func cmpU(a, b uint64) int {
	switch {
	case a < b:
		return -1
	case a > b:
		return 1
	}
	return 0
}
