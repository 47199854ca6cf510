package projection

import (
	"bytes"
	"fmt"
	"io"
	"strconv"
	"strings"

	"github.com/olekukonko/tablewriter/tw"

	"github.com/tokenbench/tokenbench/pricing"
	"github.com/tokenbench/tokenbench/sim"
)

// WriteTable writes the projection for a terminal: the disclaimer, what was
// measured and how it is modelled, the measured figures, the projected
// ones, the roofline's split of each GPU's modelled time, the cost of a
// million output tokens measured and projected, then sources and notes.
func (r *Report) WriteTable(w io.Writer) error {
	var b bytes.Buffer
	first := r.projections[0]
	src := first.From.Deployment
	c, t := src.Config, src.Config.Timing
	m := r.measured
	line := func(label, format string, args ...any) {
		fmt.Fprintf(&b, "%-9s %s\n", label, fmt.Sprintf(format, args...))
	}
	b.WriteString(projWrap(projectDisclaimer, 100) + "\n")
	replicas := "1 replica"
	if r.replicas > 1 {
		replicas = strconv.Itoa(r.replicas) + " replicas"
	}
	cached := ""
	if m.CachedInputTokens > 0 {
		cached = fmt.Sprintf(" (%.0f cached)", m.CachedInputTokens)
	}
	line("Measured", "%s: %s %s on %d x %s (%s of TP %d)", r.dir, src.Model.Name, c.Precision, r.gpus, src.GPU.Name, replicas, c.TP)
	line("", "%.1f requests in flight per replica; %.0f input%s + %.0f output tokens per request",
		m.Concurrency/float64(r.replicas), m.InputTokens, cached, m.OutputTokens)
	prompt := strconv.Itoa(first.InputTokens) + " tokens"
	if first.CachedInputTokens > 0 {
		prompt += fmt.Sprintf(" (%d from the prefix cache)", first.CachedInputTokens)
	}
	line("Model", "decode step: %d sequences at %d tokens of context; prefill: %d prompts of %s in steps of up to %d tokens",
		first.From.Batch, first.ContextTokens, first.From.Batch, prompt, c.TokenBudget)
	line("", "roofline of the built-in engine: MFU %g, MBU %g, overlap %g, %s per step + %s per sequence",
		t.MFU, t.MBU, t.Overlap, t.StepBase, t.DecodePerSeq)
	line("", "projected = measured x modelled ratio (throughput: whole cycle; TPOT: decode step; TTFT: prefill)")
	line("Check", "the model gives the source %.1f output tokens/s per replica against %.1f measured (%+.1f%%)",
		first.From.OutputTokensPerS/c.TimeScale, m.OutputTokensPerS/float64(r.replicas), 100*(r.modelCheck()-1))

	b.WriteString("\nMeasured\n")
	mt := projectTable(&b, tw.AlignLeft, tw.AlignRight, tw.AlignRight, tw.AlignRight, tw.AlignRight, tw.AlignRight)
	mt.Header("GPU", "GPUs", "output tok/s per GPU", "TPOT p50 ms", "TTFT p50 ms", "interactivity tok/s/user")
	if err := mt.Append(src.GPU.Name, strconv.Itoa(r.gpus), projF(m.OutputTokensPerS/float64(r.gpus), 1),
		projF(m.TPOTP50MS, 2), projF(m.TTFTP50MS, 2), projF(projInteractivity(m.TPOTP50MS), 1)); err != nil {
		return projRenderErr(err)
	}
	if err := mt.Render(); err != nil {
		return projRenderErr(err)
	}

	b.WriteString("\nProjected from the measurement (not measured)\n")
	pt := projectTable(&b, tw.AlignLeft, tw.AlignRight, tw.AlignRight, tw.AlignRight, tw.AlignRight, tw.AlignRight, tw.AlignRight)
	pt.Header("GPU", "GPUs", "modelled throughput ratio", "projected output tok/s per GPU", "projected TPOT p50 ms",
		"projected TTFT p50 ms", "projected interactivity tok/s/user")
	for _, p := range r.projections {
		gpus := r.targetGPUs(p)
		if err := pt.Append(p.To.Deployment.GPU.Name, strconv.Itoa(gpus), "x"+strconv.FormatFloat(p.ThroughputRatio, 'f', 3, 64),
			projF(p.OutputTokensPerS/float64(gpus), 1), projF(p.TPOTP50MS, 2), projF(p.TTFTP50MS, 2),
			projF(projInteractivity(p.TPOTP50MS), 1)); err != nil {
			return projRenderErr(err)
		}
	}
	if err := pt.Render(); err != nil {
		return projRenderErr(err)
	}

	b.WriteString("\nRoofline model at this operating point (modelled time; shares bandwidth-bound / compute-bound / other)\n")
	rt := projectTable(&b, tw.AlignLeft, tw.AlignRight, tw.AlignRight, tw.AlignRight, tw.AlignRight, tw.AlignRight, tw.AlignRight)
	rt.Header("GPU", "TP", "batch", "decode step ms", "decode shares", "prefill ms", "prefill shares")
	sides := []struct {
		label string
		side  sim.Side
	}{{src.GPU.Name + " (measured)", first.From}}
	for _, p := range r.projections {
		sides = append(sides, struct {
			label string
			side  sim.Side
		}{p.To.Deployment.GPU.Name, p.To})
	}
	for _, s := range sides {
		d, pf := s.side.Decode, s.side.Prefill
		if err := rt.Append(s.label, strconv.Itoa(s.side.Deployment.Config.TP), strconv.Itoa(s.side.Batch),
			strconv.FormatFloat(d.Seconds*1e3, 'f', 3, 64), projShares(d),
			strconv.FormatFloat(pf.Seconds*1e3, 'f', 2, 64), projShares(pf)); err != nil {
			return projRenderErr(err)
		}
	}
	if err := rt.Render(); err != nil {
		return projRenderErr(err)
	}

	var notes projFootnotes
	if err := r.writeCosts(&b, &notes); err != nil {
		return err
	}
	if len(notes.list) > 0 {
		b.WriteString("\nSources:\n")
		for i, s := range notes.list {
			fmt.Fprintf(&b, "  [%d] %s\n", i+1, s)
		}
	}
	all := append([]string(nil), r.notes...)
	if r.srcNote != "" {
		all = append(all, "no measured cost: "+r.srcNote)
	}
	for i, n := range r.dstNotes {
		if n != "" {
			all = append(all, fmt.Sprintf("no projected cost on %s: %s", r.projections[i].To.Deployment.GPU.Name, n))
		}
	}
	if len(all) > 0 {
		b.WriteString("\nNotes:\n")
		for _, n := range all {
			fmt.Fprintf(&b, "  - %s\n", n)
		}
	}
	_, err := w.Write(b.Bytes())
	return err
}

// writeCosts writes the cost of a million output tokens: measured on the
// source, then projected on the targets, in two tables so they never mix.
func (r *Report) writeCosts(b *bytes.Buffer, notes *projFootnotes) error {
	table := func(title, costHeader string, rows []projCostRow) error {
		if len(rows) == 0 {
			return nil
		}
		b.WriteString("\n" + title + "\n")
		t := projectTable(b, tw.AlignLeft, tw.AlignRight, tw.AlignLeft, tw.AlignLeft, tw.AlignRight, tw.AlignRight, tw.AlignLeft)
		t.Header("GPU", "GPUs", "tier", "provider", "$/GPU-h", costHeader, "source, date")
		for _, row := range rows {
			q := row.q
			tier, provider := q.Tier, q.Provider
			if q.Source == pricing.UserPriceSource {
				tier, provider = "(--price)", "-"
			}
			if err := t.Append(q.GPU, strconv.Itoa(q.GPUs), tier, provider, projUSD(q.USDPerGPUHour),
				strconv.FormatFloat(row.usdPerMTok, 'f', 4, 64), notes.cite(q)); err != nil {
				return projRenderErr(err)
			}
		}
		return projRenderErr(t.Render())
	}
	if err := table("Cost per 1M output tokens, measured", "$ per 1M output", r.srcCosts); err != nil {
		return err
	}
	var projected []projCostRow
	for _, rows := range r.dstCosts {
		projected = append(projected, rows...)
	}
	return table("Cost per 1M output tokens, projected (not measured)", "projected $ per 1M output", projected)
}

// projShares formats a phase's bandwidth-bound, compute-bound and other
// shares.
func projShares(s sim.StepTime) string {
	return projPct(s.BandwidthBoundShare()) + " / " + projPct(s.ComputeBoundShare()) + " / " + projPct(s.OtherShare())
}

// projFootnotes numbers price sources for a table's "source, date" column.
type projFootnotes struct {
	list []string
	ref  map[string]int
}

// cite returns "[n] date" for q's source, numbering a new source.
func (f *projFootnotes) cite(q pricing.PriceQuote) string {
	note := q.Price.Source
	if q.Price.Origin != "" && q.Price.Origin != pricing.BuiltinOrigin {
		if note == "" {
			note = q.Price.Origin
		} else {
			note += " (" + q.Price.Origin + ")"
		}
	}
	if note == "" {
		note = q.Source // a user --price
	}
	if f.ref == nil {
		f.ref = map[string]int{}
	}
	if _, ok := f.ref[note]; !ok {
		f.list = append(f.list, note)
		f.ref[note] = len(f.list)
	}
	s := fmt.Sprintf("[%d]", f.ref[note])
	if q.Price.Date != "" {
		s += " " + q.Price.Date
	}
	return s
}

// projWrap breaks text into lines of at most width bytes at spaces.
func projWrap(text string, width int) string {
	var b strings.Builder
	n := 0
	for _, word := range strings.Fields(text) {
		switch {
		case n == 0:
		case n+1+len(word) > width:
			b.WriteByte('\n')
			n = 0
		default:
			b.WriteByte(' ')
			n++
		}
		b.WriteString(word)
		n += len(word)
	}
	b.WriteByte('\n')
	return b.String()
}

// projUSD formats a price with cents, and more digits only when it has them.
func projUSD(v float64) string {
	s := strconv.FormatFloat(v, 'f', 2, 64)
	if x, _ := strconv.ParseFloat(s, 64); x == v {
		return s
	}
	return strconv.FormatFloat(v, 'f', -1, 64)
}

func projRenderErr(err error) error {
	if err == nil {
		return nil
	}
	return fmt.Errorf("projection: render: %w", err)
}
