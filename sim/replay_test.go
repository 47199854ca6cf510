package sim

import (
	"errors"
	"slices"
	"testing"
	"time"
)

func replayOne(t *testing.T, tm Timing, reqs []ReplayRequest) []ReplayResult {
	t.Helper()
	c := DefaultConfig()
	c.Timing = tm
	d, err := c.Resolve()
	if err != nil {
		t.Fatal(err)
	}
	res, err := Replay(d, reqs)
	if err != nil {
		t.Fatal(err)
	}
	for i, r := range res {
		if r.Err != nil || r.Tokens != reqs[i].Output {
			t.Fatalf("request %d: %d tokens, error %v", i, r.Tokens, r.Err)
		}
	}
	return res
}

// A token reaches the client OutputLag of its step's duration after the
// step ends: a lone request's first token (one prefill step from arrival)
// comes (1 + lag) steps after it arrives.
func TestReplayOutputLag(t *testing.T) {
	reqs := []ReplayRequest{{At: time.Second, Prompt: 300, Output: 20}}
	base := replayOne(t, DefaultTiming(), reqs)[0]
	for _, lag := range []float64{0.5, 1, 2.5} {
		tm := DefaultTiming()
		tm.OutputLag = lag
		got := replayOne(t, tm, reqs)[0]
		step := base.TTFT()
		if want := step + time.Duration(lag*float64(step)); got.TTFT() != want {
			t.Errorf("lag %v: TTFT %v, want %v (prefill step %v)", lag, got.TTFT(), want, step)
		}
		if got.Last <= base.Last || got.Last-base.Last >= step*time.Duration(lag+1) {
			t.Errorf("lag %v: last token at %v, want later than %v by less than a prefill step times %v", lag, got.Last, base.Last, lag+1)
		}
	}
}

// With asynchronous scheduling a request arriving while a step runs misses
// the step already planned and joins the one after; an idle engine takes an
// arrival at once.
func TestReplayAsyncScheduling(t *testing.T) {
	async := DefaultTiming()
	async.AsyncScheduling = true
	lone := []ReplayRequest{{At: 0, Prompt: 300, Output: 20}}
	if s, a := replayOne(t, DefaultTiming(), lone)[0], replayOne(t, async, lone)[0]; s != a {
		t.Errorf("idle engine: sync %+v, async %+v: want the same", s, a)
	}
	// The second request arrives during the first's decode.
	first := replayOne(t, DefaultTiming(), lone)[0]
	decodeStep := (first.Last - first.First) / time.Duration(first.Tokens-1)
	reqs := []ReplayRequest{lone[0], {At: first.First + decodeStep*5/2, Prompt: 300, Output: 20}}
	s, a := replayOne(t, DefaultTiming(), reqs)[1], replayOne(t, async, reqs)[1]
	extra := a.TTFT() - s.TTFT()
	if extra < decodeStep*9/10 || extra > 2*decodeStep {
		t.Errorf("async TTFT %v, sync %v: want about one decode step (%v) more", a.TTFT(), s.TTFT(), decodeStep)
	}
}

// A stream's tokens reach the client in order: with a long lag, the token
// of a short decode step still waits for the token of the long prefill step
// before it, as VirtualEngine delivers them.
func TestReplayOutputLagKeepsOrder(t *testing.T) {
	tm := DefaultTiming()
	tm.OutputLag = 3
	reqs := []ReplayRequest{{Prompt: 6000, Output: 2}}
	got := replayOne(t, tm, reqs)[0]
	if got.Last < got.First {
		t.Fatalf("last token at %v before the first at %v", got.Last, got.First)
	}
	d, err := DefaultConfig().Resolve()
	if err != nil {
		t.Fatal(err)
	}
	prefill := d.StepDuration(6000, 0, 6000)
	if want := prefill + time.Duration(3*float64(prefill)); got.First != want || got.Last != want {
		t.Errorf("first %v, last %v: want both at the prefill step's delivery %v", got.First, got.Last, want)
	}
}

// A client's timeout abandons its request: the engine aborts it at the next
// step, waiting or running, and the request fails with ErrReplayTimeout;
// none that completes took longer than its timeout.
func TestReplayClientTimeout(t *testing.T) {
	c := DefaultConfig()
	c.MaxBatch = 1 // one at a time: the n-th request ends after n service times
	d, err := c.Resolve()
	if err != nil {
		t.Fatal(err)
	}
	lone, err := Replay(d, []ReplayRequest{{Prompt: 200, Output: 50}})
	if err != nil {
		t.Fatal(err)
	}
	service := lone[0].E2E()
	for _, tc := range []struct {
		timeout time.Duration
		done    int
	}{
		{0, 10},
		{service * 5 / 2, 2}, // the third is running at its deadline
		{service * 10, 10},
		{service / 2, 0},
	} {
		reqs := make([]ReplayRequest, 10)
		for i := range reqs {
			reqs[i] = ReplayRequest{Prompt: 200, Output: 50, Timeout: tc.timeout}
		}
		res, err := Replay(d, reqs)
		if err != nil {
			t.Fatal(err)
		}
		done := 0
		for i, r := range res {
			switch {
			case r.Err == nil:
				done++
				if tc.timeout > 0 && r.E2E() > tc.timeout {
					t.Errorf("timeout %v: request %d completed after %v", tc.timeout, i, r.E2E())
				}
			case !errors.Is(r.Err, ErrReplayTimeout):
				t.Errorf("timeout %v: request %d: %v", tc.timeout, i, r.Err)
			}
		}
		if done != tc.done {
			t.Errorf("timeout %v (service %v): %d completed, want %d", tc.timeout, service, done, tc.done)
		}
		if m, n := Summarize(res); n != done || (n > 0 && m.E2EMean <= 0) {
			t.Errorf("timeout %v: summary of %d requests (%+v), want the %d completed", tc.timeout, n, m, done)
		}
	}
	// The abandoned requests free the engine: one arriving after their
	// deadline is served at once instead of behind them.
	reqs := make([]ReplayRequest, 10)
	for i := range reqs {
		reqs[i] = ReplayRequest{Prompt: 200, Output: 50, Timeout: service * 5 / 2}
	}
	reqs = append(reqs, ReplayRequest{At: 3 * service, Prompt: 200, Output: 50})
	res, err := Replay(d, reqs)
	if err != nil {
		t.Fatal(err)
	}
	if late := res[10]; late.Err != nil || late.E2E() > service*3/2 {
		t.Errorf("request after the others' deadline: E2E %v (%v), want about one service time %v", late.E2E(), late.Err, service)
	}
}

// With DrainStages a stage starts StageGap after the last request of the
// stages before it ended, on an idle engine; without, at its own time.
func TestReplayDrainStages(t *testing.T) {
	c := DefaultConfig()
	c.MaxBatch = 1
	d, err := c.Resolve()
	if err != nil {
		t.Fatal(err)
	}
	lone, err := Replay(d, []ReplayRequest{{Prompt: 200, Output: 50}})
	if err != nil {
		t.Fatal(err)
	}
	service := lone[0].E2E()
	reqs := []ReplayRequest{
		{Prompt: 200, Output: 50}, {Prompt: 200, Output: 50}, {Prompt: 200, Output: 50},
		{At: service, Prompt: 200, Output: 50, Stage: 1}, // scheduled while stage 0 runs
		{At: service + time.Millisecond, Prompt: 200, Output: 50, Stage: 1},
	}
	gap := 2 * time.Second
	drained, err := ReplayWith(d, reqs, ReplayOptions{DrainStages: true, StageGap: gap})
	if err != nil {
		t.Fatal(err)
	}
	end0 := max(drained[0].Last, drained[1].Last, drained[2].Last)
	if got := drained[3].Arrival; got != end0+gap {
		t.Errorf("stage 1 starts at %v, want %v (stage 0 ended at %v, + %v)", got, end0+gap, end0, gap)
	}
	if got := drained[4].Arrival - drained[3].Arrival; got != time.Millisecond {
		t.Errorf("stage 1's arrivals %v apart, want their scheduled 1ms", got)
	}
	if drained[3].TTFT() != lone[0].TTFT() {
		t.Errorf("stage 1's first TTFT %v, want a lone request's %v (the engine drained)", drained[3].TTFT(), lone[0].TTFT())
	}
	// A stage whose clients gave up ends when the last of them left.
	timed := slices.Clone(reqs)
	for i := range 3 {
		timed[i].Timeout = service * 3 / 2
	}
	res, err := ReplayWith(d, timed, ReplayOptions{DrainStages: true, StageGap: gap})
	if err != nil {
		t.Fatal(err)
	}
	if res[1].Err == nil || res[2].Err == nil || res[3].Arrival != service*3/2+gap {
		t.Errorf("stage 0 timing out at %v: errors %v, %v; stage 1 at %v, want %v", service*3/2, res[1].Err, res[2].Err, res[3].Arrival, service*3/2+gap)
	}
	overlapped, err := Replay(d, reqs)
	if err != nil {
		t.Fatal(err)
	}
	if overlapped[3].Arrival != service || !(overlapped[3].TTFT() > service) {
		t.Errorf("without draining: stage 1 arrives at %v (want %v) and waits %v (want more than %v)", overlapped[3].Arrival, service, overlapped[3].TTFT(), service)
	}
}
