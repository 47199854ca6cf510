package workloads

import "testing"

func TestPrefixReuse(t *testing.T) {
	tests := []struct {
		name         string
		block        int
		ids          [][]uint64
		in           []int
		wantReusable int
		wantPrompt   int
	}{
		{"nothing repeats", 4, [][]uint64{{1, 2}, {3, 4}}, []int{8, 8}, 0, 16},
		{"same request twice", 4, [][]uint64{{1, 2}, {1, 2}}, []int{8, 8}, 8, 16},
		{"shared first block", 4, [][]uint64{{1, 2}, {1, 3}}, []int{8, 8}, 4, 16},
		{"same block after another start is no prefix", 4, [][]uint64{{1, 2}, {9, 2}}, []int{8, 8}, 0, 16},
		{"chain breaks then matches again: no reuse after the break", 4, [][]uint64{{1, 2, 3}, {1, 5, 3}}, []int{12, 12}, 4, 24},
		{"partial last block is not cached", 4, [][]uint64{{1, 2}, {1, 2}}, []int{6, 6}, 4, 12},
		{"partial block seen, later full: not reusable", 4, [][]uint64{{1, 2}, {1, 2, 3}}, []int{6, 12}, 4, 18},
		{"ids beyond the prompt are ignored", 4, [][]uint64{{1, 2, 3}, {1, 2, 3}}, []int{4, 4}, 4, 8},
		{"64-bit ids differing in the top bit", 4, [][]uint64{{1}, {1 | 1<<63}}, []int{4, 4}, 0, 8},
		{"no requests", 4, nil, nil, 0, 0},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got := PrefixReuse(tt.block, tt.ids, tt.in)
			if got.ReusableTokens != tt.wantReusable || got.PromptTokens != tt.wantPrompt {
				t.Errorf("reuse %+v, want %d of %d", got, tt.wantReusable, tt.wantPrompt)
			}
			if tt.wantPrompt > 0 && got.Ratio != float64(tt.wantReusable)/float64(tt.wantPrompt) {
				t.Errorf("ratio %v", got.Ratio)
			}
		})
	}
}
