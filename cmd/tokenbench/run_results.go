package main

// run_results.go: the results directory and what is written to it and
// to the terminal while a run goes.

import (
	"fmt"
	"io"
	"os"
	"path/filepath"
	"sync"
	"time"

	"github.com/tokenbench/tokenbench/bench"
	"github.com/tokenbench/tokenbench/report"
)

// createResultsDir makes dir and opens its records file; it refuses a
// directory that already holds a run, so results are never overwritten.
func createResultsDir(dir string) (*os.File, error) {
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return nil, err
	}
	if _, err := os.Stat(filepath.Join(dir, bench.RunFile)); err == nil {
		return nil, usageError{fmt.Errorf("%s already holds a run; choose another --out", dir)}
	}
	if _, err := bench.RemoveStaleTemp(dir); err != nil {
		return nil, err
	}
	return os.OpenFile(filepath.Join(dir, bench.RecordsFile), os.O_CREATE|os.O_EXCL|os.O_WRONLY|os.O_APPEND, 0o644)
}

func printSummary(w io.Writer, format string, sum *report.Summary) error {
	if format == "json" {
		return sum.WriteJSON(w)
	}
	return sum.WriteTable(w)
}

// multiSink hands each record to every sink. The first sink is the record
// of truth (requests.jsonl): a record it refuses goes to no other sink, so
// the summary counts exactly what is on disk. Otherwise the first error wins.
type multiSink []bench.Sink

func (m multiSink) Write(r bench.Record) error {
	if len(m) == 0 {
		return nil
	}
	if err := m[0].Write(r); err != nil {
		return err
	}
	var first error
	for _, s := range m[1:] {
		if err := s.Write(r); err != nil && first == nil {
			first = err
		}
	}
	return first
}

// startProgress redraws the live line on w twice a second until stopped.
func startProgress(w io.Writer, live *report.Live) (stop func()) {
	if live == nil {
		return func() {}
	}
	done := make(chan struct{})
	var wg sync.WaitGroup
	wg.Add(1)
	go func() {
		defer wg.Done()
		t := time.NewTicker(500 * time.Millisecond)
		defer t.Stop()
		for {
			select {
			case now := <-t.C:
				fmt.Fprintf(w, "\r\033[K%s", live.Line(now))
			case <-done:
				fmt.Fprintf(w, "\r\033[K")
				return
			}
		}
	}()
	return func() { close(done); wg.Wait() }
}
