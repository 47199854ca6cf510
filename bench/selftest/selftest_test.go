package selftest

import (
	"context"
	"net/http/httptest"
	"os"
	"os/exec"
	"strings"
	"testing"
	"time"
)

// TestMain lets the test binary play the target process, as the
// tokenbench binary does with its hidden selftest-target command.
func TestMain(m *testing.M) {
	if os.Getenv("TOKENBENCH_SELFTEST_TARGET") == "1" {
		ctx, cancel := context.WithCancel(context.Background())
		go func() { <-WatchStdin(os.Stdin); cancel() }()
		if err := Serve(ctx, Script{TTFT: 5 * time.Millisecond, Gap: 2 * time.Millisecond, Events: 8}, os.Stdout); err != nil {
			os.Exit(1)
		}
		os.Exit(0)
	}
	os.Exit(m.Run())
}

// TestRunAgainstScript: a few streams against the in-process target. The
// client can only see the first token after the script sent it, so TTFT
// error is never negative; every event of every request is counted.
func TestRunAgainstScript(t *testing.T) {
	script := Script{TTFT: 10 * time.Millisecond, Gap: 3 * time.Millisecond, Events: 6}
	srv := httptest.NewServer(Handler(script))
	defer srv.Close()
	res, err := Run(context.Background(), Options{BaseURL: srv.URL + "/v1", Streams: 4, Duration: 200 * time.Millisecond, Script: script})
	if err != nil {
		t.Fatal(err)
	}
	if res.Failed != 0 || res.Requests < 1 || res.Events != (res.Requests-res.Failed)*script.Events {
		t.Fatalf("requests %d failed %d events %d, want %d events per request", res.Requests, res.Failed, res.Events, script.Events)
	}
	if res.Streams < 1 || res.Streams > res.Requests {
		t.Errorf("streams held %d of %d requests", res.Streams, res.Requests)
	}
	if res.TTFTErrorMS.P50 < 0 || res.TTFTErrorMS.P99 < res.TTFTErrorMS.P50 {
		t.Errorf("TTFT error %+v: the first token cannot arrive before the script sends it", res.TTFTErrorMS)
	}
	if res.ITLErrorMS.P99 < res.ITLErrorMS.P50 || res.ScheduleLagMS.P99 < res.ScheduleLagMS.P50 || res.ScheduleLagMS.P50 < 0 {
		t.Errorf("percentiles out of order: itl %+v lag %+v", res.ITLErrorMS, res.ScheduleLagMS)
	}
	if res.EventsPerS <= 0 || res.WindowS <= 0 {
		t.Errorf("events/s %v over %v s", res.EventsPerS, res.WindowS)
	}
}

// TestStartTargetProcess: the target runs in its own process, announces
// its URL, serves the script, and stops when asked.
func TestStartTargetProcess(t *testing.T) {
	cmd := exec.Command(os.Args[0], "-test.run=^$")
	cmd.Env = append(os.Environ(), "TOKENBENCH_SELFTEST_TARGET=1")
	url, stop, err := StartTarget(cmd)
	if err != nil {
		t.Fatal(err)
	}
	defer stop()
	if !strings.HasPrefix(url, "http://127.0.0.1:") || !strings.HasSuffix(url, "/v1") {
		t.Fatalf("announced %q", url)
	}
	res, err := Run(context.Background(), Options{BaseURL: url, Streams: 2, Duration: 50 * time.Millisecond,
		Script: Script{TTFT: 5 * time.Millisecond, Gap: 2 * time.Millisecond, Events: 8}})
	if err != nil {
		t.Fatal(err)
	}
	if res.Events != (res.Requests-res.Failed)*8 || res.Failed != 0 {
		t.Fatalf("%+v", res)
	}
	if err := stop(); err != nil {
		t.Fatal(err)
	}
}

func TestMaxOverlap(t *testing.T) {
	tests := []struct {
		name  string
		spans [][2]float64
		want  int
	}{
		{"none", nil, 0},
		{"back to back", [][2]float64{{0, 1}, {1, 2}}, 1},
		{"nested", [][2]float64{{0, 10}, {1, 2}, {3, 4}, {3.5, 9}}, 3},
	}
	for _, tt := range tests {
		if got := maxOverlap(tt.spans); got != tt.want {
			t.Errorf("%s: %d, want %d", tt.name, got, tt.want)
		}
	}
}
