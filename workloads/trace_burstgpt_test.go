package workloads

import (
	"testing"
)

func TestBurstGPT(t *testing.T) {
	tests := []struct {
		name      string
		model     string
		wantIDs   []string
		wantSkips map[string]int
	}{
		{"all models", "", []string{"L2", "L4", "L5", "L6"}, map[string]int{"Response tokens 0 (failed request)": 1, "Request tokens 0": 1}},
		{"ChatGPT", "ChatGPT", []string{"L2", "L5"}, map[string]int{"model not ChatGPT": 2, "Response tokens 0 (failed request)": 1, "Request tokens 0": 1}},
		{"gpt-4 matches GPT-4", "gpt-4", []string{"L4", "L6"}, map[string]int{"model not gpt-4": 4}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			src, err := parseBurstGPT("burstgpt_small.csv", trTestdata(t, "burstgpt_small.csv"), Spec{BurstGPTModel: tt.model})
			if err != nil {
				t.Fatal(err)
			}
			items := trDrain(t, src, 10)
			if len(items) != len(tt.wantIDs) {
				t.Fatalf("%d items, want %d", len(items), len(tt.wantIDs))
			}
			for i, it := range items {
				if it.ID != tt.wantIDs[i] || ApproxTokens(it.Request.Prompt) != it.Request.InputTokens || !it.Request.ForceLength {
					t.Errorf("item %d = %s, want %s", i, it.ID, tt.wantIDs[i])
				}
			}
			rep := src.(FileReporter).FileReport()
			if rep.Records != 6 || len(rep.Skipped) != len(tt.wantSkips) {
				t.Fatalf("report %+v", rep)
			}
			for _, s := range rep.Skipped {
				if tt.wantSkips[s.Reason] != s.Count {
					t.Errorf("skipped %d for %q, want %d", s.Count, s.Reason, tt.wantSkips[s.Reason])
				}
			}
		})
	}
}

func TestBurstGPTErrors(t *testing.T) {
	const header = "Timestamp,Model,Request tokens,Response tokens,Total tokens,Log Type\n"
	tests := []struct {
		name  string
		data  string
		parts []string
	}{
		{"missing column", "Timestamp,Model,Request tokens\n5,ChatGPT,10\n", []string{"b.csv line 1", `missing column "Response tokens"`}},
		{"bad time", header + "5,ChatGPT,1,1,2,API log\nsoon,ChatGPT,1,1,2,API log\n", []string{"b.csv line 3", `field "Timestamp"`}},
		{"infinite time", header + "Inf,ChatGPT,1,1,2,API log\n", []string{"line 2", `field "Timestamp"`}},
		{"bad tokens", header + "5,ChatGPT,many,1,2,API log\n", []string{"line 2", `field "Request tokens"`}},
		{"no model left", header + "5,ChatGPT,1,1,2,API log\n", []string{"no usable requests", "1 model not Claude"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			spec := Spec{}
			if tt.name == "no model left" {
				spec.BurstGPTModel = "Claude"
			}
			_, err := parseBurstGPT("b.csv", []byte(tt.data), spec)
			trWantErr(t, err, tt.parts...)
		})
	}
}

func FuzzBurstGPT(f *testing.F) {
	f.Add(trTestdata(f, "burstgpt_small.csv"), "")
	f.Add([]byte("Model,Timestamp,Response tokens,Request tokens\nGPT-4,1e3,3,4\n"), "GPT-4")
	f.Fuzz(func(t *testing.T, data []byte, model string) {
		src, err := parseBurstGPT("fuzz.csv", data, Spec{BurstGPTModel: model})
		if err != nil {
			return
		}
		total := 0
		for total < 1<<16 {
			it, err := src.Next()
			if err != nil {
				break
			}
			if it.Offset < 0 || ApproxTokens(it.Request.Prompt) != it.Request.InputTokens {
				t.Fatalf("bad item %s offset %v", it.ID, it.Offset)
			}
			total += it.Request.InputTokens
		}
	})
}
