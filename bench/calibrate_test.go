package bench

import (
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"net/http/httptest"
	"os"
	"strings"
	"testing"
	"time"
	"unicode/utf8"

	openai "github.com/sashabaranov/go-openai"

	"github.com/tokenbench/tokenbench/workloads"
)

// toyServer mimics an engine's /tokenize and its chat and completions
// endpoints with a toy tokenizer, so that what /tokenize says and what
// usage.prompt_tokens says agree, as they do on vLLM and llama.cpp.
type toyServer struct {
	flavor string // TokenizeVLLM or TokenizeLlamaCpp
	// count is the server's tokenizer.
	count func(string) int
	// chatOverhead is what the chat template adds to one user message,
	// BOS included (vLLM flavor). The llama.cpp flavor renders a template
	// through /apply-template and counts it instead.
	chatOverhead int
	noTokenize   int  // a status to answer /tokenize with (404, 405)
	noTemplate   bool // llama.cpp: no /apply-template; vLLM: /tokenize takes no messages
}

// differentCount is a server tokenizer unlike the local approx one: a token
// per started 4 characters of a word instead of 6.
func differentCount(s string) int {
	n := 0
	for _, w := range strings.Fields(s) {
		n += (utf8.RuneCountInString(w) + 3) / 4
	}
	return n
}

const toyTemplateHead, toyTemplateTail = "<|im_start|>user\n", "\n<|im_end|>\n<|im_start|>assistant\n"

func (ts *toyServer) promptTokens(body map[string]any, chat bool) int {
	if chat {
		n := 0
		msgs, _ := body["messages"].([]any)
		for _, m := range msgs {
			content, _ := m.(map[string]any)["content"].(string)
			if ts.flavor == TokenizeLlamaCpp {
				n += ts.count(toyTemplateHead+content+toyTemplateTail) + 1 // BOS
			} else {
				n += ts.count(content) + ts.chatOverhead
			}
		}
		return n
	}
	prompt, _ := body["prompt"].(string)
	return ts.count(prompt) + 1 // BOS
}

func (ts *toyServer) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	var body map[string]any
	if err := json.NewDecoder(r.Body).Decode(&body); err != nil {
		http.Error(w, err.Error(), http.StatusBadRequest)
		return
	}
	w.Header().Set("Content-Type", "application/json")
	switch r.URL.Path {
	case "/tokenize":
		if ts.noTokenize != 0 {
			http.Error(w, "no", ts.noTokenize)
			return
		}
		v := ts.tokenize(body)
		if v == nil {
			http.Error(w, `{"detail":"messages: extra fields not permitted"}`, http.StatusUnprocessableEntity)
			return
		}
		json.NewEncoder(w).Encode(v)
	case "/apply-template":
		if ts.flavor != TokenizeLlamaCpp || ts.noTemplate {
			http.NotFound(w, r)
			return
		}
		msgs, _ := body["messages"].([]any)
		var sb strings.Builder
		for _, m := range msgs {
			content, _ := m.(map[string]any)["content"].(string)
			sb.WriteString(toyTemplateHead + content + toyTemplateTail)
		}
		json.NewEncoder(w).Encode(map[string]string{"prompt": sb.String()})
	case "/v1/chat/completions", "/v1/completions":
		n := ts.promptTokens(body, r.URL.Path == "/v1/chat/completions")
		w.Header().Set("Content-Type", "text/event-stream")
		fmt.Fprintf(w, "data: {\"id\":\"x\",\"choices\":[{\"index\":0,\"delta\":{\"content\":\"ok\"},\"text\":\"ok\"}]}\n\n")
		fmt.Fprintf(w, "data: {\"id\":\"x\",\"choices\":[{\"index\":0,\"delta\":{},\"finish_reason\":\"stop\"}]}\n\n")
		fmt.Fprintf(w, "data: {\"id\":\"x\",\"choices\":[],\"usage\":{\"prompt_tokens\":%d,\"completion_tokens\":1,\"total_tokens\":%d}}\n\n", n, n+1)
		fmt.Fprintf(w, "data: [DONE]\n\n")
	default:
		http.NotFound(w, r)
	}
}

func (ts *toyServer) tokenize(body map[string]any) map[string]any {
	n := 0
	if ts.flavor == TokenizeLlamaCpp {
		content, ok := body["content"].(string)
		if !ok {
			return map[string]any{"tokens": []int{}} // as llama.cpp does
		}
		n = ts.count(content)
		if add, _ := body["add_special"].(bool); add {
			n++
		}
		return map[string]any{"tokens": make([]int, n)}
	}
	if _, chat := body["messages"]; chat {
		if ts.noTemplate {
			return nil // the handler answers 422
		}
		n = ts.promptTokens(body, true)
	} else {
		prompt, _ := body["prompt"].(string)
		n = ts.count(prompt)
		if add, set := body["add_special_tokens"].(bool); !set || add {
			n++ // BOS, added by default as vLLM does
		}
	}
	return map[string]any{"count": n, "tokens": make([]int, n), "max_model_len": 32768}
}

func startToy(t *testing.T, ts *toyServer) Target {
	t.Helper()
	srv := httptest.NewServer(ts)
	t.Cleanup(srv.Close)
	return Target{BaseURL: srv.URL + "/v1", Model: "toy", API: APIChat, Timeout: 10 * time.Second}
}

// sendAll sends n synthetic corpus requests of varied target lengths from
// src through the client and returns target and actual prompt tokens.
func sendAll(t *testing.T, target Target, src workloads.Source, n int) (targets, actual []int) {
	t.Helper()
	c, err := NewClient(target)
	if err != nil {
		t.Fatal(err)
	}
	for i := 0; i < n; i++ {
		it, err := src.Next()
		if err != nil {
			t.Fatal(err)
		}
		now := time.Now()
		rec, _ := c.Do(context.Background(), it.Request, now, now)
		if !rec.OK || rec.TokensSource != TokensFromUsage {
			t.Fatalf("request %d: %+v", i, rec)
		}
		targets, actual = append(targets, rec.TargetInputTokens), append(actual, rec.InputTokens)
	}
	return targets, actual
}

func corpusSource(t *testing.T) workloads.Source {
	t.Helper()
	src, err := workloads.Synthetic{InputTokens: 400, InputStddev: 150, OutputTokens: 8, Corpus: true, Seed: 5}.NewSource()
	if err != nil {
		t.Fatal(err)
	}
	return src
}

func TestCalibrateHitsTarget(t *testing.T) {
	tests := []struct {
		name         string
		server       toyServer
		api          string
		wantFlavor   string
		wantOverhead int
	}{
		{"vLLM chat with a 7-token template", toyServer{flavor: TokenizeVLLM, count: workloads.ApproxTokens, chatOverhead: 7}, APIChat, TokenizeVLLM, 7},
		{"vLLM completions adds BOS", toyServer{flavor: TokenizeVLLM, count: workloads.ApproxTokens}, APICompletions, TokenizeVLLM, 1},
		{"llama.cpp chat through apply-template", toyServer{flavor: TokenizeLlamaCpp, count: workloads.ApproxTokens}, APIChat, TokenizeLlamaCpp,
			workloads.ApproxTokens(toyTemplateHead+toyTemplateTail) + 1}, // + BOS
		{"llama.cpp completions", toyServer{flavor: TokenizeLlamaCpp, count: workloads.ApproxTokens}, APICompletions, TokenizeLlamaCpp, 1},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			target := startToy(t, &tt.server)
			target.API = tt.api
			cal, err := Calibrate(context.Background(), target, nil, nil)
			if err != nil {
				t.Fatal(err)
			}
			if !cal.Available || cal.Flavor != tt.wantFlavor || !strings.HasSuffix(cal.Endpoint, "/tokenize") {
				t.Fatalf("calibration %+v", cal)
			}
			if cal.OverheadTokens != tt.wantOverhead || cal.Ratio != 1 {
				t.Errorf("overhead %d ratio %v, want %d and 1", cal.OverheadTokens, cal.Ratio, tt.wantOverhead)
			}
			if cal.Checked != len(DefaultCalibrationLengths) || cal.WithinOne != cal.Checked {
				t.Errorf("check: %d of %d within one token (max error %d)", cal.WithinOne, cal.Checked, cal.MaxErrorTokens)
			}
			targets, actual := sendAll(t, target, cal.Source(corpusSource(t)), 25)
			for i := range targets {
				if absInt(actual[i]-targets[i]) > 1 {
					t.Errorf("request %d: usage.prompt_tokens %d, target %d", i, actual[i], targets[i])
				}
			}
			// Without calibration the template overhead shows.
			targets, actual = sendAll(t, target, corpusSource(t), 5)
			if actual[0]-targets[0] != tt.wantOverhead {
				t.Errorf("uncalibrated: %d prompt tokens for a target of %d", actual[0], targets[0])
			}
		})
	}
}

// TestCalibrateDifferentTokenizer: the local tokenizer is not the server's.
// Adjust uses the measured ratio and gets close; Fit asks the server and
// hits the target.
func TestCalibrateDifferentTokenizer(t *testing.T) {
	target := startToy(t, &toyServer{flavor: TokenizeVLLM, count: differentCount, chatOverhead: 7})
	cal, err := Calibrate(context.Background(), target, nil, nil)
	if err != nil {
		t.Fatal(err)
	}
	if cal.Ratio <= 1.05 || len(cal.Notes) == 0 {
		t.Fatalf("ratio %v, notes %q: want the mismatch measured and noted", cal.Ratio, cal.Notes)
	}
	targets, actual := sendAll(t, target, cal.FitSource(context.Background(), corpusSource(t)), 25)
	for i := range targets {
		if absInt(actual[i]-targets[i]) > 1 {
			t.Errorf("fit request %d: usage.prompt_tokens %d, target %d", i, actual[i], targets[i])
		}
	}
	targets, actual = sendAll(t, target, cal.Source(corpusSource(t)), 25)
	worst := 0
	for i := range targets {
		worst = max(worst, absInt(actual[i]-targets[i])*100/targets[i])
	}
	if worst > 10 {
		t.Errorf("Adjust alone misses by up to %d%%", worst)
	}
}

func TestCalibrateUnavailable(t *testing.T) {
	tests := []struct {
		name   string
		server toyServer
		want   string
	}{
		{"404", toyServer{flavor: TokenizeVLLM, count: workloads.ApproxTokens, noTokenize: http.StatusNotFound}, "HTTP 404"},
		{"405", toyServer{flavor: TokenizeVLLM, count: workloads.ApproxTokens, noTokenize: http.StatusMethodNotAllowed}, "HTTP 405"},
		{"llama.cpp without apply-template", toyServer{flavor: TokenizeLlamaCpp, count: workloads.ApproxTokens, noTemplate: true}, "apply-template"},
		{"tokenize without messages", toyServer{flavor: TokenizeVLLM, count: workloads.ApproxTokens, noTemplate: true}, "HTTP 422"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			target := startToy(t, &tt.server)
			cal, err := Calibrate(context.Background(), target, nil, nil)
			if err != nil {
				t.Fatal(err)
			}
			if cal.Available || !strings.Contains(cal.Reason, tt.want) {
				t.Fatalf("want unavailable because of %q, got %+v", tt.want, cal)
			}
			src := corpusSource(t)
			if cal.Source(src) != src {
				t.Error("an unavailable calibration should leave the source alone")
			}
			if _, ok := cal.Adjust(workloads.Request{Prompt: "a b c", InputTokens: 9}); ok {
				t.Error("Adjust should do nothing")
			}
		})
	}
}

func TestCalibrateUnreachable(t *testing.T) {
	srv := httptest.NewServer(http.NotFoundHandler())
	url := srv.URL
	srv.Close()
	_, err := Calibrate(context.Background(), Target{BaseURL: url + "/v1", Model: "m"}, nil, nil)
	if err == nil || !strings.HasPrefix(err.Error(), "bench: calibrate: ") {
		t.Fatalf("want a calibrate error, got %v", err)
	}
}

func TestCalibrateLeavesMessagesAlone(t *testing.T) {
	target := startToy(t, &toyServer{flavor: TokenizeVLLM, count: workloads.ApproxTokens, chatOverhead: 7})
	cal, err := Calibrate(context.Background(), target, workloads.Approx(), []workloads.Request{{Prompt: "one two three", InputTokens: 40}})
	if err != nil {
		t.Fatal(err)
	}
	if len(cal.Samples) != 1 || cal.Samples[0] != (CalibrationSample{LocalTokens: 3, ServerTextTokens: 3, ServerRequestTokens: 10}) {
		t.Fatalf("samples %+v", cal.Samples)
	}
	req := workloads.Request{Prompt: "x", InputTokens: 50}
	req.Messages = []openai.ChatCompletionMessage{{Role: openai.ChatMessageRoleUser, Content: "hi"}}
	if got, ok := cal.Adjust(req); ok || got.Prompt != "x" {
		t.Error("requests with messages are not resized")
	}
}

func TestParseTokenizeResponse(t *testing.T) {
	b, err := os.ReadFile("../../shared/data/engines/llamacpp/tokenize-response.json")
	if err != nil {
		t.Skip("llama.cpp capture absent:", err)
	}
	v, err := parseTokenizeResponse(b)
	if err != nil || v.tokens() != 9 {
		t.Fatalf("llama.cpp capture: %d tokens, %v", v.tokens(), err)
	}
	v, err = parseTokenizeResponse([]byte(`{"count":3,"max_model_len":8192,"tokens":[1,2,3]}`))
	if err != nil || v.tokens() != 3 || v.MaxModelLen != 8192 {
		t.Fatalf("vLLM answer: %+v %v", v, err)
	}
}

func FuzzParseTokenizeResponse(f *testing.F) {
	f.Add([]byte(`{"tokens":[403,407,261]}`))
	f.Add([]byte(`{"count":3,"max_model_len":8192,"tokens":[1,2,3]}`))
	f.Add([]byte(`{"count":-1}`))
	f.Add([]byte(`{"tokens":[{"id":1,"piece":"a"}]}`))
	f.Fuzz(func(t *testing.T, data []byte) {
		v, err := parseTokenizeResponse(data)
		if err == nil && v.tokens() < 0 {
			t.Fatalf("negative count from %q", data)
		}
	})
}
