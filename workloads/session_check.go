package workloads

import (
	"errors"
	"fmt"
	"io"
	"math"
	"time"
)

// sessionHead is what the checks across sessions need of one session.
type sessionHead struct {
	id, where string
	startMS   *float64
}

func (s *Session) head() sessionHead {
	return sessionHead{id: s.ID, where: s.whereText(), startMS: s.StartMS}
}

func (s *Session) whereText() string {
	if s.where != "" {
		return s.where
	}
	return "session " + s.ID
}

// sessionHeader is implemented by readers that know every session's head
// without building the sessions (a Mooncake trace grouped into sessions is
// validated when it is read; building its prompts twice would be waste).
// Such a reader is not consumed by listing its heads.
type sessionHeader interface {
	heads() []sessionHead
}

// Where a session falls against the trace window.
const (
	headIn = iota
	headBefore
	headAfter
)

// sessionCheck holds the rules across the sessions of a file: unique ids,
// start_ms on all sessions or none, in start order, and the trace window.
type sessionCheck struct {
	start, window time.Duration
	ids           map[string]string // session id -> where it was read
	n             int
	timed         bool
	last          time.Duration
}

func newSessionCheck(s Spec) sessionCheck {
	return sessionCheck{start: s.TraceStart, window: s.TraceDuration, ids: map[string]string{}}
}

// check returns the session's start in trace time and where it falls.
func (c *sessionCheck) check(h sessionHead) (time.Duration, int, error) {
	if prev, dup := c.ids[h.id]; dup {
		return 0, 0, fmt.Errorf("workloads: %s: session_id %q already used (%s)", h.where, h.id, prev)
	}
	c.ids[h.id] = h.where
	timed := h.startMS != nil
	if c.n == 0 {
		c.timed = timed
	}
	c.n++
	if timed != c.timed {
		return 0, 0, fmt.Errorf("workloads: %s: start_ms: given on some sessions only; give it on all or none", h.where)
	}
	if !timed {
		return 0, headIn, nil
	}
	at := time.Duration(math.Round(*h.startMS * float64(time.Millisecond)))
	if at < c.last {
		return 0, 0, fmt.Errorf("workloads: %s: start_ms: %v is before the previous session's; sessions must be in start order", h.where, *h.startMS)
	}
	c.last = at
	switch {
	case at < c.start:
		return at, headBefore, nil
	case c.window > 0 && at >= c.start+c.window:
		return at, headAfter, nil
	}
	return at, headIn, nil
}

// scanSessions reads r to its end, validating every session and the rules
// across them, and returns the plan of what a session Source of s will
// play. It closes r unless r is a sessionHeader (then it reads only the
// heads). A file with no session, or none in the window, is an error.
func scanSessions(r SessionReader, s Spec) (Plan, error) {
	o, err := sessionOptionsOf(s)
	if err != nil {
		return Plan{}, err
	}
	c := newSessionCheck(s)
	p := Plan{Sessions: true, TimeScale: o.timeScale, WindowStart: s.TraceStart, WindowDuration: s.TraceDuration}
	var first time.Duration
	add := func(h sessionHead) error {
		at, v, err := c.check(h)
		if err != nil || v != headIn {
			return err
		}
		if h.startMS != nil {
			if p.Items == 0 {
				first = c.start
			}
			p.Span = time.Duration(math.Round(float64(at-first) / o.timeScale))
		}
		p.Items++
		return nil
	}
	if hr, ok := r.(sessionHeader); ok {
		for _, h := range hr.heads() {
			if err := add(h); err != nil {
				return Plan{}, err
			}
		}
	} else {
		defer r.Close()
		for {
			sess, err := r.Next()
			if errors.Is(err, io.EOF) {
				break
			}
			if err != nil {
				return Plan{}, err
			}
			if err := sess.Validate(); err != nil {
				return Plan{}, fmt.Errorf("workloads: %s: %w", sess.whereText(), err)
			}
			if err := add(sess.head()); err != nil {
				return Plan{}, err
			}
		}
	}
	p.Timed = c.timed
	if !p.Timed {
		p.TimeScale, p.WindowStart, p.WindowDuration = 0, 0, 0
	}
	switch {
	case c.n == 0:
		return Plan{}, fmt.Errorf("workloads: %s: no sessions in the file", s.Path)
	case p.Items == 0:
		return Plan{}, fmt.Errorf("workloads: %s: none of its %d sessions starts in the window start %v duration %v", s.Path, c.n, s.TraceStart, durationText(s.TraceDuration))
	}
	return p, nil
}
