package sim

import (
	"context"
	"encoding/json"
	"fmt"
	"net/http"
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
}

type usage struct {
	PromptTokens     int `json:"prompt_tokens"`
	TotalTokens      int `json:"total_tokens"`
	CompletionTokens int `json:"completion_tokens"`
}

type message struct {
	Role    string `json:"role,omitempty"`
	Content string `json:"content"`
}

// choice is a choice of a chat or completions response or chunk: chat
// fills Delta (chunks) or Message, completions fill Text.
type choice struct {
	Index        int      `json:"index"`
	Delta        *message `json:"delta,omitempty"`
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
}

func (e *Engine) newResponse(req request, ans answer) *response {
	r := &response{req: req, ans: ans, created: time.Now().Unix(), model: e.cfg.Model}
	n := e.ids.Add(1)
	suffix := fmt.Sprintf("%016x%016x", splitmix64(e.cfg.Seed^n), splitmix64(n))
	if req.api == chatAPI {
		r.id, r.object = "chatcmpl-"+suffix, "chat.completion"
	} else {
		r.id, r.object = "cmpl-"+suffix, "text_completion"
	}
	return r
}

func (r *response) usage() *usage {
	return &usage{PromptTokens: r.req.promptTokens, CompletionTokens: r.ans.tokens,
		TotalTokens: r.req.promptTokens + r.ans.tokens}
}

// chunk returns the streamed event of token i (from 0), which carries the
// finish reason when it is the last one.
func (r *response) chunk(i int) body {
	c := choice{}
	if i == r.ans.tokens-1 {
		c.FinishReason, c.StopReason = &r.ans.reason, &null{}
	}
	word := r.ans.word(i)
	if r.req.api == chatAPI {
		c.Delta = &message{Content: word}
	} else {
		c.Text, c.StopReason = &word, &null{}
	}
	return r.body(c)
}

// roleChunk is the first event of a chat stream, before any token.
func (r *response) roleChunk() body {
	return r.body(choice{Delta: &message{Role: "assistant"}})
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

// await waits until more than have tokens of id are ready and returns how
// many. It returns false when the client went away (the sequence is then
// cancelled) or the engine closed.
func (e *Engine) await(ctx context.Context, id seqID, st *stream, have int) (int, bool) {
	for {
		if n := int(st.ready.Load()); n > have {
			return n, true
		}
		select {
		case <-st.notify:
		case <-ctx.Done():
			e.cancel(id)
			return have, false
		case <-e.quit:
			return have, false
		}
	}
}

// writeWhole answers with the whole chat.completion or text_completion once
// the last token is generated.
func (e *Engine) writeWhole(w http.ResponseWriter, r *http.Request, resp *response, id seqID, st *stream) {
	for have := 0; have < resp.ans.tokens; {
		var ok bool
		if have, ok = e.await(r.Context(), id, st, have); !ok {
			// The client is gone, or the engine closed: tell it so.
			writeError(w, &apiError{status: http.StatusServiceUnavailable, typ: "ServiceUnavailableError", msg: errClosed.Error()})
			return
		}
	}
	c := choice{FinishReason: &resp.ans.reason, StopReason: &null{}}
	text := resp.ans.text()
	if resp.req.api == chatAPI {
		c.Message = &message{Role: "assistant", Content: text}
	} else {
		c.Text = &text
	}
	b := resp.body(c)
	b.Usage = resp.usage()
	writeJSON(w, http.StatusOK, b)
}

// writeStream answers with server-sent events: for chat a role-only chunk at
// once, then one chunk per token as the scheduler produces it, the last one
// with its finish reason, then the usage chunk when asked for, then [DONE].
func (e *Engine) writeStream(w http.ResponseWriter, r *http.Request, resp *response, id seqID, st *stream) {
	h := w.Header()
	h.Set("Content-Type", "text/event-stream")
	h.Set("Cache-Control", "no-cache")
	w.WriteHeader(http.StatusOK)
	rc := http.NewResponseController(w)
	send := func(v any) bool {
		data := []byte("[DONE]")
		if v != nil {
			data, _ = json.Marshal(v) // the types above always marshal
		}
		_, err := fmt.Fprintf(w, "data: %s\n\n", data)
		if err == nil {
			err = rc.Flush()
		}
		if err != nil {
			e.cancel(id)
			return false
		}
		return true
	}
	if resp.req.api == chatAPI && !send(resp.roleChunk()) {
		return
	}
	for sent := 0; sent < resp.ans.tokens; {
		ready, ok := e.await(r.Context(), id, st, sent)
		if !ok {
			return
		}
		for ; sent < ready; sent++ {
			if !send(resp.chunk(sent)) {
				return
			}
		}
	}
	if resp.req.includeUsage {
		b := resp.body()
		b.Usage = resp.usage()
		if !send(b) {
			return
		}
	}
	send(nil)
}
