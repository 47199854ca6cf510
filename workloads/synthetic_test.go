package workloads

import (
	"math"
	"testing"
)

func TestSyntheticLengths(t *testing.T) {
	tests := []struct {
		name               string
		spec               Synthetic
		wantMeanIn         float64
		wantMeanOut        float64
		tol                float64
		wantFixedIn, fixed bool
	}{
		{name: "fixed lengths", spec: Synthetic{InputTokens: 100, OutputTokens: 20, Seed: 1}, wantMeanIn: 100, wantMeanOut: 20, tol: 0, fixed: true},
		{name: "normal lengths", spec: Synthetic{InputTokens: 300, InputStddev: 50, OutputTokens: 80, OutputStddev: 10, Seed: 7}, wantMeanIn: 300, wantMeanOut: 80, tol: 0.05},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			src, err := tt.spec.NewSource()
			if err != nil {
				t.Fatal(err)
			}
			const n = 2000
			var sumIn, sumOut float64
			for i := 0; i < n; i++ {
				it, err := src.Next()
				if err != nil {
					t.Fatal(err)
				}
				got := ApproxTokens(it.Request.Prompt)
				if got != it.Request.InputTokens {
					t.Fatalf("prompt counts %d tokens, item says %d", got, it.Request.InputTokens)
				}
				if it.Request.MaxTokens < 1 || it.Request.InputTokens < 1 {
					t.Fatalf("length below 1: %+v", it.Request.MaxTokens)
				}
				if tt.fixed && (it.Request.InputTokens != tt.spec.InputTokens || it.Request.MaxTokens != tt.spec.OutputTokens) {
					t.Fatalf("fixed lengths drifted: %d/%d", it.Request.InputTokens, it.Request.MaxTokens)
				}
				sumIn += float64(it.Request.InputTokens)
				sumOut += float64(it.Request.MaxTokens)
			}
			if d := math.Abs(sumIn/n/tt.wantMeanIn - 1); d > tt.tol+1e-9 {
				t.Errorf("mean input %.1f, want %.1f", sumIn/n, tt.wantMeanIn)
			}
			if d := math.Abs(sumOut/n/tt.wantMeanOut - 1); d > tt.tol+1e-9 {
				t.Errorf("mean output %.1f, want %.1f", sumOut/n, tt.wantMeanOut)
			}
		})
	}
}

func TestSyntheticDeterministic(t *testing.T) {
	spec := Synthetic{InputTokens: 50, InputStddev: 5, OutputTokens: 10, Seed: 3}
	a, _ := spec.NewSource()
	b, _ := spec.NewSource()
	spec.Seed = 4
	c, _ := spec.NewSource()
	ia, _ := a.Next()
	ib, _ := b.Next()
	ic, _ := c.Next()
	if ia.Request.Prompt != ib.Request.Prompt {
		t.Error("same seed, different prompts")
	}
	if ia.Request.Prompt == ic.Request.Prompt {
		t.Error("different seeds, same prompt")
	}
	ia2, _ := a.Next()
	if ia2.Request.Prompt == ia.Request.Prompt {
		t.Error("consecutive prompts are identical")
	}
}

func TestSyntheticValidate(t *testing.T) {
	for name, s := range map[string]Synthetic{
		"zero input":      {InputTokens: 0, OutputTokens: 1},
		"zero output":     {InputTokens: 1, OutputTokens: 0},
		"negative stddev": {InputTokens: 1, OutputTokens: 1, InputStddev: -1},
		"NaN stddev":      {InputTokens: 1, OutputTokens: 1, OutputStddev: math.NaN()},
	} {
		if _, err := s.NewSource(); err == nil {
			t.Errorf("%s: want an error", name)
		}
	}
}
