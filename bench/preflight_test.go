package bench

import (
	"context"
	"errors"
	"io"
	"net"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"
)

func TestPreflight(t *testing.T) {
	okStream := func(w http.ResponseWriter) {
		w.Header().Set("Content-Type", "text/event-stream")
		io.WriteString(w, "data: {\"choices\":[{\"index\":0,\"delta\":{\"content\":\"hi\"},\"finish_reason\":\"stop\"}]}\n\ndata: [DONE]\n\n")
	}
	models := `{"object":"list","data":[{"id":"llama-3-8b"},{"id":"qwen-7b"}]}`
	tests := []struct {
		name      string
		handler   http.HandlerFunc
		path      string // the base URL's path
		key       string
		wantErr   bool
		wantClass string
		hint      []string
	}{
		{name: "ok", path: "/v1", handler: func(w http.ResponseWriter, r *http.Request) { okStream(w) }},
		{name: "401 without a key", path: "/v1", wantErr: true, hint: []string{"--api-key", "$OPENAI_API_KEY", "none were given"},
			handler: func(w http.ResponseWriter, r *http.Request) {
				http.Error(w, `{"error":{"message":"missing key"}}`, 401)
			}},
		{name: "401 with a wrong key", path: "/v1", key: "sk-wrong", wantErr: true, hint: []string{"refused the API key"},
			handler: func(w http.ResponseWriter, r *http.Request) { http.Error(w, `{"error":{"message":"bad key"}}`, 401) }},
		{name: "403", path: "/v1", key: "k", wantErr: true, hint: []string{"refused the API key"},
			handler: func(w http.ResponseWriter, r *http.Request) { http.Error(w, `{"error":{"message":"forbidden"}}`, 403) }},
		{name: "404 on a base URL without /v1", path: "", wantErr: true, hint: []string{"has no /v1", "/v1"},
			handler: func(w http.ResponseWriter, r *http.Request) { http.NotFound(w, r) }},
		{name: "unknown model lists the served ones", path: "/v1", wantErr: true, hint: []string{`does not serve model "nope"`, "llama-3-8b, qwen-7b"},
			handler: func(w http.ResponseWriter, r *http.Request) {
				if r.Method == http.MethodGet && strings.HasSuffix(r.URL.Path, "/models") {
					io.WriteString(w, models)
					return
				}
				http.Error(w, `{"object":"error","message":"The model `+"`nope`"+` does not exist.","type":"NotFoundError","code":404}`, 404)
			}},
		{name: "404 elsewhere names the path", path: "/v1", wantErr: true, hint: []string{"answered 404", "/v1/chat/completions"},
			handler: func(w http.ResponseWriter, r *http.Request) { http.NotFound(w, r) }},
		{name: "5xx is the server's behaviour: run anyway", path: "/v1", wantClass: ErrHTTP5xx,
			handler: func(w http.ResponseWriter, r *http.Request) { http.Error(w, "overloaded", 503) }},
		{name: "429 runs anyway", path: "/v1", wantClass: ErrHTTP429,
			handler: func(w http.ResponseWriter, r *http.Request) { http.Error(w, "slow down", 429) }},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			srv := httptest.NewServer(tt.handler)
			defer srv.Close()
			tg := Target{BaseURL: srv.URL + tt.path, Model: "nope", API: APIChat, APIKey: tt.key, Timeout: 10 * time.Second}
			rec, err := Preflight(context.Background(), tg)
			var pe *PreflightError
			if tt.wantErr != errors.As(err, &pe) {
				t.Fatalf("err %v, want a PreflightError: %v", err, tt.wantErr)
			}
			for _, h := range tt.hint {
				if !strings.Contains(err.Error(), h) {
					t.Errorf("error %q lacks %q", err, h)
				}
			}
			if !tt.wantErr && rec.ErrorClass != tt.wantClass {
				t.Errorf("class %q, want %q", rec.ErrorClass, tt.wantClass)
			}
		})
	}
}

func TestPreflightNothingListening(t *testing.T) {
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	addr := l.Addr().String()
	l.Close()
	_, err = Preflight(context.Background(), Target{BaseURL: "http://" + addr + "/v1", Model: "m", Timeout: 5 * time.Second})
	var pe *PreflightError
	if !errors.As(err, &pe) || pe.Class != ErrConnect || !strings.Contains(pe.Hint, "nothing answers") {
		t.Errorf("err %v", err)
	}
}
