package workloads

import (
	"bytes"
	"strings"
	"testing"

	"github.com/tokenbench/tokenbench/internal/golden"
)

func TestConvertGolden(t *testing.T) {
	tests := []struct {
		name, format, input string
		o                   ConvertOptions
	}{
		{"bfcl_sample", FormatBFCL, "bfcl_sample.json", ConvertOptions{}},
		{"swe_simple", FormatSWEAgent, "swe_simple.traj", ConvertOptions{}},
		{"mooncake_small", FormatMooncake, "mooncake_small.jsonl", ConvertOptions{BlockTokens: 4}},
		{"basic", FormatSessions, "basic.jsonl", ConvertOptions{}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var out bytes.Buffer
			n, err := Convert(&out, tt.format, "testdata/sessions/"+tt.input, tt.o)
			if err != nil {
				t.Fatal(err)
			}
			if lines := strings.Count(out.String(), "\n"); lines != n {
				t.Errorf("%d sessions reported, %d lines written", n, lines)
			}
			path := "testdata/sessions/" + tt.name + ".golden.jsonl"
			golden.Check(t, path, out.Bytes())
			// What a converter writes reads back as valid sessions.
			back, err := sessReadAll(out.String(), path)
			if err != nil || len(back) != n {
				t.Errorf("converted output reads back as %d sessions: %v", len(back), err)
			}
		})
	}
}

func TestConvertOptions(t *testing.T) {
	var out bytes.Buffer
	n, err := Convert(&out, FormatBFCL, "testdata/sessions/bfcl_sample.json", ConvertOptions{Limit: 2})
	if err != nil || n != 2 || strings.Count(out.String(), "\n") != 2 {
		t.Errorf("limit 2: %d sessions, err %v", n, err)
	}
	for _, tt := range []struct {
		name, format, path string
		o                  ConvertOptions
		want               string
	}{
		{"unknown format", "sharegpt", "x", ConvertOptions{}, `unknown session format "sharegpt"`},
		{"missing file", FormatMooncake, "testdata/sessions/nope.jsonl", ConvertOptions{}, "nope.jsonl: no such file"},
		{"negative limit", FormatBFCL, "testdata/sessions/bfcl_sample.json", ConvertOptions{Limit: -1}, "must not be negative"},
		{"empty directory", FormatSWEAgent, "testdata/sessions/multi_turn_func_doc", ConvertOptions{}, "no .traj files"},
		{"bad line", FormatSessions, "testdata/sessions/mooncake_small.jsonl", ConvertOptions{}, `mooncake_small.jsonl line 1: session: unknown field "timestamp"`},
	} {
		t.Run(tt.name, func(t *testing.T) {
			_, err := Convert(&bytes.Buffer{}, tt.format, tt.path, tt.o)
			if err == nil || !strings.Contains(err.Error(), tt.want) || !strings.HasPrefix(err.Error(), "workloads: ") {
				t.Errorf("error %v, want %q", err, tt.want)
			}
		})
	}
}
