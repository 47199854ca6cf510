package bench

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"strings"
	"time"

	"github.com/tokenbench/tokenbench/workloads"
)

// readStream reads the SSE body event by event. This is the hot path: one
// timestamp per read, no work before it, JSON decoded after.
func (c *Client) readStream(ctx context.Context, m *measurement, req workloads.Request, body io.Reader) {
	sr := newSSEReader(body, c.now)
	sr.budget = c.budget
	defer sr.release()
	var dec chunkScanner
	var ch chunk
	for n := 1; ; n++ {
		data, at, err := sr.Next()
		if err == io.EOF {
			if m.finishReason {
				c.finish(m, req, c.now()) // ended cleanly after the last choice finished, without [DONE]
			} else {
				c.fail(m, ErrStreamTruncated, errors.New("stream ended without data: [DONE] or a finish_reason"), c.now())
			}
			return
		}
		if err != nil && err != errUnterminated {
			c.fail(m, classifyTransport(ctx, err, phaseBody), err, c.now())
			return
		}
		if string(data) == "[DONE]" {
			m.rec.DoneMarker = true
			c.finish(m, req, at) // Do drains the rest, within doneDrainBound
			return
		}
		if err == errUnterminated {
			c.fail(m, ErrStreamTruncated, fmt.Errorf("stream ended inside event %d", n), at)
			return
		}
		if jerr := dec.decode(data, &ch); jerr != nil {
			c.fail(m, ErrBadEvent, fmt.Errorf("event %d: %v: %q", n, jerr, c.clip(string(data), 200)), at)
			return
		}
		if raw := ch.errorObject(data); raw != nil {
			msg, code := inBandError(raw)
			c.fail(m, inBandClass(code), fmt.Errorf("error event %d in stream: %s", n, msg), at)
			return
		}
		c.observe(m, &ch, at)
	}
}

// observe records one decoded event that arrived at at. The chunk's
// strings and raw values may point into the event's bytes (chunkScanner):
// what outlives the event is copied.
func (c *Client) observe(m *measurement, ch *chunk, at time.Time) {
	if m.rec.ResponseID == "" && ch.ID != "" {
		m.rec.ResponseID = strings.Clone(ch.ID)
	}
	if ch.tokenBearing() {
		if m.tokenEvents == 0 {
			m.first = at
		}
		m.tokenEvents++
		m.rec.EventsMS = append(m.rec.EventsMS, Ms(at.Sub(m.start)))
		if !m.inexactEvents {
			if n := ch.loggedTokens(); n > 0 {
				m.rec.EventTokens = append(m.rec.EventTokens, n)
			} else {
				m.inexactEvents, m.rec.EventTokens = true, nil
			}
		}
		m.reply.add(ch)
	}
	for i := range ch.Choices {
		if fr := ch.Choices[i].FinishReason; fr != "" {
			m.finishReason = true
			m.rec.FinishReason = finishReason(fr)
		}
	}
	if ch.Usage != nil {
		m.usage = m.keep.usage(ch.Usage)
	}
	if len(ch.Timings) > 0 {
		m.engineTimings = bytes.Clone(ch.Timings)
	}
	if len(ch.MetaInfo) > 0 {
		m.engineMetaInfo = bytes.Clone(ch.MetaInfo)
	}
}

// readJSON handles a server that answered a streaming request with one JSON
// body: the whole answer arrives at once, as a single event.
func (c *Client) readJSON(ctx context.Context, m *measurement, req workloads.Request, body io.Reader) {
	b, held, err := readAllBudget(body, maxEventBytes, c.budget)
	defer c.budget.release(held)
	at := c.now()
	if err != nil {
		c.fail(m, classifyTransport(ctx, err, phaseBody), err, at)
		return
	}
	var resp struct {
		chunk
		Choices []struct {
			Message      chunkDelta `json:"message"`
			Text         string     `json:"text"`
			FinishReason string     `json:"finish_reason"`
		} `json:"choices"`
	}
	if err := json.Unmarshal(b, &resp); err != nil {
		c.fail(m, ErrBadEvent, fmt.Errorf("JSON body: %v: %q", err, c.clip(string(b), 200)), at)
		return
	}
	if raw := resp.chunk.errorObject(b); raw != nil {
		msg, code := inBandError(raw)
		c.fail(m, inBandClass(code), fmt.Errorf("error object in %d body: %s", m.rec.Status, msg), at)
		return
	}
	ch := resp.chunk
	ch.Choices = make([]chunkChoice, len(resp.Choices))
	for i, rc := range resp.Choices {
		ch.Choices[i].Delta = rc.Message
		ch.Choices[i].Text = rc.Text
		ch.Choices[i].FinishReason = rc.FinishReason
	}
	c.observe(m, &ch, at)
	c.finish(m, req, at)
}

// readAllBudget reads r up to limit bytes, reserving the buffer's growth
// from budget; held is what the caller releases when done with the bytes.
func readAllBudget(r io.Reader, limit int, budget *BufferBudget) (b []byte, held int64, err error) {
	b = make([]byte, 0, 512)
	held = 512
	if err := budget.reserve(held); err != nil {
		return nil, 0, err
	}
	for {
		if len(b) == cap(b) {
			if len(b) >= limit {
				return b, held, nil
			}
			grow := min(cap(b), limit-cap(b))
			if err := budget.reserve(int64(grow)); err != nil {
				return b, held, err
			}
			held += int64(grow)
			nb := make([]byte, len(b), cap(b)+grow)
			copy(nb, b)
			b = nb
		}
		n, rerr := r.Read(b[len(b):cap(b)])
		b = b[:len(b)+n]
		if rerr == io.EOF {
			return b, held, nil
		}
		if rerr != nil {
			return b, held, rerr
		}
	}
}

// usageCopy holds a copy of the last usage an event carried, so that an
// event's usage is kept without allocating (vLLM can send one per event).
type usageCopy struct {
	u              usage
	pd             promptDetails
	cd             completionDetails
	cached, reason int
}

// usage copies u into k and returns the copy.
func (k *usageCopy) usage(u *usage) *usage {
	k.u = *u
	if d := u.PromptTokensDetails; d != nil {
		k.pd = promptDetails{}
		if d.CachedTokens != nil {
			k.cached = *d.CachedTokens
			k.pd.CachedTokens = &k.cached
		}
		k.u.PromptTokensDetails = &k.pd
	}
	if d := u.CompletionTokensDetails; d != nil {
		k.cd = completionDetails{}
		if d.ReasoningTokens != nil {
			k.reason = *d.ReasoningTokens
			k.cd.ReasoningTokens = &k.reason
		}
		k.u.CompletionTokensDetails = &k.cd
	}
	return &k.u
}

// finishReason returns fr as a string of its own, without allocating for
// the usual reasons.
func finishReason(fr string) string {
	switch fr {
	case "stop":
		return "stop"
	case "length":
		return "length"
	case "tool_calls":
		return "tool_calls"
	case "content_filter":
		return "content_filter"
	}
	return strings.Clone(fr)
}
