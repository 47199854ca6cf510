package bench

import (
	"context"
	"errors"
	"fmt"
	"sort"
	"sync"
	"testing"
	"time"

	"github.com/tokenbench/tokenbench/workloads"
)

// fakeDoer answers after hold (or when ctx is done, as canceled), tracking
// how many requests are in flight at once.
type fakeDoer struct {
	hold     time.Duration
	block    bool // wait for ctx instead of hold
	mu       sync.Mutex
	inFlight int
	maxIn    int
	calls    int
}

func (d *fakeDoer) Do(ctx context.Context, req workloads.Request, ep, sched time.Time) (Record, workloads.Reply) {
	d.mu.Lock()
	d.inFlight++
	d.calls++
	d.maxIn = max(d.maxIn, d.inFlight)
	d.mu.Unlock()
	defer func() { d.mu.Lock(); d.inFlight--; d.mu.Unlock() }()
	start := time.Now()
	rec := Record{TSchedMS: Ms(sched.Sub(ep)), TStartMS: Ms(start.Sub(ep)), Status: 200, EventsMS: []float64{}}
	wait := d.hold
	if d.block {
		wait = time.Hour
	}
	select {
	case <-time.After(wait):
		rec.OK = true
		rec.E2EMS = Ms(time.Since(start))
		return rec, workloads.Reply{OK: true, Content: req.Prompt}
	case <-ctx.Done():
		rec.ErrorClass, rec.Error = ErrCanceled, ctx.Err().Error()
		rec.E2EMS = Ms(time.Since(start))
		return rec, workloads.Reply{}
	}
}

type collect struct {
	mu   sync.Mutex
	recs []Record
}

func (c *collect) Write(r Record) error {
	c.mu.Lock()
	c.recs = append(c.recs, r)
	c.mu.Unlock()
	return nil
}

// listSource yields items from a slice, then ErrExhausted (or err).
type listSource struct {
	items []workloads.Item
	err   error
}

func (s *listSource) Next() (workloads.Item, error) {
	if len(s.items) == 0 {
		if s.err != nil {
			return workloads.Item{}, s.err
		}
		return workloads.Item{}, workloads.ErrExhausted
	}
	it := s.items[0]
	s.items = s.items[1:]
	return it, nil
}

func synth(t *testing.T) workloads.Source {
	src, err := workloads.Synthetic{InputTokens: 4, OutputTokens: 2, Seed: 1}.NewSource()
	if err != nil {
		t.Fatal(err)
	}
	return src
}

func TestRunClosedLoopWithWarmup(t *testing.T) {
	d := &fakeDoer{hold: time.Millisecond}
	var out collect
	o, err := Run(context.Background(), Load{Concurrency: 4, Requests: 20, Warmup: 3}, synth(t), d, &out)
	if err != nil {
		t.Fatal(err)
	}
	if len(out.recs) != 23 || o.Issued != 20 {
		t.Fatalf("%d records, %d issued; want 23 and 20", len(out.recs), o.Issued)
	}
	if d.maxIn > 4 {
		t.Errorf("%d in flight at once, cap is 4", d.maxIn)
	}
	var lastWarmDone, firstMeasured float64 = 0, 1e18
	ids := map[string]bool{}
	for _, r := range out.recs {
		ids[r.RequestID] = true
		if r.Warmup {
			lastWarmDone = max(lastWarmDone, r.TDoneMS())
		} else {
			firstMeasured = min(firstMeasured, r.TStartMS)
		}
		if r.TStartMS < r.TSchedMS {
			t.Errorf("%s started before its schedule", r.RequestID)
		}
	}
	if len(ids) != 23 || !ids["w1"] || !ids["w3"] || !ids["1"] || !ids["20"] {
		t.Errorf("request ids %v", ids)
	}
	if firstMeasured < lastWarmDone {
		t.Errorf("measured request started at %.3f ms before warm-up ended at %.3f ms", firstMeasured, lastWarmDone)
	}
}

func TestRunOpenLoopKeepsIntendedSchedule(t *testing.T) {
	arr, _ := workloads.NewArrival(workloads.ArrivalConstant, 2000, 0, 1)
	tests := []struct {
		name    string
		conc    int
		hold    time.Duration
		wantLag bool
	}{
		{"uncapped", 0, time.Millisecond, false},
		{"capped at one slot: later requests wait, t_sched unchanged", 1, 3 * time.Millisecond, true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var out collect
			o, err := Run(context.Background(), Load{Concurrency: tt.conc, Arrival: arr, Requests: 10}, synth(t), &fakeDoer{hold: tt.hold}, &out)
			if err != nil {
				t.Fatal(err)
			}
			phase := Ms(o.PhaseStart.Sub(o.Epoch))
			sort.Slice(out.recs, func(i, j int) bool { return out.recs[i].TSchedMS < out.recs[j].TSchedMS })
			maxLag := 0.0
			for n, r := range out.recs {
				want := phase + float64(n)*0.5 // 2000 req/s
				if d := r.TSchedMS - want; d > 1e-6 || d < -1e-6 {
					t.Errorf("request %d t_sched %.6f ms, want %.6f", n, r.TSchedMS, want)
				}
				maxLag = max(maxLag, r.TStartMS-r.TSchedMS)
				if r.TStartMS < r.TSchedMS {
					t.Errorf("request %d started before its schedule", n)
				}
			}
			// With one slot and 3 ms per request, the tenth request cannot
			// start before ~27 ms: a lag the schedule must show.
			if tt.wantLag && maxLag < 20 {
				t.Errorf("max schedule lag %.2f ms, want >= 20 ms when capped", maxLag)
			}
		})
	}
}

func TestRunTimedItemsAndSessions(t *testing.T) {
	turns := func(session string, n int) workloads.Item {
		var mk func(k int) workloads.Item
		mk = func(k int) workloads.Item {
			it := workloads.Item{Session: session, Turn: k, Timed: k == 1, Offset: 2 * time.Millisecond,
				Request: workloads.Request{Prompt: fmt.Sprintf("%s turn %d", session, k)}}
			it.Then = func(rep workloads.Reply) (workloads.Item, time.Duration, bool) {
				if rep.Content != it.Request.Prompt {
					t.Errorf("reply %q for %q", rep.Content, it.Request.Prompt)
				}
				return mk(k + 1), time.Millisecond, k < n
			}
			return it
		}
		return mk(1)
	}
	src := &listSource{items: []workloads.Item{turns("a", 3), turns("b", 2)}}
	var out collect
	o, err := Run(context.Background(), Load{Concurrency: 1, Requests: 10}, src, &fakeDoer{hold: time.Millisecond}, &out)
	if err != nil {
		t.Fatal(err)
	}
	if len(out.recs) != 5 || o.Issued != 5 {
		t.Fatalf("%d records, %d issued; want 5", len(out.recs), o.Issued)
	}
	phase := Ms(o.PhaseStart.Sub(o.Epoch))
	if got := out.recs[0].TSchedMS; got-phase-2 > 1e-6 || got-phase-2 < -1e-6 {
		t.Errorf("timed first turn t_sched %.3f, want phase+2 = %.3f", got, phase+2)
	}
	wantIDs := []string{"1", "1.2", "1.3", "2", "2.2"}
	for k, r := range out.recs {
		if r.RequestID != wantIDs[k] {
			t.Errorf("record %d id %q, want %q (one slot: sessions run whole, in order)", k, r.RequestID, wantIDs[k])
		}
		if k > 0 && r.TStartMS < out.recs[k-1].TDoneMS() {
			t.Errorf("turn %s started before the previous turn finished", r.RequestID)
		}
	}
}

func TestRunCancelGraceAndAbort(t *testing.T) {
	tests := []struct {
		name  string
		grace time.Duration
		abort bool
	}{
		{"grace runs out: in-flight recorded as canceled", 5 * time.Millisecond, false},
		{"abort cancels at once despite a long grace", time.Hour, true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			ctx, cancel := context.WithCancel(context.Background())
			abort := make(chan struct{})
			var out collect
			d := &fakeDoer{block: true}
			go func() {
				for {
					d.mu.Lock()
					n := d.inFlight
					d.mu.Unlock()
					if n == 3 {
						break
					}
					time.Sleep(100 * time.Microsecond)
				}
				cancel()
				if tt.abort {
					close(abort)
				}
			}()
			o, err := Run(ctx, Load{Concurrency: 3, Grace: tt.grace, Abort: abort}, synth(t), d, &out)
			if err != nil {
				t.Fatal(err)
			}
			if !o.Interrupted {
				t.Error("outcome not marked interrupted")
			}
			if len(out.recs) != 3 {
				t.Fatalf("%d records, want the 3 in flight", len(out.recs))
			}
			for _, r := range out.recs {
				if r.OK || r.ErrorClass != ErrCanceled {
					t.Errorf("record %s: ok=%v class=%q, want canceled", r.RequestID, r.OK, r.ErrorClass)
				}
			}
		})
	}
}

func TestRunStopsAtDuration(t *testing.T) {
	var out collect
	o, err := Run(context.Background(), Load{Concurrency: 2, Duration: 30 * time.Millisecond}, synth(t), &fakeDoer{hold: time.Millisecond}, &out)
	if err != nil {
		t.Fatal(err)
	}
	if len(out.recs) == 0 || len(out.recs) != o.Issued {
		t.Fatalf("%d records for %d issued", len(out.recs), o.Issued)
	}
	phase := Ms(o.PhaseStart.Sub(o.Epoch))
	for _, r := range out.recs {
		if r.TSchedMS-phase >= 30 {
			t.Errorf("request %s scheduled at %.2f ms, after the 30 ms duration", r.RequestID, r.TSchedMS-phase)
		}
	}
}

func TestRunReportsSourceAndSinkErrors(t *testing.T) {
	bad := errors.New("trace.jsonl line 3: bad timestamp")
	src := &listSource{items: []workloads.Item{{}, {}}, err: bad}
	var out collect
	_, err := Run(context.Background(), Load{Concurrency: 1}, src, &fakeDoer{}, &out)
	if !errors.Is(err, bad) || len(out.recs) != 2 {
		t.Errorf("err %v with %d records; want the source error after 2 records", err, len(out.recs))
	}

	full := errors.New("disk full")
	_, err = Run(context.Background(), Load{Concurrency: 2}, synth(t), &fakeDoer{}, SinkFunc(func(Record) error { return full }))
	if !errors.Is(err, full) {
		t.Errorf("err %v, want the sink error", err)
	}

	if _, err := Run(context.Background(), Load{}, synth(t), &fakeDoer{}, &out); err == nil {
		t.Error("closed loop without concurrency: want an error")
	}
}

func TestRunClosedLoopRampUp(t *testing.T) {
	d := &fakeDoer{hold: 2 * time.Millisecond}
	var out collect
	o, err := Run(context.Background(), Load{Concurrency: 8, RampUp: 80 * time.Millisecond, Duration: 200 * time.Millisecond}, synth(t), d, &out)
	if err != nil {
		t.Fatal(err)
	}
	// Early on only one slot is open: the requests that started in the
	// first 10 ms of the phase (before the second slot opens) ran one at a
	// time, so they cannot overlap.
	phase := Ms(o.PhaseStart.Sub(o.Epoch))
	var early []Record
	for _, r := range out.recs {
		if r.TStartMS-phase < 8 {
			early = append(early, r)
		}
	}
	sort.Slice(early, func(i, j int) bool { return early[i].TStartMS < early[j].TStartMS })
	for k := 1; k < len(early); k++ {
		if early[k].TStartMS < early[k-1].TDoneMS() {
			t.Errorf("requests %s and %s overlapped before the ramp opened a second slot", early[k-1].RequestID, early[k].RequestID)
		}
	}
	if d.maxIn < 4 || d.maxIn > 8 {
		t.Errorf("at most %d in flight; the ramp should reach about 8", d.maxIn)
	}
}
