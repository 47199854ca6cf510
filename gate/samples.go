package gate

import (
	"fmt"
	"math"
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

// ReadSamples reads DIR/requests.jsonl into Samples. Torn or bad lines are
// reported as warnings, as report does.
func ReadSamples(dir string) (Samples, []bench.Warning, error) {
	c := &collector{}
	warns, err := bench.ReadRecordsFile(filepath.Join(dir, bench.RecordsFile), func(r bench.Record) error {
		c.add(r)
		return nil
	})
	if err != nil {
		return nil, warns, fmt.Errorf("gate: %w", err)
	}
	return c.close(), warns, nil
}

// SamplesOf computes Samples from records.
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
}

func (c *collector) add(r bench.Record) {
	if r.Warmup {
		return
	}
	if c.s == nil {
		c.s = Samples{}
	}
	if !c.any || r.TStartMS < c.tMin {
		c.tMin = r.TStartMS
	}
	if !c.any || r.TDoneMS() > c.tMax {
		c.tMax = r.TDoneMS()
	}
	c.any = true
	c.s["schedule_lag_ms"] = append(c.s["schedule_lag_ms"], r.TStartMS-r.TSchedMS)
	if !r.OK {
		return
	}
	c.done = append(c.done, r.TDoneMS())
	c.inTok = append(c.inTok, float64(r.InputTokens))
	c.outTok = append(c.outTok, float64(r.OutputTokens))
	c.s["e2e_ms"] = append(c.s["e2e_ms"], r.E2EMS)
	if r.TTFTMS != nil {
		c.s["ttft_ms"] = append(c.s["ttft_ms"], *r.TTFTMS)
		c.s["ttft_sched_ms"] = append(c.s["ttft_sched_ms"], *r.TTFTMS+r.TStartMS-r.TSchedMS)
	}
	if r.TPOTMS != nil {
		c.s["tpot_ms"] = append(c.s["tpot_ms"], *r.TPOTMS)
		if *r.TPOTMS > 0 {
			c.s["output_speed_tokens_per_s"] = append(c.s["output_speed_tokens_per_s"], 1000 / *r.TPOTMS)
		}
	}
	c.s["itl_ms"] = append(c.s["itl_ms"], r.ITLs()...)
}

func (c *collector) close() Samples {
	if c.s == nil {
		return Samples{}
	}
	windowMS := c.tMax - c.tMin
	if windowMS > 0 {
		k := max(ThroughputBuckets, int(math.Floor(windowMS/1000)))
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
		c.s["throughput.requests_per_s"] = req
		c.s["throughput.input_tokens_per_s"] = in
		c.s["throughput.output_tokens_per_s"] = out
		c.s["throughput.total_tokens_per_s"] = tot
	}
	for _, v := range c.s {
		sort.Float64s(v)
	}
	return c.s
}
