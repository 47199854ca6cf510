//go:build unix

package bench

import (
	"os"
	"syscall"
	"time"
)

// RaiseFDLimit raises the soft limit on open files to the hard limit (Go
// does so at start-up on some systems; this makes it explicit everywhere)
// and returns the limit now in force; 0 when it cannot be read.
func RaiseFDLimit() uint64 {
	var l syscall.Rlimit
	if err := syscall.Getrlimit(syscall.RLIMIT_NOFILE, &l); err != nil {
		return 0
	}
	if l.Cur < l.Max {
		raised := l
		raised.Cur = raised.Max
		if syscall.Setrlimit(syscall.RLIMIT_NOFILE, &raised) == nil {
			l = raised
		}
	}
	return uint64(l.Cur)
}

// openFDs counts the descriptors this process holds; -1 where the system
// does not list them (/proc/self/fd on Linux, /dev/fd elsewhere).
func openFDs() int {
	for _, dir := range []string{"/proc/self/fd", "/dev/fd"} {
		f, err := os.Open(dir)
		if err != nil {
			continue
		}
		names, err := f.Readdirnames(-1)
		f.Close()
		if err == nil {
			return len(names) - 1 // the directory's own descriptor
		}
	}
	return -1
}

// ProcessCPU is the user plus system CPU time this process has used; -1
// when it cannot be read (and off Unix).
func ProcessCPU() time.Duration {
	var ru syscall.Rusage
	if err := syscall.Getrusage(syscall.RUSAGE_SELF, &ru); err != nil {
		return -1
	}
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
}
