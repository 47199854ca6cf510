package report

import (
	"sync"
	"testing"
	"time"

	"github.com/tokenbench/tokenbench/bench"
)

func TestLiveLine(t *testing.T) {
	start := time.Date(2026, 1, 2, 3, 4, 5, 0, time.UTC)
	tests := []struct {
		name    string
		recs    []bench.Record
		elapsed time.Duration
		want    string
	}{
		{"nothing yet", nil, 0,
			"done 0 | ok 0 failed 0 | 0.0 req/s 0 out tok/s | p50 TTFT -"},
		{"fixture after 2 s", fixtureRecords(), 2 * time.Second,
			// 3 ok / 2 s; 11 output tokens / 2 s; p50 of 30 50 100.
			"done 6 | ok 3 failed 3 | 1.5 req/s 6 out tok/s | p50 TTFT 50.0 ms | warmup 1"},
		{"even count interpolates", []bench.Record{
			{OK: true, TTFTMS: fp(40), OutputTokens: 100},
			{OK: true, TTFTMS: fp(42.4), OutputTokens: 300},
		}, 500 * time.Millisecond,
			"done 2 | ok 2 failed 0 | 4.0 req/s 800 out tok/s | p50 TTFT 41.2 ms"},
		{"warm-up only", fixtureRecords()[:1], time.Second,
			"done 0 | ok 0 failed 0 | 0.0 req/s 0 out tok/s | p50 TTFT - | warmup 1"},
		{"clock before start", allFailedRecords(), -time.Second,
			"done 2 | ok 0 failed 2 | 0.0 req/s 0 out tok/s | p50 TTFT -"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			l := NewLive(start)
			for _, r := range tt.recs {
				l.Add(r)
			}
			now := start.Add(tt.elapsed)
			if got := l.Line(now); got != tt.want {
				t.Errorf("Line =\n  %q\nwant\n  %q", got, tt.want)
			}
			// Line is pure: asking again gives the same answer.
			if got := l.Line(now); got != tt.want {
				t.Errorf("second Line = %q", got)
			}
		})
	}
}

func TestLiveConcurrent(t *testing.T) {
	start := time.Unix(0, 0)
	l := NewLive(start)
	var wg sync.WaitGroup
	for range 4 {
		wg.Go(func() {
			for i := range 50 {
				_ = l.Write(bench.Record{OK: true, TTFTMS: fp(float64(i)), OutputTokens: 2})
				_ = l.Line(start.Add(time.Second))
			}
		})
	}
	wg.Wait()
	want := "done 200 | ok 200 failed 0 | 200.0 req/s 400 out tok/s | p50 TTFT 24.5 ms"
	if got := l.Line(start.Add(time.Second)); got != want {
		t.Errorf("Line = %q, want %q", got, want)
	}
}
