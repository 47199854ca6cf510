package bench

import (
	"context"
	"errors"
	"net"
	"os"
	"strings"
	"syscall"
)

// phase is how far a request got when its transport failed.
type phase int

const (
	// phaseDial: no connection was obtained (dial, DNS, TLS handshake,
	// proxy): the only phase whose failures are connect errors.
	phaseDial phase = iota
	// phaseSent: a connection was obtained but no response headers arrived.
	phaseSent
	// phaseBody: the response headers had arrived.
	phaseBody
)

// classifyTransport maps a transport error to an error class of METRICS.md
// by its cause: the client's own limits, the per-request timeout and the
// run's cancellation first, whatever the symptom (a read that fails with
// part of an event buffered keeps its cause); then a redirect loop; then
// how far the request got. A failure once a connection was obtained is a
// stream_reset (HTTP/1.1 reset or hang-up, an HTTP/2 stream reset before
// headers, "server closed idle connection"); connect means no connection
// was obtained at all.
func classifyTransport(ctx context.Context, err error, p phase) string {
	switch {
	case errors.Is(err, errBufferBudget):
		return ErrClientLimit
	case errors.Is(err, errOversize):
		return ErrBadEvent
	case errors.Is(ctx.Err(), context.DeadlineExceeded), errors.Is(err, context.DeadlineExceeded), errors.Is(err, os.ErrDeadlineExceeded):
		return ErrTimeout
	case errors.Is(ctx.Err(), context.Canceled), errors.Is(err, context.Canceled):
		return ErrCanceled
	case isRedirectLoop(err):
		// The server kept answering 3xx: an HTTP status answer, classed like
		// every non-2xx status outside 429 and 5xx.
		return ErrHTTP4xx
	}
	var dnsErr *net.DNSError
	var opErr *net.OpError
	switch {
	case errors.As(err, &dnsErr), errors.Is(err, syscall.ECONNREFUSED), errors.As(err, &opErr) && opErr.Op == "dial":
		return ErrConnect
	case p == phaseDial:
		return ErrConnect
	}
	return ErrStreamReset
}

// isRedirectLoop tells a redirect loop: tokenbench's own limit, or
// net/http's default "stopped after 10 redirects" of a caller's client.
func isRedirectLoop(err error) bool {
	return errors.Is(err, errRedirectLoop) || (err != nil && strings.Contains(err.Error(), "stopped after") && strings.Contains(err.Error(), "redirects"))
}
