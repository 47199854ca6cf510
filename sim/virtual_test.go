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
}

// outcome is what one sequence saw in virtual time.
type outcome struct {
	arrival, first, last time.Duration
	tokens               int
}

func (o outcome) ttft() time.Duration { return o.first - o.arrival }

// tpot is MET's (E2E - TTFT) / (output_tokens - 1).
func (o outcome) tpot() time.Duration { return (o.last - o.first) / time.Duration(o.tokens-1) }

// simulate runs arrivals (sorted by time) through a scheduler in virtual
// time: the clock advances by each step's duration and jumps over idle gaps.
// It returns the outcome of each arrival, the steps taken and the end time.
func simulate(t *testing.T, cfg Config, arrivals []arrival) ([]outcome, []step, time.Duration) {
	t.Helper()
	cfg = cfg.withDefaults()
	if err := cfg.validate(); err != nil {
		t.Fatal(err)
	}
	s := newScheduler(cfg)
	out := make([]outcome, len(arrivals))
	index := map[seqID]int{}
	var steps []step
	var now time.Duration
	next := 0
	for {
		for ; next < len(arrivals) && arrivals[next].at <= now; next++ {
			a := arrivals[next]
			id, err := s.add(a.prompt, a.output, "length")
			if err != nil {
				t.Fatal(err)
			}
			index[id] = next
			out[next].arrival = a.at
		}
		st, ok := s.step()
		if !ok {
			if next == len(arrivals) {
				return out, steps, now
			}
			now = arrivals[next].at
			continue
		}
		now += st.duration
		steps = append(steps, st)
		for _, e := range st.emits {
			o := &out[index[e.id]]
			if e.n == 1 {
				o.first = now
			}
			o.last, o.tokens = now, e.n
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
	out, _, _ := simulate(t, DefaultConfig(), burst(1, 512, 128))
	o := out[0]
	t.Logf("c=1 512/128: TTFT %v TPOT %v", o.ttft(), o.tpot())
	if o.tokens != 128 {
		t.Fatalf("tokens = %d, want 128", o.tokens)
	}
	if got := o.ttft(); got < 15*time.Millisecond || got > 50*time.Millisecond {
		t.Errorf("TTFT = %v, want 15-50ms", got)
	}
	if got := o.tpot(); got < 10*time.Millisecond || got > 20*time.Millisecond {
		t.Errorf("TPOT = %v, want 10-20ms", got)
	}
}

func TestVirtualConcurrent256(t *testing.T) {
	const n, in, outTokens = 256, 512, 128
	out, steps, end := simulate(t, DefaultConfig(), burst(n, in, outTokens))
	var sumTPOT time.Duration
	for _, o := range out {
		if o.tokens != outTokens {
			t.Fatalf("tokens = %d, want %d", o.tokens, outTokens)
		}
		sumTPOT += o.tpot()
	}
	meanTPOT := sumTPOT / n
	var decode []time.Duration // steps of a full batch that only decode
	for _, st := range steps {
		if st.prefillTokens == 0 && st.decodeSeqs == n {
			decode = append(decode, st.duration)
		}
	}
	slices.Sort(decode)
	decodeStep := decode[len(decode)/2]
	throughput := float64(n*outTokens) / end.Seconds()
	t.Logf("c=256 512/128: mean TPOT %v, full-batch decode step (median) %v, output %.0f tokens/s, makespan %v, %d steps",
		meanTPOT, decodeStep, throughput, end, len(steps))
	if decodeStep < 15*time.Millisecond || decodeStep > 30*time.Millisecond {
		t.Errorf("decode step at batch 256 = %v, want about 20ms (15-30ms)", decodeStep)
	}
	if meanTPOT < 15*time.Millisecond || meanTPOT > 45*time.Millisecond {
		t.Errorf("mean TPOT = %v, want 15-45ms (decode steps plus chunked-prefill stalls)", meanTPOT)
	}
	if throughput < 5000 {
		t.Errorf("output throughput = %.0f tokens/s, want >= 5000", throughput)
	}
}
