package pricing

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
)

func TestParseErrors(t *testing.T) {
	tests := []struct {
		name string
		yaml string
		want []string // substrings of the error, in order of appearance
	}{
		{
			name: "unknown price field names the line and the known fields",
			yaml: "gpus:\n  - name: X\n    prices:\n      - tier: a\n        provider: b\n        usd_per_gpu_hour: 1\n        sorce: typo\n",
			want: []string{`prices.yaml line 7: unknown field "sorce" in a price entry; known fields: tier, provider, usd_per_gpu_hour, source, date`},
		},
		{
			name: "unknown gpu field",
			yaml: "gpus:\n  - name: X\n    wats: 700\n",
			want: []string{`prices.yaml line 3: unknown field "wats" in a GPU entry`, "watts"},
		},
		{
			name: "unknown top-level field",
			yaml: "gpu:\n  - name: X\n",
			want: []string{`prices.yaml line 1: unknown field "gpu" in the catalog (top level); known fields: gpus`},
		},
		{
			name: "string where a price belongs",
			yaml: "gpus:\n  - name: X\n    prices:\n      - {tier: a, provider: b, usd_per_gpu_hour: two}\n",
			want: []string{"prices.yaml line 4: cannot unmarshal !!str `two` into float64"},
		},
		{
			name: "syntax error",
			yaml: "gpus:\n  - name: X\n    prices: [1, 2\n",
			want: []string{"prices.yaml line ", "did not find expected ',' or ']'"},
		},
		{
			name: "tab in indentation names its line",
			yaml: "gpus:\n  - name: X\n\twatts: 3\n",
			want: []string{"prices.yaml line 3: tab in indentation"},
		},
		{
			name: "negative price names its field's line",
			yaml: "gpus:\n  - name: X\n    prices:\n      - tier: a\n        provider: b\n        usd_per_gpu_hour: -2\n",
			want: []string{"prices.yaml line 6: gpus[0] (X) prices[0]: usd_per_gpu_hour: price -2 USD per GPU-hour: want a finite number > 0 and at most 1000000"},
		},
		{
			name: "zero price",
			yaml: "gpus:\n  - name: X\n    prices:\n      - {tier: a, provider: b}\n",
			want: []string{"line 4: gpus[0] (X) prices[0]: usd_per_gpu_hour: price 0 USD per GPU-hour: want a finite number > 0 and at most 1000000"},
		},
		{
			name: "infinite price",
			yaml: "gpus:\n  - name: X\n    prices:\n      - {tier: a, provider: b, usd_per_gpu_hour: .inf}\n",
			want: []string{"line 4:", "price +Inf USD per GPU-hour"},
		},
		{
			name: "absurd price (a monthly rate?)",
			yaml: "gpus:\n  - name: X\n    prices:\n      - {tier: a, provider: b, usd_per_gpu_hour: 2000000}\n",
			want: []string{"line 4:", "price 2e+06 USD per GPU-hour: want a finite number > 0 and at most 1000000"},
		},
		{
			name: "NaN spec",
			yaml: "gpus:\n  - name: X\n    watts: .nan\n",
			want: []string{"line 3: gpus[0] (X): watts must be a finite number >= 0, got NaN"},
		},
		{
			name: "missing tier and provider",
			yaml: "gpus:\n  - name: X\n    prices:\n      - usd_per_gpu_hour: 1\n",
			want: []string{"line 4: gpus[0] (X) prices[0]: tier is empty", "line 4: gpus[0] (X) prices[0]: provider is empty"},
		},
		{
			name: "bad date",
			yaml: "gpus:\n  - name: X\n    prices:\n      - {tier: a, provider: b, usd_per_gpu_hour: 1, date: last week}\n",
			want: []string{`line 4: gpus[0] (X) prices[0]: date "last week" is not YYYY-MM or YYYY-MM-DD`},
		},
		{
			name: "duplicate price",
			yaml: "gpus:\n  - name: X\n    prices:\n      - {tier: a, provider: b, usd_per_gpu_hour: 1}\n      - {tier: A, provider: b, usd_per_gpu_hour: 2}\n",
			want: []string{"line 5: gpus[0] (X) prices[1]: tier A, provider b already priced by prices[0]"},
		},
		{
			name: "alias clashes with another GPU",
			yaml: "gpus:\n  - name: H100 SXM\n  - name: Other\n    aliases: [h100-sxm]\n",
			want: []string{`line 3: gpus[1] (Other): name "h100-sxm" already names gpus[0] (H100 SXM)`},
		},
		{
			name: "empty name",
			yaml: "gpus:\n  - name: \" \"\n    watts: 1\n",
			want: []string{"line 2: gpus[0]: name is empty"},
		},
		{
			name: "bad tflops key",
			yaml: "gpus:\n  - name: X\n    tflops: {BF 16: 1}\n",
			want: []string{`line 3: gpus[0] (X): tflops key "BF 16"`},
		},
		{
			name: "no gpus",
			yaml: "gpus: []\n",
			want: []string{"prices.yaml line 1: no GPUs"},
		},
		{
			name: "empty file",
			yaml: "",
			want: []string{"pricing: prices.yaml: empty file"},
		},
		{
			name: "second document",
			yaml: "gpus:\n  - name: X\n---\ngpus:\n  - name: Y\n",
			want: []string{"prices.yaml line 3: a second YAML document"},
		},
		{
			name: "not a mapping",
			yaml: "- name: X\n",
			want: []string{"prices.yaml line 1: cannot unmarshal !!seq into pricing.Catalog"},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := Parse("prices.yaml", []byte(tt.yaml))
			if err == nil {
				t.Fatalf("no error, want %q", tt.want)
			}
			msg := err.Error()
			for _, w := range tt.want {
				i := strings.Index(msg, w)
				if i < 0 {
					t.Fatalf("error\n%s\nwant it to contain %q", msg, w)
				}
				msg = msg[i+len(w):]
			}
			for _, ln := range strings.Split(err.Error(), "\n") {
				if !strings.HasPrefix(ln, "pricing: prices.yaml") {
					t.Errorf("error line %q does not start with the package and file", ln)
				}
			}
		})
	}
}

func TestParseAccepts(t *testing.T) {
	tests := []struct {
		name string
		yaml string
	}{
		{"prices only", "gpus:\n  - name: X\n    prices:\n      - {tier: a, provider: b, usd_per_gpu_hour: 1}\n"},
		{"specs only", "gpus:\n  - name: X\n    watts: 300\n"},
		{"full date", "gpus:\n  - name: X\n    prices:\n      - {tier: a, provider: b, usd_per_gpu_hour: 1, date: 2026-11-26}\n"},
		{"anchors", "gpus:\n  - name: X\n    prices:\n      - &p {tier: a, provider: b, usd_per_gpu_hour: 1}\n  - name: Y\n    prices: [*p]\n"},
		{"integer price", "gpus:\n  - name: X\n    prices:\n      - {tier: a, provider: b, usd_per_gpu_hour: 2}\n"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if _, err := Parse("ok.yaml", []byte(tt.yaml)); err != nil {
				t.Error(err)
			}
		})
	}
}

func TestParseCapsErrors(t *testing.T) {
	var b strings.Builder
	b.WriteString("gpus:\n  - name: X\n    prices:\n")
	for range 30 {
		b.WriteString("      - {tier: a, provider: b, usd_per_gpu_hour: -1}\n")
	}
	_, err := Parse("many.yaml", []byte(b.String()))
	if err == nil {
		t.Fatal("no error")
	}
	lines := strings.Split(err.Error(), "\n")
	if len(lines) != maxErrors+1 || !strings.Contains(lines[maxErrors], "more errors not shown") {
		t.Errorf("%d error lines, want %d and a note:\n%s", len(lines), maxErrors+1, err)
	}
}

func TestLoadFileNamesPath(t *testing.T) {
	path := filepath.Join(t.TempDir(), "mine.yaml")
	if err := os.WriteFile(path, []byte("gpus:\n  - name: X\n    prices:\n      - {tier: a, provider: b, usd_per_gpu_hour: 1, cost: 2}\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	_, err := LoadFile(path)
	if err == nil || !strings.Contains(err.Error(), path+" line 4: unknown field \"cost\"") {
		t.Errorf("error %v, want the path and line 4", err)
	}
}
