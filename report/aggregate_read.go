package report

import (
	"slices"
	"sync"

	"github.com/tokenbench/tokenbench/bench"
)

// readBatch is how many records travel together from the reader to the
// aggregating goroutine: enough that the hand-over costs nothing per
// record, few enough (a few hundred KB) that memory stays flat.
const readBatch = 512

// ReadRecordsFile reads a records file into a, as bench.ReadRecordsFile(path,
// a.Write) does, with the same warnings and errors, but adds on a second
// goroutine in batches: decoding the lines and aggregating the records
// (per-gap statistics, speculative-decoding estimates, time series) take
// about the same time, so on two cores a million records take about half
// as long (docs/BENCHMARKS.md). Records are added in file order, so the
// Summary is the one a.Write would give.
func (a *Aggregator) ReadRecordsFile(path string) ([]bench.Warning, error) {
	batches := make(chan []bench.Record, 4)
	free := make(chan []bench.Record, 6)
	var wg sync.WaitGroup
	wg.Add(1)
	go func() {
		defer wg.Done()
		for b := range batches {
			for i := range b {
				a.Add(b[i])
			}
			select {
			case free <- b[:0]:
			default: // never blocks: a spare batch is left to the collector
			}
		}
	}()
	batch := make([]bench.Record, 0, readBatch)
	warns, err := bench.ReadRecordsFile(path, func(r bench.Record) error {
		batch = append(batch, r)
		if len(batch) == readBatch {
			batches <- batch
			select {
			case batch = <-free:
			default:
				batch = make([]bench.Record, 0, readBatch)
			}
		}
		return nil
	})
	if len(batch) > 0 {
		batches <- batch
	}
	close(batches)
	wg.Wait()
	return warns, err
}

// sortColumns sorts each column in place, the large ones on their own
// goroutines.
func sortColumns(cols ...[]float64) {
	var wg sync.WaitGroup
	for _, c := range cols {
		if len(c) < 1<<16 {
			slices.Sort(c)
			continue
		}
		wg.Go(func() { slices.Sort(c) })
	}
	wg.Wait()
}
