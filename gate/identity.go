package gate

import (
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"math"
	"net/url"
	"os"
	"path/filepath"
	"sort"
	"time"

	"github.com/tokenbench/tokenbench/bench"

	"github.com/tokenbench/tokenbench/internal/jsonline"
)

// Identity is what run history needs to know about a results directory.
type Identity struct {
	// Key is a hash of run.json: unique per run, equal for the same run.
	Key string
	// Scenario is a hash of what was run (ScenarioKey).
	Scenario    string
	Name        string
	StartedAt   time.Time
	ToolVersion string
	Engine      string
	Model       string
}

// ReadIdentity reads DIR/run.json.
func ReadIdentity(dir string) (Identity, error) {
	b, err := os.ReadFile(filepath.Join(dir, bench.RunFile))
	if err != nil {
		return Identity{}, fmt.Errorf("gate: %w", err)
	}
	var info bench.RunInfo
	if err := json.Unmarshal(b, &info); err != nil {
		return Identity{}, fmt.Errorf("gate: %s: %w", filepath.Join(dir, bench.RunFile), jsonline.Error(b, err))
	}
	sum := sha256.Sum256(b)
	id := Identity{Key: hex.EncodeToString(sum[:]), Scenario: ScenarioKey(info), Name: info.Name, StartedAt: info.StartTime,
		ToolVersion: info.Version, Model: info.Target.Model, Engine: "built-in"}
	if id.Name == "" {
		id.Name = filepath.Base(filepath.Clean(dir))
	}
	if !info.Target.Builtin {
		id.Engine = endpointOf(info.Target.URL)
	}
	return id, nil
}

// ScenarioKey identifies what a run ran: the load, the workload's spec,
// the model, the API and extra body, the SLOs, and the endpoint (its URL,
// or the built-in engine's configuration; the built-in engine's port is
// left out), and the clock when it was virtual. Runs with equal keys are
// comparable; the name, host, start time, tool version and seeds are not
// part of it.
func ScenarioKey(info bench.RunInfo) string {
	w, _ := info.Workload.(map[string]any)
	id := map[string]any{
		"load":     info.Load,
		"workload": w["spec"],
		"model":    info.Target.Model,
		"api":      info.Target.API,
		"extra":    info.Target.Extra,
		"slo":      info.SLO,
	}
	if info.Target.Builtin {
		id["engine"] = info.Engine
	} else {
		id["url"] = endpointOf(info.Target.URL)
	}
	if info.Clock == bench.ClockVirtual {
		id["clock"] = info.Clock // simulated and measured times do not compare
	}
	b, _ := json.Marshal(id)
	var generic any
	if json.Unmarshal(b, &generic) == nil {
		dropSeeds(generic)
		b, _ = json.Marshal(generic) // maps marshal with sorted keys
	}
	sum := sha256.Sum256(b)
	return hex.EncodeToString(sum[:8])
}

// dropSeeds removes every seed from a decoded JSON value: runs of one
// scenario with other seeds are other samples of it (other prompts, other
// arrival draws), as two runs of one seed on a real engine are.
func dropSeeds(v any) {
	switch t := v.(type) {
	case map[string]any:
		for k, x := range t {
			if k == "seed" || k == "Seed" {
				delete(t, k)
				continue
			}
			dropSeeds(x)
		}
	case []any:
		for _, x := range t {
			dropSeeds(x)
		}
	}
}

// endpointOf names the endpoint a run measured, for its identity: the URL
// without its userinfo, query and fragment. This is not redaction
// (run.json holds the URL through bench.RedactURL already): credentials and
// per-call options do not make another endpoint, and the scenario key
// hashes this name, so changing it would split every recorded history.
func endpointOf(raw string) string {
	u, err := url.Parse(raw)
	if err != nil {
		return "endpoint"
	}
	u.User, u.RawQuery, u.Fragment = nil, "", ""
	return u.String()
}

// Stats returns every number of the view by its path (ttft_ms.p99,
// cost.usd_per_mtok_output), for run history.
func (v *View) Stats() map[string]float64 {
	out := map[string]float64{}
	var walk func(prefix string, x any)
	walk = func(prefix string, x any) {
		switch t := x.(type) {
		case map[string]any:
			keys := make([]string, 0, len(t))
			for k := range t {
				keys = append(keys, k)
			}
			sort.Strings(keys)
			for _, k := range keys {
				p := k
				if prefix != "" {
					p = prefix + "." + k
				}
				walk(p, t[k])
			}
		case float64:
			if !math.IsNaN(t) && !math.IsInf(t, 0) {
				out[prefix] = t
			}
		}
	}
	walk("", v.Doc)
	return out
}
