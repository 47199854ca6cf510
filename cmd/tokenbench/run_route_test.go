package main

import (
	"encoding/json"
	"path/filepath"
	"strings"
	"testing"

	"github.com/tokenbench/tokenbench/bench"
	"github.com/tokenbench/tokenbench/report"
)

// TestRunReplicas routes over built-in replicas on both clocks: records
// name their replica, summary.json breaks figures down per replica and
// run.json counts the GPUs.
func TestRunReplicas(t *testing.T) {
	tests := []struct {
		name string
		args []string
	}{
		{"virtual prefix-aware", []string{"--clock", "virtual", "--route", "prefix-aware", "--workload", "mooncake:" + filepath.Join("..", "..", "examples", "data", "mooncake_conversation_200.jsonl"), "--requests", "40", "--concurrency", "1000"}},
		{"real clock round-robin", []string{"--route", "round-robin", "--requests", "8", "--concurrency", "2", "--input-tokens", "16", "--output-tokens", "4", "--sim-speedup", "50"}},
		{"real clock kv-aware", []string{"--route", "kv-aware", "--requests", "8", "--concurrency", "2", "--input-tokens", "16", "--output-tokens", "4", "--sim-speedup", "50", "--metrics-interval", "50ms"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			dir := filepath.Join(t.TempDir(), "r")
			f, out, errb, _ := testFactory(nil)
			args := append([]string{"run", "--replicas", "2", "--tp", "2", "--out", dir, "--output", "json"}, tt.args...)
			if code := runMain(t, f, args...); code != 0 {
				t.Fatalf("exit %d: %s", code, errb.String())
			}
			var s report.Summary
			if err := json.Unmarshal(out.Bytes(), &s); err != nil {
				t.Fatal(err)
			}
			if s.Routing == nil || len(s.Routing.Endpoints) != 2 || s.Routing.Endpoints[0].Endpoint != "replica-0" {
				t.Fatalf("routing %+v", s.Routing)
			}
			if n := s.Routing.Endpoints[0].Requests + s.Routing.Endpoints[1].Requests; n != s.Requests.Total {
				t.Errorf("endpoints count %d requests of %d", n, s.Requests.Total)
			}
			ri, err := bench.ReadRunInfo(dir)
			if err != nil || ri.Routing == nil || ri.Routing.Replicas != 2 || ri.Routing.GPUs != 4 {
				t.Errorf("run.json routing %+v, err %v: want 2 replicas on 4 GPUs", ri.Routing, err)
			}
		})
	}
}

func TestRunRouteFlags(t *testing.T) {
	for _, tt := range []struct {
		args []string
		want string
	}{
		{[]string{"--route", "fastest"}, "unknown policy"},
		{[]string{"--replicas", "0"}, "--replicas must be at least 1"},
		{[]string{"--replicas", "2", "--url", "http://127.0.0.1:1/v1"}, "takes no --url"},
		{[]string{"--url", "http://127.0.0.1:1/v1", "--url", "ftp://x"}, "--url"},
	} {
		f, _, errb, _ := testFactory(nil)
		if code := runMain(t, f, append([]string{"run", "--requests", "1"}, tt.args...)...); code != 2 || !strings.Contains(errb.String(), tt.want) {
			t.Errorf("%v: exit %d, %q; want 2 and %q", tt.args, code, errb.String(), tt.want)
		}
	}
}
