package sim

import (
	"errors"
	"net/http"
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
			if err != nil || got != tt.want {
				t.Fatalf("got %+v, %v; want %+v", got, err, tt.want)
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
				ctx = DefaultMaxModelLen
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
			if r.promptTokens < 0 || r.maxTokens < 0 || r.minTokens < 0 || (r.maxTokens > 0 && r.minTokens > r.maxTokens) {
				t.Fatalf("invalid request %+v", r)
			}
			if n, err := r.limit(DefaultMaxModelLen); err == nil && (n < 1 || n+r.promptTokens > DefaultMaxModelLen) {
				t.Fatalf("limit %d for %+v", n, r)
			}
		}
	})
}
