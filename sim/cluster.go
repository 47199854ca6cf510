package sim

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"

	dto "github.com/prometheus/client_model/go"
	"github.com/prometheus/common/expfmt"
	openai "github.com/sashabaranov/go-openai"

	"github.com/tokenbench/tokenbench/bench"
	"github.com/tokenbench/tokenbench/bench/route"
	"github.com/tokenbench/tokenbench/workloads"
)

// EndpointHeader names, on every generation response of a Cluster, the
// replica that served it.
const EndpointHeader = bench.EndpointHeader

// SessionHeader is the request header a Cluster's session policy reads.
const SessionHeader = bench.SessionHeader

// maxRouteBody bounds the body a Cluster reads to route a request.
const maxRouteBody = 64 << 20

// Cluster serves N real-clock engines behind one address and a
// route.Router, as a gateway in front of replicas would: generation
// requests go to the replica the router picks from the body's prompt,
// the X-Session-Id header and the replicas' state (read in process, as a
// scrape would see it); the response names the replica in
// X-Tokenbench-Endpoint. /metrics lists every replica's series labelled
// engine="replica-i" (tokenbench's scrape sums counts and averages usage
// over them); other routes are replica 0's.
type Cluster struct {
	Engines []*Engine
	Router  *route.Router
}

// NewCluster builds n engines of cfg behind a router of policy p.
func NewCluster(cfg Config, n int, p route.Policy, opts route.Options) (*Cluster, error) {
	r, err := route.New(p, n, opts)
	if err != nil {
		return nil, err
	}
	c := &Cluster{Router: r}
	for range n {
		e, err := New(cfg)
		if err != nil {
			c.Close()
			return nil, err
		}
		c.Engines = append(c.Engines, e)
	}
	return c, nil
}

// ReplicaName names replica i of a Cluster or VirtualCluster: in the
// X-Tokenbench-Endpoint header, the engine label of /metrics and records'
// endpoint.
func ReplicaName(i int) string { return fmt.Sprintf("replica-%d", i) }

// Close stops every engine.
func (c *Cluster) Close() {
	for _, e := range c.Engines {
		e.Close()
	}
}

// Gauges reads replica i's scheduler now.
func (c *Cluster) Gauges(i int) (route.Gauges, bool) {
	e := c.Engines[i]
	e.mu.Lock()
	defer e.mu.Unlock()
	return e.sched.gauges(), true
}

// ServeHTTP routes generation requests and serves the rest.
func (c *Cluster) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	switch {
	case r.URL.Path == "/metrics" && r.Method == http.MethodGet:
		c.serveMetrics(w)
		return
	case r.Method != http.MethodPost || (r.URL.Path != "/v1/chat/completions" && r.URL.Path != "/v1/completions"):
		c.Engines[0].ServeHTTP(w, r)
		return
	}
	body, err := io.ReadAll(io.LimitReader(r.Body, maxRouteBody))
	if err != nil {
		writeError(w, badRequest("read body: %v", err))
		return
	}
	var req struct {
		Messages []openai.ChatCompletionMessage `json:"messages"`
		Prompt   any                            `json:"prompt"`
	}
	_ = json.Unmarshal(body, &req) // an engine answers a bad body; the router sees an empty prompt
	wr := workloads.Request{Messages: req.Messages}
	if s, ok := req.Prompt.(string); ok {
		wr.Prompt = s
	}
	d := c.Router.Pick(wr, r.Header.Get(SessionHeader), c.Gauges)
	defer c.Router.Done(d)
	r.Body = io.NopCloser(bytes.NewReader(body))
	w.Header().Set(EndpointHeader, ReplicaName(d.Index))
	c.Engines[d.Index].ServeHTTP(w, r)
}

func (c *Cluster) serveMetrics(w http.ResponseWriter) {
	merged := map[string]*dto.MetricFamily{}
	var order []string
	for i, e := range c.Engines {
		mfs, err := e.metrics.Gather()
		if err != nil {
			http.Error(w, err.Error(), http.StatusInternalServerError)
			return
		}
		name, value := "engine", ReplicaName(i)
		for _, mf := range mfs {
			m := merged[mf.GetName()]
			if m == nil {
				m = &dto.MetricFamily{Name: mf.Name, Help: mf.Help, Type: mf.Type}
				merged[mf.GetName()] = m
				order = append(order, mf.GetName())
			}
			for _, s := range mf.Metric {
				labels := append(append([]*dto.LabelPair(nil), s.Label...), &dto.LabelPair{Name: &name, Value: &value})
				m.Metric = append(m.Metric, &dto.Metric{Label: labels, Gauge: s.Gauge, Counter: s.Counter, Summary: s.Summary,
					Untyped: s.Untyped, Histogram: s.Histogram, TimestampMs: s.TimestampMs})
			}
		}
	}
	format := expfmt.NewFormat(expfmt.TypeTextPlain)
	w.Header().Set("Content-Type", string(format))
	enc := expfmt.NewEncoder(w, format)
	for _, n := range order {
		if err := enc.Encode(merged[n]); err != nil {
			return // the client went away mid-body
		}
	}
}

// StartCluster serves a Cluster on addr, as StartEngine serves one
// engine, and returns its base URL.
func StartCluster(ctx context.Context, addr string, cfg Config, n int, p route.Policy, opts route.Options) (c *Cluster, baseURL string, stop func() error, err error) {
	c, err = NewCluster(cfg, n, p, opts)
	if err != nil {
		return nil, "", nil, err
	}
	baseURL, stop, err = serveHTTP(ctx, addr, c, func() error { c.Close(); return nil }, nil)
	if err != nil {
		c.Close()
		return nil, "", nil, err
	}
	return c, baseURL, stop, nil
}
