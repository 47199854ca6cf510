package sim

import (
	"encoding/binary"
	"errors"
	"time"

	openai "github.com/sashabaranov/go-openai"

	"github.com/tokenbench/tokenbench/bench"
	"github.com/tokenbench/tokenbench/workloads"
)

// VirtualEngine is the built-in engine on a VirtualClock: the same request
// handling, answers, scheduler, step model and metrics as the HTTP engine,
// with no socket and no sleeping. A step that starts at time t ends at
// t + its modelled duration on the clock; its tokens reach their requests
// then. Several engines may share one clock. Like the clock, it is used
// from one goroutine.
type VirtualEngine struct {
	e     *Engine // configuration, scheduler, response ids and metrics; no driver goroutine
	clock *VirtualClock
	reqs  map[seqID]*vreq
	busy  bool // a step is in flight, or one is about to be planned
	// running is true from a step's start to its end: with
	// Timing.AsyncScheduling, sequences that arrive then wait in deferred
	// and join the step after the next (vLLM plans step k+1 while k runs).
	running  bool
	deferred asyncHold[deferredSeq]
	// busyTime sums the planned steps' durations.
	busyTime time.Duration
}

// ErrVirtualFaults is returned for a Config with faults: they are
// transport failures, which a run without a transport cannot have.
var ErrVirtualFaults = errors.New("sim: faults are not simulated on the virtual clock (they are transport failures); run on the real clock")

// NewVirtualEngine checks cfg (zero fields take the defaults of
// DefaultConfig) and returns an engine whose steps run on clock.
func NewVirtualEngine(cfg Config, clock *VirtualClock) (*VirtualEngine, error) {
	if cfg.Faults != (Faults{}) {
		return nil, ErrVirtualFaults
	}
	e, err := newEngine(cfg)
	if err != nil {
		return nil, err
	}
	v := &VirtualEngine{e: e, clock: clock, reqs: map[seqID]*vreq{}}
	v.deferred.on = e.cfg.Timing.AsyncScheduling
	return v, nil
}

// Deployment returns what the engine runs.
func (v *VirtualEngine) Deployment() Deployment { return v.e.dep }

// Model is the model id the engine serves.
func (v *VirtualEngine) Model() string { return v.e.served }

// Idle reports whether the engine has no sequence waiting or running.
func (v *VirtualEngine) Idle() bool { return v.e.sched.idle() }

// Start sends req as a client for t would (the same body), at the clock's
// now, with intended start sched, and calls done with its Record and Reply
// when it ends, at a later event of the clock. Records are those of
// bench.Client over HTTP, timed on the virtual clock (offsets from its time
// 0), without the httptrace points.
func (v *VirtualEngine) Start(t bench.Target, req workloads.Request, sched time.Duration, done func(bench.Record, workloads.Reply)) {
	now := v.clock.Now()
	if over := v.e.cfg.frontendOverhead(); over > 0 {
		// The API server's parsing and tokenisation, before the scheduler
		// sees the request; the client's clock started at now.
		v.clock.At(now+over, func() { v.startAt(t, req, sched, now, false, done) })
		return
	}
	v.startAt(t, req, sched, now, false, done)
}

// startAt starts req now for a client that sent it at start (earlier when
// a prefill engine served it first); transferred says its prompt's KV
// cache arrives computed.
func (v *VirtualEngine) startAt(t bench.Target, req workloads.Request, sched, start time.Duration, transferred bool, done func(bench.Record, workloads.Reply)) {
	now := v.clock.Now()
	q := &vreq{done: done, start: start, logprobs: t.Logprobs, rec: bench.Record{TSchedMS: bench.Ms(sched),
		TStartMS: bench.Ms(start), TargetInputTokens: req.InputTokens, MaxTokens: req.MaxTokens}}
	if err := v.admit(q, t, req, transferred); err != nil {
		q.fail(err)
		q.rec.E2EMS = bench.Ms(now - start)
		v.clock.At(now, func() { q.done(q.rec, workloads.Reply{}) })
		return
	}
	if t.Timeout > 0 {
		v.clock.At(start+t.Timeout, func() { v.expire(q) })
	}
	v.kick()
}

// Busy is the time the engine has spent running steps: its utilisation
// over a run is Busy over the run's length.
func (v *VirtualEngine) Busy() time.Duration { return v.busyTime }

// expire fails a request still in the engine when its client's timeout
// passes, as bench.Client does, and removes its sequence.
func (v *VirtualEngine) expire(q *vreq) {
	if q.ended {
		return
	}
	for id, r := range v.reqs { // one lookup per timeout, rarer than steps
		if r == q {
			delete(v.reqs, id)
			v.e.sched.cancel(id)
			break
		}
	}
	q.timeout(v.clock.Now())
	q.done(q.rec, workloads.Reply{})
}

// admit answers the request as the HTTP handler does and queues its
// sequence. The prompt's texts are counted and keyed for the prefix cache
// exactly as the handler counts them from the body, but the body goes
// through the handler's decoding with the texts left out, so that an hour
// of long prompts is not rendered to JSON and parsed back.
func (v *VirtualEngine) admit(q *vreq, t bench.Target, req workloads.Request, transferred bool) error {
	a := chatAPI
	if t.API == bench.APICompletions {
		a = completionsAPI
	}
	stub, texts := stripTexts(a, req)
	body, err := bench.RequestBody(t, stub)
	if err != nil {
		return &buildError{err}
	}
	r, err := decodeRequest(a, body)
	if err != nil {
		return err
	}
	// Stubs have no text, so the prompt holds only what comes before the
	// messages (tool definitions); bench sends one prompt, one choice.
	if len(r.prompts) != 1 || r.n != 1 {
		return badRequest("the virtual clock serves one prompt and one choice per request")
	}
	r.prompts[0] = texts(r.prompts[0])
	if r.model != "" && r.model != v.e.served {
		return v.e.unknownModel(r.model)
	}
	v.e.requests.Add(1)
	choices, err := v.e.planChoices(r, binary.LittleEndian.AppendUint64(body, digest(r.prompts[0])))
	if err != nil {
		return err
	}
	c := choices[0]
	ans := c.ans
	sr := seqRequest{prompt: c.prompt, tokens: r.prompts[0], output: ans.tokens,
		reason: ans.engineReason(), key: ans.key, out: ans.outputHashes(), transferred: transferred}
	q.resp = v.e.newResponse(r, choices)
	if v.deferred.hold(v.running, deferredSeq{q: q, c: c, sr: sr, at: v.clock.Now()}) {
		return nil
	}
	return v.add(q, c, sr, v.clock.Now())
}

// deferredSeq is a sequence that arrived while a step ran, under
// Timing.AsyncScheduling: it reaches the scheduler once the next step is
// planned.
type deferredSeq struct {
	q  *vreq
	c  *choiceState
	sr seqRequest
	at time.Duration
}

func (d deferredSeq) arrival() time.Duration { return d.at }

// add queues q's sequence in the scheduler, arrived at at.
func (v *VirtualEngine) add(q *vreq, c *choiceState, sr seqRequest, at time.Duration) error {
	id, err := v.e.sched.add(sr, at)
	if err != nil {
		return badRequest("%v", err)
	}
	c.id = id
	v.reqs[id] = q
	return nil
}

// flushDeferred queues the sequences that waited for a step to be planned.
func (v *VirtualEngine) flushDeferred() {
	now := v.clock.Now()
	ds := v.deferred.release(now)
	if len(ds) == 0 {
		return
	}
	for _, d := range ds {
		if d.q.ended {
			continue // its client gave up meanwhile
		}
		if err := v.add(d.q, d.c, d.sr, d.at); err != nil {
			q := d.q
			q.fail(err)
			q.ended = true
			q.rec.E2EMS = bench.Ms(now - q.start)
			v.clock.At(now, func() { q.done(q.rec, workloads.Reply{}) })
		}
	}
	v.kick() // an idle engine starts them now
}

// stripTexts returns req without its prompt texts (each message keeps its
// role; a completions prompt becomes one word, which the body needs), and
// a function that appends the tokens of the texts, as messageTokens and
// promptTokens count them from the whole body.
func stripTexts(a api, req workloads.Request) (workloads.Request, func([]uint64) []uint64) {
	stub := req
	if a == completionsAPI {
		prompt := bench.CompletionPrompt(req)
		stub.Prompt, stub.Messages = "x", nil
		return stub, func(dst []uint64) []uint64 { return appendTextTokens(dst[:0:0], prompt) }
	}
	msgs := req.Messages
	if len(msgs) == 0 {
		msgs = []openai.ChatCompletionMessage{{Role: openai.ChatMessageRoleUser, Content: req.Prompt}}
	}
	stub.Prompt = ""
	stub.Messages = make([]openai.ChatCompletionMessage, len(msgs))
	for i, m := range msgs {
		stub.Messages[i] = openai.ChatCompletionMessage{Role: m.Role, Name: m.Name, ToolCallID: m.ToolCallID}
	}
	return stub, func(dst []uint64) []uint64 {
		for _, t := range chatTexts(msgs, nil, false) {
			dst = appendTextTokens(dst, t)
		}
		return dst
	}
}

// digest folds token hashes into one, to seed the answer with the prompt.
func digest(toks []uint64) uint64 {
	h := uint64(len(toks))
	for _, t := range toks {
		h = splitmix64(h ^ t)
	}
	return h
}

// kick plans a step at the current time, after the events already due now
// (so that requests arriving together start together), unless one is in
// flight.
func (v *VirtualEngine) kick() {
	if v.busy {
		return
	}
	v.busy = true
	v.clock.At(v.clock.Now(), v.startStep)
}

func (v *VirtualEngine) startStep() {
	st, ok := v.e.sched.plan(v.clock.Now())
	if !ok {
		v.busy, v.running = false, false
		return
	}
	v.running = true
	v.busyTime += st.duration
	v.clock.At(st.start+st.duration, func() { v.endStep(&st) })
}

// endStep commits a step and plans the next one before handing out the
// tokens: a request sent in reply to them (a closed loop's next request)
// joins the step after, as it does over HTTP.
func (v *VirtualEngine) endStep(st *step) {
	v.e.sched.commit(st)
	v.running = false
	v.startStep()
	v.flushDeferred()
	now := v.clock.Now()
	lag := v.e.cfg.Timing.OutputLag
	for _, em := range st.emits {
		q := v.reqs[em.id]
		if q == nil {
			continue
		}
		if em.done {
			delete(v.reqs, em.id)
		}
		if lag <= 0 {
			v.deliver(q, em, now)
			continue
		}
		// Output processing and streaming while the next step runs: the
		// step's tokens reach the client lag step durations later, never
		// before those of an earlier step.
		at := outputAt(st, lag, q.lastAt)
		q.lastAt = at
		v.clock.At(at, func() { v.deliver(q, em, at) })
	}
}

// deliver hands a step's tokens to their request at at.
func (v *VirtualEngine) deliver(q *vreq, em emit, at time.Duration) {
	if q.ended {
		return // timed out before its tokens arrived
	}
	q.emit(at, em)
	if em.done {
		q.ended = true
		q.done(q.rec, q.reply())
	}
}

// buildError is a request body that could not be built (bench.Client
// classifies it as bad_event).
type buildError struct{ err error }

func (e *buildError) Error() string { return "bench: build request body: " + e.err.Error() }
