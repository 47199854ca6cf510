package bench

import (
	"testing"

	"github.com/tokenbench/tokenbench/workloads"
)

// A shard's warm-ups are renamed to the whole workload's warm-up numbers;
// measured records and other ids pass unchanged.
func TestShardSinkRenamesWarmups(t *testing.T) {
	tests := []struct {
		name   string
		shard  workloads.Shard
		in     Record
		wantID string
	}{
		{"first warm-up of shard 1/3", workloads.Shard{Index: 1, Count: 3}, Record{RequestID: "w1", Warmup: true}, "w2"},
		{"second warm-up of shard 2/3", workloads.Shard{Index: 2, Count: 3}, Record{RequestID: "w2", Warmup: true}, "w6"},
		{"whole workload", workloads.Shard{}, Record{RequestID: "w2", Warmup: true}, "w2"},
		{"measured record", workloads.Shard{Index: 1, Count: 3}, Record{RequestID: "w1"}, "w1"},
		{"not a runner id", workloads.Shard{Index: 1, Count: 3}, Record{RequestID: "warm", Warmup: true}, "warm"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var got Record
			s := ShardSink(SinkFunc(func(r Record) error { got = r; return nil }), tt.shard)
			if err := s.Write(tt.in); err != nil {
				t.Fatal(err)
			}
			if got.RequestID != tt.wantID {
				t.Errorf("id %q, want %q", got.RequestID, tt.wantID)
			}
		})
	}
}
