package workloads

import (
	"testing"
	"time"
)

func TestJSONL(t *testing.T) {
	src, err := parseJSONL("requests.jsonl", trTestdata(t, "requests.jsonl"), Spec{MaxTokens: 100})
	if err != nil {
		t.Fatal(err)
	}
	items := trDrain(t, src, 4)
	if got := items[0].Request; got.Prompt != "Summarise the plot of Hamlet in two sentences." || got.MaxTokens != 64 {
		t.Errorf("prompt line: %+v", got)
	}
	if got := items[1].Request; len(got.Messages) != 2 || got.Messages[0].Role != "system" || got.MaxTokens != 100 {
		t.Errorf("messages line without max_tokens takes the spec's: %+v", got)
	}
	weather := items[2].Request
	if len(weather.Tools) != 1 || weather.Tools[0].Function.Name != "get_weather" || weather.MaxTokens != 32 {
		t.Errorf("tools line: %+v", weather)
	}
	if items[3].Request.Prompt != items[0].Request.Prompt {
		t.Error("the dataset does not cycle")
	}
	for i, it := range items {
		if it.Timed || it.ID != "" {
			t.Errorf("item %d: untimed dataset items carry no offset and no id (ids would repeat): %+v", i, it)
		}
	}
	if rep := src.(FileReporter).FileReport(); rep.Records != 3 || rep.Requests != 3 || !rep.Cycles {
		t.Errorf("report %+v", rep)
	}
}

func TestJSONLTimed(t *testing.T) {
	tests := []struct {
		name        string
		spec        Spec
		wantIDs     []string
		wantOffsets []time.Duration
	}{
		{"as recorded", Spec{}, []string{"L1", "L2", "third"}, []time.Duration{0, 250 * time.Millisecond, 1000500 * time.Microsecond}},
		{"twice as fast", Spec{TimeScale: 2}, []string{"L1", "L2", "third"}, []time.Duration{0, 125 * time.Millisecond, 500250 * time.Microsecond}},
		{"window from 200ms", Spec{TraceStart: 200 * time.Millisecond}, []string{"L2", "third"}, []time.Duration{0, 750500 * time.Microsecond}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			src, err := parseJSONL("requests_timed.jsonl", trTestdata(t, "requests_timed.jsonl"), tt.spec)
			if err != nil {
				t.Fatal(err)
			}
			items := trDrain(t, src, 10)
			if len(items) != len(tt.wantIDs) {
				t.Fatalf("%d items, want %d", len(items), len(tt.wantIDs))
			}
			for i, it := range items {
				if !it.Timed || it.ID != tt.wantIDs[i] || it.Offset != tt.wantOffsets[i] {
					t.Errorf("item %d: id %q offset %v timed %v, want %q %v", i, it.ID, it.Offset, it.Timed, tt.wantIDs[i], tt.wantOffsets[i])
				}
			}
		})
	}
}

func TestJSONLErrors(t *testing.T) {
	tests := []struct {
		name  string
		data  string
		parts []string
	}{
		{"misspelt field", `{"prompt": "hello there", "max_token": 5}`, []string{"r.jsonl line 1", `field "max_token"`, "unknown field"}},
		{"wrong type", "{\"prompt\": \"a\"}\n{\"prompt\": \"b\", \"max_tokens\": \"ten\"}", []string{"r.jsonl line 2", `field "max_tokens"`, "want int"}},
		{"no prompt", `{"max_tokens": 5}`, []string{"line 1", `field "prompt"`, "missing"}},
		{"both", `{"prompt": "a", "messages": [{"role": "user", "content": "b"}]}`, []string{"line 1", "not both"}},
		{"empty prompt", `{"prompt": "  "}`, []string{"line 1", `field "prompt"`, "empty"}},
		{"bad role", `{"messages": [{"role": "user", "content": "a"}, {"role": "robot", "content": "b"}]}`, []string{"line 1", `field "messages[1].role"`, "robot"}},
		{"zero max_tokens", `{"prompt": "a", "max_tokens": 0}`, []string{"line 1", `field "max_tokens"`}},
		{"tool without name", `{"prompt": "a", "tools": [{"type": "function", "function": {"description": "x"}}]}`, []string{`field "tools[0].function.name"`}},
		{"tool of other type", `{"prompt": "a", "tools": [{"type": "retrieval"}]}`, []string{`field "tools[0].type"`}},
		{"mixed timestamps", "{\"prompt\": \"a\", \"timestamp_ms\": 1}\n\n{\"prompt\": \"b\"}", []string{"line 3", `field "timestamp_ms"`, "every line or none"}},
		{"bad timestamp", `{"prompt": "a", "timestamp_ms": 1e300}`, []string{"line 1", `field "timestamp_ms"`, "out of range"}},
		{"syntax", `{"prompt": "a"`, []string{"line 1", "malformed JSON"}},
		{"two values", `{"prompt": "a"} {"prompt": "b"}`, []string{"line 1", "more than one"}},
		{"empty file", "\n\n", []string{"r.jsonl", "no requests"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := parseJSONL("r.jsonl", []byte(tt.data), Spec{})
			trWantErr(t, err, tt.parts...)
		})
	}
}

func FuzzJSONL(f *testing.F) {
	f.Add(trTestdata(f, "requests.jsonl"))
	f.Add(trTestdata(f, "requests_timed.jsonl"))
	f.Add([]byte(`{"messages": [{"role": "user", "content": [{"type": "text", "text": "hi"}]}]}`))
	f.Fuzz(func(t *testing.T, data []byte) {
		src, err := parseJSONL("fuzz.jsonl", data, Spec{TimeScale: 3})
		if err != nil {
			return
		}
		for _, it := range trDrain(t, src, 20) {
			if it.Request.Prompt == "" && len(it.Request.Messages) == 0 {
				t.Fatal("request with neither prompt nor messages")
			}
			if it.Offset < 0 {
				t.Fatalf("negative offset %v", it.Offset)
			}
		}
	})
}
