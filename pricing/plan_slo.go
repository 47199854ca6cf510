package pricing

import (
	"fmt"
	"strings"
)

// Plan SLO bases: how a point is judged against the SLO.
const (
	// BasisAttainment reads each point's goodput.slo_attainment: the share
	// of its requests that met every bound, failures included. It needs the
	// sweep to have been run with the plan's SLO.
	BasisAttainment = "attainment"
	// BasisPercentile compares each point's latency percentiles (the one
	// the attainment names: 0.99 reads p99) with the bounds, and its share
	// of failed requests with 1 - attainment.
	BasisPercentile = "percentile"
)

// percentileNames maps an attainment to the summary.json percentile that
// stands for it.
var percentileNames = []struct {
	share float64
	name  string
	pick  func(*Percentiles) float64
}{
	{0.5, "p50", func(p *Percentiles) float64 { return p.P50 }},
	{0.9, "p90", func(p *Percentiles) float64 { return p.P90 }},
	{0.95, "p95", func(p *Percentiles) float64 { return p.P95 }},
	{0.99, "p99", func(p *Percentiles) float64 { return p.P99 }},
	{0.999, "p99.9", func(p *Percentiles) float64 { return p.P999 }},
}

// judge decides whether a sweep point meets the plan's SLO.
type judge struct {
	slo        SLO
	attainment float64
	basis      string
	note       string
	// Percentile basis: the percentile read.
	pname string
	pick  func(*Percentiles) float64
}

// newJudge picks the basis. The sweep's own attainment is the better
// evidence (it counts each request against every bound at once, failures
// included), so it is used whenever the sweep was run with the plan's SLO.
func newJudge(s *Sweep, o PlanOptions) (*judge, error) {
	j := &judge{slo: o.SLO, attainment: o.Attainment}
	sweepSLO, hasSLO := s.SweepSLO()
	switch {
	case o.SLO.Empty() && !hasSLO:
		return nil, &OptionError{fmt.Sprintf("no SLO: %s was run without one (or its points disagree); give the SLO to plan for", s.Dir)}
	case o.SLO.Empty() || hasSLO && sweepSLO.Equal(o.SLO):
		j.slo, j.basis = sweepSLO, BasisAttainment
		j.note = fmt.Sprintf("each point's goodput.slo_attainment (summary.json): the sweep was run with SLO %s; a point must keep %s of its requests, failed ones included, within it",
			sweepSLO, pctString(o.Attainment))
		return j, nil
	}
	j.basis = BasisPercentile
	for _, p := range percentileNames {
		if p.share == o.Attainment {
			j.pname, j.pick = p.name, p.pick
		}
	}
	if j.pick == nil {
		return nil, &OptionError{fmt.Sprintf("attainment %v: %s has no goodput for SLO %s, so points are judged by percentiles, and summary.json has p50, p90, p95, p99 and p99.9; give 0.5, 0.9, 0.95, 0.99 or 0.999",
			o.Attainment, s.Dir, o.SLO)}
	}
	if o.SLO.ITLMS != nil {
		return nil, &OptionError{fmt.Sprintf("an itl bound needs each request's largest gap, which only a sweep run with that SLO counts (%s has no goodput for %s)", s.Dir, o.SLO)}
	}
	why := "the sweep was run without an SLO"
	if hasSLO {
		why = fmt.Sprintf("the sweep counted goodput against %s, not %s", sweepSLO, o.SLO)
	}
	j.note = fmt.Sprintf("each point's %s latencies (summary.json) against SLO %s, and at most %s of requests failed: %s",
		j.pname, o.SLO, pctString(1-o.Attainment), why)
	return j, nil
}

// judge evaluates one run; ReplicaRequestsPerS is left to the caller.
func (j *judge) judge(r SweepRun) PlanPoint {
	pt := PlanPoint{Label: r.Label, Dir: r.Dir, RequestsPerS: r.RequestsPerS, OutputTokensPerS: r.OutputTokensPerS,
		InputTokensPerRequest: r.InputTokensPerRequest, OutputTokensPerRequest: r.OutputTokensPerRequest}
	if r.Requests > 0 {
		pt.FailedShare = float64(r.Failed) / float64(r.Requests)
	}
	var why []string
	if j.basis == BasisAttainment {
		att := r.Goodput.SLOAttainment
		pt.SLOAttainment = &att
		// Attainments are written rounded to 6 decimals; compare at that.
		if att < j.attainment-5e-7 {
			why = append(why, fmt.Sprintf("SLO attainment %s < %s", pctString(att), pctString(j.attainment)))
		}
	} else {
		for _, b := range []struct {
			name  string
			bound *float64
			dist  *Percentiles
			dst   **float64
		}{
			{"TTFT", j.slo.TTFTMS, r.TTFTMS, &pt.TTFTMS},
			{"TPOT", j.slo.TPOTMS, r.TPOTMS, &pt.TPOTMS},
			{"E2E", j.slo.E2EMS, r.E2EMS, &pt.E2EMS},
		} {
			if b.bound == nil {
				continue
			}
			if b.dist == nil {
				why = append(why, "no "+b.name+" measured")
				continue
			}
			v := j.pick(b.dist)
			*b.dst = &v
			if v > *b.bound {
				why = append(why, fmt.Sprintf("%s %s %s > %s ms", b.name, j.pname, fmtShort(v), fmtShort(*b.bound)))
			}
		}
		if pt.FailedShare > 1-j.attainment+1e-12 {
			why = append(why, fmt.Sprintf("%s of requests failed > %s", pctString(pt.FailedShare), pctString(1-j.attainment)))
		}
	}
	pt.MeetsSLO = len(why) == 0
	pt.WhyNot = strings.Join(why, ", ")
	return pt
}
