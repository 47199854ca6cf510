package workloads

import (
	"fmt"
	"os"
	"strings"
	"sync"
	"unicode"
)

// Tokenizer turns text into token ids and back, as a model's tokenizer does.
// Workloads use it to build prompts of an exact token length. Count(s) is
// len(Encode(s)); neither adds special tokens (BOS, chat template): those are
// the server's and are measured by calibration. Implementations are safe for
// concurrent use.
type Tokenizer interface {
	// Encode returns the token ids of text.
	Encode(text string) []int
	// Decode returns the text of ids; ids the tokenizer does not know are
	// skipped. Decoding a prefix of an encoding may end inside a multi-byte
	// character, so the result is not always valid UTF-8.
	Decode(ids []int) string
	// Count returns the number of tokens of text.
	Count(text string) int
	// Name says which tokenizer this is, for run metadata.
	Name() string
}

// Tokenizer specs NewTokenizer takes besides a path to a tokenizer.json.
const (
	// TokenizerApprox is the word-based estimate of ApproxTokens: no
	// vocabulary, exact for prompts it built itself. The default.
	TokenizerApprox = "approx"
	// TokenizerCl100k is OpenAI's cl100k_base (GPT-4, GPT-3.5).
	TokenizerCl100k = "cl100k"
	// TokenizerO200k is OpenAI's o200k_base (GPT-4o, o-series, GPT-5).
	TokenizerO200k = "o200k"
)

// NewTokenizer returns the tokenizer a --tokenizer flag names: "approx" (or
// ""), "cl100k", "o200k", or the path of a Hugging Face tokenizer.json. The
// OpenAI vocabularies are built into the binary; nothing is downloaded.
func NewTokenizer(spec string) (Tokenizer, error) {
	switch strings.ToLower(strings.TrimSpace(spec)) {
	case "", TokenizerApprox:
		return Approx(), nil
	case TokenizerCl100k, "cl100k_base":
		return tiktokenCl100k(), nil
	case TokenizerO200k, "o200k_base":
		return tiktokenO200k(), nil
	}
	if _, err := os.Stat(spec); err != nil {
		return nil, fmt.Errorf("workloads: tokenizer %q is neither %s, %s, %s nor a readable tokenizer.json: %w",
			spec, TokenizerApprox, TokenizerCl100k, TokenizerO200k, err)
	}
	return LoadTokenizerJSON(spec)
}

// orApprox returns tok, or the approx tokenizer when tok is nil.
func orApprox(tok Tokenizer) Tokenizer {
	if tok == nil {
		return Approx()
	}
	return tok
}

var approxOnce = sync.OnceValue(func() *approxTokenizer {
	return &approxTokenizer{ids: map[string]int{}}
})

// Approx returns the word-based tokenizer that agrees with ApproxTokens:
// each whitespace-separated word is one token per started 6 characters.
// Its ids are assigned as pieces are first seen (a piece is the whitespace
// before a word with the word's first 6 characters, or a further 6), so they
// mean nothing outside this process.
func Approx() Tokenizer { return approxOnce() }

type approxTokenizer struct {
	mu     sync.Mutex
	ids    map[string]int
	pieces []string
}

func (a *approxTokenizer) Name() string { return TokenizerApprox }

func (a *approxTokenizer) Count(text string) int { return ApproxTokens(text) }

func (a *approxTokenizer) Encode(text string) []int {
	pieces := approxPieces(text)
	out := make([]int, len(pieces))
	a.mu.Lock()
	defer a.mu.Unlock()
	for i, p := range pieces {
		id, ok := a.ids[p]
		if !ok {
			id = len(a.pieces)
			a.ids[p] = id
			a.pieces = append(a.pieces, p)
		}
		out[i] = id
	}
	return out
}

func (a *approxTokenizer) Decode(ids []int) string {
	var sb strings.Builder
	a.mu.Lock()
	defer a.mu.Unlock()
	for _, id := range ids {
		if id >= 0 && id < len(a.pieces) {
			sb.WriteString(a.pieces[id])
		}
	}
	return sb.String()
}

// approxPieces splits text the way ApproxTokens counts it: a word of r runes
// gives ceil(r/6) pieces; whitespace goes with the piece after it, trailing
// whitespace with the last piece, so the pieces join back to text.
func approxPieces(text string) []string {
	var out []string
	pending := 0 // byte offset where the next piece starts
	word, runes := -1, 0
	flush := func(end int) {
		out = append(out, text[pending:end])
		pending = end
	}
	for i, r := range text {
		space := unicode.IsSpace(r)
		switch {
		case space && word >= 0:
			flush(i)
			word = -1
		case !space && word < 0:
			word, runes = i, 0
		case !space && runes%6 == 0:
			flush(i) // the previous piece had 6 runes of this word
		}
		if !space {
			runes++
		}
	}
	if word >= 0 {
		flush(len(text))
	} else if pending < len(text) && len(out) > 0 {
		out[len(out)-1] += text[pending:]
	}
	return out
}
