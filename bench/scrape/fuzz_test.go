package scrape

import (
	"bytes"
	"encoding/json"
	"os"
	"path/filepath"
	"testing"
)

// FuzzParse: any bytes give an error or a reading, never a panic, and a
// reading always encodes as a metrics.jsonl line and reads back.
func FuzzParse(f *testing.F) {
	files, _ := filepath.Glob(filepath.Join("testdata", "*.txt"))
	jsonFiles, _ := filepath.Glob(filepath.Join("testdata", "*.json"))
	files = append(files, jsonFiles...) // trtllm-serve JSON and the golden summary
	for _, name := range files {
		b, err := os.ReadFile(name)
		if err != nil {
			f.Fatal(err)
		}
		f.Add(b)
	}
	f.Add([]byte("vllm:spec_decode_num_accepted_tokens_per_pos_total{position=\"63\"} 1e308\n"))
	f.Add([]byte("vllm:kv_cache_usage_perc +Inf\nvllm:num_requests_running -3\n"))
	f.Fuzz(func(t *testing.T, body []byte) {
		r, err := Parse(bytes.NewReader(body))
		if err != nil {
			return
		}
		if len(r.PerPositionAccepted) > maxPositions || len(r.PerPositionDrafted) > maxPositions {
			t.Fatalf("%d positions", len(r.PerPositionAccepted))
		}
		line, err := encodeLine(Sample{Phase: PhaseAfter, Reading: r})
		if err != nil {
			t.Fatalf("reading does not encode: %v", err)
		}
		if _, _, err := ReadSamples(bytes.NewReader(line)); err != nil {
			t.Fatalf("encoded reading does not read back: %v\n%s", err, line)
		}
	})
}

// FuzzReadSamples: a metrics.jsonl from anywhere gives an error or samples,
// and Summarize of those never panics and always encodes.
func FuzzReadSamples(f *testing.F) {
	b, err := os.ReadFile(filepath.Join("testdata", "run-vllm.jsonl"))
	if err != nil {
		f.Fatal(err)
	}
	f.Add(b)
	f.Add([]byte(`{"t_ms":1,"phase":"before","engine":"vllm","counters":{"prompt_tokens":1e308}}` + "\n" +
		`{"t_ms":2,"phase":"after","engine":"vllm","counters":{"prompt_tokens":-1e308}}` + "\n"))
	f.Fuzz(func(t *testing.T, data []byte) {
		samples, _, err := ReadSamples(bytes.NewReader(data))
		if err != nil {
			return
		}
		if _, err := json.Marshal(Summarize(samples)); err != nil {
			t.Fatalf("summary does not encode: %v", err)
		}
	})
}
