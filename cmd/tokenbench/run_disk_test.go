package main

import (
	"context"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/tokenbench/tokenbench/bench"
	"github.com/tokenbench/tokenbench/internal/faults"
	"github.com/tokenbench/tokenbench/report"
	"github.com/tokenbench/tokenbench/workloads"
)

type okDoer struct{}

func (okDoer) Do(_ context.Context, req workloads.Request, epoch, sched time.Time) (bench.Record, workloads.Reply) {
	start := time.Now()
	ttft := 1.0
	return bench.Record{OK: true, Status: 200, TSchedMS: bench.Ms(sched.Sub(epoch)), TStartMS: bench.Ms(start.Sub(epoch)),
		TTFTMS: &ttft, E2EMS: 2, EventsMS: []float64{1, 2}, OutputTokens: 2, InputTokens: 3, TokensSource: bench.TokensFromUsage}, workloads.Reply{}
}

// TestRunStopsOnFullDiskCountingOnlyWhatIsOnDisk: the run stops at the
// failed write, the file ends with its last whole record, and the summary
// counts exactly the records the file holds.
func TestRunStopsOnFullDiskCountingOnlyWhatIsOnDisk(t *testing.T) {
	path := filepath.Join(t.TempDir(), bench.RecordsFile)
	f, err := os.OpenFile(path, os.O_CREATE|os.O_EXCL|os.O_WRONLY|os.O_APPEND, 0o644)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	src, err := workloads.Synthetic{InputTokens: 4, OutputTokens: 2}.NewSource()
	if err != nil {
		t.Fatal(err)
	}
	agg := report.NewAggregator()
	w := bench.NewJSONLWriter(&faults.FullDisk{File: f, OK: 7})
	_, runErr := bench.Run(context.Background(), bench.Load{Concurrency: 3, Requests: 200, Epoch: time.Now()}, src, okDoer{}, multiSink{w, agg})
	if !errors.Is(runErr, syscall.ENOSPC) || !strings.Contains(runErr.Error(), "the run stops") {
		t.Fatalf("run error %v", runErr)
	}
	sum := agg.Close()
	disk, warns, err := report.Summarize(filepath.Dir(path))
	if err != nil || len(warns) != 0 {
		t.Fatalf("summarize: %v %v", err, warns)
	}
	if sum.Requests.Total != 7 || disk.Requests.Total != 7 || w.Written() != 7 {
		t.Errorf("summary counts %d, disk holds %d, writer wrote %d: want 7 each", sum.Requests.Total, disk.Requests.Total, w.Written())
	}
}
