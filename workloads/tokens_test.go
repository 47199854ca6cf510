package workloads

import (
	"strings"
	"testing"
	"unicode/utf8"
)

func TestApproxTokens(t *testing.T) {
	tests := []struct {
		name string
		text string
		want int
	}{
		{"empty", "", 0},
		{"spaces only", " \n\t ", 0},
		{"one word", "the", 1},
		{"six letters", "people", 1},
		{"seven letters", "country", 2},
		{"thirteen runes", "abcdefghijklm", 3},
		{"multibyte counts runes", "ééééééé", 2},
		{"words and newlines", "the old\nman  went\thome", 5},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := ApproxTokens(tt.text); got != tt.want {
				t.Errorf("ApproxTokens(%q) = %d, want %d", tt.text, got, tt.want)
			}
		})
	}
}

func TestWordsAreOneTokenEach(t *testing.T) {
	if len(Words) < 200 {
		t.Fatalf("only %d words", len(Words))
	}
	for _, w := range Words {
		if utf8.RuneCountInString(w) > 6 || ApproxTokens(w) != 1 {
			t.Errorf("word %q is not one token", w)
		}
	}
	if got := ApproxTokens(strings.Join(Words, " ")); got != len(Words) {
		t.Errorf("joined words count %d tokens, want %d", got, len(Words))
	}
}
