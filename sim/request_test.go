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
		lens    []int // prompt tokens of each prompt
	}{
		{"chat minimal", chatAPI, `{"messages":[{"role":"user","content":"the old man"}]}`,
			request{api: chatAPI, n: 1}, false, []int{3}},
		{"chat extensions", chatAPI, `{"model":"m","messages":[{"role":"user","content":"hi"}],"max_tokens":9,"min_tokens":2,"ignore_eos":true,"stream":true,"stream_options":{"include_usage":true}}`,
			request{api: chatAPI, model: "m", n: 1, maxTokens: 9, minTokens: 2, ignoreEOS: true, stream: true, includeUsage: true}, false, []int{1}},
		{"max_completion_tokens wins", chatAPI, `{"messages":[{"role":"user","content":"hi"}],"max_tokens":9,"max_completion_tokens":4}`,
			request{api: chatAPI, n: 1, maxTokens: 4}, false, []int{1}},
		{"text parts only", chatAPI, `{"messages":[{"role":"user","content":[{"type":"text","text":"the old"},{"type":"image_url","image_url":{"url":"x"}},{"type":"text","text":"man"}]}]}`,
			request{api: chatAPI, n: 1}, false, []int{3}},
		{"null content", chatAPI, `{"messages":[{"role":"assistant","content":null},{"role":"user","content":"people"}]}`,
			request{api: chatAPI, n: 1}, false, []int{1}},
		{"completion string", completionsAPI, `{"prompt":"the old man went home","max_tokens":3}`,
			request{api: completionsAPI, n: 1, maxTokens: 3}, false, []int{5}},
		{"completion strings", completionsAPI, `{"prompt":["the old","man"]}`,
			request{api: completionsAPI, n: 1}, false, []int{2, 1}},
		{"completion token ids", completionsAPI, `{"prompt":[1,2,3,4]}`,
			request{api: completionsAPI, n: 1}, false, []int{4}},
		{"completion id arrays", completionsAPI, `{"prompt":[[1,2],[3]]}`,
			request{api: completionsAPI, n: 1}, false, []int{2, 1}},
		{"completion empty string", completionsAPI, `{"prompt":""}`,
			request{api: completionsAPI, n: 1}, false, []int{0}},
		{"chat logprobs", chatAPI, `{"messages":[{"role":"user","content":"hi"}],"logprobs":true,"top_logprobs":3}`,
			request{api: chatAPI, n: 1, logprobs: true, topLogprobs: 3}, false, []int{1}},
		{"completions logprobs", completionsAPI, `{"prompt":"hi","logprobs":2}`,
			request{api: completionsAPI, n: 1, logprobs: true, topLogprobs: 2}, false, []int{1}},
		{"top_logprobs without logprobs", chatAPI, `{"messages":[{"role":"user","content":"hi"}],"top_logprobs":3}`, request{}, true, nil},
		{"top_logprobs too many", chatAPI, `{"messages":[{"role":"user","content":"hi"}],"logprobs":true,"top_logprobs":21}`, request{}, true, nil},
		{"completions logprobs negative", completionsAPI, `{"prompt":"hi","logprobs":-1}`, request{}, true, nil},
		{"not JSON", chatAPI, `hello`, request{}, true, nil},
		{"empty messages", chatAPI, `{"messages":[]}`, request{}, true, nil},
		{"content a number", chatAPI, `{"messages":[{"role":"user","content":5}]}`, request{}, true, nil},
		{"prompt an object", completionsAPI, `{"prompt":{"a":1}}`, request{}, true, nil},
		{"prompt mixed floats", completionsAPI, `{"prompt":[1.5]}`, request{}, true, nil},
		{"prompt null", completionsAPI, `{"prompt":null}`, request{}, true, nil},
		{"max_tokens a string", completionsAPI, `{"prompt":"a","max_tokens":"5"}`, request{}, true, nil},
		{"negative min_tokens", completionsAPI, `{"prompt":"a","min_tokens":-1}`, request{}, true, nil},
		{"n of 2", chatAPI, `{"messages":[{"role":"user","content":"hi"}],"n":2}`, request{api: chatAPI, n: 2}, false, []int{1}},
		{"stop and json", chatAPI, `{"messages":[{"role":"user","content":"hi"}],"stop":["a","b"],"response_format":{"type":"json_object"}}`,
			request{api: chatAPI, n: 1, stop: []string{"a", "b"}, format: format{kind: "json_object"}}, false, []int{1}},
		{"stop a string", completionsAPI, `{"prompt":"hi","stop":"x"}`, request{api: completionsAPI, n: 1, stop: []string{"x"}}, false, []int{1}},
		{"n of 0", chatAPI, `{"messages":[{"role":"user","content":"hi"}],"n":0}`, request{}, true, nil},
		{"n too many", completionsAPI, `{"prompt":["a","b","c"],"n":50}`, request{}, true, nil},
		{"temperature 5", chatAPI, `{"messages":[{"role":"user","content":"hi"}],"temperature":5}`, request{}, true, nil},
		{"top_p 0", chatAPI, `{"messages":[{"role":"user","content":"hi"}],"top_p":0}`, request{}, true, nil},
		{"presence_penalty 3", completionsAPI, `{"prompt":"hi","presence_penalty":3}`, request{}, true, nil},
		{"frequency_penalty -2.5", completionsAPI, `{"prompt":"hi","frequency_penalty":-2.5}`, request{}, true, nil},
		{"top_k -2", completionsAPI, `{"prompt":"hi","top_k":-2}`, request{}, true, nil},
		{"best_of under n", completionsAPI, `{"prompt":"hi","n":3,"best_of":2}`, request{}, true, nil},
		{"empty stop", chatAPI, `{"messages":[{"role":"user","content":"hi"}],"stop":[""]}`, request{}, true, nil},
		{"stop a number", chatAPI, `{"messages":[{"role":"user","content":"hi"}],"stop":5}`, request{}, true, nil},
		{"response_format unknown", chatAPI, `{"messages":[{"role":"user","content":"hi"}],"response_format":{"type":"yaml"}}`, request{}, true, nil},
		{"json_schema without schema", chatAPI, `{"messages":[{"role":"user","content":"hi"}],"response_format":{"type":"json_schema"}}`, request{}, true, nil},
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
			var lens []int
			for _, p := range got.prompts {
				lens = append(lens, len(p))
			}
			if !reflect.DeepEqual(lens, tt.lens) {
				t.Errorf("prompt lengths %v, want %v", lens, tt.lens)
			}
			got.prompts = nil
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
			r := request{maxTokens: tt.maxTokens, minTokens: tt.minToks}
			got, err := r.limit(ctx, tt.prompt)
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
		`{"prompt":["a","b"],"n":3,"best_of":4,"stop":["x",""],"temperature":2.5}`,
		`{"messages":[{"role":"user","content":"hi"}],"stop":"e","response_format":{"type":"json_schema","json_schema":{"schema":{"properties":{"a":{"type":"string"}}}}}}`,
		`{"messages":[{"role":"user","content":"hi"}],"top_p":0,"top_k":-1,"min_p":1,"repetition_penalty":2}`,
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
			if r.n < 1 || r.n*len(r.prompts) > maxChoices || r.maxTokens < 0 || r.minTokens < 0 || (r.maxTokens > 0 && r.minTokens > r.maxTokens) ||
				r.topLogprobs < 0 || r.topLogprobs > maxLogprobs {
				t.Fatalf("invalid request %+v", r)
			}
			const maxModelLen = 131072
			for _, p := range r.prompts {
				if n, err := r.limit(maxModelLen, len(p)); err == nil && (n < 1 || n+len(p) > maxModelLen) {
					t.Fatalf("limit %d for %+v", n, r)
				}
			}
		}
	})
}

// TestPromptTokensKeyTheText: equal texts give equal tokens, word by word,
// and a word of several tokens gives several.
func TestPromptTokensKeyTheText(t *testing.T) {
	a, _ := decodeRequest(chatAPI, []byte(`{"messages":[{"role":"user","content":"the old man"}]}`))
	b, _ := decodeRequest(completionsAPI, []byte(`{"prompt":"the  old\nman"}`))
	if !reflect.DeepEqual(a.prompts, b.prompts) || len(a.prompts[0]) != 3 {
		t.Errorf("tokens %v and %v, want the same 3", a.prompts, b.prompts)
	}
	if a.prompts[0][0] != tokenHash(" the") {
		t.Errorf("prompt word \"the\" and output word \" the\" are different tokens")
	}
	long, _ := decodeRequest(completionsAPI, []byte(`{"prompt":"internationalization"}`))
	if toks := long.prompts[0]; len(toks) != 4 || toks[0] == toks[1] {
		t.Errorf("a 20-letter word gave tokens %v, want 4 distinct", toks)
	}
}
