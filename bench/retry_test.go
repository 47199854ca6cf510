package bench

import (
	"context"
	"fmt"
	"net/http"
	"net/http/httptest"
	"sync"
	"testing"
	"time"

	"github.com/tokenbench/tokenbench/internal/faults"
	"github.com/tokenbench/tokenbench/workloads"
)

// streamHandler answers every request with a two-token stream.
var streamHandler = http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
	w.Header().Set("Content-Type", "text/event-stream")
	fmt.Fprint(w, sse(evTok("a"), evTok("b"), evFin, evUsage2, "[DONE]"))
})

const evUsage2 = `{"id":"chatcmpl-1","choices":[],"usage":{"prompt_tokens":5,"completion_tokens":2}}`

// TestClientRetriesWhatNeverReachedTheServer sends requests, one after
// another and concurrently, to servers that close kept-alive connections:
// every request succeeds, and a retried one went out on a new connection.
func TestClientRetriesWhatNeverReachedTheServer(t *testing.T) {
	tests := []struct {
		name        string
		mode        faults.Drop
		concurrent  int
		wantRetried int // -1: any number (a race)
	}{
		{name: "closed after each stream, in sequence", mode: faults.CloseAfterEach, concurrent: 1, wantRetried: -1},
		{name: "closed after each stream, 4 at once", mode: faults.CloseAfterEach, concurrent: 4, wantRetried: -1},
		// Request 1 opens a connection; request 2 takes it from the pool,
		// is dropped, and is retried on a connection of its own, which is
		// not pooled; request 3 opens a new one, and so on.
		{name: "closed when reused, in sequence", mode: faults.CloseOnNext, concurrent: 1, wantRetried: 6},
	}
	const perWorker = 12
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			url := faults.KeepAliveServer(t, streamHandler, tt.mode)
			c := newTestClient(t, url, 10*time.Second)
			var mu sync.Mutex
			var recs []Record
			var wg sync.WaitGroup
			for w := 0; w < tt.concurrent; w++ {
				wg.Add(1)
				go func() {
					defer wg.Done()
					for k := 0; k < perWorker; k++ {
						ep := time.Now()
						rec, _ := c.Do(context.Background(), workloads.Request{Prompt: "p", MaxTokens: 2}, ep, ep)
						mu.Lock()
						recs = append(recs, rec)
						mu.Unlock()
					}
				}()
			}
			wg.Wait()
			retried := 0
			for _, r := range recs {
				if !r.OK {
					t.Errorf("request failed: %s %s (retried %v)", r.ErrorClass, r.Error, r.Retried)
				}
				if r.Retried {
					retried++
					if r.HTTP == nil || r.HTTP.ConnReused {
						t.Errorf("retry went out on a reused connection: %+v", r.HTTP)
					}
				}
			}
			if len(recs) != tt.concurrent*perWorker {
				t.Fatalf("%d records for %d requests", len(recs), tt.concurrent*perWorker)
			}
			if tt.wantRetried >= 0 && retried != tt.wantRetried {
				t.Errorf("%d retried, want %d", retried, tt.wantRetried)
			}
		})
	}
}

// TestNoRetryOnceTheServerAnswered: a connection that breaks after the
// first response byte reached the server; it is recorded, not retried.
func TestNoRetryOnceTheServerAnswered(t *testing.T) {
	var mu sync.Mutex
	calls := 0
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		mu.Lock()
		calls++
		mu.Unlock()
		w.Header().Set("Content-Type", "text/event-stream")
		fmt.Fprint(w, sse(evTok("a")))
		w.(http.Flusher).Flush()
		conn, _, _ := w.(http.Hijacker).Hijack()
		conn.Close()
	}))
	defer srv.Close()
	c := newTestClient(t, srv.URL, 10*time.Second)
	for k := 0; k < 3; k++ {
		ep := time.Now()
		rec, _ := c.Do(context.Background(), workloads.Request{Prompt: "p"}, ep, ep)
		if rec.OK || rec.Retried || rec.ErrorClass != ErrStreamReset {
			t.Errorf("request %d: ok %v retried %v class %q (%s)", k, rec.OK, rec.Retried, rec.ErrorClass, rec.Error)
		}
	}
	if calls != 3 {
		t.Errorf("server saw %d requests, want 3 (one each, no retry)", calls)
	}
}

// TestCalibrateAndAdaptRetry: /tokenize calibration and the adapt probe
// against a server that drops every reused connection still succeed.
func TestCalibrateAndAdaptRetry(t *testing.T) {
	ts := &toyServer{flavor: TokenizeVLLM, count: differentCount, chatOverhead: 5}
	url := faults.KeepAliveServer(t, ts, faults.CloseOnNext)
	target := Target{BaseURL: url + "/v1", Model: "toy", API: APIChat, Timeout: 10 * time.Second}
	cal, err := Calibrate(context.Background(), target, nil, nil)
	if err != nil || !cal.Available {
		t.Fatalf("calibration failed: %v (%s)", err, cal.Reason)
	}

	strict := strictServer("min_tokens", "ignore_eos")
	strict.Close() // only its handler is used, behind the dropping server
	surl := faults.KeepAliveServer(t, strict.Config.Handler, faults.CloseOnNext)
	hc := NewHTTPClient() // shared by every probe, as run shares one
	got, notes := AdaptTarget(context.Background(), Target{BaseURL: surl + "/v1", Model: "m"}, WithHTTPClient(hc))
	if len(got.Omit) != 2 || len(notes) != 2 {
		t.Errorf("adapt through a dropping server: omit %v notes %q", got.Omit, notes)
	}
}
