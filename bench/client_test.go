package bench

import (
	"context"
	"encoding/json"
	"math"
	"net/http"
	"reflect"
	"strings"
	"testing"

	"github.com/tokenbench/tokenbench/workloads"
)

func f(v float64) *float64 { return &v }
func i(v int) *int         { return &v }

func TestClientMeasuresScriptedStreams(t *testing.T) {
	req := workloads.Request{Prompt: "hello there", MaxTokens: 6, InputTokens: 2}
	tests := []struct {
		name   string
		api    string
		st     scriptedTransport
		want   Record // fields compared: see below
		events []float64
	}{
		{
			name: "role-only first chunk, one token per event, usage",
			st: scriptedTransport{pieces: []piece{
				{ms: 20, data: sse(evRole)},
				{ms: 50, data: sse(evTok("a"))},
				{ms: 60, data: sse(evTok("b"))},
				{ms: 75, data: sse(evTok("c"), evFin)},
				{ms: 76, data: sse(evUsage)},
				{ms: 77, data: sse("[DONE]")},
			}},
			want:   Record{OK: true, Status: 200, ResponseID: "chatcmpl-1", TTFTMS: f(50), E2EMS: 77, TPOTMS: f(13.5), InputTokens: 12, OutputTokens: 3, TokensSource: "usage", DoneMarker: true, FinishReason: "length"},
			events: []float64{50, 60, 75},
		},
		{
			name: "null content role chunk (llama.cpp) and multi-token events",
			st: scriptedTransport{pieces: []piece{
				{ms: 5, data: sse(evNull)},
				{ms: 40, data: sse(evTok("one two"))},
				{ms: 52, data: sse(evTok("three four five six"), evFin, `{"id":"chatcmpl-1","choices":[],"usage":{"prompt_tokens":7,"completion_tokens":6,"prompt_tokens_details":{"cached_tokens":4}}}`, "[DONE]")},
			}},
			want:   Record{OK: true, Status: 200, ResponseID: "chatcmpl-1", TTFTMS: f(40), E2EMS: 52, TPOTMS: f(12.0 / 5), InputTokens: 7, OutputTokens: 6, CachedTokens: i(4), TokensSource: "usage", DoneMarker: true, FinishReason: "length"},
			events: []float64{40, 52},
		},
		{
			name: "no usage: estimate from events and the workload's prompt length",
			st: scriptedTransport{pieces: []piece{
				{ms: 10, data: sse(evTok("a"))},
				{ms: 30, data: sse(evTok("b"), evFin, "[DONE]")},
			}},
			want:   Record{OK: true, Status: 200, ResponseID: "chatcmpl-1", TTFTMS: f(10), E2EMS: 30, TPOTMS: f(20), InputTokens: 2, OutputTokens: 2, TokensSource: "estimate", DoneMarker: true, FinishReason: "length"},
			events: []float64{10, 30},
		},
		{
			name: "event split across reads is timed by the read that completes it",
			st: scriptedTransport{pieces: []piece{
				{ms: 10, data: "data: " + evTok("a")[:20]},
				{ms: 14, data: evTok("a")[20:] + "\n"},
				{ms: 15, data: "\n"},
				{ms: 25, data: sse(evTok("b"), evFin, evUsage[:len(evUsage)-len(`"completion_tokens":3,"total_tokens":15}}`)]+`"completion_tokens":2}}`, "[DONE]")},
			}},
			want:   Record{OK: true, Status: 200, ResponseID: "chatcmpl-1", TTFTMS: f(15), E2EMS: 25, TPOTMS: f(10), InputTokens: 12, OutputTokens: 2, TokensSource: "usage", DoneMarker: true, FinishReason: "length"},
			events: []float64{15, 25},
		},
		{
			name: "CRLF line ends, comments and keep-alives",
			st: scriptedTransport{pieces: []piece{
				{ms: 3, data: ": keep-alive\r\n\r\n"},
				{ms: 8, data: "event: message\r\ndata: " + evTok("x") + "\r\n\r\n"},
				{ms: 9, data: "data: " + evTok("y") + "\r"},
				{ms: 11, data: "\n\r\ndata: [DONE]\r\n\r\n"},
			}},
			want:   Record{OK: true, Status: 200, ResponseID: "chatcmpl-1", TTFTMS: f(8), E2EMS: 11, TPOTMS: f(3), InputTokens: 2, OutputTokens: 2, TokensSource: "estimate", DoneMarker: true},
			events: []float64{8, 11},
		},
		{
			name: "finish_reason then end of body without [DONE] is a proper end",
			st: scriptedTransport{pieces: []piece{
				{ms: 10, data: sse(evTok("a"), evTok("b"), evFin)},
			}},
			want:   Record{OK: true, Status: 200, ResponseID: "chatcmpl-1", TTFTMS: f(10), E2EMS: 10, TPOTMS: f(0), InputTokens: 2, OutputTokens: 2, TokensSource: "estimate", FinishReason: "length"},
			events: []float64{10, 10},
		},
		{
			name: "reasoning and tool-call deltas are tokens",
			st: scriptedTransport{pieces: []piece{
				{ms: 7, data: sse(`{"id":"r","choices":[{"delta":{"reasoning_content":"hmm"}}]}`)},
				{ms: 9, data: sse(`{"id":"r","choices":[{"delta":{"tool_calls":[{"index":0,"id":"call_1","type":"function","function":{"name":"get","arguments":""}}]}}]}`)},
				{ms: 12, data: sse(`{"id":"r","choices":[{"delta":{"tool_calls":[{"index":0,"function":{"arguments":"{\"a\":1}"}}]}}]}`, `{"id":"r","choices":[{"delta":{},"finish_reason":"tool_calls"}]}`, "[DONE]")},
			}},
			want:   Record{OK: true, Status: 200, ResponseID: "r", TTFTMS: f(7), E2EMS: 12, TPOTMS: f(2.5), InputTokens: 2, OutputTokens: 3, TokensSource: "estimate", DoneMarker: true, FinishReason: "tool_calls"},
			events: []float64{7, 9, 12},
		},
		{
			name: "completions API text",
			api:  APICompletions,
			st: scriptedTransport{pieces: []piece{
				{ms: 30, data: sse(`{"id":"cmpl-9","object":"text_completion","choices":[{"index":0,"text":" once"}]}`)},
				{ms: 41, data: sse(`{"id":"cmpl-9","choices":[{"index":0,"text":" upon","finish_reason":"length"}]}`, `{"id":"cmpl-9","choices":[],"usage":{"prompt_tokens":2,"completion_tokens":2}}`, "[DONE]")},
			}},
			want:   Record{OK: true, Status: 200, ResponseID: "cmpl-9", TTFTMS: f(30), E2EMS: 41, TPOTMS: f(11), InputTokens: 2, OutputTokens: 2, TokensSource: "usage", DoneMarker: true, FinishReason: "length"},
			events: []float64{30, 41},
		},
		{
			name: "non-streaming JSON answer is one event",
			st: scriptedTransport{contentType: "application/json", pieces: []piece{
				{ms: 90, data: `{"id":"x","choices":[{"message":{"role":"assistant","content":"hi there"},"finish_reason":"stop"}],"usage":{"prompt_tokens":5,"completion_tokens":2}}`},
			}},
			want:   Record{OK: true, Status: 200, ResponseID: "x", TTFTMS: f(90), E2EMS: 90, TPOTMS: f(0), InputTokens: 5, OutputTokens: 2, TokensSource: "usage", FinishReason: "stop"},
			events: []float64{90},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, _ := runScript(t, tt.api, &tt.st, req)
			if got.Error != "" {
				t.Fatalf("unexpected error %s: %s", got.ErrorClass, got.Error)
			}
			if !reflect.DeepEqual(got.EventsMS, tt.events) {
				t.Errorf("events_ms = %v, want %v", got.EventsMS, tt.events)
			}
			got.EventsMS, got.TargetInputTokens, got.MaxTokens = nil, 0, 0
			if !recordsEqual(got, tt.want) {
				gj, _ := json.Marshal(got)
				wj, _ := json.Marshal(tt.want)
				t.Errorf("record\n got %s\nwant %s", gj, wj)
			}
		})
	}
}

// recordsEqual compares records with float tolerance on pointer fields.
func recordsEqual(a, b Record) bool {
	feq := func(x, y *float64) bool {
		if x == nil || y == nil {
			return x == y
		}
		return math.Abs(*x-*y) < 1e-9
	}
	if !feq(a.TTFTMS, b.TTFTMS) || !feq(a.TPOTMS, b.TPOTMS) || math.Abs(a.E2EMS-b.E2EMS) > 1e-9 {
		return false
	}
	a.TTFTMS, b.TTFTMS, a.TPOTMS, b.TPOTMS, a.E2EMS, b.E2EMS = nil, nil, nil, nil, 0, 0
	return reflect.DeepEqual(a, b)
}

func TestClientClassifiesFailures(t *testing.T) {
	tests := []struct {
		name      string
		st        scriptedTransport
		class     string
		status    int
		errSubstr string
		ttft      *float64
	}{
		{name: "HTTP 400 with OpenAI error", st: scriptedTransport{status: 400, contentType: "application/json", pieces: []piece{{data: `{"error":{"code":400,"type":"exceed_context_size_error","message":"too long"}}`}}}, class: ErrHTTP4xx, status: 400, errSubstr: "too long"},
		{name: "HTTP 429", st: scriptedTransport{status: 429, pieces: []piece{{data: `{"message":"slow down"}`}}}, class: ErrHTTP429, status: 429, errSubstr: "slow down"},
		{name: "HTTP 503 with FastAPI detail", st: scriptedTransport{status: 503, pieces: []piece{{data: `{"detail":"overloaded"}`}}}, class: ErrHTTP5xx, status: 503, errSubstr: "overloaded"},
		{name: "HTTP 500 plain text", st: scriptedTransport{status: 500, pieces: []piece{{data: "boom"}}}, class: ErrHTTP5xx, status: 500, errSubstr: "boom"},
		{name: "end of body without [DONE] or finish", st: scriptedTransport{pieces: []piece{{ms: 5, data: sse(evTok("a"))}}}, class: ErrStreamTruncated, status: 200, ttft: f(5)},
		{name: "end of body inside an event", st: scriptedTransport{pieces: []piece{{ms: 5, data: sse(evTok("a")) + `data: {"id":"chatcmpl-1","cho`}}}, class: ErrStreamTruncated, status: 200, errSubstr: "inside event 2", ttft: f(5)},
		{name: "connection reset mid-stream", st: scriptedTransport{pieces: []piece{{ms: 5, data: sse(evTok("a"))}, {ms: 8, err: errReset}}}, class: ErrStreamReset, status: 200, errSubstr: "reset", ttft: f(5)},
		{name: "garbage event", st: scriptedTransport{pieces: []piece{{ms: 5, data: sse(evTok("a"), "{not json")}}}, class: ErrBadEvent, status: 200, errSubstr: "event 2", ttft: f(5)},
		{name: "two JSON values in one event", st: scriptedTransport{pieces: []piece{{ms: 5, data: sse(evTok("a"), evTok("b")+" "+evTok("c"))}}}, class: ErrBadEvent, status: 200, errSubstr: "event 2", ttft: f(5)},
		{name: "empty event", st: scriptedTransport{pieces: []piece{{ms: 5, data: sse(evTok("a")) + "data:\n\n"}}}, class: ErrBadEvent, status: 200, errSubstr: "event 2", ttft: f(5)},
		{name: "in-band error event (llama.cpp)", st: scriptedTransport{pieces: []piece{{ms: 5, data: sse(evTok("a"), `{"error":{"code":500,"message":"slot failed","type":"server_error"}}`)}}}, class: ErrHTTP5xx, status: 200, errSubstr: "slot failed", ttft: f(5)},
		{name: "in-band 429 error event", st: scriptedTransport{pieces: []piece{{ms: 5, data: sse(`{"error":{"code":"429","message":"rate"}}`)}}}, class: ErrHTTP429, status: 200, errSubstr: "rate"},
		{name: "no token before [DONE]", st: scriptedTransport{pieces: []piece{{ms: 5, data: sse(evRole, evFin, "[DONE]")}}}, class: ErrBadEvent, status: 200, errSubstr: "without any generated token"},
		{name: "failure before any response", st: scriptedTransport{pieces: []piece{{err: errReset}}}, class: ErrConnect, status: 0},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, _ := runScript(t, "", &tt.st, workloads.Request{Prompt: "p"})
			if got.OK || got.ErrorClass != tt.class || got.Status != tt.status {
				t.Fatalf("got ok=%v class=%q status=%d (%s), want class %q status %d", got.OK, got.ErrorClass, got.Status, got.Error, tt.class, tt.status)
			}
			if !strings.Contains(got.Error, tt.errSubstr) {
				t.Errorf("error %q does not mention %q", got.Error, tt.errSubstr)
			}
			if (got.TTFTMS == nil) != (tt.ttft == nil) || (got.TTFTMS != nil && *got.TTFTMS != *tt.ttft) {
				t.Errorf("ttft = %v, want %v", got.TTFTMS, tt.ttft)
			}
			if got.TPOTMS != nil {
				t.Errorf("failed request has a TPOT")
			}
			if got.EventsMS == nil {
				t.Errorf("events_ms is null, want []")
			}
		})
	}
}

func TestClientRequestBody(t *testing.T) {
	tests := []struct {
		name   string
		api    string
		target Target
		req    workloads.Request
		want   map[string]any
		absent []string
	}{
		{
			name: "chat with forced length",
			req:  workloads.Request{Prompt: "hi", MaxTokens: 64, ForceLength: true},
			want: map[string]any{"model": "m", "stream": true, "max_tokens": 64.0, "ignore_eos": true, "min_tokens": 64.0,
				"stream_options": map[string]any{"include_usage": true},
				"messages":       []any{map[string]any{"role": "user", "content": "hi"}}},
		},
		{
			name:   "completions without forced length",
			api:    APICompletions,
			req:    workloads.Request{Prompt: "hi", MaxTokens: 8},
			want:   map[string]any{"model": "m", "prompt": "hi", "max_tokens": 8.0, "stream": true},
			absent: []string{"ignore_eos", "min_tokens", "messages"},
		},
		{
			name:   "extras pass through but never override",
			target: Target{Extra: map[string]any{"cache_prompt": false, "model": "evil"}},
			req:    workloads.Request{Prompt: "hi", Extra: map[string]any{"priority": 3}},
			want:   map[string]any{"model": "m", "cache_prompt": false, "priority": 3.0},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			st := &scriptedTransport{pieces: []piece{{data: sse(evTok("a"), "[DONE]")}}}
			clock := &fakeClock{}
			tg := tt.target
			tg.BaseURL, tg.Model, tg.API = "http://e/v1", "m", tt.api
			c, _ := NewClient(tg, WithHTTPClient(&http.Client{Transport: st}), WithClock(clock.now))
			st.clock = clock
			c.Do(context.Background(), tt.req, epoch, epoch)
			var got map[string]any
			if err := json.Unmarshal([]byte(st.lastBody), &got); err != nil {
				t.Fatalf("body %q: %v", st.lastBody, err)
			}
			for k, v := range tt.want {
				if !reflect.DeepEqual(got[k], v) {
					t.Errorf("%s = %#v, want %#v", k, got[k], v)
				}
			}
			for _, k := range tt.absent {
				if _, ok := got[k]; ok {
					t.Errorf("%s present, want absent", k)
				}
			}
		})
	}
}

func TestClientAssemblesToolCalls(t *testing.T) {
	st := &scriptedTransport{pieces: []piece{{ms: 1, data: sse(
		`{"id":"r","choices":[{"delta":{"content":"Let me check."}}]}`,
		`{"id":"r","choices":[{"delta":{"tool_calls":[{"index":0,"id":"call_a","type":"function","function":{"name":"ls","arguments":"{\"pa"}}]}}]}`,
		`{"id":"r","choices":[{"delta":{"tool_calls":[{"index":0,"function":{"arguments":"th\":\"/\"}"}}]}}]}`,
		`{"id":"r","choices":[{"delta":{"tool_calls":[{"index":1,"id":"call_b","type":"function","function":{"name":"cat","arguments":"{}"}}]}}]}`,
		`{"id":"r","choices":[{"delta":{},"finish_reason":"tool_calls"}]}`, "[DONE]")}}}
	rec, reply := runScript(t, "", st, workloads.Request{Prompt: "p"})
	if !rec.OK || !reply.OK {
		t.Fatalf("not ok: %s", rec.Error)
	}
	if reply.Content != "Let me check." {
		t.Errorf("content %q", reply.Content)
	}
	if len(reply.ToolCalls) != 2 {
		t.Fatalf("%d tool calls, want 2", len(reply.ToolCalls))
	}
	if c := reply.ToolCalls[0]; c.ID != "call_a" || c.Function.Name != "ls" || c.Function.Arguments != `{"path":"/"}` {
		t.Errorf("call 0 = %+v", c)
	}
	if c := reply.ToolCalls[1]; c.ID != "call_b" || c.Function.Name != "cat" || c.Function.Arguments != "{}" {
		t.Errorf("call 1 = %+v", c)
	}
}

func TestClientCountsTokensPerEventFromLogprobs(t *testing.T) {
	lp := func(content string, n int) string {
		entries := make([]string, n)
		for k := range entries {
			entries[k] = `{"token":"x","logprob":-0.1,"bytes":[120],"top_logprobs":[]}`
		}
		return `{"id":"s","choices":[{"delta":{"content":"` + content + `"},"logprobs":{"content":[` + strings.Join(entries, ",") + `]}}]}`
	}
	tests := []struct {
		name   string
		events []string
		want   []int
	}{
		{"multi-token events (speculative decoding)", []string{lp("ab", 2), lp("cde", 3), lp("f", 1)}, []int{2, 3, 1}},
		{"one event without logprobs makes the count unknown", []string{lp("ab", 2), evTok("c")}, nil},
		// The completions API lists the tokens as strings (it once failed
		// every such event as bad_event).
		{"completions tokens", []string{`{"choices":[{"text":"ab","logprobs":{"tokens":["a","b"],"token_logprobs":[-0.1,-0.2]}}]}`,
			`{"choices":[{"text":"c","logprobs":{"tokens":["c"],"token_logprobs":[-1]}}]}`}, []int{2, 1}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			st := &scriptedTransport{pieces: []piece{{ms: 3, data: sse(append(tt.events, evFin, "[DONE]")...)}}}
			rec, _ := runScript(t, "", st, workloads.Request{Prompt: "p"})
			if !rec.OK || !reflect.DeepEqual(rec.EventTokens, tt.want) {
				t.Errorf("ok=%v event_tokens %v, want %v", rec.OK, rec.EventTokens, tt.want)
			}
		})
	}
}
