package scrape

import (
	"bytes"
	"encoding/json"
	"math"
	"path/filepath"
	"strings"
	"testing"

	"github.com/tokenbench/tokenbench/internal/golden"
)

func near(t *testing.T, what string, got *float64, want float64) {
	t.Helper()
	if got == nil {
		t.Errorf("%s absent, want %v", what, want)
		return
	}
	if math.Abs(*got-want) > 1e-9 {
		t.Errorf("%s = %v, want %v", what, *got, want)
	}
}

func sample(phase string, tms float64, counters map[string]float64) Sample {
	return Sample{TMS: tms, Phase: phase, Reading: Reading{Engine: EngineVLLM, Counters: counters}}
}

func TestSpecFromCounters(t *testing.T) {
	before := sample(PhaseBefore, 0, map[string]float64{CounterSpecDrafts: 0, CounterSpecDraftTokens: 0, CounterSpecAcceptedTokens: 0})
	after := sample(PhaseAfter, 1000, map[string]float64{CounterSpecDrafts: 100, CounterSpecDraftTokens: 400, CounterSpecAcceptedTokens: 177})
	before.PerPositionAccepted = []float64{0, 0, 0, 0}
	after.PerPositionAccepted = []float64{70, 50, 35, 22}
	sp := Summarize([]Sample{before, after}).Spec
	if sp == nil {
		t.Fatal("spec absent")
	}
	near(t, "acceptance_rate", sp.AcceptanceRate, 0.4425)
	near(t, "acceptance_length", sp.AcceptanceLength, 2.77)
	near(t, "drafts", sp.Drafts, 100)
	near(t, "draft_tokens", sp.DraftTokens, 400)
	near(t, "accepted_tokens", sp.AcceptedTokens, 177)
	want := []float64{0.7, 0.5, 0.35, 0.22}
	if len(sp.PerPosition) != len(want) {
		t.Fatalf("per_position = %v, want %v", sp.PerPosition, want)
	}
	for k := range want {
		if math.Abs(sp.PerPosition[k]-want[k]) > 1e-12 {
			t.Errorf("per_position[%d] = %v, want %v", k, sp.PerPosition[k], want[k])
		}
	}
	if sp.Source != "metrics" || sp.Estimator != "counter deltas" {
		t.Errorf("source/estimator = %q/%q", sp.Source, sp.Estimator)
	}
}

// The real speculative llama.cpp capture, differenced against the zero
// counters of a fresh server, gives the server's own figures: 26 of 26
// draft tokens accepted over 7 drafts.
func TestSpecLlamaCppCapture(t *testing.T) {
	after := Sample{Phase: PhaseAfter, TMS: 1, Reading: parseFixture(t, "llamacpp-speculative.txt")}
	before := Sample{Phase: PhaseBefore, Reading: Reading{Engine: EngineLlamaCpp, Counters: map[string]float64{
		CounterSpecDrafts: 0, CounterSpecDraftTokens: 0, CounterSpecAcceptedTokens: 0,
	}, PerPositionAccepted: []float64{0, 0, 0, 0}}}
	sp := Summarize([]Sample{before, after}).Spec
	if sp == nil {
		t.Fatal("spec absent")
	}
	near(t, "acceptance_rate", sp.AcceptanceRate, 1)
	near(t, "acceptance_length", sp.AcceptanceLength, 1+26.0/7)
	if len(sp.PerPosition) != 4 || math.Abs(sp.PerPosition[3]-6.0/7) > 1e-12 {
		t.Errorf("per_position = %v, want [1 1 6/7 6/7]", sp.PerPosition)
	}
	// The plain capture drafted nothing: no spec section at all.
	plain := Sample{Phase: PhaseAfter, TMS: 1, Reading: parseFixture(t, "llamacpp-plain.txt")}
	if got := Summarize([]Sample{plain, plain}).Spec; got != nil {
		t.Errorf("spec = %+v for a server that never drafted, want absent", got)
	}
}

func TestSpecTensorRTLLMDraftsFromPosition0(t *testing.T) {
	zero := Sample{Phase: PhaseBefore, Reading: Reading{Engine: EngineTRTLLM,
		Counters:            map[string]float64{CounterSpecDraftTokens: 0, CounterSpecAcceptedTokens: 0},
		PerPositionAccepted: []float64{0, 0, 0}, PerPositionDrafted: []float64{0, 0, 0}}}
	after := Sample{Phase: PhaseAfter, TMS: 1, Reading: parseFixture(t, "trtllm.txt")}
	sp := Summarize([]Sample{zero, after}).Spec
	if sp == nil {
		t.Fatal("spec absent")
	}
	near(t, "acceptance_rate", sp.AcceptanceRate, 1650.0/3000)
	near(t, "drafts (drafted at position 0)", sp.Drafts, 1000)
	near(t, "acceptance_length", sp.AcceptanceLength, 2.65)
	if len(sp.PerPosition) != 3 || sp.PerPosition[0] != 0.7 {
		t.Errorf("per_position = %v, want [0.7 0.55 0.4]", sp.PerPosition)
	}
}

func TestSpecFromSGLangGauges(t *testing.T) {
	g := func(phase string, l, r float64) Sample {
		return Sample{Phase: phase, Reading: Reading{Engine: EngineSGLang, Gauges: map[string]float64{GaugeSpecAcceptLength: l, GaugeSpecAcceptRate: r}}}
	}
	// The before/after scrapes are idle; a during scrape at 0/0 means no
	// speculation at that moment and is left out of the mean.
	samples := []Sample{g(PhaseBefore, 0, 0), g(PhaseDuring, 3, 0.5), g(PhaseDuring, 0, 0), g(PhaseDuring, 2, 0.25), g(PhaseAfter, 0, 0)}
	sp := Summarize(samples).Spec
	if sp == nil {
		t.Fatal("spec absent")
	}
	near(t, "acceptance_length", sp.AcceptanceLength, 2.5)
	near(t, "acceptance_rate", sp.AcceptanceRate, 0.375)
	if sp.Drafts != nil || sp.DraftTokens != nil {
		t.Errorf("counts present without counters: %+v", sp)
	}
	if !strings.Contains(sp.Estimator, "gauge mean") {
		t.Errorf("estimator = %q", sp.Estimator)
	}
	if got := Summarize([]Sample{g(PhaseBefore, 0, 0), g(PhaseAfter, 0, 0)}).Spec; got != nil {
		t.Errorf("spec = %+v with speculation off, want absent", got)
	}
}

func TestCounterReset(t *testing.T) {
	samples := []Sample{
		sample(PhaseBefore, 0, map[string]float64{CounterPromptTokens: 100, CounterGenerationTokens: 10}),
		sample(PhaseDuring, 1000, map[string]float64{CounterPromptTokens: 200, CounterGenerationTokens: 20}),
		sample(PhaseDuring, 2000, map[string]float64{CounterPromptTokens: 50, CounterGenerationTokens: 5}), // restarted
		sample(PhaseAfter, 3000, map[string]float64{CounterPromptTokens: 120, CounterGenerationTokens: 12}),
	}
	es := Summarize(samples)
	if es.Restarts != 1 {
		t.Errorf("restarts = %d, want 1", es.Restarts)
	}
	// 100 before the restart, 50 up to the first scrape after it, 70 since.
	near(t, "prompt_tokens", es.PromptTokens, 220)
	near(t, "generation_tokens", es.GenerationTokens, 22)
	if len(es.Warnings) != 1 {
		t.Fatalf("warnings = %q, want one", es.Warnings)
	}
	w := es.Warnings[0]
	for _, part := range []string{"counter generation_tokens went down at t=2000 ms", "the engine restarted", "1 other counters"} {
		if !strings.Contains(w, part) {
			t.Errorf("warning %q lacks %q", w, part)
		}
	}
}

func TestAbsentNotZero(t *testing.T) {
	// TGI exposes gauges only: no counter figure may appear, not even as 0.
	tgi := Sample{Phase: PhaseDuring, Reading: parseFixture(t, "tgi.txt")}
	es := Summarize([]Sample{tgi, tgi})
	b, err := json.Marshal(es)
	if err != nil {
		t.Fatal(err)
	}
	for _, key := range []string{"kv_usage", "preemptions", "prompt_tokens", "prefix_cache_hit_rate", "spec", "failed_scrapes"} {
		if bytes.Contains(b, []byte(`"`+key+`"`)) {
			t.Errorf("%s present in %s", key, b)
		}
	}
	if es.QueueDepth == nil || es.QueueDepth.Mean != 7 || es.Running == nil || es.Running.Max != 32 {
		t.Errorf("gauges = %+v %+v", es.QueueDepth, es.Running)
	}
	// One scrape measures no counter delta.
	one := Summarize([]Sample{sample(PhaseBefore, 0, map[string]float64{CounterPreemptions: 3})})
	if one.Preemptions != nil {
		t.Errorf("preemptions = %v from a single scrape, want absent", *one.Preemptions)
	}
	// No successful scrape: nothing but the counts.
	none := Summarize([]Sample{{Phase: PhaseBefore, Error: "refused"}, {Phase: PhaseAfter, Error: "refused"}})
	if b, _ := json.Marshal(none); string(b) != `{"scrapes":0,"failed_scrapes":2,"restarts":0}` {
		t.Errorf("summary of failed scrapes = %s", b)
	}
}

func TestPrefixHitRateSources(t *testing.T) {
	tests := []struct {
		name          string
		before, after map[string]float64
		gauge         *float64
		want          float64
		source        string
	}{
		{"vllm hits/queries", map[string]float64{CounterPrefixHits: 10, CounterPrefixQueries: 100}, map[string]float64{CounterPrefixHits: 40, CounterPrefixQueries: 200}, nil, 0.3, "counters: hits/queries"},
		{"trtllm and llama.cpp hits/(hits+misses)", map[string]float64{CounterPrefixHits: 0, CounterPrefixMisses: 0}, map[string]float64{CounterPrefixHits: 350, CounterPrefixMisses: 650}, nil, 0.35, "counters: hits/(hits+misses)"},
		{"sglang cached/prompt", map[string]float64{CounterCachedTokens: 0, CounterPromptTokens: 0}, map[string]float64{CounterCachedTokens: 300, CounterPromptTokens: 1200}, nil, 0.25, "counters: cached/prompt tokens"},
		{"gauge only", nil, nil, ptr(0.6), 0.6, "gauge mean"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			b, a := sample(PhaseBefore, 0, tt.before), sample(PhaseAfter, 1, tt.after)
			if tt.gauge != nil {
				b.Gauges = map[string]float64{GaugePrefixHitRate: *tt.gauge}
				a.Gauges = map[string]float64{GaugePrefixHitRate: *tt.gauge}
			}
			es := Summarize([]Sample{b, a})
			near(t, "prefix_cache_hit_rate", es.PrefixCacheHitRate, tt.want)
			if es.PrefixCacheSource != tt.source {
				t.Errorf("source = %q, want %q", es.PrefixCacheSource, tt.source)
			}
		})
	}
}

func ptr(v float64) *float64 { return &v }

func TestEngineChangeWarns(t *testing.T) {
	a := Sample{Phase: PhaseBefore, Reading: Reading{Engine: EngineVLLM}}
	b := Sample{Phase: PhaseAfter, Reading: Reading{Engine: EngineSGLang}}
	es := Summarize([]Sample{a, a, b})
	if es.Name != EngineVLLM || len(es.Warnings) != 1 || !strings.Contains(es.Warnings[0], "vllm, sglang") {
		t.Errorf("name %q warnings %q", es.Name, es.Warnings)
	}
}

// TestSummaryGolden summarises a scripted run whose KV cache saturates:
// queue and preemptions grow, one scrape times out, drafts are accepted at
// 0.7 per position (AL 1 + 0.7 + 0.49 + 0.343 + 0.24 = 2.773).
func TestSummaryGolden(t *testing.T) {
	samples, warns, err := ReadSamplesFile(filepath.Join("testdata", "run-vllm.jsonl"))
	if err != nil || len(warns) != 0 {
		t.Fatal(warns, err)
	}
	got, err := json.MarshalIndent(Summarize(samples), "", "  ")
	if err != nil {
		t.Fatal(err)
	}
	got = append(got, '\n')
	golden.Check(t, filepath.Join("testdata", "summary-vllm.golden.json"), got)
}

func TestReadSamples(t *testing.T) {
	good := `{"t_ms":1,"phase":"before","engine":"vllm","families":3,"gauges":{"running":1}}`
	tests := []struct {
		name, text string
		n, warns   int
		wantErr    string
	}{
		{name: "two lines and a blank", text: good + "\n\n" + good + "\n", n: 2},
		{name: "torn last line is skipped with a warning", text: good + "\n" + `{"t_ms":2,"pha`, n: 1, warns: 1},
		{name: "bad middle line names its line", text: good + "\n{oops\n" + good + "\n", wantErr: "samples line 2"},
		{name: "unknown phase names the field", text: `{"t_ms":1,"phase":"later","engine":"vllm"}` + "\n", wantErr: "line 1: field phase"},
		{name: "successful scrape without engine", text: `{"t_ms":1,"phase":"during"}` + "\n", wantErr: "field engine"},
		{name: "failed scrape needs no engine", text: `{"t_ms":1,"phase":"during","error":"refused"}` + "\n", n: 1},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, warns, err := ReadSamples(strings.NewReader(tt.text))
			if tt.wantErr != "" {
				if err == nil || !strings.Contains(err.Error(), tt.wantErr) {
					t.Fatalf("err = %v, want %q", err, tt.wantErr)
				}
				return
			}
			if err != nil || len(got) != tt.n || len(warns) != tt.warns {
				t.Fatalf("got %d samples, warnings %v, err %v; want %d and %d", len(got), warns, err, tt.n, tt.warns)
			}
		})
	}
}

// What the Scraper writes, ReadSamples reads back unchanged.
func TestSampleRoundTrip(t *testing.T) {
	in := []Sample{
		{TMS: -1.5, Phase: PhaseBefore, Reading: parseFixture(t, "vllm.txt")},
		{TMS: 1000, Phase: PhaseDuring, Error: "scrape: GET x: HTTP 503"},
		{TMS: 2000.25, Phase: PhaseAfter, Reading: parseFixture(t, "trtllm.txt")},
	}
	var buf bytes.Buffer
	for _, s := range in {
		line, err := encodeLine(s)
		if err != nil {
			t.Fatal(err)
		}
		buf.Write(line)
	}
	out, _, err := ReadSamples(&buf)
	if err != nil {
		t.Fatal(err)
	}
	a, _ := json.Marshal(in)
	b, _ := json.Marshal(out)
	if !bytes.Equal(a, b) {
		t.Errorf("round trip changed samples:\n%s\n%s", a, b)
	}
}
