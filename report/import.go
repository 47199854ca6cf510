package report

import (
	"bufio"
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"strings"

	"github.com/tokenbench/tokenbench/bench"
)

// Formats that Import recognises, as Provenance.Format names them.
const (
	FormatTokenbench      = "tokenbench"
	FormatVLLM            = "vllm-bench-serve"
	FormatVLLMDetailed    = "vllm-bench-serve-detailed"
	FormatAIPerfJSON      = "aiperf-profile-export-json"
	FormatAIPerfJSONL     = "aiperf-profile-export-jsonl"
	formatTokenbenchJSONL = "tokenbench-requests-jsonl"
)

// Provenance says where a Summary came from and what its source cannot
// give. Renderers print Unavailable so that a metric a format lacks shows
// as missing, never as a made-up zero.
type Provenance struct {
	// Format is one of the Format* constants.
	Format string `json:"format"`
	// Path is the file or directory read.
	Path string `json:"path"`
	// Meta is what the source says about the run: tool version, model,
	// load settings, as key/value strings.
	Meta map[string]string `json:"meta,omitempty"`
	// Unavailable names the Summary fields, or field.statistic pairs
	// ("ttft_ms.p90"), that the source cannot give; their values in the
	// Summary are zero or absent and must not be read as measurements.
	Unavailable []string `json:"unavailable,omitempty"`
	// Notes say where the source's definitions differ from METRICS.md.
	Notes []string `json:"notes,omitempty"`
}

// Lacks reports whether the source cannot give metric (a Summary JSON name
// such as "itl_ms") or its statistic stat ("p90"); stat may be empty.
func (p *Provenance) Lacks(metric, stat string) bool {
	if p == nil {
		return false
	}
	return slices.Contains(p.Unavailable, metric) ||
		(stat != "" && slices.Contains(p.Unavailable, metric+"."+stat))
}

// Import reads a benchmark result written by tokenbench or another tool and
// returns its Summary. It recognises, by content rather than by name:
//   - a tokenbench results directory or its requests.jsonl;
//   - vLLM `vllm bench serve --save-result` JSON, with or without
//     --save-detailed (per-request ttfts, itls, input_lens, output_lens);
//   - NVIDIA AIPerf profile_export_aiperf.json (aggregate statistics) and
//     profile_export.jsonl (per-request records), or an AIPerf artifact
//     directory holding them.
//
// Per-request sources are rebuilt into records and summarised by our own
// Aggregator, so their numbers follow METRICS.md; aggregate-only sources
// are mapped field by field, and what they cannot give is listed in
// Provenance.Unavailable.
func Import(path string) (*Summary, Provenance, error) {
	s, prov, err := importAny(path)
	slices.Sort(prov.Unavailable)
	prov.Unavailable = slices.Compact(prov.Unavailable)
	if s != nil && prov.Format != FormatTokenbench {
		p := prov
		s.Source = &p
	}
	return s, prov, err
}

func importAny(path string) (*Summary, Provenance, error) {
	st, err := os.Stat(path)
	if err != nil {
		return nil, Provenance{}, fmt.Errorf("report: %w", err)
	}
	if st.IsDir() {
		return importDir(path)
	}
	format, err := detectFormat(path)
	if err != nil {
		return nil, Provenance{Path: path}, err
	}
	switch format {
	case FormatVLLM:
		return importVLLM(path)
	case FormatAIPerfJSON:
		return importAIPerfJSON(path)
	case FormatAIPerfJSONL:
		return importAIPerfJSONL(path, "")
	case formatTokenbenchJSONL:
		a := NewAggregator()
		warns, err := a.ReadRecordsFile(path)
		prov := Provenance{Format: FormatTokenbench, Path: path}
		for _, w := range warns {
			prov.Notes = append(prov.Notes, fmt.Sprintf("%s %s", filepath.Base(path), w))
		}
		if err != nil {
			return nil, prov, fmt.Errorf("report: %w", err)
		}
		return a.Close(), prov, nil
	case FormatTokenbench:
		s, err := readSummaryFile(path)
		return s, Provenance{Format: FormatTokenbench, Path: path,
			Unavailable: []string{"per-request samples"}}, err
	}
	return nil, Provenance{Path: path}, fmt.Errorf("report: %s: unknown format %q", path, format)
}

// importDir reads a tokenbench results directory or an AIPerf artifact
// directory.
func importDir(dir string) (*Summary, Provenance, error) {
	if exists(filepath.Join(dir, bench.RecordsFile)) {
		s, warns, err := Summarize(dir)
		prov := Provenance{Format: FormatTokenbench, Path: dir}
		for _, w := range warns {
			prov.Notes = append(prov.Notes, fmt.Sprintf("%s %s", bench.RecordsFile, w))
		}
		return s, prov, err
	}
	if p := filepath.Join(dir, SummaryFile); exists(p) {
		s, err := readSummaryFile(p)
		return s, Provenance{Format: FormatTokenbench, Path: dir,
			Unavailable: []string{"per-request samples"}}, err
	}
	jsonl, agg := findAIPerf(dir)
	switch {
	case jsonl != "":
		return importAIPerfJSONL(jsonl, agg)
	case agg != "":
		return importAIPerfJSON(agg)
	}
	return nil, Provenance{Path: dir}, fmt.Errorf(
		"report: %s: no %s, %s, nor AIPerf profile_export files", dir, bench.RecordsFile, SummaryFile)
}

// findAIPerf returns the AIPerf per-request and aggregate exports in dir,
// allowing for --profile-export-prefix; "" for each one absent.
func findAIPerf(dir string) (jsonl, agg string) {
	ents, _ := os.ReadDir(dir)
	for _, e := range ents {
		n := e.Name()
		switch {
		case e.IsDir():
		case strings.HasSuffix(n, "profile_export.jsonl") && jsonl == "":
			jsonl = filepath.Join(dir, n)
		case strings.HasSuffix(n, "profile_export_aiperf.json") && agg == "":
			agg = filepath.Join(dir, n)
		}
	}
	return jsonl, agg
}

// SummaryFile is the name of the summary in a results directory.
const SummaryFile = "summary.json"

func readSummaryFile(path string) (*Summary, error) {
	s, err := ReadSummary(path)
	if err != nil {
		return nil, fmt.Errorf("report: %w", err)
	}
	return s, nil
}

func exists(path string) bool {
	_, err := os.Stat(path)
	return err == nil
}

// detectFormat tells a result file's format from its first JSON value.
func detectFormat(path string) (string, error) {
	f, err := os.Open(path)
	if err != nil {
		return "", fmt.Errorf("report: %w", err)
	}
	defer f.Close()
	// The first line decides for JSONL; a JSON document may be one line
	// too, so look at its keys either way.
	r := bufio.NewReaderSize(f, 1<<20)
	first, err := r.ReadBytes('\n')
	if err != nil && len(first) == 0 {
		return "", fmt.Errorf("report: %s: empty file", path)
	}
	var keys map[string]json.RawMessage
	lineErr := json.Unmarshal(bytes.TrimSpace(first), &keys)
	if lineErr == nil && (strings.HasSuffix(path, ".jsonl") || hasMore(r)) {
		switch {
		case keys["metadata"] != nil && keys["metrics"] != nil:
			return FormatAIPerfJSONL, nil
		case keys["request_id"] != nil && keys["t_start_ms"] != nil:
			return formatTokenbenchJSONL, nil
		}
	}
	if lineErr != nil {
		// A multi-line JSON document: read it whole.
		b, err := os.ReadFile(path)
		if err != nil {
			return "", fmt.Errorf("report: %w", err)
		}
		keys = nil
		if err := json.Unmarshal(b, &keys); err != nil {
			return "", fmt.Errorf("report: %s: not a JSON object nor JSON lines: %w", path, err)
		}
	}
	return formatOfKeys(path, keys)
}

func hasMore(r *bufio.Reader) bool {
	b, err := r.Peek(1)
	return err == nil && len(bytes.TrimSpace(b)) > 0
}

// formatOfKeys tells the format of a JSON document from its top-level keys.
func formatOfKeys(path string, keys map[string]json.RawMessage) (string, error) {
	has := func(k string) bool { _, ok := keys[k]; return ok }
	switch {
	case has("ttfts") || has("mean_ttft_ms") || (has("completed") && has("output_throughput")):
		return FormatVLLM, nil
	case has("time_to_first_token") || has("request_latency") || has("aiperf_version") ||
		(has("records") && has("input_config")) || has("request_throughput") && has("benchmark_duration"):
		return FormatAIPerfJSON, nil
	case has("requests") && has("throughput") && has("window_s"):
		return FormatTokenbench, nil
	}
	return "", errors.New("report: " + path +
		": not a tokenbench summary, vLLM bench serve result, nor AIPerf profile export")
}
