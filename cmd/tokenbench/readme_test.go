package main

import (
	"context"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

// readmeBlocks returns the ```sh blocks of the README, in order. Blocks
// fenced as ```console show commands that need something this machine has
// no (a GPU server, a key) and are not run.
func readmeBlocks(t *testing.T, path string) []string {
	t.Helper()
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	var blocks []string
	var cur *strings.Builder
	for _, line := range strings.Split(string(b), "\n") {
		switch {
		case cur == nil && strings.TrimSpace(line) == "```sh":
			cur = &strings.Builder{}
		case cur != nil && strings.TrimSpace(line) == "```":
			blocks = append(blocks, cur.String())
			cur = nil
		case cur != nil:
			cur.WriteString(line + "\n")
		}
	}
	if cur != nil {
		t.Fatalf("%s: unterminated code block", path)
	}
	return blocks
}

// TestREADMEExamples runs every sh example of the README as printed, with
// a freshly built tokenbench first on PATH, in a scratch directory (blocks
// that call make run in the repository root).
func TestREADMEExamples(t *testing.T) {
	if testing.Short() {
		t.Skip("runs the README's benchmarks (about a minute)")
	}
	root, err := filepath.Abs("../..")
	if err != nil {
		t.Fatal(err)
	}
	bin := t.TempDir()
	build := exec.Command("go", "build", "-o", filepath.Join(bin, "tokenbench"), ".")
	if out, err := build.CombinedOutput(); err != nil {
		t.Fatalf("go build: %v\n%s", err, out)
	}
	var env []string
	for _, kv := range os.Environ() {
		if strings.HasPrefix(kv, "OPENAI_") || strings.HasPrefix(kv, "PATH=") {
			continue // the examples use the built-in engine
		}
		env = append(env, kv)
	}
	env = append(env, "PATH="+bin+string(os.PathListSeparator)+os.Getenv("PATH"))
	// The examples run from the repository's root in the README; here they
	// run in a scratch directory that sees the repository's examples/.
	work := t.TempDir()
	if err := os.Symlink(filepath.Join(root, "examples"), filepath.Join(work, "examples")); err != nil {
		t.Fatal(err)
	}
	blocks := readmeBlocks(t, filepath.Join(root, "README.md"))
	if len(blocks) < 5 {
		t.Fatalf("found %d sh blocks in the README", len(blocks))
	}
	for k, block := range blocks {
		k, block := k, block
		name := strings.SplitN(strings.TrimSpace(block), "\n", 2)[0]
		t.Run(name, func(t *testing.T) {
			t.Parallel() // each block is independent: its own engine, its own results
			ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
			defer cancel()
			cmd := exec.CommandContext(ctx, "bash", "-euo", "pipefail", "-c", block)
			cmd.Env, cmd.Dir = env, work
			if strings.Contains(block, "make ") {
				cmd.Dir = root
			}
			out, err := cmd.CombinedOutput()
			if err != nil {
				t.Fatalf("README block %d failed: %v\n%s\n--- output ---\n%s", k+1, err, block, out)
			}
			if strings.Contains(block, "tokenbench run") && !strings.Contains(block, "--quiet") && !strings.Contains(string(out), "TTFT") {
				t.Errorf("README block %d printed no summary:\n%s", k+1, out)
			}
		})
	}
}
