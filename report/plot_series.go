package report

import (
	"fmt"
	"math"
	"regexp"
	"slices"
	"strings"

	"gonum.org/v1/plot/plotter"
	"gonum.org/v1/plot/vg"

	"github.com/tokenbench/tokenbench/bench/scrape"
)

// seriesFigures draws the runs over time, one chart per quantity with the
// runs overlaid: output throughput, requests in flight, TTFT.
func seriesFigures(runs []*Run) []Figure {
	charts := []struct {
		name, title, y, caption string
		get                     func(*Series) []float64
	}{
		{"throughput_series", "Output throughput over time", "output tokens/s",
			"Output tokens arriving per second of the run.", func(s *Series) []float64 { return s.OutputTokensPerS }},
		{"inflight_series", "Requests in flight over time", "requests (mean over each second)",
			"Requests in flight, time-weighted mean over each second.", func(s *Series) []float64 { return s.InFlight }},
		{"ttft_series", "TTFT over time", "TTFT (ms), mean per second",
			"Mean TTFT of the successful requests started in each second.", func(s *Series) []float64 { return s.TTFTMeanMS }},
	}
	var figs []Figure
	for _, c := range charts {
		p := newPlot(c.title, "time since run start (s)", c.y)
		drawn := 0
		for i, r := range runs {
			s := r.Summary.Series()
			if s == nil {
				continue
			}
			ys := c.get(s)
			xys := make(plotter.XYs, len(ys))
			for j, y := range ys {
				xys[j] = plotter.XY{X: float64(j), Y: y}
			}
			addLine(p, i, legendLabel(runs, r), xys, vg.Points(1.2))
			drawn++
		}
		if drawn == 0 {
			continue
		}
		p.Y.Min = 0
		figs = append(figs, Figure{Name: c.name, Plot: p, Caption: c.caption})
	}
	return figs
}

// gaugeFigures draws each engine gauge over time, runs overlaid, at most
// maxGauges of them: those about KV cache, queues and running requests
// first, since they explain latency; the rest in name order.
func gaugeFigures(runs []*Run, maxGauges int) []Figure {
	names := map[string]bool{}
	for _, r := range runs {
		for _, n := range r.Gauges.Names() {
			names[n] = true
		}
	}
	order := make([]string, 0, len(names))
	for n := range names {
		order = append(order, n)
	}
	slices.SortFunc(order, func(a, b string) int {
		if pa, pb := gaugePriority(a), gaugePriority(b); pa != pb {
			return pa - pb
		}
		return strings.Compare(a, b)
	})
	var figs []Figure
	for k, name := range order {
		if k == maxGauges {
			break
		}
		title, unit := gaugeText(name)
		p := newPlot("Engine: "+title, "time since run start (s)", unit)
		for i, r := range runs {
			if r.Gauges == nil {
				continue
			}
			pts := r.Gauges.ByName[name]
			xys := make(plotter.XYs, len(pts))
			for j, pt := range pts {
				xys[j] = plotter.XY{X: pt.TMS / 1000, Y: pt.Value}
			}
			addLine(p, i, legendLabel(runs, r), xys, vg.Points(1.2))
		}
		// Gauges count or share things: from 0, never below.
		p.Y.Min = math.Min(p.Y.Min, 0)
		if p.Y.Min == 0 && p.Y.Max <= 0 {
			p.Y.Max = 1
		}
		figs = append(figs, Figure{Name: "gauge_" + fileSafe(name), Plot: p,
			Caption: fmt.Sprintf("Engine gauge %s (%s), as scraped into %s.", title, name, MetricsFile)})
	}
	return figs
}

// gaugePriority ranks a gauge name: lower is drawn first.
func gaugePriority(name string) int {
	n := strings.ToLower(name)
	for i, key := range []string{"kv", "cache", "queue", "waiting", "running"} {
		if strings.Contains(n, key) {
			return i
		}
	}
	return 10
}

var unsafeChars = regexp.MustCompile(`[^A-Za-z0-9_.-]+`)

// fileSafe turns a metric name such as vllm:kv_cache_usage_perc into a
// file name stem.
func fileSafe(s string) string {
	return strings.Trim(unsafeChars.ReplaceAllString(s, "_"), "_.")
}

// gaugeText is a gauge's title and y-axis label: words for the canonical
// gauges (bench/scrape), the name itself for the others.
func gaugeText(name string) (title, unit string) {
	switch name {
	case scrape.GaugeKVUsage:
		return "KV cache usage", "KV cache used (fraction of capacity)"
	case scrape.GaugeQueueDepth:
		return "requests queued", "requests waiting for admission"
	case scrape.GaugeRunning:
		return "requests running", "requests in the running batch"
	case scrape.GaugePrefixHitRate:
		return "prefix-cache hit rate", "hit rate (fraction)"
	case scrape.GaugeSpecAcceptLength:
		return "acceptance length", "tokens per step (running mean)"
	case scrape.GaugeSpecAcceptRate:
		return "acceptance rate", "acceptance rate (running mean)"
	}
	return name, name
}
