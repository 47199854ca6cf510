package main

import (
	"path/filepath"
	"strings"
	"testing"

	"github.com/tokenbench/tokenbench/report"
)

// TestExampleScenarios runs every scenario of examples/scenarios against
// the built-in engine, shortened by flags (which win over the file): each
// must parse, read its sample data and complete its requests.
func TestExampleScenarios(t *testing.T) {
	files, err := filepath.Glob("../../examples/scenarios/*.yaml")
	if err != nil || len(files) < 10 {
		t.Fatalf("scenarios: %v %v", files, err)
	}
	for _, file := range files {
		name := strings.TrimSuffix(filepath.Base(file), ".yaml")
		t.Run(name, func(t *testing.T) {
			t.Parallel()
			out := filepath.Join(t.TempDir(), name)
			f, _, errb, _ := testFactory(nil)
			args := []string{"run", "-f", file, "--requests", "3", "--time-scale", "50", "--duration", "30s", "--warmup", "0", "--max-tokens", "24", "--output-tokens", "24", "--sim-speedup", "10", "--out", out, "-q"}
			if name == "sweep" {
				args = append(args, "--sweep", "concurrency=1,2")
			}
			if code := Main(f, args); code != 0 {
				t.Fatalf("exit %d: %s", code, errb.String())
			}
			dirs := []string{out}
			if name == "sweep" {
				dirs = []string{filepath.Join(out, "concurrency-1"), filepath.Join(out, "concurrency-2")}
			}
			for _, d := range dirs {
				sum, _, err := report.Summarize(d)
				if err != nil {
					t.Fatal(err)
				}
				if sum.Requests.Total == 0 || sum.Requests.Failed != 0 {
					t.Errorf("%s: requests %+v", d, sum.Requests)
				}
			}
		})
	}
}
