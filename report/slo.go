package report

import (
	"fmt"
	"math"
	"sort"
	"strings"
	"time"

	"github.com/tokenbench/tokenbench/bench"
)

// SLO holds per-request latency bounds in milliseconds; a nil bound is not
// checked. A request meets the SLO when it succeeded and every bound given
// holds (METRICS.md, goodput): TTFT, TPOT, E2E, and ITL, which bounds every
// inter-event gap of the request (its largest ITL), so one stall fails it.
type SLO struct {
	TTFTMS *float64 `json:"ttft_ms,omitempty"`
	TPOTMS *float64 `json:"tpot_ms,omitempty"`
	ITLMS  *float64 `json:"itl_ms,omitempty"`
	E2EMS  *float64 `json:"e2e_ms,omitempty"`
}

// Empty reports whether no bound is set.
func (s SLO) Empty() bool {
	return s.TTFTMS == nil && s.TPOTMS == nil && s.ITLMS == nil && s.E2EMS == nil
}

// ParseSLO parses "ttft=500ms,tpot=50ms,itl=200ms,e2e=10s" (durations in Go
// syntax; a bare number is milliseconds).
func ParseSLO(s string) (SLO, error) {
	var slo SLO
	if strings.TrimSpace(s) == "" {
		return slo, nil
	}
	for _, part := range strings.Split(s, ",") {
		k, v, ok := strings.Cut(strings.TrimSpace(part), "=")
		if !ok {
			return slo, fmt.Errorf("report: SLO %q: want name=duration (ttft, tpot, itl, e2e)", part)
		}
		ms, err := parseMillis(strings.TrimSpace(v))
		if err != nil {
			return slo, fmt.Errorf("report: SLO %s: %v", k, err)
		}
		var dst **float64
		switch strings.ToLower(strings.TrimSpace(k)) {
		case "ttft":
			dst = &slo.TTFTMS
		case "tpot":
			dst = &slo.TPOTMS
		case "itl":
			dst = &slo.ITLMS
		case "e2e", "e2el":
			dst = &slo.E2EMS
		default:
			return slo, fmt.Errorf("report: unknown SLO %q (want ttft, tpot, itl or e2e)", k)
		}
		if *dst != nil {
			return slo, fmt.Errorf("report: SLO %s given twice", k)
		}
		*dst = &ms
	}
	return slo, nil
}

func parseMillis(v string) (float64, error) {
	var f float64
	if _, err := fmt.Sscanf(v, "%g", &f); err == nil && fmt.Sprint(f) == v {
		if !(f > 0) || math.IsInf(f, 0) {
			return 0, fmt.Errorf("%q must be positive", v)
		}
		return f, nil
	}
	d, err := time.ParseDuration(v)
	if err != nil {
		return 0, fmt.Errorf("%q is not a duration (e.g. 500ms, 2s)", v)
	}
	if d <= 0 {
		return 0, fmt.Errorf("%q must be positive", v)
	}
	return bench.Ms(d), nil
}

// String renders the SLO as ParseSLO takes it.
func (s SLO) String() string {
	var parts []string
	add := func(name string, v *float64) {
		if v != nil {
			parts = append(parts, fmt.Sprintf("%s=%gms", name, *v))
		}
	}
	add("ttft", s.TTFTMS)
	add("tpot", s.TPOTMS)
	add("itl", s.ITLMS)
	add("e2e", s.E2EMS)
	sort.Strings(parts)
	return strings.Join(parts, ",")
}

// Meets reports whether r succeeded within every bound of s. A TPOT bound
// holds for a one-token answer, which has no TPOT.
func (s SLO) Meets(r *bench.Record) bool {
	if !r.OK {
		return false
	}
	if s.TTFTMS != nil && (r.TTFTMS == nil || *r.TTFTMS > *s.TTFTMS) {
		return false
	}
	if s.TPOTMS != nil && r.TPOTMS != nil && *r.TPOTMS > *s.TPOTMS {
		return false
	}
	if s.E2EMS != nil && r.E2EMS > *s.E2EMS {
		return false
	}
	if s.ITLMS != nil {
		for i := 1; i < len(r.EventsMS); i++ {
			if r.EventsMS[i]-r.EventsMS[i-1] > *s.ITLMS {
				return false
			}
		}
	}
	return true
}
