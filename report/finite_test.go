package report

import (
	"bytes"
	"encoding/json"
	"maps"
	"math"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/tokenbench/tokenbench/bench"
)

// good is a plain successful record: every row of the hostile table is
// summarised beside it, whose figures must survive.
const good = `{"request_id":"good","ok":true,"t_sched_ms":0,"t_start_ms":0,"e2e_ms":10,"ttft_ms":2,"tpot_ms":1,"events_ms":[2,3,4],"input_tokens":5,"output_tokens":3,"tokens_source":"usage"}`

// hostileRecords are corrupt or hostile records whose values are finite
// one by one (the decoder refuses 1e400 and NaN) but are absurd, or
// overflow when combined, with what the rule of finite.go leaves out.
var hostileRecords = []struct {
	name string
	line string
	want LeftOut
}{
	{"event times near +-max float64",
		`{"ok":true,"t_start_ms":1,"e2e_ms":10,"ttft_ms":2,"events_ms":[-1.7e308,1.7e308,1.7e308]}`,
		LeftOut{"itl_ms": 1}},
	{"denormal TPOT: 1000/5e-324 overflows",
		`{"ok":true,"t_start_ms":1,"e2e_ms":10,"ttft_ms":2,"tpot_ms":5e-324}`,
		LeftOut{"output_speed_tokens_per_s": 1}},
	{"huge event times",
		`{"ok":true,"t_start_ms":1,"e2e_ms":10,"ttft_ms":2,"events_ms":[1e300,2e300]}`,
		LeftOut{"itl_ms": 1}},
	{"t_start + e2e overflows",
		`{"ok":true,"t_sched_ms":0,"t_start_ms":1.7e308,"e2e_ms":1.7e308,"ttft_ms":2}`,
		LeftOut{"window": 1, "schedule_lag_ms": 1, "e2e_ms": 1, "ttft_sched_ms": 1}},
	{"schedule from -max to +max",
		`{"ok":true,"t_sched_ms":-1.7e308,"t_start_ms":1.7e308,"e2e_ms":10,"ttft_ms":1.7e308}`,
		LeftOut{"window": 1, "schedule_lag_ms": 1, "ttft_ms": 1, "ttft_sched_ms": 1}},
	{"t_done before t_start",
		`{"ok":true,"t_start_ms":5,"e2e_ms":-4,"ttft_ms":-1,"tpot_ms":-1,"events_ms":[3,1]}`,
		// TTFT from schedule is 5 - 1 = 4 ms: kept.
		LeftOut{"e2e_ms": 1, "ttft_ms": 1, "tpot_ms": 1, "itl_ms": 1}},
	{"failed request ending before it started",
		`{"ok":false,"error_class":"timeout","t_start_ms":5,"e2e_ms":-1e300}`,
		LeftOut{"window": 1, "concurrency_achieved": 1}},
	{"token counts past 2^53",
		`{"ok":true,"t_start_ms":1,"e2e_ms":10,"input_tokens":9223372036854775807,"output_tokens":9007199254740993,"cached_tokens":9223372036854775807}`,
		LeftOut{"tokens.input": 1, "tokens.output": 1, "tokens.cached": 1}},
	{"negative token counts",
		`{"ok":true,"t_start_ms":1,"e2e_ms":10,"input_tokens":-7,"output_tokens":-1}`,
		LeftOut{"tokens.input": 1, "tokens.output": 1}},
	{"token counts of 1e308: the decoder refuses the line",
		`{"ok":true,"t_start_ms":1,"e2e_ms":10,"output_tokens":1e308}`,
		LeftOut{}},
}

// TestSummarizeHostileRecords: for every hostile record, summary.json is
// written, is valid JSON that ParseSummary reads back, holds no figure
// beyond MaxFigure, counts what was left out in skipped_values, and keeps
// the good record's figures.
func TestSummarizeHostileRecords(t *testing.T) {
	for _, tc := range hostileRecords {
		t.Run(tc.name, func(t *testing.T) {
			dir := t.TempDir()
			if err := os.WriteFile(filepath.Join(dir, bench.RecordsFile), []byte(good+"\n"+tc.line+"\n"), 0o644); err != nil {
				t.Fatal(err)
			}
			s, _, err := Summarize(dir)
			if err != nil {
				t.Fatal(err)
			}
			var buf bytes.Buffer
			if err := s.WriteJSON(&buf); err != nil {
				t.Fatalf("summary.json not written: %v", err)
			}
			back, err := ParseSummary("summary.json", buf.Bytes())
			if err != nil {
				t.Fatalf("summary.json not read back: %v\n%s", err, buf.String())
			}
			checkBounded(t, buf.Bytes())
			want := tc.want
			if len(want) == 0 {
				want = nil
			}
			if got := back.SkippedValues; !maps.Equal(got, want) {
				t.Errorf("skipped_values %v, want %v", got, want)
			}
			if s.E2EMS == nil || s.E2EMS.Min != 10 && s.E2EMS.Max != 10 {
				t.Errorf("the good record's E2E is lost: %+v", s.E2EMS)
			}
			var tbl bytes.Buffer
			if err := s.WriteTable(&tbl); err != nil {
				t.Fatal(err)
			}
			if hasLine := strings.Contains(tbl.String(), "Left out"); hasLine != (len(want) > 0) {
				t.Errorf("table says Left out: %v, want %v\n%s", hasLine, len(want) > 0, tbl.String())
			}
		})
	}
}

// checkBounded fails when a number of the JSON document b is beyond
// MaxFigure in magnitude (times 1000 for rates derived from ms).
func checkBounded(t *testing.T, b []byte) {
	t.Helper()
	var v any
	d := json.NewDecoder(bytes.NewReader(b))
	d.UseNumber()
	if err := d.Decode(&v); err != nil {
		t.Fatal(err)
	}
	var walk func(path string, v any)
	walk = func(path string, v any) {
		switch x := v.(type) {
		case json.Number:
			f, err := x.Float64()
			if err != nil || f > 1000*MaxFigure || f < -1000*MaxFigure {
				t.Errorf("%s = %s", path, x)
			}
		case map[string]any:
			for k, e := range x {
				walk(path+"."+k, e)
			}
		case []any:
			for _, e := range x {
				walk(path, e)
			}
		}
	}
	walk("", v)
}

// TestWriteJSONLeavesOutNonFinite: a Summary built elsewhere with NaN or
// Inf in a section the record rule does not reach is still written, the
// values counted by their JSON path.
func TestWriteJSONLeavesOutNonFinite(t *testing.T) {
	inf := math.Inf(1)
	s := &Summary{Requests: Requests{Errors: map[string]int{}}, WindowS: inf,
		Goodput: &Goodput{Attainment: inf - inf}, TTFTMS: &Distribution{Count: 1, Mean: inf}}
	var buf bytes.Buffer
	if err := s.WriteJSON(&buf); err != nil {
		t.Fatal(err)
	}
	want := LeftOut{"window_s": 1, "goodput.slo_attainment": 1, "ttft_ms.mean": 1}
	if !maps.Equal(s.SkippedValues, want) {
		t.Errorf("skipped_values %v, want %v", s.SkippedValues, want)
	}
	if _, err := ParseSummary("s", buf.Bytes()); err != nil {
		t.Error(err)
	}
}

// FuzzSummarizeRecord: whatever one line of requests.jsonl holds, beside
// a good record, Summarize never panics and summary.json is written,
// valid, read back and bounded.
func FuzzSummarizeRecord(f *testing.F) {
	for _, tc := range hostileRecords {
		f.Add(tc.line)
	}
	f.Add(`{"ok":true,"session":"s","t_start_ms":1e300,"e2e_ms":1e300,"endpoint":"a","route":{"kv_usage":1e308,"kv_transfer_ms":-1}}`)
	f.Add(`{"ok":true,"t_start_ms":0,"e2e_ms":1e-310,"output_tokens":1}`)
	f.Fuzz(func(t *testing.T, line string) {
		if strings.ContainsAny(line, "\n\r") {
			return
		}
		dir := t.TempDir()
		if err := os.WriteFile(filepath.Join(dir, bench.RecordsFile), []byte(good+"\n"+line+"\n"), 0o644); err != nil {
			t.Fatal(err)
		}
		s, _, err := Summarize(dir)
		if err != nil {
			t.Fatal(err)
		}
		var buf bytes.Buffer
		if err := s.WriteJSON(&buf); err != nil {
			t.Fatalf("summary.json not written: %v", err)
		}
		if _, err := ParseSummary("summary.json", buf.Bytes()); err != nil {
			t.Fatalf("summary.json not read back: %v", err)
		}
		checkBounded(t, buf.Bytes())
	})
}
