package bench

import (
	"context"
	"errors"
	"net/http"
	"net/http/httptrace"
	"time"

	"github.com/tokenbench/tokenbench/workloads"
)

// neverReached tells a first attempt that provably never reached the
// server: it went out on a reused pooled connection and failed before any
// byte of response, as when the server closed a kept-alive connection (as
// llama-server does after every stream) just as the client took it from
// the pool. The run's cancellation and timeouts are not retried.
func neverReached(ctx context.Context, m *measurement, err error) bool {
	return m.tp.connReused && m.tp.firstByte.IsZero() && ctx.Err() == nil &&
		!errors.Is(err, context.Canceled) && !errors.Is(err, context.DeadlineExceeded) && !isRedirectLoop(err)
}

// tracePoints are the httptrace points of one attempt.
type tracePoints struct {
	gotConn, wroteRequest, firstByte time.Time
	connReused                       bool
}

// trace starts the trace points of a new attempt: a late callback of an
// abandoned attempt writes to that attempt's points, never to these.
func (m *measurement) trace(ctx context.Context, now func() time.Time) context.Context {
	tp := &tracePoints{}
	m.tp = tp
	return httptrace.WithClientTrace(ctx, &httptrace.ClientTrace{
		GotConn:              func(i httptrace.GotConnInfo) { tp.gotConn, tp.connReused = now(), i.Reused },
		WroteRequest:         func(httptrace.WroteRequestInfo) { tp.wroteRequest = now() },
		GotFirstResponseByte: func() { tp.firstByte = now() },
	})
}

// retry sends req a second time on a fresh connection after a first
// attempt that never reached the server. The record's t_start and trace
// points become the second attempt's, so the lost attempt shows as
// schedule lag (t_start - t_sched), not as server latency.
func (c *Client) retry(ctx context.Context, m *measurement, req workloads.Request, body []byte, epoch time.Time) (*http.Response, error) {
	m.rec.Retried = true
	hr, err := c.newRequest(ctx, req, body)
	if err != nil {
		return nil, err
	}
	hc := freshClient(c.http, hr)
	m.begin(c.now(), epoch)
	return hc.Do(hr)
}

// sendRetrying sends the request build makes through hc, and once more on
// a fresh connection when the first attempt never reached the server (as
// Client.Do does): for the side requests of a run (/tokenize).
func sendRetrying(ctx context.Context, hc *http.Client, build func(context.Context) (*http.Request, error)) (*http.Response, error) {
	m := &measurement{}
	hr, err := build(m.trace(ctx, time.Now))
	if err != nil {
		return nil, err
	}
	resp, err := hc.Do(hr)
	if err == nil || !neverReached(ctx, m, err) {
		return resp, err
	}
	if hr, err = build(ctx); err != nil {
		return nil, err
	}
	return freshClient(hc, hr).Do(hr)
}
