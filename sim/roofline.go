package sim

import (
	"errors"
	"fmt"
	"time"
)

// Timing holds the parameters of the roofline step-time model: how close to
// the datasheet the kernels run, and the overheads the roofline does not see.
// Zero fields take the defaults of DefaultTiming.
type Timing struct {
	// MFU is the share of peak tensor FLOPS that matrix multiplies and
	// attention reach when compute-bound (model FLOPS utilisation).
	MFU float64
	// MBU is the share of HBM bandwidth that weight and KV reads reach when
	// memory-bound (memory bandwidth utilisation).
	MBU float64
	// Overlap is the share of the shorter of a kernel's compute and memory
	// times that hides under the longer: 1 is the ideal roofline; near 0
	// (zero itself means the default) the two add up. Near the ridge point
	// real kernels reach neither peak.
	Overlap float64
	// FP4Efficiency is the share of the FP4 datasheet peak that FP4 GEMMs
	// reach relative to FP8 ones (MFU applies on top).
	FP4Efficiency float64
	// StepBase is a fixed cost of every step: kernel launches, scheduling,
	// input preparation.
	StepBase time.Duration
	// DecodePerSeq is added for each sequence in the step: sampling,
	// detokenisation, streaming.
	DecodePerSeq time.Duration
	// PrefillPerToken is added for each prompt token computed (tokenisation,
	// input preparation); zero by default.
	PrefillPerToken time.Duration
	// PerKContext is added per 1000 tokens of KV cache read, beyond what the
	// roofline charges (paged-attention gathers); zero by default.
	PerKContext time.Duration
}

// Calibrated defaults: with them the offline throughput of every
// TensorRT-LLM row of gpu-reference.md lands within 20% (calibration_test.go
// and the package doc give the table).
const (
	DefaultMFU           = 0.50
	DefaultMBU           = 0.90
	DefaultOverlap       = 0.50
	DefaultFP4Efficiency = 0.75
	DefaultStepBase      = 1 * time.Millisecond
	DefaultDecodePerSeq  = 4 * time.Microsecond
)

// DefaultTiming returns the calibrated parameters.
func DefaultTiming() Timing {
	return Timing{MFU: DefaultMFU, MBU: DefaultMBU, Overlap: DefaultOverlap, FP4Efficiency: DefaultFP4Efficiency,
		StepBase: DefaultStepBase, DecodePerSeq: DefaultDecodePerSeq}
}

func (t Timing) withDefaults() Timing {
	d := DefaultTiming()
	if t.MFU == 0 {
		t.MFU = d.MFU
	}
	if t.MBU == 0 {
		t.MBU = d.MBU
	}
	if t.Overlap == 0 {
		t.Overlap = d.Overlap
	}
	if t.FP4Efficiency == 0 {
		t.FP4Efficiency = d.FP4Efficiency
	}
	if t.StepBase == 0 {
		t.StepBase = d.StepBase
	}
	if t.DecodePerSeq == 0 {
		t.DecodePerSeq = d.DecodePerSeq
	}
	return t
}

func (t Timing) validate() error {
	var errs []error
	for _, f := range []struct {
		name string
		v    float64
	}{{"MFU", t.MFU}, {"MBU", t.MBU}, {"Overlap", t.Overlap}, {"FP4Efficiency", t.FP4Efficiency}} {
		if !(f.v > 0 && f.v <= 1) {
			errs = append(errs, fmt.Errorf("sim: Timing %s %v: want a share in (0, 1]", f.name, f.v))
		}
	}
	if t.StepBase < 0 || t.DecodePerSeq < 0 || t.PrefillPerToken < 0 || t.PerKContext < 0 {
		errs = append(errs, fmt.Errorf("sim: Timing has a negative duration: %+v", t))
	}
	return errors.Join(errs...)
}

// stepLoad is the work of one step, as the roofline counts it.
type stepLoad struct {
	tokens     int     // through the GEMMs: prefill chunks, decode inputs and drafts verified
	prefill    int     // prompt (or recomputed) tokens among them
	seqs       int     // sequences in the step
	decoders   int     // sequences verifying or decoding
	attnPairs  float64 // query token x context token pairs of attention
	kvTokens   int     // KV cache tokens read or written by attention
	decodeKV   int     // the decoders' share of kvTokens, for the draft model
	specTokens int     // draft length K
}

// stepDuration is the roofline time of one step: for the weight GEMMs and
// for attention, each the larger of its compute time and its memory time
// (a kernel is bound by one or the other), plus the tensor-parallel
// all-reduces, the draft model and the overheads. Prefill and decode in one
// step share the weight reads, which is why mixed batches pay off.
func (d Deployment) stepDuration(l stepLoad) time.Duration {
	c := d.Config
	t := c.Timing
	if f := d.Model.windowShare(l.kvTokens, l.seqs); f < 1 {
		l.attnPairs *= f
		l.kvTokens = int(float64(l.kvTokens) * f)
	}
	sec := d.forward(l.tokens, l.attnPairs, l.kvTokens)
	if l.specTokens > 0 && l.decoders > 0 {
		// K sequential draft passes over the decoding sequences.
		sec += float64(l.specTokens) * c.Spec.DraftCost * d.forward(l.decoders, float64(l.decodeKV), l.decodeKV)
	}
	over := t.StepBase + time.Duration(l.seqs)*t.DecodePerSeq + time.Duration(l.prefill)*t.PrefillPerToken +
		time.Duration(l.kvTokens)*t.PerKContext/1000
	return c.scale(sec + over.Seconds())
}

// forward is the seconds one forward pass of the target model takes over
// tokens tokens with the given attention work.
func (d Deployment) forward(tokens int, attnPairs float64, kvTokens int) float64 {
	c := d.Config
	m, g := d.Model, d.GPU
	tp := float64(c.TP)
	flops := func(p Precision) float64 {
		f := g.TFLOPS[p] * 1e12 * tp * c.Timing.MFU
		if p == FP4 {
			f *= c.Timing.FP4Efficiency
		}
		return f
	}
	bound := func(compute, memory float64) float64 {
		return max(compute, memory) + (1-c.Timing.Overlap)*min(compute, memory)
	}
	bandwidth := g.BandwidthTBs * 1e12 * c.Timing.MBU // per rank

	gemmCompute := 2 * m.ActiveParams * float64(tokens) / flops(d.Compute)
	gemmMemory := m.readBytes(c.Precision, tokens) / tp / bandwidth
	// Attention runs at BF16 rates whatever the weights, as FlashAttention
	// kernels do for a BF16 or FP8 cache.
	attnCompute := m.AttnFLOPsPerPair * float64(m.Layers) * attnPairs / flops(BF16)
	attnMemory := float64(kvTokens) * d.KVBytesPerToken / bandwidth
	sec := bound(gemmCompute, gemmMemory) + bound(attnCompute, attnMemory)
	if c.TP > 1 {
		// Two ring all-reduces of the BF16 activations per layer.
		link := g.ScaleUpGBs
		if link == 0 {
			link = pcieGBs
		}
		bytes := 2 * float64(m.Layers) * float64(tokens) * float64(m.Hidden) * 2 * 2 * (tp - 1) / tp
		sec += bytes / (link * 1e9)
	}
	return sec
}
