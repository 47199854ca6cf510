package report

import (
	"bytes"
	"fmt"
	"slices"
	"strings"

	"github.com/tokenbench/tokenbench/bench"
)

// Routing is the per-endpoint breakdown of a routed run (records that name
// an endpoint): load balance and prefix reuse per endpoint.
type Routing struct {
	// Policy is the routing policy the records name (the first seen).
	Policy    string            `json:"policy,omitempty"`
	Endpoints []EndpointSummary `json:"endpoints"`
	// RequestsMaxOverMean and TokensMaxOverMean are the load balance: the
	// busiest endpoint's requests (input + output tokens of successful
	// requests) over the mean per endpoint; 1 is perfect balance.
	RequestsMaxOverMean float64 `json:"requests_max_over_mean"`
	TokensMaxOverMean   float64 `json:"tokens_max_over_mean"`
	// Disagg is set for disaggregated prefill/decode.
	Disagg *DisaggSummary `json:"disagg,omitempty"`
}

// DisaggSummary is disaggregated serving's own figures.
type DisaggSummary struct {
	// KVTransferMS is the time from the end of a request's prefill to its
	// KV cache's arrival at the decode engine (waiting for the link
	// included), over successful requests.
	KVTransferMS *Distribution `json:"kv_transfer_ms,omitempty"`
	// PrefillUtilization and DecodeUtilization are each pool's busy share:
	// the time its engines ran steps over engines x the run's simulated
	// time (run.json routing.disagg); absent without run.json.
	PrefillUtilization *float64 `json:"prefill_utilization,omitempty"`
	DecodeUtilization  *float64 `json:"decode_utilization,omitempty"`
	// Prefill, Decode (engines), GPUs (both pools), Link and LinkGBs
	// describe the deployment, from run.json.
	Prefill int     `json:"prefill,omitempty"`
	Decode  int     `json:"decode,omitempty"`
	GPUs    int     `json:"gpus,omitempty"`
	Link    string  `json:"link,omitempty"`
	LinkGBs float64 `json:"link_gb_per_s,omitempty"`
}

// SetRouting adds what run.json knows of a routed run: the pools'
// utilisation of disaggregated serving.
func (s *Summary) SetRouting(ri *bench.RoutingInfo) {
	if ri == nil || ri.Disagg == nil || s.Routing == nil {
		return
	}
	d := ri.Disagg
	if s.Routing.Disagg == nil {
		s.Routing.Disagg = &DisaggSummary{}
	}
	ds := s.Routing.Disagg
	ds.Prefill, ds.Decode, ds.GPUs, ds.Link, ds.LinkGBs = d.Prefill, d.Decode, ri.GPUs, d.Link, d.LinkGBs
	ds.PrefillUtilization = ratio(d.PrefillBusyS, float64(d.Prefill)*d.ElapsedS)
	ds.DecodeUtilization = ratio(d.DecodeBusyS, float64(d.Decode)*d.ElapsedS)
}

// EndpointSummary is one endpoint's figures, over measured records.
type EndpointSummary struct {
	Endpoint string `json:"endpoint"`
	Requests int    `json:"requests"`
	OK       int    `json:"ok"`
	Failed   int    `json:"failed"`
	// Input, Output and Cached tokens of successful requests, as the
	// summary's tokens.
	InputTokens  int  `json:"input_tokens"`
	OutputTokens int  `json:"output_tokens"`
	CachedTokens *int `json:"cached_tokens,omitempty"`
	// PrefixReuse is cached / input tokens over successful requests that
	// report cached tokens.
	PrefixReuse *float64 `json:"prefix_reuse,omitempty"`
	// ExpectedReuse is the router's expected overlap over its prompt
	// count (route.overlap_tokens / route.prompt_tokens, summed over
	// successful requests).
	ExpectedReuse *float64 `json:"expected_reuse,omitempty"`
	// KVUsageMean is the mean KV-cache usage (0..1) the router read when it
	// sent requests here, when it read any.
	KVUsageMean *float64 `json:"kv_usage_mean,omitempty"`
	// OutputTokensPerS is output tokens over the run's window.
	OutputTokensPerS float64       `json:"output_tokens_per_s"`
	TTFTMS           *Distribution `json:"ttft_ms,omitempty"`
	TPOTMS           *Distribution `json:"tpot_ms,omitempty"`
	E2EMS            *Distribution `json:"e2e_ms,omitempty"`
}

type endpointStats struct {
	total, ok, input, output, cached, cachedOf int
	cachedSeen                                 bool
	overlap, prompt                            float64
	kvSum                                      float64
	kvN                                        int
	ttft, tpot, e2e                            []float64
}

// endpointCollector groups measured records by endpoint.
type endpointCollector struct {
	policy   string
	transfer []float64 // kv_transfer_ms of successful requests
	by       map[string]*endpointStats
}

// add accounts for r, a record cleaned by the rule of finite.go; sums
// that would pass MaxFigure are counted in lo (routing.*).
func (c *endpointCollector) add(r *bench.Record, lo LeftOut) {
	if r.Endpoint == "" {
		return
	}
	if c.by == nil {
		c.by = map[string]*endpointStats{}
	}
	if c.policy == "" && r.Route != nil {
		c.policy = r.Route.Policy
	}
	s := c.by[r.Endpoint]
	if s == nil {
		s = &endpointStats{}
		c.by[r.Endpoint] = s
	}
	s.total++
	if r.Route != nil && r.Route.KVUsage != nil && KeepDuration(*r.Route.KVUsage) {
		s.kvSum += *r.Route.KVUsage
		s.kvN++
	}
	if !r.OK {
		return
	}
	s.ok++
	if r.Route != nil && r.Route.KVTransferMS != nil {
		if KeepDuration(*r.Route.KVTransferMS) {
			c.transfer = append(c.transfer, *r.Route.KVTransferMS)
		} else {
			lo.Add("routing.disagg.kv_transfer_ms")
		}
	}
	if !addCount(&s.input, r.InputTokens) {
		lo.Add("routing.endpoints.input_tokens")
	}
	if !addCount(&s.output, r.OutputTokens) {
		lo.Add("routing.endpoints.output_tokens")
	}
	if r.CachedTokens != nil {
		if addCount(&s.cached, *r.CachedTokens) && addCount(&s.cachedOf, r.InputTokens) {
			s.cachedSeen = true
		} else {
			lo.Add("routing.endpoints.cached_tokens")
		}
	}
	if r.Route != nil {
		s.overlap += float64(r.Route.OverlapTokens)
		s.prompt += float64(r.Route.PromptTokens)
	}
	s.e2e = appendFinite(s.e2e, r.E2EMS)
	if r.TTFTMS != nil {
		s.ttft = appendFinite(s.ttft, *r.TTFTMS)
	}
	if r.TPOTMS != nil {
		s.tpot = appendFinite(s.tpot, *r.TPOTMS)
	}
}

func ratio(a, b float64) *float64 {
	if b <= 0 {
		return nil
	}
	v := a / b
	return &v
}

func (c *endpointCollector) close(windowS float64) *Routing {
	if len(c.by) == 0 {
		return nil
	}
	names := make([]string, 0, len(c.by))
	for n := range c.by {
		names = append(names, n)
	}
	slices.Sort(names)
	r := &Routing{Policy: c.policy}
	if len(c.transfer) > 0 {
		r.Disagg = &DisaggSummary{KVTransferMS: newDistribution(slices.Clone(c.transfer))}
	}
	var maxReq, maxTok, sumReq, sumTok float64
	for _, n := range names {
		s := c.by[n]
		e := EndpointSummary{Endpoint: n, Requests: s.total, OK: s.ok, Failed: s.total - s.ok,
			InputTokens: s.input, OutputTokens: s.output, OutputTokensPerS: perSecond(float64(s.output), windowS),
			ExpectedReuse: ratio(s.overlap, s.prompt), KVUsageMean: ratio(s.kvSum, float64(s.kvN)),
			TTFTMS: newDistribution(slices.Clone(s.ttft)), TPOTMS: newDistribution(slices.Clone(s.tpot)), E2EMS: newDistribution(slices.Clone(s.e2e))}
		if s.cachedSeen {
			cached := s.cached
			e.CachedTokens = &cached
			e.PrefixReuse = ratio(float64(s.cached), float64(s.cachedOf))
		}
		r.Endpoints = append(r.Endpoints, e)
		tok := float64(s.input + s.output)
		maxReq, maxTok = max(maxReq, float64(s.total)), max(maxTok, tok)
		sumReq, sumTok = sumReq+float64(s.total), sumTok+tok
	}
	n := float64(len(names))
	if v := ratio(maxReq, sumReq/n); v != nil {
		r.RequestsMaxOverMean = *v
	}
	if v := ratio(maxTok, sumTok/n); v != nil {
		r.TokensMaxOverMean = *v
	}
	return r
}

// writeRouting renders the per-endpoint table.
func (s *Summary) writeRouting(b *bytes.Buffer) {
	r := s.Routing
	if r == nil {
		return
	}
	fmt.Fprintf(b, "\nRouting %s over %d endpoints: requests max/mean %.2f, tokens max/mean %.2f\n", r.Policy, len(r.Endpoints), r.RequestsMaxOverMean, r.TokensMaxOverMean)
	opt := func(v *float64, scale float64, format string) string {
		if v == nil {
			return "-"
		}
		return fmt.Sprintf(format, *v*scale)
	}
	p := func(d *Distribution, q func(*Distribution) float64) string {
		if d == nil {
			return "-"
		}
		return fmt.Sprintf("%.1f", q(d))
	}
	if d := r.Disagg; d != nil {
		fmt.Fprintf(b, "Disaggregated %d prefill : %d decode engines (%d GPUs), KV over %s at %.0f GB/s: utilisation prefill %s, decode %s",
			d.Prefill, d.Decode, d.GPUs, d.Link, d.LinkGBs, opt(d.PrefillUtilization, 100, "%.1f%%"), opt(d.DecodeUtilization, 100, "%.1f%%"))
		if t := d.KVTransferMS; t != nil {
			fmt.Fprintf(b, "; KV transfer ms p50 %.3f, p99 %.3f", t.P50, t.P99)
		}
		b.WriteString("\n")
	}
	rows := [][]string{{"Endpoint", "requests", "ok", "in tok", "out tok", "reuse", "expected", "KV use", "TTFT p50", "TTFT p99", "TPOT p50"}}
	for _, e := range r.Endpoints {
		rows = append(rows, []string{e.Endpoint, fmt.Sprint(e.Requests), fmt.Sprint(e.OK), fmt.Sprint(e.InputTokens), fmt.Sprint(e.OutputTokens),
			opt(e.PrefixReuse, 100, "%.1f%%"), opt(e.ExpectedReuse, 100, "%.1f%%"), opt(e.KVUsageMean, 100, "%.1f%%"),
			p(e.TTFTMS, func(d *Distribution) float64 { return d.P50 }), p(e.TTFTMS, func(d *Distribution) float64 { return d.P99 }),
			p(e.TPOTMS, func(d *Distribution) float64 { return d.P50 })})
	}
	widths := make([]int, len(rows[0]))
	for _, row := range rows {
		for i, c := range row {
			widths[i] = max(widths[i], len(c))
		}
	}
	for _, row := range rows {
		cells := make([]string, len(row))
		for i, c := range row {
			if i == 0 {
				cells[i] = fmt.Sprintf("%-*s", widths[i], c)
			} else {
				cells[i] = fmt.Sprintf("%*s", widths[i], c)
			}
		}
		b.WriteString(strings.Join(cells, "  ") + "\n")
	}
}
