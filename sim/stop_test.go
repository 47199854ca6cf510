package sim

import (
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/tokenbench/tokenbench/workloads"
)

func TestApplyStop(t *testing.T) {
	base := planAnswer(7, []byte("stop test"), 40, 0, true) // 40 seeded words
	full := base.text()
	w3 := strings.TrimSpace(base.word(3)) // a word the answer says as its 4th token
	first := strings.Index(full, " "+w3)
	tests := []struct {
		name       string
		stops      []string
		minTokens  int
		wantTokens int    // 0: unchanged
		wantText   string // "": not checked
	}{
		{"no stop", nil, 0, 0, ""},
		{"absent", []string{"qqqq"}, 0, 0, ""},
		{"a word", []string{" " + w3}, 0, searchEnds(ends(base), first+len(w3)+1) + 1, full[:first]},
		{"earliest of two", []string{"qqqq", " " + w3}, 0, searchEnds(ends(base), first+len(w3)+1) + 1, full[:first]},
		{"not before min_tokens", []string{base.word(0)}, 5, 0, ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			a := base
			applyStop(&a, tt.stops, tt.minTokens)
			switch {
			case tt.wantTokens == 0 && tt.name == "not before min_tokens":
				if a.tokens < tt.minTokens {
					t.Errorf("stopped after %d tokens, before min_tokens %d", a.tokens, tt.minTokens)
				}
			case tt.wantTokens == 0:
				if a.tokens != base.tokens || a.reason != base.reason || a.stopString != "" {
					t.Errorf("answer changed: %d %s %q", a.tokens, a.reason, a.stopString)
				}
			default:
				got := a.textRange(0, a.tokens)
				if a.tokens != tt.wantTokens || a.reason != reasonStop || got != tt.wantText {
					t.Errorf("%d tokens %s text %q, want %d stop %q", a.tokens, a.reason, got, tt.wantTokens, tt.wantText)
				}
				// Streamed in pieces, the text is the same.
				var b strings.Builder
				for i := range a.tokens {
					b.WriteString(a.textRange(i, i+1))
				}
				if b.String() != got {
					t.Errorf("pieces give %q, want %q", b.String(), got)
				}
			}
		})
	}
}

func ends(a answer) []int {
	e := make([]int, a.tokens)
	off := 0
	for i := range a.tokens {
		off += len(a.word(i))
		e[i] = off
	}
	return e
}

func TestPlanJSON(t *testing.T) {
	for _, tokens := range []int{1, 2, 3, 5, 17, 200} {
		a := answer{key: 9, tokens: tokens, reason: reasonStop}
		planJSON(&a, format{kind: "json_object"}, 1000)
		text := a.text()
		if !json.Valid([]byte(text)) || a.reason != reasonStop || len(a.hashes) != a.tokens || workloads.ApproxTokens(text) != a.tokens {
			t.Fatalf("planned %d: %d tokens %s %q", tokens, a.tokens, a.reason, text)
		}
		if tokens >= 5 && a.tokens != tokens {
			t.Errorf("planned %d tokens, got %d", tokens, a.tokens)
		}
	}
	a := answer{key: 9, tokens: 50, reason: reasonStop}
	planJSON(&a, format{kind: "json_object"}, 10)
	if a.tokens != 10 || a.reason != reasonLength {
		t.Errorf("cut by max_tokens: %d tokens %s, want 10 length", a.tokens, a.reason)
	}
}

// FuzzTokenize feeds any body to /tokenize and /detokenize: each answers
// 200 or a 4xx error JSON, never a panic or a 5xx.
func FuzzTokenize(f *testing.F) {
	for _, s := range []string{
		`{"prompt":"hello world"}`, `{"messages":[{"role":"user","content":"hi"}],"add_generation_prompt":true}`,
		`{"messages":[],"tools":[{"type":"function","function":{"name":"f"}}]}`, `{"tokens":[1,2,3]}`, `{"tokens":[-5]}`,
		`{"prompt":"a","messages":[]}`, `null`, `{"model":"x","prompt":"a"}`, `{"tokens":"a"}`,
	} {
		f.Add([]byte(s))
	}
	e, err := New(fastConfig())
	if err != nil {
		f.Fatal(err)
	}
	f.Cleanup(func() { e.Close() })
	f.Fuzz(func(t *testing.T, body []byte) {
		for _, path := range []string{"/tokenize", "/detokenize"} {
			rec := httptest.NewRecorder()
			e.ServeHTTP(rec, httptest.NewRequest(http.MethodPost, path, strings.NewReader(string(body))))
			if rec.Code != 200 && (rec.Code < 400 || rec.Code >= 500 || !strings.Contains(rec.Body.String(), `"error"`)) {
				t.Fatalf("%s: %d %s", path, rec.Code, rec.Body.String())
			}
		}
	})
}
