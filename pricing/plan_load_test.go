package pricing

import (
	"strings"
	"testing"
)

func TestParseLoad(t *testing.T) {
	tests := []struct {
		in       string
		want     float64
		contains string // error
	}{
		{in: "200req/s", want: 200},
		{in: "200/s", want: 200},
		{in: "200 req/s", want: 200},
		{in: " 200 REQ/S ", want: 200},
		{in: "9.5rps", want: 9.5},
		{in: "200 requests/s", want: 200},
		{in: "12000/min", want: 200},
		{in: "12000req/min", want: 200},
		{in: "12000 req / min", want: 200},
		{in: "90rpm", want: 1.5},
		{in: ".5/s", want: 0.5},
		{in: "1.2e3req/min", want: 20},
		{in: "200", contains: `load "200": no unit; want req/s or req/min, e.g. 200req/s`},
		{in: "2M tok/min", contains: "token rates are not taken"},
		{in: "2000000 tok/min", contains: "token rates are not taken"},
		{in: "200req/h", contains: `unknown unit "req/h"`},
		{in: "0req/s", contains: "want a rate above zero"},
		{in: "-5req/s", contains: "want a number and a unit"},
		{in: "Inf/s", contains: "want a number and a unit"},
		{in: "0x10/s", contains: "unknown unit"},
		{in: "1e999/s", contains: "is not a usable number"},
		{in: "1e-999/s", contains: "want a rate above zero"},
		{in: "", contains: "want a number and a unit"},
	}
	for _, tt := range tests {
		t.Run(tt.in, func(t *testing.T) {
			got, err := ParseLoad(tt.in)
			if tt.contains != "" {
				if err == nil || !strings.Contains(err.Error(), tt.contains) || !strings.HasPrefix(err.Error(), "pricing: load ") {
					t.Fatalf("ParseLoad(%q) = %v, %v; want an error containing %q", tt.in, got, err, tt.contains)
				}
				return
			}
			if err != nil || got != tt.want {
				t.Errorf("ParseLoad(%q) = %v, %v; want %v", tt.in, got, err, tt.want)
			}
		})
	}
}

// FuzzParseLoad: never a panic; an accepted load is a finite rate above
// zero that FormatLoad writes back to the same value.
func FuzzParseLoad(f *testing.F) {
	for _, s := range []string{"200req/s", "12000/min", "9.5 rps", "2M tok/min", "1e999/s", "5e-324/s", ".5/s", "200", ""} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		v, err := ParseLoad(s)
		if err != nil {
			if !strings.HasPrefix(err.Error(), "pricing: load ") {
				t.Fatalf("error %q does not name the load", err)
			}
			return
		}
		if !(v > 0) || !finite(v) {
			t.Fatalf("ParseLoad(%q) accepted %v", s, v)
		}
		back, err := ParseLoad(FormatLoad(v))
		if err != nil || back != v {
			t.Fatalf("round trip of %v through %q: %v, %v", v, FormatLoad(v), back, err)
		}
	})
}
