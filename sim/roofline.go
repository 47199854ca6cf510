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
	// AttentionMBU is the share of HBM bandwidth attention's KV-cache reads
	// reach (paged gathers run below weight streaming); zero means MBU.
	AttentionMBU float64 `json:",omitempty"`
	// MoEEfficiency is the share of MFU that routed-expert GEMMs reach
	// (grouped GEMMs over few tokens per expert run below dense ones); zero
	// means 1.
	MoEEfficiency float64 `json:",omitempty"`
	// AllReduceLatency is the fixed cost of each tensor-parallel all-reduce
	// (two per layer), beside the bytes it moves: launch and
	// synchronisation, which dominate the small all-reduces of decode.
	AllReduceLatency time.Duration `json:",omitempty"`
	// FrontendOverhead is the time from a request's arrival to its entry in
	// the scheduler's queue: the API server's HTTP handling and
	// tokenisation. Both clocks apply it, scaled by TimeScale like the
	// steps; on the real clock it comes on top of the loopback HTTP time a
	// client really pays. Zero by default.
	FrontendOverhead time.Duration `json:",omitempty"`
	// OutputLag is how long, in steps, a token takes from the end of the
	// step that computed it to the client, as a multiple of that step's
	// duration: vLLM's engine core hands a step's outputs to the API
	// server, which detokenises and streams them while the next step runs.
	// A stream's tokens never overtake its earlier ones. It adds to TTFT
	// and E2E, not to the gaps between tokens. Both clocks apply it (Replay,
	// VirtualEngine, and the real-time engine's driver). Zero by default.
	OutputLag float64 `json:",omitempty"`
	// AsyncScheduling is vLLM's asynchronous scheduling: the scheduler
	// plans step k+1 while step k runs, so a request that arrives during
	// step k joins step k+2 at the earliest (one more step of TTFT); an
	// idle engine schedules an arrival at once. Both clocks apply it.
	AsyncScheduling bool `json:",omitempty"`
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
	if t.MoEEfficiency == 0 {
		t.MoEEfficiency = 1
	}
	if t.AttentionMBU == 0 {
		t.AttentionMBU = t.MBU
	}
	return t
}

func (t Timing) validate() error {
	var errs []error
	for _, f := range []struct {
		name string
		v    float64
	}{{"MFU", t.MFU}, {"MBU", t.MBU}, {"Overlap", t.Overlap}, {"FP4Efficiency", t.FP4Efficiency}, {"MoEEfficiency", t.MoEEfficiency}, {"AttentionMBU", t.AttentionMBU}} {
		if !(f.v > 0 && f.v <= 1) {
			errs = append(errs, fmt.Errorf("sim: Timing %s %v: want a share in (0, 1]", f.name, f.v))
		}
	}
	if !(t.OutputLag >= 0 && t.OutputLag <= 100) {
		errs = append(errs, fmt.Errorf("sim: Timing OutputLag %v: want 0 to 100 steps", t.OutputLag))
	}
	if t.StepBase < 0 || t.DecodePerSeq < 0 || t.PrefillPerToken < 0 || t.PerKContext < 0 || t.FrontendOverhead < 0 || t.AllReduceLatency < 0 {
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
// step share the weight reads, which is why mixed batches pay off. The
// formulas are those of stepTime (project_roofline.go), which splits the
// same seconds into their parts.
func (d Deployment) stepDuration(l stepLoad) time.Duration {
	return d.Config.scale(d.stepTime(l).Seconds)
}
