//go:build !unix

package bench

import "time"

// RaiseFDLimit is a no-op where there is no RLIMIT_NOFILE; it returns 0
// (unknown).
func RaiseFDLimit() uint64 { return 0 }

func openFDs() int { return -1 }

// ProcessCPU is not measured off Unix: -1.
func ProcessCPU() time.Duration { return -1 }
