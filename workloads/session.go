// # Agentic sessions
//
// The kinds sessions, bfcl, swe-agent and mooncake-sessions play sessions. A
// session is a sequence of turns. Each turn sends the whole conversation so
// far (system prompt, tool definitions, every earlier user, assistant and
// tool message) plus the turn's own input, streams the answer, and after the
// next turn's think_ms sends the next turn. The session file is JSONL, one
// session per line:
//
//	{"session_id": "s1", "start_ms": 0, "system": "...", "tools": [OpenAI tools],
//	 "hints": {"priority": 1, "headers": {...}, "extra": {...}},
//	 "turns": [{"user": "...", "messages": [...], "think_ms": 0, "max_tokens": 256,
//	            "force_length": false,
//	            "recorded": {"content": "...", "tool_calls": [...]},
//	            "tool_results": [{"tool_call_id": "...", "content": "..."}]}]}
//
// Turn k sends: history + turn k's messages + turn k's user text. The reply
// then joins the history: with History "recorded" the turn's recorded reply,
// with "live" (or when the turn records none) the model's actual reply,
// content and tool_calls (reasoning is not sent back). Tool messages follow
// the reply: one per tool call, answering the call's id, with the turn's
// tool_results as content (by tool_call_id, else by position; "ok" when the
// file has none). In live mode the ids are the model's own, results are
// matched by position, and when the model called no tool the turn's results
// go into one user message instead. A failed reply ends a session in live
// mode (there is nothing to append); recorded mode goes on. The full
// reference, with the converters' mappings, is session_schema.md.
package workloads

import (
	"fmt"
	"math"

	openai "github.com/sashabaranov/go-openai"
)

// Session is one line of a session JSONL file.
type Session struct {
	ID string `json:"session_id"`
	// StartMS is the session's start offset in trace time; when set on every
	// session of a file the sessions start on the trace's clock, otherwise the
	// run's arrival process starts them.
	StartMS *float64      `json:"start_ms,omitempty"`
	System  string        `json:"system,omitempty"`
	Tools   []openai.Tool `json:"tools,omitempty"`
	Hints   *Hints        `json:"hints,omitempty"`
	Turns   []Turn        `json:"turns"`

	// where names the session's origin (file:line) in error messages.
	where string
}

// Hints are passed through to every request of a session, for engines and
// gateways that use them.
type Hints struct {
	// Priority is sent as the body field "priority" (vLLM's scheduler priority).
	Priority *int `json:"priority,omitempty"`
	// Headers are added to each request (for example an expected output length).
	Headers map[string]string `json:"headers,omitempty"`
	// Extra body fields, sent as given.
	Extra map[string]any `json:"extra,omitempty"`
}

// Turn is one request of a session and what followed it.
type Turn struct {
	// User is the turn's user message; Messages, when given, go before it
	// (any role, for example extra context or a second system message).
	User     string                         `json:"user,omitempty"`
	Messages []openai.ChatCompletionMessage `json:"messages,omitempty"`
	// ThinkMS is the delay from the end of the previous turn's answer to this
	// turn's start (user think time or tool latency). The first turn has none.
	ThinkMS float64 `json:"think_ms,omitempty"`
	// MaxTokens caps the answer (0: the run's --max-tokens, else the server's).
	MaxTokens int `json:"max_tokens,omitempty"`
	// ForceLength asks for exactly MaxTokens tokens (ignore_eos, min_tokens).
	ForceLength bool `json:"force_length,omitempty"`
	// Recorded is the reply the trace recorded, appended in recorded mode.
	Recorded *RecordedReply `json:"recorded,omitempty"`
	// ToolResults answer the tool calls of this turn's reply.
	ToolResults []ToolResult `json:"tool_results,omitempty"`
}

// RecordedReply is an assistant message as the trace recorded it.
type RecordedReply struct {
	Content   string            `json:"content,omitempty"`
	ToolCalls []openai.ToolCall `json:"tool_calls,omitempty"`
}

// ToolResult is the output of one tool call.
type ToolResult struct {
	// ToolCallID names the recorded call it answers; empty matches by position.
	ToolCallID string `json:"tool_call_id,omitempty"`
	Content    string `json:"content"`
}

// syntheticToolResult answers a tool call the file gives no result for.
const syntheticToolResult = "ok"

// maxSessionMS bounds start_ms and think_ms so that they fit a Duration.
const maxSessionMS = math.MaxInt64 / 1e6

// Validate checks s against the schema and fills what the schema defaults
// (ids of recorded tool calls without one: "call_<turn>_<index>"). Errors
// name the field, as in turns[2].tool_results[0].tool_call_id.
func (s *Session) Validate() error {
	if s.ID == "" {
		return sessFieldErr("session_id", "missing")
	}
	if s.StartMS != nil && !(*s.StartMS >= 0 && *s.StartMS < maxSessionMS) {
		return sessFieldErr("start_ms", "must be a non-negative number of milliseconds, got %v", *s.StartMS)
	}
	for i, t := range s.Tools {
		if t.Type != openai.ToolTypeFunction || t.Function == nil || t.Function.Name == "" {
			return sessFieldErr(fmt.Sprintf("tools[%d]", i), `want {"type": "function", "function": {"name": ...}}`)
		}
	}
	if h := s.Hints; h != nil && h.Priority != nil {
		if _, dup := h.Extra["priority"]; dup {
			return sessFieldErr("hints.extra.priority", "given twice (hints.priority is set)")
		}
	}
	if len(s.Turns) == 0 {
		return sessFieldErr("turns", "a session needs at least one turn")
	}
	for k := range s.Turns {
		if err := s.validateTurn(k); err != nil {
			return err
		}
	}
	return nil
}

func (s *Session) validateTurn(k int) error {
	t := &s.Turns[k]
	at := func(field string) string { return fmt.Sprintf("turns[%d]%s", k, field) }
	switch {
	case !(t.ThinkMS >= 0 && t.ThinkMS < maxSessionMS):
		return sessFieldErr(at(".think_ms"), "must be a non-negative number of milliseconds, got %v", t.ThinkMS)
	case k == 0 && t.ThinkMS != 0:
		return sessFieldErr(at(".think_ms"), "the first turn has no think time (start_ms or the arrival process starts it)")
	case t.MaxTokens < 0:
		return sessFieldErr(at(".max_tokens"), "must not be negative, got %d", t.MaxTokens)
	case t.ForceLength && t.MaxTokens == 0:
		return sessFieldErr(at(".force_length"), "needs max_tokens")
	}
	for i, m := range t.Messages {
		if m.Role == "" {
			return sessFieldErr(at(fmt.Sprintf(".messages[%d].role", i)), "missing")
		}
	}
	empty := t.User == "" && len(t.Messages) == 0
	if k == 0 && empty {
		return sessFieldErr(at(""), "the first turn needs user or messages")
	}
	if k > 0 && empty {
		// After a recorded reply without tool calls there would be nothing to
		// send but the history, ending with the assistant's own message.
		p := &s.Turns[k-1]
		if p.Recorded != nil && len(p.Recorded.ToolCalls) == 0 && len(p.ToolResults) == 0 {
			return sessFieldErr(at(""), "needs user or messages: the previous turn's reply called no tool")
		}
	}
	if t.Recorded == nil {
		return nil
	}
	ids := map[string]bool{}
	for i := range t.Recorded.ToolCalls {
		tc := &t.Recorded.ToolCalls[i]
		f := at(fmt.Sprintf(".recorded.tool_calls[%d]", i))
		if tc.Function.Name == "" {
			return sessFieldErr(f+".function.name", "missing")
		}
		if tc.Type == "" {
			tc.Type = openai.ToolTypeFunction
		}
		tc.Index = nil
		if tc.ID == "" {
			tc.ID = fmt.Sprintf("call_%d_%d", k+1, i)
		}
		if ids[tc.ID] {
			return sessFieldErr(f+".id", "%q used twice in one reply", tc.ID)
		}
		ids[tc.ID] = true
	}
	if len(t.ToolResults) > 0 && len(t.Recorded.ToolCalls) == 0 {
		return sessFieldErr(at(".tool_results"), "the recorded reply has no tool_calls to answer")
	}
	if _, err := t.recordedResults(); err != nil {
		return sessFieldErr(at(".tool_results"), "%v", err)
	}
	return nil
}

// recordedResults returns the content answering each recorded tool call, in
// call order: the result naming the call's id, else the result at the same
// position without an id, else the synthetic "ok".
func (t *Turn) recordedResults() ([]string, error) {
	calls := t.Recorded.ToolCalls
	out := make([]string, len(calls))
	set := make([]bool, len(calls))
	index := make(map[string]int, len(calls))
	for i, tc := range calls {
		index[tc.ID] = i
	}
	for j, r := range t.ToolResults {
		i := j
		if r.ToolCallID != "" {
			var ok bool
			if i, ok = index[r.ToolCallID]; !ok {
				return nil, fmt.Errorf("[%d].tool_call_id %q answers no recorded tool call", j, r.ToolCallID)
			}
		} else if i >= len(calls) {
			return nil, fmt.Errorf("[%d]: more results than recorded tool calls (%d)", j, len(calls))
		}
		if set[i] {
			return nil, fmt.Errorf("[%d]: tool call %q answered twice", j, calls[i].ID)
		}
		out[i], set[i] = r.Content, true
	}
	for i := range out {
		if !set[i] {
			out[i] = syntheticToolResult
		}
	}
	return out, nil
}

// outputs are the tool outputs of the turn in order: the answers to the
// recorded calls, or the listed results when nothing is recorded.
func (t *Turn) outputs() []string {
	if t.Recorded != nil && len(t.Recorded.ToolCalls) > 0 {
		if out, err := t.recordedResults(); err == nil {
			return out
		}
	}
	out := make([]string, len(t.ToolResults))
	for i, r := range t.ToolResults {
		out[i] = r.Content
	}
	return out
}

// sessFieldError is a schema error at a field of a session.
type sessFieldError struct{ field, msg string }

func (e *sessFieldError) Error() string { return e.field + ": " + e.msg }

func sessFieldErr(field, format string, args ...any) error {
	return &sessFieldError{field: field, msg: fmt.Sprintf(format, args...)}
}
