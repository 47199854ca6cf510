package workloads

import (
	"path/filepath"
	"slices"
	"strings"
	"testing"
)

func TestTiktokenKnownTokens(t *testing.T) {
	// Ids as OpenAI's tiktoken gives them.
	tests := []struct {
		name, spec, text string
		ids              []int
	}{
		{"cl100k hello world", TokenizerCl100k, "hello world", []int{15339, 1917}},
		{"cl100k two spaces", TokenizerCl100k, "hello  world", []int{15339, 220, 1917}},
		{"cl100k long word", TokenizerCl100k, "supercalifragilistic", []int{13066, 3035, 278, 333, 4193, 321, 4633}},
		{"cl100k sentence", TokenizerCl100k, "tiktoken is great!", []int{83, 1609, 5963, 374, 2294, 0}},
		{"o200k hello world", TokenizerO200k, "hello world", []int{24912, 2375}},
		{"o200k three spaces", TokenizerO200k, "hello   world", []int{24912, 256, 2375}},
		{"o200k long word", TokenizerO200k, "supercalifragilistic", []int{17789, 5842, 366, 17764, 311, 6207}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			tok, err := NewTokenizer(tt.spec)
			if err != nil {
				t.Fatal(err)
			}
			if got := tok.Encode(tt.text); !slices.Equal(got, tt.ids) {
				t.Errorf("Encode(%q) = %v, want %v", tt.text, got, tt.ids)
			}
			if got := tok.Count(tt.text); got != len(tt.ids) {
				t.Errorf("Count(%q) = %d, want %d", tt.text, got, len(tt.ids))
			}
			if got := tok.Decode(tt.ids); got != tt.text {
				t.Errorf("Decode = %q, want %q", got, tt.text)
			}
		})
	}
}

func TestTiktokenDecodeSkipsUnknownIDs(t *testing.T) {
	tok, _ := NewTokenizer(TokenizerCl100k)
	if got := tok.Decode([]int{15339, -1, 1 << 40, 1917}); got != "hello world" {
		t.Errorf("Decode with unknown ids = %q", got)
	}
}

func TestNewTokenizer(t *testing.T) {
	tests := []struct {
		spec, wantName string
		wantErr        bool
	}{
		{spec: "", wantName: "approx"},
		{spec: "approx", wantName: "approx"},
		{spec: "CL100K", wantName: "cl100k_base"},
		{spec: "o200k_base", wantName: "o200k_base"},
		{spec: filepath.Join("testdata", "tokenizer", "llama3-style.json"), wantName: "tokenizer.json:llama3-style.json"},
		{spec: "gpt-17", wantErr: true},
		{spec: filepath.Join("testdata", "nothing-here.json"), wantErr: true},
	}
	for _, tt := range tests {
		t.Run(tt.spec, func(t *testing.T) {
			tok, err := NewTokenizer(tt.spec)
			if tt.wantErr {
				if err == nil || !strings.HasPrefix(err.Error(), "workloads: ") {
					t.Fatalf("want a workloads error, got %v", err)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if tok.Name() != tt.wantName {
				t.Errorf("Name() = %q, want %q", tok.Name(), tt.wantName)
			}
		})
	}
}

func TestApproxTokenizerAgreesWithApproxTokens(t *testing.T) {
	tok := Approx()
	for _, text := range []string{
		"", "  ", "the", " the old  man\n", "abcdefghijklm", "ééééééé tail", "one\ttwo\nthree ",
		corpusText[:2000],
	} {
		ids := tok.Encode(text)
		if len(ids) != ApproxTokens(text) || tok.Count(text) != ApproxTokens(text) {
			t.Errorf("%q: %d ids, Count %d, ApproxTokens %d", text, len(ids), tok.Count(text), ApproxTokens(text))
		}
		want := text
		if strings.TrimSpace(text) == "" {
			want = "" // whitespace alone is no token
		}
		if got := tok.Decode(ids); got != want {
			t.Errorf("Decode(Encode(%q)) = %q", text, got)
		}
	}
}

// TestTokenizersRoundTripCorpus checks that every tokenizer decodes its
// encoding of the corpus back to the text and counts what it encodes.
func TestTokenizersRoundTripCorpus(t *testing.T) {
	text := corpusText[:20000]
	for _, spec := range []string{TokenizerApprox, TokenizerCl100k, TokenizerO200k} {
		t.Run(spec, func(t *testing.T) {
			tok, _ := NewTokenizer(spec)
			ids := tok.Encode(text)
			if got := tok.Decode(ids); got != text {
				t.Errorf("round trip differs")
			}
			if tok.Count(text) != len(ids) {
				t.Errorf("Count %d, %d ids", tok.Count(text), len(ids))
			}
		})
	}
}

// TestTokenizersConcurrent runs every tokenizer from several goroutines, as
// sources and calibration do (go test -race checks the sharing).
func TestTokenizersConcurrent(t *testing.T) {
	toks := []Tokenizer{Approx(), loadTestTokenizer(t, "llama3-style.json")}
	for _, spec := range []string{TokenizerCl100k, TokenizerO200k} {
		tok, _ := NewTokenizer(spec)
		toks = append(toks, tok)
	}
	for _, tok := range toks {
		want := TextOfTokens(tok, 1, 200)
		done := make(chan string, 4)
		for g := 0; g < 4; g++ {
			go func() { done <- TextOfTokens(tok, 1, 200) }()
		}
		for g := 0; g < 4; g++ {
			if got := <-done; got != want {
				t.Errorf("%s: concurrent calls disagree", tok.Name())
			}
		}
	}
}
