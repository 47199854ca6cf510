package pricing

import (
	"bytes"
	"fmt"
	"io"
	"strconv"
	"strings"

	"github.com/olekukonko/tablewriter/tw"
)

// WriteJSON writes the sweep cost as indented JSON.
func (c SweepCost) WriteJSON(w io.Writer) error {
	return writeJSON(w, c, "sweep cost")
}

// WriteTable writes the sweep cost for a terminal: the points on
// InferenceX's axes with the Pareto front marked, the throughput per GPU
// at the target and how it was read off the front, then the cost per
// million output tokens at each price of the GPU measured, with sources.
func (c SweepCost) WriteTable(w io.Writer) error {
	var b bytes.Buffer
	line := func(label, format string, args ...any) {
		fmt.Fprintf(&b, "%-9s %s\n", label, fmt.Sprintf(format, args...))
	}
	line("Sweep", "%s (%s)", c.Sweep, describeSweep(c.Kind, c.Param, len(c.Points), len(c.Skipped)))
	gpu := fmt.Sprintf("%s x %d, as measured", c.GPU, c.GPUs)
	if c.GPUWatts > 0 {
		gpu += fmt.Sprintf(" (%s W board power each)", strconv.FormatFloat(c.GPUWatts, 'f', -1, 64))
	}
	line("GPUs", "%s", gpu)
	line("Target", "%s tokens/s/user (interactivity = %s)", fmtShort(c.TargetInteractivity), c.InteractivityBasis)
	b.WriteByte('\n')

	t := newTable(&b, tw.AlignLeft, tw.AlignRight, tw.AlignRight, tw.AlignRight, tw.AlignRight, tw.AlignCenter)
	t.Header("point", "TPOT p50 ms", "tok/s/user", "output tok/s", "tok/s per GPU", "front")
	for _, p := range c.Points {
		front := ""
		if p.OnFront {
			front = "*"
		}
		if err := t.Append(p.Label, f2(p.TPOTP50MS), f1(p.Interactivity), f1(p.OutputTokensPerS), f1(p.ThroughputPerGPU), front); err != nil {
			return fmt.Errorf("pricing: render sweep cost: %w", err)
		}
	}
	if err := t.Render(); err != nil {
		return fmt.Errorf("pricing: render sweep cost: %w", err)
	}
	for _, s := range c.Skipped {
		line("Skipped", "%s: %s", s.Dir, s.Reason)
	}
	b.WriteByte('\n')

	at := fmt.Sprintf("%s output tokens/s per GPU", f1(c.ThroughputPerGPU))
	coords := func(label string) string {
		for _, p := range c.Points {
			if p.Label == label {
				return fmt.Sprintf("%s (%s tok/s/user, %s per GPU)", label, f1(p.Interactivity), f1(p.ThroughputPerGPU))
			}
		}
		return label
	}
	switch len(c.Between) {
	case 1:
		at += ", measured at " + c.Between[0]
	case 2:
		at += fmt.Sprintf(", interpolated between\n          %s and %s", coords(c.Between[0]), coords(c.Between[1]))
	}
	line("At target", "%s", at)
	line("Method", "%s, spanning %s tokens/s/user", c.Interpolation, rangeString(c.FrontRange))
	if c.JoulesPerOutputToken != nil {
		line("Energy", "%.3f J per output token (board power / output tokens/s per GPU)", *c.JoulesPerOutputToken)
	}
	fmt.Fprintf(&b, "\nCost per 1M output tokens at %s tokens/s/user on %s, the GPU measured: a sweep\nmeasured on %s says nothing of another GPU type, which needs its own sweep.\n",
		fmtShort(c.TargetInteractivity), c.GPU, c.GPU)
	var notes footnotes
	t = newTable(&b, tw.AlignLeft, tw.AlignLeft, tw.AlignRight, tw.AlignRight, tw.AlignLeft)
	t.Header("tier", "provider", "$/GPU-h", "$ per 1M output", "source, date")
	for _, p := range c.Prices {
		tier, provider := orDash(p.Tier), orDash(p.Provider)
		if p.Tier == "" && p.PriceSource == UserPriceSource {
			tier, provider = "(--price)", "-"
		}
		if err := t.Append(tier, provider, usd(p.PriceUSDPerGPUHour), strconv.FormatFloat(p.USDPerMTokOutput, 'f', 4, 64),
			notes.cite(p.footnote, p.PriceDate)); err != nil {
			return fmt.Errorf("pricing: render sweep cost: %w", err)
		}
	}
	if err := t.Render(); err != nil {
		return fmt.Errorf("pricing: render sweep cost: %w", err)
	}
	notes.write(&b)
	b.WriteString("cost per 1M output tokens = $/GPU-h / (output tokens/s per GPU * 3600) * 1e6 (InferenceX convention).\n")
	return write(w, b.Bytes(), "sweep cost")
}

// footnotes numbers the sources a table cites, each once.
type footnotes struct {
	list []string
	ref  map[string]int
}

// cite returns the reference for note ("[2] 2025-08"), adding it if new.
func (n *footnotes) cite(note, date string) string {
	ref := "-"
	if note != "" {
		if n.ref == nil {
			n.ref = map[string]int{}
		}
		if _, ok := n.ref[note]; !ok {
			n.list = append(n.list, note)
			n.ref[note] = len(n.list)
		}
		ref = fmt.Sprintf("[%d]", n.ref[note])
	}
	if date != "" {
		ref += " " + date
	}
	return ref
}

func (n *footnotes) write(b *bytes.Buffer) {
	if len(n.list) == 0 {
		return
	}
	b.WriteString("Sources:\n")
	for i, s := range n.list {
		fmt.Fprintf(b, "  [%d] %s\n", i+1, s)
	}
}

func f1(v float64) string { return strconv.FormatFloat(v, 'f', 1, 64) }
func f2(v float64) string { return strconv.FormatFloat(v, 'f', 2, 64) }

func orDash(s string) string {
	if strings.TrimSpace(s) == "" {
		return "-"
	}
	return s
}
