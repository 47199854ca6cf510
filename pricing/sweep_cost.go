package pricing

import (
	"fmt"
	"math"
)

// InteractivityBasis says how a sweep point's interactivity is computed.
const InteractivityBasis = "1000 / TPOT p50 ms"

// Interpolation names the method ThroughputAt uses, for the output.
const Interpolation = "monotone piecewise cubic (Fritsch-Butland, gonum interp) over the Pareto front"

// OptionError is an option the data cannot serve: a target interactivity
// outside the measured range, an attainment without a percentile. Commands
// map it to a usage error.
type OptionError struct{ Msg string }

func (e *OptionError) Error() string { return "pricing: " + e.Msg }

// SweepCost is the cost of output tokens at a target interactivity, read off
// a measured sweep: the throughput per GPU the Pareto front gives at that
// interactivity, priced at every price of the GPU measured. Measured figures
// apply to the GPU that was measured only, so every price is of that GPU.
type SweepCost struct {
	Sweep string `json:"sweep"`
	Kind  string `json:"kind"`
	Param string `json:"param,omitempty"`
	// GPU and GPUs are the endpoint the sweep measured.
	GPU      string  `json:"gpu"`
	GPUs     int     `json:"gpus"`
	GPUWatts float64 `json:"gpu_watts,omitempty"`

	InteractivityBasis  string  `json:"interactivity_basis"`
	TargetInteractivity float64 `json:"target_interactivity_tokens_per_s"`

	// Points are the sweep's runs on the chart's axes, in sweep order.
	Points  []SweepCostPoint `json:"points"`
	Skipped []Skipped        `json:"skipped,omitempty"`
	// FrontRange is the interactivity span of the Pareto front: the range
	// a target may take.
	FrontRange [2]float64 `json:"front_interactivity_range_tokens_per_s"`

	Interpolation string `json:"interpolation"`
	// Between names the front points around the target, or the one point
	// measured exactly at it.
	Between []string `json:"interpolated_between"`
	// ThroughputPerGPU is the output tokens/s per GPU at the target.
	ThroughputPerGPU float64 `json:"output_tokens_per_s_per_gpu"`
	// JoulesPerOutputToken is GPU board power / throughput per GPU; nil when
	// the catalog has no power figure for the GPU.
	JoulesPerOutputToken *float64 `json:"joules_per_output_token"`

	// Prices is one cost per price of the measured GPU.
	Prices []SweepPrice `json:"prices"`
}

// SweepCostPoint is one run of a sweep on InferenceX's axes.
type SweepCostPoint struct {
	Label            string  `json:"label"`
	Dir              string  `json:"dir"`
	TPOTP50MS        float64 `json:"tpot_p50_ms"`
	OutputTokensPerS float64 `json:"output_tokens_per_s"`
	Interactivity    float64 `json:"interactivity_tokens_per_s"`
	ThroughputPerGPU float64 `json:"output_tokens_per_s_per_gpu"`
	OnFront          bool    `json:"on_pareto_front"`
}

// SweepPrice is the cost of one million output tokens at the target on one
// price of the measured GPU.
type SweepPrice struct {
	Tier               string  `json:"tier,omitempty"`
	Provider           string  `json:"provider,omitempty"`
	PriceUSDPerGPUHour float64 `json:"price_usd_per_gpu_hour"`
	USDPerMTokOutput   float64 `json:"usd_per_mtok_output"`
	PriceSource        string  `json:"price_source"`
	// PriceDate is when the price was published or observed.
	PriceDate string `json:"price_date,omitempty"`

	footnote string // the source a table cites
}

// PriceSweep prices a sweep at a target interactivity (output tokens/s per
// user): it puts the runs on InferenceX's axes for the endpoint's GPUs
// (Sweep.Points), takes the Pareto front, interpolates the throughput per
// GPU at the target (ThroughputAt), and prices one million output tokens
// there at each quote (CostPerMTok of one GPU at the per-GPU throughput).
// The quotes, as Catalog.Quotes returns them, must all be of the measured
// GPU and count. A target outside the front's range is an *OptionError that
// names the range.
func PriceSweep(s *Sweep, target float64, quotes []PriceQuote) (SweepCost, error) {
	if len(quotes) == 0 {
		return SweepCost{}, fmt.Errorf("pricing: no price to cost the sweep at")
	}
	gpu, gpus := quotes[0].GPU, quotes[0].GPUs
	for _, q := range quotes {
		if q.GPU != gpu || q.GPUs != gpus {
			return SweepCost{}, fmt.Errorf("pricing: sweep quotes mix %s x %d with %s x %d; measured figures apply to the GPU measured only",
				gpu, gpus, q.GPU, q.GPUs)
		}
	}
	if gpus < 1 {
		return SweepCost{}, fmt.Errorf("pricing: %d GPUs: want at least 1", gpus)
	}
	if err := CheckInteractivity(target); err != nil {
		return SweepCost{}, err
	}
	var pts []Point
	var runs []SweepRun
	skipped := append([]Skipped(nil), s.Skipped...)
	for _, r := range s.Runs {
		if why := unusable(r); why != "" {
			skipped = append(skipped, Skipped{Dir: r.Dir, Reason: why})
			continue
		}
		runs = append(runs, r)
		pts = append(pts, Point{Interactivity: 1000 / r.TPOTMS.P50,
			ThroughputPerGPU: r.OutputTokensPerS / float64(gpus), Label: r.Label})
	}
	front := ParetoFront(pts)
	if len(front) == 0 {
		return SweepCost{}, fmt.Errorf("pricing: %s: no point has both a TPOT and an output throughput", s.Dir)
	}
	c := SweepCost{
		Sweep: s.Dir, Kind: s.Kind, Param: s.Param, GPU: gpu, GPUs: gpus, GPUWatts: quotes[0].Watts,
		InteractivityBasis: InteractivityBasis, TargetInteractivity: target,
		Skipped: skipped, Interpolation: Interpolation,
		FrontRange: [2]float64{front[0].Interactivity, front[len(front)-1].Interactivity},
	}
	onFront := map[Point]bool{}
	for _, p := range front {
		onFront[p] = true
	}
	lo, hi := math.Inf(1), math.Inf(-1)
	for i, p := range pts {
		c.Points = append(c.Points, SweepCostPoint{
			Label: p.Label, Dir: runs[i].Dir, TPOTP50MS: runs[i].TPOTMS.P50, OutputTokensPerS: runs[i].OutputTokensPerS,
			Interactivity: p.Interactivity, ThroughputPerGPU: p.ThroughputPerGPU, OnFront: onFront[p],
		})
		lo, hi = min(lo, p.Interactivity), max(hi, p.Interactivity)
	}
	if target < c.FrontRange[0] || target > c.FrontRange[1] {
		msg := fmt.Sprintf("interactivity %s tokens/s/user is outside the measured range of %s: the Pareto front spans %s tokens/s/user",
			fmtShort(target), s.Dir, rangeString(c.FrontRange))
		if target < c.FrontRange[0] && lo < c.FrontRange[0] {
			msg += fmt.Sprintf(" (points span %s; those below the front are beaten by a faster point)", rangeString([2]float64{lo, hi}))
		}
		return SweepCost{}, &OptionError{msg + "; sweep further rather than extrapolate"}
	}
	tps, err := ThroughputAt(front, target)
	if err != nil {
		return SweepCost{}, err
	}
	c.Between = bracket(front, target)
	for _, p := range front {
		if p.Interactivity == target {
			tps = p.ThroughputPerGPU // measured there: the figure itself, not a fit's rounding of it
		}
	}
	c.ThroughputPerGPU = tps
	if c.GPUWatts > 0 {
		c.JoulesPerOutputToken = ptr(c.GPUWatts / tps)
	}
	for _, q := range quotes {
		// One GPU at the per-GPU throughput: InferenceX's own form of the
		// formula, so its published rates reproduce bit for bit.
		usd, err := CostPerMTok(q.USDPerGPUHour, 1, tps)
		if err != nil {
			return SweepCost{}, err
		}
		c.Prices = append(c.Prices, SweepPrice{Tier: q.Tier, Provider: q.Provider,
			PriceUSDPerGPUHour: q.USDPerGPUHour, USDPerMTokOutput: usd, PriceSource: q.Source,
			PriceDate: q.Price.Date, footnote: q.footnote()})
	}
	return c, nil
}

// bracket names the front point measured at x, or the two around it.
func bracket(front []Point, x float64) []string {
	for i, p := range front {
		if p.Interactivity == x {
			return []string{p.Label}
		}
		if i > 0 && front[i-1].Interactivity < x && x < p.Interactivity {
			return []string{front[i-1].Label, p.Label}
		}
	}
	return nil
}

// rangeString prints an interactivity range with two decimals, rounded
// inwards, so that every figure inside the printed range is a valid
// target: 1000/50.2 to 1000/9.6 prints "19.93 to 104.16".
func rangeString(r [2]float64) string {
	return fmtShort(math.Ceil(r[0]*100)/100) + " to " + fmtShort(math.Floor(r[1]*100)/100)
}
