package report

import (
	"encoding/json"
	"math"
	"strings"
	"testing"

	"github.com/tokenbench/tokenbench/bench"
	"github.com/tokenbench/tokenbench/bench/scrape"
)

func TestSpecSources(t *testing.T) {
	timings := func(predicted, draft, accepted int) map[string]json.RawMessage {
		b, _ := json.Marshal(map[string]int{"predicted_n": predicted, "draft_n": draft, "draft_n_accepted": accepted, "prompt_n": 9})
		return map[string]json.RawMessage{"timings": b}
	}
	// Bursts: one token per event, four tokens per 10 ms step after the
	// first token: events at 20, then 30,30.01,30.02,30.03, 40,...
	burstEvents := func(steps, perStep int) []float64 {
		ev := []float64{20}
		for s := 1; s <= steps; s++ {
			for k := 0; k < perStep; k++ {
				ev = append(ev, 20+float64(10*s)+0.01*float64(k))
			}
		}
		return ev
	}
	tests := []struct {
		name       string
		recs       []bench.Record
		wantRespAL float64 // 0: absent
		wantRate   float64
		wantEvAL   float64 // 0: absent
		wantEst    string
	}{
		{
			name: "llama.cpp timings, one event per token in bursts",
			recs: []bench.Record{{OK: true, OutputTokens: 25, EventsMS: burstEvents(6, 4), Engine: timings(25, 24, 18)}},
			// steps = 25 - 1 - 18 = 6; AL = 1 + 18/6 = 4; rate 18/24. The
			// bursts alone are timing, not evidence: no events source.
			wantRespAL: 4, wantRate: 0.75,
		},
		{
			// A buffering gateway or a stalled decode bunches one-token
			// events; usage equals the events: no speculative decoding.
			name: "bunched one-token events without drafts",
			recs: []bench.Record{{OK: true, OutputTokens: 25, TokensSource: bench.TokensFromUsage, EventsMS: burstEvents(6, 4)}},
		},
		{
			name: "usage not believed is no evidence of several tokens per event",
			recs: []bench.Record{{OK: true, OutputTokens: 5, TokensSource: bench.TokensFromEstimate, UsageSuspect: "completion_tokens 1000000000 from 5 token-bearing events carrying 5 bytes of text", EventsMS: []float64{10, 20, 30, 40, 50}}},
		},
		{
			name: "SGLang meta_info, multi-token events from usage",
			recs: []bench.Record{{OK: true, OutputTokens: 31, EventsMS: []float64{10, 20, 30, 40, 50, 60, 70, 80, 90, 100, 110},
				Engine: map[string]json.RawMessage{"meta_info": json.RawMessage(`{"spec_verify_ct":10,"completion_tokens":31}`)}}},
			// SGLang AL = 31/10 = 3.1; events: (31-1)/(11-1) = 3.
			wantRespAL: 3.1, wantEvAL: 3, wantEst: "usage tokens per event",
		},
		{
			name:     "exact tokens per event from logprobs",
			recs:     []bench.Record{{OK: true, OutputTokens: 9, EventsMS: []float64{1, 2, 3, 4, 5}, EventTokens: []int{1, 2, 3, 4, 1}}},
			wantEvAL: 3, wantEst: "logprobs", // (2+3+4)/3: the prefill event and the capped last one left out
		},
		{
			name: "plain stream: no speculative section",
			recs: []bench.Record{{OK: true, OutputTokens: 5, EventsMS: []float64{10, 20, 30, 40, 50}}},
		},
		{
			name: "failed requests are left out",
			recs: []bench.Record{{OK: false, ErrorClass: bench.ErrStreamReset, OutputTokens: 25, EventsMS: burstEvents(6, 4), Engine: timings(25, 24, 18)}},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			a := NewAggregator()
			for _, r := range tt.recs {
				a.Add(r)
			}
			s := a.Close()
			var resp, ev *SpecFigures
			if s.Engine != nil && s.Engine.Spec != nil {
				resp, ev = s.Engine.Spec.Response, s.Engine.Spec.Events
			}
			checkAL(t, "response", resp, tt.wantRespAL)
			checkAL(t, "events", ev, tt.wantEvAL)
			if tt.wantRate > 0 && (resp == nil || resp.AcceptanceRate == nil || math.Abs(*resp.AcceptanceRate-tt.wantRate) > 1e-9) {
				t.Errorf("response acceptance rate %+v, want %v", resp, tt.wantRate)
			}
			if ev != nil && !strings.Contains(ev.Estimator, tt.wantEst) {
				t.Errorf("events estimator %q, want %q", ev.Estimator, tt.wantEst)
			}
			if ev != nil && ev.AcceptanceRate != nil {
				t.Error("the stream alone cannot give an acceptance rate")
			}
		})
	}
}

// TestAcceptanceBucketsTotalOrder: records with tied acceptance lengths,
// added in any order (run sees completion order, summarize file order),
// give the same buckets.
func TestAcceptanceBucketsTotalOrder(t *testing.T) {
	var rs []accTPOT
	for k := 0; k < 16; k++ {
		rs = append(rs, accTPOT{al: float64(1 + k%2), tpot: float64(k)})
	}
	want := acceptanceBuckets(rs)
	for shift := 1; shift < 16; shift++ {
		rot := append(append([]accTPOT(nil), rs[shift:]...), rs[:shift]...)
		for i, j := 0, len(rot)-1; i < j && shift%2 == 0; i, j = i+1, j-1 {
			rot[i], rot[j] = rot[j], rot[i]
		}
		got := acceptanceBuckets(rot)
		for q := range want {
			if got[q] != want[q] {
				t.Fatalf("order %d: bucket %d %+v, want %+v", shift, q, got[q], want[q])
			}
		}
	}
}

func checkAL(t *testing.T, source string, f *SpecFigures, want float64) {
	t.Helper()
	switch {
	case want == 0 && f != nil:
		t.Errorf("%s source present (%+v), want absent", source, f)
	case want != 0 && (f == nil || f.AcceptanceLength == nil):
		t.Errorf("%s source absent, want AL %.4f", source, want)
	case want != 0 && math.Abs(*f.AcceptanceLength-want) > 1e-9:
		t.Errorf("%s AL %.4f, want %.4f", source, *f.AcceptanceLength, want)
	}
}

func TestSpecDisagreementAndMetrics(t *testing.T) {
	a := NewAggregator()
	for k := 0; k < 8; k++ {
		// Per-request acceptance varies: 2, 3, 4, 5 tokens per step.
		per := 2 + k%4
		ev := []float64{0}
		for s := 1; s <= 4; s++ {
			ev = append(ev, float64(10*s))
		}
		tpot := 10.0 / float64(per)
		a.Add(bench.Record{OK: true, OutputTokens: 1 + 4*per, EventsMS: ev, TPOTMS: &tpot})
	}
	s := a.Close()
	al := 3.5
	s.SetEngineMetrics(scrape.EngineSummary{Name: "vllm", Spec: &scrape.SpecSummary{Source: "metrics", AcceptanceLength: &al}})
	sp := s.Engine.Spec
	if sp.Metrics == nil || sp.Events == nil || s.Engine.Name != "vllm" {
		t.Fatalf("spec %+v", sp)
	}
	if len(sp.Disagreement) != 0 {
		t.Errorf("3.5 vs 3.5 flagged: %v", sp.Disagreement)
	}
	if len(sp.TPOTByAcceptance) != 4 || sp.TPOTByAcceptance[0].TPOTMeanMS <= sp.TPOTByAcceptance[3].TPOTMeanMS {
		t.Errorf("buckets %+v: higher acceptance should show lower TPOT here", sp.TPOTByAcceptance)
	}
	al2 := 2.0
	s.SetEngineMetrics(scrape.EngineSummary{Name: "vllm", Spec: &scrape.SpecSummary{Source: "metrics", AcceptanceLength: &al2}})
	if len(s.Engine.Spec.Disagreement) != 1 {
		t.Errorf("2.0 vs 3.5 not flagged: %v", s.Engine.Spec.Disagreement)
	}
	var tb strings.Builder
	if err := s.WriteTable(&tb); err != nil {
		t.Fatal(err)
	}
	for _, want := range []string{"Engine        vllm", "Speculation   tokens per step metrics 2.00, events 3.50", "WARNING: acceptance length from metrics", "TPOT by tokens per step (quartiles of requests): 2.00-2.00: 5.00 ms"} {
		if !strings.Contains(tb.String(), want) {
			t.Errorf("table lacks %q:\n%s", want, tb.String())
		}
	}
	b, err := json.Marshal(s)
	if err != nil || !strings.Contains(string(b), `"spec":{"metrics":`) || !strings.Contains(string(b), `"name":"vllm"`) {
		t.Errorf("engine JSON %s (%v)", b, err)
	}
}

// TestPrefixReuseEngineWording: the engine's prefix-cache counters count a
// preempted request's recomputation again, and the table says so beside
// the figure, naming the preemptions when there were any.
func TestPrefixReuseEngineWording(t *testing.T) {
	for _, tc := range []struct {
		name        string
		preemptions *float64
		want, not   string
	}{
		{"no preemptions", ptrF(0), "including the recomputation of preempted requests", "overstate"},
		{"preempted", ptrF(12), "(12 preemptions in this run: the counters overstate reuse)", ""},
	} {
		t.Run(tc.name, func(t *testing.T) {
			s := NewAggregator().Close()
			s.SetIntendedPrefixReuse(0.061)
			s.SetEngineMetrics(scrape.EngineSummary{Name: "vllm", Preemptions: tc.preemptions, PrefixCacheHitRate: ptrF(0.15), PrefixCacheSource: "hits/queries"})
			var tb strings.Builder
			if err := s.WriteTable(&tb); err != nil {
				t.Fatal(err)
			}
			out := tb.String()
			if !strings.Contains(out, "intended 6.1%, obtained (engine counters) 15.0%") || !strings.Contains(out, tc.want) {
				t.Errorf("table lacks %q:\n%s", tc.want, out)
			}
			if tc.not != "" && strings.Contains(out, tc.not) {
				t.Errorf("table says %q:\n%s", tc.not, out)
			}
		})
	}
}

func ptrF(v float64) *float64 { return &v }
