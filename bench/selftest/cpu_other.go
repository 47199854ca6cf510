//go:build !unix

package selftest

import (
	"errors"
	"time"
)

// processCPU is not measured off Unix: cpu_us_per_event stays 0.
func processCPU() (time.Duration, error) {
	return 0, errors.New("selftest: process CPU time is measured on Unix only")
}
