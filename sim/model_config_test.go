package sim

import (
	"math"
	"os"
	"path/filepath"
	"testing"
)

// TestShippedConfigsMatchProfiles checks that each built-in profile is the
// architecture its shipped config.json describes: the profile names the
// config.
func TestShippedConfigsMatchProfiles(t *testing.T) {
	for _, p := range models {
		t.Run(p.Name, func(t *testing.T) {
			m, _, ok := lookupShipped(p.Name)
			if !ok {
				t.Fatalf("no shipped config for profile %s", p.Name)
			}
			if m.Layers != p.Layers || m.Hidden != p.Hidden || m.Heads != p.Heads || m.KVHeads != p.KVHeads ||
				m.Vocab != p.Vocab || m.KVElemsPerHead != p.KVElemsPerHead || m.Experts != p.Experts || m.ExpertsPerToken != p.ExpertsPerToken {
				t.Errorf("shape differs:\nconfig  %+v\nprofile %+v", m, p)
			}
			if m.AttnFLOPsPerPair != p.AttnFLOPsPerPair {
				t.Errorf("attention FLOPs per pair %v, profile %v", m.AttnFLOPsPerPair, p.AttnFLOPsPerPair)
			}
			if rel(m.Params, p.Params) > 0.01 {
				t.Errorf("params %.4g, profile %.4g", m.Params, p.Params)
			}
			if rel(m.ExpertParams, p.ExpertParams) > 0.01 {
				t.Errorf("expert params %.4g, profile %.4g", m.ExpertParams, p.ExpertParams)
			}
			// Published active counts leave out the input embedding (a
			// gather); ours keep it, as the dense profiles do.
			if rel(m.ActiveParams, p.ActiveParams) > 0.12 {
				t.Errorf("active params %.4g, profile %.4g", m.ActiveParams, p.ActiveParams)
			}
		})
	}
}

// TestParseModelConfigParams checks total and active parameter counts
// against the figures the model cards publish.
func TestParseModelConfigParams(t *testing.T) {
	for _, tc := range []struct {
		name           string
		params, active float64 // billions; active 0: dense
		experts        int
		prec           Precision
		window, wl     int
	}{
		{"llama-2-7b", 6.74, 0, 0, BF16, 0, 0},
		{"llama-2-13b", 13.0, 0, 0, BF16, 0, 0},
		{"llama-2-70b", 69.0, 0, 0, BF16, 0, 0},
		{"codellama-34b", 33.7, 0, 0, BF16, 0, 0},
		{"mistral-7b", 7.24, 0, 0, BF16, 4096, 32},
		{"mistral-nemo-12b", 12.25, 0, 0, BF16, 0, 0},
		{"mixtral-8x7b", 46.7, 12.9, 8, BF16, 0, 0},
		{"mixtral-8x22b", 141, 39, 8, BF16, 0, 0},
		{"qwen-2.5-72b", 72.7, 0, 0, BF16, 0, 0},
		{"qwen3-8b", 8.19, 0, 0, BF16, 0, 0},
		{"qwen3-30b-a3b", 30.5, 3.3, 128, BF16, 0, 0},
		{"llama-4-scout-17b-16e", 109, 17, 16, BF16, 0, 0},
		{"gpt-oss-20b", 20.9, 4.2, 32, FP4, 128, 12},
		{"gpt-oss-120b", 116.8, 5.7, 128, FP4, 128, 18},
		{"deepseek-v3", 671, 37, 256, FP8, 0, 0},
	} {
		t.Run(tc.name, func(t *testing.T) {
			m, p, ok := lookupShipped(tc.name)
			if !ok {
				t.Fatalf("no shipped config %s", tc.name)
			}
			if got := m.Params / 1e9; rel(got, tc.params) > 0.03 {
				t.Errorf("params %.2fB, published %.2fB", got, tc.params)
			}
			active := tc.active
			if active == 0 {
				active = tc.params
			}
			if got := m.ActiveParams / 1e9; rel(got, active) > 0.10 {
				t.Errorf("active params %.2fB, published %.2fB", got, active)
			}
			if m.Experts != tc.experts {
				t.Errorf("experts %d, want %d", m.Experts, tc.experts)
			}
			if p != tc.prec {
				t.Errorf("precision %s, want %s", p, tc.prec)
			}
			if m.SlidingWindow != tc.window || m.SlidingLayers != tc.wl {
				t.Errorf("sliding window %d on %d layers, want %d on %d", m.SlidingWindow, m.SlidingLayers, tc.window, tc.wl)
			}
		})
	}
}

func TestLookupModelAliases(t *testing.T) {
	for in, want := range map[string]string{
		"RedHatAI/Llama-4-Scout-17B-16E-Instruct-FP8-dynamic": "llama-4-scout-17b-16e",
		"mistralai/Mixtral-8x7B-v0.1":                         "mixtral-8x7b",
		"meta-llama/Llama-2-70b-hf":                           "llama-2-70b",
		"codellama/CodeLlama-34b-Instruct-hf":                 "codellama-34b",
		"Qwen/Qwen2.5-7B-Instruct":                            "qwen-2.5-7b",
		"mistralai/Mistral-Nemo-Instruct-2407":                "mistral-nemo-12b",
	} {
		m, err := LookupModel(in)
		if err != nil || m.Name != want {
			t.Errorf("LookupModel(%q) = %q, %v; want %q", in, m.Name, err, want)
		}
	}
}

func TestLoadModelConfigDirAndErrors(t *testing.T) {
	dir := filepath.Join(t.TempDir(), "my-model")
	if err := os.MkdirAll(dir, 0o755); err != nil {
		t.Fatal(err)
	}
	b, _ := shippedConfigs.ReadFile("models/mixtral-8x7b.json")
	if err := os.WriteFile(filepath.Join(dir, "config.json"), b, 0o644); err != nil {
		t.Fatal(err)
	}
	m, _, err := LoadModelConfig(dir, "")
	if err != nil || m.Name != "my-model" || m.Experts != 8 {
		t.Fatalf("LoadModelConfig(dir) = %+v, %v", m, err)
	}
	d, err := Config{ModelSpec: &m, TP: 2}.Resolve()
	if err != nil {
		t.Fatalf("Resolve with a config model: %v", err)
	}
	if d.Model.Name != "my-model" || d.ServedModel != "my-model" {
		t.Errorf("deployment model %q served %q", d.Model.Name, d.ServedModel)
	}
	for _, bad := range []string{`{}`, `{"num_hidden_layers": 2}`, `not json`,
		`{"num_hidden_layers":2,"hidden_size":8,"num_attention_heads":2,"vocab_size":10,"num_local_experts":4,"num_experts_per_tok":9}`} {
		if _, _, err := ParseModelConfig([]byte(bad), "x"); err == nil {
			t.Errorf("ParseModelConfig(%s): want an error", bad)
		}
	}
}

// TestSlidingWindowShortensLongContextSteps: a model whose layers attend
// through a window decodes a long context faster than the same model
// without one, and a short context at the same speed.
func TestSlidingWindowShortensLongContextSteps(t *testing.T) {
	m, _, _ := lookupShipped("mistral-7b")
	full := m
	full.SlidingWindow, full.SlidingLayers = 0, 0
	step := func(spec ModelSpec, ctx int) float64 {
		d, err := Config{ModelSpec: &spec}.Resolve()
		if err != nil {
			t.Fatal(err)
		}
		return d.StepDuration(0, 32, 32*ctx).Seconds()
	}
	if a, b := step(m, 1000), step(full, 1000); a != b {
		t.Errorf("short context: %v with a window, %v without", a, b)
	}
	if a, b := step(m, 30000), step(full, 30000); !(a < b) {
		t.Errorf("long context: %v with a window, want less than %v without", a, b)
	}
}

func FuzzParseModelConfig(f *testing.F) {
	entries, _ := shippedConfigs.ReadDir("models")
	for _, e := range entries {
		b, _ := shippedConfigs.ReadFile("models/" + e.Name())
		f.Add(b)
	}
	f.Add([]byte(`{"text_config":{}}`))
	f.Fuzz(func(t *testing.T, b []byte) {
		m, _, err := ParseModelConfig(b, "fuzz")
		if err != nil {
			return
		}
		if m.Layers <= 0 || m.Hidden <= 0 || m.Heads <= 0 || math.IsNaN(m.Params) {
			t.Fatalf("accepted a config without a shape: %+v", m)
		}
	})
}

func rel(a, b float64) float64 {
	if b == 0 {
		return math.Abs(a)
	}
	return math.Abs(a-b) / math.Abs(b)
}
