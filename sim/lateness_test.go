package sim

import (
	"bufio"
	"fmt"
	"math"
	"net/http"
	"strings"
	"testing"
	"time"
)

func TestLatenessSnapshot(t *testing.T) {
	tests := []struct {
		name          string
		obs           []time.Duration
		p50, p99, max time.Duration
		late          uint64
	}{
		{"none", nil, 0, 0, 0, 0},
		{"negative is on time", []time.Duration{-time.Millisecond}, 0, 0, 0, 0},
		{"one", []time.Duration{300 * time.Microsecond}, 300 * time.Microsecond, 300 * time.Microsecond, 300 * time.Microsecond, 0},
		// 98 steps of 50 µs, one of 2 ms, one of 40 ms: the median is
		// 50 µs, the 99th percentile the 2 ms step, two are late.
		{"tail", append(repeat(50*time.Microsecond, 98), 2*time.Millisecond, 40*time.Millisecond),
			50 * time.Microsecond, 2 * time.Millisecond, 40 * time.Millisecond, 2},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			l := newLateness("m")
			for _, d := range tt.obs {
				l.observe(d)
			}
			s := l.snapshot()
			within := func(got, want time.Duration) bool {
				return got >= want && float64(got) <= float64(want)*latenessGrowth
			}
			if s.Steps != uint64(len(tt.obs)) || !within(s.P50, tt.p50) || !within(s.P99, tt.p99) || s.Max != tt.max || s.Late != tt.late || s.Bound != LatenessBound {
				t.Errorf("snapshot %+v, want p50 %v p99 %v max %v late %d", s, tt.p50, tt.p99, tt.max, tt.late)
			}
		})
	}
}

func repeat(d time.Duration, n int) []time.Duration {
	out := make([]time.Duration, n)
	for i := range out {
		out[i] = d
	}
	return out
}

// TestEngineLateness: the real-time driver measures every step it ends and
// exports the same count in /metrics.
func TestEngineLateness(t *testing.T) {
	e, srv := newServer(t, fastConfig())
	for range 3 {
		if code, body := post(t, srv, "/v1/completions", `{"prompt": "one two three", "max_tokens": 8, "ignore_eos": true}`); code != 200 {
			t.Fatalf("HTTP %d: %s", code, body)
		}
	}
	s := e.Lateness()
	// Each request of 8 tokens takes 8 steps at least (they may share).
	if s.Steps < 8 || s.Max < s.P99 || s.P99 < s.P50 {
		t.Fatalf("lateness %+v", s)
	}
	m := scrape(t, srv.URL, e.served)
	if got := m["tokenbench:engine_lateness_seconds_count"]; got != float64(s.Steps) {
		t.Errorf("/metrics counts %v late steps, Lateness %d", got, s.Steps)
	}
}

// TestEngineCatchesUp: a driver stalled mid-stream (its lock held) is late
// once, then catches up: the engine's own clock, and so the timings it
// reports, keep the modelled schedule instead of stretching by the stall.
func TestEngineCatchesUp(t *testing.T) {
	const body = `{"prompt": "catch up", "max_tokens": 1500, "ignore_eos": true, "stream": true, "stream_options": {"include_usage": true}}`
	predicted := func(stall time.Duration) (float64, bool) {
		e, srv := newServer(t, fastConfig())
		resp, err := http.Post(srv.URL+"/v1/completions", "application/json", strings.NewReader(body))
		if err != nil {
			t.Fatal(err)
		}
		defer resp.Body.Close()
		sc := bufio.NewScanner(resp.Body)
		sc.Buffer(make([]byte, 1<<20), 1<<20)
		stalled := stall == 0
		var ms float64
		for sc.Scan() {
			line := sc.Text()
			if !stalled && strings.HasPrefix(line, "data: {") {
				e.mu.Lock()
				running := len(e.sched.running) > 0
				time.Sleep(stall) // the driver cannot commit meanwhile
				e.mu.Unlock()
				if !running {
					return 0, false
				}
				stalled = true
			}
			if i := strings.Index(line, `"predicted_ms":`); i >= 0 {
				fmt.Sscanf(line[i+len(`"predicted_ms":`):], "%g", &ms)
			}
		}
		if stall > 0 && e.Lateness().Max < stall/2 {
			t.Errorf("lateness %+v after a stall of %v", e.Lateness(), stall)
		}
		return ms, true
	}
	base, _ := predicted(0)
	got, ok := predicted(200 * time.Millisecond)
	if !ok {
		t.Skip("the host was too slow to stall the engine mid-stream")
	}
	t.Logf("predicted_ms %.3f without a stall, %.3f with one of 200 ms", base, got)
	if base <= 0 || math.Abs(got-base) > 0.01 {
		t.Errorf("predicted_ms %.3f with a stall, %.3f without: the engine's schedule stretched", got, base)
	}
}
