package sim

import (
	"errors"
	"net/http"
	"sync"
	"sync/atomic"
	"time"

	"github.com/prometheus/client_golang/prometheus"
)

// maxLag is how far the driver may fall behind its schedule (a stopped
// process, a long GC) before it restarts the clock instead of catching up
// with a burst of short steps.
const maxLag = 100 * time.Millisecond

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
	}
	if e.metrics, err = newRegistry(e, e.sched.lat); err != nil {
		return nil, err
	}
	e.mux = e.routes()
	go e.run()
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
// without drift. Sequences added meanwhile join at the next step.
func (e *Engine) run() {
	defer close(e.done)
	timer := time.NewTimer(time.Hour)
	timer.Stop()
	var (
		ended *step     // the step that just ended, if any
		start time.Time // start of the next step
		busy  bool      // the previous step ended at start
	)
	for {
		if now := time.Now(); !busy || now.Sub(start) > maxLag {
			start = now
		}
		e.mu.Lock()
		if ended != nil {
			e.sched.commit(ended)
			e.deliver(ended.emits)
		}
		st, ok := e.sched.plan(e.clock(start))
		e.mu.Unlock()
		ended = nil
		if !ok {
			busy = false
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
		ended, start, busy = &st, deadline, true
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
