package workloads

import (
	"bytes"
	"encoding/json"
	"fmt"
	"math/rand/v2"
	"strings"
	"testing"
)

func TestMooncakeSmall(t *testing.T) {
	src, err := parseMooncake("mooncake_small.jsonl", trTestdata(t, "mooncake_small.jsonl"), Spec{BlockTokens: 16, Seed: 1})
	if err != nil {
		t.Fatal(err)
	}
	items := trDrain(t, src, 100)
	want := []struct {
		id       string
		in, out  int
		offsetMS int
	}{
		{"L1", 40, 5, 0}, {"L2", 48, 7, 0}, {"L3", 20, 3, 250}, {"L4", 64, 9, 1000},
		{"L6", 40, 4, 1750}, {"L7", 36, 2, 2500}, {"L8", 16, 6, 4000},
	}
	if len(items) != len(want) {
		t.Fatalf("%d items, want %d", len(items), len(want))
	}
	for i, w := range want {
		it := items[i]
		r := it.Request
		if it.ID != w.id || r.InputTokens != w.in || r.MaxTokens != w.out || !r.ForceLength || !it.Timed || it.Offset.Milliseconds() != int64(w.offsetMS) {
			t.Errorf("item %d = %s in %d out %d force %v timed %v offset %v, want %+v", i, it.ID, r.InputTokens, r.MaxTokens, r.ForceLength, it.Timed, it.Offset, w)
		}
		if got := ApproxTokens(r.Prompt); got != w.in {
			t.Errorf("item %s: prompt counts %d tokens, want exactly %d", it.ID, got, w.in)
		}
	}
	words := func(i int) []string { return strings.Fields(items[i].Request.Prompt) }
	same := func(a, b []string) bool { return strings.Join(a, " ") == strings.Join(b, " ") }
	// L1 [0 1 2] and L2 [0 1 3]: the first two blocks are equal, the third differs.
	if !same(words(0)[:32], words(1)[:32]) || same(words(0)[32:40], words(1)[32:40]) {
		t.Error("L1 and L2 must share exactly their first two 16-token blocks")
	}
	// L4 [0 1 2 5] repeats L1 whole (L1's last block is id 2 cut to 8 tokens).
	if !same(words(0), words(3)[:40]) {
		t.Error("L4 must start with all of L1")
	}
	// L6 [9 1 2]: block 1 is the same text wherever it stands, but the
	// prompt shares no prefix with L1.
	if !same(words(4)[16:40], words(0)[16:40]) || same(words(4)[:16], words(0)[:16]) {
		t.Error("L6 must differ from L1 in block 0 and equal it in blocks 1 and 2")
	}
	// Reuse over full blocks whose whole chain was seen before:
	// L2 32, L3 16, L4 32 (block 2 of L1 was partial), L6 0, L7 32, L8 0.
	got := src.(PrefixReporter).IntendedPrefixReuse()
	if got.PromptTokens != 264 || got.ReusableTokens != 112 {
		t.Errorf("intended reuse %+v, want 112 of 264", got)
	}
	rep := src.(FileReporter).FileReport()
	if rep.Records != 8 || rep.Requests != 7 || len(rep.Skipped) != 1 || rep.Skipped[0].Reason != "output_length 0" || len(rep.Notes) != 1 {
		t.Errorf("report %+v", rep)
	}
}

// mooncakeLines renders records as trace lines.
func trMooncakeLines(recs ...mooncakeLine) []byte {
	var b bytes.Buffer
	for _, r := range recs {
		json.NewEncoder(&b).Encode(r)
	}
	return b.Bytes()
}

func trPtr[T any](v T) *T { return &v }

func TestMooncakeIDsNeverCollide(t *testing.T) {
	pairs := []struct {
		name string
		a, b uint64
	}{
		{"high bit only", 1, 1 | 1<<63},
		{"zero and top bit", 0, 1 << 63},
		{"bits 32 and 33", 1 << 32, 1 << 33},
		{"max and max-1", ^uint64(0), ^uint64(0) - 1},
		{"above 2^53", 1<<53 + 1, 1<<53 + 2},
	}
	for _, p := range pairs {
		t.Run(p.name, func(t *testing.T) {
			data := trMooncakeLines(
				mooncakeLine{Timestamp: json.RawMessage("0"), InputLength: trPtr(keyDigits), OutputLength: trPtr(1), HashIDs: []uint64{p.a}},
				mooncakeLine{Timestamp: json.RawMessage("1"), InputLength: trPtr(keyDigits), OutputLength: trPtr(1), HashIDs: []uint64{p.b}},
				mooncakeLine{Timestamp: json.RawMessage("2"), InputLength: trPtr(keyDigits), OutputLength: trPtr(1), HashIDs: []uint64{p.a}},
			)
			src, err := parseMooncake("ids.jsonl", data, Spec{BlockTokens: keyDigits, Seed: 9})
			if err != nil {
				t.Fatal(err)
			}
			items := trDrain(t, src, 3)
			if items[0].Request.Prompt == items[1].Request.Prompt {
				t.Errorf("ids %#x and %#x give the same block %q", p.a, p.b, items[0].Request.Prompt)
			}
			if items[0].Request.Prompt != items[2].Request.Prompt {
				t.Errorf("id %#x gives two different blocks", p.a)
			}
		})
	}
}

func TestBlockKeysInjective(t *testing.T) {
	// The first keyDigits words spell the key, and the key is a bijection
	// of the id: no two of many ids, random and adversarial, share a block.
	rng := rand.New(rand.NewPCG(1, 2))
	seen := map[string]uint64{}
	check := func(id uint64) {
		text := blockText(blockKey(id, 42, domainBlock), keyDigits)
		if prev, dup := seen[text]; dup && prev != id {
			t.Fatalf("ids %#x and %#x share block %q", prev, id, text)
		}
		seen[text] = id
	}
	for i := 0; i < 20000; i++ {
		id := rng.Uint64()
		check(id)
		check(id ^ 1<<63)
		check(uint64(i))
		check(uint64(i) << 40)
	}
	if a, b := blockText(blockKey(7, 1, domainBlock), 64), blockText(blockKey(7, 2, domainBlock), 64); a == b {
		t.Error("another seed must give other text, so that a rerun does not hit an earlier run's cache")
	}
	if a, b := blockText(blockKey(7, 1, domainBlock), 64), blockText(blockKey(7, 1, domainBlock), 64); a != b {
		t.Error("the same id and seed must give the same text")
	}
}

func TestMooncakeLengthsAndIDs(t *testing.T) {
	tests := []struct {
		name     string
		line     mooncakeLine
		wantNote string
	}{
		{"ids cover less than the prompt", mooncakeLine{Timestamp: json.RawMessage("0"), InputLength: trPtr(40), OutputLength: trPtr(1), HashIDs: []uint64{1}}, "longer than their hash ids cover"},
		{"more ids than needed", mooncakeLine{Timestamp: json.RawMessage("0"), InputLength: trPtr(10), OutputLength: trPtr(1), HashIDs: []uint64{1, 2, 3}}, "extra ids are ignored"},
		{"no hash ids at all", mooncakeLine{Timestamp: json.RawMessage("0"), InputLength: trPtr(10), OutputLength: trPtr(1)}, "longer than their hash ids cover"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			src, err := parseMooncake("m.jsonl", trMooncakeLines(tt.line), Spec{BlockTokens: 16})
			if err != nil {
				t.Fatal(err)
			}
			it, _ := src.Next()
			if got := ApproxTokens(it.Request.Prompt); got != *tt.line.InputLength {
				t.Errorf("prompt counts %d tokens, want %d", got, *tt.line.InputLength)
			}
			notes := strings.Join(src.(FileReporter).FileReport().Notes, "; ")
			if !strings.Contains(notes, tt.wantNote) {
				t.Errorf("notes %q lack %q", notes, tt.wantNote)
			}
		})
	}
}

func TestMooncakeReal(t *testing.T) {
	data := trFirstLines(trRealFile(t, "mooncake/conversation_trace.jsonl"), 400)
	src, err := parseMooncake("conversation_trace.jsonl", data, Spec{})
	if err != nil {
		t.Fatal(err)
	}
	var ids [][]uint64
	var ins []int
	err = eachLine(data, func(n int, text []byte) error {
		var l struct {
			Timestamp    int64    `json:"timestamp"`
			InputLength  int      `json:"input_length"`
			OutputLength int      `json:"output_length"`
			HashIDs      []uint64 `json:"hash_ids"`
		}
		if err := json.Unmarshal(text, &l); err != nil {
			return err
		}
		it, err := src.Next()
		if err != nil {
			return err
		}
		if it.ID != fmt.Sprintf("L%d", n) || it.Offset.Nanoseconds() != l.Timestamp*1e6 || it.Request.MaxTokens != l.OutputLength {
			t.Fatalf("line %d: item %s offset %v max %d, want offset %d ms max %d", n, it.ID, it.Offset, it.Request.MaxTokens, l.Timestamp, l.OutputLength)
		}
		if got := ApproxTokens(it.Request.Prompt); got != l.InputLength || it.Request.InputTokens != l.InputLength {
			t.Fatalf("line %d: prompt counts %d tokens, want %d", n, got, l.InputLength)
		}
		ids = append(ids, l.HashIDs)
		ins = append(ins, l.InputLength)
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	got := src.(PrefixReporter).IntendedPrefixReuse()
	if want := PrefixReuse(DefaultBlockTokens, ids, ins); got != want || got.Ratio <= 0 {
		t.Errorf("source reports reuse %+v, PrefixReuse gives %+v", got, want)
	}
}

func TestMooncakeErrors(t *testing.T) {
	tests := []struct {
		name  string
		data  string
		spec  Spec
		parts []string
	}{
		{"missing timestamp", `{"input_length": 5, "output_length": 1, "hash_ids": [1]}`, Spec{}, []string{"m.jsonl line 1", `field "timestamp"`, "missing"}},
		{"missing input", "{\"timestamp\": 0, \"input_length\": 5, \"output_length\": 1}\n{\"timestamp\": 0, \"output_length\": 1}", Spec{}, []string{"m.jsonl line 2", `field "input_length"`}},
		{"missing output", `{"timestamp": 0, "input_length": 5}`, Spec{}, []string{`field "output_length"`, "missing"}},
		{"string length", `{"timestamp": 0, "input_length": "5", "output_length": 1}`, Spec{}, []string{"line 1", `field "input_length"`, "want int"}},
		{"negative hash id", `{"timestamp": 0, "input_length": 5, "output_length": 1, "hash_ids": [-1]}`, Spec{}, []string{`field "hash_ids"`}},
		{"hash id past 64 bits", `{"timestamp": 0, "input_length": 5, "output_length": 1, "hash_ids": [18446744073709551616]}`, Spec{}, []string{`field "hash_ids"`}},
		{"negative length", `{"timestamp": 0, "input_length": -5, "output_length": 1}`, Spec{}, []string{`field "input_length"`, "out of range"}},
		{"huge length", `{"timestamp": 0, "input_length": 99999999999, "output_length": 1}`, Spec{}, []string{`field "input_length"`, "out of range"}},
		{"bad timestamp", `{"timestamp": "noon", "input_length": 5, "output_length": 1}`, Spec{}, []string{`field "timestamp"`}},
		{"syntax", `{"timestamp": 0,`, Spec{}, []string{"line 1", "malformed JSON"}},
		{"all skipped", `{"timestamp": 0, "input_length": 0, "output_length": 1}`, Spec{}, []string{"m.jsonl", "no usable requests", "1 input_length 0"}},
		{"bad block size", `{"timestamp": 0, "input_length": 5, "output_length": 1}`, Spec{BlockTokens: -1}, []string{"block tokens"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := parseMooncake("m.jsonl", []byte(tt.data), tt.spec)
			trWantErr(t, err, tt.parts...)
		})
	}
}

func FuzzMooncake(f *testing.F) {
	f.Add(trTestdata(f, "mooncake_small.jsonl"), 16)
	f.Add([]byte(`{"timestamp": 1.5, "input_length": 3, "output_length": 1, "hash_ids": [18446744073709551615, 0]}`), 2)
	f.Fuzz(func(t *testing.T, data []byte, block int) {
		src, err := parseMooncake("fuzz.jsonl", data, Spec{BlockTokens: block % 64, TimeScale: 0.5})
		if err != nil {
			return
		}
		total := 0
		for total < 1<<16 {
			it, err := src.Next()
			if err != nil {
				break
			}
			if got := ApproxTokens(it.Request.Prompt); got != it.Request.InputTokens {
				t.Fatalf("prompt counts %d tokens, item says %d", got, it.Request.InputTokens)
			}
			total += it.Request.InputTokens
		}
	})
}
