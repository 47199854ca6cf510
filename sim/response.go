package sim

import (
	"fmt"
	"strings"
	"time"
)

// response is one answer being written, in vLLM's JSON shapes: n choices
// per prompt, each its own sequence in the scheduler.
type response struct {
	req     request
	choices []*choiceState
	id      string // the same on every chunk
	object  string // of the whole response
	created int64
	model   string
	spec    bool // speculative decoding on: timings carry draft counts
}

// choiceState is one choice of a response: its plan, its sequence and how
// far it has been written.
type choiceState struct {
	index  int  // choice index: prompt x n + sample
	prompt int  // prompt tokens
	first  bool // the first choice of its prompt, whose prompt usage counts
	ans    answer
	id     seqID // its sequence on the virtual clock (the HTTP engine goes through st)
	st     *stream
	sent   int        // tokens written (streams) or generated (whole responses)
	res    *seqResult // set once the sequence is done
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
	StopReason   any      `json:"stop_reason,omitempty"` // nil (left out), *null or the stop string
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

func (e *Engine) newResponse(req request, choices []*choiceState) *response {
	r := &response{req: req, choices: choices, created: time.Now().Unix(), model: e.served, spec: e.cfg.Spec.Tokens > 0}
	n := e.ids.Add(1)
	suffix := fmt.Sprintf("%016x%016x", splitmix64(e.cfg.Seed^n), splitmix64(n))
	if req.api == chatAPI {
		r.id, r.object = "chatcmpl-"+suffix, "chat.completion"
	} else {
		r.id, r.object = "cmpl-"+suffix, "text_completion"
	}
	return r
}

// usage sums the choices as OpenAI and vLLM do: each prompt once (and its
// cached tokens, as its first choice found them), every choice's output.
func (r *response) usage() *usage {
	u := &usage{PromptTokensDetails: &promptDetails{}}
	for _, c := range r.choices {
		if c.first {
			u.PromptTokens += c.prompt
			u.PromptTokensDetails.CachedTokens += c.res.cached
		}
		u.CompletionTokens += c.ans.tokens
	}
	u.TotalTokens = u.PromptTokens + u.CompletionTokens
	return u
}

// timings computes llama.cpp's figures of the first choice from the engine
// clock: prompt time from the start of the step that began the prefill to
// the first token, predicted time from the first token to the last; rates
// per token use n - 1 intervals, as llama.cpp's do.
func (r *response) timings() *timings {
	c := r.choices[0]
	res := c.res
	t := &timings{CacheN: res.cached, PromptN: c.prompt - res.cached, PredictedN: res.generated}
	t.PromptMs = usMs(res.firstToken - res.promptStart)
	if t.PromptN > 0 && t.PromptMs > 0 {
		t.PromptPerTokenMs = t.PromptMs / float64(t.PromptN)
		t.PromptPerSecond = 1000 * float64(t.PromptN) / t.PromptMs
	}
	t.PredictedMs = usMs(res.lastToken - res.firstToken)
	if n := t.PredictedN - 1; n > 0 && t.PredictedMs > 0 {
		t.PredictedPerTokenMs = t.PredictedMs / float64(n)
		t.PredictedPerSecond = 1000 * float64(n) / t.PredictedMs
	}
	if r.spec {
		t.DraftN, t.DraftNAccepted = &res.draftTokens, &res.accepted
	}
	return t
}

// stopReason is vLLM's stop_reason of a finished choice: the stop string
// that ended it, else null.
func (c *choiceState) stopReason() any {
	if c.ans.stopString != "" {
		return c.ans.stopString
	}
	return &null{}
}

// chunks returns the streamed events of tokens from to to (from 0, end
// excluded) of choice c: the tokens one step produced, in one event, or
// for a tool call in as many as its deltas (none while the name is
// generated). The event of the last token carries the finish reason.
func (r *response) chunks(c *choiceState, from, to int) []body {
	var cs []choice
	if c.ans.call != nil {
		for _, d := range c.ans.call.deltas(from, to) {
			cs = append(cs, choice{Index: c.index, Delta: d})
		}
		if len(cs) > 0 {
			cs[len(cs)-1].Logprobs = r.logprobs(c.ans, from, to)
		}
	} else {
		ch := choice{Index: c.index, Logprobs: r.logprobs(c.ans, from, to)}
		text := c.ans.textRange(from, to)
		if r.req.api == chatAPI {
			ch.Delta = &message{Content: &text}
		} else {
			ch.Text, ch.StopReason = &text, &null{}
		}
		cs = append(cs, ch)
	}
	if to == c.ans.tokens && len(cs) > 0 {
		cs[len(cs)-1].FinishReason, cs[len(cs)-1].StopReason = &c.ans.reason, c.stopReason()
	}
	bs := make([]body, len(cs))
	for i, ch := range cs {
		bs[i] = r.body(ch)
	}
	return bs
}

// roleChunks are the first events of a chat stream, one per choice, before
// any token.
func (r *response) roleChunks() []body {
	bs := make([]body, len(r.choices))
	for i, c := range r.choices {
		empty := ""
		bs[i] = r.body(choice{Index: c.index, Delta: &message{Role: "assistant", Content: &empty}})
	}
	return bs
}

// whole is the complete non-streamed response.
func (r *response) whole() body {
	chs := make([]choice, len(r.choices))
	for i, c := range r.choices {
		ch := choice{Index: c.index, FinishReason: &c.ans.reason, StopReason: c.stopReason(), Logprobs: r.logprobs(c.ans, 0, c.ans.tokens)}
		text := c.ans.textRange(0, c.ans.tokens)
		switch {
		case c.ans.call != nil:
			ch.Message = &message{Role: "assistant", ToolCalls: c.ans.call.whole()}
		case r.req.api == chatAPI:
			ch.Message = &message{Role: "assistant", Content: &text}
		default:
			ch.Text = &text
		}
		chs[i] = ch
	}
	b := r.body(chs...)
	b.Usage, b.Timings = r.usage(), r.timings()
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

// textRange is the output from token from to token to, without the stop
// string that ended it and what follows.
func (a answer) textRange(from, to int) string {
	var b strings.Builder
	off := 0
	if a.stopString != "" {
		for i := range from {
			off += len(a.word(i))
		}
		if off >= a.cut {
			return ""
		}
	}
	for i := from; i < to; i++ {
		b.WriteString(a.word(i))
	}
	s := b.String()
	if a.stopString != "" && off+len(s) > a.cut {
		s = s[:a.cut-off]
	}
	return s
}
