package report

// html_cost.go: the cost section of the HTML page, from cost.json
// (tokenbench cost --save, a pricing.Cost): the price and where it comes
// from, $ per 1M tokens by token type, energy, and every assumption the
// figures rest on.

import (
	"encoding/json"
	"math"
	"strconv"

	"github.com/tokenbench/tokenbench/pricing"
)

// costSection renders cost.json as tables, or returns ok false when it is
// not a pricing.Cost (another writer's file: shown as key-value rows).
func costSection(v any, id string) (htmlSection, bool) {
	c, ok := decodeCost(v)
	if !ok {
		return htmlSection{}, false
	}
	gpus := c.GPU + " × " + strconv.Itoa(c.GPUs)
	if c.GPUWatts > 0 {
		gpus += " (" + strconv.FormatFloat(c.GPUWatts, 'f', -1, 64) + " W board power each)"
	}
	price := "$" + usd(c.PriceUSDPerGPUHour) + " per GPU-hour"
	if c.Tier != "" {
		price += ", tier " + c.Tier
	}
	if c.Provider != "" {
		price += ", provider " + c.Provider
	}
	sec := htmlSection{ID: id + "-cost", Title: "Cost",
		Definition: "$ per 1M tokens = price per GPU-hour × GPUs / (tokens/s × 3600) × 1e6, each figure charging the whole GPU-hour to one token type " +
			"(InferenceX's convention): output, input and total do not add up.",
		KV: []kv{{"GPUs", gpus}, {"Price", price}, {"Price source", c.PriceSource}}}
	t := &htmlTable{Header: []string{"Tokens", "Throughput (tok/s)", "Per GPU (tok/s)", "$ per 1M tokens"}}
	tp := c.Throughput
	for _, r := range []struct {
		name string
		tps  float64
		usd  *float64
	}{{"output", tp.OutputTokensPerS, c.USDPerMTokOutput}, {"input", tp.InputTokensPerS, c.USDPerMTokInput},
		{"total", tp.TotalTokensPerS, c.USDPerMTokTotal}, {"good output (met the SLO)", tp.GoodOutputTokensPerS, c.USDPerMTokGoodOutput}} {
		rate, per, usd := notAvailable, notAvailable, notAvailable
		if r.tps > 0 {
			rate, per = fixed(r.tps, 1), fixed(r.tps/float64(c.GPUs), 1)
		}
		if r.usd != nil {
			usd = "$" + fixed(*r.usd, 4)
		}
		t.Rows = append(t.Rows, cells(r.name, rate, per, usd))
	}
	sec.Table = t
	if c.JoulesPerOutputToken != nil {
		sec.KV = append(sec.KV, kv{"Energy per output token", fixed(*c.JoulesPerOutputToken, 3) + " J (GPU board power)"})
	}
	if c.OutputTokensPerSPerMW != nil {
		sec.KV = append(sec.KV, kv{"Output tok/s per MW", count(math.Round(*c.OutputTokensPerSPerMW)) + " (GPU board power, PUE 1)"})
	}
	if c.OutputTokensPerSPerAllInMW != nil {
		allIn := "all-in"
		if c.AllInKWPerGPU > 0 {
			allIn = strconv.FormatFloat(c.AllInKWPerGPU, 'f', -1, 64) + " kW all-in per GPU"
		}
		sec.KV = append(sec.KV, kv{"Output tok/s per all-in MW", count(math.Round(*c.OutputTokensPerSPerAllInMW)) + " (" + allIn + ": host, network, cooling)"})
	}
	sec.Notes = c.Assumptions
	if len(sec.Notes) == 0 {
		// cost.json written before costs listed their assumptions.
		sec.Notes = []string{"this cost.json lists no assumptions: rewrite it with tokenbench cost --save"}
	}
	return sec, true
}

// decodeCost reads a decoded cost.json as a pricing.Cost; ok is false when
// it is not one (no GPU, GPU count or price).
func decodeCost(v any) (pricing.Cost, bool) {
	var c pricing.Cost
	b, err := json.Marshal(v)
	if err != nil || json.Unmarshal(b, &c) != nil || c.GPU == "" || c.GPUs < 1 || c.PriceUSDPerGPUHour <= 0 {
		return pricing.Cost{}, false
	}
	return c, true
}

// usd formats dollars with cents, and more digits only when the figure
// has them ($1.30, $2.125).
func usd(v float64) string {
	s := strconv.FormatFloat(v, 'f', 2, 64)
	if p, _ := strconv.ParseFloat(s, 64); p == v {
		return s
	}
	return strconv.FormatFloat(v, 'f', -1, 64)
}
