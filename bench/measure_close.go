package bench

import (
	"encoding/json"
	"fmt"
	"time"

	"github.com/tokenbench/tokenbench/workloads"
)

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

// copyInt returns a pointer to a copy of *p, or nil.
func copyInt(p *int) *int {
	if p == nil {
		return nil
	}
	n := *p
	return &n
}
