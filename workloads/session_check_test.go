package workloads

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

// TestOpenSessionsValidatesUpFront: every session kind is read through and
// validated when it is opened, so a bad line anywhere fails before anything
// is sent, naming file and line; an empty file, or a window with no session,
// is an error too.
func TestOpenSessionsValidatesUpFront(t *testing.T) {
	dir := t.TempDir()
	write := func(name, text string) string {
		p := filepath.Join(dir, name)
		if err := os.WriteFile(p, []byte(text), 0o644); err != nil {
			t.Fatal(err)
		}
		return p
	}
	good := `{"session_id": "a", "start_ms": 0, "turns": [{"user": "x"}]}` + "\n" +
		`{"session_id": "b", "start_ms": 5000, "turns": [{"user": "x"}]}` + "\n"
	tests := []struct {
		name, kind, path string
		spec             Spec
		want             string
	}{
		{"bad last line", "sessions", write("bad.jsonl", good+`{"session_id": "c", "start_ms": 6000, "turns": [{"usr": "x"}]}`+"\n"),
			Spec{}, "bad.jsonl line 3: turns[0]: unknown field \"usr\""},
		{"out of order last line", "sessions", write("order.jsonl", good+`{"session_id": "c", "start_ms": 1, "turns": [{"user": "x"}]}`+"\n"),
			Spec{}, "order.jsonl line 3: start_ms: 1 is before the previous session's"},
		{"bad line past the window", "sessions", write("late.jsonl", good+`{"session_id": "a", "start_ms": 9000, "turns": [{"user": "x"}]}`+"\n"),
			Spec{TraceDuration: time.Second}, `late.jsonl line 3: session_id: "a" already used on line 1`},
		{"empty", "sessions", write("empty.jsonl", "\n\n"), Spec{}, "empty.jsonl: no sessions in the file"},
		{"empty window", "sessions", write("w.jsonl", good), Spec{TraceStart: time.Hour}, "w.jsonl: none of its 2 sessions starts in the window"},
		{"traj of another format", "swe-agent", write("x.traj", `{"session_id": "a", "turns": []}`), Spec{}, "x.traj: history: empty"},
		{"no traj in dir", "swe-agent", dir + "/none", Spec{}, "none"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			tt.spec.Kind, tt.spec.Path = tt.kind, tt.path
			_, err := Open(tt.spec)
			if err == nil || !strings.Contains(err.Error(), tt.want) {
				t.Errorf("Open: %v, want %q", err, tt.want)
			}
		})
	}
}

// TestSessionPlan: the validating pass counts the sessions the Source will
// play (those in the window) and their span on the replay clock.
func TestSessionPlan(t *testing.T) {
	p := filepath.Join(t.TempDir(), "s.jsonl")
	text := `{"session_id": "a", "start_ms": 0, "turns": [{"user": "x"}]}
{"session_id": "b", "start_ms": 1000, "turns": [{"user": "x"}, {"user": "y"}]}
{"session_id": "c", "start_ms": 3000, "turns": [{"user": "x"}]}
{"session_id": "d", "start_ms": 9000, "turns": [{"user": "x"}]}
`
	if err := os.WriteFile(p, []byte(text), 0o644); err != nil {
		t.Fatal(err)
	}
	for _, tt := range []struct {
		name string
		spec Spec
		want Plan
	}{
		{"whole", Spec{}, Plan{Items: 4, Sessions: true, Timed: true, Span: 9 * time.Second, TimeScale: 1}},
		{"window x2", Spec{TraceStart: time.Second, TraceDuration: 3 * time.Second, TimeScale: 2},
			Plan{Items: 2, Sessions: true, Timed: true, Span: time.Second, TimeScale: 2, WindowStart: time.Second, WindowDuration: 3 * time.Second}},
	} {
		t.Run(tt.name, func(t *testing.T) {
			tt.spec.Kind, tt.spec.Path = "sessions", p
			src, err := Open(tt.spec)
			if err != nil {
				t.Fatal(err)
			}
			got, ok := PlanOf(src)
			if !ok || got != tt.want {
				t.Errorf("plan %+v (%v), want %+v", got, ok, tt.want)
			}
			items, err := sessItems(src)
			if err != nil || len(items) != tt.want.Items {
				t.Errorf("played %d sessions (%v), plan says %d", len(items), err, tt.want.Items)
			}
		})
	}
	// Untimed sessions: a count, no clock.
	q := filepath.Join(t.TempDir(), "u.jsonl")
	os.WriteFile(q, []byte(`{"session_id": "a", "turns": [{"user": "x"}]}`+"\n"), 0o644)
	src, err := Open(Spec{Kind: "sessions", Path: q})
	if err != nil {
		t.Fatal(err)
	}
	if got, _ := PlanOf(src); got != (Plan{Items: 1, Sessions: true}) {
		t.Errorf("untimed plan %+v", got)
	}
}

// TestMooncakeSessionsPlan: grouped Mooncake sessions are counted from the
// heads, without building their prompts, and the Source still plays them.
func TestMooncakeSessionsPlan(t *testing.T) {
	src, err := Open(Spec{Kind: "mooncake-sessions", Path: "testdata/sessions/mooncake_small.jsonl"})
	if err != nil {
		t.Fatal(err)
	}
	p, ok := PlanOf(src)
	items, err := sessItems(src)
	if !ok || err != nil || p.Items != len(items) || !p.Timed || p.Items == 0 {
		t.Errorf("plan %+v, played %d (%v)", p, len(items), err)
	}
	if last := items[len(items)-1].Offset; p.Span != last {
		t.Errorf("span %v, last offset %v", p.Span, last)
	}
}
