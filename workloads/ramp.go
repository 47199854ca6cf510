package workloads

import (
	"fmt"
	"math"
	"time"
)

// Ramp makes an open-loop arrival process start gently: its rate grows
// linearly from 0 to the full rate over d, then stays there. It rescales
// time, so a Poisson or gamma process keeps its character: request n of a
// at operational time s arrives at the real time t where the ramped
// intensity has accumulated as many expected arrivals, that is
// t = sqrt(2·d·s) while s < d/2, and t = s + d/2 after.
func Ramp(a Arrival, d time.Duration) Arrival {
	if d <= 0 {
		return a
	}
	return ramp{a: a, d: d.Seconds()}
}

type ramp struct {
	a Arrival
	d float64 // seconds
}

func (r ramp) Offset(n uint64) time.Duration {
	s := r.a.Offset(n).Seconds()
	if s < r.d/2 {
		return seconds(math.Sqrt(2 * r.d * s))
	}
	return seconds(s + r.d/2)
}

func (r ramp) String() string {
	return fmt.Sprintf("%s, ramped up over %s", r.a, time.Duration(r.d*float64(time.Second)))
}
