package bench

import (
	"bytes"
	"encoding/json"
	"fmt"
	"strings"
	"testing"

	openai "github.com/sashabaranov/go-openai"

	"github.com/tokenbench/tokenbench/workloads"
)

// mergeFieldsByMap is how request bodies were merged before mergeFields:
// decoded to a map, extras set, encoded again. mergeFields must give the
// same bytes.
func mergeFieldsByMap(b []byte, extra map[string]any) ([]byte, error) {
	var m map[string]json.RawMessage
	if err := json.Unmarshal(b, &m); err != nil {
		return nil, err
	}
	for k, x := range extra {
		if _, set := m[k]; set && k != "ignore_eos" && k != "min_tokens" && k != "logprobs" {
			continue
		}
		raw, err := json.Marshal(x)
		if err != nil {
			return nil, err
		}
		m[k] = raw
	}
	return json.Marshal(m)
}

func TestMergeFieldsAsTheMapDid(t *testing.T) {
	tools := []openai.Tool{{Type: openai.ToolTypeFunction, Function: &openai.FunctionDefinition{Name: "f<&>", Parameters: json.RawMessage(`{"type": "object"}`)}}}
	tests := []struct {
		name   string
		target Target
		req    workloads.Request
	}{
		{"forced length", Target{Model: "m"}, workloads.Request{Prompt: "a <b> & \u2028 é", MaxTokens: 16, ForceLength: true}},
		{"completions with logprobs", Target{Model: "m", API: APICompletions, Logprobs: true}, workloads.Request{Prompt: "p", MaxTokens: 4, ForceLength: true}},
		{"extras, some over bench's own fields", Target{Model: "m", Logprobs: true, MaxCompletionTokens: true,
			Extra: map[string]any{"model": "other", "z": []any{1, "x<y"}, "a_b": map[string]any{"k": nil}, "raw": json.RawMessage(`{ "s" : "<" }`), "<k>": true}},
			workloads.Request{Messages: []openai.ChatCompletionMessage{{Role: "user", Content: "hi"}}, Tools: tools, MaxTokens: 8, ForceLength: true,
				Extra: map[string]any{"ignore_eos": false, "stream": false, "seed": 7}}},
		{"omitted extensions", Target{Model: "m", Omit: []string{"min_tokens"}}, workloads.Request{Prompt: "p", MaxTokens: 2, ForceLength: true}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			c := &Client{target: tt.target}
			got, err := c.body(tt.req)
			if err != nil {
				t.Fatal(err)
			}
			// The same body through the old merge: the struct's bytes are
			// what body marshals before merging.
			bare := *c
			bare.target.Extra, bare.target.Logprobs = nil, false
			req := tt.req
			req.Extra, req.ForceLength = nil, false
			b, err := bare.body(req)
			if err != nil {
				t.Fatal(err)
			}
			extra := map[string]any{}
			for k, v := range extraFields(c.target, tt.req) {
				extra[k] = v
			}
			want, err := mergeFieldsByMap(b, extra)
			if err != nil {
				t.Fatal(err)
			}
			if !bytes.Equal(got, want) {
				t.Errorf("body\n%s\nwant (map merge)\n%s", got, want)
			}
		})
	}
}

// BenchmarkRequestBody encodes the body of a synthetic request (forced
// length, so extras are merged) with 512- and 8,192-token prompts.
func BenchmarkRequestBody(b *testing.B) {
	for _, tokens := range []int{512, 8192} {
		b.Run(fmt.Sprintf("tokens=%d", tokens), func(b *testing.B) {
			src, err := workloads.Synthetic{InputTokens: tokens, OutputTokens: 16, Seed: 1}.NewSource()
			if err != nil {
				b.Fatal(err)
			}
			it, err := src.Next()
			if err != nil {
				b.Fatal(err)
			}
			it.Request.ForceLength, it.Request.MaxTokens = true, 16
			c := &Client{target: Target{Model: "m"}}
			b.ReportAllocs()
			for range b.N {
				if _, err := c.body(it.Request); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}

func TestMarshalChatAsJSONMarshal(t *testing.T) {
	long := strings.Repeat("word <&> \u2028 é ", 300) + "\xff\xfe"
	tests := []struct {
		name string
		msgs []openai.ChatCompletionMessage
	}{
		{"prompt", []openai.ChatCompletionMessage{{Role: "user", Content: long}}},
		{"no messages", []openai.ChatCompletionMessage{}},
		{"conversation with tools", []openai.ChatCompletionMessage{
			{Role: "system", Content: "s", Name: "n\"q"},
			{Role: "assistant", ToolCalls: []openai.ToolCall{{ID: "c1", Type: "function", Function: openai.FunctionCall{Name: "f", Arguments: `{"a": 1}`}}}},
			{Role: "tool", Content: "r", ToolCallID: "c1"},
			{Role: "user", MultiContent: []openai.ChatMessagePart{{Type: "text", Text: "t<"}}},
		}},
		{"content misused", []openai.ChatCompletionMessage{{Role: "user", Content: "a", MultiContent: []openai.ChatMessagePart{{Type: "text", Text: "b"}}}}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			cr := openai.ChatCompletionRequest{Model: `m"<x>`, Messages: tt.msgs, MaxTokens: 7, Stream: true,
				StreamOptions: &openai.StreamOptions{IncludeUsage: true}}
			want, werr := json.Marshal(cr)
			got, gerr := marshalChat(cr)
			if (werr == nil) != (gerr == nil) || werr != nil && werr.Error() != gerr.Error() {
				t.Fatalf("error %v, json.Marshal %v", gerr, werr)
			}
			if !bytes.Equal(got, want) {
				t.Errorf("got\n%s\njson.Marshal\n%s", got, want)
			}
		})
	}
}
