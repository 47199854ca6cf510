package sim

import (
	"context"
	"errors"
	"net"
	"net/http"
	"strconv"
	"sync"
	"time"
)

// shutdownGrace is how long stop waits for handlers to write their last bytes.
const shutdownGrace = 2 * time.Second

// Start runs an Engine for cfg behind an HTTP server listening on addr (for
// example "127.0.0.1:0"). It serves until ctx is done or stop is called, and
// returns the base URL of the API, such as "http://127.0.0.1:PORT/v1".
// stop ends streams in flight, closes the server and is idempotent.
func Start(ctx context.Context, addr string, cfg Config) (baseURL string, stop func() error, err error) {
	_, baseURL, stop, err = StartEngine(ctx, addr, cfg)
	return baseURL, stop, err
}

// StartEngine is Start, also returning the Engine it serves, whose
// Lateness an in-process run reads for its validity.
func StartEngine(ctx context.Context, addr string, cfg Config) (e *Engine, baseURL string, stop func() error, err error) {
	e, err = New(cfg)
	if err != nil {
		return nil, "", nil, err
	}
	baseURL, stop, err = serveHTTP(ctx, addr, e, e.Close, e.done)
	if err != nil {
		e.Close()
		return nil, "", nil, err
	}
	return e, baseURL, stop, nil
}

// serveHTTP serves h on addr until ctx is done or stop is called, and
// returns its base URL. stop releases what h runs (closeH: an engine's
// scheduler) first, then shuts the server down within shutdownGrace. done,
// when not nil, ends the watch on ctx once h has stopped on its own.
func serveHTTP(ctx context.Context, addr string, h http.Handler, closeH func() error, done <-chan struct{}) (baseURL string, stop func() error, err error) {
	ln, err := net.Listen("tcp", addr)
	if err != nil {
		return "", nil, err
	}
	srv := &http.Server{Handler: h, ReadHeaderTimeout: 10 * time.Second}
	served := make(chan error, 1)
	go func() { served <- srv.Serve(ln) }()

	var once sync.Once
	var stopErr error
	stop = func() error {
		once.Do(func() {
			closeH()
			sctx, cancel := context.WithTimeout(context.Background(), shutdownGrace)
			defer cancel()
			if err := srv.Shutdown(sctx); err != nil {
				stopErr = errors.Join(err, srv.Close())
			}
			if err := <-served; !errors.Is(err, http.ErrServerClosed) {
				stopErr = errors.Join(stopErr, err)
			}
		})
		return stopErr
	}
	go func() {
		select {
		case <-ctx.Done():
			stop()
		case <-done:
		}
	}()
	return "http://" + loopbackAddr(ln.Addr()) + "/v1", stop, nil
}

// loopbackAddr names a listening address as a client can dial it: a wildcard
// host (":0", "[::]:0", which are dual-stack) becomes 127.0.0.1.
func loopbackAddr(a net.Addr) string {
	tcp, ok := a.(*net.TCPAddr)
	if !ok || !tcp.IP.IsUnspecified() {
		return a.String()
	}
	return net.JoinHostPort("127.0.0.1", strconv.Itoa(tcp.Port))
}
