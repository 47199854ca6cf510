package bench

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"mime"
	"net/http"
	"net/http/httptrace"
	"strings"
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
	inexactEvents  bool         // an event did not list its tokens
	tp             *tracePoints // of the attempt that counts
	engineTimings  json.RawMessage
	engineMetaInfo json.RawMessage
	keep           usageCopy // where usage points
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

// copyInt returns a pointer to a copy of *p, or nil.
func copyInt(p *int) *int {
	if p == nil {
		return nil
	}
	n := *p
	return &n
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
	// abandon ends the request from the client's side: after [DONE], a body
	// the server holds open is abandoned this way, closing its connection.
	ctx, abandon := context.WithCancel(ctx)
	defer abandon()
	base := ctx
	ctx = m.trace(base, c.now)
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
	if err != nil && neverReached(ctx, m, err) {
		ctx = m.trace(base, c.now)
		resp, err = c.retry(ctx, m, req, epoch)
	}
	if err != nil {
		if resp != nil {
			rec.Status = resp.StatusCode // a redirect loop's last answer
		}
		c.fail(m, classifyTransport(ctx, err, m.phase()), err, c.now())
		return rec, workloads.Reply{}
	}
	defer resp.Body.Close()
	rec.Status = resp.StatusCode
	if e := resp.Header.Get(EndpointHeader); e != "" && rec.Endpoint == "" {
		rec.Endpoint = e // a gateway in front named the replica
	}
	if resp.StatusCode < 200 || resp.StatusCode > 299 {
		c.fail(m, statusClass(resp.StatusCode), fmt.Errorf("HTTP %d: %s", resp.StatusCode, errorBody(resp.Body, c.redact)), c.now())
		return rec, workloads.Reply{}
	}
	if why := notAStream(resp); why != "" {
		c.fail(m, ErrBadEvent, fmt.Errorf("HTTP %d with %s, not an event stream: %q", resp.StatusCode, why, c.clip(peek(resp.Body), 120)), c.now())
		return rec, workloads.Reply{}
	}
	if ct, _, _ := mime.ParseMediaType(resp.Header.Get("Content-Type")); ct == "application/json" {
		c.readJSON(ctx, m, req, resp.Body)
	} else {
		c.readStream(ctx, m, req, resp.Body)
		if rec.DoneMarker {
			drainAfterDone(resp.Body, abandon)
		}
	}
	return rec, m.replyOf()
}

// neverReached tells a first attempt that provably never reached the
// server: it went out on a reused pooled connection and failed before any
// byte of response, as when the server closed a kept-alive connection (as
// llama-server does after every stream) just as the client took it from
// the pool. The run's cancellation and timeouts are not retried.
func neverReached(ctx context.Context, m *measurement, err error) bool {
	return m.tp.connReused && m.tp.firstByte.IsZero() && ctx.Err() == nil &&
		!errors.Is(err, context.Canceled) && !errors.Is(err, context.DeadlineExceeded) && !isRedirectLoop(err)
}

// tracePoints are the httptrace points of one attempt.
type tracePoints struct {
	gotConn, wroteRequest, firstByte time.Time
	connReused                       bool
}

// trace starts the trace points of a new attempt: a late callback of an
// abandoned attempt writes to that attempt's points, never to these.
func (m *measurement) trace(ctx context.Context, now func() time.Time) context.Context {
	tp := &tracePoints{}
	m.tp = tp
	return httptrace.WithClientTrace(ctx, &httptrace.ClientTrace{
		GotConn:              func(i httptrace.GotConnInfo) { tp.gotConn, tp.connReused = now(), i.Reused },
		WroteRequest:         func(httptrace.WroteRequestInfo) { tp.wroteRequest = now() },
		GotFirstResponseByte: func() { tp.firstByte = now() },
	})
}

// retry sends req a second time on a fresh connection after a first
// attempt that never reached the server. The record's t_start and trace
// points become the second attempt's, so the lost attempt shows as
// schedule lag (t_start - t_sched), not as server latency.
func (c *Client) retry(ctx context.Context, m *measurement, req workloads.Request, epoch time.Time) (*http.Response, error) {
	m.rec.Retried = true
	hr, err := c.newRequest(ctx, req)
	if err != nil {
		return nil, err
	}
	hc := freshClient(c.http)
	if hc == c.http {
		hr.Close = true
	}
	m.start = c.now()
	m.rec.TStartMS = Ms(m.start.Sub(epoch))
	return hc.Do(hr)
}

// sendRetrying sends the request build makes through hc, and once more on
// a fresh connection when the first attempt never reached the server (as
// Client.Do does): for the side requests of a run (/tokenize).
func sendRetrying(ctx context.Context, hc *http.Client, build func(context.Context) (*http.Request, error)) (*http.Response, error) {
	m := &measurement{}
	hr, err := build(m.trace(ctx, time.Now))
	if err != nil {
		return nil, err
	}
	resp, err := hc.Do(hr)
	if err == nil || !neverReached(ctx, m, err) {
		return resp, err
	}
	if hr, err = build(ctx); err != nil {
		return nil, err
	}
	fc := freshClient(hc)
	hr.Close = fc == hc
	return fc.Do(hr)
}

// phase tells how far the request got, from its trace points.
func (m *measurement) phase() phase {
	if m.tp.gotConn.IsZero() {
		return phaseDial
	}
	return phaseSent
}

// doneDrainBound bounds the wait, after data: [DONE], for the server to end
// the body. A server that holds the body open past it has its connection
// closed (not reused) rather than holding the request's slot.
const doneDrainBound = 100 * time.Millisecond

// drainAfterDone reads what follows [DONE] (normally only the end of the
// chunked body) so that the connection can be reused, for at most
// doneDrainBound; past it the request is abandoned, which closes the
// connection.
func drainAfterDone(body io.Reader, abandon func()) {
	t := time.AfterFunc(doneDrainBound, abandon)
	io.Copy(io.Discard, io.LimitReader(body, 64<<10))
	t.Stop()
}

// notAStream names why a 2xx answer cannot be an OpenAI stream or JSON
// answer: a compressed body (tokenbench asks for none) or a content type
// such as text/html (a login page, a proxy's error page). An absent type,
// text/plain (servers that do not set one) and JSON are read.
func notAStream(resp *http.Response) string {
	if enc := resp.Header.Get("Content-Encoding"); enc != "" && !strings.EqualFold(enc, "identity") {
		return "Content-Encoding " + enc
	}
	raw := resp.Header.Get("Content-Type")
	if raw == "" {
		return ""
	}
	ct, _, err := mime.ParseMediaType(raw)
	if err != nil {
		return "Content-Type " + raw
	}
	switch {
	case ct == "text/event-stream", ct == "text/plain", ct == "application/json", strings.HasSuffix(ct, "+json"), ct == "application/x-ndjson":
		return ""
	}
	return "Content-Type " + ct
}

// peek reads the start of a body that will not be used, for the error.
func peek(r io.Reader) string {
	b, _ := io.ReadAll(io.LimitReader(r, 120))
	return string(b)
}

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
	m.rec.Error = c.clip(err.Error(), 500)
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
	if u := m.usage; u != nil && m.suspect(u) == "" {
		r.TokensSource = TokensFromUsage
		r.InputTokens, r.OutputTokens = u.PromptTokens, u.CompletionTokens
		if u.PromptTokensDetails != nil {
			r.CachedTokens = copyInt(u.PromptTokensDetails.CachedTokens)
		}
		if u.CompletionTokensDetails != nil {
			r.ReasoningTokens = copyInt(u.CompletionTokensDetails.ReasoningTokens)
		}
	} else {
		// No usage from the server, or usage not believed: the tokens the
		// events carried (one per event unless logprobs listed them), and
		// the prompt length the workload intended (or a local estimate).
		if u != nil {
			r.UsageSuspect = m.suspect(u)
			in, out := u.PromptTokens, u.CompletionTokens
			r.UsageInputTokens, r.UsageOutputTokens = &in, &out
		}
		r.TokensSource = TokensFromEstimate
		r.OutputTokens = m.eventTokens()
		r.InputTokens = req.InputTokens
		if r.InputTokens == 0 {
			r.InputTokens = workloads.ApproxTokens(CompletionPrompt(req))
		}
	}
	if tp := m.tp; tp != nil && !tp.gotConn.IsZero() {
		r.HTTP = &HTTPTrace{ConnReused: tp.connReused, ConnMS: msPtr(tp.gotConn.Sub(m.start))}
		if !tp.wroteRequest.IsZero() {
			r.HTTP.WroteRequestMS = msPtr(tp.wroteRequest.Sub(m.start))
		}
		if !tp.firstByte.IsZero() {
			r.HTTP.FirstByteMS = msPtr(tp.firstByte.Sub(m.start))
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

// Bounds on believable usage (docs/METRICS.md, "usage not believed"):
// completion_tokens may exceed max_tokens by maxTokensAllowance (or 1% of
// it, if more), and may exceed both usagePerEvent tokens per token-bearing
// event and one token per byte of generated text by usageSlack.
const (
	maxTokensAllowance = 2
	usagePerEvent      = 32
	usageSlack         = 16
)

// suspect says why usage u cannot be believed for this stream, or "".
func (m *measurement) suspect(u *usage) string {
	if u.PromptTokens < 0 || u.CompletionTokens < 0 {
		return fmt.Sprintf("negative: prompt_tokens %d, completion_tokens %d", u.PromptTokens, u.CompletionTokens)
	}
	if mt := m.rec.MaxTokens; mt > 0 && u.CompletionTokens > mt+max(maxTokensAllowance, mt/100) {
		return fmt.Sprintf("completion_tokens %d above max_tokens %d", u.CompletionTokens, mt)
	}
	// Reasoning the server counted but did not stream (OpenAI's hidden
	// reasoning) is not compared with the stream.
	visible := u.CompletionTokens
	if d := u.CompletionTokensDetails; d != nil && d.ReasoningTokens != nil && *d.ReasoningTokens > 0 && m.reply.reasoning.Len() == 0 {
		visible -= min(*d.ReasoningTokens, visible)
	}
	events, text := m.tokenEvents, m.reply.textBytes()
	if visible > usagePerEvent*events+usageSlack && visible > text+usageSlack {
		return fmt.Sprintf("completion_tokens %d from %d token-bearing events carrying %d bytes of text", u.CompletionTokens, events, text)
	}
	return ""
}

// eventTokens counts output tokens from the stream itself: the sum of
// event_tokens when logprobs listed every event's tokens, else one per
// token-bearing event.
func (m *measurement) eventTokens() int {
	if len(m.rec.EventTokens) > 0 && len(m.rec.EventTokens) == m.tokenEvents {
		n := 0
		for _, k := range m.rec.EventTokens {
			n += k
		}
		return n
	}
	return m.tokenEvents
}

func (m *measurement) replyOf() workloads.Reply {
	return workloads.Reply{OK: m.rec.OK, Content: m.reply.content.String(), Reasoning: m.reply.reasoning.String(), ToolCalls: m.reply.calls}
}

// errorBody reads a short error message from a non-2xx body: the OpenAI
// error.message (or FastAPI detail) when it parses, else the text.
func errorBody(r io.Reader, redact func(string) string) string {
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
			return truncate(redact(msg), 300)
		case e.Message != "":
			return truncate(redact(e.Message), 300)
		case e.Detail != nil:
			return truncate(redact(fmt.Sprint(e.Detail)), 300)
		}
	}
	return truncate(redact(string(b)), 300)
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
