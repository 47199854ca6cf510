package sim

import (
	"encoding/json"
	"errors"
	"fmt"
	"path/filepath"
	"sort"
	"time"

	"github.com/tokenbench/tokenbench/bench"
)

// ReadRunExperiment builds an experiment from a tokenbench results directory
// of an open-loop run, for calibration: the requests replay as they were
// offered (arrivals from each record's t_sched_ms, prompt and output
// lengths from its usage), and the measured figures are those of the
// records, summarized as the sim-to-real data set does (ok, non-warm-up
// requests; ITL = (E2E mean - TTFT mean) / (mean output - 1)). The
// deployment is the built-in engine's recorded in run.json when the run
// was against it, else deployment (the model, GPUs and limits of the real
// server, as the caller knows them). Prefix sharing between prompts is not
// rebuilt: every prompt is its own (notes say so).
func ReadRunExperiment(dir string, deployment Config) (Experiment, []string, error) {
	ri, err := bench.ReadRunInfo(dir)
	if err != nil {
		return Experiment{}, nil, fmt.Errorf("sim: results %s: %w", dir, err)
	}
	if ri.Load.Mode != "open" {
		return Experiment{}, nil, fmt.Errorf("sim: results %s: a %s-loop run: calibration replays arrivals, which only an open-loop run (--rate) fixes", dir, ri.Load.Mode)
	}
	e := Experiment{ID: filepath.Base(filepath.Clean(dir)), Model: ri.Target.Model}
	var notes []string
	wall := 1.0 // modelled time per wall time
	cfg := deployment
	if ri.Engine != nil {
		b, _ := json.Marshal(ri.Engine)
		var recorded Config
		if err := json.Unmarshal(b, &recorded); err != nil {
			return e, nil, fmt.Errorf("sim: results %s: run.json engine: %w", dir, err)
		}
		cfg = recorded
		notes = append(notes, fmt.Sprintf("%s: the deployment is the built-in engine's recorded in run.json", e.ID))
		if cfg.TimeScale > 0 && cfg.TimeScale != 1 {
			// The engine ran 1/TimeScale times as fast: its wall times are
			// scaled back to the modelled GPUs'.
			wall = 1 / cfg.TimeScale
			notes = append(notes, fmt.Sprintf("%s: the engine ran at speed-up %.4g: arrivals and latencies scaled back by it (client time is then overstated)", e.ID, wall))
		}
	} else {
		notes = append(notes, fmt.Sprintf("%s: a real server's run: the deployment is the one given (model, GPU, TP, limits)", e.ID))
	}
	cfg.TimeScale = 1
	e.Deployment = &cfg
	e.Hardware, e.TP = cfg.GPU, cfg.TP
	if cfg.ModelSpec != nil {
		e.Model = cfg.ModelSpec.Name
	} else if cfg.Model != "" {
		e.Model = cfg.Model
	}

	type rec struct {
		at             time.Duration
		in, out        int
		ttft, e2e      float64
		measured, sent bool
	}
	var recs []rec
	line := 0
	warnings, err := bench.ReadRecordsFile(filepath.Join(dir, bench.RecordsFile), func(r bench.Record) error {
		line++
		if r.TSchedMS < 0 || r.InputTokens < 0 || r.OutputTokens < 0 {
			return fmt.Errorf("record %d (%s): negative t_sched_ms or token count", line, r.RequestID)
		}
		x := rec{at: time.Duration(wall * r.TSchedMS * float64(time.Millisecond)), in: max(r.InputTokens, 1), out: r.OutputTokens, sent: true}
		if r.OK && !r.Warmup && r.TTFTMS != nil && r.OutputTokens > 0 {
			x.measured, x.ttft, x.e2e = true, wall**r.TTFTMS, wall*r.E2EMS
		}
		if r.OK && r.OutputTokens > 0 {
			recs = append(recs, x)
		}
		return nil
	})
	if err != nil {
		return e, nil, fmt.Errorf("sim: results %s: %w", dir, err)
	}
	for _, w := range warnings {
		notes = append(notes, fmt.Sprintf("%s: %v", e.ID, w))
	}
	sort.SliceStable(recs, func(i, j int) bool { return recs[i].at < recs[j].at })
	var ttft, e2e []float64
	outSum := 0.0
	for _, r := range recs {
		e.Replay = append(e.Replay, ReplayRequest{At: r.at, Prompt: r.in, Output: r.out})
		if r.measured {
			ttft, e2e = append(ttft, r.ttft), append(e2e, r.e2e)
			outSum += float64(r.out)
		}
	}
	if len(ttft) == 0 {
		return e, notes, fmt.Errorf("sim: results %s: no completed request with a TTFT to calibrate on", dir)
	}
	m := measuredOf(ttft, e2e, outSum)
	if m.ITLMean <= 0 {
		return e, notes, errors.New("sim: results " + dir + ": outputs of one token: no ITL to calibrate on")
	}
	e.Actual = map[string]Measured{"overall": m}
	notes = append(notes, fmt.Sprintf("%s: %d requests replayed (failed ones left out), %d measured; prompts share no prefix (not rebuilt)", e.ID, len(e.Replay), len(ttft)))
	return e, notes, nil
}
