package main

import (
	"context"
	"fmt"
	"os"
	"os/exec"
	"strconv"
	"time"

	"github.com/spf13/cobra"

	"github.com/tokenbench/tokenbench/bench/selftest"
)

// SelftestOptions are the flags of `tokenbench selftest`.
type SelftestOptions struct {
	Streams   int
	Duration  time.Duration
	Script    selftest.Script
	Output    string
	NoPrewarm bool
}

// NewCmdSelftest builds `tokenbench selftest`; runF replaces the action in tests.
func NewCmdSelftest(f *Factory, runF func(*SelftestOptions) error) *cobra.Command {
	o := &SelftestOptions{Script: selftest.DefaultScript}
	cmd := &cobra.Command{
		Use:   "selftest",
		Short: "Measure tokenbench's own client against a scripted zero-work target",
		Long: `Start a target that does no work but answer every request with a scripted stream
(first token after --ttft, then one event every --gap), in a separate process, hold
--streams streams against it for --duration, and print what the client costs: streams
held, events/s, CPU per event, memory per stream, schedule lag, and TTFT/ITL error
against the script (measured - scripted, target lateness included). See docs/METRICS.md.`,
		Example: `  tokenbench selftest --streams 50 --duration 2s
  tokenbench selftest --streams 1000 --events 128 --gap 20ms -o json`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			if err := checkOutput(o.Output); err != nil {
				return usageError{err}
			}
			if o.Streams < 1 || o.Duration <= 0 {
				return usageError{fmt.Errorf("--streams must be >= 1 and --duration > 0")}
			}
			if err := o.Script.Validate(); err != nil {
				return usageError{err}
			}
			if runF != nil {
				return runF(o)
			}
			return selftestRun(f, o)
		},
	}
	fl := cmd.Flags()
	fl.IntVar(&o.Streams, "streams", 100, "streams to hold at once")
	fl.DurationVar(&o.Duration, "duration", 3*time.Second, "how long to hold the streams, after a ramp of one stream length")
	fl.DurationVar(&o.Script.TTFT, "ttft", o.Script.TTFT, "scripted time to first token")
	fl.DurationVar(&o.Script.Gap, "gap", o.Script.Gap, "scripted gap between events")
	fl.IntVar(&o.Script.Events, "events", o.Script.Events, "scripted token-bearing events per stream")
	fl.BoolVar(&o.NoPrewarm, "no-prewarm", false, "do not open --streams connections first: the first wave then dials")
	fl.StringVarP(&o.Output, "output", "o", "table", "output format: table or json")
	return cmd
}

func selftestRun(f *Factory, o *SelftestOptions) error {
	exe, err := os.Executable()
	if err != nil {
		return fmt.Errorf("selftest: find the tokenbench binary: %w", err)
	}
	url, stop, err := selftest.StartTarget(exec.Command(exe, "selftest-target",
		"--ttft", o.Script.TTFT.String(), "--gap", o.Script.Gap.String(), "--events", strconv.Itoa(o.Script.Events)))
	if err != nil {
		return err
	}
	defer stop()
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	go func() {
		select {
		case <-f.Interrupt:
			cancel()
		case <-ctx.Done():
		}
	}()
	res, err := selftest.Run(ctx, selftest.Options{BaseURL: url, Streams: o.Streams, Duration: o.Duration, Script: o.Script, NoPrewarm: o.NoPrewarm})
	if err != nil {
		return err
	}
	if o.Output == "json" {
		return res.WriteJSON(f.Out)
	}
	return res.WriteText(f.Out)
}

// NewCmdSelftestTarget builds the hidden `tokenbench selftest-target`: the
// scripted target that `selftest` starts in its own process. It serves
// until its stdin closes.
func NewCmdSelftestTarget(f *Factory) *cobra.Command {
	s := selftest.DefaultScript
	cmd := &cobra.Command{
		Use:    "selftest-target",
		Short:  "Serve the selftest's scripted stream (started by selftest)",
		Hidden: true,
		Args:   cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			ctx, cancel := context.WithCancel(context.Background())
			defer cancel()
			go func() {
				select {
				case <-selftest.WatchStdin(cmd.InOrStdin()):
				case <-f.Interrupt:
				}
				cancel()
			}()
			return selftest.Serve(ctx, s, f.Out)
		},
	}
	cmd.Flags().DurationVar(&s.TTFT, "ttft", s.TTFT, "scripted time to first token")
	cmd.Flags().DurationVar(&s.Gap, "gap", s.Gap, "scripted gap between events")
	cmd.Flags().IntVar(&s.Events, "events", s.Events, "scripted events per stream")
	return cmd
}
