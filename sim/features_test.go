package sim

import (
	"encoding/json"
	"io"
	"net/http"
	"strings"
	"testing"

	"github.com/tokenbench/tokenbench/workloads"
)

// richEvent is a chat chunk with what speculative decoding, logprobs and
// timings add.
type richEvent struct {
	Choices []struct {
		Delta *struct {
			Content *string `json:"content"`
		} `json:"delta"`
		Text     *string `json:"text"`
		Logprobs *struct {
			Content []struct {
				Token       string  `json:"token"`
				Logprob     float64 `json:"logprob"`
				Bytes       []int   `json:"bytes"`
				TopLogprobs []struct {
					Token string `json:"token"`
				} `json:"top_logprobs"`
			} `json:"content"`
			Tokens []string `json:"tokens"`
		} `json:"logprobs"`
		FinishReason *string `json:"finish_reason"`
	} `json:"choices"`
	Usage *struct {
		PromptTokens        int `json:"prompt_tokens"`
		CompletionTokens    int `json:"completion_tokens"`
		PromptTokensDetails *struct {
			CachedTokens int `json:"cached_tokens"`
		} `json:"prompt_tokens_details"`
	} `json:"usage"`
	Timings map[string]float64 `json:"timings"`
}

// streamEvents posts body and returns the decoded events before [DONE].
func streamEvents(t *testing.T, url, path, body string) []richEvent {
	t.Helper()
	resp, err := http.Post(url+path, "application/json", strings.NewReader(body))
	if err != nil {
		t.Fatal(err)
	}
	raw, err := io.ReadAll(resp.Body)
	resp.Body.Close()
	if err != nil || resp.StatusCode != http.StatusOK {
		t.Fatalf("status %d, %v: %s", resp.StatusCode, err, raw)
	}
	data := splitEvents(t, string(raw))
	if data[len(data)-1] != "[DONE]" {
		t.Fatalf("last event %q, want [DONE]", data[len(data)-1])
	}
	evs := make([]richEvent, len(data)-1)
	for i, d := range data[:len(data)-1] {
		if err := json.Unmarshal([]byte(d), &evs[i]); err != nil {
			t.Fatalf("event %d: %v: %s", i, err, d)
		}
	}
	return evs
}

// TestSpeculativeStream: one event per verification step carries all the
// tokens the step emitted, logprobs list each of them, and the usage chunk
// carries llama.cpp timings whose draft counts match the tokens per event.
func TestSpeculativeStream(t *testing.T) {
	cfg := fastConfig()
	cfg.Spec = Spec{Tokens: 4, Acceptance: 0.7}
	_, srv := newServer(t, cfg)
	const n = 200
	evs := streamEvents(t, srv.URL, "/v1/chat/completions", `{"messages":[{"role":"user","content":"tell me a story"}],
		"max_tokens":200,"ignore_eos":true,"stream":true,"stream_options":{"include_usage":true},"logprobs":true,"top_logprobs":2}`)
	usage := evs[len(evs)-1]
	evs = evs[1 : len(evs)-1] // drop the role chunk and the usage chunk
	total, multi := 0, 0
	for i, ev := range evs {
		c := ev.Choices[0]
		words := workloads.ApproxTokens(*c.Delta.Content)
		if c.Logprobs == nil || len(c.Logprobs.Content) != words || words < 1 || words > 5 {
			t.Fatalf("event %d: %d words, logprobs %+v; want 1-5 tokens, one logprobs entry each", i, words, c.Logprobs)
		}
		for _, lp := range c.Logprobs.Content {
			if lp.Logprob > 0 || len(lp.Bytes) != len(lp.Token) || len(lp.TopLogprobs) != 2 || lp.TopLogprobs[0].Token != lp.Token {
				t.Fatalf("event %d: logprob entry %+v", i, lp)
			}
		}
		total += words
		if words > 1 {
			multi++
		}
	}
	if total != n || multi == 0 {
		t.Errorf("%d tokens in %d events (%d with several), want %d and some multi-token events", total, len(evs), multi, n)
	}
	tm := usage.Timings
	if usage.Usage == nil || usage.Usage.CompletionTokens != n || tm == nil {
		t.Fatalf("usage event %+v", usage)
	}
	// Every step after the prefill verified 4 drafts and emitted 1 + accepted.
	steps := float64(len(evs) - 1)
	if tm["draft_n"] != 4*steps || tm["predicted_n"] != n || tm["draft_n_accepted"] < float64(n-1)-steps-4 || tm["draft_n_accepted"] > float64(n-1)-steps+4 {
		t.Errorf("timings %v for %v verification steps, want draft_n %v and draft_n_accepted about %v", tm, steps, 4*steps, float64(n-1)-steps)
	}
	for _, k := range []string{"cache_n", "prompt_n", "prompt_ms", "prompt_per_token_ms", "prompt_per_second",
		"predicted_ms", "predicted_per_token_ms", "predicted_per_second"} {
		if _, ok := tm[k]; !ok {
			t.Errorf("timings lack %s: %v", k, tm)
		}
	}
	t.Logf("%d tokens in %d events, acceptance length %.2f by events; timings %v", total, len(evs), float64(n-1)/steps, tm)
}

// TestUsageAndTimings: cached tokens reach usage on a repeated prompt;
// timings come with every response: on the usage chunk, on the last chunk
// without one, and on whole responses; draft counts only under speculation.
func TestUsageAndTimings(t *testing.T) {
	_, srv := newServer(t, fastConfig())
	prompt := words("cache", 100)
	body := `{"messages":[{"role":"user","content":"` + prompt + `"}],"max_tokens":5,"ignore_eos":true,"stream":true,"stream_options":{"include_usage":true}}`
	first := streamEvents(t, srv.URL, "/v1/chat/completions", body)
	second := streamEvents(t, srv.URL, "/v1/chat/completions", body)
	for i, evs := range [][]richEvent{first, second} {
		u := evs[len(evs)-1]
		want := []int{0, 96}[i]
		if u.Usage == nil || u.Usage.PromptTokensDetails == nil || u.Usage.PromptTokensDetails.CachedTokens != want {
			t.Errorf("request %d: usage %+v, want cached_tokens %d", i+1, u.Usage, want)
		}
		if u.Timings == nil || u.Timings["cache_n"] != float64(want) || u.Timings["prompt_n"] != float64(100-want) {
			t.Errorf("request %d: timings %v, want cache_n %d prompt_n %d", i+1, u.Timings, want, 100-want)
		}
		if _, ok := u.Timings["draft_n"]; ok {
			t.Errorf("request %d: draft_n without speculative decoding: %v", i+1, u.Timings)
		}
	}
	noUsage := streamEvents(t, srv.URL, "/v1/completions", `{"prompt":"hi","max_tokens":3,"ignore_eos":true,"stream":true,"logprobs":1}`)
	last := noUsage[len(noUsage)-1]
	if last.Timings == nil || last.Usage != nil || last.Choices[0].FinishReason == nil || len(last.Choices[0].Logprobs.Tokens) != 1 {
		t.Errorf("last completions chunk %+v, want finish_reason, timings, one logprobs token, no usage", last)
	}
	status, out := post(t, srv, "/v1/chat/completions", `{"messages":[{"role":"user","content":"hi"}],"max_tokens":4,"ignore_eos":true,"logprobs":true}`)
	var whole richEvent
	if err := json.Unmarshal([]byte(out), &whole); err != nil || status != http.StatusOK {
		t.Fatalf("status %d, %v: %s", status, err, out)
	}
	if whole.Timings["predicted_n"] != 4 || whole.Usage.PromptTokensDetails == nil || !strings.Contains(out, `"logprobs":{"content":[`) {
		t.Errorf("whole response %s, want timings, cached_tokens and logprobs", out)
	}
}
