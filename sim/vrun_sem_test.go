package sim

import (
	"context"
	"fmt"
	"math"
	"testing"
	"time"

	"github.com/tokenbench/tokenbench/bench"
	"github.com/tokenbench/tokenbench/workloads"
)

// sessionSource yields n sessions of turns turns each; every next turn
// comes think after the reply and carries the reply's text as history.
type sessionSource struct {
	n, turns int
	think    time.Duration
	i        int
	replies  []workloads.Reply
}

func (s *sessionSource) Next() (workloads.Item, error) {
	if s.i >= s.n {
		return workloads.Item{}, workloads.ErrExhausted
	}
	s.i++
	return s.turn(fmt.Sprintf("s%d", s.i), 1, nil), nil
}

func (s *sessionSource) turn(session string, k int, history []workloads.Reply) workloads.Item {
	req := workloads.Request{Prompt: fmt.Sprintf("session %s turn %d", session, k), MaxTokens: 8, ForceLength: true}
	for _, h := range history {
		req.Prompt += h.Content
	}
	it := workloads.Item{Request: req, Session: session, Turn: k}
	if k < s.turns {
		it.Then = func(r workloads.Reply) (workloads.Item, time.Duration, bool) {
			s.replies = append(s.replies, r)
			return s.turn(session, k+1, append(history, r)), s.think, true
		}
	}
	return it
}

func runSource(t *testing.T, load bench.Load, src workloads.Source) ([]bench.Record, bench.Outcome) {
	t.Helper()
	clock := NewVirtualClock()
	eng, err := NewVirtualEngine(DefaultConfig(), clock)
	if err != nil {
		t.Fatal(err)
	}
	var recs []bench.Record
	load.Epoch = time.Unix(0, 0)
	out, err := RunVirtual(context.Background(), clock, load, src, VirtualClient{Engine: eng, Target: bench.Target{Model: eng.Model()}},
		bench.SinkFunc(func(r bench.Record) error { recs = append(recs, r); return nil }))
	if err != nil {
		t.Fatal(err)
	}
	return recs, out
}

func TestVirtualRunSessions(t *testing.T) {
	src := &sessionSource{n: 3, turns: 3, think: 2 * time.Second}
	recs, out := runSource(t, bench.Load{Concurrency: 2}, src)
	if len(recs) != 9 || out.Issued != 9 {
		t.Fatalf("%d records, %d issued, want 9", len(recs), out.Issued)
	}
	done := map[string]float64{} // session -> t_done of its last turn
	started := map[string]float64{}
	for _, r := range recs {
		if !r.OK {
			t.Fatalf("%s: %s", r.RequestID, r.Error)
		}
		if r.Turn > 1 {
			// The next turn is sent its think time after the reply ended.
			if want := done[r.Session] + 2000; !near(r.TSchedMS, want) || r.TStartMS != r.TSchedMS {
				t.Errorf("%s: t_sched %v t_start %v, want %v", r.RequestID, r.TSchedMS, r.TStartMS, want)
			}
			if want := fmt.Sprintf("%d.%d", sessionIndex(r.Session), r.Turn); r.RequestID != want {
				t.Errorf("request id %q, want %q", r.RequestID, want)
			}
		} else {
			started[r.Session] = r.TStartMS
		}
		done[r.Session] = r.TDoneMS()
	}
	// Two slots: the third session starts when the first session has ended.
	if !near(started["s3"], min(done["s1"], done["s2"])) {
		t.Errorf("session 3 started at %v, want %v", started["s3"], min(done["s1"], done["s2"]))
	}
	if len(src.replies) != 6 || src.replies[0].Content == "" || !src.replies[0].OK {
		t.Errorf("replies %+v", src.replies)
	}
}

func sessionIndex(s string) int {
	var i int
	fmt.Sscanf(s, "s%d", &i)
	return i
}

func TestVirtualRunOpenLoopAndStops(t *testing.T) {
	a, err := workloads.NewArrival(workloads.ArrivalConstant, 10, 1, 1)
	if err != nil {
		t.Fatal(err)
	}
	spec := workloads.Spec{Kind: "synthetic", Seed: 1, Synthetic: workloads.Synthetic{InputTokens: 64, OutputTokens: 4, ForceLength: true}}
	src, _ := workloads.Open(spec)
	// 10 requests/s for 1 s: offsets 0, 100 ms, ..., 900 ms.
	recs, _ := runSource(t, bench.Load{Arrival: a, Duration: time.Second}, src)
	if len(recs) != 10 {
		t.Fatalf("%d records, want 10", len(recs))
	}
	for i, r := range recs {
		if want := float64(100 * i); r.TSchedMS != want || r.TStartMS != want {
			t.Errorf("record %d: t_sched %v t_start %v, want %v", i, r.TSchedMS, r.TStartMS, want)
		}
	}
	// A cap of one in flight delays starts but keeps the intended t_sched.
	spec.Synthetic.OutputTokens = 64
	src, _ = workloads.Open(spec)
	recs, _ = runSource(t, bench.Load{Arrival: a, Concurrency: 1, Requests: 5}, src)
	for i, r := range recs[1:] {
		if !near(r.TStartMS, recs[i].TDoneMS()) || r.TSchedMS != float64(100*(i+1)) {
			t.Errorf("record %d: t_sched %v t_start %v, want %v and the previous t_done %v", i+1, r.TSchedMS, r.TStartMS, 100*(i+1), recs[i].TDoneMS())
		}
	}
}

func TestVirtualRunRampUp(t *testing.T) {
	spec := workloads.Spec{Kind: "synthetic", Seed: 1, Synthetic: workloads.Synthetic{InputTokens: 64, OutputTokens: 2000, ForceLength: true}}
	src, _ := workloads.Open(spec)
	recs, _ := runSource(t, bench.Load{Concurrency: 4, Requests: 4, RampUp: 3 * time.Second}, src)
	// One slot at once, then one more each second.
	for i, r := range recs {
		if want := float64(1000 * i); r.TStartMS != want {
			t.Errorf("request %s started at %v ms, want %v", r.RequestID, r.TStartMS, want)
		}
	}
}

func TestVirtualRunTimeout(t *testing.T) {
	spec := workloads.Spec{Kind: "synthetic", Seed: 1, Synthetic: workloads.Synthetic{InputTokens: 64, OutputTokens: 1000, ForceLength: true}}
	src, _ := workloads.Open(spec)
	clock := NewVirtualClock()
	eng, _ := NewVirtualEngine(DefaultConfig(), clock)
	var recs []bench.Record
	_, err := RunVirtual(context.Background(), clock, bench.Load{Concurrency: 1, Requests: 2}, src,
		VirtualClient{Engine: eng, Target: bench.Target{Model: eng.Model(), Timeout: time.Second}},
		bench.SinkFunc(func(r bench.Record) error { recs = append(recs, r); return nil }))
	if err != nil {
		t.Fatal(err)
	}
	for _, r := range recs {
		if r.OK || r.ErrorClass != bench.ErrTimeout || r.E2EMS != 1000 || len(r.EventsMS) == 0 {
			t.Errorf("record %+v, want a timeout after 1 s with some tokens", r)
		}
	}
	if !eng.Idle() || len(recs) != 2 {
		t.Errorf("%d records, engine idle %v", len(recs), eng.Idle())
	}
}

func TestVirtualRunRefusedRequest(t *testing.T) {
	// A prompt beyond the context is refused with vLLM's 400, as over HTTP.
	src := &sliceSource{items: []workloads.Item{{Request: workloads.Request{Prompt: "a", MaxTokens: 1 << 20}}}}
	recs, _ := runSource(t, bench.Load{Concurrency: 1}, src)
	if len(recs) != 1 || recs[0].OK || recs[0].Status != 400 || recs[0].ErrorClass != bench.ErrHTTP4xx {
		t.Fatalf("records %+v", recs)
	}
}

type sliceSource struct{ items []workloads.Item }

func (s *sliceSource) Next() (workloads.Item, error) {
	if len(s.items) == 0 {
		return workloads.Item{}, workloads.ErrExhausted
	}
	it := s.items[0]
	s.items = s.items[1:]
	return it, nil
}

// near compares ms offsets computed two ways (t_start + e2e against t_done).
func near(a, b float64) bool { return math.Abs(a-b) < 1e-6 }
