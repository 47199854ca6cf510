package pricing

import (
	"fmt"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
)

// MaxGPUsPerSweep bounds the GPU count of a SWEEP=GPUxN argument: far above
// any one endpoint, low enough that a typo ("h100x80000000") is caught.
const MaxGPUsPerSweep = 1 << 20

// SweepArg is one sweep to compare, as `tokenbench cost compare` takes it:
// SWEEP=GPU[xN], the sweep's results directory, the GPU type it was
// measured on and how many GPUs served it.
type SweepArg struct {
	// Arg is the argument as given, for errors.
	Arg string `json:"-"`
	// Dir is the sweep's results directory.
	Dir string `json:"dir"`
	// GPU is the GPU type as given (a catalog name or alias).
	GPU string `json:"gpu"`
	// GPUs is how many GPUs served the endpoint; 1 when no xN was given.
	GPUs int `json:"gpus"`
}

// String renders a as it parses back: "results/h100=H100 SXMx8".
func (a SweepArg) String() string {
	return a.Dir + "=" + a.GPU + "x" + strconv.Itoa(a.GPUs)
}

// gpuCountRE splits "MI300Xx8", "H100 SXM x8" or "h100×8" into the GPU and
// the count: the count is the digits after the last x, X or × (spaces
// before it allowed). A name ending in an x and no digits (MI300X) has no
// count.
var gpuCountRE = regexp.MustCompile(`(?s)^(.*?)\s*[xX×]([0-9]+)$`)

// countOnlyRE is an argument that is a GPU count alone: the tail of
// "SWEEP=MI300X x8" split by an unquoting shell.
var countOnlyRE = regexp.MustCompile(`^\s*[xX×][0-9]+\s*$`)

// ParseSweepArg parses one SWEEP=GPU[xN] argument. The directory is
// everything before the last '=' (a directory name may hold one, a GPU name
// never does). Errors quote the argument and show the expected form.
func ParseSweepArg(s string) (SweepArg, error) {
	a := SweepArg{Arg: s, GPUs: 1}
	i := strings.LastIndex(s, "=")
	if i < 0 {
		return a, argErr(s, "want SWEEP=GPU[xN]: a sweep directory, the GPU type it was measured on and how many GPUs served it, e.g. results/h100-sweep=h100x8")
	}
	a.Dir, a.GPU = strings.TrimSpace(s[:i]), strings.TrimSpace(s[i+1:])
	if a.Dir == "" {
		return a, argErr(s, `no sweep directory before "="`)
	}
	if m := gpuCountRE.FindStringSubmatch(a.GPU); m != nil {
		digits := strings.TrimLeft(m[2], "0")
		n, err := strconv.Atoi(digits)
		switch {
		case digits == "":
			return a, argErr(s, "GPU count 0: want at least 1")
		case err != nil || n > MaxGPUsPerSweep:
			return a, argErr(s, fmt.Sprintf("GPU count %s: want at most %d", m[2], MaxGPUsPerSweep))
		}
		a.GPU, a.GPUs = strings.TrimSpace(m[1]), n
	}
	if a.GPU == "" {
		return a, argErr(s, `no GPU type after "=" (see tokenbench pricing list), e.g. results/h100-sweep=h100x8`)
	}
	return a, nil
}

// ParseSweepArgs parses every SWEEP=GPU[xN] argument. A bare "x8" after an
// argument is taken for an unquoted "SWEEP=MI300X x8" and says so; the same
// directory given twice is an error, since one sweep measured one GPU type.
func ParseSweepArgs(args []string) ([]SweepArg, error) {
	if len(args) == 0 {
		return nil, fmt.Errorf("pricing: no sweep to compare: give SWEEP=GPU[xN] arguments, e.g. results/h100-sweep=h100x8 results/mi300x-sweep=MI300Xx8")
	}
	var out []SweepArg
	seen := map[string]string{}
	for i, s := range args {
		if i > 0 && countOnlyRE.MatchString(s) && !strings.Contains(s, "=") {
			prev := args[i-1]
			return nil, argErr(s, fmt.Sprintf("looks like the GPU count of %q, split off by the shell: write %q (quoted) or %s",
				prev, prev+" "+strings.TrimSpace(s), prev+strings.TrimSpace(s)))
		}
		a, err := ParseSweepArg(s)
		if err != nil {
			return nil, err
		}
		key := filepath.Clean(a.Dir)
		if first, ok := seen[key]; ok {
			return nil, argErr(s, fmt.Sprintf("sweep %s is already given as %q: a sweep measures one GPU type", a.Dir, first))
		}
		seen[key] = s
		out = append(out, a)
	}
	return out, nil
}

// ResolveSweepArg returns a with GPU set to the catalog's name for it. A
// name whose tail reads as a count ("RTX4090" as RT x 4090) is taken whole
// when the split name is unknown and the whole one is known. An unknown
// GPU is a *LookupError that names the argument and lists the known GPUs.
func (c *Catalog) ResolveSweepArg(a SweepArg) (SweepArg, error) {
	if g := c.find(a.GPU); g != nil {
		a.GPU = g.Name
		return a, nil
	}
	if i := strings.LastIndex(a.Arg, "="); i >= 0 {
		if g := c.find(strings.TrimSpace(a.Arg[i+1:])); g != nil {
			a.GPU, a.GPUs = g.Name, 1
			return a, nil
		}
	}
	return a, lookupErr("argument %q: GPU %q is not in the catalog; known: %s (see tokenbench pricing list)",
		a.Arg, a.GPU, c.gpuNames())
}

func argErr(arg, msg string) error {
	return fmt.Errorf("pricing: argument %q: %s", arg, msg)
}
