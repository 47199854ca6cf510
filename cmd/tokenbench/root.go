package main

import (
	"errors"
	"fmt"
	"io"
	"os"
	"runtime/debug"

	"github.com/spf13/cobra"
)

// Exit codes, mapped in one place (Main).
const (
	ExitOK          = 0
	ExitError       = 1
	ExitUsage       = 2
	ExitGateFailed  = 3   // tokenbench gate, run --gate: a rule or baseline failed
	ExitCannotJudge = 4   // the run cannot be judged: invalid, no success, too few samples
	ExitInterrupted = 130 // 128 + SIGINT, as shells report it
)

// Factory hands commands their IO streams, environment and signals, so that
// tests swap in buffers and a channel.
type Factory struct {
	Out, Err  io.Writer
	Getenv    func(string) string
	ErrIsTTY  bool
	Interrupt <-chan os.Signal
}

// usageError marks bad flags or arguments.
type usageError struct{ error }

// interruptedError marks a run stopped by a signal; its results were written.
var errInterrupted = errors.New("interrupted")

// Main runs the command line args and returns the exit code.
func Main(f *Factory, args []string) int {
	root := NewRootCmd(f)
	root.SetArgs(args)
	root.SetOut(f.Out)
	root.SetErr(f.Err)
	return exitCode(f, root.Execute())
}

// exitCode maps an error to the process exit code and reports it on f.Err.
func exitCode(f *Factory, err error) int {
	var ue usageError
	var gf gateFailedError
	var cj cannotJudgeError
	switch {
	case err == nil:
		return ExitOK
	case errors.Is(err, errInterrupted):
		return ExitInterrupted
	case errors.As(err, &ue):
		fmt.Fprintln(f.Err, "tokenbench:", err)
		return ExitUsage
	case errors.As(err, &gf):
		fmt.Fprintln(f.Err, "tokenbench:", err)
		return ExitGateFailed
	case errors.As(err, &cj):
		fmt.Fprintln(f.Err, "tokenbench:", err)
		return ExitCannotJudge
	default:
		fmt.Fprintln(f.Err, "tokenbench:", err)
		return ExitError
	}
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
