package selftest

import (
	"context"
	"errors"
	"fmt"
	"math"
	"runtime"
	"runtime/metrics"
	"slices"
	"sync"
	"time"

	"github.com/tokenbench/tokenbench/bench"
	"github.com/tokenbench/tokenbench/report"
	"github.com/tokenbench/tokenbench/workloads"
)

// Options say how hard the self-test drives the target.
type Options struct {
	// BaseURL is the target's OpenAI base URL (StartTarget's URL).
	BaseURL string
	// Streams is how many streams to hold at once: requests arrive at a
	// constant rate of Streams per stream length, so that many overlap.
	Streams int
	// Duration is how long the streams are held: requests keep arriving
	// for one stream length (the ramp to Streams in flight) plus Duration;
	// those in flight then finish.
	Duration time.Duration
	Script   Script
	// NoPrewarm leaves the connections cold: the first wave of streams
	// then dials (by default Streams connections are opened first, as a
	// run does up to its concurrency).
	NoPrewarm bool
}

// Percentiles are the p50 and p99 of a figure, in ms.
type Percentiles struct {
	P50 float64 `json:"p50"`
	P99 float64 `json:"p99"`
}

// Result is what the self-test measured. Every figure is defined in
// docs/METRICS.md ("selftest").
type Result struct {
	Script Script `json:"-"`
	// Streams is the largest number of streams in flight at once.
	Streams  int `json:"streams"`
	Requests int `json:"requests"`
	Failed   int `json:"failed"`
	Events   int `json:"events"`
	// EventsPerS is token-bearing events received per second of the window.
	EventsPerS float64 `json:"events_per_s"`
	// CPUUSPerEvent is the client process's CPU time (user + system) over
	// the run, per event received, in microseconds.
	CPUUSPerEvent float64 `json:"cpu_us_per_event"`
	// BytesPerStream is the growth of the Go heap and goroutine stacks at
	// their peak over the idle client, per stream held.
	BytesPerStream float64     `json:"bytes_per_stream"`
	ScheduleLagMS  Percentiles `json:"schedule_lag_ms"`
	// TTFTErrorMS is measured TTFT minus the script's TTFT.
	TTFTErrorMS Percentiles `json:"ttft_error_ms"`
	// ITLErrorMS is each measured gap minus the script's gap.
	ITLErrorMS Percentiles `json:"itl_error_ms"`
	WindowS    float64     `json:"window_s"`
}

// streamLength is how long the script keeps one stream open.
func (s Script) streamLength() time.Duration { return s.Offset(s.Events - 1) }

// Run drives the target at o.BaseURL with o.Streams concurrent streams for
// o.Duration and measures the client (the calling process).
func Run(ctx context.Context, o Options) (Result, error) {
	if err := o.Script.Validate(); err != nil {
		return Result{}, err
	}
	if o.Streams < 1 || o.Duration <= 0 {
		return Result{}, fmt.Errorf("selftest: streams must be >= 1 and duration > 0, got %d and %v", o.Streams, o.Duration)
	}
	client, err := bench.NewClient(bench.Target{BaseURL: o.BaseURL, Model: "selftest", API: bench.APIChat})
	if err != nil {
		return Result{}, err
	}
	length := max(o.Script.streamLength(), time.Millisecond)
	rate := float64(o.Streams) / length.Seconds()
	arrival, err := workloads.NewArrival("constant", rate, 1, 1)
	if err != nil {
		return Result{}, fmt.Errorf("selftest: %w", err)
	}
	src, err := workloads.Synthetic{InputTokens: 1, OutputTokens: o.Script.Events, Seed: 1}.NewSource()
	if err != nil {
		return Result{}, fmt.Errorf("selftest: %w", err)
	}
	c := &collector{script: o.Script}
	runtime.GC()
	mem := startMemWatch()
	cpu0 := bench.ProcessCPU()
	load := bench.Load{Arrival: arrival, Duration: length + o.Duration}
	if !o.NoPrewarm {
		load.Prewarm = o.Streams
	}
	_, runErr := bench.Run(ctx, load, src, client, c)
	cpu1 := bench.ProcessCPU()
	growth := mem.stop()
	if runErr != nil {
		return Result{}, fmt.Errorf("selftest: %w", runErr)
	}
	res := c.result()
	res.Script = o.Script
	if cpu0 >= 0 && cpu1 >= 0 && res.Events > 0 {
		res.CPUUSPerEvent = float64(cpu1-cpu0) / float64(time.Microsecond) / float64(res.Events)
	}
	if res.Streams > 0 {
		res.BytesPerStream = float64(growth) / float64(res.Streams)
	}
	if res.Requests == 0 {
		return res, errors.New("selftest: no request finished")
	}
	return res, nil
}

// collector keeps what the result needs of each record: a few numbers,
// not the records, so that it barely adds to the memory it measures.
type collector struct {
	script Script

	mu               sync.Mutex
	spans            [][2]float64 // [t_start, t_done] per request
	lag, ttft, itl   []float64
	failed, events   int
	minStart, maxEnd float64
}

func (c *collector) Write(r bench.Record) error {
	c.mu.Lock()
	defer c.mu.Unlock()
	if r.Warmup {
		return nil
	}
	if len(c.spans) == 0 || r.TStartMS < c.minStart {
		c.minStart = r.TStartMS
	}
	c.maxEnd = math.Max(c.maxEnd, r.TDoneMS())
	c.spans = append(c.spans, [2]float64{r.TStartMS, r.TDoneMS()})
	c.lag = append(c.lag, r.TStartMS-r.TSchedMS)
	if !r.OK {
		c.failed++
		return nil
	}
	c.events += len(r.EventsMS)
	if r.TTFTMS != nil {
		c.ttft = append(c.ttft, *r.TTFTMS-bench.Ms(c.script.TTFT))
	}
	gap := bench.Ms(c.script.Gap)
	for i := 1; i < len(r.EventsMS); i++ {
		c.itl = append(c.itl, r.EventsMS[i]-r.EventsMS[i-1]-gap)
	}
	return nil
}

func (c *collector) result() Result {
	c.mu.Lock()
	defer c.mu.Unlock()
	res := Result{Requests: len(c.spans), Failed: c.failed, Events: c.events,
		Streams:       maxOverlap(c.spans),
		ScheduleLagMS: percentiles(c.lag), TTFTErrorMS: percentiles(c.ttft), ITLErrorMS: percentiles(c.itl)}
	if len(c.spans) > 0 {
		res.WindowS = (c.maxEnd - c.minStart) / 1000
	}
	if res.WindowS > 0 {
		res.EventsPerS = float64(c.events) / res.WindowS
	}
	return res
}

// maxOverlap is the largest number of [start, end] spans open at once; a
// span ending where another starts does not overlap it.
func maxOverlap(spans [][2]float64) int {
	type edge struct {
		t float64
		d int
	}
	edges := make([]edge, 0, 2*len(spans))
	for _, s := range spans {
		edges = append(edges, edge{s[0], 1}, edge{s[1], -1})
	}
	// Ends before starts at the same instant: a total order on (t, d).
	slices.SortFunc(edges, func(a, b edge) int {
		if a.t != b.t {
			if a.t < b.t {
				return -1
			}
			return 1
		}
		return a.d - b.d
	})
	open, peak := 0, 0
	for _, e := range edges {
		open += e.d
		peak = max(peak, open)
	}
	return peak
}

// percentiles are p50 and p99 as every tokenbench percentile
// (report.Percentile, docs/METRICS.md).
func percentiles(xs []float64) Percentiles {
	if len(xs) == 0 {
		return Percentiles{}
	}
	s := slices.Sorted(slices.Values(xs))
	return Percentiles{P50: report.Percentile(s, 50), P99: report.Percentile(s, 99)}
}

// memWatch samples the Go heap and goroutine stacks every millisecond and
// keeps their peak growth over the start.
type memWatch struct {
	done chan struct{}
	wg   sync.WaitGroup
	peak uint64
}

var memSamples = []string{"/memory/classes/heap/objects:bytes", "/memory/classes/heap/stacks:bytes"}

func memNow(s []metrics.Sample) uint64 {
	metrics.Read(s)
	var n uint64
	for _, x := range s {
		if x.Value.Kind() == metrics.KindUint64 {
			n += x.Value.Uint64()
		}
	}
	return n
}

func startMemWatch() *memWatch {
	m := &memWatch{done: make(chan struct{})}
	s := make([]metrics.Sample, len(memSamples))
	for i, n := range memSamples {
		s[i].Name = n
	}
	base := memNow(s)
	m.wg.Add(1)
	go func() {
		defer m.wg.Done()
		tick := time.NewTicker(time.Millisecond)
		defer tick.Stop()
		for {
			if v := memNow(s); v > base && v-base > m.peak {
				m.peak = v - base
			}
			select {
			case <-m.done:
				return
			case <-tick.C:
			}
		}
	}()
	return m
}

func (m *memWatch) stop() uint64 {
	close(m.done)
	m.wg.Wait()
	return m.peak
}
