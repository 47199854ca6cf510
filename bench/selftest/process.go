package selftest

import (
	"bufio"
	"errors"
	"fmt"
	"io"
	"os/exec"
	"strings"
	"time"
)

// StartTarget starts cmd, a process that serves a script and announces
// its URL as Serve does (normally `tokenbench selftest-target`), and
// returns the URL and a function that stops it. The process gets a stdin
// it watches: when this process dies, the pipe closes and the target
// exits, so no target outlives its selftest.
func StartTarget(cmd *exec.Cmd) (url string, stop func() error, err error) {
	out, err := cmd.StdoutPipe()
	if err != nil {
		return "", nil, fmt.Errorf("selftest: target: %w", err)
	}
	stdin, err := cmd.StdinPipe()
	if err != nil {
		return "", nil, fmt.Errorf("selftest: target: %w", err)
	}
	if err := cmd.Start(); err != nil {
		return "", nil, fmt.Errorf("selftest: start target: %w", err)
	}
	stop = func() error {
		stdin.Close()
		done := make(chan error, 1)
		go func() { done <- cmd.Wait() }()
		select {
		case <-done:
		case <-time.After(5 * time.Second):
			_ = cmd.Process.Kill()
			<-done
		}
		return nil
	}
	lines := make(chan string, 1)
	go func() {
		line, _ := bufio.NewReader(out).ReadString('\n')
		lines <- line
		_, _ = io.Copy(io.Discard, out)
	}()
	select {
	case line := <-lines:
		if u, ok := strings.CutPrefix(strings.TrimSpace(line), "listening "); ok {
			return u, stop, nil
		}
		_ = stop()
		return "", nil, fmt.Errorf("selftest: target did not announce its URL (said %q)", strings.TrimSpace(line))
	case <-time.After(30 * time.Second):
		_ = stop()
		return "", nil, errors.New("selftest: target did not start within 30 s")
	}
}

// WatchStdin returns a channel closed when r (the target's stdin) ends:
// the parent selftest is gone.
func WatchStdin(r io.Reader) <-chan struct{} {
	done := make(chan struct{})
	go func() {
		_, _ = io.Copy(io.Discard, r)
		close(done)
	}()
	return done
}
