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

// openSessionKind returns the Opener of workload kind, a session format. The
// file is read twice: once through, validating every session (so that bad
// input fails before anything is sent, naming the file and line) and
// counting those in the trace window, then again, lazily, to play them.
func openSessionKind(kind, format string) Opener {
	return func(s Spec) (Source, error) {
		if s.Path == "" {
			return nil, fmt.Errorf("workloads: %s needs a file (--workload %s:FILE)", kind, kind)
		}
		if _, err := sessionOptionsOf(s); err != nil {
			return nil, err
		}
		co := ConvertOptions{BlockTokens: s.BlockTokens, Seed: s.Seed}
		r, err := OpenSessions(format, s.Path, co)
		if err != nil {
			return nil, err
		}
		plan, err := scanSessions(r, s)
		if err != nil {
			return nil, err
		}
		if _, reusable := r.(sessionHeader); !reusable {
			if r, err = OpenSessions(format, s.Path, co); err != nil {
				return nil, err
			}
		}
		src, err := NewSessionSource(r, s)
		if err != nil {
			return nil, err
		}
		return plannedSessions{src.(*sessionSource), plan}, nil
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
	return &sessionSource{r: r, o: o, check: newSessionCheck(s)}, nil
}

type sessionSource struct {
	r     SessionReader
	o     sessionOptions
	check sessionCheck
	err   error
}

// plannedSessions is a session Source whose file was scanned up front.
type plannedSessions struct {
	*sessionSource
	plan Plan
}

// Plan implements Planner.
func (p plannedSessions) Plan() Plan { return p.plan }

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
	if err := s.Validate(); err != nil {
		return it, false, fmt.Errorf("workloads: %s: %w", s.whereText(), err)
	}
	at, v, err := src.check.check(s.head())
	switch {
	case err != nil:
		return it, false, err
	case v == headBefore:
		return it, true, nil
	case v == headAfter:
		return it, false, ErrExhausted
	}
	it = newSessionPlay(s, src.o).item()
	if s.StartMS != nil {
		it.Timed = true
		it.Offset = time.Duration(math.Round(float64(at-src.check.start) / src.o.timeScale))
	}
	return it, false, nil
}
