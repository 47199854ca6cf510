package report

import (
	"fmt"
	"strings"
)

// writeEngine adds the engine lines: what its metrics say, speculative
// decoding from each source, prefix reuse intended and obtained.
func (s *Summary) writeEngine(line func(label, format string, args ...any)) {
	e := s.Engine
	if e == nil {
		return
	}
	pct := func(v *float64) string {
		if v == nil {
			return "-"
		}
		return fmt.Sprintf("%.1f%%", 100**v)
	}
	if m := e.EngineSummary; m != nil && m.Name != "" {
		parts := []string{m.Name}
		if m.KVUsage != nil {
			parts = append(parts, fmt.Sprintf("KV usage mean %.1f%% max %.1f%%", 100*m.KVUsage.Mean, 100*m.KVUsage.Max))
		}
		if m.QueueDepth != nil {
			parts = append(parts, fmt.Sprintf("queue mean %.1f max %.0f", m.QueueDepth.Mean, m.QueueDepth.Max))
		}
		if m.Preemptions != nil {
			parts = append(parts, fmt.Sprintf("preemptions %.0f", *m.Preemptions))
		}
		if m.Restarts > 0 {
			parts = append(parts, fmt.Sprintf("RESTARTED %d times", m.Restarts))
		}
		line("Engine", "%s", strings.Join(parts, ", "))
	}
	if sp := e.Spec; sp != nil {
		var al, rate []string
		add := func(src string, l, r *float64) {
			if l != nil {
				al = append(al, fmt.Sprintf("%s %.2f", src, *l))
			}
			if r != nil {
				rate = append(rate, fmt.Sprintf("%s %.1f%%", src, 100**r))
			}
		}
		if sp.Metrics != nil {
			add("metrics", sp.Metrics.AcceptanceLength, sp.Metrics.AcceptanceRate)
		}
		for _, f := range []*SpecFigures{sp.Response, sp.Events} {
			if f != nil {
				add(f.Source, f.AcceptanceLength, f.AcceptanceRate)
			}
		}
		text := "tokens per step " + strings.Join(al, ", ")
		if len(rate) > 0 {
			text += "; acceptance rate " + strings.Join(rate, ", ")
		}
		line("Speculation", "%s", text)
		for _, d := range sp.Disagreement {
			line("", "WARNING: %s", d)
		}
		if len(sp.TPOTByAcceptance) > 0 {
			parts := make([]string, 0, len(sp.TPOTByAcceptance))
			for _, b := range sp.TPOTByAcceptance {
				parts = append(parts, fmt.Sprintf("%.2f-%.2f: %.2f ms", b.AcceptanceLengthMin, b.AcceptanceLengthMax, b.TPOTMeanMS))
			}
			line("", "TPOT by tokens per step (quartiles of requests): %s", strings.Join(parts, ", "))
		}
	}
	if p := e.PrefixReuse; p != nil {
		var parts []string
		for _, x := range []struct {
			label string
			v     *float64
		}{{"intended", p.Intended}, {"obtained (usage cached_tokens)", p.ObtainedUsage}, {"obtained (engine counters)", p.ObtainedEngine}} {
			if x.v != nil {
				parts = append(parts, x.label+" "+pct(x.v))
			}
		}
		line("Prefix reuse", "%s", strings.Join(parts, ", "))
		if p.ObtainedEngine != nil {
			// The engines' hit counters count every prefill lookup, so a
			// request preempted and recomputed is counted again: after
			// preemptions the figure overstates what the workload obtained.
			note := "engine counters count every prefill lookup, including the recomputation of preempted requests"
			if m := e.EngineSummary; m != nil && m.Preemptions != nil && *m.Preemptions > 0 {
				note += fmt.Sprintf(" (%.0f preemptions in this run: the counters overstate reuse)", *m.Preemptions)
			}
			line("", "%s", note)
		}
	}
}
