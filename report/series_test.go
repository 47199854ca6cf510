package report

import (
	"math"
	"slices"
	"strings"
	"testing"
)

func TestSeries(t *testing.T) {
	s := summarize(fixtureRecords()).Series()
	if s == nil {
		t.Fatal("no series")
	}
	// Every token of r1, r2, r3 arrives in [1, 2) s; r6 (failed) is in
	// flight until exactly 3 s, so there is no bucket 3.
	if want := []float64{0, 11, 0}; !slices.Equal(s.OutputTokensPerS, want) {
		t.Errorf("output tokens/s = %v, want %v", s.OutputTokensPerS, want)
	}
	// Second 1: r1 .25 + r2 .5 + r3 .13 + r4 .02 + r5 .01 + r6 .5; second 2: r6.
	want := []float64{0, 1.41, 1}
	for i := range want {
		if !closeTo(s.InFlight[i], want[i]) {
			t.Errorf("in flight = %v, want %v", s.InFlight, want)
			break
		}
	}
	if !math.IsNaN(s.TTFTMeanMS[0]) || s.TTFTMeanMS[1] != 60 || !math.IsNaN(s.TTFTMeanMS[2]) {
		t.Errorf("TTFT per second = %v, want [NaN 60 NaN]", s.TTFTMeanMS)
	}
}

func TestSeriesPartialLastSecond(t *testing.T) {
	var b seriesBuckets
	// Two requests in flight over [0, 1.5 s), 30 tokens evenly over it.
	for range 2 {
		r := fixtureRecords()[1]
		r.TStartMS, r.E2EMS, r.OutputTokens = 0, 1500, 15
		r.EventsMS = []float64{100, 200, 300, 400, 500, 600, 700, 800, 900, 1000, 1100, 1200, 1300, 1400, 1499}
		b.add(&r)
	}
	s := b.close()
	// The last half second is scaled to a whole one: no false drop.
	if !closeTo(s.InFlight[0], 2) || !closeTo(s.InFlight[1], 2) {
		t.Errorf("in flight = %v, want [2 2]", s.InFlight)
	}
	if !closeTo(s.OutputTokensPerS[0], 18) || !closeTo(s.OutputTokensPerS[1], 24) {
		t.Errorf("output tokens/s = %v, want [18 24]", s.OutputTokensPerS)
	}
}

func TestSamples(t *testing.T) {
	s := summarize(fixtureRecords())
	if got := s.TokensPerEvent(); !slices.Equal(got, []float64{1, 1, 1}) {
		t.Errorf("tokens per event = %v", got)
	}
	ex := s.ErrorExamples()
	if len(ex["http_5xx"]) != 2 || ex["http_5xx"][0].RequestID != "r4" || ex["http_5xx"][0].Status != 503 ||
		len(ex["timeout"]) != 1 {
		t.Errorf("error examples = %+v", ex)
	}
	if got := s.latencySamples("ttft_ms"); !slices.Equal(got, []float64{30, 50, 100}) {
		t.Errorf("ttft samples = %v", got)
	}
	// A later Close re-sorts the Aggregator's samples: an earlier Summary
	// keeps its own.
	a := NewAggregator()
	for _, r := range fixtureRecords() {
		a.Add(r)
	}
	first := a.Close()
	r := fixtureRecords()[1]
	r.TTFTMS = fp(1)
	a.Add(r)
	a.Close()
	if got := first.latencySamples("ttft_ms"); !slices.Equal(got, []float64{30, 50, 100}) {
		t.Errorf("first summary's samples changed: %v", got)
	}
	if (&Summary{}).HasSamples() || (&Summary{}).Series() != nil || (&Summary{}).TokensPerEvent() != nil {
		t.Error("a Summary from summary.json has no samples")
	}
}

func TestReadGauges(t *testing.T) {
	in := strings.Join([]string{
		`{"t_ms": 0, "gauges": {"kv_usage": 0.1, "queue_depth": 0}}`,
		``,
		`{"t_ms": 1000, "gauges": {"kv_usage": 0.5, "queue_depth": 3, "by_model": {"a": 1}}, "counters": {"x": 1}}`,
		`{"gauges": {"kv_usage": 0.9}}`,
		`{"t_ms": 2000, "gauges": {"kv_usage": 0.7, "by_model": {"a": 2}}}`,
		`{"t_ms": 3000, "gau`,
	}, "\n")
	g, warns, err := ReadGauges(strings.NewReader(in))
	if err != nil {
		t.Fatal(err)
	}
	if got := g.Names(); !slices.Equal(got, []string{"kv_usage", "queue_depth"}) {
		t.Errorf("names = %v", got)
	}
	if want := []GaugePoint{{0, 0.1}, {1000, 0.5}, {2000, 0.7}}; !slices.Equal(g.ByName["kv_usage"], want) {
		t.Errorf("kv_usage = %v, want %v", g.ByName["kv_usage"], want)
	}
	// One warning for the labelled gauge, one for the line without t_ms,
	// one for the torn line; each names what it skipped.
	if len(warns) != 3 || !strings.Contains(strings.Join(warns, "\n"), "line 4: skipped: no t_ms") ||
		!strings.Contains(strings.Join(warns, "\n"), "line 6") {
		t.Errorf("warnings = %q", warns)
	}
	if g, _, err := ReadGauges(strings.NewReader(`{"t_ms": 1}`)); g != nil || err != nil {
		t.Errorf("no gauges: got %v, %v", g, err)
	}
}

func FuzzReadGauges(f *testing.F) {
	f.Add([]byte(`{"t_ms": 0, "gauges": {"kv_usage": 0.1}}` + "\n" + `{"t_ms": 1e308, "gauges": {"q": -1}}`))
	f.Add([]byte(`{"t_ms": "x", "gauges": []}`))
	f.Fuzz(func(t *testing.T, b []byte) {
		g, _, _ := ReadGauges(strings.NewReader(string(b)))
		for _, n := range g.Names() {
			for _, p := range g.ByName[n] {
				if math.IsNaN(p.Value) || math.IsInf(p.Value, 0) {
					t.Fatalf("gauge %s has a non-finite value", n)
				}
			}
		}
	})
}
