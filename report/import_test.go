package report

import (
	"bytes"
	"math"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
)

const importsDir = "testdata/imports"

func closeTo(a, b float64) bool { return math.Abs(a-b) <= 1e-9*math.Max(1, math.Abs(b)) }

func TestImportGolden(t *testing.T) {
	tests := []struct {
		name, path, format string
		samples            bool
	}{
		{"vllm_detailed", "vllm_detailed.json", FormatVLLMDetailed, true},
		{"vllm_aggregate", "vllm_aggregate.json", FormatVLLM, false},
		{"aiperf_jsonl", "aiperf/profile_export.jsonl", FormatAIPerfJSONL, true},
		{"aiperf_json", "aiperf/profile_export_aiperf.json", FormatAIPerfJSON, false},
		{"aiperf_dir", "aiperf", FormatAIPerfJSONL, true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			s, prov, err := Import(filepath.Join(importsDir, tt.path))
			if err != nil {
				t.Fatal(err)
			}
			if prov.Format != tt.format || s.Source == nil || s.Source.Format != tt.format {
				t.Errorf("format = %q (summary %+v), want %q", prov.Format, s.Source, tt.format)
			}
			if s.HasSamples() != tt.samples {
				t.Errorf("HasSamples = %v, want %v", s.HasSamples(), tt.samples)
			}
			// No format has a schedule: never report a zero lag.
			if s.ScheduleLagMS != nil || s.TTFTSchedMS != nil || !prov.Lacks("schedule_lag_ms", "") {
				t.Errorf("schedule lag must be unavailable: %v %v %v", s.ScheduleLagMS, s.TTFTSchedMS, prov.Unavailable)
			}
			var b bytes.Buffer
			if err := s.WriteJSON(&b); err != nil {
				t.Fatal(err)
			}
			checkGolden(t, "import_"+tt.name+"_json", b.Bytes())
			b.Reset()
			if err := s.WriteReport(&b); err != nil {
				t.Fatal(err)
			}
			checkGolden(t, "import_"+tt.name+"_table", b.Bytes())
		})
	}
}

// TestImportVLLMMatchesVLLM rebuilds the statistics vLLM printed from its
// own per-request lists: the same definitions give the same numbers.
func TestImportVLLMMatchesVLLM(t *testing.T) {
	det, _, err := Import(filepath.Join(importsDir, "vllm_detailed.json"))
	if err != nil {
		t.Fatal(err)
	}
	agg, prov, err := Import(filepath.Join(importsDir, "vllm_aggregate.json"))
	if err != nil {
		t.Fatal(err)
	}
	if det.Requests.OK != 5 || det.Requests.Failed != 1 || det.Requests.Errors["unclassified"] != 1 ||
		det.Tokens.Input != 744 || det.Tokens.Output != 25 {
		t.Errorf("counts: %+v %+v", det.Requests, det.Tokens)
	}
	// Window [1000.000, 1000.050 + 0.1125] s from start_times and latencies.
	if !closeTo(det.WindowS, 0.1625) {
		t.Errorf("window = %v, want 0.1625", det.WindowS)
	}
	for _, m := range []struct {
		name     string
		det, agg *Distribution
	}{
		{"ttft", det.TTFTMS, agg.TTFTMS}, {"tpot", det.TPOTMS, agg.TPOTMS}, {"itl", det.ITLMS, agg.ITLMS},
	} {
		if !closeTo(m.det.Mean, m.agg.Mean) || !closeTo(m.det.P50, m.agg.P50) || !closeTo(m.det.P99, m.agg.P99) ||
			!closeTo(m.det.Std, m.agg.Std) {
			t.Errorf("%s: rebuilt %+v, vLLM's %+v", m.name, m.det, m.agg)
		}
	}
	for _, u := range []string{"ttft_ms.p90", "itl_ms.count", "e2e_ms", "output_speed_tokens_per_s"} {
		if !slices.Contains(prov.Unavailable, u) {
			t.Errorf("aggregate import should list %s as unavailable: %v", u, prov.Unavailable)
		}
	}
	if agg.E2EMS != nil || agg.OutputSpeed != nil || agg.WindowS != 0.4 {
		t.Errorf("aggregate: e2e %v speed %v window %v", agg.E2EMS, agg.OutputSpeed, agg.WindowS)
	}
	ex := det.ErrorExamples()["unclassified"]
	if len(ex) != 1 || ex[0].Message != "Internal Server Error" {
		t.Errorf("error examples = %+v", ex)
	}
}

// TestImportAIPerfAgrees reads the same AIPerf run from its per-request and
// its aggregate export: the statistics agree, std once made population.
func TestImportAIPerfAgrees(t *testing.T) {
	rec, _, err := Import(filepath.Join(importsDir, "aiperf/profile_export.jsonl"))
	if err != nil {
		t.Fatal(err)
	}
	agg, prov, err := Import(filepath.Join(importsDir, "aiperf/profile_export_aiperf.json"))
	if err != nil {
		t.Fatal(err)
	}
	if rec.Requests.WarmupExcluded != 1 || rec.Requests.OK != 4 || rec.Requests.Errors["http_5xx"] != 1 {
		t.Errorf("requests = %+v", rec.Requests)
	}
	if agg.Requests.OK != 4 || agg.Requests.Errors["http_5xx"] != 1 {
		t.Errorf("aggregate requests = %+v", agg.Requests)
	}
	if ex := rec.ErrorExamples()["http_5xx"]; len(ex) != 1 || ex[0].Status != 503 {
		t.Errorf("error examples = %+v", ex)
	}
	for _, m := range []struct {
		name     string
		rec, agg *Distribution
	}{
		{"ttft", rec.TTFTMS, agg.TTFTMS}, {"tpot", rec.TPOTMS, agg.TPOTMS},
		{"e2e", rec.E2EMS, agg.E2EMS}, {"speed", rec.OutputSpeed, agg.OutputSpeed},
	} {
		r, a := m.rec, m.agg
		if r.Count != a.Count || !closeTo(r.Mean, a.Mean) || !closeTo(r.Std, a.Std) || !closeTo(r.Min, a.Min) ||
			!closeTo(r.P50, a.P50) || !closeTo(r.P90, a.P90) || !closeTo(r.P99, a.P99) || !closeTo(r.Max, a.Max) {
			t.Errorf("%s: from records %+v, from aggregate %+v", m.name, r, a)
		}
	}
	if !closeTo(rec.WindowS, agg.WindowS) || rec.Tokens != agg.Tokens {
		t.Errorf("window %v vs %v, tokens %+v vs %+v", rec.WindowS, agg.WindowS, rec.Tokens, agg.Tokens)
	}
	// AIPerf's ITL is our TPOT; its aggregate has no chunk gaps.
	if agg.ITLMS != nil || !prov.Lacks("itl_ms", "") || rec.ITLMS == nil || rec.ITLMS.Count != 18 {
		t.Errorf("ITL: aggregate %v, records %+v", agg.ITLMS, rec.ITLMS)
	}
	for _, v := range prov.Meta {
		if strings.Contains(v, "hunter2") || strings.Contains(v, "sk-secret") {
			t.Errorf("secret leaked into meta: %q", v)
		}
	}
}

func TestImportErrors(t *testing.T) {
	detailed, err := os.ReadFile(filepath.Join(importsDir, "vllm_detailed.json"))
	if err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		name, file, content, wantSub string
	}{
		{"empty", "a.json", "", "empty file"},
		{"not json", "a.json", "hello\nworld\n", "not a JSON object"},
		{"unknown json", "a.json", `{"foo": 1}`, "not a tokenbench summary, vLLM"},
		{"vllm lists disagree", "v.json",
			strings.Replace(string(detailed), `"output_lens": [5, 7, 3, 0, 6, 4]`, `"output_lens": [5, 7]`, 1),
			"field output_lens has 2 entries"},
		{"vllm wrong type", "v.json", `{"completed": "five", "output_throughput": 1}`, "vLLM result"},
		{"aiperf bad line", "p.jsonl",
			`{"metadata": {"request_start_ns": 1}, "metrics": {}, "error": null}` + "\n{oops\n", "line 2"},
		{"aiperf bad unit", "p.jsonl",
			`{"metadata": {"request_start_ns": 1}, "metrics": {"time_to_first_token": {"value": 3, "unit": "fortnights"}}, "error": null}` + "\n",
			"unknown time unit"},
		{"aiperf no start", "p.jsonl", `{"metadata": {}, "metrics": {}, "error": null}` + "\n", "request_start_ns"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			path := filepath.Join(t.TempDir(), tt.file)
			if err := os.WriteFile(path, []byte(tt.content), 0o644); err != nil {
				t.Fatal(err)
			}
			s, _, err := Import(path)
			if err == nil {
				t.Fatalf("Import = %+v, want an error", s)
			}
			if !strings.HasPrefix(err.Error(), "report: ") || !strings.Contains(err.Error(), tt.wantSub) {
				t.Errorf("error %q should start with report: and mention %q", err, tt.wantSub)
			}
		})
	}
}

// FuzzImport feeds arbitrary bytes, as JSON and as JSON lines, to Import:
// it may refuse them but must not panic.
func FuzzImport(f *testing.F) {
	for _, p := range []string{"vllm_detailed.json", "vllm_aggregate.json",
		"aiperf/profile_export.jsonl", "aiperf/profile_export_aiperf.json"} {
		b, err := os.ReadFile(filepath.Join(importsDir, p))
		if err != nil {
			f.Fatal(err)
		}
		f.Add(b)
	}
	f.Add([]byte(`{"ttfts": [1e308, -1], "itls": [[], []], "output_lens": [1, 2]}`))
	f.Fuzz(func(t *testing.T, b []byte) {
		dir := t.TempDir()
		for _, name := range []string{"r.json", "r.jsonl"} {
			path := filepath.Join(dir, name)
			if err := os.WriteFile(path, b, 0o644); err != nil {
				t.Fatal(err)
			}
			s, _, err := Import(path)
			if err == nil && s == nil {
				t.Fatal("nil summary without an error")
			}
			if err == nil {
				var out bytes.Buffer
				if err := s.WriteJSON(&out); err != nil {
					t.Fatalf("imported summary does not encode: %v", err)
				}
			}
		}
	})
}
