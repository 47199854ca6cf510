package sim

import (
	"math"
	"strings"
	"testing"
	"time"
)

func TestLookupProfiles(t *testing.T) {
	gpusTests := []struct{ in, want string }{
		{"H100", "H100"}, {"h100", "H100"}, {"H100 SXM", "H100"}, {"h100-sxm", "H100"},
		{"a100-80gb", "A100"}, {"mi300x", "MI300X"}, {"GB200", "GB200"}, {"l40s", "L40S"},
	}
	for _, tt := range gpusTests {
		if g, err := LookupGPU(tt.in); err != nil || g.Name != tt.want {
			t.Errorf("LookupGPU(%q) = %q, %v; want %q", tt.in, g.Name, err, tt.want)
		}
	}
	modelTests := []struct{ in, want string }{
		{"llama-3.1-8b", "llama-3.1-8b"}, {"Llama-3.1-8B", "llama-3.1-8b"}, {"meta-llama/Llama-3.1-8B-Instruct", "llama-3.1-8b"},
		{"QWEN-2.5-7B", "qwen-2.5-7b"}, {"Qwen/Qwen2.5-32B-Instruct", "qwen-2.5-32b"}, {"openai/gpt-oss-120b", "gpt-oss-120b"},
		{"DeepSeek-V3", "deepseek-v3"}, {"llama-3.3-70b", "llama-3.3-70b"},
	}
	for _, tt := range modelTests {
		if m, err := LookupModel(tt.in); err != nil || m.Name != tt.want {
			t.Errorf("LookupModel(%q) = %q, %v; want %q", tt.in, m.Name, err, tt.want)
		}
	}
	if _, err := LookupGPU("TPU"); err == nil || !strings.Contains(err.Error(), "H100") {
		t.Errorf("unknown GPU: %v, want an error listing the known ones", err)
	}
	if _, err := LookupModel("gpt-5"); err == nil || !strings.Contains(err.Error(), "llama-3.1-8b") {
		t.Errorf("unknown model: %v, want an error listing the known ones", err)
	}
	for _, p := range []string{"bf16", "FP16", "fp8", "E4M3", "nvfp4"} {
		if _, err := ParsePrecision(p); err != nil {
			t.Errorf("ParsePrecision(%q): %v", p, err)
		}
	}
	if _, err := ParsePrecision("int4"); err == nil {
		t.Error("ParsePrecision(int4): no error")
	}
}

// TestModelArithmetic checks the profiles' derived figures against the
// published sizes.
func TestModelArithmetic(t *testing.T) {
	tests := []struct {
		model       string
		p           Precision
		wantWeights float64 // GB
		wantKV      float64 // KiB per token at bf16, TP 1
	}{
		{"llama-3.1-8b", BF16, 16.1, 128},
		{"llama-3.1-8b", FP8, 9.1, 128},   // 16 GB checkpoint, embeddings stay bf16
		{"llama-3.1-70b", FP8, 71.6, 320}, // 80 layers x 8 heads x 128 x 2 x 2 bytes
		{"qwen-2.5-7b", BF16, 15.2, 56},
		{"qwen-2.5-32b", BF16, 65.5, 256},
		{"gpt-oss-120b", FP4, 66.7, 72},
		{"deepseek-v3", FP8, 672, 68.625}, // MLA: 61 x 576 x 2 bytes
	}
	for _, tt := range tests {
		m, err := LookupModel(tt.model)
		if err != nil {
			t.Fatal(err)
		}
		if got := m.weightBytes(tt.p) / 1e9; math.Abs(got-tt.wantWeights) > 0.02*tt.wantWeights {
			t.Errorf("%s %s: weights %.1f GB, want %.1f", tt.model, tt.p, got, tt.wantWeights)
		}
		if got := float64(m.Layers*m.KVElemsPerHead*m.KVHeads) * 2 / 1024; got != tt.wantKV {
			t.Errorf("%s: KV %.3f KiB per token, want %.3f", tt.model, got, tt.wantKV)
		}
	}
	// MoE: one token reads a few experts, a large batch all of them.
	m, _ := LookupModel("gpt-oss-120b")
	one, many, all := m.readBytes(FP4, 1), m.readBytes(FP4, 4096), m.weightBytes(FP4)
	if one > 0.15*all || many < 0.95*all || many > all {
		t.Errorf("gpt-oss reads %.1f GB for 1 token, %.1f GB for 4096, of %.1f GB", one/1e9, many/1e9, all/1e9)
	}
}

func TestResolve(t *testing.T) {
	tests := []struct {
		name    string
		edit    func(*Config)
		wantKV  int    // tokens; 0 skips the check
		wantCtx int    // 0 skips
		wantErr string // "" for a valid deployment
	}{
		// (80 GB x 0.9 - 16.1 GB) / 128 KiB
		{"defaults", func(*Config) {}, 426784, 131072, ""},
		{"8B fp8 with an fp8 cache", func(c *Config) { c.Precision = FP8 }, 960064, 131072, ""},
		{"BF16 in capitals keeps a bf16 cache", func(c *Config) { c.Precision = "BF16" }, 426784, 0, ""},
		{"8B fp8 with a bf16 cache", func(c *Config) { c.Precision, c.KVPrecision = FP8, BF16 }, 480032, 0, ""},
		{"70B bf16 needs two H100s", func(c *Config) { c.Model = "llama-3.1-70b" }, 0, 0, "larger --tp"},
		{"70B bf16 on two H100s: a tiny cache", func(c *Config) { c.Model, c.TP = "llama-3.1-70b", 2 }, 8848, 8848, ""},
		{"Qwen context is 32k", func(c *Config) { c.Model = "qwen-2.5-7b" }, 0, 32768, ""},
		{"A100 runs fp8 weights at bf16", func(c *Config) { c.GPU, c.Precision = "A100", FP8 }, 0, 0, ""},
		{"explicit KV and context", func(c *Config) { c.KVCapacityTokens, c.MaxModelLen = 5000, 4000 }, 5000, 4000, ""},
		{"context over the cache", func(c *Config) { c.KVCapacityTokens, c.MaxModelLen = 5000, 6000 }, 0, 0, "cannot hold one sequence"},
		{"unknown GPU", func(c *Config) { c.GPU = "Z80" }, 0, 0, `unknown GPU "Z80"`},
		{"bad precision", func(c *Config) { c.Precision = "int3" }, 0, 0, "unknown precision"},
		{"fp4 cache", func(c *Config) { c.KVPrecision = FP4 }, 0, 0, "KVPrecision"},
		{"tp 0 is 1", func(c *Config) { c.TP = 0 }, 426784, 0, ""},
		{"negative tp", func(c *Config) { c.TP = -2 }, 0, 0, "TP -2"},
		{"utilisation over 1", func(c *Config) { c.GPUMemoryUtilization = 1.5 }, 0, 0, "GPUMemoryUtilization"},
		{"budget below batch", func(c *Config) { c.TokenBudget = 100 }, 0, 0, "TokenBudget 100 is less than MaxBatch 256"},
		{"budget below batch x drafts", func(c *Config) { c.TokenBudget, c.Spec.Tokens = 1000, 4 }, 0, 0, "(1 + Spec.Tokens 4)"},
		{"acceptance over 1", func(c *Config) { c.Spec = Spec{Tokens: 2, Acceptance: 1.2} }, 0, 0, "Spec.Acceptance"},
		{"negative batch", func(c *Config) { c.MaxBatch = -1 }, 0, 0, "MaxBatch -1"},
		{"MFU over 1", func(c *Config) { c.Timing.MFU = 2 }, 0, 0, "Timing MFU 2"},
		{"negative timing", func(c *Config) { c.Timing.DecodePerSeq = -time.Microsecond }, 0, 0, "negative duration"},
		{"bad faults", func(c *Config) { c.Faults = Faults{Reset: 0.7, Stall: 0.7} }, 0, 0, "add up to 1.4"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			cfg := DefaultConfig()
			tt.edit(&cfg)
			d, err := cfg.Resolve()
			if tt.wantErr != "" {
				if err == nil || !strings.Contains(err.Error(), tt.wantErr) || !strings.HasPrefix(err.Error(), "sim: ") {
					t.Fatalf("err = %v, want one containing %q", err, tt.wantErr)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if tt.wantKV != 0 && d.Config.KVCapacityTokens != tt.wantKV {
				t.Errorf("KV cache %d tokens, want %d (%v)", d.Config.KVCapacityTokens, tt.wantKV, d)
			}
			if tt.wantCtx != 0 && d.Config.MaxModelLen != tt.wantCtx {
				t.Errorf("context %d, want %d", d.Config.MaxModelLen, tt.wantCtx)
			}
		})
	}
	if e, err := New(Config{}); err != nil || e.Deployment().ServedModel != DefaultModel {
		t.Errorf("New(Config{}) = %v; want the defaults serving %s", err, DefaultModel)
	} else {
		e.Close()
	}
}

// TestRoofline checks step times against the roofline worked by hand for
// Llama-3.1-8B in BF16 on one H100 with the default timing.
func TestRoofline(t *testing.T) {
	d, err := DefaultConfig().Resolve()
	if err != nil {
		t.Fatal(err)
	}
	m := d.Model
	const (
		flops = 989e12 * DefaultMFU  // BF16
		bw    = 3.35e12 * DefaultMBU // bytes/s
		ov    = DefaultOverlap
	)
	bound := func(c, mem float64) float64 { return max(c, mem) + (1-ov)*min(c, mem) }
	weights := m.weightBytes(BF16) - float64(m.Vocab*m.Hidden)*2 // all but the embedding gather
	kvToken := 128.0 * 1024
	attnPair := 4.0 * 32 * 128 * 32
	overhead := func(seqs int) float64 { return DefaultStepBase.Seconds() + float64(seqs)*DefaultDecodePerSeq.Seconds() }
	tests := []struct {
		name                     string
		prefill, decode, context int
		want                     float64 // seconds
	}{
		{"one decode at 1000 tokens", 0, 1, 1000,
			overhead(1) + bound(2*m.ActiveParams/flops, weights/bw) + bound(attnPair*1000/flops, 1000*kvToken/bw)},
		{"256 decodes at 2000 tokens", 0, 256, 256 * 2000,
			overhead(256) + bound(2*m.ActiveParams*256/flops, weights/bw) + bound(attnPair*256*2000/flops, 256*2000*kvToken/bw)},
		{"prefill of 8192", 8192, 0, 8192,
			overhead(1) + bound(2*m.ActiveParams*8192/flops, weights/bw) + bound(attnPair*8192*8193/2/flops, 8192*kvToken/bw)},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got := d.StepDuration(tt.prefill, tt.decode, tt.context).Seconds()
			if math.Abs(got-tt.want) > 1e-6 {
				t.Errorf("StepDuration = %.6fs, want %.6fs", got, tt.want)
			}
			t.Logf("%.3f ms", got*1000)
		})
	}
	// Decode is memory-bound, prefill compute-bound.
	if dec, pre := d.StepDuration(0, 1, 1000), d.StepDuration(8192, 0, 8192); dec > 10*time.Millisecond || pre < 200*time.Millisecond {
		t.Errorf("decode step %v, prefill step %v", dec, pre)
	}
	// Tensor parallelism splits the work: 70B on two GPUs against one
	// (with FP8 weights so that it fits).
	cfg := DefaultConfig()
	cfg.Model, cfg.Precision, cfg.GPU = "llama-3.1-70b", FP8, "H200"
	one, _ := cfg.Resolve()
	cfg.TP = 2
	two, _ := cfg.Resolve()
	r := float64(one.StepDuration(0, 64, 64*2000)) / float64(two.StepDuration(0, 64, 64*2000))
	if r < 1.6 || r > 2 {
		t.Errorf("TP 2 speeds a decode step up %.2fx, want 1.6-2x (all-reduces and overheads do not split)", r)
	}
}
