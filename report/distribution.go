package report

import (
	"math"
	"slices"

	"github.com/montanaflynn/stats"
)

// Distribution summarises the samples of one metric. Units are those of the
// field that holds it in Summary (ms or tokens/s). A metric with no samples
// has no Distribution: Summary holds nil there, never a row of zeros.
type Distribution struct {
	Count int     `json:"count"`
	Mean  float64 `json:"mean"`
	// Std is the population standard deviation.
	Std  float64 `json:"std"`
	Min  float64 `json:"min"`
	P50  float64 `json:"p50"`
	P90  float64 `json:"p90"`
	P95  float64 `json:"p95"`
	P99  float64 `json:"p99"`
	P999 float64 `json:"p999"`
	Max  float64 `json:"max"`
}

// newDistribution sorts samples in place and summarises them; nil when empty.
func newDistribution(samples []float64) *Distribution {
	if len(samples) == 0 {
		return nil
	}
	slices.Sort(samples)
	// Both only fail on empty input, excluded above.
	mean, _ := stats.Mean(samples)
	std, _ := stats.StandardDeviationPopulation(samples)
	return &Distribution{
		Count: len(samples),
		Mean:  mean,
		Std:   std,
		Min:   samples[0],
		P50:   percentile(samples, 50),
		P90:   percentile(samples, 90),
		P95:   percentile(samples, 95),
		P99:   percentile(samples, 99),
		P999:  percentile(samples, 99.9),
		Max:   samples[len(samples)-1],
	}
}

// percentile returns the p-th percentile (0..100) of sorted, interpolating
// linearly between the two closest ranks: rank = p/100 * (n-1). This is
// numpy.percentile's default method ("linear"), which vLLM's benchmark uses,
// so our p99 can be compared with theirs. montanaflynn/stats.Percentile uses
// a different (nearest-rank style) definition and is deliberately not used.
// sorted must be ascending and non-empty.
func percentile(sorted []float64, p float64) float64 {
	n := len(sorted)
	if n == 1 || p <= 0 {
		return sorted[0]
	}
	if p >= 100 {
		return sorted[n-1]
	}
	rank := p / 100 * float64(n-1)
	lo := int(math.Floor(rank))
	frac := rank - float64(lo)
	if lo+1 >= n {
		return sorted[n-1]
	}
	return sorted[lo] + frac*(sorted[lo+1]-sorted[lo])
}
