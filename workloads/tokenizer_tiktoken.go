package workloads

import (
	"sync"

	"github.com/tiktoken-go/tokenizer/codec"
)

// The OpenAI encodings come from github.com/tiktoken-go/tokenizer: pure Go,
// vocabularies compiled into the binary (no download at run time), and the
// same split patterns as OpenAI's tiktoken. Only the codec package is
// imported, so the r50k/p50k vocabularies are not linked in. Each vocabulary
// is built on first use (a large map). They are reached only through
// NewTokenizer, from functions rather than package-level values, so that a
// binary that never calls NewTokenizer does not carry their ~10 MB.
var (
	cl100kOnce, o200kOnce sync.Once
	cl100k, o200k         Tokenizer
)

func tiktokenCl100k() Tokenizer {
	cl100kOnce.Do(func() { cl100k = &tiktoken{name: "cl100k_base", c: codec.NewCl100kBase()} })
	return cl100k
}

func tiktokenO200k() Tokenizer {
	o200kOnce.Do(func() { o200k = &tiktoken{name: "o200k_base", c: codec.NewO200kBase()} })
	return o200k
}

// tiktoken adapts a tiktoken-go codec to Tokenizer. Special tokens such as
// <|endoftext|> in the text are encoded as ordinary text, which is what a
// chat server does with user content.
type tiktoken struct {
	name string
	c    *codec.Codec
}

func (t *tiktoken) Name() string { return t.name }

func (t *tiktoken) Encode(text string) []int {
	// The codec fails only when its split pattern fails to run, which the
	// built-in patterns do not (no match timeout is set).
	ids, _, _ := t.c.Encode(text)
	out := make([]int, len(ids))
	for i, id := range ids {
		out[i] = int(id)
	}
	return out
}

func (t *tiktoken) Count(text string) int {
	n, _ := t.c.Count(text)
	return n
}

func (t *tiktoken) Decode(ids []int) string {
	u := make([]uint, 0, len(ids))
	for _, id := range ids {
		if id >= 0 {
			u = append(u, uint(id))
		}
	}
	if s, err := t.c.Decode(u); err == nil {
		return s
	}
	// An unknown id fails the whole call: decode one by one, skipping it.
	var out []byte
	for _, id := range u {
		if s, err := t.c.Decode([]uint{id}); err == nil {
			out = append(out, s...)
		}
	}
	return string(out)
}
