package pricing

import (
	"bytes"
	"fmt"
	"io"
	"strconv"

	"github.com/olekukonko/tablewriter/tw"
)

// WriteJSON writes the plan as indented JSON.
func (p Plan) WriteJSON(w io.Writer) error {
	return writeJSON(w, p, "plan")
}

// WriteTable writes the plan for a terminal: what is planned for, each
// sweep point judged against the SLO, the point chosen and the fleet it
// takes, then the fleet's cost at each price of the GPU, with sources and
// the plan's caveats.
func (p Plan) WriteTable(w io.Writer) error {
	var b bytes.Buffer
	line := func(label, format string, args ...any) {
		fmt.Fprintf(&b, "%-9s %s\n", label, fmt.Sprintf(format, args...))
	}
	line("Plan", "%s req/s of %d input + %d output tokens, SLO %s for %s of requests, %s headroom",
		fmtShort(p.LoadRequestsPerS), p.InputTokens, p.OutputTokens, p.SLO, pctString(p.Attainment), pctString(p.Headroom))
	line("Sweep", "%s (%s)", p.Sweep, describeSweep(p.Kind, p.Param, len(p.Points), len(p.Skipped)))
	line("SLO by", "%s", p.SLOBasisNote)
	b.WriteByte('\n')

	if err := p.writePoints(&b); err != nil {
		return err
	}
	for _, s := range p.Skipped {
		line("Skipped", "%s: %s", s.Dir, s.Reason)
	}
	b.WriteByte('\n')
	line("Chosen", "%s: %s req/s per replica", p.Chosen, f2(p.ReplicaRequestsPerS))
	line("Scaled", "%s", p.ScaleNote)
	line("Replicas", "%d = ceil(%s req/s * %s / %s req/s per replica)", p.Replicas,
		fmtShort(p.LoadRequestsPerS), fmtShort(1+p.Headroom), f2(p.ReplicaRequestsPerS))
	line("GPUs", "%d = %d replicas x %d %s", p.GPUs, p.Replicas, p.GPUsPerReplica, p.GPU)
	line("Capacity", "%s req/s: %s headroom left at %s req/s (%s utilized)",
		f1(p.CapacityRequestsPerS), pctString(p.HeadroomLeft), fmtShort(p.LoadRequestsPerS), pctString(p.UtilizationAtLoad))
	b.WriteByte('\n')

	var notes footnotes
	t := newTable(&b, tw.AlignLeft, tw.AlignLeft, tw.AlignRight, tw.AlignRight, tw.AlignRight, tw.AlignRight, tw.AlignLeft)
	t.Header("tier", "provider", "$/GPU-h", "$/hour", fmt.Sprintf("$/month (%g h)", p.HoursPerMonth), "$ per 1M output at load", "source, date")
	for _, c := range p.Costs {
		tier, provider := orDash(c.Tier), orDash(c.Provider)
		if c.Tier == "" && c.PriceSource == UserPriceSource {
			tier, provider = "(--price)", "-"
		}
		if err := t.Append(tier, provider, usd(c.PriceUSDPerGPUHour), f2(c.USDPerHour), f2(c.USDPerMonth),
			strconv.FormatFloat(c.USDPerMTokOutputAtLoad, 'f', 4, 64), notes.cite(c.footnote, c.PriceDate)); err != nil {
			return fmt.Errorf("pricing: render plan: %w", err)
		}
	}
	if err := t.Render(); err != nil {
		return fmt.Errorf("pricing: render plan: %w", err)
	}
	notes.write(&b)
	b.WriteString("Notes:\n")
	for _, n := range p.Notes {
		fmt.Fprintf(&b, "  - %s\n", n)
	}
	return write(w, b.Bytes(), "plan")
}

// writePoints writes one row per sweep point: what was measured, what the
// SLO judged, and the rate a replica would sustain there.
func (p Plan) writePoints(b *bytes.Buffer) error {
	opt := func(v *float64) string {
		if v == nil {
			return "-"
		}
		return fmtShort(*v)
	}
	var header []string
	if p.SLOBasis == BasisAttainment {
		header = []string{"point", "req/s", "output tok/s", "failed", "SLO met", "meets SLO", "req/s per replica"}
	} else {
		pn := "p?"
		for _, n := range percentileNames {
			if n.share == p.Attainment {
				pn = n.name
			}
		}
		header = []string{"point", "req/s", "output tok/s", "failed"}
		for _, c := range p.boundCols() {
			header = append(header, c.name+" "+pn+" ms")
		}
		header = append(header, "meets SLO", "req/s per replica")
	}
	align := make([]tw.Align, len(header))
	for i := range align {
		align[i] = tw.AlignRight
	}
	align[0], align[len(align)-2] = tw.AlignLeft, tw.AlignLeft
	t := newTable(b, align...)
	t.Header(header)
	for _, pt := range p.Points {
		label := pt.Label
		if label == p.Chosen {
			label += " *"
		}
		meets := "yes"
		if !pt.MeetsSLO {
			meets = "no: " + pt.WhyNot
		}
		row := []string{label, f2(pt.RequestsPerS), f1(pt.OutputTokensPerS), pctString(pt.FailedShare)}
		if p.SLOBasis == BasisAttainment {
			att := "-"
			if pt.SLOAttainment != nil {
				att = pctString(*pt.SLOAttainment)
			}
			row = append(row, att)
		} else {
			for _, c := range p.boundCols() {
				row = append(row, opt(c.value(pt)))
			}
		}
		row = append(row, meets, f2(pt.ReplicaRequestsPerS))
		if err := t.Append(row); err != nil {
			return fmt.Errorf("pricing: render plan: %w", err)
		}
	}
	if err := t.Render(); err != nil {
		return fmt.Errorf("pricing: render plan: %w", err)
	}
	return nil
}

// boundCol is a latency column of the percentile basis.
type boundCol struct {
	name  string
	value func(PlanPoint) *float64
}

// boundCols are the columns for the bounds the SLO sets, which are the
// percentiles a point carries.
func (p Plan) boundCols() []boundCol {
	all := []boundCol{
		{"TTFT", func(pt PlanPoint) *float64 { return pt.TTFTMS }},
		{"TPOT", func(pt PlanPoint) *float64 { return pt.TPOTMS }},
		{"E2E", func(pt PlanPoint) *float64 { return pt.E2EMS }},
	}
	var cols []boundCol
	for _, c := range all {
		for _, pt := range p.Points {
			if c.value(pt) != nil {
				cols = append(cols, c)
				break
			}
		}
	}
	return cols
}
