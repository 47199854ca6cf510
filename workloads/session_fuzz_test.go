package workloads

import (
	"bytes"
	"os"
	"strings"
	"testing"
	"time"

	openai "github.com/sashabaranov/go-openai"
)

// sessPlayAll plays s in both history modes with replies that alternate
// tool calls, plain answers and failures, and checks what every parser's
// output must satisfy: turns in order, a context that never shrinks, every
// tool call of the history answered.
func sessPlayAll(t *testing.T, s *Session) {
	replies := []Reply{
		{OK: true, Content: "a", ToolCalls: []openai.ToolCall{{Function: openai.FunctionCall{Name: "f"}}}},
		{OK: true, Content: "b"},
		{},
	}
	for _, live := range []bool{false, true} {
		it := newSessionPlay(s, sessionOptions{live: live}).item()
		for k := 0; ; k++ {
			msgs := it.Request.Messages
			pending := map[string]bool{}
			for _, m := range msgs {
				for _, c := range m.ToolCalls {
					pending[c.ID] = true
				}
				if m.Role == openai.ChatMessageRoleTool {
					delete(pending, m.ToolCallID)
				}
			}
			if len(pending) > 0 {
				t.Fatalf("turn %d (live %v): tool calls %v unanswered", it.Turn, live, pending)
			}
			if it.Then == nil {
				break
			}
			next, d, more := it.Then(replies[k%len(replies)])
			if !more {
				break
			}
			if next.Turn != it.Turn+1 || d < 0 || next.Request.InputTokens < it.Request.InputTokens ||
				len(next.Request.Messages) <= len(msgs) {
				t.Fatalf("turn %d -> %d: delay %v, context %d -> %d", it.Turn, next.Turn, d,
					it.Request.InputTokens, next.Request.InputTokens)
			}
			it = next
		}
	}
}

func FuzzReadSessions(f *testing.F) {
	b, _ := os.ReadFile("testdata/sessions/basic.jsonl")
	f.Add(string(b))
	f.Add(`{"session_id": "a", "turns": [{"user": "x", "recorded": {"tool_calls": [{"function": {"name": "f"}}]}, "tool_results": [{"content": "o"}]}, {}]}`)
	f.Add(`{"session_id": "a", "start_ms": 1e308, "turns": [{"messages": [{"role": "user", "content": [{"type": "text", "text": "x"}]}]}]}`)
	f.Fuzz(func(t *testing.T, text string) {
		ss, _ := sessReadAll(text, "f.jsonl")
		for _, s := range ss {
			sessPlayAll(t, s)
			var buf bytes.Buffer
			if err := WriteSession(&buf, s); err != nil {
				continue // content and parts both set cannot be written back
			}
			if back, err := sessReadAll(buf.String(), "again.jsonl"); err != nil || len(back) != 1 {
				t.Fatalf("a valid session does not read back: %v\n%s", err, buf.String())
			}
		}
		// The validating pass agrees with the replay: it passes exactly
		// when the replay meets no error, and counts what the replay plays.
		spec := Spec{Path: "f.jsonl", TraceStart: time.Second, TraceDuration: time.Minute}
		plan, scanErr := scanSessions(ReadSessions(strings.NewReader(text), "f.jsonl"), spec)
		src, err := NewSessionSource(ReadSessions(strings.NewReader(text), "f.jsonl"), spec)
		if err != nil {
			t.Fatal(err)
		}
		items, playErr := sessItems(src)
		if scanErr == nil && (playErr != nil || len(items) != plan.Items) {
			t.Fatalf("scan passed with %d sessions; replay played %d, error %v", plan.Items, len(items), playErr)
		}
		if scanErr == nil && plan.Timed && len(items) > 0 && items[len(items)-1].Offset != plan.Span {
			t.Fatalf("span %v, last offset %v", plan.Span, items[len(items)-1].Offset)
		}
	})
}

func FuzzParseBFCL(f *testing.F) {
	b, _ := os.ReadFile("testdata/sessions/bfcl_sample.json")
	for _, l := range strings.Split(string(b), "\n") {
		f.Add(l)
	}
	f.Add(`{"id": "x", "question": [[{"role": "user", "content": "q"}], []], "involved_classes": ["A"], "excluded_function": ["g"]}`)
	docs := func(class string) ([]bfclFunc, error) {
		return []bfclFunc{{Name: "f.g", Parameters: map[string]any{"type": "dict", "properties": map[string]any{"x": map[string]any{"type": "float"}}}}}, nil
	}
	f.Fuzz(func(t *testing.T, line string) {
		s, err := parseBFCL([]byte(line), docs)
		if err != nil {
			return
		}
		for _, tl := range s.Tools {
			if _, ok := tl.Function.Parameters.(map[string]any); !ok || strings.Contains(tl.Function.Name, ".") {
				t.Fatalf("tool %+v", tl.Function)
			}
		}
		sessPlayAll(t, s)
	})
}

func FuzzParseSWEAgent(f *testing.F) {
	b, _ := os.ReadFile("testdata/sessions/swe_simple.traj")
	f.Add(b)
	f.Add([]byte(`{"history": [{"role": "system", "content": "s"}, {"role": "user", "content": [{"type": "text", "text": "u"}]}, {"role": "assistant", "content": "a", "tool_calls": [{"id": "1", "function": {"name": "f", "arguments": {"a": 1}}}]}, {"role": "tool", "content": "o", "tool_call_ids": ["1"]}], "trajectory": [{"action": "x", "execution_time": "0.5"}], "replay_config": "{\"agent\": {\"tools\": {\"command_docs\": \"f:\\n  docstring: d\\n\"}}}"}`))
	f.Add([]byte(`{"history": [{"role": "user", "content": "u"}], "tools": [{"function": {"name": "f"}}], "replay_config": {"agent": {"tools": {"tools": [{"type": "function", "function": {"name": "g"}}]}}}}`))
	f.Fuzz(func(t *testing.T, traj []byte) {
		s, err := parseSWEAgent(traj, "t")
		if err != nil {
			return
		}
		sessPlayAll(t, s)
	})
}

func FuzzMooncakeSessions(f *testing.F) {
	b, _ := os.ReadFile("testdata/sessions/mooncake_small.jsonl")
	f.Add(string(b))
	f.Add(`{"timestamp": 5, "input_length": 3, "output_length": 0, "hash_ids": []}` + "\n" + `{"timestamp": 1, "input_length": 9, "output_length": 2, "hash_ids": [-1, 7]}`)
	f.Fuzz(func(t *testing.T, text string) {
		reqs, err := readMooncake(strings.NewReader(text), "m.jsonl")
		if err != nil {
			return
		}
		n := 0
		for _, r := range reqs {
			if r.input > 1<<14 || r.output > 1<<14 {
				return // keep the words a fuzz input makes small
			}
		}
		for _, g := range groupMooncake(reqs, 4) {
			s := mooncakeSession(g, 4, 1)
			if err := s.Validate(); err != nil {
				t.Fatalf("session from %d requests invalid: %v", len(g), err)
			}
			if got := ApproxTokens(s.Turns[0].User); got != g[0].input {
				t.Fatalf("first prompt %d tokens, want %d", got, g[0].input)
			}
			n += len(g)
			sessPlayAll(t, s)
		}
		if n != len(reqs) {
			t.Fatalf("%d requests in sessions, %d read", n, len(reqs))
		}
	})
}

func FuzzCommandDocs(f *testing.F) {
	f.Add("bash:\n  docstring: run\n  signature: <c>\n  arguments:\n    - c (string) [required]: cmd\n")
	f.Add("a:\n  signature: x\nb:\n\nc:\n  arguments:\n    - (x) [optional]:\n")
	f.Add("edit:\n  docstring: d\n\nTips:\n\n1. x\n  signature: edit\nend:\n\n  arguments:\n    - a (int) [required]: b\n")
	f.Fuzz(func(t *testing.T, text string) {
		for _, tl := range parseCommandDocs(text) {
			if tl.Function == nil || tl.Function.Name == "" {
				t.Fatalf("tool without a name from %q", text)
			}
		}
	})
}
