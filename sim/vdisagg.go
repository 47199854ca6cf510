package sim

import (
	"fmt"
	"time"

	"github.com/tokenbench/tokenbench/bench"
	"github.com/tokenbench/tokenbench/bench/route"
	"github.com/tokenbench/tokenbench/workloads"
)

// KV-cache transfer links of disaggregated serving.
const (
	LinkNVLink  = "nvlink"  // within a node: the GPUs' scale-up bandwidth
	LinkNetwork = "network" // between nodes: Disagg.NetworkGBs per GPU
	// NodeGPUs is the GPUs of one node: pools that fit in one together
	// transfer over NVLink unless told otherwise.
	NodeGPUs = 8
	// DefaultNetworkGBs is a 400 Gb/s NIC per GPU (ConnectX-7, as on
	// HGX H100/H200 nodes), in GB/s.
	DefaultNetworkGBs = 50.0
)

// Disagg describes disaggregated prefill/decode: Prefill engines compute
// prompts, their KV cache moves to one of Decode engines, which
// generates. Each engine has the Config's tensor-parallel size.
type Disagg struct {
	Prefill, Decode int
	// Link is LinkNVLink, LinkNetwork, or "" for NVLink when both pools
	// fit in one node (NodeGPUs) and the GPU has a scale-up link, else the
	// network.
	Link string
	// NetworkGBs is the network bandwidth per GPU in GB/s (0:
	// DefaultNetworkGBs).
	NetworkGBs float64
}

// VirtualDisagg is disaggregated serving on a virtual clock. A request is
// routed (by the prefill router's policy) to a prefill engine, which
// computes its prompt (a one-token request there); its KV cache
// (prompt tokens x KV bytes per token of the whole model) then crosses the
// link, one transfer at a time per prefill engine, each rank's shard over
// its own GPU's link; then a decode engine (least outstanding) admits it
// with the KV in place, computes the last prompt token, which samples the
// first token, and decodes the rest. The record is the decode engine's,
// timed from the client's t_start, so TTFT includes prefill, queueing,
// transfer and the first decode step; cached_tokens are the prefill
// engine's prefix-cache hits.
type VirtualDisagg struct {
	Prefill, Decode         []*VirtualEngine
	PrefillRouter, DecodeRt *route.Router
	Target                  bench.Target
	// Link and LinkGBs are the transfer link and its bandwidth per
	// transfer (GB/s: per GPU x tensor-parallel size); BytesPerToken the
	// KV cache of one token over all ranks.
	Link          string
	LinkGBs       float64
	BytesPerToken float64

	clock    *VirtualClock
	linkFree []time.Duration // per prefill engine: when its link is free
}

// NewVirtualDisagg builds d's pools of cfg on clock; the prefill pool is
// routed by policy p.
func NewVirtualDisagg(cfg Config, d Disagg, p route.Policy, opts route.Options, clock *VirtualClock, t bench.Target) (*VirtualDisagg, error) {
	if d.Prefill < 1 || d.Decode < 1 {
		return nil, fmt.Errorf("sim: disaggregation needs at least one prefill and one decode engine, got %d:%d", d.Prefill, d.Decode)
	}
	dep, err := cfg.Resolve()
	if err != nil {
		return nil, err
	}
	c := dep.Config
	link := d.Link
	if link == "" {
		link = LinkNetwork
		if (d.Prefill+d.Decode)*c.TP <= NodeGPUs && dep.GPU.ScaleUpGBs > 0 {
			link = LinkNVLink
		}
	}
	perGPU := d.NetworkGBs
	switch link {
	case LinkNVLink:
		if dep.GPU.ScaleUpGBs == 0 {
			return nil, fmt.Errorf("sim: %s has no NVLink-class scale-up link; use the network link", dep.GPU.Name)
		}
		perGPU = dep.GPU.ScaleUpGBs
	case LinkNetwork:
		if perGPU <= 0 {
			perGPU = DefaultNetworkGBs
		}
	default:
		return nil, fmt.Errorf("sim: KV link must be %s or %s, got %q", LinkNVLink, LinkNetwork, link)
	}
	v := &VirtualDisagg{Target: t, Link: link, LinkGBs: perGPU * float64(c.TP), BytesPerToken: dep.KVBytesPerToken * float64(c.TP),
		clock: clock, linkFree: make([]time.Duration, d.Prefill)}
	if v.PrefillRouter, err = route.New(p, d.Prefill, opts); err != nil {
		return nil, err
	}
	if v.DecodeRt, err = route.New(route.LeastOutstanding, d.Decode, opts); err != nil {
		return nil, err
	}
	if v.Prefill, err = newVirtualEngines(cfg, clock, d.Prefill); err != nil {
		return nil, err
	}
	if v.Decode, err = newVirtualEngines(cfg, clock, d.Decode); err != nil {
		return nil, err
	}
	return v, nil
}

// PrefillName and DecodeName name the engines in records.
func PrefillName(i int) string { return fmt.Sprintf("prefill-%d", i) }

// DecodeName names decode engine i.
func DecodeName(i int) string { return fmt.Sprintf("decode-%d", i) }

// Start implements VirtualTarget.
func (v *VirtualDisagg) Start(req workloads.Request, sched time.Duration, done func(bench.Record, workloads.Reply)) {
	v.StartSession("", req, sched, done)
}

// StartSession serves req of session: prefill, transfer, decode.
func (v *VirtualDisagg) StartSession(session string, req workloads.Request, sched time.Duration, done func(bench.Record, workloads.Reply)) {
	start := v.clock.Now()
	dp := v.PrefillRouter.Pick(req, session, gaugesOf(v.Prefill))
	pinfo := route.Info(v.PrefillRouter.Policy(), dp)
	preq := req
	preq.MaxTokens = 1
	v.Prefill[dp.Index].Start(v.Target, preq, sched, func(prec bench.Record, _ workloads.Reply) {
		v.PrefillRouter.Done(dp)
		if !prec.OK {
			prec.MaxTokens, prec.FinishReason = req.MaxTokens, ""
			prec.Endpoint, prec.Route = PrefillName(dp.Index), pinfo
			pinfo.PrefillEndpoint = PrefillName(dp.Index)
			done(prec, workloads.Reply{})
			return
		}
		ready := v.clock.Now()
		bytes := float64(prec.InputTokens) * v.BytesPerToken
		begin := max(ready, v.linkFree[dp.Index])
		end := begin + time.Duration(bytes/(v.LinkGBs*1e9)*float64(time.Second))
		v.linkFree[dp.Index] = end
		v.clock.At(end, func() {
			dd := v.DecodeRt.Pick(req, session, gaugesOf(v.Decode))
			info := route.Info(v.PrefillRouter.Policy(), dd)
			info.PrefillEndpoint = PrefillName(dp.Index)
			info.OverlapTokens, info.PromptTokens = pinfo.OverlapTokens, pinfo.PromptTokens
			ms := bench.Ms(end - ready)
			info.KVTransferMS, info.KVTransferBytes = &ms, int64(bytes)
			v.Decode[dd.Index].startAt(v.Target, req, sched, start, true, func(rec bench.Record, reply workloads.Reply) {
				v.DecodeRt.Done(dd)
				if rec.OK {
					rec.CachedTokens = prec.CachedTokens
				}
				rec.Endpoint, rec.Route = DecodeName(dd.Index), info
				done(rec, reply)
			})
		})
	})
}

// Busy is the time each pool's engines spent running steps, summed.
func (v *VirtualDisagg) Busy() (prefill, decode time.Duration) {
	for _, e := range v.Prefill {
		prefill += e.Busy()
	}
	for _, e := range v.Decode {
		decode += e.Busy()
	}
	return prefill, decode
}
