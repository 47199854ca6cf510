package workloads

import (
	"fmt"
	"math"
	"math/rand/v2"
	"time"

	"gonum.org/v1/gonum/stat/distuv"
)

// Arrival is an open-loop arrival process: the intended start of each
// request, as an offset from the start of the measured phase. Offset is a
// pure function of n (the 0-based index of the request) for a given seed, so
// schedules are tested without sleeping. An Arrival is used by one goroutine.
type Arrival interface {
	Offset(n uint64) time.Duration
	String() string
}

// Pace is the vegeta Pacer shape over an Arrival: how long to wait before
// request number sent, given the time elapsed since the phase started. A
// negative elapsed-relative deadline (we are behind) returns 0.
func Pace(a Arrival, elapsed time.Duration, sent uint64) time.Duration {
	if w := a.Offset(sent) - elapsed; w > 0 {
		return w
	}
	return 0
}

// Arrival kinds accepted by NewArrival.
const (
	ArrivalConstant = "constant"
	ArrivalPoisson  = "poisson"
	ArrivalGamma    = "gamma"
)

// NewArrival returns the arrival process kind at rate requests per second.
// burstiness is the gamma shape (1 = Poisson; below 1 burstier, above 1
// more regular); it is used by gamma only. The first request starts at 0.
func NewArrival(kind string, rate, burstiness float64, seed uint64) (Arrival, error) {
	if !(rate > 0) || math.IsInf(rate, 0) {
		return nil, fmt.Errorf("workloads: arrival rate must be a positive number of requests/s, got %v", rate)
	}
	switch kind {
	case ArrivalConstant:
		return constant{interval: 1 / rate, rate: rate}, nil
	case ArrivalPoisson:
		return newGapArrival(kind, rate, 1, seed), nil
	case ArrivalGamma:
		if !(burstiness > 0) || math.IsInf(burstiness, 0) {
			return nil, fmt.Errorf("workloads: burstiness (gamma shape) must be positive, got %v", burstiness)
		}
		return newGapArrival(kind, rate, burstiness, seed), nil
	default:
		return nil, fmt.Errorf("workloads: unknown arrival %q (want constant, poisson or gamma)", kind)
	}
}

type constant struct{ interval, rate float64 }

func (c constant) Offset(n uint64) time.Duration { return seconds(float64(n) * c.interval) }
func (c constant) String() string                { return fmt.Sprintf("constant %g req/s", c.rate) }

// gapArrival draws independent inter-arrival gaps from a gamma distribution
// with shape k and mean 1/rate (k = 1 is the exponential gap of a Poisson
// process, as in vLLM's --burstiness). Offsets are cumulative sums, memoised
// so that Offset(n) is the same whatever order it is asked in.
type gapArrival struct {
	kind    string
	rate, k float64
	dist    distuv.Gamma
	offsets []float64 // offsets[i] in seconds; offsets[0] = 0
}

func newGapArrival(kind string, rate, k float64, seed uint64) *gapArrival {
	return &gapArrival{
		kind: kind, rate: rate, k: k,
		dist:    distuv.Gamma{Alpha: k, Beta: rate * k, Src: rand.NewPCG(seed, 0x9e3779b97f4a7c15)},
		offsets: []float64{0},
	}
}

func (g *gapArrival) Offset(n uint64) time.Duration {
	for uint64(len(g.offsets)) <= n {
		g.offsets = append(g.offsets, g.offsets[len(g.offsets)-1]+g.dist.Rand())
	}
	return seconds(g.offsets[n])
}

func (g *gapArrival) String() string {
	if g.kind == ArrivalGamma {
		return fmt.Sprintf("gamma %g req/s, burstiness %g", g.rate, g.k)
	}
	return fmt.Sprintf("poisson %g req/s", g.rate)
}

func seconds(s float64) time.Duration { return time.Duration(math.Round(s * float64(time.Second))) }
