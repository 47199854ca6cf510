package main

import (
	"bytes"
	"io"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"sync/atomic"
	"syscall"
	"testing"
	"time"

	"github.com/tokenbench/tokenbench/bench"
	"github.com/tokenbench/tokenbench/sim"
)

// TestRunRefusesBadInputBeforeAnything runs the real command (no runF) with
// a bad value and a server that counts requests: each is refused with exit
// 2, before a request is sent and before the results directory exists.
func TestRunRefusesBadInputBeforeAnything(t *testing.T) {
	var hits atomic.Int64
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) { hits.Add(1) }))
	defer srv.Close()
	tests := []struct {
		name    string
		args    []string
		fdLimit uint64
		want    string // in stderr
	}{
		{name: "rate NaN", args: []string{"--rate", "NaN"}, want: "--rate"},
		{name: "rate Inf", args: []string{"--rate", "+Inf"}, want: "--rate"},
		{name: "rate overflows the schedule", args: []string{"--rate", "1e-300"}, want: "--rate"},
		{name: "rate too high", args: []string{"--rate", "1e300"}, want: "--rate"},
		{name: "burstiness NaN", args: []string{"--rate", "2", "--arrival", "gamma", "--burstiness", "NaN"}, want: "--burstiness"},
		{name: "time scale zero", args: []string{"--time-scale", "0"}, want: "--time-scale"},
		{name: "time scale negative", args: []string{"--time-scale", "-2"}, want: "--time-scale"},
		{name: "sim time scale zero", args: []string{"--sim-time-scale", "0"}, want: "--sim-time-scale"},
		{name: "negative ramp-up", args: []string{"--ramp-up", "-1s"}, want: "--ramp-up"},
		{name: "negative grace", args: []string{"--grace", "-1s"}, want: "--grace"},
		{name: "header value with CR LF", args: []string{"--header", "X-A: 1\r\nX-Evil: 2"}, want: "CR, LF"},
		{name: "header name with a space", args: []string{"--header", "X A: 1"}, want: "name may hold"},
		{name: "url without scheme", args: []string{"--url", "127.0.0.1:8000/v1"}, want: "http://"},
		{name: "metrics url not http", args: []string{"--metrics-url", "ftp://h/metrics"}, want: "--metrics-url"},
		{name: "url with a password in a bad URL", args: []string{"--url", "http://u:hunter2@[::1"}, want: "--url"},
		{name: "url without host", args: []string{"--url", "http:///v1"}, want: "no host"},
		{name: "concurrency over the fd limit", args: []string{"--concurrency", "2000"}, fdLimit: 256, want: "file descriptors"},
		{name: "sweep rate overflows", args: []string{"--sweep", "rate=1,1e-300"}, want: "--sweep rate"},
		{name: "sweep rate infinite", args: []string{"--sweep", "rate=Inf"}, want: "--sweep rate"},
		{name: "sweep over the fd limit", args: []string{"--sweep", "concurrency=1,500"}, fdLimit: 256, want: "file descriptors"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			dir := filepath.Join(t.TempDir(), "out")
			f, _, errb, _ := testFactory(nil)
			f.FDLimit = tt.fdLimit
			args := append([]string{"run", "--url", srv.URL + "/v1", "--model", "m", "--requests", "1", "--out", dir}, tt.args...)
			if code := Main(f, args); code != ExitUsage {
				t.Fatalf("exit %d, want %d: %s", code, ExitUsage, errb.String())
			}
			if !strings.Contains(errb.String(), tt.want) {
				t.Errorf("stderr %q lacks %q", errb.String(), tt.want)
			}
			if strings.Contains(errb.String(), "hunter2") {
				t.Errorf("stderr shows a secret: %q", errb.String())
			}
			if _, err := os.Stat(dir); !os.IsNotExist(err) {
				t.Errorf("results directory exists after a refusal: %v", err)
			}
		})
	}
	if n := hits.Load(); n != 0 {
		t.Errorf("%d requests reached the server", n)
	}
}

func TestRunFDLimitAllowsWhatFits(t *testing.T) {
	for _, tt := range []struct {
		conc  int
		url   string
		limit uint64
		ok    bool
	}{
		{conc: 16, limit: 0, ok: true}, // unknown limit: no check
		{conc: 96, limit: 256, ok: true},
		{conc: 96, url: "http://h/v1", limit: 160, ok: true},
		{conc: 97, url: "http://h/v1", limit: 160, ok: false},
		{conc: 100, limit: 256, ok: false}, // built-in engine: two sockets per stream
	} {
		o := &RunOptions{Concurrency: tt.conc, URL: tt.url}
		if err := o.checkFDLimit(tt.limit); (err == nil) != tt.ok {
			t.Errorf("concurrency %d url %q limit %d: err %v", tt.conc, tt.url, tt.limit, err)
		}
	}
}

func TestHeaderErrorsNeverShowValues(t *testing.T) {
	for _, h := range []string{"nocolon-hunter2", "X A: hunter2", "X-A: hunter2\r\n"} {
		_, err := parseHeaders([]string{h})
		if err == nil {
			t.Fatalf("%q accepted", h)
		}
		if strings.Contains(err.Error(), "hunter2") {
			t.Errorf("%q: error shows the value: %v", h, err)
		}
	}
}

func TestSIGTERMExits143(t *testing.T) {
	f, _, _, _ := testFactory(nil)
	f.signal.Store(os.Signal(syscall.SIGTERM))
	if code := exitCode(f, errInterrupted); code != ExitTerminated {
		t.Errorf("exit %d, want %d", code, ExitTerminated)
	}
	f2, _, _, _ := testFactory(nil)
	f2.signal.Store(os.Signal(syscall.SIGINT))
	if code := exitCode(f2, errInterrupted); code != ExitInterrupted {
		t.Errorf("exit %d, want %d", code, ExitInterrupted)
	}
}

// sseOK answers one streamed token, usage and [DONE].
func sseOK(w http.ResponseWriter) {
	w.Header().Set("Content-Type", "text/event-stream")
	io.WriteString(w, "data: {\"id\":\"r\",\"choices\":[{\"index\":0,\"delta\":{\"content\":\"hi\"}}]}\n\n"+
		"data: {\"id\":\"r\",\"choices\":[{\"index\":0,\"delta\":{},\"finish_reason\":\"length\"}],\"usage\":{\"prompt_tokens\":5,\"completion_tokens\":1}}\n\n"+
		"data: [DONE]\n\n")
}

func TestRunMostRequestsFailedExitsOne(t *testing.T) {
	var n atomic.Int64
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if n.Add(1)%4 == 0 {
			sseOK(w)
			return
		}
		http.Error(w, `{"error":{"message":"engine died"}}`, http.StatusBadGateway)
	}))
	defer srv.Close()
	f, _, errb, _ := testFactory(nil)
	dir := filepath.Join(t.TempDir(), "most")
	code := Main(f, []string{"run", "--url", srv.URL + "/v1", "--model", "m", "--requests", "8", "--concurrency", "1",
		"--no-metrics", "--calibrate", "off", "--no-preflight", "--out", dir, "-q"})
	if code != ExitError || !strings.Contains(errb.String(), "of 8 requests failed, more than half") {
		t.Errorf("exit %d, stderr %q", code, errb.String())
	}
	if _, err := os.Stat(filepath.Join(dir, "summary.json")); err != nil {
		t.Errorf("summary not written: %v", err)
	}
}

func TestURLUserinfoNeverWritten(t *testing.T) {
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if u, p, ok := r.BasicAuth(); !ok || u != "alice" || p != "pw-s3cret" {
			http.Error(w, "no auth", http.StatusUnauthorized)
			return
		}
		sseOK(w)
	}))
	defer srv.Close()
	url := strings.Replace(srv.URL, "http://", "http://alice:pw-s3cret@", 1) + "/v1"
	f, out, errb, _ := testFactory(nil)
	dir := filepath.Join(t.TempDir(), "ui")
	code := Main(f, []string{"run", "--url", url, "--model", "m", "--requests", "3", "--concurrency", "1", "--calibrate", "off", "--out", dir})
	if code != 0 {
		t.Fatalf("exit %d: %s", code, errb.String())
	}
	ri, err := bench.ReadRunInfo(dir)
	if err != nil || !strings.Contains(ri.Target.URL, "xxxxx@127.0.0.1") {
		t.Errorf("run.json url %q err %v", ri.Target.URL, err)
	}
	filepath.Walk(dir, func(p string, info os.FileInfo, err error) error {
		b, _ := os.ReadFile(p)
		if bytes.Contains(b, []byte("pw-s3cret")) || bytes.Contains(b, []byte("alice")) {
			t.Errorf("%s holds the URL's userinfo", p)
		}
		return nil
	})
	if s := out.String() + errb.String(); strings.Contains(s, "pw-s3cret") || strings.Contains(s, "alice") {
		t.Errorf("terminal shows the userinfo: %s", s)
	}
}

// TestRunWrongKeyStopsBeforeLoad: a 401 stops the run after the one probe,
// with the hint, exit 2, no results directory, and /tokenize never blamed.
func TestRunWrongKeyStopsBeforeLoad(t *testing.T) {
	var hits atomic.Int64
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		hits.Add(1)
		http.Error(w, `{"error":{"message":"invalid api key"}}`, http.StatusUnauthorized)
	}))
	defer srv.Close()
	f, _, errb, _ := testFactory(map[string]string{"OPENAI_API_KEY": "sk-wrong-key"})
	dir := filepath.Join(t.TempDir(), "k")
	code := Main(f, []string{"run", "--url", srv.URL + "/v1", "--model", "m", "--requests", "50", "--no-metrics", "--out", dir})
	if code != ExitUsage {
		t.Fatalf("exit %d: %s", code, errb.String())
	}
	if s := errb.String(); !strings.Contains(s, "HTTP 401") || !strings.Contains(s, "--api-key") || strings.Contains(s, "tokenize") || strings.Contains(s, "sk-wrong-key") {
		t.Errorf("stderr %q", s)
	}
	if n := hits.Load(); n != 1 {
		t.Errorf("%d requests reached the server, want the probe alone", n)
	}
	if _, err := os.Stat(dir); !os.IsNotExist(err) {
		t.Errorf("results directory exists: %v", err)
	}
}

func TestSimWritesURLFile(t *testing.T) {
	file := filepath.Join(t.TempDir(), "sim.url")
	f, _, errb, sigs := testFactory(nil)
	done := make(chan int, 1)
	go func() { done <- Main(f, []string{"sim", "--addr", "127.0.0.1:0", "--url-file", file}) }()
	var url string
	for deadline := time.Now().Add(20 * time.Second); time.Now().Before(deadline); time.Sleep(10 * time.Millisecond) {
		if b, _ := os.ReadFile(file); len(b) > 0 {
			url = strings.TrimSpace(string(b))
			break
		}
	}
	if !strings.HasPrefix(url, "http://127.0.0.1:") || !strings.HasSuffix(url, "/v1") || strings.HasSuffix(url, ":0/v1") {
		t.Fatalf("url file holds %q", url)
	}
	resp, err := http.Get(url + "/models")
	if err != nil || resp.StatusCode != 200 {
		t.Errorf("GET %s/models: %v", url, err)
	} else {
		resp.Body.Close()
	}
	sigs <- syscall.SIGINT
	if code := <-done; code != 0 {
		t.Errorf("sim exit %d: %s", code, errb.String())
	}
}

func TestRunSIGTERMExits143WithResults(t *testing.T) {
	dir := filepath.Join(t.TempDir(), "run")
	f, _, errb, sigs := testFactory(nil)
	go func() {
		for deadline := time.Now().Add(20 * time.Second); time.Now().Before(deadline); time.Sleep(5 * time.Millisecond) {
			if b, _ := os.ReadFile(filepath.Join(dir, bench.RecordsFile)); bytes.Count(b, []byte("\n")) >= 2 {
				break
			}
		}
		sigs <- syscall.SIGTERM
	}()
	code := Main(f, []string{"run", "--concurrency", "2", "--input-tokens", "16", "--output-tokens", "4", "--duration", "1h", "--grace", "0s", "--no-metrics", "--out", dir, "-q"})
	if code != ExitTerminated {
		t.Fatalf("exit %d, want %d: %s", code, ExitTerminated, errb.String())
	}
	if _, err := os.Stat(filepath.Join(dir, "summary.json")); err != nil {
		t.Errorf("summary not written: %v", err)
	}
}

// TestRunPreflightEveryEndpoint: routing over several endpoints probes
// each; one that refuses the key stops the run before any load, named.
func TestRunPreflightEveryEndpoint(t *testing.T) {
	good := startEngine(t)
	var hits atomic.Int64
	bad := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		hits.Add(1)
		http.Error(w, `{"error":{"message":"invalid api key"}}`, http.StatusUnauthorized)
	}))
	defer bad.Close()
	f, _, errb, _ := testFactory(nil)
	dir := filepath.Join(t.TempDir(), "two")
	code := Main(f, []string{"run", "--url", good, "--url", bad.URL + "/v1", "--model", sim.DefaultConfig().Model,
		"--requests", "20", "--no-metrics", "--calibrate", "off", "--out", dir})
	if code != ExitUsage {
		t.Fatalf("exit %d: %s", code, errb.String())
	}
	if s := errb.String(); !strings.Contains(s, "endpoint "+bad.URL+"/v1") || !strings.Contains(s, "HTTP 401") {
		t.Errorf("stderr %q: want the refusing endpoint named with its 401", s)
	}
	if n := hits.Load(); n != 1 {
		t.Errorf("the refusing endpoint got %d requests, want the one probe", n)
	}
	if _, err := os.Stat(dir); !os.IsNotExist(err) {
		t.Errorf("results directory exists (%v): want none before load", err)
	}
}
