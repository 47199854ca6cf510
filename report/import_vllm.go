package report

import (
	"encoding/json"
	"fmt"
	"math"
	"os"
	"regexp"
	"slices"
	"strconv"
	"strings"

	"github.com/tokenbench/tokenbench/bench"
)

// vllmResult is the JSON that `vllm bench serve --save-result` writes
// (vllm/benchmarks/serve.py, main_async and benchmark). Without
// --save-detailed the per-request lists input_lens, output_lens,
// start_times, ttfts, itls, generated_texts and errors are removed;
// latencies stays in recent versions. Times in the lists are seconds;
// aggregate statistics are milliseconds (mean_ttft_ms, p99_itl_ms...).
type vllmResult struct {
	Date           string          `json:"date"`
	Backend        string          `json:"backend"`
	Label          *string         `json:"label"`
	ModelID        string          `json:"model_id"`
	NumPrompts     *int            `json:"num_prompts"`
	RequestRate    json.RawMessage `json:"request_rate"`
	Burstiness     *float64        `json:"burstiness"`
	MaxConcurrency *int            `json:"max_concurrency"`

	Duration             *float64 `json:"duration"`
	Completed            *int     `json:"completed"`
	Failed               *int     `json:"failed"`
	TotalInputTokens     *int     `json:"total_input_tokens"`
	TotalOutputTokens    *int     `json:"total_output_tokens"`
	RequestThroughput    *float64 `json:"request_throughput"`
	OutputThroughput     *float64 `json:"output_throughput"`
	TotalTokenThroughput *float64 `json:"total_token_throughput"`

	InputLens  []int       `json:"input_lens"`
	OutputLens []int       `json:"output_lens"`
	TTFTs      []float64   `json:"ttfts"`
	ITLs       [][]float64 `json:"itls"`
	Latencies  []float64   `json:"latencies"`
	StartTimes []float64   `json:"start_times"`
	Errors     []*string   `json:"errors"`
}

// vllmStatKey matches the aggregate statistic keys of serve.py's
// process_one_metric: mean_ttft_ms, median_tpot_ms, std_itl_ms, p99_e2el_ms.
var vllmStatKey = regexp.MustCompile(`^(mean|median|std|p[0-9]+(?:\.[0-9]+)?)_(ttft|tpot|itl|e2el)_ms$`)

func importVLLM(path string) (*Summary, Provenance, error) {
	prov := Provenance{Format: FormatVLLM, Path: path}
	b, err := os.ReadFile(path)
	if err != nil {
		return nil, prov, fmt.Errorf("report: %w", err)
	}
	var res vllmResult
	if err := json.Unmarshal(b, &res); err != nil {
		return nil, prov, fmt.Errorf("report: %s: vLLM result: %w", path, err)
	}
	var raw map[string]json.RawMessage
	_ = json.Unmarshal(b, &raw) // cannot fail where the struct decoded
	prov.Meta = vllmMeta(&res)
	prov.Notes = append(prov.Notes,
		"vLLM's TPOT and ITL are defined as ours: TPOT = (E2E - TTFT) / (output tokens - 1), ITL = gap between streamed chunks")
	if res.TTFTs != nil {
		prov.Format = FormatVLLMDetailed
		s, err := vllmDetailed(path, &res, &prov)
		return s, prov, err
	}
	s, err := vllmAggregate(path, &res, raw, &prov)
	return s, prov, err
}

func vllmMeta(r *vllmResult) map[string]string {
	m := map[string]string{"tool": "vllm bench serve"}
	set := func(k, v string) {
		if v != "" {
			m[k] = v
		}
	}
	set("date", r.Date)
	set("backend", r.Backend)
	set("model", r.ModelID)
	if r.Label != nil {
		set("label", *r.Label)
	}
	if r.NumPrompts != nil {
		set("num_prompts", strconv.Itoa(*r.NumPrompts))
	}
	if len(r.RequestRate) > 0 && string(r.RequestRate) != "null" {
		set("request_rate", strings.Trim(string(r.RequestRate), `"`))
	}
	if r.MaxConcurrency != nil {
		set("max_concurrency", strconv.Itoa(*r.MaxConcurrency))
	}
	return m
}

// vllmDetailed rebuilds per-request records from --save-detailed lists and
// summarises them with our Aggregator.
func vllmDetailed(path string, r *vllmResult, prov *Provenance) (*Summary, error) {
	n := len(r.TTFTs)
	check := func(name string, l int, required bool) error {
		if (required || l > 0) && l != n {
			return fmt.Errorf("report: %s: field %s has %d entries, ttfts has %d", path, name, l, n)
		}
		return nil
	}
	for _, c := range []struct {
		name     string
		l        int
		required bool
	}{
		{"itls", len(r.ITLs), true}, {"output_lens", len(r.OutputLens), true},
		{"input_lens", len(r.InputLens), false}, {"latencies", len(r.Latencies), false},
		{"start_times", len(r.StartTimes), false}, {"errors", len(r.Errors), false},
	} {
		if err := check(c.name, c.l, c.required); err != nil {
			return nil, err
		}
	}
	haveStarts := len(r.StartTimes) == n && n > 0
	t0 := math.Inf(1)
	for _, t := range r.StartTimes {
		if t > 0 && t < t0 {
			t0 = t
		}
	}
	a := NewAggregator()
	var sumE2E float64
	for i := range n {
		rec := bench.Record{RequestID: strconv.Itoa(i), TokensSource: bench.TokensFromUsage}
		if haveStarts && r.StartTimes[i] > 0 {
			rec.TStartMS = (r.StartTimes[i] - t0) * 1000
		}
		rec.TSchedMS = rec.TStartMS
		if len(r.InputLens) == n {
			rec.InputTokens = r.InputLens[i]
		}
		rec.OutputTokens = r.OutputLens[i]
		errText := ""
		if len(r.Errors) == n && r.Errors[i] != nil {
			errText = *r.Errors[i]
		}
		ttftMS := r.TTFTs[i] * 1000
		rec.OK = errText == "" && (rec.OutputTokens > 0 || ttftMS > 0)
		if len(r.Latencies) == n {
			rec.E2EMS = r.Latencies[i] * 1000
		}
		if !rec.OK {
			rec.Error = errText
			rec.OutputTokens = 0
			a.Add(rec)
			sumE2E += rec.E2EMS
			continue
		}
		rec.TTFTMS = &ttftMS
		rec.EventsMS = make([]float64, 0, len(r.ITLs[i])+1)
		t := ttftMS
		rec.EventsMS = append(rec.EventsMS, t)
		for _, gap := range r.ITLs[i] {
			t += gap * 1000
			rec.EventsMS = append(rec.EventsMS, t)
		}
		if len(r.Latencies) != n {
			// Older files have no latencies: the last chunk is the end,
			// as vLLM's own timeline plot assumes.
			rec.E2EMS = t
		}
		if rec.OutputTokens >= 2 {
			tpot := (rec.E2EMS - ttftMS) / float64(rec.OutputTokens-1)
			rec.TPOTMS = &tpot
		}
		sumE2E += rec.E2EMS
		a.Add(rec)
	}
	s := a.Close()
	// No schedule in vLLM's file: these would read as zero lag.
	s.TTFTSchedMS, s.ScheduleLagMS = nil, nil
	prov.Unavailable = append(prov.Unavailable, "ttft_sched_ms", "schedule_lag_ms")
	prov.Notes = append(prov.Notes,
		"failed requests carry vLLM's error text only and count as unclassified")
	if len(r.Latencies) != n {
		prov.Notes = append(prov.Notes, "no latencies list: E2E is TTFT plus the sum of ITLs")
	}
	if !haveStarts {
		// Without start times the window cannot be rebuilt: use vLLM's
		// benchmark duration, and there is no time series.
		prov.Unavailable = append(prov.Unavailable, "time series")
		s.samples.series = nil
		if r.Duration != nil && *r.Duration > 0 {
			setWindow(s, *r.Duration, sumE2E)
			prov.Notes = append(prov.Notes, "no start_times: window_s is vLLM's benchmark duration")
		}
	} else if r.Duration != nil {
		prov.Notes = append(prov.Notes, fmt.Sprintf(
			"window_s is [first start, last end] from start_times; vLLM's own duration was %.3f s", *r.Duration))
	}
	return s, nil
}

// setWindow replaces the measurement window of s and the rates built on it.
func setWindow(s *Summary, windowS, sumE2EMS float64) {
	s.WindowS = windowS
	s.Throughput = Throughput{
		RequestsPerS:     perSecond(float64(s.Requests.OK), windowS),
		InputTokensPerS:  perSecond(float64(s.Tokens.Input), windowS),
		OutputTokensPerS: perSecond(float64(s.Tokens.Output), windowS),
		TotalTokensPerS:  perSecond(float64(s.Tokens.Input+s.Tokens.Output), windowS),
	}
	s.ConcurrencyAchieved = perSecond(sumE2EMS/1000, windowS)
}

// vllmAggregate maps an aggregate-only result onto a Summary.
func vllmAggregate(path string, r *vllmResult, raw map[string]json.RawMessage, prov *Provenance) (*Summary, error) {
	if r.Completed == nil {
		return nil, fmt.Errorf("report: %s: vLLM result without field completed", path)
	}
	s := &Summary{Requests: Requests{OK: *r.Completed, Errors: map[string]int{}}}
	s.Requests.Total = s.Requests.OK
	if r.Failed != nil {
		s.Requests.Failed = *r.Failed
		s.Requests.Total += *r.Failed
		if *r.Failed > 0 {
			s.Requests.Errors["unclassified"] = *r.Failed
		}
	} else {
		prov.Unavailable = append(prov.Unavailable, "requests.failed")
	}
	if r.Duration != nil {
		s.WindowS = *r.Duration
		prov.Notes = append(prov.Notes, "window_s is vLLM's benchmark duration (wall time of the whole run)")
	}
	if r.TotalInputTokens != nil {
		s.Tokens.Input = *r.TotalInputTokens
	}
	if r.TotalOutputTokens != nil {
		s.Tokens.Output = *r.TotalOutputTokens
	}
	s.Throughput = Throughput{
		RequestsPerS:     deref(r.RequestThroughput),
		InputTokensPerS:  perSecond(float64(s.Tokens.Input), s.WindowS),
		OutputTokensPerS: deref(r.OutputThroughput),
		TotalTokensPerS:  deref(r.TotalTokenThroughput),
	}
	if len(r.Latencies) > 0 && s.WindowS > 0 {
		var sum float64
		for _, l := range r.Latencies {
			sum += l * 1000
		}
		s.ConcurrencyAchieved = perSecond(sum/1000, s.WindowS)
	} else {
		prov.Unavailable = append(prov.Unavailable, "concurrency_achieved")
	}

	stats := map[string]map[string]float64{}
	for k, v := range raw {
		m := vllmStatKey.FindStringSubmatch(k)
		if m == nil {
			continue
		}
		var f float64
		if err := json.Unmarshal(v, &f); err != nil {
			return nil, fmt.Errorf("report: %s: field %s: %w", path, k, err)
		}
		if stats[m[2]] == nil {
			stats[m[2]] = map[string]float64{}
		}
		stat := m[1]
		if stat == "median" {
			stat = "p50"
		}
		stats[m[2]][stat] = f
	}
	for _, d := range []struct {
		vllm, ours string
		field      **Distribution
		count      int // 0: unknown
	}{
		{"ttft", "ttft_ms", &s.TTFTMS, s.Requests.OK},
		{"tpot", "tpot_ms", &s.TPOTMS, 0},
		{"itl", "itl_ms", &s.ITLMS, 0},
		{"e2el", "e2e_ms", &s.E2EMS, s.Requests.OK},
	} {
		st := stats[d.vllm]
		if st == nil || s.Requests.OK == 0 {
			// np.mean(x or 0) writes 0 for an empty list: no samples.
			prov.Unavailable = append(prov.Unavailable, d.ours)
			continue
		}
		*d.field = aggregateDistribution(st, d.count, d.ours, prov)
	}
	prov.Unavailable = append(prov.Unavailable,
		"ttft_sched_ms", "schedule_lag_ms", "output_speed_tokens_per_s", "per-request samples")
	prov.Notes = append(prov.Notes, "aggregate-only file (no --save-detailed): no CDFs, histograms or time series")
	return s, nil
}

// aggregateDistribution builds a Distribution from named statistics (mean,
// std, min, max, p50, p90...), listing those it lacks in prov.
func aggregateDistribution(st map[string]float64, count int, metric string, prov *Provenance) *Distribution {
	d := &Distribution{Count: count}
	if count == 0 {
		if c, ok := st["count"]; ok {
			d.Count = int(c)
		} else {
			prov.Unavailable = append(prov.Unavailable, metric+".count")
		}
	}
	for _, f := range []struct {
		name string
		dst  *float64
	}{
		{"mean", &d.Mean}, {"avg", &d.Mean}, {"std", &d.Std}, {"min", &d.Min}, {"p50", &d.P50}, {"p90", &d.P90},
		{"p95", &d.P95}, {"p99", &d.P99}, {"p99.9", &d.P999}, {"max", &d.Max},
	} {
		v, ok := st[f.name]
		if !ok {
			if f.name == "avg" || (f.name == "mean" && hasKey(st, "avg")) {
				continue // AIPerf says avg, vLLM mean: one of them suffices
			}
			name := f.name
			if name == "p99.9" {
				name = "p999"
			}
			prov.Unavailable = append(prov.Unavailable, metric+"."+name)
			continue
		}
		*f.dst = v
	}
	slices.Sort(prov.Unavailable)
	prov.Unavailable = slices.Compact(prov.Unavailable)
	return d
}

func deref(p *float64) float64 {
	if p == nil {
		return 0
	}
	return finite(*p)
}

func hasKey(m map[string]float64, k string) bool {
	_, ok := m[k]
	return ok
}
