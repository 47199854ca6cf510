package report

import (
	"encoding/json"
	"fmt"
	"io"
)

// Summary is the statistics of one run, built by Aggregator.Close. Its JSON
// form is summary.json: snake_case, stable field names, units in the names.
// Distribution fields are nil (and absent from JSON) when the metric has no
// samples, for example latencies of a run where every request failed.
type Summary struct {
	Requests Requests `json:"requests"`
	// Clock is "virtual" when the run's times are simulated (run.json's
	// clock: the built-in engine on a discrete-event clock); absent for a
	// run measured in real time.
	Clock string `json:"clock,omitempty"`
	// HeldBack is what a cap or a stop condition held back of a finite
	// workload (heldback.go); absent when nothing was.
	HeldBack *HeldBack `json:"held_back,omitempty"`
	// WindowS is the measurement window [min t_start, max t_done] over
	// measured records, in seconds; 0 when there are none.
	WindowS    float64    `json:"window_s"`
	Tokens     Tokens     `json:"tokens"`
	Throughput Throughput `json:"throughput"`
	// ConcurrencyAchieved is sum E2E / window over all measured requests,
	// failed ones included since they held a slot too (Little's law).
	ConcurrencyAchieved float64 `json:"concurrency_achieved"`

	// TTFTMS is t_first - t_start of successful requests.
	TTFTMS *Distribution `json:"ttft_ms,omitempty"`
	// TTFTSchedMS is t_first - t_sched of successful requests: free of
	// coordinated omission in open loop.
	TTFTSchedMS *Distribution `json:"ttft_sched_ms,omitempty"`
	// TPOTMS is (E2E - TTFT) / (output_tokens - 1) of successful requests
	// with at least two output tokens.
	TPOTMS *Distribution `json:"tpot_ms,omitempty"`
	// ITLMS holds every inter-event gap of every successful request.
	ITLMS *Distribution `json:"itl_ms,omitempty"`
	// E2EMS is t_done - t_start of successful requests.
	E2EMS *Distribution `json:"e2e_ms,omitempty"`
	// ScheduleLagMS is t_start - t_sched of all measured requests, failed
	// ones included: it measures the client, not the server.
	ScheduleLagMS *Distribution `json:"schedule_lag_ms,omitempty"`
	// OutputSpeed is 1000 / TPOT per successful request, in tokens/s.
	OutputSpeed *Distribution `json:"output_speed_tokens_per_s,omitempty"`

	// SkippedValues counts the values of records left out of the figures
	// above because they are not finite, beyond MaxFigure, or a negative
	// duration (LeftOut: finite.go), by the figure they would have
	// entered; absent when none was.
	SkippedValues LeftOut `json:"skipped_values,omitempty"`

	// Goodput is present when the run was given SLOs (--slo).
	Goodput *Goodput `json:"goodput,omitempty"`

	// PromptLength compares the prompt lengths aimed at with the server's
	// counts, when the workload set targets (prompt.go).
	PromptLength *PromptLength `json:"prompt_length,omitempty"`

	// Sessions describes multi-turn runs per session (sessions.go).
	Sessions *Sessions `json:"sessions,omitempty"`
	// Routing breaks a routed run down per endpoint (records naming an
	// endpoint: several --url, --replicas).
	Routing *Routing `json:"routing,omitempty"`

	// Engine is what the engine did: its scraped metrics, speculative
	// decoding from every source, prefix reuse (engine.go).
	Engine *Engine `json:"engine,omitempty"`
	// hiddenEvents is the events source of a run that showed no sign of
	// speculation; SetEngineMetrics shows it if the engine reports drafts.
	hiddenEvents *SpecFigures

	// Shards says how complete a merged run is (merge.go): shards merged
	// and missing. Absent for a run of one process.
	Shards *ShardsMerged `json:"shards,omitempty"`

	// Source says where an imported summary came from (vLLM, AIPerf) and
	// which of the fields above that format cannot give; nil for a run of
	// ours, so summary.json of our own runs does not carry it.
	Source *Provenance `json:"source,omitempty"`

	// Validity says whether the client's own limits may have shaped these
	// numbers (validity.go); nil for a Summary not made from a run's
	// directory (imports, records in memory).
	Validity *Validity `json:"validity,omitempty"`
	// pace holds the spans of intended and actual starts (validity.go).
	pace *paceSpan

	// samples keeps the sorted samples and per-second buckets behind the
	// distributions, for plots (CDFs, histograms, time series). It is nil
	// for a Summary read back from summary.json: plots need the records.
	samples *runSamples
}

// Requests counts measured (non-warm-up) records.
type Requests struct {
	Total  int `json:"total"`
	OK     int `json:"ok"`
	Failed int `json:"failed"`
	// SkippedLines counts lines of requests.jsonl that did not decode and
	// were left out (summarize only; a run counts what it wrote).
	SkippedLines int `json:"skipped_lines,omitempty"`
	// WarmupExcluded counts warm-up records, which count nowhere else.
	WarmupExcluded int `json:"warmup_excluded"`
	// Retried counts measured requests sent twice because the first
	// attempt never reached the server (a dead kept-alive connection).
	Retried int `json:"retried"`
	// Errors counts failed records by error class; always present, {} when
	// none failed. A failed record without a class counts as "unclassified".
	Errors map[string]int `json:"errors"`
}

// Tokens sums the token counts of successful measured requests.
type Tokens struct {
	Input  int `json:"input"`
	Output int `json:"output"`
	// Cached is the sum of cached_tokens over the records that report it;
	// nil when none does (the server does not report prefix-cache hits).
	Cached *int `json:"cached,omitempty"`
	// EstimatedRecords counts the summed records whose counts come from the
	// local tokenizer rather than the server's usage.
	EstimatedRecords int `json:"estimated_records"`
	// UsageSuspectRecords counts those of the estimated records whose
	// server usage was sent but not believed (usage_suspect).
	UsageSuspectRecords int `json:"usage_suspect_records"`
}

// Throughput is per second of the measurement window; all 0 when the window is.
type Throughput struct {
	RequestsPerS     float64 `json:"requests_per_s"`
	InputTokensPerS  float64 `json:"input_tokens_per_s"`
	OutputTokensPerS float64 `json:"output_tokens_per_s"`
	TotalTokensPerS  float64 `json:"total_tokens_per_s"`
}

// WriteJSON writes s as indented JSON, the content of summary.json. A
// float of s that is NaN or +-Inf, which JSON cannot hold, is first set to
// 0 (nil behind a pointer) and counted in SkippedValues, so the summary is
// always written.
func (s *Summary) WriteJSON(w io.Writer) error {
	s.leaveOutNonFinite()
	b, err := json.MarshalIndent(s, "", "  ")
	if err != nil {
		return fmt.Errorf("report: encode summary: %w", err)
	}
	b = append(b, '\n')
	if _, err := w.Write(b); err != nil {
		return fmt.Errorf("report: write summary: %w", err)
	}
	return nil
}
