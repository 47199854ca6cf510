package sim

import (
	"os"
	"testing"
)

// TestDevelopmentSetPart replays a part of the sim-to-real development set
// (../shared/data/sim2real, when present) whole, with the shipped vllm
// profile, as `tokenbench sim validate` does, and holds each experiment's
// error to what docs/ENGINE.md reports for it (the replay is
// deterministic; 0.1 point covers the rounding of the reported figure).
func TestDevelopmentSetPart(t *testing.T) {
	const path = "../../shared/data/sim2real/experiments.json"
	if _, err := os.Stat(path); err != nil {
		t.Skip("no development set here:", err)
	}
	exps, err := ReadExperiments(path)
	if err != nil {
		t.Fatal(err)
	}
	want := map[string]float64{ // MAPE % reported in docs/ENGINE.md
		"63-mistral-nemo-12b-tp1-codegen-1-1": 2.3, // dense, TP1
		"10-mixtral-8x7b-tp2-codegen":         1.9, // MoE, TP2
		"6-llama-2-70b-tp4-codegen":           4.1, // dense, TP4
	}
	var part []Experiment
	for _, e := range exps {
		if _, ok := want[e.ID]; ok {
			part = append(part, e)
		}
	}
	if len(part) != len(want) {
		t.Fatalf("found %d of the %d experiments", len(part), len(want))
	}
	base := DefaultConfig()
	base.Timing, err = LoadEngineProfile("vllm", base.Timing)
	if err != nil {
		t.Fatal(err)
	}
	v, err := Validate(part, base, RequestOptions{Seed: 1, ClientTimeout: InferencePerfTimeout}, 0)
	if err != nil {
		t.Fatal(err)
	}
	for _, e := range v.Experiments {
		sum := 0.0
		for _, a := range e.APE {
			sum += a
		}
		if got := sum / float64(len(e.APE)); got > want[e.ID]+0.1 {
			t.Errorf("%s: MAPE %.2f%%, docs/ENGINE.md reports %.1f%%", e.ID, got, want[e.ID])
		}
		if len(e.Stages) == 0 || e.Stages[0].Measured == nil {
			t.Errorf("%s: no per-stage prediction beside the data set's stage figures", e.ID)
		}
	}
}
