package sim

import (
	"bytes"
	"encoding/json"
	"fmt"
	"io"
	"time"

	"github.com/prometheus/common/expfmt"

	metricscrape "github.com/tokenbench/tokenbench/bench/scrape"
)

// VirtualScraper reads a VirtualEngine's /metrics at times of its virtual
// clock, as scrape.Scraper reads a server's: once before the run, every
// interval during it and once after, each sample appended to metrics.jsonl
// (w) with t_ms on the clock. The reading is the same Prometheus text the
// HTTP engine serves, parsed by the same code.
type VirtualScraper struct {
	clock    *VirtualClock
	read     func() (metricscrape.Reading, error)
	interval time.Duration
	w        io.Writer
	samples  []metricscrape.Sample
	werr     error
	stopped  bool
}

// NewVirtualScraper returns a scraper of v every interval (0: only before
// and after) writing to w (nil: only kept in memory).
func NewVirtualScraper(v *VirtualEngine, interval time.Duration, w io.Writer) *VirtualScraper {
	return &VirtualScraper{clock: v.clock, read: v.Metrics, interval: interval, w: w}
}

// NewVirtualClusterScraper is NewVirtualScraper over a cluster, whose
// replicas' metrics it merges as one engine's (VirtualCluster.Metrics).
func NewVirtualClusterScraper(c *VirtualCluster, interval time.Duration, w io.Writer) *VirtualScraper {
	return &VirtualScraper{clock: c.Engines[0].clock, read: c.Metrics, interval: interval, w: w}
}

// Start takes the "before" sample now and schedules the others.
func (s *VirtualScraper) Start() error {
	s.record(metricscrape.PhaseBefore)
	if s.interval > 0 {
		s.tick()
	}
	return s.werr
}

func (s *VirtualScraper) tick() {
	s.clock.After(s.interval, func() {
		if s.stopped {
			return
		}
		s.record(metricscrape.PhaseDuring)
		s.tick()
	})
}

// Stop takes the "after" sample now and returns the first write error.
func (s *VirtualScraper) Stop() error {
	if !s.stopped {
		s.stopped = true
		s.record(metricscrape.PhaseAfter)
	}
	return s.werr
}

// Samples returns the samples taken.
func (s *VirtualScraper) Samples() []metricscrape.Sample {
	return append([]metricscrape.Sample(nil), s.samples...)
}

func (s *VirtualScraper) record(phase string) {
	smp := metricscrape.Sample{TMS: usMs(s.clock.Now()), Phase: phase}
	reading, err := s.read()
	if err != nil {
		smp.Error = err.Error()
	} else {
		smp.Reading = reading
	}
	s.samples = append(s.samples, smp)
	if s.w == nil || s.werr != nil {
		return
	}
	var buf bytes.Buffer
	enc := json.NewEncoder(&buf)
	enc.SetEscapeHTML(false)
	if err := enc.Encode(&smp); err != nil {
		s.werr = fmt.Errorf("sim: encode %s sample: %w", phase, err)
		return
	}
	if _, err := s.w.Write(buf.Bytes()); err != nil {
		s.werr = fmt.Errorf("sim: write %s sample: %w", phase, err)
	}
}

// usMs is d in ms, truncated to the µs, as scrape samples and llama.cpp's
// timings give them.
func usMs(d time.Duration) float64 { return float64(d.Microseconds()) / 1e3 }

// Metrics reads the engine's metrics now: its /metrics text, parsed as a
// scrape of a server is.
func (v *VirtualEngine) Metrics() (metricscrape.Reading, error) {
	mfs, err := v.e.metrics.Gather()
	if err != nil {
		return metricscrape.Reading{}, fmt.Errorf("sim: gather metrics: %w", err)
	}
	var buf bytes.Buffer
	enc := expfmt.NewEncoder(&buf, expfmt.NewFormat(expfmt.TypeTextPlain))
	for _, mf := range mfs {
		if err := enc.Encode(mf); err != nil {
			return metricscrape.Reading{}, fmt.Errorf("sim: encode metrics: %w", err)
		}
	}
	return metricscrape.Parse(&buf)
}
