package main

import (
	"bytes"
	"context"
	"encoding/xml"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"go.yaml.in/yaml/v3"

	"github.com/tokenbench/tokenbench/gate"
)

// workflow is the part of a GitHub Actions workflow the test runs.
type workflow struct {
	Env  map[string]string `yaml:"env"`
	Jobs map[string]struct {
		Env   map[string]string `yaml:"env"`
		Steps []struct {
			Name string            `yaml:"name"`
			Uses string            `yaml:"uses"`
			Run  string            `yaml:"run"`
			If   string            `yaml:"if"`
			Env  map[string]string `yaml:"env"`
		} `yaml:"steps"`
	} `yaml:"jobs"`
}

// TestCIExampleWorkflow parses examples/ci/tokenbench.yml and runs each of
// its shell steps, in order, as GitHub's runner would: bash -eo pipefail
// from the repository root, RUNNER_TEMP and GITHUB_STEP_SUMMARY in a
// scratch directory, GITHUB_PATH honoured. Steps that use actions/* are
// skipped (checkout, setup-go, cache, upload): the first run finds no
// history, as on a fresh repository.
func TestCIExampleWorkflow(t *testing.T) {
	if testing.Short() {
		t.Skip("builds tokenbench and runs the example workflow")
	}
	root, err := filepath.Abs("../..")
	if err != nil {
		t.Fatal(err)
	}
	b, err := os.ReadFile(filepath.Join(root, "examples", "ci", "tokenbench.yml"))
	if err != nil {
		t.Fatal(err)
	}
	var wf workflow
	if err := yaml.Unmarshal(b, &wf); err != nil {
		t.Fatalf("workflow does not parse: %v", err)
	}
	job, ok := wf.Jobs["bench"]
	if !ok || len(job.Steps) < 5 {
		t.Fatalf("workflow: job bench with steps expected, got %+v", wf.Jobs)
	}
	tmp := t.TempDir()
	summary := filepath.Join(tmp, "step_summary.md")
	ghPath := filepath.Join(tmp, "github_path")
	base := []string{"RUNNER_TEMP=" + tmp, "GITHUB_STEP_SUMMARY=" + summary, "GITHUB_PATH=" + ghPath, "GITHUB_WORKSPACE=" + root, "CI=true"}
	for _, kv := range os.Environ() {
		if !strings.HasPrefix(kv, "OPENAI_") && !strings.HasPrefix(kv, "GITHUB_") && !strings.HasPrefix(kv, "RUNNER_") {
			base = append(base, kv)
		}
	}
	ran := 0
	for i, st := range job.Steps {
		name := st.Name
		if name == "" {
			name = st.Uses
		}
		if st.Run == "" {
			if !strings.HasPrefix(st.Uses, "actions/") {
				t.Errorf("step %d (%s): neither a shell step nor an actions/* step", i+1, name)
			}
			continue
		}
		if strings.Contains(st.Run, "${{") {
			t.Errorf("step %s: use environment variables in run scripts, not ${{ }} expressions", name)
		}
		env := append([]string(nil), base...)
		for _, m := range []map[string]string{wf.Env, job.Env, st.Env} {
			for k, v := range m {
				env = append(env, k+"="+v)
			}
		}
		if extra, err := os.ReadFile(ghPath); err == nil {
			for _, dir := range strings.Fields(string(extra)) {
				env = append(env, "PATH="+dir+string(os.PathListSeparator)+os.Getenv("PATH"))
			}
		}
		ctx, cancel := context.WithTimeout(context.Background(), 3*time.Minute)
		cmd := exec.CommandContext(ctx, "bash", "--noprofile", "--norc", "-eo", "pipefail", "-c", st.Run)
		cmd.Dir, cmd.Env = root, env
		out, err := cmd.CombinedOutput()
		cancel()
		if err != nil {
			t.Fatalf("step %q failed: %v\n%s\n--- output ---\n%s", name, err, st.Run, out)
		}
		ran++
	}
	if ran < 3 {
		t.Fatalf("ran %d shell steps", ran)
	}
	md, _ := os.ReadFile(summary)
	if !bytes.Contains(md, []byte("tokenbench gate")) || !bytes.Contains(md, []byte("gate passed")) || !bytes.Contains(md, []byte("ci-chat-c8")) {
		t.Errorf("step summary:\n%s", md)
	}
	var j gate.JUnit
	x, err := os.ReadFile(filepath.Join(tmp, "results", "gate.xml"))
	if err != nil {
		t.Fatal(err)
	}
	if err := xml.Unmarshal(x, &j); err != nil || j.Tests != 8 || j.Failures != 0 || j.Skipped != 4 {
		t.Errorf("JUnit: %+v, %v", j, err)
	}
	for _, f := range []string{"report.html", "ttft_p50_history.svg", "history.html", "../history.db"} {
		if _, err := os.Stat(filepath.Join(tmp, "results", f)); err != nil {
			t.Errorf("workflow output missing: %v", err)
		}
	}
}
