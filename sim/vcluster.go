package sim

import (
	"time"

	"github.com/tokenbench/tokenbench/bench"
	"github.com/tokenbench/tokenbench/bench/route"
	metricscrape "github.com/tokenbench/tokenbench/bench/scrape"
	"github.com/tokenbench/tokenbench/workloads"
)

// VirtualCluster is N built-in engines on one virtual clock behind a
// route.Router: each replica has its own scheduler, KV cache and prefix
// cache; the router picks each request's replica from the request and the
// replicas' state (requests outstanding, and the gauges /metrics would
// show at that moment: running, waiting, KV-cache usage). It is a
// VirtualTarget; records name the replica in endpoint and the decision in
// route.
type VirtualCluster struct {
	Engines []*VirtualEngine
	Router  *route.Router
	Target  bench.Target
}

// NewVirtualCluster starts n replicas of cfg on clock behind a router of
// policy p.
func NewVirtualCluster(cfg Config, n int, p route.Policy, opts route.Options, clock *VirtualClock, t bench.Target) (*VirtualCluster, error) {
	r, err := route.New(p, n, opts)
	if err != nil {
		return nil, err
	}
	c := &VirtualCluster{Router: r, Target: t}
	if c.Engines, err = newVirtualEngines(cfg, clock, n); err != nil {
		return nil, err
	}
	return c, nil
}

// newVirtualEngines starts n engines of cfg on clock.
func newVirtualEngines(cfg Config, clock *VirtualClock, n int) ([]*VirtualEngine, error) {
	es := make([]*VirtualEngine, n)
	for i := range es {
		e, err := NewVirtualEngine(cfg, clock)
		if err != nil {
			return nil, err
		}
		es[i] = e
	}
	return es, nil
}

// gaugesOf reads the engines' schedulers, for a router.
func gaugesOf(es []*VirtualEngine) route.GaugeFunc {
	return func(i int) (route.Gauges, bool) { return es[i].e.sched.gauges(), true }
}

// Gauges reads replica i's state now, as a scrape of its /metrics would.
func (c *VirtualCluster) Gauges(i int) (route.Gauges, bool) {
	return c.Engines[i].e.sched.gauges(), true
}

// Start implements VirtualTarget for a request of no session.
func (c *VirtualCluster) Start(req workloads.Request, sched time.Duration, done func(bench.Record, workloads.Reply)) {
	c.StartSession("", req, sched, done)
}

// StartSession routes req of session and starts it on its replica.
func (c *VirtualCluster) StartSession(session string, req workloads.Request, sched time.Duration, done func(bench.Record, workloads.Reply)) {
	d := c.Router.Pick(req, session, c.Gauges)
	info := route.Info(c.Router.Policy(), d)
	c.Engines[d.Index].Start(c.Target, req, sched, func(rec bench.Record, reply workloads.Reply) {
		c.Router.Done(d)
		rec.Endpoint, rec.Route = ReplicaName(d.Index), info
		done(rec, reply)
	})
}

// Metrics reads every replica's metrics now and merges them as one
// engine's: counters and request gauges summed, KV-cache usage averaged.
func (c *VirtualCluster) Metrics() (metricscrape.Reading, error) {
	var out metricscrape.Reading
	for i, e := range c.Engines {
		r, err := e.Metrics()
		if err != nil {
			return metricscrape.Reading{}, err
		}
		if i == 0 {
			out = r
			out.Gauges, out.Counters = map[string]float64{}, map[string]float64{}
			out.PerPositionAccepted, out.PerPositionDrafted = nil, nil
		}
		for k, v := range r.Gauges {
			out.Gauges[k] += v
		}
		for k, v := range r.Counters {
			out.Counters[k] += v
		}
		for k, v := range r.PerPositionAccepted {
			if k >= len(out.PerPositionAccepted) {
				out.PerPositionAccepted = append(out.PerPositionAccepted, 0)
			}
			out.PerPositionAccepted[k] += v
		}
	}
	n := float64(len(c.Engines))
	for _, k := range []string{metricscrape.GaugeKVUsage, metricscrape.GaugePrefixHitRate, metricscrape.GaugeSpecAcceptLength, metricscrape.GaugeSpecAcceptRate} {
		if v, ok := out.Gauges[k]; ok {
			out.Gauges[k] = v / n
		}
	}
	return out, nil
}
