package pricing

import (
	"fmt"
	"math"
	"strings"
)

// HoursPerMonth is the hours a plan's monthly cost counts: 365 * 24 / 12,
// rounded as cloud price lists round it.
const HoursPerMonth = 730

// maxReplicas bounds a plan, so that replica and GPU counts stay integers:
// no fleet has a billion replicas.
const maxReplicas = 1_000_000_000

// DefaultAttainment is the share of requests a plan's point must keep
// within the SLO when none is given: the p99 of a latency SLO.
const DefaultAttainment = 0.99

// How a plan scales a point's measured rate to the plan's token mix.
const (
	// ScaleByOutput takes decode as the bottleneck: requests/s = output
	// tokens/s measured / output tokens per request planned.
	ScaleByOutput = "output"
	// ScaleByTotal takes every token as costing the same: requests/s =
	// (input + output) tokens/s measured / (input + output) planned.
	ScaleByTotal = "total"
	// ScaleByRequests keeps the measured requests/s: the plan's token mix
	// is taken to be the sweep's.
	ScaleByRequests = "requests"
)

// PlanOptions are the inputs of a capacity plan.
type PlanOptions struct {
	// LoadRequestsPerS is the load to serve (ParseLoad reads it).
	LoadRequestsPerS float64
	// InputTokens and OutputTokens are the mean lengths of a planned request.
	InputTokens, OutputTokens int
	// SLO bounds each request; empty means the SLO the sweep was run with.
	SLO SLO
	// Attainment is the share of requests that must meet the SLO; 0 means
	// DefaultAttainment.
	Attainment float64
	// ScaleBy is ScaleByOutput (default when empty), ScaleByTotal or
	// ScaleByRequests.
	ScaleBy string
	// GPUsPerReplica is the GPUs of one replica: the endpoint the sweep
	// measured.
	GPUsPerReplica int
	// Headroom is the spare capacity to provision above the load, as a
	// fraction (0.2 = 20%).
	Headroom float64
}

// Plan is how many replicas of the endpoint a sweep measured serve a load
// within an SLO, and what they cost at each price of the GPU.
type Plan struct {
	Sweep string `json:"sweep"`
	Kind  string `json:"kind"`
	Param string `json:"param,omitempty"`

	LoadRequestsPerS float64 `json:"load_requests_per_s"`
	InputTokens      int     `json:"input_tokens_per_request"`
	OutputTokens     int     `json:"output_tokens_per_request"`
	SLO              string  `json:"slo"`
	Attainment       float64 `json:"slo_attainment_target"`
	// SLOBasis is "attainment" (each point's goodput.slo_attainment) or
	// "percentile" (each point's latency percentiles against the SLO).
	SLOBasis     string `json:"slo_basis"`
	SLOBasisNote string `json:"slo_basis_note"`
	ScaleBy      string `json:"scale_by"`
	ScaleNote    string `json:"scale_note"`

	Points  []PlanPoint `json:"points"`
	Skipped []Skipped   `json:"skipped,omitempty"`

	// Chosen is the point with the highest per-replica rate that meets the
	// SLO; ReplicaRequestsPerS is that rate.
	Chosen              string  `json:"chosen"`
	ReplicaRequestsPerS float64 `json:"replica_requests_per_s"`

	Headroom       float64 `json:"headroom"`
	Replicas       int     `json:"replicas"`
	GPU            string  `json:"gpu"`
	GPUsPerReplica int     `json:"gpus_per_replica"`
	GPUs           int     `json:"gpus"`
	// CapacityRequestsPerS = replicas * replica rate; HeadroomLeft =
	// capacity / load - 1 (at least Headroom, more after rounding up).
	CapacityRequestsPerS float64 `json:"capacity_requests_per_s"`
	HeadroomLeft         float64 `json:"headroom_left"`
	UtilizationAtLoad    float64 `json:"utilization_at_load"`

	HoursPerMonth float64    `json:"hours_per_month"`
	Costs         []PlanCost `json:"costs"`
	Notes         []string   `json:"notes"`
}

// PlanPoint is one sweep point judged against the plan's SLO.
type PlanPoint struct {
	Label                  string  `json:"label"`
	Dir                    string  `json:"dir"`
	RequestsPerS           float64 `json:"requests_per_s"`
	OutputTokensPerS       float64 `json:"output_tokens_per_s"`
	InputTokensPerRequest  float64 `json:"input_tokens_per_request"`
	OutputTokensPerRequest float64 `json:"output_tokens_per_request"`
	FailedShare            float64 `json:"failed_share"`
	// TTFTMS, TPOTMS and E2EMS are the percentiles judged (percentile
	// basis), for the bounds the SLO sets.
	TTFTMS *float64 `json:"ttft_ms,omitempty"`
	TPOTMS *float64 `json:"tpot_ms,omitempty"`
	E2EMS  *float64 `json:"e2e_ms,omitempty"`
	// SLOAttainment is the point's own (attainment basis).
	SLOAttainment *float64 `json:"slo_attainment,omitempty"`
	MeetsSLO      bool     `json:"meets_slo"`
	WhyNot        string   `json:"why_not,omitempty"`
	// ReplicaRequestsPerS is the rate one replica sustains at this point,
	// scaled to the plan's token mix.
	ReplicaRequestsPerS float64 `json:"replica_requests_per_s"`
}

// PlanCost is the plan at one price of the GPU.
type PlanCost struct {
	Tier               string  `json:"tier,omitempty"`
	Provider           string  `json:"provider,omitempty"`
	PriceUSDPerGPUHour float64 `json:"price_usd_per_gpu_hour"`
	USDPerHour         float64 `json:"usd_per_hour"`
	USDPerMonth        float64 `json:"usd_per_month"`
	// USDPerMTokOutputAtLoad is what a million output tokens cost at the
	// planned load, headroom paid for: $/hour / (load * output tokens *
	// 3600) * 1e6.
	USDPerMTokOutputAtLoad float64 `json:"usd_per_mtok_output_at_load"`
	PriceSource            string  `json:"price_source"`
	PriceDate              string  `json:"price_date,omitempty"`

	footnote string
}

// NewPlan plans capacity from a measured sweep: it judges each point
// against the SLO (slo.go says how), scales each point's rate to the
// plan's token mix, picks the point with the highest rate that meets the
// SLO, and sizes the fleet:
//
//	replicas = ceil(load * (1 + headroom) / replica rate)
//	GPUs     = replicas * GPUs per replica
//
// then prices it at every quote (Catalog.Quotes with GPUs = 1; the quote's
// count is not used). Options the sweep cannot serve are *OptionError; no
// point meeting the SLO is a plain error naming why each failed.
func NewPlan(s *Sweep, o PlanOptions, quotes []PriceQuote) (Plan, error) {
	if err := o.check(); err != nil {
		return Plan{}, err
	}
	if len(quotes) == 0 {
		return Plan{}, fmt.Errorf("pricing: no price to cost the plan at")
	}
	j, err := newJudge(s, o)
	if err != nil {
		return Plan{}, err
	}
	p := Plan{
		Sweep: s.Dir, Kind: s.Kind, Param: s.Param,
		LoadRequestsPerS: o.LoadRequestsPerS, InputTokens: o.InputTokens, OutputTokens: o.OutputTokens,
		SLO: j.slo.String(), Attainment: o.Attainment, SLOBasis: j.basis, SLOBasisNote: j.note,
		ScaleBy: o.ScaleBy, Skipped: s.Skipped,
		Headroom: o.Headroom, GPU: quotes[0].GPU, GPUsPerReplica: o.GPUsPerReplica,
		HoursPerMonth: HoursPerMonth,
	}
	best := -1
	for _, r := range s.Runs {
		pt := j.judge(r)
		pt.ReplicaRequestsPerS = replicaRate(r, o)
		if pt.MeetsSLO && !(pt.ReplicaRequestsPerS > 0) {
			pt.MeetsSLO, pt.WhyNot = false, "no throughput to scale"
		}
		p.Points = append(p.Points, pt)
		if pt.MeetsSLO && (best < 0 || pt.ReplicaRequestsPerS > p.Points[best].ReplicaRequestsPerS) {
			best = len(p.Points) - 1
		}
	}
	if best < 0 {
		var why []string
		for _, pt := range p.Points {
			why = append(why, pt.Label+": "+pt.WhyNot)
		}
		return Plan{}, fmt.Errorf("pricing: no point of %s meets %s for %s of requests (%s); relax the SLO or sweep lower load",
			s.Dir, p.SLO, pctString(o.Attainment), strings.Join(why, "; "))
	}
	chosen, run := p.Points[best], s.Runs[best]
	p.Chosen, p.ReplicaRequestsPerS = chosen.Label, chosen.ReplicaRequestsPerS
	need := o.LoadRequestsPerS * (1 + o.Headroom) / p.ReplicaRequestsPerS
	if !(need <= maxReplicas) {
		return Plan{}, fmt.Errorf("pricing: %s req/s at %s req/s per replica needs %.3g replicas: more than any fleet (%d); check the load and the sweep",
			fmtShort(o.LoadRequestsPerS), fmtShort(p.ReplicaRequestsPerS), need, maxReplicas)
	}
	p.Replicas = ceilReplicas(need)
	p.GPUs = p.Replicas * o.GPUsPerReplica
	p.CapacityRequestsPerS = float64(p.Replicas) * p.ReplicaRequestsPerS
	p.HeadroomLeft = p.CapacityRequestsPerS/o.LoadRequestsPerS - 1
	p.UtilizationAtLoad = o.LoadRequestsPerS / p.CapacityRequestsPerS
	p.ScaleNote = scaleNote(run, o)
	outPerS := o.LoadRequestsPerS * float64(o.OutputTokens)
	for _, q := range quotes {
		perMTok, err := CostPerMTok(q.USDPerGPUHour, p.GPUs, outPerS)
		if err != nil {
			return Plan{}, err
		}
		perHour := q.USDPerGPUHour * float64(p.GPUs)
		p.Costs = append(p.Costs, PlanCost{Tier: q.Tier, Provider: q.Provider, PriceUSDPerGPUHour: q.USDPerGPUHour,
			USDPerHour: perHour, USDPerMonth: perHour * HoursPerMonth, USDPerMTokOutputAtLoad: perMTok,
			PriceSource: q.Source, PriceDate: q.Price.Date, footnote: q.footnote()})
	}
	p.Notes = planNotes(run, o, p)
	return p, nil
}

// check validates the options alone and fills the defaults.
func (o *PlanOptions) check() error {
	if o.Attainment == 0 {
		o.Attainment = DefaultAttainment
	}
	if o.ScaleBy == "" {
		o.ScaleBy = ScaleByOutput
	}
	switch {
	case !(o.LoadRequestsPerS > 0) || !finite(o.LoadRequestsPerS):
		return &OptionError{fmt.Sprintf("load %v requests/s: want a finite number > 0", o.LoadRequestsPerS)}
	case o.InputTokens < 1 || o.OutputTokens < 1:
		return &OptionError{fmt.Sprintf("%d input and %d output tokens per request: want at least 1 of each", o.InputTokens, o.OutputTokens)}
	case !(o.Attainment > 0 && o.Attainment <= 1):
		return &OptionError{fmt.Sprintf("attainment %v: want a share in (0, 1]", o.Attainment)}
	case o.ScaleBy != ScaleByOutput && o.ScaleBy != ScaleByTotal && o.ScaleBy != ScaleByRequests:
		return &OptionError{fmt.Sprintf("scale-by %q: want output, total or requests", o.ScaleBy)}
	case o.GPUsPerReplica < 1:
		return &OptionError{fmt.Sprintf("%d GPUs per replica: want at least 1", o.GPUsPerReplica)}
	case !(o.Headroom >= 0) || !finite(o.Headroom):
		return &OptionError{fmt.Sprintf("headroom %v: want a fraction >= 0 (0.2 for 20%%)", o.Headroom)}
	}
	return nil
}

// replicaRate is the requests/s one replica sustains at run r, for the
// plan's token mix (PlanOptions.ScaleBy).
func replicaRate(r SweepRun, o PlanOptions) float64 {
	switch o.ScaleBy {
	case ScaleByTotal:
		return r.TotalTokensPerS / float64(o.InputTokens+o.OutputTokens)
	case ScaleByRequests:
		return r.RequestsPerS
	}
	return r.OutputTokensPerS / float64(o.OutputTokens)
}

// ceilReplicas rounds x up to whole replicas, ignoring the last bits of
// float error: 100 * 1.2 / 12 is 10.000000000000002 in float64, and is 10
// replicas, not 11.
func ceilReplicas(x float64) int {
	n := math.Ceil(x)
	if n > 1 && n-1 >= x*(1-1e-9) {
		n--
	}
	return int(max(n, 1))
}

// pctString prints a share as a percentage with at most two decimals:
// 0.99 -> "99%", 0.999 -> "99.9%", 0.998246 -> "99.82%".
func pctString(v float64) string {
	return fmt.Sprintf("%s%%", fmtShort(math.Round(v*1e4)/100))
}

// fmtShort prints v with at most 3 decimals and no trailing zeros.
func fmtShort(v float64) string {
	s := fmt.Sprintf("%.3f", v)
	s = strings.TrimRight(strings.TrimRight(s, "0"), ".")
	return s
}
