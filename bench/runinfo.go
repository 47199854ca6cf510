package bench

import (
	"encoding/json"
	"fmt"
	"net/http"
	"os"
	"path/filepath"
	"sort"
	"time"

	"github.com/tokenbench/tokenbench/internal/jsonline"
)

// RunFile is the name of the run metadata file in a results directory.
const RunFile = "run.json"

// RunInfo is run.json: what was run, against what, with which settings,
// written when the run starts. It never holds a secret: header values and
// the API key are left out.
type RunInfo struct {
	Tool      string    `json:"tool"`
	Version   string    `json:"version"`
	GoVersion string    `json:"go_version"`
	Host      string    `json:"host"`
	StartTime time.Time `json:"start_time"`
	Name      string    `json:"name,omitempty"`

	Target   TargetInfo `json:"target"`
	Load     LoadInfo   `json:"load"`
	Workload any        `json:"workload"`
	// Engine describes the built-in simulated engine when it was the target.
	Engine any `json:"engine,omitempty"`
	// SLO are the per-request bounds goodput was counted against.
	SLO string `json:"slo,omitempty"`
	// Shard is the part of a sharded workload this run sent (shard.go).
	Shard *ShardInfo `json:"shard,omitempty"`
	// Shards lists the shards a merged run was made of (shard.go).
	Shards *ShardSet `json:"shards,omitempty"`
	// Health is the client's measurements of itself, added when the run
	// ends (run.json is rewritten then); absent while it runs or after a
	// crash.
	Health *Health `json:"health,omitempty"`
	// Clock is ClockReal when requests went over HTTP in real time, or
	// ClockVirtual when the workload ran against the built-in engine as a
	// discrete-event simulation (every t_*_ms and *_ms is then simulated
	// time). Empty in files written before it existed: real.
	Clock string `json:"clock,omitempty"`
	// Routing is set when a router chose among several endpoints (--url
	// repeated, --replicas).
	Routing *RoutingInfo `json:"routing,omitempty"`
}

// Clocks a run can be timed on (RunInfo.Clock).
const (
	ClockReal    = "real"
	ClockVirtual = "virtual"
)

// WorkloadFile is the name of the file a run writes at its end with what
// the workload learnt while it was read.
const WorkloadFile = "workload.json"

// WorkloadInfo is workload.json.
type WorkloadInfo struct {
	// IntendedPrefixReuse is the share of prompt tokens the workload meant
	// to be served from a prefix cache, over the requests it handed out.
	IntendedPrefixReuse *float64 `json:"intended_prefix_reuse,omitempty"`
	// Requests is how many requests (turns included) it handed out.
	Requests int `json:"requests"`
	// File describes the input file, when the workload read one.
	File any `json:"file,omitempty"`
	// HeldBack is what a cap or a stop condition held back, when anything.
	HeldBack *HeldBack `json:"held_back,omitempty"`
}

// WriteWorkloadInfo writes workload.json into dir.
func WriteWorkloadInfo(dir string, wi WorkloadInfo) error {
	b, err := json.MarshalIndent(wi, "", "  ")
	if err != nil {
		return fmt.Errorf("bench: %s: %w", WorkloadFile, err)
	}
	return WriteFileAtomic(dir+"/"+WorkloadFile, append(b, '\n'))
}

// ReadWorkloadInfo reads workload.json from dir.
func ReadWorkloadInfo(dir string) (WorkloadInfo, error) {
	var wi WorkloadInfo
	b, err := os.ReadFile(dir + "/" + WorkloadFile)
	if err != nil {
		return wi, err
	}
	if err := json.Unmarshal(b, &wi); err != nil {
		return wi, fmt.Errorf("%s/%s: %w", dir, WorkloadFile, err)
	}
	return wi, nil
}

// TargetInfo is the public part of a Target.
type TargetInfo struct {
	URL      string  `json:"url"`
	Model    string  `json:"model"`
	API      string  `json:"api"`
	Builtin  bool    `json:"builtin_engine"`
	TimeoutS float64 `json:"timeout_s"`
	// HeaderNames lists the extra headers sent, without their values.
	HeaderNames []string       `json:"header_names,omitempty"`
	APIKeySet   bool           `json:"api_key_set"`
	Extra       map[string]any `json:"extra_body,omitempty"`
	// Omitted lists the length-forcing fields not sent because the server
	// refused them; MaxCompletionTokens says the cap went as
	// max_completion_tokens. Adaptations explains each (AdaptTarget).
	Omitted             []string `json:"omitted_fields,omitempty"`
	MaxCompletionTokens bool     `json:"max_completion_tokens,omitempty"`
	Adaptations         []string `json:"adaptations,omitempty"`
}

// LoadInfo is Load in run.json terms.
type LoadInfo struct {
	Mode        string  `json:"mode"` // "closed", "open" or "trace"
	Concurrency int     `json:"concurrency"`
	Arrival     string  `json:"arrival,omitempty"`
	RatePerS    float64 `json:"rate_per_s,omitempty"`
	Burstiness  float64 `json:"burstiness,omitempty"`
	Requests    int     `json:"requests"`
	DurationS   float64 `json:"duration_s"`
	Warmup      int     `json:"warmup"`
	GraceS      float64 `json:"grace_s"`
	Seed        uint64  `json:"seed"`
	// Trace is how a timed workload runs on its own clock (mode "trace").
	Trace *TraceInfo `json:"trace,omitempty"`
}

// TraceInfo is the clock of a trace run: the time scale, the window cut out
// of trace time, and what falls in it.
type TraceInfo struct {
	TimeScale       float64 `json:"time_scale"`
	WindowStartS    float64 `json:"window_start_s"`
	WindowDurationS float64 `json:"window_duration_s,omitempty"` // absent: to the end
	// Requests in the window (sessions, for session workloads), and the
	// replay time from the first to the last one's start (after scaling).
	Requests int     `json:"requests_in_window"`
	SpanS    float64 `json:"span_s"`
}

// PublicTarget returns the part of t that may be written down.
func PublicTarget(t Target, builtin bool) TargetInfo {
	ti := TargetInfo{URL: RedactURL(t.BaseURL), Model: t.Model, API: t.API, Builtin: builtin,
		TimeoutS: t.Timeout.Seconds(), APIKeySet: t.APIKey != "", Extra: t.Extra,
		Omitted: t.Omit, MaxCompletionTokens: t.MaxCompletionTokens}
	if ti.API == "" {
		ti.API = APIChat
	}
	for k := range t.Headers {
		ti.HeaderNames = append(ti.HeaderNames, http.CanonicalHeaderKey(k))
	}
	sort.Strings(ti.HeaderNames)
	return ti
}

// WriteRunInfo writes run.json into dir.
func WriteRunInfo(dir string, ri RunInfo) error {
	b, err := json.MarshalIndent(ri, "", "  ")
	if err != nil {
		return fmt.Errorf("bench: run.json: %w", err)
	}
	return WriteFileAtomic(dir+"/"+RunFile, append(b, '\n'))
}

// ReadRunInfo reads run.json from dir.
func ReadRunInfo(dir string) (RunInfo, error) {
	var ri RunInfo
	b, err := os.ReadFile(dir + "/" + RunFile)
	if err != nil {
		return ri, err
	}
	if err := json.Unmarshal(b, &ri); err != nil {
		return ri, fmt.Errorf("%s/%s: %w", dir, RunFile, jsonline.Error(b, err))
	}
	return ri, nil
}

// WriteFileAtomic writes b to path through a temporary file (path.tmp),
// synced, and a rename, so a reader never sees half a file. On failure the
// temporary file is removed.
func WriteFileAtomic(path string, b []byte) error {
	tmp := path + ".tmp"
	f, err := os.OpenFile(tmp, os.O_CREATE|os.O_TRUNC|os.O_WRONLY, 0o644)
	if err != nil {
		return err
	}
	_, err = f.Write(b)
	if err == nil {
		err = f.Sync()
	}
	if cerr := f.Close(); err == nil {
		err = cerr
	}
	if err == nil {
		err = os.Rename(tmp, path)
	}
	if err != nil {
		os.Remove(tmp)
		return err
	}
	return nil
}

// RemoveStaleTemp removes the *.tmp files a WriteFileAtomic interrupted by
// a crash left in dir, and returns their names.
func RemoveStaleTemp(dir string) ([]string, error) {
	names, err := filepath.Glob(filepath.Join(dir, "*.tmp"))
	if err != nil {
		return nil, err
	}
	var removed []string
	for _, n := range names {
		if err := os.Remove(n); err != nil && !os.IsNotExist(err) {
			return removed, err
		}
		removed = append(removed, filepath.Base(n))
	}
	return removed, nil
}
