package workloads

import (
	"errors"
	"fmt"
	"reflect"
	"testing"
	"time"
)

func TestParseShard(t *testing.T) {
	tests := []struct {
		in      string
		want    Shard
		wantErr bool
	}{
		{"0/1", Shard{0, 1}, false},
		{"2/8", Shard{2, 8}, false},
		{" 3 / 4 ", Shard{3, 4}, false},
		{"4/4", Shard{}, true},  // index out of range
		{"-1/4", Shard{}, true}, // negative index
		{"0/0", Shard{}, true},  // no shards
		{"1", Shard{}, true},    // no count
		{"a/4", Shard{}, true},  // not a number
		{"1/x", Shard{}, true},  // not a number
		{"", Shard{}, true},     // empty
	}
	for _, tt := range tests {
		got, err := ParseShard(tt.in)
		if (err != nil) != tt.wantErr {
			t.Errorf("ParseShard(%q) error = %v, want error %v", tt.in, err, tt.wantErr)
			continue
		}
		if err == nil && got != tt.want {
			t.Errorf("ParseShard(%q) = %v, want %v", tt.in, got, tt.want)
		}
	}
}

// Split gives every shard the number of the whole's first R round-robin
// items that fall to it, so the shares add up to R.
func TestShardSplit(t *testing.T) {
	for _, n := range []int{1, 2, 3, 7} {
		for _, total := range []int{0, 1, 2, 5, 16, 17, 100} {
			sum := 0
			for i := 0; i < n; i++ {
				sh := Shard{i, n}
				want := 0
				for k := 0; k < total; k++ {
					if k%n == i {
						want++
					}
				}
				if got := sh.Split(total); got != want {
					t.Errorf("Shard %v Split(%d) = %d, want %d", sh, total, got, want)
				}
				sum += sh.Split(total)
			}
			if sum != total {
				t.Errorf("%d shards: shares of %d add up to %d", n, total, sum)
			}
		}
	}
}

func drain(t *testing.T, src Source, max int) []Item {
	t.Helper()
	var out []Item
	for len(out) < max {
		it, err := src.Next()
		if errors.Is(err, ErrExhausted) {
			break
		}
		if err != nil {
			t.Fatal(err)
		}
		out = append(out, it)
	}
	return out
}

// The shards of a synthetic workload send, between them, exactly the items
// of one process: the same prompts and lengths, numbered as one process
// numbers them.
func TestShardSourceUnionIsWhole(t *testing.T) {
	spec := Spec{Kind: "synthetic", Seed: 7, Synthetic: Synthetic{InputTokens: 32, InputStddev: 8, OutputTokens: 16, OutputStddev: 4, Seed: 7}}
	whole, err := Open(spec)
	if err != nil {
		t.Fatal(err)
	}
	const total = 23
	want := drain(t, whole, total)
	for _, n := range []int{1, 2, 3, 5} {
		got := make([]Item, total)
		seen := 0
		for i := 0; i < n; i++ {
			src, err := Open(spec)
			if err != nil {
				t.Fatal(err)
			}
			sh := Shard{i, n}
			items := drain(t, sh.Source(src), sh.Split(total))
			for local, it := range items {
				k := sh.Global(uint64(local))
				if it.ID != fmt.Sprint(k+1) && n > 1 {
					t.Errorf("%d shards: shard %d item %d has id %q, want %d", n, i, local, it.ID, k+1)
				}
				got[k] = it
				seen++
			}
		}
		if seen != total {
			t.Fatalf("%d shards sent %d items, want %d", n, seen, total)
		}
		for k := range want {
			if got[k].Request.Prompt != want[k].Request.Prompt || got[k].Request.MaxTokens != want[k].Request.MaxTokens {
				t.Errorf("%d shards: item %d differs from one process's", n, k)
			}
		}
	}
}

// A timestamped trace keeps every item's offset and line id on its shard.
func TestShardSourceKeepsTraceClock(t *testing.T) {
	spec := Spec{Kind: "mooncake", Path: "testdata/mooncake_small.jsonl", BlockTokens: 16, Seed: 1}
	whole, err := Open(spec)
	if err != nil {
		t.Fatal(err)
	}
	want := drain(t, whole, 1000)
	if len(want) < 4 {
		t.Fatalf("fixture has %d items", len(want))
	}
	byID := map[string]Item{}
	for i := 0; i < 3; i++ {
		src, err := Open(spec)
		if err != nil {
			t.Fatal(err)
		}
		for _, it := range drain(t, Shard{i, 3}.Source(src), 1000) {
			if _, dup := byID[it.ID]; dup {
				t.Fatalf("item %s on two shards", it.ID)
			}
			byID[it.ID] = it
		}
	}
	if len(byID) != len(want) {
		t.Fatalf("shards hold %d items, the trace %d", len(byID), len(want))
	}
	for _, w := range want {
		g, ok := byID[w.ID]
		if !ok || !g.Timed || g.Offset != w.Offset || g.Request.InputTokens != w.Request.InputTokens {
			t.Errorf("item %s: shard has offset %v timed %v, trace %v", w.ID, g.Offset, g.Timed, w.Offset)
		}
	}
}

// A session is one item: its turns follow it on its shard.
func TestShardSourceKeepsSessionsWhole(t *testing.T) {
	spec := Spec{Kind: "sessions", Path: "testdata/sessions/basic.jsonl", History: "recorded", Seed: 1}
	whole, err := Open(spec)
	if err != nil {
		t.Fatal(err)
	}
	want := drain(t, whole, 1000)
	hasMore := map[string]bool{}
	for _, w := range want {
		hasMore[w.Session] = w.Then != nil
	}
	var got []string
	for i := 0; i < 2; i++ {
		src, err := Open(spec)
		if err != nil {
			t.Fatal(err)
		}
		for _, it := range drain(t, Shard{i, 2}.Source(src), 1000) {
			if it.Turn != 1 || (it.Then != nil) != hasMore[it.Session] {
				t.Errorf("shard %d got turn %d of session %s without its follow-ups", i, it.Turn, it.Session)
			}
			got = append(got, it.Session)
		}
	}
	if len(got) != len(want) {
		t.Fatalf("shards hold %d sessions, the file %d", len(got), len(want))
	}
	seen := map[string]int{}
	for _, s := range got {
		seen[s]++
	}
	for _, w := range want {
		if seen[w.Session] != 1 {
			t.Errorf("session %s is on %d shards", w.Session, seen[w.Session])
		}
	}
}

// The shards' arrivals, put together, are the whole schedule, exactly.
func TestShardArrivalUnionIsWhole(t *testing.T) {
	for _, kind := range []string{ArrivalConstant, ArrivalPoisson, ArrivalGamma} {
		mk := func() Arrival {
			a, err := NewArrival(kind, 50, 0.5, 3)
			if err != nil {
				t.Fatal(err)
			}
			return Ramp(a, 2*time.Second)
		}
		whole := mk()
		const n = 4
		for i := 0; i < n; i++ {
			sh := Shard{i, n}
			a := sh.Arrival(mk())
			for local := uint64(0); local < 50; local++ {
				if got, want := a.Offset(local), whole.Offset(local*n+uint64(i)); got != want {
					t.Fatalf("%s shard %d arrival %d at %v, whole schedule's arrival %d at %v", kind, i, local, got, local*n+uint64(i), want)
				}
			}
		}
	}
	a, _ := NewArrival(ArrivalConstant, 10, 1, 1)
	if got := (Shard{0, 1}).Arrival(a); !reflect.DeepEqual(got, a) {
		t.Errorf("a whole shard changed the arrival: %v", got)
	}
	if got := (Shard{1, 3}).Arrival(a).String(); got != "constant 10 req/s, shard 1/3 (every 3rd arrival from number 2)" {
		t.Errorf("String() = %q", got)
	}
}

// Warm-up items are named w<k+1> over the whole warm-up stream, whatever
// their own ids, and split like the measured items.
func TestShardWarmupNames(t *testing.T) {
	spec := Spec{Kind: "mooncake", Path: "testdata/mooncake_small.jsonl", BlockTokens: 16, Seed: 1}
	for _, tt := range []struct {
		shard Shard
		want  []string
	}{
		{Shard{}, []string{"w1", "w2", "w3"}},
		{Shard{Index: 1, Count: 2}, []string{"w2", "w4", "w6"}},
	} {
		src, err := Open(spec)
		if err != nil {
			t.Fatal(err)
		}
		var got []string
		for _, it := range drain(t, tt.shard.Warmup(src), 3) {
			got = append(got, it.ID)
		}
		if !reflect.DeepEqual(got, tt.want) {
			t.Errorf("shard %v warm-up ids %v, want %v", tt.shard, got, tt.want)
		}
	}
}

// ParseShard reads flags and environment variables: it never panics, and
// what it accepts is a valid shard that prints back as itself.
func FuzzParseShard(f *testing.F) {
	for _, s := range []string{"0/1", "3/4", " 1 / 2 ", "4/4", "-1/3", "a/b", "", "/", "9999999999999999999/1"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		sh, err := ParseShard(s)
		if err != nil {
			return
		}
		if sh.Validate() != nil {
			t.Fatalf("ParseShard(%q) accepted invalid %+v", s, sh)
		}
		again, err := ParseShard(sh.String())
		if err != nil || again != sh {
			t.Fatalf("ParseShard(%q) = %v, which reads back as %v, %v", s, sh, again, err)
		}
	})
}
