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

	mu      sync.Mutex // guards sched, streams and the driver's state
	sched   *scheduler
	streams map[seqID]*stream
	rt      realtime             // the real-time driver's queues and step (driver.go)
	nowFunc func() time.Duration // tests' clock for the driver; nil: the wall clock

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

	// Guarded by Engine.mu:
	id     seqID         // in the scheduler; 0 while in the frontend or held back
	gone   bool          // cancelled: its client went away
	lastAt time.Duration // when its latest step's tokens are handed out (Timing.OutputLag)
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
	e.rt.deferred.on = d.Config.Timing.AsyncScheduling
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

// now is the engine's time now, as the real-time driver reads it: the wall
// clock since the engine was created unless a test set nowFunc.
func (e *Engine) now() time.Duration {
	if e.nowFunc != nil {
		return e.nowFunc()
	}
	return e.clock(time.Now())
}

// submit checks a sequence and sends it on its way to the scheduler,
// through the frontend's delay (Timing.FrontendOverhead), and returns the
// stream its tokens arrive on.
func (e *Engine) submit(r seqRequest) (*stream, error) {
	select {
	case <-e.quit:
		return nil, errClosed
	default:
	}
	if err := e.sched.check(r); err != nil { // reads only the configuration
		return nil, err
	}
	st := &stream{notify: make(chan struct{}, 1)}
	e.mu.Lock()
	e.arrive(pending{st: st, r: r, at: e.now()})
	e.mu.Unlock()
	select {
	case e.wake <- struct{}{}:
	default:
	}
	return st, nil
}

// cancel takes a sequence whose client went away out of the engine,
// wherever it is: in the frontend, held back, queued, running, or with
// tokens waiting for their output lag.
func (e *Engine) cancel(st *stream) {
	e.mu.Lock()
	defer e.mu.Unlock()
	st.gone = true
	if st.id != 0 {
		delete(e.streams, st.id)
		e.sched.cancel(st.id)
	}
}

// stats snapshots the scheduler for metrics.
func (e *Engine) stats() stats {
	e.mu.Lock()
	defer e.mu.Unlock()
	return e.sched.stats()
}
