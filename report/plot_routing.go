package report

import (
	"fmt"

	"gonum.org/v1/plot/plotter"
	"gonum.org/v1/plot/vg"
)

// routingFigures puts routed runs side by side, one bar per run and one
// chart per metric (goodput, prefix reuse, cost per 1M good output tokens
// when cost.json has it), when two runs or more are compared and one of
// them was routed; and, per routed run, its requests per endpoint.
func routingFigures(runs []*Run) []Figure {
	routed := false
	for _, r := range runs {
		routed = routed || r.Summary.Routing != nil
	}
	if !routed {
		return nil
	}
	var figs []Figure
	if len(runs) >= 2 {
		metrics := []struct {
			name, title, unit, caption string
			get                        func(*Run) (float64, bool)
		}{
			{"goodput", "Goodput", "requests/s", "requests that met every SLO per second, per run", func(r *Run) (float64, bool) {
				if g := r.Summary.Goodput; g != nil {
					return g.RequestsPerS, true
				}
				return 0, false
			}},
			{"prefix_reuse", "Prefix reuse", "% of prompt tokens", "cached / input tokens the engines reported, per run", func(r *Run) (float64, bool) {
				if e := r.Summary.Engine; e != nil && e.PrefixReuse != nil && e.PrefixReuse.ObtainedUsage != nil {
					return 100 * *e.PrefixReuse.ObtainedUsage, true
				}
				return 0, false
			}},
			{"cost_good", "Cost per 1M good output tokens", "USD", "cost.json's usd_per_mtok_good_output (tokenbench cost --save), per run", func(r *Run) (float64, bool) {
				if m, ok := r.Cost.(map[string]any); ok {
					v, ok := m["usd_per_mtok_good_output"].(float64)
					return v, ok
				}
				return 0, false
			}},
		}
		for _, m := range metrics {
			var vals plotter.Values
			var names []string
			for _, r := range runs {
				v, ok := m.get(r)
				if !ok {
					v = 0
				}
				vals = append(vals, v)
				names = append(names, legendLabel(runs, r))
			}
			if f, ok := barFigure("compare_"+m.name, m.title, m.unit, names, vals); ok {
				f.Caption = fmt.Sprintf("%s: %s (0 where a run has none).", m.title, m.caption)
				figs = append(figs, f)
			}
		}
	}
	for i, r := range runs {
		rt := r.Summary.Routing
		if rt == nil {
			continue
		}
		var vals plotter.Values
		var names []string
		for _, e := range rt.Endpoints {
			vals = append(vals, float64(e.Requests))
			names = append(names, e.Endpoint)
		}
		if f, ok := barFigure(fmt.Sprintf("endpoints_%d", i+1), "Requests per endpoint, "+r.Label, "requests", names, vals); ok {
			f.Caption = fmt.Sprintf("Requests per endpoint of %s (%s): the busiest has %.2f x the mean.", r.Label, rt.Policy, rt.RequestsMaxOverMean)
			figs = append(figs, f)
		}
	}
	return figs
}

// barFigure is one bar per name; false when every value is 0.
func barFigure(name, title, unit string, names []string, vals plotter.Values) (Figure, bool) {
	any := false
	for _, v := range vals {
		any = any || v != 0
	}
	if !any {
		return Figure{}, false
	}
	p := newPlot(title, "", unit)
	bars, err := plotter.NewBarChart(vals, vg.Points(24))
	if err != nil {
		return Figure{}, false
	}
	bars.Color = colorOf(0)
	bars.LineStyle.Width = 0
	p.Add(bars)
	p.NominalX(names...)
	p.Y.Min = 0
	return Figure{Name: name, Plot: p}, true
}
