package report

import (
	"encoding/json"
	"fmt"
	"math"
	"os"
	"strconv"
	"strings"

	"github.com/tokenbench/tokenbench/bench"
)

// AIPerf's formats, as documented in its docs/reference/json-export-schema.md
// (profile_export_aiperf.json: one stats block per metric tag with unit,
// avg, min, max, p1..p99, std, count) and
// docs/tutorials/working-with-profile-exports.md (profile_export.jsonl: one
// record per request with metadata, metrics {tag: {value, unit}} and error).
// Metric tags and definitions come from its docs/metrics-reference.md. Their
// "inter_token_latency" is (request_latency - TTFT) / (OSL - 1): our TPOT;
// their "inter_chunk_latency" list is our ITL.

// aiperfStat is one metric's stats block in profile_export_aiperf.json.
type aiperfStat struct {
	Unit string              `json:"unit"`
	Avg  *float64            `json:"avg"`
	Rest map[string]*float64 `json:"-"`
}

func (s *aiperfStat) UnmarshalJSON(b []byte) error {
	var m map[string]json.RawMessage
	if err := json.Unmarshal(b, &m); err != nil {
		return err
	}
	s.Rest = map[string]*float64{}
	for k, v := range m {
		if k == "unit" {
			if err := json.Unmarshal(v, &s.Unit); err != nil {
				return fmt.Errorf("unit: %w", err)
			}
			continue
		}
		var f *float64
		if json.Unmarshal(v, &f) == nil { // tag, header: strings, ignored
			s.Rest[k] = f
		}
	}
	s.Avg = s.Rest["avg"]
	return nil
}

// msPerUnit converts an AIPerf time unit to milliseconds.
func msPerUnit(unit string) (float64, bool) {
	switch strings.ToLower(unit) {
	case "ms":
		return 1, true
	case "s", "sec", "seconds":
		return 1000, true
	case "us":
		return 1e-3, true
	case "ns":
		return 1e-6, true
	}
	return 0, false
}

func importAIPerfJSON(path string) (*Summary, Provenance, error) {
	prov := Provenance{Format: FormatAIPerfJSON, Path: path}
	b, err := os.ReadFile(path)
	if err != nil {
		return nil, prov, fmt.Errorf("report: %w", err)
	}
	doc, metrics, err := parseAIPerfJSON(path, b)
	if err != nil {
		return nil, prov, err
	}
	prov.Meta = aiperfMeta(doc)
	get := func(tag string) *aiperfStat { return metrics[tag] }
	scalar := func(tags ...string) (float64, bool) {
		for _, t := range tags {
			if st := get(t); st != nil && st.Avg != nil {
				return *st.Avg, true
			}
			// Older exports wrote some counts as bare numbers.
			var f float64
			if raw, ok := doc[t]; ok && json.Unmarshal(raw, &f) == nil {
				return f, true
			}
		}
		return 0, false
	}

	s := &Summary{Requests: Requests{Errors: map[string]int{}}}
	ok, _ := scalar("request_count")
	failed, haveFailed := scalar("error_request_count")
	s.Requests.OK, s.Requests.Failed = int(ok), int(failed)
	s.Requests.Total = s.Requests.OK + s.Requests.Failed
	var summary []struct {
		Details aiperfError `json:"error_details"`
		Count   int         `json:"count"`
	}
	if raw, ok := doc["error_summary"]; ok {
		_ = json.Unmarshal(raw, &summary) // older versions wrote strings: no classes then
	}
	classified := 0
	for _, e := range summary {
		s.Requests.Errors[e.Details.class()] += e.Count
		classified += e.Count
	}
	if s.Requests.Failed > classified {
		s.Requests.Errors["unclassified"] += s.Requests.Failed - classified
	}
	if !haveFailed && classified > 0 {
		s.Requests.Failed = classified
		s.Requests.Total += classified
	}
	if d, ok := scalar("benchmark_duration"); ok {
		mul, known := msPerUnit(get("benchmark_duration").unit())
		if !known {
			mul = 1000 // documented unit is sec
		}
		s.WindowS = d * mul / 1000
	}
	in, _ := scalar("total_input_sequence_length", "total_isl")
	out, _ := scalar("total_output_sequence_length", "total_osl", "total_output_tokens")
	s.Tokens.Input, s.Tokens.Output = int(in), int(out)
	s.Throughput.RequestsPerS, _ = scalar("request_throughput")
	s.Throughput.OutputTokensPerS, _ = scalar("output_token_throughput")
	s.Throughput.InputTokensPerS = perSecond(in, s.WindowS)
	if v, ok := scalar("total_token_throughput"); ok {
		s.Throughput.TotalTokensPerS = v
	} else {
		s.Throughput.TotalTokensPerS = perSecond(in+out, s.WindowS)
	}

	for _, d := range []struct {
		tag, ours string
		field     **Distribution
		time      bool
	}{
		{"time_to_first_token", "ttft_ms", &s.TTFTMS, true},
		{"inter_token_latency", "tpot_ms", &s.TPOTMS, true},
		{"inter_chunk_latency", "itl_ms", &s.ITLMS, true},
		{"request_latency", "e2e_ms", &s.E2EMS, true},
		{"output_token_throughput_per_user", "output_speed_tokens_per_s", &s.OutputSpeed, false},
	} {
		st := get(d.tag)
		if st == nil || st.Avg == nil {
			prov.Unavailable = append(prov.Unavailable, d.ours)
			continue
		}
		mul := 1.0
		if d.time {
			m, known := msPerUnit(st.Unit)
			if !known {
				return nil, prov, fmt.Errorf("report: %s: field %s: unknown time unit %q", path, d.tag, st.Unit)
			}
			mul = m
		}
		stats := map[string]float64{}
		for k, v := range st.Rest {
			if v == nil {
				continue
			}
			if k == "count" {
				stats[k] = *v
			} else {
				stats[k] = *v * mul
			}
		}
		if c, ok := stats["count"]; ok && c > 1 {
			// AIPerf's std is the sample standard deviation; ours is the
			// population one.
			stats["std"] *= math.Sqrt((c - 1) / c)
		}
		*d.field = aggregateDistribution(stats, 0, d.ours, &prov)
	}
	prov.Unavailable = append(prov.Unavailable,
		"ttft_sched_ms", "schedule_lag_ms", "concurrency_achieved", "per-request samples")
	prov.Notes = append(prov.Notes,
		"AIPerf's inter_token_latency is our TPOT; its inter_chunk_latency is our ITL",
		"std converted from AIPerf's sample standard deviation to the population one where count is known",
		"aggregate-only file: no CDFs, histograms or time series (import profile_export.jsonl for those)")
	return s, prov, nil
}

// parseAIPerfJSON returns the document's keys and its metric stats blocks,
// found at the top level or, in some versions, under "records".
func parseAIPerfJSON(path string, b []byte) (map[string]json.RawMessage, map[string]*aiperfStat, error) {
	var doc map[string]json.RawMessage
	if err := json.Unmarshal(b, &doc); err != nil {
		return nil, nil, fmt.Errorf("report: %s: AIPerf export: %w", path, err)
	}
	metrics := map[string]*aiperfStat{}
	scan := func(m map[string]json.RawMessage) {
		for k, v := range m {
			if len(v) == 0 || v[0] != '{' {
				continue
			}
			var st aiperfStat
			if json.Unmarshal(v, &st) == nil && st.Unit != "" {
				metrics[k] = &st
			}
		}
	}
	scan(doc)
	if raw, ok := doc["records"]; ok {
		var rec map[string]json.RawMessage
		if err := json.Unmarshal(raw, &rec); err != nil {
			return nil, nil, fmt.Errorf("report: %s: field records: %w", path, err)
		}
		scan(rec)
	}
	return doc, metrics, nil
}

func (s *aiperfStat) unit() string {
	if s == nil {
		return ""
	}
	return s.Unit
}

// aiperfMeta picks the run description from input_config, leaving out
// anything that could hold a secret (headers, API key).
func aiperfMeta(doc map[string]json.RawMessage) map[string]string {
	m := map[string]string{"tool": "aiperf"}
	var v string
	if raw, ok := doc["aiperf_version"]; ok && json.Unmarshal(raw, &v) == nil {
		m["tool"] = "aiperf " + v
	}
	var cfg struct {
		Endpoint struct {
			ModelNames []string `json:"model_names"`
			Type       string   `json:"type"`
			URL        string   `json:"url"`
			Streaming  *bool    `json:"streaming"`
		} `json:"endpoint"`
		Loadgen struct {
			Concurrency  *int     `json:"concurrency"`
			RequestRate  *float64 `json:"request_rate"`
			RequestCount *int     `json:"request_count"`
		} `json:"loadgen"`
	}
	if raw, ok := doc["input_config"]; ok && json.Unmarshal(raw, &cfg) == nil {
		if len(cfg.Endpoint.ModelNames) > 0 {
			m["model"] = strings.Join(cfg.Endpoint.ModelNames, ",")
		}
		if cfg.Endpoint.URL != "" {
			m["url"] = bench.RedactURL(cfg.Endpoint.URL)
		}
		if cfg.Endpoint.Type != "" {
			m["endpoint_type"] = cfg.Endpoint.Type
		}
		if cfg.Endpoint.Streaming != nil {
			m["streaming"] = strconv.FormatBool(*cfg.Endpoint.Streaming)
		}
		if c := cfg.Loadgen.Concurrency; c != nil {
			m["concurrency"] = strconv.Itoa(*c)
		}
		if r := cfg.Loadgen.RequestRate; r != nil {
			m["request_rate"] = strconv.FormatFloat(*r, 'g', -1, 64)
		}
		if c := cfg.Loadgen.RequestCount; c != nil {
			m["request_count"] = strconv.Itoa(*c)
		}
	}
	return m
}

// aiperfError is the error of a failed AIPerf request.
type aiperfError struct {
	Code    *int   `json:"code"`
	Type    string `json:"type"`
	Message string `json:"message"`
}

// class maps an AIPerf error onto our error classes by its HTTP code and
// exception type; anything else is unclassified.
func (e aiperfError) class() string {
	t := strings.ToLower(e.Type)
	switch {
	case e.Code != nil && *e.Code == 429:
		return bench.ErrHTTP429
	case strings.Contains(t, "cancel"):
		return bench.ErrCanceled
	case strings.Contains(t, "timeout"):
		return bench.ErrTimeout
	case e.Code != nil && *e.Code >= 500 && *e.Code < 600:
		return bench.ErrHTTP5xx
	case e.Code != nil && *e.Code >= 400 && *e.Code < 500:
		return bench.ErrHTTP4xx
	case strings.Contains(t, "connect"):
		return bench.ErrConnect
	}
	return "unclassified"
}
