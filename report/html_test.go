package report

import (
	"bytes"
	"context"
	"encoding/json"
	"image/png"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/tokenbench/tokenbench/bench"
)

// writeRunDir writes a results directory with every file a report reads.
func writeRunDir(t *testing.T, dir, name string, recs []bench.Record) {
	t.Helper()
	if err := os.MkdirAll(dir, 0o755); err != nil {
		t.Fatal(err)
	}
	writeRecords(t, dir, recs, "")
	info := bench.RunInfo{Tool: "tokenbench", Version: "v0.0.0-test", GoVersion: "go1.26", Host: "ci",
		StartTime: time.Date(2026, 11, 26, 12, 0, 0, 0, time.UTC), Name: name,
		Target: bench.TargetInfo{URL: "http://user:pw@127.0.0.1:8000/v1?key=sk-123", Model: "llama-8b", API: "chat",
			TimeoutS: 300, HeaderNames: []string{"Authorization"}, APIKeySet: true},
		Load:     bench.LoadInfo{Mode: "closed", Concurrency: 4, Requests: 6, Warmup: 1, Seed: 1},
		Workload: map[string]any{"kind": "synthetic", "input_tokens": 512},
	}
	if err := bench.WriteRunInfo(dir, info); err != nil {
		t.Fatal(err)
	}
	files := map[string]string{
		MetricsFile: `{"t_ms": 0, "phase": "during", "engine": "vllm", "gauges": {"kv_usage": 0.1, "queue_depth": 0}}
{"t_ms": 1000, "phase": "during", "engine": "vllm", "gauges": {"kv_usage": 0.4, "queue_depth": 2}}
{"t_ms": 2000, "phase": "during", "engine": "vllm", "gauges": {"kv_usage": 0.3, "queue_depth": 1}}
`,
		EngineFile: `{"engine": "vllm", "version": "0.11.0", "spec_decode": {"acceptance_rate": 0.62}, "api_key": "sk-nope"}`,
		CostFile:   `{"gpu": "H100", "gpus": 1, "usd_per_mtok_output": 0.3611, "price_source": "catalog 2026-11"}`,
	}
	for name, content := range files {
		if err := os.WriteFile(filepath.Join(dir, name), []byte(content), 0o644); err != nil {
			t.Fatal(err)
		}
	}
}

// html/template writes + in a URL as &#43;.
var dataURI = regexp.MustCompile(`data:image/png;base64,(?:[A-Za-z0-9+/=]|&#43;)+`)

func TestHTMLGolden(t *testing.T) {
	root := t.TempDir()
	writeRunDir(t, filepath.Join(root, "base"), "base", fixtureRecords())
	writeRunDir(t, filepath.Join(root, "slow"), "slow", slowerRecords())
	tests := []struct {
		name  string
		paths []string
	}{
		{"single", []string{"base"}},
		{"compare", []string{"base", "slow", "testdata/imports/vllm_aggregate.json"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var paths []string
			for _, p := range tt.paths {
				if !strings.HasPrefix(p, "testdata") {
					p = filepath.Join(root, p)
				}
				paths = append(paths, p)
			}
			set, err := Load(paths...)
			if err != nil {
				t.Fatal(err)
			}
			var b bytes.Buffer
			if err := WriteHTML(&b, set, HTMLOptions{Plot: goldenPlot}); err != nil {
				t.Fatal(err)
			}
			page := b.String()
			for _, bad := range []string{"<script", `src="http`, `href="http`, "@import", "sk-123", "sk-nope", ":pw@"} {
				if strings.Contains(page, bad) {
					t.Errorf("page contains %q", bad)
				}
			}
			if n := len(dataURI.FindAllString(page, -1)); n < 10 {
				t.Errorf("%d embedded images, want the charts", n)
			}
			// The structure is golden; the images are checked in plot_test.
			stripped := dataURI.ReplaceAllString(page, "data:image/png;base64,IMAGE")
			stripped = strings.ReplaceAll(stripped, root, "ROOT")
			checkGolden(t, "html_"+tt.name, []byte(stripped))
		})
	}
}

func TestHTMLSweep(t *testing.T) {
	root := t.TempDir()
	sw := filepath.Join(root, "sweep-h100")
	for i, c := range []int{16, 4} {
		writeRunDir(t, filepath.Join(sw, "c"+strconv.Itoa(c)), "", [][]bench.Record{slowerRecords(), fixtureRecords()}[i])
	}
	idx := map[string]any{"param": "concurrency", "points": []map[string]any{
		{"dir": "c4", "value": 4}, {"dir": "c16", "value": 16}}}
	b, _ := json.Marshal(idx)
	if err := os.WriteFile(filepath.Join(sw, SweepIndexFile), b, 0o644); err != nil {
		t.Fatal(err)
	}
	set, err := Load(sw)
	if err != nil {
		t.Fatal(err)
	}
	if len(set.Sweeps) != 1 || len(set.Runs) != 0 || len(set.Sweeps[0].Points) != 2 ||
		set.Sweeps[0].Points[0].Label != "concurrency=4" {
		t.Fatalf("set = %+v", set)
	}
	var out bytes.Buffer
	if err := WriteHTML(&out, set, HTMLOptions{Plot: PlotOptions{GPUs: 2}}); err != nil {
		t.Fatal(err)
	}
	for _, want := range []string{"Sweep: sweep-h100", "concurrency=4", "fig-sweep_inferencex", "per GPU"} {
		if !strings.Contains(out.String(), want) {
			t.Errorf("sweep page lacks %q", want)
		}
	}
}

// TestHTMLChromium renders the page in headless Chromium and checks the
// screenshot is not blank. It is skipped only when no Chromium is
// installed; CI installs Debian's chromium.
func TestHTMLChromium(t *testing.T) {
	var browser string
	for _, name := range []string{"chromium", "chromium-browser", "google-chrome"} {
		if p, err := exec.LookPath(name); err == nil {
			browser = p
			break
		}
	}
	if browser == "" {
		t.Skip("no chromium on PATH")
	}
	root := t.TempDir()
	writeRunDir(t, filepath.Join(root, "base"), "base", fixtureRecords())
	set, err := Load(filepath.Join(root, "base"), "testdata/imports/aiperf")
	if err != nil {
		t.Fatal(err)
	}
	page := filepath.Join(root, "report.html")
	var b bytes.Buffer
	if err := WriteHTML(&b, set, HTMLOptions{}); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(page, b.Bytes(), 0o644); err != nil {
		t.Fatal(err)
	}
	shot := filepath.Join(root, "shot.png")
	ctx, cancel := context.WithTimeout(context.Background(), 60*time.Second)
	defer cancel()
	// --no-sandbox: CI runs as root, where Chromium's sandbox refuses to
	// start; the page is our own file.
	cmd := exec.CommandContext(ctx, browser, "--headless", "--no-sandbox", "--disable-gpu",
		"--hide-scrollbars", "--user-data-dir="+filepath.Join(root, "profile"),
		"--screenshot="+shot, "--window-size=1280,2000", "file://"+page)
	if out, err := cmd.CombinedOutput(); err != nil {
		t.Fatalf("%s: %v\n%s", browser, err, out)
	}
	f, err := os.Open(shot)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	img, err := png.Decode(f)
	if err != nil {
		t.Fatal(err)
	}
	if bnd := img.Bounds(); bnd.Dx() != 1280 || bnd.Dy() != 2000 {
		t.Errorf("screenshot is %v, want 1280x2000", bnd)
	}
	// A rendered page has text, tables and charts: many distinct shades.
	// A blank or error page has a handful.
	shades := map[uint32]bool{}
	dark := 0
	for y := 0; y < img.Bounds().Dy(); y += 3 {
		for x := 0; x < img.Bounds().Dx(); x += 3 {
			r, g, bl, _ := img.At(x, y).RGBA()
			shades[(r>>12)<<8|(g>>12)<<4|bl>>12] = true
			if r+g+bl < 3*0x4000 {
				dark++
			}
		}
	}
	if len(shades) < 50 || dark < 500 {
		t.Errorf("screenshot looks blank: %d shades, %d dark pixels", len(shades), dark)
	}
	if dir := os.Getenv("TOKENBENCH_KEEP_SCREENSHOT"); dir != "" {
		if b, err := os.ReadFile(shot); err == nil {
			_ = os.WriteFile(filepath.Join(dir, "report_screenshot.png"), b, 0o644)
		}
	}
}
