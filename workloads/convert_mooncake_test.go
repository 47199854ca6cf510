package workloads

import (
	"errors"
	"io"
	"os"
	"reflect"
	"strings"
	"testing"
)

func TestMooncakeGrouping(t *testing.T) {
	f, err := os.Open("testdata/sessions/mooncake_small.jsonl")
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	reqs, err := readMooncake(f, "mooncake_small.jsonl")
	if err != nil {
		t.Fatal(err)
	}
	var got [][]int
	for _, s := range groupMooncake(reqs, 4) {
		var lines []int
		for _, r := range s {
			lines = append(lines, r.line)
		}
		got = append(got, lines)
	}
	// Line 3 continues line 1 through its full blocks [0 1] although line
	// 1's partial block 2 changed; lines 2 and 4 share only block 0, which
	// line 1 brought, so neither joins it; line 8 is early in time.
	want := [][]int{{1, 3, 5, 6}, {8}, {2}, {4}, {7}}
	if !reflect.DeepEqual(got, want) {
		t.Errorf("sessions by line %v, want %v", got, want)
	}
	for _, r := range reqs {
		if r.line == 7 && r.hash[0] != 18446744073709551615 {
			t.Errorf("64-bit id read as %d", r.hash[0])
		}
	}
}

// sessAllFirst reads every session of a reader.
func sessAll(t *testing.T, r SessionReader) []*Session {
	t.Helper()
	defer r.Close()
	var out []*Session
	for {
		s, err := r.Next()
		if errors.Is(err, io.EOF) {
			return out
		}
		if err != nil {
			t.Fatal(err)
		}
		out = append(out, s)
	}
}

func TestMooncakeSessionContexts(t *testing.T) {
	r, err := OpenSessions(FormatMooncake, "testdata/sessions/mooncake_small.jsonl", ConvertOptions{BlockTokens: 4})
	if err != nil {
		t.Fatal(err)
	}
	ss := sessAll(t, r)
	a := ss[0]
	if a.ID != "mooncake-1" || *a.StartMS != 0 || len(a.Turns) != 4 {
		t.Fatalf("session %s start %v turns %d", a.ID, *a.StartMS, len(a.Turns))
	}
	items, delays := sessDrive(t, a, sessionOptions{})
	var ctx []int
	for _, it := range items {
		ctx = append(ctx, it.Request.InputTokens)
		if !it.Request.ForceLength || it.Request.MaxTokens < 1 {
			t.Errorf("turn %d: max tokens %d force %v", it.Turn, it.Request.MaxTokens, it.Request.ForceLength)
		}
	}
	// input_length 10, 17, 18, 20: the trace grew by 1 token at turn 3,
	// less than a reply and a user message, so turn 3 overshoots by 1 and
	// turn 4 (grown by 2) is back on the trace.
	if want := []int{10, 17, 19, 21}; !reflect.DeepEqual(ctx, want) {
		t.Errorf("contexts %v, want %v", ctx, want)
	}
	if want := []int{1000, 1000, 100}; len(delays) != 3 || delays[0].Milliseconds() != 1000 || delays[2].Milliseconds() != 100 {
		t.Errorf("think times %v, want the timestamp gaps %v ms", delays, want)
	}
	// Block 0 opens sessions 1, 2 and 4: the same words each time.
	block0 := strings.Fields(ss[0].Turns[0].User)[:4]
	for _, i := range []int{2, 3} {
		if got := strings.Fields(ss[i].Turns[0].User)[:4]; !reflect.DeepEqual(got, block0) {
			t.Errorf("session %s starts %v, want block 0's %v", ss[i].ID, got, block0)
		}
	}
	if reflect.DeepEqual(strings.Fields(ss[1].Turns[0].User)[:4], block0) {
		t.Error("different ids gave the same block")
	}
	// A different seed changes the words, not the lengths.
	r2, _ := OpenSessions(FormatMooncake, "testdata/sessions/mooncake_small.jsonl", ConvertOptions{BlockTokens: 4, Seed: 9})
	other := sessAll(t, r2)
	if other[0].Turns[0].User == a.Turns[0].User || ApproxTokens(other[0].Turns[0].User) != 10 {
		t.Error("seed must change the words and keep the lengths")
	}
}

func TestMooncakeLineErrors(t *testing.T) {
	tests := []struct{ name, line, want string }{
		{"not JSON", `{"timestamp": 1`, "session: invalid JSON"},
		{"no timestamp", `{"input_length": 5, "output_length": 1, "hash_ids": [1]}`, "timestamp: want a non-negative number"},
		{"zero input", `{"timestamp": 0, "input_length": 0, "output_length": 1, "hash_ids": [1]}`, "input_length: want a positive number"},
		{"negative output", `{"timestamp": 0, "input_length": 5, "output_length": -1, "hash_ids": [1]}`, "output_length: want a non-negative"},
		{"string id", `{"timestamp": 0, "input_length": 5, "output_length": 1, "hash_ids": ["a"]}`, `hash_ids[0]: want a 64-bit integer id, got "a"`},
		{"fractional id", `{"timestamp": 0, "input_length": 5, "output_length": 1, "hash_ids": [1.5]}`, "hash_ids[0]: want a 64-bit integer id, got 1.5"},
		{"huge id", `{"timestamp": 0, "input_length": 5, "output_length": 1, "hash_ids": [18446744073709551616]}`, "hash_ids[0]: want a 64-bit integer id"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := readMooncake(strings.NewReader("\n"+tt.line+"\n"), "m.jsonl")
			if err == nil || !strings.Contains(err.Error(), "m.jsonl line 2: ") || !strings.Contains(err.Error(), tt.want) {
				t.Errorf("error %v, want line 2 and %q", err, tt.want)
			}
		})
	}
}

// TestMooncakeRealTrace groups the public conversation trace and checks the
// first sessions against the trace's own lengths.
func TestMooncakeRealTrace(t *testing.T) {
	f, err := os.Open("../../shared/data/traces/mooncake/conversation_trace.jsonl")
	if err != nil {
		t.Skip("shared data not present")
	}
	defer f.Close()
	reqs, err := readMooncake(f, "conversation_trace.jsonl")
	if err != nil {
		t.Fatal(err)
	}
	sessions := groupMooncake(reqs, mcBlockTokens)
	multi, turns, longest := 0, 0, 0
	for _, s := range sessions {
		turns += len(s)
		longest = max(longest, len(s))
		if len(s) > 1 {
			multi++
		}
	}
	if turns != 12031 || len(sessions) != 8108 || multi != 2023 || longest != 43 {
		t.Errorf("%d requests in %d sessions, %d multi-turn, longest %d; want 12031, 8108, 2023, 43",
			turns, len(sessions), multi, longest)
	}
	exact, checked := 0, 0
	for _, g := range sessions[:200] {
		if len(g) < 2 {
			continue
		}
		items, _ := sessDrive(t, mooncakeSession(g, mcBlockTokens, 0), sessionOptions{})
		for k, it := range items {
			checked++
			if it.Request.InputTokens == g[k].input {
				exact++
			}
		}
	}
	if checked == 0 || float64(exact) < 0.8*float64(checked) {
		t.Errorf("%d of %d turns have the trace's input length", exact, checked)
	}
	t.Logf("%d of %d turns of the first multi-turn sessions match input_length exactly", exact, checked)
}
