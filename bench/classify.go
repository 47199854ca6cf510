package bench

import (
	"context"
	"errors"
	"io"
	"net"
	"os"
	"syscall"
)

// classifyTransport maps a transport error to an error class of METRICS.md.
// midStream tells whether the response headers had arrived: a connection
// that fails after them is a stream_reset (the body broke: reset, or closed
// without the end of its chunked framing), one that fails before is a
// connect error unless the server hung up on a sent request.
func classifyTransport(ctx context.Context, err error, midStream bool) string {
	switch {
	case errors.Is(err, errOversize):
		return ErrBadEvent
	case errors.Is(ctx.Err(), context.DeadlineExceeded), errors.Is(err, context.DeadlineExceeded), errors.Is(err, os.ErrDeadlineExceeded):
		return ErrTimeout
	case errors.Is(ctx.Err(), context.Canceled), errors.Is(err, context.Canceled):
		return ErrCanceled
	case midStream:
		return ErrStreamReset
	}
	var dnsErr *net.DNSError
	var opErr *net.OpError
	switch {
	case errors.As(err, &dnsErr), errors.Is(err, syscall.ECONNREFUSED):
		return ErrConnect
	case errors.As(err, &opErr) && opErr.Op == "dial":
		return ErrConnect
	case errors.Is(err, syscall.ECONNRESET), errors.Is(err, syscall.EPIPE), errors.Is(err, io.EOF), errors.Is(err, io.ErrUnexpectedEOF):
		return ErrStreamReset
	}
	return ErrConnect
}
