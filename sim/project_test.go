package sim

import (
	"errors"
	"math"
	"strings"
	"testing"
	"time"
)

// resolve returns the deployment of c or fails the test.
func resolve(t *testing.T, c Config) Deployment {
	t.Helper()
	d, err := c.Resolve()
	if err != nil {
		t.Fatal(err)
	}
	return d
}

func relEqual(a, b, tol float64) bool { return math.Abs(a-b) <= tol*math.Max(math.Abs(a), math.Abs(b)) }

// stepTime repeats the roofline's formulas to split them; it must add up to
// what the scheduler's stepDuration charges, term for term, for every kind
// of step, or projections would not be the engine's model.
func TestStepTimeAddsUp(t *testing.T) {
	mixed := stepLoad{}
	mixed.addWork(700, 0, false)
	for range 20 {
		mixed.addWork(1, 900, true)
	}
	extra := Config{Timing: Timing{PrefillPerToken: 3 * time.Microsecond, PerKContext: 2 * time.Microsecond}}
	tests := []struct {
		name string
		cfg  Config
		load func(d Deployment) stepLoad
	}{
		{"8B H100 decode", Config{}, func(d Deployment) stepLoad { return d.decodeLoad(16, 576) }},
		{"8B H100 one prompt", Config{}, func(d Deployment) stepLoad {
			l := stepLoad{}
			l.addWork(8192, 0, false)
			return l
		}},
		{"8B H100 mixed, extra overheads", extra, func(Deployment) stepLoad { return mixed }},
		{"70B fp8 H100 TP2", Config{Model: "llama-3.3-70b", Precision: FP8, TP: 2}, func(d Deployment) stepLoad { return d.decodeLoad(64, 2000) }},
		{"8B speculative K=4", Config{Spec: Spec{Tokens: 4, Acceptance: 0.7}}, func(d Deployment) stepLoad { return d.decodeLoad(32, 1000) }},
		{"gpt-oss-120b fp4 B200", Config{Model: "gpt-oss-120b", GPU: "B200", Precision: FP4}, func(d Deployment) stepLoad { return d.decodeLoad(128, 3000) }},
		{"deepseek-v3 fp8 8 x H200", Config{Model: "deepseek-v3", GPU: "H200", Precision: FP8, TP: 8}, func(Deployment) stepLoad { return mixed }},
		{"8B L40S TP2 over PCIe", Config{GPU: "L40S", TP: 2}, func(d Deployment) stepLoad { return d.decodeLoad(8, 300) }},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			d := resolve(t, tt.cfg)
			l := tt.load(d)
			st := d.stepTime(l)
			want := d.stepDuration(l).Seconds() // whole nanoseconds
			if math.Abs(st.Seconds-want) > 1e-9 {
				t.Errorf("stepTime %.12f s, stepDuration %.12f s", st.Seconds, want)
			}
			if byKernel := st.ComputeBoundSeconds + st.BandwidthBoundSeconds + st.OtherSeconds; !relEqual(byKernel, st.Seconds, 1e-12) {
				t.Errorf("kernel shares add up to %v s, not %v", byKernel, st.Seconds)
			}
			if byResource := st.ComputeSeconds + st.BandwidthSeconds + st.InterconnectSeconds + st.OverheadSeconds; !relEqual(byResource, st.Seconds, 1e-12) {
				t.Errorf("resource shares add up to %v s, not %v", byResource, st.Seconds)
			}
			if st.GEMMBound == "" || st.AttentionBound == "" || st.Steps != 1 {
				t.Errorf("bounds %q %q, steps %d", st.GEMMBound, st.AttentionBound, st.Steps)
			}
		})
	}
}

func TestPrefillTimeChunksAndCache(t *testing.T) {
	d := resolve(t, Config{})
	// 16 prompts of 1000 tokens: 16000 tokens in steps of 8192.
	if st := d.prefillTime(16, 1000, 0); st.Steps != 2 {
		t.Errorf("16 x 1000 tokens in %d steps, want 2", st.Steps)
	}
	if st := d.prefillTime(1, 20000, 0); st.Steps != 3 {
		t.Errorf("one prompt of 20000 tokens in %d steps, want 3 chunks", st.Steps)
	}
	whole, cached := d.prefillTime(4, 4000, 0), d.prefillTime(4, 4000, 3000)
	if !(cached.Seconds < whole.Seconds/2) {
		t.Errorf("prefill with 3000 of 4000 tokens cached takes %v s, uncached %v s", cached.Seconds, whole.Seconds)
	}
	if all := d.prefillTime(1, 100, 100); all.Steps != 1 || all.Seconds <= 0 {
		t.Errorf("a fully cached prompt still computes one token: %+v", all)
	}
}

// measured is an operating point like a short closed-loop run of 16
// clients on the default H100 deployment.
var measured = OperatingPoint{InputTokens: 512, OutputTokens: 128, Concurrency: 16,
	OutputTokensPerS: 1815.15, TPOTP50MS: 6.72, TTFTP50MS: 274.2}

func TestProjectOntoItself(t *testing.T) {
	tests := []struct {
		name string
		cfg  Config
		op   OperatingPoint
	}{
		{"default H100", Config{}, measured},
		{"70B fp8 TP4 on H200, cached prompts", Config{Model: "llama-3.3-70b", GPU: "H200", Precision: FP8, TP: 4},
			OperatingPoint{InputTokens: 3000, CachedInputTokens: 1000, OutputTokens: 300, Concurrency: 70.4, OutputTokensPerS: 5000, TPOTP50MS: 20, TTFTP50MS: 400}},
		{"speculative, fp4 MoE on B200", Config{Model: "gpt-oss-120b", GPU: "B200", Precision: FP4, Spec: Spec{Tokens: 3, Acceptance: 0.6}},
			OperatingPoint{InputTokens: 1000, OutputTokens: 1000, Concurrency: 200, OutputTokensPerS: 20000}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			p, err := Project(tt.cfg, tt.cfg, tt.op)
			if err != nil {
				t.Fatal(err)
			}
			if p.ThroughputRatio != 1 || p.TPOTRatio != 1 || p.TTFTRatio != 1 {
				t.Errorf("ratios %v %v %v, want exactly 1", p.ThroughputRatio, p.TPOTRatio, p.TTFTRatio)
			}
			if p.OutputTokensPerS != tt.op.OutputTokensPerS || p.TPOTP50MS != tt.op.TPOTP50MS || p.TTFTP50MS != tt.op.TTFTP50MS {
				t.Errorf("projected %v %v %v, want the measured %+v", p.OutputTokensPerS, p.TPOTP50MS, p.TTFTP50MS, tt.op)
			}
		})
	}
}

// amdahl is the time ratio of work split into resource seconds when its
// FLOPS grow by flops and its bandwidth by bw, nothing else changing and no
// kernel changing bound: what the roofline reduces to between two GPUs with
// the same scale-up link and TP.
func amdahl(s StepTime, flops, bw float64) float64 {
	return (s.ComputeSeconds/flops + s.BandwidthSeconds/bw + s.InterconnectSeconds + s.OverheadSeconds) / s.Seconds
}

// Decode of an 8B model at batch 32 is bandwidth-bound: H100 to H200 (same
// FLOPS, 4.8 / 3.35 = 1.433x the bandwidth) speeds it up by the Amdahl
// ratio of its bandwidth seconds, which is below 1.433 by the share of the
// fixed step overheads (1 ms step base, 4 µs per sequence) and the compute
// that does not hide under the weight reads: about 1.31 here.
func TestProjectDecodeHeavyScalesWithBandwidth(t *testing.T) {
	op := OperatingPoint{InputTokens: 128, OutputTokens: 2048, Concurrency: 32, OutputTokensPerS: 3800, TPOTP50MS: 8.3, TTFTP50MS: 140}
	p, err := Project(Config{GPU: "H100"}, Config{GPU: "H200"}, op)
	if err != nil {
		t.Fatal(err)
	}
	bw := 4.8 / 3.35
	src := p.From
	if s := src.Decode.BandwidthBoundShare(); s < 0.8 {
		t.Errorf("decode step %.1f%% bandwidth-bound on H100, want most of it", 100*s)
	}
	if src.Decode.GEMMBound != BandwidthBound || p.To.Decode.GEMMBound != BandwidthBound {
		t.Errorf("decode GEMMs bound by %s on H100 and %s on H200, want bandwidth", src.Decode.GEMMBound, p.To.Decode.GEMMBound)
	}
	if want := amdahl(src.Decode, 1, bw); !relEqual(p.TPOTRatio, want, 1e-9) {
		t.Errorf("TPOT ratio %v, want the Amdahl ratio %v of the H100 decode step", p.TPOTRatio, want)
	}
	lower := 1 / amdahl(src.Cycle, 1, bw)
	if !relEqual(p.ThroughputRatio, lower, 1e-9) {
		t.Errorf("throughput ratio %v, want the Amdahl speed-up %v of the cycle", p.ThroughputRatio, lower)
	}
	if p.ThroughputRatio < 1.25 || p.ThroughputRatio > bw {
		t.Errorf("throughput ratio %.4f outside [1.25, %.4f]", p.ThroughputRatio, bw)
	}
	t.Logf("H100 -> H200 decode-heavy: throughput x%.4f (bandwidth x%.4f), TPOT x%.4f, cycle %.1f%% bandwidth seconds",
		p.ThroughputRatio, bw, p.TPOTRatio, 100*src.Cycle.BandwidthSeconds/src.Cycle.Seconds)
	if got, want := p.OutputTokensPerS, op.OutputTokensPerS*p.ThroughputRatio; got != want {
		t.Errorf("projected %v tokens/s, want measured x ratio %v", got, want)
	}
}

// Long prompts and two output tokens: the cycle is prefill, compute-bound,
// so A100 to H100 scales near the FLOPS ratio (989 / 312 = 3.17), far from
// the bandwidth ratio (3.35 / 2.039 = 1.64), and H100 to H200 (same FLOPS)
// barely moves.
func TestProjectPrefillHeavyScalesWithFLOPS(t *testing.T) {
	op := OperatingPoint{InputTokens: 8000, OutputTokens: 2, Concurrency: 4, OutputTokensPerS: 2.1, TPOTP50MS: 12, TTFTP50MS: 3700}
	tests := []struct {
		name, from, to string
		flops, bw      float64
		min, max       float64
	}{
		{"A100 to H100", "A100", "H100", 989.0 / 312, 3.35 / 2.039, 2.9, 989.0 / 312},
		{"H100 to H200", "H100", "H200", 1, 4.8 / 3.35, 1, 1.02},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			p, err := Project(Config{GPU: tt.from}, Config{GPU: tt.to}, op)
			if err != nil {
				t.Fatal(err)
			}
			if s := p.From.Cycle.ComputeBoundShare(); s < 0.95 {
				t.Errorf("cycle %.1f%% compute-bound, want nearly all", 100*s)
			}
			if want := 1 / amdahl(p.From.Cycle, tt.flops, tt.bw); !relEqual(p.ThroughputRatio, want, 1e-9) {
				t.Errorf("throughput ratio %v, want the Amdahl speed-up %v", p.ThroughputRatio, want)
			}
			if want := amdahl(p.From.Prefill, tt.flops, tt.bw); !relEqual(p.TTFTRatio, want, 1e-9) {
				t.Errorf("TTFT ratio %v, want %v", p.TTFTRatio, want)
			}
			if p.ThroughputRatio < tt.min || p.ThroughputRatio > tt.max {
				t.Errorf("throughput ratio %.4f outside [%.4f, %.4f] (FLOPS x%.3f, bandwidth x%.3f)", p.ThroughputRatio, tt.min, tt.max, tt.flops, tt.bw)
			}
			t.Logf("%s prefill-heavy: throughput x%.4f (FLOPS x%.3f, bandwidth x%.3f)", tt.name, p.ThroughputRatio, tt.flops, tt.bw)
		})
	}
}

func TestProjectErrors(t *testing.T) {
	tests := []struct {
		name     string
		from, to Config
		op       OperatingPoint
		want     []string
		side     string
	}{
		{name: "unknown target GPU", to: Config{GPU: "H900"}, op: measured,
			want: []string{`sim: project: target llama-3.1-8b on 1 x H900: unknown GPU "H900" (known: H100`}, side: "target"},
		{name: "unknown source GPU", from: Config{GPU: "TPUv5"}, to: Config{}, op: measured,
			want: []string{"source", `unknown GPU "TPUv5"`}, side: "source"},
		{name: "70B in bf16 does not fit one H100", from: Config{Model: "llama-3.1-70b", GPU: "B200"}, to: Config{Model: "llama-3.1-70b", GPU: "H100"}, op: measured,
			want: []string{"target llama-3.1-70b on 1 x H100: llama-3.1-70b weights in bf16 take 141.1 GB per GPU", "use a larger --tp"}, side: "target"},
		{name: "longer than the context window", op: OperatingPoint{InputTokens: 1e15, OutputTokens: 10, Concurrency: 1, OutputTokensPerS: 5},
			want: []string{"exceeds the context window of llama-3.1-8b (131072 tokens)"}},
		{name: "no concurrency", op: OperatingPoint{InputTokens: 10, OutputTokens: 10, OutputTokensPerS: 5},
			want: []string{"operating point Concurrency 0 is not a measurement"}},
		{name: "NaN throughput and more cached than input", op: OperatingPoint{InputTokens: 10, CachedInputTokens: 11, OutputTokens: 10, Concurrency: 1, OutputTokensPerS: math.NaN()},
			want: []string{"OutputTokensPerS NaN", "CachedInputTokens 11"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := Project(tt.from, tt.to, tt.op)
			if err == nil {
				t.Fatal("no error")
			}
			for _, w := range tt.want {
				if !strings.Contains(err.Error(), w) {
					t.Errorf("error %q, want it to contain %q", err, w)
				}
			}
			var pe *ProjectError
			if got := errors.As(err, &pe); got != (tt.side != "") || got && pe.Side != tt.side {
				t.Errorf("ProjectError %v (%+v), want side %q", got, pe, tt.side)
			}
		})
	}
}

func TestProjectNotes(t *testing.T) {
	tests := []struct {
		name     string
		from, to Config
		op       OperatingPoint
		want     []string
	}{
		{name: "nothing to say", to: Config{GPU: "H200"}, op: measured, want: nil},
		{name: "KV cache of an L4 too small", from: Config{GPU: "H200"}, to: Config{GPU: "L4"},
			op:   OperatingPoint{InputTokens: 1000, OutputTokens: 1000, Concurrency: 32, OutputTokensPerS: 3000},
			want: []string{"KV cache on the target (1 x L4) holds", "that 32 running sequences at full length (2000 tokens) need: the projection assumes no preemption"}},
		{name: "FP4 weights on an H200", from: Config{GPU: "B200", Precision: FP4}, to: Config{GPU: "H200", Precision: FP4}, op: measured,
			want: []string{"target (1 x H200): H200 has no fp4 tensor cores: the model runs the fp4 weights' GEMMs at fp8"}},
		{name: "batch above MaxBatch, scaled clock", from: Config{TimeScale: 0.01}, to: Config{GPU: "H200"},
			op:   OperatingPoint{InputTokens: 100, OutputTokens: 100, Concurrency: 300, OutputTokensPerS: 9000},
			want: []string{"source (1 x H100): the measured concurrency 300.0 exceeds MaxBatch 256", "TimeScale 0.01"}},
		// The bf16 ridge of the decode GEMMs: 989 TFLOPS x MFU 0.5 over
		// 3.35 TB/s x MBU 0.9 is 164 tokens on an H100, 114 on an H200.
		{name: "decode GEMMs turn compute-bound", to: Config{GPU: "H200"},
			op:   OperatingPoint{InputTokens: 100, OutputTokens: 100, Concurrency: 140, OutputTokensPerS: 9000},
			want: []string{"decode GEMMs are bandwidth-bound on the source (H100) but compute-bound on the target (H200)"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			p, err := Project(tt.from, tt.to, tt.op)
			if err != nil {
				t.Fatal(err)
			}
			all := strings.Join(p.Notes, "\n")
			if tt.want == nil && len(p.Notes) > 0 {
				t.Errorf("notes %q, want none", all)
			}
			for _, w := range tt.want {
				if !strings.Contains(all, w) {
					t.Errorf("notes %q, want one to contain %q", all, w)
				}
			}
		})
	}
}
