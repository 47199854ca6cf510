package report

import (
	"bytes"
	"encoding/json"
	"fmt"
	"maps"
	"strings"
	"sync"
	"testing"

	"github.com/tokenbench/tokenbench/bench"
)

func TestAggregatorRunMetrics(t *testing.T) {
	s := summarize(fixtureRecords())
	ints := []struct {
		name      string
		got, want int
	}{
		{"total", s.Requests.Total, 6},
		{"ok", s.Requests.OK, 3},
		{"failed", s.Requests.Failed, 3},
		{"warmup excluded", s.Requests.WarmupExcluded, 1},
		{"input tokens, ok only", s.Tokens.Input, 350},
		{"output tokens, ok only", s.Tokens.Output, 11},
		{"estimated records", s.Tokens.EstimatedRecords, 1},
	}
	for _, tt := range ints {
		if tt.got != tt.want {
			t.Errorf("%s = %d, want %d", tt.name, tt.got, tt.want)
		}
	}
	if s.Tokens.Cached == nil || *s.Tokens.Cached != 20 {
		t.Errorf("cached = %v, want 20", s.Tokens.Cached)
	}
	wantErrs := map[string]int{bench.ErrHTTP5xx: 2, bench.ErrTimeout: 1}
	if !maps.Equal(s.Requests.Errors, wantErrs) {
		t.Errorf("errors = %v, want %v", s.Requests.Errors, wantErrs)
	}
	floats := []struct {
		name      string
		got, want float64
	}{
		{"window [1000, 3000] ms", s.WindowS, 2},
		{"requests/s = 3 ok / 2 s", s.Throughput.RequestsPerS, 1.5},
		{"input tok/s = 350 / 2", s.Throughput.InputTokensPerS, 175},
		{"output tok/s = 11 / 2", s.Throughput.OutputTokensPerS, 5.5},
		{"total tok/s = 361 / 2", s.Throughput.TotalTokensPerS, 180.5},
		{"concurrency = 2410 ms / 2000 ms", s.ConcurrencyAchieved, 1.205},
	}
	for _, tt := range floats {
		if !near(tt.got, tt.want) {
			t.Errorf("%s: got %v, want %v", tt.name, tt.got, tt.want)
		}
	}
}

func TestAggregatorDistributions(t *testing.T) {
	s := summarize(fixtureRecords())
	tests := []struct {
		name string
		got  *Distribution
		want Distribution
	}{
		{"ttft: 30 50 100", s.TTFTMS, Distribution{Count: 3, Mean: 60, Std: popStd(30, 50, 100),
			Min: 30, P50: 50, P90: 90, P95: 95, P99: 99, P999: 99.9, Max: 100}},
		// start + ttft - sched: 1000+50-999.5, 1102+100-1100, 1201+30-1200.
		{"ttft from schedule: 31 50.5 102", s.TTFTSchedMS, Distribution{Count: 3, Mean: 183.5 / 3,
			Std: popStd(31, 50.5, 102), Min: 31, P50: 50.5, P90: 91.7, P95: 96.85, P99: 100.97,
			P999: 101.897, Max: 102}},
		// r3 has one output token: no TPOT.
		{"tpot: 50 100", s.TPOTMS, Distribution{Count: 2, Mean: 75, Std: 25,
			Min: 50, P50: 75, P90: 95, P95: 97.5, P99: 99.5, P999: 99.95, Max: 100}},
		{"output speed: 1000/50 1000/100", s.OutputSpeed, Distribution{Count: 2, Mean: 15, Std: 5,
			Min: 10, P50: 15, P90: 19, P95: 19.5, P99: 19.9, P999: 19.99, Max: 20}},
		// r1: 40 60 50 50; r2: 100 x4; r3 has a single event.
		{"itl: 40 50 50 60 100 100 100 100", s.ITLMS, Distribution{Count: 8, Mean: 75,
			Std: popStd(40, 50, 50, 60, 100, 100, 100, 100),
			Min: 40, P50: 80, P90: 100, P95: 100, P99: 100, P999: 100, Max: 100}},
		{"e2e: ok only 130 250 500", s.E2EMS, Distribution{Count: 3, Mean: 880.0 / 3,
			Std: popStd(130, 250, 500), Min: 130, P50: 250, P90: 450, P95: 475, P99: 495,
			P999: 499.5, Max: 500}},
		// Every measured record, failed ones too: 0.5 2 1 0 0 0.5.
		{"schedule lag: all measured", s.ScheduleLagMS, Distribution{Count: 6, Mean: 4.0 / 6,
			Std: popStd(0.5, 2, 1, 0, 0, 0.5), Min: 0, P50: 0.5, P90: 1.5, P95: 1.75, P99: 1.95,
			P999: 1.995, Max: 2}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) { checkDist(t, tt.name, tt.got, tt.want) })
	}
}

func TestAggregatorDegenerateRuns(t *testing.T) {
	tests := []struct {
		name       string
		recs       []bench.Record
		total, ok  int
		windowS    float64
		wantLag    bool // schedule lag exists whenever a measured request was sent
		wantErrors map[string]int
	}{
		{"empty", nil, 0, 0, 0, false, map[string]int{}},
		{"warm-up only", fixtureRecords()[:1], 0, 0, 0, false, map[string]int{}},
		{"all failed", allFailedRecords(), 2, 0, 1.49975, true,
			map[string]int{bench.ErrConnect: 1, bench.ErrHTTP429: 1}},
		{"zero window", []bench.Record{{RequestID: "z", OK: true, TStartMS: 5, TTFTMS: fp(0),
			OutputTokens: 1, EventsMS: []float64{0}}}, 1, 1, 0, true, map[string]int{}},
		{"failed without class", []bench.Record{{RequestID: "u", TStartMS: 1, E2EMS: 1}}, 1, 0, 0.001, true,
			map[string]int{"unclassified": 1}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			s := summarize(tt.recs)
			if s.Requests.Total != tt.total || s.Requests.OK != tt.ok || s.Requests.Failed != tt.total-tt.ok {
				t.Errorf("requests = %+v, want total %d ok %d", s.Requests, tt.total, tt.ok)
			}
			if !near(s.WindowS, tt.windowS) {
				t.Errorf("window = %v, want %v", s.WindowS, tt.windowS)
			}
			if !maps.Equal(s.Requests.Errors, tt.wantErrors) {
				t.Errorf("errors = %v, want %v", s.Requests.Errors, tt.wantErrors)
			}
			if tt.ok == 0 || tt.windowS == 0 {
				if s.Throughput != (Throughput{}) {
					t.Errorf("throughput = %+v, want zeros", s.Throughput)
				}
			}
			if tt.ok == 0 {
				for name, d := range map[string]*Distribution{"ttft": s.TTFTMS, "ttft_sched": s.TTFTSchedMS,
					"tpot": s.TPOTMS, "itl": s.ITLMS, "e2e": s.E2EMS, "speed": s.OutputSpeed} {
					if d != nil {
						t.Errorf("%s = %+v, want omitted", name, d)
					}
				}
			}
			if (s.ScheduleLagMS != nil) != tt.wantLag {
				t.Errorf("schedule lag = %+v, want present %v", s.ScheduleLagMS, tt.wantLag)
			}
			// encoding/json refuses NaN and Inf, so a clean encode proves none.
			var buf bytes.Buffer
			if err := s.WriteJSON(&buf); err != nil {
				t.Fatalf("WriteJSON: %v", err)
			}
			var m map[string]any
			if err := json.Unmarshal(buf.Bytes(), &m); err != nil {
				t.Fatal(err)
			}
			if _, ok := m["requests"].(map[string]any)["errors"]; !ok {
				t.Errorf("errors key missing from %s", buf.Bytes())
			}
			if tt.ok == 0 {
				for _, k := range []string{"ttft_ms", "ttft_sched_ms", "tpot_ms", "itl_ms", "e2e_ms", "output_speed_tokens_per_s"} {
					if _, ok := m[k]; ok {
						t.Errorf("%s present in JSON of a run without successes", k)
					}
				}
			}
			if _, ok := m["tokens"].(map[string]any)["cached"]; ok {
				t.Errorf("tokens.cached present though no record reports it")
			}
		})
	}
}

func TestAggregatorConcurrentAdd(t *testing.T) {
	a := NewAggregator()
	var sink bench.Sink = a
	var wg sync.WaitGroup
	for g := range 8 {
		wg.Go(func() {
			for i := range 100 {
				r := bench.Record{RequestID: fmt.Sprint(g, i), OK: i%10 != 0, TStartMS: float64(i),
					E2EMS: 10, TTFTMS: fp(1), EventsMS: []float64{1, 2, 4}, OutputTokens: 3}
				if !r.OK {
					r.ErrorClass, r.TTFTMS, r.EventsMS = bench.ErrTimeout, nil, nil
				}
				_ = sink.Write(r)
			}
		})
	}
	wg.Wait()
	s := a.Close()
	if s.Requests.Total != 800 || s.Requests.OK != 720 || s.Requests.Errors[bench.ErrTimeout] != 80 {
		t.Errorf("requests = %+v", s.Requests)
	}
	if s.ITLMS.Count != 1440 || s.Tokens.Output != 2160 {
		t.Errorf("itl count %d, output %d", s.ITLMS.Count, s.Tokens.Output)
	}
	// Close is repeatable and more records may follow.
	a.Add(bench.Record{RequestID: "late", OK: true, TStartMS: 500, E2EMS: 500, TTFTMS: fp(1)})
	if s2 := a.Close(); s2.Requests.Total != 801 || !near(s2.WindowS, 1) {
		t.Errorf("after a late add: total %d window %v", s2.Requests.Total, s2.WindowS)
	}
}

// TestAggregatorCountsRetriesAndDisbelievedUsage: the summary counts the
// requests retried on a fresh connection and the records whose usage was
// not believed, and the table says both.
func TestAggregatorCountsRetriesAndDisbelievedUsage(t *testing.T) {
	a := NewAggregator()
	a.Add(bench.Record{OK: true, Retried: true, OutputTokens: 2, TokensSource: bench.TokensFromUsage, EventsMS: []float64{1, 2}, E2EMS: 2})
	a.Add(bench.Record{OK: true, OutputTokens: 2, TokensSource: bench.TokensFromEstimate, UsageSuspect: "negative: prompt_tokens -1, completion_tokens -5", EventsMS: []float64{1, 2}, E2EMS: 2})
	a.Add(bench.Record{OK: true, OutputTokens: 3, TokensSource: bench.TokensFromEstimate, EventsMS: []float64{1, 2, 3}, E2EMS: 3})
	a.Add(bench.Record{OK: false, Retried: true, ErrorClass: bench.ErrStreamReset})
	s := a.Close()
	if s.Requests.Retried != 2 || s.Tokens.EstimatedRecords != 2 || s.Tokens.UsageSuspectRecords != 1 || s.Tokens.Output != 7 {
		t.Fatalf("retried %d estimated %d suspect %d output %d", s.Requests.Retried, s.Tokens.EstimatedRecords, s.Tokens.UsageSuspectRecords, s.Tokens.Output)
	}
	var b strings.Builder
	if err := s.WriteTable(&b); err != nil {
		t.Fatal(err)
	}
	for _, want := range []string{"2 retried on a fresh connection", "no server usage for 1, usage not believed for 1"} {
		if !strings.Contains(b.String(), want) {
			t.Errorf("table lacks %q:\n%s", want, b.String())
		}
	}
}
