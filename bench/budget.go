package bench

import (
	"errors"
	"fmt"
	"math"
	"strconv"
	"strings"
	"sync/atomic"
)

// errBufferBudget marks a stream stopped because the run's budget of
// buffered event bytes was spent (class client_limit).
var errBufferBudget = errors.New("buffered event bytes over the run's budget (--max-buffer)")

// BufferBudget bounds the bytes that all streams of a run hold in their
// read and event buffers at once. Each stream starts small and reserves
// more as an event outgrows its buffers; a reservation that would exceed
// the budget fails that stream (class client_limit) rather than the
// process. The zero of a nil *BufferBudget is no bound.
type BufferBudget struct {
	limit int64
	used  atomic.Int64
	peak  atomic.Int64
}

// NewBufferBudget returns a budget of limit bytes; limit <= 0 means none.
func NewBufferBudget(limit int64) *BufferBudget {
	if limit <= 0 {
		return nil
	}
	return &BufferBudget{limit: limit}
}

// Limit is the budget in bytes.
func (b *BufferBudget) Limit() int64 {
	if b == nil {
		return 0
	}
	return b.limit
}

// Peak is the most bytes held at once so far.
func (b *BufferBudget) Peak() int64 {
	if b == nil {
		return 0
	}
	return b.peak.Load()
}

// reserve takes n bytes from the budget or fails without taking any.
func (b *BufferBudget) reserve(n int64) error {
	if b == nil || n <= 0 {
		return nil
	}
	for {
		u := b.used.Load()
		if u+n > b.limit {
			return fmt.Errorf("%w: %d bytes held by all streams, %d more needed, budget %d", errBufferBudget, u, n, b.limit)
		}
		if b.used.CompareAndSwap(u, u+n) {
			for p := b.peak.Load(); u+n > p && !b.peak.CompareAndSwap(p, u+n); p = b.peak.Load() {
			}
			return nil
		}
	}
}

// release returns n bytes to the budget.
func (b *BufferBudget) release(n int64) {
	if b != nil && n > 0 {
		b.used.Add(-n)
	}
}

// DefaultMaxBuffer is the default budget of buffered event bytes of a run.
const DefaultMaxBuffer = "256MB"

// ParseByteSize reads a size such as "256MB", "64KiB", "1GB" or "4096":
// a whole number with an optional unit B, KB, MB, GB (powers of 1000) or
// KiB, MiB, GiB (powers of 1024), case-insensitive; "0" means no bound.
func ParseByteSize(s string) (int64, error) {
	t := strings.TrimSpace(s)
	i := 0
	for i < len(t) && t[i] >= '0' && t[i] <= '9' {
		i++
	}
	if i == 0 || i > 15 {
		return 0, fmt.Errorf("bench: size %q: want a whole number of bytes with an optional unit (KB, MB, GB, KiB, MiB, GiB)", s)
	}
	n, err := strconv.ParseInt(t[:i], 10, 64)
	if err != nil {
		return 0, fmt.Errorf("bench: size %q: %w", s, err)
	}
	units := map[string]int64{"": 1, "b": 1, "kb": 1e3, "mb": 1e6, "gb": 1e9, "kib": 1 << 10, "mib": 1 << 20, "gib": 1 << 30}
	u, ok := units[strings.ToLower(strings.TrimSpace(t[i:]))]
	if !ok {
		return 0, fmt.Errorf("bench: size %q: unknown unit %q (B, KB, MB, GB, KiB, MiB, GiB)", s, strings.TrimSpace(t[i:]))
	}
	if n > math.MaxInt64/u {
		return 0, fmt.Errorf("bench: size %q: too large", s)
	}
	return n * u, nil
}
