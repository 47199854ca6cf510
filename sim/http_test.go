package sim

import (
	"context"
	"encoding/json"
	"net/http"
	"strings"
	"testing"

	openai "github.com/sashabaranov/go-openai"

	"github.com/tokenbench/tokenbench/workloads"
)

func TestChatCompletion(t *testing.T) {
	_, srv := newServer(t, fastConfig())
	client := newClient(srv, extraBody{"ignore_eos": true})
	msgs := []openai.ChatCompletionMessage{
		{Role: "system", Content: "you are a helpful assistant"},
		{Role: "user", MultiContent: []openai.ChatMessagePart{
			{Type: openai.ChatMessagePartTypeText, Text: "tell me about the history of the world"},
			{Type: openai.ChatMessagePartTypeImageURL, ImageURL: &openai.ChatMessageImageURL{URL: "http://x/y.png"}},
		}},
	}
	resp, err := client.CreateChatCompletion(context.Background(), openai.ChatCompletionRequest{
		Model: DefaultModel, Messages: msgs, MaxTokens: 17,
	})
	if err != nil {
		t.Fatal(err)
	}
	wantPrompt := workloads.ApproxTokens("you are a helpful assistant") + workloads.ApproxTokens("tell me about the history of the world")
	if resp.Usage.PromptTokens != wantPrompt || resp.Usage.CompletionTokens != 17 || resp.Usage.TotalTokens != wantPrompt+17 {
		t.Errorf("usage = %+v, want %d prompt and 17 completion tokens", resp.Usage, wantPrompt)
	}
	if resp.Object != "chat.completion" || !strings.HasPrefix(resp.ID, "chatcmpl-") || resp.Model != DefaultModel {
		t.Errorf("object %q id %q model %q", resp.Object, resp.ID, resp.Model)
	}
	c := resp.Choices[0]
	if c.FinishReason != openai.FinishReasonLength || c.Message.Role != "assistant" {
		t.Errorf("finish %q role %q, want length and assistant", c.FinishReason, c.Message.Role)
	}
	if got := workloads.ApproxTokens(c.Message.Content); got != 17 {
		t.Errorf("content %q has %d tokens, want 17", c.Message.Content, got)
	}
}

func TestCompletion(t *testing.T) {
	_, srv := newServer(t, fastConfig())
	client := newClient(srv, extraBody{"ignore_eos": true})
	tests := []struct {
		name        string
		prompt      any
		wantPrompt  int
		wantChoices int // a list of prompts is a batch: one choice each
	}{
		{"string", "the old man and the sea", 6, 1},
		{"strings", []string{"the old man", "and the sea"}, 6, 2},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			resp, err := client.CreateCompletion(context.Background(), openai.CompletionRequest{
				Model: DefaultModel, Prompt: tt.prompt, MaxTokens: 9,
			})
			if err != nil {
				t.Fatal(err)
			}
			if resp.Usage == nil || resp.Usage.PromptTokens != tt.wantPrompt || resp.Usage.CompletionTokens != 9*tt.wantChoices {
				t.Fatalf("usage = %+v, want %d prompt and %d completion tokens", resp.Usage, tt.wantPrompt, 9*tt.wantChoices)
			}
			if len(resp.Choices) != tt.wantChoices {
				t.Fatalf("%d choices, want %d", len(resp.Choices), tt.wantChoices)
			}
			for i, c := range resp.Choices {
				if resp.Object != "text_completion" || c.FinishReason != "length" || c.Index != i {
					t.Errorf("object %q choice %d: index %d finish %q", resp.Object, i, c.Index, c.FinishReason)
				}
				if got := workloads.ApproxTokens(c.Text); got != 9 {
					t.Errorf("text %q has %d tokens, want 9", c.Text, got)
				}
			}
		})
	}
}

func TestNaturalLength(t *testing.T) {
	_, srv := newServer(t, fastConfig())
	// Without ignore_eos the length is the seeded natural one, at least
	// min_tokens and at most max_tokens; finish_reason tells which bound hit.
	tests := []struct {
		body     string
		min, max int
	}{
		{`{"prompt":"a","max_tokens":3}`, 1, 3},
		{`{"prompt":"b","max_tokens":1000,"min_tokens":5}`, 5, 1000},
		{`{"prompt":"c","max_tokens":50,"min_tokens":50}`, 50, 50},
	}
	for _, tt := range tests {
		status, out := post(t, srv, "/v1/completions", tt.body)
		var resp openai.CompletionResponse
		if err := json.Unmarshal([]byte(out), &resp); err != nil || status != http.StatusOK {
			t.Fatalf("%s: status %d, %v: %s", tt.body, status, err, out)
		}
		n, reason := resp.Usage.CompletionTokens, resp.Choices[0].FinishReason
		wantReason := "stop"
		if n == tt.max {
			wantReason = "length"
		}
		if n < tt.min || n > tt.max || reason != wantReason {
			t.Errorf("%s: %d tokens, finish %q; want %d..%d tokens, finish %q", tt.body, n, reason, tt.min, tt.max, wantReason)
		}
	}
}

func TestDeterminism(t *testing.T) {
	text := func(seed uint64, body string) string {
		cfg := fastConfig()
		cfg.Seed = seed
		_, srv := newServer(t, cfg)
		status, out := post(t, srv, "/v1/completions", body)
		var resp openai.CompletionResponse
		if err := json.Unmarshal([]byte(out), &resp); err != nil || status != http.StatusOK {
			t.Fatalf("status %d, %v: %s", status, err, out)
		}
		return resp.Choices[0].Text
	}
	const body = `{"prompt":"once upon a time","max_tokens":32}`
	a, b := text(1, body), text(1, body)
	if a != b {
		t.Errorf("same seed and body, different text:\n%q\n%q", a, b)
	}
	if c := text(2, body); c == a {
		t.Errorf("different seeds, same text %q", a)
	}
	if d := text(1, `{"prompt":"once upon a time","max_tokens":33}`); d == a {
		t.Errorf("different bodies, same text %q", a)
	}
}

func TestErrors(t *testing.T) {
	cfg := fastConfig()
	cfg.MaxModelLen, cfg.KVCapacityTokens = 100, 1000
	_, srv := newServer(t, cfg)
	tests := []struct {
		name, method, path, body string
		status                   int
		typ                      string
	}{
		{"wrong model", "POST", "/v1/chat/completions", `{"model":"gpt-4","messages":[{"role":"user","content":"hi"}]}`, 404, "NotFoundError"},
		{"bad JSON", "POST", "/v1/chat/completions", `{"messages":[`, 400, "BadRequestError"},
		{"missing messages", "POST", "/v1/chat/completions", `{"model":"llama-3.1-8b"}`, 400, "BadRequestError"},
		{"missing prompt", "POST", "/v1/completions", `{"max_tokens":3}`, 400, "BadRequestError"},
		{"prompt over context", "POST", "/v1/completions", `{"prompt":"` + strings.Repeat("the ", 100) + `"}`, 400, "BadRequestError"},
		{"prompt plus max_tokens over context", "POST", "/v1/completions", `{"prompt":"the old man","max_tokens":98}`, 400, "BadRequestError"},
		{"max_tokens zero", "POST", "/v1/chat/completions", `{"messages":[{"role":"user","content":"hi"}],"max_tokens":0}`, 400, "BadRequestError"},
		{"min_tokens above max_tokens", "POST", "/v1/completions", `{"prompt":"hi","max_tokens":2,"min_tokens":3}`, 400, "BadRequestError"},
		{"n of 0", "POST", "/v1/completions", `{"prompt":"hi","n":0}`, 400, "BadRequestError"},
		{"unknown model id", "GET", "/v1/models/gpt-4", "", 404, "NotFoundError"},
		{"GET on tokenize", "GET", "/tokenize", "", 405, "MethodNotAllowedError"},
		{"GET on chat", "GET", "/v1/chat/completions", "", 405, "MethodNotAllowedError"},
		{"POST on models", "POST", "/v1/models", "{}", 405, "MethodNotAllowedError"},
		{"unknown path", "GET", "/v2/nothing", "", 404, "NotFoundError"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			req, _ := http.NewRequest(tt.method, srv.URL+tt.path, strings.NewReader(tt.body))
			resp, err := http.DefaultClient.Do(req)
			if err != nil {
				t.Fatal(err)
			}
			defer resp.Body.Close()
			var e struct {
				Error struct {
					Message string `json:"message"`
					Type    string `json:"type"`
					Code    int    `json:"code"`
				} `json:"error"`
			}
			if err := json.NewDecoder(resp.Body).Decode(&e); err != nil {
				t.Fatalf("error body: %v", err)
			}
			if resp.StatusCode != tt.status || e.Error.Code != tt.status || e.Error.Type != tt.typ || e.Error.Message == "" {
				t.Errorf("status %d, error %+v; want %d %s", resp.StatusCode, e.Error, tt.status, tt.typ)
			}
		})
	}
}

func TestModelsAndHealth(t *testing.T) {
	cfg := fastConfig()
	cfg.ServedModelName = "my-model"
	e, srv := newServer(t, cfg)
	models, err := newClient(srv, nil).ListModels(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	if len(models.Models) != 1 || models.Models[0].ID != "my-model" || models.Models[0].Object != "model" || models.Models[0].OwnedBy != "tokenbench" {
		t.Errorf("models = %+v", models.Models)
	}
	resp, err := http.Get(srv.URL + "/v1/models")
	if err != nil {
		t.Fatal(err)
	}
	var raw struct {
		Object string `json:"object"`
		Data   []struct {
			MaxModelLen int `json:"max_model_len"`
		} `json:"data"`
	}
	json.NewDecoder(resp.Body).Decode(&raw)
	resp.Body.Close()
	if raw.Object != "list" || len(raw.Data) != 1 || raw.Data[0].MaxModelLen != e.Deployment().Config.MaxModelLen || raw.Data[0].MaxModelLen != 131072 {
		t.Errorf("raw models = %+v", raw)
	}
	resp, err = http.Get(srv.URL + "/health")
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		t.Errorf("/health: %d", resp.StatusCode)
	}
}
