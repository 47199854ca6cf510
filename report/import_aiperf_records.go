package report

import (
	"bufio"
	"bytes"
	"encoding/json"
	"fmt"
	"math"
	"os"
	"strconv"
	"strings"

	"github.com/tokenbench/tokenbench/bench"
)

// aiperfRecord is one line of profile_export.jsonl.
type aiperfRecord struct {
	Metadata struct {
		XRequestID     string `json:"x_request_id"`
		ConversationID string `json:"conversation_id"`
		TurnIndex      int    `json:"turn_index"`
		RequestStartNS *int64 `json:"request_start_ns"`
		RequestEndNS   *int64 `json:"request_end_ns"`
		BenchmarkPhase string `json:"benchmark_phase"`
	} `json:"metadata"`
	Metrics map[string]struct {
		Value json.RawMessage `json:"value"`
		Unit  string          `json:"unit"`
	} `json:"metrics"`
	Error *aiperfError `json:"error"`
}

// importAIPerfJSONL rebuilds records from profile_export.jsonl; agg, when
// not "", is the aggregate export read for the run's description only.
func importAIPerfJSONL(path, agg string) (*Summary, Provenance, error) {
	prov := Provenance{Format: FormatAIPerfJSONL, Path: path}
	if agg != "" {
		if b, err := os.ReadFile(agg); err == nil {
			if doc, _, err := parseAIPerfJSON(agg, b); err == nil {
				prov.Meta = aiperfMeta(doc)
			}
		}
	}
	if prov.Meta == nil {
		prov.Meta = map[string]string{"tool": "aiperf"}
	}
	f, err := os.Open(path)
	if err != nil {
		return nil, prov, fmt.Errorf("report: %w", err)
	}
	defer f.Close()
	var recs []bench.Record
	sc := bufio.NewScanner(f)
	sc.Buffer(make([]byte, 64*1024), 64*1024*1024)
	line, noICL := 0, 0
	t0 := int64(math.MaxInt64)
	var starts []int64
	for sc.Scan() {
		line++
		b := bytes.TrimSpace(sc.Bytes())
		if len(b) == 0 {
			continue
		}
		rec, start, hasICL, err := aiperfToRecord(b)
		if err != nil {
			return nil, prov, fmt.Errorf("report: %s line %d: %w", path, line, err)
		}
		if rec.OK && !hasICL {
			noICL++
		}
		rec.RequestID = strconv.Itoa(line)
		recs = append(recs, rec)
		starts = append(starts, start)
		if start < t0 {
			t0 = start
		}
	}
	if err := sc.Err(); err != nil {
		return nil, prov, fmt.Errorf("report: %s line %d: %w", path, line+1, err)
	}
	a := NewAggregator()
	for i := range recs {
		recs[i].TStartMS = float64(starts[i]-t0) / 1e6
		recs[i].TSchedMS = recs[i].TStartMS
		a.Add(recs[i])
	}
	s := a.Close()
	s.TTFTSchedMS, s.ScheduleLagMS = nil, nil
	prov.Unavailable = append(prov.Unavailable, "ttft_sched_ms", "schedule_lag_ms")
	if noICL > 0 {
		prov.Notes = append(prov.Notes, fmt.Sprintf(
			"%d successful records have no inter_chunk_latency: no ITL or tokens per event for them", noICL))
	}
	prov.Notes = append(prov.Notes,
		"records rebuilt from AIPerf's per-request metrics and summarised by METRICS.md; output tokens are AIPerf's output_sequence_length (reasoning included)")
	return s, prov, nil
}

// aiperfToRecord turns one profile_export.jsonl line into a Record with
// times relative to the request's own start; it returns the start in ns.
func aiperfToRecord(b []byte) (bench.Record, int64, bool, error) {
	var ar aiperfRecord
	if err := json.Unmarshal(b, &ar); err != nil {
		return bench.Record{}, 0, false, err
	}
	md := ar.Metadata
	if md.RequestStartNS == nil {
		return bench.Record{}, 0, false, fmt.Errorf("field metadata.request_start_ns missing")
	}
	rec := bench.Record{
		Session: md.ConversationID, Turn: md.TurnIndex,
		Warmup: md.BenchmarkPhase == "warmup", OK: ar.Error == nil,
		TokensSource: bench.TokensFromUsage,
	}
	num := func(tag string) (float64, bool, error) {
		m, ok := ar.Metrics[tag]
		if !ok || len(m.Value) == 0 || string(m.Value) == "null" {
			return 0, false, nil
		}
		var v float64
		if err := json.Unmarshal(m.Value, &v); err != nil {
			return 0, false, fmt.Errorf("field metrics.%s.value: %w", tag, err)
		}
		return v, true, nil
	}
	ms := func(tag string) (float64, bool, error) {
		v, ok, err := num(tag)
		if !ok || err != nil {
			return 0, ok, err
		}
		mul, known := msPerUnit(ar.Metrics[tag].Unit)
		if !known {
			return 0, false, fmt.Errorf("field metrics.%s.unit: unknown time unit %q", tag, ar.Metrics[tag].Unit)
		}
		return v * mul, true, nil
	}
	in, ok, err := num("input_sequence_length")
	if err == nil && !ok {
		in, _, err = num("error_isl")
	}
	if err != nil {
		return rec, 0, false, err
	}
	rec.InputTokens = int(in)
	if md.RequestEndNS != nil {
		rec.E2EMS = float64(*md.RequestEndNS-*md.RequestStartNS) / 1e6
	}
	if v, ok, err := ms("request_latency"); err != nil {
		return rec, 0, false, err
	} else if ok {
		rec.E2EMS = v
	}
	if !rec.OK {
		rec.ErrorClass = ar.Error.class()
		rec.Error = strings.TrimSpace(ar.Error.Type + ": " + ar.Error.Message)
		if ar.Error.Code != nil {
			rec.Status = *ar.Error.Code
		}
		return rec, *md.RequestStartNS, false, nil
	}
	rec.Status = 200
	out, ok, err := num("output_sequence_length")
	if err == nil && !ok {
		out, _, err = num("output_token_count")
	}
	if err != nil {
		return rec, 0, false, err
	}
	rec.OutputTokens = int(out)
	ttft, haveTTFT, err := ms("time_to_first_token")
	if err != nil {
		return rec, 0, false, err
	}
	hasICL := false
	if haveTTFT {
		rec.TTFTMS = &ttft
		var icl []float64
		if m, ok := ar.Metrics["inter_chunk_latency"]; ok && len(m.Value) > 0 && string(m.Value) != "null" {
			if err := json.Unmarshal(m.Value, &icl); err != nil {
				return rec, 0, false, fmt.Errorf("field metrics.inter_chunk_latency.value: %w", err)
			}
			mul, known := msPerUnit(m.Unit)
			if !known {
				return rec, 0, false, fmt.Errorf("field metrics.inter_chunk_latency.unit: unknown time unit %q", m.Unit)
			}
			hasICL = true
			t := ttft
			rec.EventsMS = append(make([]float64, 0, len(icl)+1), t)
			for _, g := range icl {
				t += g * mul
				rec.EventsMS = append(rec.EventsMS, t)
			}
		}
		if rec.OutputTokens >= 2 {
			tpot := (rec.E2EMS - ttft) / float64(rec.OutputTokens-1)
			rec.TPOTMS = &tpot
		}
	}
	return rec, *md.RequestStartNS, hasICL, nil
}
