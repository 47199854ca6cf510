package main

// run_finish.go: what a finished run tells the user, and its exit status.

import (
	"fmt"
	"path/filepath"
	"sort"
	"strings"

	"github.com/tokenbench/tokenbench/bench"
	"github.com/tokenbench/tokenbench/report"
)

// finish reports failures and maps the outcome to the command's error.
func (e *runEnv) finish(sum *report.Summary, outcome bench.Outcome, runErr error, dir string) error {
	if sum.Requests.Failed > 0 {
		e.say("tokenbench: %d of %d requests failed: %s (details in %s)", sum.Requests.Failed, sum.Requests.Total, errorCounts(sum.Requests.Errors), filepath.Join(dir, bench.RecordsFile))
		for class, ex := range sum.ErrorExamples() {
			if len(ex) > 0 {
				e.say("tokenbench:   %s, e.g. request %s: %s", class, ex[0].RequestID, ex[0].Message)
			}
		}
	}
	e.warnLate()
	if runErr != nil {
		return runErr
	}
	if sum.Requests.Total > 0 && sum.Requests.OK == 0 && !outcome.Interrupted {
		// Nothing was measured: say so in the exit status too (scripts, CI).
		return fmt.Errorf("every request failed (%s); results in %s", errorCounts(sum.Requests.Errors), dir)
	}
	if sum.Requests.Failed*2 > sum.Requests.Total && !outcome.Interrupted {
		// The numbers describe a failing server, not a serving one (it
		// died mid-run, or refused most of the load): a script must see it.
		return fmt.Errorf("%d of %d requests failed, more than half (%s); results in %s", sum.Requests.Failed, sum.Requests.Total, errorCounts(sum.Requests.Errors), dir)
	}
	if outcome.Interrupted {
		e.say("tokenbench: interrupted; %d requests recorded in %s", sum.Requests.Total+sum.Requests.WarmupExcluded, dir)
		return errInterrupted
	}
	return nil
}

// errorCounts renders failures by class, most frequent first.
func errorCounts(m map[string]int) string {
	classes := make([]string, 0, len(m))
	for k := range m {
		classes = append(classes, k)
	}
	sort.Slice(classes, func(i, j int) bool {
		if m[classes[i]] != m[classes[j]] {
			return m[classes[i]] > m[classes[j]]
		}
		return classes[i] < classes[j]
	})
	parts := make([]string, len(classes))
	for i, k := range classes {
		parts[i] = fmt.Sprintf("%s %d", k, m[k])
	}
	return strings.Join(parts, ", ")
}

// warnValidity prints a warning line per reason the run is not valid.
func (e *runEnv) warnValidity(sum *report.Summary, dir string) {
	if sum.Validity == nil || sum.Validity.Valid {
		return
	}
	e.say("tokenbench: WARNING: these numbers may be shaped by the client, not the server (validity.valid false in %s):", filepath.Join(dir, report.SummaryFile))
	for _, r := range sum.Validity.Reasons {
		e.say("tokenbench:   %s: %s", r.Check, r.Message)
	}
}
