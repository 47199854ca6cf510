package sim

import (
	"encoding/json"
	"fmt"
	"strconv"
	"strings"
	"unicode"
	"unicode/utf8"

	"github.com/tokenbench/tokenbench/workloads"
)

// reasonToolCalls is the finish reason of an answer that is a complete tool
// call, as vLLM's tool parsers report it. The scheduler and /metrics see
// such a request as finished with "stop", as vLLM's engine does.
const reasonToolCalls = "tool_calls"

// Salts of the seeded draws of a tool call, apart from the text's.
const (
	saltCall  = 0x6a09e667f3bcc908 // whether to call at all
	saltPick  = 0xa54ff53a5f1d36f1 // which function
	saltID    = 0x1f83d9abfb41bd6b // the call id
	saltValue = 0x5be0cd19137e2179 // argument values
)

// toolCall is the one function call an answer makes instead of text.
type toolCall struct {
	id, name, args string   // args: the arguments JSON as sent, truncated when the cap cuts it
	nameTokens     int      // the first nameTokens tokens are the name's
	toks           []string // the output tokens: the name's pieces then the arguments' fragments
	hashes         []uint64 // prefix-cache keys of toks, as a next turn's prompt keys them
}

// planToolCall decides whether the answer with key key to req is a tool
// call and, when it is, returns the call and changes a to it: its tokens
// are those of the name and arguments (workloads.ApproxTokens of each),
// capped by maxTokens. A call is made when tool_choice requires one;
// otherwise with probability 1/2 when functions are offered and the last
// message is not a tool result. ignore_eos asks for exactly max_tokens
// tokens, which only text gives, so it turns the coin toss off.
func planToolCall(a *answer, t tools, maxTokens int, ignoreEOS bool) {
	switch {
	case t.mode == toolsNone || len(t.defs) == 0:
		return
	case t.mode == toolsAuto && (t.afterTool || ignoreEOS || splitmix64(a.key^saltCall)&1 == 0):
		return
	}
	def := t.defs[splitmix64(a.key^saltPick)%uint64(len(t.defs))]
	if t.forced > 0 {
		def = t.defs[t.forced-1]
	}
	c := &toolCall{
		id:   fmt.Sprintf("call_%016x%08x", splitmix64(a.key^saltID), uint32(splitmix64(a.key^saltID^1))),
		name: def.name,
		args: arguments(def.props, a.key^saltValue),
	}
	nameToks, argToks := splitTokens(c.name), splitTokens(c.args)
	c.nameTokens = len(nameToks)
	c.toks = append(nameToks, argToks...)
	c.hashes = appendTextTokens(appendTextTokens(nil, c.name), c.args)
	a.tokens, a.reason = len(c.toks), reasonToolCalls
	if a.tokens > maxTokens {
		a.tokens, a.reason = maxTokens, reasonLength
		c.toks, c.hashes = c.toks[:maxTokens], c.hashes[:maxTokens]
		c.args = strings.Join(c.toks[min(c.nameTokens, maxTokens):], "")
	}
	a.call = c
}

// arguments is a small JSON object of the properties, written as models
// write it (Python's json.dumps spacing): a word of workloads.Words for a
// string, a small integer for a number, true for a boolean, else null.
func arguments(props []toolProp, key uint64) string {
	var b strings.Builder
	b.WriteByte('{')
	for i, p := range props {
		if i > 0 {
			b.WriteString(", ")
		}
		name, _ := json.Marshal(p.name) // a string always marshals
		b.Write(name)
		b.WriteString(": ")
		v := splitmix64(key + uint64(i)*0x9e3779b97f4a7c15)
		switch p.typ {
		case "string":
			b.WriteString(strconv.Quote(workloads.Words[v%uint64(len(workloads.Words))]))
		case "number", "integer":
			b.WriteString(strconv.FormatUint(v%100, 10))
		case "boolean":
			b.WriteString("true")
		default:
			b.WriteString("null")
		}
	}
	b.WriteByte('}')
	return b.String()
}

// splitTokens cuts text into workloads.ApproxTokens(text) fragments whose
// concatenation is text: each word in pieces of up to six characters, the
// spaces before a word going with its first piece (those after the last
// word with its last).
func splitTokens(text string) []string {
	var cuts []int // where a fragment begins, after the first
	first, runes := true, 0
	inWord := false
	for i, r := range text {
		if unicode.IsSpace(r) {
			inWord = false
			continue
		}
		if !inWord {
			inWord, runes = true, 0
			if !first {
				cuts = append(cuts, wordStart(text, i))
			}
			first = false
		} else if runes%6 == 0 {
			cuts = append(cuts, i)
		}
		runes++
	}
	frags := make([]string, 0, len(cuts)+1)
	from := 0
	for _, c := range cuts {
		frags = append(frags, text[from:c])
		from = c
	}
	return append(frags, text[from:])
}

// wordStart is where the fragment of the word at i begins: after the
// previous word, so that the spaces between go with it.
func wordStart(text string, i int) int {
	for i > 0 {
		r, size := utf8.DecodeLastRuneInString(text[:i])
		if !unicode.IsSpace(r) {
			break
		}
		i -= size
	}
	return i
}

// Wire shapes of a tool call: whole (message.tool_calls) and streamed
// (delta.tool_calls, with its index; id, type and name only in the first).
type (
	toolCallJSON struct {
		Index    *int         `json:"index,omitempty"`
		ID       string       `json:"id,omitempty"`
		Type     string       `json:"type,omitempty"`
		Function functionJSON `json:"function"`
	}
	functionJSON struct {
		Name      string `json:"name,omitempty"`
		Arguments string `json:"arguments"`
	}
	toolDelta struct {
		ToolCalls []toolCallJSON `json:"tool_calls"`
	}
)

// whole is the call as message.tool_calls lists it.
func (c *toolCall) whole() []toolCallJSON {
	return []toolCallJSON{{ID: c.id, Type: "function", Function: functionJSON{Name: c.name, Arguments: c.args}}}
}

// deltas are the deltas of tokens from to to, as vLLM's tool parsers stream
// them: nothing while the name is generated, then one delta with the id,
// name and empty arguments, then the argument fragments. When the cap cuts
// the name short, the name is sent with the last token.
func (c *toolCall) deltas(from, to int) []*toolDelta {
	var out []*toolDelta
	index := 0
	if nameAt := min(c.nameTokens, len(c.toks)); from < nameAt && to >= nameAt {
		out = append(out, &toolDelta{ToolCalls: []toolCallJSON{{Index: &index, ID: c.id, Type: "function",
			Function: functionJSON{Name: c.name, Arguments: ""}}}})
	}
	if from = max(from, c.nameTokens); from < to {
		out = append(out, &toolDelta{ToolCalls: []toolCallJSON{{Index: &index,
			Function: functionJSON{Arguments: strings.Join(c.toks[from:to], "")}}}})
	}
	return out
}
