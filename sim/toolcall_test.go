package sim

import (
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"testing"

	"github.com/tokenbench/tokenbench/workloads"
)

const weatherTools = `[{"type":"function","function":{"name":"get_weather","parameters":{"type":"object",` +
	`"properties":{"city":{"type":"string"},"days":{"type":"integer"},"metric":{"type":"boolean"},"when":{"type":["null","number"]},"extra":{}}}}},` +
	`{"type":"function","function":{"name":"search","parameters":{"type":"object","properties":{"query":{"type":"string"}}}}}]`

// toolBody is a chat body offering weatherTools after a user message of
// content, with extra fields appended.
func toolBody(content, extra string) string {
	return `{"messages":[{"role":"user","content":"` + content + `"}],"tools":` + weatherTools + extra + `}`
}

// fastModelLen is the context of the model of fastConfig, which New
// fills in from its profile.
var fastModelLen = func() int {
	e, err := New(fastConfig())
	if err != nil {
		panic(err)
	}
	defer e.Close()
	return e.cfg.MaxModelLen
}()

// planFor plans the answer the engine of fastConfig gives body.
func planFor(t *testing.T, body string) answer {
	t.Helper()
	req, err := decodeRequest(chatAPI, []byte(body))
	if err != nil {
		t.Fatal(err)
	}
	maxTokens, err := req.limit(fastModelLen, len(req.prompts[0]))
	if err != nil {
		t.Fatal(err)
	}
	a := planAnswer(fastConfig().Seed, []byte(body), maxTokens, req.minTokens, req.ignoreEOS)
	planToolCall(&a, req.tools, maxTokens, req.ignoreEOS)
	return a
}

// findContent returns a user message content for which the engine's coin
// toss, with extra in the body, gives a call (call) or text.
func findContent(t *testing.T, extra string, call bool) string {
	t.Helper()
	for i := range 100 {
		c := fmt.Sprintf("weather in town %d", i)
		if (planFor(t, toolBody(c, extra)).call != nil) == call {
			return c
		}
	}
	t.Fatalf("no content gives call=%v", call)
	return ""
}

var callID = regexp.MustCompile(`^call_[0-9a-f]{24}$`)

type toolCallEvent struct {
	Choices []struct {
		Delta struct {
			Role      *string `json:"role"`
			Content   *string `json:"content"`
			ToolCalls []struct {
				Index    *int    `json:"index"`
				ID       *string `json:"id"`
				Type     *string `json:"type"`
				Function struct {
					Name      *string `json:"name"`
					Arguments *string `json:"arguments"`
				} `json:"function"`
			} `json:"tool_calls"`
		} `json:"delta"`
		FinishReason *string `json:"finish_reason"`
	} `json:"choices"`
	Usage *usage `json:"usage"`
}

func TestToolCallStream(t *testing.T) {
	_, srv := newServer(t, fastConfig())
	const stream = `,"stream":true,"stream_options":{"include_usage":true}`
	tests := []struct {
		name, extra, wantName, wantFinish string
	}{
		{"auto, seeded to call", stream, "", "tool_calls"},
		{"named function", stream + `,"tool_choice":{"type":"function","function":{"name":"search"}}`, "search", "tool_calls"},
		{"cut by max_tokens", stream + `,"tool_choice":{"type":"function","function":{"name":"get_weather"}},"max_tokens":5`, "get_weather", "length"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			body := toolBody(findContent(t, tt.extra, true), tt.extra)
			want := planFor(t, body).call
			resp, err := http.Post(srv.URL+"/v1/chat/completions", "application/json", strings.NewReader(body))
			if err != nil {
				t.Fatal(err)
			}
			raw, _ := io.ReadAll(resp.Body)
			resp.Body.Close()
			data := splitEvents(t, string(raw))
			if len(data) < 4 || data[len(data)-1] != "[DONE]" {
				t.Fatalf("events %q: want role, name, ..., usage, [DONE]", data)
			}
			evs := make([]toolCallEvent, len(data)-1)
			for i := range evs {
				if err := json.Unmarshal([]byte(data[i]), &evs[i]); err != nil {
					t.Fatalf("event %d: %v: %s", i, err, data[i])
				}
			}
			if d := evs[0].Choices[0].Delta; d.Role == nil || *d.Role != "assistant" || d.ToolCalls != nil {
				t.Errorf("event 0 %s, want the role only", data[0])
			}
			first := evs[1].Choices[0].Delta.ToolCalls
			if len(first) != 1 || first[0].Index == nil || *first[0].Index != 0 || first[0].ID == nil || !callID.MatchString(*first[0].ID) ||
				first[0].Type == nil || *first[0].Type != "function" || first[0].Function.Name == nil ||
				first[0].Function.Arguments == nil || *first[0].Function.Arguments != "" {
				t.Fatalf("event 1 %s, want index 0, id call_<24 hex>, type function, name, empty arguments", data[1])
			}
			if tt.wantName != "" && *first[0].Function.Name != tt.wantName {
				t.Errorf("name %q, want %q", *first[0].Function.Name, tt.wantName)
			}
			var args strings.Builder
			frags := evs[2 : len(evs)-1]
			for i, ev := range frags {
				c := ev.Choices[0]
				tc := c.Delta.ToolCalls
				if len(tc) != 1 || tc[0].ID != nil || tc[0].Function.Name != nil || tc[0].Function.Arguments == nil || c.Delta.Content != nil {
					t.Fatalf("event %d %s, want an argument fragment", i+2, data[i+2])
				}
				if n := workloads.ApproxTokens(*tc[0].Function.Arguments); n > 1 {
					t.Errorf("fragment %q is %d tokens, want one per event", *tc[0].Function.Arguments, n)
				}
				args.WriteString(*tc[0].Function.Arguments)
				if last := i == len(frags)-1; (c.FinishReason != nil) != last || (last && *c.FinishReason != tt.wantFinish) {
					t.Errorf("event %d %s: want finish_reason %q on the last fragment only", i+2, data[i+2], tt.wantFinish)
				}
			}
			if args.String() != want.args {
				t.Errorf("arguments %q, want %q", args.String(), want.args)
			}
			if tt.wantFinish == "tool_calls" && !json.Valid([]byte(args.String())) {
				t.Errorf("arguments %q are not JSON", args.String())
			}
			u := evs[len(evs)-1].Usage
			if wantN := len(want.toks); u == nil || u.CompletionTokens != wantN {
				t.Errorf("usage %+v, want %d completion tokens", u, wantN)
			}
		})
	}
}

func TestToolCallWhole(t *testing.T) {
	_, srv := newServer(t, fastConfig())
	afterTool := `{"messages":[{"role":"user","content":"weather?"},` +
		`{"role":"assistant","content":null,"tool_calls":[{"id":"call_0","type":"function","function":{"name":"get_weather","arguments":"{\"city\": \"time\"}"}}]},` +
		`{"role":"tool","tool_call_id":"call_0","content":"sunny"}],"tools":` + weatherTools + `}`
	tests := []struct {
		name, body, wantFinish string
		call                   bool
	}{
		{"auto, seeded to call", toolBody(findContent(t, "", true), ""), "tool_calls", true},
		{"auto, seeded to talk", toolBody(findContent(t, "", false), ""), "", false},
		{"tool_choice none", toolBody(findContent(t, "", true), `,"tool_choice":"none"`), "", false},
		{"after a tool result", afterTool, "", false},
		{"required", toolBody(findContent(t, "", false), `,"tool_choice":"required"`), "tool_calls", true},
		{"required, cut short", toolBody("x", `,"tool_choice":"required","max_tokens":3`), "length", true},
		{"no tools", `{"messages":[{"role":"user","content":"hi"}]}`, "", false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			status, raw := post(t, srv, "/v1/chat/completions", tt.body)
			if status != http.StatusOK {
				t.Fatalf("status %d: %s", status, raw)
			}
			var got struct {
				Choices []struct {
					Message struct {
						Content   *string `json:"content"`
						ToolCalls []struct {
							ID       string `json:"id"`
							Type     string `json:"type"`
							Function struct {
								Name      string `json:"name"`
								Arguments string `json:"arguments"`
							} `json:"function"`
						} `json:"tool_calls"`
					} `json:"message"`
					FinishReason string `json:"finish_reason"`
				} `json:"choices"`
				Usage usage `json:"usage"`
			}
			if err := json.Unmarshal([]byte(raw), &got); err != nil {
				t.Fatal(err)
			}
			c := got.Choices[0]
			if !tt.call {
				if c.Message.Content == nil || c.Message.ToolCalls != nil || c.FinishReason == "tool_calls" {
					t.Errorf("got %s, want text", raw)
				}
				return
			}
			want := planFor(t, tt.body).call
			tc := c.Message.ToolCalls
			if c.Message.Content != nil || !strings.Contains(raw, `"content":null`) || len(tc) != 1 || tc[0].ID != want.id ||
				!callID.MatchString(tc[0].ID) || tc[0].Type != "function" || tc[0].Function.Name != want.name ||
				tc[0].Function.Arguments != want.args || c.FinishReason != tt.wantFinish {
				t.Errorf("got %s, want content null, call %s %s(%s), finish %s", raw, want.id, want.name, want.args, tt.wantFinish)
			}
			if n := workloads.ApproxTokens(want.name) + workloads.ApproxTokens(want.args); tt.wantFinish == "tool_calls" && got.Usage.CompletionTokens != n {
				t.Errorf("completion_tokens %d, want %d (name and arguments)", got.Usage.CompletionTokens, n)
			}
		})
	}
}

func TestToolCallDeterminism(t *testing.T) {
	calls := 0
	const n = 400
	for i := range n {
		body := toolBody(fmt.Sprintf("question %d", i), "")
		a, b := planFor(t, body), planFor(t, body)
		if (a.call == nil) != (b.call == nil) || a.call != nil && (a.call.id != b.call.id || a.call.args != b.call.args || a.call.name != b.call.name) {
			t.Fatalf("%s: two plans differ", body)
		}
		if a.call != nil {
			calls++
			if !json.Valid([]byte(a.call.args)) {
				t.Errorf("arguments %q are not JSON", a.call.args)
			}
		}
	}
	if calls < n*4/10 || calls > n*6/10 {
		t.Errorf("%d calls of %d, want about half", calls, n)
	}
}

func TestArguments(t *testing.T) {
	props := []toolProp{{"city", "string"}, {"days", "integer"}, {"ok", "boolean"}, {"x", "object"}}
	got := arguments(props, 3)
	re := regexp.MustCompile(`^\{"city": "[a-z]+", "days": [0-9]{1,2}, "ok": true, "x": null\}$`)
	if !re.MatchString(got) {
		t.Errorf("arguments = %q", got)
	}
	if got := arguments(nil, 3); got != "{}" {
		t.Errorf("no properties: %q, want {}", got)
	}
}

func TestSplitTokens(t *testing.T) {
	tests := []struct {
		name, text string
		want       []string
	}{
		{"one word", "get", []string{"get"}},
		{"long word", "get_weather", []string{"get_we", "ather"}},
		{"json", `{"city": "time"}`, []string{`{"city`, `":`, ` "time"`, `}`}},
		{"spaces around", " a  b ", []string{" a", "  b "}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got := splitTokens(tt.text)
			if strings.Join(got, "|") != strings.Join(tt.want, "|") {
				t.Errorf("splitTokens(%q) = %q, want %q", tt.text, got, tt.want)
			}
		})
	}
}

func TestParseToolsErrors(t *testing.T) {
	tests := []struct{ name, tools, choice, want string }{
		{"not a list", `{}`, ``, "tools:"},
		{"not a function", `[{"type":"code"}]`, ``, "tools[0]:"},
		{"no name", `[{"type":"function","function":{}}]`, ``, "tools[0].function.name"},
		{"bad properties", `[{"type":"function","function":{"name":"f","parameters":{"properties":[1]}}}]`, ``, "tools[0].function.parameters"},
		{"unknown choice", `[{"type":"function","function":{"name":"f"}}]`, `"always"`, "tool_choice"},
		{"unknown name", `[{"type":"function","function":{"name":"f"}}]`, `{"type":"function","function":{"name":"g"}}`, `"g" is not among`},
		{"required without tools", ``, `"required"`, "needs tools"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := parseTools(json.RawMessage(tt.tools), json.RawMessage(tt.choice))
			if err == nil || !strings.Contains(err.Error(), tt.want) {
				t.Errorf("err %v, want one mentioning %q", err, tt.want)
			}
		})
	}
}

// FuzzToolCall checks that any tools and tool_choice either fail with an
// error or plan a call whose tokens join into its name and arguments.
func FuzzToolCall(f *testing.F) {
	f.Add(weatherTools, `"required"`, 7)
	f.Add(`[{"type":"function","function":{"name":"f","parameters":{"properties":{"a":{"type":["string"]}}}}}]`, ``, 1)
	f.Fuzz(func(t *testing.T, rawTools, choice string, maxTokens int) {
		tl, err := parseTools(json.RawMessage(rawTools), json.RawMessage(choice))
		if err != nil {
			return
		}
		maxTokens = 1 + max(maxTokens, -maxTokens)%64
		for key := range uint64(4) {
			a := answer{key: key, tokens: maxTokens, reason: reasonLength}
			planToolCall(&a, tl, maxTokens, false)
			if a.call == nil {
				continue
			}
			if a.tokens > maxTokens || a.tokens != len(a.call.toks) || len(a.call.hashes) != a.tokens {
				t.Fatalf("%d tokens, %d pieces, %d hashes, cap %d", a.tokens, len(a.call.toks), len(a.call.hashes), maxTokens)
			}
			if got := strings.Join(a.call.toks, ""); !strings.HasPrefix(a.call.name+a.call.args, got) {
				t.Fatalf("tokens join into %q, not a prefix of %q", got, a.call.name+a.call.args)
			}
		}
	})
}

// TestToolCallPromptKeys shows a next turn that sends a call back keys its
// tokens as the engine generated them, so the prefix cache hits them.
func TestToolCallPromptKeys(t *testing.T) {
	body := toolBody("weather", `,"tool_choice":"required"`)
	c := planFor(t, body).call
	next := `{"messages":[{"role":"user","content":"weather"},{"role":"assistant","content":null,"tool_calls":[{"id":"` + c.id +
		`","type":"function","function":{"name":"` + c.name + `","arguments":` + strconv.Quote(c.args) + `}}]}]}`
	req, err := decodeRequest(chatAPI, []byte(next))
	if err != nil {
		t.Fatal(err)
	}
	want := append(appendTextTokens(nil, "weather"), c.hashes...)
	if !slices.Equal(req.prompts[0], want) {
		t.Errorf("prompt keys %x, want %x", req.prompts[0], want)
	}
}

func TestToolDefinitionsCountAsPromptTokens(t *testing.T) {
	tools := `[{"type":"function","function":{"name":"get_weather","description":"Weather of a city","parameters":{"type":"object","properties":{"city":{"type":"string"}}}}}]`
	with, err := decodeRequest(chatAPI, []byte(`{"model":"m","messages":[{"role":"user","content":"hello there"}],"tools":`+tools+`}`))
	if err != nil {
		t.Fatal(err)
	}
	without, err := decodeRequest(chatAPI, []byte(`{"model":"m","messages":[{"role":"user","content":"hello there"}]}`))
	if err != nil {
		t.Fatal(err)
	}
	if got, want := len(with.prompts[0])-len(without.prompts[0]), workloads.ApproxTokens(tools); got != want {
		t.Errorf("tools added %d prompt tokens, want %d (ApproxTokens of their compact JSON)", got, want)
	}
	// Ahead of the messages: two requests with the same tools share a prefix.
	if len(with.prompts[0]) < 2 || with.prompts[0][0] == without.prompts[0][0] {
		t.Errorf("tool tokens are not ahead of the conversation")
	}
}
