package bench

import (
	"context"
	"errors"
	"io"
	"net/http"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/tokenbench/tokenbench/workloads"
)

// fakeClock is a manual clock shared by a scripted body and the Client.
type fakeClock struct {
	mu sync.Mutex
	t  time.Time
}

var epoch = time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)

func (c *fakeClock) now() time.Time { c.mu.Lock(); defer c.mu.Unlock(); return c.t }
func (c *fakeClock) set(ms float64) {
	c.mu.Lock()
	c.t = epoch.Add(time.Duration(ms * float64(time.Millisecond)))
	c.mu.Unlock()
}

// piece is one Read of a scripted body: bytes that arrive at ms after
// t_start, or an error.
type piece struct {
	ms   float64
	data string
	err  error
}

// scriptedBody returns each piece from one Read, moving the clock to the
// piece's arrival time first, as a socket would.
type scriptedBody struct {
	clock  *fakeClock
	pieces []piece
}

func (b *scriptedBody) Read(p []byte) (int, error) {
	if len(b.pieces) == 0 {
		return 0, io.EOF
	}
	pc := &b.pieces[0]
	b.clock.set(pc.ms)
	if pc.err != nil && pc.data == "" {
		b.pieces = b.pieces[1:]
		return 0, pc.err
	}
	n := copy(p, pc.data)
	pc.data = pc.data[n:]
	if pc.data == "" {
		err := pc.err
		b.pieces = b.pieces[1:]
		return n, err
	}
	return n, nil
}

func (b *scriptedBody) Close() error { return nil }

// scriptedTransport answers every request with status, content type and a
// scripted body, and records the last request body.
type scriptedTransport struct {
	clock       *fakeClock
	status      int
	contentType string
	pieces      []piece
	lastBody    string
}

func (s *scriptedTransport) RoundTrip(r *http.Request) (*http.Response, error) {
	if r.Body != nil {
		b, _ := io.ReadAll(r.Body)
		s.lastBody = string(b)
	}
	ct := s.contentType
	if ct == "" {
		ct = "text/event-stream"
	}
	status := s.status
	if status == 0 {
		status = 200
	}
	if len(s.pieces) > 0 && s.pieces[0].data == "" && s.pieces[0].err != nil {
		return nil, s.pieces[0].err // failure before any response
	}
	return &http.Response{
		StatusCode: status, Header: http.Header{"Content-Type": {ct}},
		Body: &scriptedBody{clock: s.clock, pieces: append([]piece(nil), s.pieces...)}, Request: r,
	}, nil
}

// runScript sends one request through a scripted transport whose clock
// starts at 0 ms (t_start) and returns the record.
func runScript(t *testing.T, api string, st *scriptedTransport, req workloads.Request) (Record, workloads.Reply) {
	t.Helper()
	clock := &fakeClock{}
	clock.set(0)
	st.clock = clock
	c, err := NewClient(Target{BaseURL: "http://engine.test/v1", Model: "m", API: api},
		WithHTTPClient(&http.Client{Transport: st}), WithClock(clock.now))
	if err != nil {
		t.Fatal(err)
	}
	return c.Do(context.Background(), req, epoch, epoch)
}

// sse joins events into one SSE text.
func sse(events ...string) string {
	var sb strings.Builder
	for _, e := range events {
		sb.WriteString("data: " + e + "\n\n")
	}
	return sb.String()
}

const (
	evRole  = `{"id":"chatcmpl-1","object":"chat.completion.chunk","choices":[{"index":0,"delta":{"role":"assistant","content":""},"finish_reason":null}]}`
	evNull  = `{"id":"chatcmpl-1","choices":[{"index":0,"delta":{"role":"assistant","content":null},"finish_reason":null}]}`
	evFin   = `{"id":"chatcmpl-1","choices":[{"index":0,"delta":{},"finish_reason":"length"}]}`
	evUsage = `{"id":"chatcmpl-1","choices":[],"usage":{"prompt_tokens":12,"completion_tokens":3,"total_tokens":15}}`
)

func evTok(s string) string {
	return `{"id":"chatcmpl-1","choices":[{"index":0,"delta":{"content":"` + s + `"},"finish_reason":null}]}`
}

var errReset = errors.New("read tcp 127.0.0.1:1->127.0.0.1:2: read: connection reset by peer")
