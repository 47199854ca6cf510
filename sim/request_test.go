package sim

import (
	"errors"
	"net/http"
	"reflect"
	"testing"
)

func TestDecodeRequest(t *testing.T) {
	tests := []struct {
		name    string
		api     api
		body    string
		want    request
		wantErr bool
	}{
		{"chat minimal", chatAPI, `{"messages":[{"role":"user","content":"the old man"}]}`,
			request{api: chatAPI, promptTokens: 3}, false},
		{"chat extensions", chatAPI, `{"model":"m","messages":[{"role":"user","content":"hi"}],"max_tokens":9,"min_tokens":2,"ignore_eos":true,"stream":true,"stream_options":{"include_usage":true}}`,
			request{api: chatAPI, model: "m", promptTokens: 1, maxTokens: 9, minTokens: 2, ignoreEOS: true, stream: true, includeUsage: true}, false},
		{"max_completion_tokens wins", chatAPI, `{"messages":[{"role":"user","content":"hi"}],"max_tokens":9,"max_completion_tokens":4}`,
			request{api: chatAPI, promptTokens: 1, maxTokens: 4}, false},
		{"text parts only", chatAPI, `{"messages":[{"role":"user","content":[{"type":"text","text":"the old"},{"type":"image_url","image_url":{"url":"x"}},{"type":"text","text":"man"}]}]}`,
			request{api: chatAPI, promptTokens: 3}, false},
		{"null content", chatAPI, `{"messages":[{"role":"assistant","content":null},{"role":"user","content":"people"}]}`,
			request{api: chatAPI, promptTokens: 1}, false},
		{"completion string", completionsAPI, `{"prompt":"the old man went home","max_tokens":3}`,
			request{api: completionsAPI, promptTokens: 5, maxTokens: 3}, false},
		{"completion strings", completionsAPI, `{"prompt":["the old","man"]}`,
			request{api: completionsAPI, promptTokens: 3}, false},
		{"completion token ids", completionsAPI, `{"prompt":[1,2,3,4]}`,
			request{api: completionsAPI, promptTokens: 4}, false},
		{"completion id arrays", completionsAPI, `{"prompt":[[1,2],[3]]}`,
			request{api: completionsAPI, promptTokens: 3}, false},
		{"completion empty string", completionsAPI, `{"prompt":""}`,
			request{api: completionsAPI}, false},
		{"chat logprobs", chatAPI, `{"messages":[{"role":"user","content":"hi"}],"logprobs":true,"top_logprobs":3}`,
			request{api: chatAPI, promptTokens: 1, logprobs: true, topLogprobs: 3}, false},
		{"completions logprobs", completionsAPI, `{"prompt":"hi","logprobs":2}`,
			request{api: completionsAPI, promptTokens: 1, logprobs: true, topLogprobs: 2}, false},
		{"top_logprobs without logprobs", chatAPI, `{"messages":[{"role":"user","content":"hi"}],"top_logprobs":3}`, request{}, true},
		{"top_logprobs too many", chatAPI, `{"messages":[{"role":"user","content":"hi"}],"logprobs":true,"top_logprobs":21}`, request{}, true},
		{"completions logprobs negative", completionsAPI, `{"prompt":"hi","logprobs":-1}`, request{}, true},
		{"not JSON", chatAPI, `hello`, request{}, true},
		{"empty messages", chatAPI, `{"messages":[]}`, request{}, true},
		{"content a number", chatAPI, `{"messages":[{"role":"user","content":5}]}`, request{}, true},
		{"prompt an object", completionsAPI, `{"prompt":{"a":1}}`, request{}, true},
		{"prompt mixed floats", completionsAPI, `{"prompt":[1.5]}`, request{}, true},
		{"prompt null", completionsAPI, `{"prompt":null}`, request{}, true},
		{"max_tokens a string", completionsAPI, `{"prompt":"a","max_tokens":"5"}`, request{}, true},
		{"negative min_tokens", completionsAPI, `{"prompt":"a","min_tokens":-1}`, request{}, true},
		{"n of 2", chatAPI, `{"messages":[{"role":"user","content":"hi"}],"n":2}`, request{}, true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := decodeRequest(tt.api, []byte(tt.body))
			if tt.wantErr {
				var ae *apiError
				if !errors.As(err, &ae) || ae.status != http.StatusBadRequest {
					t.Fatalf("err = %v, want a 400 apiError", err)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if len(got.tokens) != got.promptTokens {
				t.Errorf("%d token hashes for %d prompt tokens", len(got.tokens), got.promptTokens)
			}
			got.tokens = nil
			if !reflect.DeepEqual(got, tt.want) {
				t.Fatalf("got %+v, want %+v", got, tt.want)
			}
		})
	}
}

func TestLimit(t *testing.T) {
	tests := []struct {
		name                       string
		prompt, maxTokens, minToks int
		want                       int
		wantErr                    bool
	}{
		{"given", 10, 20, 0, 20, false},
		{"exactly the context", 10, 90, 0, 90, false},
		{"over the context", 10, 91, 0, 0, true},
		{"default cap", 10, 0, 0, DefaultMaxTokens, false},
		{"what the context leaves", 98, 0, 0, 2, false},
		{"prompt fills the context", 100, 0, 0, 0, true},
		{"min_tokens over what is left", 95, 0, 10, 0, true},
		{"huge max_tokens does not overflow", 10, 1<<63 - 1, 0, 0, true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			ctx := 100
			if tt.name == "default cap" {
				ctx = 131072
			}
			r := request{promptTokens: tt.prompt, maxTokens: tt.maxTokens, minTokens: tt.minToks}
			got, err := r.limit(ctx)
			if (err != nil) != tt.wantErr || got != tt.want {
				t.Errorf("limit = %d, %v; want %d, error %v", got, err, tt.want, tt.wantErr)
			}
		})
	}
}

// FuzzDecodeRequest feeds any bytes to both decoders: each returns a 400
// apiError or a request that the rest of the engine can serve.
func FuzzDecodeRequest(f *testing.F) {
	for _, s := range []string{
		`{"messages":[{"role":"user","content":"hi"}],"max_tokens":5,"stream":true}`,
		`{"messages":[{"role":"user","content":[{"type":"text","text":"a b"}]}]}`,
		`{"prompt":["a",[1,2],3],"min_tokens":2,"ignore_eos":true}`,
		`{"prompt":"x","max_tokens":9223372036854775807}`,
		`null`, `[]`, `{"messages":null}`, `{"prompt":[[[]]]}`,
		`{"messages":[{"role":"user","content":"hi"}],"logprobs":true,"top_logprobs":2}`, `{"prompt":"x","logprobs":3}`,
	} {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, body []byte) {
		for _, a := range []api{chatAPI, completionsAPI} {
			r, err := decodeRequest(a, body)
			if err != nil {
				var ae *apiError
				if !errors.As(err, &ae) || ae.status != http.StatusBadRequest || ae.msg == "" {
					t.Fatalf("error %v is not a 400 apiError", err)
				}
				continue
			}
			if r.promptTokens != len(r.tokens) || r.maxTokens < 0 || r.minTokens < 0 || (r.maxTokens > 0 && r.minTokens > r.maxTokens) ||
				r.topLogprobs < 0 || r.topLogprobs > maxLogprobs {
				t.Fatalf("invalid request %+v", r)
			}
			const maxModelLen = 131072
			if n, err := r.limit(maxModelLen); err == nil && (n < 1 || n+r.promptTokens > maxModelLen) {
				t.Fatalf("limit %d for %+v", n, r)
			}
		}
	})
}

// TestPromptTokensKeyTheText: equal texts give equal tokens, word by word,
// and a word of several tokens gives several.
func TestPromptTokensKeyTheText(t *testing.T) {
	a, _ := decodeRequest(chatAPI, []byte(`{"messages":[{"role":"user","content":"the old man"}]}`))
	b, _ := decodeRequest(completionsAPI, []byte(`{"prompt":"the  old\nman"}`))
	if !reflect.DeepEqual(a.tokens, b.tokens) || len(a.tokens) != 3 {
		t.Errorf("tokens %v and %v, want the same 3", a.tokens, b.tokens)
	}
	if a.tokens[0] != tokenHash(" the") {
		t.Errorf("prompt word \"the\" and output word \" the\" are different tokens")
	}
	long, _ := decodeRequest(completionsAPI, []byte(`{"prompt":"internationalization"}`))
	if len(long.tokens) != 4 || long.tokens[0] == long.tokens[1] {
		t.Errorf("a 20-letter word gave tokens %v, want 4 distinct", long.tokens)
	}
}
