package workloads

import (
	"bufio"
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os"
	"sort"
	"strings"
)

// FileReport says what a file-backed source made of its file: how many
// records it read, how many requests one pass yields, and what it skipped
// and why. Nothing is dropped silently: every record either becomes a
// request or is counted here.
type FileReport struct {
	// Path is the file as given.
	Path string `json:"path"`
	// Records counts the entries read (JSON array entries, JSONL lines or
	// CSV rows, blank lines and headers excluded).
	Records int `json:"records"`
	// Requests is how many requests one pass over the file yields, after
	// skips and the trace window.
	Requests int `json:"requests"`
	// Skipped counts records left out, by reason, sorted by reason.
	Skipped []SkipCount `json:"skipped,omitempty"`
	// Cycles is true when the source replays its requests in file order and
	// starts again from the first when the run asks for more.
	Cycles bool `json:"cycles,omitempty"`
	// Notes are other facts a user should know (reordered rows, lengths
	// left to the server, hash ids that do not cover the prompt).
	Notes []string `json:"notes,omitempty"`
}

// SkipCount is the number of records skipped for one reason.
type SkipCount struct {
	Reason string `json:"reason"`
	Count  int    `json:"count"`
}

// FileReporter is implemented by the sources that read a file (datasets and
// traces), so that inspect and run can say what the file held.
type FileReporter interface {
	FileReport() FileReport
}

// skips counts skipped records by reason.
type skips map[string]int

func (s skips) list() []SkipCount {
	out := make([]SkipCount, 0, len(s))
	for r, n := range s {
		out = append(out, SkipCount{Reason: r, Count: n})
	}
	sort.Slice(out, func(i, j int) bool { return out[i].Reason < out[j].Reason })
	return out
}

// skipSummary renders skip counts for a message.
func skipSummary(s []SkipCount) string {
	if len(s) == 0 {
		return "none skipped"
	}
	parts := make([]string, len(s))
	for i, c := range s {
		parts[i] = fmt.Sprintf("%d %s", c.Count, c.Reason)
	}
	return strings.Join(parts, ", ")
}

// fileError is the error of one place in an input file; line 0 leaves the
// line out, field "" the field.
func fileError(name string, line int, field string, err error) error {
	var b strings.Builder
	b.WriteString("workloads: ")
	b.WriteString(name)
	if line > 0 {
		fmt.Fprintf(&b, " line %d", line)
	}
	if field != "" {
		fmt.Fprintf(&b, " field %q", field)
	}
	return fmt.Errorf("%s: %w", b.String(), err)
}

// jsonProblem turns an encoding/json error into the field it concerns (when
// json knows it) and a message without json's own prefixes.
func jsonProblem(err error) (field string, msg error) {
	var te *json.UnmarshalTypeError
	if errors.As(err, &te) {
		return te.Field, fmt.Errorf("want %s, got JSON %s", te.Type, te.Value)
	}
	var se *json.SyntaxError
	if errors.As(err, &se) {
		return "", fmt.Errorf("malformed JSON: %v", se)
	}
	if errors.Is(err, io.ErrUnexpectedEOF) || errors.Is(err, io.EOF) {
		return "", errors.New("malformed JSON: unexpected end of input")
	}
	// Unknown-field errors read `json: unknown field "x"`.
	if f, ok := strings.CutPrefix(err.Error(), "json: unknown field "); ok {
		return strings.Trim(f, `"`), errors.New("unknown field")
	}
	return "", err
}

// readInput reads the file a Spec names, for the openers. Parsers take the
// bytes, so that tests and fuzzers feed them without touching the disk.
func readInput(kind, path string) ([]byte, error) {
	if path == "" {
		return nil, fmt.Errorf("workloads: %s needs a file: --workload %s:FILE", kind, kind)
	}
	data, err := os.ReadFile(path)
	if err != nil {
		return nil, fmt.Errorf("workloads: %s: %w", kind, err)
	}
	return data, nil
}

// eachLine calls fn with every non-blank line of data and its 1-based number.
// Lines may be of any length (a JSONL request with a long conversation is
// one line), so it does not use bufio.Scanner's fixed token limit.
func eachLine(data []byte, fn func(line int, text []byte) error) error {
	r := bufio.NewReader(bytes.NewReader(data))
	for n := 1; ; n++ {
		text, err := r.ReadBytes('\n')
		if len(bytes.TrimSpace(text)) > 0 {
			if ferr := fn(n, text); ferr != nil {
				return ferr
			}
		}
		if err == io.EOF {
			return nil
		}
		if err != nil {
			return err
		}
	}
}

// lineAt is the 1-based line of byte offset off in data.
func lineAt(data []byte, off int64) int {
	off = min(max(off, 0), int64(len(data)))
	return 1 + bytes.Count(data[:off], []byte{'\n'})
}

// cycling replays a fixed list of items in order and starts over at the end:
// a dataset is a bag of requests, not a schedule, so a run may ask for more
// requests than the file holds.
type cycling struct {
	items  []Item
	next   int
	report FileReport
}

func newCycling(items []Item, rep FileReport) *cycling {
	rep.Requests = len(items)
	rep.Cycles = true
	return &cycling{items: items, report: rep}
}

func (c *cycling) Next() (Item, error) {
	it := c.items[c.next]
	c.next = (c.next + 1) % len(c.items)
	// Copy the slice a consumer might change, so that a wrapper such as
	// WithSharedPrefix cannot alter the next cycle's item.
	it.Request.Messages = append(it.Request.Messages[:0:0], it.Request.Messages...)
	return it, nil
}

func (c *cycling) FileReport() FileReport { return c.report }

// Len is the number of distinct items in one pass.
func (c *cycling) Len() int { return len(c.items) }
