package report

import (
	"math"
	"slices"

	hdrhistogram "github.com/HdrHistogram/hdrhistogram-go"
)

// Per-gap statistics (ITL: one sample per token-bearing event, tens of
// millions in a long run) cannot all be kept. Up to exactGapSamples they
// are, and every figure is exact; past it the percentiles come from an HDR
// histogram while count, mean, std, min and max stay exact (running sums).
// docs/METRICS.md states the error.
const (
	// exactGapSamples is the largest number of gaps kept as samples (8 MB):
	// a run of 10,000 requests of 100 tokens stays exact.
	exactGapSamples = 1 << 20
	// gapSigFigs is the histogram's precision: 3 significant digits, so a
	// bucket spans at most 1/1024 of its lower bound.
	gapSigFigs = 3
	// gapMaxNS is the largest gap the histogram resolves, one hour in
	// nanoseconds; longer gaps count as one hour in the percentiles (min,
	// max and mean keep their true values).
	gapMaxNS = int64(3600e9)
	// gapPlotPoints is how many order statistics stand for the gaps in
	// plots once they are too many to keep.
	gapPlotPoints = 100_000
)

// gapStats accumulates one per-gap metric in ms.
type gapStats struct {
	n int
	// shift is the first gap; sum and sumSq are of (gap - shift), which
	// keeps the variance free of cancellation when gaps are alike (the
	// shifted-data algorithm) without a division per gap.
	shift, sum, sumSq float64
	lo, hi            float64
	exact             []float64 // nil once n passed exactGapSamples
	overflowed        bool
	hist              *hdrhistogram.Histogram
	// limit overrides exactGapSamples when > 0 (tests).
	limit int
}

// add records one finite gap in ms.
func (g *gapStats) add(v float64) {
	if g.hist == nil {
		g.hist = hdrhistogram.New(1, gapMaxNS, gapSigFigs)
	}
	g.n++
	if g.n == 1 {
		g.shift = v
	}
	d := v - g.shift
	g.sum += d
	g.sumSq += d * d
	if g.n == 1 || v < g.lo {
		g.lo = v
	}
	if g.n == 1 || v > g.hi {
		g.hi = v
	}
	// RecordValue cannot fail inside [0, gapMaxNS].
	_ = g.hist.RecordValue(gapNS(v))
	if g.overflowed {
		return
	}
	limit := exactGapSamples
	if g.limit > 0 {
		limit = g.limit
	}
	if len(g.exact) >= limit {
		g.exact, g.overflowed = nil, true
		return
	}
	g.exact = append(g.exact, v)
}

// gapNS converts ms to whole nanoseconds inside the histogram's range; a
// negative gap (only a corrupt record has one) counts as 0.
func gapNS(v float64) int64 {
	ns := math.Round(v * 1e6)
	switch {
	case ns < 0:
		return 0
	case ns > float64(gapMaxNS):
		return gapMaxNS
	}
	return int64(ns)
}

// exactSamples reports whether every gap is kept.
func (g *gapStats) exactSamples() bool { return !g.overflowed }

// distribution summarises the gaps; nil when there are none. While exact
// it sorts the kept samples in place, as newDistribution does.
func (g *gapStats) distribution() *Distribution {
	if g.n == 0 {
		return nil
	}
	if !g.overflowed {
		return newDistribution(g.exact)
	}
	os := g.orderStats()
	n := float64(g.n)
	mean := g.sum / n
	return &Distribution{
		Count: g.n,
		Mean:  g.shift + mean,
		Std:   math.Sqrt(math.Max(0, g.sumSq/n-mean*mean)),
		Min:   g.lo,
		P50:   os.percentile(50),
		P90:   os.percentile(90),
		P95:   os.percentile(95),
		P99:   os.percentile(99),
		P999:  os.percentile(99.9),
		Max:   g.hi,
	}
}

// plotSamples returns sorted samples standing for the gaps and how many
// gaps each stands for: every gap and 1 while exact, else gapPlotPoints
// order statistics evenly spaced in rank. Call after distribution.
func (g *gapStats) plotSamples() (sorted []float64, weight float64) {
	if g.n == 0 {
		return nil, 1
	}
	if !g.overflowed {
		return slices.Clone(g.exact), 1
	}
	os := g.orderStats()
	m := min(g.n, gapPlotPoints)
	out := make([]float64, m)
	for j := range out {
		out[j] = os.at(int(math.Round(float64(j) * float64(g.n-1) / float64(m-1))))
	}
	return out, float64(g.n) / float64(m)
}

// gapOrder finds the k-th smallest gap (0-based) from the histogram: the
// middle of its bucket, within [min, max]; the smallest and the largest
// are exact.
type gapOrder struct {
	g    *gapStats
	bars []hdrhistogram.Bar // buckets with counts, ascending
	cum  []int64            // cum[i] = gaps in bars[:i+1]
}

func (g *gapStats) orderStats() gapOrder {
	o := gapOrder{g: g}
	var c int64
	for _, b := range g.hist.Distribution() {
		if b.Count == 0 {
			continue
		}
		c += b.Count
		o.bars = append(o.bars, b)
		o.cum = append(o.cum, c)
	}
	return o
}

func (o gapOrder) at(k int) float64 {
	switch {
	case k <= 0:
		return o.g.lo
	case k >= o.g.n-1:
		return o.g.hi
	}
	i, _ := slices.BinarySearch(o.cum, int64(k)+1)
	if i >= len(o.bars) {
		return o.g.hi
	}
	b := o.bars[i]
	mid := (float64(b.From) + float64(b.To)) / 2 / 1e6
	return math.Min(math.Max(mid, o.g.lo), o.g.hi)
}

// percentile interpolates linearly between the two closest ranks, as
// percentile does over exact samples.
func (o gapOrder) percentile(p float64) float64 {
	rank := p / 100 * float64(o.g.n-1)
	lo := int(math.Floor(rank))
	frac := rank - float64(lo)
	a := o.at(lo)
	if frac == 0 {
		return a
	}
	return a + frac*(o.at(lo+1)-a)
}
