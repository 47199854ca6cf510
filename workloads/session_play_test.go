package workloads

import (
	"encoding/json"
	"reflect"
	"testing"
	"time"

	openai "github.com/sashabaranov/go-openai"
)

// sessTestSession has a recorded reply with two tool calls whose results
// are listed out of order, a tool-continuation turn without user text, and
// a last turn with its own output cap.
func sessTestSession() *Session {
	prio := 3
	s := &Session{
		ID:     "s1",
		System: "sys",
		Tools: []openai.Tool{{Type: openai.ToolTypeFunction, Function: &openai.FunctionDefinition{
			Name: "bash", Parameters: map[string]any{"type": "object"},
		}}},
		Hints: &Hints{Priority: &prio, Headers: map[string]string{"x-h": "1"}, Extra: map[string]any{"top_k": 5}},
		Turns: []Turn{
			{User: "u1", Recorded: &RecordedReply{Content: "r1", ToolCalls: []openai.ToolCall{
				{ID: "c1", Function: openai.FunctionCall{Name: "bash", Arguments: `{"command":"ls"}`}},
				{ID: "c2", Function: openai.FunctionCall{Name: "bash", Arguments: `{"command":"pwd"}`}},
			}}, ToolResults: []ToolResult{{ToolCallID: "c2", Content: "out2"}, {ToolCallID: "c1", Content: "out1"}}},
			{ThinkMS: 500, Recorded: &RecordedReply{Content: "r2"}},
			{User: "u3", ThinkMS: 1000, MaxTokens: 7, ForceLength: true},
		},
	}
	if err := s.Validate(); err != nil {
		panic(err)
	}
	return s
}

func sessSys(c string) openai.ChatCompletionMessage {
	return openai.ChatCompletionMessage{Role: "system", Content: c}
}
func sessUser(c string) openai.ChatCompletionMessage {
	return openai.ChatCompletionMessage{Role: "user", Content: c}
}
func sessTool(id, c string) openai.ChatCompletionMessage {
	return openai.ChatCompletionMessage{Role: "tool", ToolCallID: id, Content: c}
}
func sessAsst(c string, calls ...openai.ToolCall) openai.ChatCompletionMessage {
	return openai.ChatCompletionMessage{Role: "assistant", Content: c, ToolCalls: calls}
}
func sessCall(id, name, args string) openai.ToolCall {
	return openai.ToolCall{ID: id, Type: openai.ToolTypeFunction, Function: openai.FunctionCall{Name: name, Arguments: args}}
}

// sessDrive plays s, answering turn k with replies[k-1] (a zero Reply when
// there are fewer), and returns the item of every turn sent and the delays.
func sessDrive(t *testing.T, s *Session, o sessionOptions, replies ...Reply) ([]Item, []time.Duration) {
	t.Helper()
	it := newSessionPlay(s, o).item()
	items := []Item{it}
	var delays []time.Duration
	for k := 0; it.Then != nil; k++ {
		var r Reply
		if k < len(replies) {
			r = replies[k]
		}
		next, d, more := it.Then(r)
		if !more {
			break
		}
		if next.Turn != it.Turn+1 || next.Session != s.ID {
			t.Fatalf("turn %d followed by session %q turn %d", it.Turn, next.Session, next.Turn)
		}
		items, delays, it = append(items, next), append(delays, d), next
	}
	return items, delays
}

func TestSessionHistory(t *testing.T) {
	ok := func(content string, calls ...openai.ToolCall) Reply {
		return Reply{OK: true, Content: content, Reasoning: "hidden", ToolCalls: calls}
	}
	idx := 0
	rec1 := sessAsst("r1", sessCall("c1", "bash", `{"command":"ls"}`), sessCall("c2", "bash", `{"command":"pwd"}`))
	tests := []struct {
		name    string
		live    bool
		mutate  func(*Session)
		replies []Reply
		want    [][]openai.ChatCompletionMessage // messages of each turn sent
	}{{
		name:    "recorded ignores the model's reply",
		replies: []Reply{ok("live1", sessCall("m1", "bash", "{}")), ok("live2")},
		want: [][]openai.ChatCompletionMessage{
			{sessSys("sys"), sessUser("u1")},
			{sessSys("sys"), sessUser("u1"), rec1, sessTool("c1", "out1"), sessTool("c2", "out2")},
			{sessSys("sys"), sessUser("u1"), rec1, sessTool("c1", "out1"), sessTool("c2", "out2"), sessAsst("r2"), sessUser("u3")},
		},
	}, {
		name:    "recorded goes on after a failed request",
		replies: []Reply{{}, {}},
		want: [][]openai.ChatCompletionMessage{
			{sessSys("sys"), sessUser("u1")},
			{sessSys("sys"), sessUser("u1"), rec1, sessTool("c1", "out1"), sessTool("c2", "out2")},
			{sessSys("sys"), sessUser("u1"), rec1, sessTool("c1", "out1"), sessTool("c2", "out2"), sessAsst("r2"), sessUser("u3")},
		},
	}, {
		name: "live answers the model's own tool call ids by position",
		live: true,
		replies: []Reply{
			ok("live1", openai.ToolCall{Index: &idx, ID: "m1", Function: openai.FunctionCall{Name: "bash", Arguments: "{}"}}),
			ok("live2"),
		},
		want: [][]openai.ChatCompletionMessage{
			{sessSys("sys"), sessUser("u1")},
			{sessSys("sys"), sessUser("u1"), sessAsst("live1", sessCall("m1", "bash", "{}")), sessTool("m1", "out1")},
			{sessSys("sys"), sessUser("u1"), sessAsst("live1", sessCall("m1", "bash", "{}")), sessTool("m1", "out1"),
				sessAsst("live2"), sessUser("u3")},
		},
	}, {
		name:    "live: more model calls than outputs get ok, ids filled in",
		live:    true,
		replies: []Reply{ok("", sessCall("", "bash", "{}"), sessCall("", "bash", "{}"), sessCall("m3", "bash", "{}")), ok("live2")},
		want: [][]openai.ChatCompletionMessage{
			{sessSys("sys"), sessUser("u1")},
			{sessSys("sys"), sessUser("u1"),
				sessAsst("", sessCall("call_t1_0", "bash", "{}"), sessCall("call_t1_1", "bash", "{}"), sessCall("m3", "bash", "{}")),
				sessTool("call_t1_0", "out1"), sessTool("call_t1_1", "out2"), sessTool("m3", "ok")},
			{sessSys("sys"), sessUser("u1"),
				sessAsst("", sessCall("call_t1_0", "bash", "{}"), sessCall("call_t1_1", "bash", "{}"), sessCall("m3", "bash", "{}")),
				sessTool("call_t1_0", "out1"), sessTool("call_t1_1", "out2"), sessTool("m3", "ok"),
				sessAsst("live2"), sessUser("u3")},
		},
	}, {
		name:    "live without tool calls sends the outputs as user text",
		live:    true,
		replies: []Reply{ok("live1"), ok("live2")},
		want: [][]openai.ChatCompletionMessage{
			{sessSys("sys"), sessUser("u1")},
			{sessSys("sys"), sessUser("u1"), sessAsst("live1"), sessUser("out1\n\nout2")},
			{sessSys("sys"), sessUser("u1"), sessAsst("live1"), sessUser("out1\n\nout2"), sessAsst("live2"), sessUser("u3")},
		},
	}, {
		name:    "live ends the session on a failed request",
		live:    true,
		replies: []Reply{ok("live1"), {}},
		want: [][]openai.ChatCompletionMessage{
			{sessSys("sys"), sessUser("u1")},
			{sessSys("sys"), sessUser("u1"), sessAsst("live1"), sessUser("out1\n\nout2")},
		},
	}, {
		name:    "recorded uses the live reply of a turn that records none",
		mutate:  func(s *Session) { s.Turns[1].Recorded = nil },
		replies: []Reply{ok("live1"), ok("live2", sessCall("m9", "bash", "{}"))},
		want: [][]openai.ChatCompletionMessage{
			{sessSys("sys"), sessUser("u1")},
			{sessSys("sys"), sessUser("u1"), rec1, sessTool("c1", "out1"), sessTool("c2", "out2")},
			{sessSys("sys"), sessUser("u1"), rec1, sessTool("c1", "out1"), sessTool("c2", "out2"),
				sessAsst("live2", sessCall("m9", "bash", "{}")), sessTool("m9", "ok"), sessUser("u3")},
		},
	}}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			s := sessTestSession()
			if tt.mutate != nil {
				tt.mutate(s)
			}
			items, _ := sessDrive(t, s, sessionOptions{live: tt.live}, tt.replies...)
			if len(items) != len(tt.want) {
				t.Fatalf("sent %d turns, want %d", len(items), len(tt.want))
			}
			for k, it := range items {
				if !reflect.DeepEqual(it.Request.Messages, tt.want[k]) {
					got, _ := json.Marshal(it.Request.Messages)
					want, _ := json.Marshal(tt.want[k])
					t.Errorf("turn %d messages\n got %s\nwant %s", k+1, got, want)
				}
			}
		})
	}
}

func TestSessionRequest(t *testing.T) {
	items, delays := sessDrive(t, sessTestSession(), sessionOptions{timeScale: 2, maxTokens: 99})
	if len(items) != 3 {
		t.Fatalf("sent %d turns, want 3", len(items))
	}
	if want := []time.Duration{250 * time.Millisecond, 500 * time.Millisecond}; !reflect.DeepEqual(delays, want) {
		t.Errorf("delays %v, want think_ms / time scale %v", delays, want)
	}
	toolsJSON, _ := json.Marshal(items[0].Request.Tools)
	for k, it := range items {
		r := it.Request
		if it.Turn != k+1 || it.Session != "s1" {
			t.Errorf("item %d: session %q turn %d", k, it.Session, it.Turn)
		}
		want := ApproxTokens(string(toolsJSON))
		for _, m := range r.Messages {
			want += messageTokens(m)
		}
		if r.InputTokens != want {
			t.Errorf("turn %d: input tokens %d, want the whole conversation %d", k+1, r.InputTokens, want)
		}
		if r.Extra["priority"] != 3 || r.Extra["top_k"] != 5 || r.Headers["x-h"] != "1" || len(r.Tools) != 1 {
			t.Errorf("turn %d: hints not passed: extra %v headers %v", k+1, r.Extra, r.Headers)
		}
	}
	if r := items[0].Request; r.MaxTokens != 99 || r.ForceLength {
		t.Errorf("turn 1: max tokens %d force %v, want the run's 99, not forced", r.MaxTokens, r.ForceLength)
	}
	if r := items[2].Request; r.MaxTokens != 7 || !r.ForceLength {
		t.Errorf("turn 3: max tokens %d force %v, want 7 forced", r.MaxTokens, r.ForceLength)
	}
	if len(items[0].Request.Messages) != 2 || items[2].Then != nil {
		t.Errorf("earlier requests must keep their messages; the last turn has no Then")
	}
	if items[1].Request.InputTokens <= items[0].Request.InputTokens {
		t.Errorf("context must grow: %d then %d", items[0].Request.InputTokens, items[1].Request.InputTokens)
	}
}

func TestSessionThenOnce(t *testing.T) {
	it := newSessionPlay(sessTestSession(), sessionOptions{}).item()
	if _, _, more := it.Then(Reply{OK: true}); !more {
		t.Fatal("first Then must go on")
	}
	if _, _, more := it.Then(Reply{OK: true}); more {
		t.Error("calling a turn's Then twice must not build the next turn twice")
	}
}

func TestSessionShape(t *testing.T) {
	s := sessTestSession()
	items, _ := sessDrive(t, s, sessionOptions{})
	sh := s.Shape()
	if sh.ID != "s1" || sh.Turns != 3 || sh.ThinkMS != 1500 || sh.ToolCalls != 2 || sh.StartMS != nil {
		t.Errorf("shape %+v", sh)
	}
	for k, it := range items {
		if sh.ContextTokens[k] != it.Request.InputTokens {
			t.Errorf("turn %d: shape context %d, request %d", k+1, sh.ContextTokens[k], it.Request.InputTokens)
		}
	}
	if want := []int{0, 0, 7}; !reflect.DeepEqual(sh.MaxTokens, want) {
		t.Errorf("max tokens %v, want %v", sh.MaxTokens, want)
	}
}
