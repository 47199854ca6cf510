package bench

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"log"
	"net"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/tokenbench/tokenbench/workloads"
)

// partialEvent is the first half of an event: the stream fails while it is
// buffered.
const partialEvent = `data: {"id":"chatcmpl-1","choices":[{"index":0,"delta":{"cont`

// TestClientClassesByCause runs each fault against an in-process server
// that misbehaves exactly that way and checks the class names the cause,
// not the symptom.
func TestClientClassesByCause(t *testing.T) {
	tests := []struct {
		name      string
		handler   http.HandlerFunc
		h2        bool
		timeout   time.Duration
		cancel    bool // cancel the request once the server has written
		class     string
		status    int
		errSubstr string
	}{
		{
			name: "timeout with part of an event buffered",
			handler: func(w http.ResponseWriter, r *http.Request) {
				w.Header().Set("Content-Type", "text/event-stream")
				fmt.Fprint(w, sse(evTok("a"))+partialEvent)
				w.(http.Flusher).Flush()
				<-r.Context().Done()
			},
			timeout: 100 * time.Millisecond, class: ErrTimeout, status: 200,
		},
		{
			name: "connection reset with part of an event buffered",
			handler: func(w http.ResponseWriter, r *http.Request) {
				w.Header().Set("Content-Type", "text/event-stream")
				fmt.Fprint(w, sse(evTok("a"))+partialEvent)
				w.(http.Flusher).Flush()
				conn, _, _ := w.(http.Hijacker).Hijack()
				conn.(*net.TCPConn).SetLinger(0) // RST
				conn.Close()
			},
			class: ErrStreamReset, status: 200,
		},
		{
			name: "canceled with part of an event buffered",
			handler: func(w http.ResponseWriter, r *http.Request) {
				w.Header().Set("Content-Type", "text/event-stream")
				fmt.Fprint(w, sse(evTok("a"))+partialEvent)
				w.(http.Flusher).Flush()
				<-r.Context().Done()
			},
			cancel: true, class: ErrCanceled, status: 200,
		},
		{
			name: "HTTP/2 stream reset before headers",
			h2:   true,
			handler: func(w http.ResponseWriter, r *http.Request) {
				panic(http.ErrAbortHandler) // RST_STREAM, no headers
			},
			class: ErrStreamReset, errSubstr: "stream error",
		},
		{
			name: "redirect loop",
			handler: func(w http.ResponseWriter, r *http.Request) {
				http.Redirect(w, r, r.URL.Path, http.StatusTemporaryRedirect)
			},
			class: ErrHTTP4xx, status: http.StatusTemporaryRedirect, errSubstr: "redirect loop",
		},
		{
			name: "vLLM in-stream error 400, then [DONE]",
			handler: func(w http.ResponseWriter, r *http.Request) {
				w.Header().Set("Content-Type", "text/event-stream")
				fmt.Fprint(w, sse(evTok("a"), `{"object":"error","message":"This model's maximum context length is 2048 tokens","type":"BadRequestError","param":null,"code":400}`, "[DONE]"))
			},
			class: ErrHTTP4xx, status: 200, errSubstr: "maximum context length",
		},
		{
			name: "vLLM in-stream error 500",
			handler: func(w http.ResponseWriter, r *http.Request) {
				w.Header().Set("Content-Type", "text/event-stream")
				fmt.Fprint(w, sse(`{"object":"error","message":"engine dead","type":"InternalServerError","code":500}`, "[DONE]"))
			},
			class: ErrHTTP5xx, status: 200, errSubstr: "engine dead",
		},
		{
			name: "HTTP 200 with an HTML page",
			handler: func(w http.ResponseWriter, r *http.Request) {
				w.Header().Set("Content-Type", "text/html; charset=utf-8")
				fmt.Fprint(w, "<html><body>Sign in</body></html>")
			},
			class: ErrBadEvent, status: 200, errSubstr: "Content-Type text/html",
		},
		{
			name: "HTTP 200 gzip-compressed",
			handler: func(w http.ResponseWriter, r *http.Request) {
				w.Header().Set("Content-Type", "text/event-stream")
				w.Header().Set("Content-Encoding", "gzip")
				w.Write([]byte{0x1f, 0x8b, 8, 0, 0, 0, 0, 0})
			},
			class: ErrBadEvent, status: 200, errSubstr: "Content-Encoding gzip",
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			srv := httptest.NewUnstartedServer(tt.handler)
			srv.Config.ErrorLog = quietLog()
			var opts []ClientOption
			if tt.h2 {
				srv.EnableHTTP2 = true
				srv.StartTLS()
				opts = append(opts, WithHTTPClient(srv.Client()))
			} else {
				srv.Start()
			}
			defer srv.Close()
			ctx, cancel := context.WithCancel(context.Background())
			defer cancel()
			if tt.cancel {
				opts = append(opts, WithHTTPClient(&http.Client{Transport: cancelOnPartial{NewHTTPClient().Transport, cancel}}))
			}
			c, err := NewClient(Target{BaseURL: srv.URL + "/v1", Model: "m", Timeout: tt.timeout}, opts...)
			if err != nil {
				t.Fatal(err)
			}
			ep := time.Now()
			rec, _ := c.Do(ctx, workloads.Request{Prompt: "p"}, ep, ep)
			if rec.OK || rec.ErrorClass != tt.class || rec.Status != tt.status {
				t.Fatalf("ok=%v class=%q status=%d (%s), want %q status %d", rec.OK, rec.ErrorClass, rec.Status, rec.Error, tt.class, tt.status)
			}
			if !strings.Contains(rec.Error, tt.errSubstr) {
				t.Errorf("error %q does not name %q", rec.Error, tt.errSubstr)
			}
		})
	}
}

// cancelOnPartial cancels the request once a Read of its body has
// delivered the partial event, so the cancel finds it buffered.
type cancelOnPartial struct {
	rt     http.RoundTripper
	cancel func()
}

func (c cancelOnPartial) RoundTrip(r *http.Request) (*http.Response, error) {
	resp, err := c.rt.RoundTrip(r)
	if err == nil {
		resp.Body = &hookBody{ReadCloser: resp.Body, cancel: c.cancel}
	}
	return resp, err
}

type hookBody struct {
	io.ReadCloser
	cancel func()
	seen   []byte
}

func (b *hookBody) Read(p []byte) (int, error) {
	n, err := b.ReadCloser.Read(p)
	b.seen = append(b.seen, p[:n]...)
	if bytes.HasSuffix(b.seen, []byte(partialEvent)) {
		b.cancel()
	}
	return n, err
}

// TestClassifyTransport pins the classes of errors that an in-process
// server cannot produce on demand.
func TestClassifyTransport(t *testing.T) {
	bg := context.Background()
	tests := []struct {
		name  string
		err   error
		phase phase
		want  string
	}{
		{"server closed idle connection", errors.New(`Post "http://x/v1": http: server closed idle connection`), phaseSent, ErrStreamReset},
		{"net/http's own redirect limit", errors.New(`Post "http://x/v1": stopped after 10 redirects`), phaseSent, ErrHTTP4xx},
		{"dial refused", &net.OpError{Op: "dial", Err: errors.New("connection refused")}, phaseDial, ErrConnect},
		{"too many open files while dialing", &net.OpError{Op: "dial", Err: errors.New("socket: too many open files")}, phaseDial, ErrConnect},
		{"TLS handshake failure", errors.New("tls: handshake failure"), phaseDial, ErrConnect},
		{"HTTP/2 stream error", errors.New("stream error: stream ID 1; INTERNAL_ERROR; received from peer"), phaseSent, ErrStreamReset},
		{"budget", fmt.Errorf("event 3: %w", errBufferBudget), phaseBody, ErrClientLimit},
		{"oversize", fmt.Errorf("%w: x", errOversize), phaseBody, ErrBadEvent},
	}
	for _, tt := range tests {
		if got := classifyTransport(bg, tt.err, tt.phase); got != tt.want {
			t.Errorf("%s: %q, want %q", tt.name, got, tt.want)
		}
	}
}

// TestBoundAfterDone: a server that sends [DONE] and holds the body open
// does not hold the request: the client closes the connection, which the
// handler sees, and the next request opens a new one.
func TestBoundAfterDone(t *testing.T) {
	released := make(chan struct{}, 2)
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "text/event-stream")
		fmt.Fprint(w, sse(evTok("a"), evFin, "[DONE]"))
		w.(http.Flusher).Flush()
		<-r.Context().Done() // held open until the client hangs up
		released <- struct{}{}
	}))
	defer srv.Close()
	c := newTestClient(t, srv.URL, 0)
	for k := 0; k < 2; k++ {
		done := make(chan Record, 1)
		go func() {
			ep := time.Now()
			rec, _ := c.Do(context.Background(), workloads.Request{Prompt: "p"}, ep, ep)
			done <- rec
		}()
		var rec Record
		select {
		case rec = <-done:
		case <-time.After(20 * time.Second): // liveness only, not a latency
			t.Fatalf("request %d: still waiting for a body held open after [DONE]", k)
		}
		if !rec.OK || !rec.DoneMarker {
			t.Fatalf("request %d: %s %s", k, rec.ErrorClass, rec.Error)
		}
		if k == 1 && rec.HTTP.ConnReused {
			t.Errorf("a connection held open after [DONE] was reused")
		}
		select {
		case <-released:
		case <-time.After(20 * time.Second):
			t.Fatalf("request %d: the client never closed a body held open after [DONE]", k)
		}
	}
}

// TestBufferBudget: streams whose events outgrow a small run-wide budget
// fail as client_limit, naming the budget, while small events pass.
func TestBufferBudget(t *testing.T) {
	big := strings.Repeat("x", 200<<10)
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "text/event-stream")
		tok := "a"
		if r.URL.Query().Get("big") != "" || strings.Contains(r.Header.Get("X-Big"), "1") {
			tok = big
		}
		fmt.Fprint(w, sse(evTok(tok), evFin, "[DONE]"))
	}))
	defer srv.Close()
	budget := NewBufferBudget(128 << 10)
	small, _ := NewClient(Target{BaseURL: srv.URL + "/v1", Model: "m"}, WithBufferBudget(budget))
	large, _ := NewClient(Target{BaseURL: srv.URL + "/v1", Model: "m", Headers: http.Header{"X-Big": {"1"}}}, WithBufferBudget(budget))
	ep := time.Now()
	if rec, _ := small.Do(context.Background(), workloads.Request{Prompt: "p"}, ep, ep); !rec.OK {
		t.Errorf("small event failed: %s %s", rec.ErrorClass, rec.Error)
	}
	rec, _ := large.Do(context.Background(), workloads.Request{Prompt: "p"}, ep, ep)
	if rec.OK || rec.ErrorClass != ErrClientLimit || !strings.Contains(rec.Error, "--max-buffer") {
		t.Errorf("large event: ok=%v class %q (%s), want client_limit", rec.OK, rec.ErrorClass, rec.Error)
	}
	if rec, _ := small.Do(context.Background(), workloads.Request{Prompt: "p"}, ep, ep); !rec.OK {
		t.Errorf("the budget was not given back: %s %s", rec.ErrorClass, rec.Error)
	}
	if budget.used.Load() != 0 || budget.Peak() <= 0 || budget.Peak() > budget.Limit() {
		t.Errorf("budget used %d peak %d limit %d", budget.used.Load(), budget.Peak(), budget.Limit())
	}
	// Without a budget the same event is read.
	free, _ := NewClient(Target{BaseURL: srv.URL + "/v1", Model: "m", Headers: http.Header{"X-Big": {"1"}}})
	if rec, _ := free.Do(context.Background(), workloads.Request{Prompt: "p"}, ep, ep); !rec.OK || rec.OutputTokens != 1 {
		t.Errorf("unbounded: %v %s %s", rec.OK, rec.ErrorClass, rec.Error)
	}
}

// TestRedactsEchoedSecrets: a server that echoes the API key and a header
// value in its error body has them redacted in the record.
func TestRedactsEchoedSecrets(t *testing.T) {
	const key, tenant = "sk-live-0123456789abcdef", "tenant-secret-42"
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		msg := fmt.Sprintf("invalid key %q for tenant %s", strings.TrimPrefix(r.Header.Get("Authorization"), "Bearer "), r.Header.Get("X-Tenant"))
		http.Error(w, `{"error":{"message":`+fmt.Sprintf("%q", msg)+`}}`, http.StatusUnauthorized)
	}))
	defer srv.Close()
	c, _ := NewClient(Target{BaseURL: srv.URL + "/v1", Model: "m", APIKey: key, Headers: http.Header{"X-Tenant": {tenant}}})
	ep := time.Now()
	rec, _ := c.Do(context.Background(), workloads.Request{Prompt: "p"}, ep, ep)
	if rec.ErrorClass != ErrHTTP4xx || strings.Contains(rec.Error, key) || strings.Contains(rec.Error, tenant) || !strings.Contains(rec.Error, redacted) {
		t.Errorf("error %q: want the key and the header value redacted", rec.Error)
	}
}

// quietLog discards the server's log of the faults it is made to commit.
func quietLog() *log.Logger { return log.New(io.Discard, "", 0) }
