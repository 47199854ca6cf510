package sim

import (
	"context"
	"encoding/json"
	"fmt"
	"net"
	"net/http"
)

// await waits until steps of id are ready and returns their token counts,
// and the sequence's result with its last step. It returns false when the
// client went away (the sequence is then cancelled) or the engine closed.
func (e *Engine) await(ctx context.Context, st *stream) ([]int, *seqResult, bool) {
	for {
		if steps, res := st.take(); len(steps) > 0 {
			return steps, res, true
		}
		select {
		case <-st.notify:
		case <-ctx.Done():
			e.cancel(st)
			return nil, nil, false
		case <-e.quit:
			return nil, nil, false
		}
	}
}

// update is what the engine produced for one choice since the last one:
// the token counts reached at the end of each step, and the result once
// the choice is done.
type update struct {
	c     *choiceState
	steps []int
	res   *seqResult
}

// updates returns a function that waits for the next update of any of
// the choices; it reports false when the client went away (the sequences
// are then cancelled) or the engine closed. One choice is awaited
// directly; several through a goroutine each, which end with ctx.
func (e *Engine) updates(ctx context.Context, cs []*choiceState) func() (update, bool) {
	if len(cs) == 1 {
		c := cs[0]
		return func() (update, bool) {
			steps, res, ok := e.await(ctx, c.st)
			return update{c: c, steps: steps, res: res}, ok
		}
	}
	ch := make(chan update)
	failed := make(chan struct{}, len(cs))
	for _, c := range cs {
		go func() {
			for {
				steps, res, ok := e.await(ctx, c.st)
				if !ok {
					failed <- struct{}{}
					return
				}
				select {
				case ch <- update{c: c, steps: steps, res: res}:
				case <-ctx.Done():
					return
				}
				if res != nil {
					return
				}
			}
		}()
	}
	return func() (update, bool) {
		select {
		case u := <-ch:
			return u, true
		case <-failed:
			return update{}, false
		case <-ctx.Done():
			return update{}, false
		}
	}
}

// cancelRest takes the choices that are not done out of the engine, when
// their response ends early (client gone, fault, write error).
func (e *Engine) cancelRest(resp *response) {
	for _, c := range resp.choices {
		if c.res == nil {
			e.cancel(c.st)
		}
	}
}

// writeWhole answers with the whole chat.completion or text_completion once
// every choice has its last token, or fails as fault says; a mid-stream
// fault strikes when the first choice passes its cut.
func (e *Engine) writeWhole(w http.ResponseWriter, r *http.Request, resp *response, fd faultDraw) {
	ctx, cancel := context.WithCancel(r.Context())
	defer cancel()
	defer e.cancelRest(resp)
	cut := -1 // tokens of the first choice after which a reset or stall strikes
	if fd.kind == faultReset || fd.kind == faultStall {
		cut = fd.cut(resp.choices[0].ans.tokens)
	}
	next := e.updates(ctx, resp.choices)
	for remaining := len(resp.choices); remaining > 0; {
		u, ok := next()
		if !ok {
			// The client is gone, or the engine closed: tell it so.
			writeError(w, &apiError{status: http.StatusServiceUnavailable, typ: "ServiceUnavailableError", msg: errClosed.Error()})
			return
		}
		c := u.c
		c.sent = u.steps[len(u.steps)-1]
		if c.index == 0 && cut >= 0 && c.sent > cut {
			e.cancelRest(resp)
			e.strike(w, r, fd.kind)
			return
		}
		if u.res != nil {
			c.res = u.res
			remaining--
		}
	}
	data, _ := json.Marshal(resp.whole()) // the types always marshal
	switch fd.kind {
	case faultMalformed:
		data = append(data[:len(data)/2:len(data)/2], "\x00}"...)
	case faultTruncated:
		data = data[:len(data)/2]
	}
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(http.StatusOK)
	w.Write(data) // the client hears of a failure by a short body
}

// writeStream answers with server-sent events: for chat a role-only chunk
// per choice at once, then one chunk per step of the scheduler and choice
// with the tokens it produced (several under speculative decoding), the
// last one of each choice with its finish reason, then the usage chunk when
// asked for, then [DONE]. llama.cpp-style timings ride on the usage chunk,
// or on the last chunk without one. A mid-stream fault strikes before the
// event that would carry the first choice's token cut.
func (e *Engine) writeStream(w http.ResponseWriter, r *http.Request, resp *response, fd faultDraw) {
	ctx, cancel := context.WithCancel(r.Context())
	defer cancel()
	defer e.cancelRest(resp)
	h := w.Header()
	h.Set("Content-Type", "text/event-stream")
	h.Set("Cache-Control", "no-cache")
	w.WriteHeader(http.StatusOK)
	rc := http.NewResponseController(w)
	sendRaw := func(data []byte) bool {
		_, err := fmt.Fprintf(w, "data: %s\n\n", data)
		if err == nil {
			err = rc.Flush()
		}
		return err == nil
	}
	send := func(v any) bool {
		data, _ := json.Marshal(v) // the types above always marshal
		return sendRaw(data)
	}
	cut := -1
	if fd.kind != faultNone {
		cut = fd.cut(resp.choices[0].ans.tokens)
	}
	if resp.req.api == chatAPI {
		for _, b := range resp.roleChunks() {
			if !send(b) {
				return
			}
		}
	}
	next := e.updates(ctx, resp.choices)
	for remaining := len(resp.choices); remaining > 0; {
		u, ok := next()
		if !ok {
			return
		}
		c := u.c
		if u.res != nil {
			c.res = u.res
			remaining--
		}
		for i, n := range u.steps {
			if c.index == 0 && cut >= 0 && n > cut {
				if fd.kind != faultMalformed {
					e.cancelRest(resp)
					e.strike(w, r, fd.kind)
					return
				}
				cut = -1
				if !sendRaw([]byte(`{"id":"` + resp.id + `","choices":[{"index":0,"delta":{"content":`)) {
					return
				}
			}
			bs := resp.chunks(c, c.sent, n)
			if remaining == 0 && i == len(u.steps)-1 && !resp.req.includeUsage && len(bs) > 0 {
				bs[len(bs)-1].Timings = resp.timings()
			}
			for _, b := range bs {
				if !send(b) {
					return
				}
			}
			c.sent = n
		}
	}
	if resp.req.includeUsage {
		b := resp.body()
		b.Usage, b.Timings = resp.usage(), resp.timings()
		if !send(b) {
			return
		}
	}
	sendRaw([]byte("[DONE]"))
}

// strike ends a response with a mid-stream fault; its sequences have left
// the engine as if its client had gone.
func (e *Engine) strike(w http.ResponseWriter, r *http.Request, kind fault) {
	switch kind {
	case faultReset:
		resetConnection(w)
	case faultStall:
		select {
		case <-r.Context().Done():
		case <-e.quit:
		}
	case faultTruncated:
		// Return: the body ends cleanly, without [DONE].
	}
}

// resetConnection closes the client's TCP connection with a reset (RST), so
// the client sees "connection reset by peer" mid-body. Where the connection
// cannot be taken over, aborting the handler closes it without the final
// chunk.
func resetConnection(w http.ResponseWriter) {
	conn, _, err := http.NewResponseController(w).Hijack()
	if err != nil {
		panic(http.ErrAbortHandler)
	}
	if tcp, ok := conn.(*net.TCPConn); ok {
		tcp.SetLinger(0)
	}
	conn.Close()
}
