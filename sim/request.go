package sim

import (
	"bytes"
	"encoding/json"

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
	model        string     // empty means the served model
	prompts      [][]uint64 // hash of each prompt token (prefix-cache keys), one list per prompt
	n            int        // choices per prompt
	maxTokens    int        // 0 when the request gives none
	minTokens    int
	ignoreEOS    bool
	stream       bool
	includeUsage bool
	logprobs     bool // chat logprobs: true, or completions logprobs: N
	topLogprobs  int  // alternatives listed per token
	tools        tools
	stop         []string // stop strings
	format       format   // response_format
}

// maxLogprobs is vLLM's default max_logprobs.
const maxLogprobs = 20

// maxChoices bounds n x prompts, so that one request cannot queue an
// unbounded number of sequences.
const maxChoices = 128

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
	Stop          json.RawMessage       `json:"stop"`
	ResponseFmt   json.RawMessage       `json:"response_format"`
	sampling
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
		r   = request{api: a, n: 1}
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
			return r, badParam("messages", "messages: a non-empty list is required")
		}
		if r.tools, err = parseTools(b.Tools, b.ToolChoice); err != nil {
			return r, err
		}
		var toks []uint64
		for _, t := range chatTexts(b.Messages, b.Tools, len(r.tools.defs) > 0) {
			toks = appendTextTokens(toks, t)
		}
		r.prompts = [][]uint64{toks}
		r.tools.afterTool = len(r.tools.defs) > 0 && b.Messages[len(b.Messages)-1].Role == openai.ChatMessageRoleTool
		r.logprobs = b.Logprobs
		if b.TopLogprobs != nil {
			if r.topLogprobs = *b.TopLogprobs; r.topLogprobs < 0 || r.topLogprobs > maxLogprobs {
				return r, badParam("top_logprobs", "top_logprobs must be between 0 and %d, got %d.", maxLogprobs, r.topLogprobs)
			}
			if !r.logprobs && r.topLogprobs > 0 {
				return r, badParam("top_logprobs", "top_logprobs needs logprobs set to true.")
			}
		}
	case completionsAPI:
		var b completionBody
		if err := unmarshal(body, &b); err != nil {
			return r, err
		}
		c = b.common
		if r.prompts, err = promptTokens(b.Prompt); err != nil {
			return r, err
		}
		if b.Logprobs != nil {
			if r.topLogprobs = *b.Logprobs; r.topLogprobs < 0 || r.topLogprobs > maxLogprobs {
				return r, badParam("logprobs", "logprobs must be between 0 and %d, got %d.", maxLogprobs, r.topLogprobs)
			}
			r.logprobs = true
		}
	default:
		return r, badRequest("unknown API %d", a)
	}
	r.model, r.stream, r.ignoreEOS = c.Model, c.Stream, c.IgnoreEOS
	r.includeUsage = c.StreamOptions != nil && c.StreamOptions.IncludeUsage
	if c.N != nil {
		if r.n = *c.N; r.n < 1 {
			return r, badParam("n", "n must be at least 1, got %d.", r.n)
		}
		if r.n*len(r.prompts) > maxChoices {
			return r, badParam("n", "n x prompts must be at most %d, got %d x %d.", maxChoices, r.n, len(r.prompts))
		}
	}
	if err := c.sampling.validate(r.n); err != nil {
		return r, err
	}
	if c.MaxTokens != nil {
		if *c.MaxTokens < 1 {
			return r, badParam("max_tokens", "max_tokens must be at least 1, got %d.", *c.MaxTokens)
		}
		r.maxTokens = *c.MaxTokens
	}
	if c.MinTokens != nil {
		r.minTokens = *c.MinTokens
		if r.minTokens < 0 {
			return r, badParam("min_tokens", "min_tokens must be greater than or equal to 0, got %d.", r.minTokens)
		}
		if r.maxTokens > 0 && r.minTokens > r.maxTokens {
			return r, badParam("min_tokens", "min_tokens must be less than or equal to max_tokens=%d, got %d.", r.maxTokens, r.minTokens)
		}
	}
	if r.stop, err = parseStop(c.Stop); err != nil {
		return r, err
	}
	if r.format, err = parseFormat(c.ResponseFmt); err != nil {
		return r, err
	}
	return r, nil
}

// chatTexts are the texts of a conversation in the order the prompt holds
// them: the offered tools as compact JSON (chat templates render them
// ahead of the conversation, so they cost prefill and are shared by every
// turn of a session), then the content string of each message, or the text
// parts of array content, and the name and arguments of each tool call an
// assistant message sends back (keyed as the engine generated them, for
// the prefix cache). There is no chat template, so the prompt is exactly
// workloads.ApproxTokens of the texts.
func chatTexts(msgs []openai.ChatCompletionMessage, rawTools json.RawMessage, withTools bool) []string {
	var texts []string
	if withTools {
		var compact bytes.Buffer
		if json.Compact(&compact, rawTools) == nil {
			texts = append(texts, compact.String())
		}
	}
	for _, m := range msgs {
		texts = append(texts, m.Content)
		for _, p := range m.MultiContent {
			if p.Type == openai.ChatMessagePartTypeText || p.Type == "" {
				texts = append(texts, p.Text)
			}
		}
		for _, c := range m.ToolCalls {
			texts = append(texts, c.Function.Name, c.Function.Arguments)
		}
	}
	return texts
}

// promptTokens returns the prompts of a completions request: a string or
// an array of token ids is one prompt; an array of strings or of arrays of
// ids is a batch, each answered with its own choices, as OpenAI and vLLM
// do.
func promptTokens(raw json.RawMessage) ([][]uint64, error) {
	raw = bytes.TrimSpace(raw)
	if len(raw) == 0 || bytes.Equal(raw, []byte("null")) {
		return nil, badParam("prompt", "prompt: a string or an array is required")
	}
	var s string
	if json.Unmarshal(raw, &s) == nil {
		return [][]uint64{appendTextTokens(nil, s)}, nil
	}
	var ids []int64
	if json.Unmarshal(raw, &ids) == nil {
		if len(ids) == 0 {
			return nil, badParam("prompt", "prompt: the list must not be empty")
		}
		return [][]uint64{idTokens(ids)}, nil
	}
	var parts []json.RawMessage
	if json.Unmarshal(raw, &parts) != nil {
		return nil, badParam("prompt", "prompt: want a string, an array of strings, an array of token ids or an array of arrays of token ids")
	}
	if len(parts) == 0 {
		return nil, badParam("prompt", "prompt: the list must not be empty")
	}
	prompts := make([][]uint64, 0, len(parts))
	for i, p := range parts {
		var s string
		var ids []int64
		switch {
		case json.Unmarshal(p, &s) == nil:
			prompts = append(prompts, appendTextTokens(nil, s))
		case json.Unmarshal(p, &ids) == nil:
			prompts = append(prompts, idTokens(ids))
		default:
			return nil, badParam("prompt", "prompt[%d]: %s is neither a string nor an array of token ids", i, truncate(p, 40))
		}
	}
	return prompts, nil
}

func idTokens(ids []int64) []uint64 {
	toks := make([]uint64, len(ids))
	for i, id := range ids {
		toks[i] = idToken(id)
	}
	return toks
}

func truncate(b []byte, n int) string {
	if len(b) > n {
		return string(b[:n]) + "..."
	}
	return string(b)
}

// limit returns the output cap of a prompt of r within a context of maxModelLen tokens:
// max_tokens when given, else DefaultMaxTokens or what the context leaves.
// Like vLLM, it rejects a request that does not fit.
func (r request) limit(maxModelLen, promptTokens int) (int, error) {
	if promptTokens >= maxModelLen {
		return 0, badRequest("This model's maximum context length is %d tokens. However, your request has %d input tokens. Please reduce the length of the input messages.",
			maxModelLen, promptTokens)
	}
	maxTokens := r.maxTokens
	if maxTokens == 0 {
		maxTokens = max(min(DefaultMaxTokens, maxModelLen-promptTokens), r.minTokens)
	}
	if maxTokens > maxModelLen-promptTokens { // not a sum, which could overflow
		return 0, badRequest("This model's maximum context length is %d tokens. However, you requested %d tokens (%d in the messages, %d in the completion). Please reduce the length of the messages or completion.",
			maxModelLen, uint64(promptTokens)+uint64(maxTokens), promptTokens, maxTokens)
	}
	return maxTokens, nil
}
