package workloads

import (
	_ "embed" // the corpus is compiled into the binary
	"math/rand/v2"
	"strings"
	"sync"
	"unicode"
	"unicode/utf8"
)

// corpusText is natural English prose that prompts are cut from: the first
// 256 KiB of Newton's Opticks (1730), public domain; see corpus/README.md.
//
//go:embed corpus/opticks.txt
var corpusText string

// corpus indexes corpusText: where words and sentences start.
type corpus struct {
	text      string
	words     []int // byte offsets of word starts
	sentences []int // byte offsets of sentence starts
}

var theCorpus = sync.OnceValue(func() *corpus { return indexCorpus(strings.TrimSpace(corpusText)) })

func indexCorpus(text string) *corpus {
	c := &corpus{text: text}
	prevSpace, prevEnd := true, true // the text starts a sentence
	for i, r := range text {
		space := unicode.IsSpace(r)
		if !space && prevSpace {
			c.words = append(c.words, i)
			if prevEnd && unicode.IsUpper(r) {
				c.sentences = append(c.sentences, i)
			}
		}
		if !space {
			prevEnd = r == '.' || r == '?' || r == '!'
		} else if r == '\n' {
			prevEnd = true
		}
		prevSpace = space
	}
	return c
}

// passage returns the text from off to the start of the sentences-th
// sentence after it (or to the end of the corpus), trimmed.
func (c *corpus) passage(off, sentences int) string {
	i := lowerBound(c.sentences, off+1)
	end := len(c.text)
	if j := i + sentences - 1; j < len(c.sentences) {
		end = c.sentences[j]
	}
	return strings.TrimSpace(c.text[off:end])
}

func lowerBound(a []int, x int) int {
	lo, hi := 0, len(a)
	for lo < hi {
		m := (lo + hi) / 2
		if a[m] < x {
			lo = m + 1
		} else {
			hi = m
		}
	}
	return lo
}

// corpusStream separates the corpus's random stream from other users of a seed.
const corpusStream = 0xc0de5

// prose appends natural text to sb until it holds at least minBytes: when
// first, the rest of a sentence from a seeded word, then passages of one to
// three whole sentences from seeded sentence starts. The text is consecutive
// only within a passage: had a prompt run on from one seeded start among
// the corpus's ~48,000 words, a thousand prompts would hold about ten pairs
// sharing thousands of tokens by chance, which prefix caches would reuse.
// Chained passages bound a chance shared prefix to about a sentence.
func (c *corpus) prose(sb *strings.Builder, rng *rand.Rand, first bool, minBytes int) {
	if first {
		sb.WriteString(c.passage(c.words[rng.IntN(len(c.words))], 1))
	}
	for sb.Len() < minBytes {
		if sb.Len() > 0 {
			sb.WriteByte(' ')
		}
		sb.WriteString(c.passage(c.sentences[rng.IntN(len(c.sentences))], 1+rng.IntN(3)))
	}
}

// TextOfTokens returns natural text of exactly n tokens under tok (nil: the
// approx tokenizer), the same for the same seed. It starts at a word and
// neither starts nor ends with whitespace. Two seeds give texts that share
// no prefix beyond chance. n <= 0 gives "".
func TextOfTokens(tok Tokenizer, seed uint64, n int) string {
	if n <= 0 {
		return ""
	}
	tok = orApprox(tok)
	rng := rand.New(rand.NewPCG(seed, corpusStream))
	s, _ := fill(tok, "", n, func(sb *strings.Builder, need int, first bool) {
		theCorpus().prose(sb, rng, first, sb.Len()+proseBytes(need))
	})
	return s
}

// BlockOfTokens returns text of exactly n tokens under tok (nil: approx)
// meant to be joined after other text, as one block of a Mooncake-style
// trace: it starts with a space and ends with no whitespace, so that under
// current BPE pre-tokenizers (GPT-2, cl100k, o200k, Llama 3) the tokens of
// a concatenation of blocks are the blocks' tokens, and counts add up. It
// opens with eight common words spelling the eight bytes of id, so that two
// ids give different blocks whenever n covers those words (8 tokens under
// cl100k, o200k and Llama 3, where each is one token; 16 leave a margin);
// the natural text after them is drawn from id too.
func BlockOfTokens(tok Tokenizer, id uint64, n int) string {
	if n <= 0 {
		return ""
	}
	tok = orApprox(tok)
	rng := rand.New(rand.NewPCG(id, corpusStream+1))
	s, _ := fill(tok, "", n, func(sb *strings.Builder, need int, first bool) {
		if first {
			for i := 0; i < 8; i++ {
				sb.WriteByte(' ')
				sb.WriteString(Words[int(byte(id>>(8*i)))%len(Words)])
			}
			sb.WriteByte(' ')
		}
		theCorpus().prose(sb, rng, first, sb.Len()+proseBytes(need))
	})
	return s
}

// ResizeText returns text cut or extended to exactly n tokens under tok
// (nil: approx). A cut keeps a prefix of text; an extension appends a block
// drawn from text itself, so the same text always resizes the same way.
// exact is false in the rare case where no cut of the material counts n
// (the closest is returned).
func ResizeText(tok Tokenizer, text string, n int) (resized string, exact bool) {
	if n <= 0 {
		return "", true
	}
	tok = orApprox(tok)
	id := fnv64(text)
	s, exact := fill(tok, text, n, func(sb *strings.Builder, need int, _ bool) {
		sb.WriteString(BlockOfTokens(tok, id, need+8))
		id++
	})
	if exact {
		return s, true
	}
	// Every cut near n ends in whitespace or inside a character (before a
	// number, say): cut k tokens shorter and top up with k tokens of a block,
	// or of full stops where a block cannot add exactly k.
	ids := tok.Encode(text)
	for k := 1; k <= 8 && k < n && n-k <= len(ids); k++ {
		head, got := cutTokens(tok, ids, n-k)
		if got != n-k {
			continue
		}
		for _, tail := range []string{BlockOfTokens(tok, id, k), strings.Repeat(".", k)} {
			if c := head + tail; tok.Count(c) == n {
				return c, true
			}
		}
	}
	return s, false
}

// proseBytes guesses the bytes of prose that hold n tokens, generously
// (the corpus runs 4.3 to 4.6 bytes a token); fill asks for more if short.
func proseBytes(n int) int { return n*5 + 64 }

func fnv64(s string) uint64 {
	h := uint64(14695981039346656037)
	for i := 0; i < len(s); i++ {
		h = (h ^ uint64(s[i])) * 1099511628211
	}
	return h
}

// fill builds material, prefix followed by what more appends (more is told
// how many tokens are still missing, and whether it starts the material),
// until it holds at least n tokens, then cuts it to exactly n. When no cut
// near n counts n, it starts over with fresh material a few times; exact is
// false if that fails too, and the closest cut is returned.
func fill(tok Tokenizer, prefix string, n int, more func(sb *strings.Builder, need int, first bool)) (string, bool) {
	best, bestErr := "", -1
	for attempt := 0; attempt < 4; attempt++ {
		var sb strings.Builder
		sb.WriteString(prefix)
		need := n
		for grow := 0; grow < 16; grow++ {
			if sb.Len() > 0 {
				ids := tok.Encode(sb.String())
				if len(ids) >= n {
					s, got := cutTokens(tok, ids, n)
					if got == n {
						return s, true
					}
					if e := absInt(got - n); got >= 0 && (bestErr < 0 || e < bestErr) {
						best, bestErr = s, e
					}
					break
				}
				need = n - len(ids)
			}
			more(&sb, need, grow == 0)
		}
	}
	return best, false
}

// cutTokens decodes a prefix of ids that re-encodes to n tokens, and
// returns it with its count (-1: no usable prefix). A cut can fail to round-
// trip (a character split between tokens, pieces that merge differently once
// cut, trailing whitespace), so prefixes near n are tried too.
func cutTokens(tok Tokenizer, ids []int, n int) (string, int) {
	best, bestGot := "", -1
	for d := 0; d <= 8; d++ {
		for i, m := range [2]int{n - d, n + d} {
			if m < 1 || m > len(ids) || d == 0 && i == 1 {
				continue
			}
			s := tok.Decode(ids[:m])
			if s == "" || !utf8.ValidString(s) || endsWithSpace(s) {
				continue
			}
			got := tok.Count(s)
			if got == n {
				return s, n
			}
			if bestGot < 0 || absInt(got-n) < absInt(bestGot-n) {
				best, bestGot = s, got
			}
		}
	}
	return best, bestGot
}

func endsWithSpace(s string) bool {
	r, _ := utf8.DecodeLastRuneInString(s)
	return unicode.IsSpace(r)
}

func absInt(x int) int {
	if x < 0 {
		return -x
	}
	return x
}
