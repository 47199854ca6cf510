package workloads

import (
	"bytes"
	"encoding/csv"
	"encoding/json"
	"math"
	"strings"
	"testing"
	"time"
)

// TestTraceTiming checks that every timestamped kind replays its records at
// (timestamp - first timestamp in the window) / scale, exactly, with the
// window cut in trace time before scaling.
func TestTraceTiming(t *testing.T) {
	ms := func(v ...float64) []time.Duration {
		out := make([]time.Duration, len(v))
		for i, x := range v {
			out[i] = time.Duration(math.Round(x * float64(time.Millisecond)))
		}
		return out
	}
	open := func(kind, file string) func(Spec) (Source, error) {
		return func(s Spec) (Source, error) {
			data := trTestdata(t, file)
			switch kind {
			case "mooncake":
				s.BlockTokens = 16
				return parseMooncake(file, data, s)
			case "azure":
				return parseAzure(file, data, s)
			case "burstgpt":
				return parseBurstGPT(file, data, s)
			}
			return parseJSONL(file, data, s)
		}
	}
	tests := []struct {
		name string
		open func(Spec) (Source, error)
		spec Spec
		want []time.Duration
	}{
		// mooncake_small.jsonl keeps timestamps 0 0 250 1000 1750 2500 4000 ms.
		{"mooncake as recorded", open("mooncake", "mooncake_small.jsonl"), Spec{}, ms(0, 0, 250, 1000, 1750, 2500, 4000)},
		{"mooncake twice as fast", open("mooncake", "mooncake_small.jsonl"), Spec{TimeScale: 2}, ms(0, 0, 125, 500, 875, 1250, 2000)},
		{"mooncake window", open("mooncake", "mooncake_small.jsonl"), Spec{TraceStart: 200 * time.Millisecond, TraceDuration: 2 * time.Second}, ms(0, 750, 1500)},
		{"mooncake window twice as fast", open("mooncake", "mooncake_small.jsonl"), Spec{TimeScale: 2, TraceStart: 200 * time.Millisecond, TraceDuration: 2 * time.Second}, ms(0, 375, 750)},
		{"mooncake window end is exclusive", open("mooncake", "mooncake_small.jsonl"), Spec{TraceStart: time.Second, TraceDuration: 1500 * time.Millisecond}, ms(0, 750)},
		// azure_small.csv keeps 18:15:46.6805900, 18:15:50.9951690, 18:15:55.5000001, 18:16:46.6805900.
		{"azure as recorded", open("azure", "azure_small.csv"), Spec{}, []time.Duration{0, 4314579000, 8819410100, 60 * time.Second}},
		{"azure twice as fast", open("azure", "azure_small.csv"), Spec{TimeScale: 2}, []time.Duration{0, 2157289500, 4409705050, 30 * time.Second}},
		{"azure window", open("azure", "azure_small.csv"), Spec{TraceStart: 4 * time.Second, TraceDuration: 10 * time.Second}, []time.Duration{0, 4504831100}},
		// burstgpt_small.csv keeps 5 s (ChatGPT) 118 s (GPT-4) 125.5 s (ChatGPT) 141 s (gpt-4).
		{"burstgpt all models", open("burstgpt", "burstgpt_small.csv"), Spec{}, ms(0, 113000, 120500, 136000)},
		{"burstgpt GPT-4 twice as fast", open("burstgpt", "burstgpt_small.csv"), Spec{BurstGPTModel: "GPT-4", TimeScale: 2}, ms(0, 11500)},
		{"jsonl a quarter speed", open("jsonl", "requests_timed.jsonl"), Spec{TimeScale: 0.25}, ms(0, 1000, 4002)},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			src, err := tt.open(tt.spec)
			if err != nil {
				t.Fatal(err)
			}
			items := trDrain(t, src, 100)
			if len(items) != len(tt.want) {
				t.Fatalf("%d items, want %d", len(items), len(tt.want))
			}
			for i, it := range items {
				if !it.Timed || it.Offset != tt.want[i] {
					t.Errorf("item %d (%s): offset %v timed %v, want %v", i, it.ID, it.Offset, it.Timed, tt.want[i])
				}
			}
			if _, err := src.Next(); err != ErrExhausted {
				t.Errorf("after the window: %v, want ErrExhausted (a trace does not cycle)", err)
			}
		})
	}
}

// TestTraceTimingReal replays slices of the real Mooncake and Azure traces
// and compares every offset with one computed here from the raw file.
func TestTraceTimingReal(t *testing.T) {
	moon := trFirstLines(trRealFile(t, "mooncake/conversation_trace.jsonl"), 200)
	var moonTS []int64 // ns
	eachLine(moon, func(_ int, text []byte) error {
		var l struct{ Timestamp int64 }
		json.Unmarshal(text, &l)
		moonTS = append(moonTS, l.Timestamp*int64(time.Millisecond))
		return nil
	})
	az := trFirstLines(trRealFile(t, "azure/AzureLLMInferenceTrace_code.csv"), 400)
	rows, err := csv.NewReader(bytes.NewReader(az)).ReadAll()
	if err != nil {
		t.Fatal(err)
	}
	var azTS []int64
	for _, r := range rows[1:] {
		tm, err := time.Parse("2006-01-02 15:04:05.0000000", r[0])
		if err != nil {
			t.Fatal(err)
		}
		azTS = append(azTS, tm.UnixNano())
	}
	tests := []struct {
		name  string
		parse func(Spec) (Source, error)
		ts    []int64
	}{
		{"mooncake", func(s Spec) (Source, error) { return parseMooncake("conversation_trace.jsonl", moon, s) }, moonTS},
		{"azure", func(s Spec) (Source, error) { return parseAzure("AzureLLMInferenceTrace_code.csv", az, s) }, azTS},
	}
	for _, tt := range tests {
		for _, spec := range []Spec{
			{TimeScale: 1},
			{TimeScale: 2},
			{TimeScale: 1, TraceStart: 20 * time.Second, TraceDuration: 30 * time.Second},
			{TimeScale: 2, TraceStart: 20 * time.Second, TraceDuration: 30 * time.Second},
		} {
			t.Run(tt.name, func(t *testing.T) {
				src, err := tt.parse(spec)
				if err != nil {
					t.Fatal(err)
				}
				lo, hi := tt.ts[0]+int64(spec.TraceStart), int64(math.MaxInt64)
				if spec.TraceDuration > 0 {
					hi = lo + int64(spec.TraceDuration)
				}
				var want []time.Duration
				t0 := int64(-1)
				for _, ts := range tt.ts {
					if ts < lo || ts >= hi {
						continue
					}
					if t0 < 0 {
						t0 = ts
					}
					// Differences are whole even ns (ms, or 100 ns), so /2 is exact.
					want = append(want, time.Duration((ts-t0)/int64(spec.TimeScale)))
				}
				items := trDrain(t, src, len(tt.ts)+1)
				if len(items) != len(want) || len(want) < 10 {
					t.Fatalf("%d items, want %d (>= 10)", len(items), len(want))
				}
				for i := range items {
					if items[i].Offset != want[i] {
						t.Fatalf("%+v item %d: offset %v, want %v", spec, i, items[i].Offset, want[i])
					}
				}
			})
		}
	}
}

func TestTraceUnsorted(t *testing.T) {
	data := "{\"timestamp\": 500, \"input_length\": 4, \"output_length\": 1}\n" +
		"{\"timestamp\": 0, \"input_length\": 4, \"output_length\": 1}\n" +
		"{\"timestamp\": 250, \"input_length\": 4, \"output_length\": 1}\n"
	src, err := parseMooncake("u.jsonl", []byte(data), Spec{})
	if err != nil {
		t.Fatal(err)
	}
	items := trDrain(t, src, 10)
	var got []string
	for _, it := range items {
		got = append(got, it.ID+"@"+it.Offset.String())
	}
	if want := "L2@0s L3@250ms L1@500ms"; strings.Join(got, " ") != want {
		t.Errorf("replayed %s, want %s", strings.Join(got, " "), want)
	}
	if notes := strings.Join(src.(FileReporter).FileReport().Notes, "; "); !strings.Contains(notes, "out of order: 3 records moved") {
		t.Errorf("notes %q: want one on the reordering", notes)
	}
}

func TestTraceClockErrors(t *testing.T) {
	data := trTestdata(t, "mooncake_small.jsonl")
	tests := []struct {
		name  string
		spec  Spec
		parts []string
	}{
		{"negative scale", Spec{TimeScale: -1}, []string{"time scale"}},
		{"NaN scale", Spec{TimeScale: math.NaN()}, []string{"time scale"}},
		{"infinite scale", Spec{TimeScale: math.Inf(1)}, []string{"time scale"}},
		{"negative start", Spec{TraceStart: -time.Second}, []string{"trace start"}},
		{"negative duration", Spec{TraceDuration: -time.Second}, []string{"trace duration"}},
		{"window past the end", Spec{TraceStart: time.Hour}, []string{"m.jsonl", "no requests in the window", "spans 4s"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := parseMooncake("m.jsonl", data, tt.spec)
			trWantErr(t, err, tt.parts...)
		})
	}
}

// TestTracePlan: a trace's plan is its window's requests and the offset of
// the last one on the replay clock.
func TestTracePlan(t *testing.T) {
	src, err := Open(Spec{Kind: "jsonl", Path: "testdata/requests_timed.jsonl", TimeScale: 2})
	if err != nil {
		t.Fatal(err)
	}
	p, ok := PlanOf(src)
	var last time.Duration
	n := 0
	for {
		it, err := src.Next()
		if err != nil {
			break
		}
		n, last = n+1, it.Offset
	}
	if !ok || !p.Timed || p.Items != n || p.Span != last || p.TimeScale != 2 {
		t.Errorf("plan %+v (%v), replayed %d, last offset %v", p, ok, n, last)
	}
	if _, ok := PlanOf(mustOpen(t, Spec{Kind: "jsonl", Path: "testdata/requests.jsonl"})); ok {
		t.Error("a cycling dataset has no plan: it is endless")
	}
}

func mustOpen(t *testing.T, s Spec) Source {
	t.Helper()
	src, err := Open(s)
	if err != nil {
		t.Fatal(err)
	}
	return src
}
