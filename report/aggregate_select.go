package report

import (
	"bytes"
	"math"
)

// selectPercentile is percentile(sorted(xs), p) without sorting: it finds
// the two order statistics the interpolation needs by selection, in
// linear time. It reorders xs. xs must be non-empty.
func selectPercentile(xs []float64, p float64) float64 {
	n := len(xs)
	if n == 1 || p <= 0 {
		return nthSmallest(xs, 0)
	}
	if p >= 100 {
		return nthSmallest(xs, n-1)
	}
	rank := p / 100 * float64(n-1)
	lo := int(math.Floor(rank))
	frac := rank - float64(lo)
	if top := n - lo; top <= len(topBuf{}) {
		return topPercentile(xs, top, frac)
	}
	a := nthSmallest(xs, lo)
	if lo+1 >= n || frac == 0 {
		return a
	}
	// After selecting lo, xs[lo+1:] holds the larger values: the next
	// order statistic is their minimum.
	b := xs[lo+1]
	for _, v := range xs[lo+2:] {
		b = math.Min(b, v)
	}
	return a + frac*(b-a)
}

// topBuf holds the largest values of a short sample, ascending.
type topBuf [16]float64

// topPercentile interpolates between the top-th and the (top-1)-th largest
// values of xs, which is what a high percentile of a short sample needs:
// one pass keeping the top largest in order, no reordering of xs.
func topPercentile(xs []float64, top int, frac float64) float64 {
	var buf topBuf
	k := 0 // values in buf[:k], ascending
	for _, v := range xs {
		if k == top && v <= buf[0] {
			continue
		}
		// Insert v in order, dropping the smallest when full.
		i := k
		if k == top {
			i = top - 1
			copy(buf[:i], buf[1:top])
		} else {
			k++
		}
		for i > 0 && buf[i-1] > v {
			buf[i] = buf[i-1]
			i--
		}
		buf[i] = v
	}
	a := buf[0] // the top-th largest: rank lo
	if top < 2 || frac == 0 {
		return a
	}
	return a + frac*(buf[1]-a)
}

// nthSmallest partially sorts xs so that xs[k] is its k-th smallest value
// (0-based), everything before it no larger and everything after no
// smaller, and returns it (Hoare's selection, middle pivot). NaN is not
// expected: gaps of finite offsets are finite.
func nthSmallest(xs []float64, k int) float64 {
	lo, hi := 0, len(xs)-1
	for lo < hi {
		pivot := xs[lo+(hi-lo)/2]
		i, j := lo, hi
		for i <= j {
			for xs[i] < pivot {
				i++
			}
			for xs[j] > pivot {
				j--
			}
			if i <= j {
				xs[i], xs[j] = xs[j], xs[i]
				i++
				j--
			}
		}
		switch {
		case k <= j:
			hi = j
		case k >= i:
			lo = i
		default:
			return xs[k]
		}
	}
	return xs[k]
}

// mayHoldKey reports whether the JSON object raw may have key, as
// encoding/json matches keys (case-insensitively, escapes decoded): false
// only when raw has no escape and no ASCII case-insensitive match of key.
// key must be ASCII without 'k' or 's' (whose Unicode folds are not ASCII).
// It spares decoding the engine fields of every record of a run that did
// not speculate.
func mayHoldKey(raw []byte, key string) bool {
	if bytes.IndexByte(raw, '\\') >= 0 {
		return true
	}
	first := key[0] | 0x20 // lower case
	for i := 0; i+len(key) <= len(raw); i++ {
		if raw[i]|0x20 != first {
			continue
		}
		if bytes.EqualFold(raw[i:i+len(key)], []byte(key)) {
			return true
		}
	}
	return false
}
