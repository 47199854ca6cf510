package workloads

import (
	"encoding/json"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"
)

// The files in testdata/tokenizer are tiny tokenizer.json files in the
// shapes of real ones: llama3-style (Split regex with look-ahead, then
// ByteLevel without regex, array merges, ignore_merges), gpt2-style
// (ByteLevel with GPT-2's regex, "a b" merges) and sentencepiece-style
// (Llama 2 / Mistral: Prepend and Replace normalizers, byte fallback,
// Replace/ByteFallback/Fuse/Strip decoder). Base byte tokens of the two
// byte-level files have the byte's value as id; "hello" is 266, " the"
// 258, " world" 263, " xyz" 268 (in the vocab, reached by no merge), "é"
// 267, <|begin_of_text|> 269.

func loadTestTokenizer(t testing.TB, name string) Tokenizer {
	t.Helper()
	tok, err := LoadTokenizerJSON(filepath.Join("testdata", "tokenizer", name))
	if err != nil {
		t.Fatal(err)
	}
	return tok
}

func TestTokenizerJSONEncode(t *testing.T) {
	tests := []struct {
		name, file, text string
		ids              []int
		decoded          string // when it differs from text
	}{
		{"llama3 words", "llama3-style.json", "hello the world", []int{266, 258, 263}, ""},
		{"llama3 spaces before a word", "llama3-style.json", "hello   world", []int{266, 32, 32, 263}, ""},
		{"llama3 ignore_merges takes a vocab word whole", "llama3-style.json", " xyz", []int{268}, ""},
		{"llama3 digits in threes", "llama3-style.json", "12345", []int{49, 50, 51, 52, 53}, ""},
		{"llama3 two-byte character merged", "llama3-style.json", "café", []int{99, 97, 102, 267}, ""},
		{"llama3 added token", "llama3-style.json", "<|begin_of_text|>hello", []int{269, 266}, ""},
		{"llama3 newline", "llama3-style.json", "hello\nworld", []int{266, 10, 119, 260, 262}, ""},
		{"gpt2 words", "gpt2-style.json", "hello the world", []int{266, 258, 263}, ""},
		{"gpt2 without ignore_merges", "gpt2-style.json", " xyz", []int{32, 120, 121, 122}, ""},
		{"gpt2 contraction", "gpt2-style.json", "he's", []int{256 + 1, 39, 115}, ""},
		{"sentencepiece words", "sentencepiece-style.json", "hello world", []int{spID(t, "▁hello"), spID(t, "▁world")}, ""},
		{"sentencepiece byte fallback", "sentencepiece-style.json", "hé", []int{spID(t, "▁h"), spID(t, "<0xC3>"), spID(t, "<0xA9>")}, ""},
		{"sentencepiece added token", "sentencepiece-style.json", "<s>hello", []int{1, spID(t, "▁hello")}, "<s> hello"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			tok := loadTestTokenizer(t, tt.file)
			if got := tok.Encode(tt.text); !slices.Equal(got, tt.ids) {
				t.Errorf("Encode(%q) = %v, want %v", tt.text, got, tt.ids)
			}
			if got := tok.Count(tt.text); got != len(tt.ids) {
				t.Errorf("Count(%q) = %d, want %d", tt.text, got, len(tt.ids))
			}
			want := tt.text
			if tt.decoded != "" {
				want = tt.decoded
			}
			if got := tok.Decode(tt.ids); got != want {
				t.Errorf("Decode(%v) = %q, want %q", tt.ids, got, want)
			}
		})
	}
}

// spID reads an id from the sentencepiece-style vocab.
func spID(t *testing.T, token string) int {
	t.Helper()
	b, err := os.ReadFile(filepath.Join("testdata", "tokenizer", "sentencepiece-style.json"))
	if err != nil {
		t.Fatal(err)
	}
	var f hfFile
	if err := json.Unmarshal(b, &f); err != nil {
		t.Fatal(err)
	}
	id, ok := f.Model.Vocab[token]
	if !ok {
		t.Fatalf("%q not in vocab", token)
	}
	return id
}

func TestByteLevelTable(t *testing.T) {
	// GPT-2's bytes_to_unicode.
	for b, want := range map[byte]rune{' ': 'Ġ', '\n': 'Ċ', 0: 'Ā', 0x7f: 'ġ', 0xad: 'Ń', 'a': 'a', 0xe9: 'é'} {
		enc, dec := byteLevelTables()
		if enc[b] != want {
			t.Errorf("byte %#x maps to %q, want %q", b, enc[b], want)
		}
		if dec[want] != b {
			t.Errorf("rune %q maps back to %#x, want %#x", want, dec[want], b)
		}
	}
	all := make([]byte, 256)
	for i := range all {
		all[i] = byte(i)
	}
	if got := byteLevelDecode(byteLevelEncode(string(all))); string(got) != string(all) {
		t.Error("byte-level mapping does not round-trip all bytes")
	}
}

func TestSplitBehaviors(t *testing.T) {
	// "a-b--c" split on "-" matches.
	p := "a-b--c"
	m := [][]int{{1, 2}, {3, 4}, {4, 5}}
	tests := []struct {
		b      splitBehaviorKind
		invert bool
		want   []string
	}{
		{splitIsolated, false, []string{"a", "-", "b", "-", "-", "c"}},
		{splitRemoved, false, []string{"a", "b", "c"}},
		{splitMergedWithPrevious, false, []string{"a-", "b-", "-", "c"}},
		{splitMergedWithNext, false, []string{"a", "-b", "-", "-c"}},
		{splitContiguous, false, []string{"a", "-", "b", "--", "c"}},
		{splitRemoved, true, []string{"-", "-", "-"}},
	}
	for _, tt := range tests {
		if got := splitPiece(p, m, tt.b, tt.invert); !slices.Equal(got, tt.want) {
			t.Errorf("behavior %d invert %v: %q, want %q", tt.b, tt.invert, got, tt.want)
		}
	}
}

func TestTokenizerJSONErrors(t *testing.T) {
	base, err := os.ReadFile(filepath.Join("testdata", "tokenizer", "gpt2-style.json"))
	if err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		name, old, new, want string
	}{
		{"not JSON", "{", "[", "invalid character"},
		{"unigram model", `"type": "BPE"`, `"type": "Unigram"`, `model: type "Unigram": only BPE`},
		{"unknown pre-tokenizer", `"type": "ByteLevel",
  "add_prefix_space": false`, `"type": "Frobnicate",
  "add_prefix_space": false`, `pre_tokenizer: type "Frobnicate": not supported`},
		{"merge of unknown tokens", `"Ġ t"`, `"Ġ qqq"`, `model: merges[0] "Ġ" + "qqq": token not in the vocab`},
		{"merge without a space", `"Ġ t"`, `"Ġt"`, `model: merges[0] "Ġt": want two tokens`},
		{"dropout", `"dropout": null`, `"dropout": 0.1`, `model: dropout 0.1`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			data := strings.Replace(string(base), tt.old, tt.new, 1)
			if data == string(base) {
				t.Fatalf("fixture lacks %q", tt.old)
			}
			_, err := ParseTokenizerJSON("bad.json", []byte(data))
			if err == nil || !strings.Contains(err.Error(), tt.want) || !strings.HasPrefix(err.Error(), "workloads: bad.json: ") {
				t.Errorf("error %v, want one containing %q", err, tt.want)
			}
		})
	}
}

// TestTokenizerJSONMatchesCl100k writes cl100k_base as a tokenizer.json in
// Llama 3's layout (Llama 3's vocabulary extends cl100k's, with the same
// split pattern), loads it through the reader and checks that it encodes
// like tiktoken. The merges are every split of a token into two tokens,
// ranked by the token's id, which is how tiktoken ranks merges.
func TestTokenizerJSONMatchesCl100k(t *testing.T) {
	if testing.Short() {
		t.Skip("builds a full-size vocabulary")
	}
	t.Parallel()
	ref, _ := NewTokenizer(TokenizerCl100k)
	data := cl100kAsTokenizerJSON(t, ref)
	start := time.Now()
	tok, err := ParseTokenizerJSON("cl100k-as-llama3.json", data)
	if err != nil {
		t.Fatal(err)
	}
	t.Logf("%d MB tokenizer.json loaded in %v", len(data)>>20, time.Since(start).Round(time.Millisecond))
	texts := []string{
		"hello world", "hello   world", "supercalifragilistic", "tiktoken is great!", "  leading and trailing  \n\n",
		"I'm sure they'll say it's 12345 or 6789.", "naïve café — 東京 ✓ 🚀", "tabs\tand\r\nnewlines\n\n\nend",
		corpusText[:30000],
	}
	for _, text := range texts {
		want, got := ref.Encode(text), tok.Encode(text)
		if !slices.Equal(got, want) {
			t.Errorf("%.40q: %d ids, tiktoken %d", text, len(got), len(want))
			continue
		}
		if d := tok.Decode(got); d != text {
			t.Errorf("%.40q: decodes to %.40q", text, d)
		}
	}
}

func cl100kAsTokenizerJSON(t testing.TB, ref Tokenizer) []byte {
	t.Helper()
	const n = 100256 // ids 0..100255 are ordinary tokens
	tokens := make([]string, n)
	vocab := make(map[string]int, n)
	for id := 0; id < n; id++ {
		b := ref.Decode([]int{id})
		tokens[id] = b
		vocab[byteLevelEncode(b)] = id
	}
	var merges [][2]string
	for id, tok := range tokens {
		for k := 1; k < len(tok); k++ {
			if _, ok := vocab[byteLevelEncode(tok[:k])]; !ok {
				continue
			}
			if _, ok := vocab[byteLevelEncode(tok[k:])]; ok {
				merges = append(merges, [2]string{byteLevelEncode(tok[:k]), byteLevelEncode(tok[k:])})
			}
		}
		_ = id // merges are appended in id order, which is their rank
	}
	f := map[string]any{
		"added_tokens": []map[string]any{{"id": 100257, "content": "<|endoftext|>", "special": true}},
		"normalizer":   nil,
		"pre_tokenizer": map[string]any{"type": "Sequence", "pretokenizers": []any{
			map[string]any{"type": "Split", "behavior": "Isolated", "invert": false, "pattern": map[string]string{
				"Regex": `(?i:'s|'t|'re|'ve|'m|'ll|'d)|[^\r\n\p{L}\p{N}]?\p{L}+|\p{N}{1,3}| ?[^\s\p{L}\p{N}]+[\r\n]*|\s*[\r\n]+|\s+(?!\S)|\s+`}},
			map[string]any{"type": "ByteLevel", "add_prefix_space": false, "trim_offsets": true, "use_regex": false},
		}},
		"decoder": map[string]any{"type": "ByteLevel", "add_prefix_space": true, "trim_offsets": true, "use_regex": true},
		"model":   map[string]any{"type": "BPE", "ignore_merges": true, "vocab": vocab, "merges": merges},
	}
	b, err := json.Marshal(f)
	if err != nil {
		t.Fatal(err)
	}
	return b
}

func FuzzLoadTokenizerJSON(f *testing.F) {
	for _, name := range []string{"llama3-style.json", "gpt2-style.json", "sentencepiece-style.json"} {
		b, err := os.ReadFile(filepath.Join("testdata", "tokenizer", name))
		if err != nil {
			f.Fatal(err)
		}
		f.Add(b)
	}
	f.Add([]byte(`{"model":{"vocab":{"a":0,"b":1,"ab":2},"merges":[["a","b"]]},"pre_tokenizer":{"type":"Split","pattern":{"String":"b"},"behavior":"MergedWithNext"}}`))
	f.Add([]byte(`{"model":{"vocab":{"a":0},"merges":[]},"decoder":{"type":"Strip","content":"","start":3}}`))
	f.Fuzz(func(t *testing.T, data []byte) {
		tok, err := ParseTokenizerJSON("fuzz.json", data)
		if err != nil {
			if !strings.HasPrefix(err.Error(), "workloads: fuzz.json: ") {
				t.Fatalf("error without file name: %v", err)
			}
			return
		}
		for _, s := range []string{"", "hello the world", "he's 12345 café\n\n<|eot_id|>", "\xff\xfe"} {
			ids := tok.Encode(s)
			if tok.Count(s) != len(ids) {
				t.Fatalf("Count and Encode disagree on %q", s)
			}
			tok.Decode(ids)
			tok.Decode([]int{-1, 0, 1 << 40})
		}
	})
}
