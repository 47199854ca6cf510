package workloads

import (
	"bufio"
	"errors"
	"fmt"
	"io"
	"os"
	"strings"
)

// Session formats: OpenSessions reads them, Convert turns them into session
// JSONL, and each is also a workload kind read directly (the Mooncake one as
// kind mooncake-sessions, since kind mooncake replays single requests).
const (
	FormatSessions = "sessions"  // our session JSONL (see Session)
	FormatBFCL     = "bfcl"      // Berkeley Function-Calling Leaderboard items
	FormatSWEAgent = "swe-agent" // SWE-agent .traj trajectories (a file or a directory of them)
	FormatMooncake = "mooncake"  // Mooncake conversation/toolagent traces, grouped into sessions
)

// ConvertFormats lists the formats Convert and OpenSessions accept.
func ConvertFormats() []string {
	return []string{FormatBFCL, FormatMooncake, FormatSessions, FormatSWEAgent}
}

// ConvertOptions tune how a file is read as sessions.
type ConvertOptions struct {
	// Limit stops after this many sessions (0: all).
	Limit int
	// BlockTokens is the token length of one Mooncake hash block (0: 512).
	BlockTokens int
	// Seed varies the deterministic words of Mooncake sessions.
	Seed uint64
	// FuncDocDir holds BFCL's multi_turn_func_doc files (default: the
	// multi_turn_func_doc directory next to the BFCL file).
	FuncDocDir string
}

// OpenSessions reads the file at path in format as sessions.
func OpenSessions(format, path string, o ConvertOptions) (SessionReader, error) {
	if o.Limit < 0 || o.BlockTokens < 0 {
		return nil, errors.New("workloads: limit and block tokens must not be negative")
	}
	var r SessionReader
	var err error
	switch format {
	case FormatSessions:
		var f *os.File
		if f, err = os.Open(path); err == nil {
			sr := ReadSessions(f, path).(*sessionJSONL)
			sr.closer = f
			r = sr
		}
	case FormatBFCL:
		r, err = openBFCL(path, o.FuncDocDir)
	case FormatSWEAgent:
		r, err = openSWEAgent(path)
	case FormatMooncake:
		r, err = openMooncakeSessions(path, o.BlockTokens, o.Seed)
	default:
		return nil, fmt.Errorf("workloads: unknown session format %q (known: %s)", format, strings.Join(ConvertFormats(), ", "))
	}
	if err != nil {
		if errors.Is(err, os.ErrNotExist) || errors.Is(err, os.ErrPermission) {
			return nil, fmt.Errorf("workloads: %w", err)
		}
		return nil, err
	}
	if o.Limit > 0 {
		r = &limitSessions{SessionReader: r, left: o.Limit}
	}
	return r, nil
}

// Convert writes the sessions of the file at path, read in format, to w as
// session JSONL, and returns how many it wrote.
func Convert(w io.Writer, format, path string, o ConvertOptions) (int, error) {
	r, err := OpenSessions(format, path, o)
	if err != nil {
		return 0, err
	}
	defer r.Close()
	bw := bufio.NewWriterSize(w, 1<<16)
	n := 0
	for {
		s, err := r.Next()
		if errors.Is(err, io.EOF) {
			break
		}
		if err != nil {
			return n, errors.Join(err, bw.Flush())
		}
		if err := WriteSession(bw, s); err != nil {
			return n, fmt.Errorf("workloads: write sessions: %w", err)
		}
		n++
	}
	if err := bw.Flush(); err != nil {
		return n, fmt.Errorf("workloads: write sessions: %w", err)
	}
	return n, nil
}

type limitSessions struct {
	SessionReader
	left int
}

func (l *limitSessions) Next() (*Session, error) {
	if l.left <= 0 {
		return nil, io.EOF
	}
	l.left--
	return l.SessionReader.Next()
}

// funcSessions yields sessions from a function, for formats that build each
// session only when it is needed.
type funcSessions struct {
	next  func() (*Session, error)
	close func() error
}

func (f funcSessions) Next() (*Session, error) { return f.next() }

func (f funcSessions) Close() error {
	if f.close != nil {
		return f.close()
	}
	return nil
}
