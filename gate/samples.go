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
// float64), which are left out of the samples and counted in one warning
// with Line 0 (it is about the whole file).
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
	s             Samples
	tMin, tMax    float64
	any           bool
	done          []float64 // t_done of successful requests
	inTok, outTok []float64
	// skipped counts values left out because they are not finite, by
	// metric ("window" for records whose t_start or t_done is not).
	skipped map[string]int
	// gaps kept of gapsSeen (ITL reservoir); gapLimit overrides
	// MaxGapSamples when > 0 (tests); rng draws the reservoir's slots.
	gaps     []float64
	gapsSeen int64
	gapLimit int
	rng      *rand.Rand
}

// put appends v to metric's samples, or counts it when it is not finite.
func (c *collector) put(metric string, v float64) {
	if !finite(v) {
		c.skip(metric)
		return
	}
	c.s[metric] = append(c.s[metric], v)
}

func (c *collector) skip(metric string) {
	if c.skipped == nil {
		c.skipped = map[string]int{}
	}
	c.skipped[metric]++
}

// putGap adds one ITL gap to the reservoir (Algorithm R): the first
// limit gaps are kept, and the n-th after them replaces a kept one with
// probability limit / n.
func (c *collector) putGap(v float64) {
	if !finite(v) {
		c.skip("itl_ms")
		return
	}
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
	tDone := r.TDoneMS()
	inWindow := finite(r.TStartMS) && finite(tDone)
	if inWindow {
		if !c.any || r.TStartMS < c.tMin {
			c.tMin = r.TStartMS
		}
		if !c.any || tDone > c.tMax {
			c.tMax = tDone
		}
		c.any = true
	} else {
		c.skip("window")
	}
	c.put("schedule_lag_ms", r.TStartMS-r.TSchedMS)
	if !r.OK {
		return
	}
	if inWindow {
		c.done = append(c.done, tDone)
		c.inTok = append(c.inTok, float64(r.InputTokens))
		c.outTok = append(c.outTok, float64(r.OutputTokens))
	}
	c.put("e2e_ms", r.E2EMS)
	if r.TTFTMS != nil {
		c.put("ttft_ms", *r.TTFTMS)
		c.put("ttft_sched_ms", *r.TTFTMS+r.TStartMS-r.TSchedMS)
	}
	if r.TPOTMS != nil {
		c.put("tpot_ms", *r.TPOTMS)
		if *r.TPOTMS > 0 {
			c.put("output_speed_tokens_per_s", 1000 / *r.TPOTMS)
		}
	}
	for i := 1; i < len(r.EventsMS); i++ {
		c.putGap(r.EventsMS[i] - r.EventsMS[i-1])
	}
}

// skippedWarning says how many values were left out as not finite.
func (c *collector) skippedWarning() (bench.Warning, bool) {
	if len(c.skipped) == 0 {
		return bench.Warning{}, false
	}
	names := make([]string, 0, len(c.skipped))
	total := 0
	for k, n := range c.skipped {
		names = append(names, fmt.Sprintf("%s %d", k, n))
		total += n
	}
	sort.Strings(names)
	return bench.Warning{Msg: fmt.Sprintf("%d values that are not finite left out of the gate's samples (%s): corrupt records", total, strings.Join(names, ", "))}, true
}

func (c *collector) close() Samples {
	if c.s == nil {
		return Samples{}
	}
	if len(c.gaps) > 0 {
		c.s["itl_ms"] = c.gaps
	}
	windowMS := c.tMax - c.tMin
	if windowMS > 0 && finite(windowMS) {
		k := int(math.Min(math.Max(ThroughputBuckets, math.Floor(windowMS/1000)), maxThroughputBuckets))
		width := windowMS / float64(k)
		req, in, out := make([]float64, k), make([]float64, k), make([]float64, k)
		for i, t := range c.done {
			b := min(int((t-c.tMin)/width), k-1)
			req[b]++
			in[b] += c.inTok[i]
			out[b] += c.outTok[i]
		}
		tot := make([]float64, k)
		perS := 1000 / width
		for b := range k {
			tot[b] = (in[b] + out[b]) * perS
			req[b] *= perS
			in[b] *= perS
			out[b] *= perS
		}
		series := map[string][]float64{"throughput.requests_per_s": req, "throughput.input_tokens_per_s": in,
			"throughput.output_tokens_per_s": out, "throughput.total_tokens_per_s": tot}
		for name, v := range series {
			// A window of a few subnormal milliseconds (corrupt times)
			// overflows the rates: no samples rather than infinite ones.
			if slices.ContainsFunc(v, func(x float64) bool { return !finite(x) }) {
				c.skip(name)
				continue
			}
			c.s[name] = v
		}
	} else if c.any && !finite(windowMS) {
		c.skip("window")
	}
	for _, v := range c.s {
		sort.Float64s(v)
	}
	return c.s
}

func finite(v float64) bool { return !math.IsNaN(v) && !math.IsInf(v, 0) }
