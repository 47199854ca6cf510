package route

import (
	"context"
	"fmt"
	"net/http"
	"net/http/httptest"
	"sync"
	"testing"
	"time"

	"github.com/tokenbench/tokenbench/bench"
	"github.com/tokenbench/tokenbench/workloads"

	"github.com/tokenbench/tokenbench/internal/faults"
)

// endpoint is a loopback OpenAI-compatible server that answers every chat
// request with one streamed token and counts what it received.
type endpoint struct {
	srv   *httptest.Server
	mu    sync.Mutex
	count int
}

func newEndpoint(t *testing.T) *endpoint {
	e := &endpoint{}
	e.srv = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		e.mu.Lock()
		e.count++
		e.mu.Unlock()
		w.Header().Set("Content-Type", "text/event-stream")
		fmt.Fprint(w, "data: {\"choices\":[{\"index\":0,\"delta\":{\"content\":\"hi\"},\"finish_reason\":\"stop\"}],\"usage\":{\"prompt_tokens\":3,\"completion_tokens\":1}}\n\n")
		fmt.Fprint(w, "data: [DONE]\n\n")
	}))
	t.Cleanup(e.srv.Close)
	return e
}

// TestDoerShares sends requests through a Doer over two local endpoints
// and checks that each receives the share its policy implies.
func TestDoerShares(t *testing.T) {
	type sent struct{ text, session string }
	var rr, sessions, prefix []sent
	for i := range 12 {
		rr = append(rr, sent{fmt.Sprint("q", i), ""})
		// Session a sends 3 turns, b 9: session routing keeps them whole.
		s := "b"
		if i%4 == 0 {
			s = "a"
		}
		sessions = append(sessions, sent{"turn", s})
		// Two prompt families, 9 of one and 3 of the other.
		f := "long"
		if i%4 == 1 {
			f = "other"
		}
		prefix = append(prefix, sent{words(f, 64) + fmt.Sprint(" q", i), ""})
	}
	tests := []struct {
		name   string
		p      Policy
		reqs   []sent
		shares [2]int
	}{
		{"round-robin halves", RoundRobin, rr, [2]int{6, 6}},
		{"session keeps sessions whole", Session, sessions, [2]int{3, 9}},
		{"prefix-aware keeps families whole", PrefixAware, prefix, [2]int{9, 3}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			a, b := newEndpoint(t), newEndpoint(t)
			var targets []Target
			for i, e := range []*endpoint{a, b} {
				c, err := bench.NewClient(bench.Target{BaseURL: e.srv.URL + "/v1", Model: "m", Timeout: 10 * time.Second})
				if err != nil {
					t.Fatal(err)
				}
				targets = append(targets, Target{Name: fmt.Sprint("ep", i), Doer: c})
			}
			r, _ := New(tt.p, 2, Options{})
			d, err := NewDoer(r, targets, nil)
			if err != nil {
				t.Fatal(err)
			}
			perSession := map[string]map[string]bool{}
			now := time.Now()
			for _, s := range tt.reqs {
				// One at a time: outstanding stays 0, so only the policy decides.
				rec, _ := d.Do(bench.WithSession(context.Background(), s.session), workloads.Request{Prompt: s.text}, now, now)
				if !rec.OK || rec.Route == nil || rec.Route.Policy != string(tt.p) {
					t.Fatalf("record %+v: want ok, routed by %s", rec, tt.p)
				}
				if perSession[s.session] == nil {
					perSession[s.session] = map[string]bool{}
				}
				perSession[s.session][rec.Endpoint] = true
			}
			if got := [2]int{a.count, b.count}; got != tt.shares {
				t.Errorf("requests per endpoint %v, want %v", got, tt.shares)
			}
			if tt.p == Session {
				for s, eps := range perSession {
					if len(eps) != 1 {
						t.Errorf("session %s went to %d endpoints", s, len(eps))
					}
				}
			}
		})
	}
}

func TestNewDoerChecksTargets(t *testing.T) {
	r, _ := New(RoundRobin, 2, Options{})
	if _, err := NewDoer(r, []Target{{Name: "a"}}, nil); err == nil {
		t.Error("one target for a router over two: no error")
	}
	if _, err := NewDoer(r, []Target{{Name: "a"}, {Name: "a"}}, nil); err == nil {
		t.Error("two targets of one name: no error")
	}
}

func TestPollerReadsGauges(t *testing.T) {
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		fmt.Fprint(w, "# TYPE vllm:num_requests_running gauge\nvllm:num_requests_running{model_name=\"m\"} 3\n"+
			"# TYPE vllm:num_requests_waiting gauge\nvllm:num_requests_waiting{model_name=\"m\"} 2\n"+
			"# TYPE vllm:kv_cache_usage_perc gauge\nvllm:kv_cache_usage_perc{model_name=\"m\"} 0.25\n")
	}))
	defer srv.Close()
	p := NewPoller([]string{srv.URL + "/metrics", faults.RefusingURL(t) + "/metrics"}, time.Second, nil)
	p.Poll(context.Background())
	if g, ok := p.Gauges(0); !ok || g != (Gauges{Running: 3, Waiting: 2, KVUsage: 0.25}) {
		t.Errorf("gauges %+v %v", g, ok)
	}
	if _, ok := p.Gauges(1); ok {
		t.Error("an endpoint that cannot be reached has gauges")
	}
}
