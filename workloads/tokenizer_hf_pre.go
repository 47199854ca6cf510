package workloads

import (
	"fmt"
	"regexp"
	"strings"
	"time"
	"unicode"

	"github.com/dlclark/regexp2/v2"
	"golang.org/x/text/unicode/norm"
)

// hfNormalizer rewrites text before it is split.
type hfNormalizer func(string) string

// hfPreStep splits (and may rewrite) the pieces of a text.
type hfPreStep func([]string) []string

// gpt2Pattern is the split pattern of the ByteLevel pre-tokenizer when
// use_regex is on (GPT-2's).
const gpt2Pattern = `'s|'t|'re|'ve|'m|'ll|'d| ?\p{L}+| ?\p{N}+| ?[^\s\p{L}\p{N}]+|\s+(?!\S)|\s+`

// patternTimeout bounds one pattern search, so that a hostile pattern in a
// tokenizer.json cannot hang a run; the rest of the piece is kept whole.
const patternTimeout = 2 * time.Second

func newHFNormalizer(c *hfComponent) (hfNormalizer, error) {
	switch c.Type {
	case "NFC":
		return norm.NFC.String, nil
	case "NFD":
		return norm.NFD.String, nil
	case "NFKC":
		return norm.NFKC.String, nil
	case "NFKD":
		return norm.NFKD.String, nil
	case "Lowercase":
		return strings.ToLower, nil
	case "Prepend":
		p := c.Prepend
		return func(s string) string {
			if s == "" {
				return s
			}
			return p + s
		}, nil
	case "Replace":
		return newReplace(c)
	case "Strip":
		l, r := c.StripLeft, c.StripRight
		return func(s string) string {
			if l {
				s = strings.TrimLeftFunc(s, unicode.IsSpace)
			}
			if r {
				s = strings.TrimRightFunc(s, unicode.IsSpace)
			}
			return s
		}, nil
	case "Sequence":
		var steps []hfNormalizer
		for i := range c.Normalizers {
			n, err := newHFNormalizer(&c.Normalizers[i])
			if err != nil {
				return nil, fmt.Errorf("normalizers[%d]: %w", i, err)
			}
			steps = append(steps, n)
		}
		return func(s string) string {
			for _, n := range steps {
				s = n(s)
			}
			return s
		}, nil
	}
	return nil, fmt.Errorf("type %q: not supported", c.Type)
}

// newReplace replaces a String or Regex pattern with content.
func newReplace(c *hfComponent) (func(string) string, error) {
	switch {
	case c.Pattern == nil:
		return nil, fmt.Errorf("Replace: no pattern")
	case c.Pattern.String != nil:
		if *c.Pattern.String == "" {
			return nil, fmt.Errorf("Replace: empty pattern")
		}
		old, content := *c.Pattern.String, c.Content
		return func(s string) string { return strings.ReplaceAll(s, old, content) }, nil
	case c.Pattern.Regex != nil:
		re, err := regexp.Compile(*c.Pattern.Regex)
		if err != nil {
			return nil, fmt.Errorf("Replace pattern: %w", err)
		}
		content := c.Content
		return func(s string) string { return re.ReplaceAllLiteralString(s, content) }, nil
	}
	return nil, fmt.Errorf("Replace: pattern has neither String nor Regex")
}

func newHFPreTokenizer(c *hfComponent) ([]hfPreStep, error) {
	switch c.Type {
	case "Sequence":
		var steps []hfPreStep
		for i := range c.PreTokenizers {
			s, err := newHFPreTokenizer(&c.PreTokenizers[i])
			if err != nil {
				return nil, fmt.Errorf("pretokenizers[%d]: %w", i, err)
			}
			steps = append(steps, s...)
		}
		return steps, nil
	case "ByteLevel":
		return []hfPreStep{byteLevelStep(boolOr(c.AddPrefixSpace, true), boolOr(c.UseRegex, true))}, nil
	case "Split":
		find, err := patternFinder(c.Pattern)
		if err != nil {
			return nil, fmt.Errorf("pattern: %w", err)
		}
		b, err := splitBehavior(c.Behavior)
		if err != nil {
			return nil, err
		}
		invert := c.Invert
		return []hfPreStep{eachPiece(func(p string) []string { return splitPiece(p, find(p), b, invert) })}, nil
	case "Metaspace":
		return metaspaceStep(c)
	case "Digits":
		re := regexp.MustCompile(`\p{Nd}+`)
		if c.IndividualDigits {
			re = regexp.MustCompile(`\p{Nd}`)
		}
		return []hfPreStep{eachPiece(func(p string) []string {
			return splitPiece(p, re.FindAllStringIndex(p, -1), splitIsolated, false)
		})}, nil
	case "WhitespaceSplit":
		return []hfPreStep{eachPiece(strings.Fields)}, nil
	case "Whitespace":
		re := regexp.MustCompile(`[\p{L}\p{N}\p{M}_]+|[^\p{L}\p{N}\p{M}_\s]+`) // Unicode \w, as in Rust
		return []hfPreStep{eachPiece(func(p string) []string { return re.FindAllString(p, -1) })}, nil
	case "Punctuation":
		b, err := splitBehavior(c.Behavior)
		if err != nil {
			return nil, err
		}
		re := regexp.MustCompile(`[\pP\pS]`)
		return []hfPreStep{eachPiece(func(p string) []string {
			return splitPiece(p, re.FindAllStringIndex(p, -1), b, false)
		})}, nil
	}
	return nil, fmt.Errorf("type %q: not supported", c.Type)
}

func boolOr(p *bool, def bool) bool {
	if p == nil {
		return def
	}
	return *p
}

func eachPiece(f func(string) []string) hfPreStep {
	return func(pieces []string) []string {
		var out []string
		for _, p := range pieces {
			out = append(out, f(p)...)
		}
		return out
	}
}

// patternFinder returns the match positions of a String or Regex pattern.
// Regexes use regexp2, for the look-ahead of current split patterns.
func patternFinder(p *hfPattern) (func(string) [][]int, error) {
	switch {
	case p == nil:
		return nil, fmt.Errorf("missing")
	case p.String != nil:
		if *p.String == "" {
			return nil, fmt.Errorf("empty String")
		}
		re := regexp.MustCompile(regexp.QuoteMeta(*p.String))
		return func(s string) [][]int { return re.FindAllStringIndex(s, -1) }, nil
	case p.Regex != nil:
		re, err := compileSplitPattern(*p.Regex)
		if err != nil {
			return nil, err
		}
		return func(s string) [][]int {
			m, err := re.FindAllStringIndex(s, -1)
			if err != nil {
				return nil // timed out: keep the piece whole
			}
			return m
		}, nil
	}
	return nil, fmt.Errorf("neither String nor Regex")
}

// compileSplitPattern compiles a split regex with regexp2. Compile checks it
// first; MustCompile then picks up a code-generated matcher when one is
// registered for the same pattern (tiktoken-go registers cl100k's, which
// Llama 3 uses), and compiles it again otherwise.
func compileSplitPattern(expr string) (re *regexp2.Regexp, err error) {
	if _, err := regexp2.Compile(expr, regexp2.None); err != nil {
		return nil, err
	}
	defer func() {
		if recover() != nil {
			re, err = nil, fmt.Errorf("pattern %q does not compile", expr)
		}
	}()
	re = regexp2.MustCompile(expr, regexp2.None)
	re.MatchTimeout = patternTimeout
	return re, nil
}

// byteLevelStep is the ByteLevel pre-tokenizer: an optional leading space,
// GPT-2's split when useRegex, then every byte mapped to a printable rune.
func byteLevelStep(addPrefixSpace, useRegex bool) hfPreStep {
	var find func(string) [][]int
	if useRegex {
		re, _ := compileSplitPattern(gpt2Pattern)
		find = func(s string) [][]int {
			m, _ := re.FindAllStringIndex(s, -1)
			return m
		}
	}
	return eachPiece(func(p string) []string {
		if addPrefixSpace && !strings.HasPrefix(p, " ") {
			p = " " + p
		}
		parts := []string{p}
		if find != nil {
			parts = splitPiece(p, find(p), splitIsolated, false)
		}
		for i, s := range parts {
			parts[i] = byteLevelEncode(s)
		}
		return parts
	})
}
