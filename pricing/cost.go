package pricing

import (
	"errors"
	"fmt"
	"strconv"
)

// UserPriceSource is the PriceSource of a cost priced with --price.
const UserPriceSource = "user --price"

// Throughput is what a run measured for the whole endpoint (all its GPUs
// together), in tokens per second of the measurement window, as summary.json
// gives it. Zero means not measured.
type Throughput struct {
	OutputTokensPerS float64 `json:"output_tokens_per_s"`
	InputTokensPerS  float64 `json:"input_tokens_per_s"`
	TotalTokensPerS  float64 `json:"total_tokens_per_s"`
	// GoodOutputTokensPerS is the output tokens/s of the requests that met
	// every SLO given (goodput); 0 when the run had no SLOs.
	GoodOutputTokensPerS float64 `json:"good_output_tokens_per_s,omitempty"`
}

// Quote is a resolved price for an endpoint: which GPU, how many, what one
// GPU-hour costs and where that figure comes from.
type Quote struct {
	GPU           string
	GPUs          int
	Tier          string
	Provider      string
	USDPerGPUHour float64
	// Source is the PriceSource printed with every figure.
	Source string
	// Watts and AllInKW are per GPU, from the catalog; 0 when unknown.
	Watts   float64
	AllInKW float64
}

// Cost is the price of a run's tokens. Each figure charges the whole
// GPU-hour to one token type (InferenceX's convention), so output, input and
// total do not add up. A figure is nil (JSON null) when its throughput is
// zero or unknown, never Inf.
type Cost struct {
	GPU                string  `json:"gpu"`
	GPUs               int     `json:"gpus"`
	Tier               string  `json:"tier,omitempty"`
	Provider           string  `json:"provider,omitempty"`
	PriceUSDPerGPUHour float64 `json:"price_usd_per_gpu_hour"`
	PriceSource        string  `json:"price_source"`

	USDPerMTokOutput     *float64 `json:"usd_per_mtok_output"`
	USDPerMTokInput      *float64 `json:"usd_per_mtok_input"`
	USDPerMTokTotal      *float64 `json:"usd_per_mtok_total"`
	USDPerMTokGoodOutput *float64 `json:"usd_per_mtok_good_output"`

	// OutputTokensPerSPerGPU is output throughput / GPUs, the y axis of
	// InferenceX's throughput-per-GPU charts.
	OutputTokensPerSPerGPU *float64 `json:"output_tokens_per_s_per_gpu"`

	// GPUWatts is the board power of one GPU the energy figures assume.
	GPUWatts float64 `json:"gpu_watts,omitempty"`
	// JoulesPerOutputToken = gpu_watts * gpus / output_tokens_per_s
	// (METRICS.md: energy per token). Board power only: no host or cooling.
	JoulesPerOutputToken *float64 `json:"joules_per_output_token"`
	// OutputTokensPerSPerMW is the output tokens/s that one megawatt of GPU
	// board power would serve at this efficiency:
	// output_tokens_per_s / (gpu_watts * gpus) * 1e6 = 1e6 / joules_per_output_token.
	OutputTokensPerSPerMW *float64 `json:"output_tokens_per_s_per_mw"`
	// OutputTokensPerSPerAllInMW is the same per megawatt of facility power
	// (SemiAnalysis's all-in kW per GPU: host, network, cooling), InferenceX's
	// "tokens per all-in MW": output_tokens_per_s / (all_in_kw * 1e3 * gpus) * 1e6.
	OutputTokensPerSPerAllInMW *float64 `json:"output_tokens_per_s_per_all_in_mw"`
	// AllInKWPerGPU is the facility power per GPU the all-in figure
	// assumes, in kW; 0 when the catalog has none.
	AllInKWPerGPU float64 `json:"all_in_kw_per_gpu,omitempty"`

	// Assumptions states in words every assumption the figures rest on
	// (price, GPU count, power per GPU, what the power covers), for
	// wherever they are printed.
	Assumptions []string `json:"assumptions"`

	// Throughput is the input of every figure above.
	Throughput Throughput `json:"throughput"`
}

// CostPerMTok is the cost in USD of one million tokens produced at
// tokensPerS by gpus GPUs at usdPerGPUHour each (METRICS.md):
//
//	usd_per_gpu_hour * gpus / (tokens_per_s * 3600) * 1e6
//
// It is evaluated as InferenceX writes it, $/GPU-hour / (tokens/s per GPU *
// 3600 / 1e6), so that the same inputs give the same float, bit for bit:
// $1.30 at 1,000 tokens/s on one GPU is exactly 1.3 / 3.6.
func CostPerMTok(usdPerGPUHour float64, gpus int, tokensPerS float64) (float64, error) {
	if err := CheckPrice(usdPerGPUHour); err != nil {
		return 0, fmt.Errorf("pricing: %w", err)
	}
	if gpus < 1 {
		return 0, fmt.Errorf("pricing: %d GPUs: want at least 1", gpus)
	}
	if tokensPerS <= 0 || !finite(tokensPerS) {
		return 0, fmt.Errorf("pricing: throughput %v tokens/s: want a finite number > 0", tokensPerS)
	}
	perGPU := tokensPerS / float64(gpus)
	v := usdPerGPUHour / (perGPU * 3600 / 1e6)
	if !finite(v) || v <= 0 {
		// A throughput so small (or large) that the quotient leaves float64.
		return 0, fmt.Errorf("pricing: %v tokens/s on %d GPUs at $%v: cost out of range", tokensPerS, gpus, usdPerGPUHour)
	}
	return v, nil
}

// NewCost computes every figure of Cost from a run's throughput and a quote.
// Figures whose throughput (or power) is zero or unknown stay nil.
func NewCost(tp Throughput, q Quote) (Cost, error) {
	if err := CheckPrice(q.USDPerGPUHour); err != nil {
		return Cost{}, fmt.Errorf("pricing: %w", err)
	}
	if q.GPUs < 1 {
		return Cost{}, fmt.Errorf("pricing: %d GPUs: want at least 1", q.GPUs)
	}
	if q.Watts < 0 || !finite(q.Watts) || q.AllInKW < 0 || !finite(q.AllInKW) {
		return Cost{}, errors.New("pricing: GPU power must be a finite number >= 0")
	}
	c := Cost{
		GPU: q.GPU, GPUs: q.GPUs, Tier: q.Tier, Provider: q.Provider,
		PriceUSDPerGPUHour: q.USDPerGPUHour, PriceSource: q.Source,
		GPUWatts: q.Watts, AllInKWPerGPU: q.AllInKW, Throughput: tp.clean(),
	}
	c.Assumptions = assumptions(q)
	per := func(tps float64) *float64 {
		v, err := CostPerMTok(q.USDPerGPUHour, q.GPUs, tps)
		if err != nil {
			return nil // zero, negative or non-finite throughput: no figure
		}
		return &v
	}
	c.USDPerMTokOutput = per(tp.OutputTokensPerS)
	c.USDPerMTokInput = per(tp.InputTokensPerS)
	c.USDPerMTokTotal = per(tp.TotalTokensPerS)
	c.USDPerMTokGoodOutput = per(tp.GoodOutputTokensPerS)

	out := tp.OutputTokensPerS
	if out <= 0 || !finite(out) {
		return c, nil
	}
	c.OutputTokensPerSPerGPU = ptr(out / float64(q.GPUs))
	if q.Watts > 0 {
		watts := q.Watts * float64(q.GPUs)
		c.JoulesPerOutputToken = ptr(watts / out)
		c.OutputTokensPerSPerMW = ptr(out / watts * 1e6)
	}
	if q.AllInKW > 0 {
		c.OutputTokensPerSPerAllInMW = ptr(out / (q.AllInKW * 1e3 * float64(q.GPUs)) * 1e6)
	}
	return c, nil
}

// clean zeroes rates that are not measurements (negative, NaN, Inf), so the
// echoed input encodes as JSON and reads as "not measured".
func (tp Throughput) clean() Throughput {
	z := func(v float64) float64 {
		if v < 0 || !finite(v) {
			return 0
		}
		return v
	}
	return Throughput{z(tp.OutputTokensPerS), z(tp.InputTokensPerS), z(tp.TotalTokensPerS), z(tp.GoodOutputTokensPerS)}
}

// ptr returns &v, or nil when v is not finite, so no Inf or NaN reaches JSON.
func ptr(v float64) *float64 {
	if !finite(v) {
		return nil
	}
	return &v
}

// assumptions lists, in words, what the figures of a cost computed from q
// assume.
func assumptions(q Quote) []string {
	a := []string{
		fmt.Sprintf("price: $%s per GPU-hour for each of %d GPU(s), %s", strconv.FormatFloat(q.USDPerGPUHour, 'f', -1, 64), q.GPUs, q.Source),
		"each $ per 1M tokens figure charges the whole GPU-hour to one token type (InferenceX's convention): they do not add up",
		"GPUs only: no host, storage or network cost beyond what the price per GPU-hour includes",
	}
	if q.Watts > 0 {
		a = append(a, fmt.Sprintf("energy per token and tokens/s per MW: %s W board power per GPU (TDP), GPUs only: no host, network or cooling (PUE 1)",
			strconv.FormatFloat(q.Watts, 'f', -1, 64)))
	}
	if q.AllInKW > 0 {
		a = append(a, fmt.Sprintf("tokens/s per all-in MW: %s kW per GPU of facility power (SemiAnalysis's all-in kW: host, network and cooling, PUE included)",
			strconv.FormatFloat(q.AllInKW, 'f', -1, 64)))
	}
	return a
}
