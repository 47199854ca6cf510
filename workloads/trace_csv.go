package workloads

import (
	"bytes"
	"encoding/csv"
	"errors"
	"fmt"
	"io"
	"strings"
)

// csvRow gives a row's fields by column name, and the row's line for errors.
type csvRow struct {
	table  *csvTable
	record []string
}

func (r csvRow) get(col string) string { return strings.TrimSpace(r.record[r.table.cols[col]]) }

// line is the line the row starts on.
func (r csvRow) line() int {
	line, _ := r.table.r.FieldPos(0)
	return line
}

// fail is the error of one field of the row, naming file, line and column.
func (r csvRow) fail(col string, err error) error {
	line, _ := r.table.r.FieldPos(r.table.cols[col])
	return fileError(r.table.name, line, col, err)
}

type csvTable struct {
	name string
	r    *csv.Reader
	cols map[string]int // required column -> index
}

// readCSV checks the header of a CSV trace for the required columns (matched
// without regard to case or surrounding space; other columns are ignored) and
// calls fn for every row. encoding/csv handles quoting and names the line
// of malformed rows and of rows with the wrong number of fields.
func readCSV(name string, data []byte, required []string, fn func(csvRow) error) error {
	data = bytes.TrimPrefix(data, []byte("\xef\xbb\xbf")) // a UTF-8 BOM from spreadsheet exports
	r := csv.NewReader(bytes.NewReader(data))
	r.ReuseRecord = true
	header, err := r.Read()
	if err == io.EOF {
		return fileError(name, 0, "", errors.New("empty file: want a CSV header"))
	}
	if err != nil {
		return csvError(name, err)
	}
	header = append([]string(nil), header...) // ReuseRecord reuses it
	t := &csvTable{name: name, r: r, cols: map[string]int{}}
	for _, want := range required {
		for i, h := range header {
			if strings.EqualFold(strings.TrimSpace(h), want) {
				t.cols[want] = i
				break
			}
		}
		if _, ok := t.cols[want]; !ok {
			return fileError(name, 1, "", fmt.Errorf("missing column %q (header: %s)", want, strings.Join(header, ",")))
		}
	}
	for {
		rec, err := r.Read()
		if err == io.EOF {
			return nil
		}
		if err != nil {
			return csvError(name, err)
		}
		if err := fn(csvRow{table: t, record: rec}); err != nil {
			return err
		}
	}
}

func csvError(name string, err error) error {
	var pe *csv.ParseError
	if errors.As(err, &pe) {
		return fileError(name, pe.Line, "", pe.Err)
	}
	return fileError(name, 0, "", err)
}

// lengthRec is a trace record that gives only token counts: Azure and
// BurstGPT.
type lengthRec struct {
	at      int64
	line    int
	in, out int
}

func (r lengthRec) traceNS() int64 { return r.at }

// lengthItem renders a record as a prompt of exactly in tokens of text of
// its own (keyed by its line, so no two requests share more than chance),
// asking for exactly out tokens.
func lengthItem(r *lengthRec, seed uint64) Item {
	return Item{
		ID: fmt.Sprintf("L%d", r.line),
		Request: Request{
			Prompt:      blockText(blockKey(uint64(r.line), seed, domainPrompt), r.in),
			MaxTokens:   r.out,
			ForceLength: true,
			InputTokens: r.in,
		},
	}
}

// lengthColumns names the columns of a CSV trace of request lengths and
// how its timestamps read (nanoseconds from any origin).
type lengthColumns struct {
	time, in, out string
	extra         []string // further required columns
	parseTime     func(string) (int64, error)
}

// parseLengthCSV reads a CSV trace of (timestamp, input tokens, output
// tokens) rows, Azure's and BurstGPT's shape. skip returns why a parsed
// row is left out ("" keeps it); every reason is counted in the
// FileReport.
func parseLengthCSV(name string, data []byte, s Spec, c lengthColumns, skip func(row csvRow, r lengthRec) string) (Source, error) {
	rep := FileReport{Path: name}
	skipped := skips{}
	var recs []lengthRec
	cols := append([]string{c.time, c.in, c.out}, c.extra...)
	err := readCSV(name, data, cols, func(row csvRow) error {
		rep.Records++
		r := lengthRec{line: row.line()}
		var err error
		if r.at, err = c.parseTime(row.get(c.time)); err != nil {
			return row.fail(c.time, err)
		}
		if r.in, err = parseCount(row.get(c.in)); err != nil {
			return row.fail(c.in, err)
		}
		if r.out, err = parseCount(row.get(c.out)); err != nil {
			return row.fail(c.out, err)
		}
		if reason := skip(row, r); reason != "" {
			skipped[reason]++
			return nil
		}
		recs = append(recs, r)
		return nil
	})
	if err != nil {
		return nil, err
	}
	return lengthTraceSource(name, recs, s, rep, skipped)
}

// lengthTraceSource finishes reading a CSV trace of lengths (Azure,
// BurstGPT): it records what was skipped and refuses a file with no
// usable row, naming why the rows were skipped.
func lengthTraceSource(name string, recs []lengthRec, s Spec, rep FileReport, skipped skips) (Source, error) {
	rep.Skipped = skipped.list()
	if len(recs) == 0 {
		return nil, fileError(name, 0, "", fmt.Errorf("no usable requests among %d rows (%s)", rep.Records, skipSummary(rep.Skipped)))
	}
	return newTraceSource(name, recs, s, rep, func(r *lengthRec) Item { return lengthItem(r, s.Seed) })
}
