package report

import (
	"bytes"
	"testing"
	"time"
)

// TestHistoryFigure draws a metric over runs as SVG: one point per run.
func TestHistoryFigure(t *testing.T) {
	t0 := time.Date(2026, 12, 1, 10, 0, 0, 0, time.UTC)
	pts := []HistoryPoint{{t0, 50, "a"}, {t0.Add(time.Hour), 55, "b"}, {t0.Add(2 * time.Hour), 80, "c"}}
	f := HistoryFigure("history", "ttft_ms.p50", pts)
	if f.Caption != "ttft_ms.p50 of 3 runs, oldest first" {
		t.Errorf("caption %q", f.Caption)
	}
	var b bytes.Buffer
	if err := f.WriteSVG(&b, PlotOptions{}); err != nil {
		t.Fatal(err)
	}
	for _, want := range []string{"<svg", "ttft_ms.p50 over runs", "12-01"} {
		if !bytes.Contains(b.Bytes(), []byte(want)) {
			t.Errorf("svg lacks %q", want)
		}
	}
}
