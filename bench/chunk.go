package bench

import (
	"encoding/json"
	"errors"
	"fmt"
	"strings"

	openai "github.com/sashabaranov/go-openai"
)

// chunk is the part of a streamed chat.completion.chunk or text_completion
// event that measurement needs. Unknown fields are ignored; the engine
// extensions worth keeping (llama.cpp "timings", SGLang "meta_info") are
// kept raw.
type chunk struct {
	ID       string          `json:"id"`
	Choices  []chunkChoice   `json:"choices"`
	Usage    *usage          `json:"usage"`
	Error    json.RawMessage `json:"error"`
	Timings  json.RawMessage `json:"timings"`
	MetaInfo json.RawMessage `json:"meta_info"`
	// Object is "error" for vLLM's in-stream error shape,
	// {"object":"error","message":...,"code":400}.
	Object errorKind `json:"object"`
}

// errorKind is true for an object field of "error". It decodes without
// allocating, since every event carries an object field.
type errorKind bool

func (k *errorKind) UnmarshalJSON(b []byte) error {
	*k = string(b) == `"error"`
	return nil
}

// errorObject returns the error object an event (whose JSON is data)
// carries: its "error" field (OpenAI, llama.cpp), or the event itself when
// its object is "error" (vLLM); nil when it is no error.
func (c *chunk) errorObject(data []byte) json.RawMessage {
	if len(c.Error) > 0 && string(c.Error) != "null" {
		return c.Error
	}
	if c.Object {
		return json.RawMessage(data)
	}
	return nil
}

// inBandClass is the class of an error sent inside a 2xx answer: that of
// the HTTP status it names (http_429, http_4xx, http_5xx), else http_5xx.
func inBandClass(code int) string {
	if code >= 400 && code < 600 {
		return statusClass(code)
	}
	return ErrHTTP5xx
}

type chunkChoice struct {
	Delta        chunkDelta `json:"delta"`
	Text         string     `json:"text"` // completions API
	FinishReason string     `json:"finish_reason"`
	// Logprobs lists one entry per token of the event when the request
	// asked for logprobs: chat puts them in content, completions in tokens.
	Logprobs *chunkLogprobs `json:"logprobs"`
}

// chunkDelta is a chat choice's delta (and, in a JSON answer, its message).
type chunkDelta struct {
	Content          string          `json:"content"`
	ReasoningContent string          `json:"reasoning_content"`
	Reasoning        string          `json:"reasoning"`
	ToolCalls        []toolCallDelta `json:"tool_calls"`
}

// chunkLogprobs holds an event's logprobs entries. Only their number is
// needed: chat lists objects in content, completions strings in tokens.
type chunkLogprobs struct {
	Content entryCount `json:"content"`
	Tokens  entryCount `json:"tokens"`
}

// entryCount is the number of elements of a JSON array (0 for null),
// whatever their type.
type entryCount int

var errNotArray = errors.New("logprobs entries are not an array")

func (n *entryCount) UnmarshalJSON(b []byte) error {
	s := chunkScanner{data: b}
	if !s.entries(n) {
		return errNotArray
	}
	return nil
}

type toolCallDelta struct {
	Index    *int   `json:"index"`
	ID       string `json:"id"`
	Type     string `json:"type"`
	Function struct {
		Name      string `json:"name"`
		Arguments string `json:"arguments"`
	} `json:"function"`
}

type usage struct {
	PromptTokens            int                `json:"prompt_tokens"`
	CompletionTokens        int                `json:"completion_tokens"`
	PromptTokensDetails     *promptDetails     `json:"prompt_tokens_details"`
	CompletionTokensDetails *completionDetails `json:"completion_tokens_details"`
}

type promptDetails struct {
	CachedTokens *int `json:"cached_tokens"`
}

type completionDetails struct {
	ReasoningTokens *int `json:"reasoning_tokens"`
}

// tokenBearing reports whether the chunk carries at least one generated
// token: content, reasoning, a tool-call delta, or completion text. A
// role-only or empty delta does not (METRICS.md, t_first).
func (c *chunk) tokenBearing() bool {
	for i := range c.Choices {
		ch := &c.Choices[i]
		if ch.Delta.Content != "" || ch.Delta.ReasoningContent != "" || ch.Delta.Reasoning != "" ||
			len(ch.Delta.ToolCalls) > 0 || ch.Text != "" {
			return true
		}
	}
	return false
}

// loggedTokens returns the number of tokens the event's logprobs list, or
// -1 when a token-bearing choice has none (the count is then unknown).
func (c *chunk) loggedTokens() int {
	n := 0
	for i := range c.Choices {
		lp := c.Choices[i].Logprobs
		if lp == nil || lp.Content+lp.Tokens == 0 {
			return -1
		}
		n += int(lp.Content + lp.Tokens)
	}
	return n
}

// inBandError describes an error object sent inside a 2xx stream, and the
// HTTP status it names (0 when none).
func inBandError(raw json.RawMessage) (msg string, code int) {
	var e struct {
		Message string          `json:"message"`
		Type    string          `json:"type"`
		Code    json.RawMessage `json:"code"`
	}
	if json.Unmarshal(raw, &e) != nil {
		var s string
		if json.Unmarshal(raw, &s) == nil {
			return s, 0
		}
		return truncate(string(raw), 300), 0
	}
	var n int
	if json.Unmarshal(e.Code, &n) != nil {
		var s string
		if json.Unmarshal(e.Code, &s) == nil {
			fmt.Sscanf(s, "%d", &n)
		}
	}
	msg = e.Message
	if e.Type != "" {
		msg = e.Type + ": " + msg
	}
	return msg, n
}

// replyBuilder assembles the answer text and tool calls for multi-turn
// sources.
type replyBuilder struct {
	content, reasoning strings.Builder
	calls              []openai.ToolCall
}

func (b *replyBuilder) add(c *chunk) {
	for i := range c.Choices {
		ch := &c.Choices[i]
		b.content.WriteString(ch.Delta.Content)
		b.content.WriteString(ch.Text)
		b.reasoning.WriteString(ch.Delta.ReasoningContent)
		b.reasoning.WriteString(ch.Delta.Reasoning)
		for _, d := range ch.Delta.ToolCalls {
			b.addToolCall(d)
		}
	}
}

// textBytes is the length of the generated text received: content,
// reasoning, tool names and arguments.
func (b *replyBuilder) textBytes() int {
	n := b.content.Len() + b.reasoning.Len()
	for _, c := range b.calls {
		n += len(c.Function.Name) + len(c.Function.Arguments)
	}
	return n
}

// addToolCall merges one streamed tool-call delta: the first delta of a call
// carries its id, type and name; later ones append argument fragments. A
// delta without an index continues the last call (some servers omit it).
func (b *replyBuilder) addToolCall(d toolCallDelta) {
	idx := len(b.calls) - 1
	if d.Index != nil {
		idx = *d.Index
	} else if d.ID != "" || idx < 0 {
		idx = len(b.calls)
	}
	if idx < 0 || idx > 1<<12 {
		return
	}
	for len(b.calls) <= idx {
		n := len(b.calls)
		b.calls = append(b.calls, openai.ToolCall{Index: &n, Type: openai.ToolTypeFunction})
	}
	tc := &b.calls[idx]
	// The delta's strings may point into the event's bytes: copies are kept.
	if d.ID != "" {
		tc.ID = strings.Clone(d.ID)
	}
	if d.Type != "" {
		tc.Type = openai.ToolType(strings.Clone(d.Type))
	}
	if tc.Function.Name == "" {
		tc.Function.Name = strings.Clone(d.Function.Name) // later deltas repeat it or leave it empty
	}
	if tc.Function.Arguments == "" {
		tc.Function.Arguments = strings.Clone(d.Function.Arguments) // "" + s would be s itself
	} else {
		tc.Function.Arguments += d.Function.Arguments
	}
}

func truncate(s string, n int) string {
	if len(s) <= n {
		return s
	}
	return s[:n] + "..."
}
