package sim

import (
	"errors"
	"net/http"
	"sync"
	"sync/atomic"
	"time"

	"github.com/prometheus/client_golang/prometheus"
)

// errClosed is returned when a request arrives after Close.
var errClosed = errors.New("sim: engine closed")

// Engine is the simulated inference server: an http.Handler that serves the
// OpenAI API of vLLM and runs every request through a continuous-batching
// scheduler in real time. Create it with New and release it with Close.
type Engine struct {
	cfg      Config
	dep      Deployment
	served   string // the model id of the API
	created  time.Time
	mux      *http.ServeMux
	metrics  *prometheus.Registry
	ids      atomic.Uint64 // response ids
	requests atomic.Uint64 // generation requests, numbering fault draws
	late     *lateness     // of the real-time driver's steps

	mu      sync.Mutex // guards sched and streams
	sched   *scheduler
	streams map[seqID]*stream

	wake      chan struct{} // cap 1: a sequence was added
	quit      chan struct{} // closed by Close
	done      chan struct{} // closed when the driver has stopped
	closeOnce sync.Once
}

// stream is how the driver hands tokens to a request's handler without ever
// blocking on it: it appends the token count reached at the end of each step
// (so the handler sends one event per step, however late it reads) and pokes
// notify.
type stream struct {
	mu     sync.Mutex
	steps  []int      // token counts not yet taken by the handler
	result *seqResult // set with the last step
	notify chan struct{}
}

func (st *stream) push(em emit) {
	st.mu.Lock()
	st.steps = append(st.steps, em.n)
	if em.done {
		st.result = em.result
	}
	st.mu.Unlock()
	select {
	case st.notify <- struct{}{}:
	default:
	}
}

// take returns the steps delivered since the last call, and the result once
// the sequence is done.
func (st *stream) take() ([]int, *seqResult) {
	st.mu.Lock()
	defer st.mu.Unlock()
	steps := st.steps
	st.steps = nil
	return steps, st.result
}

// New checks cfg (zero fields take the defaults of DefaultConfig), resolves
// its profiles and starts the engine's scheduler.
func New(cfg Config) (*Engine, error) {
	e, err := newEngine(cfg)
	if err != nil {
		return nil, err
	}
	go e.run()
	return e, nil
}

// newEngine builds an engine without starting its real-time driver: New
// starts it; a VirtualEngine drives the same scheduler on a virtual clock.
func newEngine(cfg Config) (*Engine, error) {
	d, err := cfg.Resolve()
	if err != nil {
		return nil, err
	}
	e := &Engine{
		cfg:     d.Config,
		dep:     d,
		served:  d.ServedModel,
		created: time.Now(),
		sched:   newScheduler(d),
		streams: map[seqID]*stream{},
		wake:    make(chan struct{}, 1),
		quit:    make(chan struct{}),
		done:    make(chan struct{}),
		late:    newLateness(d.ServedModel),
	}
	if e.metrics, err = newRegistry(e, e.sched.lat); err != nil {
		return nil, err
	}
	e.mux = e.routes()
	return e, nil
}

// Deployment returns what the engine runs: the resolved profiles, KV cache
// and context.
func (e *Engine) Deployment() Deployment { return e.dep }

// Close stops the scheduler. Requests in flight end at once: streams stop
// without [DONE]; later requests get 503. Close is idempotent.
func (e *Engine) Close() error {
	e.closeOnce.Do(func() {
		close(e.quit)
		<-e.done
	})
	return nil
}

// clock is the engine's time: since it was created.
func (e *Engine) clock(t time.Time) time.Duration { return t.Sub(e.created) }

// submit queues a sequence and returns its id and the stream its tokens
// arrive on.
func (e *Engine) submit(r seqRequest) (seqID, *stream, error) {
	select {
	case <-e.quit:
		return 0, nil, errClosed
	default:
	}
	e.mu.Lock()
	id, err := e.sched.add(r, e.clock(time.Now()))
	var st *stream
	if err == nil {
		st = &stream{notify: make(chan struct{}, 1)}
		e.streams[id] = st
	}
	e.mu.Unlock()
	if err != nil {
		return 0, nil, err
	}
	select {
	case e.wake <- struct{}{}:
	default:
	}
	return id, st, nil
}

// cancel removes a sequence whose client went away.
func (e *Engine) cancel(id seqID) {
	e.mu.Lock()
	defer e.mu.Unlock()
	delete(e.streams, id)
	e.sched.cancel(id)
}

// stats snapshots the scheduler for metrics.
func (e *Engine) stats() stats {
	e.mu.Lock()
	defer e.mu.Unlock()
	return e.sched.stats()
}

// run is the real-time driver: it plans a step, sleeps until the step's
// absolute deadline, then commits the step and hands out its tokens. Each
// deadline is the previous one plus the step's duration, so steps chain
// without drift, and a late wake-up (a loaded host, a GC pause) is caught
// up by the steps after it instead of stretching the run. How late each
// step's tokens were handed out is its lateness. Sequences added meanwhile
// join at the next step; after an idle spell the schedule restarts at the
// first arrival.
func (e *Engine) run() {
	defer close(e.done)
	timer := time.NewTimer(time.Hour)
	timer.Stop()
	var (
		ended *step     // the step that just ended, if any
		start time.Time // start of the next step: the deadline of the last one while busy
	)
	for {
		e.mu.Lock()
		if ended != nil {
			e.sched.commit(ended)
			e.deliver(ended.emits)
			e.late.observe(time.Since(start))
		} else {
			start = time.Now()
		}
		st, ok := e.sched.plan(e.clock(start))
		e.mu.Unlock()
		ended = nil
		if !ok {
			select {
			case <-e.wake:
				continue
			case <-e.quit:
				return
			}
		}
		deadline := start.Add(st.duration)
		timer.Reset(time.Until(deadline))
		select {
		case <-timer.C:
		case <-e.quit:
			timer.Stop()
			return
		}
		ended, start = &st, deadline
	}
}

// deliver publishes the tokens of a finished step. It must be called with
// e.mu held, and never blocks.
func (e *Engine) deliver(emits []emit) {
	for _, em := range emits {
		st, ok := e.streams[em.id]
		if !ok {
			continue // cancelled during the step
		}
		st.push(em)
		if em.done {
			delete(e.streams, em.id)
		}
	}
}
