package sim

import (
	"strings"
	"testing"
	"time"
)

func TestStepDuration(t *testing.T) {
	tm := Timing{PrefillPerToken: 20 * time.Microsecond, StepBase: 10 * time.Millisecond,
		DecodePerSeq: 30 * time.Microsecond, PerKContext: 40 * time.Microsecond}
	tests := []struct {
		name                     string
		prefill, decode, context int
		want                     time.Duration
	}{
		{"empty step is the base", 0, 0, 0, 10 * time.Millisecond},
		{"one prefill", 512, 0, 512, 10*time.Millisecond + 512*20*time.Microsecond + 20480*time.Nanosecond},
		{"one decode", 0, 1, 1000, 10*time.Millisecond + 30*time.Microsecond + 40*time.Microsecond},
		{"mixed", 8000, 100, 50000, 10*time.Millisecond + 160*time.Millisecond + 3*time.Millisecond + 2*time.Millisecond},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := tm.StepDuration(tt.prefill, tt.decode, tt.context); got != tt.want {
				t.Errorf("StepDuration(%d, %d, %d) = %v, want %v", tt.prefill, tt.decode, tt.context, got, tt.want)
			}
		})
	}
}

func TestNewValidatesConfig(t *testing.T) {
	tests := []struct {
		name    string
		edit    func(*Config)
		wantErr string // "" for a valid config
	}{
		{"zero value takes defaults", func(c *Config) { *c = Config{} }, ""},
		{"defaults", func(*Config) {}, ""},
		{"negative batch", func(c *Config) { c.MaxBatch = -1 }, "MaxBatch -1"},
		{"budget below batch", func(c *Config) { c.TokenBudget = 100 }, "TokenBudget 100 is less than MaxBatch 256"},
		{"KV below context", func(c *Config) { c.KVCapacityTokens = 1000 }, "KVCapacityTokens 1000"},
		{"tiny context", func(c *Config) { c.MaxModelLen = 1 }, "MaxModelLen 1"},
		{"negative timing", func(c *Config) { c.Timing.DecodePerSeq = -time.Microsecond }, "negative duration"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			cfg := DefaultConfig()
			tt.edit(&cfg)
			e, err := New(cfg)
			if tt.wantErr == "" {
				if err != nil {
					t.Fatal(err)
				}
				if e.cfg != DefaultConfig() {
					t.Errorf("config %+v, want the defaults", e.cfg)
				}
				e.Close()
				return
			}
			if err == nil || !strings.Contains(err.Error(), tt.wantErr) || !strings.HasPrefix(err.Error(), "sim: ") {
				t.Errorf("err = %v, want one containing %q", err, tt.wantErr)
			}
		})
	}
}
