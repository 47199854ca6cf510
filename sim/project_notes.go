package sim

import "fmt"

// notes says where the operating point leaves the conditions the model
// holds in: a batch the engine would cap or could not hold in its KV cache,
// a request it would reject, a precision the GPU lacks, a kernel that
// changes bound from one GPU to the other, a scaled clock.
func (p Projection) notes() []string {
	notes := []string{}
	add := func(format string, args ...any) { notes = append(notes, fmt.Sprintf(format, args...)) }
	if ts := p.From.Deployment.Config.TimeScale; ts != 1 {
		add("the source ran the built-in engine with TimeScale %g: its measured figures, and so the projected ones, are %g times the modelled GPUs' times", ts, ts)
	}
	for _, s := range []struct {
		role string
		side Side
	}{{"source", p.From}, {"target", p.To}} {
		d := s.side.Deployment
		c := d.Config
		where := fmt.Sprintf("%s (%d x %s)", s.role, c.TP, d.GPU.Name)
		if p.Point.Concurrency >= float64(c.MaxBatch)+0.5 {
			add("%s: the measured concurrency %.1f exceeds MaxBatch %d: the rest queue, so the model runs batches of %d",
				where, p.Point.Concurrency, c.MaxBatch, s.side.Batch)
		}
		if need := s.side.Batch * (p.InputTokens + p.OutputTokens); need > c.KVCapacityTokens {
			consequence := "the projection assumes no preemption"
			if s.role == "source" {
				consequence = "the measured run may have preempted; the model assumes no preemption"
			}
			add("KV cache on the %s holds %d tokens, fewer than the %d that %d running sequences at full length (%d tokens) need: %s",
				where, c.KVCapacityTokens, need, s.side.Batch, p.InputTokens+p.OutputTokens, consequence)
		}
		if n := p.InputTokens + p.OutputTokens; n > c.MaxModelLen {
			add("%s: a request of %d tokens exceeds the context limit of %d tokens: the engine would reject it", where, n, c.MaxModelLen)
		}
		if d.Compute != c.Precision {
			add("%s: %s has no %s tensor cores: the model runs the %s weights' GEMMs at %s (weight-only quantization, as the built-in engine does)",
				where, d.GPU.Name, c.Precision, c.Precision, d.Compute)
		}
	}
	for _, ph := range []struct {
		name     string
		from, to StepTime
	}{{"decode", p.From.Decode, p.To.Decode}, {"prefill", p.From.Prefill, p.To.Prefill}} {
		if ph.from.GEMMBound != ph.to.GEMMBound {
			add("%s GEMMs are %s-bound on the source (%s) but %s-bound on the target (%s)", ph.name,
				ph.from.GEMMBound, p.From.Deployment.GPU.Name, ph.to.GEMMBound, p.To.Deployment.GPU.Name)
		}
	}
	return notes
}
