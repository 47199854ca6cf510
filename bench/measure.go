package bench

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"mime"
	"net/http"
	"net/http/httptrace"
	"time"

	"github.com/tokenbench/tokenbench/workloads"
)

// measurement holds the timestamps and counts of one request in flight.
type measurement struct {
	rec            *Record
	start          time.Time
	first          time.Time
	finishReason   bool
	usage          *usage
	reply          replyBuilder
	tokenEvents    int
	inexactEvents  bool // an event did not list its tokens
	gotConn        time.Time
	wroteRequest   time.Time
	firstByte      time.Time
	connReused     bool
	engineTimings  json.RawMessage
	engineMetaInfo json.RawMessage
}

// Do sends req, reads the answer and returns its Record (offsets from epoch,
// t_sched = sched) and the Reply for multi-turn sources. Every failure is
// classified in the Record; Do itself never fails.
func (c *Client) Do(ctx context.Context, req workloads.Request, epoch, sched time.Time) (Record, workloads.Reply) {
	rec := Record{TSchedMS: Ms(sched.Sub(epoch)), TargetInputTokens: req.InputTokens, MaxTokens: req.MaxTokens}
	m := &measurement{rec: &rec}
	if c.target.Timeout > 0 {
		var cancel context.CancelFunc
		ctx, cancel = context.WithTimeout(ctx, c.target.Timeout)
		defer cancel()
	}
	ctx = httptrace.WithClientTrace(ctx, &httptrace.ClientTrace{
		GotConn:              func(i httptrace.GotConnInfo) { m.gotConn, m.connReused = c.now(), i.Reused },
		WroteRequest:         func(httptrace.WroteRequestInfo) { m.wroteRequest = c.now() },
		GotFirstResponseByte: func() { m.firstByte = c.now() },
	})
	hr, err := c.newRequest(ctx, req)
	if err != nil {
		m.start = c.now()
		rec.TStartMS = Ms(m.start.Sub(epoch))
		c.fail(m, ErrBadEvent, err, m.start)
		return rec, workloads.Reply{}
	}

	m.start = c.now() // t_start: http.Client.Do entered
	rec.TStartMS = Ms(m.start.Sub(epoch))
	resp, err := c.http.Do(hr)
	if err != nil {
		c.fail(m, classifyTransport(ctx, err, false), err, c.now())
		return rec, workloads.Reply{}
	}
	defer resp.Body.Close()
	rec.Status = resp.StatusCode
	if resp.StatusCode < 200 || resp.StatusCode > 299 {
		c.fail(m, statusClass(resp.StatusCode), fmt.Errorf("HTTP %d: %s", resp.StatusCode, errorBody(resp.Body)), c.now())
		return rec, workloads.Reply{}
	}
	if ct, _, _ := mime.ParseMediaType(resp.Header.Get("Content-Type")); ct == "application/json" {
		c.readJSON(ctx, m, req, resp.Body)
	} else {
		c.readStream(ctx, m, req, resp.Body)
	}
	return rec, m.replyOf()
}

// readStream reads the SSE body event by event. This is the hot path: one
// timestamp per read, no work before it, JSON decoded after.
func (c *Client) readStream(ctx context.Context, m *measurement, req workloads.Request, body io.Reader) {
	sr := newSSEReader(body, c.now)
	dec := newEventDecoder()
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
			c.fail(m, classifyTransport(ctx, err, true), err, c.now())
			return
		}
		if string(data) == "[DONE]" {
			m.rec.DoneMarker = true
			c.finish(m, req, at)
			io.Copy(io.Discard, io.LimitReader(body, 64<<10)) // let the connection be reused
			return
		}
		if err == errUnterminated {
			c.fail(m, ErrStreamTruncated, fmt.Errorf("stream ended inside event %d", n), at)
			return
		}
		ch = chunk{}
		if jerr := dec.decode(data, &ch); jerr != nil {
			c.fail(m, ErrBadEvent, fmt.Errorf("event %d: %v: %q", n, jerr, truncate(string(data), 200)), at)
			return
		}
		if len(ch.Error) > 0 && string(ch.Error) != "null" {
			msg, code := inBandError(ch.Error)
			class := ErrHTTP5xx
			if code >= 400 && code < 500 {
				class = statusClass(code)
			}
			c.fail(m, class, fmt.Errorf("error event %d in stream: %s", n, msg), at)
			return
		}
		c.observe(m, &ch, at)
	}
}

// observe records one decoded event that arrived at at.
func (c *Client) observe(m *measurement, ch *chunk, at time.Time) {
	if m.rec.ResponseID == "" {
		m.rec.ResponseID = ch.ID
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
			m.rec.FinishReason = fr
		}
	}
	if ch.Usage != nil {
		m.usage = ch.Usage
	}
	if len(ch.Timings) > 0 {
		m.engineTimings = ch.Timings
	}
	if len(ch.MetaInfo) > 0 {
		m.engineMetaInfo = ch.MetaInfo
	}
}

// readJSON handles a server that answered a streaming request with one JSON
// body: the whole answer arrives at once, as a single event.
func (c *Client) readJSON(ctx context.Context, m *measurement, req workloads.Request, body io.Reader) {
	b, err := io.ReadAll(io.LimitReader(body, maxEventBytes))
	at := c.now()
	if err != nil {
		c.fail(m, classifyTransport(ctx, err, true), err, at)
		return
	}
	var resp struct {
		chunk
		Choices []struct {
			Message struct {
				chunkDeltaAlias
			} `json:"message"`
			Text         string `json:"text"`
			FinishReason string `json:"finish_reason"`
		} `json:"choices"`
	}
	if err := json.Unmarshal(b, &resp); err != nil {
		c.fail(m, ErrBadEvent, fmt.Errorf("JSON body: %v: %q", err, truncate(string(b), 200)), at)
		return
	}
	if len(resp.Error) > 0 && string(resp.Error) != "null" {
		msg, _ := inBandError(resp.Error)
		c.fail(m, ErrBadEvent, fmt.Errorf("error object in 2xx body: %s", msg), at)
		return
	}
	ch := resp.chunk
	ch.Choices = make([]chunkChoice, len(resp.Choices))
	for i, rc := range resp.Choices {
		ch.Choices[i].Delta = rc.Message.chunkDeltaAlias
		ch.Choices[i].Text = rc.Text
		ch.Choices[i].FinishReason = rc.FinishReason
	}
	c.observe(m, &ch, at)
	c.finish(m, req, at)
}

type chunkDeltaAlias = struct {
	Content          string          `json:"content"`
	ReasoningContent string          `json:"reasoning_content"`
	Reasoning        string          `json:"reasoning"`
	ToolCalls        []toolCallDelta `json:"tool_calls"`
}

// finish closes a request that ended properly at done.
func (c *Client) finish(m *measurement, req workloads.Request, done time.Time) {
	c.close(m, req, done)
	if m.tokenEvents == 0 {
		m.rec.OK = false
		m.rec.ErrorClass = ErrBadEvent
		m.rec.Error = "stream ended without any generated token"
		return
	}
	m.rec.OK = true
	if m.rec.OutputTokens >= 2 {
		tpot := (m.rec.E2EMS - *m.rec.TTFTMS) / float64(m.rec.OutputTokens-1)
		m.rec.TPOTMS = &tpot
	}
}

// fail closes a request that failed at t with the given class.
func (c *Client) fail(m *measurement, class string, err error, t time.Time) {
	c.close(m, workloads.Request{}, t)
	m.rec.OK = false
	m.rec.ErrorClass = class
	m.rec.Error = truncate(err.Error(), 500)
}

// close fills the fields common to success and failure.
func (c *Client) close(m *measurement, req workloads.Request, done time.Time) {
	r := m.rec
	r.E2EMS = Ms(done.Sub(m.start))
	if m.tokenEvents > 0 {
		r.TTFTMS = msPtr(m.first.Sub(m.start))
	}
	if r.EventsMS == nil {
		r.EventsMS = []float64{}
	}
	if u := m.usage; u != nil {
		r.TokensSource = TokensFromUsage
		r.InputTokens, r.OutputTokens = u.PromptTokens, u.CompletionTokens
		if u.PromptTokensDetails != nil {
			r.CachedTokens = u.PromptTokensDetails.CachedTokens
		}
		if u.CompletionTokensDetails != nil {
			r.ReasoningTokens = u.CompletionTokensDetails.ReasoningTokens
		}
	} else {
		// No usage from the server: one token per token-bearing event, and
		// the prompt length the workload intended (or a local estimate).
		r.TokensSource = TokensFromEstimate
		r.OutputTokens = m.tokenEvents
		r.InputTokens = req.InputTokens
		if r.InputTokens == 0 {
			r.InputTokens = workloads.ApproxTokens(completionPrompt(req))
		}
	}
	if !m.gotConn.IsZero() {
		r.HTTP = &HTTPTrace{ConnReused: m.connReused, ConnMS: msPtr(m.gotConn.Sub(m.start))}
		if !m.wroteRequest.IsZero() {
			r.HTTP.WroteRequestMS = msPtr(m.wroteRequest.Sub(m.start))
		}
		if !m.firstByte.IsZero() {
			r.HTTP.FirstByteMS = msPtr(m.firstByte.Sub(m.start))
		}
	}
	if len(m.engineTimings) > 0 || len(m.engineMetaInfo) > 0 {
		r.Engine = map[string]json.RawMessage{}
		if len(m.engineTimings) > 0 {
			r.Engine["timings"] = m.engineTimings
		}
		if len(m.engineMetaInfo) > 0 {
			r.Engine["meta_info"] = m.engineMetaInfo
		}
	}
}

func (m *measurement) replyOf() workloads.Reply {
	return workloads.Reply{OK: m.rec.OK, Content: m.reply.content.String(), Reasoning: m.reply.reasoning.String(), ToolCalls: m.reply.calls}
}

// errorBody reads a short error message from a non-2xx body: the OpenAI
// error.message (or FastAPI detail) when it parses, else the text.
func errorBody(r io.Reader) string {
	b, _ := io.ReadAll(io.LimitReader(r, 64<<10))
	var e struct {
		Error   json.RawMessage `json:"error"`
		Message string          `json:"message"`
		Detail  any             `json:"detail"`
	}
	if json.Unmarshal(b, &e) == nil {
		switch {
		case len(e.Error) > 0 && string(e.Error) != "null":
			msg, _ := inBandError(e.Error)
			return truncate(msg, 300)
		case e.Message != "":
			return truncate(e.Message, 300)
		case e.Detail != nil:
			return truncate(fmt.Sprint(e.Detail), 300)
		}
	}
	return truncate(string(b), 300)
}

func statusClass(code int) string {
	switch {
	case code == http.StatusTooManyRequests:
		return ErrHTTP429
	case code >= 500:
		return ErrHTTP5xx
	default:
		return ErrHTTP4xx // 4xx, and any other non-2xx status
	}
}
