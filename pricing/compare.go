package pricing

import (
	"errors"
	"fmt"
	"math"
	"slices"
	"strings"
)

// MeasuredSweep is a sweep with the endpoint it was measured on: its
// figures apply to that GPU type and count only.
type MeasuredSweep struct {
	Sweep *Sweep
	// GPU is the GPU type (a catalog name or alias); GPUs how many served
	// the endpoint.
	GPU  string
	GPUs int
}

// CompareOptions choose the target and narrow the prices of a comparison.
type CompareOptions struct {
	// Interactivity is the target, output tokens/s per user.
	Interactivity float64
	// Tier and Provider, when given, keep only those prices.
	Tier, Provider string
}

// Comparison is several sweeps, each measured on its own GPU type, priced
// at one target interactivity: one row per price of each sweep's GPU,
// cheapest first. Each row's throughput is read off its own sweep's Pareto
// front; nothing is projected from one GPU type to another.
type Comparison struct {
	InteractivityBasis  string  `json:"interactivity_basis"`
	TargetInteractivity float64 `json:"target_interactivity_tokens_per_s"`
	Interpolation       string  `json:"interpolation"`
	// Tier and Provider are the narrowing asked for; empty for every price.
	Tier     string `json:"tier,omitempty"`
	Provider string `json:"provider,omitempty"`

	// Sweeps are the sweeps in the order given, with the throughput per GPU
	// each gives at the target.
	Sweeps []ComparedSweep `json:"sweeps"`
	// Rows are the priced rows by cost ascending, then one row per sweep
	// that could not be priced (Note says why), in the order given.
	Rows []CompareRow `json:"rows"`
}

// ComparedSweep is one sweep of a comparison read at the target.
type ComparedSweep struct {
	Sweep    string  `json:"sweep"`
	Kind     string  `json:"kind"`
	Param    string  `json:"param,omitempty"`
	GPU      string  `json:"gpu"`
	GPUs     int     `json:"gpus"`
	GPUWatts float64 `json:"gpu_watts,omitempty"`
	// Points and Skipped count the sweep's usable and unusable runs.
	Points  int `json:"points"`
	Skipped int `json:"skipped"`
	// FrontRange is the interactivity span of the sweep's Pareto front.
	FrontRange [2]float64 `json:"front_interactivity_range_tokens_per_s"`
	// Between names the front points around the target (or the one at it);
	// nil when the target is outside the front.
	Between []string `json:"interpolated_between"`
	// ThroughputPerGPU is the output tokens/s per GPU at the target; nil
	// when the target is outside the front.
	ThroughputPerGPU     *float64 `json:"output_tokens_per_s_per_gpu"`
	JoulesPerOutputToken *float64 `json:"joules_per_output_token"`
	// Note says why the sweep has no priced row: the target outside its
	// measured range, or no price matching the narrowing.
	Note string `json:"note,omitempty"`

	why string // the note in full, for the error when nothing is priced
}

// CompareRow is one price of one sweep's GPU at the target; the figures are
// nil (JSON null) on a row that could not be priced, whose Note says why.
type CompareRow struct {
	Sweep              string   `json:"sweep"`
	GPU                string   `json:"gpu"`
	GPUs               int      `json:"gpus"`
	Tier               string   `json:"tier,omitempty"`
	Provider           string   `json:"provider,omitempty"`
	ThroughputPerGPU   *float64 `json:"output_tokens_per_s_per_gpu"`
	PriceUSDPerGPUHour *float64 `json:"price_usd_per_gpu_hour"`
	USDPerMTokOutput   *float64 `json:"usd_per_mtok_output"`
	PriceSource        string   `json:"price_source,omitempty"`
	PriceDate          string   `json:"price_date,omitempty"`
	// CheapestInTier marks the lowest cost of its tier across every GPU
	// compared (each row tied at the lowest, if several).
	CheapestInTier bool   `json:"cheapest_in_tier"`
	Note           string `json:"note,omitempty"`

	footnote string // the source a table cites
}

// Compare prices each sweep at o.Interactivity on its own GPU (PriceSweep
// over the catalog's prices of that GPU, narrowed by o.Tier and
// o.Provider) and lists every price of every sweep cheapest first, marking
// the cheapest row of each tier. A sweep the target falls outside of, or
// whose GPU has no price matching the narrowing, gets one row with a note
// instead of failing the comparison; when no sweep can be priced, the
// error (an *OptionError if the target is outside every sweep, else a
// *LookupError) says why for each. An unknown GPU is a *LookupError
// listing the known ones.
func (c *Catalog) Compare(sweeps []MeasuredSweep, o CompareOptions) (Comparison, error) {
	if len(sweeps) == 0 {
		return Comparison{}, fmt.Errorf("pricing: no sweep to compare")
	}
	if err := CheckInteractivity(o.Interactivity); err != nil {
		return Comparison{}, err
	}
	if err := CheckSelection(o.Tier, o.Provider); err != nil {
		return Comparison{}, err
	}
	cmp := Comparison{InteractivityBasis: InteractivityBasis, TargetInteractivity: o.Interactivity,
		Interpolation: Interpolation, Tier: o.Tier, Provider: o.Provider}
	var unpriced []CompareRow
	outside := 0
	for _, m := range sweeps {
		cs, rows, err := c.compareOne(m, o)
		if err != nil {
			return Comparison{}, err
		}
		cmp.Sweeps = append(cmp.Sweeps, cs)
		if cs.Note != "" {
			if cs.ThroughputPerGPU == nil {
				outside++
			}
			unpriced = append(unpriced, CompareRow{Sweep: cs.Sweep, GPU: cs.GPU, GPUs: cs.GPUs,
				ThroughputPerGPU: cs.ThroughputPerGPU, Note: cs.Note})
			continue
		}
		cmp.Rows = append(cmp.Rows, rows...)
	}
	if len(cmp.Rows) == 0 {
		var why, spans []string
		for _, s := range cmp.Sweeps {
			note := s.Note
			if s.why != "" {
				note = s.why
			}
			why = append(why, fmt.Sprintf("%s (%s x %d): %s", s.Sweep, s.GPU, s.GPUs, note))
			spans = append(spans, fmt.Sprintf("%s (%s x %d) spans %s", s.Sweep, s.GPU, s.GPUs, shortRange(s.FrontRange)))
		}
		if outside == len(cmp.Sweeps) {
			return Comparison{}, &OptionError{fmt.Sprintf("interactivity %s tokens/s/user is outside the measured range of every sweep: %s tokens/s/user; sweep further rather than extrapolate",
				fmtShort(o.Interactivity), strings.Join(spans, ", "))}
		}
		return Comparison{}, lookupErr("no sweep could be priced: %s", strings.Join(why, "; "))
	}
	slices.SortStableFunc(cmp.Rows, func(a, b CompareRow) int {
		switch {
		case *a.USDPerMTokOutput < *b.USDPerMTokOutput:
			return -1
		case *a.USDPerMTokOutput > *b.USDPerMTokOutput:
			return 1
		}
		return 0
	})
	markCheapest(cmp.Rows)
	cmp.Rows = append(cmp.Rows, unpriced...)
	return cmp, nil
}

// compareOne reads one sweep at the target and prices it; a sweep that
// cannot be priced comes back with a Note and no rows.
func (c *Catalog) compareOne(m MeasuredSweep, o CompareOptions) (ComparedSweep, []CompareRow, error) {
	if m.Sweep == nil {
		return ComparedSweep{}, nil, fmt.Errorf("pricing: compare: nil sweep")
	}
	if m.GPUs < 1 {
		return ComparedSweep{}, nil, fmt.Errorf("pricing: %s: %d GPUs: want at least 1", m.Sweep.Dir, m.GPUs)
	}
	g, err := c.FindGPU(m.GPU)
	if err != nil {
		return ComparedSweep{}, nil, err
	}
	s := m.Sweep
	pts := s.Points(m.GPUs)
	cs := ComparedSweep{Sweep: s.Dir, Kind: s.Kind, Param: s.Param, GPU: g.Name, GPUs: m.GPUs, GPUWatts: g.Watts,
		Points: len(pts), Skipped: len(s.Skipped) + len(s.Runs) - len(pts)}
	front := ParetoFront(pts)
	if len(front) == 0 {
		return ComparedSweep{}, nil, fmt.Errorf("pricing: %s: no point has both a TPOT and an output throughput", s.Dir)
	}
	cs.FrontRange = [2]float64{front[0].Interactivity, front[len(front)-1].Interactivity}
	if o.Interactivity < cs.FrontRange[0] || o.Interactivity > cs.FrontRange[1] {
		cs.Note = "outside the measured range " + shortRange(cs.FrontRange)
		return cs, nil, nil
	}
	quotes, err := c.Quotes(Options{GPU: g.Name, GPUs: m.GPUs, Tier: o.Tier, Provider: o.Provider})
	var le *LookupError
	switch {
	case len(g.Prices) == 0:
		cs.Note, cs.why = "no price in the catalog", fmt.Sprintf("%s has no price in the catalog; add one with --prices FILE", g.Name)
	case errors.As(err, &le):
		// A short note for the row; the error, if no sweep is priced, says
		// what prices exist.
		cs.Note, cs.why = "no "+strings.TrimSpace(o.Tier+" "+o.Provider)+" price", le.Msg
	case err != nil:
		return ComparedSweep{}, nil, err
	}
	if cs.Note != "" {
		// Still read the throughput off the front, as PriceSweep does: at a
		// unit price whose cost is dropped, so the row shows what was
		// measured even though nothing prices it.
		quotes = []PriceQuote{{Quote: Quote{GPU: g.Name, GPUs: m.GPUs, USDPerGPUHour: 1, Watts: g.Watts}}}
	}
	sc, err := PriceSweep(s, o.Interactivity, quotes)
	if err != nil {
		return ComparedSweep{}, nil, err
	}
	cs.Between, cs.JoulesPerOutputToken = sc.Between, sc.JoulesPerOutputToken
	cs.ThroughputPerGPU = ptr(sc.ThroughputPerGPU)
	if cs.Note != "" {
		return cs, nil, nil
	}
	var rows []CompareRow
	for _, p := range sc.Prices {
		rows = append(rows, CompareRow{Sweep: s.Dir, GPU: g.Name, GPUs: m.GPUs, Tier: p.Tier, Provider: p.Provider,
			ThroughputPerGPU: ptr(sc.ThroughputPerGPU), PriceUSDPerGPUHour: ptr(p.PriceUSDPerGPUHour),
			USDPerMTokOutput: ptr(p.USDPerMTokOutput), PriceSource: p.PriceSource, PriceDate: p.PriceDate,
			footnote: p.footnote})
	}
	return cs, rows, nil
}

// markCheapest marks, in each tier, the rows at the tier's lowest cost.
func markCheapest(rows []CompareRow) {
	low := map[string]float64{}
	for _, r := range rows {
		k := normalize(r.Tier)
		if v, ok := low[k]; !ok || *r.USDPerMTokOutput < v {
			low[k] = *r.USDPerMTokOutput
		}
	}
	for i := range rows {
		rows[i].CheapestInTier = *rows[i].USDPerMTokOutput == low[normalize(rows[i].Tier)]
	}
}

// shortRange prints an interactivity range as "19.93..104.16", rounded
// inwards like rangeString: every figure inside the printed range is one
// the sweep can be priced at.
func shortRange(r [2]float64) string {
	lo, hi := math.Ceil(r[0]*100)/100, math.Floor(r[1]*100)/100
	if lo > hi {
		// A front of one point (or two within 0.01): no rounding inwards.
		lo, hi = r[0], r[1]
	}
	return fmtShort(lo) + ".." + fmtShort(hi)
}
