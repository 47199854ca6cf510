package sim

import (
	"bufio"
	"context"
	"encoding/json"
	"net/http"
	"runtime"
	"strings"
	"testing"
	"time"
)

// The real-time engine applies the pipeline terms of Timing as the virtual
// clock does. Wall time only gives lower bounds (a loaded host delays
// tokens, it never hastens them), so these tests assert lower bounds, the
// order of tokens, and the driver's state, never an upper bound on latency.

// pipelineConfig is the default deployment at time scale ts with the
// pipeline terms of tm.
func pipelineConfig(ts float64, frontend time.Duration, lag float64, async bool) Config {
	c := DefaultConfig()
	c.Seed = 7
	c.TimeScale = ts
	c.Timing.FrontendOverhead = frontend
	c.Timing.OutputLag = lag
	c.Timing.AsyncScheduling = async
	return c
}

// clientTTFT streams one completion of prompt words and two tokens, and
// returns the time from sending it to its first token, as a client
// measures it, and the engine's prompt and prefill-step figures from the
// usage chunk.
func clientTTFT(t *testing.T, url string, words int) (ttft time.Duration, promptTokens int, promptMs float64) {
	t.Helper()
	body, _ := json.Marshal(map[string]any{"prompt": strings.Repeat("time ", words), "max_tokens": 2, "ignore_eos": true,
		"stream": true, "stream_options": map[string]any{"include_usage": true}})
	start := time.Now()
	resp, err := http.Post(url+"/v1/completions", "application/json", strings.NewReader(string(body)))
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	sc := bufio.NewScanner(resp.Body)
	for sc.Scan() {
		data, ok := strings.CutPrefix(sc.Text(), "data: ")
		if !ok || data == "[DONE]" {
			continue
		}
		if ttft == 0 {
			ttft = time.Since(start)
		}
		var ev struct {
			Usage   *usage   `json:"usage"`
			Timings *timings `json:"timings"`
		}
		if err := json.Unmarshal([]byte(data), &ev); err != nil {
			t.Fatalf("event %q: %v", data, err)
		}
		if ev.Usage != nil && ev.Timings != nil {
			promptTokens, promptMs = ev.Usage.PromptTokens, ev.Timings.PromptMs
		}
	}
	if err := sc.Err(); err != nil {
		t.Fatal(err)
	}
	if ttft == 0 || promptTokens == 0 {
		t.Fatalf("no token or no usage chunk: TTFT %v, prompt %d", ttft, promptTokens)
	}
	return ttft, promptTokens, promptMs
}

// prefillStep is the engine's step that prefills a lone prompt of n tokens.
func prefillStep(t *testing.T, e *Engine, n int) time.Duration {
	t.Helper()
	return e.Deployment().StepDuration(n, 0, n)
}

// A lone request's first token reaches the client no earlier than its
// prefill step, the output lag after it, and the frontend's delay before
// it: TTFT >= frontend + prefill x (1 + lag), everything scaled by the time
// scale.
func TestRealtimePipelineTTFT(t *testing.T) {
	tests := []struct {
		name     string
		ts       float64
		frontend time.Duration
		lag      float64
	}{
		{"output lag", 1, 0, 2},
		{"frontend overhead", 1, 40 * time.Millisecond, 0},
		{"both, at a speed-up of 4", 0.25, 120 * time.Millisecond, 1.5},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			e, srv := newServer(t, pipelineConfig(tt.ts, tt.frontend, tt.lag, false))
			ttft, prompt, promptMs := clientTTFT(t, srv.URL, 500)
			step := prefillStep(t, e, prompt)
			if d := time.Duration(promptMs * float64(time.Millisecond)); d < step-time.Microsecond || d > step+time.Microsecond {
				t.Fatalf("the engine's prefill took %v, want the step of %d tokens, %v", d, prompt, step)
			}
			front := time.Duration(float64(tt.frontend) * tt.ts)
			want := front + step + time.Duration(tt.lag*float64(step))
			t.Logf("TTFT %v >= %v (frontend %v, prefill step %v, lag %v)", ttft, want, front, step, tt.lag)
			if ttft < want {
				t.Errorf("TTFT %v, want at least %v: frontend %v + prefill step %v x (1 + %v)", ttft, want, front, step, tt.lag)
			}
		})
	}
}

// drain reads a stream until its last step and returns the token count of
// every step handed out, in the order the stream got them.
func drain(t *testing.T, e *Engine, st *stream) ([]int, *seqResult) {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	var counts []int
	for {
		steps, res, ok := e.await(ctx, st)
		if !ok {
			t.Fatalf("stream ended after %v without its last step", counts)
		}
		counts = append(counts, steps...)
		if res != nil {
			return counts, res
		}
	}
}

// Under a long lag (3 steps), a long prefill's token is due long after the
// short decode steps that follow it end: the stream still gets its tokens
// in order, each step's at once.
func TestRealtimeOutputLagKeepsOrder(t *testing.T) {
	e, err := New(pipelineConfig(0.1, 0, 3, false))
	if err != nil {
		t.Fatal(err)
	}
	defer e.Close()
	st, err := e.submit(seqRequest{prompt: 6000, output: 5, reason: reasonLength, key: 1})
	if err != nil {
		t.Fatal(err)
	}
	counts, res := drain(t, e, st)
	want := []int{1, 2, 3, 4, 5}
	if len(counts) != len(want) {
		t.Fatalf("steps %v, want %v", counts, want)
	}
	for i := range want {
		if counts[i] != want[i] {
			t.Fatalf("steps %v, want %v", counts, want)
		}
	}
	if res.generated != 5 {
		t.Errorf("result of %d tokens, want 5", res.generated)
	}
	// The prefill step is far longer than the decodes: without the clamp
	// the second token would be due before the first.
	if pre, dec := e.Deployment().StepDuration(6000, 0, 6000), e.Deployment().StepDuration(0, 1, 6001); 3*pre <= dec+3*dec {
		t.Fatalf("prefill step %v, decode step %v: the test needs a prefill much longer than a decode", pre, dec)
	}
}

// With asynchronous scheduling a request that arrives while another
// decodes is held until the next step has been planned, so it starts one
// decode step later at least; an idle engine takes a request at once.
func TestRealtimeAsyncScheduling(t *testing.T) {
	for _, async := range []bool{false, true} {
		e, err := New(pipelineConfig(1, 0, 0, async))
		if err != nil {
			t.Fatal(err)
		}
		defer e.Close()
		a, err := e.submit(seqRequest{prompt: 100, output: 2000, reason: reasonLength, key: 1})
		if err != nil {
			t.Fatal(err)
		}
		e.mu.Lock()
		idleTaken := a.id != 0
		e.mu.Unlock()
		if !idleTaken {
			t.Fatalf("async %v: an idle engine held a request back", async)
		}
		ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
		defer cancel()
		if _, _, ok := e.await(ctx, a); !ok { // a decodes from now on
			t.Fatal("no first token")
		}
		e.mu.Lock()
		ctxA := 100 + e.sched.running[0].generated
		e.mu.Unlock()
		b, err := e.submit(seqRequest{prompt: 500, output: 2, reason: reasonLength, key: 2})
		if err != nil {
			t.Fatal(err)
		}
		e.mu.Lock()
		held := b.id == 0
		var arrived time.Duration // b's arrival on the engine's clock
		if held {
			arrived = e.rt.deferred.held[0].at
		} else {
			arrived = e.sched.waiting[0].arrival
		}
		e.mu.Unlock()
		if held != async {
			t.Errorf("async %v: a request arriving mid-decode held back: %v", async, held)
		}
		_, res := drain(t, e, b)
		// On the engine's clock (steps chain on a schedule of deadlines,
		// however late the host), b starts at the end of the step running
		// when it arrived, or of the step after under asynchronous
		// scheduling, which decodes a alone.
		minDecode := e.Deployment().StepDuration(0, 1, ctxA)
		maxDecode := e.Deployment().StepDuration(0, 1, 100+2000)
		wait := res.promptStart - arrived
		t.Logf("async %v: b started %v after it arrived (decode step %v to %v)", async, wait, minDecode, maxDecode)
		if async && wait < minDecode {
			t.Errorf("held request started %v after it arrived, want at least one decode step, %v", wait, minDecode)
		}
		if steps := map[bool]time.Duration{false: 1, true: 2}[async]; wait > steps*maxDecode {
			t.Errorf("async %v: request started %v after it arrived, want at most %d decode steps (%v each)", async, wait, steps, maxDecode)
		}
	}
}

// A request cancelled while in the frontend never reaches the scheduler.
func TestRealtimeCancelInFrontend(t *testing.T) {
	e, err := New(pipelineConfig(1, 30*time.Millisecond, 0, false))
	if err != nil {
		t.Fatal(err)
	}
	defer e.Close()
	st, err := e.submit(seqRequest{prompt: 100, output: 4, reason: reasonLength, key: 1})
	if err != nil {
		t.Fatal(err)
	}
	e.cancel(st)
	eventually(t, "the frontend to empty", func() bool {
		e.mu.Lock()
		defer e.mu.Unlock()
		return len(e.rt.inbox) == 0
	})
	e.mu.Lock()
	defer e.mu.Unlock()
	if e.sched.nextID != 0 || !e.sched.idle() || len(e.streams) != 0 || st.id != 0 {
		t.Errorf("a cancelled request reached the scheduler: %d sequences, idle %v, %d streams", e.sched.nextID, e.sched.idle(), len(e.streams))
	}
}

// Close with tokens waiting for their output lag (due two seconds after
// their step) and a request held back by asynchronous scheduling: it
// returns, the driver stops, waiting handlers hear of it, and no goroutine
// is left.
func TestRealtimeCloseWithPending(t *testing.T) {
	base := runtime.NumGoroutine()
	e, err := New(pipelineConfig(1, 0, 100, true))
	if err != nil {
		t.Fatal(err)
	}
	a, err := e.submit(seqRequest{prompt: 500, output: 50, reason: reasonLength, key: 1})
	if err != nil {
		t.Fatal(err)
	}
	eventually(t, "a step's tokens to wait for their lag", func() bool {
		e.mu.Lock()
		defer e.mu.Unlock()
		_, ok := e.rt.outbox.next()
		return ok
	})
	b, err := e.submit(seqRequest{prompt: 500, output: 50, reason: reasonLength, key: 2})
	if err != nil {
		t.Fatal(err)
	}
	waited := make(chan bool)
	go func() {
		_, _, ok := e.await(context.Background(), b)
		waited <- ok
	}()
	if err := e.Close(); err != nil {
		t.Fatal(err)
	}
	if <-waited {
		t.Error("a waiting handler got tokens after Close")
	}
	if _, _, ok := e.await(context.Background(), a); ok {
		t.Error("a handler got tokens after Close")
	}
	if _, err := e.submit(seqRequest{prompt: 1, output: 1}); err != errClosed {
		t.Errorf("submit after Close: %v, want %v", err, errClosed)
	}
	eventually(t, "the engine's goroutines to end", func() bool { return runtime.NumGoroutine() <= base })
}

// handedOut drives the real-time driver's events on an injected clock, as
// run does on the wall clock but late by late at each wait, and returns when
// each of st's steps was handed out and how many steps the driver ran.
func handedOut(t *testing.T, e *Engine, st *stream, late time.Duration) (at []time.Duration, counts []int) {
	t.Helper()
	var now time.Duration
	e.nowFunc = func() time.Duration { return now }
	e.mu.Lock()
	defer e.mu.Unlock()
	e.arrive(pending{st: st, r: seqRequest{prompt: 500, output: 3, reason: reasonLength, key: 1}, at: 0})
	for range 1000 {
		next, ok := e.tick(now)
		if steps, res := st.take(); len(steps) > 0 {
			for _, n := range steps {
				at, counts = append(at, now), append(counts, n)
			}
			if res != nil {
				return at, counts
			}
		}
		if !ok {
			t.Fatalf("the driver has nothing to do after %v", counts)
		}
		if next > now {
			now = next + late
		}
	}
	t.Fatalf("no last step after 1000 ticks: %v", counts)
	return nil, nil
}

// On an injected clock the driver hands a lone request's tokens out
// exactly when the pipeline terms say: its first token frontend + prefill x
// (1 + lag) after it arrives, the second (a short decode step, due earlier)
// with it, the third lag x its step after that step ends. Lateness is
// measured against those due times: zero on time, the delay when late.
func TestDriverOnInjectedClock(t *testing.T) {
	const frontend, lag = 2 * time.Millisecond, 0.5
	for _, late := range []time.Duration{0, 300 * time.Microsecond} {
		e, err := newEngine(pipelineConfig(1, frontend, lag, false))
		if err != nil {
			t.Fatal(err)
		}
		st := &stream{notify: make(chan struct{}, 1)}
		at, counts := handedOut(t, e, st, late)
		d := e.Deployment()
		pre, dec1, dec2 := d.StepDuration(500, 0, 500), d.StepDuration(0, 1, 501), d.StepDuration(0, 1, 502)
		first := frontend + pre + time.Duration(lag*float64(pre))
		third := frontend + pre + dec1 + dec2 + time.Duration(lag*float64(dec2))
		if late == 0 {
			want := []time.Duration{first, first, third}
			if len(at) != 3 || at[0] != want[0] || at[1] != want[1] || at[2] != want[2] {
				t.Errorf("tokens %v handed out at %v, want %v", counts, at, want)
			}
		}
		if len(counts) != 3 || counts[0] != 1 || counts[1] != 2 || counts[2] != 3 {
			t.Errorf("late %v: tokens handed out %v, want 1, 2, 3", late, counts)
		}
		l := e.Lateness()
		if l.Steps != 3 || l.Max != late {
			t.Errorf("late %v: lateness %+v, want 3 steps, max %v", late, l, late)
		}
	}
}
