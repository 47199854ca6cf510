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
