package workloads

import (
	"encoding/json"
	"os"
	"reflect"
	"strings"
	"testing"
)

func TestParseSWEAgentSimple(t *testing.T) {
	b, err := os.ReadFile("testdata/sessions/swe_simple.traj")
	if err != nil {
		t.Fatal(err)
	}
	s, err := parseSWEAgent(b, "simple")
	if err != nil {
		t.Fatal(err)
	}
	// 1 system, 1 user, 5 assistant + 5 tool messages.
	if s.ID != "simple" || !strings.HasPrefix(s.System, "SETTING:") || len(s.Turns) != 5 {
		t.Fatalf("id %q, %d turns", s.ID, len(s.Turns))
	}
	if !strings.HasPrefix(s.Turns[0].User, "We're currently solving") {
		t.Errorf("turn 1 input %q", s.Turns[0].User)
	}
	var names []string
	for k, turn := range s.Turns {
		if k > 0 && (turn.User != "" || len(turn.Messages) > 0) {
			t.Errorf("turn %d: a tool continuation has no input of its own", k+1)
		}
		if turn.Recorded == nil || len(turn.Recorded.ToolCalls) != 1 || len(turn.ToolResults) != 1 ||
			turn.ToolResults[0].ToolCallID != turn.Recorded.ToolCalls[0].ID {
			t.Fatalf("turn %d: recorded %+v results %+v", k+1, turn.Recorded, turn.ToolResults)
		}
		names = append(names, turn.Recorded.ToolCalls[0].Function.Name)
	}
	if want := []string{"find_file", "open", "edit", "bash", "submit"}; !reflect.DeepEqual(names, want) {
		t.Errorf("calls %v, want %v", names, want)
	}
	// No command docs: tools are derived from the calls, in order of use.
	var tools []string
	for _, tl := range s.Tools {
		tools = append(tools, tl.Function.Name)
	}
	if !reflect.DeepEqual(tools, names) {
		t.Errorf("derived tools %v", tools)
	}
	if p, _ := json.Marshal(s.Tools[2].Function.Parameters); string(p) != `{"properties":{"replace":{"type":"string"},"search":{"type":"string"}},"type":"object"}` {
		t.Errorf("derived edit parameters %s", p)
	}
}

// TestParseSWEAgentReal reads the full public trajectory: tools from its
// command docs, think times from the steps' execution_time.
func TestParseSWEAgentReal(t *testing.T) {
	b, err := os.ReadFile("../../shared/data/traces/swe-agent/marshmallow-1867.function_calling.traj")
	if err != nil {
		t.Skip("shared data not present")
	}
	s, err := parseSWEAgent(b, "marshmallow")
	if err != nil {
		t.Fatal(err)
	}
	if len(s.Turns) != 11 {
		t.Fatalf("%d turns, want the 11 assistant messages", len(s.Turns))
	}
	var tr struct {
		Trajectory []struct {
			ExecutionTime float64 `json:"execution_time"`
		} `json:"trajectory"`
	}
	json.Unmarshal(b, &tr)
	for k := 1; k < len(s.Turns); k++ {
		want := tr.Trajectory[k-1].ExecutionTime * 1000
		if d := s.Turns[k].ThinkMS - want; d > 0.001 || d < -0.001 {
			t.Errorf("turn %d think %v ms, want step %d's execution time %v ms", k+1, s.Turns[k].ThinkMS, k, want)
		}
	}
	var names []string
	for _, tl := range s.Tools {
		names = append(names, tl.Function.Name)
	}
	want := "bash goto open create scroll_up scroll_down find_file search_dir search_file edit submit"
	if strings.Join(names, " ") != want {
		t.Errorf("tools %v, want the command docs' %s", names, want)
	}
	edit, _ := json.Marshal(s.Tools[9].Function)
	if !strings.Contains(string(edit), `"required":["start_line","end_line","replacement_text"]`) ||
		!strings.Contains(string(edit), `"start_line":{"description":"the line number to start the edit at","type":"integer"}`) {
		t.Errorf("edit tool %s", edit)
	}
	// Ids repeat across turns in this trajectory; each turn answers its own.
	if s.Turns[2].Recorded.ToolCalls[0].ID != s.Turns[3].Recorded.ToolCalls[0].ID {
		t.Log("trajectory changed upstream; the repeated-id case is not covered")
	}
}

func TestParseSWEAgentErrors(t *testing.T) {
	tests := []struct{ name, traj, want string }{
		{"not JSON", `{"history": [`, "session: invalid JSON at byte 13"},
		{"no history", `{"trajectory": []}`, "history: empty"},
		{"tool first", `{"history": [{"role": "user", "content": "x"}, {"role": "tool", "content": "o", "tool_call_ids": ["a"]}]}`,
			"history[1]: a tool message must follow an assistant message"},
		{"bad role", `{"history": [{"role": "robot", "content": "x"}]}`, `history[0].role: unknown role "robot"`},
		{"bad content", `{"history": [{"role": "user", "content": 5}]}`, "history[0].content: want a string or a list of text parts"},
		{"image part", `{"history": [{"role": "user", "content": [{"type": "image_url"}]}]}`, `history[0].content: [0]: part type "image_url" is not text`},
		{"bad arguments", `{"history": [{"role": "user", "content": "x"}, {"role": "assistant", "content": "", "tool_calls": [{"id": "a", "function": {"name": "f", "arguments": 5}}]}]}`,
			"history[1].tool_calls[0].function.arguments: want a JSON string or object"},
		{"result for another call", `{"history": [{"role": "user", "content": "x"}, {"role": "assistant", "content": "", "tool_calls": [{"id": "a", "function": {"name": "f"}}]}, {"role": "tool", "content": "o", "tool_call_ids": ["b"]}]}`,
			`turns[0].tool_results: [0].tool_call_id "b" answers no recorded tool call`},
		{"bad execution time", `{"history": [{"role": "user", "content": "x"}], "trajectory": [{"execution_time": "soon"}]}`, "trajectory[0]: execution_time: want seconds, got \"soon\""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := parseSWEAgent([]byte(tt.traj), "t")
			if err == nil || !strings.Contains(err.Error(), tt.want) {
				t.Errorf("error %v, want %q", err, tt.want)
			}
		})
	}
}

func TestParseSWEAgentShapes(t *testing.T) {
	// Text parts, object arguments, a trailing user message, a sub-agent.
	traj := `{"history": [
	  {"role": "system", "content": "sys", "agent": "main"},
	  {"role": "user", "content": [{"type": "text", "text": "do "}, {"type": "text", "text": "it"}], "agent": "main"},
	  {"role": "assistant", "content": "ok", "agent": "main", "action": "ls", "tool_calls": [{"id": "a", "type": "function", "function": {"name": "bash", "arguments": {"command": "ls", "n": 2}}}]},
	  {"role": "user", "content": "ignored", "agent": "reviewer"},
	  {"role": "tool", "content": "file", "agent": "main", "tool_call_id": "a"},
	  {"role": "user", "content": "format error", "agent": "main"},
	  {"role": "assistant", "content": "sorry", "agent": "main", "action": "x"},
	  {"role": "user", "content": "last words", "agent": "main"}],
	 "trajectory": [{"action": "ls", "execution_time": "1.5"}, {"action": "x", "execution_time": null}]}`
	s, err := parseSWEAgent([]byte(traj), "t")
	if err != nil {
		t.Fatal(err)
	}
	if len(s.Turns) != 3 || s.Turns[0].User != "do it" || s.Turns[1].User != "format error" || s.Turns[2].User != "last words" {
		t.Fatalf("turns %+v", s.Turns)
	}
	if a := s.Turns[0].Recorded.ToolCalls[0].Function.Arguments; a != `{"command":"ls","n":2}` {
		t.Errorf("arguments %s", a)
	}
	if s.Turns[1].ThinkMS != 1500 || s.Turns[2].ThinkMS != 0 {
		t.Errorf("think %v %v", s.Turns[1].ThinkMS, s.Turns[2].ThinkMS)
	}
	if p, _ := json.Marshal(s.Tools[0].Function.Parameters); string(p) != `{"properties":{"command":{"type":"string"},"n":{"type":"integer"}},"type":"object"}` {
		t.Errorf("derived parameters %s", p)
	}
}

func TestParseCommandDocs(t *testing.T) {
	docs := "bash:\n  docstring: runs a command\n  signature: <command>\n  arguments:\n" +
		"    - command (string) [required]: what to run\n\n" +
		"edit:\n  docstring: replaces lines\n  continued here.\n\n  signature: edit <a>:<b>\n<text>\nend:\n\n  arguments:\n" +
		"    - a (integer) [required]: first\n    - paths (array) [optional]: files\n\n" +
		"submit:\n  docstring: submits\n  signature: submit\n"
	got, _ := json.Marshal(parseCommandDocs(docs))
	want := `[{"function":{"name":"bash","description":"runs a command","parameters":{"properties":{"command":{"description":"what to run","type":"string"}},"required":["command"],"type":"object"}},"type":"function"},` +
		`{"function":{"name":"edit","description":"replaces lines\ncontinued here.","parameters":{"properties":{"a":{"description":"first","type":"integer"},"paths":{"description":"files","items":{"type":"string"},"type":"array"}},"required":["a"],"type":"object"}},"type":"function"},` +
		`{"function":{"name":"submit","description":"submits","parameters":{"properties":{},"type":"object"}},"type":"function"}]`
	if string(got) != want {
		t.Errorf("got  %s\nwant %s", got, want)
	}
}

// TestParseCommandDocsTips: a line ending in a colon inside a docstring
// ("Tips:", as in SWE-agent's edit documentation) is text of that command,
// not a tool, and the command keeps the arguments documented after it.
func TestParseCommandDocsTips(t *testing.T) {
	docs := "edit:\n  docstring: replace text\n\nTips:\n\n1. mind the indentation\n  signature: edit <search> <replace>\n" +
		"  arguments:\n    - search (string) [required]: old text\n    - replace (string) [required]: new text\n\n" +
		"submit:\n  signature: submit\n"
	got := parseCommandDocs(docs)
	var names []string
	for _, tl := range got {
		names = append(names, tl.Function.Name)
	}
	if strings.Join(names, " ") != "edit submit" {
		t.Fatalf("tools %v, want edit submit", names)
	}
	p, _ := json.Marshal(got[0].Function.Parameters)
	if string(p) != `{"properties":{"replace":{"description":"new text","type":"string"},"search":{"description":"old text","type":"string"}},"required":["search","replace"],"type":"object"}` {
		t.Errorf("edit parameters %s", p)
	}
	if d := got[0].Function.Description; d != "replace text\nTips:\n1. mind the indentation" {
		t.Errorf("edit description %q", d)
	}
}

// TestParseSWEAgentOwnTools: a trajectory's own tools list wins over the
// command docs; docs fill in only a tool the calls use that the list lacks.
func TestParseSWEAgentOwnTools(t *testing.T) {
	history := `"history": [{"role": "user", "content": "x"},
	  {"role": "assistant", "content": "", "tool_calls": [{"id": "a", "function": {"name": "goto", "arguments": "{}"}}]},
	  {"role": "tool", "content": "o", "tool_call_id": "a"}]`
	docs := `"command_docs": "goto:\n  signature: goto <n>\n  arguments:\n    - n (integer) [required]: line\n\nedit:\n  signature: edit\n"`
	for _, tc := range []struct{ name, traj, want string }{
		{"top-level tools", `{` + history + `, "tools": [{"type": "function", "function": {"name": "edit", "parameters": {"type": "object", "properties": {"x": {"type": "string"}}}}}],
		  "replay_config": {"agent": {"tools": {` + docs + `}}}}`, "edit(x) goto(n)"},
		{"replay_config tools", `{` + history + `, "replay_config": {"agent": {"tools": {` + docs + `,
		  "tools": [{"function": {"name": "goto", "parameters": {"type": "object", "properties": {"line": {"type": "integer"}}}}}]}}}}`, "goto(line)"},
		{"docs only", `{` + history + `, "replay_config": {"agent": {"tools": {` + docs + `}}}}`, "goto(n) edit()"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			s, err := parseSWEAgent([]byte(tc.traj), "t")
			if err != nil {
				t.Fatal(err)
			}
			var got []string
			for _, tl := range s.Tools {
				props, _ := tl.Function.Parameters.(map[string]any)["properties"].(map[string]any)
				var ps []string
				for k := range props {
					ps = append(ps, k)
				}
				got = append(got, tl.Function.Name+"("+strings.Join(ps, ",")+")")
			}
			if strings.Join(got, " ") != tc.want {
				t.Errorf("tools %v, want %s", got, tc.want)
			}
		})
	}
	_, err := parseSWEAgent([]byte(`{`+history+`, "tools": [{"function": {}}]}`), "t")
	if err == nil || !strings.Contains(err.Error(), "tools[0]: a tool needs function.name") {
		t.Errorf("nameless tool: %v", err)
	}
}
