package sim

import (
	"fmt"
	"strings"
	"time"
)

// response is one answer being written, in vLLM's JSON shapes.
type response struct {
	req     request
	ans     answer
	id      string // the same on every chunk
	object  string // of the whole response
	created int64
	model   string
	spec    bool // speculative decoding on: timings carry draft counts
}

type usage struct {
	PromptTokens        int            `json:"prompt_tokens"`
	TotalTokens         int            `json:"total_tokens"`
	CompletionTokens    int            `json:"completion_tokens"`
	PromptTokensDetails *promptDetails `json:"prompt_tokens_details,omitempty"`
}

type promptDetails struct {
	CachedTokens int `json:"cached_tokens"`
}

// timings are llama.cpp's per-response timings, with its field names; the
// draft counts are present only under speculative decoding.
type timings struct {
	CacheN              int     `json:"cache_n"`
	PromptN             int     `json:"prompt_n"`
	PromptMs            float64 `json:"prompt_ms"`
	PromptPerTokenMs    float64 `json:"prompt_per_token_ms"`
	PromptPerSecond     float64 `json:"prompt_per_second"`
	PredictedN          int     `json:"predicted_n"`
	PredictedMs         float64 `json:"predicted_ms"`
	PredictedPerTokenMs float64 `json:"predicted_per_token_ms"`
	PredictedPerSecond  float64 `json:"predicted_per_second"`
	DraftN              *int    `json:"draft_n,omitempty"`
	DraftNAccepted      *int    `json:"draft_n_accepted,omitempty"`
}

// message is a chat message or delta; Content is null beside tool calls.
type message struct {
	Role      string         `json:"role,omitempty"`
	Content   *string        `json:"content"`
	ToolCalls []toolCallJSON `json:"tool_calls,omitempty"`
}

// choice is a choice of a chat or completions response or chunk: chat
// fills Delta (chunks: a *message, or a *toolDelta) or Message, completions
// fill Text.
type choice struct {
	Index        int      `json:"index"`
	Delta        any      `json:"delta,omitempty"`
	Message      *message `json:"message,omitempty"`
	Text         *string  `json:"text,omitempty"`
	Logprobs     any      `json:"logprobs"`
	FinishReason *string  `json:"finish_reason"`
	StopReason   *null    `json:"stop_reason,omitempty"`
}

// null marshals as JSON null; a nil *null field with omitempty is left out.
// vLLM writes "stop_reason": null on completions chunks, on the last chat
// chunk and on whole responses, and leaves it out of other chat chunks.
type null struct{}

// MarshalJSON implements json.Marshaler.
func (*null) MarshalJSON() ([]byte, error) { return []byte("null"), nil }

type body struct {
	ID      string   `json:"id"`
	Object  string   `json:"object"`
	Created int64    `json:"created"`
	Model   string   `json:"model"`
	Choices []choice `json:"choices"`
	Usage   *usage   `json:"usage,omitempty"`
	Timings *timings `json:"timings,omitempty"`
}

func (e *Engine) newResponse(req request, ans answer) *response {
	r := &response{req: req, ans: ans, created: time.Now().Unix(), model: e.served, spec: e.cfg.Spec.Tokens > 0}
	n := e.ids.Add(1)
	suffix := fmt.Sprintf("%016x%016x", splitmix64(e.cfg.Seed^n), splitmix64(n))
	if req.api == chatAPI {
		r.id, r.object = "chatcmpl-"+suffix, "chat.completion"
	} else {
		r.id, r.object = "cmpl-"+suffix, "text_completion"
	}
	return r
}

func (r *response) usage(res *seqResult) *usage {
	return &usage{PromptTokens: r.req.promptTokens, CompletionTokens: r.ans.tokens,
		TotalTokens: r.req.promptTokens + r.ans.tokens, PromptTokensDetails: &promptDetails{CachedTokens: res.cached}}
}

// timings computes llama.cpp's figures from the engine clock: prompt time
// from the start of the step that began the prefill to the first token,
// predicted time from the first token to the last; rates per token use
// n - 1 intervals, as llama.cpp's do.
func (r *response) timings(res *seqResult) *timings {
	ms := func(d time.Duration) float64 { return float64(d.Microseconds()) / 1000 }
	t := &timings{CacheN: res.cached, PromptN: r.req.promptTokens - res.cached, PredictedN: res.generated}
	t.PromptMs = ms(res.firstToken - res.promptStart)
	if t.PromptN > 0 && t.PromptMs > 0 {
		t.PromptPerTokenMs = t.PromptMs / float64(t.PromptN)
		t.PromptPerSecond = 1000 * float64(t.PromptN) / t.PromptMs
	}
	t.PredictedMs = ms(res.lastToken - res.firstToken)
	if n := t.PredictedN - 1; n > 0 && t.PredictedMs > 0 {
		t.PredictedPerTokenMs = t.PredictedMs / float64(n)
		t.PredictedPerSecond = 1000 * float64(n) / t.PredictedMs
	}
	if r.spec {
		t.DraftN, t.DraftNAccepted = &res.draftTokens, &res.accepted
	}
	return t
}

// chunks returns the streamed events of tokens from to to (from 0, end
// excluded): the tokens one step produced, in one event, or for a tool call
// in as many as its deltas (none while the name is generated). The event
// of the last token carries the finish reason.
func (r *response) chunks(from, to int) []body {
	var cs []choice
	if r.ans.call != nil {
		for _, d := range r.ans.call.deltas(from, to) {
			cs = append(cs, choice{Delta: d})
		}
		if len(cs) > 0 {
			cs[len(cs)-1].Logprobs = r.logprobs(from, to)
		}
	} else {
		c := choice{Logprobs: r.logprobs(from, to)}
		text := r.ans.textRange(from, to)
		if r.req.api == chatAPI {
			c.Delta = &message{Content: &text}
		} else {
			c.Text, c.StopReason = &text, &null{}
		}
		cs = append(cs, c)
	}
	if to == r.ans.tokens && len(cs) > 0 {
		cs[len(cs)-1].FinishReason, cs[len(cs)-1].StopReason = &r.ans.reason, &null{}
	}
	bs := make([]body, len(cs))
	for i, c := range cs {
		bs[i] = r.body(c)
	}
	return bs
}

// roleChunk is the first event of a chat stream, before any token.
func (r *response) roleChunk() body {
	empty := ""
	return r.body(choice{Delta: &message{Role: "assistant", Content: &empty}})
}

// whole is the complete non-streamed response.
func (r *response) whole(res *seqResult) body {
	c := choice{FinishReason: &r.ans.reason, StopReason: &null{}, Logprobs: r.logprobs(0, r.ans.tokens)}
	text := r.ans.textRange(0, r.ans.tokens)
	switch {
	case r.ans.call != nil:
		c.Message = &message{Role: "assistant", ToolCalls: r.ans.call.whole()}
	case r.req.api == chatAPI:
		c.Message = &message{Role: "assistant", Content: &text}
	default:
		c.Text = &text
	}
	b := r.body(c)
	b.Usage, b.Timings = r.usage(res), r.timings(res)
	return b
}

func (r *response) body(choices ...choice) body {
	object := r.object
	if r.req.api == chatAPI && r.req.stream {
		object = "chat.completion.chunk"
	}
	if choices == nil {
		choices = []choice{}
	}
	return body{ID: r.id, Object: object, Created: r.created, Model: r.model, Choices: choices}
}

// textRange is the output from token from to token to.
func (a answer) textRange(from, to int) string {
	var b strings.Builder
	for i := from; i < to; i++ {
		b.WriteString(a.word(i))
	}
	return b.String()
}
