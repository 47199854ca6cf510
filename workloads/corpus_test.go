package workloads

import (
	"fmt"
	"sort"
	"strings"
	"testing"
	"unicode"
	"unicode/utf8"
)

// testTokenizers are the tokenizers prompts are cut for in these tests.
func testTokenizers(t *testing.T) map[string]Tokenizer {
	t.Helper()
	out := map[string]Tokenizer{}
	for _, spec := range []string{TokenizerApprox, TokenizerCl100k, TokenizerO200k} {
		tok, err := NewTokenizer(spec)
		if err != nil {
			t.Fatal(err)
		}
		out[spec] = tok
	}
	out["llama3-style"] = loadTestTokenizer(t, "llama3-style.json")
	out["sentencepiece-style"] = loadTestTokenizer(t, "sentencepiece-style.json")
	return out
}

func TestCorpusIsEmbeddedProse(t *testing.T) {
	c := theCorpus()
	if len(c.text) < 200<<10 || len(c.text) > 300<<10 {
		t.Errorf("corpus is %d bytes, want a few hundred KB", len(c.text))
	}
	if len(c.words) < 40000 || len(c.sentences) < 1000 {
		t.Errorf("%d words, %d sentences", len(c.words), len(c.sentences))
	}
	if !utf8.ValidString(c.text) {
		t.Error("corpus is not UTF-8")
	}
}

func TestTextOfTokensExactLength(t *testing.T) {
	t.Parallel()
	lengths := []int{1, 2, 3, 5, 8, 13, 31, 64, 100, 128, 257, 512, 1000, 2048, 4096}
	for name, tok := range testTokenizers(t) {
		t.Run(name, func(t *testing.T) {
			for _, n := range lengths {
				if n == 1 && name == "sentencepiece-style" {
					continue // the prepended ▁ is a token of its own in this tiny vocab
				}
				for seed := uint64(0); seed < 6; seed++ {
					if n >= 1000 && seed > 1 {
						break // long prompts: two seeds keep the test fast
					}
					s := TextOfTokens(tok, seed, n)
					if got := tok.Count(s); got != n {
						t.Fatalf("n=%d seed=%d: %d tokens: %.60q", n, seed, got, s)
					}
					checkTrimmed(t, s)
				}
			}
		})
	}
}

func checkTrimmed(t *testing.T, s string) {
	t.Helper()
	if !utf8.ValidString(s) {
		t.Fatalf("invalid UTF-8: %.60q", s)
	}
	first, _ := utf8.DecodeRuneInString(s)
	last, _ := utf8.DecodeLastRuneInString(s)
	if unicode.IsSpace(first) || unicode.IsSpace(last) {
		t.Fatalf("starts or ends with whitespace: %q", s)
	}
}

func TestTextOfTokensSeeds(t *testing.T) {
	tok, _ := NewTokenizer(TokenizerCl100k)
	if TextOfTokens(tok, 7, 300) != TextOfTokens(tok, 7, 300) {
		t.Error("same seed, different text")
	}
	if TextOfTokens(tok, 7, 300) == TextOfTokens(tok, 8, 300) {
		t.Error("different seeds, same text")
	}
	if TextOfTokens(nil, 1, 0) != "" || TextOfTokens(nil, 1, -3) != "" {
		t.Error("n <= 0 should give no text")
	}
	if got := ApproxTokens(TextOfTokens(nil, 3, 77)); got != 77 {
		t.Errorf("nil tokenizer: %d approx tokens, want 77", got)
	}
}

// TestTextOfTokensSharesNoLongPrefix checks that prompts for different seeds
// share at most a chance sentence, so prefix caches find nothing to reuse.
func TestTextOfTokensSharesNoLongPrefix(t *testing.T) {
	const prompts = 2000
	texts := make([]string, prompts)
	for i := range texts {
		texts[i] = TextOfTokens(nil, uint64(i), 300)
	}
	sort.Strings(texts)
	longest, over100 := 0, 0
	for i := 1; i < len(texts); i++ {
		n := commonPrefix(texts[i-1], texts[i])
		longest = max(longest, n)
		if n > 100 {
			over100++
		}
	}
	if longest > 2000 || over100 > prompts/20 {
		t.Errorf("longest shared prefix %d bytes; %d neighbours share over 100 bytes", longest, over100)
	}
}

func commonPrefix(a, b string) int {
	n := 0
	for n < len(a) && n < len(b) && a[n] == b[n] {
		n++
	}
	return n
}

func TestBlockOfTokens(t *testing.T) {
	for name, tok := range testTokenizers(t) {
		if name == "sentencepiece-style" {
			continue // ▁ marks spaces there: joined blocks merge at the seams
		}
		t.Run(name, func(t *testing.T) {
			var blocks []string
			ids := []uint64{0, 1, 1 << 8, 1 << 56, 0xdeadbeefcafef00d, 42}
			for i, id := range ids {
				n := 16 + 37*i
				b := BlockOfTokens(tok, id, n)
				if got := tok.Count(b); got != n {
					t.Fatalf("id %x: %d tokens, want %d", id, got, n)
				}
				if !strings.HasPrefix(b, " ") || unicode.IsSpace([]rune(b)[len([]rune(b))-1]) {
					t.Fatalf("id %x: block %q should start with a space and end without one", id, b)
				}
				if b != BlockOfTokens(tok, id, n) {
					t.Fatalf("id %x: not deterministic", id)
				}
				blocks = append(blocks, b)
			}
			// Joined blocks count the sum of their tokens.
			joined, sum := "", 0
			for i, b := range blocks {
				joined += b
				sum += 16 + 37*i
				if got := tok.Count(joined); got != sum {
					t.Fatalf("%d blocks joined: %d tokens, want %d", i+1, got, sum)
				}
			}
			// Ids differing in one byte give different blocks of equal length.
			seen := map[string]uint64{}
			for i := 0; i < 64; i++ {
				id := uint64(1) << i
				b := BlockOfTokens(tok, id, 16)
				if prev, dup := seen[b]; dup {
					t.Fatalf("ids %x and %x give the same block", prev, id)
				}
				seen[b] = id
			}
		})
	}
}

func TestWordsCoverEveryByte(t *testing.T) {
	if len(Words) < 256 {
		t.Fatalf("BlockOfTokens spells id bytes with Words[0:256]; only %d words", len(Words))
	}
}

func TestResizeText(t *testing.T) {
	for name, tok := range testTokenizers(t) {
		t.Run(name, func(t *testing.T) {
			base := TextOfTokens(tok, 11, 200)
			for _, n := range []int{1, 7, 150, 199, 200, 201, 260, 900} {
				if n == 1 && name == "sentencepiece-style" {
					continue // the prepended ▁ is a token of its own in this tiny vocab
				}
				got, exact := ResizeText(tok, base, n)
				if !exact || tok.Count(got) != n {
					t.Fatalf("n=%d: exact=%v, %d tokens", n, exact, tok.Count(got))
				}
				switch {
				case n <= 200 && commonPrefix(base, got) < len(got)-100 && name != "sentencepiece-style":
					t.Fatalf("n=%d: a cut should keep a prefix of the text (topped up by a few tokens at most)", n)
				case n > 200 && !strings.HasPrefix(got, base):
					t.Fatalf("n=%d: an extension should keep the text", n)
				}
				again, _ := ResizeText(tok, base, n)
				if again != got {
					t.Fatalf("n=%d: not deterministic", n)
				}
			}
		})
	}
}

func BenchmarkTextOfTokens(b *testing.B) {
	for _, spec := range []string{TokenizerApprox, TokenizerCl100k, TokenizerO200k} {
		tok, _ := NewTokenizer(spec)
		for _, n := range []int{512, 8192} {
			b.Run(fmt.Sprintf("%s/%d", spec, n), func(b *testing.B) {
				for i := 0; i < b.N; i++ {
					TextOfTokens(tok, uint64(i), n)
				}
			})
		}
	}
}

func TestSyntheticWithTokenizerAndCorpus(t *testing.T) {
	cl100k, _ := NewTokenizer(TokenizerCl100k)
	tests := []struct {
		name string
		spec Synthetic
		tok  Tokenizer // what InputTokens is counted with
	}{
		{"corpus, approx", Synthetic{Corpus: true}, Approx()},
		{"corpus, cl100k", Synthetic{Corpus: true, Tokenizer: cl100k}, cl100k},
		{"words, cl100k", Synthetic{Tokenizer: cl100k}, cl100k},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			spec := tt.spec
			spec.InputTokens, spec.InputStddev, spec.OutputTokens, spec.Seed = 300, 100, 10, 9
			src, err := spec.NewSource()
			if err != nil {
				t.Fatal(err)
			}
			again, _ := spec.NewSource()
			for i := 0; i < 30; i++ {
				it, _ := src.Next()
				if got := tt.tok.Count(it.Request.Prompt); got != it.Request.InputTokens {
					t.Fatalf("item %d: %d tokens, InputTokens %d", i, got, it.Request.InputTokens)
				}
				if it2, _ := again.Next(); it2.Request.Prompt != it.Request.Prompt {
					t.Fatalf("item %d: same seed, different prompt", i)
				}
			}
		})
	}
}
