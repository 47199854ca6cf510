package sim

import (
	"bytes"
	"embed"
	"errors"
	"fmt"
	"math"
	"os"
	"sort"
	"strconv"
	"strings"
	"time"

	"go.yaml.in/yaml/v3"
)

// An engine profile is a YAML file of Timing fields, written by `tokenbench
// sim calibrate` and read by --engine-profile: one key per field, shares as
// numbers, durations with their unit, e.g.
//
//	mfu: 0.62
//	step_base: 1.2ms
//	output_lag: 1.1
//
// A key left out keeps the value it had (the defaults, or earlier flags).

// profileField is one key of an engine profile.
type profileField struct {
	key  string
	doc  string
	kind byte // 's' share in (0, 1], 'd' duration, 'n' non-negative number, 'b' true or false
	f    *float64
	d    *time.Duration
	b    *bool
}

func profileFields(t *Timing) []profileField {
	return []profileField{
		{key: "mfu", kind: 's', f: &t.MFU, doc: "share of peak tensor FLOPS reached when compute-bound"},
		{key: "mbu", kind: 's', f: &t.MBU, doc: "share of HBM bandwidth weight reads reach when memory-bound"},
		{key: "overlap", kind: 's', f: &t.Overlap, doc: "share of a kernel's shorter compute or memory time hidden under the longer"},
		{key: "fp4_efficiency", kind: 's', f: &t.FP4Efficiency, doc: "share of the FP4 peak FP4 GEMMs reach relative to FP8"},
		{key: "attention_mbu", kind: 's', f: &t.AttentionMBU, doc: "share of HBM bandwidth attention's KV-cache reads reach"},
		{key: "moe_efficiency", kind: 's', f: &t.MoEEfficiency, doc: "share of MFU routed-expert GEMMs reach"},
		{key: "step_base", kind: 'd', d: &t.StepBase, doc: "fixed cost of every step"},
		{key: "decode_per_seq", kind: 'd', d: &t.DecodePerSeq, doc: "cost per sequence in a step"},
		{key: "prefill_per_token", kind: 'd', d: &t.PrefillPerToken, doc: "cost per prompt token computed"},
		{key: "per_k_context", kind: 'd', d: &t.PerKContext, doc: "cost per 1000 tokens of KV cache read"},
		{key: "allreduce_latency", kind: 'd', d: &t.AllReduceLatency, doc: "fixed cost of each tensor-parallel all-reduce (two per layer)"},
		{key: "frontend_overhead", kind: 'd', d: &t.FrontendOverhead, doc: "arrival to the scheduler's queue"},
		{key: "output_lag", kind: 'n', f: &t.OutputLag, doc: "steps from a token's step end to the client"},
		{key: "async_scheduling", kind: 'b', b: &t.AsyncScheduling, doc: "an arrival during step k joins step k+2"},
	}
}

// ParseEngineProfile reads an engine profile's bytes over base: the keys it
// names replace base's values. Errors name the line.
func ParseEngineProfile(b []byte, base Timing) (Timing, error) {
	t := base
	var doc yaml.Node
	if err := yaml.Unmarshal(b, &doc); err != nil {
		return base, fmt.Errorf("sim: engine profile: %w", err)
	}
	if len(doc.Content) == 0 {
		return base, errors.New("sim: engine profile: empty")
	}
	m := doc.Content[0]
	if m.Kind != yaml.MappingNode {
		return base, fmt.Errorf("sim: engine profile: line %d: want a mapping of timing parameters (e.g. \"mfu: 0.6\")", m.Line)
	}
	fields := profileFields(&t)
	seen := map[string]int{}
	var errs []error
	for i := 0; i+1 < len(m.Content); i += 2 {
		k, v := m.Content[i], m.Content[i+1]
		if prev, ok := seen[k.Value]; ok {
			errs = append(errs, fmt.Errorf("line %d: %s given again (first on line %d)", k.Line, k.Value, prev))
			continue
		}
		seen[k.Value] = k.Line
		var f *profileField
		for j := range fields {
			if fields[j].key == k.Value {
				f = &fields[j]
			}
		}
		if f == nil {
			var keys []string
			for _, f := range fields {
				keys = append(keys, f.key)
			}
			errs = append(errs, fmt.Errorf("line %d: unknown key %q (keys: %s)", k.Line, k.Value, strings.Join(keys, ", ")))
			continue
		}
		if v.Kind != yaml.ScalarNode {
			errs = append(errs, fmt.Errorf("line %d: %s: want a single value", v.Line, k.Value))
			continue
		}
		if err := f.set(v.Value); err != nil {
			errs = append(errs, fmt.Errorf("line %d: %s: %w", v.Line, k.Value, err))
		}
	}
	if err := errors.Join(errs...); err != nil {
		return base, fmt.Errorf("sim: engine profile: %w", err)
	}
	if err := t.withDefaults().validate(); err != nil {
		return base, fmt.Errorf("sim: engine profile: %w", err)
	}
	return t, nil
}

func (f profileField) set(s string) error {
	switch f.kind {
	case 'b':
		v, err := strconv.ParseBool(strings.TrimSpace(s))
		if err != nil {
			return fmt.Errorf("%q: want true or false", s)
		}
		*f.b = v
	case 'd':
		d, err := time.ParseDuration(strings.ReplaceAll(strings.TrimSpace(s), "us", "µs"))
		if err != nil || d < 0 {
			return fmt.Errorf("%q: want a non-negative duration with its unit, e.g. 1.2ms or 4us", s)
		}
		*f.d = d
	default:
		v, err := strconv.ParseFloat(strings.TrimSpace(s), 64)
		if err != nil || math.IsNaN(v) || math.IsInf(v, 0) || v < 0 || (f.kind == 's' && (v == 0 || v > 1)) {
			if f.kind == 's' {
				return fmt.Errorf("%q: want a share in (0, 1]", s)
			}
			return fmt.Errorf("%q: want a non-negative number", s)
		}
		*f.f = v
	}
	return nil
}

// ReadEngineProfile reads the engine profile at path over base.
func ReadEngineProfile(path string, base Timing) (Timing, error) {
	b, err := os.ReadFile(path)
	if err != nil {
		return base, fmt.Errorf("sim: engine profile: %w", err)
	}
	t, err := ParseEngineProfile(b, base)
	if err != nil {
		return base, fmt.Errorf("%s: %w", path, err)
	}
	return t, nil
}

// FormatEngineProfile renders t (its defaults filled in) as an engine
// profile, each key with its meaning; header lines become comments on top.
func FormatEngineProfile(t Timing, header ...string) []byte {
	t = t.withDefaults()
	var b bytes.Buffer
	for _, h := range header {
		for _, l := range strings.Split(h, "\n") {
			fmt.Fprintf(&b, "# %s\n", l)
		}
	}
	for _, f := range profileFields(&t) {
		var v string
		switch f.kind {
		case 'b':
			v = strconv.FormatBool(*f.b)
		case 'd':
			v = formatProfileDuration(*f.d)
		default:
			v = significant(*f.f)
		}
		fmt.Fprintf(&b, "%s: %s # %s\n", f.key, v, f.doc)
	}
	return b.Bytes()
}

// formatProfileDuration writes d in µs (as "us") or ms with 4 significant
// digits, which ParseEngineProfile reads back.
func formatProfileDuration(d time.Duration) string {
	switch {
	case d == 0:
		return "0s"
	case d < time.Millisecond:
		return significant(float64(d)/float64(time.Microsecond)) + "us"
	default:
		return significant(float64(d)/float64(time.Millisecond)) + "ms"
	}
}

// significant writes x with 4 significant digits, without an exponent.
func significant(x float64) string {
	r, _ := strconv.ParseFloat(strconv.FormatFloat(x, 'g', 4, 64), 64)
	return strconv.FormatFloat(r, 'f', -1, 64)
}

//go:embed profiles/*.yaml
var shippedProfiles embed.FS

// EngineProfileNames lists the engine profiles shipped in the binary
// (profiles/NAME.yaml), for --engine-profile NAME.
func EngineProfileNames() []string {
	ents, _ := shippedProfiles.ReadDir("profiles")
	var out []string
	for _, e := range ents {
		out = append(out, strings.TrimSuffix(e.Name(), ".yaml"))
	}
	sort.Strings(out)
	return out
}

// LoadEngineProfile reads an engine profile over base: a shipped one by
// name (EngineProfileNames; a name has no path separator or dot), else the
// file at path.
func LoadEngineProfile(nameOrPath string, base Timing) (Timing, error) {
	if !strings.ContainsAny(nameOrPath, `/\.`) {
		b, err := shippedProfiles.ReadFile("profiles/" + nameOrPath + ".yaml")
		if err != nil {
			return base, fmt.Errorf("sim: engine profile %q: no such file, nor a shipped profile (%s)", nameOrPath, strings.Join(EngineProfileNames(), ", "))
		}
		t, err := ParseEngineProfile(b, base)
		if err != nil {
			return base, fmt.Errorf("shipped %s: %w", nameOrPath, err)
		}
		return t, nil
	}
	return ReadEngineProfile(nameOrPath, base)
}
