package sim

import (
	"bytes"
	"encoding/json"
	"fmt"
	"net/http"

	openai "github.com/sashabaranov/go-openai"
)

// api is the endpoint a request came through.
type api int

const (
	chatAPI        api = iota // /v1/chat/completions
	completionsAPI            // /v1/completions
)

// request is what the engine needs from a request body.
type request struct {
	api          api
	model        string // empty means the served model
	promptTokens int
	tokens       []uint64 // hash of each prompt token, for the prefix cache
	maxTokens    int      // 0 when the request gives none
	minTokens    int
	ignoreEOS    bool
	stream       bool
	includeUsage bool
	logprobs     bool // chat logprobs: true, or completions logprobs: N
	topLogprobs  int  // alternatives listed per token
	tools        tools
}

// maxLogprobs is vLLM's default max_logprobs.
const maxLogprobs = 20

// apiError is an error answered to the client as OpenAI error JSON.
type apiError struct {
	status int
	typ    string
	msg    string
}

func (e *apiError) Error() string { return fmt.Sprintf("sim: %d %s: %s", e.status, e.typ, e.msg) }

func badRequest(format string, args ...any) *apiError {
	return &apiError{status: http.StatusBadRequest, typ: "BadRequestError", msg: fmt.Sprintf(format, args...)}
}

// common holds the body fields both APIs share, among them the vLLM
// extensions ignore_eos and min_tokens.
type common struct {
	Model         string                `json:"model"`
	MaxTokens     *int                  `json:"max_tokens"`
	Stream        bool                  `json:"stream"`
	StreamOptions *openai.StreamOptions `json:"stream_options"`
	N             *int                  `json:"n"`
	IgnoreEOS     bool                  `json:"ignore_eos"`
	MinTokens     *int                  `json:"min_tokens"`
}

type chatBody struct {
	common
	Messages            []openai.ChatCompletionMessage `json:"messages"`
	MaxCompletionTokens *int                           `json:"max_completion_tokens"`
	Logprobs            bool                           `json:"logprobs"`
	TopLogprobs         *int                           `json:"top_logprobs"`
	Tools               json.RawMessage                `json:"tools"`
	ToolChoice          json.RawMessage                `json:"tool_choice"`
}

type completionBody struct {
	common
	Prompt   json.RawMessage `json:"prompt"`
	Logprobs *int            `json:"logprobs"`
}

// decodeRequest parses and checks a request body of the given API. Errors
// are *apiError.
func decodeRequest(a api, body []byte) (request, error) {
	var (
		c   common
		err error
		r   = request{api: a}
	)
	switch a {
	case chatAPI:
		var b chatBody
		if err := unmarshal(body, &b); err != nil {
			return r, err
		}
		c = b.common
		if b.MaxCompletionTokens != nil {
			c.MaxTokens = b.MaxCompletionTokens
		}
		if len(b.Messages) == 0 {
			return r, badRequest("messages: a non-empty list is required")
		}
		r.tokens = messageTokens(b.Messages)
		if r.tools, err = parseTools(b.Tools, b.ToolChoice); err != nil {
			return r, err
		}
		if len(r.tools.defs) > 0 {
			// Chat templates render the tool definitions into the prompt,
			// ahead of the conversation, so they cost prefill and are
			// shared by every turn of a session (prefix cache). They count
			// as their compact JSON, as workloads estimate them.
			var compact bytes.Buffer
			if json.Compact(&compact, b.Tools) == nil {
				r.tokens = append(appendTextTokens(nil, compact.String()), r.tokens...)
			}
		}
		r.tools.afterTool = len(r.tools.defs) > 0 && b.Messages[len(b.Messages)-1].Role == openai.ChatMessageRoleTool
		r.logprobs = b.Logprobs
		if b.TopLogprobs != nil {
			if r.topLogprobs = *b.TopLogprobs; r.topLogprobs < 0 || r.topLogprobs > maxLogprobs {
				return r, badRequest("top_logprobs must be between 0 and %d, got %d.", maxLogprobs, r.topLogprobs)
			}
			if !r.logprobs && r.topLogprobs > 0 {
				return r, badRequest("top_logprobs needs logprobs set to true.")
			}
		}
	case completionsAPI:
		var b completionBody
		if err := unmarshal(body, &b); err != nil {
			return r, err
		}
		c = b.common
		if r.tokens, err = promptTokens(b.Prompt); err != nil {
			return r, err
		}
		if b.Logprobs != nil {
			if r.topLogprobs = *b.Logprobs; r.topLogprobs < 0 || r.topLogprobs > maxLogprobs {
				return r, badRequest("logprobs must be between 0 and %d, got %d.", maxLogprobs, r.topLogprobs)
			}
			r.logprobs = true
		}
	default:
		return r, badRequest("unknown API %d", a)
	}
	r.promptTokens = len(r.tokens)
	r.model, r.stream, r.ignoreEOS = c.Model, c.Stream, c.IgnoreEOS
	r.includeUsage = c.StreamOptions != nil && c.StreamOptions.IncludeUsage
	if c.N != nil && *c.N != 1 {
		return r, badRequest("n = %d: the simulator generates exactly one choice", *c.N)
	}
	if c.MaxTokens != nil {
		if *c.MaxTokens < 1 {
			return r, badRequest("max_tokens must be at least 1, got %d.", *c.MaxTokens)
		}
		r.maxTokens = *c.MaxTokens
	}
	if c.MinTokens != nil {
		r.minTokens = *c.MinTokens
		if r.minTokens < 0 {
			return r, badRequest("min_tokens must be greater than or equal to 0, got %d.", r.minTokens)
		}
		if r.maxTokens > 0 && r.minTokens > r.maxTokens {
			return r, badRequest("min_tokens must be less than or equal to max_tokens=%d, got %d.", r.maxTokens, r.minTokens)
		}
	}
	return r, nil
}

func unmarshal(body []byte, v any) error {
	if err := json.Unmarshal(body, v); err != nil {
		return badRequest("invalid JSON body: %v", err)
	}
	return nil
}

// messageTokens returns the prompt tokens of a conversation: those of the
// content string of each message, or of the text parts of array content,
// and of the name and arguments of each tool call an assistant message
// sends back (keyed as the engine generated them, for the prefix cache).
// There is no chat template, so there are exactly workloads.ApproxTokens of
// the texts.
func messageTokens(msgs []openai.ChatCompletionMessage) []uint64 {
	var toks []uint64
	for _, m := range msgs {
		toks = appendTextTokens(toks, m.Content)
		for _, p := range m.MultiContent {
			if p.Type == openai.ChatMessagePartTypeText || p.Type == "" {
				toks = appendTextTokens(toks, p.Text)
			}
		}
		for _, c := range m.ToolCalls {
			toks = appendTextTokens(appendTextTokens(toks, c.Function.Name), c.Function.Arguments)
		}
	}
	return toks
}

// promptTokens returns the tokens of a completions prompt: a string, an
// array of strings, an array of token ids or an array of arrays of ids. An
// array is served as one sequence of all its parts, not as a batch of
// prompts.
func promptTokens(raw json.RawMessage) ([]uint64, error) {
	raw = bytes.TrimSpace(raw)
	if len(raw) == 0 || bytes.Equal(raw, []byte("null")) {
		return nil, badRequest("prompt: a string or an array is required")
	}
	var s string
	if json.Unmarshal(raw, &s) == nil {
		return appendTextTokens(nil, s), nil
	}
	var parts []json.RawMessage
	if json.Unmarshal(raw, &parts) != nil {
		return nil, badRequest("prompt: want a string, an array of strings or an array of token ids")
	}
	var toks []uint64
	for _, p := range parts {
		var s string
		var id int64
		var ids []int64
		switch {
		case json.Unmarshal(p, &s) == nil:
			toks = appendTextTokens(toks, s)
		case json.Unmarshal(p, &id) == nil:
			toks = append(toks, idToken(id))
		case json.Unmarshal(p, &ids) == nil:
			for _, id := range ids {
				toks = append(toks, idToken(id))
			}
		default:
			return nil, badRequest("prompt: element %s is not a string, a token id or an array of token ids", truncate(p, 40))
		}
	}
	return toks, nil
}

func truncate(b []byte, n int) string {
	if len(b) > n {
		return string(b[:n]) + "..."
	}
	return string(b)
}

// limit returns the output cap of r within a context of maxModelLen tokens:
// max_tokens when given, else DefaultMaxTokens or what the context leaves.
// Like vLLM, it rejects a request that does not fit.
func (r request) limit(maxModelLen int) (int, error) {
	if r.promptTokens >= maxModelLen {
		return 0, badRequest("This model's maximum context length is %d tokens. However, your request has %d input tokens. Please reduce the length of the input messages.",
			maxModelLen, r.promptTokens)
	}
	maxTokens := r.maxTokens
	if maxTokens == 0 {
		maxTokens = max(min(DefaultMaxTokens, maxModelLen-r.promptTokens), r.minTokens)
	}
	if maxTokens > maxModelLen-r.promptTokens { // not a sum, which could overflow
		return 0, badRequest("This model's maximum context length is %d tokens. However, you requested %d tokens (%d in the messages, %d in the completion). Please reduce the length of the messages or completion.",
			maxModelLen, uint64(r.promptTokens)+uint64(maxTokens), r.promptTokens, maxTokens)
	}
	return maxTokens, nil
}
