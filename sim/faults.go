package sim

import (
	"errors"
	"fmt"
	"math/rand/v2"
	"slices"
	"strconv"
	"strings"
)

// Faults are the probabilities that a request meets each kind of failure,
// for testing how clients measure and classify errors. Each generation
// request draws at most one fault, seeded by Config.Seed and the request's
// arrival number.
type Faults struct {
	// Reset closes the TCP connection mid-stream with a reset (RST).
	Reset float64 `json:"reset,omitempty"`
	// HTTP500 answers 500 Internal Server Error before any token.
	HTTP500 float64 `json:"http_500,omitempty"`
	// HTTP429 answers 429 Too Many Requests, with Retry-After, before any token.
	HTTP429 float64 `json:"http_429,omitempty"`
	// Stall stops sending mid-stream and holds the connection open until
	// the client gives up.
	Stall float64 `json:"stall,omitempty"`
	// Malformed sends an event that is not valid JSON mid-stream.
	Malformed float64 `json:"malformed,omitempty"`
	// Truncated ends the body cleanly mid-stream: no finish_reason, no
	// usage, no [DONE].
	Truncated float64 `json:"truncated,omitempty"`
}

// fault is one kind of failure.
type fault int

const (
	faultNone fault = iota
	faultReset
	faultHTTP500
	faultHTTP429
	faultStall
	faultMalformed
	faultTruncated
)

// faultNames are the names of --faults, in the order of the fault constants.
var faultNames = []string{"", "reset", "http_500", "http_429", "stall", "malformed", "truncated"}

func (f *Faults) field(k fault) *float64 {
	return []*float64{nil, &f.Reset, &f.HTTP500, &f.HTTP429, &f.Stall, &f.Malformed, &f.Truncated}[k]
}

// ParseFaults reads "reset=0.05,http_500=0.02,..." (names: reset, http_500,
// http_429, stall, malformed, truncated; each a probability). The empty
// string means no faults. Errors name the bad item.
func ParseFaults(s string) (Faults, error) {
	var f Faults
	if strings.TrimSpace(s) == "" {
		return f, nil
	}
	seen := map[string]bool{}
	for i, item := range strings.Split(s, ",") {
		name, value, ok := strings.Cut(strings.TrimSpace(item), "=")
		name = strings.ToLower(strings.TrimSpace(name))
		if !ok || name == "" {
			return Faults{}, fmt.Errorf("sim: faults item %d %q: want name=probability", i+1, item)
		}
		k := fault(slices.Index(faultNames, name))
		if k <= faultNone {
			return Faults{}, fmt.Errorf("sim: faults item %d %q: unknown fault %q (known: %s)", i+1, item, name, strings.Join(faultNames[1:], ", "))
		}
		if seen[name] {
			return Faults{}, fmt.Errorf("sim: faults item %d %q: %s given twice", i+1, item, name)
		}
		seen[name] = true
		p, err := strconv.ParseFloat(strings.TrimSpace(value), 64)
		if err != nil || !(p >= 0 && p <= 1) {
			return Faults{}, fmt.Errorf("sim: faults item %d %q: probability %q is not a number in [0, 1]", i+1, item, value)
		}
		*f.field(k) = p
	}
	return f, f.validate()
}

// String formats f as ParseFaults reads it, listing the faults set.
func (f Faults) String() string {
	var parts []string
	for k := faultReset; k <= faultTruncated; k++ {
		if p := *f.field(k); p > 0 {
			parts = append(parts, faultNames[k]+"="+strconv.FormatFloat(p, 'g', -1, 64))
		}
	}
	return strings.Join(parts, ",")
}

// Set parses s into f, so that *Faults is a flag value (pflag.Value).
func (f *Faults) Set(s string) error {
	g, err := ParseFaults(s)
	if err != nil {
		return err
	}
	*f = g
	return nil
}

// Type names the flag value's type in usage text.
func (*Faults) Type() string { return "faults" }

func (f Faults) total() float64 {
	t := 0.0
	for k := faultReset; k <= faultTruncated; k++ {
		t += *f.field(k)
	}
	return t
}

func (f Faults) validate() error {
	var errs []error
	for k := faultReset; k <= faultTruncated; k++ {
		if p := *f.field(k); !(p >= 0 && p <= 1) {
			errs = append(errs, fmt.Errorf("sim: fault %s probability %v is not in [0, 1]", faultNames[k], p))
		}
	}
	if t := f.total(); t > 1+1e-9 {
		errs = append(errs, fmt.Errorf("sim: fault probabilities add up to %v, more than 1", t))
	}
	return errors.Join(errs...)
}

// faultDraw is the fault of one request, and the random source that places
// it in the stream.
type faultDraw struct {
	kind fault
	rng  *rand.Rand
}

// draw picks the fault of the n-th request.
func (f Faults) draw(seed, n uint64) faultDraw {
	rng := rand.New(rand.NewPCG(seed^0x1f83d9abfb41bd6b, n))
	u := rng.Float64()
	for k := faultReset; k <= faultTruncated; k++ {
		if u < *f.field(k) {
			return faultDraw{kind: k, rng: rng}
		}
		u -= *f.field(k)
	}
	return faultDraw{rng: rng}
}

// cut is how many of tokens tokens are sent before a mid-stream fault
// strikes: 0 to tokens-1, so it always strikes before the last one.
func (d faultDraw) cut(tokens int) int { return d.rng.IntN(max(tokens, 1)) }
