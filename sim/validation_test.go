package sim

import (
	"bytes"
	"math"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/tokenbench/tokenbench/internal/golden"
)

// fresh1 builds the small experiments' requests: fresh questions, so that
// every request prefills (and MFU matters).
var fresh1 = RequestOptions{Seed: 1, FreshQuestions: true}

// smallExperiments are two short experiments, a dense and an MoE model,
// whose "measurements" are the engine's own predictions with truth.
func smallExperiments(t *testing.T, truth Timing) []Experiment {
	t.Helper()
	spec := SharedPrefixSpec{SystemPrompts: 2, UsersPerPrompt: 3, SystemPromptLen: 200, QuestionLen: 300, OutputLen: 40}
	dense := Experiment{ID: "dense-7b", Model: "meta-llama/Llama-2-7b-hf", Hardware: "H100", TP: 1, MaxNumBatchedTokens: 2048, Spec: spec}
	dense.Spec.Stages = []Stage{{Rate: 4, DurationS: 4}, {Rate: 8, DurationS: 4}}
	moe := Experiment{ID: "moe-8x7b", Model: "mistralai/Mixtral-8x7B-v0.1", Hardware: "H100", TP: 2, MaxNumBatchedTokens: 2048, Spec: spec}
	moe.Spec.Stages = []Stage{{Rate: 6, DurationS: 5}}
	exps := []Experiment{dense, moe}
	c := DefaultConfig()
	c.Timing = truth
	for i := range exps {
		exps[i].Actual = map[string]Measured{"overall": {TTFTMean: 1, TTFTP90: 1, TTFTP99: 1, ITLMean: 1, E2EMean: 1, E2EP90: 1, E2EP99: 1}}
		p, err := Predict(exps[i], c, fresh1)
		if err != nil {
			t.Fatal(err)
		}
		exps[i].Actual["overall"] = p.Predicted
	}
	return exps
}

func TestValidateClassesAndFamilies(t *testing.T) {
	truth := DefaultTiming()
	exps := smallExperiments(t, truth)
	v, err := Validate(exps, DefaultConfig(), fresh1, 0)
	if err != nil {
		t.Fatal(err)
	}
	if len(v.Experiments) != 2 || v.Experiments[0].MoE || !v.Experiments[1].MoE {
		t.Fatalf("experiments %+v: want the dense then the MoE one", v.Experiments)
	}
	for _, c := range []string{"all", "dense", "moe"} {
		for _, f := range []string{"all", "ttft", "itl", "e2e"} {
			if m, ok := v.MAPE[c][f]; !ok || m > 1e-9 {
				t.Errorf("MAPE %s %s = %v (present %v): want 0, the measurements being the predictions", c, f, m, ok)
			}
		}
	}
	// Another seed shuffles users differently: the errors are small but
	// not all zero.
	v2, err := Validate(exps, DefaultConfig(), RequestOptions{Seed: 2, FreshQuestions: true}, 0)
	if err != nil {
		t.Fatal(err)
	}
	if m := v2.MAPE["all"]["all"]; m > 10 {
		t.Errorf("another seed: MAPE %v: want a few %% at most", m)
	}
	// A capped replay is a shorter run: the dense experiment's second,
	// busier stage is cut, so its E2E p99 drops.
	v3, err := Validate(exps, DefaultConfig(), fresh1, 2)
	if err != nil {
		t.Fatal(err)
	}
	if v3.StageSeconds != 2 || v3.Experiments[0].Requests >= v.Experiments[0].Requests {
		t.Errorf("capped: %d requests (uncapped %d), stage cap %v", v3.Experiments[0].Requests, v.Experiments[0].Requests, v3.StageSeconds)
	}
}

// Fit recovers two parameters the measurements were made with, starting
// from the defaults.
func TestFitRecoversTwoParameters(t *testing.T) {
	truth := DefaultTiming()
	truth.MFU, truth.StepBase = 0.65, 2500*time.Microsecond
	exps := smallExperiments(t, truth)
	r, err := Fit(exps, DefaultConfig(), FitOptions{MaxEvaluations: 80, Params: []string{"mfu", "step_base"}, Requests: fresh1})
	if err != nil {
		t.Fatal(err)
	}
	if math.Abs(r.Timing.MFU-truth.MFU)/truth.MFU > 0.1 || math.Abs(r.Timing.StepBase.Seconds()-truth.StepBase.Seconds())/truth.StepBase.Seconds() > 0.1 {
		t.Errorf("fitted MFU %v, step base %v: want %v, %v within 10%%", r.Timing.MFU, r.Timing.StepBase, truth.MFU, truth.StepBase)
	}
	if r.MAPE > 2 {
		t.Errorf("fit MAPE %v: want under 2%%", r.MAPE)
	}
	// Parameters not named keep the base's values.
	if r.Timing.MBU != DefaultMBU || r.Timing.OutputLag != 0 || r.Timing.DecodePerSeq != DefaultDecodePerSeq {
		t.Errorf("unfitted parameters moved: %+v", r.Timing)
	}
	if _, err := Fit(exps, DefaultConfig(), FitOptions{Params: []string{"nope"}}); err == nil || !strings.Contains(err.Error(), `no parameter "nope"`) {
		t.Errorf("unknown parameter: error %v", err)
	}
}

func TestSplit(t *testing.T) {
	exps := smallExperiments(t, DefaultTiming())
	for _, tt := range []struct {
		names []string
		held  []string
		err   string
	}{
		{names: nil, held: nil},
		{names: []string{"moe-8x7b"}, held: []string{"moe-8x7b"}},
		{names: []string{"MISTRALAI/Mixtral-8x7B-v0.1"}, held: []string{"moe-8x7b"}},
		{names: []string{exps[0].ModelFamily()}, held: []string{"dense-7b"}},
		{names: []string{"gpt-5"}, err: `"gpt-5" names no experiment`},
		{names: []string{"dense-7b", "moe-8x7b"}, err: "nothing to fit"},
	} {
		fit, held, err := Split(exps, tt.names)
		if tt.err != "" {
			if err == nil || !strings.Contains(err.Error(), tt.err) {
				t.Errorf("%v: error %v, want %q", tt.names, err, tt.err)
			}
			continue
		}
		var ids []string
		for _, e := range held {
			ids = append(ids, e.ID)
		}
		if err != nil || !slices.Equal(ids, tt.held) || len(fit)+len(held) != len(exps) {
			t.Errorf("%v: held %v (err %v), want %v", tt.names, ids, err, tt.held)
		}
	}
}

// By default a user's prompt repeats every G x U requests; with
// FreshQuestions every request asks a new question after the shared prefix.
func TestRequestsFreshQuestions(t *testing.T) {
	e := smallExperiments(t, DefaultTiming())[0]
	users := e.Spec.SystemPrompts * e.Spec.UsersPerPrompt
	shared := TemplateTokens + e.Spec.SystemPromptLen
	for _, repeat := range []bool{false, true} {
		reqs := e.Requests(RequestOptions{Seed: 1, FreshQuestions: !repeat})
		if len(reqs) != 48 {
			t.Fatalf("%d requests, want 48 (4/s and 8/s for 4 s)", len(reqs))
		}
		a, b := reqs[0].Keys, reqs[users].Keys
		if !slices.Equal(a[:shared], b[:shared]) {
			t.Errorf("repeat %v: the same user's requests do not share the system prompt", repeat)
		}
		if same := slices.Equal(a[shared:], b[shared:]); same != repeat {
			t.Errorf("repeat %v: questions equal %v", repeat, same)
		}
		if reqs[1].At-reqs[0].At != 250*time.Millisecond || reqs[16].At != 4*time.Second || reqs[17].At-reqs[16].At != 125*time.Millisecond {
			t.Errorf("arrivals %v %v %v %v: want 4/s then 8/s from 4 s", reqs[0].At, reqs[1].At, reqs[16].At, reqs[17].At)
		}
	}
}

func TestValidationWriteText(t *testing.T) {
	e := smallExperiments(t, DefaultTiming())
	m := Measured{TTFTMean: 50, TTFTP90: 60, TTFTP99: 80, ITLMean: 10, E2EMean: 2000, E2EP90: 2100, E2EP99: 2300}
	p := Measured{TTFTMean: 45, TTFTP90: 66, TTFTP99: 80, ITLMean: 11, E2EMean: 2100, E2EP90: 2000, E2EP99: 2300}
	v := NewValidation([]Prediction{{Experiment: e[0], Predicted: p, Measured: m, Requests: 48},
		{Experiment: e[1], Predicted: m, Measured: m, Requests: 30, Refused: 1}})
	v.StageSeconds = 60
	if got := v.MAPE["dense"]["ttft"]; math.Abs(got-(10+10+0)/3.0) > 1e-9 {
		t.Errorf("dense TTFT MAPE %v, want 6.67", got)
	}
	if got := v.MAPE["all"]["ttft"]; math.Abs(got-(10+10+0)/6.0) > 1e-9 {
		t.Errorf("all TTFT MAPE %v, want 3.33", got)
	}
	var text, js bytes.Buffer
	if err := v.WriteText(&text); err != nil {
		t.Fatal(err)
	}
	if err := v.WriteJSON(&js); err != nil {
		t.Fatal(err)
	}
	golden.Check(t, "testdata/validate.golden", text.Bytes())
	golden.Check(t, "testdata/validate.json.golden", js.Bytes())
}

// Predict summarizes a spec-built experiment per load stage too: the
// stages' requests add up to the whole, their E2E means weigh into the
// overall one, and a stage's measured figures come from the data set's
// "stage_k" when it has them.
func TestStagePredictions(t *testing.T) {
	e := smallExperiments(t, DefaultTiming())[0] // two stages
	e.Actual["stage_1"] = Measured{TTFTMean: 40, TTFTP90: 50, TTFTP99: 60, ITLMean: 9, E2EMean: 500, E2EP90: 550, E2EP99: 600}
	c := DefaultConfig()
	p, err := Predict(e, c, fresh1)
	if err != nil {
		t.Fatal(err)
	}
	if len(p.Stages) != 2 {
		t.Fatalf("%d stages, want 2", len(p.Stages))
	}
	n, e2e := 0, 0.0
	for k, s := range p.Stages {
		if s.Stage != k || s.Rate != e.Spec.Stages[k].Rate || s.Requests == 0 {
			t.Errorf("stage %d: %+v", k, s)
		}
		n += s.Requests
		e2e += s.Predicted.E2EMean * float64(s.Requests)
	}
	if n != p.Requests || math.Abs(e2e/float64(n)-p.Predicted.E2EMean) > 1e-6 {
		t.Errorf("stages hold %d requests of E2E mean %v; the whole %d of %v", n, e2e/float64(n), p.Requests, p.Predicted.E2EMean)
	}
	if p.Stages[0].Measured != nil || p.Stages[1].Measured == nil || p.Stages[1].Measured.E2EMean != 500 {
		t.Errorf("measured per stage: %v, %v: want none, then stage_1's", p.Stages[0].Measured, p.Stages[1].Measured)
	}
	v := NewValidation([]Prediction{p})
	v.ShowStages = true
	vs := v.Experiments[0].Stages
	if len(vs) != 2 || vs[0].APE != nil || math.Abs(vs[1].APE["e2e_mean"]-100*math.Abs(p.Stages[1].Predicted.E2EMean-500)/500) > 1e-9 {
		t.Errorf("validated stages %+v", vs)
	}
	var text bytes.Buffer
	if err := v.writeStages(&text); err != nil {
		t.Fatal(err)
	}
	lines := strings.Split(strings.TrimSpace(text.String()), "\n")
	if len(lines) != 4 || !strings.HasPrefix(lines[0], "per load stage, predicted / measured:") ||
		!strings.HasPrefix(lines[2], "dense-7b") || !strings.Contains(lines[2], " / -") || strings.Contains(lines[3], " / -") {
		t.Errorf("stage table:\n%s", text.String())
	}
}
