package report

import (
	"bytes"
	"context"
	"image/png"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"time"
)

// richRun and sweepRun are results directories tokenbench wrote on the
// virtual clock (testdata/runs/README.md): a run with SLOs, speculative
// decoding, a shared prefix, engine scrapes and a cost; a sweep with SLOs
// and one priced point.
const (
	richRun  = "testdata/runs/rich"
	sweepRun = "testdata/runs/sweep"
)

// TestHTMLSectionsGolden renders every section of a run's and a sweep's
// page as tables (charts left out) against golden files, and checks that
// no section is a dump of JSON keys or of numbers at full precision.
func TestHTMLSectionsGolden(t *testing.T) {
	tests := []struct {
		name string
		path string
		want []string // anchors and labels each page must hold
	}{
		{"rich", richRun, []string{`id="run-rich-goodput"`, `id="run-rich-validity"`, `id="run-rich-prompt"`,
			`id="run-rich-gauges"`, `id="run-rich-spec"`, `id="run-rich-spec-tpot"`, `id="run-rich-prefix"`,
			`id="run-rich-builtin"`, `id="run-rich-cost"`, "SLO attainment", "Acceptance length (tokens/step)",
			"Intended (workload)", "1.73 kW per GPU of facility power", "700 W board power per GPU", "price as of 2025-08"}},
		{"sweep", sweepRun, []string{`href="#sweep-sweep-concurrency-4"`, `id="sweep-sweep-concurrency-4"`,
			"SLO attainment", "Goodput (req/s)", "$ per 1M output", `id="sweep-sweep-concurrency-4-cost"`}},
	}
	// What a raw dump looks like: dotted JSON paths, Go field names,
	// exponents, floats with ten or more decimals.
	dump := regexp.MustCompile(`tpot_by_acceptance\[|Timing\.|StepBase|\d[eE][+-]\d|\d\.\d{10,}`)
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			set, err := Load(tt.path)
			if err != nil {
				t.Fatal(err)
			}
			var b bytes.Buffer
			if err := WriteHTML(&b, set, HTMLOptions{NoPlots: true}); err != nil {
				t.Fatal(err)
			}
			page := b.String()
			for _, w := range tt.want {
				if !strings.Contains(page, w) {
					t.Errorf("page lacks %q", w)
				}
			}
			if m := dump.FindAllString(page, 5); len(m) > 0 {
				t.Errorf("page holds raw figures %q", m)
			}
			checkGolden(t, "html_sections_"+tt.name, b.Bytes())
		})
	}
}

// overflowCheck is appended to a page for Chromium only (reports carry no
// script): it lists every cell, heading, paragraph and caption whose text
// is wider than its box, every figure or image that reaches past the
// page's width, and, in a desktop-wide window, every table that needs its
// scroll bar (narrower windows scroll wide tables in their own box), into
// <pre id="overflow-check">.
const overflowCheck = `<script>
(function () {
  var bad = [], n = 0, de = document.documentElement;
  document.querySelectorAll('th,td,h1,h2,h3,h4,p,li,figcaption,pre').forEach(function (el) {
    n++;
    if (el.clientWidth > 0 && el.scrollWidth > el.clientWidth + 1) {
      bad.push(el.tagName + ' ' + el.scrollWidth + '>' + el.clientWidth + ': ' + el.textContent.slice(0, 60));
    }
  });
  document.querySelectorAll('table,figure,img').forEach(function (el) {
    if (el.closest('div.wide')) { return; } // scrolls in its own box
    var r = el.getBoundingClientRect();
    if (r.right > de.clientWidth + 1) { bad.push(el.tagName + ' right edge ' + Math.round(r.right) + ' > page ' + de.clientWidth); }
  });
  if (de.clientWidth >= 1200) {
    // On a desktop window no table needs its scroll bar.
    document.querySelectorAll('div.wide').forEach(function (el) {
      if (el.scrollWidth > el.clientWidth + 1) { bad.push('table scrolls ' + el.scrollWidth + '>' + el.clientWidth + ': ' + el.textContent.slice(0, 60)); }
    });
  }
  if (de.scrollWidth > de.clientWidth + 1) { bad.push('page ' + de.scrollWidth + ' wide in a ' + de.clientWidth + ' window'); }
  var out = document.createElement('pre');
  out.id = 'overflow-check';
  out.textContent = bad.length ? 'OVERFLOW\n' + bad.join('\n') : 'ok ' + n;
  document.body.appendChild(out);
})();
</script>`

var overflowResult = regexp.MustCompile(`(?s)<pre id="overflow-check">(.*?)</pre>`)

// TestHTMLNoOverflowChromium opens a run's page and a sweep's page, charts
// included, in headless Chromium at 1280 and 900 pixels wide: the
// screenshot must not be blank, and no text may overflow its box. It is
// skipped only when no Chromium is installed; CI installs Debian's.
func TestHTMLNoOverflowChromium(t *testing.T) {
	browser := findChromium()
	if browser == "" {
		t.Skip("no chromium on PATH")
	}
	for _, tt := range []struct{ name, path string }{{"run", richRun}, {"sweep", sweepRun}} {
		t.Run(tt.name, func(t *testing.T) {
			set, err := Load(tt.path)
			if err != nil {
				t.Fatal(err)
			}
			var b bytes.Buffer
			if err := WriteHTML(&b, set, HTMLOptions{}); err != nil {
				t.Fatal(err)
			}
			root := t.TempDir()
			page := filepath.Join(root, "page.html")
			checked := strings.Replace(b.String(), "</body>", overflowCheck+"\n</body>", 1)
			if err := os.WriteFile(page, []byte(checked), 0o644); err != nil {
				t.Fatal(err)
			}
			for _, width := range []string{"1280", "900"} {
				out := chromium(t, browser, root, "--window-size="+width+",1600", "--dump-dom", "file://"+page)
				m := overflowResult.FindStringSubmatch(out)
				if m == nil {
					t.Fatalf("width %s: no overflow-check result in the DOM (%d bytes)", width, len(out))
				}
				if res := m[1]; !strings.HasPrefix(res, "ok ") {
					t.Errorf("width %s: %s", width, res)
				}
			}
			shot := filepath.Join(root, "shot.png")
			chromium(t, browser, root, "--screenshot="+shot, "--window-size=1280,1600", "file://"+page)
			checkNotBlank(t, shot)
		})
	}
}

func findChromium() string {
	for _, name := range []string{"chromium", "chromium-browser", "google-chrome"} {
		if p, err := exec.LookPath(name); err == nil {
			return p
		}
	}
	return ""
}

// chromium runs headless Chromium with args and returns its stdout.
func chromium(t *testing.T, browser, root string, args ...string) string {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 90*time.Second)
	defer cancel()
	// --no-sandbox: CI runs as root, where Chromium's sandbox refuses to
	// start; the page is our own file.
	base := []string{"--headless", "--no-sandbox", "--disable-gpu", "--hide-scrollbars",
		"--user-data-dir=" + filepath.Join(root, "profile")}
	cmd := exec.CommandContext(ctx, browser, append(base, args...)...)
	var stdout, stderr bytes.Buffer
	cmd.Stdout, cmd.Stderr = &stdout, &stderr
	if err := cmd.Run(); err != nil {
		t.Fatalf("%s: %v\n%s", browser, err, stderr.String())
	}
	return stdout.String()
}

// checkNotBlank fails when a screenshot has a handful of shades only, as
// a blank or error page has.
func checkNotBlank(t *testing.T, path string) {
	t.Helper()
	f, err := os.Open(path)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	img, err := png.Decode(f)
	if err != nil {
		t.Fatal(err)
	}
	shades := map[uint32]bool{}
	for y := 0; y < img.Bounds().Dy(); y += 3 {
		for x := 0; x < img.Bounds().Dx(); x += 3 {
			r, g, bl, _ := img.At(x, y).RGBA()
			shades[(r>>12)<<8|(g>>12)<<4|bl>>12] = true
		}
	}
	if len(shades) < 50 {
		t.Errorf("%s looks blank: %d shades", path, len(shades))
	}
}
