package route

import (
	"fmt"
	"strings"
	"testing"

	openai "github.com/sashabaranov/go-openai"

	"github.com/tokenbench/tokenbench/workloads"
)

// words returns n distinct words of family f.
func words(f string, n int) string {
	var b strings.Builder
	for i := range n {
		fmt.Fprintf(&b, "%s%d ", f, i)
	}
	return b.String()
}

func req(text string) workloads.Request { return workloads.Request{Prompt: text} }

func TestParsePolicy(t *testing.T) {
	for _, p := range Policies {
		if got, err := ParsePolicy(string(p)); err != nil || got != p {
			t.Errorf("ParsePolicy(%q) = %q, %v", p, got, err)
		}
	}
	if _, err := ParsePolicy("fastest"); err == nil || !strings.Contains(err.Error(), "prefix-aware") {
		t.Errorf("unknown policy: %v, want an error listing the policies", err)
	}
	if _, err := New(RoundRobin, 0, Options{}); err == nil {
		t.Error("a router over no target: no error")
	}
}

func TestHashPrompt(t *testing.T) {
	a := hashPrompt(req(words("a", 40)), 16)
	if len(a.blocks) != 2 || a.total != 40 || a.tokens[1] != 32 {
		t.Fatalf("40 words in blocks of 16: %d blocks, %d tokens, cum %v", len(a.blocks), a.total, a.tokens)
	}
	b := hashPrompt(req(words("a", 16)+words("b", 24)), 16)
	if b.blocks[0] != a.blocks[0] || b.blocks[1] == a.blocks[1] {
		t.Error("a shared first block must hash alike and a different second one differently")
	}
	c := hashPrompt(req(words("b", 16)+strings.TrimPrefix(words("a", 32), words("a", 16))), 16)
	if c.blocks[1] == a.blocks[1] {
		t.Error("a block's hash must depend on the blocks before it")
	}
	chat := hashPrompt(workloads.Request{Messages: []openai.ChatCompletionMessage{{Role: "user", Content: words("a", 40)}}}, 16)
	if chat.total != 40 || chat.blocks[0] == a.blocks[0] {
		t.Errorf("a chat message counts its role as a marker, not a token: %d tokens", chat.total)
	}
}

func TestRouterPolicies(t *testing.T) {
	pick := func(r *Router, text, session string) int { return r.Pick(req(text), session, nil).Index }
	tests := []struct {
		name string
		p    Policy
		run  func(r *Router) []int
		want []int
	}{
		{"round-robin takes turns", RoundRobin, func(r *Router) []int {
			var got []int
			for range 6 {
				got = append(got, pick(r, "x", ""))
			}
			return got
		}, []int{0, 1, 2, 0, 1, 2}},
		{"session is sticky", Session, func(r *Router) []int {
			return []int{pick(r, "x", "s1"), pick(r, "x", "s2"), pick(r, "x", "s1"), pick(r, "x", "s3"), pick(r, "x", "s2")}
		}, []int{0, 1, 0, 2, 1}},
		{"least-outstanding avoids busy targets", LeastOutstanding, func(r *Router) []int {
			a, b := r.Pick(req("x"), "", nil), r.Pick(req("x"), "", nil)
			r.Done(a)
			c := r.Pick(req("x"), "", nil) // 0 free again, 2 free: 2 is next in turn
			d := r.Pick(req("x"), "", nil) // only 0 has nothing outstanding
			return []int{a.Index, b.Index, c.Index, d.Index}
		}, []int{0, 1, 2, 0}},
		{"prefix-aware follows the longest overlap", PrefixAware, func(r *Router) []int {
			return []int{pick(r, words("a", 64), ""), pick(r, words("b", 64), ""), pick(r, words("c", 64), ""),
				pick(r, words("b", 64)+"more", ""), pick(r, words("a", 80), ""), pick(r, words("d", 64), "")}
		}, []int{0, 1, 2, 1, 0, 2}}, // d matches nothing: the fewest cached blocks (1 and 2 hold 4), then the fewest outstanding
		{"kv-aware without gauges: overlap, then outstanding", KVAware, func(r *Router) []int {
			a := r.Pick(req(words("a", 64)), "", nil)
			r.Done(a)
			b := r.Pick(req(words("a", 64)), "", nil) // overlap on 0
			c := r.Pick(req(words("z", 64)), "", nil) // 0 busy: next free in turn
			return []int{a.Index, b.Index, c.Index}
		}, []int{0, 0, 2}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			r, err := New(tt.p, 3, Options{})
			if err != nil {
				t.Fatal(err)
			}
			if got := tt.run(r); fmt.Sprint(got) != fmt.Sprint(tt.want) {
				t.Errorf("targets %v, want %v", got, tt.want)
			}
		})
	}
}

func TestPrefixAwareRebalances(t *testing.T) {
	r, _ := New(PrefixAware, 2, Options{BalanceAbs: 2, BalanceRel: 1.5})
	var last Decision
	for range 3 {
		last = r.Pick(req(words("a", 64)), "", nil)
	}
	if last.Index != 0 || last.OverlapTokens != 64 {
		t.Fatalf("same prompt: target %d overlap %d, want 0 and 64", last.Index, last.OverlapTokens)
	}
	// 3 outstanding on 0, none on 1: imbalanced (3 - 0 > 2), so the
	// overlap does not win.
	if d := r.Pick(req(words("a", 64)), "", nil); d.Index != 1 || d.OverlapTokens != 0 {
		t.Errorf("imbalanced: target %d overlap %d, want 1 and 0", d.Index, d.OverlapTokens)
	}
}

func TestKVAwareReadsGauges(t *testing.T) {
	r, _ := New(KVAware, 2, Options{})
	r.Pick(req(words("a", 64)), "", nil) // target 0 holds the prefix
	r.outstanding[0] = 0                 // finished
	full := func(i int) (Gauges, bool) {
		if i == 0 {
			return Gauges{Running: 4, Waiting: 12, KVUsage: 0.95}, true
		}
		return Gauges{Running: 4, KVUsage: 0.2}, true
	}
	d := r.Pick(req(words("a", 64)), "", full)
	if d.Index != 1 || d.Gauges == nil || d.Gauges.KVUsage != 0.2 {
		t.Errorf("a full, queued engine with the prefix against an idle one: %+v, want target 1", d)
	}
	idle := func(i int) (Gauges, bool) { return Gauges{Running: 4, KVUsage: 0.3}, true }
	if d := r.Pick(req(words("a", 64)), "", idle); d.Index != 0 {
		t.Errorf("equal load: target %d, want 0, which holds the prefix", d.Index)
	}
}

func TestRandomIsSeeded(t *testing.T) {
	seq := func(seed uint64) string {
		r, _ := New(Random, 4, Options{Seed: seed})
		var b strings.Builder
		for range 32 {
			fmt.Fprint(&b, r.Pick(req("x"), "", nil).Index)
		}
		return b.String()
	}
	if seq(1) != seq(1) || seq(1) == seq(2) {
		t.Errorf("random: same seed %s vs %s, other seed %s", seq(1), seq(1), seq(2))
	}
}

func TestBlockIndexForgetsOldest(t *testing.T) {
	b := newBlockIndex(4)
	p1, p2 := hashPrompt(req(words("a", 48)), 16), hashPrompt(req(words("b", 48)), 16)
	b.add(&p1, 1)
	b.add(&p2, 2) // 6 blocks > 4: the oldest 4 go
	if b.match(&p1) != 0 || b.match(&p2) != 2 || len(b.seen) != 2 {
		t.Errorf("after eviction: match a %d, b %d, size %d", b.match(&p1), b.match(&p2), len(b.seen))
	}
}
