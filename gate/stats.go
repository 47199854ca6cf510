package gate

import (
	"math"
	"math/rand/v2"
	"sort"
	"strconv"
	"strings"

	"github.com/tokenbench/tokenbench/report"
)

// MinSamples is the fewest samples a statistic is judged on: floor for
// the mean and the median, and for a percentile q also 1/(1-q), so that at
// least one sample lies beyond it (p99: 100, p999: 1000).
func MinSamples(stat string, floor int) int {
	q, ok := quantileOf(stat)
	if !ok || q <= 0.5 {
		return floor
	}
	return max(floor, int(math.Ceil(1/(1-q)-1e-9)))
}

// quantileOf returns q in (0,1) of p50, p90, p99, p999 ...
func quantileOf(stat string) (float64, bool) {
	if !strings.HasPrefix(stat, "p") || len(stat) < 3 {
		return 0, false
	}
	digits := stat[1:]
	if _, err := strconv.Atoi(digits); err != nil {
		return 0, false
	}
	// p50 = 0.50, p999 = 0.999: the digits are the decimals.
	q, _ := strconv.ParseFloat("0."+digits, 64)
	return q, q > 0 && q < 1
}

// statistic computes stat over sorted samples, as summary.json does
// (report.Percentile for percentiles).
func statistic(sorted []float64, stat string) float64 {
	if stat == "mean" {
		s := 0.0
		for _, v := range sorted {
			s += v
		}
		return s / float64(len(sorted))
	}
	return report.Percentile(sorted, baselineStats[stat])
}

// Interval is a bootstrap confidence interval of the relative change of a
// statistic, current / baseline - 1.
type Interval struct {
	Change   float64 // point estimate
	Low      float64
	High     float64
	Resample int
}

// bootstrapRatio resamples both sorted sample sets with replacement
// (seeded: the result is a function of its inputs) and returns the
// percentile interval at confidence conf of stat(cur)/stat(base) - 1.
func bootstrapRatio(cur, base []float64, stat string, conf float64, resamples int, seed uint64) Interval {
	resamples = resamplesWithin(resamples, len(cur)+len(base))
	rng := rand.New(rand.NewPCG(seed, 0x746f6b656e62656e))
	iv := Interval{Change: statistic(cur, stat)/statistic(base, stat) - 1, Resample: resamples}
	cc, bc := make([]int, len(cur)), make([]int, len(base))
	ratios := make([]float64, 0, resamples)
	for range resamples {
		c := resampledStat(rng, cur, cc, stat)
		b := resampledStat(rng, base, bc, stat)
		if b == 0 {
			continue
		}
		ratios = append(ratios, c/b-1)
	}
	if len(ratios) == 0 {
		iv.Low, iv.High = math.Inf(-1), math.Inf(1)
		return iv
	}
	sort.Float64s(ratios)
	alpha := (1 - conf) / 2
	iv.Low = report.Percentile(ratios, 100*alpha)
	iv.High = report.Percentile(ratios, 100*(1-alpha))
	return iv
}

// resampledStat draws len(sorted) indices with replacement into counts and
// computes stat over the resample without sorting it: walking the counts
// over the sorted samples visits the resample in order.
func resampledStat(rng *rand.Rand, sorted []float64, counts []int, stat string) float64 {
	n := len(sorted)
	clear(counts)
	for range n {
		counts[rng.IntN(n)]++
	}
	if stat == "mean" {
		s := 0.0
		for i, c := range counts {
			s += float64(c) * sorted[i]
		}
		return s / float64(n)
	}
	// report.Percentile's linear rule: rank = p/100 * (n-1).
	rank := baselineStats[stat] / 100 * float64(n-1)
	lo := int(math.Floor(rank))
	frac := rank - float64(lo)
	at := func(k int) float64 {
		seen := 0
		for i, c := range counts {
			seen += c
			if seen > k {
				return sorted[i]
			}
		}
		return sorted[n-1]
	}
	vlo := at(lo)
	if frac == 0 || lo+1 >= n {
		return vlo
	}
	return vlo + frac*(at(lo+1)-vlo)
}

// DrawBudget caps the samples one check draws (resamples x both sizes),
// about a second of work: pooled ITL gaps of a long run number millions.
const DrawBudget = 40_000_000

// MinResamples is the fewest resamples a check uses whatever its size.
const MinResamples = 200

// resamplesWithin lowers resamples so that n samples per resample fit in
// DrawBudget, never below MinResamples; the verdict reports the number used.
func resamplesWithin(resamples, n int) int {
	if n > 0 && resamples*n > DrawBudget {
		resamples = max(MinResamples, DrawBudget/n)
	}
	return resamples
}
