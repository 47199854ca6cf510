package main

import (
	"bytes"
	"context"
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"

	batchv1 "k8s.io/api/batch/v1"
	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"sigs.k8s.io/yaml"

	"github.com/tokenbench/tokenbench/workloads"
)

const k8sDir = "../../examples/k8s"

// k8sObject is one decoded manifest.
type k8sObject struct {
	file string
	job  *batchv1.Job
	pvc  *corev1.PersistentVolumeClaim
}

// readManifests decodes every document of every examples/k8s/*.yaml
// strictly with the Kubernetes API types: an unknown or misspelt field, a
// wrong type or an unknown kind fails.
func readManifests(t *testing.T) []k8sObject {
	t.Helper()
	files, err := filepath.Glob(filepath.Join(k8sDir, "*.yaml"))
	if err != nil || len(files) == 0 {
		t.Fatalf("no manifests in %s: %v", k8sDir, err)
	}
	var out []k8sObject
	for _, f := range files {
		b, err := os.ReadFile(f)
		if err != nil {
			t.Fatal(err)
		}
		for k, doc := range bytes.Split(b, []byte("\n---\n")) {
			var tm metav1.TypeMeta
			if err := yaml.Unmarshal(doc, &tm); err != nil {
				t.Fatalf("%s document %d: %v", f, k+1, err)
			}
			o := k8sObject{file: filepath.Base(f)}
			var target any
			switch tm.APIVersion + " " + tm.Kind {
			case "batch/v1 Job":
				o.job = &batchv1.Job{}
				target = o.job
			case "v1 PersistentVolumeClaim":
				o.pvc = &corev1.PersistentVolumeClaim{}
				target = o.pvc
			default:
				t.Fatalf("%s document %d: unexpected %s %s", f, k+1, tm.APIVersion, tm.Kind)
			}
			if err := yaml.UnmarshalStrict(doc, target); err != nil {
				t.Fatalf("%s document %d: %v", f, k+1, err)
			}
			out = append(out, o)
		}
	}
	return out
}

var k8sVarRef = regexp.MustCompile(`\$\(([A-Za-z_][A-Za-z0-9_]*)\)`)

// expand does what the kubelet does to a container's args: $(VAR) becomes
// the value of the container's env var VAR (plus JOB_COMPLETION_INDEX, which
// the Job controller adds to every container of an Indexed Job).
func expand(t *testing.T, c corev1.Container, extra map[string]string, s string) string {
	t.Helper()
	env := containerEnv(c, extra)
	return k8sVarRef.ReplaceAllStringFunc(s, func(m string) string {
		name := k8sVarRef.FindStringSubmatch(m)[1]
		v, ok := env[name]
		if !ok {
			t.Errorf("container %s: $(%s) is not defined", c.Name, name)
		}
		return v
	})
}

// containerEnv is the container's literal env (secrets and field refs left
// out), as a Getenv.
func containerEnv(c corev1.Container, extra map[string]string) map[string]string {
	env := map[string]string{}
	for _, e := range c.Env {
		if e.ValueFrom == nil {
			env[e.Name] = e.Value
		}
	}
	for k, v := range extra {
		env[k] = v
	}
	return env
}

func findContainer(spec corev1.PodSpec, image string) (corev1.Container, bool) {
	for _, c := range append(slices.Clone(spec.InitContainers), spec.Containers...) {
		if strings.Contains(c.Image, image) && len(c.Command) == 0 {
			return c, true
		}
	}
	return corev1.Container{}, false
}

func resultsMount(t *testing.T, spec corev1.PodSpec, c corev1.Container) corev1.Volume {
	t.Helper()
	for _, m := range c.VolumeMounts {
		if m.MountPath == "/results" {
			for _, v := range spec.Volumes {
				if v.Name == m.Name {
					return v
				}
			}
		}
	}
	t.Fatalf("container %s mounts no volume at /results", c.Name)
	return corev1.Volume{}
}

// TestK8sExamples checks the shard wiring of examples/k8s: each Indexed
// Job pod runs shard <completion index>/<completions> of the same whole
// workload with every shard running at once, into a directory per index on
// a volume the merge Job reads, and the merge Job lists exactly the shard
// directories. The pods' arguments are parsed by tokenbench's own commands.
func TestK8sExamples(t *testing.T) {
	objs := readManifests(t)
	pvcs := map[string]bool{}
	for _, o := range objs {
		if o.pvc != nil {
			pvcs[o.pvc.Name] = true
			if !slices.Contains(o.pvc.Spec.AccessModes, corev1.ReadWriteMany) {
				t.Errorf("%s: the shared results volume must be ReadWriteMany (pods on several nodes)", o.file)
			}
		}
	}
	startAt := time.Now().Add(time.Minute).UTC().Format(time.RFC3339)
	pairs := map[string][]string{} // storage ("pvc" or "s3") -> shard dirs written
	merges := map[string][]string{}
	for _, o := range objs {
		if o.job == nil {
			continue
		}
		storage := "pvc"
		if strings.Contains(o.file, "s3") {
			storage = "s3"
		}
		spec := o.job.Spec.Template.Spec
		if spec.RestartPolicy != corev1.RestartPolicyNever {
			t.Errorf("%s: restartPolicy %q: a restarted pod would find its results directory taken", o.file, spec.RestartPolicy)
		}
		if o.job.Spec.BackoffLimit == nil || *o.job.Spec.BackoffLimit != 0 {
			t.Errorf("%s: a failed shard or merge must not be retried (backoffLimit 0)", o.file)
		}
		c, ok := findContainer(spec, "tokenbench")
		if !ok {
			t.Fatalf("%s: no tokenbench container", o.file)
		}
		vol := resultsMount(t, spec, c)
		switch {
		case storage == "pvc" && (vol.PersistentVolumeClaim == nil || !pvcs[vol.PersistentVolumeClaim.ClaimName]):
			t.Errorf("%s: /results is not the shared claim of results-pvc.yaml", o.file)
		case storage == "s3" && vol.EmptyDir == nil:
			t.Errorf("%s: /results should be the pod's own disk", o.file)
		}
		if storage == "s3" && !hasUploader(spec) {
			t.Errorf("%s: no uploader sidecar (an init container with restartPolicy Always)", o.file)
		}
		switch c.Args[0] {
		case "run":
			pairs[storage] = checkShardJob(t, o, c, startAt)
		case "merge":
			merges[storage] = checkMergeJob(t, o, c)
		default:
			t.Errorf("%s: tokenbench %s", o.file, c.Args[0])
		}
	}
	for _, storage := range []string{"pvc", "s3"} {
		if len(pairs[storage]) == 0 || !slices.Equal(pairs[storage], merges[storage]) {
			t.Errorf("%s: the shards write %v, the merge reads %v", storage, pairs[storage], merges[storage])
		}
	}
}

func hasUploader(spec corev1.PodSpec) bool {
	for _, c := range spec.InitContainers {
		if c.RestartPolicy != nil && *c.RestartPolicy == corev1.ContainerRestartPolicyAlways && strings.Contains(strings.Join(c.Args, " "), "TERM") {
			return true
		}
	}
	return false
}

// checkShardJob parses every pod's tokenbench run as the pod would run it
// and returns the results directories, by index.
func checkShardJob(t *testing.T, o k8sObject, c corev1.Container, startAt string) []string {
	t.Helper()
	js := o.job.Spec
	if js.CompletionMode == nil || *js.CompletionMode != batchv1.IndexedCompletion {
		t.Fatalf("%s: not an Indexed Job", o.file)
	}
	if js.Completions == nil || js.Parallelism == nil || *js.Completions != *js.Parallelism {
		t.Fatalf("%s: completions and parallelism must be equal: every shard runs at once", o.file)
	}
	n := int(*js.Completions)
	env := containerEnv(c, nil)
	if env[EnvShards] != strconv.Itoa(n) {
		t.Errorf("%s: %s=%q but %d completions", o.file, EnvShards, env[EnvShards], n)
	}
	if env[EnvStartAt] != "__START_AT__" {
		t.Errorf("%s: %s=%q, want the __START_AT__ placeholder the README's sed replaces", o.file, EnvStartAt, env[EnvStartAt])
	}
	var dirs []string
	var wholeReq int
	for i := range n {
		extra := map[string]string{EnvJobIndex: strconv.Itoa(i), EnvStartAt: startAt}
		args := make([]string, len(c.Args))
		for k, a := range c.Args {
			args[k] = expand(t, c, extra, a)
		}
		f, _, errb, _ := testFactory(containerEnv(c, extra))
		var got *RunOptions
		cmd := NewCmdRun(f, func(_ context.Context, ro *RunOptions) error { got = ro; return nil })
		cmd.SetArgs(args[1:])
		cmd.SetOut(f.Out)
		cmd.SetErr(f.Err)
		if err := cmd.Execute(); err != nil {
			t.Fatalf("%s pod %d: tokenbench %v: %v %s", o.file, i, args, err, errb.String())
		}
		if want := (workloads.Shard{Index: i, Count: n}); got.Shard.shard != want {
			t.Errorf("%s pod %d runs shard %v, want %v", o.file, i, got.Shard.shard, want)
		}
		if got.Shard.startAt.IsZero() || got.URL == "" {
			t.Errorf("%s pod %d: start %v, url %q", o.file, i, got.Shard.startAt, got.URL)
		}
		l, info, err := got.load(nil)
		if err != nil {
			t.Fatal(err)
		}
		l, _ = got.Shard.apply(l, info)
		wholeReq += l.Requests
		dirs = append(dirs, got.Out)
	}
	if wholeReq != flagInt(t, c.Args, "--requests") {
		t.Errorf("%s: the pods send %d requests between them, the workload has %d", o.file, wholeReq, flagInt(t, c.Args, "--requests"))
	}
	return dirs
}

// checkMergeJob parses the merge Job's command and returns the shard
// directories it reads.
func checkMergeJob(t *testing.T, o k8sObject, c corev1.Container) []string {
	t.Helper()
	args := make([]string, len(c.Args))
	for k, a := range c.Args {
		args[k] = expand(t, c, nil, a)
	}
	f, _, _, _ := testFactory(nil)
	var got *MergeOptions
	cmd := NewCmdMerge(f, func(mo *MergeOptions) error { got = mo; return nil })
	cmd.SetArgs(args[1:])
	cmd.SetOut(f.Out)
	cmd.SetErr(f.Err)
	if err := cmd.Execute(); err != nil {
		t.Fatalf("%s: tokenbench %v: %v", o.file, args, err)
	}
	if got.Out == "" || slices.Contains(got.Dirs, got.Out) {
		t.Errorf("%s: merge into %q", o.file, got.Out)
	}
	return got.Dirs
}

func flagInt(t *testing.T, args []string, flag string) int {
	t.Helper()
	for _, a := range args {
		if v, ok := strings.CutPrefix(a, flag+"="); ok {
			n, err := strconv.Atoi(v)
			if err != nil {
				t.Fatal(err)
			}
			return n
		}
	}
	t.Fatalf("no %s in %v", flag, args)
	return 0
}
