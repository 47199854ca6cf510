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
		{[]string{"--disagg", "1:3"}, "add --clock virtual"},
		{[]string{"--clock", "virtual", "--disagg", "3"}, "--disagg must be P:D"},
		{[]string{"--clock", "virtual", "--disagg", "1:0"}, "--disagg must be P:D"},
		{[]string{"--clock", "virtual", "--disagg", "1:3", "--replicas", "2"}, "give one"},
		{[]string{"--clock", "virtual", "--disagg", "1:3", "--kv-link", "pcie"}, "--kv-link must be"},
		{[]string{"--kv-link", "nvlink"}, "applies to --disagg"},
	} {
		f, _, errb, _ := testFactory(nil)
		if code := runMain(t, f, append([]string{"run", "--requests", "1"}, tt.args...)...); code != 2 || !strings.Contains(errb.String(), tt.want) {
			t.Errorf("%v: exit %d, %q; want 2 and %q", tt.args, code, errb.String(), tt.want)
		}
	}
}

// TestDisaggPricedOnAllGPUs runs 1 prefill and 3 decode engines and prices
// the run on the 4 GPUs of both pools, read from run.json.
func TestDisaggPricedOnAllGPUs(t *testing.T) {
	dir := filepath.Join(t.TempDir(), "d")
	f, out, errb, _ := testFactory(nil)
	if code := runMain(t, f, "run", "--clock", "virtual", "--disagg", "1:3", "--requests", "24", "--concurrency", "8",
		"--input-tokens", "1000", "--output-tokens", "20", "--out", dir, "--output", "json"); code != 0 {
		t.Fatalf("exit %d: %s", code, errb.String())
	}
	var s report.Summary
	if err := json.Unmarshal(out.Bytes(), &s); err != nil {
		t.Fatal(err)
	}
	d := s.Routing.Disagg
	if d == nil || d.Prefill != 1 || d.Decode != 3 || d.GPUs != 4 || d.Link != "nvlink" || d.KVTransferMS == nil || d.KVTransferMS.Count != 24 ||
		d.PrefillUtilization == nil || *d.PrefillUtilization <= 0 || *d.PrefillUtilization > 1 || *d.DecodeUtilization <= 0 {
		t.Fatalf("disagg summary %+v", d)
	}
	// summary.json rebuilt from the directory says the same.
	again, _, err := report.Summarize(dir)
	if err != nil || again.Routing.Disagg == nil || *again.Routing.Disagg.DecodeUtilization != *d.DecodeUtilization {
		t.Errorf("summarize: %+v, %v", again.Routing, err)
	}

	f, out, errb, _ = testFactory(nil)
	if code := runMain(t, f, "cost", dir, "--tier", "hyperscaler", "--output", "json"); code != 0 {
		t.Fatalf("cost: exit %d: %s", code, errb.String())
	}
	var c struct {
		GPU  string `json:"gpu"`
		GPUs int    `json:"gpus"`
	}
	if err := json.Unmarshal(out.Bytes(), &c); err != nil {
		t.Fatal(err)
	}
	if c.GPUs != 4 || !strings.Contains(c.GPU, "H100") || !strings.Contains(errb.String(), "1 prefill + 3 decode") {
		t.Errorf("priced on %d %s (%s), want 4 H100", c.GPUs, c.GPU, errb.String())
	}
}

// TestRouteEndpointNamesStayApart: two --url that differ only in what
// redaction hides (here the user) keep two names in the summary.
func TestRouteEndpointNamesStayApart(t *testing.T) {
	u := startEngine(t)
	a := strings.Replace(u, "http://", "http://alice:pw@", 1)
	b := strings.Replace(u, "http://", "http://bob:pw@", 1)
	dir := filepath.Join(t.TempDir(), "r")
	f, out, errb, _ := testFactory(nil)
	code := runMain(t, f, "run", "--url", a, "--url", b, "--route", "round-robin", "--requests", "4", "--concurrency", "1",
		"--input-tokens", "16", "--output-tokens", "4", "--calibrate", "off", "--no-metrics", "--out", dir, "--output", "json")
	if code != 0 {
		t.Fatalf("exit %d: %s", code, errb.String())
	}
	var s report.Summary
	if err := json.Unmarshal(out.Bytes(), &s); err != nil {
		t.Fatal(err)
	}
	if s.Routing == nil || len(s.Routing.Endpoints) != 2 || s.Routing.Endpoints[0].Endpoint == s.Routing.Endpoints[1].Endpoint {
		t.Fatalf("routing %+v: want two endpoints with two names", s.Routing)
	}
	for _, ep := range s.Routing.Endpoints {
		if strings.Contains(ep.Endpoint, "alice") || strings.Contains(ep.Endpoint, "bob") {
			t.Errorf("endpoint name %q shows the user", ep.Endpoint)
		}
	}
}
