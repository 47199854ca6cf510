package bench

import (
	"context"
	"io"
	"net/http"
	"net/http/httptest"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/tokenbench/tokenbench/workloads"
)

// sizedPreparer prepares bodies of the size the request's MaxTokens says,
// noting when each was prepared.
type sizedPreparer struct {
	fakeDoer
	mu       sync.Mutex
	prepared map[int]time.Time // by MaxTokens
}

func (s *sizedPreparer) Prepare(req workloads.Request) (Prepared, error) {
	s.mu.Lock()
	if s.prepared == nil {
		s.prepared = map[int]time.Time{}
	}
	s.prepared[req.InputTokens] = time.Now()
	s.mu.Unlock()
	return Prepared{Request: req, body: make([]byte, req.MaxTokens)}, nil
}

func (s *sizedPreparer) DoPrepared(ctx context.Context, p Prepared, epoch, sched time.Time) (Record, workloads.Reply) {
	return s.Do(ctx, p.Request, epoch, sched)
}

func timedItems(offsets []time.Duration, size int) *listSource {
	src := &listSource{}
	for i, o := range offsets {
		src.items = append(src.items, workloads.Item{Timed: true, Offset: o, Request: workloads.Request{InputTokens: i, MaxTokens: size}})
	}
	return src
}

// TestPreparerBoundedByBytes: bodies waiting to be sent never exceed the
// byte bound, except one alone (a prompt larger than the bound still goes).
func TestPreparerBoundedByBytes(t *testing.T) {
	for _, tc := range []struct {
		name     string
		size     int64
		maxBytes int64
		want     int64 // peak queued bytes at most
	}{
		{"three fit", 100, 350, 300},
		{"one larger than the bound", 1000, 350, 1000},
	} {
		t.Run(tc.name, func(t *testing.T) {
			offsets := make([]time.Duration, 20) // all due at once
			d := &sizedPreparer{}
			p := newPreparer(Load{Trace: true, LookAheadBytes: tc.maxBytes}, timedItems(offsets, int(tc.size)), d)
			var peak int64
			go p.run(context.Background())
			<-p.primed
			p.start <- time.Now()
			n := 0
			for it := range p.out {
				peak = max(peak, p.queued.Load())
				time.Sleep(100 * time.Microsecond) // a slow sender: the queue fills up
				p.take(it)
				n++
			}
			if n != 20 || peak > tc.want || peak < tc.size {
				t.Errorf("%d items, peak queued %d bytes; want 20 items and a peak in [%d, %d]", n, peak, tc.size, tc.want)
			}
		})
	}
}

// TestPreparerBoundedByTime: an item is prepared no earlier than the
// look-ahead before its send time (those within the first look-ahead
// before the phase starts), and the phase starts once they are ready.
func TestPreparerBoundedByTime(t *testing.T) {
	const look = 20 * time.Millisecond
	offsets := []time.Duration{0, 5 * time.Millisecond, 30 * time.Millisecond, 60 * time.Millisecond}
	d := &sizedPreparer{fakeDoer: fakeDoer{hold: time.Millisecond}}
	var out collect
	o, err := Run(context.Background(), Load{Trace: true, LookAhead: look}, timedItems(offsets, 10), d, &out)
	if err != nil || len(out.recs) != 4 {
		t.Fatalf("%d records, %v", len(out.recs), err)
	}
	for i, off := range offsets {
		at := d.prepared[i]
		if off < look {
			if !at.Before(o.PhaseStart) {
				t.Errorf("item %d (offset %v) prepared %v after the phase started; want it ready before", i, off, at.Sub(o.PhaseStart))
			}
			continue
		}
		if earliest := o.PhaseStart.Add(off - look); at.Before(earliest) {
			t.Errorf("item %d prepared %v before its look-ahead opened", i, earliest.Sub(at))
		}
	}
}

// TestRunTraceHeldBack: a trace run stopped by --requests or --duration
// says how many of the workload's requests it held back, and by what; a
// trace run without a cap sends everything at its own offsets.
func TestRunTraceHeldBack(t *testing.T) {
	offsets := []time.Duration{0, time.Millisecond, 2 * time.Millisecond, 40 * time.Millisecond, 50 * time.Millisecond}
	plan := func() workloads.Source {
		return plannedList{timedItems(offsets, 1), len(offsets)}
	}
	for _, tc := range []struct {
		name     string
		load     Load
		sent     int
		held     int
		by       string
		mayDelay bool
	}{
		{"whole trace", Load{Trace: true}, 5, 0, "", false},
		{"requests", Load{Trace: true, Requests: 2}, 2, 3, StopRequests, false},
		{"duration", Load{Trace: true, Duration: 30 * time.Millisecond}, 3, 2, StopDuration, false},
		{"capped: all sent, some delayed", Load{Trace: true, Concurrency: 1}, 5, 0, "", true},
	} {
		t.Run(tc.name, func(t *testing.T) {
			var out collect
			o, err := Run(context.Background(), tc.load, plan(), &fakeDoer{hold: 100 * time.Millisecond}, &out)
			if err != nil {
				t.Fatal(err)
			}
			if len(out.recs) != tc.sent || o.HeldBack != tc.held || o.HeldBackBy != tc.by || o.Workload != 5 {
				t.Errorf("sent %d, held back %d by %q of %d; want %d, %d by %q of 5", len(out.recs), o.HeldBack, o.HeldBackBy, o.Workload, tc.sent, tc.held, tc.by)
			}
			// Three requests due within 2 ms, each holding the one slot 100 ms:
			// the second waits unless the sender stalled 100 ms.
			if tc.mayDelay != (o.Delayed > 0) {
				t.Errorf("delayed %d", o.Delayed)
			}
		})
	}
}

type plannedList struct {
	*listSource
	n int
}

func (p plannedList) Plan() workloads.Plan { return workloads.Plan{Items: p.n, Timed: true} }

// TestClientDoPreparedSendsWhatDoSends: a prepared request reaches the
// server byte for byte as Do would send it, and is measured the same way.
func TestClientDoPreparedSendsWhatDoSends(t *testing.T) {
	var mu sync.Mutex
	var bodies []string
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		b, _ := io.ReadAll(r.Body)
		mu.Lock()
		bodies = append(bodies, string(b))
		mu.Unlock()
		w.Header().Set("Content-Type", "text/event-stream")
		io.WriteString(w, sse(evTok("t"), evFin, evUsage, "[DONE]"))
	}))
	defer srv.Close()
	c, err := NewClient(Target{BaseURL: srv.URL + "/v1", Model: "m", Extra: map[string]any{"priority": 1}})
	if err != nil {
		t.Fatal(err)
	}
	req := workloads.Request{Prompt: "hello there", MaxTokens: 4, ForceLength: true}
	now := time.Now()
	r1, _ := c.Do(context.Background(), req, now, now)
	p, err := c.Prepare(req)
	if err != nil || p.Size() == 0 {
		t.Fatalf("prepare: %v (size %d)", err, p.Size())
	}
	r2, _ := c.DoPrepared(context.Background(), p, now, now)
	if len(bodies) != 2 || bodies[0] != bodies[1] || p.Size() != len(bodies[0]) {
		t.Fatalf("bodies differ:\n%s\n%s", bodies[0], bodies[1])
	}
	if !r1.OK || !r2.OK || r1.OutputTokens != r2.OutputTokens {
		t.Errorf("records %+v / %+v", r1, r2)
	}
}

// TestPreparerYieldsToSends: while it is ahead, the preparer does not
// start building a request when the sender's next send is due within twice
// the cost of building one; it waits for that send. Behind (nothing
// queued), or with the send far off, it goes on at once.
func TestPreparerYieldsToSends(t *testing.T) {
	start := time.Now()
	p := newPreparer(Load{Trace: true}, &listSource{}, &fakeDoer{})
	if !p.yield(context.Background(), start, time.Hour) {
		t.Fatal("no send pending: yield must return at once")
	}
	p.out <- prepItem{}                 // ahead: one more request is ready
	p.take(prepItem{offset: time.Hour}) // the sender waits to send at start+1h
	if !p.yield(context.Background(), start, time.Millisecond) {
		t.Fatal("send far off (1 h, cost 1 ms): yield must return at once")
	}
	var sent atomic.Bool
	go func() {
		sent.Store(true)
		p.sentOne()
	}()
	if !p.yield(context.Background(), start, time.Hour) || !sent.Load() {
		t.Error("send due within 2 x cost: yield returned before it was sent")
	}
	<-p.out
	p.take(prepItem{offset: time.Hour})
	if !p.yield(context.Background(), start, time.Hour) {
		t.Error("behind (nothing queued): yield must return at once")
	}
}
