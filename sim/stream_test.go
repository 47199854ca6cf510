package sim

import (
	"bufio"
	"context"
	"encoding/json"
	"io"
	"net/http"
	"strings"
	"testing"
	"time"
)

// event is a streamed chunk of either API, with pointers where null and
// absent matter.
type event struct {
	ID      string `json:"id"`
	Object  string `json:"object"`
	Choices []struct {
		Delta *struct {
			Role    *string `json:"role"`
			Content *string `json:"content"`
		} `json:"delta"`
		Text         *string `json:"text"`
		FinishReason *string `json:"finish_reason"`
	} `json:"choices"`
	Usage *usage `json:"usage"`
}

// splitEvents splits an SSE body into the data of its events, checking the
// framing: every event is one "data: " line followed by a blank line.
func splitEvents(t *testing.T, body string) []string {
	t.Helper()
	if !strings.HasSuffix(body, "\n\n") {
		t.Fatalf("body does not end with a blank line: %q", body)
	}
	var data []string
	for _, ev := range strings.Split(strings.TrimSuffix(body, "\n\n"), "\n\n") {
		d, ok := strings.CutPrefix(ev, "data: ")
		if !ok || strings.Contains(d, "\n") {
			t.Fatalf("malformed event %q", ev)
		}
		data = append(data, d)
	}
	return data
}

func TestStream(t *testing.T) {
	_, srv := newServer(t, fastConfig())
	const n = 12
	tests := []struct {
		name, path, object string
		body               string
		usage, chat        bool
	}{
		{"chat with usage", "/v1/chat/completions", "chat.completion.chunk",
			`{"messages":[{"role":"user","content":"the old man"}],"max_tokens":12,"ignore_eos":true,"stream":true,"stream_options":{"include_usage":true}}`, true, true},
		{"chat without usage", "/v1/chat/completions", "chat.completion.chunk",
			`{"messages":[{"role":"user","content":"the old man"}],"max_completion_tokens":12,"ignore_eos":true,"stream":true}`, false, true},
		{"completions with usage", "/v1/completions", "text_completion",
			`{"prompt":"the old man","max_tokens":12,"ignore_eos":true,"stream":true,"stream_options":{"include_usage":true}}`, true, false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			resp, err := http.Post(srv.URL+tt.path, "application/json", strings.NewReader(tt.body))
			if err != nil {
				t.Fatal(err)
			}
			raw, err := io.ReadAll(resp.Body)
			resp.Body.Close()
			if err != nil || resp.StatusCode != http.StatusOK {
				t.Fatalf("status %d, %v: %s", resp.StatusCode, err, raw)
			}
			if ct := resp.Header.Get("Content-Type"); ct != "text/event-stream" {
				t.Errorf("Content-Type = %q", ct)
			}
			data := splitEvents(t, string(raw))
			if data[len(data)-1] != "[DONE]" {
				t.Fatalf("last event %q, want [DONE]", data[len(data)-1])
			}
			data = data[:len(data)-1]
			evs := make([]event, len(data))
			for i, d := range data {
				if err := json.Unmarshal([]byte(d), &evs[i]); err != nil {
					t.Fatalf("event %d: %v: %s", i, err, d)
				}
				if evs[i].ID != evs[0].ID || evs[i].Object != tt.object {
					t.Errorf("event %d: id %q object %q, want %q and %q", i, evs[i].ID, evs[i].Object, evs[0].ID, tt.object)
				}
			}
			if tt.chat {
				c := evs[0].Choices[0]
				if c.Delta == nil || c.Delta.Role == nil || *c.Delta.Role != "assistant" || c.Delta.Content == nil || *c.Delta.Content != "" || c.FinishReason != nil {
					t.Errorf("first event %s, want role only", data[0])
				}
				evs, data = evs[1:], data[1:]
			}
			if tt.usage {
				last := evs[len(evs)-1]
				if !strings.Contains(data[len(data)-1], `"choices":[]`) || last.Usage == nil ||
					last.Usage.PromptTokens != 3 || last.Usage.CompletionTokens != n || last.Usage.TotalTokens != 3+n {
					t.Errorf("usage event %s, want choices [] and 3+%d tokens", data[len(data)-1], n)
				}
				evs, data = evs[:len(evs)-1], data[:len(data)-1]
			}
			if len(evs) != n {
				t.Fatalf("%d content events, want %d (completion_tokens)", len(evs), n)
			}
			for i, ev := range evs {
				if ev.Usage != nil || strings.Contains(data[i], `"usage"`) {
					t.Errorf("content event %d carries usage: %s", i, data[i])
				}
				c := ev.Choices[0]
				text := c.Text
				if tt.chat {
					text = c.Delta.Content
				}
				if text == nil || !strings.HasPrefix(*text, " ") || len(*text) < 2 {
					t.Errorf("content event %d: %s, want one word", i, data[i])
				}
				wantFinish := i == n-1
				if (c.FinishReason != nil) != wantFinish || (wantFinish && *c.FinishReason != "length") {
					t.Errorf("content event %d: %s, want finish_reason only on the last (length)", i, data[i])
				}
			}
		})
	}
}

// TestRoleChunkBeforeTokens shows the role-only chunk is flushed when the
// request is accepted: the first step here lasts an hour.
func TestRoleChunkBeforeTokens(t *testing.T) {
	cfg := fastConfig()
	cfg.Timing.StepBase = time.Hour
	e, srv := newServer(t, cfg)
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	req, _ := http.NewRequestWithContext(ctx, "POST", srv.URL+"/v1/chat/completions",
		strings.NewReader(`{"messages":[{"role":"user","content":"hi"}],"stream":true}`))
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	line, err := bufio.NewReader(resp.Body).ReadString('\n')
	if err != nil || !strings.Contains(line, `"role":"assistant"`) {
		t.Fatalf("first line %q, %v; want the role chunk", line, err)
	}
	// The driver admits the sequence on its own goroutine: wait for it (a
	// loaded host may be slow to run it), then no token may have come.
	deadline := time.Now().Add(30 * time.Second)
	s := e.stats()
	for s.running != 1 && time.Now().Before(deadline) {
		time.Sleep(time.Millisecond)
		s = e.stats()
	}
	if s.running != 1 || s.generationTokens != 0 {
		t.Errorf("stats %+v, want 1 running and no token yet", s)
	}
}
