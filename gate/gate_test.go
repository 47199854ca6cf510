package gate

import (
	"bytes"
	"encoding/xml"
	"fmt"
	"math"
	"math/rand/v2"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/tokenbench/tokenbench/internal/golden"
)

const tenPercent = `rules:
  - ttft_ms.p50 < 1000
  - requests.failed / requests.total <= 0.01
  - requests.errors.http_5xx == 0
baseline:
  ttft_ms.p50: +10%
  ttft_ms.p90: +10%
  tpot_ms.p50: +10%
  e2e_ms.p50: +10%
  itl_ms.p50: +10%
  throughput.output_tokens_per_s: -10%
`

func mustFile(t *testing.T, body string) *File {
	t.Helper()
	f, err := ParseFile("gate.yaml", []byte(body))
	if err != nil {
		t.Fatal(err)
	}
	return f
}

func readRun(t *testing.T, dir string) (*View, Samples) {
	t.Helper()
	v, err := ReadView(dir)
	if err != nil {
		t.Fatal(err)
	}
	s, warns, err := ReadSamples(dir)
	if err != nil || len(warns) > 0 {
		t.Fatal(err, warns)
	}
	return v, s
}

// TestRecordedNoisePasses: two recorded runs of one configuration against
// the built-in engine pass a 10% gate against each other, both ways; the
// same run with every TTFT 50% longer fails it, on TTFT only.
func TestRecordedNoisePasses(t *testing.T) {
	f := mustFile(t, tenPercent)
	va, sa := readRun(t, filepath.Join("testdata", "noise-a"))
	vb, sb := readRun(t, filepath.Join("testdata", "noise-b"))
	for _, c := range []struct {
		name string
		v    *View
		s    Samples
		base Samples
	}{{"b against a", vb, sb, sa}, {"a against b", va, sa, sb}} {
		v, err := Judge(f, Input{View: c.v, Samples: c.s, Baseline: &Baseline{Name: "other", Runs: []BaselineRun{{Label: "other", Samples: c.base}}}})
		if err != nil {
			t.Fatal(err)
		}
		if v.Status != Pass {
			var b bytes.Buffer
			v.WriteTable(&b)
			t.Errorf("%s: %s\n%s", c.name, v.Status, b.String())
		}
	}
	// Values are those of summary.json, from the same samples.
	v, _ := Judge(f, Input{View: vb, Samples: sb, Baseline: &Baseline{Runs: []BaselineRun{{Samples: sa}}}})
	for _, c := range v.Checks {
		if c.Kind != "baseline" || c.Name == "throughput.output_tokens_per_s" {
			continue
		}
		want, _ := vb.Lookup(c.Name)
		if w, _ := toFloat(want); c.Value == nil || math.Abs(*c.Value-w) > 1e-9*math.Abs(w) {
			t.Errorf("%s: value %v, summary.json %v", c.Name, c.Value, want)
		}
	}
	tp, _ := vb.Lookup("throughput.output_tokens_per_s")
	for _, c := range v.Checks {
		if w, _ := toFloat(tp); c.Name == "throughput.output_tokens_per_s" && math.Abs(*c.Value-w) > 1e-6*w {
			t.Errorf("throughput: mean of buckets %v, summary.json %v", *c.Value, w)
		}
	}

	slow := Samples{}
	for k, s := range sb {
		slow[k] = s
	}
	slow["ttft_ms"] = scaled(sb["ttft_ms"], 1.5)
	v, err := Judge(f, Input{View: vb, Samples: slow, Baseline: &Baseline{Name: "a", Runs: []BaselineRun{{Label: "a", Samples: sa}}}})
	if err != nil {
		t.Fatal(err)
	}
	var failed []string
	for _, c := range v.Checks {
		if c.Status == Fail {
			failed = append(failed, c.Name)
		}
	}
	if v.Status != Fail || fmt.Sprint(failed) != "[ttft_ms.p50 ttft_ms.p90]" {
		t.Errorf("50%% slower TTFT: %s, failed %v", v.Status, failed)
	}
}

func scaled(s []float64, k float64) []float64 {
	out := make([]float64, len(s))
	for i, v := range s {
		out[i] = v * k
	}
	return out
}

// lognormal draws n sorted latencies around median m with a heavy tail.
func lognormal(rng *rand.Rand, n int, m, sigma float64) []float64 {
	s := make([]float64, n)
	for i := range s {
		s[i] = m * math.Exp(sigma*rng.NormFloat64())
	}
	slices.Sort(s)
	return s
}

// TestSeededNoiseAndShifts: pairs of samples from one distribution never
// fail a 10% tolerance (100 pairs, three statistics); a 50% shift always
// fails; a 5% shift, within the tolerance, almost never does.
func TestSeededNoiseAndShifts(t *testing.T) {
	f := mustFile(t, "baseline:\n  ttft_ms.p50: +10%\n  ttft_ms.p90: +10%\n  ttft_ms.mean: +10%\n")
	f.Resamples = 500 // enough for a 95% interval; keeps the test fast
	view := &View{Doc: map[string]any{"requests": map[string]any{"ok": 200.0, "total": 200.0}}}
	rng := rand.New(rand.NewPCG(7, 7))
	tests := []struct {
		name    string
		shift   float64
		want    Status
		maxMiss int // pairs allowed another verdict
	}{
		{"same distribution", 1, Pass, 0},
		// Within the tolerance, near it: the one-sided 2.5% error of a 95%
		// interval, about 1 pair in 50.
		{"5% slower", 1.05, Pass, 2},
		{"50% slower", 1.5, Fail, 0},
		{"faster", 0.5, Pass, 0},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			bad := 0
			pairs := 50
			if tt.shift == 1 {
				pairs = 100
			}
			for range pairs {
				base := lognormal(rng, 200, 50, 0.5)
				cur := scaled(lognormal(rng, 200, 50, 0.5), tt.shift)
				v, err := Judge(f, Input{View: view, Samples: Samples{"ttft_ms": cur}, Baseline: &Baseline{Runs: []BaselineRun{{Samples: Samples{"ttft_ms": base}}}}})
				if err != nil {
					t.Fatal(err)
				}
				if v.Status != tt.want {
					bad++
				}
			}
			if bad > tt.maxMiss {
				t.Errorf("%d of %d pairs were not %s", bad, pairs, tt.want)
			}
		})
	}
}

func TestBootstrapDeterministic(t *testing.T) {
	rng := rand.New(rand.NewPCG(1, 2))
	a, b := lognormal(rng, 300, 10, 0.4), lognormal(rng, 300, 12, 0.4)
	for _, stat := range []string{"p50", "p99", "mean"} {
		i1 := bootstrapRatio(a, b, stat, 0.95, 400, 3)
		i2 := bootstrapRatio(a, b, stat, 0.95, 400, 3)
		if i1 != i2 || !(i1.Low <= i1.Change && i1.Change <= i1.High) {
			t.Errorf("%s: %+v then %+v", stat, i1, i2)
		}
	}
	// The counting resample computes the statistic of the multiset it drew.
	counts := make([]int, len(a))
	r := rand.New(rand.NewPCG(9, 9))
	got := resampledStat(r, a, counts, "p90")
	var multiset []float64
	for i, c := range counts {
		for range c {
			multiset = append(multiset, a[i])
		}
	}
	if want := statistic(multiset, "p90"); got != want {
		t.Errorf("resampled p90 %v, want %v", got, want)
	}
}

func TestMinSamples(t *testing.T) {
	for _, c := range []struct {
		stat string
		want int
	}{{"p50", 20}, {"mean", 20}, {"p90", 20}, {"p95", 20}, {"p99", 100}, {"p999", 1000}, {"std", 20}} {
		if got := MinSamples(c.stat, 20); got != c.want {
			t.Errorf("%s: %d, want %d", c.stat, got, c.want)
		}
	}
}

// TestRules evaluates rules on a hand-made summary.
func TestRules(t *testing.T) {
	doc := map[string]any{
		"requests":   map[string]any{"total": 200.0, "ok": 199.0, "failed": 1.0, "errors": map[string]any{"http_5xx": 1.0}},
		"ttft_ms":    map[string]any{"count": 199.0, "p50": 40.0, "p99": 790.0},
		"throughput": map[string]any{"output_tokens_per_s": 5100.0},
		"engine":     map[string]any{"spec": map[string]any{"metrics": map[string]any{"acceptance_length": 2.4}}},
		"cost":       map[string]any{"usd_per_mtok_output": 0.38},
	}
	tests := []struct {
		rule   string
		status Status
		value  string
	}{
		{"ttft_ms.p99 < 800", Pass, "790"},
		{"ttft_ms.p99 < 700", Fail, "790"},
		{"requests.failed / requests.total <= 0.01", Pass, "0.005"},
		{"throughput.output_tokens_per_s >= 5000", Pass, "5100"},
		{"cost.usd_per_mtok_output <= 0.40", Pass, "0.38"},
		{"engine.spec.metrics.acceptance_length >= 2", Pass, "2.4"},
		{"requests.errors.http_5xx == 0", Fail, "1"},
		{"requests.errors.timeout == 0", Pass, "0"},           // absent class: none failed that way
		{"ttft_ms.p50 < 50 and ttft_ms.p99 < 800", Pass, "-"}, // no single value
		{"tpot_ms.p50 < 20", NotJudged, "-"},                  // known, absent from this run
		{"goodput.slo_attainment >= 0.9", NotJudged, "-"},
		{"(goodput?.slo_attainment ?? 1) >= 0.9", Pass, "1"},
	}
	for _, tt := range tests {
		t.Run(tt.rule, func(t *testing.T) {
			v := &View{Doc: cloneDoc(doc)}
			r, err := compileRule("g.yaml", tt.rule, v)
			if err != nil {
				t.Fatal(err)
			}
			c := r.judge(v, 20)
			if c.Status != tt.status || value(c) != tt.value {
				t.Errorf("got %s value %s (%s), want %s value %s", c.Status, value(c), c.Message, tt.status, tt.value)
			}
		})
	}
}

func cloneDoc(m map[string]any) map[string]any {
	out := map[string]any{}
	for k, v := range m {
		if sub, ok := v.(map[string]any); ok {
			v = cloneDoc(sub)
		}
		out[k] = v
	}
	return out
}

func TestUnknownPathNamesItself(t *testing.T) {
	v := &View{Doc: map[string]any{"ttft_ms": map[string]any{"p99": 1.0}}}
	for _, c := range []struct{ rule, path, suggest string }{
		{"ttft_ms.p99x < 800", "ttft_ms.p99x", "ttft_ms.p99"},
		{"throughput.output_tokens_per_sec >= 1", "throughput.output_tokens_per_sec", "throughput.output_tokens_per_s"},
		{"max(ttfts.p50, 1) < 2", "ttfts.p50", "ttft_ms.p50"},
		{"cost.usd_per_mtok_outptu < 1", "cost.usd_per_mtok_outptu", "cost.usd_per_mtok_output"},
	} {
		_, err := compileRule("g.yaml", c.rule, v)
		var ue *UnknownPathError
		if !asUnknown(err, &ue) || ue.Path != c.path || !slices.Contains(ue.Suggest, c.suggest) {
			t.Errorf("%s: %v", c.rule, err)
		}
	}
}

func asUnknown(err error, target **UnknownPathError) bool {
	u, ok := err.(*UnknownPathError)
	if ok {
		*target = u
	}
	return ok
}

// TestRender checks the table, Markdown and JUnit of a fixed verdict.
func TestRender(t *testing.T) {
	v1, v2 := 812.5, 64.2
	v := &Verdict{Dir: "results/pr", GateFile: "gate.yaml", Baseline: "results/main", Checks: []Check{
		{Kind: "rule", Name: "ttft_ms.p99 < 800", Value: &v1, Bound: "< 800", Status: Fail, Message: "ttft_ms.p99 is 812.5, want < 800"},
		{Kind: "rule", Name: "requests.failed / requests.total <= 0.01", Value: new(float64), Bound: "<= 0.01", Status: Pass, Message: "holds"},
		{Kind: "baseline", Name: "ttft_ms.p50", Value: &v2, Bound: "+10%", Status: Pass, Message: "within +10%: 62.1 -> 64.2 (+3.4%, 95% CI -1.0% .. +7.9%, 500 vs 500 samples)",
			Baseline: &Comparison{Source: "results/main", Value: 62.1, ChangePct: 3.4, CILowPct: -1, CIHighPct: 7.9, Confidence: 0.95, Samples: 500, BaselineSamples: 500, Resamples: 2000}},
		{Kind: "baseline", Name: "ttft_ms.p999", Bound: "+10%", Status: NotJudged, Message: "too few samples in this run: 500, p999 needs at least 1000"},
	}}
	v.settle()
	var all bytes.Buffer
	for _, w := range []func(*bytes.Buffer) error{
		func(b *bytes.Buffer) error { return v.WriteTable(b) },
		func(b *bytes.Buffer) error { return v.WriteMarkdown(b) },
		func(b *bytes.Buffer) error { return v.WriteJUnit(b) },
		func(b *bytes.Buffer) error { return v.WriteJSON(b) },
	} {
		if err := w(&all); err != nil {
			t.Fatal(err)
		}
		all.WriteString("----\n")
	}
	golden.Check(t, filepath.Join("testdata", "render.golden"), all.Bytes())
	var j JUnit
	var b bytes.Buffer
	v.WriteJUnit(&b)
	if err := xml.Unmarshal(b.Bytes(), &j); err != nil || j.Tests != 4 || j.Failures != 1 || j.Errors != 1 {
		t.Errorf("JUnit round trip: %+v, %v", j, err)
	}
	if v.Status != Fail || !strings.HasPrefix(v.Summary(), "gate FAILED: 2 passed, 1 failed, 1 not judged") {
		t.Errorf("%s: %s", v.Status, v.Summary())
	}
}

func TestParseFileErrors(t *testing.T) {
	for _, c := range []struct{ body, want string }{
		{"rules: [\"\"]", "rule 1 is empty"},
		{"{}", "nothing to judge"},
		{"rules: [a < 1]\nconfidence: 1.5", "confidence"},
		{"baseline: {ttft_ms.p50: '+ten%'}", "tolerance"},
		{"baseline: {ttft_ms.p50: '-100%'}", "[0, 100)"},
		{"baseline: {ttft_ms.max: '+1%'}", "cannot be compared"},
		{"rules: [a < 1]\nrezamples: 3", "field rezamples not found"},
	} {
		if _, err := ParseFile("g.yaml", []byte(c.body)); err == nil || !strings.Contains(err.Error(), c.want) {
			t.Errorf("%q: %v, want %q", c.body, err, c.want)
		}
	}
}

// FuzzParseFile: any gate file parses or fails with an error naming the
// file, and a parsed file's rules compile or fail without a panic.
func FuzzParseFile(f *testing.F) {
	f.Add([]byte(tenPercent))
	f.Add([]byte("rules: [ttft_ms.p99 < 800, 'cost.usd_per_mtok_output <= 0.4']\nbaseline: {throughput.output_tokens_per_s: -5%}"))
	f.Add([]byte("rules:\n  - len(requests.errors) == 0 && (goodput?.slo_attainment ?? 1) > 0.9\n"))
	f.Fuzz(func(t *testing.T, b []byte) {
		g, err := ParseFile("g.yaml", b)
		if err != nil {
			if !strings.Contains(err.Error(), "g.yaml") {
				t.Errorf("error does not name the file: %v", err)
			}
			return
		}
		v := &View{Doc: map[string]any{"requests": map[string]any{"ok": 1.0, "total": 1.0, "failed": 0.0, "errors": map[string]any{}}}}
		Judge(g, Input{View: v, Baseline: &Baseline{}})
	})
}
