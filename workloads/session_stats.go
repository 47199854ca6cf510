package workloads

// SessionShape is what a session file says about one session before
// anything is sent: for `workloads inspect`, and for reports that set what
// was measured beside what was intended.
type SessionShape struct {
	ID    string `json:"session_id"`
	Turns int    `json:"turns"`
	// StartMS is the session's trace start, nil when the run paces it.
	StartMS *float64 `json:"start_ms,omitempty"`
	// ThinkMS is the sum of the think times between turns.
	ThinkMS float64 `json:"think_ms"`
	// ToolCalls counts the recorded tool calls.
	ToolCalls int `json:"tool_calls"`
	// ContextTokens is the estimated size of the conversation each turn
	// sends in recorded mode (Request.InputTokens: messages, tool calls and
	// tool definitions). A turn without a recorded reply counts its reply
	// as empty, since only a live run knows it.
	ContextTokens []int `json:"context_tokens"`
	// MaxTokens is each turn's output cap (0: none given).
	MaxTokens []int `json:"max_tokens"`
}

// Shape plays s in recorded mode without sending anything and reports its
// turns. s must be valid (see Validate).
func (s *Session) Shape() SessionShape {
	sh := SessionShape{ID: s.ID, Turns: len(s.Turns), StartMS: s.StartMS}
	for _, t := range s.Turns {
		sh.ThinkMS += t.ThinkMS
		sh.MaxTokens = append(sh.MaxTokens, t.MaxTokens)
		if t.Recorded != nil {
			sh.ToolCalls += len(t.Recorded.ToolCalls)
		}
	}
	it := newSessionPlay(s, sessionOptions{}).item()
	for {
		sh.ContextTokens = append(sh.ContextTokens, it.Request.InputTokens)
		if it.Then == nil {
			break
		}
		next, _, more := it.Then(Reply{OK: true})
		if !more {
			break
		}
		it = next
	}
	return sh
}
