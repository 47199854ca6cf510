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
func (e *Engine) await(ctx context.Context, id seqID, st *stream) ([]int, *seqResult, bool) {
	for {
		if steps, res := st.take(); len(steps) > 0 {
			return steps, res, true
		}
		select {
		case <-st.notify:
		case <-ctx.Done():
			e.cancel(id)
			return nil, nil, false
		case <-e.quit:
			return nil, nil, false
		}
	}
}

// writeWhole answers with the whole chat.completion or text_completion once
// the last token is generated, or fails as fault says.
func (e *Engine) writeWhole(w http.ResponseWriter, r *http.Request, resp *response, id seqID, st *stream, fd faultDraw) {
	cut := -1 // tokens after which a reset or stall strikes
	if fd.kind == faultReset || fd.kind == faultStall {
		cut = fd.cut(resp.ans.tokens)
	}
	var res *seqResult
	for have := 0; have < resp.ans.tokens; {
		steps, r2, ok := e.await(r.Context(), id, st)
		if !ok {
			// The client is gone, or the engine closed: tell it so.
			writeError(w, &apiError{status: http.StatusServiceUnavailable, typ: "ServiceUnavailableError", msg: errClosed.Error()})
			return
		}
		have, res = steps[len(steps)-1], r2
		if cut >= 0 && have > cut {
			e.strike(w, r, id, fd.kind)
			return
		}
	}
	data, _ := json.Marshal(resp.whole(res)) // the types always marshal
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

// writeStream answers with server-sent events: for chat a role-only chunk at
// once, then one chunk per step of the scheduler with the tokens it produced
// (several under speculative decoding), the last one with its finish
// reason, then the usage chunk when asked for, then [DONE]. llama.cpp-style
// timings ride on the usage chunk, or on the last chunk without one. A
// mid-stream fault strikes before the event that would carry token cut.
func (e *Engine) writeStream(w http.ResponseWriter, r *http.Request, resp *response, id seqID, st *stream, fd faultDraw) {
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
		if err != nil {
			e.cancel(id)
			return false
		}
		return true
	}
	send := func(v any) bool {
		data, _ := json.Marshal(v) // the types above always marshal
		return sendRaw(data)
	}
	cut := -1
	if fd.kind != faultNone {
		cut = fd.cut(resp.ans.tokens)
	}
	if resp.req.api == chatAPI && !send(resp.roleChunk()) {
		return
	}
	var res *seqResult
	for sent := 0; sent < resp.ans.tokens; {
		steps, r2, ok := e.await(r.Context(), id, st)
		if !ok {
			return
		}
		res = r2
		for i, n := range steps {
			if cut >= 0 && n > cut {
				if fd.kind != faultMalformed {
					e.strike(w, r, id, fd.kind)
					return
				}
				cut = -1
				if !sendRaw([]byte(`{"id":"` + resp.id + `","choices":[{"index":0,"delta":{"content":`)) {
					return
				}
			}
			bs := resp.chunks(sent, n)
			if n == resp.ans.tokens && !resp.req.includeUsage && i == len(steps)-1 && len(bs) > 0 {
				bs[len(bs)-1].Timings = resp.timings(res)
			}
			for _, b := range bs {
				if !send(b) {
					return
				}
			}
			sent = n
		}
	}
	if resp.req.includeUsage {
		b := resp.body()
		b.Usage, b.Timings = resp.usage(res), resp.timings(res)
		if !send(b) {
			return
		}
	}
	sendRaw([]byte("[DONE]"))
}

// strike ends a response with a mid-stream fault; the sequence leaves the
// engine as if its client had gone.
func (e *Engine) strike(w http.ResponseWriter, r *http.Request, id seqID, kind fault) {
	e.cancel(id)
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
