package workloads

import (
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"regexp"
	"sort"
	"strings"
	"unicode"
)

// A Hugging Face tokenizer.json is read by our own small reader rather than
// github.com/sugarme/tokenizer (v0.3.0, the only version served): that
// library compiles Split pre-tokenizer patterns with Go's regexp, which has
// no look-ahead, so the pattern of every Llama-3, Qwen2/3 and DeepSeek
// tokenizer (`\s+(?!\S)`) makes it panic; it also joins array-form merges
// with a space and reads fields with unchecked type assertions, so a
// malformed file panics instead of failing. This reader runs patterns with
// github.com/dlclark/regexp2 (Perl/.NET syntax with look-around, already
// linked in by tiktoken-go) and supports what byte-level and SentencePiece-
// style BPE tokenizers use; anything else is refused with an error naming
// the field, never mis-counted silently.

// maxTokenizerJSONBytes bounds the file read (Llama 3's is 9 MB).
const maxTokenizerJSONBytes = 256 << 20

// LoadTokenizerJSON reads a Hugging Face tokenizer.json (model type BPE).
func LoadTokenizerJSON(path string) (Tokenizer, error) {
	fi, err := os.Stat(path)
	if err != nil {
		return nil, fmt.Errorf("workloads: tokenizer: %w", err)
	}
	if fi.Size() > maxTokenizerJSONBytes {
		return nil, fmt.Errorf("workloads: %s: %d bytes, more than a tokenizer.json holds", path, fi.Size())
	}
	b, err := os.ReadFile(path)
	if err != nil {
		return nil, fmt.Errorf("workloads: tokenizer: %w", err)
	}
	return ParseTokenizerJSON(filepath.Base(path), b)
}

// ParseTokenizerJSON builds a Tokenizer from the contents of a
// tokenizer.json; name labels errors and Name().
func ParseTokenizerJSON(name string, data []byte) (Tokenizer, error) {
	var f hfFile
	if err := json.Unmarshal(data, &f); err != nil {
		return nil, fmt.Errorf("workloads: %s: %w", name, err)
	}
	errf := func(field string, err error) error { return fmt.Errorf("workloads: %s: %s: %w", name, field, err) }
	t := &hfTokenizer{name: "tokenizer.json:" + name}
	var err error
	if t.model, err = newHFBPE(f.Model); err != nil {
		return nil, errf("model", err)
	}
	if f.Normalizer != nil {
		if t.norm, err = newHFNormalizer(f.Normalizer); err != nil {
			return nil, errf("normalizer", err)
		}
	}
	if f.PreTokenizer != nil {
		if t.pre, err = newHFPreTokenizer(f.PreTokenizer); err != nil {
			return nil, errf("pre_tokenizer", err)
		}
	}
	if f.Decoder != nil {
		if t.dec, err = newHFDecoder(f.Decoder); err != nil {
			return nil, errf("decoder", err)
		}
	}
	if err := t.addTokens(f.AddedTokens); err != nil {
		return nil, errf("added_tokens", err)
	}
	return t, nil
}

// hfFile is the part of tokenizer.json that decides token ids. The
// post_processor (BOS and EOS around a sequence) is left out on purpose:
// Count counts text, and the server's special tokens are measured by
// calibration.
type hfFile struct {
	AddedTokens  []hfAddedToken `json:"added_tokens"`
	Normalizer   *hfComponent   `json:"normalizer"`
	PreTokenizer *hfComponent   `json:"pre_tokenizer"`
	Model        hfModelJSON    `json:"model"`
	Decoder      *hfComponent   `json:"decoder"`
}

type hfAddedToken struct {
	ID         int    `json:"id"`
	Content    string `json:"content"`
	SingleWord bool   `json:"single_word"`
	LStrip     bool   `json:"lstrip"`
	RStrip     bool   `json:"rstrip"`
	Special    bool   `json:"special"`
}

// hfComponent holds the fields of every normalizer, pre-tokenizer and
// decoder type we read; each type uses a few.
type hfComponent struct {
	Type          string        `json:"type"`
	Normalizers   []hfComponent `json:"normalizers"`
	PreTokenizers []hfComponent `json:"pretokenizers"`
	Decoders      []hfComponent `json:"decoders"`
	// ByteLevel
	AddPrefixSpace *bool `json:"add_prefix_space"`
	UseRegex       *bool `json:"use_regex"`
	// Split, Replace
	Pattern  *hfPattern `json:"pattern"`
	Behavior string     `json:"behavior"`
	Invert   bool       `json:"invert"`
	Content  string     `json:"content"`
	// Prepend
	Prepend string `json:"prepend"`
	// Metaspace
	Replacement   string `json:"replacement"`
	PrependScheme string `json:"prepend_scheme"`
	Split         *bool  `json:"split"`
	// Digits
	IndividualDigits bool `json:"individual_digits"`
	// Strip (normalizer and decoder)
	StripLeft  bool `json:"strip_left"`
	StripRight bool `json:"strip_right"`
	Start      int  `json:"start"`
	Stop       int  `json:"stop"`
}

type hfPattern struct {
	Regex  *string `json:"Regex"`
	String *string `json:"String"`
}

// hfTokenizer runs the tokenizer.json pipeline: added tokens are cut out of
// the text first, the rest is normalized, pre-tokenized into pieces and each
// piece encoded by the BPE model.
type hfTokenizer struct {
	name    string
	norm    hfNormalizer
	pre     []hfPreStep
	model   *hfBPE
	dec     []hfDecodeStep
	added   map[string]int
	addedRe *regexp.Regexp
	addedBy map[string]hfAddedToken
}

func (t *hfTokenizer) Name() string { return t.name }

func (t *hfTokenizer) Count(text string) int { return len(t.Encode(text)) }

func (t *hfTokenizer) addTokens(list []hfAddedToken) error {
	if len(list) == 0 {
		return nil
	}
	t.added = map[string]int{}
	t.addedBy = map[string]hfAddedToken{}
	var alts []string
	for i, a := range list {
		if a.Content == "" {
			return fmt.Errorf("[%d]: empty content", i)
		}
		if a.ID < 0 {
			return fmt.Errorf("[%d]: negative id %d", i, a.ID)
		}
		if _, dup := t.added[a.Content]; !dup {
			alts = append(alts, a.Content)
		}
		t.added[a.Content] = a.ID
		t.addedBy[a.Content] = a
		t.model.setToken(a.ID, a.Content)
	}
	// Longest first: Go's leftmost-first alternation then takes the longest
	// added token that starts at a position.
	sort.Slice(alts, func(i, j int) bool { return len(alts[i]) > len(alts[j]) })
	for i, a := range alts {
		alts[i] = regexp.QuoteMeta(a)
	}
	re, err := regexp.Compile(strings.Join(alts, "|"))
	if err != nil {
		return err
	}
	t.addedRe = re
	return nil
}

// Encode cuts added tokens out of text and encodes the text between them.
func (t *hfTokenizer) Encode(text string) []int {
	var out []int
	if t.addedRe == nil {
		return t.encodeText(text, out)
	}
	pos := 0
	for _, m := range t.addedRe.FindAllStringIndex(text, -1) {
		start, end := m[0], m[1]
		if start < pos {
			continue // swallowed by the previous token's rstrip
		}
		content := text[start:end]
		a := t.addedBy[content]
		if a.SingleWord && !singleWord(text, start, end) {
			continue
		}
		if a.LStrip {
			for start > pos && unicode.IsSpace(rune(text[start-1])) {
				start--
			}
		}
		if a.RStrip {
			for end < len(text) && unicode.IsSpace(rune(text[end])) {
				end++
			}
		}
		out = t.encodeText(text[pos:start], out)
		out = append(out, t.added[content])
		pos = end
	}
	return t.encodeText(text[pos:], out)
}

// singleWord reports whether text[start:end] stands alone as a word.
func singleWord(text string, start, end int) bool {
	isWord := func(b byte) bool { return b == '_' || b >= '0' && b <= '9' || b|0x20 >= 'a' && b|0x20 <= 'z' }
	return (start == 0 || !isWord(text[start-1])) && (end == len(text) || !isWord(text[end]))
}

func (t *hfTokenizer) encodeText(text string, out []int) []int {
	if text == "" {
		return out
	}
	if t.norm != nil {
		text = t.norm(text)
	}
	pieces := []string{text}
	for _, step := range t.pre {
		pieces = step(pieces)
	}
	for _, p := range pieces {
		out = t.model.encodeWord(p, out)
	}
	return out
}

// Decode maps ids to token strings and runs the decoder chain; without a
// decoder Hugging Face joins the tokens with spaces, and so do we.
func (t *hfTokenizer) Decode(ids []int) string {
	toks := make([]string, 0, len(ids))
	for _, id := range ids {
		if s, ok := t.model.token(id); ok {
			toks = append(toks, s)
		}
	}
	if t.dec == nil {
		return strings.Join(toks, " ")
	}
	for _, step := range t.dec {
		toks = step(toks)
	}
	return strings.Join(toks, "")
}
