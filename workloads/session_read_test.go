package workloads

import (
	"bytes"
	"errors"
	"io"
	"os"
	"reflect"
	"strings"
	"testing"
)

// sessReadAll reads every session of a JSONL text.
func sessReadAll(text, name string) ([]*Session, error) {
	r := ReadSessions(strings.NewReader(text), name)
	var out []*Session
	for {
		s, err := r.Next()
		if errors.Is(err, io.EOF) {
			return out, nil
		}
		if err != nil {
			return out, err
		}
		out = append(out, s)
	}
}

func TestReadSessionsFile(t *testing.T) {
	b, err := os.ReadFile("testdata/sessions/basic.jsonl")
	if err != nil {
		t.Fatal(err)
	}
	ss, err := sessReadAll(string(b), "basic.jsonl")
	if err != nil {
		t.Fatal(err)
	}
	if len(ss) != 2 || ss[0].ID != "fix-42" || ss[1].ID != "chat-1" {
		t.Fatalf("read %d sessions", len(ss))
	}
	s := ss[0]
	if len(s.Tools) != 1 || s.Tools[0].Function.Name != "bash" || *s.Hints.Priority != 1 || len(s.Turns) != 3 {
		t.Errorf("session fix-42 read wrong: %+v", s)
	}
	if c := s.Turns[0].Recorded.ToolCalls[0]; c.ID != "c1" || c.Function.Arguments != `{"command":"make"}` {
		t.Errorf("recorded tool call %+v", c)
	}
	if ss[1].Turns[1].ThinkMS != 2500.5 || ss[1].where != "basic.jsonl line 3" {
		t.Errorf("chat-1: think %v where %q", ss[1].Turns[1].ThinkMS, ss[1].where)
	}
}

func TestSessionRoundTrip(t *testing.T) {
	b, _ := os.ReadFile("testdata/sessions/basic.jsonl")
	first, err := sessReadAll(string(b), "basic.jsonl")
	if err != nil {
		t.Fatal(err)
	}
	var buf bytes.Buffer
	for _, s := range first {
		if err := WriteSession(&buf, s); err != nil {
			t.Fatal(err)
		}
	}
	if n := strings.Count(buf.String(), "\n"); n != len(first) {
		t.Fatalf("wrote %d lines for %d sessions", n, len(first))
	}
	again, err := sessReadAll(buf.String(), "again.jsonl")
	if err != nil {
		t.Fatal(err)
	}
	for i := range first {
		first[i].where, again[i].where = "", ""
		// parameters decode as map[string]any both times; compare as JSON
		a, b := new(bytes.Buffer), new(bytes.Buffer)
		WriteSession(a, first[i])
		WriteSession(b, again[i])
		if a.String() != b.String() || !reflect.DeepEqual(first[i].Turns, again[i].Turns) {
			t.Errorf("session %d changed in a round trip:\n%s\n%s", i, a, b)
		}
	}
}

func TestReadSessionsErrors(t *testing.T) {
	const good = `{"session_id": "a", "turns": [{"user": "hi"}]}`
	tests := []struct {
		name, text, want string
	}{
		{"not JSON", `{"session_id": "a", "turns": [`, "x.jsonl line 1: session: truncated JSON"},
		{"syntax", `{"session_id": "a" "turns": []}`, "x.jsonl line 1: session: invalid JSON at byte 20"},
		{"not an object", `[1, 2]`, "x.jsonl line 1: session: want an object, got array"},
		{"unknown field", `{"session_id": "a", "turnz": []}`, `x.jsonl line 1: session: unknown field "turnz"`},
		{"unknown turn field", good + "\n" + `{"session_id": "b", "turns": [{"user": "x"}, {"think_s": 5}]}`,
			`x.jsonl line 2: turns[1]: unknown field "think_s"`},
		{"turn field type", `{"session_id": "a", "turns": [{"user": "x", "think_ms": "5"}]}`,
			"x.jsonl line 1: turns[0].think_ms: want a number, got string"},
		{"tool shape", `{"session_id": "a", "tools": [{"type": "function", "function": {"nam": "f"}}], "turns": [{"user": "x"}]}`,
			`x.jsonl line 1: tools[0]: unknown field "nam"`},
		{"tool without name", `{"session_id": "a", "tools": [{"type": "function"}], "turns": [{"user": "x"}]}`,
			"x.jsonl line 1: tools[0]: want"},
		{"missing id", `{"turns": [{"user": "x"}]}`, "x.jsonl line 1: session_id: missing"},
		{"duplicate id", good + "\n\n" + good, `x.jsonl line 3: session_id: "a" already used on line 1`},
		{"no turns", `{"session_id": "a", "turns": []}`, "turns: a session needs at least one turn"},
		{"empty first turn", `{"session_id": "a", "turns": [{"max_tokens": 3}]}`, "turns[0]: the first turn needs user or messages"},
		{"first turn think", `{"session_id": "a", "turns": [{"user": "x", "think_ms": 4}]}`, "turns[0].think_ms: the first turn has no think time"},
		{"negative think", `{"session_id": "a", "turns": [{"user": "x"}, {"user": "y", "think_ms": -1}]}`, "turns[1].think_ms: must be a non-negative"},
		{"negative start", `{"session_id": "a", "start_ms": -5, "turns": [{"user": "x"}]}`, "start_ms: must be a non-negative"},
		{"force without max", `{"session_id": "a", "turns": [{"user": "x", "force_length": true}]}`, "turns[0].force_length: needs max_tokens"},
		{"message without role", `{"session_id": "a", "turns": [{"messages": [{"content": "x"}]}]}`, "turns[0].messages[0].role: missing"},
		{"nothing after a plain reply", `{"session_id": "a", "turns": [{"user": "x", "recorded": {"content": "r"}}, {"think_ms": 1}]}`,
			"turns[1]: needs user or messages"},
		{"results without calls", `{"session_id": "a", "turns": [{"user": "x", "recorded": {"content": "r"}, "tool_results": [{"content": "o"}]}]}`,
			"turns[0].tool_results: the recorded reply has no tool_calls"},
		{"result for an unknown call", `{"session_id": "a", "turns": [{"user": "x", "recorded": {"tool_calls": [{"id": "c1", "function": {"name": "f"}}]}, "tool_results": [{"tool_call_id": "c9", "content": "o"}]}]}`,
			`turns[0].tool_results: [0].tool_call_id "c9" answers no recorded tool call`},
		{"call answered twice", `{"session_id": "a", "turns": [{"user": "x", "recorded": {"tool_calls": [{"id": "c1", "function": {"name": "f"}}]}, "tool_results": [{"content": "o"}, {"tool_call_id": "c1", "content": "p"}]}]}`,
			`turns[0].tool_results: [1]: tool call "c1" answered twice`},
		{"duplicate call id", `{"session_id": "a", "turns": [{"user": "x", "recorded": {"tool_calls": [{"id": "c1", "function": {"name": "f"}}, {"id": "c1", "function": {"name": "g"}}]}}]}`,
			`turns[0].recorded.tool_calls[1].id: "c1" used twice`},
		{"call without name", `{"session_id": "a", "turns": [{"user": "x", "recorded": {"tool_calls": [{"id": "c1"}]}}]}`,
			"turns[0].recorded.tool_calls[0].function.name: missing"},
		{"priority twice", `{"session_id": "a", "hints": {"priority": 1, "extra": {"priority": 2}}, "turns": [{"user": "x"}]}`,
			"hints.extra.priority: given twice"},
		{"trailing data", `{"session_id": "a", "turns": [{"user": "x"}]} {}`, "x.jsonl line 1: session: unexpected data"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := sessReadAll(tt.text, "x.jsonl")
			if err == nil || !strings.Contains(err.Error(), tt.want) {
				t.Fatalf("error %v, want it to contain %q", err, tt.want)
			}
			if !strings.HasPrefix(err.Error(), "workloads: x.jsonl line ") {
				t.Errorf("error %q does not name the file and line", err)
			}
		})
	}
}

func TestValidateFillsCallIDs(t *testing.T) {
	ss, err := sessReadAll(`{"session_id": "a", "turns": [{"user": "x", "recorded": {"tool_calls": [{"function": {"name": "f"}}, {"function": {"name": "g"}}]}, "tool_results": [{"content": "o1"}, {"content": "o2"}]}, {"user": "y"}]}`, "x.jsonl")
	if err != nil {
		t.Fatal(err)
	}
	calls := ss[0].Turns[0].Recorded.ToolCalls
	if calls[0].ID != "call_1_0" || calls[1].ID != "call_1_1" || calls[0].Type != "function" {
		t.Errorf("ids %q %q type %q", calls[0].ID, calls[1].ID, calls[0].Type)
	}
	if got := ss[0].Turns[0].outputs(); !reflect.DeepEqual(got, []string{"o1", "o2"}) {
		t.Errorf("outputs by position %v", got)
	}
}
