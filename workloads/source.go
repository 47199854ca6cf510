package workloads

import (
	"errors"
	"time"

	openai "github.com/sashabaranov/go-openai"
)

// ErrExhausted is returned by Source.Next when a finite source has no more items.
var ErrExhausted = errors.New("workloads: source exhausted")

// Request is one API-neutral request body. bench renders it as a chat or a
// completions request; fields an API does not take are left out.
type Request struct {
	// Messages is the conversation for the chat API. When empty, Prompt is
	// sent as a single user message.
	Messages []openai.ChatCompletionMessage `json:"messages,omitempty"`
	// Prompt is the text for the completions API (and the chat API when
	// Messages is empty).
	Prompt string `json:"prompt,omitempty"`
	// Tools are function definitions offered to the model (chat API only).
	Tools []openai.Tool `json:"tools,omitempty"`
	// MaxTokens caps the output; 0 leaves it to the server.
	MaxTokens int `json:"max_tokens,omitempty"`
	// ForceLength asks the server to generate exactly MaxTokens tokens,
	// through the engine extensions ignore_eos and min_tokens.
	ForceLength bool `json:"force_length,omitempty"`
	// InputTokens is the intended prompt length in tokens, as the workload
	// built it (0 when unknown). Used for estimates and target-vs-actual.
	InputTokens int `json:"input_tokens,omitempty"`
	// Extra holds engine-specific body fields passed through as given
	// (for example vLLM "priority"); they override nothing bench sets.
	Extra map[string]any `json:"extra,omitempty"`
	// Headers are per-request HTTP headers (hints a gateway may use).
	Headers map[string]string `json:"headers,omitempty"`
}

// Reply is what bench learned from the answer to a Request; multi-turn
// sources use it to build the next turn.
type Reply struct {
	OK        bool
	Content   string
	Reasoning string
	ToolCalls []openai.ToolCall
}

// Item is one unit of work from a Source.
type Item struct {
	// ID names the item in records (for example a trace line or a session
	// and turn). Empty lets bench number it.
	ID      string
	Request Request
	// Offset is the intended start from the start of the measured phase,
	// for timestamped traces. It is used only when Timed is true; otherwise
	// the run's Arrival (or the closed loop) decides when the item starts.
	Offset time.Duration
	Timed  bool
	// Session groups the turns of one multi-turn session; Turn counts from 1.
	Session string
	Turn    int
	// Then, when set, is called with the Reply once this item has finished.
	// It returns the next turn of the same session, the delay before it is
	// sent (think or tool time), and false when the session is over. The
	// next turn keeps the concurrency slot of the session.
	Then func(Reply) (next Item, delay time.Duration, more bool)
}

// Source yields Items in order. Next returns ErrExhausted when a finite source
// is done. A Source is used by one goroutine at a time.
type Source interface {
	Next() (Item, error)
}
