package sim

import (
	"strings"
	"testing"
	"time"
)

func TestParseEngineProfile(t *testing.T) {
	base := DefaultTiming()
	tests := []struct {
		name, in string
		check    func(Timing) bool
		err      string // substring of the error; empty: none
	}{
		{name: "shares and durations", in: "mfu: 0.62\nstep_base: 1.2ms\ndecode_per_seq: 4us\noutput_lag: 1.5\nasync_scheduling: true\n",
			check: func(t Timing) bool {
				return t.MFU == 0.62 && t.StepBase == 1200*time.Microsecond && t.DecodePerSeq == 4*time.Microsecond &&
					t.OutputLag == 1.5 && t.AsyncScheduling && t.MBU == DefaultMBU
			}},
		{name: "micro sign", in: "allreduce_latency: 7µs", check: func(t Timing) bool { return t.AllReduceLatency == 7*time.Microsecond }},
		{name: "comments and empty keys keep base", in: "# nothing\nmbu: 0.8 # note\n", check: func(t Timing) bool { return t.MBU == 0.8 && t.MFU == DefaultMFU }},
		{name: "unknown key names its line", in: "mfu: 0.5\nmfuu: 0.6\n", err: `line 2: unknown key "mfuu"`},
		{name: "duration without unit", in: "step_base: 0.001\n", err: "line 1: step_base: \"0.001\": want a non-negative duration with its unit"},
		{name: "negative duration", in: "step_base: -1ms\n", err: "line 1: step_base"},
		{name: "share above one", in: "\nmbu: 1.5\n", err: "line 2: mbu: \"1.5\": want a share in (0, 1]"},
		{name: "share zero", in: "mfu: 0\n", err: "want a share"},
		{name: "negative lag", in: "output_lag: -1\n", err: "want a non-negative number"},
		{name: "bool", in: "async_scheduling: maybe\n", err: "want true or false"},
		{name: "duplicate", in: "mfu: 0.5\nmfu: 0.6\n", err: "line 2: mfu given again (first on line 1)"},
		{name: "not a mapping", in: "- mfu\n", err: "want a mapping"},
		{name: "nested value", in: "mfu: [0.5]\n", err: "want a single value"},
		{name: "empty", in: "", err: "empty"},
		{name: "bad yaml", in: "mfu: [\n", err: "engine profile"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := ParseEngineProfile([]byte(tt.in), base)
			if tt.err != "" {
				if err == nil || !strings.Contains(err.Error(), tt.err) {
					t.Fatalf("error %v, want one containing %q", err, tt.err)
				}
				if got != base {
					t.Errorf("on error got %+v, want base back", got)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if !tt.check(got) {
				t.Errorf("got %+v", got)
			}
		})
	}
}

// FormatEngineProfile writes what ParseEngineProfile reads back, to 4
// significant digits.
func TestEngineProfileRoundTrip(t *testing.T) {
	in := Timing{MFU: 0.61234, MBU: 0.9, Overlap: 0.5, FP4Efficiency: 0.75, StepBase: 1234567 * time.Nanosecond,
		DecodePerSeq: 3456 * time.Nanosecond, AttentionMBU: 0.8, MoEEfficiency: 0.7, AllReduceLatency: 12 * time.Microsecond,
		FrontendOverhead: 15 * time.Second, OutputLag: 1.25, AsyncScheduling: true}
	b := FormatEngineProfile(in, "line one\nline two")
	if !strings.HasPrefix(string(b), "# line one\n# line two\n") {
		t.Errorf("header not written as comments:\n%s", b)
	}
	got, err := ParseEngineProfile(b, Timing{})
	if err != nil {
		t.Fatalf("%v\n%s", err, b)
	}
	want := in
	want.MFU, want.StepBase, want.DecodePerSeq = 0.6123, 1235*time.Microsecond, 3456*time.Nanosecond
	if got != want {
		t.Errorf("round trip:\n got %+v\nwant %+v\n%s", got, want, b)
	}
}

func FuzzParseEngineProfile(f *testing.F) {
	f.Add([]byte("mfu: 0.6\nstep_base: 1ms\n"))
	f.Add([]byte("output_lag: 1e3\nasync_scheduling: yes"))
	f.Add([]byte("mbu: NaN\n"))
	f.Fuzz(func(t *testing.T, b []byte) {
		got, err := ParseEngineProfile(b, DefaultTiming())
		if err != nil {
			return
		}
		if err := got.withDefaults().validate(); err != nil {
			t.Fatalf("accepted a profile that does not validate: %v", err)
		}
		if _, err := ParseEngineProfile(FormatEngineProfile(got), Timing{}); err != nil {
			t.Fatalf("cannot read back what it wrote: %v\n%s", err, FormatEngineProfile(got))
		}
	})
}

func TestShippedEngineProfiles(t *testing.T) {
	if got := EngineProfileNames(); strings.Join(got, ",") != "defaults,vllm" {
		t.Fatalf("shipped profiles %v", got)
	}
	d, err := LoadEngineProfile("defaults", Timing{MFU: 0.1})
	if err != nil {
		t.Fatal(err)
	}
	if d.withDefaults() != DefaultTiming().withDefaults() {
		t.Errorf("profile defaults %+v, want DefaultTiming %+v", d.withDefaults(), DefaultTiming().withDefaults())
	}
	v, err := LoadEngineProfile("vllm", DefaultTiming())
	if err != nil {
		t.Fatal(err)
	}
	if !v.AsyncScheduling || v.OutputLag <= 0 || v.FrontendOverhead <= 0 || v.AllReduceLatency <= 0 {
		t.Errorf("vllm profile %+v: want the replay's terms set", v)
	}
	if _, err := LoadEngineProfile("sglang", DefaultTiming()); err == nil || !strings.Contains(err.Error(), "nor a shipped profile (defaults, vllm)") {
		t.Errorf("unknown name: %v", err)
	}
	if _, err := LoadEngineProfile("./none.yaml", DefaultTiming()); err == nil {
		t.Error("missing file: no error")
	}
}
