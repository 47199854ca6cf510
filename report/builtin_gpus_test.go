package report

import (
	"os"
	"path/filepath"
	"testing"

	"github.com/tokenbench/tokenbench/bench"
)

func TestBuiltinGPUs(t *testing.T) {
	engine := map[string]any{"GPU": "H100 SXM", "TP": 2, "MaxBatch": 64}
	tests := []struct {
		name string
		ri   bench.RunInfo
		want BuiltinGPUs
		ok   bool
	}{
		{"one engine", bench.RunInfo{Target: bench.TargetInfo{Builtin: true}, Engine: engine},
			BuiltinGPUs{2, "H100 SXM", "the built-in engine on 2 H100 SXM"}, true},
		{"replicas", bench.RunInfo{Target: bench.TargetInfo{Builtin: true}, Engine: engine,
			Routing: &bench.RoutingInfo{Replicas: 3, GPUs: 6}},
			BuiltinGPUs{6, "H100 SXM", "3 replicas of 2 H100 SXM"}, true},
		{"disaggregated", bench.RunInfo{Target: bench.TargetInfo{Builtin: true}, Engine: engine,
			Routing: &bench.RoutingInfo{GPUs: 8, Disagg: &bench.DisaggInfo{Prefill: 1, Decode: 3, TP: 2}}},
			BuiltinGPUs{8, "H100 SXM", "1 prefill + 3 decode engines of 2 H100 SXM"}, true},
		{"routed over real endpoints: no GPUs known", bench.RunInfo{Target: bench.TargetInfo{Builtin: true}, Engine: engine,
			Routing: &bench.RoutingInfo{Endpoints: []string{"a", "b"}}},
			BuiltinGPUs{2, "H100 SXM", "the built-in engine on 2 H100 SXM"}, true},
		{"another server", bench.RunInfo{Engine: engine, Routing: &bench.RoutingInfo{GPUs: 6}}, BuiltinGPUs{}, false},
		{"no engine section", bench.RunInfo{Target: bench.TargetInfo{Builtin: true}}, BuiltinGPUs{}, false},
		{"engine of another shape", bench.RunInfo{Target: bench.TargetInfo{Builtin: true}, Engine: map[string]any{"TP": "two"}}, BuiltinGPUs{}, false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, ok := BuiltinGPUsOf(tt.ri)
			if got != tt.want || ok != tt.ok {
				t.Errorf("got %+v, %v; want %+v, %v", got, ok, tt.want, tt.ok)
			}
		})
	}
}

// TestReadBuiltinGPUs reads run.json from a directory; no file, or a file
// that does not decode, gives no count (the caller asks for --gpus).
func TestReadBuiltinGPUs(t *testing.T) {
	dir := t.TempDir()
	if _, ok := ReadBuiltinGPUs(dir); ok {
		t.Error("a directory without run.json gave a GPU count")
	}
	write := func(body string) {
		t.Helper()
		if err := os.WriteFile(filepath.Join(dir, bench.RunFile), []byte(body), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	write(`{"target": {"builtin_engine": true}, "engine": {"GPU": "B200", "TP": 4}, "routing": {"policy": "round-robin", "endpoints": ["replica-0", "replica-1"], "replicas": 2, "gpus": 8}}`)
	if g, ok := ReadBuiltinGPUs(dir); !ok || g != (BuiltinGPUs{8, "B200", "2 replicas of 4 B200"}) {
		t.Errorf("got %+v, %v; want 8 B200 from 2 replicas", g, ok)
	}
	write(`{"target": {"builtin_engine": true}, "engine": {"GPU": "B200", "TP": 4}`)
	if g, ok := ReadBuiltinGPUs(dir); ok {
		t.Errorf("a truncated run.json gave %+v", g)
	}
}
