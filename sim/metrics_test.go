package sim

import (
	"bufio"
	"context"
	"fmt"
	"net/http"
	"strings"
	"testing"
	"time"

	dto "github.com/prometheus/client_model/go"
	"github.com/prometheus/common/expfmt"
	"github.com/prometheus/common/model"
	openai "github.com/sashabaranov/go-openai"
)

// scrape reads /metrics and returns each sample of model_name=model by
// metric name and, for labelled series, "name{reason}".
func scrape(t *testing.T, url, modelName string) map[string]float64 {
	t.Helper()
	resp, err := http.Get(url + "/metrics")
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	parser := expfmt.NewTextParser(model.UTF8Validation)
	families, err := parser.TextToMetricFamilies(resp.Body)
	if err != nil {
		t.Fatal(err)
	}
	out := map[string]float64{}
	for name, f := range families {
		for _, m := range f.GetMetric() {
			key := name
			labels := map[string]string{}
			for _, l := range m.GetLabel() {
				labels[l.GetName()] = l.GetValue()
			}
			if labels["model_name"] != modelName {
				t.Errorf("%s: model_name %q, want %q", name, labels["model_name"], modelName)
			}
			if r, ok := labels["finished_reason"]; ok {
				key = fmt.Sprintf("%s{%s}", name, r)
			}
			if p, ok := labels["position"]; ok {
				key = fmt.Sprintf("%s{%s}", name, p)
			}
			if f.GetType() == dto.MetricType_HISTOGRAM {
				out[name+"_count"] = float64(m.GetHistogram().GetSampleCount())
				out[name+"_sum"] = m.GetHistogram().GetSampleSum()
				continue
			}
			out[key] = value(f.GetType(), m)
		}
	}
	return out
}

func value(typ dto.MetricType, m *dto.Metric) float64 {
	if typ == dto.MetricType_COUNTER {
		return m.GetCounter().GetValue()
	}
	return m.GetGauge().GetValue()
}

func TestMetricsCountTokensServed(t *testing.T) {
	_, srv := newServer(t, fastConfig())
	client := newClient(srv, extraBody{"ignore_eos": true})
	var prompt, completion int
	for i := range 4 {
		resp, err := client.CreateCompletion(context.Background(), openai.CompletionRequest{
			Model: DefaultModel, Prompt: strings.Repeat("the old man ", i+1), MaxTokens: 5 + i,
		})
		if err != nil {
			t.Fatal(err)
		}
		prompt += resp.Usage.PromptTokens
		completion += resp.Usage.CompletionTokens
	}
	got := scrape(t, srv.URL, DefaultModel)
	want := map[string]float64{
		"vllm:prompt_tokens_total":           float64(prompt),
		"vllm:generation_tokens_total":       float64(completion),
		"vllm:request_success_total{length}": 4,
		"vllm:request_success_total{stop}":   0,
		"vllm:request_success_total{abort}":  0,
		"vllm:num_requests_running":          0,
		"vllm:num_requests_waiting":          0,
		"vllm:kv_cache_usage_perc":           0,
	}
	for k, v := range want {
		if g, ok := got[k]; !ok || g != v {
			t.Errorf("%s = %v (present %v), want %v", k, g, ok, v)
		}
	}
}

func TestClientDisconnectRemovesSequence(t *testing.T) {
	cfg := fastConfig()
	cfg.Timing.StepBase = time.Millisecond
	_, srv := newServer(t, cfg)
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	req, _ := http.NewRequestWithContext(ctx, "POST", srv.URL+"/v1/chat/completions",
		strings.NewReader(`{"messages":[{"role":"user","content":"go on"}],"max_tokens":100000,"ignore_eos":true,"stream":true}`))
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	r := bufio.NewReader(resp.Body)
	for events := 0; events < 3; { // the role chunk and two tokens
		line, err := r.ReadString('\n')
		if err != nil {
			t.Fatal(err)
		}
		if strings.HasPrefix(line, "data: ") {
			events++
		}
	}
	if got := scrape(t, srv.URL, DefaultModel)["vllm:num_requests_running"]; got != 1 {
		t.Fatalf("running = %v while streaming, want 1", got)
	}
	cancel()
	eventually(t, "the running gauge to return to 0", func() bool {
		m := scrape(t, srv.URL, DefaultModel)
		return m["vllm:num_requests_running"] == 0 && m["vllm:kv_cache_usage_perc"] == 0
	})
	if got := scrape(t, srv.URL, DefaultModel)["vllm:request_success_total{abort}"]; got != 1 {
		t.Errorf("aborted = %v, want 1", got)
	}
}

// TestMetricsEngineSeries: the prefix cache, speculative decoding and
// latency histograms under vLLM's names, after two identical streamed
// requests.
func TestMetricsEngineSeries(t *testing.T) {
	tests := []struct {
		name string
		spec Spec
	}{
		{"plain", Spec{}},
		{"speculative", Spec{Tokens: 4, Acceptance: 0.7}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			cfg := fastConfig()
			cfg.Spec = tt.spec
			_, srv := newServer(t, cfg)
			prompt := words("metrics", 64)
			body := `{"messages":[{"role":"user","content":"` + prompt + `"}],"max_tokens":40,"ignore_eos":true,"stream":true}`
			events := 0
			for range 2 {
				events += len(streamEvents(t, srv.URL, "/v1/chat/completions", body)) - 1 // not the role chunk
			}
			got := scrape(t, srv.URL, DefaultModel)
			want := map[string]float64{
				"vllm:num_preemptions_total":             0,
				"vllm:prefix_cache_queries_total":        128,
				"vllm:prefix_cache_hits_total":           48, // 63 tokens of whole blocks: 3 blocks
				"vllm:generation_tokens_total":           80,
				"vllm:time_to_first_token_seconds_count": 2,
				"vllm:e2e_request_latency_seconds_count": 2,
				"vllm:request_queue_time_seconds_count":  2,
				"vllm:inter_token_latency_seconds_count": float64(events - 2),
			}
			for k, v := range want {
				if g, ok := got[k]; !ok || g != v {
					t.Errorf("%s = %v (present %v), want %v", k, g, ok, v)
				}
			}
			if got["vllm:time_to_first_token_seconds_sum"] <= 0 || got["vllm:e2e_request_latency_seconds_sum"] < got["vllm:time_to_first_token_seconds_sum"] {
				t.Errorf("TTFT sum %v, E2E sum %v", got["vllm:time_to_first_token_seconds_sum"], got["vllm:e2e_request_latency_seconds_sum"])
			}
			drafts, ok := got["vllm:spec_decode_num_drafts_total"]
			if tt.spec.Tokens == 0 {
				if ok {
					t.Errorf("speculative series without speculative decoding: %v", got)
				}
				return
			}
			// Every event but each request's first (the prefill's token) is a
			// verification step.
			if drafts != float64(events-2) || got["vllm:spec_decode_num_draft_tokens_total"] != 4*drafts {
				t.Errorf("drafts %v, draft tokens %v; want %d and 4 times that", drafts, got["vllm:spec_decode_num_draft_tokens_total"], events-2)
			}
			sum := 0.0
			for i := range 4 {
				v, ok := got[fmt.Sprintf("vllm:spec_decode_num_accepted_tokens_per_pos_total{%d}", i)]
				if !ok {
					t.Errorf("position %d missing", i)
				}
				sum += v
			}
			if sum != got["vllm:spec_decode_num_accepted_tokens_total"] || sum == 0 {
				t.Errorf("accepted per position add up to %v, total %v", sum, got["vllm:spec_decode_num_accepted_tokens_total"])
			}
		})
	}
}
