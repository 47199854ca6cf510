package projection

import (
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/tokenbench/tokenbench/report"
	"github.com/tokenbench/tokenbench/sim"
)

// parse reads summary.json content as the projection does: through
// report.ParseSummary, then OperatingPointOf.
func parse(name string, b []byte) (sim.OperatingPoint, error) {
	s, err := report.ParseSummary(name, b)
	if err != nil {
		return sim.OperatingPoint{}, err
	}
	return OperatingPointOf(name, s)
}

func readFile(tb testing.TB, path string) []byte {
	tb.Helper()
	b, err := os.ReadFile(path)
	if err != nil {
		tb.Fatal(err)
	}
	return b
}

func TestOperatingPointOf(t *testing.T) {
	b, err := os.ReadFile(filepath.Join("../cmd/tokenbench/testdata/cost_project/external", "summary.json"))
	if err != nil {
		t.Fatal(err)
	}
	op, err := parse("s.json", b)
	if err != nil {
		t.Fatal(err)
	}
	if op.InputTokens != 1500 || op.CachedInputTokens != 200 || op.OutputTokens != 300 || op.Concurrency != 96.4 ||
		op.OutputTokensPerS != 3000 || op.TPOTP50MS != 28.3 || op.TTFTP50MS != 450.7 {
		t.Errorf("operating point %+v", op)
	}
	tests := []struct{ name, body, want string }{
		{"not a summary", `{"kind": "sweep"}`, "s.json: no requests or throughput field"},
		{"no concurrency", `{"requests": {"ok": 1}, "tokens": {"output": 5}, "throughput": {"output_tokens_per_s": 1}}`, "concurrency_achieved is 0"},
		{"negative throughput", `{"requests": {"ok": 1}, "tokens": {"output": 5}, "throughput": {"output_tokens_per_s": -1}, "concurrency_achieved": 1}`,
			"throughput.output_tokens_per_s is negative (-1)"},
		{"more cached than input", `{"requests": {"ok": 1}, "tokens": {"input": 5, "output": 5, "cached": 6}, "throughput": {"output_tokens_per_s": 1}, "concurrency_achieved": 1}`,
			"tokens.cached is 6"},
		{"type error names the line", "{\n\"requests\": {\"ok\": \"many\"}}", "s.json: line 2:"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if _, err := parse("s.json", []byte(tt.body)); err == nil || !strings.Contains(err.Error(), tt.want) {
				t.Errorf("error %v, want it to contain %q", err, tt.want)
			}
		})
	}
}

// FuzzProjectSummary feeds arbitrary bytes as summary.json: never a panic;
// an accepted point is one the projection can take.
func FuzzProjectSummary(f *testing.F) {
	f.Add(readFile(f, "../cmd/tokenbench/testdata/cost_project/external/summary.json"))
	f.Add([]byte(`{"requests": {"ok": 3}, "tokens": {"input": 1e308, "output": 1e308, "cached": 1e308}, "throughput": {"output_tokens_per_s": 1e-300}, "concurrency_achieved": 1e-300}`))
	f.Add([]byte(`{"requests": null, "tokens": null}`))
	f.Fuzz(func(t *testing.T, data []byte) {
		op, err := parse("summary.json", data)
		if err != nil {
			if !strings.HasPrefix(err.Error(), "summary.json: ") {
				t.Fatalf("error %q does not name the file", err)
			}
			return
		}
		if !(op.OutputTokens >= 1 && op.OutputTokensPerS > 0 && op.Concurrency > 0 && op.InputTokens >= 0 &&
			op.CachedInputTokens >= 0 && op.CachedInputTokens <= op.InputTokens && op.TPOTP50MS >= 0 && op.TTFTP50MS >= 0) {
			t.Fatalf("accepted %+v", op)
		}
	})
}
