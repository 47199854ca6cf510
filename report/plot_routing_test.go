package report

import (
	"fmt"
	"testing"
)

func TestRoutingFigures(t *testing.T) {
	reuse := func(v float64) *Engine { return &Engine{PrefixReuse: &PrefixReuse{ObtainedUsage: &v}} }
	rr := &Run{Label: "rr", Summary: &Summary{Goodput: &Goodput{RequestsPerS: 1.9}, Engine: reuse(0.08),
		Routing: &Routing{Policy: "round-robin", RequestsMaxOverMean: 1, Endpoints: []EndpointSummary{{Endpoint: "replica-0", Requests: 3}, {Endpoint: "replica-1", Requests: 3}}}}}
	single := &Run{Label: "one", Summary: &Summary{Engine: reuse(0.2)}, Cost: map[string]any{"usd_per_mtok_good_output": 0.5}}
	var names []string
	for _, f := range routingFigures([]*Run{rr, single}) {
		names = append(names, f.Name)
		if f.Caption == "" {
			t.Errorf("%s: no caption", f.Name)
		}
	}
	if got, want := fmt.Sprint(names), "[compare_goodput compare_prefix_reuse compare_cost_good endpoints_1]"; got != want {
		t.Errorf("figures %s, want %s", got, want)
	}
	if figs := routingFigures([]*Run{single, single}); figs != nil {
		t.Errorf("no routed run: %d figures", len(figs))
	}
}
