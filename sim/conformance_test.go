package sim

import (
	"context"
	"encoding/json"
	"errors"
	"io"
	"net/http"
	"strings"
	"testing"

	openai "github.com/sashabaranov/go-openai"

	"github.com/tokenbench/tokenbench/workloads"
)

// The tests of this file drive the engine with go-openai, a real client
// library, through every part of the OpenAI surface that clients use and
// that issue 12 found missing: model retrieval, n > 1, stop strings, prompt
// batches, JSON output, parameter validation, /tokenize and API keys.

func userMessage(s string) []openai.ChatCompletionMessage {
	return []openai.ChatCompletionMessage{{Role: openai.ChatMessageRoleUser, Content: s}}
}

// apiErr asserts err is an OpenAI API error of the given status and type,
// naming param when given, and returns it.
func apiErr(t *testing.T, err error, status int, typ, param string) *openai.APIError {
	t.Helper()
	var ae *openai.APIError
	if !errors.As(err, &ae) {
		t.Fatalf("err = %v, want an *openai.APIError", err)
	}
	if ae.HTTPStatusCode != status || ae.Type != typ || ae.Message == "" {
		t.Fatalf("error %d %q %q, want %d %s", ae.HTTPStatusCode, ae.Type, ae.Message, status, typ)
	}
	if param != "" && (ae.Param == nil || *ae.Param != param) {
		t.Fatalf("error param %v, want %q", ae.Param, param)
	}
	return ae
}

func TestConformanceRetrieveModel(t *testing.T) {
	cfg := fastConfig()
	cfg.ServedModelName = "org/my-model"
	_, srv := newServer(t, cfg)
	client := newClient(srv, nil)
	m, err := client.GetModel(context.Background(), "org/my-model")
	if err != nil {
		t.Fatal(err)
	}
	if m.ID != "org/my-model" || m.Object != "model" || m.OwnedBy != "tokenbench" {
		t.Errorf("model = %+v", m)
	}
	_, err = client.GetModel(context.Background(), "gpt-4")
	if ae := apiErr(t, err, http.StatusNotFound, "NotFoundError", "model"); !strings.Contains(ae.Message, "gpt-4") {
		t.Errorf("message %q does not name the model", ae.Message)
	}
}

func TestConformanceN(t *testing.T) {
	_, srv := newServer(t, fastConfig())
	client := newClient(srv, nil)
	req := openai.ChatCompletionRequest{Model: DefaultModel, Messages: userMessage("tell me a story"), N: 3, MaxTokens: 40}
	resp, err := client.CreateChatCompletion(context.Background(), req)
	if err != nil {
		t.Fatal(err)
	}
	if len(resp.Choices) != 3 {
		t.Fatalf("%d choices, want 3", len(resp.Choices))
	}
	sum := 0
	texts := map[string]bool{}
	for i, c := range resp.Choices {
		if c.Index != i {
			t.Errorf("choice %d has index %d", i, c.Index)
		}
		sum += workloads.ApproxTokens(c.Message.Content)
		texts[c.Message.Content] = true
	}
	if len(texts) != 3 {
		t.Errorf("choices are not independent: %d distinct texts of 3", len(texts))
	}
	if resp.Usage.PromptTokens != 4 || resp.Usage.CompletionTokens != sum || resp.Usage.TotalTokens != 4+sum {
		t.Errorf("usage %+v, want 4 prompt tokens once and %d completion tokens summed", resp.Usage, sum)
	}

	// Streamed: every choice's events carry its index, each ends with a
	// finish reason, and the usage chunk sums them.
	req.Stream, req.StreamOptions = true, &openai.StreamOptions{IncludeUsage: true}
	stream, err := client.CreateChatCompletionStream(context.Background(), req)
	if err != nil {
		t.Fatal(err)
	}
	defer stream.Close()
	content := map[int]string{}
	finished := map[int]string{}
	var usage *openai.Usage
	for {
		chunk, err := stream.Recv()
		if errors.Is(err, io.EOF) {
			break
		}
		if err != nil {
			t.Fatal(err)
		}
		if chunk.Usage != nil {
			usage = chunk.Usage
		}
		for _, c := range chunk.Choices {
			if _, done := finished[c.Index]; done {
				t.Fatalf("choice %d has an event after its finish", c.Index)
			}
			content[c.Index] += c.Delta.Content
			if c.FinishReason != "" {
				finished[c.Index] = string(c.FinishReason)
			}
		}
	}
	if len(content) != 3 || len(finished) != 3 {
		t.Fatalf("streamed choices %v finished %v, want 3 of each", content, finished)
	}
	sum = 0
	for _, s := range content {
		sum += workloads.ApproxTokens(s)
	}
	if usage == nil || usage.CompletionTokens != sum || usage.PromptTokens != 4 {
		t.Errorf("stream usage %+v, want 4 prompt and %d completion tokens", usage, sum)
	}
}

func TestConformanceStop(t *testing.T) {
	_, srv := newServer(t, fastConfig())
	client := newClient(srv, extraBody{"ignore_eos": true})
	const max = 64
	for _, stream := range []bool{false, true} {
		req := openai.ChatCompletionRequest{Model: DefaultModel, Messages: userMessage("say anything"), MaxTokens: max,
			Stop: []string{"e", "zzz"}, Stream: stream}
		var text, finish string
		if stream {
			s, err := client.CreateChatCompletionStream(context.Background(), req)
			if err != nil {
				t.Fatal(err)
			}
			for {
				chunk, err := s.Recv()
				if errors.Is(err, io.EOF) {
					break
				}
				if err != nil {
					t.Fatal(err)
				}
				for _, c := range chunk.Choices {
					text += c.Delta.Content
					if c.FinishReason != "" {
						finish = string(c.FinishReason)
					}
				}
			}
			s.Close()
		} else {
			resp, err := client.CreateChatCompletion(context.Background(), req)
			if err != nil {
				t.Fatal(err)
			}
			text, finish = resp.Choices[0].Message.Content, string(resp.Choices[0].FinishReason)
			if resp.Usage.CompletionTokens >= max || resp.Usage.CompletionTokens != workloads.ApproxTokens(text)+1 {
				t.Errorf("%d completion tokens for text %q: want the words before the stop string and the one holding it", resp.Usage.CompletionTokens, text)
			}
		}
		if finish != "stop" || strings.Contains(text, "e") || text == "" {
			t.Errorf("stream %v: finish %q text %q, want stop and the text cut before the first \"e\"", stream, finish, text)
		}
	}
	// vLLM reports the stop string that ended the answer as stop_reason.
	_, body := post(t, srv, "/v1/completions", `{"prompt":"say","max_tokens":64,"ignore_eos":true,"stop":"e"}`)
	var raw struct {
		Choices []struct {
			StopReason any `json:"stop_reason"`
		} `json:"choices"`
	}
	if err := json.Unmarshal([]byte(body), &raw); err != nil || len(raw.Choices) != 1 || raw.Choices[0].StopReason != "e" {
		t.Errorf("stop_reason of %s, want \"e\"", body)
	}
}

func TestConformancePromptBatch(t *testing.T) {
	_, srv := newServer(t, fastConfig())
	client := newClient(srv, extraBody{"ignore_eos": true})
	resp, err := client.CreateCompletion(context.Background(), openai.CompletionRequest{
		Model: DefaultModel, Prompt: []string{"the old man", "and the sea", "went home"}, MaxTokens: 5, N: 2,
	})
	if err != nil {
		t.Fatal(err)
	}
	if len(resp.Choices) != 6 || resp.Usage.PromptTokens != 8 || resp.Usage.CompletionTokens != 30 {
		t.Fatalf("%d choices, usage %+v; want 6 choices (3 prompts x n=2), 8 prompt and 30 completion tokens", len(resp.Choices), resp.Usage)
	}
	for i, c := range resp.Choices {
		if c.Index != i || workloads.ApproxTokens(c.Text) != 5 {
			t.Errorf("choice %d: index %d text %q", i, c.Index, c.Text)
		}
	}
}

func TestConformanceJSON(t *testing.T) {
	_, srv := newServer(t, fastConfig())
	client := newClient(srv, nil)
	schema := json.RawMessage(`{"type":"object","properties":{"city":{"type":"string"},"days":{"type":"integer"},"ok":{"type":"boolean"}}}`)
	for _, rf := range []*openai.ChatCompletionResponseFormat{
		{Type: openai.ChatCompletionResponseFormatTypeJSONObject},
		{Type: openai.ChatCompletionResponseFormatTypeJSONSchema, JSONSchema: &openai.ChatCompletionResponseFormatJSONSchema{Name: "w", Schema: schema}},
	} {
		for _, prompt := range []string{"answer in JSON", "another question", "a third one"} {
			resp, err := client.CreateChatCompletion(context.Background(), openai.ChatCompletionRequest{
				Model: DefaultModel, Messages: userMessage(prompt), ResponseFormat: rf,
			})
			if err != nil {
				t.Fatal(err)
			}
			c := resp.Choices[0]
			var obj map[string]any
			if err := json.Unmarshal([]byte(c.Message.Content), &obj); err != nil || c.FinishReason != "stop" {
				t.Fatalf("%s: finish %q content %q: %v", rf.Type, c.FinishReason, c.Message.Content, err)
			}
			if got := workloads.ApproxTokens(c.Message.Content); got != resp.Usage.CompletionTokens {
				t.Errorf("%s: content of %d tokens, usage says %d", rf.Type, got, resp.Usage.CompletionTokens)
			}
			if rf.Type == openai.ChatCompletionResponseFormatTypeJSONSchema {
				if _, ok := obj["city"].(string); !ok || len(obj) != 3 {
					t.Errorf("object %v does not follow the schema", obj)
				}
			}
		}
	}
}

func TestConformanceValidation(t *testing.T) {
	_, srv := newServer(t, fastConfig())
	tests := []struct {
		name  string
		req   openai.ChatCompletionRequest
		extra extraBody
		param string
	}{
		{"temperature above 2", openai.ChatCompletionRequest{Temperature: 5}, nil, "temperature"},
		{"top_p above 1", openai.ChatCompletionRequest{TopP: 1.5}, nil, "top_p"},
		{"presence_penalty above 2", openai.ChatCompletionRequest{PresencePenalty: 2.5}, nil, "presence_penalty"},
		{"frequency_penalty below -2", openai.ChatCompletionRequest{FrequencyPenalty: -3}, nil, "frequency_penalty"},
		{"top_logprobs above 20", openai.ChatCompletionRequest{LogProbs: true, TopLogProbs: 21}, nil, "top_logprobs"},
		{"max_tokens negative", openai.ChatCompletionRequest{MaxTokens: -1}, nil, "max_tokens"},
		{"n negative", openai.ChatCompletionRequest{N: -1}, nil, "n"},
		{"max_tokens a string", openai.ChatCompletionRequest{}, extraBody{"max_tokens": "five"}, "max_tokens"},
		{"stream a string", openai.ChatCompletionRequest{}, extraBody{"stream": "yes"}, "stream"},
		{"include_usage a number", openai.ChatCompletionRequest{}, extraBody{"stream_options": map[string]any{"include_usage": 1}}, "stream_options.include_usage"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			req := tt.req
			req.Model, req.Messages = DefaultModel, userMessage("hi")
			_, err := newClient(srv, tt.extra).CreateChatCompletion(context.Background(), req)
			ae := apiErr(t, err, http.StatusBadRequest, "BadRequestError", tt.param)
			for _, goWord := range []string{"Go ", "struct", "chatBody", "common.", "type int", "int64", "float64"} {
				if strings.Contains(ae.Message, goWord) {
					t.Errorf("message %q mentions %q", ae.Message, goWord)
				}
			}
			if !strings.Contains(ae.Message, tt.param) {
				t.Errorf("message %q does not name %s", ae.Message, tt.param)
			}
		})
	}
}

// TestConformanceTokenize: vLLM's /tokenize counts what usage.prompt_tokens
// then reports, for a prompt and for chat messages with tools, and
// /detokenize gives the engine's words back.
func TestConformanceTokenize(t *testing.T) {
	_, srv := newServer(t, fastConfig())
	client := newClient(srv, nil)
	tools := []openai.Tool{{Type: openai.ToolTypeFunction, Function: &openai.FunctionDefinition{Name: "get_weather",
		Parameters: json.RawMessage(`{"type":"object","properties":{"city":{"type":"string"}}}`)}}}
	msgs := []openai.ChatCompletionMessage{{Role: "system", Content: "You are helpful."}, {Role: "user", Content: "the weather in internationalization city"}}
	resp, err := client.CreateChatCompletion(context.Background(), openai.ChatCompletionRequest{
		Model: DefaultModel, Messages: msgs, Tools: tools, ToolChoice: "none", MaxTokens: 2,
	})
	if err != nil {
		t.Fatal(err)
	}
	toolsJSON, _ := json.Marshal(tools)
	msgsJSON, _ := json.Marshal(msgs)
	var tok struct {
		Count       int      `json:"count"`
		MaxModelLen int      `json:"max_model_len"`
		Tokens      []int    `json:"tokens"`
		TokenStrs   []string `json:"token_strs"`
	}
	status, body := post(t, srv, "/tokenize", `{"model":"`+DefaultModel+`","messages":`+string(msgsJSON)+`,"tools":`+string(toolsJSON)+`,"add_generation_prompt":true}`)
	if err := json.Unmarshal([]byte(body), &tok); status != 200 || err != nil {
		t.Fatalf("tokenize: %d %s", status, body)
	}
	if tok.Count != resp.Usage.PromptTokens || len(tok.Tokens) != tok.Count || tok.MaxModelLen == 0 {
		t.Errorf("tokenize count %d (%d ids, max_model_len %d), usage.prompt_tokens %d", tok.Count, len(tok.Tokens), tok.MaxModelLen, resp.Usage.PromptTokens)
	}

	comp, err := client.CreateCompletion(context.Background(), openai.CompletionRequest{Model: DefaultModel, Prompt: "the old man went home", MaxTokens: 1})
	if err != nil {
		t.Fatal(err)
	}
	_, body = post(t, srv, "/tokenize", `{"prompt":"the old man went home","return_token_strs":true}`)
	if err := json.Unmarshal([]byte(body), &tok); err != nil || tok.Count != comp.Usage.PromptTokens || strings.Join(tok.TokenStrs, " ") != "the old man went home" {
		t.Fatalf("tokenize %s, want %d tokens", body, comp.Usage.PromptTokens)
	}
	ids, _ := json.Marshal(tok.Tokens)
	_, body = post(t, srv, "/detokenize", `{"tokens":`+string(ids)+`}`)
	if body != `{"prompt":"the old man went home"}`+"\n" {
		t.Errorf("detokenize: %s", body)
	}
	if status, body := post(t, srv, "/detokenize", `{"tokens":[-1]}`); status != 400 || !strings.Contains(body, `"param":"tokens"`) {
		t.Errorf("detokenize of -1: %d %s", status, body)
	}
	if status, _ := post(t, srv, "/tokenize", `{"model":"gpt-4","prompt":"hi"}`); status != 404 {
		t.Errorf("tokenize for another model: %d, want 404", status)
	}
}

func TestConformanceAPIKey(t *testing.T) {
	cfg := fastConfig()
	cfg.APIKeys = []string{"k1", "k2"}
	_, srv := newServer(t, cfg)
	ask := func(key string) error {
		c := openai.DefaultConfig(key)
		c.BaseURL = srv.URL + "/v1"
		_, err := openai.NewClientWithConfig(c).CreateChatCompletion(context.Background(),
			openai.ChatCompletionRequest{Model: DefaultModel, Messages: userMessage("hi"), MaxTokens: 2})
		return err
	}
	for _, key := range []string{"k1", "k2"} {
		if err := ask(key); err != nil {
			t.Errorf("key %s: %v", key, err)
		}
	}
	for _, key := range []string{"", "k3", "k"} {
		ae := apiErr(t, ask(key), http.StatusUnauthorized, "AuthenticationError", "")
		if strings.Contains(ae.Message, "k1") || strings.Contains(ae.Message, "k2") {
			t.Errorf("401 message %q shows a key", ae.Message)
		}
	}
	// Like vLLM, only /v1 is guarded: health checks, metrics and the
	// tokenizer stay open.
	for _, path := range []string{"/health", "/metrics"} {
		resp, err := http.Get(srv.URL + path)
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
		if resp.StatusCode != 200 {
			t.Errorf("GET %s without a key: %d", path, resp.StatusCode)
		}
	}
	if status, _ := post(t, srv, "/tokenize", `{"prompt":"hi"}`); status != 200 {
		t.Errorf("tokenize without a key: %d", status)
	}
	if status, _ := post(t, srv, "/v1/models", ``); status != 401 {
		t.Errorf("POST /v1/models without a key: %d, want 401 before 405", status)
	}
}
