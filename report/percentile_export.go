package report

// Percentile is the percentile definition of every distribution in
// summary.json (linear between closest ranks, numpy's default), for other
// packages that compute statistics on the same samples (gate). sorted must
// be ascending and non-empty; p is in 0..100.
func Percentile(sorted []float64, p float64) float64 { return percentile(sorted, p) }
