package sim

import (
	"context"
	"testing"
	"time"

	"github.com/tokenbench/tokenbench/bench"
	"github.com/tokenbench/tokenbench/bench/route"
	"github.com/tokenbench/tokenbench/workloads"
)

// TestVirtualDisagg serves requests on 1 prefill and 3 decode engines: the
// record is the decode engine's, its TTFT covers prefill, the KV transfer
// (prompt x KV bytes per token / link bandwidth) and a decode step, and the
// output is what one engine would have answered.
func TestVirtualDisagg(t *testing.T) {
	cfg := DefaultConfig()
	run := func(target func(*VirtualClock) VirtualTarget) []bench.Record {
		clock := NewVirtualClock()
		src, err := workloads.Open(workloads.Spec{Kind: "synthetic", Seed: 3, Synthetic: workloads.Synthetic{InputTokens: 2000, OutputTokens: 50, ForceLength: true}})
		if err != nil {
			t.Fatal(err)
		}
		var recs []bench.Record
		load := bench.Load{Concurrency: 6, Requests: 12, Epoch: time.Unix(0, 0)}
		if _, err := RunVirtual(context.Background(), clock, load, src, target(clock), bench.SinkFunc(func(r bench.Record) error {
			recs = append(recs, r)
			return nil
		})); err != nil {
			t.Fatal(err)
		}
		return recs
	}
	var d *VirtualDisagg
	recs := run(func(c *VirtualClock) VirtualTarget {
		var err error
		d, err = NewVirtualDisagg(cfg, Disagg{Prefill: 1, Decode: 3}, route.RoundRobin, route.Options{}, c, bench.Target{Model: DefaultModel})
		if err != nil {
			t.Fatal(err)
		}
		return d
	})
	if d.Link != LinkNVLink || d.LinkGBs != 450 {
		t.Errorf("4 H100s in one node: link %s at %v GB/s, want nvlink at 450", d.Link, d.LinkGBs)
	}
	dep, _ := cfg.Resolve()
	decodes := map[string]int{}
	for _, r := range recs {
		if !r.OK {
			t.Fatalf("%s: %s", r.RequestID, r.Error)
		}
		ri := r.Route
		if ri == nil || ri.PrefillEndpoint != "prefill-0" || ri.KVTransferMS == nil {
			t.Fatalf("%s: route %+v", r.RequestID, ri)
		}
		wantBytes := float64(r.InputTokens) * dep.KVBytesPerToken
		if got := float64(ri.KVTransferBytes); got < wantBytes-1 || got > wantBytes+1 {
			t.Errorf("%s: %v bytes moved, want %v", r.RequestID, got, wantBytes)
		}
		// The transfer alone, without waiting for the link.
		if min := wantBytes / 450e9 * 1e3; *ri.KVTransferMS < min*0.999 || *r.TTFTMS <= *ri.KVTransferMS {
			t.Errorf("%s: transfer %.4f ms (at least %.4f), TTFT %.3f ms must exceed it", r.RequestID, *ri.KVTransferMS, min, *r.TTFTMS)
		}
		if r.OutputTokens != 50 {
			t.Errorf("%s: %d output tokens, want 50", r.RequestID, r.OutputTokens)
		}
		decodes[r.Endpoint]++
	}
	if len(decodes) != 3 {
		t.Errorf("decode engines used: %v, want all 3", decodes)
	}
	p, dec := d.Busy()
	if p <= 0 || dec <= 0 {
		t.Errorf("busy prefill %v decode %v", p, dec)
	}
	// The same requests on one engine: the same answers, and no transfer.
	single := run(func(c *VirtualClock) VirtualTarget {
		e, _ := NewVirtualEngine(cfg, c)
		return VirtualClient{Engine: e, Target: bench.Target{Model: DefaultModel}}
	})
	for i := range single {
		if single[i].OutputTokens != recs[i].OutputTokens || single[i].InputTokens != recs[i].InputTokens {
			t.Errorf("request %d: %d/%d tokens disaggregated, %d/%d on one engine", i, recs[i].InputTokens, recs[i].OutputTokens, single[i].InputTokens, single[i].OutputTokens)
		}
	}
}

func TestDisaggLinks(t *testing.T) {
	c := NewVirtualClock()
	cfg := DefaultConfig()
	cfg.TP = 4
	d, err := NewVirtualDisagg(cfg, Disagg{Prefill: 1, Decode: 3}, route.RoundRobin, route.Options{}, c, bench.Target{})
	if err != nil || d.Link != LinkNetwork || d.LinkGBs != 4*DefaultNetworkGBs {
		t.Errorf("16 GPUs: link %s at %v GB/s (%v), want the network at 4 x %v", d.Link, d.LinkGBs, err, DefaultNetworkGBs)
	}
	cfg.GPU, cfg.TP = "L40S", 1
	if _, err := NewVirtualDisagg(cfg, Disagg{Prefill: 1, Decode: 1, Link: LinkNVLink}, route.RoundRobin, route.Options{}, c, bench.Target{}); err == nil {
		t.Error("NVLink on L40S: no error")
	}
	if _, err := NewVirtualDisagg(DefaultConfig(), Disagg{Prefill: 0, Decode: 1}, route.RoundRobin, route.Options{}, c, bench.Target{}); err == nil {
		t.Error("no prefill engine: no error")
	}
}
