package sim

import (
	"strings"
	"testing"
)

func TestBlockPoolLRU(t *testing.T) {
	p := newBlockPool(4, true)
	a, b, c := p.allocate(), p.allocate(), p.allocate()
	p.register(a, 11)
	p.register(b, 22)
	p.register(c, 33)
	if p.numFree() != 1 || p.usage() != 0.75 {
		t.Fatalf("free %d usage %v, want 1 and 0.75", p.numFree(), p.usage())
	}
	// Freed in the order c, a, b: c is the least recently freed.
	p.release(c)
	p.release(a)
	p.release(b)
	if got, ok := p.lookup(33); !ok || got != c {
		t.Fatalf("lookup of c's hash = %v %v, want c still cached after release", got, ok)
	}
	p.touch(a) // a prefix hit takes a out of the free queue
	if p.ref[a] != 1 || p.numFree() != 3 {
		t.Fatalf("after touch: ref %d free %d, want 1 and 3", p.ref[a], p.numFree())
	}
	// The never-used block goes first, then c (evicting its hash), then b.
	d := p.allocate()
	if d == a || d == b || d == c {
		t.Fatalf("first allocation took %d, want the unused block", d)
	}
	if got := p.allocate(); got != c {
		t.Fatalf("second allocation took %d, want c, the least recently freed", got)
	}
	if _, ok := p.lookup(33); ok {
		t.Error("c's hash still cached after reallocation")
	}
	if _, ok := p.lookup(22); !ok {
		t.Error("b's hash evicted too early")
	}
	p.register(d, 11) // same contents as a: the first block keeps the hash
	if got, _ := p.lookup(11); got != a || p.hash[d] != 0 {
		t.Errorf("duplicate register: lookup %d, d's hash %d; want a and none", got, p.hash[d])
	}
}

// words builds a prompt of n one-token words, different for each tag.
func words(tag string, n int) string {
	var b strings.Builder
	for i := range n {
		b.WriteString(wordAt(tokenHash(tag), i))
	}
	return b.String()
}

func TestPrefixCache(t *testing.T) {
	shared := words("system", 100)
	tests := []struct {
		name       string
		noCache    bool
		prompts    []string // each arrives after the one before finished
		wantCached []int
	}{
		{"same prompt: whole blocks but the last token", false, []string{shared, shared}, []int{0, 96}},
		{"shared prefix of 100 then different", false, []string{shared + words("a", 50), shared + words("b", 50)}, []int{0, 96}},
		{"exactly two blocks: the last token is computed", false, []string{words("x", 32), words("x", 32)}, []int{0, 16}},
		{"different first word: nothing", false, []string{"hello" + shared, "howdy" + shared}, []int{0, 0}},
		{"caching off", true, []string{shared, shared}, []int{0, 0}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			cfg := smallConfig(8, 4096, 4096)
			cfg.NoPrefixCache = tt.noCache
			var arrivals []arrival
			for i, p := range tt.prompts {
				toks := appendTextTokens(nil, p)
				arrivals = append(arrivals, arrival{at: secondsD(float64(i)), prompt: len(toks), output: 4, tokens: toks})
			}
			r := simulate(t, cfg, arrivals)
			var hits, queries uint64
			for i, o := range r.out {
				if o.result.cached != tt.wantCached[i] {
					t.Errorf("request %d: cached %d, want %d", i, o.result.cached, tt.wantCached[i])
				}
				hits += uint64(tt.wantCached[i])
				queries += uint64(arrivals[i].prompt)
			}
			if r.stats.prefixHits != hits || r.stats.prefixQueries != queries {
				t.Errorf("counters: hits %d queries %d, want %d and %d", r.stats.prefixHits, r.stats.prefixQueries, hits, queries)
			}
		})
	}
}

// TestPrefixCacheMultiTurn: a second turn that sends the first answer back
// reuses the blocks of the prompt and of the generated tokens.
func TestPrefixCacheMultiTurn(t *testing.T) {
	first := words("turn", 40)
	key := splitmix64(1) // simulate's key of the first arrival
	answer := answer{key: key, tokens: 60}.textRange(0, 60)
	second := first + answer + words("next", 20)
	a := appendTextTokens(nil, first)
	b := appendTextTokens(nil, second)
	r := simulate(t, smallConfig(8, 4096, 4096), []arrival{
		{prompt: len(a), output: 60, tokens: a},
		{at: secondsD(1), prompt: len(b), output: 5, tokens: b},
	})
	// The first sequence held 40 + 60 tokens, 99 of them computed: six
	// full blocks.
	if got := r.out[1].result.cached; got != 96 {
		t.Errorf("second turn cached %d tokens, want 96 (prompt and answer)", got)
	}
}

// TestPrefixCacheEviction: with room for about two prompts, the prompt used
// longest ago is evicted first, from its end: a sequence frees its blocks
// last first, so its prefix stays cached longest.
func TestPrefixCacheEviction(t *testing.T) {
	cfg := smallConfig(8, 4096, 512) // 32 blocks
	var arrivals []arrival
	for i, tag := range []string{"a", "b", "c", "b"} {
		toks := appendTextTokens(nil, words(tag, 200)) // 13 blocks each
		arrivals = append(arrivals, arrival{at: secondsD(float64(i)), prompt: 200, output: 1, tokens: toks})
	}
	r := simulate(t, cfg, arrivals)
	if got := r.out[3].result.cached; got != 192 {
		t.Errorf("b again: cached %d, want 192 (b survived c, a was evicted)", got)
	}
	toks := appendTextTokens(nil, words("a", 200))
	r = simulate(t, cfg, append(arrivals, arrival{at: secondsD(5), prompt: 200, output: 1, tokens: toks}))
	// c took 7 of a's 13 blocks and b's second run one more: a keeps its
	// first 5 blocks.
	if got := r.out[4].result.cached; got != 80 {
		t.Errorf("a again: cached %d, want 80 (its tail evicted)", got)
	}
}
