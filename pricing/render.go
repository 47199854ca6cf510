package pricing

import (
	"bytes"
	"encoding/json"
	"fmt"
	"io"
	"math"
	"strconv"

	"github.com/olekukonko/tablewriter"
	"github.com/olekukonko/tablewriter/renderer"
	"github.com/olekukonko/tablewriter/tw"
)

// newTable returns a plain ASCII table (no colour, stable in golden files
// and logs) with the given column alignments.
func newTable(w io.Writer, align ...tw.Align) *tablewriter.Table {
	return tablewriter.NewTable(w,
		tablewriter.WithRenderer(renderer.NewBlueprint(tw.Rendition{
			Symbols: tw.NewSymbols(tw.StyleASCII),
		})),
		tablewriter.WithHeaderAutoFormat(tw.Off),
		tablewriter.WithRowAutoFormat(tw.Off),
		tablewriter.WithAlignment(tw.Alignment(align)),
	)
}

// WriteTable writes one row per price (GPU, tier, provider, $/GPU-hour,
// memory, bandwidth, source and date), then the sources in full, numbered:
// they are too long for a column.
func (c *Catalog) WriteTable(w io.Writer) error {
	var b bytes.Buffer
	t := newTable(&b, tw.AlignLeft, tw.AlignLeft, tw.AlignLeft, tw.AlignRight,
		tw.AlignRight, tw.AlignRight, tw.AlignLeft)
	t.Header("GPU", "tier", "provider", "$/GPU-h", "memory", "bandwidth", "source, date")
	var sources []string
	ref := map[string]int{}
	for _, g := range c.GPUs {
		mem, bw := "-", "-"
		if g.MemoryGB > 0 {
			mem = strconv.FormatFloat(g.MemoryGB, 'f', -1, 64) + " GB"
		}
		if g.BandwidthTBs > 0 {
			bw = strconv.FormatFloat(g.BandwidthTBs, 'f', -1, 64) + " TB/s"
		}
		if len(g.Prices) == 0 {
			if err := t.Append(g.Name, "-", "-", "-", mem, bw, "-"); err != nil {
				return fmt.Errorf("pricing: render catalog: %w", err)
			}
			continue
		}
		for _, p := range g.Prices {
			// A footnote per source; a user's price also names its file.
			note := p.Source
			if p.Origin != "" && p.Origin != BuiltinOrigin {
				if note == "" {
					note = p.Origin
				} else {
					note += " (" + p.Origin + ")"
				}
			}
			src := "-"
			if note != "" {
				if _, ok := ref[note]; !ok {
					sources = append(sources, note)
					ref[note] = len(sources)
				}
				src = fmt.Sprintf("[%d]", ref[note])
			}
			if p.Date != "" {
				src += " " + p.Date
			}
			if err := t.Append(g.Name, p.Tier, p.Provider, usd(p.USDPerGPUHour), mem, bw, src); err != nil {
				return fmt.Errorf("pricing: render catalog: %w", err)
			}
		}
	}
	if err := t.Render(); err != nil {
		return fmt.Errorf("pricing: render catalog: %w", err)
	}
	if len(sources) > 0 {
		b.WriteString("\nSources:\n")
		for i, s := range sources {
			fmt.Fprintf(&b, "  [%d] %s\n", i+1, s)
		}
	}
	return write(w, b.Bytes(), "catalog")
}

// WriteJSON writes the catalog as indented JSON, with each price's origin.
func (c *Catalog) WriteJSON(w io.Writer) error {
	return writeJSON(w, c, "catalog")
}

// WriteJSON writes the cost as indented JSON; absent figures are null.
func (c Cost) WriteJSON(w io.Writer) error {
	return writeJSON(w, c, "cost")
}

// WriteTable writes the cost for a terminal: what was priced and from
// where, one row per token type, the energy figures, and why any figure is
// absent.
func (c Cost) WriteTable(w io.Writer) error {
	var b bytes.Buffer
	line := func(label, format string, args ...any) {
		fmt.Fprintf(&b, "%-8s %s\n", label, fmt.Sprintf(format, args...))
	}
	gpu := fmt.Sprintf("%s x %d", c.GPU, c.GPUs)
	if c.GPUWatts > 0 {
		gpu += fmt.Sprintf(" (%s W board power each)", strconv.FormatFloat(c.GPUWatts, 'f', -1, 64))
	}
	line("GPUs", "%s", gpu)
	price := "$" + usd(c.PriceUSDPerGPUHour) + " per GPU-hour"
	if c.Tier != "" {
		price += ", tier " + c.Tier
	}
	if c.Provider != "" {
		price += ", provider " + c.Provider
	}
	line("Price", "%s", price)
	line("Source", "%s", c.PriceSource)
	b.WriteByte('\n')

	t := newTable(&b, tw.AlignLeft, tw.AlignRight, tw.AlignRight, tw.AlignRight)
	t.Header("Tokens", "tokens/s", "tokens/s per GPU", "$ per 1M tokens")
	tp := c.Throughput
	rows := []struct {
		name string
		tps  float64
		usd  *float64
	}{
		{"output", tp.OutputTokensPerS, c.USDPerMTokOutput},
		{"input", tp.InputTokensPerS, c.USDPerMTokInput},
		{"total", tp.TotalTokensPerS, c.USDPerMTokTotal},
		{"good output", tp.GoodOutputTokensPerS, c.USDPerMTokGoodOutput},
	}
	for _, r := range rows {
		rate, perGPU, cost := "-", "-", "-"
		if r.tps > 0 && finite(r.tps) {
			rate = strconv.FormatFloat(r.tps, 'f', 1, 64)
			perGPU = strconv.FormatFloat(r.tps/float64(max(c.GPUs, 1)), 'f', 1, 64)
		}
		if r.usd != nil {
			cost = strconv.FormatFloat(*r.usd, 'f', 4, 64)
		}
		if err := t.Append(r.name, rate, perGPU, cost); err != nil {
			return fmt.Errorf("pricing: render cost: %w", err)
		}
	}
	if err := t.Render(); err != nil {
		return fmt.Errorf("pricing: render cost: %w", err)
	}

	switch {
	case c.JoulesPerOutputToken != nil:
		e := fmt.Sprintf("%.3f J per output token, %s output tokens/s per MW of GPU board power",
			*c.JoulesPerOutputToken, strconv.FormatFloat(math.Round(*c.OutputTokensPerSPerMW), 'f', 0, 64))
		if c.OutputTokensPerSPerAllInMW != nil {
			e += fmt.Sprintf(", %s per all-in MW", strconv.FormatFloat(math.Round(*c.OutputTokensPerSPerAllInMW), 'f', 0, 64))
		}
		line("Energy", "%s", e)
	case c.GPUWatts == 0:
		line("Energy", "unknown: no power figure for %s in the catalog", c.GPU)
	default:
		line("Energy", "unknown: no output throughput")
	}
	b.WriteString("Each figure charges the whole GPU-hour to one token type (InferenceX convention): they do not add up.\n")
	if c.GPUWatts > 0 || c.AllInKWPerGPU > 0 {
		b.WriteString("Power assumed:")
		if c.GPUWatts > 0 {
			fmt.Fprintf(&b, " %s W board power per GPU (per MW and J/token: GPUs only, PUE 1)", strconv.FormatFloat(c.GPUWatts, 'f', -1, 64))
		}
		if c.AllInKWPerGPU > 0 {
			if c.GPUWatts > 0 {
				b.WriteString(";")
			}
			fmt.Fprintf(&b, " %s kW all-in per GPU (host, network, cooling)", strconv.FormatFloat(c.AllInKWPerGPU, 'f', -1, 64))
		}
		b.WriteString(".\n")
	}
	if c.USDPerMTokGoodOutput == nil {
		b.WriteString("No good-output cost: the run has no goodput (no SLOs given, or no request met them).\n")
	}
	return write(w, b.Bytes(), "cost")
}

// usd formats a price with cents, and more digits only when it has them.
func usd(v float64) string {
	if s := strconv.FormatFloat(v, 'f', 2, 64); v == mustParse(s) {
		return s
	}
	return strconv.FormatFloat(v, 'f', -1, 64)
}

func mustParse(s string) float64 {
	v, _ := strconv.ParseFloat(s, 64)
	return v
}

func writeJSON(w io.Writer, v any, what string) error {
	// No HTML escaping: sources hold '&' ("Surveys & AI Cloud TCO Model").
	var b bytes.Buffer
	enc := json.NewEncoder(&b)
	enc.SetEscapeHTML(false)
	enc.SetIndent("", "  ")
	if err := enc.Encode(v); err != nil {
		return fmt.Errorf("pricing: encode %s: %w", what, err)
	}
	return write(w, b.Bytes(), what)
}

func write(w io.Writer, b []byte, what string) error {
	if _, err := w.Write(b); err != nil {
		return fmt.Errorf("pricing: write %s: %w", what, err)
	}
	return nil
}
