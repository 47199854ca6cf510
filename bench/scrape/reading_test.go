package scrape

import (
	"math"
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"
)

func parseFixture(t *testing.T, name string) Reading {
	t.Helper()
	f, err := os.Open(filepath.Join("testdata", name))
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	r, err := Parse(f)
	if err != nil {
		t.Fatalf("%s: %v", name, err)
	}
	return r
}

func TestDetect(t *testing.T) {
	tests := []struct {
		name, file, text string
		want             string
	}{
		{name: "vllm current", file: "vllm.txt", want: EngineVLLM},
		{name: "vllm before 0.12", file: "vllm-pre012.txt", want: EngineVLLM},
		{name: "vllm 0.6 (v0 engine)", file: "vllm-v0.txt", want: EngineVLLM},
		{name: "sglang", file: "sglang.txt", want: EngineSGLang},
		{name: "tensorrt-llm", file: "trtllm.txt", want: EngineTRTLLM},
		{name: "llama.cpp real capture", file: "llamacpp-plain.txt", want: EngineLlamaCpp},
		{name: "llama.cpp speculative real capture", file: "llamacpp-speculative.txt", want: EngineLlamaCpp},
		{name: "tgi", file: "tgi.txt", want: EngineTGI},
		{name: "empty body", text: "", want: EngineUnknown},
		{name: "process metrics only", text: "# TYPE process_cpu_seconds_total counter\nprocess_cpu_seconds_total 12.5\n", want: EngineUnknown},
		{name: "trtllm colon prefix (older Dynamo)", text: "trtllm:num_requests_running 3\n", want: EngineTRTLLM},
		{name: "dynamo frontend beside vllm", text: "dynamo_frontend_inflight_requests 2\ndynamo_frontend_queued_requests 1\nvllm:num_requests_running 3\n", want: EngineVLLM},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var r Reading
			if tt.file != "" {
				r = parseFixture(t, tt.file)
			} else {
				var err error
				if r, err = Parse(strings.NewReader(tt.text)); err != nil {
					t.Fatal(err)
				}
			}
			if r.Engine != tt.want {
				t.Errorf("engine = %q, want %q", r.Engine, tt.want)
			}
		})
	}
}

func TestCanonicalFixtures(t *testing.T) {
	tests := []struct {
		file               string
		gauges, counters   map[string]float64
		posAcc, posDrafted []float64
		families           int // 0: not checked
	}{
		{
			// Two data-parallel engines: counts summed, KV usage averaged.
			file:   "vllm.txt",
			gauges: map[string]float64{GaugeRunning: 8, GaugeQueueDepth: 2, GaugeKVUsage: 0.4},
			counters: map[string]float64{
				CounterPromptTokens: 32000, CounterGenerationTokens: 8000,
				CounterPrefixQueries: 16000, CounterPrefixHits: 6000, CounterCachedTokens: 6000,
				CounterPreemptions: 4, CounterSpecDrafts: 1500, CounterSpecDraftTokens: 6000, CounterSpecAcceptedTokens: 3000,
			},
			posAcc:   []float64{1200, 825, 600, 375},
			families: 26,
		},
		{
			file:   "vllm-pre012.txt",
			gauges: map[string]float64{GaugeRunning: 4, GaugeQueueDepth: 1, GaugeKVUsage: 0.25},
			counters: map[string]float64{
				CounterPromptTokens: 1234, CounterGenerationTokens: 567,
				CounterPrefixQueries: 800, CounterPrefixHits: 200, CounterCachedTokens: 200, CounterPreemptions: 0,
			},
		},
		{
			// vLLM's v0 engine (0.6-0.8): a hit-rate gauge, no prefix counters.
			file:     "vllm-v0.txt",
			gauges:   map[string]float64{GaugeRunning: 6, GaugeQueueDepth: 2, GaugeKVUsage: 0.4, GaugePrefixHitRate: 0.35},
			counters: map[string]float64{CounterPromptTokens: 40960, CounterGenerationTokens: 10240, CounterPreemptions: 3},
		},
		{
			file: "sglang.txt",
			gauges: map[string]float64{
				GaugeRunning: 12, GaugeQueueDepth: 3, GaugeKVUsage: 0.28, GaugePrefixHitRate: 0.007507552643049313,
				GaugeSpecAcceptLength: 3.1, GaugeSpecAcceptRate: 0.525,
			},
			counters: map[string]float64{CounterPromptTokens: 8128902, CounterGenerationTokens: 7557572, CounterCachedTokens: 1200},
		},
		{
			file: "trtllm.txt",
			gauges: map[string]float64{
				GaugeRunning: 16, GaugeQueueDepth: 4, GaugeKVUsage: 0.62, GaugePrefixHitRate: 0.35, GaugeSpecAcceptLength: 2.65,
			},
			counters: map[string]float64{
				CounterPromptTokens: 64000, CounterGenerationTokens: 16000, CounterCachedTokens: 22400,
				CounterPrefixHits: 350, CounterPrefixMisses: 650, CounterSpecDraftTokens: 3000, CounterSpecAcceptedTokens: 1650,
			},
			posAcc:     []float64{700, 550, 400},
			posDrafted: []float64{1000, 1000, 1000},
		},
		{
			// llama.cpp counts prompt tokens without the cached ones: 83 + 106.
			file:   "llamacpp-plain.txt",
			gauges: map[string]float64{GaugeRunning: 0, GaugeQueueDepth: 0},
			counters: map[string]float64{
				CounterPromptTokens: 189, CounterGenerationTokens: 70, CounterCachedTokens: 106,
				CounterPrefixHits: 106, CounterPrefixMisses: 83,
				CounterSpecDrafts: 0, CounterSpecDraftTokens: 0, CounterSpecAcceptedTokens: 0,
			},
			families: 15,
		},
		{
			file:   "llamacpp-speculative.txt",
			gauges: map[string]float64{GaugeRunning: 0, GaugeQueueDepth: 0},
			counters: map[string]float64{
				CounterPromptTokens: 92, CounterGenerationTokens: 36, CounterCachedTokens: 45,
				CounterPrefixHits: 45, CounterPrefixMisses: 47,
				CounterSpecDrafts: 7, CounterSpecDraftTokens: 26, CounterSpecAcceptedTokens: 26,
			},
			posAcc:   []float64{7, 7, 6, 6},
			families: 16,
		},
		{
			file:   "tgi.txt",
			gauges: map[string]float64{GaugeRunning: 32, GaugeQueueDepth: 7},
		},
	}
	for _, tt := range tests {
		t.Run(tt.file, func(t *testing.T) {
			r := parseFixture(t, tt.file)
			checkMap(t, "gauges", r.Gauges, tt.gauges)
			checkMap(t, "counters", r.Counters, tt.counters)
			if !reflect.DeepEqual(r.PerPositionAccepted, tt.posAcc) {
				t.Errorf("per_position_accepted = %v, want %v", r.PerPositionAccepted, tt.posAcc)
			}
			if !reflect.DeepEqual(r.PerPositionDrafted, tt.posDrafted) {
				t.Errorf("per_position_drafted = %v, want %v", r.PerPositionDrafted, tt.posDrafted)
			}
			if tt.families != 0 && r.Families != tt.families {
				t.Errorf("families = %d, want %d", r.Families, tt.families)
			}
		})
	}
}

// checkMap wants exactly the keys of want: a quantity an engine does not
// expose must be absent, not 0.
func checkMap(t *testing.T, what string, got, want map[string]float64) {
	t.Helper()
	if len(got) != len(want) {
		t.Errorf("%s = %v, want %v", what, got, want)
		return
	}
	for k, w := range want {
		g, ok := got[k]
		if !ok || math.Abs(g-w) > 1e-9*math.Max(1, math.Abs(w)) {
			t.Errorf("%s[%s] = %v (present %v), want %v", what, k, g, ok, w)
		}
	}
}

func TestCanonicalEdgeCases(t *testing.T) {
	tests := []struct {
		name, text       string
		gauges, counters map[string]float64
		posAcc           []float64
		wantErr          string
	}{
		{
			name:     "current vLLM name wins over the deprecated one",
			text:     "vllm:prefix_cache_hits_total 40\nvllm:gpu_prefix_cache_hits_total 10\nvllm:kv_cache_usage_perc 0.5\nvllm:gpu_cache_usage_perc 0.9\n",
			gauges:   map[string]float64{GaugeKVUsage: 0.5},
			counters: map[string]float64{CounterPrefixHits: 40, CounterCachedTokens: 40},
		},
		{
			name:   "percent-scaled KV usage is normalised to a fraction",
			text:   "vllm:kv_cache_usage_perc 45\n",
			gauges: map[string]float64{GaugeKVUsage: 0.45},
		},
		{
			name:   "NaN gauge carries no value",
			text:   "vllm:kv_cache_usage_perc NaN\nvllm:num_requests_running 2\n",
			gauges: map[string]float64{GaugeRunning: 2},
		},
		{
			name: "counter read from _total, never _created",
			text: "# TYPE vllm:num_preemptions_created gauge\nvllm:num_preemptions_created 1.7e9\n",
		},
		{
			name:   "missing middle position reads 0",
			text:   "vllm:spec_decode_num_accepted_tokens_per_pos_total{position=\"0\"} 5\nvllm:spec_decode_num_accepted_tokens_per_pos_total{position=\"2\"} 1\n",
			posAcc: []float64{5, 0, 1},
		},
		{
			name:    "position label that is not a number",
			text:    "vllm:spec_decode_num_accepted_tokens_per_pos_total{position=\"x\"} 5\n",
			wantErr: `position="x" is not a position`,
		},
		{
			name:    "position label far out of range",
			text:    "vllm:spec_decode_num_accepted_tokens_per_pos_total{position=\"99999999\"} 5\n",
			wantErr: "is not a position 0..63",
		},
		{
			name:    "per-position series without its label",
			text:    "vllm:spec_decode_num_accepted_tokens_per_pos_total 5\n",
			wantErr: "without a position label",
		},
		{
			name:    "malformed text",
			text:    "vllm:num_requests_running{engine=\"0\" 3\n",
			wantErr: "scrape: parse metrics text",
		},
		{
			name:     "trtllm colon prefix maps like trtllm_",
			text:     "trtllm:num_requests_waiting 5\ntrtllm:prompt_tokens_total 10\n",
			gauges:   map[string]float64{GaugeQueueDepth: 5},
			counters: map[string]float64{CounterPromptTokens: 10},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			r, err := Parse(strings.NewReader(tt.text))
			if tt.wantErr != "" {
				if err == nil || !strings.Contains(err.Error(), tt.wantErr) {
					t.Fatalf("err = %v, want one containing %q", err, tt.wantErr)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			checkMap(t, "gauges", r.Gauges, tt.gauges)
			checkMap(t, "counters", r.Counters, tt.counters)
			if !reflect.DeepEqual(r.PerPositionAccepted, tt.posAcc) {
				t.Errorf("per_position_accepted = %v, want %v", r.PerPositionAccepted, tt.posAcc)
			}
		})
	}
}

func TestOpenMetricsBody(t *testing.T) {
	body := "# TYPE vllm:num_preemptions counter\n" +
		"vllm:num_preemptions_total{engine=\"0\"} 3.0\n" +
		"vllm:num_preemptions_created{engine=\"0\"} 1.7e9\n" +
		"# TYPE vllm:num_requests_running gauge\n" +
		"vllm:num_requests_running{engine=\"0\"} 2.0\n" +
		"# EOF\n"
	r, err := ParseFormat(strings.NewReader(body), "application/openmetrics-text; version=1.0.0; charset=utf-8")
	if err != nil {
		t.Fatal(err)
	}
	checkMap(t, "counters", r.Counters, map[string]float64{CounterPreemptions: 3})
	checkMap(t, "gauges", r.Gauges, map[string]float64{GaugeRunning: 2})
}

// Counters are read from *_total series only: every name a map reads as a
// counter must end so.
func TestCounterNamesEndInTotal(t *testing.T) {
	for _, em := range engines {
		for key, names := range em.counters {
			for _, n := range names {
				if !strings.HasSuffix(n, "_total") {
					t.Errorf("%s %s: %s does not end in _total", em.name, key, n)
				}
			}
		}
		for _, n := range []string{em.posAccepted, em.posDrafted} {
			if n != "" && !strings.HasSuffix(n, "_total") {
				t.Errorf("%s: %s does not end in _total", em.name, n)
			}
		}
	}
}
