package workloads

import (
	"fmt"
	"strconv"
	"strings"
	"unicode/utf8"
)

// hfDecodeStep rewrites the token strings of a decode, as one step of a
// Hugging Face decoder chain.
type hfDecodeStep func([]string) []string

func newHFDecoder(c *hfComponent) ([]hfDecodeStep, error) {
	switch c.Type {
	case "Sequence":
		var steps []hfDecodeStep
		for i := range c.Decoders {
			s, err := newHFDecoder(&c.Decoders[i])
			if err != nil {
				return nil, fmt.Errorf("decoders[%d]: %w", i, err)
			}
			steps = append(steps, s...)
		}
		return steps, nil
	case "ByteLevel":
		// Byte-level tokens can end inside a character, so the bytes of all
		// tokens are joined before they become a string.
		return []hfDecodeStep{func(toks []string) []string {
			var b []byte
			for _, t := range toks {
				b = append(b, byteLevelDecode(t)...)
			}
			return []string{string(b)}
		}}, nil
	case "ByteFallback":
		return []hfDecodeStep{byteFallbackDecode}, nil
	case "Fuse":
		return []hfDecodeStep{func(toks []string) []string { return []string{strings.Join(toks, "")} }}, nil
	case "Replace":
		r, err := newReplace(c)
		if err != nil {
			return nil, err
		}
		return []hfDecodeStep{func(toks []string) []string {
			for i, t := range toks {
				toks[i] = r(t)
			}
			return toks
		}}, nil
	case "Strip":
		content, start, stop := c.Content, c.Start, c.Stop
		if start < 0 || stop < 0 {
			return nil, fmt.Errorf("Strip: negative start or stop")
		}
		return []hfDecodeStep{func(toks []string) []string {
			for i, t := range toks {
				for n := 0; n < start && strings.HasPrefix(t, content) && content != ""; n++ {
					t = t[len(content):]
				}
				for n := 0; n < stop && strings.HasSuffix(t, content) && content != ""; n++ {
					t = t[:len(t)-len(content)]
				}
				toks[i] = t
			}
			return toks
		}}, nil
	case "Metaspace":
		repl := c.Replacement
		if repl == "" {
			repl = "▁"
		}
		strip := c.PrependScheme != "never" && (c.PrependScheme != "" || boolOr(c.AddPrefixSpace, true))
		return []hfDecodeStep{func(toks []string) []string {
			for i, t := range toks {
				if i == 0 && strip {
					toks[i] = strings.ReplaceAll(t, repl, "") // as Hugging Face does
				} else {
					toks[i] = strings.ReplaceAll(t, repl, " ")
				}
			}
			return toks
		}}, nil
	}
	return nil, fmt.Errorf("type %q: not supported", c.Type)
}

// byteFallbackDecode turns runs of <0xXX> tokens into the bytes they stand
// for; a run that is not valid UTF-8 becomes one U+FFFD per byte, as in
// Hugging Face.
func byteFallbackDecode(toks []string) []string {
	var out []string
	var run []byte
	flush := func() {
		if len(run) == 0 {
			return
		}
		if utf8.Valid(run) {
			out = append(out, string(run))
		} else {
			out = append(out, strings.Repeat("\uFFFD", len(run)))
		}
		run = run[:0]
	}
	for _, t := range toks {
		if len(t) == 6 && strings.HasPrefix(t, "<0x") && t[5] == '>' {
			if v, err := strconv.ParseUint(t[3:5], 16, 8); err == nil {
				run = append(run, byte(v))
				continue
			}
		}
		flush()
		out = append(out, t)
	}
	flush()
	return out
}
