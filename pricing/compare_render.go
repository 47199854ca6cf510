package pricing

import (
	"bytes"
	"fmt"
	"io"
	"strconv"

	"github.com/olekukonko/tablewriter/tw"
)

// WriteJSON writes the comparison as indented JSON; absent figures are null.
func (c Comparison) WriteJSON(w io.Writer) error {
	return writeJSON(w, c, "comparison")
}

// WriteTable writes the comparison for a terminal: the target and method,
// each sweep read at the target, then one row per price of each sweep's
// GPU, cheapest first, with the cheapest of each tier marked and every
// source numbered below.
func (c Comparison) WriteTable(w io.Writer) error {
	var b bytes.Buffer
	line := func(label, format string, args ...any) {
		fmt.Fprintf(&b, "%-7s %s\n", label, fmt.Sprintf(format, args...))
	}
	line("Target", "%s tokens/s/user (interactivity = %s), read off each sweep's Pareto front",
		fmtShort(c.TargetInteractivity), c.InteractivityBasis)
	line("Method", "%s", c.Interpolation)
	prices := "every price of each sweep's GPU in the catalog"
	switch {
	case c.Provider != "":
		prices = fmt.Sprintf("tier %s, provider %s", c.Tier, c.Provider)
	case c.Tier != "":
		prices = "tier " + c.Tier
	}
	line("Prices", "%s", prices)
	b.WriteByte('\n')

	t := newTable(&b, tw.AlignLeft, tw.AlignLeft, tw.AlignLeft, tw.AlignRight, tw.AlignRight, tw.AlignLeft)
	t.Header("sweep", "GPUs, as measured", "front tok/s/user", "tok/s per GPU", "J/output tok", "at target")
	for _, s := range c.Sweeps {
		tps, joules, at := "-", "-", s.Note
		if s.ThroughputPerGPU != nil {
			tps = f1(*s.ThroughputPerGPU)
			switch len(s.Between) {
			case 1:
				at = "measured at " + s.Between[0]
			case 2:
				at = "between " + s.Between[0] + " and " + s.Between[1]
			}
		}
		if s.JoulesPerOutputToken != nil {
			joules = strconv.FormatFloat(*s.JoulesPerOutputToken, 'f', 3, 64)
		}
		if err := t.Append(s.Sweep, fmt.Sprintf("%s x %d", s.GPU, s.GPUs), shortRange(s.FrontRange), tps, joules, at); err != nil {
			return fmt.Errorf("pricing: render comparison: %w", err)
		}
	}
	if err := t.Render(); err != nil {
		return fmt.Errorf("pricing: render comparison: %w", err)
	}

	fmt.Fprintf(&b, "\nCost per 1M output tokens at %s tokens/s/user, cheapest first; * marks the cheapest of its tier.\n",
		fmtShort(c.TargetInteractivity))
	if err := c.writeRows(&b); err != nil {
		return err
	}
	b.WriteString("cost per 1M output tokens = $/GPU-h / (output tokens/s per GPU * 3600) * 1e6 (InferenceX convention).\n")
	b.WriteString("Each GPU's throughput is its own sweep's: a sweep measured on one GPU type says nothing of another.\n")
	return write(w, b.Bytes(), "comparison")
}

// writeRows writes the cost table and its sources. A sweep column appears
// only when two sweeps share a GPU type, since the GPU names the sweep
// otherwise.
func (c Comparison) writeRows(b *bytes.Buffer) error {
	bySweep := len(c.Sweeps) != len(distinctGPUs(c.Sweeps))
	align := []tw.Align{tw.AlignLeft, tw.AlignRight, tw.AlignLeft, tw.AlignLeft, tw.AlignRight, tw.AlignRight, tw.AlignRight, tw.AlignLeft, tw.AlignCenter}
	header := []any{"GPU", "GPUs", "tier", "provider", "tok/s per GPU", "$/GPU-h", "$ per 1M output", "source, date", "cheapest"}
	if bySweep {
		align = append([]tw.Align{tw.AlignLeft}, align...)
		header = append([]any{"sweep"}, header...)
	}
	t := newTable(b, align...)
	t.Header(header...)
	var notes footnotes
	for _, r := range c.Rows {
		tps, price, cost, src, mark := "-", "-", "-", "-", ""
		if r.ThroughputPerGPU != nil {
			tps = f1(*r.ThroughputPerGPU)
		}
		if r.Note != "" {
			// The note stands where the figure it explains would be.
			if r.ThroughputPerGPU == nil {
				tps = r.Note
			} else {
				cost = r.Note
			}
		}
		if r.PriceUSDPerGPUHour != nil {
			price = usd(*r.PriceUSDPerGPUHour)
		}
		if r.USDPerMTokOutput != nil {
			cost = strconv.FormatFloat(*r.USDPerMTokOutput, 'f', 4, 64)
			src = notes.cite(r.footnote, r.PriceDate)
		}
		if r.CheapestInTier {
			mark = "*"
		}
		row := []any{r.GPU, strconv.Itoa(r.GPUs), orDash(r.Tier), orDash(r.Provider), tps, price, cost, src, mark}
		if bySweep {
			row = append([]any{r.Sweep}, row...)
		}
		if err := t.Append(row...); err != nil {
			return fmt.Errorf("pricing: render comparison: %w", err)
		}
	}
	if err := t.Render(); err != nil {
		return fmt.Errorf("pricing: render comparison: %w", err)
	}
	notes.write(b)
	return nil
}

// distinctGPUs returns the GPU types of sweeps, each once.
func distinctGPUs(sweeps []ComparedSweep) map[string]bool {
	m := map[string]bool{}
	for _, s := range sweeps {
		m[s.GPU] = true
	}
	return m
}
