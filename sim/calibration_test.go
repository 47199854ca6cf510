package sim

import (
	"fmt"
	"math"
	"strings"
	"testing"
	"time"
)

// trtRow is one TensorRT-LLM offline throughput figure of
// ../shared/data/gpu-reference.md (perf-overview.md): output tokens/s of the
// whole tensor-parallel group at maximum load.
type trtRow struct {
	model, gpu string
	tp         int
	precision  Precision
	in, out    int
	requests   int // the row's $num_requests in perf-overview.md
	published  float64
}

// trtRows are every row of the reference the profiles can express (all of
// them): Llama-3.3-70B has Llama-3.1-70B's architecture.
var trtRows = func() []trtRow {
	type line struct {
		model, gpu string
		tp         int
		p          Precision
		figures    [3]float64 // 1000/1000, 128/2048, 2048/2048
	}
	lines := []line{
		{"llama-3.1-8b", "H100", 1, FP8, [3]float64{15220, 22714, 9305}},
		{"llama-3.1-8b", "H200", 1, FP8, [3]float64{17744, 26221, 12194}},
		{"llama-3.3-70b", "H100", 2, FP8, [3]float64{4205, 6651, 3082}},
		{"llama-3.3-70b", "H200", 1, FP8, [3]float64{2909, 4336, 2003}},
		{"llama-3.3-70b", "B200", 1, FP4, [3]float64{7007, 9922, 4783}},
		{"llama-3.3-70b", "GB200", 1, FP4, [3]float64{7326, 11309, 5646}},
	}
	lengths := [3][3]int{{1000, 1000, 3000}, {128, 2048, 3000}, {2048, 2048, 1500}}
	var rows []trtRow
	for _, l := range lines {
		for i, f := range l.figures {
			rows = append(rows, trtRow{l.model, l.gpu, l.tp, l.p, lengths[i][0], lengths[i][1], lengths[i][2], f})
		}
	}
	return rows
}()

func (r trtRow) name() string {
	return fmt.Sprintf("%s %s tp%d %s %d/%d", r.model, r.gpu, r.tp, r.precision, r.in, r.out)
}

func (r trtRow) config() Config {
	c := DefaultConfig()
	c.Model, c.GPU, c.TP, c.Precision = r.model, r.gpu, r.tp, r.precision
	c.MaxBatch, c.NoEvict = trtMaxBatch, true
	c.NoPrefixCache = true // random prompts: no hits, and no hashing to pay for
	return c
}

// trtMaxBatch stands for trtllm-bench's batch-size heuristics: offline,
// the batch grows until the KV cache, not a sequence cap, limits it.
const trtMaxBatch = 2048

// offline runs n requests of in/out tokens, all queued at time 0, through a
// scheduler in virtual time and returns the output tokens/s over the
// makespan, as trtllm-bench's offline throughput.
func offline(t testing.TB, cfg Config, in, out, n int) (float64, stats) {
	t.Helper()
	d, err := cfg.Resolve()
	if err != nil {
		t.Fatal(err)
	}
	s := newScheduler(d)
	for i := range n {
		if _, err := s.add(seqRequest{prompt: in, output: out, reason: reasonLength, key: uint64(i + 1)}, 0); err != nil {
			t.Fatal(err)
		}
	}
	var now time.Duration
	for {
		st, ok := s.step(now)
		if !ok {
			break
		}
		now += st.duration
	}
	return float64(n*out) / now.Seconds(), s.stats()
}

func TestCalibrationAgainstTensorRTLLM(t *testing.T) {
	type result struct {
		got         float64
		preemptions uint64
	}
	results := make([]result, len(trtRows))
	t.Run("rows", func(t *testing.T) {
		for i, r := range trtRows {
			t.Run(r.name(), func(t *testing.T) {
				t.Parallel()
				got, st := offline(t, r.config(), r.in, r.out, r.requests)
				results[i] = result{got, st.preemptions}
				if rel := got/r.published - 1; math.Abs(rel) > 0.20 {
					t.Errorf("predicted %.0f output tokens/s, published %.0f: %+.1f%%, want within 20%%", got, r.published, 100*rel)
				}
			})
		}
	})
	var table strings.Builder
	fmt.Fprintf(&table, "\n%-40s %10s %10s %7s\n", "row", "published", "predicted", "error")
	worst := 0.0
	for i, r := range trtRows {
		rel := results[i].got/r.published - 1
		worst = math.Max(worst, math.Abs(rel))
		fmt.Fprintf(&table, "%-40s %10.0f %10.0f %+6.1f%%\n", r.name(), r.published, results[i].got, 100*rel)
	}
	t.Logf("offline output tokens/s; default timing %+v; max batch %d, no-evict admission, perf-overview.md request counts:%s worst %.1f%%",
		DefaultTiming(), trtMaxBatch, table.String(), 100*worst)
}

// The shipped vllm profile, fitted on real vLLM serving, also predicts
// TensorRT-LLM's offline throughput within 20%: one set of efficiencies
// for online and offline (its fp4_efficiency comes from the FP4 rows, as
// the defaults' does; the serving data have no FP4).
func TestVLLMProfileAgainstTensorRTLLM(t *testing.T) {
	tm, err := LoadEngineProfile("vllm", DefaultTiming())
	if err != nil {
		t.Fatal(err)
	}
	for _, r := range trtRows {
		t.Run(r.name(), func(t *testing.T) {
			t.Parallel()
			cfg := r.config()
			cfg.Timing = tm
			got, _ := offline(t, cfg, r.in, r.out, r.requests)
			if rel := got/r.published - 1; math.Abs(rel) > 0.20 {
				t.Errorf("vllm profile: predicted %.0f output tokens/s, published %.0f: %+.1f%%, want within 20%%", got, r.published, 100*rel)
			}
		})
	}
}
