package bench

import (
	"strings"
	"testing"

	"github.com/tokenbench/tokenbench/workloads"
)

// TestClientDoesNotBelieveAbsurdUsage: usage that no stream could carry is
// kept in the record and flagged; output_tokens is what the events carried.
func TestClientDoesNotBelieveAbsurdUsage(t *testing.T) {
	usageEv := func(prompt, completion string, extra string) string {
		return `{"id":"chatcmpl-1","choices":[],"usage":{"prompt_tokens":` + prompt + `,"completion_tokens":` + completion + extra + `}}`
	}
	tests := []struct {
		name       string
		events     []string
		maxTokens  int
		suspect    string // substring of usage_suspect; "" when believed
		wantOutput int
		wantSource string
	}{
		{name: "1e9 completion tokens", events: []string{evTok("a"), evTok("b"), evFin, usageEv("5", "1000000000", "")}, suspect: "completion_tokens 1000000000 from 2 token-bearing events", wantOutput: 2, wantSource: TokensFromEstimate},
		{name: "negative counts", events: []string{evTok("a"), evTok("b"), evFin, usageEv("-5", "-2", "")}, suspect: "negative", wantOutput: 2, wantSource: TokensFromEstimate},
		{name: "above max_tokens", events: []string{evTok("alpha"), evTok("beta"), evFin, usageEv("5", "9", "")}, maxTokens: 4, suspect: "above max_tokens 4", wantOutput: 2, wantSource: TokensFromEstimate},
		{name: "within the max_tokens allowance", events: []string{evTok("alpha"), evTok("beta"), evFin, usageEv("5", "6", "")}, maxTokens: 4, wantOutput: 6, wantSource: TokensFromUsage},
		{name: "several tokens per event (speculative decoding)", events: []string{evTok("one two three"), evTok("four five six"), evFin, usageEv("5", "6", "")}, maxTokens: 6, wantOutput: 6, wantSource: TokensFromUsage},
		{name: "hidden reasoning counted but not streamed", events: []string{evTok("ok"), evFin, usageEv("5", "801", `,"completion_tokens_details":{"reasoning_tokens":800}`)}, maxTokens: 1000, wantOutput: 801, wantSource: TokensFromUsage},
		{name: "one event carrying a long text", events: []string{evTok(strings.Repeat("word ", 100)), evFin, usageEv("5", "100", "")}, wantOutput: 100, wantSource: TokensFromUsage},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			st := &scriptedTransport{pieces: []piece{{ms: 5, data: sse(append(tt.events, "[DONE]")...)}}}
			rec, _ := runScript(t, "", st, workloads.Request{Prompt: "p q", MaxTokens: tt.maxTokens, InputTokens: 3})
			if !rec.OK {
				t.Fatalf("not ok: %s %s", rec.ErrorClass, rec.Error)
			}
			if rec.OutputTokens != tt.wantOutput || rec.TokensSource != tt.wantSource {
				t.Errorf("output %d source %s, want %d %s", rec.OutputTokens, rec.TokensSource, tt.wantOutput, tt.wantSource)
			}
			if tt.suspect == "" {
				if rec.UsageSuspect != "" || rec.UsageOutputTokens != nil {
					t.Errorf("believable usage flagged: %q", rec.UsageSuspect)
				}
				return
			}
			if !strings.Contains(rec.UsageSuspect, tt.suspect) || rec.UsageOutputTokens == nil || rec.UsageInputTokens == nil {
				t.Fatalf("usage_suspect %q, want %q, with the server's numbers kept", rec.UsageSuspect, tt.suspect)
			}
			if rec.InputTokens != 3 {
				t.Errorf("input_tokens %d, want the workload's 3", rec.InputTokens)
			}
			if rec.TPOTMS != nil && *rec.TPOTMS < 0 {
				t.Errorf("negative TPOT %v", *rec.TPOTMS)
			}
		})
	}
}
