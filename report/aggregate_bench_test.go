package report

import (
	"bufio"
	"encoding/json"
	"math"
	"math/rand/v2"
	"os"
	"path/filepath"
	"runtime"
	"runtime/metrics"
	"strconv"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/tokenbench/tokenbench/bench"
)

// syntheticRecord is request i of a run shaped like the built-in engine's
// default (512-token prompts, 16 to 128 output tokens, one token per event,
// about 6.5 ms between events, 2% failures), seeded so runs repeat.
func syntheticRecord(i int, rng *rand.Rand) bench.Record {
	start := float64(i) * 0.5
	r := bench.Record{RequestID: strconv.Itoa(i), ResponseID: "chatcmpl-" + strconv.FormatUint(rng.Uint64(), 16),
		Status: 200, TSchedMS: math.Round((start-rng.Float64()*0.2)*1e6) / 1e6, TStartMS: start, TokensSource: bench.TokensFromUsage,
		InputTokens: 512, TargetInputTokens: 512, MaxTokens: 128}
	ns := func(ms float64) float64 { return math.Round(ms*1e6) / 1e6 }
	conn, wrote, first := ns(rng.Float64()), ns(1+rng.Float64()), ns(3+rng.Float64())
	r.HTTP = &bench.HTTPTrace{ConnReused: i%10 != 0, ConnMS: &conn, WroteRequestMS: &wrote, FirstByteMS: &first}
	if i%50 == 7 {
		r.ErrorClass, r.Error, r.Status, r.E2EMS = bench.ErrHTTP5xx, "engine overloaded", 503, ns(2+rng.Float64())
		return r
	}
	n := 16 + rng.IntN(113)
	t := 20 + rng.ExpFloat64()*30
	r.EventsMS = make([]float64, n)
	for k := range r.EventsMS {
		// Whole nanoseconds, as bench.Ms of a monotonic clock gives.
		r.EventsMS[k] = math.Round(t*1e6) / 1e6
		t += 5 + rng.ExpFloat64()*1.5
	}
	ttft, e2e := r.EventsMS[0], r.EventsMS[n-1]
	tpot := (e2e - ttft) / float64(n-1)
	cached := 0
	r.OK, r.DoneMarker, r.TTFTMS, r.E2EMS, r.TPOTMS = true, true, &ttft, e2e, &tpot
	r.OutputTokens, r.CachedTokens, r.FinishReason = n, &cached, "length"
	r.Engine = map[string]json.RawMessage{"timings": json.RawMessage(`{"cache_n":0,"prompt_n":512,"predicted_n":` +
		strconv.Itoa(n) + `,"predicted_ms":` + strconv.FormatFloat(e2e-ttft, 'f', 3, 64) + `}`)}
	return r
}

// writeSyntheticRun writes n synthetic records as DIR/requests.jsonl.
func writeSyntheticRun(tb testing.TB, dir string, n int) {
	tb.Helper()
	f, err := os.Create(filepath.Join(dir, bench.RecordsFile))
	if err != nil {
		tb.Fatal(err)
	}
	bw := bufio.NewWriterSize(f, 1<<20)
	w := bench.NewJSONLWriter(bw)
	rng := rand.New(rand.NewPCG(11, 1))
	for i := range n {
		if err := w.Write(syntheticRecord(i, rng)); err != nil {
			tb.Fatal(err)
		}
	}
	if err := bw.Flush(); err != nil {
		tb.Fatal(err)
	}
	if err := f.Close(); err != nil {
		tb.Fatal(err)
	}
}

// peakHeap samples the live heap every millisecond until stop is called
// and returns the largest value seen, in bytes.
func peakHeap() (stop func() uint64) {
	var peak atomic.Uint64
	done := make(chan struct{})
	var wg sync.WaitGroup
	wg.Add(1)
	go func() {
		defer wg.Done()
		s := []metrics.Sample{{Name: "/memory/classes/heap/objects:bytes"}}
		tick := time.NewTicker(time.Millisecond)
		defer tick.Stop()
		for {
			metrics.Read(s)
			if v := s[0].Value.Uint64(); v > peak.Load() {
				peak.Store(v)
			}
			select {
			case <-done:
				return
			case <-tick.C:
			}
		}
	}()
	return func() uint64 { close(done); wg.Wait(); return peak.Load() }
}

// BenchmarkSummarize1M serves the issue's "summarize/report over 1M
// records" figure: Summarize of a results directory of 1,000,000 records
// (about 70 million ITL gaps). It reports seconds per run and the peak
// live heap; the peak RSS of the command is in docs/BENCHMARKS.md. Set
// TOKENBENCH_BENCH_DIR to keep the generated directory there (for
// `tokenbench summarize` by hand).
func BenchmarkSummarize1M(b *testing.B) {
	benchmarkSummarize(b, 1_000_000)
}

// BenchmarkSummarize100k is the same over 100,000 records, for a quick look.
func BenchmarkSummarize100k(b *testing.B) {
	benchmarkSummarize(b, 100_000)
}

func benchmarkSummarize(b *testing.B, n int) {
	dir := os.Getenv("TOKENBENCH_BENCH_DIR")
	if dir == "" {
		dir = b.TempDir()
	}
	if fi, err := os.Stat(filepath.Join(dir, bench.RecordsFile)); err != nil || fi.Size() == 0 || dir == "" {
		writeSyntheticRun(b, dir, n)
	}
	runtime.GC()
	b.ResetTimer()
	var peak uint64
	for b.Loop() {
		stop := peakHeap()
		s, _, err := Summarize(dir)
		peak = max(peak, stop())
		if err != nil {
			b.Fatal(err)
		}
		if s.Requests.Total != n {
			b.Fatalf("summarized %d records, want %d", s.Requests.Total, n)
		}
	}
	b.ReportMetric(b.Elapsed().Seconds()/float64(b.N), "s/op")
	b.ReportMetric(float64(peak)/1e6, "MB-peak-heap")
	b.ReportMetric(float64(b.Elapsed().Nanoseconds())/float64(b.N)/float64(n), "ns/record")
}
