package sim

import (
	"context"
	"net/http"
	"regexp"
	"strings"
	"testing"
)

func TestStart(t *testing.T) {
	tests := []struct {
		name, addr string
		stopByCtx  bool
	}{
		{"loopback, stop func", "127.0.0.1:0", false},
		{"wildcard, context", ":0", true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			ctx, cancel := context.WithCancel(context.Background())
			defer cancel()
			base, stop, err := Start(ctx, tt.addr, fastConfig())
			if err != nil {
				t.Fatal(err)
			}
			defer stop()
			if !regexp.MustCompile(`^http://127\.0\.0\.1:\d+/v1$`).MatchString(base) {
				t.Fatalf("base URL %q", base)
			}
			resp, err := http.Post(base+"/completions", "application/json", strings.NewReader(`{"prompt":"hi","max_tokens":3}`))
			if err != nil {
				t.Fatal(err)
			}
			resp.Body.Close()
			if resp.StatusCode != http.StatusOK {
				t.Fatalf("status %d", resp.StatusCode)
			}
			if tt.stopByCtx {
				cancel()
			} else if err := stop(); err != nil {
				t.Fatalf("stop: %v", err)
			}
			eventually(t, "the server to stop", func() bool {
				resp, err := http.Get(base + "/models")
				if err == nil {
					resp.Body.Close()
				}
				return err != nil
			})
			if err := stop(); err != nil {
				t.Errorf("second stop: %v", err)
			}
		})
	}
	if _, _, err := Start(context.Background(), "127.0.0.1:0", Config{MaxBatch: -1}); err == nil {
		t.Error("Start with an invalid config: no error")
	}
	if _, _, err := Start(context.Background(), "no-such-host-xyz:bad", fastConfig()); err == nil {
		t.Error("Start on a bad address: no error")
	}
}

func TestClosedEngineRefuses(t *testing.T) {
	e, srv := newServer(t, fastConfig())
	e.Close()
	if status, body := post(t, srv, "/v1/completions", `{"prompt":"hi"}`); status != http.StatusServiceUnavailable {
		t.Errorf("after Close: %d %s, want 503", status, body)
	}
}
