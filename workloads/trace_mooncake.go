package workloads

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"strings"
)

func init() { register("mooncake", openMooncake) }

// DefaultBlockTokens is the token length of one Mooncake hash block, as in
// the published traces.
const DefaultBlockTokens = 512

// mooncakeLine is one line of a Mooncake trace (kvcache-ai/Mooncake,
// FAST25-release/traces):
//
//	{"timestamp": 27482, "input_length": 6955, "output_length": 52, "hash_ids": [46, 47, 2353]}
//
// timestamp is in ms; hash_ids name the prompt's blocks, equal ids meaning
// equal blocks. Fields the trace may add later are ignored.
type mooncakeLine struct {
	Timestamp    json.RawMessage `json:"timestamp"`
	InputLength  *int            `json:"input_length"`
	OutputLength *int            `json:"output_length"`
	HashIDs      []uint64        `json:"hash_ids"`
}

type mooncakeRec struct {
	at      int64
	line    int
	in, out int
	ids     []uint64
}

func (r mooncakeRec) traceNS() int64 { return r.at }

// mooncakeSource replays a Mooncake trace. Each prompt is one block of text
// per hash id (see trace_blocks.go), the last one cut so that the prompt is
// exactly input_length tokens; a prompt longer than its ids cover ends with
// text of its own. It reports the reuse the hash ids intend over the
// requests handed out.
type mooncakeSource struct {
	*traceSource[mooncakeRec]
	block   int
	seed    uint64
	tracker *chainTracker
}

// IntendedPrefixReuse implements PrefixReporter.
func (m *mooncakeSource) IntendedPrefixReuse() PrefixStats { return m.tracker.stats() }

func openMooncake(s Spec) (Source, error) {
	data, err := readInput("mooncake", s.Path)
	if err != nil {
		return nil, err
	}
	return parseMooncake(s.Path, data, s)
}

// parseMooncake reads a Mooncake trace, replayed on its clock with blocks of
// s.BlockTokens tokens (DefaultBlockTokens when 0). Requests with 0 input or
// output tokens are skipped and counted.
func parseMooncake(name string, data []byte, s Spec) (Source, error) {
	block := s.BlockTokens
	if block == 0 {
		block = DefaultBlockTokens
	}
	if block < 1 || block > maxTraceTokens {
		return nil, fmt.Errorf("workloads: block tokens must be 1 to %d, got %d", maxTraceTokens, s.BlockTokens)
	}
	rep := FileReport{Path: name}
	skipped := skips{}
	var recs []mooncakeRec
	short, long := 0, 0
	err := eachLine(data, func(n int, text []byte) error {
		rep.Records++
		r, field, err := mooncakeRecord(n, text)
		if err != nil {
			return fileError(name, n, field, err)
		}
		switch {
		case r.in == 0:
			skipped["input_length 0"]++
			return nil
		case r.out == 0:
			skipped["output_length 0"]++
			return nil
		}
		if covered := len(r.ids) * block; covered < r.in {
			short++
		} else if covered-block >= r.in {
			long++
		}
		recs = append(recs, r)
		return nil
	})
	if err != nil {
		return nil, err
	}
	rep.Skipped = skipped.list()
	if short > 0 {
		rep.Notes = append(rep.Notes, fmt.Sprintf("%d requests are longer than their hash ids cover (%d-token blocks): the rest is text of their own", short, block))
	}
	if long > 0 {
		rep.Notes = append(rep.Notes, fmt.Sprintf("%d requests have more hash ids than their input_length needs: the extra ids are ignored", long))
	}
	if len(recs) == 0 {
		return nil, fileError(name, 0, "", fmt.Errorf("no usable requests among %d (%s)", rep.Records, skipSummary(rep.Skipped)))
	}
	m := &mooncakeSource{block: block, seed: s.Seed, tracker: newChainTracker()}
	ts, err := newTraceSource(name, recs, s, rep, m.build)
	if err != nil {
		return nil, err
	}
	m.traceSource = ts
	return m, nil
}

// mooncakeRecord parses one line; on error it names the field at fault.
func mooncakeRecord(n int, text []byte) (mooncakeRec, string, error) {
	var l mooncakeLine
	dec := json.NewDecoder(bytes.NewReader(text))
	if err := dec.Decode(&l); err != nil {
		field, msg := jsonProblem(err)
		return mooncakeRec{}, field, msg
	}
	if dec.More() {
		return mooncakeRec{}, "", errors.New("more than one JSON value on the line")
	}
	r := mooncakeRec{line: n, ids: l.HashIDs}
	switch {
	case len(l.Timestamp) == 0 || string(l.Timestamp) == "null":
		return r, "timestamp", errors.New("missing")
	case l.InputLength == nil:
		return r, "input_length", errors.New("missing")
	case l.OutputLength == nil:
		return r, "output_length", errors.New("missing")
	}
	var err error
	if r.at, err = parseMillis(string(l.Timestamp)); err != nil {
		return r, "timestamp", err
	}
	if r.in, err = checkCount(*l.InputLength); err != nil {
		return r, "input_length", err
	}
	if r.out, err = checkCount(*l.OutputLength); err != nil {
		return r, "output_length", err
	}
	return r, "", nil
}

// build renders a record as a request and counts its intended reuse: it is
// called once per item handed out.
func (m *mooncakeSource) build(r *mooncakeRec) Item {
	var b strings.Builder
	b.Grow(r.in * 6)
	left := r.in
	for _, id := range r.ids {
		if left == 0 {
			break
		}
		n := min(m.block, left)
		writeBlock(&b, blockKey(id, m.seed, domainBlock), n)
		left -= n
	}
	if left > 0 {
		writeBlock(&b, blockKey(uint64(r.line), m.seed, domainTail), left)
	}
	m.tracker.add(r.ids, m.block, r.in)
	return Item{
		ID: fmt.Sprintf("L%d", r.line),
		Request: Request{
			Prompt:      b.String(),
			MaxTokens:   r.out,
			ForceLength: true,
			InputTokens: r.in,
		},
	}
}
