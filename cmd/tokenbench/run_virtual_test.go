package main

import (
	"bytes"
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/tokenbench/tokenbench/bench"
	"github.com/tokenbench/tokenbench/report"
)

func TestRunVirtualClock(t *testing.T) {
	trace := "mooncake:" + filepath.Join("..", "..", "examples", "data", "mooncake_conversation_200.jsonl")
	run := func(dir string, extra ...string) (report.Summary, string) {
		t.Helper()
		f, out, errb, _ := testFactory(map[string]string{"OPENAI_BASE_URL": "http://ignored.invalid/v1"})
		args := append([]string{"run", "--clock", "virtual", "--workload", trace, "--concurrency", "64", "--duration", "2h",
			"--out", dir, "--output", "json"}, extra...)
		if code := runMain(t, f, args...); code != 0 {
			t.Fatalf("exit %d: %s", code, errb.String())
		}
		var s report.Summary
		if err := json.Unmarshal(out.Bytes(), &s); err != nil {
			t.Fatal(err)
		}
		return s, errb.String()
	}
	base := t.TempDir()
	a, stderr := run(filepath.Join(base, "a"))
	if !strings.Contains(stderr, "virtual clock") {
		t.Errorf("stderr does not say the clock is virtual: %q", stderr)
	}
	if a.Clock != bench.ClockVirtual {
		t.Errorf("summary clock %q: a reader of summary.json must see the times are simulated", a.Clock)
	}
	if a.Requests.Total != 200 || a.Requests.OK != 200 || a.TTFTMS == nil || a.TPOTMS == nil {
		t.Errorf("summary requests %+v ttft %v tpot %v", a.Requests, a.TTFTMS, a.TPOTMS)
	}
	// The trace spans about 3.6 minutes of simulated time.
	if a.WindowS < 100 {
		t.Errorf("window %.1f s, want the trace's simulated span", a.WindowS)
	}
	if a.Engine == nil {
		t.Error("no engine section from the virtual scrapes")
	}
	ri, err := bench.ReadRunInfo(filepath.Join(base, "a"))
	if err != nil || ri.Clock != bench.ClockVirtual || !ri.Target.Builtin || ri.Target.URL != "" {
		t.Errorf("run.json %+v err %v", ri, err)
	}
	if _, err := os.Stat(filepath.Join(base, "a", "metrics.jsonl")); err != nil {
		t.Error(err)
	}
	run(filepath.Join(base, "b"))
	ra, _ := os.ReadFile(filepath.Join(base, "a", bench.RecordsFile))
	rb, _ := os.ReadFile(filepath.Join(base, "b", bench.RecordsFile))
	if len(ra) == 0 || !bytes.Equal(ra, rb) {
		t.Error("two virtual runs of one seed wrote different requests.jsonl")
	}
}

func TestRunVirtualClockRefusals(t *testing.T) {
	for _, tt := range []struct {
		args []string
		want string
	}{
		{[]string{"--url", "http://127.0.0.1:1/v1"}, "no --url"},
		{[]string{"--metrics-url", "http://127.0.0.1:1/metrics"}, "no --url or --metrics-url"},
		{[]string{"--faults", "http_500=0.1"}, "faults are not simulated"},
	} {
		f, _, errb, _ := testFactory(nil)
		dir := filepath.Join(t.TempDir(), "r")
		code := runMain(t, f, append([]string{"run", "--clock", "virtual", "--requests", "1", "--out", dir}, tt.args...)...)
		if code != ExitUsage || !strings.Contains(errb.String(), tt.want) {
			t.Errorf("%v: exit %d, want %d and %q (%s)", tt.args, code, ExitUsage, tt.want, errb.String())
		}
	}
	f, _, errb, _ := testFactory(nil)
	if code := runMain(t, f, "run", "--clock", "sundial"); code != ExitUsage || !strings.Contains(errb.String(), "--clock") {
		t.Errorf("--clock sundial: exit %d %q", code, errb.String())
	}
}
