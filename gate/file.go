package gate

import (
	"bytes"
	"fmt"
	"math"
	"os"
	"sort"
	"strconv"
	"strings"

	"go.yaml.in/yaml/v3"
)

// Defaults of a gate file.
const (
	DefaultConfidence  = 0.95
	DefaultResamples   = 2000
	DefaultMinSamples  = 20
	DefaultHistoryRuns = 5
)

// File is a gate file (gate.yaml).
type File struct {
	// Rules are expressions over summary.json paths (and cost.* paths)
	// that must hold, e.g. "ttft_ms.p99 < 800".
	Rules []string `yaml:"rules"`
	// Baseline maps a metric path to its tolerance, e.g. "+10%" (may rise
	// by at most 10%) or "-5%" (may fall by at most 5%).
	Baseline map[string]string `yaml:"baseline"`
	// Confidence of the bootstrap interval (default 0.95).
	Confidence float64 `yaml:"confidence"`
	// Resamples of the bootstrap (default 2000).
	Resamples int `yaml:"resamples"`
	// Seed of the bootstrap (default 1): the verdict is deterministic.
	Seed uint64 `yaml:"seed"`
	// MinSamples is the fewest samples any statistic is judged on (default
	// 20); percentiles need more (MinSamples).
	MinSamples int `yaml:"min_samples"`
	// HistoryRuns is N of a history baseline: the median of the last N
	// runs of the same scenario (default 5).
	HistoryRuns int `yaml:"history_runs"`

	// Path names the file in messages.
	Path string `yaml:"-"`
}

// Tolerance is a parsed baseline tolerance.
type Tolerance struct {
	// Metric is the baseline path, e.g. ttft_ms.p50.
	Metric string
	// Text is the tolerance as written, e.g. "+10%".
	Text string
	// Up is true when a rise is the regression ("+"), false for a fall.
	Up bool
	// Frac is the allowed relative change, 0.10 for 10%.
	Frac float64
}

// ReadFile reads and checks a gate file.
func ReadFile(path string) (*File, error) {
	b, err := os.ReadFile(path)
	if err != nil {
		return nil, fmt.Errorf("gate: %w", err)
	}
	return ParseFile(path, b)
}

// ParseFile parses a gate file's content; path names it in errors.
func ParseFile(path string, b []byte) (*File, error) {
	f := &File{}
	dec := yaml.NewDecoder(bytes.NewReader(b))
	dec.KnownFields(true)
	if err := dec.Decode(f); err != nil {
		return nil, fmt.Errorf("gate: %s: %v", path, err)
	}
	f.Path = path
	if f.Confidence == 0 {
		f.Confidence = DefaultConfidence
	}
	if f.Resamples == 0 {
		f.Resamples = DefaultResamples
	}
	if f.Seed == 0 {
		f.Seed = 1
	}
	if f.MinSamples == 0 {
		f.MinSamples = DefaultMinSamples
	}
	if f.HistoryRuns == 0 {
		f.HistoryRuns = DefaultHistoryRuns
	}
	switch {
	case !(f.Confidence > 0.5 && f.Confidence < 1):
		return nil, fmt.Errorf("gate: %s: confidence must be in (0.5, 1), got %v", path, f.Confidence)
	case f.Resamples < 100 || f.Resamples > 100000:
		return nil, fmt.Errorf("gate: %s: resamples must be in [100, 100000], got %d", path, f.Resamples)
	case f.MinSamples < 2:
		return nil, fmt.Errorf("gate: %s: min_samples must be at least 2, got %d", path, f.MinSamples)
	case f.HistoryRuns < 1:
		return nil, fmt.Errorf("gate: %s: history_runs must be at least 1, got %d", path, f.HistoryRuns)
	case len(f.Rules) == 0 && len(f.Baseline) == 0:
		return nil, fmt.Errorf("gate: %s: no rules and no baseline: nothing to judge", path)
	}
	for i, r := range f.Rules {
		if strings.TrimSpace(r) == "" {
			return nil, fmt.Errorf("gate: %s: rule %d is empty", path, i+1)
		}
	}
	if _, err := f.Tolerances(); err != nil {
		return nil, err
	}
	return f, nil
}

// Tolerances returns the baseline tolerances, ordered by metric path.
func (f *File) Tolerances() ([]Tolerance, error) {
	keys := make([]string, 0, len(f.Baseline))
	for k := range f.Baseline {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	out := make([]Tolerance, 0, len(keys))
	for _, k := range keys {
		t, err := ParseTolerance(k, f.Baseline[k])
		if err != nil {
			return nil, fmt.Errorf("gate: %s: baseline %s: %v", f.Path, k, err)
		}
		out = append(out, t)
	}
	return out, nil
}

// ParseTolerance parses "+10%" or "-5%" for metric.
func ParseTolerance(metric, s string) (Tolerance, error) {
	t := Tolerance{Metric: metric, Text: strings.TrimSpace(s)}
	v := t.Text
	switch {
	case strings.HasPrefix(v, "+"):
		t.Up = true
	case strings.HasPrefix(v, "-"):
	default:
		return t, fmt.Errorf("tolerance %q: want +N%% (may rise by N%%) or -N%% (may fall by N%%)", s)
	}
	v = strings.TrimSpace(v[1:])
	if !strings.HasSuffix(v, "%") {
		return t, fmt.Errorf("tolerance %q: want a percentage such as +10%%", s)
	}
	pct, err := strconv.ParseFloat(strings.TrimSpace(strings.TrimSuffix(v, "%")), 64)
	if err != nil || pct < 0 || math.IsInf(pct, 0) || math.IsNaN(pct) || (!t.Up && pct >= 100) {
		return t, fmt.Errorf("tolerance %q: want a percentage in [0, 100) for a fall, >= 0 for a rise", s)
	}
	t.Frac = pct / 100
	if _, _, err := SampleMetric(metric); err != nil {
		return t, err
	}
	return t, nil
}
