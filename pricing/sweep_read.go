package pricing

import (
	"encoding/json"
	"errors"
	"fmt"
	"io/fs"
	"path"
	"slices"
	"strconv"
	"unicode"

	"github.com/tokenbench/tokenbench/internal/jsonline"
)

// RunReader decodes one point's summary.json (named name, for errors)
// into a SweepRun. pricing is a leaf and does not read summaries itself:
// report.ReadSweepRun is the reader, through report's one Summary type.
type RunReader func(name string, b []byte) (SweepRun, error)

// ReadSweep reads the sweep in fsys, each point's summary.json through read (a sweep's results directory, e.g.
// os.DirFS(dir)); name labels it and its errors. With a sweep.json, its
// points name the sub-run directories, in order, and each must hold a
// summary.json. Without one, every subdirectory holding a summary.json is a
// point, in the order of their names (digits compared as numbers, so c4
// comes before c16).
//
// A sub-run that measured nothing usable (every request failed, or no
// request had two output tokens, so no TPOT) is listed in Skipped rather
// than dropped silently. Errors name the file and, for bad JSON, the line.
func ReadSweep(fsys fs.FS, name string, read RunReader) (*Sweep, error) {
	s := &Sweep{Dir: name}
	var dirs, labels []string
	b, err := fs.ReadFile(fsys, SweepFile)
	switch {
	case err == nil:
		idx, err := parseSweepIndex(path.Join(name, SweepFile), b)
		if err != nil {
			return nil, err
		}
		s.Kind, s.Param = idx.Kind, idx.Param
		for _, p := range idx.Points {
			dirs = append(dirs, p.Dir)
			label := p.Dir
			if p.Param != "" && p.Value != nil {
				label = p.Param + "=" + strconv.FormatFloat(*p.Value, 'f', -1, 64)
			}
			labels = append(labels, label)
		}
	case errors.Is(err, fs.ErrNotExist):
		s.Kind = "directory"
		if dirs, err = runDirs(fsys); err != nil {
			return nil, fmt.Errorf("pricing: %s: %w", name, err)
		}
		if len(dirs) == 0 {
			hint := ""
			if _, err := fs.Stat(fsys, SummaryFile); err == nil {
				hint = " (it holds one run's summary.json: price it with tokenbench cost alone)"
			}
			return nil, fmt.Errorf("pricing: %s is not a sweep: no %s and no subdirectory holding a %s%s",
				name, SweepFile, SummaryFile, hint)
		}
		labels = dirs
	default:
		return nil, fmt.Errorf("pricing: %w", err)
	}
	for i, dir := range dirs {
		file := path.Join(dir, SummaryFile)
		shown := path.Join(name, file)
		b, err := fs.ReadFile(fsys, file)
		if errors.Is(err, fs.ErrNotExist) {
			return nil, fmt.Errorf("pricing: %s not found: %s lists point %q but its run left no summary (tokenbench summarize %s rebuilds it from requests.jsonl)",
				shown, SweepFile, labels[i], path.Join(name, dir))
		}
		if err != nil {
			return nil, fmt.Errorf("pricing: %w", err)
		}
		r, err := read(shown, b)
		if err != nil {
			return nil, fmt.Errorf("pricing: %w", err)
		}
		r.Label, r.Dir = labels[i], dir
		if why := unusable(r); why != "" {
			s.Skipped = append(s.Skipped, Skipped{Dir: dir, Reason: why})
			continue
		}
		s.Runs = append(s.Runs, r)
	}
	if len(s.Runs) == 0 {
		return nil, fmt.Errorf("pricing: %s: no point of the sweep measured anything usable (%s: %s)",
			name, s.Skipped[0].Dir, s.Skipped[0].Reason)
	}
	return s, nil
}

// unusable says why a run cannot be a point, or "".
func unusable(r SweepRun) string {
	switch {
	case r.OK == 0:
		return fmt.Sprintf("no successful request (%d failed)", r.Failed)
	case !(r.OutputTokensPerS > 0):
		return "no output throughput"
	case r.TPOTMS == nil || !(r.TPOTMS.P50 > 0):
		return "no TPOT (no request had two output tokens)"
	}
	return ""
}

// sweepIndex is the part of sweep.json ReadSweep reads.
type sweepIndex struct {
	Kind   string `json:"kind"`
	Param  string `json:"param"`
	Points []struct {
		Param string   `json:"param"`
		Value *float64 `json:"value"`
		Dir   string   `json:"dir"`
	} `json:"points"`
}

func parseSweepIndex(name string, b []byte) (sweepIndex, error) {
	var idx sweepIndex
	if err := json.Unmarshal(b, &idx); err != nil {
		return idx, fmt.Errorf("pricing: %s: %w", name, jsonline.Error(b, err))
	}
	if len(idx.Points) == 0 {
		return idx, fmt.Errorf("pricing: %s: no points", name)
	}
	seen := map[string]bool{}
	for i, p := range idx.Points {
		// A point's dir is a subdirectory: never absolute, never "..".
		if p.Dir == "" || p.Dir == "." || !fs.ValidPath(p.Dir) {
			return idx, fmt.Errorf("pricing: %s: points[%d].dir %q is not a subdirectory of the sweep", name, i, p.Dir)
		}
		if seen[p.Dir] {
			return idx, fmt.Errorf("pricing: %s: points[%d].dir %q is listed twice", name, i, p.Dir)
		}
		seen[p.Dir] = true
	}
	return idx, nil
}

// runDirs lists the subdirectories of fsys that hold a summary.json, in
// natural order.
func runDirs(fsys fs.FS) ([]string, error) {
	ents, err := fs.ReadDir(fsys, ".")
	if err != nil {
		return nil, err
	}
	var dirs []string
	for _, e := range ents {
		if !e.IsDir() {
			continue
		}
		if _, err := fs.Stat(fsys, path.Join(e.Name(), SummaryFile)); err == nil {
			dirs = append(dirs, e.Name())
		}
	}
	slices.SortFunc(dirs, naturalCompare)
	return dirs, nil
}

// naturalCompare orders names with runs of digits compared as numbers:
// c4 < c16 < c128.
func naturalCompare(a, b string) int {
	for a != "" && b != "" {
		da, db := leadingDigits(a), leadingDigits(b)
		if da != "" && db != "" {
			na, nb := trimZeros(da), trimZeros(db)
			if c := len(na) - len(nb); c != 0 {
				return c
			}
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
			return int(a[0]) - int(b[0])
		}
		a, b = a[1:], b[1:]
	}
	return len(a) - len(b)
}

func leadingDigits(s string) string {
	i := 0
	for i < len(s) && s[i] < 0x80 && unicode.IsDigit(rune(s[i])) {
		i++
	}
	return s[:i]
}

func trimZeros(s string) string {
	for len(s) > 1 && s[0] == '0' {
		s = s[1:]
	}
	return s
}
