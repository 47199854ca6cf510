package main

import (
	"flag"
	"os"
	"testing"
)

// envAsMain makes the test binary run as tokenbench itself, so tests start
// several tokenbench processes without building the binary.
const envAsMain = "TOKENBENCH_TEST_AS_MAIN"

// TestMain lets up to four parallel subtests run at once whatever the core
// count: the README's examples and the example scenarios mostly wait on the
// built-in engine's simulated time, not on the CPU.
func TestMain(m *testing.M) {
	if os.Getenv(envAsMain) == "1" {
		main() // a re-exec'd shard process (shard_test.go): the binary as built
	}
	flag.Parse()
	if f := flag.Lookup("test.parallel"); f != nil && f.Value.String() == f.DefValue {
		if n := f.Value.String(); n == "1" || n == "2" || n == "3" {
			f.Value.Set("4")
		}
	}
	os.Exit(m.Run())
}
