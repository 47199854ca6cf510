package main

// run_route.go: routing a run over several endpoints (--url repeated) or
// built-in replicas (--replicas), with --route POLICY (package
// bench/route; on the virtual clock, sim.VirtualCluster).

import (
	"context"
	"fmt"
	"slices"
	"strings"

	"github.com/spf13/pflag"

	"github.com/tokenbench/tokenbench/bench"
	"github.com/tokenbench/tokenbench/bench/route"
	"github.com/tokenbench/tokenbench/bench/scrape"
	"github.com/tokenbench/tokenbench/sim"
)

// routeOptions are the routing flags of `tokenbench run`.
type routeOptions struct {
	URLs     []string // --url, repeatable
	Replicas int
	Policy   string
	policy   route.Policy
	// Disagg is --disagg P:D, parsed into disagg; KVLink and KVNetworkGBs
	// its link.
	Disagg       string
	disagg       sim.Disagg
	KVLink       string
	KVNetworkGBs float64
}

func addRouteFlags(fl *pflag.FlagSet, o *routeOptions) {
	names := make([]string, len(route.Policies))
	for i, p := range route.Policies {
		names[i] = string(p)
	}
	fl.IntVar(&o.Replicas, "replicas", 1, "built-in engine: this many replicas, each with its own KV and prefix cache, behind the --route policy")
	fl.StringVar(&o.Policy, "route", string(route.RoundRobin), "with several --url or --replicas: "+strings.Join(names, ", "))
	fl.StringVar(&o.Policy, "router", string(route.RoundRobin), "the same as --route")
	_ = fl.MarkHidden("router")
	fl.StringVar(&o.Disagg, "disagg", "", "built-in engine, --clock virtual: disaggregated prefill/decode on P prefill and D decode engines (P:D, each --tp GPUs), the prefill pool routed by --route")
	fl.StringVar(&o.KVLink, "kv-link", "", "--disagg: how KV moves from prefill to decode: nvlink (the GPU's scale-up bandwidth) or network (default: nvlink when both pools fit in one 8-GPU node)")
	fl.Float64Var(&o.KVNetworkGBs, "kv-network-gbps", sim.DefaultNetworkGBs*8, "--disagg over the network: bandwidth per GPU in Gb/s")
}

// check validates the routing flags against the target.
func (o *routeOptions) check(virtual bool) error {
	p, err := route.ParsePolicy(o.Policy)
	if err != nil {
		return fmt.Errorf("--route: %w", err)
	}
	o.policy = p
	switch {
	case o.Replicas < 1:
		return fmt.Errorf("--replicas must be at least 1, got %d", o.Replicas)
	case o.Replicas > 1 && len(o.URLs) > 0:
		return fmt.Errorf("--replicas runs the built-in engine several times: it takes no --url (give one --url per endpoint to route over yours)")
	case o.Replicas > 256:
		return fmt.Errorf("--replicas must be at most 256, got %d", o.Replicas)
	}
	if virtual && len(o.URLs) > 0 {
		return fmt.Errorf("--clock virtual runs the built-in engine in simulated time: it takes no --url")
	}
	if o.Disagg == "" {
		if o.KVLink != "" {
			return fmt.Errorf("--kv-link applies to --disagg")
		}
		return nil
	}
	var pre, dec int
	if n, err := fmt.Sscanf(o.Disagg, "%d:%d", &pre, &dec); err != nil || n != 2 || fmt.Sprintf("%d:%d", pre, dec) != o.Disagg || pre < 1 || dec < 1 || pre+dec > 1024 {
		return fmt.Errorf("--disagg must be P:D, prefill and decode engines, each at least 1 (e.g. 1:3), got %q", o.Disagg)
	}
	switch {
	case !virtual:
		return fmt.Errorf("--disagg runs on the built-in engine's virtual clock: add --clock virtual")
	case o.Replicas > 1:
		return fmt.Errorf("--disagg and --replicas are two deployments: give one")
	case o.KVLink != "" && o.KVLink != sim.LinkNVLink && o.KVLink != sim.LinkNetwork:
		return fmt.Errorf("--kv-link must be nvlink or network, got %q", o.KVLink)
	case o.KVNetworkGBs <= 0:
		return fmt.Errorf("--kv-network-gbps must be positive")
	}
	o.disagg = sim.Disagg{Prefill: pre, Decode: dec, Link: o.KVLink, NetworkGBs: o.KVNetworkGBs / 8}
	return nil
}

// prepareRouting builds the routing Doer over the run's endpoints (urls;
// the first is e.target's) once the target is known. builtinGPUs is the
// GPUs of one built-in replica (0 for real endpoints).
func (e *runEnv) prepareRouting(ctx context.Context, o *RunOptions, urls []string, builtinGPUs int) error {
	r, err := route.New(o.Route.policy, len(urls), route.Options{Seed: o.Seed})
	if err != nil {
		return err
	}
	var targets []route.Target
	var names, metrics []string
	for i, u := range urls {
		t := e.target
		t.BaseURL = u
		c, err := bench.NewClient(t, bench.WithBufferBudget(e.budget))
		if err != nil {
			return err
		}
		name := bench.RedactURL(u)
		if builtinGPUs > 0 {
			name = sim.ReplicaName(i)
		} else if slices.Contains(names, name) {
			// Endpoints that differ only in what redaction hides (a
			// password, query values) keep apart by their --url position.
			name = fmt.Sprintf("%s [url %d]", name, i+1)
		}
		targets = append(targets, route.Target{Name: name, Doer: c})
		names = append(names, name)
		metrics = append(metrics, scrape.DefaultURL(u))
	}
	var gauges route.GaugeFunc
	if o.Route.policy == route.KVAware {
		p := route.NewPoller(metrics, o.MetricsInterval, nil)
		go p.Run(ctx)
		gauges = p.Gauges
	}
	d, err := route.NewDoer(r, targets, gauges)
	if err != nil {
		return err
	}
	e.doer = d
	e.routing = &bench.RoutingInfo{Policy: string(o.Route.policy), Endpoints: names}
	if builtinGPUs > 0 {
		e.routing.Replicas, e.routing.GPUs = len(urls), len(urls)*builtinGPUs
	}
	e.say("tokenbench: routing over %d endpoints (%s): %s", len(urls), o.Route.policy, strings.Join(names, ", "))
	return nil
}

// startReplicas starts the built-in engine n times on loopback ports and
// returns their base URLs; the first engine's lateness stands for all.
func (e *runEnv) startReplicas(cfg sim.Config, n int) (urls []string, stop func(), err error) {
	var stops []func() error
	stop = func() {
		for _, s := range stops {
			_ = s()
		}
	}
	for range n {
		eng, url, s, err := sim.StartEngine(context.Background(), "127.0.0.1:0", cfg)
		if err != nil {
			stop()
			return nil, func() {}, fmt.Errorf("start the built-in engine: %w", err)
		}
		if e.simEngine == nil {
			e.simEngine = eng
		}
		stops = append(stops, s)
		urls = append(urls, url)
	}
	return urls, stop, nil
}

// runDoer is what the measured phase sends through: the router over the
// endpoints, or the one client.
func (e *runEnv) runDoer() bench.Doer {
	if e.doer != nil {
		return e.doer
	}
	return e.client
}
