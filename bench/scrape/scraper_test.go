package scrape

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/promhttp"
)

// advancingEngine serves vLLM-named metrics whose counters advance by a
// fixed step on every scrape: scrape n (1-based) reads prompt 100·n,
// generation 10·n and running n.
func advancingEngine(t *testing.T) (*httptest.Server, *atomic.Int64) {
	t.Helper()
	var n atomic.Int64
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		k := n.Add(1)
		w.Header().Set("Content-Type", "text/plain; version=0.0.4; charset=utf-8")
		fmt.Fprintf(w, "# TYPE vllm:prompt_tokens_total counter\nvllm:prompt_tokens_total{engine=\"0\"} %d\n", 100*k)
		fmt.Fprintf(w, "# TYPE vllm:generation_tokens_total counter\nvllm:generation_tokens_total{engine=\"0\"} %d\n", 10*k)
		fmt.Fprintf(w, "# TYPE vllm:num_requests_running gauge\nvllm:num_requests_running{engine=\"0\"} %d\n", k)
	}))
	t.Cleanup(srv.Close)
	return srv, &n
}

// stepClock returns a clock that moves 250 ms forward at every reading.
func stepClock(start time.Time) func() time.Time {
	var mu sync.Mutex
	t := start
	return func() time.Time {
		mu.Lock()
		defer mu.Unlock()
		t = t.Add(250 * time.Millisecond)
		return t
	}
}

func TestScraperBeforeDuringAfter(t *testing.T) {
	srv, _ := advancingEngine(t)
	epoch := time.Date(2025, 1, 1, 0, 0, 0, 0, time.UTC)
	ticks := make(chan time.Time)
	var out bytes.Buffer
	s := New(srv.URL+"/metrics", time.Hour, &out, WithClock(stepClock(epoch)), WithEpoch(epoch), WithTicks(ticks))
	if err := s.Start(context.Background()); err != nil {
		t.Fatal(err)
	}
	// Each send returns once the loop took the tick; the next send (or
	// Stop) waits for that scrape to finish, so no sleep is needed.
	ticks <- time.Time{}
	ticks <- time.Time{}
	if err := s.Stop(); err != nil {
		t.Fatal(err)
	}
	if err := s.Stop(); err != nil { // idempotent: no second after-scrape
		t.Fatal(err)
	}

	samples, warns, err := ReadSamples(&out)
	if err != nil || len(warns) != 0 {
		t.Fatalf("ReadSamples: %v %v", warns, err)
	}
	var phases []string
	var tms []float64
	for _, smp := range samples {
		phases = append(phases, smp.Phase)
		tms = append(tms, smp.TMS)
		if !smp.OK() || smp.Engine != EngineVLLM {
			t.Errorf("sample %+v: want a successful vllm reading", smp)
		}
	}
	if got, want := strings.Join(phases, ","), "before,during,during,after"; got != want {
		t.Fatalf("phases = %s, want %s", got, want)
	}
	if got, want := fmt.Sprint(tms), "[250 500 750 1000]"; got != want {
		t.Errorf("t_ms = %s, want %s", got, want)
	}
	if got := samples[3].Counters[CounterPromptTokens]; got != 400 {
		t.Errorf("after prompt_tokens = %v, want 400", got)
	}
	if mem := s.Samples(); len(mem) != 4 {
		t.Errorf("Samples() holds %d, want 4", len(mem))
	}

	sum := Summarize(samples)
	if sum.PromptTokens == nil || *sum.PromptTokens != 300 {
		t.Errorf("prompt delta = %v, want 300", sum.PromptTokens)
	}
	if sum.GenerationTokens == nil || *sum.GenerationTokens != 30 {
		t.Errorf("generation delta = %v, want 30", sum.GenerationTokens)
	}
	// Running gauge over the two during scrapes only: 2 and 3.
	if sum.Running == nil || sum.Running.Mean != 2.5 || sum.Running.Max != 3 || sum.Running.Samples != 2 {
		t.Errorf("running = %+v, want mean 2.5 max 3 over 2", sum.Running)
	}
}

func TestScraperFailedScrapesAreRecorded(t *testing.T) {
	var n atomic.Int64
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		switch n.Add(1) {
		case 2:
			http.Error(w, "boom", http.StatusInternalServerError)
		case 3:
			fmt.Fprintln(w, "vllm:num_requests_running{engine=\"0\" 3") // torn label set
		default:
			fmt.Fprintln(w, "vllm:num_requests_running 1")
		}
	}))
	defer srv.Close()
	ticks := make(chan time.Time)
	var out bytes.Buffer
	s := New(srv.URL, 0, &out, WithTicks(ticks))
	if err := s.Start(context.Background()); err != nil {
		t.Fatal(err)
	}
	ticks <- time.Time{}
	ticks <- time.Time{}
	if err := s.Stop(); err != nil {
		t.Fatalf("a failed scrape must not be an error: %v", err)
	}
	samples := s.Samples()
	if len(samples) != 4 {
		t.Fatalf("%d samples, want 4", len(samples))
	}
	wantErr := []string{"", "HTTP 500", "parse metrics text", ""}
	for i, w := range wantErr {
		got := samples[i].Error
		if (w == "") != (got == "") || !strings.Contains(got, w) {
			t.Errorf("sample %d error = %q, want %q", i, got, w)
		}
	}
	for _, smp := range samples[1:3] {
		if smp.Engine != "" || smp.Gauges != nil {
			t.Errorf("failed scrape carries a reading: %+v", smp)
		}
	}
	if n := strings.Count(out.String(), "\n"); n != 4 {
		t.Errorf("%d lines written, want 4", n)
	}
	sum := Summarize(samples)
	if sum.Scrapes != 2 || sum.FailedScrapes != 2 {
		t.Errorf("scrapes = %d failed = %d, want 2 and 2", sum.Scrapes, sum.FailedScrapes)
	}
}

func TestScraperUnreachable(t *testing.T) {
	srv := httptest.NewServer(http.NotFoundHandler())
	url := srv.URL
	srv.Close() // nothing listens there any more
	s := New(url, 0, nil)
	if err := s.Start(context.Background()); err != nil {
		t.Fatal(err)
	}
	if err := s.Stop(); err != nil {
		t.Fatal(err)
	}
	got := s.Samples()
	if len(got) != 2 {
		t.Fatalf("%d samples, want 2", len(got))
	}
	for _, smp := range got {
		if smp.OK() {
			t.Errorf("%s scrape of a closed port succeeded", smp.Phase)
		}
	}
}

type failingWriter struct{}

func (failingWriter) Write([]byte) (int, error) { return 0, errors.New("disk full") }

func TestScraperWriteErrorIsReturned(t *testing.T) {
	srv, _ := advancingEngine(t)
	s := New(srv.URL, 0, failingWriter{})
	err := s.Start(context.Background())
	if err == nil || !strings.Contains(err.Error(), "disk full") {
		t.Fatalf("Start err = %v, want the write error", err)
	}
	if err := s.Stop(); err == nil {
		t.Fatal("Stop must keep returning the write error")
	}
}

func TestScraperStopBeforeStart(t *testing.T) {
	if err := New("http://127.0.0.1:1", 0, nil).Stop(); err == nil {
		t.Fatal("want an error")
	}
}

// A cancelled run still gets its after-scrape, so its deltas survive Ctrl-C.
func TestScraperAfterScrapeSurvivesCancel(t *testing.T) {
	srv, _ := advancingEngine(t)
	ctx, cancel := context.WithCancel(context.Background())
	s := New(srv.URL, time.Hour, nil)
	if err := s.Start(ctx); err != nil {
		t.Fatal(err)
	}
	cancel()
	if err := s.Stop(); err != nil {
		t.Fatal(err)
	}
	got := s.Samples()
	if len(got) != 2 || got[1].Phase != PhaseAfter || !got[1].OK() {
		t.Fatalf("samples = %+v, want before and a successful after", got)
	}
}

// The real ticker: with a 1 ms interval some during scrapes happen. Only
// their presence is asserted, never their timing.
func TestScraperIntervalTicker(t *testing.T) {
	srv, n := advancingEngine(t)
	s := New(srv.URL, time.Millisecond, nil)
	if err := s.Start(context.Background()); err != nil {
		t.Fatal(err)
	}
	deadline := time.Now().Add(5 * time.Second)
	for n.Load() < 3 && time.Now().Before(deadline) {
		time.Sleep(time.Millisecond)
	}
	if err := s.Stop(); err != nil {
		t.Fatal(err)
	}
	got := s.Samples()
	if len(got) < 3 || got[0].Phase != PhaseBefore || got[len(got)-1].Phase != PhaseAfter {
		t.Fatalf("want before, during..., after; got %d samples", len(got))
	}
	for _, smp := range got[1 : len(got)-1] {
		if smp.Phase != PhaseDuring {
			t.Errorf("middle sample phase %q", smp.Phase)
		}
	}
}

// A server built on client_golang (as the built-in engine is) negotiates
// its format from our Accept header, OpenMetrics enabled or not.
func TestScraperAgainstClientGolang(t *testing.T) {
	for _, om := range []bool{false, true} {
		t.Run(fmt.Sprintf("openmetrics=%v", om), func(t *testing.T) {
			reg := prometheus.NewRegistry()
			preempt := prometheus.NewCounterVec(prometheus.CounterOpts{Name: "vllm:num_preemptions_total", Help: "Preemptions."}, []string{"model_name"})
			kv := prometheus.NewGaugeVec(prometheus.GaugeOpts{Name: "vllm:kv_cache_usage_perc", Help: "KV usage."}, []string{"model_name"})
			reg.MustRegister(preempt, kv)
			preempt.WithLabelValues("m").Add(7)
			kv.WithLabelValues("m").Set(0.75)
			srv := httptest.NewServer(promhttp.HandlerFor(reg, promhttp.HandlerOpts{EnableOpenMetrics: om}))
			defer srv.Close()

			s := New(srv.URL, 0, nil)
			if err := s.Start(context.Background()); err != nil {
				t.Fatal(err)
			}
			preempt.WithLabelValues("m").Add(5)
			if err := s.Stop(); err != nil {
				t.Fatal(err)
			}
			sum := Summarize(s.Samples())
			if sum.Name != EngineVLLM || sum.Preemptions == nil || *sum.Preemptions != 5 {
				t.Fatalf("summary = %+v, samples %+v; want vllm with 5 preemptions", sum, s.Samples())
			}
			if sum.KVUsage == nil || sum.KVUsage.Max != 0.75 {
				t.Errorf("kv_usage = %+v, want max 0.75", sum.KVUsage)
			}
		})
	}
}

func TestDefaultURL(t *testing.T) {
	tests := []struct{ base, want string }{
		{"http://localhost:8000/v1", "http://localhost:8000/metrics"},
		{"http://localhost:8000/v1/", "http://localhost:8000/metrics"},
		{"http://localhost:8000", "http://localhost:8000/metrics"},
		{"http://localhost:8000/", "http://localhost:8000/metrics"},
		{"https://gw.example.com/llama/v1", "https://gw.example.com/llama/metrics"},
		{"http://h:30000/v1beta", "http://h:30000/v1beta/metrics"},
	}
	for _, tt := range tests {
		t.Run(tt.base, func(t *testing.T) {
			if got := DefaultURL(tt.base); got != tt.want {
				t.Errorf("DefaultURL(%q) = %q, want %q", tt.base, got, tt.want)
			}
		})
	}
}

type roundTripFunc func(*http.Request) (*http.Response, error)

func (f roundTripFunc) RoundTrip(r *http.Request) (*http.Response, error) { return f(r) }

// An injected client carries the scrapes; the request asks for the text
// format first.
func TestScraperInjectedClient(t *testing.T) {
	body := "sglang:num_queue_reqs{model_name=\"m\"} 9\n"
	var accept string
	client := &http.Client{Transport: roundTripFunc(func(r *http.Request) (*http.Response, error) {
		accept = r.Header.Get("Accept")
		return &http.Response{
			StatusCode: http.StatusOK,
			Header:     http.Header{"Content-Type": {"text/plain; version=0.0.4"}},
			Body:       io.NopCloser(strings.NewReader(body)),
			Request:    r,
		}, nil
	})}
	s := New("http://engine.invalid/metrics", 0, nil, WithHTTPClient(client))
	if err := s.Start(context.Background()); err != nil {
		t.Fatal(err)
	}
	if err := s.Stop(); err != nil {
		t.Fatal(err)
	}
	got := s.Samples()
	if len(got) != 2 || got[0].Engine != EngineSGLang || got[0].Gauges[GaugeQueueDepth] != 9 {
		t.Fatalf("samples = %+v", got)
	}
	if !strings.HasPrefix(accept, "text/plain;version=0.0.4") {
		t.Errorf("Accept = %q, want the text format first", accept)
	}
}
