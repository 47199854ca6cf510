package scrape

import (
	"fmt"
	"sort"
	"strings"
)

// reset is a counter seen going down between two consecutive scrapes.
type reset struct {
	counter  string
	from, to float64
}

// counterDeltas computes the increase of every counter over the samples,
// as Prometheus' increase() does: the sum of the rises between consecutive
// scrapes where a counter is present in both, and after a fall (a restart,
// the counter starting again from 0) the value it has risen to since.
// Per-position counters are named "<name>[k]". resets maps the index of the
// sample where counters fell to what fell.
func counterDeltas(ok []Sample) (deltas map[string]float64, resets map[int][]reset) {
	deltas = map[string]float64{}
	resets = map[int][]reset{}
	prev := map[string]float64{}
	for i, s := range ok {
		for name, v := range countersOf(s) {
			if p, seen := prev[name]; seen {
				if v >= p {
					deltas[name] += v - p
				} else {
					deltas[name] += v
					resets[i] = append(resets[i], reset{name, p, v})
				}
			}
			prev[name] = v
		}
	}
	// deltas holds exactly the counters seen in two scrapes or more; one
	// seen once has no delta and stays absent.
	return deltas, resets
}

// countersOf flattens a sample's counters, per-position ones included.
func countersOf(s Sample) map[string]float64 {
	out := make(map[string]float64, len(s.Counters)+len(s.PerPositionAccepted)+len(s.PerPositionDrafted))
	for k, v := range s.Counters {
		out[k] = v
	}
	for k, v := range s.PerPositionAccepted {
		out[posKey(posAcceptedKey, k)] = v
	}
	for k, v := range s.PerPositionDrafted {
		out[posKey(posDraftedKey, k)] = v
	}
	return out
}

const (
	posAcceptedKey = "per_position_accepted"
	posDraftedKey  = "per_position_drafted"
)

func posKey(name string, k int) string { return fmt.Sprintf("%s[%d]", name, k) }

// positions reads a per-position delta back into a slice, nil if absent.
func positions(deltas map[string]float64, name string) []float64 {
	var out []float64
	for k := 0; k < maxPositions; k++ {
		v, ok := deltas[posKey(name, k)]
		if !ok {
			break
		}
		out = append(out, v)
	}
	return out
}

// resetWarnings turns resets into one warning per restart, in time order.
func resetWarnings(ok []Sample, resets map[int][]reset) []string {
	idx := make([]int, 0, len(resets))
	for i := range resets {
		idx = append(idx, i)
	}
	sort.Ints(idx)
	var out []string
	for _, i := range idx {
		rs := resets[i]
		sort.Slice(rs, func(a, b int) bool { return rs[a].counter < rs[b].counter })
		var b strings.Builder
		fmt.Fprintf(&b, "counter %s went down at t=%.0f ms (%g to %g): the engine restarted", rs[0].counter, ok[i].TMS, rs[0].from, rs[0].to)
		if len(rs) > 1 {
			fmt.Fprintf(&b, " (%d other counters fell with it)", len(rs)-1)
		}
		out = append(out, b.String())
	}
	return out
}
