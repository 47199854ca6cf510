package sim

import (
	"encoding/json"
	"errors"
	"fmt"
	"path/filepath"
	"slices"
	"sort"
	"time"

	"github.com/tokenbench/tokenbench/bench"
)

// ReadRunExperiment builds an experiment from a tokenbench results
// directory, for calibration: the requests replay as the server received
// them (arrivals at each record's t_start_ms, prompt and output lengths
// from its usage), and the measured figures are those of the records,
// summarized as the sim-to-real data set does (ok, non-warm-up requests;
// ITL = (E2E mean - TTFT mean) / (mean output - 1)). An open loop's or a
// trace's arrivals are the schedule's; a closed loop's depend on the
// latencies it measured, so they replay as an open loop (the notes say so:
// the fit holds near those latencies). Prefix sharing is rebuilt where the
// records show it: a session's turn continues the context of its previous
// turn (prompt and output), and a request the server reported cached
// tokens for shares that many with the others that did. The deployment is
// the built-in engine's recorded in run.json when the run was against it,
// else deployment (the model, GPUs and limits of the real server, as the
// caller knows them).
func ReadRunExperiment(dir string, deployment Config) (Experiment, []string, error) {
	ri, err := bench.ReadRunInfo(dir)
	if err != nil {
		return Experiment{}, nil, fmt.Errorf("sim: results %s: %w", dir, err)
	}
	e := Experiment{ID: filepath.Base(filepath.Clean(dir)), Model: ri.Target.Model}
	var notes []string
	switch ri.Load.Mode {
	case "open", "trace":
	case "closed":
		notes = append(notes, fmt.Sprintf("%s: a closed-loop run: its arrivals, which followed the latencies it measured, replay as an open loop (the fit holds near them; an open-loop run, --rate, fixes them)", e.ID))
	default:
		return e, nil, fmt.Errorf("sim: results %s: run.json load mode %q: want open, trace or closed", dir, ri.Load.Mode)
	}
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
		session        string
		turn, cached   int
	}
	var recs []rec
	line := 0
	warnings, err := bench.ReadRecordsFile(filepath.Join(dir, bench.RecordsFile), func(r bench.Record) error {
		line++
		if r.TStartMS < 0 || r.InputTokens < 0 || r.OutputTokens < 0 || (r.CachedTokens != nil && *r.CachedTokens < 0) {
			return fmt.Errorf("record %d (%s): negative t_start_ms or token count", line, r.RequestID)
		}
		x := rec{at: time.Duration(wall * r.TStartMS * float64(time.Millisecond)), in: max(r.InputTokens, 1), out: r.OutputTokens, sent: true,
			session: r.Session, turn: r.Turn}
		if r.CachedTokens != nil {
			x.cached = min(*r.CachedTokens, x.in-1)
		}
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
	keys := prefixKeys{contexts: map[string][]uint64{}}
	for _, r := range recs {
		e.Replay = append(e.Replay, ReplayRequest{At: r.at, Prompt: r.in, Output: r.out, Keys: keys.of(len(e.Replay), r.session, r.in, r.out, r.cached)})
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
	shared := "prompts share no prefix (the records show none)"
	if keys.continued > 0 || keys.cached > 0 {
		shared = fmt.Sprintf("prefix sharing rebuilt: %d turns continue their session's context, %d other requests share their reported cached tokens", keys.continued, keys.cached)
	}
	notes = append(notes, fmt.Sprintf("%s: %d requests replayed (failed ones left out), %d measured; %s", e.ID, len(e.Replay), len(ttft), shared))
	return e, notes, nil
}

// prefixKeys builds the prefix-cache keys of recorded prompts, in arrival
// order, so that the replay's prefix cache can hit where the server's did:
// a session's turn starts with its previous turn's prompt and answer (a
// chat's history; the answer's keys are those the engine gives the tokens
// it generates for that request, replayRequestKey), and, outside a
// session's context, a request the server reported cached tokens for
// starts with that many of one shared sequence (a common system prompt or
// template). Every other token is the request's own. A session's turns
// share one backing array while its context only grows.
type prefixKeys struct {
	contexts          map[string][]uint64 // a session's prompt and answer so far
	next              uint64              // own tokens drawn so far
	continued, cached int                 // requests that share, by rule
}

// sharedKey is the k-th token of the sequence requests with reported cached
// tokens share.
func sharedKey(k int) uint64 { return splitmix64(0xcac4ed<<32 | uint64(k)) }

func (p *prefixKeys) fresh() uint64 {
	p.next++
	return splitmix64(p.next ^ 0xf7e5<<40)
}

// of returns the keys of the prompt of replay request i: in tokens, then
// out generated, in session (empty: none), cached tokens reported by the
// server.
func (p *prefixKeys) of(i int, session string, in, out, cached int) []uint64 {
	var keys []uint64
	ctx := p.contexts[session]
	switch {
	case session != "" && len(ctx) > 0:
		p.continued++
		if in > len(ctx) {
			keys = ctx // grows in place: past len(ctx) only this session writes
		} else {
			keys = slices.Clip(ctx[:in]) // a shorter history: its own copy from here
		}
	case cached > 0:
		p.cached++
		keys = make([]uint64, 0, in)
		for k := range min(cached, in) {
			keys = append(keys, sharedKey(k))
		}
	default:
		keys = make([]uint64, 0, in)
	}
	for len(keys) < in {
		keys = append(keys, p.fresh())
	}
	if session != "" {
		c, key := keys, replayRequestKey(i)
		for j := range out {
			c = append(c, wordHashes[wordIndex(key, j)])
		}
		p.contexts[session] = c
	}
	return keys[:in:in]
}
