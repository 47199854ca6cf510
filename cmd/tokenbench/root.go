package main

import (
	"errors"
	"fmt"
	"io"
	"os"
	"runtime/debug"
	"sync/atomic"
	"syscall"

	"github.com/spf13/cobra"

	"github.com/tokenbench/tokenbench/bench"
)

// Exit codes, mapped in one place (exitCode); README.md has their table.
// ExitError covers a failed command, a run where every request failed and
// a run where more than half of the measured requests failed.
const (
	ExitOK          = 0
	ExitError       = 1
	ExitUsage       = 2
	ExitGateFailed  = 3   // tokenbench gate, run --gate: a rule or baseline failed
	ExitCannotJudge = 4   // the run cannot be judged: invalid, no success, too few samples
	ExitInterrupted = 130 // 128 + SIGINT, as shells report it
	ExitTerminated  = 143 // 128 + SIGTERM
)

// Factory hands commands their IO streams, environment and signals, so that
// tests swap in buffers and a channel.
type Factory struct {
	Out, Err  io.Writer
	Getenv    func(string) string
	ErrIsTTY  bool
	Interrupt <-chan os.Signal
	// FDLimit is the process's file-descriptor limit after main raised the
	// soft limit to the hard one; 0 when unknown (no check).
	FDLimit uint64
	// Health reads the process's CPU, scheduler and descriptor counters for
	// the run's validity; nil reads the real ones (tests inject a loaded host).
	Health bench.HealthSource

	secrets secrets
	// signal is the first interrupt received (SIGINT or SIGTERM).
	signal atomic.Value
}

// usageError marks bad flags or arguments.
type usageError struct{ error }

// errInterrupted marks a run stopped by a signal; its results were written.
var errInterrupted = errors.New("interrupted")

// Main runs the command line args and returns the exit code.
func Main(f *Factory, args []string) int {
	root := NewRootCmd(f)
	root.SetArgs(args)
	root.SetOut(f.Out)
	root.SetErr(f.Err)
	return exitCode(f, root.Execute())
}

// exitCode maps an error to the process exit code and reports it on f.Err
// (redacted: no secret reaches the terminal, whatever the error).
func exitCode(f *Factory, err error) int {
	switch {
	case err == nil:
		return ExitOK
	case errors.Is(err, errInterrupted):
		if s, _ := f.signal.Load().(os.Signal); s == syscall.SIGTERM {
			return ExitTerminated
		}
		return ExitInterrupted
	}
	fmt.Fprintln(f.Err, "tokenbench:", f.redact(err.Error()))
	var (
		ue usageError
		gf gateFailedError
		cj cannotJudgeError
	)
	switch {
	case errors.As(err, &ue):
		return ExitUsage
	case errors.As(err, &gf):
		return ExitGateFailed
	case errors.As(err, &cj):
		return ExitCannotJudge
	}
	return ExitError
}

// NewRootCmd builds the command tree.
func NewRootCmd(f *Factory) *cobra.Command {
	root := &cobra.Command{
		Use:           "tokenbench",
		Short:         "Benchmark OpenAI-compatible LLM inference endpoints",
		Long:          "tokenbench replays chat traffic against an OpenAI-compatible inference endpoint (vLLM, SGLang,\nTensorRT-LLM, llama.cpp, Ollama, a gateway) and measures TTFT, TPOT, inter-token latency and\nthroughput exactly, per the definitions in docs/METRICS.md. With no URL it starts a built-in\nsimulated engine, so it runs anywhere.",
		Version:       Version(),
		SilenceUsage:  true,
		SilenceErrors: true,
	}
	root.SetFlagErrorFunc(func(_ *cobra.Command, err error) error { return usageError{err} })
	root.SetUsageTemplate(usageTemplate)
	root.AddCommand(NewCmdRun(f, nil), NewCmdSim(f, nil), NewCmdSummarize(f, nil), NewCmdCost(f, nil), NewCmdPricing(f, nil),
		NewCmdReport(f, nil), NewCmdCompare(f, nil), NewCmdWorkloads(f, nil), NewCmdMerge(f, nil),
		NewCmdSelftest(f, nil), NewCmdSelftestTarget(f), NewCmdGate(f, nil), NewCmdHistory(f, nil))
	return root
}

// Version is the module version, or the VCS revision of a local build.
func Version() string {
	bi, ok := debug.ReadBuildInfo()
	if !ok {
		return "devel"
	}
	v := bi.Main.Version
	if v != "" && v != "(devel)" {
		return v
	}
	rev, dirty := "", false
	for _, s := range bi.Settings {
		switch s.Key {
		case "vcs.revision":
			rev = s.Value
		case "vcs.modified":
			dirty = s.Value == "true"
		}
	}
	if rev == "" {
		return "devel"
	}
	if len(rev) > 12 {
		rev = rev[:12]
	}
	if dirty {
		rev += "-dirty"
	}
	return "devel-" + rev
}
