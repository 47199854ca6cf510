package report

// html_sweep.go: a sweep in the HTML page: one table row per point, with
// its load, throughput, latency, SLO attainment, goodput and cost, linking
// to the point's own section (its latency table, goodput and validity).

import (
	"slices"
	"strconv"
	"strings"

	"github.com/tokenbench/tokenbench/pricing"
)

// anchors hands out unique HTML ids made from labels.
type anchors map[string]int

// id returns "prefix-label" lower-cased with every run of other characters
// than letters and digits made one '-', and a number added when taken.
func (a anchors) id(prefix string, label ...string) string {
	var b strings.Builder
	b.WriteString(prefix)
	dash := true
	for _, c := range strings.ToLower(strings.Join(label, "-")) {
		if (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') {
			if dash {
				b.WriteByte('-')
			}
			b.WriteRune(c)
			dash = false
			continue
		}
		dash = true
	}
	id := b.String()
	a[id]++
	if n := a[id]; n > 1 {
		id += "-" + strconv.Itoa(n)
	}
	return id
}

// shortPointLabel shortens a sweep point's label for a chart:
// "concurrency=16" (or the directory name concurrency-16) as "c=16",
// "rate=2.5" as "2.5/s"; other labels as they are.
func shortPointLabel(label string) string {
	k, v, ok := strings.Cut(label, "=")
	if !ok {
		// A point directory's name: concurrency-16, rate-2.5.
		k, v, ok = strings.Cut(label, "-")
	}
	if !ok {
		return label
	}
	switch k {
	case "concurrency":
		return "c=" + v
	case "rate":
		return v + "/s"
	}
	return label
}

func newHTMLSweep(sw *Sweep, gpus int, ids anchors) htmlSweep {
	h := htmlSweep{ID: ids.id("sweep", sw.Label), Label: sw.Label}
	ptIDs := make([]string, len(sw.Points))
	for i, r := range sw.Points {
		ptIDs[i] = ids.id(h.ID, r.Label)
		pt := newHTMLRun(r, ptIDs[i])
		// A sweep page reads each point's summary.json only (cheap for
		// sweeps of millions of requests): its charts are a report away.
		pt.Hint = "Charts of this point (CDFs, histograms, time series, engine gauges): tokenbench report " + r.Path + " -o html"
		h.Points = append(h.Points, pt)
	}
	h.Table, h.Notes = sweepTable(sw, gpus, ptIDs)
	return h
}

// sweepTable is one row per point, its label linking to ptIDs[i] (none
// when ptIDs is short: text renderers). Its SLO columns need a point run
// with SLOs, its cost column a point with a cost.json.
func sweepTable(sw *Sweep, gpus int, ptIDs []string) (htmlTable, []string) {
	pts := sw.Chart()
	front := ParetoFront(pts)
	costs := make([]*pricing.Cost, len(sw.Points))
	priced, hasSLO := false, false
	var slo string
	for i, r := range sw.Points {
		if r.Cost != nil {
			if c, ok := decodeCost(r.Cost); ok {
				costs[i], priced = &c, true
			}
		}
		if g := r.Summary.Goodput; g != nil {
			hasSLO, slo = true, g.SLO.String()
		}
	}
	header := []string{"Point", "Requests (ok / total)", "Output (tok/s)", "Output per GPU (tok/s)", "Interactivity (tok/s/user)",
		"TTFT p50 / p99 (ms)", "TPOT p50 / p99 (ms)"}
	if hasSLO {
		header = append(header, "SLO attainment", "Goodput (req/s)")
	}
	if priced {
		header = append(header, "$ per 1M output")
	}
	header = append(header, "Pareto")
	t := htmlTable{Header: header}
	pair := func(ok bool, p50, p99 float64) htmlCell {
		if !ok {
			return htmlCell{Text: notAvailable}
		}
		return htmlCell{Text: fixed(p50, 2) + " / " + fixed(p99, 2)}
	}
	na := func(ok bool, v float64, dec int) htmlCell {
		if !ok {
			return htmlCell{Text: notAvailable}
		}
		return htmlCell{Text: fixed(v, dec)}
	}
	for i, p := range pts {
		s := sw.Points[i].Summary
		point := htmlCell{Text: p.Label}
		if i < len(ptIDs) {
			point.Href = "#" + ptIDs[i]
		}
		row := []htmlCell{point, {Text: strconv.Itoa(s.Requests.OK) + " / " + strconv.Itoa(s.Requests.Total)},
			na(true, p.OutputTokensPerS, 1), na(true, p.OutputTokensPerS/float64(gpus), 1), na(p.HasTPOT, p.Interactivity, 1),
			pair(p.HasTTFT, p.TTFTP50MS, p.TTFTP99MS), pair(p.HasTPOT, p.TPOTP50MS, p.TPOTP99MS)}
		if hasSLO {
			if g := s.Goodput; g != nil {
				row = append(row, htmlCell{Text: pct(g.Attainment)}, htmlCell{Text: fixed(g.RequestsPerS, 2)})
			} else {
				row = append(row, htmlCell{Text: notAvailable}, htmlCell{Text: notAvailable})
			}
		}
		if priced {
			cell := htmlCell{Text: notAvailable}
			if c := costs[i]; c != nil && c.USDPerMTokOutput != nil {
				cell.Text = "$" + fixed(*c.USDPerMTokOutput, 4)
			}
			row = append(row, cell)
		}
		pareto := htmlCell{}
		if slices.Contains(front, i) {
			pareto = htmlCell{Text: "yes", Class: Better}
		}
		t.Rows = append(t.Rows, append(row, pareto))
	}
	var notes []string
	if hasSLO {
		notes = append(notes, "SLO "+slo+": attainment is the share of each point's measured requests, failed ones included, that met every bound.")
	}
	if priced {
		notes = append(notes, "Cost from each point's cost.json (tokenbench cost POINT --save); its price and assumptions are in the point's section.")
	} else {
		notes = append(notes, "No cost column: no point has a cost.json. tokenbench cost SWEEP --interactivity N prices the sweep at a target interactivity.")
	}
	notes = append(notes, "Interactivity is 1000 / TPOT p50 (tokens/s per user); a Pareto point has no other point with both more interactivity and more output per GPU.")
	return t, notes
}
