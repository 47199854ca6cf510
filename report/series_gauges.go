package report

import (
	"bufio"
	"bytes"
	"encoding/json"
	"fmt"
	"io"
	"maps"
	"math"
	"slices"
)

// MetricsFile is the name of the engine scrape file in a results directory.
const MetricsFile = "metrics.jsonl"

// GaugePoint is one scraped value of a gauge.
type GaugePoint struct {
	TMS   float64
	Value float64
}

// Gauges is the engine's gauges over a run, from metrics.jsonl: one line per
// scrape, {"t_ms": offset from run start, "gauges": {name: value}}. It is
// read generically, so whatever names the scraper writes (kv_usage,
// queue_depth, vllm:num_requests_waiting...) are plotted as they are.
type Gauges struct {
	// ByName holds each gauge's points in file order.
	ByName map[string][]GaugePoint
}

// Names returns the gauge names in order.
func (g *Gauges) Names() []string {
	if g == nil {
		return nil
	}
	return slices.Sorted(maps.Keys(g.ByName))
}

// gaugeLine is the part of a metrics.jsonl line that Gauges reads; other
// keys (counters, histograms, labels) are ignored.
type gaugeLine struct {
	TMS    *float64                   `json:"t_ms"`
	Gauges map[string]json.RawMessage `json:"gauges"`
}

// ReadGauges reads metrics.jsonl from r. A line that is not JSON, has no
// t_ms, or a gauge that is not a number is skipped with a warning naming
// its line: engine scrapes are an optional extra of a report, and one bad
// scrape should not hide the others. It returns nil Gauges when no line
// had a numeric gauge.
func ReadGauges(r io.Reader) (*Gauges, []string, error) {
	g := &Gauges{ByName: map[string][]GaugePoint{}}
	var warns []string
	sc := bufio.NewScanner(r)
	sc.Buffer(make([]byte, 64*1024), 16*1024*1024)
	line := 0
	for sc.Scan() {
		line++
		b := bytes.TrimSpace(sc.Bytes())
		if len(b) == 0 {
			continue
		}
		var gl gaugeLine
		if err := json.Unmarshal(b, &gl); err != nil {
			warns = append(warns, fmt.Sprintf("%s line %d: skipped: %v", MetricsFile, line, err))
			continue
		}
		if gl.TMS == nil {
			if len(gl.Gauges) > 0 {
				warns = append(warns, fmt.Sprintf("%s line %d: skipped: no t_ms", MetricsFile, line))
			}
			continue
		}
		for name, raw := range gl.Gauges {
			var v float64
			if err := json.Unmarshal(raw, &v); err != nil || math.IsNaN(v) || math.IsInf(v, 0) {
				// Nested or labelled values (an object per label set) are
				// not plotted; say so once per name.
				if _, seen := g.ByName[name]; !seen && !slices.Contains(warns, skippedGauge(name)) {
					warns = append(warns, skippedGauge(name))
				}
				continue
			}
			g.ByName[name] = append(g.ByName[name], GaugePoint{TMS: *gl.TMS, Value: v})
		}
	}
	if err := sc.Err(); err != nil {
		return nil, warns, fmt.Errorf("report: %s line %d: %w", MetricsFile, line+1, err)
	}
	if len(g.ByName) == 0 {
		return nil, warns, nil
	}
	return g, warns, nil
}

func skippedGauge(name string) string {
	return fmt.Sprintf("%s: gauge %q is not a number in some scrapes; those are not plotted", MetricsFile, name)
}
