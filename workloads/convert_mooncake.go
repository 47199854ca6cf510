package workloads

import (
	"bufio"
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"math/rand/v2"
	"os"
	"path/filepath"
	"sort"
	"strconv"
	"strings"
)

func init() {
	register("mooncake-sessions", openSessionKind("mooncake-sessions", FormatMooncake))
}

// Mooncake traces (conversation, toolagent) give per request a timestamp
// (ms), input_length, output_length and hash_ids, one id per block of
// BlockTokens (512) prompt tokens, equal ids for equal blocks. Sessions are
// not marked; they are recovered from the ids. In time order, a request
// continues a session when its ids start with every full block of the
// session's last request (a partial last block changes id once the next
// turn fills it) and the last of those blocks first appeared in that
// session, so that a system prompt shared by all sessions joins none. The
// longest such match wins; otherwise the request starts a session.
//
// The turns reproduce the trace's context lengths in recorded mode. Turn 1
// is the first request's prompt, built block by block (the same id gives
// the same words in every session, so shared prefixes reach the engine).
// Turn k's conversation must grow by g = input_k - (tokens sent at turn
// k-1): the recorded reply of turn k-1 gets min(output_(k-1), g-1) words
// (at least 1) and the user text of turn k the rest (at least 1), so a turn
// overshoots only when the trace's context grew by less than 2 tokens. think_ms is the gap
// between the two requests' timestamps, the original serving time included
// (the trace does not say how long the answer took). Every turn asks for
// exactly output_length tokens (max_tokens and force_length).

// mcBlockTokens is the prompt tokens per Mooncake hash block by default.
const mcBlockTokens = 512

type mcRequest struct {
	line          int
	timestampMS   float64
	input, output int
	hash          []uint64
}

type mcWire struct {
	Timestamp *float64          `json:"timestamp"`
	Input     *int              `json:"input_length"`
	Output    *int              `json:"output_length"`
	Hash      []json.RawMessage `json:"hash_ids"`
}

func parseMooncakeLine(b []byte, line int) (mcRequest, error) {
	var w mcWire
	r := mcRequest{line: line}
	if err := json.Unmarshal(b, &w); err != nil {
		return r, sessJSONErr("", err)
	}
	switch {
	case w.Timestamp == nil || !(*w.Timestamp >= 0 && *w.Timestamp < maxSessionMS):
		return r, sessFieldErr("timestamp", "want a non-negative number of milliseconds")
	case w.Input == nil || *w.Input < 1:
		return r, sessFieldErr("input_length", "want a positive number of tokens")
	case w.Output == nil || *w.Output < 0:
		return r, sessFieldErr("output_length", "want a non-negative number of tokens")
	}
	r.timestampMS, r.input, r.output = *w.Timestamp, *w.Input, *w.Output
	r.hash = make([]uint64, len(w.Hash))
	for i, raw := range w.Hash {
		n := string(raw)
		u, err := strconv.ParseUint(n, 10, 64)
		if err != nil {
			v, ierr := strconv.ParseInt(n, 10, 64)
			if ierr != nil {
				return r, sessFieldErr(fmt.Sprintf("hash_ids[%d]", i), "want a 64-bit integer id, got %.30s", n)
			}
			u = uint64(v)
		}
		r.hash[i] = u
	}
	return r, nil
}

// readMooncake parses every request of a trace.
func readMooncake(r io.Reader, name string) ([]mcRequest, error) {
	br := bufio.NewReaderSize(r, 1<<16)
	var reqs []mcRequest
	for line := 1; ; line++ {
		b, err := br.ReadBytes('\n')
		if err != nil && !errors.Is(err, io.EOF) {
			return nil, fmt.Errorf("workloads: %s: %w", name, err)
		}
		if len(bytes.TrimSpace(b)) > 0 {
			req, perr := parseMooncakeLine(b, line)
			if perr != nil {
				return nil, fmt.Errorf("workloads: %s line %d: %w", name, line, perr)
			}
			reqs = append(reqs, req)
		}
		if err != nil {
			return reqs, nil
		}
	}
}

// groupMooncake splits requests into sessions (see the rule above); each
// session lists its requests in time order, sessions by first request.
func groupMooncake(reqs []mcRequest, blockTokens int) [][]mcRequest {
	sort.SliceStable(reqs, func(i, j int) bool { return reqs[i].timestampMS < reqs[j].timestampMS })
	var sessions [][]mcRequest
	owner := map[uint64]int{}         // block id -> session that first used it
	open := map[uint64][]int{}        // hash of a last request's full blocks -> sessions
	lastFull := map[int][]uint64{}    // session -> full blocks of its last request
	prefix := make([]uint64, 0, 1024) // prefix[L-1] = hash of the first L ids
	for _, r := range reqs {
		prefix = prefix[:0]
		var h uint64 = 14695981039346656037 // FNV-1a over the ids' bytes
		for _, id := range r.hash {
			for b := 0; b < 64; b += 8 {
				h = (h ^ (id >> b & 0xff)) * 1099511628211
			}
			prefix = append(prefix, h)
		}
		found := -1
		for L := len(r.hash); L >= 1 && found < 0; L-- {
			cands := open[prefix[L-1]]
			for i := len(cands) - 1; i >= 0; i-- {
				c := cands[i]
				if o, ok := owner[r.hash[L-1]]; ok && o == c && slicesEqual(lastFull[c], r.hash[:L]) {
					found = c
					open[prefix[L-1]] = append(cands[:i:i], cands[i+1:]...)
					break
				}
			}
		}
		if found < 0 {
			found = len(sessions)
			sessions = append(sessions, nil)
		}
		sessions[found] = append(sessions[found], r)
		for _, id := range r.hash {
			if _, ok := owner[id]; !ok {
				owner[id] = found
			}
		}
		if full := min(len(r.hash), r.input/blockTokens); full > 0 {
			open[prefix[full-1]] = append(open[prefix[full-1]], found)
			lastFull[found] = r.hash[:full]
		} else {
			delete(lastFull, found)
		}
	}
	return sessions
}

func slicesEqual(a, b []uint64) bool {
	if len(a) != len(b) {
		return false
	}
	for i := range a {
		if a[i] != b[i] {
			return false
		}
	}
	return true
}

func openMooncakeSessions(path string, blockTokens int, seed uint64) (SessionReader, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	name := filepath.Base(path)
	reqs, err := readMooncake(f, name)
	if err != nil {
		return nil, err
	}
	if blockTokens == 0 {
		blockTokens = mcBlockTokens
	}
	return &mcSessions{name: name, groups: groupMooncake(reqs, blockTokens), blockTokens: blockTokens, seed: seed}, nil
}

// mcSessions plays grouped Mooncake requests as sessions; the file was
// validated when it was read, so its heads are known without building
// the prompts.
type mcSessions struct {
	name        string
	groups      [][]mcRequest
	blockTokens int
	seed        uint64
	next        int // groups played
}

func (m *mcSessions) Next() (*Session, error) {
	if m.next >= len(m.groups) {
		return nil, io.EOF
	}
	g := m.groups[m.next]
	m.next++
	s := mooncakeSession(g, m.blockTokens, m.seed)
	s.where = m.head(g).where
	return s, nil
}

func (m *mcSessions) Close() error { return nil }

func (m *mcSessions) heads() []sessionHead {
	hs := make([]sessionHead, len(m.groups))
	for i, g := range m.groups {
		hs[i] = m.head(g)
	}
	return hs
}

// head is the session group g becomes: its id and start are those
// mooncakeSession gives it.
func (m *mcSessions) head(g []mcRequest) sessionHead {
	start := g[0].timestampMS
	return sessionHead{id: mcSessionID(g[0]), where: fmt.Sprintf("%s line %d", m.name, g[0].line), startMS: &start}
}

// mcSessionID names the session that first opens.
func mcSessionID(first mcRequest) string { return fmt.Sprintf("mooncake-%d", first.line) }

// mooncakeSession builds the turns of one grouped session.
func mooncakeSession(reqs []mcRequest, blockTokens int, seed uint64) *Session {
	first := reqs[0]
	start := first.timestampMS
	s := &Session{ID: mcSessionID(first), StartMS: &start}
	words := func(n int, stream uint64) string {
		return mcWords(n, seed^0x5e55105e55105e55, uint64(first.line)<<32|stream)
	}
	sent := 0 // tokens of the conversation sent so far
	for k, r := range reqs {
		t := Turn{MaxTokens: r.output, ForceLength: r.output > 0}
		if k == 0 {
			t.User = mcPrompt(r, blockTokens, seed)
			sent = r.input
		} else {
			// Grow from what was sent, not from the trace's previous
			// input, so that a turn that had to overshoot is made up for.
			g := r.input - sent
			reply := max(1, min(reqs[k-1].output, g-1))
			user := max(1, g-reply)
			s.Turns[k-1].Recorded = &RecordedReply{Content: words(reply, uint64(2*k))}
			t.User = words(user, uint64(2*k+1))
			t.ThinkMS = r.timestampMS - reqs[k-1].timestampMS
			sent += reply + user
		}
		s.Turns = append(s.Turns, t)
	}
	last := reqs[len(reqs)-1]
	s.Turns[len(s.Turns)-1].Recorded = &RecordedReply{Content: words(max(1, last.output), uint64(2*len(reqs)))}
	return s
}

// mcPrompt is the first request's prompt: the words of each hash block in
// turn, cut to input_length (words past the last block come from the
// request's own stream).
func mcPrompt(r mcRequest, blockTokens int, seed uint64) string {
	var sb strings.Builder
	left := r.input
	for _, id := range r.hash {
		if left <= 0 {
			break
		}
		n := min(left, blockTokens)
		mcAppendWords(&sb, n, seed, id)
		left -= n
	}
	if left > 0 {
		mcAppendWords(&sb, left, seed^0x0ddba11, uint64(r.line))
	}
	return sb.String()
}

// mcWords returns n one-token words drawn from the stream (seed, stream).
func mcWords(n int, seed, stream uint64) string {
	var sb strings.Builder
	mcAppendWords(&sb, n, seed, stream)
	return sb.String()
}

func mcAppendWords(sb *strings.Builder, n int, seed, stream uint64) {
	rng := rand.New(rand.NewPCG(seed, stream))
	for i := 0; i < n; i++ {
		if sb.Len() > 0 {
			sb.WriteByte(' ')
		}
		sb.WriteString(Words[rng.IntN(len(Words))])
	}
}
