package workloads

import (
	"encoding/json"
	"fmt"
	"math"
	"slices"
	"strings"
	"time"

	openai "github.com/sashabaranov/go-openai"
)

// History modes of agentic sessions (Spec.History).
const (
	// HistoryRecorded appends the trace's recorded replies, so that every
	// run sends the same conversations and runs are comparable.
	HistoryRecorded = "recorded"
	// HistoryLive appends the model's actual replies, tool calls included.
	HistoryLive = "live"
)

// sessionOptions say how a session is played.
type sessionOptions struct {
	live bool
	// timeScale divides think times (2 = twice as fast); > 0.
	timeScale float64
	// maxTokens caps turns that give no max_tokens (0: the server decides).
	maxTokens int
}

// sessionPlay builds the requests of one session turn by turn. It is driven
// by one goroutine: the runner sends an item, then calls its Then with the
// reply, which appends to the history and builds the next item.
type sessionPlay struct {
	s       *Session
	o       sessionOptions
	history []openai.ChatCompletionMessage
	// historyTokens and toolsTokens are ApproxTokens of the history and of
	// the tool definitions, kept as the history grows.
	historyTokens, toolsTokens int
	sent                       int // items built so far
	extra                      map[string]any
	headers                    map[string]string
}

func newSessionPlay(s *Session, o sessionOptions) *sessionPlay {
	if !(o.timeScale > 0) {
		o.timeScale = 1
	}
	p := &sessionPlay{s: s, o: o}
	if s.System != "" {
		p.add(openai.ChatCompletionMessage{Role: openai.ChatMessageRoleSystem, Content: s.System})
	}
	if len(s.Tools) > 0 {
		if b, err := json.Marshal(s.Tools); err == nil {
			p.toolsTokens = ApproxTokens(string(b))
		}
	}
	if h := s.Hints; h != nil {
		p.headers = h.Headers
		if h.Priority != nil || len(h.Extra) > 0 {
			p.extra = make(map[string]any, len(h.Extra)+1)
			for k, v := range h.Extra {
				p.extra[k] = v
			}
			if h.Priority != nil {
				p.extra["priority"] = *h.Priority
			}
		}
	}
	return p
}

// item appends the input of the next turn to the history and returns the
// item that sends it. The last turn's item has no Then.
func (p *sessionPlay) item() Item {
	k := p.sent
	p.sent++
	t := &p.s.Turns[k]
	for _, m := range t.Messages {
		p.add(m)
	}
	if t.User != "" {
		p.add(openai.ChatCompletionMessage{Role: openai.ChatMessageRoleUser, Content: t.User})
	}
	maxTokens := t.MaxTokens
	if maxTokens == 0 {
		maxTokens = p.o.maxTokens
	}
	it := Item{
		Session: p.s.ID,
		Turn:    k + 1,
		Request: Request{
			Messages:    slices.Clip(p.history),
			Tools:       p.s.Tools,
			MaxTokens:   maxTokens,
			ForceLength: t.ForceLength && maxTokens > 0,
			InputTokens: p.historyTokens + p.toolsTokens,
			Extra:       p.extra,
			Headers:     p.headers,
		},
	}
	if k+1 < len(p.s.Turns) {
		it.Then = func(r Reply) (Item, time.Duration, bool) { return p.then(k, r) }
	}
	return it
}

// then records the reply to turn k and returns the next turn after its
// think time.
func (p *sessionPlay) then(k int, r Reply) (Item, time.Duration, bool) {
	if k != p.sent-1 || k+1 >= len(p.s.Turns) || !p.appendReply(k, r) {
		return Item{}, 0, false
	}
	delay := time.Duration(math.Round(p.s.Turns[k+1].ThinkMS / p.o.timeScale * float64(time.Millisecond)))
	return p.item(), delay, true
}

// appendReply adds the reply to turn k and the tool messages that answer
// it. It reports false when the session cannot go on: live history and a
// failed request leave no reply to append.
func (p *sessionPlay) appendReply(k int, r Reply) bool {
	t := &p.s.Turns[k]
	if rec := t.Recorded; rec != nil && !p.o.live {
		p.add(openai.ChatCompletionMessage{
			Role: openai.ChatMessageRoleAssistant, Content: rec.Content, ToolCalls: slices.Clone(rec.ToolCalls),
		})
		outs := t.outputs()
		for i, c := range rec.ToolCalls {
			p.add(openai.ChatCompletionMessage{Role: openai.ChatMessageRoleTool, ToolCallID: c.ID, Content: outs[i]})
		}
		return true
	}
	if !r.OK {
		return false
	}
	var calls []openai.ToolCall
	for i, c := range r.ToolCalls {
		c.Index = nil // a streaming field, not part of a request message
		if c.Type == "" {
			c.Type = openai.ToolTypeFunction
		}
		if c.ID == "" { // some servers stream calls without ids
			c.ID = fmt.Sprintf("call_t%d_%d", k+1, i)
		}
		calls = append(calls, c)
	}
	p.add(openai.ChatCompletionMessage{Role: openai.ChatMessageRoleAssistant, Content: r.Content, ToolCalls: calls})
	outs := t.outputs()
	switch {
	case len(calls) > 0:
		for i, c := range calls {
			content := syntheticToolResult
			if i < len(outs) {
				content = outs[i]
			}
			p.add(openai.ChatCompletionMessage{Role: openai.ChatMessageRoleTool, ToolCallID: c.ID, Content: content})
		}
	case len(outs) > 0:
		// The model called no tool, but the trace's tool output follows: send
		// it as user text, so the next request carries the same context.
		p.add(openai.ChatCompletionMessage{Role: openai.ChatMessageRoleUser, Content: strings.Join(outs, "\n\n")})
	}
	return true
}

func (p *sessionPlay) add(m openai.ChatCompletionMessage) {
	p.history = append(p.history, m)
	p.historyTokens += messageTokens(m)
}

// messageTokens estimates the tokens of a message's text, tool calls
// included (chat-template tokens are not counted).
func messageTokens(m openai.ChatCompletionMessage) int {
	n := ApproxTokens(m.Content)
	for _, part := range m.MultiContent {
		n += ApproxTokens(part.Text)
	}
	for _, c := range m.ToolCalls {
		n += ApproxTokens(c.Function.Name) + ApproxTokens(c.Function.Arguments)
	}
	return n
}
