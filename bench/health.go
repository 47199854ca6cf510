package bench

import (
	"math"
	"runtime"
	"runtime/metrics"
	"strings"
	"sync"
	"time"
)

// Health is what the client measured of itself during a run: whether the
// host, not the server, may have shaped the numbers. It is written to
// run.json at the end of the run (RunInfo.Health); report turns it into
// summary.json's validity. A nil pointer field was not measured.
type Health struct {
	// WindowS is how long the monitor watched (the whole run, warm-up included).
	WindowS float64 `json:"window_s"`
	// CPUSeconds is the process's user + system CPU time over the window.
	CPUSeconds *float64 `json:"cpu_s,omitempty"`
	// Cores is GOMAXPROCS: the CPUs the Go runtime may use at once.
	Cores int `json:"cores"`
	// CPUUtilization is CPUSeconds / (WindowS x Cores), 0..1.
	CPUUtilization *float64 `json:"cpu_utilization,omitempty"`
	// CPUBusySeconds counts the whole seconds of the window in which the
	// process used at least CPUBusyUtilization of its cores, out of
	// CPUSeconds measured (a saturated burst hides in the mean of a
	// long, idle-ended run).
	CPUBusySeconds     int `json:"cpu_busy_seconds"`
	CPUMeasuredSeconds int `json:"cpu_measured_seconds"`
	// SchedLatencyP99MS is the 99th percentile of the Go scheduler's
	// latency (a runnable goroutine waiting to run) over the window, from
	// runtime/metrics /sched/latencies:seconds (the upper bound of its bucket).
	SchedLatencyP99MS *float64 `json:"sched_latency_p99_ms,omitempty"`
	// FDLimit is the open-file limit; FDMax the most descriptors open at
	// one sample (every HealthInterval).
	FDLimit uint64 `json:"fd_limit,omitempty"`
	FDMax   int    `json:"fd_max,omitempty"`
	// ResourceErrors counts failed requests whose error is the client's own
	// exhaustion: too many open files, no local port (EMFILE, ENFILE,
	// EADDRNOTAVAIL, ENOBUFS).
	ResourceErrors int `json:"resource_errors"`
	// Prewarm is what warming the connections before the measured phase
	// did (absent with --no-prewarm).
	Prewarm *PrewarmResult `json:"prewarm,omitempty"`
	// EngineTimeScale is the built-in engine's time scale when it was the
	// target (1: the modelled GPU's own speed).
	EngineTimeScale float64 `json:"engine_time_scale,omitempty"`
	// EngineLateP99MS is how far the built-in engine fell behind its own
	// clock (99th percentile of step lateness), when it reports it.
	EngineLateP99MS *float64 `json:"engine_late_p99_ms,omitempty"`
}

// HealthSample is one reading of the process's counters.
type HealthSample struct {
	At time.Time
	// CPU is the process's cumulative user + system time; < 0 unknown.
	CPU time.Duration
	// SchedLatency is the cumulative scheduler-latency histogram; nil unknown.
	SchedLatency *metrics.Float64Histogram
	// OpenFDs is the descriptors open now; < 0 unknown.
	OpenFDs int
}

// HealthSource reads the process's counters. ProcessHealth reads the real
// ones; tests inject readings of an overloaded host.
type HealthSource interface {
	Sample() HealthSample
}

// ProcessHealth reads this process: getrusage, runtime/metrics, /proc/self/fd.
type ProcessHealth struct{}

const schedMetric = "/sched/latencies:seconds"

// Sample reads the counters now.
func (ProcessHealth) Sample() HealthSample {
	s := HealthSample{At: time.Now(), CPU: ProcessCPU(), OpenFDs: openFDs()}
	m := []metrics.Sample{{Name: schedMetric}}
	metrics.Read(m)
	if m[0].Value.Kind() == metrics.KindFloat64Histogram {
		s.SchedLatency = m[0].Value.Float64Histogram()
	}
	return s
}

// HealthInterval is how often a HealthMonitor samples descriptor use; CPU
// use is judged per second.
const HealthInterval = 250 * time.Millisecond

// CPUBusyUtilization is the share of its cores above which a second of
// the run counts as CPU-busy.
const CPUBusyUtilization = 0.9

// HealthMonitor watches the process during a run. It is a Sink too: it
// counts the records that failed for lack of descriptors or ports.
type HealthMonitor struct {
	src     HealthSource
	limit   uint64
	first   HealthSample
	mu      sync.Mutex
	fdMax   int
	resErrs int
	// The current one-second CPU window and the counts of whole ones.
	win            HealthSample
	busy, measured int
	done           chan struct{}
	wg             sync.WaitGroup
}

// StartHealth starts watching; fdLimit is the open-file limit (0 unknown).
func StartHealth(src HealthSource, fdLimit uint64) *HealthMonitor {
	if src == nil {
		src = ProcessHealth{}
	}
	m := &HealthMonitor{src: src, limit: fdLimit, done: make(chan struct{})}
	m.first = src.Sample()
	m.fdMax = m.first.OpenFDs
	m.win = m.first
	m.wg.Add(1)
	go func() {
		defer m.wg.Done()
		t := time.NewTicker(HealthInterval)
		defer t.Stop()
		for {
			select {
			case <-t.C:
				m.note(m.src.Sample())
			case <-m.done:
				return
			}
		}
	}()
	return m
}

// note records a periodic sample: descriptor use, and the CPU use of the
// one-second window it closes.
func (m *HealthMonitor) note(s HealthSample) {
	m.mu.Lock()
	defer m.mu.Unlock()
	m.fdMax = max(m.fdMax, s.OpenFDs)
	wall := s.At.Sub(m.win.At)
	if wall < time.Second {
		return
	}
	if s.CPU >= 0 && m.win.CPU >= 0 {
		m.measured++
		if (s.CPU-m.win.CPU).Seconds()/(wall.Seconds()*float64(runtime.GOMAXPROCS(0))) >= CPUBusyUtilization {
			m.busy++
		}
	}
	m.win = s
}

// resourceErrors are the texts of the client's own exhaustion.
var resourceErrors = []string{"too many open files", "cannot assign requested address", "no buffer space available",
	"emfile", "enfile", "eaddrnotavail", "enobufs"}

// IsResourceError reports whether a record's error text is the client
// running out of descriptors or local ports.
func IsResourceError(msg string) bool {
	m := strings.ToLower(msg)
	for _, s := range resourceErrors {
		if strings.Contains(m, s) {
			return true
		}
	}
	return false
}

// Write counts r when it failed for lack of descriptors or ports.
func (m *HealthMonitor) Write(r Record) error {
	if !r.OK && IsResourceError(r.Error) {
		m.mu.Lock()
		m.resErrs++
		m.mu.Unlock()
	}
	return nil
}

// Stop ends the watch and returns the run's Health.
func (m *HealthMonitor) Stop() Health {
	close(m.done)
	m.wg.Wait()
	last := m.src.Sample()
	m.note(last)
	m.mu.Lock()
	defer m.mu.Unlock()
	h := Health{WindowS: last.At.Sub(m.first.At).Seconds(), Cores: runtime.GOMAXPROCS(0), FDLimit: m.limit, ResourceErrors: m.resErrs,
		CPUBusySeconds: m.busy, CPUMeasuredSeconds: m.measured}
	if m.fdMax > 0 {
		h.FDMax = m.fdMax
	}
	if m.first.CPU >= 0 && last.CPU >= 0 {
		cpu := (last.CPU - m.first.CPU).Seconds()
		h.CPUSeconds = &cpu
		if h.WindowS > 0 && h.Cores > 0 {
			u := cpu / (h.WindowS * float64(h.Cores))
			h.CPUUtilization = &u
		}
	}
	if p := histQuantile(m.first.SchedLatency, last.SchedLatency, 0.99); p != nil {
		ms := *p * 1000
		h.SchedLatencyP99MS = &ms
	}
	return h
}

// histQuantile is the q-quantile of the counts added between two readings
// of a cumulative histogram: the upper bound of the bucket it falls in (the
// lower bound for the last, unbounded bucket). nil without samples.
func histQuantile(a, b *metrics.Float64Histogram, q float64) *float64 {
	if b == nil || (a != nil && len(a.Counts) != len(b.Counts)) {
		return nil
	}
	var total uint64
	diff := make([]uint64, len(b.Counts))
	for i, c := range b.Counts {
		if a != nil {
			c -= a.Counts[i]
		}
		diff[i] = c
		total += c
	}
	if total == 0 {
		return nil
	}
	rank := uint64(math.Ceil(q * float64(total)))
	var seen uint64
	for i, c := range diff {
		seen += c
		if seen >= rank {
			v := b.Buckets[i+1]
			if math.IsInf(v, 1) {
				v = b.Buckets[i]
			}
			return &v
		}
	}
	return nil
}
