package projection

import (
	"bytes"
	"encoding/json"
	"fmt"
	"io"
	"math"
	"slices"
	"strconv"

	"github.com/olekukonko/tablewriter"
	"github.com/olekukonko/tablewriter/renderer"
	"github.com/olekukonko/tablewriter/tw"

	"github.com/tokenbench/tokenbench/pricing"
	"github.com/tokenbench/tokenbench/sim"
)

// projectDisclaimer opens every projection, table or JSON.
const projectDisclaimer = "Projected, not measured: every figure labelled \"projected\" comes from the roofline model of " +
	"tokenbench's built-in engine, which scales what the run measured by each target GPU's modelled speed at the same operating point."

// Report is the projections of one run onto each target and their prices;
// WriteTable and WriteJSON render it.
type Report struct {
	dir            string
	gpus, replicas int
	notes          []string
	cat            *pricing.Catalog
	opts           Options

	projections []sim.Projection
	measured    sim.OperatingPoint
	srcCosts    []projCostRow
	srcNote     string
	dstCosts    [][]projCostRow
	dstNotes    []string
}

// projCostRow is the cost of a million output tokens at one price.
type projCostRow struct {
	q          pricing.PriceQuote
	usdPerMTok float64
}

func (r *Report) add(p sim.Projection) {
	r.projections = append(r.projections, p)
	for _, n := range p.Notes {
		if !slices.Contains(r.notes, n) {
			r.notes = append(r.notes, n)
		}
	}
}

// targetGPUs is the GPU count of the target endpoint: as many replicas as
// measured, of the target's TP each.
func (r *Report) targetGPUs(p sim.Projection) int {
	return r.replicas * p.To.Deployment.Config.TP
}

// price computes the cost of a million output tokens, measured on the
// source and projected on each target, at every price that applies.
func (r *Report) price(measured sim.OperatingPoint) error {
	r.measured = measured
	costs := func(gpu string, gpus int, tokensPerS float64) ([]projCostRow, string, error) {
		qs, note, err := r.opts.priceQuotes(r.cat, gpu, gpus)
		if err != nil || note != "" {
			return nil, note, err
		}
		rows := make([]projCostRow, 0, len(qs))
		for _, q := range qs {
			v, err := pricing.CostPerMTok(q.USDPerGPUHour, q.GPUs, tokensPerS)
			if err != nil {
				return nil, "", err
			}
			rows = append(rows, projCostRow{q: q, usdPerMTok: v})
		}
		return rows, "", nil
	}
	src := r.projections[0].From.Deployment
	var err error
	if r.srcCosts, r.srcNote, err = costs(src.GPU.Name, r.gpus, measured.OutputTokensPerS); err != nil {
		return err
	}
	for _, p := range r.projections {
		rows, note, err := costs(p.To.Deployment.GPU.Name, r.targetGPUs(p), p.OutputTokensPerS)
		if err != nil {
			return err
		}
		r.dstCosts, r.dstNotes = append(r.dstCosts, rows), append(r.dstNotes, note)
	}
	return nil
}

// JSON form. Projected figures carry "projected_" in their keys, modelled
// ones (the roofline's own times and ratios) "modelled_"; measured ones
// neither.
type (
	projectJSON struct {
		Disclaimer     string            `json:"disclaimer"`
		Dir            string            `json:"dir"`
		Model          string            `json:"model"`
		Precision      string            `json:"precision"`
		KVPrecision    string            `json:"kv_precision"`
		Timing         projTimingJSON    `json:"roofline_model"`
		OperatingPoint projOperatingJSON `json:"operating_point"`
		Measured       projMeasuredJSON  `json:"measured"`
		Projected      []projTargetJSON  `json:"projected"`
		Notes          []string          `json:"notes"`
	}
	projTimingJSON struct {
		MFU            float64 `json:"mfu"`
		MBU            float64 `json:"mbu"`
		Overlap        float64 `json:"overlap"`
		FP4Efficiency  float64 `json:"fp4_efficiency"`
		StepBaseMS     float64 `json:"step_base_ms"`
		DecodePerSeqUS float64 `json:"decode_per_seq_us"`
	}
	projOperatingJSON struct {
		MeanInputTokens       float64 `json:"mean_input_tokens"`
		MeanCachedInputTokens float64 `json:"mean_cached_input_tokens"`
		MeanOutputTokens      float64 `json:"mean_output_tokens"`
		ConcurrencyPerReplica float64 `json:"concurrency_per_replica"`
		Replicas              int     `json:"replicas"`
		ModelledContextTokens int     `json:"modelled_decode_context_tokens"`
	}
	projPhaseJSON struct {
		ModelledMS          float64 `json:"modelled_ms"`
		Steps               int     `json:"steps"`
		BandwidthBoundShare float64 `json:"bandwidth_bound_share"`
		ComputeBoundShare   float64 `json:"compute_bound_share"`
		OtherShare          float64 `json:"other_share"`
		GEMMBound           string  `json:"gemm_bound"`
		AttentionBound      string  `json:"attention_bound"`
	}
	projRooflineJSON struct {
		KVCacheTokens                      int           `json:"kv_cache_tokens"`
		ComputePrecision                   string        `json:"compute_precision"`
		Batch                              int           `json:"batch"`
		Decode                             projPhaseJSON `json:"decode_step"`
		Prefill                            projPhaseJSON `json:"prefill"`
		ModelledOutputTokensPerSPerReplica float64       `json:"modelled_output_tokens_per_s_per_replica"`
	}
	projPriceJSON struct {
		GPU                string  `json:"gpu"`
		GPUs               int     `json:"gpus"`
		Tier               string  `json:"tier,omitempty"`
		Provider           string  `json:"provider,omitempty"`
		PriceUSDPerGPUHour float64 `json:"price_usd_per_gpu_hour"`
		PriceSource        string  `json:"price_source"`
	}
	projMeasuredCostJSON struct {
		projPriceJSON
		USDPerMTokOutput float64 `json:"usd_per_mtok_output"`
	}
	projCostJSON struct {
		projPriceJSON
		ProjectedUSDPerMTokOutput float64 `json:"projected_usd_per_mtok_output"`
	}
	projMeasuredJSON struct {
		GPU                    string   `json:"gpu"`
		TP                     int      `json:"tp"`
		GPUs                   int      `json:"gpus"`
		OutputTokensPerS       float64  `json:"output_tokens_per_s"`
		OutputTokensPerSPerGPU float64  `json:"output_tokens_per_s_per_gpu"`
		TPOTP50MS              *float64 `json:"tpot_p50_ms"`
		TTFTP50MS              *float64 `json:"ttft_p50_ms"`
		Interactivity          *float64 `json:"interactivity_tokens_per_s_per_user"`
		// ModelledOverMeasured is modelCheck: 1 when the roofline
		// reproduces the measured throughput of the source.
		ModelledOverMeasured float64                `json:"modelled_over_measured_throughput"`
		Roofline             projRooflineJSON       `json:"roofline"`
		Costs                []projMeasuredCostJSON `json:"costs"`
		PriceNote            string                 `json:"price_note,omitempty"`
	}
	projTargetJSON struct {
		GPU                             string           `json:"gpu"`
		TP                              int              `json:"tp"`
		GPUs                            int              `json:"gpus"`
		ModelledThroughputRatio         float64          `json:"modelled_throughput_ratio"`
		ModelledTPOTRatio               float64          `json:"modelled_tpot_ratio"`
		ModelledTTFTRatio               float64          `json:"modelled_ttft_ratio"`
		ProjectedOutputTokensPerS       float64          `json:"projected_output_tokens_per_s"`
		ProjectedOutputTokensPerSPerGPU float64          `json:"projected_output_tokens_per_s_per_gpu"`
		ProjectedTPOTP50MS              *float64         `json:"projected_tpot_p50_ms"`
		ProjectedTTFTP50MS              *float64         `json:"projected_ttft_p50_ms"`
		ProjectedInteractivity          *float64         `json:"projected_interactivity_tokens_per_s_per_user"`
		Roofline                        projRooflineJSON `json:"roofline"`
		Costs                           []projCostJSON   `json:"costs"`
		PriceNote                       string           `json:"price_note,omitempty"`
	}
)

// projRound keeps digits decimals, so that the JSON does not carry the last
// bits of float arithmetic (which fused multiply-adds change across CPUs).
func projRound(v float64, digits int) float64 {
	p := math.Pow(10, float64(digits))
	return math.Round(v*p) / p
}

// projOptional is v rounded, or nil when it was not measured (0).
func projOptional(v float64, digits int) *float64 {
	if v <= 0 {
		return nil
	}
	x := projRound(v, digits)
	return &x
}

// modelCheck is the source's modelled throughput, on the run's clock,
// over the measured one per replica: how well the roofline fits the run
// before it projects anything.
func (r *Report) modelCheck() float64 {
	from := r.projections[0].From
	return from.OutputTokensPerS / from.Deployment.Config.TimeScale / (r.measured.OutputTokensPerS / float64(r.replicas))
}

// projInteractivity is 1000 / TPOT ms, InferenceX's x axis; 0 when unknown.
func projInteractivity(tpotMS float64) float64 {
	if tpotMS <= 0 {
		return 0
	}
	return 1000 / tpotMS
}

func projPhase(s sim.StepTime) projPhaseJSON {
	return projPhaseJSON{ModelledMS: projRound(s.Seconds*1e3, 4), Steps: s.Steps,
		BandwidthBoundShare: projRound(s.BandwidthBoundShare(), 4), ComputeBoundShare: projRound(s.ComputeBoundShare(), 4),
		OtherShare: projRound(s.OtherShare(), 4), GEMMBound: string(s.GEMMBound), AttentionBound: string(s.AttentionBound)}
}

func projRoofline(s sim.Side) projRooflineJSON {
	d := s.Deployment
	return projRooflineJSON{KVCacheTokens: d.Config.KVCapacityTokens, ComputePrecision: string(d.Compute), Batch: s.Batch,
		Decode: projPhase(s.Decode), Prefill: projPhase(s.Prefill), ModelledOutputTokensPerSPerReplica: projRound(s.OutputTokensPerS, 3)}
}

func projPrice(q pricing.PriceQuote) projPriceJSON {
	return projPriceJSON{GPU: q.GPU, GPUs: q.GPUs, Tier: q.Tier, Provider: q.Provider, PriceUSDPerGPUHour: q.USDPerGPUHour, PriceSource: q.Source}
}

// report is the JSON form of r.
func (r *Report) report() projectJSON {
	first := r.projections[0]
	src := first.From.Deployment
	c, t := src.Config, src.Config.Timing
	m := r.measured
	out := projectJSON{
		Disclaimer: projectDisclaimer, Dir: r.dir, Model: src.Model.Name,
		Precision: string(c.Precision), KVPrecision: string(c.KVPrecision),
		Timing: projTimingJSON{MFU: t.MFU, MBU: t.MBU, Overlap: t.Overlap, FP4Efficiency: t.FP4Efficiency,
			StepBaseMS: projRound(float64(t.StepBase)/1e6, 6), DecodePerSeqUS: projRound(float64(t.DecodePerSeq)/1e3, 6)},
		OperatingPoint: projOperatingJSON{MeanInputTokens: projRound(m.InputTokens, 3), MeanCachedInputTokens: projRound(m.CachedInputTokens, 3),
			MeanOutputTokens: projRound(m.OutputTokens, 3), ConcurrencyPerReplica: projRound(m.Concurrency/float64(r.replicas), 3),
			Replicas: r.replicas, ModelledContextTokens: first.ContextTokens},
		Measured: projMeasuredJSON{GPU: src.GPU.Name, TP: c.TP, GPUs: r.gpus,
			OutputTokensPerS: projRound(m.OutputTokensPerS, 3), OutputTokensPerSPerGPU: projRound(m.OutputTokensPerS/float64(r.gpus), 3),
			TPOTP50MS: projOptional(m.TPOTP50MS, 4), TTFTP50MS: projOptional(m.TTFTP50MS, 4),
			Interactivity:        projOptional(projInteractivity(m.TPOTP50MS), 3),
			ModelledOverMeasured: projRound(r.modelCheck(), 4), Roofline: projRoofline(first.From),
			Costs: []projMeasuredCostJSON{}, PriceNote: r.srcNote},
		Projected: []projTargetJSON{}, Notes: r.notes,
	}
	for _, row := range r.srcCosts {
		out.Measured.Costs = append(out.Measured.Costs, projMeasuredCostJSON{projPrice(row.q), projRound(row.usdPerMTok, 6)})
	}
	for i, p := range r.projections {
		gpus := r.targetGPUs(p)
		pj := projTargetJSON{GPU: p.To.Deployment.GPU.Name, TP: p.To.Deployment.Config.TP, GPUs: gpus,
			ModelledThroughputRatio: projRound(p.ThroughputRatio, 6), ModelledTPOTRatio: projRound(p.TPOTRatio, 6), ModelledTTFTRatio: projRound(p.TTFTRatio, 6),
			ProjectedOutputTokensPerS: projRound(p.OutputTokensPerS, 3), ProjectedOutputTokensPerSPerGPU: projRound(p.OutputTokensPerS/float64(gpus), 3),
			ProjectedTPOTP50MS: projOptional(p.TPOTP50MS, 4), ProjectedTTFTP50MS: projOptional(p.TTFTP50MS, 4),
			ProjectedInteractivity: projOptional(projInteractivity(p.TPOTP50MS), 3), Roofline: projRoofline(p.To),
			Costs: []projCostJSON{}, PriceNote: r.dstNotes[i]}
		for _, row := range r.dstCosts[i] {
			pj.Costs = append(pj.Costs, projCostJSON{projPrice(row.q), projRound(row.usdPerMTok, 6)})
		}
		out.Projected = append(out.Projected, pj)
	}
	return out
}

// WriteJSON writes the projection as indented JSON: projected figures
// carry "projected_" in their keys, modelled ones "modelled_".
func (r *Report) WriteJSON(w io.Writer) error {
	var b bytes.Buffer
	enc := json.NewEncoder(&b)
	enc.SetEscapeHTML(false) // sources hold '&'
	enc.SetIndent("", "  ")
	if err := enc.Encode(r.report()); err != nil {
		return fmt.Errorf("projection: encode: %w", err)
	}
	_, err := w.Write(b.Bytes())
	return err
}

// projectTable returns a plain ASCII table like pricing's, with the given
// column alignments.
func projectTable(w io.Writer, align ...tw.Align) *tablewriter.Table {
	return tablewriter.NewTable(w,
		tablewriter.WithRenderer(renderer.NewBlueprint(tw.Rendition{Symbols: tw.NewSymbols(tw.StyleASCII)})),
		tablewriter.WithHeaderAutoFormat(tw.Off),
		tablewriter.WithRowAutoFormat(tw.Off),
		tablewriter.WithAlignment(tw.Alignment(align)),
	)
}

// projF formats v with digits decimals, or "-" when it is not a figure.
func projF(v float64, digits int) string {
	if v <= 0 || math.IsNaN(v) || math.IsInf(v, 0) {
		return "-"
	}
	return strconv.FormatFloat(v, 'f', digits, 64)
}

func projPct(share float64) string { return strconv.FormatFloat(100*share, 'f', 1, 64) + "%" }
