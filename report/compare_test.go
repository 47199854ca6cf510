package report

import (
	"bytes"
	"math"
	"testing"

	"github.com/tokenbench/tokenbench/bench"
)

// slowerRecords is fixtureRecords with every latency doubled, the failures
// gone and one more successful request: a run that is worse on latency
// and better on errors.
func slowerRecords() []bench.Record {
	var out []bench.Record
	for _, r := range fixtureRecords() {
		if !r.OK {
			continue
		}
		r.E2EMS *= 2
		if r.TTFTMS != nil {
			r.TTFTMS = fp(*r.TTFTMS * 2)
		}
		if r.TPOTMS != nil {
			r.TPOTMS = fp(*r.TPOTMS * 2)
		}
		ev := make([]float64, len(r.EventsMS))
		for i, e := range r.EventsMS {
			ev[i] = 2 * e
		}
		r.EventsMS = ev
		out = append(out, r)
	}
	return out
}

func TestCompareDeltas(t *testing.T) {
	base, other := summarize(fixtureRecords()), summarize(slowerRecords())
	c := Compare([]string{"base", "slow"}, []*Summary{base, other})
	find := func(metric, stat string) ComparisonRow {
		t.Helper()
		for _, r := range c.Rows {
			if r.Metric == metric && r.Stat == stat {
				return r
			}
		}
		t.Fatalf("no row %s %s", metric, stat)
		return ComparisonRow{}
	}
	tests := []struct {
		name, metric, stat string
		wantDir            Direction
		wantDelta, wantPct float64 // NaN: base is zero
		wantVerdict        string
	}{
		// TTFT p50 of base is 50 ms, of slow 100 ms.
		{"latency up is worse", "ttft_ms", "p50", LowerIsBetter, 50, 100, Worse},
		// 3 failed of 6 (50%) against 0 of 3.
		{"fewer errors is better", "requests.error_rate_pct", "value", LowerIsBetter, -50, -100, Better},
		{"failures gone", "requests.failed", "value", LowerIsBetter, -3, -100, Better},
		// Same tokens over a window of 2 s -> [1000, 1102 + 1000] = 1.102 s.
		{"throughput up is better", "throughput.output_tokens_per_s", "value", HigherIsBetter,
			11/1.102 - 5.5, 100 * (11/1.102 - 5.5) / 5.5, Better},
		{"output speed down is worse", "output_speed_tokens_per_s", "p50", HigherIsBetter, -7.5, -50, Worse},
		{"count is neutral", "ttft_ms", "count", Neutral, 0, 0, ""},
		{"same value", "tokens.output", "value", Neutral, 0, 0, ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			r := find(tt.metric, tt.stat)
			if r.Dir != tt.wantDir {
				t.Errorf("direction = %v, want %v", r.Dir, tt.wantDir)
			}
			if r.Cells[0].HasDelta || r.Cells[0].Verdict != "" {
				t.Errorf("baseline has a delta: %+v", r.Cells[0])
			}
			cell := r.Cells[1]
			if !cell.HasDelta || !closeTo(cell.Delta, tt.wantDelta) || !closeTo(cell.DeltaPct, tt.wantPct) ||
				cell.Verdict != tt.wantVerdict {
				t.Errorf("cell = %+v, want delta %v (%v%%) %q", cell, tt.wantDelta, tt.wantPct, tt.wantVerdict)
			}
		})
	}

	t.Run("error class only in one run", func(t *testing.T) {
		r := find("requests.errors.timeout", "value")
		if !r.Cells[0].Available || r.Cells[1].Available || r.Cells[1].HasDelta {
			t.Errorf("cells = %+v", r.Cells)
		}
	})
	t.Run("zero baseline has no percent", func(t *testing.T) {
		c := Compare([]string{"slow", "base"}, []*Summary{other, base})
		for _, r := range c.Rows {
			if r.Metric == "requests.failed" {
				if cell := r.Cells[1]; cell.Delta != 3 || !math.IsNaN(cell.DeltaPct) || cell.Verdict != Worse {
					t.Errorf("cell = %+v", cell)
				}
			}
		}
	})
}

func TestVerdict(t *testing.T) {
	tests := []struct {
		name  string
		dir   Direction
		delta float64
		want  string
	}{
		{"lower better, went down", LowerIsBetter, -1, Better},
		{"lower better, went up", LowerIsBetter, 1, Worse},
		{"higher better, went up", HigherIsBetter, 1, Better},
		{"higher better, went down", HigherIsBetter, -1, Worse},
		{"unchanged", HigherIsBetter, 0, Same},
		{"neutral", Neutral, 5, ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := verdict(tt.dir, tt.delta); got != tt.want {
				t.Errorf("verdict = %q, want %q", got, tt.want)
			}
		})
	}
}

func TestRenderFormatsGolden(t *testing.T) {
	runs := []struct {
		name string
		recs []bench.Record
	}{
		{"fixture", fixtureRecords()},
		{"all_failed", allFailedRecords()},
		{"empty", nil},
	}
	for _, run := range runs {
		for _, r := range []struct {
			name   string
			render func(*Summary, *bytes.Buffer) error
		}{
			{"csv", func(s *Summary, b *bytes.Buffer) error { return s.WriteCSV(b) }},
			{"markdown", func(s *Summary, b *bytes.Buffer) error { return s.WriteMarkdown(b) }},
		} {
			name := run.name + "_" + r.name
			t.Run(name, func(t *testing.T) {
				var b bytes.Buffer
				if err := r.render(summarize(run.recs), &b); err != nil {
					t.Fatal(err)
				}
				checkGolden(t, name, b.Bytes())
			})
		}
	}
	t.Run("report of a run of ours is WriteTable", func(t *testing.T) {
		var a, b bytes.Buffer
		s := summarize(fixtureRecords())
		if err := s.WriteReport(&a); err != nil {
			t.Fatal(err)
		}
		if err := s.WriteTable(&b); err != nil {
			t.Fatal(err)
		}
		if a.String() != b.String() {
			t.Errorf("WriteReport:\n%s\nWriteTable:\n%s", a.String(), b.String())
		}
	})
}

func TestComparisonGolden(t *testing.T) {
	c := Compare([]string{"base", "slow", "failed"},
		[]*Summary{summarize(fixtureRecords()), summarize(slowerRecords()), summarize(allFailedRecords())})
	for _, r := range []struct {
		name   string
		render func(*bytes.Buffer) error
	}{
		{"table", func(b *bytes.Buffer) error { return c.WriteTable(b) }},
		{"markdown", func(b *bytes.Buffer) error { return c.WriteMarkdown(b) }},
		{"csv", func(b *bytes.Buffer) error { return c.WriteCSV(b) }},
		{"json", func(b *bytes.Buffer) error { return c.WriteJSON(b) }},
	} {
		t.Run(r.name, func(t *testing.T) {
			var b bytes.Buffer
			if err := r.render(&b); err != nil {
				t.Fatal(err)
			}
			checkGolden(t, "compare_"+r.name, b.Bytes())
		})
	}
}
