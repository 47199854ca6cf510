package bench

import (
	"math"
	"runtime/metrics"
	"sync"
	"testing"
	"time"
)

// scriptedHost is a HealthSource whose every reading advances its clock by
// step, its CPU by cpuPerStep and its scheduler histogram by perStep counts.
type scriptedHost struct {
	mu         sync.Mutex
	n          int
	t0         time.Time
	step       time.Duration
	cpuPerStep time.Duration
	perStep    []uint64
	fds        int
}

func (h *scriptedHost) Sample() HealthSample {
	h.mu.Lock()
	defer h.mu.Unlock()
	counts := make([]uint64, len(h.perStep))
	for i, c := range h.perStep {
		counts[i] = c * uint64(h.n)
	}
	s := HealthSample{At: h.t0.Add(time.Duration(h.n) * h.step), CPU: time.Duration(h.n) * h.cpuPerStep, OpenFDs: h.fds + h.n,
		SchedLatency: &metrics.Float64Histogram{Counts: counts, Buckets: []float64{0, 0.001, 0.01, math.Inf(1)}}}
	h.n++
	return s
}

func TestHealthMonitorReadsAnOverloadedHost(t *testing.T) {
	// Two cores' worth of CPU per step: saturated whatever the cores.
	host := &scriptedHost{t0: time.Unix(0, 0), step: 2 * time.Second, cpuPerStep: 64 * 2 * time.Second, perStep: []uint64{98, 1, 1}, fds: 100}
	m := StartHealth(host, 1000)
	m.Write(Record{OK: false, Error: "dial tcp 10.0.0.1:80: socket: too many open files"})
	m.Write(Record{OK: false, Error: "dial tcp: connect: cannot assign requested address"})
	m.Write(Record{OK: false, Error: "HTTP 500"})
	m.Write(Record{OK: true})
	h := m.Stop()
	if h.ResourceErrors != 2 {
		t.Errorf("resource errors %d, want 2", h.ResourceErrors)
	}
	if h.CPUUtilization == nil || *h.CPUUtilization < 1 || h.CPUSeconds == nil {
		t.Errorf("cpu utilization %v", h.CPUUtilization)
	}
	if h.CPUMeasuredSeconds < 1 || h.CPUBusySeconds != h.CPUMeasuredSeconds {
		t.Errorf("busy %d of %d seconds, want all", h.CPUBusySeconds, h.CPUMeasuredSeconds)
	}
	if h.SchedLatencyP99MS == nil || *h.SchedLatencyP99MS != 10 {
		t.Errorf("scheduler latency p99 %v ms, want 10 (the upper bound of its bucket)", h.SchedLatencyP99MS)
	}
	if h.FDLimit != 1000 || h.FDMax < 101 {
		t.Errorf("fd limit %d max %d", h.FDLimit, h.FDMax)
	}
}

func TestHealthMonitorReadsThisProcess(t *testing.T) {
	m := StartHealth(nil, 0)
	h := m.Stop()
	if h.Cores < 1 || h.WindowS < 0 {
		t.Errorf("health %+v", h)
	}
	if h.CPUSeconds != nil && *h.CPUSeconds < 0 {
		t.Errorf("negative CPU %v", *h.CPUSeconds)
	}
}

func TestHistQuantile(t *testing.T) {
	b := []float64{0, 1, 2, math.Inf(1)}
	h := func(c ...uint64) *metrics.Float64Histogram { return &metrics.Float64Histogram{Counts: c, Buckets: b} }
	for _, tt := range []struct {
		name string
		a, b *metrics.Float64Histogram
		q    float64
		want float64 // NaN: nil
	}{
		{"no samples", h(1, 1, 1), h(1, 1, 1), 0.99, math.NaN()},
		{"difference only", h(100, 0, 0), h(100, 1, 0), 0.99, 2},
		{"unbounded bucket gives its lower bound", nil, h(0, 0, 5), 0.5, 2},
		{"median", nil, h(5, 5, 0), 0.5, 1},
		{"mismatched", h(1), h(1, 1, 1), 0.5, math.NaN()},
	} {
		got := histQuantile(tt.a, tt.b, tt.q)
		if math.IsNaN(tt.want) != (got == nil) || (got != nil && *got != tt.want) {
			t.Errorf("%s: got %v want %v", tt.name, got, tt.want)
		}
	}
}

func TestIsResourceError(t *testing.T) {
	for msg, want := range map[string]bool{
		"dial tcp: socket: too many open files":    true,
		"connect: cannot assign requested address": true,
		"write: no buffer space available":         true,
		"HTTP 503: too many requests":              false,
		"read tcp: connection reset by peer":       false,
	} {
		if IsResourceError(msg) != want {
			t.Errorf("%q: %v", msg, !want)
		}
	}
}

// BenchmarkProcessHealthSample is the cost of one reading (getrusage,
// runtime/metrics, listing /proc/self/fd), taken every HealthInterval.
func BenchmarkProcessHealthSample(b *testing.B) {
	var p ProcessHealth
	for b.Loop() {
		p.Sample()
	}
}
