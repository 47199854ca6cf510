package main

import (
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/tokenbench/tokenbench/bench"
)

// TestMaxBufferIsOneBudgetPerRun: --max-buffer bounds the event bytes of
// every stream of a run together, also when the run routes over several
// --url. Each of two endpoints streams the first 100 kB of one event and
// holds the rest until a stream fails: one partial event fits the budget
// (about 124 KiB of read buffer held), two do not, and a whole event with
// its decoded copy (about 222 KiB) fits once the other stream let go. So
// one request ends client_limit and the other succeeds, whichever the
// scheduler runs first. With a budget per client neither would fail: both
// would wait for the servers' fallback (holdAtMost) and succeed.
func TestMaxBufferIsOneBudgetPerRun(t *testing.T) {
	const holdAtMost = 20 * time.Second // only reached when no stream fails (the bug)
	part := strings.Repeat("x", 100_000)
	failed := make(chan struct{})
	var once sync.Once
	var mu sync.Mutex
	fallback := 0
	handler := func(w http.ResponseWriter, r *http.Request) {
		if !strings.HasSuffix(r.URL.Path, "/chat/completions") {
			fmt.Fprint(w, `{"object":"list","data":[{"id":"m","object":"model"}]}`)
			return
		}
		_, _ = io.Copy(io.Discard, r.Body) // read to the end, so a closed connection cancels r.Context()
		w.Header().Set("Content-Type", "text/event-stream")
		fmt.Fprint(w, `data: {"id":"x","choices":[{"index":0,"delta":{"content":"`+part)
		w.(http.Flusher).Flush()
		select {
		case <-r.Context().Done(): // the client gave up this stream
			once.Do(func() { close(failed) })
			return
		case <-failed:
		case <-time.After(holdAtMost):
			mu.Lock()
			fallback++
			mu.Unlock()
		}
		fmt.Fprint(w, `"}}]}`+"\n\n"+
			`data: {"id":"x","choices":[{"index":0,"delta":{},"finish_reason":"stop"}]}`+"\n\n"+
			"data: [DONE]\n\n")
	}
	a := httptest.NewServer(http.HandlerFunc(handler))
	defer a.Close()
	b := httptest.NewServer(http.HandlerFunc(handler))
	defer b.Close()

	dir := filepath.Join(t.TempDir(), "budget")
	f, _, errb, _ := testFactory(nil)
	code := runMain(t, f, "run", "--url", a.URL+"/v1", "--url", b.URL+"/v1", "--route", "round-robin", "--model", "m",
		"--requests", "2", "--concurrency", "2", "--max-buffer", "240000", "--no-preflight", "--no-prewarm", "--no-metrics",
		"--calibrate", "off", "--force-length=false", "--out", dir, "-q")
	if code != 0 {
		t.Fatalf("exit %d: %s", code, errb.String())
	}
	recs := readRecords(t, dir)
	classes := map[string]int{}
	endpoints := map[string]bool{}
	for _, r := range recs {
		endpoints[r.Endpoint] = true
		if r.OK {
			classes["ok"]++
			continue
		}
		classes[r.ErrorClass]++
		if r.ErrorClass == bench.ErrClientLimit && !strings.Contains(r.Error, "--max-buffer") {
			t.Errorf("client_limit error %q does not name --max-buffer", r.Error)
		}
	}
	if len(recs) != 2 || len(endpoints) != 2 {
		t.Fatalf("%d records on %d endpoints, want one on each of 2", len(recs), len(endpoints))
	}
	if classes["ok"] != 1 || classes[bench.ErrClientLimit] != 1 {
		t.Errorf("classes %v, want 1 ok and 1 client_limit: the budget is per client, not per run (fallback releases %d)", classes, fallback)
	}
}
