package route

import (
	"context"
	"fmt"
	"time"

	"github.com/tokenbench/tokenbench/bench"
	"github.com/tokenbench/tokenbench/workloads"
)

// Target is one endpoint a Doer routes to.
type Target struct {
	// Name is written to each record's endpoint (a redacted URL, or a
	// replica's name); names must differ.
	Name string
	Doer bench.Doer
}

// Doer is a bench.Doer over several targets: each request goes where its
// Router says, and its record names the endpoint and the decision.
type Doer struct {
	router  *Router
	targets []Target
	gauges  GaugeFunc
}

// NewDoer routes over targets with router (one target per router target);
// gauges, when not nil, gives the router the engines' state.
func NewDoer(router *Router, targets []Target, gauges GaugeFunc) (*Doer, error) {
	if len(targets) != router.Targets() {
		return nil, fmt.Errorf("route: %d targets for a router over %d", len(targets), router.Targets())
	}
	seen := map[string]bool{}
	for _, t := range targets {
		if seen[t.Name] {
			return nil, fmt.Errorf("route: two targets named %q", t.Name)
		}
		seen[t.Name] = true
	}
	return &Doer{router: router, targets: targets, gauges: gauges}, nil
}

// Do implements bench.Doer. The session comes from ctx (bench.WithSession).
func (d *Doer) Do(ctx context.Context, req workloads.Request, epoch, sched time.Time) (bench.Record, workloads.Reply) {
	dec := d.router.Pick(req, bench.SessionOf(ctx), d.gauges)
	rec, reply := d.targets[dec.Index].Doer.Do(ctx, req, epoch, sched)
	d.router.Done(dec)
	rec.Endpoint = d.targets[dec.Index].Name
	rec.Route = Info(d.router.Policy(), dec)
	return rec, reply
}

// Info is the record's view of a decision.
func Info(p Policy, d Decision) *bench.RouteInfo {
	ri := &bench.RouteInfo{Policy: string(p), OverlapTokens: d.OverlapTokens, PromptTokens: d.PromptTokens, Outstanding: d.Outstanding}
	if g := d.Gauges; g != nil {
		kv, run, wait := g.KVUsage, g.Running, g.Waiting
		ri.KVUsage, ri.Running, ri.Waiting = &kv, &run, &wait
	}
	return ri
}
