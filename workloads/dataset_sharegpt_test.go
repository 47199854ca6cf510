package workloads

import (
	"testing"
)

func TestShareGPTSmall(t *testing.T) {
	src, err := parseShareGPT("sharegpt_small.json", trTestdata(t, "sharegpt_small.json"), 100)
	if err != nil {
		t.Fatal(err)
	}
	items := trDrain(t, src, 3)
	want := []struct {
		prompt    string
		maxTokens int
	}{
		{"How do I keep a sourdough starter alive while away for two weeks?", ApproxTokens("Feed it, put it in the fridge, and feed it again when you are back home.")},
		{"Write a haiku about the sea at night, please.", 100},
		{"List three primary colours in painting, please.", ApproxTokens("Red, yellow and blue are the traditional primaries.")},
	}
	for i, w := range want {
		r := items[i].Request
		if r.Prompt != w.prompt || r.MaxTokens != w.maxTokens {
			t.Errorf("item %d = %q max %d, want %q max %d", i, r.Prompt, r.MaxTokens, w.prompt, w.maxTokens)
		}
		if items[i].Timed || r.ForceLength || r.InputTokens != 0 {
			t.Errorf("item %d: a dataset item is untimed, unforced, with unknown token count: %+v", i, items[i])
		}
	}
	// The file holds 3 usable conversations; the 4th item is the first again.
	again, _ := src.Next()
	if again.Request.Prompt != want[0].prompt {
		t.Errorf("no cycle: 4th item %q", again.Request.Prompt)
	}
	rep := src.(FileReporter).FileReport()
	wantSkips := map[string]int{"no conversation": 1, "no human turn": 1, "prompt under 4 tokens": 1, "reply under 4 tokens": 1}
	if rep.Records != 7 || rep.Requests != 3 || !rep.Cycles || len(rep.Skipped) != len(wantSkips) {
		t.Fatalf("report %+v", rep)
	}
	for _, s := range rep.Skipped {
		if wantSkips[s.Reason] != s.Count {
			t.Errorf("skipped %d for %q, want %d", s.Count, s.Reason, wantSkips[s.Reason])
		}
	}
	if len(rep.Notes) != 1 {
		t.Errorf("want a note on the conversation without reply, got %q", rep.Notes)
	}
}

func TestShareGPTReal(t *testing.T) {
	data := trRealFile(t, "sharegpt/ShareGPT_V3_filtered_500.json")
	src, err := parseShareGPT("ShareGPT_V3_filtered_500.json", data, 0)
	if err != nil {
		t.Fatal(err)
	}
	rep := src.(FileReporter).FileReport()
	// The published slice keeps first turns only: no replies, so output
	// lengths are left to the server; 8 prompts are under 4 tokens.
	if rep.Records != 500 || rep.Requests != 492 {
		t.Errorf("report %+v", rep)
	}
	for _, it := range trDrain(t, src, rep.Requests) {
		if ApproxTokens(it.Request.Prompt) < ShareGPTMinTokens || it.Request.MaxTokens != 0 {
			t.Fatalf("bad item %+v", it.Request)
		}
	}
}

func TestShareGPTErrors(t *testing.T) {
	tests := []struct {
		name  string
		data  string
		parts []string
	}{
		{"not an array", `{"conversations": []}`, []string{"x.json line 1", "JSON array"}},
		{"empty file", ``, []string{"x.json", "malformed JSON"}},
		{"value not a string", "[\n{\"conversations\": [\n{\"from\": \"human\", \"value\": 42}]}]", []string{"x.json line 3", `field "conversations.value"`, "want string"}},
		{"truncated", "[\n{\"conversations\": [", []string{"x.json line 2", "malformed JSON"}},
		{"syntax", "[\n{\"conversations\" [] }]", []string{"x.json line 2", "malformed JSON"}},
		{"trailing data", `[] []`, []string{"x.json line 1", "after the closing"}},
		{"nothing usable", `[{"conversations": [{"from": "human", "value": "hi"}]}]`, []string{"x.json", "no usable conversations among 1", "1 prompt under 4 tokens"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := parseShareGPT("x.json", []byte(tt.data), 0)
			trWantErr(t, err, tt.parts...)
		})
	}
}

func FuzzShareGPT(f *testing.F) {
	f.Add(trTestdata(f, "sharegpt_small.json"))
	f.Add([]byte(`[{"conversations": [{"from": "human", "value": "a b c d e"}, {"from": "gpt", "value": "f g h i j"}]}]`))
	f.Add([]byte(`[null, 1, "x"]`))
	f.Fuzz(func(t *testing.T, data []byte) {
		src, err := parseShareGPT("fuzz.json", data, 0)
		if err != nil {
			return
		}
		for _, it := range trDrain(t, src, 20) {
			if it.Request.Prompt == "" {
				t.Fatal("empty prompt")
			}
		}
	})
}
