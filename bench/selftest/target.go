package selftest

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"strconv"
	"time"
)

// Script is the timing the target follows for every request: the first
// token-bearing event TTFT after the request arrived, then one every Gap,
// Events in all, each at its offset from the arrival (no drift).
type Script struct {
	TTFT   time.Duration
	Gap    time.Duration
	Events int
}

// Default script: a short TTFT and a decode pace of 50 events/s per stream.
var DefaultScript = Script{TTFT: 50 * time.Millisecond, Gap: 20 * time.Millisecond, Events: 64}

// Validate reports a script that cannot run.
func (s Script) Validate() error {
	if s.TTFT < 0 || s.Gap < 0 || s.Events < 1 {
		return fmt.Errorf("selftest: script needs ttft >= 0, gap >= 0 and events >= 1, got %v %v %d", s.TTFT, s.Gap, s.Events)
	}
	return nil
}

// Offset is when event k (0-based) is due after the request arrived.
func (s Script) Offset(k int) time.Duration { return s.TTFT + time.Duration(k)*s.Gap }

var (
	eventContent = []byte(`data: {"id":"selftest","object":"chat.completion.chunk","choices":[{"index":0,"delta":{"content":"x"},"finish_reason":null}]}` + "\n\n")
	eventLast    = []byte(`data: {"id":"selftest","object":"chat.completion.chunk","choices":[{"index":0,"delta":{"content":"x"},"finish_reason":"length"}]}` + "\n\n")
	eventDone    = []byte("data: [DONE]\n\n")
	modelsList   = []byte(`{"object":"list","data":[{"id":"selftest","object":"model"}]}`)
)

// Handler serves every POST as an OpenAI chat stream following s, from
// bytes built once: the target does no work but wait and write. A GET
// (the client's connection warming asks for /v1/models) gets the one model.
func Handler(s Script) http.Handler {
	usage := []byte(`data: {"id":"selftest","object":"chat.completion.chunk","choices":[],"usage":{"prompt_tokens":1,"completion_tokens":` +
		strconv.Itoa(s.Events) + `,"total_tokens":` + strconv.Itoa(s.Events+1) + "}}\n\n")
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.Method == http.MethodGet {
			// GET /v1/models, as the client's connection warming asks.
			w.Header().Set("Content-Type", "application/json")
			_, _ = w.Write(modelsList)
			return
		}
		if _, err := io.Copy(io.Discard, r.Body); err != nil {
			return
		}
		arrived := time.Now()
		fl, ok := w.(http.Flusher)
		if !ok {
			http.Error(w, "streaming unsupported", http.StatusInternalServerError)
			return
		}
		w.Header().Set("Content-Type", "text/event-stream")
		w.Header().Set("Cache-Control", "no-cache")
		w.WriteHeader(http.StatusOK)
		fl.Flush()
		timer := time.NewTimer(time.Hour)
		defer timer.Stop()
		for k := range s.Events {
			if wait := time.Until(arrived.Add(s.Offset(k))); wait > 0 {
				timer.Reset(wait)
				select {
				case <-r.Context().Done():
					return
				case <-timer.C:
				}
			}
			ev := eventContent
			if k == s.Events-1 {
				ev = eventLast
			}
			if _, err := w.Write(ev); err != nil {
				return
			}
			fl.Flush()
		}
		_, _ = w.Write(usage)
		_, _ = w.Write(eventDone)
		fl.Flush()
	})
}

// Serve listens on 127.0.0.1 (a free port), writes "listening URL\n" to
// announce, where URL is the OpenAI base URL, and serves s until ctx ends.
func Serve(ctx context.Context, s Script, announce io.Writer) error {
	if err := s.Validate(); err != nil {
		return err
	}
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return fmt.Errorf("selftest: listen: %w", err)
	}
	srv := &http.Server{Handler: Handler(s), ReadHeaderTimeout: 10 * time.Second}
	if _, err := fmt.Fprintf(announce, "listening http://%s/v1\n", ln.Addr()); err != nil {
		ln.Close()
		return fmt.Errorf("selftest: announce: %w", err)
	}
	go func() {
		<-ctx.Done()
		_ = srv.Close()
	}()
	if err := srv.Serve(ln); err != nil && !errors.Is(err, http.ErrServerClosed) {
		return fmt.Errorf("selftest: serve: %w", err)
	}
	return nil
}
