package report

// html_sections.go: the sections of the HTML page a person reads as
// labelled tables, with units in the headings and a precision that suits
// each figure, rather than dotted-path dumps of the JSON: goodput and SLO
// attainment, validity, prompt length aimed at vs counted, the engine's
// gauges and counters, speculative decoding by source, prefix reuse
// intended vs obtained, the built-in engine's set-up.

import (
	"fmt"
	"maps"
	"math"
	"slices"
	"strconv"
	"strings"

	"github.com/tokenbench/tokenbench/bench/scrape"
)

// htmlSection is one titled block of a run: a table, key-value rows, or
// both, with a definition or notes under the title.
type htmlSection struct {
	ID    string // anchor, unique in the page
	Title string
	// Definition says what the figures mean (METRICS.md's words).
	Definition string
	KV         []kv
	Table      *htmlTable
	Notes      []string
}

// fixed formats v with dec decimals.
func fixed(v float64, dec int) string { return strconv.FormatFloat(v, 'f', dec, 64) }

// pct formats a share in [0, 1] as a percentage with one decimal.
func pct(v float64) string { return fixed(100*v, 1) + "%" }

// count formats a large count with thin groups of three digits.
func count(v float64) string {
	if math.Abs(v) >= 1e15 || v != math.Trunc(v) {
		return sig(v)
	}
	s := strconv.FormatInt(int64(math.Abs(v)), 10)
	var b strings.Builder
	if v < 0 {
		b.WriteByte('-')
	}
	for i, c := range s {
		if i > 0 && (len(s)-i)%3 == 0 {
			b.WriteByte(',')
		}
		b.WriteRune(c)
	}
	return b.String()
}

// sig formats v with about four significant digits and no exponent for
// the magnitudes a report shows (1e-3 .. 1e9).
func sig(v float64) string {
	a := math.Abs(v)
	switch {
	case v == 0:
		return "0"
	case a >= 1000:
		return count(math.Round(v))
	case a >= 100:
		return fixed(v, 1)
	case a >= 10:
		return fixed(v, 2)
	case a >= 0.01:
		return fixed(v, 3)
	default:
		return strconv.FormatFloat(v, 'g', 3, 64)
	}
}

func cells(texts ...string) []htmlCell {
	row := make([]htmlCell, len(texts))
	for i, t := range texts {
		row[i] = htmlCell{Text: t}
	}
	return row
}

// summarySections are the run's sections under its latency table.
func summarySections(s *Summary, id string) []htmlSection {
	var out []htmlSection
	if g := s.Goodput; g != nil {
		out = append(out, goodputSection(s, g, id))
	}
	if v := s.Validity; v != nil {
		out = append(out, validitySection(v, id))
	}
	if p := s.PromptLength; p != nil {
		out = append(out, promptSection(p, id))
	}
	return out
}

func goodputSection(s *Summary, g *Goodput, id string) htmlSection {
	t := &htmlTable{Header: []string{"Latency", "SLO bound (ms)", "p50 (ms)", "p99 (ms)", "p99 within bound"}}
	for _, b := range []struct {
		name  string
		bound *float64
		d     *Distribution
	}{{"TTFT", g.SLO.TTFTMS, s.TTFTMS}, {"TPOT", g.SLO.TPOTMS, s.TPOTMS}, {"ITL", g.SLO.ITLMS, s.ITLMS}, {"E2E", g.SLO.E2EMS, s.E2EMS}} {
		if b.bound == nil {
			continue
		}
		p50, p99, ok := notAvailable, notAvailable, htmlCell{Text: notAvailable}
		if b.d != nil {
			p50, p99 = fixed(b.d.P50, 2), fixed(b.d.P99, 2)
			ok = htmlCell{Text: "yes", Class: Better}
			if b.d.P99 > *b.bound {
				ok = htmlCell{Text: "no", Class: Worse}
			}
		}
		row := cells(b.name, strconv.FormatFloat(*b.bound, 'f', -1, 64), p50, p99)
		t.Rows = append(t.Rows, append(row, ok))
	}
	return htmlSection{ID: id + "-goodput", Title: "Goodput and SLO attainment",
		Definition: "A request meets the SLO when it succeeded and every latency with a bound is within it (ITL: every gap). " +
			"SLO attainment is the share of all measured requests, failed ones included, that met it; goodput is their rate.",
		KV: []kv{
			{"SLO", g.SLO.String()},
			{"Requests within SLO", fmt.Sprintf("%d of %d", g.Met, s.Requests.Total)},
			{"SLO attainment", pct(g.Attainment)},
			{"Goodput", fixed(g.RequestsPerS, 2) + " req/s"},
			{"Good output throughput", fixed(g.OutputTokensPerS, 1) + " tok/s"},
			{"Throughput, all requests", fixed(s.Throughput.RequestsPerS, 2) + " req/s, " + fixed(s.Throughput.OutputTokensPerS, 1) + " output tok/s"},
		},
		Table: t}
}

func validitySection(v *Validity, id string) htmlSection {
	sec := htmlSection{ID: id + "-validity", Title: "Validity",
		Definition: "Whether the client, the host or a scaled engine, rather than the server, may have shaped these numbers (docs/METRICS.md, validity)."}
	if v.Valid {
		sec.KV = []kv{{"Valid", "yes: no check failed"}}
		return sec
	}
	sec.KV = []kv{{"Valid", "NO: these numbers may be shaped by the client, not the server"}}
	t := &htmlTable{Header: []string{"Check", "Measured", "Threshold", "Unit", "Why it matters"}, Text: map[int]bool{3: true, 4: true}}
	for _, r := range v.Reasons {
		t.Rows = append(t.Rows, []htmlCell{{Text: r.Check}, {Text: sig(r.Value), Class: Worse}, {Text: sig(r.Threshold)}, {Text: r.Unit}, {Text: r.Message}})
	}
	sec.Table = t
	return sec
}

func promptSection(p *PromptLength, id string) htmlSection {
	return htmlSection{ID: id + "-prompt", Title: "Prompt length: target vs actual",
		Definition: "The prompt length the workload aimed at against the server's own count (usage.prompt_tokens), over the successful requests that have both.",
		Table: &htmlTable{Header: []string{"Requests", "Target mean (tokens)", "Actual mean (tokens)", "Mean error (tokens)",
			"Mean |error| (tokens)", "Max |error| (tokens)", "Within ±1 token"},
			Rows: [][]htmlCell{cells(strconv.Itoa(p.Requests), fixed(p.TargetMean, 1), fixed(p.ActualMean, 1),
				fixed(p.MeanErrorTokens, 2), fixed(p.MeanAbsError, 2), fixed(p.MaxAbsError, 0), pct(p.WithinOneShare))}}}
}

// engineSections are the engine's figures: what its metrics said, the
// speculative decoding by source, prefix reuse, and the built-in engine's
// set-up from run.json. rest is what engine.json holds beyond them (another
// tool's keys), shown as key-value rows.
func engineSections(r *Run, id string) (secs []htmlSection, rest []kv) {
	if e := r.Summary.Engine; e != nil {
		if es := e.EngineSummary; es != nil {
			secs = append(secs, gaugeSection(es, id))
		}
		if sp := e.Spec; sp != nil {
			secs = append(secs, specSections(sp, id)...)
		}
		if pr := e.PrefixReuse; pr != nil {
			secs = append(secs, prefixSection(pr, id))
		}
	}
	m, _ := r.Engine.(map[string]any)
	if b, ok := m["built-in engine"].(map[string]any); ok {
		secs = append(secs, builtinSection(b, id))
	}
	if r.Summary.Engine == nil || m == nil || (m["measured"] == nil && m["built-in engine"] == nil) {
		// engine.json from another writer, or an engine key read back
		// from summary.json: shown as it is.
		rest = flatten(r.Engine)
	}
	return secs, rest
}

func gaugeSection(es *scrape.EngineSummary, id string) htmlSection {
	name := es.Name
	if name == "" {
		name = "unknown"
	}
	sec := htmlSection{ID: id + "-gauges", Title: "Engine gauges and counters",
		Definition: "From the engine's /metrics, scraped during the run: gauges as mean and max over the scrapes under load, counters as the increase over the run.",
		KV:         []kv{{"Engine", name}, {"Scrapes", fmt.Sprintf("%d (%d failed)", es.Scrapes, es.FailedScrapes)}}}
	if es.Restarts > 0 {
		sec.KV = append(sec.KV, kv{"Engine restarts seen", strconv.Itoa(es.Restarts)})
	}
	t := &htmlTable{Header: []string{"Gauge", "Mean", "Max", "Scrapes"}}
	for _, g := range []struct {
		name  string
		st    *scrape.Stat
		share bool
	}{{"KV cache usage", es.KVUsage, true}, {"Requests queued", es.QueueDepth, false}, {"Requests running", es.Running, false}} {
		if g.st == nil {
			continue
		}
		f := func(v float64) string { return fixed(v, 1) }
		if g.share {
			f = pct
		}
		t.Rows = append(t.Rows, cells(g.name, f(g.st.Mean), f(g.st.Max), strconv.Itoa(g.st.Samples)))
	}
	if len(t.Rows) > 0 {
		sec.Table = t
	}
	for _, c := range []struct {
		name string
		v    *float64
		unit string
	}{{"Preemptions", es.Preemptions, ""}, {"Prompt tokens", es.PromptTokens, " tokens"}, {"Generated tokens", es.GenerationTokens, " tokens"},
		{"Prefix-cache hit tokens", es.CachedTokens, " tokens"}} {
		if c.v != nil {
			sec.KV = append(sec.KV, kv{c.name, count(math.Round(*c.v)) + c.unit})
		}
	}
	if es.PrefixCacheHitRate != nil {
		sec.KV = append(sec.KV, kv{"Prefix-cache hit rate", pct(*es.PrefixCacheHitRate) + " (" + es.PrefixCacheSource + ")"})
	}
	sec.Notes = es.Warnings
	return sec
}

// specDefinition is METRICS.md's definition, shown with the figures.
const specDefinition = "Acceptance rate = accepted draft tokens / draft tokens proposed. Acceptance length = tokens emitted per decoding step " +
	"(1 + accepted / steps): 1 means drafts never helped. Sources: the engine's counters (metrics), per-response fields (response), " +
	"and the stream itself, tokens per token-bearing event (events)."

func specSections(sp *SpecSources, id string) []htmlSection {
	t := &htmlTable{Header: []string{"Source", "Estimator", "Requests", "Acceptance rate", "Acceptance length (tokens/step)",
		"Draft tokens", "Accepted tokens"}, Text: map[int]bool{1: true}}
	opt := func(v *float64, f func(float64) string) string {
		if v == nil {
			return notAvailable
		}
		return f(*v)
	}
	round := func(v float64) string { return count(math.Round(v)) }
	if m := sp.Metrics; m != nil {
		src := "metrics"
		if m.Source != "" && m.Source != src {
			src += " (" + m.Source + ")"
		}
		t.Rows = append(t.Rows, cells(src, m.Estimator, notAvailable, opt(m.AcceptanceRate, pct),
			opt(m.AcceptanceLength, func(v float64) string { return fixed(v, 2) }), opt(m.DraftTokens, round), opt(m.AcceptedTokens, round)))
	}
	for _, f := range []*SpecFigures{sp.Response, sp.Events} {
		if f == nil {
			continue
		}
		t.Rows = append(t.Rows, cells(f.Source, f.Estimator, strconv.Itoa(f.Requests), opt(f.AcceptanceRate, pct),
			opt(f.AcceptanceLength, func(v float64) string { return fixed(v, 2) }), opt(f.DraftTokens, round), opt(f.AcceptedTokens, round)))
	}
	sec := htmlSection{ID: id + "-spec", Title: "Speculative decoding by source", Definition: specDefinition, Table: t}
	if len(sp.Disagreement) > 0 {
		sec.Notes = append(sec.Notes, "Sources disagree by more than 10% on acceptance length: "+strings.Join(sp.Disagreement, ", "))
	}
	out := []htmlSection{sec}
	if len(sp.TPOTByAcceptance) > 0 {
		bt := &htmlTable{Header: []string{"Quartile", "Requests", "Acceptance length (min–max)", "Acceptance length (mean)", "TPOT mean (ms)"}}
		for i, b := range sp.TPOTByAcceptance {
			bt.Rows = append(bt.Rows, cells(fmt.Sprintf("Q%d", i+1), strconv.Itoa(b.Requests),
				fixed(b.AcceptanceLengthMin, 2)+"–"+fixed(b.AcceptanceLengthMax, 2), fixed(b.AcceptanceLengthMean, 2), fixed(b.TPOTMeanMS, 2)))
		}
		out = append(out, htmlSection{ID: id + "-spec-tpot", Title: "TPOT by acceptance length",
			Definition: "Requests in quartiles of their own acceptance length, with their mean TPOT: whether drafts help or hurt.", Table: bt})
	}
	return out
}

func prefixSection(pr *PrefixReuse, id string) htmlSection {
	opt := func(v *float64) string {
		if v == nil {
			return notAvailable
		}
		return pct(*v)
	}
	return htmlSection{ID: id + "-prefix", Title: "Prefix reuse: intended vs obtained",
		Definition: "Share of prompt tokens served from the prefix cache: what the workload meant (shared prefixes, session history), " +
			"what the server's usage.cached_tokens reported, and what the engine's counters say.",
		Table: &htmlTable{Header: []string{"Intended (workload)", "Obtained (usage cached_tokens)", "Obtained (engine counters)"},
			Rows: [][]htmlCell{cells(opt(pr.Intended), opt(pr.ObtainedUsage), opt(pr.ObtainedEngine))}}}
}

// builtinSection is the built-in engine's set-up as run.json records it
// (sim.Config, whose durations are in nanoseconds).
func builtinSection(m map[string]any, id string) htmlSection {
	sec := htmlSection{ID: id + "-builtin", Title: "Built-in engine set-up",
		Definition: "The simulated engine this run measured (run.json): the model and GPUs it modelled and its scheduler's limits."}
	num := func(v any) (float64, bool) { f, ok := v.(float64); return f, ok }
	str := func(k string) string { s, _ := m[k].(string); return s }
	add := func(k, v string) {
		if v != "" {
			sec.KV = append(sec.KV, kv{k, v})
		}
	}
	add("Model profile", str("Model"))
	gpu := str("GPU")
	if tp, ok := num(m["TP"]); ok && gpu != "" {
		gpu = fmt.Sprintf("%s × %g (tensor parallel)", gpu, tp)
	}
	add("GPUs", gpu)
	if p := str("Precision"); p != "" {
		add("Precision", p+" weights, "+str("KVPrecision")+" KV cache")
	}
	ints := []struct{ key, label, unit string }{{"MaxBatch", "Max running sequences", ""}, {"TokenBudget", "Token budget per step", " tokens"},
		{"MaxModelLen", "Context limit", " tokens"}, {"KVCapacityTokens", "KV cache capacity", " tokens"}, {"BlockSize", "KV block size", " tokens"}}
	for _, f := range ints {
		if v, ok := num(m[f.key]); ok && v > 0 {
			add(f.label, count(v)+f.unit)
		}
	}
	if v, ok := num(m["GPUMemoryUtilization"]); ok {
		add("HBM share for weights and KV", pct(v))
	}
	if v, ok := num(m["TimeScale"]); ok && v != 1 && v > 0 {
		add("Speed-up", fmt.Sprintf("%g× faster than the GPUs modelled: reported times are 1/%g of theirs", v, v))
	}
	if sp, ok := m["Spec"].(map[string]any); ok {
		if n, _ := num(sp["Tokens"]); n > 0 {
			a, _ := num(sp["Acceptance"])
			add("Speculative decoding", fmt.Sprintf("%g draft tokens per step, acceptance %s per position", n, pct(a)))
		}
	}
	if t, ok := m["Timing"].(map[string]any); ok {
		var parts []string
		for _, k := range []struct{ key, label string }{{"MFU", "MFU"}, {"MBU", "MBU"}, {"Overlap", "overlap"}} {
			if v, ok := num(t[k.key]); ok {
				parts = append(parts, k.label+" "+pct(v))
			}
		}
		if v, ok := num(t["StepBase"]); ok {
			parts = append(parts, fixed(v/1e6, 2)+" ms per step")
		}
		if v, ok := num(t["DecodePerSeq"]); ok {
			parts = append(parts, fixed(v/1e3, 1)+" µs per sequence per step")
		}
		add("Roofline model", strings.Join(parts, ", "))
	}
	if f, ok := m["Faults"].(map[string]any); ok && len(f) > 0 {
		var parts []string
		for _, k := range slices.Sorted(maps.Keys(f)) {
			if v, ok := num(f[k]); ok && v > 0 {
				parts = append(parts, k+" "+pct(v))
			}
		}
		add("Injected faults", strings.Join(parts, ", "))
	}
	return sec
}
