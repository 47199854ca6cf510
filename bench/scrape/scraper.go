package scrape

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"math"
	"net/http"
	"strings"
	"sync"
	"time"
)

// Defaults for a Scraper.
const (
	// DefaultInterval is the time between scrapes during a run: fine enough
	// to see a queue build up, coarse enough to cost the engine nothing.
	DefaultInterval = time.Second
	// DefaultTimeout bounds one scrape; a slow /metrics must not hold up the
	// after-run scrape for long.
	DefaultTimeout = 5 * time.Second
	// maxBodyBytes bounds one /metrics body (vLLM's is some 100 KB).
	maxBodyBytes = 32 << 20
)

// DefaultURL is the metrics endpoint of an OpenAI-compatible base URL: the
// base without a trailing /v1, plus /metrics (vLLM, SGLang, llama.cpp and
// TGI all serve both on one port).
func DefaultURL(baseURL string) string {
	u := strings.TrimRight(baseURL, "/")
	u = strings.TrimSuffix(u, "/v1")
	return u + "/metrics"
}

// Scraper scrapes one /metrics endpoint before, during and after a run and
// appends a Sample per scrape to a writer. A failed scrape is recorded with
// its error and never stops the run. Start and Stop are called from one
// goroutine.
type Scraper struct {
	url      string
	interval time.Duration
	w        io.Writer

	client  *http.Client
	now     func() time.Time
	epoch   time.Time
	timeout time.Duration
	ticks   <-chan time.Time

	mu      sync.Mutex
	samples []Sample
	werr    error

	started  bool
	stopOnce sync.Once
	stop     chan struct{}
	done     chan struct{}
}

// Option configures a Scraper.
type Option func(*Scraper)

// WithHTTPClient sets the HTTP client (default: a client of its own, so the
// benchmark's connection pool is not shared with scrapes).
func WithHTTPClient(c *http.Client) Option {
	return func(s *Scraper) {
		if c != nil {
			s.client = c
		}
	}
}

// WithClock sets the clock that stamps samples (default time.Now).
func WithClock(now func() time.Time) Option {
	return func(s *Scraper) {
		if now != nil {
			s.now = now
		}
	}
}

// WithEpoch sets the instant t_ms counts from; pass the run's epoch so that
// scrapes line up with the records. Default: when Start is called.
func WithEpoch(t time.Time) Option { return func(s *Scraper) { s.epoch = t } }

// WithTimeout bounds each scrape (default DefaultTimeout).
func WithTimeout(d time.Duration) Option { return func(s *Scraper) { s.timeout = d } }

// WithTicks replaces the interval timer: one during-run scrape per value
// received. Tests drive a Scraper with it without waiting on wall time.
func WithTicks(ch <-chan time.Time) Option { return func(s *Scraper) { s.ticks = ch } }

// New returns a Scraper of url that scrapes every interval during the run
// (never, if interval <= 0) and appends samples to w (nil: memory only).
func New(url string, interval time.Duration, w io.Writer, opts ...Option) *Scraper {
	s := &Scraper{
		url: url, interval: interval, w: w,
		client:  &http.Client{},
		now:     time.Now,
		timeout: DefaultTimeout,
		stop:    make(chan struct{}),
		done:    make(chan struct{}),
	}
	for _, o := range opts {
		o(s)
	}
	return s
}

// Start scrapes once ("before") and returns, leaving a goroutine that
// scrapes every interval ("during") until Stop or until ctx ends. Its error
// is a failure to write the sample, never a failed scrape.
func (s *Scraper) Start(ctx context.Context) error {
	if s.started {
		return errors.New("scrape: Start called twice")
	}
	s.started = true
	if s.epoch.IsZero() {
		s.epoch = s.now()
	}
	s.record(ctx, PhaseBefore)
	go s.loop(ctx)
	return s.writeErr()
}

func (s *Scraper) loop(ctx context.Context) {
	defer close(s.done)
	ticks := s.ticks
	if ticks == nil && s.interval > 0 {
		t := time.NewTicker(s.interval)
		defer t.Stop()
		ticks = t.C
	}
	for {
		select {
		case <-s.stop:
			return
		case <-ctx.Done():
			return
		case <-ticks:
			s.record(ctx, PhaseDuring)
		}
	}
}

// Stop ends the during-run scrapes, waits for one in flight, scrapes once
// more ("after") and returns the first error writing samples. The after
// scrape runs even when the run's context was cancelled, so an interrupted
// run still gets its counter deltas. Later calls only return that error.
func (s *Scraper) Stop() error {
	if !s.started {
		return errors.New("scrape: Stop called before Start")
	}
	s.stopOnce.Do(func() {
		close(s.stop)
		<-s.done
		s.record(context.Background(), PhaseAfter)
	})
	return s.writeErr()
}

// Samples returns a copy of the samples recorded so far.
func (s *Scraper) Samples() []Sample {
	s.mu.Lock()
	defer s.mu.Unlock()
	return append([]Sample(nil), s.samples...)
}

func (s *Scraper) writeErr() error {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.werr
}

// record scrapes once and appends the sample, in memory and to w.
func (s *Scraper) record(ctx context.Context, phase string) {
	t := s.now()
	reading, err := s.fetch(ctx)
	smp := Sample{TMS: msSince(s.epoch, t), Phase: phase, Reading: reading}
	if err != nil {
		smp.Reading = Reading{}
		smp.Error = err.Error()
	}
	line, eerr := encodeLine(smp)
	s.mu.Lock()
	defer s.mu.Unlock()
	s.samples = append(s.samples, smp)
	if eerr == nil && s.w != nil {
		_, eerr = s.w.Write(line)
	}
	if eerr != nil && s.werr == nil {
		s.werr = fmt.Errorf("scrape: write %s sample: %w", phase, eerr)
	}
}

// fetch GETs the endpoint and parses the body by its Content-Type.
func (s *Scraper) fetch(ctx context.Context) (Reading, error) {
	if s.timeout > 0 {
		var cancel context.CancelFunc
		ctx, cancel = context.WithTimeout(ctx, s.timeout)
		defer cancel()
	}
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, s.url, nil)
	if err != nil {
		return Reading{}, fmt.Errorf("scrape: %w", err)
	}
	req.Header.Set("Accept", acceptHeader)
	resp, err := s.client.Do(req)
	if err != nil {
		return Reading{}, fmt.Errorf("scrape: %w", err)
	}
	defer resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		return Reading{}, fmt.Errorf("scrape: GET %s: HTTP %d", s.url, resp.StatusCode)
	}
	body, err := io.ReadAll(io.LimitReader(resp.Body, maxBodyBytes+1))
	if err != nil {
		return Reading{}, fmt.Errorf("scrape: GET %s: read body: %w", s.url, err)
	}
	if len(body) > maxBodyBytes {
		return Reading{}, fmt.Errorf("scrape: GET %s: body over %d bytes", s.url, maxBodyBytes)
	}
	return ParseFormat(bytes.NewReader(body), resp.Header.Get("Content-Type"))
}

// msSince is t - epoch in ms, rounded to the µs.
func msSince(epoch, t time.Time) float64 {
	return math.Round(float64(t.Sub(epoch))/1e3) / 1e3
}
