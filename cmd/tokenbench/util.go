package main

import (
	"bytes"
	"context"
	"fmt"
	"net/http"
	"net/url"

	"github.com/tokenbench/tokenbench/bench"
)

type bytesBuffer = bytes.Buffer

// headerDoer adds the target's headers to go-openai's requests.
type headerDoer struct {
	hc *http.Client
	t  bench.Target
}

func (d headerDoer) Do(r *http.Request) (*http.Response, error) {
	for k, vs := range d.t.Headers {
		r.Header[k] = append([]string(nil), vs...)
	}
	return d.hc.Do(r)
}

// interruptContext returns a context cancelled by the first interrupt; a
// second interrupt cancels abort as well (requests in flight stop at once).
func interruptContext(f *Factory) (context.Context, func()) {
	ctx, cancel := context.WithCancel(context.Background())
	abortCtx, abort := context.WithCancel(context.Background())
	done := make(chan struct{})
	go func() {
		n := 0
		for {
			select {
			case s := <-f.Interrupt:
				n++
				if n == 1 && s != nil {
					f.signal.Store(s)
				}
				if n == 1 {
					cancel()
				} else {
					abort()
				}
			case <-done:
				return
			}
		}
	}()
	ctx = context.WithValue(ctx, abortKey{}, abortCtx.Done())
	return ctx, func() { close(done); cancel(); abort() }
}

type abortKey struct{}

// abortChan returns the second-interrupt channel of an interruptContext.
func abortChan(ctx context.Context) <-chan struct{} {
	c, _ := ctx.Value(abortKey{}).(<-chan struct{})
	return c
}

// headerTransport adds the target's auth and headers to requests other than
// the benchmark's own (engine metrics), over tokenbench's HTTP transport.
type headerTransport struct {
	t bench.Target
	// user, when set, is sent as basic auth (the userinfo taken out of a URL).
	user *url.Userinfo
}

func (h headerTransport) RoundTrip(r *http.Request) (*http.Response, error) {
	r = r.Clone(r.Context())
	if h.user != nil {
		pw, _ := h.user.Password()
		r.SetBasicAuth(h.user.Username(), pw)
	}
	if h.t.APIKey != "" {
		r.Header.Set("Authorization", "Bearer "+h.t.APIKey)
	}
	for k, vs := range h.t.Headers {
		r.Header[k] = append([]string(nil), vs...)
	}
	return sideTransport.RoundTrip(r)
}

// sideTransport carries the requests beside the benchmark (model list,
// engine metrics), so they never share connections with measured streams.
var sideTransport = bench.NewHTTPClient().Transport

// checkOutput refuses an --output other than table or json.
func checkOutput(format string) error {
	if format != "table" && format != "json" {
		return fmt.Errorf("--output must be table or json, got %q", format)
	}
	return nil
}
