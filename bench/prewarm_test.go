package bench

import (
	"context"
	"net"
	"net/http"
	"net/http/httptest"
	"sync/atomic"
	"testing"
	"time"

	"github.com/tokenbench/tokenbench/workloads"
)

// connServer serves /v1/models and a short stream, counting the
// connections it accepted.
func connServer(t *testing.T) (*httptest.Server, *atomic.Int64) {
	t.Helper()
	var conns atomic.Int64
	srv := httptest.NewUnstartedServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.Method == http.MethodGet {
			w.Header().Set("Content-Type", "application/json")
			w.Write([]byte(`{"data":[{"id":"m"}]}`))
			return
		}
		w.Header().Set("Content-Type", "text/event-stream")
		w.Write([]byte(sse(evTok("a"), evFin, "[DONE]")))
	}))
	srv.Config.ConnState = func(_ net.Conn, s http.ConnState) {
		if s == http.StateNew {
			conns.Add(1)
		}
	}
	srv.Start()
	t.Cleanup(srv.Close)
	return srv, &conns
}

// TestPrewarmOpensDistinctConnections: n warming requests each hold their
// connection until all have one, so n connections open even against a
// server that answers at once; the run's requests then dial none, and say
// so (conn_reused). Without prewarm the first wave dials.
func TestPrewarmOpensDistinctConnections(t *testing.T) {
	const n = 6
	for _, prewarm := range []int{n, 0} {
		srv, conns := connServer(t)
		c := newTestClient(t, srv.URL, 10*time.Second)
		var sink collect
		out, err := Run(context.Background(), Load{Concurrency: n, Requests: n, Prewarm: prewarm},
			&listSource{items: make([]workloads.Item, n)}, c, &sink)
		if err != nil {
			t.Fatal(err)
		}
		if len(sink.recs) != n {
			t.Fatalf("%d records", len(sink.recs))
		}
		reused := 0
		for _, r := range sink.recs {
			if !r.OK || r.HTTP == nil {
				t.Fatalf("record %+v", r)
			}
			if r.HTTP.ConnReused {
				reused++
			}
		}
		if prewarm == 0 {
			if out.Prewarm != nil || reused == n {
				t.Errorf("no prewarm: result %+v, %d of %d requests on reused connections", out.Prewarm, reused, n)
			}
			continue
		}
		if out.Prewarm == nil || out.Prewarm.Opened != n || out.Prewarm.Failed != 0 || out.Prewarm.Reused != 0 {
			t.Fatalf("prewarm result %+v, want %d opened", out.Prewarm, n)
		}
		if got := conns.Load(); got != n || reused != n {
			t.Errorf("server accepted %d connections, %d of %d requests reused one; want %d and all", got, reused, n, n)
		}
	}
}

// TestPrewarmFailureIsCounted: a target that refuses connections fails the
// warming, which says why, and never the run.
func TestPrewarmFailureIsCounted(t *testing.T) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	addr := ln.Addr().String()
	ln.Close()
	res := newTestClient(t, "http://"+addr, time.Second).Prewarm(context.Background(), 3)
	if res.Asked != 3 || res.Opened != 0 || res.Failed != 3 || res.Error == "" {
		t.Errorf("result %+v, want 3 failed with an error", res)
	}
}

// TestPrewarmDroppedConnections: a server that closes each connection
// after answering leaves nothing warm, and the result says so.
func TestPrewarmDroppedConnections(t *testing.T) {
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Connection", "close")
		w.Write([]byte(`{}`))
	}))
	defer srv.Close()
	res := newTestClient(t, srv.URL, time.Second).Prewarm(context.Background(), 2)
	if res.Opened != 2 || res.Dropped != 2 {
		t.Errorf("result %+v, want 2 opened and dropped", res)
	}
}

func TestAutoPrewarm(t *testing.T) {
	rate := func(r float64) workloads.Arrival {
		a, err := workloads.NewArrival("constant", r, 1, 1)
		if err != nil {
			t.Fatal(err)
		}
		return a
	}
	tests := []struct {
		name string
		load Load
		want int
	}{
		{"closed loop: its concurrency", Load{Concurrency: 16}, 16},
		{"open loop: first second of arrivals", Load{Arrival: rate(100)}, 100},
		{"open loop: at most MaxPrewarm", Load{Arrival: rate(10000)}, MaxPrewarm},
		{"open loop: at most its cap", Load{Arrival: rate(100), Concurrency: 10}, 10},
		{"slow open loop: one", Load{Arrival: rate(0.5)}, 1},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := AutoPrewarm(tt.load); got != tt.want {
				t.Errorf("AutoPrewarm = %d, want %d", got, tt.want)
			}
		})
	}
}
