package sim

import (
	"math"
	"time"
)

// Bound names the resource a kernel waits on in the roofline.
type Bound string

// The two bounds of a roofline kernel.
const (
	ComputeBound   Bound = "compute"
	BandwidthBound Bound = "bandwidth"
)

// StepTime is the modelled duration of some GPU work (one step or several),
// at TimeScale 1, split two ways. By kernel: the time of the kernels bound
// by compute, of those bound by memory bandwidth, and the rest (the
// tensor-parallel all-reduces and the fixed overheads), which add up to
// Seconds. By resource: the seconds each resource holds the critical path,
// which add up to Seconds as well and say what a faster part would buy
// (Amdahl's law): a memory-bound kernel's bytes are bandwidth seconds, and
// the share of its FLOPs that does not hide under them (1 - Overlap)
// compute seconds.
type StepTime struct {
	// Seconds is the modelled duration.
	Seconds float64 `json:"seconds"`
	// Steps is how many engine steps the work spans.
	Steps int `json:"steps"`

	// ComputeBoundSeconds and BandwidthBoundSeconds are the durations of the
	// kernels (weight GEMMs, attention) bound by tensor FLOPS and by HBM
	// bandwidth; OtherSeconds is all-reduces plus overheads.
	ComputeBoundSeconds   float64 `json:"compute_bound_seconds"`
	BandwidthBoundSeconds float64 `json:"bandwidth_bound_seconds"`
	OtherSeconds          float64 `json:"other_seconds"`

	// ComputeSeconds, BandwidthSeconds, InterconnectSeconds and
	// OverheadSeconds are the critical-path seconds of each resource.
	ComputeSeconds      float64 `json:"compute_seconds"`
	BandwidthSeconds    float64 `json:"bandwidth_seconds"`
	InterconnectSeconds float64 `json:"interconnect_seconds"`
	OverheadSeconds     float64 `json:"overhead_seconds"`

	// GEMMBound and AttentionBound say what bounds the weight GEMMs and the
	// attention of the work (of its longest step when it spans several).
	GEMMBound      Bound `json:"gemm_bound"`
	AttentionBound Bound `json:"attention_bound"`
}

// ComputeBoundShare is the share of Seconds in compute-bound kernels.
func (s StepTime) ComputeBoundShare() float64 { return share(s.ComputeBoundSeconds, s.Seconds) }

// BandwidthBoundShare is the share of Seconds in memory-bound kernels.
func (s StepTime) BandwidthBoundShare() float64 { return share(s.BandwidthBoundSeconds, s.Seconds) }

// OtherShare is the share of Seconds in all-reduces and fixed overheads.
func (s StepTime) OtherShare() float64 { return share(s.OtherSeconds, s.Seconds) }

func share(part, whole float64) float64 {
	if whole <= 0 {
		return 0
	}
	return part / whole
}

// plus returns s + o, with the bounds of s (of o when s has none).
func (s StepTime) plus(o StepTime) StepTime {
	r := StepTime{
		Seconds: s.Seconds + o.Seconds, Steps: s.Steps + o.Steps,
		ComputeBoundSeconds: s.ComputeBoundSeconds + o.ComputeBoundSeconds, BandwidthBoundSeconds: s.BandwidthBoundSeconds + o.BandwidthBoundSeconds,
		OtherSeconds: s.OtherSeconds + o.OtherSeconds, ComputeSeconds: s.ComputeSeconds + o.ComputeSeconds,
		BandwidthSeconds: s.BandwidthSeconds + o.BandwidthSeconds, InterconnectSeconds: s.InterconnectSeconds + o.InterconnectSeconds,
		OverheadSeconds: s.OverheadSeconds + o.OverheadSeconds, GEMMBound: s.GEMMBound, AttentionBound: s.AttentionBound,
	}
	if r.GEMMBound == "" {
		r.GEMMBound, r.AttentionBound = o.GEMMBound, o.AttentionBound
	}
	return r
}

// times returns s with every duration multiplied by k (k repetitions of
// the same work; Steps is rounded up).
func (s StepTime) times(k float64) StepTime {
	r := s
	for _, f := range []*float64{&r.Seconds, &r.ComputeBoundSeconds, &r.BandwidthBoundSeconds, &r.OtherSeconds,
		&r.ComputeSeconds, &r.BandwidthSeconds, &r.InterconnectSeconds, &r.OverheadSeconds} {
		*f *= k
	}
	r.Steps = int(math.Ceil(float64(s.Steps) * k))
	return r
}

// kernel is the roofline of one kernel, bound(c, m) of stepDuration split
// into its parts.
func (d Deployment) kernel(compute, memory float64) (StepTime, Bound) {
	hidden := 1 - d.Config.Timing.Overlap
	if compute >= memory {
		t := compute + hidden*memory
		return StepTime{Seconds: t, ComputeBoundSeconds: t, ComputeSeconds: compute, BandwidthSeconds: hidden * memory}, ComputeBound
	}
	t := memory + hidden*compute
	return StepTime{Seconds: t, BandwidthBoundSeconds: t, BandwidthSeconds: memory, ComputeSeconds: hidden * compute}, BandwidthBound
}

// forwardTime is forward split into its parts: it must add up to forward's
// seconds (project_test.go checks it against stepDuration), so it repeats
// forward's formulas term for term.
func (d Deployment) forwardTime(tokens int, attnPairs float64, kvTokens int) StepTime {
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
	bandwidth := g.BandwidthTBs * 1e12 * c.Timing.MBU
	gemmFLOPs := 2 * m.ActiveParams * float64(tokens)
	if m.Experts > 0 && c.Timing.MoEEfficiency > 0 && c.Timing.MoEEfficiency != 1 {
		// Routed experts' share of the FLOPs runs at MoEEfficiency of the rate.
		experts := 2 * m.ExpertParams * float64(m.ExpertsPerToken) / float64(m.Experts) * float64(tokens)
		gemmFLOPs += experts * (1/c.Timing.MoEEfficiency - 1)
	}
	gemm, gb := d.kernel(gemmFLOPs/flops(d.Compute), m.readBytes(c.Precision, tokens)/tp/bandwidth)
	attn, ab := d.kernel(m.AttnFLOPsPerPair*float64(m.Layers)*attnPairs/flops(BF16), float64(kvTokens)*d.KVBytesPerToken/(g.BandwidthTBs*1e12*c.Timing.AttentionMBU))
	st := gemm.plus(attn)
	st.GEMMBound, st.AttentionBound = gb, ab
	if c.TP > 1 {
		link := g.ScaleUpGBs
		if link == 0 {
			link = pcieGBs
		}
		bytes := 2 * float64(m.Layers) * float64(tokens) * float64(m.Hidden) * 2 * 2 * (tp - 1) / tp
		comm := bytes/(link*1e9) + 2*float64(m.Layers)*c.Timing.AllReduceLatency.Seconds()
		st.Seconds += comm
		st.OtherSeconds += comm
		st.InterconnectSeconds += comm
	}
	return st
}

// stepTime is stepDuration split into its parts, at TimeScale 1.
func (d Deployment) stepTime(l stepLoad) StepTime {
	c := d.Config
	t := c.Timing
	if f := d.Model.windowShare(l.kvTokens, l.seqs); f < 1 {
		l.attnPairs *= f
		l.kvTokens = int(float64(l.kvTokens) * f)
	}
	st := d.forwardTime(l.tokens, l.attnPairs, l.kvTokens)
	if l.specTokens > 0 && l.decoders > 0 {
		draft := d.forwardTime(l.decoders, float64(l.decodeKV), l.decodeKV).times(float64(l.specTokens) * c.Spec.DraftCost)
		st = st.plus(draft) // the target model's kernels say what bounds the step
	}
	over := (t.StepBase + time.Duration(l.seqs)*t.DecodePerSeq + time.Duration(l.prefill)*t.PrefillPerToken +
		time.Duration(l.kvTokens)*t.PerKContext/1000).Seconds()
	st.Seconds += over
	st.OtherSeconds += over
	st.OverheadSeconds += over
	st.Steps = 1
	return st
}

// addWork adds one sequence's work in a step to l, as the scheduler's load
// counts it: n tokens from position ctx on.
func (l *stepLoad) addWork(n, ctx int, decode bool) {
	fn, fc := float64(n), float64(ctx)
	l.seqs++
	l.tokens += n
	l.attnPairs += fn*fc + fn*(fn+1)/2
	l.kvTokens += ctx + n
	if decode {
		l.decoders++
		l.decodeKV += ctx + 1
	} else {
		l.prefill += n
	}
}

// decodeLoad is one step in which batch sequences at context ctx each
// decode their last token and verify the draft tokens.
func (d Deployment) decodeLoad(batch, ctx int) stepLoad {
	k := d.Config.Spec.Tokens
	l := stepLoad{specTokens: k}
	for range batch {
		l.addWork(1+k, ctx, true)
	}
	return l
}

// prefillTime is the time the engine takes to prefill prompts prompts of
// promptTokens tokens each, of which cachedTokens come from the prefix
// cache (at least one token is always computed), packed in arrival order
// into steps of at most TokenBudget tokens, long prompts in chunks.
func (d Deployment) prefillTime(prompts, promptTokens, cachedTokens int) StepTime {
	budget := d.Config.TokenBudget
	start := min(max(cachedTokens, 0), max(promptTokens-1, 0))
	promptTokens = max(promptTokens, 1)
	var total, longest StepTime
	l := stepLoad{}
	left := budget
	flush := func() {
		if l.tokens > 0 {
			st := d.stepTime(l)
			total = total.plus(st)
			if st.Seconds > longest.Seconds {
				longest = st
			}
		}
		l, left = stepLoad{}, budget
	}
	for range prompts {
		for o := start; o < promptTokens; {
			n := min(promptTokens-o, left)
			l.addWork(n, o, false)
			o += n
			if left -= n; left == 0 {
				flush()
			}
		}
	}
	flush()
	total.GEMMBound, total.AttentionBound = longest.GEMMBound, longest.AttentionBound
	return total
}
