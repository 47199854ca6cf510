package bench

import (
	"bufio"
	"bytes"
	"context"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/http/httptest"
	"sync"
	"testing"
	"time"

	"github.com/tokenbench/tokenbench/workloads"
)

// Ways a keep-alive server drops its connections.
const (
	// closeAfterEach: answer "Connection: keep-alive", then close the socket
	// after every response, as llama-server does; whether the client takes
	// the dying connection from its pool is a race.
	closeAfterEach = iota
	// closeOnNext: keep the connection open, and close it without an answer
	// when a second request arrives on it: the race lost every time.
	closeOnNext
)

// closingServer serves h on a raw loopback listener, writing each answer
// itself (chunked, "Connection: keep-alive") and dropping connections as
// mode says. It returns the base URL.
func closingServer(t *testing.T, h http.Handler, mode int) string {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	var mu sync.Mutex
	var open []net.Conn
	var wg sync.WaitGroup
	t.Cleanup(func() {
		ln.Close()
		mu.Lock()
		for _, c := range open {
			c.Close() // kept-alive connections the client still holds
		}
		mu.Unlock()
		wg.Wait()
	})
	wg.Add(1)
	go func() {
		defer wg.Done()
		for {
			c, err := ln.Accept()
			if err != nil {
				return
			}
			mu.Lock()
			open = append(open, c)
			mu.Unlock()
			wg.Add(1)
			go func() {
				defer wg.Done()
				defer c.Close()
				br := bufio.NewReader(c)
				for served := 0; ; served++ {
					req, err := http.ReadRequest(br)
					if err != nil {
						return
					}
					body, _ := io.ReadAll(req.Body)
					req.Body = io.NopCloser(bytes.NewReader(body))
					if served > 0 && mode == closeOnNext {
						return // the request is read, never answered
					}
					rec := httptest.NewRecorder()
					h.ServeHTTP(rec, req)
					bw := bufio.NewWriter(c)
					fmt.Fprintf(bw, "HTTP/1.1 %d %s\r\n", rec.Code, http.StatusText(rec.Code))
					rec.Header().Write(bw)
					fmt.Fprintf(bw, "Connection: keep-alive\r\nTransfer-Encoding: chunked\r\n\r\n")
					if b := rec.Body.Bytes(); len(b) > 0 {
						fmt.Fprintf(bw, "%x\r\n%s\r\n", len(b), b)
					}
					fmt.Fprintf(bw, "0\r\n\r\n")
					bw.Flush()
					if mode == closeAfterEach {
						return
					}
				}
			}()
		}
	}()
	return "http://" + ln.Addr().String()
}

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
		mode        int
		concurrent  int
		wantRetried int // -1: any number (a race)
	}{
		{name: "closed after each stream, in sequence", mode: closeAfterEach, concurrent: 1, wantRetried: -1},
		{name: "closed after each stream, 4 at once", mode: closeAfterEach, concurrent: 4, wantRetried: -1},
		// Request 1 opens a connection; request 2 takes it from the pool,
		// is dropped, and is retried on a connection of its own, which is
		// not pooled; request 3 opens a new one, and so on.
		{name: "closed when reused, in sequence", mode: closeOnNext, concurrent: 1, wantRetried: 6},
	}
	const perWorker = 12
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			url := closingServer(t, streamHandler, tt.mode)
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
	url := closingServer(t, ts, closeOnNext)
	target := Target{BaseURL: url + "/v1", Model: "toy", API: APIChat, Timeout: 10 * time.Second}
	cal, err := Calibrate(context.Background(), target, nil, nil)
	if err != nil || !cal.Available {
		t.Fatalf("calibration failed: %v (%s)", err, cal.Reason)
	}

	strict := strictServer("min_tokens", "ignore_eos")
	strict.Close() // only its handler is used, behind the dropping server
	surl := closingServer(t, strict.Config.Handler, closeOnNext)
	hc := NewHTTPClient() // shared by every probe, as run shares one
	got, notes := AdaptTarget(context.Background(), Target{BaseURL: surl + "/v1", Model: "m"}, WithHTTPClient(hc))
	if len(got.Omit) != 2 || len(notes) != 2 {
		t.Errorf("adapt through a dropping server: omit %v notes %q", got.Omit, notes)
	}
}
