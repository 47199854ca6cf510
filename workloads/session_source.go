package workloads

import (
	"errors"
	"fmt"
	"io"
	"math"
	"time"
)

func init() {
	register("sessions", openSessionKind("sessions", FormatSessions))
}

// openSessionKind returns the Opener of workload kind, a session format: the
// file is read as sessions and played by a session Source.
func openSessionKind(kind, format string) Opener {
	return func(s Spec) (Source, error) {
		if s.Path == "" {
			return nil, fmt.Errorf("workloads: %s needs a file (--workload %s:FILE)", kind, kind)
		}
		if _, err := sessionOptionsOf(s); err != nil {
			return nil, err
		}
		r, err := OpenSessions(format, s.Path, ConvertOptions{BlockTokens: s.BlockTokens, Seed: s.Seed})
		if err != nil {
			return nil, err
		}
		return NewSessionSource(r, s)
	}
}

func sessionOptionsOf(s Spec) (sessionOptions, error) {
	o := sessionOptions{timeScale: s.TimeScale, maxTokens: s.MaxTokens}
	switch s.History {
	case "", HistoryRecorded:
	case HistoryLive:
		o.live = true
	default:
		return o, fmt.Errorf("workloads: history must be %s or %s, got %q", HistoryRecorded, HistoryLive, s.History)
	}
	switch {
	case s.TimeScale == 0:
		o.timeScale = 1
	case !(s.TimeScale > 0) || math.IsInf(s.TimeScale, 0):
		return o, fmt.Errorf("workloads: time scale must be a positive number, got %v", s.TimeScale)
	}
	if s.MaxTokens < 0 || s.TraceStart < 0 || s.TraceDuration < 0 {
		return o, errors.New("workloads: max tokens, trace start and trace duration must not be negative")
	}
	return o, nil
}

// NewSessionSource plays the sessions of r: each Item is the first turn of a
// session, and its Then yields the following turns. Sessions that give
// start_ms start on the trace's clock (Timed, offset (start_ms - TraceStart)
// / TimeScale, sessions starting before TraceStart skipped and from
// TraceStart + TraceDuration on left out); others are started by the run's
// arrival process. Think times are divided by TimeScale too. The Spec gives
// History (default recorded), TimeScale, TraceStart, TraceDuration and
// MaxTokens. The Source closes r when it is exhausted or fails.
func NewSessionSource(r SessionReader, s Spec) (Source, error) {
	o, err := sessionOptionsOf(s)
	if err != nil {
		r.Close()
		return nil, err
	}
	return &sessionSource{r: r, o: o, start: s.TraceStart, window: s.TraceDuration, ids: map[string]string{}}, nil
}

type sessionSource struct {
	r             SessionReader
	o             sessionOptions
	start, window time.Duration
	ids           map[string]string // session id -> where it was read
	n             int               // sessions read
	timed         bool
	last          time.Duration // start of the previous timed session
	err           error
}

func (src *sessionSource) Next() (Item, error) {
	for src.err == nil {
		it, skip, err := src.next()
		if err != nil {
			src.err = err
			src.r.Close()
			break
		}
		if !skip {
			return it, nil
		}
	}
	return Item{}, src.err
}

func (src *sessionSource) next() (it Item, skip bool, err error) {
	s, err := src.r.Next()
	if errors.Is(err, io.EOF) {
		return it, false, ErrExhausted
	}
	if err != nil {
		return it, false, err
	}
	where := s.where
	if where == "" {
		where = "session " + s.ID
	}
	if err := s.Validate(); err != nil {
		return it, false, fmt.Errorf("workloads: %s: %w", where, err)
	}
	if prev, dup := src.ids[s.ID]; dup {
		return it, false, fmt.Errorf("workloads: %s: session_id %q already used (%s)", where, s.ID, prev)
	}
	src.ids[s.ID] = where
	timed := s.StartMS != nil
	if src.n == 0 {
		src.timed = timed
	}
	src.n++
	if timed != src.timed {
		return it, false, fmt.Errorf("workloads: %s: start_ms: given on some sessions only; give it on all or none", where)
	}
	if !timed {
		return newSessionPlay(s, src.o).item(), false, nil
	}
	at := time.Duration(math.Round(*s.StartMS * float64(time.Millisecond)))
	if at < src.last {
		return it, false, fmt.Errorf("workloads: %s: start_ms: %v is before the previous session's; sessions must be in start order", where, *s.StartMS)
	}
	src.last = at
	switch {
	case at < src.start:
		return it, true, nil
	case src.window > 0 && at >= src.start+src.window:
		return it, false, ErrExhausted
	}
	it = newSessionPlay(s, src.o).item()
	it.Timed = true
	it.Offset = time.Duration(math.Round(float64(at-src.start) / src.o.timeScale))
	return it, false, nil
}
