package gate

import (
	"math"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/tokenbench/tokenbench/bench"
	"github.com/tokenbench/tokenbench/report"
)

// TestSamplesLeaveOutNonFinite: values that are not finite, made by
// corrupt records whose numbers overflow when combined (the decoder itself
// refuses 1e400 and NaN: such lines are skipped and warned about), never
// reach the samples; they are counted in one warning. The other records'
// samples are intact.
func TestSamplesLeaveOutNonFinite(t *testing.T) {
	lines := []string{
		`{"ok":true,"t_sched_ms":0,"t_start_ms":0,"e2e_ms":10,"ttft_ms":2,"tpot_ms":1,"events_ms":[2,3,4]}`,
		// ITL gap overflows: 1.7e308 - (-1.7e308) = +Inf.
		`{"ok":true,"t_sched_ms":0,"t_start_ms":1,"e2e_ms":10,"ttft_ms":2,"tpot_ms":1,"events_ms":[-1.7e308,1.7e308,1.7e308]}`,
		// output speed 1000 / 5e-324 = +Inf; TTFT from schedule overflows.
		`{"ok":true,"t_sched_ms":-1.7e308,"t_start_ms":1.7e308,"e2e_ms":10,"ttft_ms":1.7e308,"tpot_ms":5e-324,"events_ms":[2,3]}`,
		// t_done = t_start + e2e overflows: out of the window.
		`{"ok":true,"t_sched_ms":0,"t_start_ms":1.7e308,"e2e_ms":1.7e308,"ttft_ms":2,"events_ms":[2,3]}`,
		// The decoder refuses these lines: warned about, never a sample.
		`{"ok":true,"t_start_ms":0,"e2e_ms":10,"ttft_ms":1e400}`,
		`{"ok":true,"t_start_ms":0,"e2e_ms":10,"ttft_ms":NaN}`,
	}
	dir := t.TempDir()
	if err := os.WriteFile(filepath.Join(dir, bench.RecordsFile), []byte(strings.Join(lines, "\n")+"\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	s, warns, err := ReadSamples(dir)
	if err != nil {
		t.Fatal(err)
	}
	for metric, v := range s {
		for _, x := range v {
			if math.IsNaN(x) || math.IsInf(x, 0) {
				t.Errorf("%s holds %v", metric, x)
			}
		}
	}
	var got []string
	for _, w := range warns {
		got = append(got, w.String())
	}
	want := []string{
		"line 5: skipped corrupt record",
		"line 6: skipped corrupt record",
		"line 0: 10 values of records left out of the figures as not finite, beyond 2^53 or negative durations (e2e_ms 1, itl_ms 1, output_speed_tokens_per_s 1, schedule_lag_ms 2, ttft_ms 1, ttft_sched_ms 2, window 2): corrupt records",
	}
	if len(got) != len(want) {
		t.Fatalf("warnings %q, want %d", got, len(want))
	}
	for i := range want {
		if !strings.HasPrefix(got[i], want[i]) {
			t.Errorf("warning %d: %q, want %q", i, got[i], want[i])
		}
	}
	// The kept values are all there: 3 successful records' E2E (not the
	// fourth's 1.7e308, beyond 2^53), the gaps 1, 1 (first), 0 (second's
	// second gap), 1, 1 (third, fourth).
	if e2e := s["e2e_ms"]; len(e2e) != 3 {
		t.Errorf("e2e_ms %v, want 3 samples", e2e)
	}
	if itl := s["itl_ms"]; !slices.Equal(itl, []float64{0, 1, 1, 1, 1}) {
		t.Errorf("itl_ms %v, want [0 1 1 1 1]", itl)
	}
	// The same through SamplesOf: no warning there, no non-finite value.
	recs := []bench.Record{{OK: true, TStartMS: 0, E2EMS: 1, EventsMS: []float64{-1.7e308, 1.7e308}}}
	if itl := SamplesOf(recs)["itl_ms"]; len(itl) != 0 {
		t.Errorf("SamplesOf kept %v", itl)
	}
	// A window of a subnormal millisecond overflows the rates: no
	// throughput samples rather than infinite ones. No input tokens is 0
	// per second still.
	tiny := SamplesOf([]bench.Record{{OK: true, E2EMS: 0, OutputTokens: 1}, {OK: true, E2EMS: 1e-310, OutputTokens: 1}})
	for _, m := range throughputMetrics {
		v, ok := tiny[m]
		if m == "throughput.input_tokens_per_s" {
			if slices.ContainsFunc(v, func(x float64) bool { return x != 0 }) {
				t.Errorf("%s: %v, want zeros", m, v)
			}
			continue
		}
		if ok {
			t.Errorf("%s: %v from a window of 1e-310 ms", m, v)
		}
	}
}

// TestITLSampleBounded: up to the limit the ITL samples are every gap;
// past it a reservoir of exactly the limit, drawn from the gaps, the same
// on every read, whose median estimates the whole run's.
func TestITLSampleBounded(t *testing.T) {
	const limit = 1000
	gaps := func(n int) []bench.Record {
		// n gaps uniform on [0, 1) in a scrambled order, 10 per request.
		var recs []bench.Record
		var ev []float64
		at := 0.0
		for i := range n {
			if i%10 == 0 {
				if len(ev) > 0 {
					recs = append(recs, bench.Record{OK: true, E2EMS: 1, EventsMS: ev})
				}
				ev = []float64{at}
			}
			at += float64((i*7919)%n) / float64(n)
			ev = append(ev, at)
		}
		return append(recs, bench.Record{OK: true, E2EMS: 1, EventsMS: ev})
	}
	collect := func(recs []bench.Record) []float64 {
		c := &collector{gapLimit: limit}
		for _, r := range recs {
			c.add(r)
		}
		return c.close()["itl_ms"]
	}
	small := gaps(limit)
	var all []float64
	for _, r := range small {
		all = append(all, r.ITLs()...)
	}
	slices.Sort(all)
	if got := collect(small); !slices.Equal(got, all) {
		t.Errorf("at the limit: %d samples, want every one of %d gaps", len(got), len(all))
	}

	big := gaps(20 * limit)
	a, b := collect(big), collect(big)
	if len(a) != limit || !slices.Equal(a, b) {
		t.Fatalf("past the limit: %d samples (want %d), same on a second read: %v", len(a), limit, slices.Equal(a, b))
	}
	seen := map[float64]bool{}
	for _, r := range big {
		for _, g := range r.ITLs() {
			seen[g] = true
		}
	}
	for _, x := range a {
		if !seen[x] {
			t.Fatalf("sample %v is no gap of the run", x)
		}
	}
	// Uniform gaps: the median of 1000 drawn is within 0.05 of 0.5 (about
	// 3 standard errors; the draw is seeded, so this is a fixed outcome).
	if m := statistic(a, "p50"); math.Abs(m-0.5) > 0.05 {
		t.Errorf("reservoir median %v, want about 0.5", m)
	}
}

// FuzzSamples: whatever a requests.jsonl holds, the samples are finite and
// sorted, and reading never panics.
func FuzzSamples(f *testing.F) {
	f.Add(`{"ok":true,"t_start_ms":0,"e2e_ms":10,"ttft_ms":2,"tpot_ms":1,"events_ms":[2,3,4]}`)
	f.Add(`{"ok":true,"t_start_ms":1,"e2e_ms":10,"events_ms":[-1.7e308,1.7e308]}`)
	f.Add(`{"ok":true,"t_sched_ms":-1.7e308,"t_start_ms":1.7e308,"e2e_ms":1.7e308,"ttft_ms":1.7e308,"tpot_ms":5e-324}`)
	f.Add(`{"ok":true,"t_start_ms":0,"e2e_ms":1e-310,"output_tokens":1}` + "\n" + `{"ok":true,"t_start_ms":0,"e2e_ms":0}`)
	f.Add(`{"ok":true,"ttft_ms":1e400}`)
	f.Fuzz(func(t *testing.T, body string) {
		var recs []bench.Record
		_, _ = bench.ReadRecords(strings.NewReader(body), func(r bench.Record) error {
			recs = append(recs, r)
			return nil
		})
		for metric, v := range SamplesOf(recs) {
			if !slices.IsSorted(v) {
				t.Errorf("%s not sorted", metric)
			}
			for _, x := range v {
				if math.IsNaN(x) || math.IsInf(x, 0) || math.Abs(x) > report.MaxFigure {
					t.Fatalf("%s holds %v", metric, x)
				}
			}
		}
	})
}

// TestSkippedMatchesSummary: for the same requests.jsonl, the gate leaves
// out what summary.json does and counts it the same: one rule
// (report.NewRecordValues) for both.
func TestSkippedMatchesSummary(t *testing.T) {
	good := `{"ok":true,"t_start_ms":0,"e2e_ms":10,"ttft_ms":2,"tpot_ms":1,"events_ms":[2,3,4],"input_tokens":5,"output_tokens":3}`
	for name, line := range map[string]string{
		"event times near +-max":  `{"ok":true,"t_start_ms":1,"e2e_ms":10,"events_ms":[-1.7e308,1.7e308,1.7e308]}`,
		"denormal TPOT":           `{"ok":true,"t_start_ms":1,"e2e_ms":10,"ttft_ms":2,"tpot_ms":5e-324}`,
		"t_start + e2e overflows": `{"ok":true,"t_sched_ms":-1.7e308,"t_start_ms":1.7e308,"e2e_ms":1.7e308,"ttft_ms":1.7e308}`,
		"t_done before t_start":   `{"ok":true,"t_start_ms":5,"e2e_ms":-4,"ttft_ms":-1,"tpot_ms":-1,"events_ms":[3,1]}`,
		"failed, negative e2e":    `{"ok":false,"error_class":"timeout","t_start_ms":5,"e2e_ms":-1e300}`,
		"token counts past 2^53":  `{"ok":true,"t_start_ms":1,"e2e_ms":10,"input_tokens":9223372036854775807,"output_tokens":-1,"cached_tokens":-3}`,
		"window of 1e-310 ms":     `{"ok":true,"t_start_ms":0,"e2e_ms":1e-310,"output_tokens":1}` + "\n" + `{"ok":true,"t_start_ms":0,"e2e_ms":0}`,
	} {
		t.Run(name, func(t *testing.T) {
			dir := t.TempDir()
			body := good + "\n" + line + "\n"
			if name == "window of 1e-310 ms" {
				body = line + "\n" // the good record would widen the window
			}
			if err := os.WriteFile(filepath.Join(dir, bench.RecordsFile), []byte(body), 0o644); err != nil {
				t.Fatal(err)
			}
			sum, _, err := report.Summarize(dir)
			if err != nil {
				t.Fatal(err)
			}
			if len(sum.SkippedValues) == 0 {
				t.Fatal("summary.json left nothing out")
			}
			_, warns, err := ReadSamples(dir)
			if err != nil {
				t.Fatal(err)
			}
			want := report.SkippedValuesMessage(sum.SkippedValues)
			var got []string
			for _, w := range warns {
				if w.Line == 0 {
					got = append(got, w.Msg)
				}
			}
			if len(got) != 1 || got[0] != want {
				t.Errorf("gate warns %q\nsummary.json counts %q", got, want)
			}
		})
	}
}
