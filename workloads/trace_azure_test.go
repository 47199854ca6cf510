package workloads

import (
	"testing"
)

func TestAzureSmall(t *testing.T) {
	src, err := parseAzure("azure_small.csv", trTestdata(t, "azure_small.csv"), Spec{Seed: 3})
	if err != nil {
		t.Fatal(err)
	}
	items := trDrain(t, src, 10)
	want := []struct {
		id      string
		in, out int
	}{{"L2", 374, 44}, {"L3", 396, 109}, {"L6", 1024, 55}, {"L7", 12, 1}}
	if len(items) != len(want) {
		t.Fatalf("%d items, want %d", len(items), len(want))
	}
	prompts := map[string]bool{}
	for i, w := range want {
		r := items[i].Request
		if items[i].ID != w.id || r.InputTokens != w.in || r.MaxTokens != w.out || !r.ForceLength || ApproxTokens(r.Prompt) != w.in {
			t.Errorf("item %d = %s in %d (%d in text) out %d, want %+v", i, items[i].ID, r.InputTokens, ApproxTokens(r.Prompt), r.MaxTokens, w)
		}
		first := r.Prompt[:min(len(r.Prompt), 40)]
		if prompts[first] {
			t.Errorf("item %d shares its opening with another prompt: the trace intends no reuse", i)
		}
		prompts[first] = true
	}
	rep := src.(FileReporter).FileReport()
	if rep.Records != 6 || rep.Requests != 4 || len(rep.Skipped) != 2 {
		t.Errorf("report %+v", rep)
	}
	if _, ok := src.(PrefixReporter); ok {
		t.Error("an Azure trace knows nothing of prefixes and must not report reuse")
	}
}

func TestAzureTimeLayouts(t *testing.T) {
	tests := []struct {
		name, in string
		wantNS   int64
	}{
		{"2023, seven digits", "2023-11-16 18:15:46.6805900", 1700158546680590000},
		{"2024, zone", "2024-05-10 00:00:00.009930+00:00", 1715299200009930000},
		{"no fraction", "2023-11-16 18:15:46", 1700158546000000000},
		{"RFC 3339", "2023-11-16T18:15:46.5Z", 1700158546500000000},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := parseAzureTime(tt.in)
			if err != nil || got != tt.wantNS {
				t.Errorf("parseAzureTime(%q) = %d, %v; want %d", tt.in, got, err, tt.wantNS)
			}
		})
	}
}

func TestAzureReal(t *testing.T) {
	data := trFirstLines(trRealFile(t, "azure/AzureLLMInferenceTrace_code.csv"), 301)
	src, err := parseAzure("AzureLLMInferenceTrace_code.csv", data, Spec{})
	if err != nil {
		t.Fatal(err)
	}
	items := trDrain(t, src, 1000)
	if len(items) != 300 {
		t.Fatalf("%d items from 300 rows", len(items))
	}
	for _, it := range items {
		if ApproxTokens(it.Request.Prompt) != it.Request.InputTokens || it.Request.MaxTokens < 1 {
			t.Fatalf("%s: bad request lengths", it.ID)
		}
	}
}

func TestAzureErrors(t *testing.T) {
	const header = "TIMESTAMP,ContextTokens,GeneratedTokens\n"
	tests := []struct {
		name  string
		data  string
		parts []string
	}{
		{"missing column", "TIMESTAMP,ContextTokens\n2023-11-16 18:15:46.6805900,374\n", []string{"a.csv line 1", `missing column "GeneratedTokens"`}},
		{"empty", "", []string{"a.csv", "empty file"}},
		{"bad time", header + "2023-11-16 18:15:46.6805900,374,44\nyesterday,1,1\n", []string{"a.csv line 3", `field "TIMESTAMP"`, "yesterday"}},
		{"bad count", header + "2023-11-16 18:15:46.6805900,3.5,44\n", []string{"a.csv line 2", `field "ContextTokens"`, "whole number"}},
		{"negative count", header + "2023-11-16 18:15:46.6805900,374,-4\n", []string{"line 2", `field "GeneratedTokens"`, "out of range"}},
		{"short row", header + "2023-11-16 18:15:46.6805900,374\n", []string{"a.csv line 2", "wrong number of fields"}},
		{"bad quote", header + "\"2023-11-16 18:15:46.6805900,374,44\n", []string{"a.csv line 2"}},
		{"nothing usable", header + "2023-11-16 18:15:46.6805900,0,44\n", []string{"no usable requests among 1 rows", "1 ContextTokens 0"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := parseAzure("a.csv", []byte(tt.data), Spec{})
			trWantErr(t, err, tt.parts...)
		})
	}
}

func FuzzAzure(f *testing.F) {
	f.Add(trTestdata(f, "azure_small.csv"))
	f.Add([]byte("\xef\xbb\xbftimestamp , contexttokens,generatedtokens,extra\n2024-05-10 00:00:00.009930+00:00,5,1,x\n"))
	f.Fuzz(func(t *testing.T, data []byte) {
		src, err := parseAzure("fuzz.csv", data, Spec{TimeScale: 7})
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
