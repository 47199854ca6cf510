package workloads

import (
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

// sessSource builds a session Source over a JSONL text.
func sessSource(t *testing.T, text string, spec Spec) Source {
	t.Helper()
	src, err := NewSessionSource(ReadSessions(strings.NewReader(text), "s.jsonl"), spec)
	if err != nil {
		t.Fatal(err)
	}
	return src
}

// sessItems drains a Source; err is the first error other than ErrExhausted.
func sessItems(src Source) (items []Item, err error) {
	for {
		it, err := src.Next()
		if errors.Is(err, ErrExhausted) {
			return items, nil
		}
		if err != nil {
			return items, err
		}
		items = append(items, it)
	}
}

func TestSessionSourceTimed(t *testing.T) {
	const text = `{"session_id": "a", "start_ms": 0, "turns": [{"user": "x"}]}
{"session_id": "b", "start_ms": 1000, "turns": [{"user": "x"}, {"user": "y", "think_ms": 400}]}
{"session_id": "c", "start_ms": 1000, "turns": [{"user": "x"}]}
{"session_id": "d", "start_ms": 3000.5, "turns": [{"user": "x"}]}
{"session_id": "e", "start_ms": 9000, "turns": [{"user": "x"}]}
`
	tests := []struct {
		name    string
		spec    Spec
		ids     []string
		offsets []time.Duration
	}{
		{"whole trace", Spec{}, []string{"a", "b", "c", "d", "e"},
			[]time.Duration{0, time.Second, time.Second, 3000500 * time.Microsecond, 9 * time.Second}},
		{"twice as fast", Spec{TimeScale: 2}, []string{"a", "b", "c", "d", "e"},
			[]time.Duration{0, 500 * time.Millisecond, 500 * time.Millisecond, 1500250 * time.Microsecond, 4500 * time.Millisecond}},
		{"window", Spec{TraceStart: time.Second, TraceDuration: 3 * time.Second}, []string{"b", "c", "d"},
			[]time.Duration{0, 0, 2000500 * time.Microsecond}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			items, err := sessItems(sessSource(t, text, tt.spec))
			if err != nil {
				t.Fatal(err)
			}
			if len(items) != len(tt.ids) {
				t.Fatalf("%d sessions, want %d", len(items), len(tt.ids))
			}
			for i, it := range items {
				if it.Session != tt.ids[i] || it.Turn != 1 || !it.Timed || it.Offset != tt.offsets[i] {
					t.Errorf("item %d: session %q turn %d timed %v offset %v, want %q at %v",
						i, it.Session, it.Turn, it.Timed, it.Offset, tt.ids[i], tt.offsets[i])
				}
			}
			if tt.spec.TimeScale == 2 {
				if _, d, _ := items[1].Then(Reply{OK: true}); d != 200*time.Millisecond {
					t.Errorf("think time %v, want 400ms / 2", d)
				}
			}
		})
	}
}

func TestSessionSourceUntimed(t *testing.T) {
	items, err := sessItems(sessSource(t, `{"session_id": "a", "turns": [{"user": "x"}]}
{"session_id": "b", "turns": [{"user": "x"}]}`, Spec{History: HistoryLive}))
	if err != nil || len(items) != 2 {
		t.Fatalf("%d items, err %v", len(items), err)
	}
	for _, it := range items {
		if it.Timed {
			t.Errorf("session %s without start_ms must be paced by the run", it.Session)
		}
	}
}

func TestSessionSourceErrors(t *testing.T) {
	tests := []struct {
		name, text string
		spec       Spec
		want       string
	}{
		{"start_ms on some only", `{"session_id": "a", "start_ms": 0, "turns": [{"user": "x"}]}
{"session_id": "b", "turns": [{"user": "x"}]}`, Spec{}, "s.jsonl line 2: start_ms: given on some sessions only"},
		{"out of order", `{"session_id": "a", "start_ms": 10, "turns": [{"user": "x"}]}
{"session_id": "b", "start_ms": 5, "turns": [{"user": "x"}]}`, Spec{}, "s.jsonl line 2: start_ms: 5 is before the previous session's"},
		{"bad line", `{"session_id": "a", "turns": [{"user": "x"}]}
{"session_id": 7}`, Spec{}, "s.jsonl line 2: session_id: want string, got number"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			items, err := sessItems(sessSource(t, tt.text, tt.spec))
			if err == nil || !strings.Contains(err.Error(), tt.want) {
				t.Fatalf("error %v, want %q", err, tt.want)
			}
			if len(items) != 1 {
				t.Errorf("%d sessions before the error, want 1", len(items))
			}
		})
	}
}

func TestSessionSourceSpecErrors(t *testing.T) {
	for _, spec := range []Spec{{History: "replay"}, {TimeScale: -1}, {MaxTokens: -1}} {
		if _, err := NewSessionSource(ReadSessions(strings.NewReader(""), "s.jsonl"), spec); err == nil {
			t.Errorf("spec %+v accepted", spec)
		}
	}
}

func TestOpenSessionKinds(t *testing.T) {
	dir := t.TempDir()
	dirTraj := filepath.Join(dir, "trajs")
	os.Mkdir(dirTraj, 0o755)
	b, _ := os.ReadFile("testdata/sessions/swe_simple.traj")
	os.WriteFile(filepath.Join(dirTraj, "one.traj"), b, 0o644)
	os.WriteFile(filepath.Join(dirTraj, "two.traj"), b, 0o644)
	tests := []struct {
		kind, path string
		sessions   int
		timed      bool
	}{
		{"sessions", "testdata/sessions/basic.jsonl", 2, false},
		{"bfcl", "testdata/sessions/bfcl_sample.json", 6, false},
		{"swe-agent", "testdata/sessions/swe_simple.traj", 1, false},
		{"swe-agent", dirTraj, 2, false},
		{"mooncake-sessions", "testdata/sessions/mooncake_small.jsonl", 5, true},
	}
	for _, tt := range tests {
		t.Run(tt.kind, func(t *testing.T) {
			src, err := Open(Spec{Kind: tt.kind, Path: tt.path, BlockTokens: 4})
			if err != nil {
				t.Fatal(err)
			}
			items, err := sessItems(src)
			if err != nil {
				t.Fatal(err)
			}
			if len(items) != tt.sessions {
				t.Fatalf("%d sessions, want %d", len(items), tt.sessions)
			}
			for _, it := range items {
				if it.Session == "" || it.Turn != 1 || it.Timed != tt.timed || len(it.Request.Messages) == 0 {
					t.Errorf("first item %+v", it)
				}
			}
		})
	}
	for _, kind := range []string{"sessions", "bfcl", "swe-agent", "mooncake-sessions"} {
		if _, err := Open(Spec{Kind: kind}); err == nil || !strings.Contains(err.Error(), "needs a file") {
			t.Errorf("%s without a file: %v", kind, err)
		}
		if _, err := Open(Spec{Kind: kind, Path: "testdata/sessions/missing"}); err == nil || !strings.Contains(err.Error(), "missing") {
			t.Errorf("%s with a missing file: %v", kind, err)
		}
	}
}
