package report

import (
	"testing"

	"github.com/tokenbench/tokenbench/bench"
)

func TestParseSLO(t *testing.T) {
	tests := []struct {
		in      string
		want    string
		wantErr bool
	}{
		{in: "", want: ""},
		{in: "ttft=500ms,tpot=50ms", want: "tpot=50ms,ttft=500ms"},
		{in: "ttft=2s, e2e=10s , itl=120", want: "e2e=10000ms,itl=120ms,ttft=2000ms"},
		{in: "TTFT=1.5ms", want: "ttft=1.5ms"},
		{in: "ttft", wantErr: true},
		{in: "ttft=fast", wantErr: true},
		{in: "ttft=-5ms", wantErr: true},
		{in: "ttft=0", wantErr: true},
		{in: "latency=5ms", wantErr: true},
		{in: "ttft=5ms,ttft=6ms", wantErr: true},
	}
	for _, tt := range tests {
		t.Run(tt.in, func(t *testing.T) {
			got, err := ParseSLO(tt.in)
			if (err != nil) != tt.wantErr {
				t.Fatalf("err %v, wantErr %v", err, tt.wantErr)
			}
			if err == nil && got.String() != tt.want {
				t.Errorf("got %q, want %q", got.String(), tt.want)
			}
		})
	}
}

func TestSLOMeets(t *testing.T) {
	slo := SLO{TTFTMS: fp(100), TPOTMS: fp(20), ITLMS: fp(50), E2EMS: fp(1000)}
	ok := bench.Record{OK: true, TTFTMS: fp(80), TPOTMS: fp(15), E2EMS: 500, EventsMS: []float64{80, 100, 140}}
	tests := []struct {
		name string
		mod  func(r *bench.Record)
		want bool
	}{
		{"within every bound", func(r *bench.Record) {}, true},
		{"failed request", func(r *bench.Record) { r.OK = false }, false},
		{"slow first token", func(r *bench.Record) { r.TTFTMS = fp(101) }, false},
		{"slow tokens", func(r *bench.Record) { r.TPOTMS = fp(21) }, false},
		{"one stall", func(r *bench.Record) { r.EventsMS = []float64{80, 100, 151} }, false},
		{"too long overall", func(r *bench.Record) { r.E2EMS = 1001 }, false},
		{"one-token answer has no TPOT", func(r *bench.Record) { r.TPOTMS = nil; r.EventsMS = []float64{80} }, true},
		{"exactly at the bounds", func(r *bench.Record) { r.TTFTMS = fp(100); r.TPOTMS = fp(20); r.E2EMS = 1000 }, true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			r := ok
			tt.mod(&r)
			if got := slo.Meets(&r); got != tt.want {
				t.Errorf("Meets = %v, want %v", got, tt.want)
			}
		})
	}
	if !(SLO{}).Meets(&ok) || (SLO{}).Meets(&bench.Record{}) {
		t.Error("an empty SLO is met by every successful request and no failed one")
	}
}

func TestAggregatorGoodput(t *testing.T) {
	a := NewAggregator()
	a.SetSLO(SLO{TTFTMS: fp(100)})
	recs := []bench.Record{
		{OK: true, TStartMS: 0, E2EMS: 1000, TTFTMS: fp(50), OutputTokens: 10},
		{OK: true, TStartMS: 0, E2EMS: 2000, TTFTMS: fp(150), OutputTokens: 20},
		{OK: false, TStartMS: 500, E2EMS: 100, ErrorClass: bench.ErrHTTP5xx},
		{OK: true, TStartMS: 1000, E2EMS: 1000, TTFTMS: fp(99), OutputTokens: 30},
		{OK: true, Warmup: true, TTFTMS: fp(1), OutputTokens: 99},
	}
	for _, r := range recs {
		a.Add(r)
	}
	g := a.Close().Goodput
	if g == nil {
		t.Fatal("no goodput")
	}
	// Window 2 s; 2 of 4 measured requests met the SLO, with 40 tokens.
	if g.Met != 2 || g.Attainment != 0.5 || g.RequestsPerS != 1 || g.OutputTokensPerS != 20 {
		t.Errorf("goodput %+v", g)
	}
	if NewAggregator().Close().Goodput != nil {
		t.Error("goodput without SLOs")
	}
}

func TestPromptLength(t *testing.T) {
	a := NewAggregator()
	for _, r := range []bench.Record{
		{OK: true, TargetInputTokens: 100, InputTokens: 107, TokensSource: bench.TokensFromUsage},
		{OK: true, TargetInputTokens: 100, InputTokens: 100, TokensSource: bench.TokensFromUsage},
		{OK: true, TargetInputTokens: 50, InputTokens: 49, TokensSource: bench.TokensFromUsage},
		{OK: true, TargetInputTokens: 50, InputTokens: 50, TokensSource: bench.TokensFromEstimate}, // not the server's count
		{OK: false, TargetInputTokens: 50, InputTokens: 0},
		{OK: true, InputTokens: 30, TokensSource: bench.TokensFromUsage}, // no target
	} {
		a.Add(r)
	}
	p := a.Close().PromptLength
	if p == nil || p.Requests != 3 || p.TargetMean != 250.0/3 || p.ActualMean != 256.0/3 || p.MaxAbsError != 7 || p.WithinOneShare != 2.0/3 || p.MeanAbsError != 8.0/3 {
		t.Errorf("prompt length %+v", p)
	}
}

func TestSessions(t *testing.T) {
	a := NewAggregator()
	for _, r := range []bench.Record{
		// Session a: two turns 0-100 ms and 300-400 ms: model 200 of 400 ms.
		{OK: true, Session: "a", Turn: 1, TStartMS: 0, E2EMS: 100, TTFTMS: fp(10), InputTokens: 100},
		{OK: true, Session: "a", Turn: 2, TStartMS: 300, E2EMS: 100, TTFTMS: fp(30), InputTokens: 300},
		// Session b: one turn of 200 ms.
		{OK: true, Session: "b", Turn: 1, TStartMS: 50, E2EMS: 200, TTFTMS: fp(20), InputTokens: 120},
		{OK: true, TStartMS: 0, E2EMS: 10}, // not in a session
	} {
		a.Add(r)
	}
	s := a.Close().Sessions
	if s == nil || s.Count != 2 || s.Turns.Mean != 1.5 || s.DurationMS.Max != 400 || s.ToolMS.Max != 200 || s.ModelShare != 400.0/600 {
		t.Fatalf("sessions %+v", s)
	}
	if len(s.TTFTByContext) != 2 || s.TTFTByContext[0].MinTokens != 64 || s.TTFTByContext[0].Requests != 2 || s.TTFTByContext[1].TTFTP50MS != 30 {
		t.Errorf("ttft by context %+v", s.TTFTByContext)
	}
}
