package report

import (
	"encoding/json"
	"math"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/tokenbench/tokenbench/bench"
)

func fptr(v float64) *float64 { return &v }

// healthy is the Health of an idle client.
func healthy() *bench.Health {
	return &bench.Health{WindowS: 10, CPUSeconds: fptr(1), Cores: 2, CPUUtilization: fptr(0.05), CPUBusySeconds: 0, CPUMeasuredSeconds: 10,
		SchedLatencyP99MS: fptr(0.2), FDLimit: 1024, FDMax: 40, EngineTimeScale: 1}
}

// paced returns n open-loop records scheduled every gap ms and started
// every startGap ms, each lagging by its index x (startGap - gap).
func paced(n int, gap, startGap float64) []bench.Record {
	var recs []bench.Record
	for i := 0; i < n; i++ {
		ttft := 5.0
		recs = append(recs, bench.Record{RequestID: "r", OK: true, Status: 200, TSchedMS: float64(i) * gap, TStartMS: float64(i) * startGap,
			TTFTMS: &ttft, E2EMS: 10, EventsMS: []float64{5, 10}, OutputTokens: 2, InputTokens: 4, TokensSource: bench.TokensFromUsage})
	}
	return recs
}

func TestValidity(t *testing.T) {
	open := bench.LoadInfo{Mode: "open", RatePerS: 100}
	closed := bench.LoadInfo{Mode: "closed", Concurrency: 4}
	with := func(f func(h *bench.Health)) *bench.Health { h := healthy(); f(h); return h }
	tests := []struct {
		name   string
		recs   []bench.Record
		load   bench.LoadInfo
		health *bench.Health
		clock  string
		held   *bench.HeldBack
		want   []string // failed checks, in order
	}{
		{name: "virtual clock: the host's CPU shapes nothing", recs: paced(50, 10, 10), load: closed, clock: bench.ClockVirtual,
			health: with(func(h *bench.Health) { h.CPUUtilization = fptr(1); h.SchedLatencyP99MS = fptr(40) })},
		{name: "unloaded open loop is valid", recs: paced(50, 10, 10), load: open, health: healthy()},
		{name: "unloaded closed loop is valid", recs: paced(50, 10, 10), load: closed, health: healthy()},
		{name: "no health record", recs: paced(50, 10, 10), load: closed, want: []string{"health_recorded"}},
		{name: "open loop falling behind", recs: paced(50, 10, 20), load: open, health: healthy(), want: []string{"schedule_lag", "achieved_rate"}},
		{name: "closed loop lag is not judged", recs: paced(50, 10, 20), load: closed, health: healthy()},
		{name: "few requests: no rate verdict", recs: paced(5, 10, 10.5), load: open, health: healthy()},
		{name: "CPU saturated over the run", recs: paced(50, 10, 10), load: closed, health: with(func(h *bench.Health) { h.CPUUtilization = fptr(0.97) }), want: []string{"cpu_saturated"}},
		{name: "CPU saturated in bursts", recs: paced(50, 10, 10), load: closed, health: with(func(h *bench.Health) { h.CPUBusySeconds = 2 }), want: []string{"cpu_saturated"}},
		{name: "scheduler latency", recs: paced(50, 10, 10), load: closed, health: with(func(h *bench.Health) { h.SchedLatencyP99MS = fptr(40) }), want: []string{"scheduler_latency"}},
		{name: "too many open files", recs: paced(50, 10, 10), load: closed, health: with(func(h *bench.Health) { h.ResourceErrors = 3 }), want: []string{"fd_exhaustion"}},
		{name: "fd use near the limit", recs: paced(50, 10, 10), load: closed, health: with(func(h *bench.Health) { h.FDMax = 1000 }), want: []string{"fd_exhaustion"}},
		{name: "time-scaled engine", recs: paced(50, 10, 10), load: closed, health: with(func(h *bench.Health) { h.EngineTimeScale = 0.2 }), want: []string{"engine_time_scaled"}},
		{name: "engine late", recs: paced(50, 10, 10), load: closed, health: with(func(h *bench.Health) { h.EngineLateP99MS = fptr(50) }), want: []string{"engine_late"}},
		{name: "engine on time", recs: paced(50, 10, 10), load: closed, health: with(func(h *bench.Health) { h.EngineLateP99MS = fptr(1) })},
		{name: "a cap delayed scheduled requests", recs: paced(50, 10, 10), load: closed, health: healthy(), held: &bench.HeldBack{Of: 50, By: bench.HeldBackByConcurrency, Delayed: 7}, want: []string{"held_back"}},
		{name: "interrupted before the workload ended", recs: paced(50, 10, 10), load: closed, health: healthy(), held: &bench.HeldBack{Requests: 20, Of: 70, By: bench.StopInterrupt}, want: []string{"held_back"}},
		{name: "--requests asked for part of a trace", recs: paced(50, 10, 10), load: closed, health: healthy(), held: &bench.HeldBack{Requests: 20, Of: 70, By: bench.StopRequests}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			s := summarize(tt.recs)
			s.HeldBack = tt.held
			s.SetValidity(bench.RunInfo{Load: tt.load, Health: tt.health, Clock: tt.clock})
			var got []string
			for _, r := range s.Validity.Reasons {
				got = append(got, r.Check)
				if r.Message == "" || (r.Check != "health_recorded" && r.Unit == "") {
					t.Errorf("reason %+v lacks a message or unit", r)
				}
			}
			if strings.Join(got, ",") != strings.Join(tt.want, ",") || s.Validity.Valid != (len(tt.want) == 0) {
				t.Errorf("valid %v reasons %v, want %v", s.Validity.Valid, got, tt.want)
			}
		})
	}
}

func TestValidityReasonNamesFigureAndThreshold(t *testing.T) {
	s := summarize(paced(50, 10, 20))
	s.SetValidity(bench.RunInfo{Load: bench.LoadInfo{Mode: "open"}, Health: healthy()})
	b, err := json.Marshal(s.Validity)
	if err != nil {
		t.Fatal(err)
	}
	// Lag of request i is 10 i ms: p99 over 0..490 is 485.1 ms; starts
	// came at half the scheduled rate.
	var v Validity
	if err := json.Unmarshal(b, &v); err != nil || len(v.Reasons) != 2 {
		t.Fatalf("validity JSON %s: %v", b, err)
	}
	lag, rate := v.Reasons[0], v.Reasons[1]
	if lag.Check != "schedule_lag" || math.Abs(lag.Value-485.1) > 1e-9 || lag.Threshold != MaxScheduleLagP99MS || lag.Unit != "ms" ||
		!strings.Contains(lag.Message, "485.1 ms, above 10 ms") {
		t.Errorf("lag reason %+v", lag)
	}
	if rate.Check != "achieved_rate" || rate.Value != 0.5 || rate.Threshold != MinAchievedRateRatio || rate.Unit != "ratio" ||
		!strings.Contains(rate.Message, "50 req/s while the schedule asked 100 req/s") {
		t.Errorf("rate reason %+v", rate)
	}
}

// TestSummarizeReadsHealth: summarize finds validity from run.json as the
// run did; a run.json without health (a crash) is not vouched for.
func TestSummarizeReadsHealth(t *testing.T) {
	dir := t.TempDir()
	writeRecords(t, dir, paced(20, 10, 10), "")
	ri := bench.RunInfo{Tool: "tokenbench", Load: bench.LoadInfo{Mode: "closed"}}
	if err := bench.WriteRunInfo(dir, ri); err != nil {
		t.Fatal(err)
	}
	s, _, err := Summarize(dir)
	if err != nil || s.Validity == nil || s.Validity.Valid || s.Validity.Reasons[0].Check != "health_recorded" {
		t.Fatalf("validity %+v err %v", s.Validity, err)
	}
	ri.Health = healthy()
	os.Remove(filepath.Join(dir, bench.RunFile))
	if err := bench.WriteRunInfo(dir, ri); err != nil {
		t.Fatal(err)
	}
	if s, _, err = Summarize(dir); err != nil || s.Validity == nil || !s.Validity.Valid {
		t.Fatalf("validity %+v err %v", s.Validity, err)
	}
}
