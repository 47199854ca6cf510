package report

import (
	"math"

	"github.com/tokenbench/tokenbench/bench"
)

// maxSeriesBuckets caps the per-second buckets at a week of run time, so a
// record with a corrupt offset cannot allocate without bound; seconds past
// it are left out of the time series (Series.Truncated says so) and of
// nothing else.
const maxSeriesBuckets = 7 * 24 * 3600

// Series is a run over time: bucket i covers [i, i+1) seconds from the
// run's start (the origin of t_*_ms in requests.jsonl).
type Series struct {
	// OutputTokensPerS is the output tokens that arrived in each second. A
	// request's tokens are spread evenly over its events, since usage
	// gives only the total.
	OutputTokensPerS []float64
	// InFlight is the mean number of requests in flight during each
	// second (time-weighted), failed ones included.
	InFlight []float64
	// TTFTMeanMS is the mean TTFT of successful requests that started in
	// each second; NaN for a second where none did.
	TTFTMeanMS []float64
	// Truncated is true when some record fell beyond maxSeriesBuckets.
	Truncated bool
}

// seriesBuckets accumulates a Series record by record.
type seriesBuckets struct {
	out, inflight, ttftSum []float64
	ttftN                  []int
	truncated              bool
	// endMS is the latest t_done seen: the last bucket covers only up
	// to it, and its rates are scaled to that part of a second.
	endMS float64
}

// bucket returns the index of the second holding tMS, growing the buckets
// to hold it; -1 when beyond the cap.
func (b *seriesBuckets) bucket(tMS float64) int {
	if math.IsNaN(tMS) || tMS < 0 {
		tMS = 0
	}
	i := int(tMS / 1000)
	if tMS/1000 >= maxSeriesBuckets {
		b.truncated = true
		return -1
	}
	for len(b.out) <= i {
		b.out = append(b.out, 0)
		b.inflight = append(b.inflight, 0)
		b.ttftSum = append(b.ttftSum, 0)
		b.ttftN = append(b.ttftN, 0)
	}
	return i
}

func (b *seriesBuckets) add(r *bench.Record) {
	start, done := r.TStartMS, r.TDoneMS()
	if math.IsNaN(start) || math.IsNaN(done) || math.IsInf(start, 0) || math.IsInf(done, 0) {
		return
	}
	if start < 0 {
		start = 0
	}
	if done < start {
		done = start
	}
	b.endMS = math.Max(b.endMS, done)
	// In flight: the share of each second the request overlapped. A
	// request ending exactly on a second's boundary is not in the next.
	first, last := b.bucket(start), b.bucket(math.Max(start, math.Nextafter(done, start)))
	if first >= 0 {
		if last < 0 {
			last = len(b.out) - 1
		}
		for i := first; i <= last; i++ {
			lo, hi := math.Max(start, float64(i)*1000), math.Min(done, float64(i+1)*1000)
			if hi > lo {
				b.inflight[i] += (hi - lo) / 1000
			}
		}
	}
	if !r.OK {
		return
	}
	if r.TTFTMS != nil {
		if i := b.bucket(start); i >= 0 {
			b.ttftSum[i] += *r.TTFTMS
			b.ttftN[i]++
		}
	}
	if r.OutputTokens <= 0 {
		return
	}
	if len(r.EventsMS) == 0 {
		if i := b.bucket(done); i >= 0 {
			b.out[i] += float64(r.OutputTokens)
		}
		return
	}
	per := float64(r.OutputTokens) / float64(len(r.EventsMS))
	for _, e := range r.EventsMS {
		if i := b.bucket(start + e); i >= 0 {
			b.out[i] += per
		}
	}
}

func (b *seriesBuckets) close() *Series {
	if len(b.out) == 0 {
		return nil
	}
	s := &Series{
		OutputTokensPerS: append([]float64(nil), b.out...),
		InFlight:         append([]float64(nil), b.inflight...),
		TTFTMeanMS:       make([]float64, len(b.out)),
		Truncated:        b.truncated,
	}
	// A last second the run only partly covered would show a false drop.
	last := len(b.out) - 1
	if covered := (b.endMS - float64(last)*1000) / 1000; covered > 0 && covered < 1 {
		s.OutputTokensPerS[last] /= covered
		s.InFlight[last] /= covered
	}
	for i := range b.ttftSum {
		s.TTFTMeanMS[i] = math.NaN()
		if b.ttftN[i] > 0 {
			s.TTFTMeanMS[i] = b.ttftSum[i] / float64(b.ttftN[i])
		}
	}
	return s
}

// Series returns the run over time, per second; nil when s keeps no
// samples or its source has no per-request start times.
func (s *Summary) Series() *Series {
	if !s.HasSamples() {
		return nil
	}
	return s.samples.series
}
