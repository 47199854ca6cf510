package bench

import (
	"context"
	"fmt"
	"net"
	"net/http"
	"net/http/httptest"
	"os"
	"sort"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/tokenbench/tokenbench/workloads"
)

func newTestClient(t *testing.T, url string, timeout time.Duration) *Client {
	t.Helper()
	c, err := NewClient(Target{BaseURL: url + "/v1", Model: "m", Timeout: timeout})
	if err != nil {
		t.Fatal(err)
	}
	return c
}

// TestClientAgreesWithServerTiming streams from a real loopback HTTP server
// that notes when it flushed each event; server and client share the
// process's monotonic clock, so the client's arrival times must follow the
// server's flush times closely. Nothing is asserted about how long anything
// took: only about the gap between two clocks reading the same events.
func TestClientAgreesWithServerTiming(t *testing.T) {
	const events = 40
	var mu sync.Mutex
	// written[k] is read just before the k-th token event is written,
	// flushed[k] just after its Flush returns: the bytes left the server
	// between the two (a busy machine may delay the second read).
	var written, flushed []time.Time
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "text/event-stream")
		fl := w.(http.Flusher)
		send := func(data string) (before, after time.Time) {
			before = time.Now()
			fmt.Fprintf(w, "data: %s\n\n", data)
			fl.Flush()
			return before, time.Now()
		}
		send(evRole)
		for k := 0; k < events; k++ {
			time.Sleep(time.Duration(200+100*(k%5)) * time.Microsecond) // a varied schedule
			before, after := send(evTok("t"))
			mu.Lock()
			written, flushed = append(written, before), append(flushed, after)
			mu.Unlock()
		}
		send(evFin)
		send(fmt.Sprintf(`{"id":"x","choices":[],"usage":{"prompt_tokens":3,"completion_tokens":%d}}`, events))
		send("[DONE]")
	}))
	defer srv.Close()
	c := newTestClient(t, srv.URL, 10*time.Second)
	ep := time.Now()
	rec, _ := c.Do(context.Background(), workloads.Request{Prompt: "p"}, ep, ep)
	if !rec.OK {
		t.Fatalf("request failed: %s %s", rec.ErrorClass, rec.Error)
	}
	if len(rec.EventsMS) != events || rec.OutputTokens != events {
		t.Fatalf("%d events, %d tokens; want %d", len(rec.EventsMS), rec.OutputTokens, events)
	}
	start := ep.Add(time.Duration(rec.TStartMS * float64(time.Millisecond)))
	var gaps, itlDiffs []float64
	for k, ms := range rec.EventsMS {
		arrived := start.Add(time.Duration(ms * float64(time.Millisecond)))
		// Causality, on any machine: no event is stamped before its bytes
		// began to be written.
		if arrived.Before(written[k]) {
			t.Errorf("event %d stamped %.3f ms before the server wrote it", k, Ms(written[k].Sub(arrived)))
		}
		gaps = append(gaps, Ms(arrived.Sub(flushed[k])))
		if k > 0 {
			serverITL := Ms(flushed[k].Sub(flushed[k-1]))
			itlDiffs = append(itlDiffs, rec.EventsMS[k]-rec.EventsMS[k-1]-serverITL)
		}
	}
	sort.Float64s(gaps)
	t.Logf("arrival after server flush: min %.3f ms, median %.3f ms, max %.3f ms over %d events", gaps[0], gaps[len(gaps)/2], gaps[len(gaps)-1], len(gaps))
	// The arrival is stamped about when the server's Flush returns, a hair
	// before or after; a descheduled server goroutine can read its clock
	// late for a few events, so the median is what must stay close.
	if med := gaps[len(gaps)/2]; med > 1 || med < -1 {
		t.Errorf("median arrival %.3f ms after flush, want well under 1 ms", med)
	}
	sort.Float64s(itlDiffs)
	t.Logf("client ITL minus server ITL: median %.4f ms, min %.4f, max %.4f", itlDiffs[len(itlDiffs)/2], itlDiffs[0], itlDiffs[len(itlDiffs)-1])
	if med := itlDiffs[len(itlDiffs)/2]; med > 0.5 || med < -0.5 {
		t.Errorf("median ITL differs from the server's by %.3f ms", med)
	}
}

func TestClientTransportFailures(t *testing.T) {
	tests := []struct {
		name    string
		handler http.HandlerFunc
		timeout time.Duration
		class   string
	}{
		{
			name: "server hangs up mid-stream",
			handler: func(w http.ResponseWriter, r *http.Request) {
				w.Header().Set("Content-Type", "text/event-stream")
				fmt.Fprint(w, sse(evTok("a")))
				w.(http.Flusher).Flush()
				conn, _, _ := w.(http.Hijacker).Hijack()
				conn.(*net.TCPConn).SetLinger(0) // RST
				conn.Close()
			},
			class: ErrStreamReset,
		},
		{
			name: "stream ends without [DONE]",
			handler: func(w http.ResponseWriter, r *http.Request) {
				w.Header().Set("Content-Type", "text/event-stream")
				fmt.Fprint(w, sse(evTok("a"), evTok("b")))
			},
			class: ErrStreamTruncated,
		},
		{
			name: "stall past the request timeout",
			handler: func(w http.ResponseWriter, r *http.Request) {
				w.Header().Set("Content-Type", "text/event-stream")
				fmt.Fprint(w, sse(evTok("a")))
				w.(http.Flusher).Flush()
				<-r.Context().Done()
			},
			timeout: 50 * time.Millisecond,
			class:   ErrTimeout,
		},
		{
			name: "429 with Retry-After",
			handler: func(w http.ResponseWriter, r *http.Request) {
				w.Header().Set("Retry-After", "1")
				http.Error(w, `{"error":{"message":"rate limited","code":429}}`, http.StatusTooManyRequests)
			},
			class: ErrHTTP429,
		},
		{
			name: "reset before the response",
			handler: func(w http.ResponseWriter, r *http.Request) {
				conn, _, _ := w.(http.Hijacker).Hijack()
				conn.(*net.TCPConn).SetLinger(0)
				conn.Close()
			},
			class: ErrStreamReset,
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			srv := httptest.NewServer(tt.handler)
			defer srv.Close()
			ep := time.Now()
			rec, _ := newTestClient(t, srv.URL, tt.timeout).Do(context.Background(), workloads.Request{Prompt: "p"}, ep, ep)
			if rec.OK || rec.ErrorClass != tt.class {
				t.Errorf("ok=%v class=%q (%s), want %q", rec.OK, rec.ErrorClass, rec.Error, tt.class)
			}
		})
	}
}

func TestClientConnectRefused(t *testing.T) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	addr := ln.Addr().String()
	ln.Close()
	ep := time.Now()
	rec, _ := newTestClient(t, "http://"+addr, time.Second).Do(context.Background(), workloads.Request{Prompt: "p"}, ep, ep)
	if rec.ErrorClass != ErrConnect || rec.Status != 0 {
		t.Errorf("class %q status %d (%s), want connect", rec.ErrorClass, rec.Status, rec.Error)
	}
}

func TestClientCanceled(t *testing.T) {
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "text/event-stream")
		w.(http.Flusher).Flush()
		<-r.Context().Done()
	}))
	defer srv.Close()
	ctx, cancel := context.WithCancel(context.Background())
	time.AfterFunc(20*time.Millisecond, cancel)
	ep := time.Now()
	rec, _ := newTestClient(t, srv.URL, 0).Do(ctx, workloads.Request{Prompt: "p"}, ep, ep)
	if rec.ErrorClass != ErrCanceled {
		t.Errorf("class %q (%s), want canceled", rec.ErrorClass, rec.Error)
	}
}

// TestClientReadsLlamaCppCapture replays a stream captured from a real
// llama.cpp server (speculative decoding on): role-only first chunk with
// null content, one event per token, usage and timings in a final chunk
// with empty choices.
func TestClientReadsLlamaCppCapture(t *testing.T) {
	b, err := os.ReadFile("../../shared/data/engines/llamacpp/stream-chat-speculative.txt")
	if err != nil {
		t.Skipf("shared data not available: %v", err)
	}
	text := string(b)
	tokens := strings.Count(text, `"delta":{"content":"`)
	st := &scriptedTransport{pieces: []piece{{ms: 1, data: text}}}
	rec, reply := runScript(t, "", st, workloads.Request{Prompt: "p"})
	if !rec.OK {
		t.Fatalf("not ok: %s %s", rec.ErrorClass, rec.Error)
	}
	if rec.TokensSource != TokensFromUsage || rec.OutputTokens == 0 || rec.InputTokens == 0 {
		t.Errorf("tokens: source %s in %d out %d", rec.TokensSource, rec.InputTokens, rec.OutputTokens)
	}
	if len(rec.EventsMS) != tokens {
		t.Errorf("%d token events, capture has %d content deltas", len(rec.EventsMS), tokens)
	}
	if !rec.DoneMarker || rec.ResponseID == "" || reply.Content == "" {
		t.Errorf("done %v id %q content %q", rec.DoneMarker, rec.ResponseID, reply.Content)
	}
	if _, ok := rec.Engine["timings"]; !ok || !strings.Contains(string(rec.Engine["timings"]), "draft_n_accepted") {
		t.Errorf("llama.cpp timings not kept: %s", rec.Engine["timings"])
	}
}
