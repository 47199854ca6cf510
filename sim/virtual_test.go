package sim

import (
	"slices"
	"testing"
	"time"
)

// arrival is one sequence offered to the scheduler at a virtual time.
type arrival struct {
	at             time.Duration
	prompt, output int
	tokens         []uint64 // nil: a prompt no other shares
}

// outcome is what one sequence saw in virtual time.
type outcome struct {
	arrival, first, last time.Duration
	tokens               int
	events               []int // tokens of each step that emitted some
	result               *seqResult
}

func (o outcome) ttft() time.Duration { return o.first - o.arrival }

// tpot is MET's (E2E - TTFT) / (output_tokens - 1).
func (o outcome) tpot() time.Duration { return (o.last - o.first) / time.Duration(o.tokens-1) }

// run is a virtual-time run: outcomes, steps, end time and final stats.
type run struct {
	out   []outcome
	steps []step
	end   time.Duration
	stats stats
}

// simulate runs arrivals (sorted by time) through a scheduler in virtual
// time: the clock advances by each step's duration and jumps over idle gaps.
func simulate(t testing.TB, cfg Config, arrivals []arrival) run {
	t.Helper()
	d, err := cfg.Resolve()
	if err != nil {
		t.Fatal(err)
	}
	s := newScheduler(d)
	r := run{out: make([]outcome, len(arrivals))}
	index := map[seqID]int{}
	next := 0
	for {
		for ; next < len(arrivals) && arrivals[next].at <= r.end; next++ {
			a := arrivals[next]
			id, err := s.add(seqRequest{prompt: a.prompt, tokens: a.tokens, output: a.output, reason: reasonLength,
				key: splitmix64(uint64(next) + 1)}, a.at)
			if err != nil {
				t.Fatal(err)
			}
			index[id] = next
			r.out[next].arrival = a.at
		}
		st, ok := s.step(r.end)
		if !ok {
			if next == len(arrivals) {
				r.stats = s.stats()
				return r
			}
			r.end = arrivals[next].at
			continue
		}
		r.end += st.duration
		r.steps = append(r.steps, st)
		for _, e := range st.emits {
			o := &r.out[index[e.id]]
			if o.tokens == 0 {
				o.first = r.end
			}
			o.events = append(o.events, e.n-o.tokens)
			o.last, o.tokens, o.result = r.end, e.n, e.result
		}
	}
}

func burst(n, prompt, output int) []arrival {
	a := make([]arrival, n)
	for i := range a {
		a[i] = arrival{prompt: prompt, output: output}
	}
	return a
}

func TestVirtualSingleRequest(t *testing.T) {
	tests := []struct {
		name             string
		cfg              func(*Config)
		minTTFT, maxTTFT time.Duration
		minTPOT, maxTPOT time.Duration
	}{
		// 16 GB of bf16 weights at 3.35 TB/s x MBU plus the step overhead.
		{"8B bf16 H100", func(*Config) {}, 5 * time.Millisecond, 40 * time.Millisecond, 5 * time.Millisecond, 12 * time.Millisecond},
		{"8B fp8 H100", func(c *Config) { c.Precision = FP8 }, 3 * time.Millisecond, 30 * time.Millisecond, 3 * time.Millisecond, 8 * time.Millisecond},
		{"70B fp8 H100 tp2", func(c *Config) { c.Model, c.Precision, c.TP = "llama-3.1-70b", FP8, 2 }, 10 * time.Millisecond, 100 * time.Millisecond, 10 * time.Millisecond, 30 * time.Millisecond},
		{"gpt-oss fp4 B200", func(c *Config) { c.Model, c.GPU, c.Precision = "gpt-oss-120b", "B200", FP4 }, 2 * time.Millisecond, 30 * time.Millisecond, time.Millisecond, 8 * time.Millisecond},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			cfg := DefaultConfig()
			tt.cfg(&cfg)
			o := simulate(t, cfg, burst(1, 512, 128)).out[0]
			t.Logf("c=1 512/128: TTFT %v TPOT %v", o.ttft(), o.tpot())
			if o.tokens != 128 {
				t.Fatalf("tokens = %d, want 128", o.tokens)
			}
			if got := o.ttft(); got < tt.minTTFT || got > tt.maxTTFT {
				t.Errorf("TTFT = %v, want %v-%v", got, tt.minTTFT, tt.maxTTFT)
			}
			if got := o.tpot(); got < tt.minTPOT || got > tt.maxTPOT {
				t.Errorf("TPOT = %v, want %v-%v", got, tt.minTPOT, tt.maxTPOT)
			}
		})
	}
}

func TestVirtualConcurrent256(t *testing.T) {
	const n, in, outTokens = 256, 512, 128
	r := simulate(t, DefaultConfig(), burst(n, in, outTokens))
	var sumTPOT time.Duration
	for _, o := range r.out {
		if o.tokens != outTokens {
			t.Fatalf("tokens = %d, want %d", o.tokens, outTokens)
		}
		sumTPOT += o.tpot()
	}
	meanTPOT := sumTPOT / n
	var decode []time.Duration // steps of a full batch that only decode
	for _, st := range r.steps {
		if st.prefillTokens == 0 && st.decodeSeqs == n {
			decode = append(decode, st.duration)
		}
	}
	slices.Sort(decode)
	decodeStep := decode[len(decode)/2]
	throughput := float64(n*outTokens) / r.end.Seconds()
	t.Logf("c=256 512/128: mean TPOT %v, full-batch decode step (median) %v, output %.0f tokens/s, makespan %v, %d steps",
		meanTPOT, decodeStep, throughput, r.end, len(r.steps))
	if decodeStep < 10*time.Millisecond || decodeStep > 25*time.Millisecond {
		t.Errorf("decode step at batch 256 = %v, want 10-25ms", decodeStep)
	}
	// 131k prompt tokens at ~30k tokens/s of BF16 prefill dominate.
	if throughput < 3000 || throughput > 20000 {
		t.Errorf("output throughput = %.0f tokens/s, want 3000-20000", throughput)
	}
	if r.stats.preemptions != 0 || r.stats.waiting != 0 || r.stats.kvUsage != 0 {
		t.Errorf("end stats %+v, want no preemption and an empty cache", r.stats)
	}
}
