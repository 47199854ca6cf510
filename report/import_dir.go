package report

import (
	"encoding/json"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"strings"

	"github.com/tokenbench/tokenbench/bench"
)

// Optional files of a results directory that reports render generically.
const (
	EngineFile = "engine.json"
	CostFile   = "cost.json"
)

// Run is one run ready to render: its Summary and whatever else its
// directory holds.
type Run struct {
	// Label names the run in tables and legends: run.json's name, the
	// vLLM label, or the base name of the path.
	Label string
	Path  string
	// Summary always is non-nil; Summary.Source is set for imports.
	Summary *Summary
	// Source says where the Summary came from.
	Source Provenance
	// Info is run.json; nil when absent (imports).
	Info *bench.RunInfo
	// Gauges are the engine scrapes of metrics.jsonl; nil when absent.
	Gauges *Gauges
	// Engine and Cost are engine.json (or the "engine" key of summary.json,
	// or run.json's engine) and cost.json, decoded generically; nil when
	// absent.
	Engine, Cost any
	// Warnings are problems met while reading optional files.
	Warnings []string
}

// Sweep is a directory of runs of one set-up at increasing load.
type Sweep struct {
	Label  string
	Path   string
	Points []*Run
}

// Set is what a report renders: single runs (compared when more than one)
// and sweeps.
type Set struct {
	Runs   []*Run
	Sweeps []*Sweep
}

// Load reads each path as a run (a results directory or an imported file)
// or, for a directory whose subdirectories hold runs, a sweep.
func Load(paths ...string) (*Set, error) {
	set := &Set{}
	for _, p := range paths {
		if isSweep(p) {
			sw, err := LoadSweep(p)
			if err != nil {
				return nil, err
			}
			set.Sweeps = append(set.Sweeps, sw)
			continue
		}
		r, err := LoadRun(p)
		if err != nil {
			return nil, err
		}
		set.Runs = append(set.Runs, r)
	}
	return set, nil
}

// LoadRun reads one run: a tokenbench results directory, an AIPerf
// artifact directory, or a result file Import recognises.
func LoadRun(path string) (*Run, error) {
	s, prov, err := Import(path)
	if err != nil {
		return nil, err
	}
	r := &Run{Path: path, Summary: s, Source: prov, Label: labelOf(path, prov)}
	if prov.Format == FormatTokenbench {
		// Torn lines of requests.jsonl; an import's notes are shown
		// with its provenance instead.
		r.Warnings = append(r.Warnings, prov.Notes...)
	}
	if st, err := os.Stat(path); err != nil || !st.IsDir() {
		return r, nil
	}
	// The engine section: what the run measured (Summary.Engine) and how
	// the built-in engine was set up (run.json), unless engine.json, from
	// whatever wrote it, says otherwise.
	engine := map[string]any{}
	if info, err := bench.ReadRunInfo(path); err == nil {
		r.Info = &info
		if info.Name != "" {
			r.Label = info.Name
		}
		if info.Engine != nil {
			engine["built-in engine"] = info.Engine
		}
	} else if !errors.Is(err, fs.ErrNotExist) {
		r.Warnings = append(r.Warnings, err.Error())
	}
	if f, err := os.Open(filepath.Join(path, MetricsFile)); err == nil {
		g, warns, err := ReadGauges(f)
		f.Close()
		r.Gauges = g
		r.Warnings = append(r.Warnings, warns...)
		if err != nil {
			r.Warnings = append(r.Warnings, err.Error())
		}
	}
	if s.Engine != nil {
		engine["measured"] = s.Engine
	} else if v, ok := r.readJSON(filepath.Join(path, SummaryFile)); ok {
		if m, isMap := v.(map[string]any); isMap && m["engine"] != nil {
			engine["measured"] = m["engine"]
		}
	}
	if len(engine) > 0 {
		r.Engine = engine
	}
	if v, ok := r.readJSON(filepath.Join(path, EngineFile)); ok {
		r.Engine = v
	}
	if v, ok := r.readJSON(filepath.Join(path, CostFile)); ok {
		r.Cost = v
	}
	return r, nil
}

// readJSON decodes an optional JSON file; a bad one becomes a warning.
func (r *Run) readJSON(path string) (any, bool) {
	b, err := os.ReadFile(path)
	if err != nil {
		return nil, false
	}
	var v any
	if err := json.Unmarshal(b, &v); err != nil {
		r.Warnings = append(r.Warnings, fmt.Sprintf("%s: %v", filepath.Base(path), err))
		return nil, false
	}
	return v, true
}

// labelOf is the vLLM label or the path's base name without extension.
func labelOf(path string, prov Provenance) string {
	if l := prov.Meta["label"]; l != "" {
		return l
	}
	base := filepath.Base(filepath.Clean(path))
	for _, ext := range []string{".jsonl", ".json"} {
		base = strings.TrimSuffix(base, ext)
	}
	return base
}

// isSweep reports whether dir holds no run itself but subdirectories that
// do.
func isSweep(dir string) bool {
	return len(sweepPoints(dir)) > 0 &&
		!exists(filepath.Join(dir, bench.RecordsFile)) && !exists(filepath.Join(dir, SummaryFile))
}

func sweepPoints(dir string) []string {
	ents, err := os.ReadDir(dir)
	if err != nil {
		return nil
	}
	var out []string
	for _, e := range ents {
		p := filepath.Join(dir, e.Name())
		if e.IsDir() && (exists(filepath.Join(p, SummaryFile)) || exists(filepath.Join(p, bench.RecordsFile))) {
			out = append(out, p)
		}
	}
	return out
}

// LoadSweep reads the runs under dir, ordered by offered load (concurrency,
// then rate, from run.json) when every point has one, else by name with
// numbers compared as numbers (c8 before c16).
func LoadSweep(dir string) (*Sweep, error) {
	sw := &Sweep{Label: filepath.Base(filepath.Clean(dir)), Path: dir}
	if info, err := bench.ReadRunInfo(dir); err == nil && info.Name != "" {
		sw.Label = info.Name
	}
	for _, p := range sweepPoints(dir) {
		// summary.json suffices for sweep charts and is far cheaper than
		// re-reading every record of every point.
		var r *Run
		var err error
		if sp := filepath.Join(p, SummaryFile); exists(sp) {
			var s *Summary
			if s, err = readSummaryFile(sp); err == nil {
				r = &Run{Path: p, Summary: s, Label: filepath.Base(p),
					Source: Provenance{Format: FormatTokenbench, Path: p}}
				if info, ierr := bench.ReadRunInfo(p); ierr == nil {
					r.Info = &info
					if info.Name != "" {
						r.Label = info.Name
					}
				}
				if v, ok := r.readJSON(filepath.Join(p, CostFile)); ok {
					r.Cost = v // the sweep table's cost column
				}
			}
		} else {
			r, err = LoadRun(p)
		}
		if err != nil {
			return nil, err
		}
		sw.Points = append(sw.Points, r)
	}
	if sw.orderByIndex(dir) {
		return sw, nil
	}
	byLoad := true
	for _, r := range sw.Points {
		if offeredLoad(r) == 0 {
			byLoad = false
		}
	}
	slices.SortStableFunc(sw.Points, func(a, b *Run) int {
		if byLoad {
			if la, lb := offeredLoad(a), offeredLoad(b); la != lb {
				if la < lb {
					return -1
				}
				return 1
			}
		}
		return naturalCompare(filepath.Base(a.Path), filepath.Base(b.Path))
	})
	return sw, nil
}

// offeredLoad is a point's concurrency or request rate; 0 when unknown.
func offeredLoad(r *Run) float64 {
	if r.Info == nil {
		return 0
	}
	if r.Info.Load.RatePerS > 0 {
		return r.Info.Load.RatePerS
	}
	return float64(r.Info.Load.Concurrency)
}

// naturalCompare orders strings with runs of digits compared as numbers.
func naturalCompare(a, b string) int {
	for a != "" && b != "" {
		da, db := digitPrefix(a), digitPrefix(b)
		if da != "" && db != "" {
			na, _ := strconv.ParseUint(da, 10, 64)
			nb, _ := strconv.ParseUint(db, 10, 64)
			if na != nb {
				if na < nb {
					return -1
				}
				return 1
			}
			a, b = a[len(da):], b[len(db):]
			continue
		}
		if a[0] != b[0] {
			if a[0] < b[0] {
				return -1
			}
			return 1
		}
		a, b = a[1:], b[1:]
	}
	return len(a) - len(b)
}

func digitPrefix(s string) string {
	i := 0
	for i < len(s) && s[i] >= '0' && s[i] <= '9' {
		i++
	}
	return s[:i]
}

// SweepIndexFile is the index `tokenbench run --sweep` writes at the top of
// a sweep directory.
const SweepIndexFile = "sweep.json"

// orderByIndex orders and labels the points as sweep.json lists them
// ({"param": "concurrency", "points": [{"dir": "c8", "value": 8}...]}),
// read generically; false when there is no usable index.
func (sw *Sweep) orderByIndex(dir string) bool {
	b, err := os.ReadFile(filepath.Join(dir, SweepIndexFile))
	if err != nil {
		return false
	}
	var idx struct {
		Param  string `json:"param"`
		Points []struct {
			Param string  `json:"param"`
			Value float64 `json:"value"`
			Dir   string  `json:"dir"`
		} `json:"points"`
	}
	if json.Unmarshal(b, &idx) != nil || len(idx.Points) == 0 {
		return false
	}
	byDir := map[string]*Run{}
	for _, r := range sw.Points {
		byDir[filepath.Base(r.Path)] = r
	}
	var ordered []*Run
	for _, p := range idx.Points {
		r := byDir[filepath.Base(p.Dir)]
		if r == nil {
			continue
		}
		param := p.Param
		if param == "" {
			param = idx.Param
		}
		if param != "" && (r.Info == nil || r.Info.Name == "") {
			r.Label = param + "=" + strconv.FormatFloat(p.Value, 'g', -1, 64)
		}
		ordered = append(ordered, r)
		delete(byDir, filepath.Base(p.Dir))
	}
	if len(ordered) == 0 {
		return false
	}
	// Runs the index does not list keep their place after those it does.
	for _, r := range sw.Points {
		if byDir[filepath.Base(r.Path)] != nil {
			ordered = append(ordered, r)
		}
	}
	sw.Points = ordered
	return true
}
