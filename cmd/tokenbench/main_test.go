package main

import (
	"flag"
	"os"
	"testing"
)

// TestMain lets up to four parallel subtests run at once whatever the core
// count: the README's examples and the example scenarios mostly wait on the
// built-in engine's simulated time, not on the CPU.
func TestMain(m *testing.M) {
	flag.Parse()
	if f := flag.Lookup("test.parallel"); f != nil && f.Value.String() == f.DefValue {
		if n := f.Value.String(); n == "1" || n == "2" || n == "3" {
			f.Value.Set("4")
		}
	}
	os.Exit(m.Run())
}
