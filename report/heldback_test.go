package report

import (
	"encoding/json"
	"strings"
	"testing"

	"github.com/tokenbench/tokenbench/bench"
)

// TestHeldBack: summary.json carries held_back only when something was
// held back, and the table warns in words.
func TestHeldBack(t *testing.T) {
	tests := []struct {
		name     string
		h        *HeldBack
		json     string
		warnings []string
	}{
		{"nothing", &HeldBack{Of: 10}, "", nil},
		{"duration", &HeldBack{Requests: 237, Of: 1138, By: bench.StopDuration},
			`"held_back":{"requests":237,"of":1138,"by":"duration"}`,
			[]string{"WARNING: 237 of the workload's 1138 requests were not sent: --duration stopped the run first"}},
		{"cap only", &HeldBack{Of: 5, By: bench.HeldBackByConcurrency, Delayed: 3},
			`"held_back":{"requests":0,"of":5,"by":"concurrency","delayed":3}`,
			[]string{"WARNING: 3 requests waited for a --concurrency slot past their intended start"}},
		{"requests and cap", &HeldBack{Requests: 2, Of: 5, By: bench.StopRequests, Delayed: 1}, `"by":"requests","delayed":1`,
			[]string{"--requests stopped the run first; 1 requests waited"}},
		{"sessions interrupted", &HeldBack{Requests: 2, Of: 5, By: bench.StopInterrupt, Sessions: true}, `"by":"interrupt","sessions":true`,
			[]string{"2 of the workload's 5 sessions were not sent: the run was interrupted"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			s := NewAggregator().Close()
			s.SetHeldBack(tt.h)
			b, _ := json.Marshal(s)
			if tt.json == "" && strings.Contains(string(b), "held_back") || !strings.Contains(string(b), tt.json) {
				t.Errorf("JSON %s, want %s", b, tt.json)
			}
			var tb strings.Builder
			if err := s.WriteTable(&tb); err != nil {
				t.Fatal(err)
			}
			if len(tt.warnings) == 0 && strings.Contains(tb.String(), "WARNING") {
				t.Errorf("table warns:\n%s", tb.String())
			}
			for _, w := range tt.warnings {
				if !strings.Contains(tb.String(), w) {
					t.Errorf("table lacks %q:\n%s", w, tb.String())
				}
			}
		})
	}
}

// TestLoadTextTrace: the HTML report's load line says a run was a trace
// replay and on what clock.
func TestLoadTextTrace(t *testing.T) {
	got := loadText(bench.LoadInfo{Mode: "trace", Seed: 1, Trace: &bench.TraceInfo{TimeScale: 10, Requests: 1138, SpanS: 24}})
	if want := "trace, 1138 requests in the window, time scale 10, warm-up 0, seed 1"; got != want {
		t.Errorf("load text %q, want %q", got, want)
	}
}
