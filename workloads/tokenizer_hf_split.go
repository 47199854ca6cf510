package workloads

import (
	"fmt"
	"strings"
	"sync"
)

// splitBehavior says what a split does with the matched delimiters, as in
// Hugging Face's SplitDelimiterBehavior.
type splitBehaviorKind int

const (
	splitIsolated splitBehaviorKind = iota
	splitRemoved
	splitMergedWithPrevious
	splitMergedWithNext
	splitContiguous
)

func splitBehavior(s string) (splitBehaviorKind, error) {
	switch s {
	case "Isolated", "":
		return splitIsolated, nil
	case "Removed":
		return splitRemoved, nil
	case "MergedWithPrevious":
		return splitMergedWithPrevious, nil
	case "MergedWithNext":
		return splitMergedWithNext, nil
	case "Contiguous":
		return splitContiguous, nil
	}
	return 0, fmt.Errorf("behavior %q: not supported", s)
}

// splitPiece cuts p at the matches (sorted, non-overlapping byte ranges)
// and arranges the parts by behavior; invert treats the text between
// matches as the delimiters. Empty parts are dropped.
func splitPiece(p string, matches [][]int, b splitBehaviorKind, invert bool) []string {
	type seg struct {
		s, e  int
		match bool
	}
	var segs []seg
	pos := 0
	for _, m := range matches {
		if m[0] < pos || m[1] <= m[0] || m[1] > len(p) {
			continue // empty or out-of-order matches split nothing
		}
		if m[0] > pos {
			segs = append(segs, seg{pos, m[0], invert})
		}
		segs = append(segs, seg{m[0], m[1], !invert})
		pos = m[1]
	}
	if pos < len(p) {
		segs = append(segs, seg{pos, len(p), invert})
	}
	var out []seg
	switch b {
	case splitIsolated:
		out = segs
	case splitRemoved:
		for _, s := range segs {
			if !s.match {
				out = append(out, s)
			}
		}
	case splitMergedWithPrevious:
		prevMatch := false
		for _, s := range segs {
			if s.match && !prevMatch && len(out) > 0 {
				out[len(out)-1].e = s.e
			} else {
				out = append(out, s)
			}
			prevMatch = s.match
		}
	case splitMergedWithNext:
		prevMatch := false
		for i := len(segs) - 1; i >= 0; i-- {
			s := segs[i]
			if s.match && !prevMatch && len(out) > 0 {
				out[len(out)-1].s = s.s
			} else {
				out = append(out, s)
			}
			prevMatch = s.match
		}
		for i, j := 0, len(out)-1; i < j; i, j = i+1, j-1 {
			out[i], out[j] = out[j], out[i]
		}
	case splitContiguous:
		prevMatch := false
		for i, s := range segs {
			if i > 0 && s.match && prevMatch {
				out[len(out)-1].e = s.e
			} else {
				out = append(out, s)
			}
			prevMatch = s.match
		}
	}
	parts := make([]string, 0, len(out))
	for _, s := range out {
		if s.e > s.s {
			parts = append(parts, p[s.s:s.e])
		}
	}
	return parts
}

// metaspaceStep is SentencePiece's convention: spaces become a visible
// replacement character (▁), a leading one is prepended per the scheme, and
// pieces start at each replacement character.
func metaspaceStep(c *hfComponent) ([]hfPreStep, error) {
	repl := c.Replacement
	if repl == "" {
		repl = "▁"
	}
	scheme := c.PrependScheme
	if scheme == "" {
		scheme = "always"
		if c.AddPrefixSpace != nil && !*c.AddPrefixSpace {
			scheme = "never"
		}
	}
	if scheme != "always" && scheme != "first" && scheme != "never" {
		return nil, fmt.Errorf("prepend_scheme %q: want always, first or never", scheme)
	}
	split := boolOr(c.Split, true)
	return []hfPreStep{func(pieces []string) []string {
		var out []string
		for i, p := range pieces {
			p = strings.ReplaceAll(p, " ", repl)
			if (scheme == "always" || scheme == "first" && i == 0) && !strings.HasPrefix(p, repl) {
				p = repl + p
			}
			if !split {
				out = append(out, p)
				continue
			}
			var idx [][]int
			for off := 0; ; {
				j := strings.Index(p[off:], repl)
				if j < 0 {
					break
				}
				idx = append(idx, []int{off + j, off + j + len(repl)})
				off += j + len(repl)
			}
			out = append(out, splitPiece(p, idx, splitMergedWithNext, false)...)
		}
		return out
	}}, nil
}

// The GPT-2 byte-to-rune table of byte-level BPE: printable bytes map to
// themselves, the 68 others to U+0100 onwards, so that every byte string is
// a string of visible runes.
var byteLevelTables = sync.OnceValues(func() ([256]rune, map[rune]byte) {
	var enc [256]rune
	dec := make(map[rune]byte, 256)
	n := 0
	for b := 0; b < 256; b++ {
		if b >= '!' && b <= '~' || b >= 0xA1 && b <= 0xAC || b >= 0xAE {
			enc[b] = rune(b)
		} else {
			enc[b] = rune(256 + n)
			n++
		}
		dec[enc[b]] = byte(b)
	}
	return enc, dec
})

// byteLevelEncode maps every byte of s to its rune.
func byteLevelEncode(s string) string {
	enc, _ := byteLevelTables()
	var sb strings.Builder
	sb.Grow(len(s) * 2)
	for i := 0; i < len(s); i++ {
		sb.WriteRune(enc[s[i]])
	}
	return sb.String()
}

// byteLevelDecode maps the runes of a token back to bytes; a token with a
// rune outside the table (an added token, say) is kept as it is, as Hugging
// Face's ByteLevel decoder does.
func byteLevelDecode(tok string) []byte {
	_, dec := byteLevelTables()
	out := make([]byte, 0, len(tok))
	for _, r := range tok {
		b, ok := dec[r]
		if !ok {
			return []byte(tok)
		}
		out = append(out, b)
	}
	return out
}
