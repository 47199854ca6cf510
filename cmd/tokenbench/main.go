// Command tokenbench replays chat and agentic traffic against an
// OpenAI-compatible inference endpoint and measures what users feel and
// what operators pay for. See README.md.
package main

import (
	"os"
	"os/signal"
	"syscall"

	"github.com/mattn/go-isatty"

	"github.com/tokenbench/tokenbench/bench"
)

// main is the only function that touches os: everything below gets its
// streams, environment and signals from the Factory.
func main() {
	sigs := make(chan os.Signal, 2)
	signal.Notify(sigs, os.Interrupt, syscall.SIGTERM)
	f := &Factory{
		Out:       os.Stdout,
		Err:       os.Stderr,
		Getenv:    os.Getenv,
		ErrIsTTY:  isatty.IsTerminal(os.Stderr.Fd()),
		Interrupt: sigs,
		FDLimit:   bench.RaiseFDLimit(),
	}
	os.Exit(Main(f, os.Args[1:]))
}
