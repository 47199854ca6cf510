package scrape

import (
	"bufio"
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os"
	"sort"
)

// MetricsFile is the name of the engine scrapes file in a results directory.
const MetricsFile = "metrics.jsonl"

// Scrape phases: one scrape before the run, one every interval during it,
// one after it. Counter deltas run from the first to the last.
const (
	PhaseBefore = "before"
	PhaseDuring = "during"
	PhaseAfter  = "after"
)

// Sample is one scrape: one line of metrics.jsonl.
type Sample struct {
	// TMS is when the scrape started, in ms from the run's epoch (the same
	// epoch as the records' t_*_ms; negative for a scrape before it).
	TMS   float64 `json:"t_ms"`
	Phase string  `json:"phase"`
	Reading
	// Error says why the scrape failed (connection refused, HTTP 404,
	// unparsable text); a failed scrape has no reading.
	Error string `json:"error,omitempty"`
}

// OK reports whether the scrape succeeded.
func (s Sample) OK() bool { return s.Error == "" }

// Warning reports a recoverable problem found while reading samples.
type Warning struct {
	Line int
	Msg  string
}

func (w Warning) String() string { return fmt.Sprintf("line %d: %s", w.Line, w.Msg) }

// encodeLine renders s as one JSON line.
func encodeLine(s Sample) ([]byte, error) {
	var buf bytes.Buffer
	enc := json.NewEncoder(&buf)
	enc.SetEscapeHTML(false)
	if err := enc.Encode(&s); err != nil {
		return nil, fmt.Errorf("scrape: encode %s sample: %w", s.Phase, err)
	}
	return buf.Bytes(), nil
}

// ReadSamples decodes metrics.jsonl. A last line that is not terminated by
// a newline and does not decode (a write torn by a crash) is skipped with a
// Warning; any other bad line is an error naming its line and, where it
// applies, its field. Blank lines are ignored.
func ReadSamples(r io.Reader) ([]Sample, []Warning, error) {
	var (
		out   []Sample
		warns []Warning
	)
	br := bufio.NewReaderSize(r, 64<<10)
	for line := 1; ; line++ {
		b, err := br.ReadBytes('\n')
		if len(bytes.TrimSpace(b)) > 0 {
			var s Sample
			derr := json.Unmarshal(b, &s)
			if derr != nil && errors.Is(err, io.EOF) {
				warns = append(warns, Warning{line, fmt.Sprintf("skipped torn last sample (%d bytes): %v", len(b), derr)})
				return out, warns, nil
			}
			if derr != nil {
				return out, warns, fmt.Errorf("scrape: samples line %d: %w", line, derr)
			}
			if verr := s.validate(); verr != nil {
				return out, warns, fmt.Errorf("scrape: samples line %d: %w", line, verr)
			}
			out = append(out, s)
		}
		if err != nil {
			if errors.Is(err, io.EOF) {
				return out, warns, nil
			}
			return out, warns, fmt.Errorf("scrape: samples line %d: %w", line, err)
		}
	}
}

// validate checks the fields a later stage relies on.
func (s Sample) validate() error {
	switch s.Phase {
	case PhaseBefore, PhaseDuring, PhaseAfter:
	default:
		return fmt.Errorf("field phase: %q is not before, during or after", s.Phase)
	}
	if s.OK() && s.Engine == "" {
		return errors.New("field engine: missing on a successful scrape")
	}
	for _, k := range sortedKeys(s.Counters) {
		if s.Counters[k] < 0 {
			return fmt.Errorf("field counters.%s: %g is negative; counters only grow", k, s.Counters[k])
		}
	}
	for k, v := range s.PerPositionAccepted {
		if v < 0 {
			return fmt.Errorf("field per_position_accepted[%d]: %g is negative", k, v)
		}
	}
	for k, v := range s.PerPositionDrafted {
		if v < 0 {
			return fmt.Errorf("field per_position_drafted[%d]: %g is negative", k, v)
		}
	}
	if len(s.PerPositionAccepted) > maxPositions {
		return fmt.Errorf("field per_position_accepted: more than %d positions", maxPositions)
	}
	if len(s.PerPositionDrafted) > maxPositions {
		return fmt.Errorf("field per_position_drafted: more than %d positions", maxPositions)
	}
	return nil
}

// ReadSamplesFile is ReadSamples over a file; errors name the file.
func ReadSamplesFile(path string) ([]Sample, []Warning, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, nil, err
	}
	defer f.Close()
	out, warns, err := ReadSamples(f)
	if err != nil {
		return out, warns, fmt.Errorf("%s: %w", path, err)
	}
	return out, warns, nil
}

func sortedKeys(m map[string]float64) []string {
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	return keys
}
