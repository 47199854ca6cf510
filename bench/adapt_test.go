package bench

import (
	"context"
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"reflect"
	"strings"
	"testing"

	"github.com/tokenbench/tokenbench/workloads"
)

// strictServer streams a one-token answer unless the body carries a field
// it refuses, which it names in a 400 like OpenAI's API does.
func strictServer(refuse ...string) *httptest.Server {
	return httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		var body map[string]any
		json.NewDecoder(r.Body).Decode(&body)
		for _, f := range refuse {
			if _, ok := body[f]; ok {
				w.WriteHeader(http.StatusBadRequest)
				msg := "Unrecognized request argument supplied: " + f
				if f == "max_tokens" {
					msg = "Unsupported parameter: 'max_tokens' is not supported with this model. Use 'max_completion_tokens' instead."
				}
				w.Write([]byte(`{"error":{"message":"` + msg + `","type":"invalid_request_error"}}`))
				return
			}
		}
		w.Header().Set("Content-Type", "text/event-stream")
		w.Write([]byte(sse(evTok("hi"), evFin, "[DONE]")))
	}))
}

func TestAdaptTarget(t *testing.T) {
	tests := []struct {
		name      string
		refuse    []string
		wantOmit  []string
		wantMCT   bool
		wantNotes int
	}{
		{name: "vLLM takes everything", refuse: nil, wantNotes: 0},
		{name: "OpenAI-style strict server", refuse: []string{"min_tokens", "ignore_eos"}, wantOmit: []string{"min_tokens", "ignore_eos"}, wantNotes: 2},
		{name: "llama.cpp-like: only min_tokens unknown", refuse: []string{"min_tokens"}, wantOmit: []string{"min_tokens"}, wantNotes: 1},
		{name: "newer OpenAI models", refuse: []string{"max_tokens", "min_tokens", "ignore_eos"}, wantOmit: []string{"min_tokens", "ignore_eos"}, wantMCT: true, wantNotes: 3},
		{name: "only ignore_eos unknown", refuse: []string{"ignore_eos"}, wantOmit: []string{"ignore_eos"}, wantNotes: 1},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			srv := strictServer(tt.refuse...)
			defer srv.Close()
			got, notes := AdaptTarget(context.Background(), Target{BaseURL: srv.URL + "/v1", Model: "m"})
			if !reflect.DeepEqual(got.Omit, tt.wantOmit) || got.MaxCompletionTokens != tt.wantMCT || len(notes) != tt.wantNotes {
				t.Errorf("omit %v mct %v notes %q", got.Omit, got.MaxCompletionTokens, notes)
			}
			// The adapted target is accepted.
			c, _ := NewClient(got)
			rec, _ := c.Do(context.Background(), probeRequest(), epoch, epoch)
			if !rec.OK {
				t.Errorf("adapted target still refused: %s", rec.Error)
			}
			for _, n := range notes {
				if !strings.Contains(n, "refused") {
					t.Errorf("note %q", n)
				}
			}
		})
	}
}

func TestAdaptTargetLeavesOtherFailuresAlone(t *testing.T) {
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		http.Error(w, "down", http.StatusServiceUnavailable)
	}))
	defer srv.Close()
	got, notes := AdaptTarget(context.Background(), Target{BaseURL: srv.URL + "/v1", Model: "m"})
	if len(got.Omit) != 0 || len(notes) != 0 {
		t.Errorf("a 503 changed the target: %v %v", got.Omit, notes)
	}
}

func probeRequest() workloads.Request {
	return workloads.Request{Prompt: "x", MaxTokens: 3, ForceLength: true}
}
