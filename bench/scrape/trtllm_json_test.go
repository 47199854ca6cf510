package scrape

import (
	"os"
	"reflect"
	"strings"
	"testing"
)

func TestTensorRTLLMJSONIterationStats(t *testing.T) {
	fixture, err := os.ReadFile("testdata/trtllm-serve.json")
	if err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		name        string
		body        string
		contentType string
		want        map[string]float64
		wantErr     bool
	}{
		{name: "latest iteration of the list", body: string(fixture), contentType: "application/json",
			want: map[string]float64{GaugeRunning: 8, GaugeQueueDepth: 1, GaugeKVUsage: 0.32, GaugePrefixHitRate: 0.25}},
		{name: "JSON without a content type", body: "\n " + string(fixture), contentType: "",
			want: map[string]float64{GaugeRunning: 8, GaugeQueueDepth: 1, GaugeKVUsage: 0.32, GaugePrefixHitRate: 0.25}},
		{name: "no iteration since the last call", body: "[]", contentType: "application/json", want: nil},
		{name: "fields missing stay absent", body: `[{"iter":1,"numActiveRequests":3}]`, contentType: "application/json",
			want: map[string]float64{GaugeRunning: 3}},
		{name: "not a list", body: `{"error":"x"}`, contentType: "application/json", wantErr: true},
		{name: "cut short", body: `[{"iter":1,`, contentType: "application/json", wantErr: true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			r, err := ParseFormat(strings.NewReader(tt.body), tt.contentType)
			if (err != nil) != tt.wantErr {
				t.Fatalf("err %v, wantErr %v", err, tt.wantErr)
			}
			if err != nil {
				return
			}
			if r.Engine != EngineTRTLLM || !reflect.DeepEqual(r.Gauges, tt.want) || len(r.Counters) != 0 {
				t.Errorf("reading %+v, want engine %s gauges %v and no counters", r, EngineTRTLLM, tt.want)
			}
		})
	}
	// Prometheus text still goes to the text parser.
	if r, err := ParseFormat(strings.NewReader("vllm:num_requests_running 2\n"), "text/plain; version=0.0.4"); err != nil || r.Engine != EngineVLLM {
		t.Errorf("text body: %+v %v", r, err)
	}
}
