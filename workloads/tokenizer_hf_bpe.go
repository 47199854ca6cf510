package workloads

import (
	"bytes"
	"container/heap"
	"encoding/json"
	"fmt"
	"strings"
	"sync"
	"unicode/utf8"
)

// hfModelJSON is the "model" object of a tokenizer.json.
type hfModelJSON struct {
	Type                    string          `json:"type"`
	Vocab                   map[string]int  `json:"vocab"`
	Merges                  json.RawMessage `json:"merges"`
	UnkToken                *string         `json:"unk_token"`
	ContinuingSubwordPrefix *string         `json:"continuing_subword_prefix"`
	EndOfWordSuffix         *string         `json:"end_of_word_suffix"`
	FuseUnk                 bool            `json:"fuse_unk"`
	ByteFallback            bool            `json:"byte_fallback"`
	IgnoreMerges            bool            `json:"ignore_merges"`
	Dropout                 *float64        `json:"dropout"`
}

// hfBPE is a BPE model: a vocabulary and ranked merges of id pairs.
type hfBPE struct {
	vocab        map[string]int
	tokens       map[int]string // id to token, added tokens included
	merges       map[uint64]hfMerge
	unk          int // -1: none
	fuseUnk      bool
	byteFallback bool
	ignoreMerges bool

	mu    sync.Mutex
	cache map[string][]int
}

type hfMerge struct{ rank, id int }

// hfCacheMax bounds the word cache; prose repeats its words, so a few tens
// of thousands cover a corpus.
const hfCacheMax = 50000

func newHFBPE(m hfModelJSON) (*hfBPE, error) {
	if m.Type != "" && m.Type != "BPE" {
		return nil, fmt.Errorf("type %q: only BPE models are supported", m.Type)
	}
	if len(m.Vocab) == 0 {
		return nil, fmt.Errorf("vocab: empty")
	}
	if m.Dropout != nil && *m.Dropout > 0 {
		return nil, fmt.Errorf("dropout %v: a tokenizer with BPE dropout does not count deterministically", *m.Dropout)
	}
	if s := m.ContinuingSubwordPrefix; s != nil && *s != "" {
		return nil, fmt.Errorf("continuing_subword_prefix %q: not supported", *s)
	}
	if s := m.EndOfWordSuffix; s != nil && *s != "" {
		return nil, fmt.Errorf("end_of_word_suffix %q: not supported", *s)
	}
	b := &hfBPE{
		vocab: m.Vocab, tokens: make(map[int]string, len(m.Vocab)), merges: map[uint64]hfMerge{},
		unk: -1, fuseUnk: m.FuseUnk, byteFallback: m.ByteFallback, ignoreMerges: m.IgnoreMerges,
		cache: map[string][]int{},
	}
	for tok, id := range m.Vocab {
		if id < 0 {
			return nil, fmt.Errorf("vocab[%q]: negative id %d", tok, id)
		}
		b.tokens[id] = tok
	}
	if m.UnkToken != nil {
		id, ok := m.Vocab[*m.UnkToken]
		if !ok {
			return nil, fmt.Errorf("unk_token %q: not in the vocab", *m.UnkToken)
		}
		b.unk = id
	}
	pairs, err := parseMerges(m.Merges)
	if err != nil {
		return nil, err
	}
	for rank, p := range pairs {
		a, okA := m.Vocab[p[0]]
		c, okC := m.Vocab[p[1]]
		id, okN := m.Vocab[p[0]+p[1]]
		if !okA || !okC || !okN {
			return nil, fmt.Errorf("merges[%d] %q + %q: token not in the vocab", rank, p[0], p[1])
		}
		key := pairKey(a, c)
		if _, dup := b.merges[key]; !dup { // the first (best) rank wins
			b.merges[key] = hfMerge{rank: rank, id: id}
		}
	}
	return b, nil
}

// parseMerges reads merges in either form: "a b" strings (older files) or
// ["a", "b"] pairs (newer ones, which allow spaces inside tokens).
func parseMerges(raw json.RawMessage) ([][2]string, error) {
	if len(raw) == 0 || string(raw) == "null" {
		return nil, nil
	}
	// One pass for a file in one form (told by its first item); item by
	// item only to name a bad one.
	first := bytes.TrimLeft(raw, " \t\r\n")
	if len(first) > 0 {
		first = bytes.TrimLeft(first[1:], " \t\r\n")
	}
	var legacy []string
	if len(first) > 0 && first[0] == '"' && json.Unmarshal(raw, &legacy) == nil {
		out := make([][2]string, len(legacy))
		for i, s := range legacy {
			a, c, ok := strings.Cut(s, " ")
			if !ok || a == "" || c == "" || strings.Contains(c, " ") {
				return nil, fmt.Errorf("merges[%d] %q: want two tokens separated by one space", i, s)
			}
			out[i] = [2]string{a, c}
		}
		return out, nil
	}
	var pairs [][2]string
	if len(first) > 0 && first[0] == '[' && json.Unmarshal(raw, &pairs) == nil {
		for i, p := range pairs {
			if p[0] == "" || p[1] == "" {
				return nil, fmt.Errorf("merges[%d]: want [\"a\", \"b\"], got %q", i, p)
			}
		}
		return pairs, nil
	}
	var items []json.RawMessage
	if err := json.Unmarshal(raw, &items); err != nil {
		return nil, fmt.Errorf("merges: %w", err)
	}
	out := make([][2]string, len(items))
	for i, it := range items {
		var s string
		if json.Unmarshal(it, &s) == nil {
			a, c, ok := strings.Cut(s, " ")
			if !ok || a == "" || c == "" || strings.Contains(c, " ") {
				return nil, fmt.Errorf("merges[%d] %q: want two tokens separated by one space", i, s)
			}
			out[i] = [2]string{a, c}
			continue
		}
		var pair []string
		if err := json.Unmarshal(it, &pair); err != nil || len(pair) != 2 || pair[0] == "" || pair[1] == "" {
			return nil, fmt.Errorf("merges[%d]: want \"a b\" or [\"a\", \"b\"], got %s", i, truncateBytes(it, 60))
		}
		out[i] = [2]string{pair[0], pair[1]}
	}
	return out, nil
}

func truncateBytes(b []byte, n int) string {
	if len(b) > n {
		return string(b[:n]) + "..."
	}
	return string(b)
}

func pairKey(a, b int) uint64 { return uint64(uint32(a))<<32 | uint64(uint32(b)) }

// setToken records an added token's id; it decodes as its content.
func (b *hfBPE) setToken(id int, content string) { b.tokens[id] = content }

func (b *hfBPE) token(id int) (string, bool) {
	s, ok := b.tokens[id]
	return s, ok
}

// encodeWord appends the ids of one pre-tokenized piece.
func (b *hfBPE) encodeWord(w string, out []int) []int {
	if w == "" {
		return out
	}
	if b.ignoreMerges {
		if id, ok := b.vocab[w]; ok {
			return append(out, id)
		}
	}
	b.mu.Lock()
	ids, hit := b.cache[w]
	b.mu.Unlock()
	if hit {
		return append(out, ids...)
	}
	ids = b.merge(b.symbols(w))
	b.mu.Lock()
	if len(b.cache) >= hfCacheMax {
		clear(b.cache)
	}
	b.cache[w] = ids
	b.mu.Unlock()
	return append(out, ids...)
}

// symbols splits a piece into the ids of its characters. A character not in
// the vocabulary becomes its <0xXX> byte tokens (byte_fallback), else the
// unknown token (fused with a preceding one when fuse_unk), else nothing, as
// Hugging Face does.
func (b *hfBPE) symbols(w string) []int {
	ids := make([]int, 0, len(w))
	lastUnk := false
	for i, r := range w {
		size := utf8.RuneLen(r)
		if r == utf8.RuneError {
			_, size = utf8.DecodeRuneInString(w[i:])
		}
		ch := w[i : i+size]
		if id, ok := b.vocab[ch]; ok {
			ids = append(ids, id)
			lastUnk = false
			continue
		}
		if b.byteFallback {
			var bytes []int
			for j := 0; j < len(ch); j++ {
				id, ok := b.vocab[fmt.Sprintf("<0x%02X>", ch[j])]
				if !ok {
					bytes = nil
					break
				}
				bytes = append(bytes, id)
			}
			if bytes != nil {
				ids = append(ids, bytes...)
				lastUnk = false
				continue
			}
		}
		if b.unk >= 0 && !(b.fuseUnk && lastUnk) {
			ids = append(ids, b.unk)
		}
		lastUnk = b.unk >= 0
	}
	return ids
}

// merge applies the ranked merges, best rank first and leftmost among
// equals, as Hugging Face's BPE does: a heap of candidate pairs over a
// linked list of symbols, stale candidates skipped when popped.
func (b *hfBPE) merge(ids []int) []int {
	if len(ids) < 2 || len(b.merges) == 0 {
		return ids
	}
	next := make([]int, len(ids))
	prev := make([]int, len(ids))
	for i := range ids {
		next[i], prev[i] = i+1, i-1
	}
	next[len(ids)-1] = -1
	h := &mergeHeap{}
	push := func(pos int) {
		if pos < 0 || next[pos] < 0 {
			return
		}
		if m, ok := b.merges[pairKey(ids[pos], ids[next[pos]])]; ok {
			heap.Push(h, mergeCand{rank: m.rank, pos: pos, left: ids[pos], right: ids[next[pos]], id: m.id})
		}
	}
	for i := 0; i < len(ids)-1; i++ {
		push(i)
	}
	dead := make([]bool, len(ids))
	for h.Len() > 0 {
		c := heap.Pop(h).(mergeCand)
		n := next[c.pos]
		if dead[c.pos] || n < 0 || ids[c.pos] != c.left || ids[n] != c.right {
			continue
		}
		ids[c.pos] = c.id
		dead[n] = true
		next[c.pos] = next[n]
		if next[n] >= 0 {
			prev[next[n]] = c.pos
		}
		push(prev[c.pos])
		push(c.pos)
	}
	out := make([]int, 0, len(ids))
	for i := 0; i >= 0; i = next[i] {
		out = append(out, ids[i])
	}
	return out
}

type mergeCand struct{ rank, pos, left, right, id int }

type mergeHeap []mergeCand

func (h mergeHeap) Len() int { return len(h) }
func (h mergeHeap) Less(i, j int) bool {
	if h[i].rank != h[j].rank {
		return h[i].rank < h[j].rank
	}
	return h[i].pos < h[j].pos
}
func (h mergeHeap) Swap(i, j int) { h[i], h[j] = h[j], h[i] }
func (h *mergeHeap) Push(x any)   { *h = append(*h, x.(mergeCand)) }
func (h *mergeHeap) Pop() any {
	old := *h
	x := old[len(old)-1]
	*h = old[:len(old)-1]
	return x
}
