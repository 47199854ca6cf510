package gate

import (
	"fmt"
	"math"
	"math/rand/v2"
	"path/filepath"
	"slices"
	"sort"
	"strings"

	"github.com/tokenbench/tokenbench/bench"
	"github.com/tokenbench/tokenbench/report"
)

// Samples are a run's per-request samples by metric, each sorted
// ascending: the latency distributions of summary.json (successful
// measured requests, as report computes them) and the per-bucket rates
// behind throughput (ThroughputBuckets).
type Samples map[string][]float64

// Latency metrics with per-request samples, by their summary.json name.
var latencyMetrics = []string{"ttft_ms", "ttft_sched_ms", "tpot_ms", "itl_ms", "e2e_ms", "schedule_lag_ms", "output_speed_tokens_per_s"}

// Throughput metrics judged on per-bucket rates, by their summary.json name.
var throughputMetrics = []string{"throughput.requests_per_s", "throughput.input_tokens_per_s", "throughput.output_tokens_per_s", "throughput.total_tokens_per_s"}

// ThroughputBuckets is the fewest buckets a run's window is cut into for
// throughput samples; longer runs get one bucket per second.
const ThroughputBuckets = 20

// baselineStats are the statistics a baseline can compare.
var baselineStats = map[string]float64{"p50": 50, "p90": 90, "p95": 95, "p99": 99, "p999": 99.9, "mean": -1}

// SampleMetric splits a baseline path into the samples it reads and the
// statistic: ttft_ms.p50 -> (ttft_ms, p50); throughput paths compare the
// mean of their bucket rates.
func SampleMetric(path string) (metric, stat string, err error) {
	if slices.Contains(throughputMetrics, path) {
		return path, "mean", nil
	}
	i := strings.LastIndex(path, ".")
	if i > 0 && slices.Contains(latencyMetrics, path[:i]) {
		if _, ok := baselineStats[path[i+1:]]; ok {
			return path[:i], path[i+1:], nil
		}
	}
	return "", "", fmt.Errorf("%q cannot be compared with a baseline: use METRIC.STAT with METRIC one of %s and STAT one of p50, p90, p95, p99, p999, mean; or one of %s",
		path, strings.Join(latencyMetrics, ", "), strings.Join(throughputMetrics, ", "))
}

// MaxGapSamples is the most ITL gaps a run's samples keep (8 MB), the
// same 2^20 up to which summary.json's ITL figures are exact: up to it the
// gate's ITL samples are every gap, and its statistics summary.json's.
// Past it they are a uniform random sample of the gaps (reservoir sampling
// from a PCG generator with a fixed seed, so a function of the records in
// file order): the statistic is the sample's, an estimate of the whole
// run's, and the bootstrap interval is that of MaxGapSamples samples,
// wider than the whole run's would be, so a regression must be larger to
// fail. The bootstrap itself cannot use more: it draws resamples x samples
// (DrawBudget), and every gap kept costs 8 bytes per run judged.
const MaxGapSamples = 1 << 20

// gapSeed seeds the ITL reservoir.
const gapSeed = 0x697469_676170

// maxThroughputBuckets caps the buckets of the throughput samples: a
// window over 2^20 s (12 days; only a corrupt record stretches a run's
// window that far) gets wider buckets rather than an allocation as large
// as the window.
const maxThroughputBuckets = 1 << 20

// ReadSamples reads DIR/requests.jsonl into Samples. Torn or bad lines are
// reported as warnings, as report does; so are values that are not finite
// (NaN, +-Inf: a corrupt or hostile record whose numbers overflow when
// combined, e.g. two event times of opposite sign near the largest
// float64), beyond report.MaxFigure, or negative durations: report's rule
// (report.NewRecordValues) leaves them out of the samples, as it does of
// summary.json, and they are counted in one warning with Line 0 (it is
// about the whole file).
func ReadSamples(dir string) (Samples, []bench.Warning, error) {
	c := &collector{}
	warns, err := bench.ReadRecordsFile(filepath.Join(dir, bench.RecordsFile), func(r bench.Record) error {
		c.add(r)
		return nil
	})
	if err != nil {
		return nil, warns, fmt.Errorf("gate: %w", err)
	}
	s := c.close()
	if w, ok := c.skippedWarning(); ok {
		warns = append(warns, w)
	}
	return s, warns, nil
}

// SamplesOf computes Samples from records; values that are not finite are
// left out, as ReadSamples does.
func SamplesOf(recs []bench.Record) Samples {
	c := &collector{}
	for _, r := range recs {
		c.add(r)
	}
	return c.close()
}

type collector struct {
	s      Samples
	window report.Window
	done   []float64 // t_done of successful requests
	inTok  []float64
	outTok []float64
	// skipped counts values left out by report's rule (report.LeftOut:
	// not finite, beyond report.MaxFigure, a negative duration), by
	// metric, with the same names and counts as summary.json's
	// skipped_values for the same records.
	skipped report.LeftOut
	// gaps kept of gapsSeen (ITL reservoir); gapLimit overrides
	// MaxGapSamples when > 0 (tests); rng draws the reservoir's slots.
	gaps     []float64
	gapsSeen int64
	gapLimit int
	rng      *rand.Rand
}

// putGap adds one ITL gap, kept by report's rule, to the reservoir
// (Algorithm R): the first limit gaps are kept, and the n-th after them
// replaces a kept one with probability limit / n.
func (c *collector) putGap(v float64) {
	limit := MaxGapSamples
	if c.gapLimit > 0 {
		limit = c.gapLimit
	}
	c.gapsSeen++
	if len(c.gaps) < limit {
		c.gaps = append(c.gaps, v)
		return
	}
	if c.rng == nil {
		c.rng = rand.New(rand.NewPCG(gapSeed, 0))
	}
	if j := c.rng.Int64N(c.gapsSeen); j < int64(limit) {
		c.gaps[j] = v
	}
}

func (c *collector) add(r bench.Record) {
	if r.Warmup {
		return
	}
	if c.s == nil {
		c.s = Samples{}
	}
	if c.skipped == nil {
		c.skipped = report.LeftOut{}
	}
	v := report.NewRecordValues(&r, c.skipped)
	c.window.Add(v)
	put := func(ok bool, metric string, x float64) {
		if ok {
			c.s[metric] = append(c.s[metric], x)
		}
	}
	put(v.LagOK, "schedule_lag_ms", v.Lag)
	if !r.OK {
		return
	}
	if v.InWindow {
		c.done = append(c.done, v.TDone)
		in, out := 0.0, 0.0
		if v.InputOK {
			in = float64(v.Input)
		}
		if v.OutputOK {
			out = float64(v.Output)
		}
		c.inTok = append(c.inTok, in)
		c.outTok = append(c.outTok, out)
	}
	put(v.E2EOK, "e2e_ms", v.E2E)
	put(v.TTFTOK, "ttft_ms", v.TTFT)
	put(v.TTFTSchedOK, "ttft_sched_ms", v.TTFTSched)
	put(v.TPOTOK, "tpot_ms", v.TPOT)
	put(v.SpeedOK, "output_speed_tokens_per_s", v.Speed)
	report.EachGap(&r, c.skipped, c.putGap)
}

// skippedWarning says how many values were left out by report's rule.
func (c *collector) skippedWarning() (bench.Warning, bool) {
	if c.skipped.Total() == 0 {
		return bench.Warning{}, false
	}
	return bench.Warning{Msg: report.SkippedValuesMessage(c.skipped)}, true
}

func (c *collector) close() Samples {
	if c.s == nil {
		return Samples{}
	}
	if len(c.gaps) > 0 {
		c.s["itl_ms"] = c.gaps
	}
	// Both bounds are kept times: the window is finite.
	windowMS := c.window.Done - c.window.Start
	if windowMS > 0 {
		k := int(math.Min(math.Max(ThroughputBuckets, math.Floor(windowMS/1000)), maxThroughputBuckets))
		width := windowMS / float64(k)
		req, in, out := make([]float64, k), make([]float64, k), make([]float64, k)
		for i, t := range c.done {
			b := min(int((t-c.window.Start)/width), k-1)
			req[b]++
			in[b] += c.inTok[i]
			out[b] += c.outTok[i]
		}
		// x / width * 1000 rather than x * (1000 / width): an empty bucket
		// of a subnormal width is 0 per second, as summary.json's rate of
		// nothing is, not 0 * Inf.
		tot := make([]float64, k)
		perS := func(x float64) float64 { return x / width * 1000 }
		for b := range k {
			tot[b] = perS(in[b] + out[b])
			req[b] = perS(req[b])
			in[b] = perS(in[b])
			out[b] = perS(out[b])
		}
		series := map[string][]float64{"throughput.requests_per_s": req, "throughput.input_tokens_per_s": in,
			"throughput.output_tokens_per_s": out, "throughput.total_tokens_per_s": tot}
		for name, v := range series {
			// A window of a few subnormal milliseconds (corrupt times)
			// overflows the rates: no samples rather than absurd ones,
			// counted once per metric as summary.json counts its rate.
			if slices.ContainsFunc(v, func(x float64) bool { return !report.KeepDuration(x) }) {
				c.skipped.Add(name)
				continue
			}
			c.s[name] = v
		}
	}
	for _, v := range c.s {
		sort.Float64s(v)
	}
	return c.s
}
