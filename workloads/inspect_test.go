package workloads

import (
	"bytes"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/tokenbench/tokenbench/internal/golden"
)

func trGolden(t *testing.T, name string, got []byte) {
	t.Helper()
	golden.Check(t, filepath.Join("testdata", name+".golden"), got)
}

func TestInspectText(t *testing.T) {
	tests := []struct {
		name  string
		spec  Spec
		limit int
	}{
		{"inspect_mooncake", Spec{Kind: "mooncake", Path: "testdata/mooncake_small.jsonl", BlockTokens: 16}, 0},
		{"inspect_azure_window", Spec{Kind: "azure", Path: "testdata/azure_small.csv", TimeScale: 2, TraceStart: 2 * time.Second, TraceDuration: 30 * time.Second}, 0},
		{"inspect_burstgpt_limit", Spec{Kind: "burstgpt", Path: "testdata/burstgpt_small.csv", BurstGPTModel: "ChatGPT"}, 1},
		{"inspect_sharegpt_cycle", Spec{Kind: "sharegpt", Path: "testdata/sharegpt_small.json"}, 5},
		{"inspect_jsonl", Spec{Kind: "jsonl", Path: "testdata/requests.jsonl", MaxTokens: 16}, 0},
		{"inspect_synthetic", Spec{Kind: "synthetic", Synthetic: Synthetic{InputTokens: 100, InputStddev: 10, OutputTokens: 20, ForceLength: true}, Seed: 1}, 0},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			ins, err := Inspect(tt.spec, tt.limit)
			if err != nil {
				t.Fatal(err)
			}
			var b bytes.Buffer
			if err := ins.WriteText(&b); err != nil {
				t.Fatal(err)
			}
			trGolden(t, tt.name, b.Bytes())
		})
	}
}

func TestInspectFigures(t *testing.T) {
	ins, err := Inspect(Spec{Kind: "mooncake", Path: "testdata/mooncake_small.jsonl", BlockTokens: 16}, 0)
	if err != nil {
		t.Fatal(err)
	}
	// Inputs 16 20 36 40 40 48 64; outputs 2 3 4 5 6 7 9; timestamps 0..4 s.
	want := Inspection{
		Kind: "mooncake", Path: "testdata/mooncake_small.jsonl",
		Requests: 7, Timed: 7, Span: 4 * time.Second, MeanRatePerS: 1.5, Forced: 7,
		Input:  LengthStats{Count: 7, Min: 16, P50: 40, P90: 54.4, P99: 63.04, Max: 64, Mean: 264.0 / 7},
		Output: LengthStats{Count: 7, Min: 2, P50: 5, P90: 7.8, P99: 8.88, Max: 9, Mean: 36.0 / 7},
	}
	got := *ins
	got.Prefix, got.File = nil, nil
	near := func(a, b float64) bool { return a-b < 1e-9 && b-a < 1e-9 }
	if got.Requests != want.Requests || got.Timed != want.Timed || got.Span != want.Span || !near(got.MeanRatePerS, want.MeanRatePerS) || got.Forced != want.Forced {
		t.Errorf("counts %+v, want %+v", got, want)
	}
	for _, p := range []struct {
		name      string
		got, want LengthStats
	}{{"input", got.Input, want.Input}, {"output", got.Output, want.Output}} {
		g, w := p.got, p.want
		if g.Count != w.Count || g.Min != w.Min || g.Max != w.Max || !near(g.P50, w.P50) || !near(g.P90, w.P90) || !near(g.P99, w.P99) || !near(g.Mean, w.Mean) {
			t.Errorf("%s %+v, want %+v", p.name, g, w)
		}
	}
	if ins.Prefix == nil || ins.Prefix.ReusableTokens != 112 || ins.Prefix.PromptTokens != 264 {
		t.Errorf("prefix %+v, want 112 of 264", ins.Prefix)
	}
	if ins.Limited {
		t.Error("a whole trace read is not limited")
	}
}

func TestInspectErrors(t *testing.T) {
	if _, err := Inspect(Spec{Kind: "mooncake", Path: "testdata/none.jsonl"}, 0); err == nil {
		t.Error("a missing file must be an error")
	}
	if _, err := Inspect(Spec{Kind: "mooncake", Path: "testdata/mooncake_small.jsonl"}, -1); err == nil {
		t.Error("a negative limit must be an error")
	}
	if _, err := Inspect(Spec{Kind: "sharegpt"}, 0); err == nil {
		t.Error("a dataset without a file must be an error")
	}
}

// TestExamples reads the sample data shipped for users in examples/data.
func TestExamples(t *testing.T) {
	tests := []struct {
		spec         Spec
		wantRequests int
	}{
		{Spec{Kind: "mooncake", Path: "../examples/data/mooncake_conversation_200.jsonl"}, 200},
		{Spec{Kind: "azure", Path: "../examples/data/azure_code_200.csv"}, 200},
		{Spec{Kind: "sharegpt", Path: "../examples/data/sharegpt_50.json"}, 0},
	}
	for _, tt := range tests {
		t.Run(tt.spec.Kind, func(t *testing.T) {
			ins, err := Inspect(tt.spec, 0)
			if err != nil {
				t.Fatal(err)
			}
			if ins.File == nil || ins.Requests != ins.File.Requests || tt.wantRequests > 0 && ins.Requests != tt.wantRequests {
				t.Errorf("%d requests, file %+v", ins.Requests, ins.File)
			}
		})
	}
}

// TestInspectLimitZeroReadsAllSessions: --limit 0 means all, also for a
// session file longer than DefaultInspectLimit.
func TestInspectLimitZeroReadsAllSessions(t *testing.T) {
	var sb strings.Builder
	n := DefaultInspectLimit + 1
	for i := range n {
		fmt.Fprintf(&sb, `{"session_id": "s%d", "turns": [{"user": "x"}]}`+"\n", i)
	}
	p := filepath.Join(t.TempDir(), "s.jsonl")
	if err := os.WriteFile(p, []byte(sb.String()), 0o644); err != nil {
		t.Fatal(err)
	}
	ins, err := Inspect(Spec{Kind: "sessions", Path: p}, 0)
	if err != nil || ins.Requests != n || ins.Limited {
		t.Errorf("read %d (limited %v, %v), want all %d", ins.Requests, ins.Limited, err, n)
	}
	if ins, _ := Inspect(Spec{Kind: "sessions", Path: p}, 10); ins.Requests != 10 || !ins.Limited {
		t.Errorf("limit 10: read %d (limited %v)", ins.Requests, ins.Limited)
	}
}
