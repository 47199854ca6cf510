package bench

import (
	"strings"
	"testing"
)

func TestParseByteSize(t *testing.T) {
	tests := []struct {
		in      string
		want    int64
		wantErr string
	}{
		{"256MB", 256e6, ""},
		{"64KiB", 64 << 10, ""},
		{"1gib", 1 << 30, ""},
		{" 4096 ", 4096, ""},
		{"0", 0, ""},
		{"12 B", 12, ""},
		{"", 0, "whole number"},
		{"-5MB", 0, "whole number"},
		{"1.5GB", 0, "unknown unit"},
		{"10TB", 0, "unknown unit"},
		{"9999999999GiB", 0, "too large"},
	}
	for _, tt := range tests {
		got, err := ParseByteSize(tt.in)
		if tt.wantErr != "" {
			if err == nil || !strings.Contains(err.Error(), tt.wantErr) {
				t.Errorf("%q: %d, %v; want error %q", tt.in, got, err, tt.wantErr)
			}
			continue
		}
		if err != nil || got != tt.want {
			t.Errorf("%q: %d, %v; want %d", tt.in, got, err, tt.want)
		}
	}
}

// FuzzParseByteSize: any flag value gives a size >= 0 or an error, never a
// panic or an overflow.
func FuzzParseByteSize(f *testing.F) {
	for _, s := range []string{"256MB", "1GiB", "0", "x", "99999999999999GB"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		n, err := ParseByteSize(s)
		if err == nil && n < 0 {
			t.Fatalf("%q: negative size %d", s, n)
		}
	})
}
