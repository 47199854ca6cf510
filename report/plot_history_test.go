package report

import (
	"bytes"
	"os"
	"path/filepath"
	"strings"
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

// TestWriteHistoryFiles: the plot goes to a PNG or an SVG file as its
// name says (another name is an error), and the HTML page holds the plot
// with or without a run's report (a directory that holds none is left
// out, not an error).
func TestWriteHistoryFiles(t *testing.T) {
	t0 := time.Date(2026, 12, 1, 10, 0, 0, 0, time.UTC)
	f := HistoryFigure("history", "ttft_ms.p50", []HistoryPoint{{t0, 50, "a"}, {t0.Add(time.Hour), 55, "b"}})
	dir := t.TempDir()
	for _, tt := range []struct {
		name, magic string
	}{{"p.PNG", "\x89PNG"}, {"p.svg", "<svg"}} {
		path := filepath.Join(dir, tt.name)
		if err := WriteFigureFile(path, f, PlotOptions{}); err != nil {
			t.Fatal(err)
		}
		if b, err := os.ReadFile(path); err != nil || !bytes.Contains(b[:min(len(b), 200)], []byte(tt.magic)) {
			t.Errorf("%s: %v, want %q near its start", tt.name, err, tt.magic)
		}
	}
	if err := WriteFigureFile(filepath.Join(dir, "p.jpg"), f, PlotOptions{}); err == nil || !strings.Contains(err.Error(), ".png or .svg") {
		t.Errorf("p.jpg: %v, want an error", err)
	}
	for _, runDir := range []string{"", filepath.Join(dir, "moved")} {
		path := filepath.Join(dir, "history.html")
		if err := WriteHistoryHTML(path, "ttft_ms.p50", f, runDir); err != nil {
			t.Fatal(err)
		}
		b, err := os.ReadFile(path)
		if err != nil || !bytes.Contains(b, []byte("tokenbench history: ttft_ms.p50 over runs")) || !bytes.Contains(b, []byte("ttft_ms.p50 of 2 runs, oldest first")) {
			t.Errorf("page with run %q: %v, want the title and the plot's caption", runDir, err)
		}
	}
}
