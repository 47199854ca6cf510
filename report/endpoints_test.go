package report

import (
	"bytes"
	"strings"
	"testing"

	"github.com/tokenbench/tokenbench/bench"
)

func TestRoutingPerEndpoint(t *testing.T) {
	f := func(v float64) *float64 { return &v }
	i := func(v int) *int { return &v }
	rec := func(ep string, ok bool, in, out, cached, overlap int, ttft float64, kv float64) bench.Record {
		r := bench.Record{Endpoint: ep, OK: ok, InputTokens: in, OutputTokens: out, CachedTokens: i(cached), TTFTMS: f(ttft),
			E2EMS: 2 * ttft, TStartMS: 0, Route: &bench.RouteInfo{Policy: "prefix-aware", OverlapTokens: overlap, PromptTokens: in, KVUsage: f(kv)}}
		if !ok {
			r.ErrorClass = bench.ErrHTTP5xx
		}
		return r
	}
	a := NewAggregator()
	for _, r := range []bench.Record{
		rec("b", true, 100, 10, 50, 60, 10, 0.5),
		rec("a", true, 100, 10, 0, 0, 30, 0.1),
		rec("a", true, 300, 30, 100, 100, 20, 0.3),
		rec("a", false, 100, 0, 0, 0, 0, 0.2),
		{RequestID: "no endpoint", OK: true, InputTokens: 7},
	} {
		a.Add(r)
	}
	s := a.Close()
	r := s.Routing
	if r == nil || r.Policy != "prefix-aware" || len(r.Endpoints) != 2 {
		t.Fatalf("routing %+v", r)
	}
	ea, eb := r.Endpoints[0], r.Endpoints[1]
	if ea.Endpoint != "a" || ea.Requests != 3 || ea.OK != 2 || ea.Failed != 1 || ea.InputTokens != 400 || *ea.CachedTokens != 100 {
		t.Errorf("a: %+v", ea)
	}
	if *ea.PrefixReuse != 0.25 || *ea.ExpectedReuse != 0.25 || *eb.PrefixReuse != 0.5 || *eb.ExpectedReuse != 0.6 {
		t.Errorf("reuse a %v/%v, b %v/%v; want 0.25/0.25, 0.5/0.6", *ea.PrefixReuse, *ea.ExpectedReuse, *eb.PrefixReuse, *eb.ExpectedReuse)
	}
	if kv := *ea.KVUsageMean; kv < 0.1999 || kv > 0.2001 {
		t.Errorf("a's KV usage mean %v, want 0.2 (failed requests count: the router read it)", kv)
	}
	if ea.TTFTMS.P50 != 25 || eb.TTFTMS.Count != 1 {
		t.Errorf("TTFT a p50 %v, b count %d", ea.TTFTMS.P50, eb.TTFTMS.Count)
	}
	// 3 and 1 requests: max 3 over mean 2; tokens 440 and 110: 440 / 275.
	if r.RequestsMaxOverMean != 1.5 || r.TokensMaxOverMean != 1.6 {
		t.Errorf("balance %v %v, want 1.5 1.6", r.RequestsMaxOverMean, r.TokensMaxOverMean)
	}
	var b bytes.Buffer
	if err := s.WriteTable(&b); err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(b.String(), "Routing prefix-aware over 2 endpoints: requests max/mean 1.50, tokens max/mean 1.60") ||
		!strings.Contains(b.String(), "25.0%") {
		t.Errorf("table:\n%s", b.String())
	}
	if NewAggregator().Close().Routing != nil {
		t.Error("a run with no endpoint has a routing section")
	}
}
