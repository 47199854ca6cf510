package pricing

import (
	"os"
	"slices"
	"strings"
	"testing"
	"testing/fstest"
)

// readFixture reads one of the hand-built sweeps of testdata:
//
//   - sweep-h100: a concurrency sweep (sweep.json) of one 8 x H100 replica,
//     1024 input and 256 output tokens per request, run with SLO
//     ttft=500ms,tpot=50ms; concurrency 4 to 256, every point on the front.
//   - sweep-dir: a directory of runs without an index (one GPU, 512 in, 200
//     out): c8, c24, c48, a dominated rerun of c48, a c96 where every
//     request failed, and a plots/ directory that is not a run.
func readFixture(t *testing.T, name string) *Sweep {
	t.Helper()
	s, err := ReadSweep(os.DirFS("testdata/"+name), "testdata/"+name, parseRunSummary)
	if err != nil {
		t.Fatal(err)
	}
	return s
}

func runLabels(s *Sweep) []string {
	var out []string
	for _, r := range s.Runs {
		out = append(out, r.Label)
	}
	return out
}

func TestReadSweep(t *testing.T) {
	s := readFixture(t, "sweep-h100")
	if s.Kind != "sweep" || s.Param != "concurrency" || len(s.Skipped) != 0 {
		t.Errorf("kind %q param %q skipped %v", s.Kind, s.Param, s.Skipped)
	}
	want := []string{"concurrency=4", "concurrency=16", "concurrency=32", "concurrency=64", "concurrency=128", "concurrency=256"}
	if got := runLabels(s); !slices.Equal(got, want) {
		t.Errorf("labels %v, want %v", got, want)
	}
	// concurrency=64: 1140 requests in a 102.4 s window, 1024 in and 256 out each.
	r := s.Runs[3]
	if r.Dir != "concurrency-64" || r.OK != 1140 || r.Requests != 1140 || r.OutputTokensPerS != 2850 ||
		r.TotalTokensPerS != 14250 || r.InputTokensPerRequest != 1024 || r.OutputTokensPerRequest != 256 {
		t.Errorf("concurrency=64: %+v", r)
	}
	if r.TPOTMS == nil || r.TPOTMS.P50 != 21.6 || r.TPOTMS.P99 != 25.2 || r.TTFTMS == nil || r.TTFTMS.P99 != 430 || r.E2EMS == nil {
		t.Errorf("concurrency=64 latencies: ttft %+v tpot %+v", r.TTFTMS, r.TPOTMS)
	}
	if r.Goodput == nil || r.Goodput.SLOAttainment != 0.998246 {
		t.Errorf("concurrency=64 goodput %+v", r.Goodput)
	}
	slo, ok := s.SweepSLO()
	if !ok || slo.String() != "ttft=500ms,tpot=50ms" {
		t.Errorf("sweep SLO %q, %v", slo, ok)
	}
	if got := s.Describe(); got != "sweep over concurrency, 6 points" {
		t.Errorf("Describe %q", got)
	}

	d := readFixture(t, "sweep-dir")
	if d.Kind != "directory" || d.Param != "" {
		t.Errorf("kind %q param %q", d.Kind, d.Param)
	}
	// Natural order (c8 before c24), plots/ ignored, c96 skipped with why.
	if got := runLabels(d); !slices.Equal(got, []string{"c8", "c24", "c48", "c48-rerun"}) {
		t.Errorf("labels %v", got)
	}
	if len(d.Skipped) != 1 || d.Skipped[0].Dir != "c96" || d.Skipped[0].Reason != "no successful request (200 failed)" {
		t.Errorf("skipped %+v", d.Skipped)
	}
	if _, ok := d.SweepSLO(); ok {
		t.Error("a sweep run without --slo has no SLO")
	}
	if got := d.Describe(); got != "directory of runs, 4 points, 1 skipped" {
		t.Errorf("Describe %q", got)
	}
}

func TestSweepPoints(t *testing.T) {
	pts := readFixture(t, "sweep-h100").Points(8)
	// concurrency=64: 1000 / 21.6 ms (in float64, not as an exact
	// constant); 2850 tokens/s over 8 GPUs.
	p, tpot := pts[3], 21.6
	if p.Label != "concurrency=64" || p.Interactivity != 1000/tpot || p.ThroughputPerGPU != 356.25 {
		t.Errorf("point %+v", p)
	}
	if got := readFixture(t, "sweep-h100").Points(0); got != nil {
		t.Errorf("Points(0) = %v, want none", got)
	}
}

// summaryOK is a minimal valid summary.json of one point.
const summaryOK = `{"requests": {"total": 10, "ok": 10, "failed": 0},
 "tokens": {"input": 1000, "output": 2000},
 "throughput": {"requests_per_s": 1, "input_tokens_per_s": 100, "output_tokens_per_s": 200, "total_tokens_per_s": 300},
 "ttft_ms": {"p50": 50, "p90": 60, "p95": 70, "p99": 80, "p999": 90},
 "tpot_ms": {"p50": 20, "p90": 21, "p95": 22, "p99": 23, "p999": 24}}
`

func TestReadSweepErrors(t *testing.T) {
	file := func(s string) *fstest.MapFile { return &fstest.MapFile{Data: []byte(s)} }
	index := func(dirs ...string) *fstest.MapFile {
		var pts []string
		for _, d := range dirs {
			pts = append(pts, `{"param": "rate", "value": 1, "dir": "`+d+`"}`)
		}
		return file(`{"kind": "sweep", "param": "rate", "points": [` + strings.Join(pts, ",") + `]}`)
	}
	tests := []struct {
		name string
		fsys fstest.MapFS
		want string
	}{
		{"empty directory", fstest.MapFS{"x/README": file("")},
			"pricing: sw is not a sweep: no sweep.json and no subdirectory holding a summary.json"},
		{"one run", fstest.MapFS{"summary.json": file(summaryOK)},
			"it holds one run's summary.json: price it with tokenbench cost alone"},
		{"bad index JSON names the line", fstest.MapFS{"sweep.json": file("{\n\"points\": [\n{\"dir\": 3}]}")},
			"pricing: sw/sweep.json: line 3:"},
		{"index without points", fstest.MapFS{"sweep.json": file(`{"kind": "sweep", "points": []}`)},
			"pricing: sw/sweep.json: no points"},
		{"dir outside the sweep", fstest.MapFS{"sweep.json": index("../etc")},
			`points[0].dir "../etc" is not a subdirectory`},
		{"absolute dir", fstest.MapFS{"sweep.json": index("/tmp/x")},
			`points[0].dir "/tmp/x" is not a subdirectory`},
		{"dir twice", fstest.MapFS{"sweep.json": index("a", "a"), "a/summary.json": file(summaryOK)},
			`points[1].dir "a" is listed twice`},
		{"point without summary", fstest.MapFS{"sweep.json": index("a", "b"), "a/summary.json": file(summaryOK)},
			`pricing: sw/b/summary.json not found: sweep.json lists point "rate=1" but its run left no summary (tokenbench summarize sw/b`},
		{"broken summary names the line", fstest.MapFS{"a/summary.json": file("{\n\"requests\": {\"ok\": \"many\"}}")},
			"pricing: sw/a/summary.json: line 2:"},
		{"not a summary", fstest.MapFS{"a/summary.json": file(`{"kind": "sweep"}`)},
			"pricing: sw/a/summary.json: no throughput or requests field"},
		{"negative throughput", fstest.MapFS{"a/summary.json": file(strings.Replace(summaryOK, `"output_tokens_per_s": 200`, `"output_tokens_per_s": -200`, 1))},
			"pricing: sw/a/summary.json: throughput.output_tokens_per_s is negative (-200)"},
		{"negative percentile", fstest.MapFS{"a/summary.json": file(strings.Replace(summaryOK, `"p99": 23`, `"p99": -23`, 1))},
			"pricing: sw/a/summary.json: tpot_ms.p99 is negative (-23)"},
		{"more ok than requests", fstest.MapFS{"a/summary.json": file(strings.Replace(summaryOK, `"ok": 10`, `"ok": 11`, 1))},
			"requests.ok 11 + failed 0 exceed requests.total 10"},
		{"attainment above one", fstest.MapFS{"a/summary.json": file(strings.Replace(summaryOK, `"tpot_ms"`, `"goodput": {"slo": {"ttft_ms": 500}, "slo_attainment": 1.5}, "tpot_ms"`, 1))},
			"goodput.slo_attainment 1.5 is above 1"},
		{"zero SLO bound", fstest.MapFS{"a/summary.json": file(strings.Replace(summaryOK, `"tpot_ms"`, `"goodput": {"slo": {"ttft_ms": 0}, "slo_attainment": 1}, "tpot_ms"`, 1))},
			"goodput.slo has a bound of 0 ms"},
		{"nothing usable", fstest.MapFS{"a/summary.json": file(`{"requests": {"total": 5, "ok": 0, "failed": 5}, "throughput": {}}`)},
			"pricing: sw: no point of the sweep measured anything usable (a: no successful request (5 failed))"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := ReadSweep(tt.fsys, "sw", parseRunSummary)
			if err == nil || !strings.Contains(err.Error(), tt.want) {
				t.Errorf("error %v, want it to contain %q", err, tt.want)
			}
		})
	}
}

func TestUnusableRunsAreSkipped(t *testing.T) {
	noTPOT := strings.Replace(summaryOK, `"tpot_ms"`, `"unused"`, 1)
	s, err := ReadSweep(fstest.MapFS{
		"a/summary.json": {Data: []byte(summaryOK)},
		"b/summary.json": {Data: []byte(noTPOT)},
	}, "sw", parseRunSummary)
	if err != nil {
		t.Fatal(err)
	}
	if len(s.Runs) != 1 || len(s.Skipped) != 1 || s.Skipped[0].Reason != "no TPOT (no request had two output tokens)" {
		t.Errorf("runs %d, skipped %+v", len(s.Runs), s.Skipped)
	}
}

func TestNaturalCompare(t *testing.T) {
	got := []string{"c128", "c16", "c4", "rate-0.5", "c048", "b", "rate-2", "c16-rerun", "a10", "a9x"}
	slices.SortStableFunc(got, naturalCompare)
	want := []string{"a9x", "a10", "b", "c4", "c16", "c16-rerun", "c048", "c128", "rate-0.5", "rate-2"}
	if !slices.Equal(got, want) {
		t.Errorf("sorted %v, want %v", got, want)
	}
}

func TestSLOString(t *testing.T) {
	ms := func(v float64) *float64 { return &v }
	s := SLO{TTFTMS: ms(500), TPOTMS: ms(50), ITLMS: ms(200), E2EMS: ms(10000)}
	if got := s.String(); got != "ttft=500ms,tpot=50ms,itl=200ms,e2e=10000ms" {
		t.Errorf("String %q", got)
	}
	if !s.Equal(s) || s.Equal(SLO{TTFTMS: ms(500)}) || (SLO{TTFTMS: ms(1)}).Equal(SLO{TTFTMS: ms(2)}) || !(SLO{}).Empty() {
		t.Error("Equal or Empty is wrong")
	}
}
